# Policy provenance registry: set-up, tests and the contract artifact.
#
#   make serve   install what is needed, then start the service on the embedded default
#                (durable local chain + SQLite under ./.policy-registry) at http://127.0.0.1:8000
#   make test    install what is needed, then ruff, mypy and the whole pytest suite
#   make contracts   recompile contracts/ into contracts/artifacts/ (needs npm deps)
#   make bench   the benchmark suite (writes tests/benchmarks/report.{md,json}; ~10 min)
#   make protocol-vectors   regenerate tests/vectors/protocol_vectors.json (Node) and check
#                the core against it on Python 3.11, 3.12 and 3.13 (pyenv); `make test` runs
#                the same check

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
CHROMIUM := /usr/bin/chromium

.PHONY: install serve test lint contracts bench clean postgres-server protocol-vectors

install: $(PY_STAMP) $(NPM_STAMP)

# The page's browser tests drive Debian's chromium through playwright (its own browser
# download does not work offline); install it when missing (needs root), with a CJK font
# so that the screenshots show the Chinese articles. Only the tests need it.
BROWSER_PACKAGES := chromium fonts-wqy-microhei
$(CHROMIUM):
	apt-get install -y -q $(BROWSER_PACKAGES) || \
		(apt-get update -q && apt-get install -y -q $(BROWSER_PACKAGES))

# The store's contract tests also run on a real PostgreSQL server (a throwaway cluster a
# test fixture starts on loopback); install Debian's server programs when missing.
postgres-server:
	@ls /usr/lib/postgresql/*/bin/pg_ctl > /dev/null 2>&1 || apt-get install -y -q postgresql || \
		(apt-get update -q && apt-get install -y -q postgresql)

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

serve: install
	$(BIN)/policy-registry serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint $(CHROMIUM) postgres-server
	$(BIN)/pytest

contracts: install
	$(BIN)/python -m registry.toolchain.compile

protocol-vectors: install
	node tests/vectors/generate_protocol.mjs
	$(BIN)/pytest -q tests/core/test_protocol_vectors.py tests/core/test_unicode_rule.py

bench: install
	$(BIN)/python -m tests.benchmarks

clean:
	rm -rf $(VENV) node_modules .mypy_cache .pytest_cache .ruff_cache
