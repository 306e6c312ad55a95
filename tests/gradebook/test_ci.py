"""`neurograde assign ci`: each engine's generated jobs, run here with the engine's variables set,
merge into the gradebook of a one-machine run."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

yaml = pytest.importorskip("yaml")

SHARDS = 2
QUICK = {"NEUROGRADE_EXAMPLES": "3"}


@pytest.fixture(scope="module")
def one_machine(gb: SimpleNamespace, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Three learners, and their gradebook graded on one machine."""
    root = tmp_path_factory.mktemp("one")
    solution = gb.solution("activations")
    learners = {
        "ann": {"activations": solution},
        "ben": {"activations": solution.replace("z > 0).astype", "z >= 0).astype")},
        "cat": {"activations": gb.stub("activations")},
    }
    gb.write_course(root / "submissions", learners)
    done = gb.neurograde(
        "autograde", "submissions", "--exercise", "activations", "--quiet", "--output", "one.json",
        cwd=root, env=QUICK,
    )
    assert done.returncode == 0, done.stderr
    return {"learners": learners, "book": json.loads((root / "one.json").read_text())}


@pytest.fixture
def job(gb, one_machine, tmp_path: Path) -> SimpleNamespace:
    """A folder holding the course, a `pip` that does nothing and `sbatch` that records its calls."""
    gb.write_course(tmp_path / "submissions", one_machine["learners"])
    fakes = tmp_path / "fakes"
    fakes.mkdir()
    (fakes / "pip").write_text("#!/bin/sh\nexit 0\n")
    (fakes / "sbatch").write_text(f'#!/bin/sh\necho "$@" >> {tmp_path}/sbatch.log\necho 4242\n')
    for fake in fakes.iterdir():
        fake.chmod(0o755)
    inherited = {k: v for k, v in os.environ.items() if k != "NEUROGRADE_SECRET"}
    path = f"{fakes}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    env = {**inherited, **QUICK, "PATH": path}

    def shell(script: str, variables: dict[str, str], shell: str = "bash") -> None:
        done = subprocess.run(
            [shell, "-c", script], cwd=tmp_path, env={**env, **variables},
            capture_output=True, text=True, timeout=300,
        )
        assert done.returncode == 0, f"{script}\n{done.stdout}\n{done.stderr}"

    def generate(engine: str, *extra: str) -> None:
        done = gb.neurograde(
            "assign", "ci", "--engine", engine, "--shards", str(SHARDS), "--exercise", "activations",
            "--output", str(tmp_path), *extra, cwd=tmp_path,
        )
        assert done.returncode == 0, done.stderr

    def merged(store: Path) -> dict:
        done = gb.neurograde("autograde", "--merge", str(store), "--format", "json", cwd=tmp_path)
        return json.loads(done.stdout)

    return SimpleNamespace(root=tmp_path, shell=shell, generate=generate, merged=merged)


def same_grades(found: dict, expected: dict, without_timings) -> None:
    assert without_timings(found["results"]) == without_timings(expected["results"])
    assert found["shards"] == [f"{i}/{SHARDS}" for i in range(1, SHARDS + 1)]


def github_expressions(text: str, values: dict[str, str]) -> str:
    return re.sub(r"\$\{\{\s*([\w.]+)\s*\}\}", lambda m: values[m.group(1)], text)


def test_github_matrix_workflow(gb, one_machine, job) -> None:
    job.generate("github")
    workflow = yaml.safe_load((job.root / ".github/workflows/neurograde-autograde.yml").read_text())
    jobs = workflow["jobs"]
    assert jobs["merge"]["needs"] == "grade"
    matrix = jobs["grade"]["strategy"]["matrix"]["shard"]
    assert matrix == list(range(1, SHARDS + 1))
    for shard in matrix:
        values = {"matrix.shard": str(shard), "secrets.NEUROGRADE_SECRET": ""}
        for step in jobs["grade"]["steps"]:
            if "run" in step:
                env = {k: github_expressions(str(v), values) for k, v in step.get("env", {}).items()}
                job.shell(github_expressions(step["run"], values), env)
    summary = job.root / "summary.md"
    for step in jobs["merge"]["steps"]:
        if "run" in step:
            job.shell(step["run"], {"GITHUB_STEP_SUMMARY": str(summary)})
    same_grades(job.merged(job.root / "gradebook.sqlite"), one_machine["book"], gb.without_timings)
    assert "relu-grad-at-zero: 1 of 3 learners (33 %), in activations" in summary.read_text()
    assert (job.root / "grades.csv").read_text().startswith("submission,")
    assert (job.root / "report.html").is_file()


def test_slurm_array_and_merge(gb, one_machine, job) -> None:
    job.generate("slurm")
    array = (job.root / "neurograde-grade.slurm").read_text()
    low, high = map(int, re.search(r"^#SBATCH --array=(\d+)-(\d+)$", array, re.M).groups())
    tasks = range(low, high + 1)
    assert len(tasks) == SHARDS
    for task in tasks:
        job.shell(
            array,
            {
                "SLURM_ARRAY_TASK_ID": str(task),
                "SLURM_ARRAY_TASK_MIN": str(low),
                "SLURM_ARRAY_TASK_COUNT": str(len(tasks)),
                "SLURM_SUBMIT_DIR": str(job.root),
            },
        )
    job.shell(array, {"SLURM_ARRAY_TASK_ID": str(low), "SLURM_ARRAY_TASK_MIN": str(low),
                      "SLURM_ARRAY_TASK_COUNT": str(len(tasks))})  # a retried task: idempotent
    job.shell((job.root / "neurograde-merge.slurm").read_text(), {"SLURM_SUBMIT_DIR": str(job.root)})
    same_grades(job.merged(job.root / "gradebook.sqlite"), one_machine["book"], gb.without_timings)
    job.shell("./submit.sh", {}, shell="sh")
    calls = (job.root / "sbatch.log").read_text().splitlines()
    assert calls == ["--parsable neurograde-grade.slurm", "--dependency=afterok:4242 neurograde-merge.slurm"]


def test_kubernetes_indexed_job_and_merge(gb, one_machine, job) -> None:
    data = job.root / "volume"
    data.mkdir()
    (job.root / "submissions").rename(data / "submissions")
    job.generate("k8s", "--data", str(data))
    grade, merge = yaml.safe_load_all((job.root / "neurograde-autograde.yaml").read_text())
    assert grade["spec"]["completionMode"] == "Indexed"
    count = grade["spec"]["completions"]
    assert count == SHARDS

    def container(manifest: dict) -> tuple[str, dict[str, str]]:
        (spec,) = manifest["spec"]["template"]["spec"]["containers"]
        assert spec["command"] == ["sh", "-c"] and spec["volumeMounts"][0]["mountPath"] == str(data)
        env = {e["name"]: e["value"] for e in spec.get("env", []) if "value" in e}
        return spec["args"][0], env

    script, env = container(grade)
    for index in range(count):
        job.shell(script, {**env, "JOB_COMPLETION_INDEX": str(index)}, shell="sh")
    script, env = container(merge)
    job.shell(script, env, shell="sh")
    same_grades(job.merged(data / "gradebook.sqlite"), one_machine["book"], gb.without_timings)
    assert (data / "report.html").is_file()
