"""`neurograde assign ci --engine github|slurm|k8s`: the files that grade a class on an engine.

Each engine runs `count` shards of `neurograde autograde` as a job array,
each into its own store, then one merge that joins the stores into the
course's gradebook (`gradebook.sqlite`, `grades.csv`) and its report:

- github: a workflow with a matrix job (`shard: [1..N]`, `--shard i/N`), the
  stores passed to the merge job as artifacts;
- slurm: an array script (`--shard auto` reads `SLURM_ARRAY_TASK_ID`), a merge
  script, and `submit.sh`, which queues the merge after the array succeeds;
- k8s: one manifest, an Indexed Job (`--shard auto` reads
  `JOB_COMPLETION_INDEX`, the count from `NEUROGRADE_SHARD_COUNT`) and a merge
  Job that starts once every shard has left its `.done` marker, both on a
  shared volume.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, replace
from pathlib import Path

ENGINES = ("github", "slurm", "k8s")
DEFAULT_INSTALL = (
    "pip install --quiet --extra-index-url https://download.pytorch.org/whl/cpu neurograde"
)


@dataclass(frozen=True)
class Plan:
    """What every engine's files share."""

    shards: int = 4
    jobs: int = 2
    submissions: str = "submissions"
    exercises: tuple[str, ...] = ()
    install: str = DEFAULT_INSTALL
    image: str = "python:3.12-slim"
    data: str = "/data"

    def grade(self, shard: str, store: str) -> str:
        """The shell command that grades one shard into `store` (shard and store may hold $VARS)."""
        chosen = "".join(f" --exercise {shlex.quote(e)}" for e in self.exercises)
        return (
            f"neurograde autograde {shlex.quote(self.submissions)}{chosen} --shard {shard} "
            f"--jobs {self.jobs} --store {store} --quiet"
        )

    @staticmethod
    def merge(stores: str, folder: str = ".") -> str:
        return (
            f"neurograde autograde --merge {stores} --store {folder}/gradebook.sqlite "
            f"--output {folder}/grades.csv"
        )

    @staticmethod
    def report(folder: str = ".") -> str:
        return (
            f"neurograde report {folder}/gradebook.sqlite --format html "
            f"--output {folder}/report.html"
        )


def write(engine: str, plan: Plan, target: Path) -> list[Path]:
    """Write `engine`'s files into `target`; the paths written."""
    files = {"github": _github, "slurm": _slurm, "k8s": _k8s}[engine](plan)
    written = []
    for name, text in files.items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if name.endswith(".sh"):
            path.chmod(0o755)
        written.append(path)
    return written


def _github(plan: Plan) -> dict[str, str]:
    shards = ", ".join(str(i) for i in range(1, plan.shards + 1))
    grade = plan.grade(
        f"${{{{ matrix.shard }}}}/{plan.shards}", "gradebook-${{ matrix.shard }}.sqlite"
    )
    setup = f"""      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - name: Install neurograde
        run: {plan.install}
"""
    workflow = f"""# Grades every learner folder of {plan.submissions}/ in {plan.shards} shards, then merges them.
# Written by `neurograde assign ci --engine github`. Store the course secret as the
# repository secret NEUROGRADE_SECRET.
name: neurograde autograde
on:
  workflow_dispatch:
jobs:
  grade:
    runs-on: ubuntu-latest
    strategy:
      fail-fast: false
      matrix:
        shard: [{shards}]
    steps:
      - uses: actions/checkout@v4
{setup}      - name: Grade shard ${{{{ matrix.shard }}}} of {plan.shards}
        env:
          NEUROGRADE_SECRET: ${{{{ secrets.NEUROGRADE_SECRET }}}}
        run: {grade}
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: gradebook-${{{{ matrix.shard }}}}
          path: gradebook-${{{{ matrix.shard }}}}.sqlite
  merge:
    needs: grade
    runs-on: ubuntu-latest
    steps:
{setup}      - uses: actions/download-artifact@v4
        with:
          pattern: gradebook-*
          merge-multiple: true
      - name: Merge the shards
        run: {plan.merge("gradebook-*.sqlite")}
      - name: Report
        run: |
          {plan.report()}
          neurograde report gradebook.sqlite --format markdown >> "$GITHUB_STEP_SUMMARY"
      - uses: actions/upload-artifact@v4
        with:
          name: gradebook
          path: |
            gradebook.sqlite
            grades.csv
            report.html
"""
    return {".github/workflows/neurograde-autograde.yml": workflow}


