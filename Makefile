# Amicus: `make run` to try it, `make test` for the whole suite. See README.md.
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test bench install setup translations translations-update clean help

help:
	@echo "make run    set everything up and serve at http://$(HOST):$(PORT)"
	@echo "make test   run the whole test suite (browser tests included)"
	@echo "make bench  benchmark the pages under load and certificates (see bench/README.md)"

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

setup: install translations
	@AMICUS_ENV=development $(FLASK) db upgrade
	@AMICUS_ENV=development $(FLASK) courses sync
	@AMICUS_ENV=development $(FLASK) demo load

run: setup
	@echo
	@echo "Amicus is starting at http://$(HOST):$(PORT)  (log in with a demo account above; Ctrl-C stops it)"
	@AMICUS_ENV=development $(FLASK) run --host $(HOST) --port $(PORT)

AXE := tests/e2e/node_modules/axe-core/axe.min.js

$(AXE): tests/e2e/package.json tests/e2e/package-lock.json
	@echo "Installing axe-core from the npm registry into tests/e2e/node_modules ..."
	@npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error || { \
		echo "npm could not install axe-core (see above): check access to the npm registry." >&2; exit 1; }
	@touch $@

test: install translations
	@scripts/system-deps.sh browser
	@$(MAKE) -s $(AXE)
	@$(PY) -m pytest

bench: install
	@scripts/system-deps.sh postgres-client
	@bash bench/run.sh
	@$(PY) bench/bench_certificates.py

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts tests/e2e/node_modules
