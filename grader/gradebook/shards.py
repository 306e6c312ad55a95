"""Shards: which submissions one machine of a job array grades.

A submission belongs to shard `1 + hash(name) mod count`, so a learner stays
in the same shard when others are added or removed, and a retried index grades
the same submissions (its store then says they are done). `--shard auto`
reads the index from the engine that runs the array:

| engine | index | count |
|---|---|---|
| Slurm job array | `SLURM_ARRAY_TASK_ID` - `SLURM_ARRAY_TASK_MIN` | `SLURM_ARRAY_TASK_COUNT` |
| Kubernetes Indexed Job | `JOB_COMPLETION_INDEX` | given |
| AWS Batch array job | `AWS_BATCH_JOB_ARRAY_INDEX` | given |

"Given" is `--shard auto/N` or `NEUROGRADE_SHARD_COUNT=N`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

INDEX_VARIABLES = ("SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX")
COUNT_VARIABLE = "NEUROGRADE_SHARD_COUNT"


@dataclass(frozen=True)
class Shard:
    """The i-th of n shards (1-based, as written on the command line)."""

    index: int = 1
    count: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.index <= self.count:
            raise ValueError(
                f"shard {self.index}/{self.count}: the index must be in 1..{self.count}"
            )

    @classmethod
    def parse(cls, text: str, environ: Mapping[str, str] | None = None) -> Shard:
        """`2/5`, `auto` or `auto/5` (the count given, for engines that do not set it)."""
        head, _, tail = text.partition("/")
        if head == "auto":
            return cls.from_environment(environ or {}, _integer(tail, text) if tail else None)
        if not tail:
            raise ValueError(f"--shard must look like 2/5 or auto, not {text!r}")
        return cls(_integer(head, text), _integer(tail, text))

    @classmethod
    def from_environment(cls, environ: Mapping[str, str], count: int | None = None) -> Shard:
        """This array task's shard, from the engine's variables."""
        found = [name for name in INDEX_VARIABLES if environ.get(name, "") != ""]
        if not found:
            raise ValueError(
                "--shard auto: no job-array index found (set by Slurm as SLURM_ARRAY_TASK_ID, "
                "by a Kubernetes Indexed Job as JOB_COMPLETION_INDEX, by AWS Batch as "
                "AWS_BATCH_JOB_ARRAY_INDEX)"
            )
        name = found[0]
        index = _integer(environ[name], name)
        if name == "SLURM_ARRAY_TASK_ID":
            if environ.get("SLURM_ARRAY_TASK_STEP", "1") != "1":
                raise ValueError("--shard auto: a Slurm array with a step is not contiguous")
            index -= _integer(environ.get("SLURM_ARRAY_TASK_MIN", "0"), "SLURM_ARRAY_TASK_MIN")
            count = count or _integer(environ.get("SLURM_ARRAY_TASK_COUNT", "0"), "count")
        count = count or _integer(environ.get(COUNT_VARIABLE, "0"), COUNT_VARIABLE)
        if not count:
            raise ValueError(
                f"--shard auto: {name} gives the index but not the count; "
                f"use --shard auto/N or set {COUNT_VARIABLE}"
            )
        return cls(index + 1, count)

    def owns(self, submission: str) -> bool:
        digest = hashlib.sha256(submission.encode()).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index - 1

    def select(self, items: list[Path]) -> list[Path]:
        return [item for item in items if self.owns(item.name)]

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def _integer(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{what}: {text!r} is not a whole number") from None
