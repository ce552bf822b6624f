#!/usr/bin/env bash
# `make run-scaled`: the scaled profile on one machine, for trying it (deploy/README.md has the same
# topology over several hosts). Under one supervisor (deploy/supervisord-scaled.conf):
#   PostgreSQL   Rasa's tracker store (database `tracker`) and the app database (`app`)
#   Redis        Rasa's lock store (RedisLockStore) and the web workers' shared rate limits
#   HAProxy      the load balancer on RASA_PORT, with health checks, in front of SCALED_RASA Rasa instances
#   actions      the action server with SCALED_ACTIONS Sanic workers
#   web          the web app with SCALED_WEB uvicorn workers
# Needs Debian's postgresql, redis-server and haproxy packages: installed here when missing and run as
# root, else named. Everything listens on 127.0.0.1 but the web app's port; passwords are random, kept in
# $RUN_DIR (readable by you only): PostgreSQL's for good (its data stays in $RUN_DIR/pg), Redis's per run.
set -euo pipefail
cd "$(dirname "$0")/.."

export SCALED_RASA="${SCALED_RASA:-2}" SCALED_ACTIONS="${SCALED_ACTIONS:-2}" SCALED_WEB="${SCALED_WEB:-2}"
export RUN_DIR="${RUN_DIR:-$PWD/var/scaled}"
mkdir -p "$RUN_DIR"
RUN_DIR=$(cd "$RUN_DIR" && pwd)
export RASA_PORT="${RASA_PORT:-5005}" PG_PORT="${PG_PORT:-5433}" REDIS_PORT="${REDIS_PORT:-6380}"
export RASA_FIRST_PORT="${RASA_FIRST_PORT:-$((RASA_PORT + 1))}"

# Debian's packages; one apt-get for all that are missing.
missing=()
command -v haproxy >/dev/null || [[ -x /usr/sbin/haproxy ]] || missing+=(haproxy)
[[ -x /usr/bin/redis-server ]] || missing+=(redis-server)
compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || missing+=(postgresql)
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "The scaled profile needs Debian's ${missing[*]}: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi
PG_BIN=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/postgres | sort -V | tail -n 1)")
export PG_BIN

# PostgreSQL refuses to run as root: as root it runs as Debian's `postgres` user, else as you.
run_pg=()
if [[ $(id -u) -eq 0 ]]; then
  export PG_RUN_USER=postgres
  run_pg=(runuser -u postgres --)
else
  PG_RUN_USER=$(id -un)
  export PG_RUN_USER
fi
source scripts/stack.sh  # token(), stack_environment and prepare_stack
export PG_HOST=127.0.0.1 PG_USER=assistant TRACKER_DATABASE=tracker
if [[ ! -f "$RUN_DIR/pg/PG_VERSION" ]]; then
  (umask 077 && token > "$RUN_DIR/pg_password")
  mkdir -p "$RUN_DIR/pg"
  [[ $(id -u) -eq 0 ]] && chown postgres "$RUN_DIR/pg" "$RUN_DIR/pg_password"
  "${run_pg[@]}" "$PG_BIN/initdb" -D "$RUN_DIR/pg" -U "$PG_USER" --pwfile="$RUN_DIR/pg_password" \
    --auth=scram-sha-256 >/dev/null
fi
PG_PASSWORD=$(cat "$RUN_DIR/pg_password")
export PG_PASSWORD
export APP_DATABASE_URL="postgresql+psycopg2://${PG_USER}:${PG_PASSWORD}@${PG_HOST}:${PG_PORT}/app"
export TRACKER_STORE_URL="postgresql+psycopg2://${PG_USER}:${PG_PASSWORD}@${PG_HOST}:${PG_PORT}/${TRACKER_DATABASE}"

# Redis: loopback only, a password, nothing kept on disk (locks and rate-limit windows are short-lived).
export REDIS_HOST=127.0.0.1 REDIS_PASSWORD="${REDIS_PASSWORD:-$(token)}"
(umask 077 && cat > "$RUN_DIR/redis.conf" <<EOF
bind 127.0.0.1
port ${REDIS_PORT}
requirepass ${REDIS_PASSWORD}
save ""
appendonly no
dir ${RUN_DIR}
EOF
)
# The web workers' rate limits in Redis database 1 (Rasa's locks are in 0).
export RATE_LIMIT_STORAGE_URL="redis://:${REDIS_PASSWORD}@${REDIS_HOST}:${REDIS_PORT}/1"

# HAProxy: deploy/haproxy/rasa.cfg and one server line per Rasa instance.
cp deploy/haproxy/rasa.cfg "$RUN_DIR/haproxy.cfg"
for ((i = 0; i < SCALED_RASA; i++)); do
  echo "    server rasa-$i 127.0.0.1:$((RASA_FIRST_PORT + i)) check" >> "$RUN_DIR/haproxy.cfg"
done
/usr/sbin/haproxy -c -q -f "$RUN_DIR/haproxy.cfg"

# Every Rasa instance is one of the web app's "running models" (the editors' model page asks each).
RASA_INSTANCES=$(for ((i = 0; i < SCALED_RASA; i++)); do printf 'http://127.0.0.1:%s,' $((RASA_FIRST_PORT + i)); done)
export RASA_INSTANCES="${RASA_INSTANCES%,}"

stack_environment

# The databases and the app's tables, with PostgreSQL started for a moment (supervisor runs it after).
"${run_pg[@]}" "$PG_BIN/pg_ctl" -D "$RUN_DIR/pg" -l "$RUN_DIR/pg/prepare.log" -w \
  -o "-p ${PG_PORT} -c listen_addresses=127.0.0.1 -c unix_socket_directories=" start >/dev/null
trap '"${run_pg[@]}" "$PG_BIN/pg_ctl" -D "$RUN_DIR/pg" -m fast -w stop >/dev/null 2>&1 || true' EXIT
for database in app "$TRACKER_DATABASE"; do
  PGPASSWORD="$PG_PASSWORD" psql -qAt -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres \
    -c "SELECT 1 FROM pg_database WHERE datname = '$database'" | grep -q 1 ||
    PGPASSWORD="$PG_PASSWORD" psql -q -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -c "CREATE DATABASE $database"
done
prepare_stack
"${run_pg[@]}" "$PG_BIN/pg_ctl" -D "$RUN_DIR/pg" -m fast -w stop >/dev/null
trap - EXIT

echo "Starting the scaled profile under supervisor: ${SCALED_RASA} Rasa behind HAProxy http://127.0.0.1:${RASA_PORT}," \
  "actions (${SCALED_ACTIONS} workers) http://127.0.0.1:${ACTION_PORT}, web app (${SCALED_WEB} workers)" \
  "http://localhost:${WEB_PORT}, PostgreSQL 127.0.0.1:${PG_PORT}, Redis 127.0.0.1:${REDIS_PORT}"
exec .venv-web/bin/supervisord -n -c deploy/supervisord-scaled.conf
