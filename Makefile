# Kenesh: `make demo` installs and serves the demo programme, `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/kenesh
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo dev lock install install-test gettext messages lint typecheck migrations-check test test-sqlite \
        test-postgres test-browser chromium bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Installs are locked: exact versions with hashes from requirements/*.txt (`make lock`), then
# Kenesh itself without dependencies. pyproject.toml keeps the ranges the lock is made from.
$(VENV)/.installed: requirements/runtime.txt | $(BIN)/python
	$(BIN)/pip install -q --require-hashes --no-deps -r requirements/runtime.txt
	$(BIN)/pip install -q --no-deps -e .
	touch $@

$(VENV)/.installed-test: requirements/test.txt | $(BIN)/python
	$(BIN)/pip install -q --require-hashes --no-deps -r requirements/test.txt
	$(BIN)/pip install -q --no-deps -e .
	$(BIN)/pip check
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed messages

install-test: $(VENV)/.installed-test messages

# compilemessages needs GNU gettext's msgfmt; Debian's package when it is missing.
gettext:
	@command -v msgfmt >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null; }

messages: gettext
	KENESH_DEBUG=1 $(BIN)/kenesh compilemessages -v 0 --ignore '.venv'

# The demo programme served as production serves it (gunicorn, a worker, debug off).
demo: install
	$(BIN)/kenesh demo --port $(PORT)

# For developers: Django's development server, debug on, code reloaded on change.
dev: install
	KENESH_DEBUG=1 $(BIN)/kenesh demo --no-serve
	KENESH_DEBUG=1 $(BIN)/kenesh runserver $(PORT)

# Re-resolve the locks after a change to pyproject.toml (UPGRADE=1: newest versions allowed).
UV := $(BIN)/uv
LOCK_FLAGS = --generate-hashes --universal --python-version 3.11 -q $(if $(UPGRADE),--upgrade)
lock: | $(BIN)/python
	$(BIN)/pip install -q 'uv==0.13.9'
	$(UV) pip compile pyproject.toml $(LOCK_FLAGS) -o requirements/runtime.txt
	$(UV) pip compile pyproject.toml --extra test $(LOCK_FLAGS) -o requirements/test.txt

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck:
	KENESH_DEBUG=1 $(BIN)/mypy config kenesh tests

migrations-check:
	KENESH_DEBUG=1 $(BIN)/kenesh makemigrations --check --dry-run

test-sqlite:
	env -u DATABASE_URL $(BIN)/pytest -m "not browser" -q

test-postgres:
	@if $(BIN)/python -c "import psycopg; psycopg.connect('postgresql://postgres@127.0.0.1:5432/postgres', connect_timeout=3).close()" 2>/dev/null; then \
		DATABASE_URL=$(POSTGRES_URL) $(BIN)/pytest -m "not browser" -q; \
	elif [ -n "$$CI" ]; then \
		echo "PostgreSQL on 127.0.0.1:5432 is unreachable and CI is set: failing." >&2; exit 1; \
	else \
		echo "PostgreSQL on 127.0.0.1:5432 is unreachable: PostgreSQL tests skipped (set CI to fail instead)."; \
	fi

chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test-browser: chromium
	env -u DATABASE_URL $(BIN)/pytest -m browser -q

# The SQLite and PostgreSQL runs are independent (each its own database): one per core, at once,
# each one's output printed whole when it ends.
test: install-test lint typecheck migrations-check
	$(MAKE) -j2 --output-sync=target test-sqlite test-postgres
	$(MAKE) test-browser

bench: install-test
	KENESH_DEBUG=1 $(BIN)/python -m bench $(BENCH)

clean:
	rm -rf $(VENV) var
