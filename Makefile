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
.PHONY: help system-deps venv messages run test lint clean

help:
	@echo "make run          set up everything, load the demo data, serve http://$(RUN_ADDR)/admin/"
	@echo "make test         set up everything, then ruff, the migrations check and pytest"
	@echo "                  (SQLite; DATABASE_URL=postgres://... make test for PostgreSQL)"
	@echo "make lint         ruff check and ruff format --check"
	@echo "make system-deps  install missing Debian packages (gettext)"
	@echo "make venv         create .venv and install the project with its dev extras"
	@echo "make messages     compile translation catalogs"
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

run: system-deps venv messages
	$(MANAGE) migrate --noinput
	$(MANAGE) load_article
	$(MANAGE) create_demo_staff
	DEBUG=true $(MANAGE) runserver $(RUN_ADDR)

# DATABASE_URL passes through from the environment: PostgreSQL when set, SQLite otherwise.
test: system-deps venv messages
	$(VENV)/bin/ruff check .
	$(MANAGE) makemigrations --check --dry-run
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Keeps db.sqlite3: it may hold data entered by hand.
clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-output staticfiles build *.egg-info
	find . -path ./.git -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
	find . -path ./.git -prune -o -name '*.mo' -type f -exec rm -f {} +
