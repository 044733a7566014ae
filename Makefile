# One command runner, the same locally and in CI.
#   make run    set everything up, load the demo data on first run, open the dashboard
#   make test   set everything up (venv, Chromium, PostgreSQL check) and run the whole test suite
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PG_BIN ?= /usr/lib/postgresql/15/bin

.PHONY: run test check fast setup setup-test system lint types contracts bench clean

run: setup
	$(VENV)/bin/wismo up

# The whole suite, as CI runs it: lint, types and the layer contracts first, then every test.
test: setup-test lint types contracts
	$(PY) -m pytest -n 2 --dist loadgroup

# Everyday work (under 3 minutes): lint, types, contracts and the tests that need no PostgreSQL,
# no browser and no Spark.
check: setup lint types contracts fast

fast: setup
	$(PY) -m pytest -n 2 -q -m "not postgres and not browser and not engines"

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

# The optional engines (Spark, PostgreSQL pushdown): the parity suite runs every KPI on all four.
$(VENV)/.engines: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet -e ".[dev,spark,pushdown]"
	touch $@

# System parts the tests use: Debian's Chromium (driven by Playwright, never downloaded by it)
# and the PostgreSQL 15 server binaries (the tests start a throwaway cluster).
# Node.js runs the OpenID provider of the sign-in test (oidc-provider, from the npm registry).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

setup-test: system setup $(VENV)/.engines tests/browser/oidc/node_modules/.installed

system:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x $(PG_BIN)/initdb ] || ! command -v npm >/dev/null; then \
	  echo "installing Chromium / PostgreSQL 15 / Node.js from Debian's packages"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium \
	    postgresql-15 nodejs npm >/dev/null; \
	fi

tests/browser/oidc/node_modules/.installed: tests/browser/oidc/package.json
	cd tests/browser/oidc && npm ci --no-audit --no-fund --silent
	touch $@

lint: setup
	$(VENV)/bin/ruff check .

contracts: setup
	$(VENV)/bin/lint-imports

types: setup
	$(VENV)/bin/mypy --strict core store metrics data_checks
	$(VENV)/bin/mypy services governance alerts reporting connectors wismo

bench: setup
	$(PY) -m benchmarks.run

clean:
	rm -rf data test-artifacts .pytest_cache
