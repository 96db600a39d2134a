# Entry points. Only Python 3.11 and pip are assumed: uv is bootstrapped with pip and
# installs the locked environment (uv.lock) into .venv.
PYTHON ?= python3
UV := $(PYTHON) -m uv
# The interpreter .venv is built on: the distribution's Python 3.11 where there is a whole one
# (docs/design.md, decision 61). Debian's is built with profile-guided and link-time
# optimisation and has libpython in its executable; the pyenv-built python3 that these machines
# put first on PATH has neither, and the tests took 7 % longer on it. Elsewhere, PYTHON.
# Looked for once per make (:=), not at each of the three places that use it.
ifndef VENV_PYTHON
VENV_PYTHON := $(or $(shell /usr/bin/python3.11 -c 'import ctypes, sqlite3, ssl' 2>/dev/null \
	&& echo /usr/bin/python3.11),$(PYTHON))
endif
VENV := .venv
BIN := $(VENV)/bin

# Bytecode compiled at install: this environment sets PYTHONDONTWRITEBYTECODE=1, and
# importing Great Expectations without it takes twice as long.
export UV_COMPILE_BYTECODE := 1
export UV_PYTHON_DOWNLOADS := never
# dagster.yaml at the project root configures the instance; it keeps everything in
# BAROMETER_DAGSTER_DIR, an absolute path, whatever folder a dagster command starts in.
export DAGSTER_HOME := $(CURDIR)
export BAROMETER_DAGSTER_DIR := $(CURDIR)/.dagster
# dg finds the code location through [tool.dg] in pyproject.toml; it warns unless the
# project's .venv is the active environment, which make uses without activating it.
DG := VIRTUAL_ENV=$(CURDIR)/$(VENV) $(BIN)/dg

.PHONY: install run test lint ui bench samples sql clean

install: $(VENV)/.installed

# The stamp names the interpreter: a .venv built on another one is built again (uv sync
# replaces an environment whose interpreter is not the one asked for).
ifneq ($(file <$(VENV)/.installed),$(VENV_PYTHON))
.PHONY: $(VENV)/.installed
endif
$(VENV)/.installed: pyproject.toml uv.lock
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet "uv==0.13.8"
	$(UV) sync --frozen --python $(VENV_PYTHON)
	@echo '$(VENV_PYTHON)' > $@

run: install
	@mkdir -p .dagster
	$(BIN)/python -m pipelines.orchestration.run

# CI (.ci/run) runs `make test`: lint (code and its formatting, Markdown code blocks included,
# and the import layers of pipelines/, [tool.importlinter]) first, then `dg check defs` (the
# code location loads as `make ui` loads it), then the tests.
test: lint
	$(DG) check defs
	$(BIN)/pytest

# The tests write bytecode, which this environment forbids (PYTHONDONTWRITEBYTECODE=1): pytest
# keeps each test file as rewritten for its asserts in __pycache__ (git-ignored), and every
# worker and process of the tests reads it there instead of rewriting or compiling again.
test: export PYTHONDONTWRITEBYTECODE :=

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

ui: install
	@mkdir -p .dagster
	$(DG) dev -h 127.0.0.1 -p 3000

# A read-only SQL shell on the analyst catalog (pipelines/publish/sql_shell.py; no duckdb
# CLI needed).
sql: install
	@$(BIN)/python -m pipelines.publish.sql_shell -readonly

bench: install
	$(BIN)/python -m bench

# Regenerates the committed sample deliveries (deterministic: the result equals what is committed).
samples: install
	$(BIN)/python -m sample --wave 2018 --respondents 1800 --seed 1 --out data/raw/2018 --defects tests/data/sample_defects/2018.json
	$(BIN)/python -m sample --wave 2020 --respondents 3000 --seed 1 --out data/raw/2020 --defects tests/data/sample_defects/2020.json
	$(BIN)/python -m sample --wave 2024 --respondents 3200 --seed 1 --out data/raw/2024 --defects tests/data/sample_defects/2024.json

clean:
	rm -rf .dagster data/warehouse.duckdb data/warehouse.duckdb.wal
