# Two commands do everything on a fresh machine (see README.md):
#   make run    the app on SQLite: web, one RQ worker, Redis if none answers
#   make test   the whole test suite
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test setup services lint

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed

services:
	bin/ensure-services

run: setup services
	$(PY) manage.py migrate --noinput
	$(PY) manage.py ensure_admin
	bin/run-local

test: setup services
	bin/ensure-browser
	$(PY) -m pytest

lint: setup
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .
