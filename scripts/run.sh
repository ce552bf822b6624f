#!/usr/bin/env bash
# `make run`: checks the catalogue, brings the app database up to date, makes the first staff admin, then
# hands over to supervisor (deploy/supervisord.conf), which runs the action server, the web app and Rasa
# and restarts any of them that dies. Ctrl-C stops all three.
# Rasa pulls its model from the web app's model server (`models:` in bot/endpoints.yml): the model
# bank's active model, or models/assistant.tar.gz while the bank has none. So Rasa waits for the web app.
set -euo pipefail
cd "$(dirname "$0")/.."

# The environment and the preparation are shared with `make run-scaled` (scripts/stack.sh).
source scripts/stack.sh
stack_environment
prepare_stack

echo "Starting under supervisor: Rasa http://127.0.0.1:${RASA_PORT}  actions http://127.0.0.1:${ACTION_PORT}" \
  " web app http://localhost:${WEB_PORT}"
exec .venv-web/bin/supervisord -n -c "${SUPERVISOR_CONF:-deploy/supervisord.conf}"
