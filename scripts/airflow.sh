#!/usr/bin/env bash
# Run `arrears_nightly` under a real Airflow (standalone: scheduler, dag-processor, triggerer, API server
# and UI) from this checkout, with everything it needs in the environment.
#
#   scripts/airflow.sh start     start in the background, wait until it is up, print the UI address and password
#   scripts/airflow.sh stop      stop it (every process it started)
#   scripts/airflow.sh ARGS...   any airflow command with the same settings, e.g. `dags trigger arrears_nightly`
#
# Settings (environment, all optional): AIRFLOW_PORT (8080), AIRFLOW_HOST (127.0.0.1),
# ARREARS_AIRFLOW_HOME (<repo>/.airflow: metadata DB, logs, admin password), ARREARS_LANDING,
# ARREARS_WAREHOUSE, ARREARS_OUT, ARREARS_POLICY (see README; the lender's time zone is the policy's reporting.lender_timezone).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"

export PATH="$REPO/.venv/bin:$PATH"   # standalone starts its components as `airflow` from PATH
export AIRFLOW_HOME="${ARREARS_AIRFLOW_HOME:-$REPO/.airflow}"
export AIRFLOW__CORE__DAGS_FOLDER="$REPO/dags"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
# SQLite metadata DB: wait up to a minute for a lock (scheduler, API server and CLI all write it)
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="${AIRFLOW__DATABASE__SQL_ALCHEMY_CONN:-sqlite:///$AIRFLOW_HOME/airflow.db?timeout=60}"
# A task's supervisor talks to the API server (start, heartbeat, XCom, state); Airflow gives each call 5 s.
# On a small loaded machine the API server can take longer (30 s measured while four tasks started on
# 2 busy cores) and the task then fails before running ("Workload execution failed", ReadTimeout).
export AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT="${AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT:-60}"
# one API server worker is enough for one person's UI and the local tasks (Airflow's default is 4 processes)
export AIRFLOW__API__WORKERS="${AIRFLOW__API__WORKERS:-1}"
PORT="${AIRFLOW_PORT:-8080}"
HOST="${AIRFLOW_HOST:-127.0.0.1}"
export AIRFLOW__API__HOST="$HOST" AIRFLOW__API__PORT="$PORT"
export AIRFLOW__API__BASE_URL="http://127.0.0.1:$PORT"
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="http://127.0.0.1:$PORT/execution/"
export ARREARS_LANDING="${ARREARS_LANDING:-$REPO/landing}"
export ARREARS_WAREHOUSE="${ARREARS_WAREHOUSE:-$REPO/warehouse/arrears.duckdb}"
export ARREARS_OUT="${ARREARS_OUT:-$REPO/outbox}"

POOL=arrears_warehouse   # one slot: DuckDB allows one writing process per warehouse file
PIDFILE="$AIRFLOW_HOME/standalone.pid"
LOG="$AIRFLOW_HOME/standalone.log"
PASSWORDS="$AIRFLOW_HOME/simple_auth_manager_passwords.json.generated"  # written by the simple auth manager

healthy() {  # the API server answers and reports a live scheduler and dag-processor
  python - "http://127.0.0.1:$PORT/api/v2/monitor/health" <<'PY' 2>/dev/null
import json, sys, urllib.request
health = json.load(urllib.request.urlopen(sys.argv[1], timeout=5))
sys.exit(0 if all(health.get(part, {}).get("status") == "healthy" for part in ("scheduler", "dag_processor")) else 1)
PY
}

create_pool() {  # the warehouse pool with one slot, through the REST API as admin
  python - "http://127.0.0.1:$PORT" "$PASSWORDS" "$POOL" <<'PY'
import json, sys, urllib.error, urllib.request
base, passwords, pool = sys.argv[1:]
def call(method, path, body, token=None):
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(base + path, json.dumps(body).encode(), headers, method=method)
    return json.load(urllib.request.urlopen(request, timeout=30))
token = call("POST", "/auth/token", {"username": "admin", "password": json.load(open(passwords))["admin"]})["access_token"]
body = {"slots": 1, "description": "DuckDB warehouse: one writer at a time"}
try:
    call("POST", "/api/v2/pools", {"name": pool, **body}, token)
except urllib.error.HTTPError as exists:
    if exists.code != 409:
        raise
    call("PATCH", f"/api/v2/pools/{pool}", {"pool": pool, **body}, token)
PY
}

running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

start() {
  if running; then
    echo "Airflow is already running (pid $(cat "$PIDFILE")): http://127.0.0.1:$PORT"
    exit 0
  fi
  mkdir -p "$AIRFLOW_HOME"
  # its own session and process group, so `stop` ends every component it starts
  setsid airflow standalone >"$LOG" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
  local waited=0 limit="${AIRFLOW_START_TIMEOUT:-300}"
  until healthy; do
    if ! running; then echo "Airflow did not start; see $LOG" >&2; tail -20 "$LOG" >&2; exit 1; fi
    if ((waited >= limit)); then echo "Airflow not healthy after ${limit}s; see $LOG" >&2; exit 1; fi
    sleep 2; waited=$((waited + 2))
  done
  create_pool
  echo "Airflow is up (logs: $LOG)"
  echo "  UI:       http://127.0.0.1:$PORT"
  echo "  user:     admin"
  echo "  password: $(python -c 'import json,sys; print(json.load(open(sys.argv[1]))["admin"])' "$PASSWORDS") (in $PASSWORDS)"
  echo "  DAG:      arrears_nightly (landing $ARREARS_LANDING, warehouse $ARREARS_WAREHOUSE, out $ARREARS_OUT)"
  echo "  stop:     make airflow-stop"
}

session() {  # every process of the standalone's session (task workers start their own process groups)
  python - "$1" <<'PY'
import os, sys
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        continue  # ended meanwhile
    if fields[3] == sys.argv[1] and fields[0] != "Z":  # session id; zombies are already gone
        print(pid)
PY
}

stop() {
  if ! running; then echo "Airflow is not running"; rm -f "$PIDFILE"; return 0; fi
  local sid; sid="$(cat "$PIDFILE")"   # started by setsid: its pid is the session id
  kill -TERM $(session "$sid") 2>/dev/null || true
  for _ in $(seq 20); do [ -n "$(session "$sid")" ] || break; sleep 1; done
  kill -KILL $(session "$sid") 2>/dev/null || true
  rm -f "$PIDFILE"
  echo "Airflow stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  "") sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) exec airflow "$@" ;;
esac
