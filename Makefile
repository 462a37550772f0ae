# Amicus: `make run` to try it, `make test` for the whole suite. See README.md.
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint bench bench-load bench-check-in install setup translations translations-update clean help

help:
	@echo "make run    set everything up and serve at http://$(HOST):$(PORT)"
	@echo "make test   run the whole test suite (browser tests included), after make lint"
	@echo "make lint   ruff and the import contracts (docs/architecture.md), in seconds"
	@echo "make bench  benchmark the pages under load and certificates (see bench/README.md)"
	@echo "make bench-load  200 simulated participants for 5 minutes through nginx and gunicorn (bench/README.md)"

$(VENV)/.installed: pyproject.toml
	@scripts/system-deps.sh python
	@test -x $(PY) || python3 -m venv $(VENV)
	@echo "Installing Python packages into $(VENV) ..."
	@$(PY) -m pip install -q --upgrade pip
	@$(PY) -m pip install -q -e '.[dev]' || { echo "pip could not install the packages (see above)." >&2; exit 1; }
	@touch $@

install: $(VENV)/.installed

translations: install
	@if ls training/translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
		$(VENV)/bin/pybabel -q compile -d training/translations; fi

translations-update: install
	@$(VENV)/bin/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 --no-location \
		--project Amicus -o training/translations/messages.pot .
	@$(VENV)/bin/pybabel -q update -i training/translations/messages.pot -d training/translations --no-fuzzy-matching --ignore-obsolete

# A random survey secret for this machine, made once and kept (docs/surveys.md): without it,
# development derives the pseudonyms from a key printed in the code.
SURVEY_SECRET := instance/survey-secret
DEV := AMICUS_ENV=development AMICUS_SURVEY_SECRET="$$(cat $(SURVEY_SECRET))"

$(SURVEY_SECRET):
	@mkdir -p instance
	@umask 077 && python3 -c 'import secrets; print(secrets.token_hex(32))' > $@
	@echo "Made a random survey secret in $@ (keep it: answers are matched with it)."

setup: install translations $(SURVEY_SECRET)
	@$(DEV) $(FLASK) db upgrade
	@$(DEV) $(FLASK) courses sync
	@$(DEV) $(FLASK) demo load

run: setup
	@echo
	@echo "Amicus is starting at http://$(HOST):$(PORT)  (log in with a demo account above; Ctrl-C stops it)"
	@$(DEV) $(FLASK) run --host $(HOST) --port $(PORT)

AXE := tests/e2e/node_modules/axe-core/axe.min.js

$(AXE): tests/e2e/package.json tests/e2e/package-lock.json
	@echo "Installing axe-core from the npm registry into tests/e2e/node_modules ..."
	@npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error || { \
		echo "npm could not install axe-core (see above): check access to the npm registry." >&2; exit 1; }
	@touch $@

# Ruff and the import contracts (docs/architecture.md, "Tools that keep the shape"): a few
# seconds, so `make test` (and CI) runs them first and stops before the suite if they fail.
lint: install
	@$(VENV)/bin/ruff check --quiet --output-format concise . || { \
		echo "make lint: ruff found the problems above (ruff check FILE explains; those marked [*] are fixed by ruff check --fix FILE)." >&2; exit 1; }
	@$(VENV)/bin/lint-imports --no-cache --no-logo >$(VENV)/lint-imports.log 2>&1 || { cat $(VENV)/lint-imports.log; \
		echo "make lint: an import breaks a contract above (pyproject.toml, [tool.importlinter])." >&2; exit 1; }

test: install lint translations
	@scripts/system-deps.sh browser
	@$(MAKE) -s $(AXE)
	@$(PY) -m pytest

bench: install
	@scripts/system-deps.sh python  # again: a machine installed before may lack a PDF library
	@scripts/system-deps.sh bench
	@bash bench/run.sh
	@$(PY) bench/bench_certificates.py
	@$(PY) bench/bench_cards.py 300 a4
	@$(PY) bench/bench_offline_sync.py 200
	@$(PY) bench/bench_handbook.py gbv-litigation both a4 trainer
	@$(PY) bench/bench_offline_course.py gbv-litigation en
	@$(PY) bench/bench_handbook.py gbv-litigation both epub trainer
	@$(PY) bench/bench_messages.py
	@$(PY) bench/bench_studio.py
	@$(PY) bench/bench_studio_pages.py

# 300 people checking in to one session within a minute: gunicorn, PostgreSQL and Redis (local).
bench-check-in: install
	@$(PY) bench/bench_check_in.py 300 60

# BENCH_LOAD_USERS and BENCH_LOAD_DURATION shorten it, e.g. BENCH_LOAD_USERS=50 BENCH_LOAD_DURATION=60.
bench-load: install
	@scripts/system-deps.sh python
	@scripts/system-deps.sh bench
	@bash bench/load.sh

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts tests/e2e/node_modules
