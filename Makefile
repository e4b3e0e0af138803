# make run: set up and run the pipeline once; make test: set up and run the tests.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin

ASSETS := $(VENV)/share/cppcc-datadocs
.PHONY: setup run test ui-check bench clean cjk-font chromium

$(BIN)/cppcc: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,explore]'
	touch $(BIN)/cppcc

# The CSS and JavaScript Great Expectations' Data Docs link from CDNs, from the npm registry (served locally).
$(ASSETS)/node_modules: expectations/assets/package.json expectations/assets/package-lock.json
	mkdir -p $(ASSETS)
	cp expectations/assets/package.json expectations/assets/package-lock.json $(ASSETS)/
	cd $(ASSETS) && npm ci --legacy-peer-deps --no-audit --no-fund --silent
	touch $(ASSETS)/node_modules

# Chinese in charts and in the browser needs a CJK font (Debian's fonts-wqy-microhei, named by flows/charts.py).
cjk-font:
	@test -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc || apt-get install -y -q fonts-wqy-microhei || (apt-get update -q && apt-get install -y -q fonts-wqy-microhei)

setup: $(BIN)/cppcc $(ASSETS)/node_modules cjk-font

run: setup
	$(BIN)/cppcc prefect-server start
	$(BIN)/cppcc run --demo-if-empty --summary
	@echo "The run is in the Prefect UI above; stop the server with: $(BIN)/cppcc prefect-server stop"

test: setup
	$(BIN)/pytest

# Throughput, memory, start-up and scaling on generated corpora of 1,000 and 10,000 pages -> bench/results.md
# (BENCH_PAGES=200 make bench: a quick check at another size, written to data/bench/ instead).
bench: setup chromium
	$(BIN)/pip install -q -e '.[test,bench]'
	$(BIN)/python -m bench

# Prefect server + one flow run + headless Chromium (network blocked but for 127.0.0.1): the flow-runs page, every
# `cppcc explore` page and the Data Docs index; screenshots in data/ui-check-*.png.
ui-check: setup chromium
	$(BIN)/python -m cppcc.ui_check data

# Headless Chromium for ui-check and the bench's explorer page loads (Debian's chromium, installed when missing).
chromium:
	@test -x /usr/bin/chromium || apt-get install -y -q chromium || (apt-get update -q && apt-get install -y -q chromium)

clean:
	rm -rf $(VENV) data
