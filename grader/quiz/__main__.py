"""`python -m grader.quiz` runs `neurograde quiz` without the main CLI (same exit codes)."""

from grader.cli import run
from grader.quiz.cli import quiz

run(quiz, prog_name="neurograde quiz")
