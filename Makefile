# Socle — the two commands that matter: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON_SYS ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha1sum | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo setup test lint bench system-deps clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON_SYS) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $@

## setup: install, migrate, import the open data (skipped when unchanged), demo accounts.
setup: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py import_territoires
	$(PY) manage.py charger_referentiels
	$(PY) manage.py simuler_inventaires --departements 35
	$(PY) manage.py charger_comite
	$(PY) manage.py charger_appels --demo
	$(PY) manage.py creer_comptes_demo

## demo: set up Socle on SQLite with real data and demo accounts, then serve it.
demo: setup
	@echo "Socle est servi sur http://$(HOST):$(PORT)/"
	$(PY) manage.py runserver --noreload $(HOST):$(PORT)

## system-deps: Debian's Chromium for the browser tests (installed when missing and root).
system-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "Installez Chromium : sudo apt-get install chromium" >&2; exit 1; fi; fi

## test: the whole suite (unit, integration, browser) on DATABASE_URL (SQLite by default); PYTEST_ARGS to narrow it.
test: $(STAMP) system-deps
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) -m bench
	$(PY) -m bench.appels
	$(PY) -m bench.diagnostics
	$(PY) -m bench.exports

clean:
	rm -rf var/socle.sqlite3* var/downloads
