# Policy provenance registry: set-up, tests and the contract artifact.
#
#   make test    install what is needed, then ruff, mypy and the whole pytest suite
#   make contracts   recompile contracts/ into contracts/artifacts/ (needs npm deps)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed

.PHONY: install test lint contracts clean

install: $(PY_STAMP) $(NPM_STAMP)

$(PY_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# `npm install` installs the versions pinned in package-lock.json; `npm ci` refuses this
# lock because npm 11 leaves other platforms' optional anvil binaries out of it.
$(NPM_STAMP): package.json package-lock.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

contracts: install
	$(BIN)/python -m registry.toolchain.compile

clean:
	rm -rf $(VENV) node_modules .mypy_cache .pytest_cache .ruff_cache
