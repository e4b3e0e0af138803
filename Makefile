# make run: set up and run the pipeline once; make test: set up and run the tests.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export GX_ANALYTICS_ENABLED := false
export TQDM_DISABLE := 1

.PHONY: setup run test clean

$(BIN)/cppcc: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(BIN)/cppcc

setup: $(BIN)/cppcc

run: setup
	$(BIN)/cppcc run --demo-if-empty --summary

test: setup
	$(BIN)/pytest

clean:
	rm -rf $(VENV) data
