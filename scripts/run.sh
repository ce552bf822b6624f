#!/usr/bin/env bash
# Starts the action server, the Rasa server and the web app; Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z "${RASA_TOKEN:-}" ]]; then
  RASA_TOKEN=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')
  echo "RASA_TOKEN was not set; this run's API token is in var/rasa_token (readable by you only)."
  mkdir -p var && (umask 077 && printf '%s\n' "$RASA_TOKEN" > var/rasa_token)
fi
export RASA_TOKEN
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
.venv-rasa/bin/rasa run --model models/assistant.tar.gz --port 5005 \
  --endpoints bot/endpoints.yml --credentials bot/credentials.yml \
  --enable-api --auth-token "$RASA_TOKEN" &
# An open dashboard keeps its live feed (/staff/events) open; Ctrl-C closes it after 3 s instead of waiting.
.venv-web/bin/uvicorn kiosk_ui.app:create_app --factory --host 127.0.0.1 --port 8000 --timeout-graceful-shutdown 3 &

echo "Starting: Rasa http://localhost:5005  actions http://localhost:5055  web app http://localhost:8000"
wait -n
