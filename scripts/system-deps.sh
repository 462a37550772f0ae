#!/usr/bin/env bash
# Make sure the Debian packages Amicus needs are present; install the missing ones with apt.
# Usage: scripts/system-deps.sh python|browser|bench
#   python: Python, venv, fonts, Pango and HarfBuzz's subsetter for PDFs; browser (tests): Chromium,
#   poppler-utils, npm, Java (for EPUBCheck); bench: what `make bench` and `make bench-load` run (wrk, curl, ss, pgrep, the
#   PostgreSQL client, nginx)
set -euo pipefail

need=()
case "${1:-}" in
  python)
    python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null || {
      echo "Amicus needs Python 3.11 or newer; 'python3' here is $(python3 --version 2>&1 || echo missing)." >&2
      echo "On Debian 12: apt-get install python3 python3-venv" >&2
      exit 1
    }
    python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3-venv)
    # Certificates and reports: Chinese (fonts-noto-cjk) and the other scripts (fonts-noto-core).
    fc-list 2>/dev/null | grep -i "Noto Serif CJK" >/dev/null || need+=(fonts-noto-cjk)
    fc-list 2>/dev/null | grep -i "Noto Naskh Arabic" >/dev/null || need+=(fonts-noto-core)
    ldconfig -p 2>/dev/null | grep "libpangoft2-1.0" >/dev/null || need+=(libpango-1.0-0 libpangoft2-1.0-0)
    # Without HarfBuzz's subsetter WeasyPrint cuts fonts with fontTools: 25x slower certificates
    # (bench/README.md). Chromium pulls it in on development machines; a server must ask for it.
    ldconfig -p 2>/dev/null | grep "libharfbuzz-subset.so.0" >/dev/null || need+=(libharfbuzz-subset0)
    ;;
  browser)
    [ -x /usr/bin/chromium ] || command -v chromium >/dev/null 2>&1 || need+=(chromium)
    # grep without -q: with pipefail, SIGPIPE would count as "missing". Fonts: see "python".
    fc-list 2>/dev/null | grep -i "Noto Serif CJK" >/dev/null || need+=(fonts-noto-cjk)
    fc-list 2>/dev/null | grep -i "Noto Naskh Arabic" >/dev/null || need+=(fonts-noto-core)
    command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)  # tests read certificates' text
    command -v npm >/dev/null 2>&1 || need+=(npm)  # axe-core for the accessibility scan (tests/e2e/package.json)
    command -v java >/dev/null 2>&1 || need+=(default-jre-headless)  # EPUBCheck checks the EPUB handbooks
    ;;
  bench)
    command -v wrk >/dev/null 2>&1 || need+=(wrk)
    command -v curl >/dev/null 2>&1 || need+=(curl)
    command -v ss >/dev/null 2>&1 || need+=(iproute2)
    command -v pgrep >/dev/null 2>&1 || need+=(procps)
    command -v pg_isready >/dev/null 2>&1 || need+=(postgresql-client)
    # The load benchmark (bench/load.sh) puts nginx in front of gunicorn, as in production.
    command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
    ;;
  *) echo "usage: $0 python|browser|bench" >&2; exit 2 ;;
esac

# What apt cannot set up for the page benchmark: a PostgreSQL server it may use (bench/README.md).
bench_server() {
  [ "${1:-}" = bench ] && [ -z "${BENCH_DATABASE_URL:-}" ] || return 0
  pg_isready -q -h 127.0.0.1 -p 5432 && return 0
  echo "make bench needs a PostgreSQL server on 127.0.0.1:5432 that accepts the user postgres without a" >&2
  echo "password (Debian: apt-get install postgresql, then allow 'trust' for 127.0.0.1 in pg_hba.conf)," >&2
  echo "or another database: BENCH_DATABASE_URL=sqlite:////tmp/amicus-bench.sqlite make bench" >&2
  exit 1
}

[ ${#need[@]} -eq 0 ] && { bench_server "${1:-}"; exit 0; }
echo "Installing Debian packages: ${need[*]}"
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
  echo "Missing Debian packages: ${need[*]}. Install them as root: apt-get install ${need[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! $sudo apt-get install -y -qq "${need[@]}" >/dev/null 2>&1; then
  $sudo apt-get update -qq >/dev/null 2>&1 || true
  $sudo apt-get install -y -qq "${need[@]}" >/dev/null || {
    echo "apt-get could not install: ${need[*]}. Check the network and apt sources, then retry." >&2
    exit 1
  }
fi
bench_server "${1:-}"
