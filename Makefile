# One command grades an exercise, one runs the tests; both set everything up first.
#   make grade EXERCISE=activations [WORKSPACE=exercises]
#   make test
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The PyTorch requirement installed first (pyproject.toml itself accepts torch>=2.2).
TORCH ?= torch==2.13.0
EXERCISE ?= activations
WORKSPACE ?= exercises
FORMAT ?= text

.PHONY: setup grade test test-thorough bench stubs lint clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "$(TORCH)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $@

# Exit status 1 means "graded, some checks failed": that is a result, not a broken command.
grade: setup
	$(BIN)/neurograde grade $(EXERCISE) --workspace $(WORKSPACE) --format $(FORMAT) || [ $$? -eq 1 ]

test: setup
	$(BIN)/ruff check .
	$(BIN)/python -m grader.stubgen --check
	$(BIN)/python -m pytest

test-thorough: setup
	HYPOTHESIS_PROFILE=thorough NEUROGRADE_EXAMPLES=60 $(BIN)/python -m pytest -m "slow or not slow"

bench: setup
	$(BIN)/python bench/bench_grade.py
	$(BIN)/python bench/bench_conv.py
	$(BIN)/python bench/bench_watch.py

stubs: setup
	$(BIN)/python -m grader.stubgen

clean:
	rm -rf $(VENV) build *.egg-info
