# The two commands of the README's Quick start, and the steps they are made of.
# Everything a fresh machine needs is installed from this repository's own files.

VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2
PYTHON ?= python3
export DJANGO_SETTINGS_MODULE ?= config.settings.dev

.PHONY: run dev test test-fast install browser proxy db stop-db data lint format typecheck clean haystack-tests

## run: install, start the embedded PostgreSQL, load the fixtures and serve on http://$(HOST):$(PORT)
# The worker (manage.py run_worker: index updates, bulk changes, uploads) runs beside gunicorn
# and stops with it.
run: install data
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py run_worker & worker=$$!; trap 'kill $$worker' EXIT INT TERM; \
	  $(VENV)/bin/gunicorn config.wsgi --bind $(HOST):$(PORT) --workers $(WORKERS) --no-control-socket --access-logfile -

## dev: like run, but Django's development server, which reloads on every code change
dev: install data
	$(PY) manage.py runserver $(HOST):$(PORT)

## test: install, then the checks and the whole test suite against real PostgreSQL, Whoosh, Chromium and nginx
test: install browser proxy db
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MAKE) typecheck
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py check
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=config.settings.test $(VENV)/bin/pytest
	$(MAKE) haystack-tests

## test-fast: the suite without the browser and slow tests (a few minutes); one module: T=tests/test_x.py
T ?=
test-fast: install db
	DJANGO_SETTINGS_MODULE=config.settings.test $(VENV)/bin/pytest -q -m "not browser and not slow" $(T)

## haystack-tests: django-haystack 3.4.0's own 86 Whoosh backend tests against our installed Whoosh
# Its sdist carries the tests; pysolr goes to a side directory only because haystack's test
# settings load every backend. Passes when all 86 ran and none failed or errored.
HAYSTACK_SUITE := var/haystack
haystack-tests: install
	rm -rf $(HAYSTACK_SUITE) && mkdir -p $(HAYSTACK_SUITE)/suite
	$(PY) -m pip download --quiet --no-deps --no-binary :all: django-haystack==3.4.0 -d $(HAYSTACK_SUITE)
	tar -xzf $(HAYSTACK_SUITE)/django_haystack-3.4.0.tar.gz -C $(HAYSTACK_SUITE)/suite --strip-components=1 django_haystack-3.4.0/test_haystack
	$(PY) -m pip install --quiet --target $(HAYSTACK_SUITE)/deps pysolr
	cd $(HAYSTACK_SUITE)/suite && PYTHONPATH=../deps PYTHONWARNINGS=ignore $(abspath $(PY)) test_haystack/run_tests.py test_haystack.whoosh_tests > ../result.log 2>&1; \
	  status=$$?; grep -E "^(Ran|OK|FAILED)" ../result.log; \
	  test $$status -eq 0 && grep -q "^Ran 86 tests" ../result.log && grep -q "^OK" ../result.log \
	  && echo "haystack Whoosh backend tests: 86 ran, none failed (Whoosh $$($(abspath $(PY)) -c 'import whoosh; print(whoosh.versionstring())'))"

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV) || { \
	  echo "Could not create $(VENV): install Python 3.11+ with venv (Debian: apt-get install python3-venv)" >&2; exit 1; }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,localdb]"
	touch $@

## browser: Debian's Chromium for the Playwright tests (the test tools' own browser download is not used)
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" -ne 0 ]; then echo "Chromium is missing for the browser tests: run 'sudo apt-get install chromium fonts-noto-cjk' (or 'make test-fast' skips them)" >&2; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

## proxy: Debian's nginx, which the slow-client tests start in front of gunicorn (config/nginx/)
proxy:
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || { \
	  if [ "$$(id -u)" -ne 0 ]; then echo "nginx is missing: run 'sudo apt-get install nginx'" >&2; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; }

## db: this checkout's own PostgreSQL under var/ (its port in var/postgres.port; not used with DATABASE_URL)
db: install
	@test -n "$$DATABASE_URL" || $(PY) -m config.localdb start

stop-db:
	$(PY) -m config.localdb stop

## data: migrate, import the fixture articles and bring the search index in line (idempotent)
data: db
	$(PY) manage.py migrate --noinput
	$(PY) manage.py import_articles fixtures/articles
	$(PY) manage.py check_index --fix

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## typecheck: mypy with django-stubs over the typed package boundaries ([tool.mypy] in pyproject.toml)
typecheck: install
	$(VENV)/bin/mypy

clean: stop-db
	rm -rf var
