# Two commands: `make run` (engine with demo data on http://127.0.0.1:8000; any other with
# `make run PORT=8201 HOST=…`) and `make test`.
# Everything else here is what those two need on a fresh Debian machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in e-mails and background tasks; pages build their links from the request.
FORMS_SITE_URL ?= http://$(HOST):$(PORT)
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)

.PHONY: run test setup deps assets chromium migrate demo lint bench clean check-processes

run: setup migrate demo
	DJANGO_DEBUG=1 ENABLE_DEMO_BACKENDS=1 FORMS_SITE_URL=$(FORMS_SITE_URL) $(PY) manage.py runserver $(HOST):$(PORT)

# One pytest worker per core (pytest-xdist); each worker has its own test database.
PYTEST_WORKERS ?= auto
test: setup chromium
	DJANGO_TESTING=1 $(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

setup: deps assets

deps: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e ".[dev]"
	touch $@

# KERN UX (citizen styles) and axe-core (accessibility tests) come from npm, never committed.
assets: static/vendor/.installed

static/vendor/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf static/vendor && mkdir -p static/vendor/kern
	cp -r node_modules/@kern-ux/native/dist/kern.min.css node_modules/@kern-ux/native/dist/fonts static/vendor/kern/
	cp node_modules/@kern-ux/native/LICENSE.md static/vendor/kern/
	touch $@

# Browser tests drive Debian's Chromium; Playwright's own browser download is not used.
chromium:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

migrate: setup
	DJANGO_DEBUG=1 $(PY) manage.py migrate --noinput

demo: migrate
	DJANGO_DEBUG=1 $(PY) manage.py process_sync
	# the starter library arrives as a signed bundle of its demo publisher (var/starter-library.zip)
	DJANGO_DEBUG=1 $(PY) manage.py starter_library --out var/starter-library.zip
	DJANGO_DEBUG=1 $(PY) manage.py demo_setup

lint: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

# Every benchmark in bench/ on PostgreSQL (BENCH_DATABASE_URL, default the local server),
# figures as ratios to a bare Django view of the same run; QUICK=1 for a smoke run.
bench: setup
	DJANGO_TESTING=1 $(PY) bench/run.py

clean:
	rm -rf $(VENV) node_modules static/vendor var db.sqlite3

# Validate process definitions (and run their designer tests): make check-processes [PROCESSES=path]
PROCESSES ?= processes/
check-processes: deps
	DJANGO_DEBUG=1 $(PY) manage.py process_check $(PROCESSES)
