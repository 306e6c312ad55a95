"""An instructor's assignment: the learners' release and Gradescope's autograder bundle.

- `release(target)`: the stubs and a README, what learners get;
- `bundle(target)`: a Gradescope autograder zip (`setup.sh`, `run_autograder`
  and this package without its solutions) that grades a submission with
  `neurograde grade --all --format gradescope` into `results/results.json`.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from grader.paths import EXERCISES, ROOT

RELEASE_README = """# neurograde exercises

Edit the files in this folder, then grade them:

    pip install neurograde      # or: pip install -e <a checkout of neurograde>
    neurograde grade {first} --workspace .
    neurograde hint {first} --workspace .

The exercises, in order: {names}.
"""

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image.
set -euo pipefail
apt-get update && apt-get install -y python3 python3-pip python3-venv
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install --quiet "{torch}"
/autograder/venv/bin/pip install --quiet /autograder/source
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission; the learner's files are in /autograder/submission.
cd /autograder/source
/autograder/venv/bin/neurograde grade --all --workspace /autograder/submission \\
    --format gradescope --output /autograder/results/results.json || [ $? -eq 1 ]
"""

BUNDLED = ("pyproject.toml", "README.md", "grader", "reference", "exercises")


def release(target: Path) -> list[Path]:
    """Copy the stubs and a learner README into `target`; the files written."""
    stubs = sorted(EXERCISES.glob("*.py"))
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for stub in stubs:
        shutil.copyfile(stub, target / stub.name)
        written.append(target / stub.name)
    from grader import catalog

    names = catalog.available()
    readme = target / "README.md"
    readme.write_text(RELEASE_README.format(first=names[0], names=", ".join(names)), "utf-8")
    return [*written, readme]


def bundle(target: Path, torch: str = "torch") -> Path:
    """Write Gradescope's autograder zip to `target` (solutions are left out)."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        _add_script(archive, "setup.sh", SETUP_SH.format(torch=torch))
        _add_script(archive, "run_autograder", RUN_AUTOGRADER)
        for name in BUNDLED:
            path = ROOT / name
            files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
            for file in files:
                if "__pycache__" not in file.parts and file.suffix != ".pyc":
                    archive.write(file, f"source/{file.relative_to(ROOT)}")
    return target


def _add_script(archive: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name)
    info.external_attr = 0o755 << 16
    archive.writestr(info, text)
