# KaderBot — two commands on a fresh machine: `make run` and `make test`.
#
# Every machine installs the same versions: requirements/run.lock (what the bot needs) and
# requirements/test.lock (that plus the test tools), both pinned, installed with uv, which is
# bootstrapped inside the virtualenv. `make lock` writes them again after pyproject.toml changes.
# Installed packages are compiled to bytecode once, here: where PYTHONDONTWRITEBYTECODE is set (as on
# our CI machines) every start would otherwise compile numpy, SQLAlchemy and the rest from source again
# (issue #19: a start's import 1.3 -> 0.3 s, idle RSS 118 -> 114 MB, a first question 637 -> 216 ms).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
UV_VERSION := 0.13.9
UV_PIP := $(UV) pip install --quiet --compile-bytecode --python $(BIN)/python

.PHONY: run test bench lint install lock clean

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed-run: $(UV) requirements/run.lock pyproject.toml
	$(UV_PIP) -r requirements/run.lock
	$(UV_PIP) --no-deps -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed-run requirements/test.lock
	$(UV_PIP) -r requirements/test.lock
	touch $@

install: $(VENV)/.installed-test

## make run: install, migrate the SQLite database, load demo data, start the bot
run: $(VENV)/.installed-run
	$(BIN)/kaderbot db upgrade
	$(BIN)/kaderbot seed --demo
	$(BIN)/kaderbot run

## make test: lint, then the whole test suite on SQLite and again on a throw-away PostgreSQL
## (installed from the distribution's packages if missing; KADERBOT_SKIP_POSTGRES=1 skips it)
test: $(VENV)/.installed-test
	@test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
		|| echo "WARNING: Debian's chromium could not be installed; the dashboard's browser tests will be skipped"
	$(BIN)/ruff check .
	$(BIN)/python -m tests.run_suites

## make bench: print throughput, latency and memory figures beside their baselines
## (with the `bench` extra, aiogram: installed --no-deps, as it caps pydantic below our lock, plus its
## own two small dependencies)
bench: $(VENV)/.installed-test
	$(UV_PIP) --no-deps 'aiogram>=3.13,<4' 'magic-filter>=1.0.12,<1.1' 'aiofiles>=23.2.1,<26'
	$(BIN)/python -m benchmarks

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## make lock: pin the whole dependency tree again (after a change to pyproject.toml)
lock: $(UV)
	$(UV) pip compile --quiet --python-version 3.11 --no-header pyproject.toml -o requirements/run.lock
	$(UV) pip compile --quiet --python-version 3.11 --no-header --extra test pyproject.toml -o requirements/test.lock

clean:
	rm -rf $(VENV) data
