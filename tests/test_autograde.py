"""`neurograde autograde`: a course's submissions, in shards, into one gradebook."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from grader.autograde import Shard

ROOT = Path(__file__).resolve().parents[1]


def neurograde(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "grader", *args], capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("course")
    solution = (ROOT / "solutions" / "activations.py").read_text()
    for name, source in {
        "alice": solution,
        "bob": (ROOT / "exercises" / "activations.py").read_text(),
        "carol": solution.replace("z > 0).astype", "z >= 0).astype"),
    }.items():
        (root / name).mkdir()
        (root / name / "activations.py").write_text(source)
    return root


def test_gradebook_has_a_row_per_submission(course: Path) -> None:
    done = neurograde("autograde", str(course), "--exercise", "activations", "--jobs", "2")
    assert done.returncode == 0, done.stderr
    rows = {row["submission"]: row for row in csv.DictReader(io.StringIO(done.stdout))}
    assert sorted(rows) == ["alice", "bob", "carol"]
    assert float(rows["alice"]["activations"]) == float(rows["alice"]["max_score"]) > 0
    assert float(rows["bob"]["score"]) == 0.0
    assert rows["carol"]["misconceptions"] == "relu-grad-at-zero"
    assert not (course / "alice" / ".neurograde").exists(), (
        "autograding leaves submissions untouched"
    )


def test_shards_merge_into_the_whole_gradebook(course: Path, tmp_path: Path) -> None:
    whole = json.loads(
        neurograde("autograde", str(course), "--exercise", "activations", "--format", "json").stdout
    )
    shards = []
    for index in (1, 2):
        target = tmp_path / f"shard{index}.json"
        args = ("autograde", str(course), "--exercise", "activations", "--shard", f"{index}/2")
        assert neurograde(*args, "--format", "json", "--output", str(target)).returncode == 0
        shards.append(str(target))
    merged = json.loads(neurograde("autograde", "--merge", *shards, "--format", "json").stdout)
    assert merged["submissions"] == whole["submissions"]
    assert sorted(merged["shards"]) == ["1/2", "2/2"]
    clash = neurograde("autograde", "--merge", shards[0], shards[0])
    assert clash.returncode == 2 and "appears in two gradebooks" in clash.stderr


def test_shard_selection_covers_every_submission_once() -> None:
    items = [Path(str(i)) for i in range(7)]
    picked = [p for i in range(1, 4) for p in Shard(i, 3).select(items)]
    assert sorted(picked) == sorted(items)
    with pytest.raises(ValueError):
        Shard.parse("0/3")
    with pytest.raises(ValueError):
        Shard.parse("two")
