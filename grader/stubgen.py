"""Generate the learner's stubs from the complete solutions.

In `solutions/E.py` each piece the learner writes sits between a
`# BEGIN SOLUTION` and an `# END SOLUTION` line. The stub keeps everything
else — imports, helpers given complete, signatures, docstrings — and puts a
`raise NotImplementedError(...)` where the solution was.

    python -m grader.stubgen            # rewrite exercises/ from solutions/
    python -m grader.stubgen --check    # exit 1 if exercises/ is out of date
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from grader.paths import EXERCISES, SOLUTIONS

BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"
_DEF = re.compile(r"^\s*(?:async\s+)?(?:def|class)\s+(\w+)")

# What a learner reads first. (That the stubs are generated from solutions/ is said where
# maintainers look: here and in exercises/README.md, not in the learner's file.)
HEADER = (
    "# neurograde exercise `{stem}`: write your code where a function raises\n"
    "# NotImplementedError, save, then grade it with:  neurograde grade {stem}\n"
    "# (`neurograde watch {stem}` grades on every save; `neurograde hint {stem}` helps;\n"
    "# `neurograde docs {stem}` is the full contract.)\n"
)


class MarkerError(ValueError):
    """Unbalanced or misplaced solution markers."""


def make_stub(source: str, name: str = "") -> str:
    """The stub of one solution file."""
    out: list[str] = []
    inside: str | None = None
    owner = "this function"
    for number, line in enumerate(source.splitlines(keepends=True), start=1):
        stripped = line.strip()
        if stripped == BEGIN:
            if inside is not None:
                raise MarkerError(f"{name}:{number}: {BEGIN} inside another solution block")
            inside = line[: len(line) - len(line.lstrip())]
            out.append(f'{inside}raise NotImplementedError("{owner}: write your code here")\n')
        elif stripped == END:
            if inside is None:
                raise MarkerError(f"{name}:{number}: {END} without {BEGIN}")
            inside = None
        elif inside is None:
            match = _DEF.match(line)
            if match:
                owner = match.group(1)
            out.append(line)
    if inside is not None:
        raise MarkerError(f"{name}: {BEGIN} is never closed")
    return "".join(out)


def stub_text(solution: Path, stem: str | None = None) -> str:
    """The learner's file for `solution` (a course names its exercise by folder: `stem`)."""
    return HEADER.format(stem=stem or solution.stem) + make_stub(
        solution.read_text("utf-8"), str(solution)
    )


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    EXERCISES.mkdir(exist_ok=True)
    for solution in sorted(SOLUTIONS.glob("*.py")):
        target = EXERCISES / solution.name
        text = stub_text(solution)
        if target.exists() and target.read_text("utf-8") == text:
            continue
        stale.append(target.name)
        if not check:
            target.write_text(text, "utf-8")
    if check and stale:
        print(f"out of date: {', '.join(stale)} (run python -m grader.stubgen)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
