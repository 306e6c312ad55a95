"""The sandboxed worker that runs learner code, and the grader's client for it."""

from grader.worker.client import LearnerError, Limits, Worker

__all__ = ["LearnerError", "Limits", "Worker"]
