"""Scenarios: trusted functions the worker runs around learner objects, returning plain data."""
