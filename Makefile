# Two commands set everything up on a fresh machine with Python 3.11: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PORT ?= 8000
PY := $(VENV)/bin/python

.PHONY: run test test-only lint format bench loadtest conformance conformance-env attack litellm-names

# The virtualenv is rebuilt only when a requirements file changes.
$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

## make run: install, migrate and serve on http://127.0.0.1:$(PORT) (admin at /admin/, API docs at /api/docs)
run: $(VENV)/.runtime
	$(PYTHON) scripts/write_dev_env.py
	$(PY) manage.py migrate --noinput
	$(PY) manage.py ensure_dev_admin --if-debug
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

## make test: install the test tools and run the whole suite (SQLite unless DATABASE_URL says otherwise)
test: $(VENV)/.dev
	$(MAKE) --no-print-directory test-only

test-only:
	$(PY) -m pytest $(PYTEST_ARGS)

## make lint: ruff, the architecture contracts (import-linter) and the check for missing migrations
lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	DJANGO_SETTINGS_MODULE=tests.settings $(PY) manage.py makemigrations --check --dry-run

format: $(VENV)/.dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## make attack: replay the attack suite (tests/attack, SECURITY.md) against gunicorn serving production settings
## (gunicorn.conf.py, DEBUG off, collected static files), on SQLite, or PostgreSQL when DATABASE_URL says so
attack: $(VENV)/.dev
	env FALLBACKS_ENV_FILE=/dev/null DEBUG=False ALLOWED_HOSTS=localhost \
	    SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	    FALLBACKS_MASTER_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(32))')" \
	    $(PY) manage.py collectstatic --noinput --verbosity 0
	ATTACK_SERVER=gunicorn $(PY) -m pytest tests/attack -p no:cacheprovider $(PYTEST_ARGS)

## make bench: figures for 1,000 and 10,000 model groups, served over HTTP by the real app
bench: $(VENV)/.dev
	$(PY) scripts/bench.py $(BENCH_ARGS)
	$(PY) scripts/bench_plan.py
	$(PY) scripts/bench_admin.py
	$(PY) scripts/bench_config.py
	$(PY) scripts/bench_history.py

## make loadtest: locust against gunicorn (gunicorn.conf.py, 2 gthread workers x 4 threads, production settings) on
## PostgreSQL (LOADTEST_DATABASE_URL, default a database fallbacks_loadtest on 127.0.0.1): /v1/models at 1,000 and
## 10,000 groups, whole and 304, with a writer and /health probes meanwhile; prints the table
loadtest: $(VENV)/.dev
	$(PY) scripts/loadtest.py $(LOADTEST_ARGS)

## make conformance: build the LiteLLM oracle environments, one per pinned release, and run the conformance tests
# LiteLLM 1.109.1 (the router) in .venv-oracle; LiteLLM 1.110.2 (the router and the proxy) in .venv-oracle-1.110.
ORACLE := .venv-oracle
ORACLE_1110 := .venv-oracle-1.110
$(ORACLE)/.installed: tests/conformance/litellm-oracle-requirements.txt
	test -x $(ORACLE)/bin/python || $(PYTHON) -m venv $(ORACLE)
	$(ORACLE)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -r tests/conformance/litellm-oracle-requirements.txt
	touch $@

$(ORACLE_1110)/.installed: tests/conformance/litellm-1.110-requirements.txt
	test -x $(ORACLE_1110)/bin/python || $(PYTHON) -m venv $(ORACLE_1110)
	$(ORACLE_1110)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -r tests/conformance/litellm-1.110-requirements.txt
	touch $@

conformance-env: $(ORACLE)/.installed $(ORACLE_1110)/.installed

## make litellm-names: regenerate fallbacks/litellm_names/litellm-<release>.json from each pinned wheel
litellm-names: conformance-env
	$(ORACLE)/bin/python scripts/generate_litellm_names.py
	$(ORACLE_1110)/bin/python scripts/generate_litellm_names.py

conformance: $(VENV)/.dev conformance-env
	REQUIRE_CONFORMANCE=1 $(PY) -m pytest tests/conformance $(PYTEST_ARGS)
