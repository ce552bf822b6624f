# `make run` and `make test` do everything on a fresh machine; see README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
RASA_VENV := .venv-rasa
WEB_VENV := .venv-web
RASA := $(RASA_VENV)/bin/rasa
MODEL := models/assistant.tar.gz
SPACY_XX := build/spacy_xx/meta.json
TRAINING_DATA := config.yml $(shell find bot/domain bot/data nlu_data -name '*.yml' 2>/dev/null)
RASA_DATA := --config config.yml --domain bot/domain --data bot/data nlu_data

export PYTHONPATH := $(CURDIR)
export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export ACTION_ENDPOINT_URL ?= http://localhost:5055/webhook
export TRACKER_DIALECT ?= sqlite
export TRACKER_DB ?= var/tracker.db
export APP_DATABASE_URL ?= sqlite:///var/app.db

.PHONY: help run test venvs model validate test-python test-stories test-e2e test-browser browser-deps bench clean clean-db

help:
	@echo "make run    start Rasa (5005), the action server (5055) and the web app (8000)"
	@echo "make test   validate the data, run pytest, the Rasa test stories, the end-to-end and browser tests"

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

venvs: $(RASA_VENV)/.installed $(WEB_VENV)/.installed

# Browser tests: Playwright for Python in the web environment (it drives Debian's Chromium,
# /usr/bin/chromium; no browser is ever downloaded) and axe-core from npm, pinned in package-lock.json.
$(WEB_VENV)/.browser-installed: $(WEB_VENV)/.installed requirements/browser.txt
	$(WEB_VENV)/bin/pip install -q -r requirements/browser.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

browser-deps: $(WEB_VENV)/.browser-installed node_modules/.installed

$(SPACY_XX): $(RASA_VENV)/.installed
	mkdir -p build
	$(RASA_VENV)/bin/python -c "import spacy; spacy.blank('xx').to_disk('build/spacy_xx')"

# Trains only when no model is newer than the training data.
$(MODEL): $(TRAINING_DATA) $(SPACY_XX)
	$(RASA) train $(RASA_DATA) --out models --fixed-model-name assistant

model: $(MODEL)

run: venvs $(MODEL)
	scripts/run.sh

validate: $(RASA_VENV)/.installed
	$(RASA_VENV)/bin/python -m service_catalogue
	$(RASA) data validate $(RASA_DATA)

test-python: venvs
	$(RASA_VENV)/bin/python -m pytest -q tests/actions tests/bot tests/booking tests/catalogue tests/privacy tests/store
	$(WEB_VENV)/bin/python -m pytest -q tests/kiosk_ui tests/booking/test_ics.py

test-stories: $(MODEL)
	$(RASA) test core --model $(MODEL) --stories tests/stories --endpoints bot/endpoints.yml \
		--out results/stories --fail-on-prediction-errors

test-e2e: venvs $(MODEL)
	$(WEB_VENV)/bin/python -m pytest -q tests/e2e

# Kiosk and widget in Chromium on the real stack; screenshots and axe reports in test-artifacts/.
test-browser: venvs $(MODEL) browser-deps
	$(WEB_VENV)/bin/python -m pytest -q tests/browser

test: venvs $(MODEL) validate test-python test-stories test-e2e test-browser

bench: venvs
	$(RASA_VENV)/bin/python bench/nlu_cross_validation.py
	$(WEB_VENV)/bin/python bench/latency.py
	$(RASA_VENV)/bin/python bench/booking_slots.py
	$(WEB_VENV)/bin/python bench/booking_flow.py
	$(WEB_VENV)/bin/python bench/gateway_latency.py

# Keeps the model; moves the local database (cases, bookings, accounts, statistics) aside.
clean-db:
	@if [ -f var/app.db ]; then mv var/app.db var/app.db.$$(date +%Y%m%d%H%M%S).bak && echo "var/app.db moved aside"; fi

clean:
	rm -rf models results build var .pytest_cache test-artifacts node_modules
