# The two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: install install-test prepare run demo test lint format bench clean

# Two stamps: running the service needs the runtime dependencies only; the test
# extras (a browser driver, a fuzzer, benchmark rivals) come with test, lint, bench.
RUNTIME_STAMP := $(VENV)/.installed-runtime
TEST_STAMP := $(VENV)/.installed-test

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "osrsdiff needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(RUNTIME_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	@touch $@

$(TEST_STAMP): $(RUNTIME_STAMP)
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

install: $(RUNTIME_STAMP)

install-test: $(TEST_STAMP)

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

test: install-test
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-test
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Benchmarks print figures (they need PostgreSQL and Redis; each makes its own database).
# bench.load drives gunicorn with wrk, Debian's package, installed here as .ci/run installs chromium.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/osrsdiff
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/8
bench: install-test
	@command -v wrk >/dev/null || { SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk; }
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) $(PY) -m bench.hiscores
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) $(PY) -m bench.collection
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) $(PY) -m bench.progress
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) $(PY) -m bench.groups
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) $(PY) -m bench.load
	$(PY) -m bench.scheduling

clean:
	rm -rf var/ .pytest_cache
