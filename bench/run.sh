#!/usr/bin/env bash
# Seed a large site, serve it with gunicorn and measure three pages against /healthz with wrk, and
# each gunicorn worker's resident memory (VmRSS) after every run.
# See bench/README.md. Knobs (environment):
#   BENCH_DATABASE_URL   database to seed and serve [postgresql+psycopg://postgres@127.0.0.1:5432/amicus_bench]
#   BENCH_SKIP_SEED=1    reuse the database as it is (seed sizes: see bench/seed.py)
#   BENCH_DURATION       wrk duration per URL and round [5s]
#   BENCH_ROUNDS         rounds of /healthz-then-page runs per page; the median ratio is reported [9]
#   BENCH_WRK_THREADS    wrk threads [2]
#   BENCH_CONNECTIONS    wrk connections [8]
#   BENCH_WORKERS        gunicorn workers [2]
#   BENCH_THREADS        gunicorn threads per worker [4]
#   BENCH_RETRIES        times a run is started again when a worker got fewer than 2 connections [4]
#   BENCH_COURSE, BENCH_LESSON  slugs to measure when the seed is skipped [bench-course-01, lesson-13]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="$ROOT/.venv/bin/python"
GUNICORN="$ROOT/.venv/bin/gunicorn"
RESULTS="$ROOT/bench/results"
mkdir -p "$RESULTS"

DB_URL="${BENCH_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/amicus_bench}"
DURATION="${BENCH_DURATION:-5s}"
[[ "$DURATION" =~ ^([0-9]+)s?$ ]] || { echo "bench: BENCH_DURATION must be seconds, e.g. 15s" >&2; exit 1; }
DURATION_SECONDS="${BASH_REMATCH[1]}"
WRK_THREADS="${BENCH_WRK_THREADS:-2}"
CONNECTIONS="${BENCH_CONNECTIONS:-8}"
WORKERS="${BENCH_WORKERS:-2}"
THREADS="${BENCH_THREADS:-4}"
RETRIES="${BENCH_RETRIES:-4}"
ROUNDS="${BENCH_ROUNDS:-9}"
COURSE="${BENCH_COURSE:-bench-course-01}"
LESSON="${BENCH_LESSON:-lesson-13}"

die() { echo "bench: $*" >&2; exit 1; }
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_ROUNDS must be a whole number of at least 1"
command -v wrk >/dev/null || die "wrk is not installed (apt-get install wrk)"
command -v curl >/dev/null || die "curl is not installed"

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"

# --- seed ----------------------------------------------------------------------------------
SEED_SECONDS="skipped"
if [[ "${BENCH_SKIP_SEED:-0}" != "1" ]]; then
  BENCH_DATABASE_URL="$DB_URL" "$PY" bench/seed.py | tee "$RESULTS/seed.log"
  targets="$(grep '^BENCH_TARGETS ' "$RESULTS/seed.log" | tail -n1)" || die "the seed printed no BENCH_TARGETS line"
  read -r _ COURSE LESSON <<<"$targets"
  SEED_SECONDS="$(sed -n 's/^seed took \(.*\)s$/\1/p' "$RESULTS/seed.log")"
fi

