"""`python -m grader.quiz` runs `neurograde quiz` without the main CLI."""

from grader.quiz.cli import quiz

quiz(prog_name="neurograde quiz")
