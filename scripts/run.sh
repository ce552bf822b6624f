#!/usr/bin/env bash
# Starts the action server, the web app and the Rasa server; Ctrl-C stops all three.
# Rasa pulls its model from the web app's model server (`models:` in bot/endpoints.yml): the model
# bank's active model, or models/assistant.tar.gz while the bank has none. So the web app comes first.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z "${RASA_TOKEN:-}" ]]; then
  RASA_TOKEN=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')
  echo "RASA_TOKEN was not set; this run's API token is in var/rasa_token (readable by you only)."
  mkdir -p var && (umask 077 && printf '%s\n' "$RASA_TOKEN" > var/rasa_token)
fi
export RASA_TOKEN
if [[ -z "${MODEL_SERVER_TOKEN:-}" ]]; then
  MODEL_SERVER_TOKEN=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')
fi
export MODEL_SERVER_TOKEN
export MODEL_SERVER_URL="${MODEL_SERVER_URL:-http://127.0.0.1:8000/model-server/active}"
mkdir -p var
# A bad catalogue entry stops everything here, naming the file and the entry.
.venv-rasa/bin/python -m service_catalogue
# The first staff admin (/staff): from STAFF_ADMIN_USER/STAFF_ADMIN_PASSWORD, or a one-time password
# printed here once. Nothing happens when an admin exists.
.venv-web/bin/python -m kiosk_ui.staff_admin ensure-admin
# The web app runs on plain http on localhost here, so the staff cookie cannot be Secure.
export STAFF_COOKIE_SECURE=false

trap 'trap - EXIT INT TERM; kill $(jobs -p) 2>/dev/null; wait' EXIT INT TERM

.venv-rasa/bin/rasa run actions --actions actions --port 5055 &
# An open dashboard keeps its live feed (/staff/events) open; Ctrl-C closes it after 3 s instead of waiting.
.venv-web/bin/uvicorn kiosk_ui.app:create_app --factory --host 127.0.0.1 --port 8000 --timeout-graceful-shutdown 3 &
# Rasa's first pull happens at its start: wait until the model server answers.
for _ in $(seq 120); do
  python3 -c 'import sys, urllib.request; urllib.request.urlopen("http://127.0.0.1:8000/static/favicon.svg", timeout=2)' \
    2>/dev/null && break
  sleep 0.5
done
.venv-rasa/bin/rasa run --port 5005 \
  --endpoints bot/endpoints.yml --credentials bot/credentials.yml \
  --enable-api --auth-token "$RASA_TOKEN" &

echo "Starting: Rasa http://localhost:5005  actions http://localhost:5055  web app http://localhost:8000"
wait -n
