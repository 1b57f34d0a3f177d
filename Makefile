# Two commands: `make run` starts the whole system; `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export HELPDESK_ENV ?= development
export FLASK_APP := wsgi.py

.PHONY: run test lint unit setup translations extract-messages clean security-scan soak

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is required"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev: pyproject.toml $(VENV)/.runtime
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# Compiled catalogs are build output, never committed.
translations: $(VENV)/.runtime
	$(BIN)/pybabel --quiet compile -d helpdesk/translations

extract-messages: $(VENV)/.runtime
	$(BIN)/pybabel --quiet extract -F babel.cfg -k _l -k lazy_gettext -k N_ -o helpdesk/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel --quiet update -i helpdesk/translations/messages.pot -d helpdesk/translations --no-fuzzy-matching --ignore-obsolete

setup: $(VENV)/.runtime translations
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load

run: setup
	@echo ""
	@echo "Helpdesk is starting on http://127.0.0.1:$${HELPDESK_PORT:-5000}/ (web, worker, scheduler)."
	@echo "Sign in with a demo login above; health: /healthz. Ctrl-C stops everything."
	@echo ""
	HELPDESK_PUBLIC_URL="$${HELPDESK_PUBLIC_URL:-http://127.0.0.1:$${HELPDESK_PORT:-5000}}" \
	  PATH="$(abspath $(BIN)):$$PATH" $(BIN)/honcho start -f Procfile

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: $(VENV)/.dev translations lint
	$(BIN)/pytest

# The resilience suite at the issue's full figures (#9): a 5,000-report storm in 120 s and 50 kills
# of a worker mid-delivery (`make test` runs it with 1,500 reports in 60 s and 20 kills). Needs the
# PostgreSQL and Redis that .ci/run sets up (HELPDESK_TEST_DATABASE_URL).
soak: $(VENV)/.dev translations
	HELPDESK_RESILIENCE_STORM=5000 HELPDESK_RESILIENCE_STORM_SECONDS=120 HELPDESK_RESILIENCE_KILLS=50 \
	  $(BIN)/pytest -m resilience -p no:randomly -s tests/resilience

# Known vulnerabilities we accept for now, as `--ignore-vuln ID`, each with a dated reason and
# an expiry, e.g. `# 2026-11-29 GHSA-xxxx: no fix released; we never call the affected API; recheck 2027-01-31`.
PIP_AUDIT_WAIVERS :=

# Issue #9, S11: no high-severity bandit finding in our code; no known vulnerability in what is
# installed. `--strict` fails when a package could not be checked, so an advisory service that
# cannot be reached is never reported as a clean audit.
security-scan: $(VENV)/.dev
	$(BIN)/bandit -q -r helpdesk workers -lll
	$(BIN)/pip-audit --progress-spinner off --skip-editable --strict $(PIP_AUDIT_WAIVERS)

clean:
	rm -rf $(VENV) instance/*.sqlite* instance/celerybeat-schedule* .pytest_cache .mypy_cache .ruff_cache
