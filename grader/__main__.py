"""`python -m grader` is the `neurograde` command."""

from grader.cli import run

run()
