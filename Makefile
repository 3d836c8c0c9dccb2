# The two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: install prepare run demo test lint format bench clean

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "osrsdiff needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

install: $(VENV)/.installed

# Schema, cache table, beat entries and a first admin user: safe to repeat.
prepare: install
	$(PY) manage.py migrate --noinput --verbosity 0
	$(PY) manage.py createcachetable
	$(PY) manage.py seed_schedule
	$(PY) manage.py ensure_admin

# Web, worker and beat together (embedded default unless DATABASE_URL / REDIS_URL are set).
run: prepare
	$(PY) manage.py runstack --port $(PORT)

# The same, against the fake hiscores (served in-process), tracking a few of its players.
demo: prepare
	$(PY) manage.py runstack --port $(PORT) --demo

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Benchmarks print figures (they need PostgreSQL and Redis; each makes its own database).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/osrsdiff
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/8
bench: install
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) $(PY) -m bench.hiscores
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) $(PY) -m bench.collection
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) $(PY) -m bench.progress
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) $(PY) -m bench.load

clean:
	rm -rf var/ .pytest_cache
