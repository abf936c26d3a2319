# Two commands on a fresh machine: `make demo` and `make test`.
# Python 3.12 or later (road travel's pyvalhalla has wheels only from 3.12): the first of
# python3.12, python3.13 and pyenv's 3.12.1 (on every machine of ours) that runs, else python3.
PYTHON ?= $(shell for p in python3.12 python3.13 "$${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.12.1/bin/python3"; do \
	if "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then echo "$$p"; exit 0; fi; \
	done; echo python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# axe-core for the browser test of the screen (package-lock.json); the page itself needs no packages
NODE_STAMP := node_modules/.installed
DEMO   ?= instances/homecare/zone.json
DEMO_TIME ?= 30

.PHONY: demo test test-fast nightly lint bench figures setup clean wheel

setup: $(STAMP) $(NODE_STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

# A venv of an older Python (made before the move to 3.12) is not removed behind anyone's back.
$(STAMP): pyproject.toml
	@if test -x $(BIN)/python && ! $(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then \
		echo "$(VENV) runs Python < 3.12: remove it (make clean) and run make again" >&2; exit 1; fi
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,bench,roads]"
	touch $(STAMP)

demo: $(STAMP)
	mkdir -p out
	$(BIN)/carerun solve $(DEMO) --time-limit $(DEMO_TIME) -o out/zone-plan.json
	$(BIN)/carerun check $(DEMO) out/zone-plan.json

test: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m pytest -n 2 -q -m "not nightly"

# The long random fuzzing campaign (hours on 2 cores); results with CARERUN_FUZZ_RESULTS=FILE.
nightly: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m pytest -n 2 -q -s -m nightly tests/api/test_fuzz.py

test-fast: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m pytest -n 2 -q -m "not slow and not nightly"

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
