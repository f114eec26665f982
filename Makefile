# Two commands set everything up on a fresh Debian 12 machine: `make run` and `make test`.
# Each installs what is missing (Debian packages, the virtualenv, compiled translations) and
# skips what is already there, so repeating them is cheap.

PYTHON := $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
VENV := .venv
VENV_PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
MANAGE := $(VENV_PY) manage.py
RUN_ADDR ?= 127.0.0.1:8000
PYTEST_ARGS ?=

export PIP_DISABLE_PIP_VERSION_CHECK := 1

.DEFAULT_GOAL := help
.PHONY: help system-deps venv messages static-deps run serve test lint clean bench bench-deps

help:
	@echo "make run          set up everything, load the demo data, serve http://$(RUN_ADDR)/admin/"
	@echo "                  (DEBUG off; make run DEBUG=true for tracebacks on a developer's machine)"
	@echo "make serve        set up everything, then the production server (gunicorn) on $(RUN_ADDR)"
	@echo "                  (needs SECRET_KEY; see the README, section Production)"
	@echo "make test         set up everything, then ruff, lint-imports, the migrations check and pytest"
	@echo "                  (SQLite; DATABASE_URL=postgres://... make test for PostgreSQL)"
	@echo "make lint         ruff check and ruff format --check"
	@echo "make bench        the province benchmark against the database floor and Datasette"
	@echo "                  (minutes; BENCH_ARGS=--quick for a short run; bench/README.md)"
	@echo "make system-deps  install missing Debian packages (gettext, nodejs, npm)"
	@echo "make venv         create .venv and install the project with its dev extras"
	@echo "make messages     compile translation catalogs"
	@echo "make static-deps  install the browser assets from package-lock.json (npm ci)"
	@echo "make clean        remove .venv, caches, compiled catalogs and test output"

system-deps:
	@test -n "$(PYTHON)" || { echo "Python 3.11 not found (python3.11 or python3)" >&2; exit 1; }
	@bash scripts/system-deps.sh "$(PYTHON)"

# The interpreter is the venv's "exists" marker; a half-made venv is removed so the next run retries.
$(VENV_PY): | system-deps
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || { \
		echo "$(PYTHON) is Python $$($(PYTHON) -c 'import platform; print(platform.python_version())'); the project needs 3.11" >&2; \
		exit 1; }
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); exit 1; }

# Reinstall only when pyproject.toml changed since the last successful install.
$(STAMP): pyproject.toml | $(VENV_PY)
	$(VENV_PY) -m pip install --quiet -e '.[dev]'
	@touch $@

venv: $(STAMP)

# Catalogs are compiled only where a locale/ directory exists (project or app level);
# compilemessages itself skips a .mo that is newer than its .po.
messages: $(STAMP) | system-deps
	@if find . -path ./$(VENV) -prune -o -path ./node_modules -prune -o -type d -name locale -print | grep -q .; then \
		echo "$(MANAGE) compilemessages --ignore=$(VENV) --ignore=node_modules"; \
		$(MANAGE) compilemessages --ignore=$(VENV) --ignore=node_modules; \
	else \
		echo "messages: no locale/ directory, nothing to compile"; \
	fi

# Apache ECharts for the dashboard charts, from the npm registry at the version package-lock.json
# pins. npm writes node_modules/.package-lock.json, so the install reruns only when the lock
# changed or node_modules is missing; without a lock (first run) `npm install` creates it.
static-deps: node_modules/.package-lock.json

node_modules/.package-lock.json: package.json $(wildcard package-lock.json) | system-deps
	@if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
	@touch $@

# whitenoise serves the demo's static files from staticfiles/, as in production; they are
# collected again (hashed names, gzip and brotli: about 20 s) only when a source changed.
DEMO_STATIC := staticfiles/staticfiles.json

$(DEMO_STATIC): $(STAMP) node_modules/.package-lock.json $(shell find static -type f)
	STATIC_ROOT=staticfiles $(MANAGE) collectstatic --noinput --verbosity 0
	@touch $@

# The demo. The address is checked first: a second `make run` on a busy port stops before it
# changes anything (the demo passwords among them). scripts/run-demo.sh serves with DEBUG off,
# as production does; `make run DEBUG=true` is the developer's switch.
DEBUG ?= false
run: system-deps venv messages static-deps $(DEMO_STATIC)
	@$(VENV_PY) scripts/check_port.py "$(RUN_ADDR)"
	$(MANAGE) migrate --noinput
	$(MANAGE) load_article
	$(MANAGE) create_demo_staff --origin http://$(RUN_ADDR)
	RUN_ADDR="$(RUN_ADDR)" DEBUG="$(DEBUG)" STATIC_ROOT=staticfiles bash scripts/run-demo.sh

# The production server: the same set-up as `run` (no demo data), then scripts/serve.sh
# migrates, collects the static files and replaces itself with gunicorn. BIND, if set, wins.
serve: system-deps venv messages static-deps
	BIND="$${BIND:-$(RUN_ADDR)}" bash scripts/serve.sh

# The benchmark of issue 6 (bench/README.md): its own PostgreSQL, data, gunicorn, wrk and
# Datasette, none of which the tests need, so it has its own set-up. BENCH_ARGS: see
# `.venv/bin/python bench/run.py --help`.
BENCH_STAMP := $(VENV)/.bench-installed
BENCH_ARGS ?=

$(BENCH_STAMP): pyproject.toml | $(STAMP)
	$(VENV_PY) -m pip install --quiet -e '.[dev,bench]'
	@touch $@

bench-deps: $(BENCH_STAMP)
	@bash scripts/bench-deps.sh

bench: system-deps venv messages static-deps bench-deps
	$(VENV_PY) bench/run.py $(BENCH_ARGS)

# DATABASE_URL passes through from the environment: PostgreSQL when set, SQLite otherwise.
test: system-deps venv messages static-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(MANAGE) makemigrations --check --dry-run
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Keeps db.sqlite3: it may hold data entered by hand.
clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache test-output staticfiles build *.egg-info
	find . -path ./.git -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
	find . -path ./.git -prune -o -name '*.mo' -type f -exec rm -f {} +
