# make run: set up and run the pipeline once; make test: set up and run the tests.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup run test ui-check bench clean

$(BIN)/cppcc: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(BIN)/cppcc

setup: $(BIN)/cppcc

run: setup
	$(BIN)/cppcc prefect-server start
	$(BIN)/cppcc run --demo-if-empty --summary
	@echo "The run is in the Prefect UI above; stop the server with: $(BIN)/cppcc prefect-server stop"

test: setup
	$(BIN)/pytest

# Throughput, memory, start-up and scaling on generated corpora of 1,000 and 10,000 pages -> bench/results.md
# (BENCH_PAGES=200 make bench: a quick check at another size, written to data/bench/ instead).
bench: setup
	$(BIN)/pip install -q -e '.[test,bench]'
	$(BIN)/python -m bench

# Prefect server + one flow run + a headless-Chromium screenshot of the flow-runs page (data/ui-check-flow-runs.png).
ui-check: setup
	@test -x /usr/bin/chromium || apt-get install -y -q chromium || (apt-get update -q && apt-get install -y -q chromium)
	$(BIN)/python -m cppcc.ui_check data

clean:
	rm -rf $(VENV) data