# --- serve ---------------------------------------------------------------------------------
PORT="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
WORK="$(mktemp -d)"
GUNICORN_PID=""
WRK_PID=""
cleanup() {
  if [[ -n "$WRK_PID" ]]; then kill "$WRK_PID" 2>/dev/null || true; fi
  if [[ -n "$GUNICORN_PID" ]] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
    kill -TERM "$GUNICORN_PID" 2>/dev/null || true
    wait "$GUNICORN_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The database comes only from DATABASE_URL: clear the prefixed spellings that would win over it.
env -u AMICUS_DATABASE_URL -u AMICUS_SQLALCHEMY_DATABASE_URI \
  AMICUS_ENV=development DATABASE_URL="$DB_URL" SECRET_KEY="bench-$(date +%s)-not-secret" \
  "$GUNICORN" --chdir "$ROOT" --bind "127.0.0.1:$PORT" \
  --workers "$WORKERS" --worker-class gthread --threads "$THREADS" --reuse-port \
  --log-level warning --error-logfile "$RESULTS/gunicorn.log" \
  wsgi:app &
GUNICORN_PID=$!

for _ in $(seq 1 100); do
  if curl -fsS -o /dev/null "$BASE/healthz" 2>/dev/null; then break; fi
  kill -0 "$GUNICORN_PID" 2>/dev/null || die "gunicorn exited; see $RESULTS/gunicorn.log"
  sleep 0.2
done
curl -fsS -o /dev/null "$BASE/healthz" || die "$BASE/healthz did not answer; see $RESULTS/gunicorn.log"

# Every request carries the same User-Agent, as a browser's do: the session cookie records a
# digest of the address and agent it was made for (Flask-Login's session protection), and a
# request from another agent gets the cookie rewritten, which wrk, keeping no cookies, would
# cause on every request.
AGENT="Mozilla/5.0 (X11; Linux x86_64) amicus-bench"

# --- log in once (the login route allows 10 POSTs a minute per address) ---------------------
JAR="$WORK/cookies"
curl -fsS -A "$AGENT" -c "$JAR" -b "$JAR" -o "$WORK/login.html" "$BASE/login"
CSRF="$(grep -o 'name="csrf_token"[^>]*value="[^"]*"' "$WORK/login.html" | sed 's/.*value="\([^"]*\)".*/\1/' | head -n1)"
[[ -n "$CSRF" ]] || die "no csrf_token in the login form"
status="$(curl -sS -A "$AGENT" -c "$JAR" -b "$JAR" -o /dev/null -w '%{http_code} %{redirect_url}' \
  --data-urlencode "handle=bench-user" --data-urlencode "password=bench-password-1" \
  --data-urlencode "csrf_token=$CSRF" "$BASE/login")"
[[ "$status" == 302* && "$status" != *"/login"* ]] || die "logging in as bench-user failed (got $status); was the database seeded?"
# Open the page the log-in leads to, keeping the cookie it sets, as a browser does: the session's
# new CSRF token is made there (log-in renews it).
curl -fsS -A "$AGENT" -c "$JAR" -b "$JAR" -o /dev/null "$BASE/learning"
SESSION="$(awk '$6 == "session" { print $7 }' "$JAR")"
[[ -n "$SESSION" ]] || die "no session cookie after logging in"
COOKIE="Cookie: session=$SESSION"

PAGES=(
  "lesson|/courses/$COURSE/lessons/$LESSON"
  "course|/courses/$COURSE"
  "learning|/learning"
)
for entry in "/healthz" "${PAGES[@]#*|}"; do
  code="$(curl -sS -A "$AGENT" -D "$WORK/headers" -o /dev/null -w '%{http_code} %{redirect_url}' -H "$COOKIE" "$BASE$entry")"
  if grep -qi '^set-cookie:' "$WORK/headers"; then
    die "$entry sets a cookie on every visit; a browser would keep it, wrk does not: the figures would not be a browser's"
  fi
  case "$code" in
    200*) ;;
    302*login*) die "$entry redirects to the login page with the session cookie: the login did not stick" ;;
    *) die "$entry answered $code, not 200; see $RESULTS/gunicorn.log" ;;
  esac
done

