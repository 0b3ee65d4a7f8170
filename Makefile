# Hubbub — the documented entry points. `make run` and `make test` set everything up themselves.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .uv/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export UV_PROJECT_ENVIRONMENT := $(VENV)

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv .uv
	.uv/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet
	@touch $@

install: $(VENV)/.synced ## Create the virtual environment from the lock file

# The real @botpress/client the Botpress dialect is tested with (tests/api/botpress/test_node_client.py).
BOTPRESS_CLIENT := tests/botpress_client
$(BOTPRESS_CLIENT)/node_modules: $(BOTPRESS_CLIENT)/package-lock.json
	npm ci --prefix $(BOTPRESS_CLIENT) --no-audit --no-fund
	@touch $@

# Debian's Chromium, driven by Playwright in the browser tests (tests/web/); Playwright's own
# browser download cannot reach its CDN from here, so the tests point it at this binary.
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
$(CHROMIUM):
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium

run: install ## Serve Hubbub on the embedded default (SQLite under ./hubbub-data/)
	$(BIN)/hubbub serve

test: install $(BOTPRESS_CLIENT)/node_modules $(CHROMIUM) ## Run the whole suite (SQLite, and PostgreSQL when HUBBUB_TEST_POSTGRES=1)
	$(BIN)/pytest -q

test-all: install $(BOTPRESS_CLIENT)/node_modules $(CHROMIUM) ## Run the whole suite on SQLite and PostgreSQL
	HUBBUB_TEST_POSTGRES=1 $(BIN)/pytest -q

check: install ## Lint, format check, strict typing and the architecture contracts
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

fmt: install ## Format and autofix
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: install ## Load-test a running server on SQLite and PostgreSQL (see bench/README.md)
	$(BIN)/python -m bench

lock: $(UV) ## Refresh uv.lock after changing dependencies
	$(UV) lock

.PHONY: help install run test test-all check fmt bench lock
