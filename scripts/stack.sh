# Sourced by scripts/run.sh (`make run`) and scripts/run-scaled.sh (`make run-scaled`): the environment
# every part reads, and the checks and database steps before supervisor starts the parts.

# A random secret (URL-safe), for the tokens and passwords a run makes when the environment sets none.
token() { python3 -c 'import secrets; print(secrets.token_urlsafe(32))'; }

# Sets every variable deploy/supervisord*.conf and the parts read, from the ports, unless already set.
stack_environment() {
  # Ports, and where supervisor keeps its socket, pid file and log (the fault tests use their own).
  export RASA_PORT="${RASA_PORT:-5005}" ACTION_PORT="${ACTION_PORT:-5055}" WEB_PORT="${WEB_PORT:-8000}"
  export RUN_DIR="${RUN_DIR:-$PWD/var}"
  mkdir -p "$RUN_DIR"
  RUN_DIR=$(cd "$RUN_DIR" && pwd)

  # Every secret is random per run unless the environment sets it; only the Rasa token is kept in a file
  # (readable by you only) for calling Rasa's HTTP API by hand. None of them ever goes on a command line.
  if [[ -z "${RASA_TOKEN:-}" ]]; then
    RASA_TOKEN=$(token)
    echo "RASA_TOKEN was not set; this run's API token is in ${RUN_DIR}/rasa_token (readable by you only)."
    (umask 077 && printf '%s\n' "$RASA_TOKEN" > "$RUN_DIR/rasa_token")
  fi
  export RASA_TOKEN
  export MODEL_SERVER_TOKEN="${MODEL_SERVER_TOKEN:-$(token)}"
  export ACTION_SERVER_TOKEN="${ACTION_SERVER_TOKEN:-$(token)}"
  export GATEWAY_SECRET="${GATEWAY_SECRET:-$(token)}"

  # Where the parts find each other, from the ports (the Makefile's default action URL follows ACTION_PORT).
  if [[ -z "${ACTION_ENDPOINT_URL:-}" || "$ACTION_ENDPOINT_URL" == "http://localhost:5055/webhook" ]]; then
    export ACTION_ENDPOINT_URL="http://127.0.0.1:${ACTION_PORT}/webhook"
  fi
  export MODEL_SERVER_URL="${MODEL_SERVER_URL:-http://127.0.0.1:${WEB_PORT}/model-server/active}"
  export RASA_URL="${RASA_URL:-http://127.0.0.1:${RASA_PORT}}"
  export ACTION_SERVER_URL="${ACTION_SERVER_URL:-http://127.0.0.1:${ACTION_PORT}}"
  export PYTHONPATH="$PWD" RASA_TELEMETRY_ENABLED=false SQLALCHEMY_SILENCE_UBER_WARNING=1
  export TRACKER_DIALECT="${TRACKER_DIALECT:-sqlite}" TRACKER_DB="${TRACKER_DB:-var/tracker.db}"
  export APP_DATABASE_URL="${APP_DATABASE_URL:-sqlite:///var/app.db}"
  # The default databases live in var/.
  if [[ "$TRACKER_DB" == var/* || "$APP_DATABASE_URL" == sqlite:///var/* ]]; then mkdir -p var; fi
}

# Checks the catalogue, derives the topics, brings the app database up to date and makes the first admin.
prepare_stack() {
  # A bad catalogue entry stops everything here, naming the file and the entry.
  .venv-rasa/bin/python -m service_catalogue
  # The topics' intents and rules for Rasa, derived from the catalogue (bot/*/topics.generated.yml).
  .venv-rasa/bin/python -m service_catalogue.rasa_topics
  # The app database's tables up to date (Alembic); a database of an older release is upgraded in place.
  .venv-web/bin/python -m store.migrate
  # The first staff admin (/staff): from STAFF_ADMIN_USER/STAFF_ADMIN_PASSWORD, or a one-time password
  # printed here once. Nothing happens when an admin exists.
  .venv-web/bin/python -m kiosk_ui.staff_admin ensure-admin
  # The web app runs on plain http on localhost here, so the staff cookie cannot be Secure.
  export STAFF_COOKIE_SECURE=false
}
