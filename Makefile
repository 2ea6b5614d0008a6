# Fortrolig. `make run` serves the app with demo data; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NODE_STAMP := node_modules/.installed-stamp
TEST_SETTINGS := DJANGO_SETTINGS_MODULE=config.settings.test

.PHONY: run test check setup env translations migrate messages clean bench

run: setup env translations
	mkdir -p var/celery/queue var/celery/processed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/honcho start -f Procfile.dev

test: setup translations
	$(BIN)/pytest

check: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

setup: $(STAMP) $(NODE_STAMP)

# htmx and any other front-end library, from the npm registry at the versions locked.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Random secrets for this checkout, written once to var/.env (gitignored).
env: var/.env

var/.env: | $(STAMP)
	mkdir -p var
	$(BIN)/python -m fortrolig.core.keys > var/.env.tmp && mv var/.env.tmp var/.env

translations: setup
	$(TEST_SETTINGS) $(BIN)/python manage.py compile_translations

# Refresh the .po catalogues after changing translatable strings (needs GNU gettext).
messages: setup
	for app in fortrolig/*/locale; do (cd $$(dirname $$app) && $(TEST_SETTINGS) PYTHONPATH=$(CURDIR) $(CURDIR)/$(BIN)/django-admin makemessages -l nb); done

bench: setup translations
	$(BIN)/python -m bench.audit_bench

clean:
	rm -rf $(VENV) var node_modules
