"""`neurograde playground`: watch learning rate, depth and batch size at work on 2-D data.

The story of a playground run, one module each:
`cli -> sweep (runs to make) -> data -> mlp (training, numpy only; in the
worker for the learner's code via `scenario`, see `learner`) -> verdict ->
terminal / html`. Presets that replay the course notes live in `presets`.

This package's `__init__` imports nothing: the worker imports
`grader.playground.scenario`, which needs numpy only.
"""
