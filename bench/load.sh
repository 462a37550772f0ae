#!/usr/bin/env bash
# Load benchmark: simulated participants through nginx -> gunicorn -> PostgreSQL and Redis, the
# stack docs/deploy.md describes. `make bench-load` runs it; bench/README.md ("Load") explains it.
#
#   BENCH_LOAD_USERS=200 BENCH_LOAD_DURATION=300 bash bench/load.sh
#
# Seeds its own database (bench/load_seed.py), starts gunicorn with the flags of docs/deploy.md
# and nginx (Debian's, bench/nginx.conf) in the foreground on free ports of 127.0.0.1, runs
# bench/load.py for BENCH_LOAD_DURATION seconds, stops both, and writes the report to
# bench/results/load-latest.md: requests, errors by kind, dropped connections, p50/p99, and what
# gunicorn and nginx logged (worker restarts, upstream errors, 5xx).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="$ROOT/.venv/bin/python"
GUNICORN="$ROOT/.venv/bin/gunicorn"
RESULTS="$ROOT/bench/results"
mkdir -p "$RESULTS"

USERS="${BENCH_LOAD_USERS:-200}"
DURATION="${BENCH_LOAD_DURATION:-300}"
GRADUATES="${BENCH_LOAD_GRADUATES:-$((USERS / 5))}"
WORKERS="${BENCH_LOAD_WORKERS:-3}"
THREADS="${BENCH_LOAD_THREADS:-4}"
MAX_REQUESTS="${BENCH_LOAD_MAX_REQUESTS:-2000}"
DB_URL="${BENCH_LOAD_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/amicus_bench_load}"
REDIS="${BENCH_LOAD_REDIS_URL:-redis://127.0.0.1:6379/9}"
# Extra gunicorn flags, to compare (e.g. BENCH_LOAD_GUNICORN_EXTRA=--reuse-port shows the drops).
EXTRA="${BENCH_LOAD_GUNICORN_EXTRA:-}"
NGINX="${BENCH_LOAD_NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}"
[ -x "$NGINX" ] || { echo "nginx is missing: scripts/system-deps.sh bench installs it" >&2; exit 1; }

WORK="$(mktemp -d /tmp/amicus-load.XXXXXX)"
GUNICORN_PID="" NGINX_PID=""
stop() {
  # Only the processes this script started, by their ids.
  [ -n "$NGINX_PID" ] && kill -QUIT "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
  [ -n "$GUNICORN_PID" ] && kill -TERM "$GUNICORN_PID" 2>/dev/null && wait "$GUNICORN_PID" 2>/dev/null
  NGINX_PID="" GUNICORN_PID=""
}
trap 'stop; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() {  # url seconds
  for ((i = 0; i < $2 * 5; i++)); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.2
  done
  echo "no answer from $1 after $2 s" >&2
  return 1
}

"$PY" -c 'import sys, redis; redis.Redis.from_url(sys.argv[1], socket_timeout=3).ping()' "$REDIS" 2>/dev/null || {
  echo "no Redis answers at $REDIS (BENCH_LOAD_REDIS_URL): rate limits live there, as in production" >&2; exit 1; }

if [ "${BENCH_LOAD_SKIP_SEED:-}" != 1 ]; then
  BENCH_LOAD_USERS="$USERS" BENCH_LOAD_GRADUATES="$GRADUATES" BENCH_LOAD_DATABASE_URL="$DB_URL" \
    "$PY" "$ROOT/bench/load_seed.py"
fi

APP_PORT="$(free_port)"
WEB_PORT="$(free_port)"
export AMICUS_ENV=production SECRET_KEY="bench-load-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export AMICUS_BASE_URL="http://127.0.0.1:$WEB_PORT" DATABASE_URL="$DB_URL" REDIS_URL="$REDIS"
export AMICUS_TRUSTED_PROXIES=1   # behind one proxy: the visitor's address comes from nginx
unset AMICUS_DATABASE_URL AMICUS_SQLALCHEMY_DATABASE_URI

