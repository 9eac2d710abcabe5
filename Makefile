# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
NPM_INSTALLED := frontend/node_modules/.installed
FRONTEND_BUILT := frontend/dist/index.html
EXT_SUFFIX := $(shell $(PYTHON) -c "import sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX'))")
C_SOURCES := $(wildcard src/strategy_analysis/ingest/_*.c src/strategy_analysis/db/_*.c src/strategy_analysis/trades/_*.c)
C_MODULES := $(C_SOURCES:.c=$(EXT_SUFFIX))
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest-xdist workers of `make test` (0: one process); modules marked xdist_group stay on one
# worker. Three on two cores: the tests wait a fifth of the time (on the servers, processes,
# browser and PostgreSQL they drive), which a third worker fills. Tests marked `alone` hold a
# time budget: they run afterwards, with the machine to themselves.
PYTEST_WORKERS ?= 3
# Bytecode is cached (in the git-ignored __pycache__ folders) whatever PYTHONDONTWRITEBYTECODE
# says: without it every worker compiles the test modules and rewrites their asserts again on
# every run, 2 s of CPU per worker before its first test.
PYTEST_RUN := PYTHONDONTWRITEBYTECODE= $(PY) -m pytest
PYTEST := $(PYTEST_RUN) -n $(PYTEST_WORKERS) --dist loadgroup -m "not alone" && $(PYTEST_RUN) -m alone

.PHONY: run test install frontend test-deps lint pytest bench clean

run: install frontend
	$(PY) cli.py db upgrade
	$(PY) cli.py serve --host $(HOST) --port $(PORT)

test: install frontend test-deps lint
	npm run --prefix frontend test
	$(PYTEST)

install: $(INSTALLED) $(C_MODULES)

$(INSTALLED): pyproject.toml setup.py
	bash scripts/install-build-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# The C fast paths (export reader, stream checks, SQLite functions, Monte Carlo walk), each rebuilt when its
# source changes (pip builds them first). build_ext skips a module that is up to date:
# touch it, so make does not run build_ext again next time.
$(C_MODULES): %$(EXT_SUFFIX): %.c $(wildcard src/strategy_analysis/contract/_*.h) setup.py | $(INSTALLED)
	$(PY) setup.py -q build_ext --inplace
	touch $@

frontend: $(FRONTEND_BUILT)

$(NPM_INSTALLED): frontend/package.json frontend/package-lock.json
	npm ci --prefix frontend --no-audit --no-fund
	touch $@

$(FRONTEND_BUILT): $(NPM_INSTALLED) $(shell find frontend/src frontend/index.html frontend/vite.config.* -type f 2>/dev/null)
	npm run --prefix frontend build

# Debian packages the tests need: chromium (browser tests), Mono (C# client).
test-deps:
	bash scripts/install-test-deps.sh

# ruff; the layers and no import cycles (import-linter); types (mypy). Settings: pyproject.toml
lint: install
	$(VENV)/bin/ruff check src tests bench scripts cli.py
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

pytest: install
	$(PYTEST)

bench: install
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) frontend/node_modules frontend/dist
