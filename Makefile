# Shanhai: `make demo` builds .venv, loads the Songjiang–Weixin demo and serves it;
# `make test` runs the whole suite (lint, types, SQLite, PostgreSQL, browser).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
UV_VERSION := 0.13.9

.PHONY: demo test venv lint check-types serve messages clean

venv: $(VENV)/.synced

$(VENV)/.synced: pyproject.toml uv.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "Shanhai needs Python 3.12 or newer (see .python-version); found " + sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	UV_PYTHON_DOWNLOADS=never $(BIN)/python -m uv sync --frozen --python $(BIN)/python
	@touch $@

demo: venv
	@mkdir -p var
	$(BIN)/shanhai migrate --noinput
	$(BIN)/shanhai demo
	$(BIN)/shanhai runserver 127.0.0.1:$(PORT)

test: venv
	scripts/test

lint: venv
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

messages: venv
	cd shanhai && ../$(BIN)/django-admin makemessages -l zh_Hans --no-obsolete && ../$(BIN)/django-admin compilemessages

clean:
	rm -rf $(VENV) var