def _slurm(plan: Plan) -> dict[str, str]:
    grade = plan.grade("auto", 'stores/gradebook-"$SLURM_ARRAY_TASK_ID".sqlite')
    array = f"""#!/bin/bash
# One shard per array task; `--shard auto` reads SLURM_ARRAY_TASK_ID and
# SLURM_ARRAY_TASK_COUNT. A retried task grades only what its store lacks.
# Written by `neurograde assign ci --engine slurm`; queue it with ./submit.sh.
#SBATCH --job-name=neurograde-grade
#SBATCH --array=0-{plan.shards - 1}
#SBATCH --cpus-per-task={plan.jobs}
#SBATCH --mem-per-cpu=4G
#SBATCH --time=04:00:00
#SBATCH --output=neurograde-grade-%a.log
set -euo pipefail
cd "${{SLURM_SUBMIT_DIR:-.}}"
{plan.install}
mkdir -p stores
{grade}
"""
    merge = f"""#!/bin/bash
# Joins the shard stores once the array has finished (see submit.sh).
#SBATCH --job-name=neurograde-merge
#SBATCH --cpus-per-task=1
#SBATCH --time=00:30:00
#SBATCH --output=neurograde-merge.log
set -euo pipefail
cd "${{SLURM_SUBMIT_DIR:-.}}"
{plan.install}
{plan.merge("stores/gradebook-*.sqlite")}
{plan.report()}
"""
    submit = """#!/bin/sh
# Queue the grading array, then the merge to run after every task succeeded.
set -eu
array=$(sbatch --parsable neurograde-grade.slurm)
sbatch --dependency=afterok:"$array" neurograde-merge.slurm
"""
    return {
        "neurograde-grade.slurm": array,
        "neurograde-merge.slurm": merge,
        "submit.sh": submit,
    }


def _k8s(plan: Plan) -> dict[str, str]:
    data = plan.data.rstrip("/") or "/"
    stores = f"{data}/stores"
    grade = replace(plan, submissions=f"{data}/{plan.submissions}").grade(
        "auto", f'{stores}/gradebook-"$JOB_COMPLETION_INDEX".sqlite'
    )
    grade_script = (
        f"set -e\n{plan.install}\nmkdir -p {stores}\n{grade}\n"
        f'touch {stores}/shard-"$JOB_COMPLETION_INDEX".done\n'
    )
    merge_script = (
        f"set -e\n{plan.install}\n"
        f'until [ "$(ls {stores}/*.done 2>/dev/null | wc -l)" -ge {plan.shards} ]; do sleep 30; done\n'
        f"{plan.merge(f'{stores}/gradebook-*.sqlite', data)}\n{plan.report(data)}\n"
    )
    storage = f"""          volumeMounts:
            - name: data
              mountPath: {data}
      volumes:
        - name: data
          persistentVolumeClaim:
            claimName: neurograde-data"""  # the shared claim, mounted by both jobs
    manifest = f"""# Written by `neurograde assign ci --engine k8s`: kubectl apply -f neurograde-autograde.yaml
# Needs a ReadWriteMany claim `neurograde-data` holding {data}/{plan.submissions}/ (one folder per
# learner) and, optionally, a secret `neurograde-secret` with key `secret`.
apiVersion: batch/v1
kind: Job
metadata:
  name: neurograde-grade
spec:
  completionMode: Indexed
  completions: {plan.shards}
  parallelism: {plan.shards}
  backoffLimitPerIndex: 2
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: grade
          image: {plan.image}
          command: ["sh", "-c"]
          args:
{_block(grade_script, 12)}
          env:
            - name: NEUROGRADE_SHARD_COUNT
              value: "{plan.shards}"
{_secret_env()}
          resources:
            requests:
              cpu: "{plan.jobs}"
              memory: 8Gi
{storage}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: neurograde-merge
spec:
  backoffLimit: 2
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: merge
          image: {plan.image}
          command: ["sh", "-c"]
          args:
{_block(merge_script, 12)}
{storage}
"""
    return {"neurograde-autograde.yaml": manifest}


def _block(script: str, indent: int) -> str:
    """A YAML list item holding `script` as a literal block."""
    pad = " " * indent
    lines = "\n".join(f"{pad}  {line}" if line else "" for line in script.splitlines())
    return f"{pad}- |\n{lines}"


def _secret_env() -> str:
    return """            - name: NEUROGRADE_SECRET
              valueFrom:
                secretKeyRef:
                  name: neurograde-secret
                  key: secret
                  optional: true"""
