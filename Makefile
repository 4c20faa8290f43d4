# KaderBot — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench lint install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## make run: install, migrate the SQLite database, load demo data, start the bot
run: $(STAMP)
	$(BIN)/kaderbot db upgrade
	$(BIN)/kaderbot seed --demo
	$(BIN)/kaderbot run

## make test: lint, then the whole test suite on SQLite and again on a throw-away PostgreSQL
## (installed from the distribution's packages if missing; KADERBOT_SKIP_POSTGRES=1 skips it)
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m tests.run_suites

## make bench: print throughput, latency and memory figures beside their baselines
bench: $(STAMP)
	$(BIN)/python -m benchmarks

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) data
