"""The built-in exercises, one declaration each: `NAME/checks.py` (+ scenarios.py, mutants.toml,
hints.toml), found by `grader.catalog`, read by `grader.engine`."""
