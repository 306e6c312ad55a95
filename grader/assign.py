"""An instructor's assignment: the learners' release and Gradescope's autograder bundle.

- `release(target)`: the learners' repository: stubs, README, the course's public
  folder and cases, the workflow that grades on every push (`grader.release.write`);
- `bundle(target)`: a Gradescope autograder zip (`setup.sh`, `run_autograder`
  and this project without its solutions; see `grader/bundle/`) that grades a
  submission into `/autograder/results/results.json`; with a course served
  (`--course DIR`), the course's folder goes in too, solutions included.
"""

from __future__ import annotations

import json
import os
import shlex
import zipfile
from pathlib import Path

from grader.paths import EXERCISES, SOLUTIONS
from grader.release.write import Release
from grader.release.write import release as write_release

# The bundled source's build file, written from the installed neurograde's metadata so
# that a bundle is the same from a checkout and from an installed wheel.
BUNDLED_PYPROJECT = """# Written by `neurograde assign bundle` from neurograde {version}'s metadata.
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "neurograde"
version = "{version}"
requires-python = "{python}"
dependencies = {dependencies}

[project.scripts]
{scripts}

[tool.setuptools]
packages = {packages}

[tool.setuptools.package-data]
"*" = ["**/*"]
"""


def release(target: Path, requirement: str | None = None) -> Release:
    """The learners' repository in `target` (see `grader.release.write`)."""
    return write_release(target, requirement)


def bundle(target: Path, torch: str = "torch", exercises: list[str] | None = None) -> Path:
    """Write Gradescope's autograder zip to `target`.

    Gradescope unpacks the zip into `/autograder/source`, so `setup.sh`,
    `run_autograder`, `README.md` and the bundle's config sit at its top level
    and neurograde's source (the installed packages, never the solutions)
    under `neurograde/`, which `setup.sh` installs. NEUROGRADE_SECRET, when set,
    goes into the config so that Gradescope's hidden checks use the course's
    secret: keep the zip private.

    With a course served (`catalog.course()`), its folder (course.toml,
    exercises/ with their solutions, quizzes/) goes under `course/` and the
    config names it, so that the autograder serves that course: its exercises,
    order and points. The zip then holds the course's solutions: it is for
    the instructor and Gradescope only.
    """
    from grader import bundle as templates
    from grader import catalog

    served = catalog.course()
    names = exercises or catalog.available()
    config: dict[str, object] = {"exercises": names}
    if served is not None:
        config["course"] = templates.COURSE
    secret = os.environ.get("NEUROGRADE_SECRET")
    if secret:
        config["secret"] = secret
    fields = {
        "@EXERCISES@": ", ".join(names),
        "@SECRET@": "seeded by the course secret (NEUROGRADE_SECRET when the bundle was built)."
        if secret
        else "seeded by neurograde's public seed (set NEUROGRADE_SECRET when you build "
        "the bundle to use a course secret instead).",
        "@COURSE@": COURSE_NOTE.format(name=served.name, folder=templates.COURSE)
        if served is not None
        else "none: neurograde's built-in exercises.",
    }
    substitutions = {
        "setup.sh": {**fields, "@TORCH@": shlex.quote(torch)},
        "run_autograder": fields,
        "README.md": {**fields, "@TORCH@": torch},
    }
    files = _source_files()
    pyproject = _pyproject(
        sorted({str(Path(f).parent).replace("/", ".") for f in files if f.endswith(".py")})
    )
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, values in substitutions.items():
            text = (templates.TEMPLATES / name).read_text("utf-8")
            for field, value in values.items():
                text = text.replace(field, value)
            _add(archive, name, text, executable=name in templates.SCRIPTS)
        _add(archive, templates.CONFIG, json.dumps(config, indent=2) + "\n")
        _add(archive, "neurograde/pyproject.toml", pyproject)
        for name, path in files.items():
            archive.write(path, f"neurograde/{name}")
        if served is not None:
            for name, path in _course_files(served.root).items():
                archive.write(path, f"{templates.COURSE}/{name}")
    return target


COURSE_NOTE = (
    "{name!r}, in `{folder}/` of this zip (course.toml, its exercises with their "
    "**solutions** and checks, its quizzes): keep this zip private, upload it to Gradescope "
    "only, never hand it to learners."
)


def _course_files(root: Path) -> dict[str, Path]:
    """A course's files by their path in its folder: course.toml, exercises/ and quizzes/
    (no caches, no hidden files, nothing else a course folder may hold, such as a gradebook)."""
    files = {}
    if (root / "course.toml").is_file():
        files["course.toml"] = root / "course.toml"
    for folder in ("exercises", "quizzes"):
        for path in sorted((root / folder).rglob("*")):
            inside = path.relative_to(root)
            if (
                path.is_file()
                and not any(p == "__pycache__" or p.startswith(".") for p in inside.parts)
                and path.suffix != ".pyc"
            ):
                files[inside.as_posix()] = path
    return files


def _source_files() -> dict[str, Path]:
    """The installed packages' files by their path in the bundled source (stubs as grader/stubs)."""
    import grader
    import reference

    files = {}
    for package in (Path(grader.__file__).parent, Path(reference.__file__).parent):
        for path in sorted(package.rglob("*")):
            inside = path.relative_to(package.parent)
            if path.is_file() and "__pycache__" not in inside.parts and path.suffix != ".pyc":
                files[inside.as_posix()] = path
    for stub in sorted(EXERCISES.glob("*.py")):
        files[f"grader/stubs/{stub.name}"] = stub
    for solution in sorted(SOLUTIONS.glob("*.py")):  # the mutants are patches of them
        files[f"solutions/{solution.name}"] = solution
    return files


def _pyproject(packages: list[str]) -> str:
    from importlib import metadata

    try:
        dist = metadata.distribution("neurograde")
    except metadata.PackageNotFoundError:
        import click

        raise click.UsageError("assign bundle needs neurograde installed (pip install)") from None
    scripts = [
        f"{e.name} = {json.dumps(e.value)}"
        for e in dist.entry_points
        if e.group == "console_scripts"
    ]
    return BUNDLED_PYPROJECT.format(
        version=dist.version,
        python=dist.metadata["Requires-Python"] or ">=3.10",
        dependencies=json.dumps([r for r in dist.requires or [] if "extra ==" not in r]),
        scripts="\n".join(scripts),
        packages=json.dumps(packages),
    )


def _add(archive: zipfile.ZipFile, name: str, text: str, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (0o755 if executable else 0o644) << 16
    archive.writestr(info, text)
