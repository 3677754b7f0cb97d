# One entry point. `make run` serves the API locally; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export PYTHONPATH := lambdas:.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1

SCAN_VENV := .venv-scan
CONSOLE_VENDOR := lambdas/console/vendor

.PHONY: install browser run test test-unit test-integration fuzz test-infra synth cfn-lint scan lint format openapi docs client event-schemas bench reconcile republish verify digest chain clean

install: $(VENV)/.installed node_modules/.installed $(CONSOLE_VENDOR)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt lambdas/requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# The console's chart library, from the pinned npm package into the functions' code (served from there).
$(CONSOLE_VENDOR)/.installed: node_modules/.installed
	mkdir -p $(CONSOLE_VENDOR)
	cp node_modules/uplot/dist/uPlot.iife.min.js node_modules/uplot/dist/uPlot.min.css node_modules/uplot/LICENSE $(CONSOLE_VENDOR)/
	touch $@

run: install
	$(PY) -m local.server

# The console's tests drive Debian's chromium through its chromedriver: installed with apt when missing.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium chromium-driver; }

test: install browser
	$(PY) -m pytest
	$(MAKE) --no-print-directory cfn-lint
	$(MAKE) --no-print-directory scan
	$(MAKE) --no-print-directory docs

test-infra: install
	$(PY) -m pytest tests/infra

test-unit: install
	$(PY) -m pytest tests/unit

test-integration: install browser
	$(PY) -m pytest tests/integration

# Schemathesis against the local server: every operation, all checks and phases, 100 requests each (40 in make test).
fuzz: install
	$(PY) -m local.contract --examples 100

# Synthesizes cdk.out/ offline with the pinned CDK CLI; cdk-nag runs inside and fails it on any error.
synth: install
	npx cdk synth --quiet

cfn-lint: synth
	$(VENV)/bin/cfn-lint

$(SCAN_VENV)/.installed: requirements-scan.txt
	test -x $(SCAN_VENV)/bin/python || $(PYTHON) -m venv $(SCAN_VENV)
	$(SCAN_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SCAN_VENV)/bin/python -m pip install --quiet -r requirements-scan.txt
	touch $@

# checkov on the synthesized template: fails on any failed check; each skip carries its reason in the template.
scan: synth $(SCAN_VENV)/.installed
	$(SCAN_VENV)/bin/checkov -f cdk.out/WalletStack.template.json --framework cloudformation --compact --quiet --skip-download

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy lambdas local infra bench app.py

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# Prints the benchmark table and writes bench/results/ and the README's benchmark section.
bench: install
	$(PY) -m bench.run

# Checks that the books balance on the local data (or AWS_ENDPOINT_URL_DYNAMODB); exits 1 on a difference.
reconcile: install
	$(PY) -m local.reconcile $(ARGS)

# Verifies the history: every hash chain, balance and system leg, every head against the latest digest.
# ARGS="--receipt <hash>" says whether that entry is still in its chain. Exits 1 on any finding.
verify: install
	$(PY) -m local.verify $(ARGS)

# Anchors a ledger digest of every account's chain head now (the nightly run does it in AWS).
digest: install
	$(PY) -m local.digest $(ARGS)

# Starts the hash chain of accounts written before chains existed (resumable).
chain: install
	$(PY) -m local.chain $(ARGS)

# Publishes movement events again from the key records (a window, or the dead-lettered stream batches).
republish: install
	$(PY) -m local.republish $(ARGS)

openapi: install
	$(PY) -m local.openapi > docs/openapi.json

# The HTTP reference, one page built offline from docs/openapi.json (Redoc bundled in, nothing loaded from a CDN),
# after Redocly's lint of the document (its rules: redocly.yaml).
docs: install
	npx redocly lint docs/openapi.json --format=summary
	npx redocly build-docs docs/openapi.json --inlineBundle --title "Wallet API" -o docs/reference/index.html

# The typed Python client in clients/python, generated from docs/openapi.json (a test checks it matches).
client: install
	$(PY) -m local.python_client

event-schemas: install
	$(PY) -m local.event_schemas

clean:
	rm -rf $(VENV) $(SCAN_VENV) node_modules cdk.out .pytest_cache .mypy_cache .ruff_cache .dynamodb
