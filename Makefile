# custvalue developer commands. Each target creates .venv on first use and installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test test-pandas2 lint typecheck pytest docs bench bench-quick clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-core: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test,docs]"
	touch $@

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	touch $@

## demo: run the quickstart on the CDNOW sample log shipped in examples/data/
demo: $(VENV)/.installed-core
	$(BIN)/python examples/quickstart.py

## test: ruff, mypy (strict), pytest with doctests, and the sphinx docs built with warnings as errors
test: lint typecheck pytest docs

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks examples docs conftest.py

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

pytest: $(VENV)/.installed-test
	$(BIN)/python -m pytest

docs: $(VENV)/.installed-test
	$(BIN)/sphinx-build -W --keep-going -q -b html docs docs/_build/html

## test-pandas2: the test suite again on the oldest supported pandas (2.2) and numpy 2.2
PANDAS2 := .venv-pandas2
$(PANDAS2)/.installed: pyproject.toml
	$(PYTHON) -m venv $(PANDAS2)
	$(PANDAS2)/bin/python -m pip install --quiet -e ".[test]" "pandas==2.2.3" "numpy>=2.0,<2.3"
	touch $@

test-pandas2: $(PANDAS2)/.installed
	NUMBA_CACHE_DIR=$(PANDAS2)/numba-cache $(PANDAS2)/bin/python -m pytest -q -p no:cacheprovider

## bench: time custvalue against its peers (lifetimes, pandas, polars, duckdb) in one process
bench: $(VENV)/.installed-bench
	$(BIN)/python benchmarks/run.py

bench-quick: $(VENV)/.installed-bench
	$(BIN)/python benchmarks/run.py --quick

clean:
	rm -rf $(VENV) $(PANDAS2) docs/_build .pytest_cache .mypy_cache .ruff_cache .hypothesis
