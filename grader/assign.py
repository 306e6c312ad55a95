"""An instructor's assignment: the learners' release and Gradescope's autograder bundle.

- `release(target)`: the stubs and a README, what learners get;
- `bundle(target)`: a Gradescope autograder zip (`setup.sh`, `run_autograder`
  and this project without its solutions; see `grader/bundle/`) that grades a
  submission into `/autograder/results/results.json`.
"""

from __future__ import annotations

import json
import os
import shlex
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


def bundle(target: Path, torch: str = "torch", exercises: list[str] | None = None) -> Path:
    """Write Gradescope's autograder zip to `target`.

    Gradescope unpacks the zip into `/autograder/source`, so `setup.sh`,
    `run_autograder`, `README.md` and the bundle's config sit at its top level
    and the project's source (without solutions) under `neurograde/`, which
    `setup.sh` installs. NEUROGRADE_SECRET, when set, goes into the config so
    that Gradescope's hidden checks use the course's secret: keep the zip private.
    """
    import click

    from grader import bundle as templates
    from grader import catalog

    if not (ROOT / "pyproject.toml").is_file():
        raise click.UsageError(
            f"assign bundle packs neurograde's source tree, and {ROOT} is not one: "
            "run it from a checkout of neurograde"
        )
    names = exercises or catalog.available()
    config: dict[str, object] = {"exercises": names}
    secret = os.environ.get("NEUROGRADE_SECRET")
    if secret:
        config["secret"] = secret
    fields = {
        "@TORCH@": shlex.quote(torch),
        "@EXERCISES@": ", ".join(names),
        "@SECRET@": "seeded by the course secret (NEUROGRADE_SECRET when the bundle was built)."
        if secret
        else "seeded by neurograde's public seed (set NEUROGRADE_SECRET when you build "
        "the bundle to use a course secret instead).",
    }
    readme = {**fields, "@TORCH@": torch}
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in (*templates.SCRIPTS, "README.md"):
            text = (templates.TEMPLATES / name).read_text("utf-8")
            for field, value in fields.items() if name != "README.md" else readme.items():
                text = text.replace(field, value)
            _add(archive, name, text, executable=name in templates.SCRIPTS)
        _add(archive, templates.CONFIG, json.dumps(config, indent=2) + "\n")
        for name in BUNDLED:
            path = ROOT / name
            files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
            for file in files:
                if "__pycache__" not in file.parts and file.suffix != ".pyc":
                    archive.write(file, f"neurograde/{file.relative_to(ROOT).as_posix()}")
    return target


def _add(archive: zipfile.ZipFile, name: str, text: str, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (0o755 if executable else 0o644) << 16
    archive.writestr(info, text)