# The command of docs/deploy.md ("One machine"), on a free port; no control socket, so that
# several runs on one machine do not share one.
GUNICORN_ARGS=(--workers "$WORKERS" --worker-class gthread --threads "$THREADS"
  --max-requests "$MAX_REQUESTS" --max-requests-jitter "$((MAX_REQUESTS / 10))"
  --bind "127.0.0.1:$APP_PORT" --forwarded-allow-ips 127.0.0.1 --no-control-socket $EXTRA)
# Which worker (pid) answered each request, with what status: how evenly the kernel spread
# nginx's connections over the workers.
LOG_ARGS=(--access-logfile "$WORK/gunicorn-access.log" --access-logformat '%(p)s %(s)s')
(cd "$ROOT" && exec "$GUNICORN" "${GUNICORN_ARGS[@]}" "${LOG_ARGS[@]}" wsgi:app) >"$WORK/gunicorn.log" 2>&1 &
GUNICORN_PID=$!
wait_for "http://127.0.0.1:$APP_PORT/healthz" 60

sed -e "s#@WORK@#$WORK#g" -e "s#@ROOT@#$ROOT#g" -e "s#@LISTEN@#127.0.0.1:$WEB_PORT#g" \
  -e "s#@UPSTREAM@#127.0.0.1:$APP_PORT#g" "$ROOT/bench/nginx.conf" >"$WORK/nginx.conf"
"$NGINX" -p "$WORK" -c "$WORK/nginx.conf" -g 'daemon off;' 2>>"$WORK/nginx-error.log" &
NGINX_PID=$!
wait_for "http://127.0.0.1:$WEB_PORT/healthz" 20

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "== $USERS participants for $DURATION s through nginx :$WEB_PORT -> gunicorn :$APP_PORT (${GUNICORN_ARGS[*]})" >&2
"$PY" "$ROOT/bench/load.py" --url "http://127.0.0.1:$WEB_PORT" --users "$USERS" --graduates "$GRADUATES" \
  --duration "$DURATION" --json "$RESULTS/load-latest.json" | tee "$WORK/load.txt"
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"
stop
cp "$WORK/gunicorn.log" "$RESULTS/load-gunicorn.log"
cp "$WORK/nginx-error.log" "$RESULTS/load-nginx-error.log"

# What the servers saw: worker restarts and timeouts, nginx's upstream errors and 5xx answers.
count() { grep -c -- "$1" "$2" || true; }
{
  echo "# Load benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "- machine: $(nproc) CPUs, load average $LOAD_BEFORE before, $LOAD_AFTER after (shared with other work: latencies are indicative)"
  echo "- stack: nginx $("$NGINX" -v 2>&1 | sed 's#.*/##') (bench/nginx.conf) -> gunicorn ${GUNICORN_ARGS[*]} wsgi:app -> PostgreSQL, Redis"
  echo "- command: BENCH_LOAD_USERS=$USERS BENCH_LOAD_DURATION=$DURATION bash bench/load.sh${EXTRA:+ (BENCH_LOAD_GUNICORN_EXTRA=$EXTRA)}"
  echo
  sed -n '1,$p' "$WORK/load.txt" | grep -v '^dropped:'
  echo
  echo "Server side: gunicorn workers restarted (--max-requests) $(count 'Autorestarting' "$WORK/gunicorn.log"),"\
    "worker timeouts $(count 'WORKER TIMEOUT' "$WORK/gunicorn.log"), gunicorn errors $(count '\[ERROR\]' "$WORK/gunicorn.log");"\
    "nginx upstream errors $(count 'upstream' "$WORK/nginx-error.log"),"\
    "nginx 5xx answers $(awk '$9 ~ /^5/' "$WORK/nginx-access.log" | wc -l) of $(wc -l <"$WORK/nginx-access.log") logged."
  echo
  echo "Requests answered per gunicorn worker (pid: requests; a worker replaced by --max-requests is a new pid):"\
    "$(sed 's/^\[[^]]*\] //' "$WORK/gunicorn-access.log" | awk '{ n[$1]++ } END { for (p in n) printf "%s: %d, ", p, n[p] }' | sed 's/, $//')."
} >"$RESULTS/load-latest.md"
echo
tail -n 1 "$RESULTS/load-latest.md"
echo "written to $RESULTS/load-latest.md (and load-latest.json, load-gunicorn.log, load-nginx-error.log)"
