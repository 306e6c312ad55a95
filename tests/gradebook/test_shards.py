"""Shards: explicit, or read from a job array's variables; each submission in exactly one."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.gradebook.shards import Shard


def test_explicit_and_auto_shards_name_the_same_shard() -> None:
    assert Shard.parse("2/4") == Shard(2, 4)
    slurm = {"SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "4"}
    assert Shard.parse("auto", slurm) == Shard(2, 4)
    one_based = {**slurm, "SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_MIN": "1"}
    assert Shard.parse("auto", one_based) == Shard(2, 4)
    assert Shard.parse("auto/4", {"JOB_COMPLETION_INDEX": "1"}) == Shard(2, 4)
    k8s = {"JOB_COMPLETION_INDEX": "3", "NEUROGRADE_SHARD_COUNT": "4"}
    assert Shard.parse("auto", k8s) == Shard(4, 4)
    assert Shard.parse("auto/4", {"AWS_BATCH_JOB_ARRAY_INDEX": "0"}) == Shard(1, 4)


@pytest.mark.parametrize(
    ("text", "environ", "says"),
    [
        ("0/3", {}, "between|in 1..3"),
        ("two", {}, "2/5"),
        ("auto", {}, "no job-array index"),
        ("auto", {"JOB_COMPLETION_INDEX": "0"}, "not the count"),
        ("auto/2", {"JOB_COMPLETION_INDEX": "2"}, "in 1..2"),
        ("auto", {"SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_COUNT": "2", "SLURM_ARRAY_TASK_STEP": "2"}, "step"),
    ],
)
def test_bad_shards_are_refused_with_a_reason(text: str, environ: dict, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        Shard.parse(text, environ)


def test_every_submission_is_in_one_shard_and_stays_there() -> None:
    items = [Path(f"learner{i:03d}") for i in range(200)]
    picked = [p for i in range(1, 5) for p in Shard(i, 4).select(items)]
    assert sorted(picked) == items
    assert all(20 < len(Shard(i, 4).select(items)) < 80 for i in range(1, 5))
    more = [*items, *(Path(f"late{i}") for i in range(30))]
    for i in range(1, 5):
        assert set(Shard(i, 4).select(items)) <= set(Shard(i, 4).select(more))
