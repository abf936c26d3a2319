# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# axe-core for the browser test of the screen (package-lock.json); the page itself needs no packages
NODE_STAMP := node_modules/.installed
DEMO   ?= instances/homecare/zone.json
DEMO_TIME ?= 30

.PHONY: demo test test-fast lint bench figures setup clean wheel

setup: $(STAMP) $(NODE_STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	touch $(STAMP)

demo: $(STAMP)
	mkdir -p out
	$(BIN)/carerun solve $(DEMO) --time-limit $(DEMO_TIME) -o out/zone-plan.json
	$(BIN)/carerun check $(DEMO) out/zone-plan.json

test: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m pytest -n 2 -q

test-fast: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m pytest -n 2 -q -m "not slow"

# Speed suite (pytest-benchmark); headline figures (shipped days, Solomon): `make figures`; quality beside the
# peers: `python -m benchmarks.quality --set solomon --time-limit 10` (see benchmarks/README.md).
bench: $(STAMP)
	$(BIN)/python -m pytest benchmarks/speed.py -q -p no:cacheprovider --benchmark-only \
		--benchmark-json benchmarks/results/speed.json

figures: $(STAMP)
	$(BIN)/python -m benchmarks.core

# The installable carerun (solver and api, with their package data) into dist/.
wheel: $(STAMP)
	$(BIN)/python -m pip wheel --no-deps --wheel-dir dist .

# ruff (style and format), mypy (types), lint-imports (layers point down, solver never
# imports api, no cycles: contracts in pyproject.toml).
lint: $(STAMP)
	$(BIN)/ruff check solver api benchmarks tests
	$(BIN)/ruff format --check solver api benchmarks tests
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) node_modules out dist build .pytest_cache .mypy_cache .ruff_cache