# --- measure -------------------------------------------------------------------------------
# wrk keeps its connections open for the whole run, and which worker accepts each one is up to
# the kernel: 8+0 means one process (one GIL) served everything. Recorded next to each figure.
conns_per_worker() {
  local workers pid counts=()
  workers="$(pgrep -P "$GUNICORN_PID" || true)"
  for pid in $workers; do
    counts+=("$(ss -Htnp state established "( sport = :$PORT )" 2>/dev/null | grep -c "pid=$pid," || true)")
  done
  if ((${#counts[@]})); then printf '%s\n' "${counts[@]}" | sort -rn | paste -sd+; else echo "?"; fi
}

# CPU time (clock ticks) used so far by the app's processes, the database's and wrk's, and by the
# whole machine: the difference over a run says who used the CPUs while a page was measured.
cpu_ticks() {
  local app=0 db=0 load=0 pid stat
  for pid in $GUNICORN_PID $(pgrep -P "$GUNICORN_PID" || true); do
    stat="$(cut -d' ' -f14,15 "/proc/$pid/stat" 2>/dev/null || echo '0 0')"; app=$((app + ${stat% *} + ${stat#* }))
  done
  for pid in $(pgrep -x postgres || true) $(pgrep -x redis-server || true); do
    stat="$(cut -d' ' -f14,15 "/proc/$pid/stat" 2>/dev/null || echo '0 0')"; db=$((db + ${stat% *} + ${stat#* }))
  done
  for pid in $(pgrep -x wrk || true); do
    stat="$(cut -d' ' -f14,15 "/proc/$pid/stat" 2>/dev/null || echo '0 0')"; load=$((load + ${stat% *} + ${stat#* }))
  done
  echo "$app $db $load $(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat)"
}

# Each worker's resident memory (VmRSS, MB), in the order of their pids: read after each run.
worker_rss() {
  local pid values=()
  for pid in $(pgrep -P "$GUNICORN_PID" | sort -n); do
    values+=("$(awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status" 2>/dev/null || echo '?')")
  done
  if ((${#values[@]})); then printf '%s\n' "${values[@]}" | paste -sd/; else echo "?"; fi
}

# A run where some worker holds fewer than 2 of wrk's connections measures mostly one process
# (one GIL), not the server: it is started again, up to BENCH_RETRIES times (noted in the table).
balanced() {  # "5+3"
  local least="${1##*+}"
  ((WORKERS < 2 || CONNECTIONS < 2 * WORKERS)) && return 0
  [[ "$1" =~ ^[0-9+]+$ ]] || return 0
  (($(tr '+' '\n' <<<"$1" | wc -l) == WORKERS && least >= 2))
}

run_wrk() {  # name path
  echo "== $1: wrk -t$WRK_THREADS -c$CONNECTIONS -d$DURATION --latency $BASE$2" >&2
  local before after conns try
  for ((try = 0; ; try++)); do
    wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "$COOKIE" -H "User-Agent: $AGENT" "$BASE$2" >"$WORK/$1.txt" &
    WRK_PID=$!
    sleep 1
    conns="$(conns_per_worker)"
    if balanced "$conns" || ((try >= RETRIES)); then break; fi
    echo "   connections per worker $conns: starting again" >&2
    kill "$WRK_PID" 2>/dev/null || true
    wait "$WRK_PID" 2>/dev/null || true
    sleep 1
  done
  ((try)) && conns="$conns (try $((try + 1)))"
  echo "$conns" >"$WORK/$1.conns"
  before="$(cpu_ticks)"
  # Read again a second or two before wrk ends (a finished wrk has no ticks left to read).
  sleep "$((DURATION_SECONDS > 4 ? DURATION_SECONDS - 3 : 1))"
  after="$(cpu_ticks)"
  wait "$WRK_PID"
  WRK_PID=""
  worker_rss >"$WORK/$1.rss"
  read -r a0 d0 w0 t0 <<<"$before"
  read -r a1 d1 w1 t1 <<<"$after"
  echo "$((a1 - a0)) $((d1 - d0)) $((w1 - w0)) $((t1 - t0))" >"$WORK/$1.cpu"
  cat "$WORK/$1.txt" >&2
  echo "connections per gunicorn worker: $(cat "$WORK/$1.conns"); RSS per worker (MB): $(cat "$WORK/$1.rss")" >&2
}

# Warm up every URL (pools, template caches, PostgreSQL's buffers); not recorded.
for entry in "healthz|/healthz" "${PAGES[@]}"; do
  wrk -t1 -c2 -d3s -H "$COOKIE" -H "User-Agent: $AGENT" "$BASE${entry#*|}" >/dev/null
done

# The machine's speed drifts by a third from one minute to the next on a small virtual machine,
# and both figures of a pair drift together: each page is measured right after /healthz, in
# several short rounds taking turns with the other pages, and the median of the rounds' ratios
# is the figure (one long pair per page gave 0.38 and 0.67 for the same code an hour apart).
ORDER=()
for entry in "${PAGES[@]}"; do ORDER+=("${entry%%|*}|${entry#*|}"); done
for ((round = 1; round <= ROUNDS; round++)); do
  for entry in "${PAGES[@]}"; do
    name="${entry%%|*}"
    echo "== round $round of $ROUNDS" >&2
    run_wrk "healthz-before-$name-$round" /healthz
    run_wrk "$name-$round" "${entry#*|}"
  done
done

# --- report --------------------------------------------------------------------------------
export REPORT_DATE="$(date -u '+%Y-%m-%d %H:%M UTC')"
export REPORT_MACHINE="$(nproc) CPUs, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) memory; load average $LOAD_BEFORE before the run, $(cut -d' ' -f1-3 /proc/loadavg) after it"
export REPORT_DB="$(echo "$DB_URL" | sed 's#//\([^:@/]*\):[^@/]*@#//\1:***@#')"
export REPORT_SEED="$SEED_SECONDS" REPORT_GUNICORN="--workers $WORKERS --worker-class gthread --threads $THREADS"
export REPORT_WRK="-t$WRK_THREADS -c$CONNECTIONS -d$DURATION --latency" REPORT_ROUNDS="$ROUNDS"
"$PY" - "$WORK" "$RESULTS/latest.md" "${ORDER[@]}" <<'PYEOF'
import os, re, sys
from statistics import median

work, out, order = sys.argv[1], sys.argv[2], sys.argv[3:]
rounds = int(os.environ["REPORT_ROUNDS"])


def ms(value):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def parse(name):
    text = open(f"{work}/{name}.txt").read()
    notes = []
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if bad:
        notes.append(f"{bad.group(1)} non-2xx/3xx responses")
    errors = re.search(r"Socket errors: (.*)", text)
    if errors:
        notes.append("socket errors: " + errors.group(1))
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
        "p50": ms(re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1)),
        "p99": ms(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1)),
        "total": int(re.search(r"(\d+) requests in", text).group(1)),
        "conns": open(f"{work}/{name}.conns").read().strip(),
        "cpu": [int(v) for v in open(f"{work}/{name}.cpu").read().split()],
        "rss": open(f"{work}/{name}.rss").read().strip(),
        "notes": notes,
    }


def summary(label, runs, ratio, verdict=""):
    """One table row for a URL's runs: medians of the rounds, requests summed, CPU shares
    (the app's processes, PostgreSQL and Redis, wrk) over all rounds' busy CPU time, and each
    worker's RSS after the URL's last round."""
    app, database, load, busy = (sum(run["cpu"][i] for run in runs) for i in range(4))
    cpu = f"{100 * app / busy:.0f} / {100 * database / busy:.0f} / {100 * load / busy:.0f}" if busy else "?"
    notes = "; ".join(sorted({note for run in runs for note in run["notes"]}))
    last = "; ".join(part for part in (verdict, notes) if part)
    return (f"| {label} | {median(r['rps'] for r in runs):.1f} | {median(r['p50'] for r in runs):.2f} | "
            f"{median(r['p99'] for r in runs):.2f} | {sum(r['total'] for r in runs)} | {ratio} | "
            f"{' '.join(r['conns'] for r in runs)} | {cpu} | {runs[-1]['rss']} | {last} |")


rows = [
    "| URL | requests/s | p50 (ms) | p99 (ms) | requests | ratio to /healthz | conns per worker | CPU % app / db / wrk | RSS per worker (MB) | |",
    "| --- | ---: | ---: | ---: | ---: | ---: | :---: | :---: | :---: | --- |",
]
per_round = [
    "| page | " + " | ".join(f"round {r}" for r in range(1, rounds + 1)) + " | median |",
    "| --- |" + " ---: |" * (rounds + 1),
]
met = 0
for entry in order:
    name, path = entry.split("|", 1)
    bare = [parse(f"healthz-before-{name}-{r}") for r in range(1, rounds + 1)]
    page = [parse(f"{name}-{r}") for r in range(1, rounds + 1)]
    ratios = [p["rps"] / h["rps"] if h["rps"] else 0.0 for h, p in zip(bare, page)]
    ratio = median(ratios)
    met += ratio >= 0.5
    verdict = "meets the 0.5 goal" if ratio >= 0.5 else "BELOW the 0.5 goal"
    rows.append(summary(f"/healthz (before {name})", bare, "1.00"))
    rows.append(summary(path, page, f"**{ratio:.2f}**", verdict))
    per_round.append(f"| {name} | " + " | ".join(f"{r:.2f}" for r in ratios) + f" | **{ratio:.2f}** |")

env = os.environ
report = f"""# Amicus benchmark, {env['REPORT_DATE']}

- machine: {env['REPORT_MACHINE']}
- database: {env['REPORT_DB']} (seed: {env['REPORT_SEED']}{'s' if env['REPORT_SEED'][:1].isdigit() else ''})
- gunicorn: {env['REPORT_GUNICORN']}
- wrk: {env['REPORT_WRK']}, with bench-user's session cookie on every URL; {rounds} rounds, each
  measuring /healthz and right after it each page in turn

Medians of the rounds (requests summed, connections per worker listed by round, CPU shares over all rounds;
each worker's VmRSS after the URL's last round, workers in the order of their pids):

{chr(10).join(rows)}

Each round's ratio of the page's requests/s to those of the /healthz run just before it:

{chr(10).join(per_round)}

{met} of {len(order)} pages reach, in the median round, at least half the throughput of /healthz measured just before them.
"""
open(out, "w").write(report)
print("\n" + report)
PYEOF
echo "written to $RESULTS/latest.md"
