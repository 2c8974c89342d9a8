# The two commands a newcomer needs: `make run` and `make test`.
# Everything else here is a step those two call.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# pytest runs on every core (pytest-xdist), one test module per worker so module-scoped servers and browsers
# are started once; the 15 slowest tests are listed at the end. PYTEST_ARGS replaces these: `make test PYTEST_ARGS="tests/unit -x"`.
PYTEST_ARGS ?= -n auto --dist loadfile --durations=15

.PHONY: run test bench install install-test system-deps js-deps i18n-check lint infra-check clean

run: $(VENV)/.installed
	$(BIN)/signalement init
	$(BIN)/signalement serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-test system-deps js-deps lint
	$(BIN)/signalement i18n check
	$(BIN)/python -m pytest $(PYTEST_ARGS); status=$$?; \
	  if [ $$status -eq 5 ]; then echo "pytest collected no tests: that is a failure"; exit 1; fi; \
	  exit $$status

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

# Debian packages the browser, font and load tests need. Installed only when
# missing and only where we may (root with apt); tests that need them say
# why they skip otherwise, and fail instead under CI=true.
system-deps:
	@sh infra/ci/system-deps.sh

js-deps: tests/js/node_modules/.installed

tests/js/node_modules/.installed: tests/js/package.json tests/js/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  cd tests/js && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed; \
	else echo "npm not found: accessibility and Twilio-contract tests will skip (CI=true makes them fail)"; fi

i18n-check: $(VENV)/.installed
	$(BIN)/signalement i18n check

# Lint, types, the trust walls (import contracts in pyproject.toml), bandit (accepted findings justified in
# pyproject.toml) and known-vulnerable dependencies (pip-audit; it skips, saying why, without advisory data).
# pip-audit waits on the network, so it runs alongside the others rather than after them. Part of `make test`.
lint: $(VENV)/.installed-test
	@$(BIN)/python tests/security/audit_dependencies.py > $(VENV)/pip-audit.log 2>&1 & audit=$$!; status=0; \
	$(BIN)/ruff check src tests benchmarks research || status=1; \
	$(BIN)/mypy || status=1; \
	$(BIN)/lint-imports || status=1; \
	$(BIN)/bandit -q -c pyproject.toml -r src || status=1; \
	wait $$audit || status=1; cat $(VENV)/pip-audit.log; exit $$status

# Every benchmark, bounded in time (about 10 minutes on 2 busy cores), with PostgreSQL when it is reachable; prints
# a table and appends it to docs/performance.md. BENCH_ARGS="--seconds 30 --queue-cases 1000000" for the full run.
bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

# Deployment files (container, compose, nginx, Kubernetes, alerts), validated offline. Part of `make test`.
infra-check: $(VENV)/.installed-test system-deps
	$(BIN)/python -m pytest tests/infra -q

clean:
	rm -rf $(VENV) tests/js/node_modules .pytest_cache
