# `make run` and `make test` do everything on a fresh machine; see README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
RASA_VENV := .venv-rasa
WEB_VENV := .venv-web
RASA := $(RASA_VENV)/bin/rasa
MODEL := models/assistant.tar.gz
SPACY_XX := build/spacy_xx/meta.json
# The topics' intents and rules are derived from the catalogue (service_catalogue.rasa_topics), git-ignored.
TOPICS := bot/domain/topics.generated.yml bot/data/topics.generated.yml
CATALOGUE := catalogue/schema.yml $(wildcard catalogue/data/*.yml)
TRAINING_DATA := config.yml $(filter-out $(TOPICS),$(shell find bot/domain bot/data nlu_data -name '*.yml' 2>/dev/null)) \
	$(CATALOGUE)
RASA_DATA := --config config.yml --domain bot/domain --data bot/data nlu_data

export PYTHONPATH := $(CURDIR)
export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export ACTION_ENDPOINT_URL ?= http://localhost:5055/webhook
export TRACKER_DIALECT ?= sqlite
export TRACKER_DB ?= var/tracker.db
export APP_DATABASE_URL ?= sqlite:///var/app.db

.PHONY: help run run-scaled test venvs topics model validate lint format test-python test-stories test-e2e test-browser browser-deps \
	bench bench-load soak clean clean-db migrate backup test-fault test-scaled

# Every target with a `## ` comment is listed (the convention of the Rasa repository's Makefile).
help: ## list the targets
	@grep -E '^[a-zA-Z0-9_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "make %-13s %s\n", $$1, $$2}'

$(RASA_VENV)/.installed: requirements/rasa.lock requirements/rasa-dev.txt
	$(PYTHON) -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/pip install -q -r requirements/rasa.lock
	# Rasa 3.6.21 declares Python <3.11; its dependencies come pinned from the lock instead.
	$(RASA_VENV)/bin/pip install -q --no-deps --ignore-requires-python rasa==3.6.21 rasa-sdk==3.6.2
	$(RASA_VENV)/bin/pip install -q -c requirements/rasa.lock -r requirements/rasa-dev.txt
	touch $@

$(WEB_VENV)/.installed: requirements/web.txt
	$(PYTHON) -m venv $(WEB_VENV)
	$(WEB_VENV)/bin/pip install -q -r requirements/web.txt
	touch $@

venvs: $(RASA_VENV)/.installed $(WEB_VENV)/.installed ## create the Rasa and the web environments

# Browser tests: Playwright for Python in the web environment (it drives Debian's Chromium,
# /usr/bin/chromium; no browser is ever downloaded) and axe-core from npm, pinned in package-lock.json.
$(WEB_VENV)/.browser-installed: $(WEB_VENV)/.installed requirements/browser.txt
	$(WEB_VENV)/bin/pip install -q -r requirements/browser.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

browser-deps: $(WEB_VENV)/.browser-installed node_modules/.installed ## install Playwright and axe-core for the browser tests

$(WEB_VENV)/.lint-installed: $(WEB_VENV)/.installed requirements/lint.txt
	$(WEB_VENV)/bin/pip install -q -r requirements/lint.txt
	touch $@

# ruff (lint and format) over everything; mypy twice, each part against the packages it runs with:
# the web app in .venv-web, the actions and the bot in .venv-rasa (mypy's --python-executable).
PY_WEB := kiosk_ui store booking privacy service_catalogue training
PY_RASA := actions bot
lint: $(WEB_VENV)/.lint-installed $(RASA_VENV)/.installed ## ruff lint and format check, mypy over the Python packages
	$(WEB_VENV)/bin/ruff check .
	$(WEB_VENV)/bin/ruff format --check .
	$(WEB_VENV)/bin/mypy $(PY_WEB)
	$(WEB_VENV)/bin/mypy --python-executable $(RASA_VENV)/bin/python --follow-imports=silent $(PY_RASA)

format: $(WEB_VENV)/.lint-installed ## apply ruff's safe fixes and format
	$(WEB_VENV)/bin/ruff check --fix .
	$(WEB_VENV)/bin/ruff format .

$(SPACY_XX): $(RASA_VENV)/.installed
	mkdir -p build
	$(RASA_VENV)/bin/python -c "import spacy; spacy.blank('xx').to_disk('build/spacy_xx')"

# Writes the generated files only when the catalogue's topics changed (their date then tells make so).
topics: $(RASA_VENV)/.installed ## derive the topics' intents and rules from the catalogue (topics.generated.yml)
	$(RASA_VENV)/bin/python -m service_catalogue.rasa_topics

# Trains only when no model is newer than the training data (the catalogue's topics included).
$(MODEL): $(TRAINING_DATA) $(SPACY_XX) | topics
	$(RASA) train $(RASA_DATA) --out models --fixed-model-name assistant

model: $(MODEL) ## train the model when the training data is newer than it

run: venvs topics $(MODEL) ## start Rasa (5005), the action server (5055) and the web app (8000)
	scripts/run.sh

# PostgreSQL, Redis and HAProxy come from Debian's packages (installed by the script when run as root).
run-scaled: venvs topics $(MODEL) ## the scaled profile: PostgreSQL, Redis, HAProxy, 2 Rasa, 2 action and 2 web workers
	scripts/run-scaled.sh

validate: $(RASA_VENV)/.installed topics ## check the catalogue and the training data (rasa data validate)
	$(RASA_VENV)/bin/python -m service_catalogue
	$(RASA) data validate $(RASA_DATA)

# One pytest-xdist worker a core; a file's tests stay on one worker (its module fixtures are built once).
XDIST := -n auto --dist loadfile

test-python: venvs ## pytest in both environments
	$(RASA_VENV)/bin/python -m pytest -q $(XDIST) tests/actions tests/bot tests/booking tests/catalogue tests/privacy \
		tests/store
	$(WEB_VENV)/bin/python -m pytest -q $(XDIST) tests/kiosk_ui tests/training tests/booking/test_ics.py \
		tests/test_project.py tests/deploy --ignore=tests/kiosk_ui/test_schema.py
	# Schemathesis reports each API operation as a result of its own, which a pytest-xdist worker does not
	# pass on (the operations would not all run): the schema tests run in one process.
	$(WEB_VENV)/bin/python -m pytest -q tests/kiosk_ui/test_schema.py

test-stories: topics $(MODEL) ## Rasa test stories on the trained model
	$(RASA) test core --model $(MODEL) --stories tests/stories --endpoints bot/endpoints.yml \
		--out results/stories --fail-on-prediction-errors

test-e2e: venvs $(MODEL) ## end-to-end tests over REST against a real Rasa and action server
	$(WEB_VENV)/bin/python -m pytest -q tests/e2e

# Kiosk and widget in Chromium on the real stack; screenshots and axe reports in test-artifacts/. Two
# workers, each with its own stack: the two scenarios that train a model run at once (tests/browser/conftest.py).
test-browser: venvs $(MODEL) browser-deps ## kiosk, widget and staff pages in Chromium, with axe-core
	$(WEB_VENV)/bin/python -m pytest -q -n 2 --dist loadfile --no-loadscope-reorder tests/browser

# The supervised stack of `make run` with parts killed on purpose (issue 12's fault tests).
test-fault: venvs $(MODEL) ## kill parts of a running stack and check that nothing is lost
	$(WEB_VENV)/bin/python -m pytest -q tests/fault

# The scaled profile of `make run-scaled` (PostgreSQL, Redis, HAProxy, two Rasa instances) end to end (issue 16).
test-scaled: venvs $(MODEL) ## conversations, booking, handoff and a killed Rasa instance on the scaled profile
	$(WEB_VENV)/bin/python -m pytest -q tests/scaled

test: venvs $(MODEL) lint validate test-python test-stories test-e2e test-fault test-scaled test-browser ## everything CI runs

bench: venvs ## print the figures of bench/ (the stack ones need `make run` in another terminal)
	$(RASA_VENV)/bin/python bench/nlu_cross_validation.py
	$(RASA_VENV)/bin/python bench/language_id.py
	$(WEB_VENV)/bin/python bench/latency.py
	$(RASA_VENV)/bin/python bench/booking_slots.py
	$(WEB_VENV)/bin/python bench/booking_flow.py
	$(WEB_VENV)/bin/python bench/gateway_latency.py
	$(WEB_VENV)/bin/python bench/publish_to_answer.py

# Starts every system itself (the default and the scaled profile, the Rasa starter bot): about 15 minutes.
bench-load: venvs $(MODEL) ## this project against the bare Rasa starter bot, and the scaled profile (bench/load.py)
	$(WEB_VENV)/bin/python bench/load.py

soak: venvs ## 50 conversations for 10 minutes through the gateway of `make run` (errors, p95, memory)
	$(WEB_VENV)/bin/python bench/soak.py

migrate: $(WEB_VENV)/.installed ## bring the app database's tables up to date (Alembic)
	$(WEB_VENV)/bin/python -m store.migrate

backup: $(WEB_VENV)/.installed ## copy the app database and the conversations to var/backups/ (README: restore)
	$(WEB_VENV)/bin/python -m store.backup

# Keeps the model; moves the local database (cases, bookings, accounts, statistics) aside.
clean-db: ## move the local app database aside (keeps the model)
	@if [ -f var/app.db ]; then mv var/app.db var/app.db.$$(date +%Y%m%d%H%M%S).bak && echo "var/app.db moved aside"; fi

clean: ## remove models, results, databases, test artifacts and node_modules
	rm -rf models results build var .pytest_cache test-artifacts node_modules
