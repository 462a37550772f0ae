#!/usr/bin/env bash
# Make sure the Debian packages Amicus needs are present; install the missing ones with apt.
# Usage: scripts/system-deps.sh python|browser|postgres-client
#   python: Python, venv, fonts and Pango for PDFs; browser (tests): Chromium, poppler-utils
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
    ;;
  browser)
    [ -x /usr/bin/chromium ] || command -v chromium >/dev/null 2>&1 || need+=(chromium)
    # grep without -q: with pipefail, SIGPIPE would count as "missing". Fonts: see "python".
    fc-list 2>/dev/null | grep -i "Noto Serif CJK" >/dev/null || need+=(fonts-noto-cjk)
    fc-list 2>/dev/null | grep -i "Noto Naskh Arabic" >/dev/null || need+=(fonts-noto-core)
    command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)  # tests read certificates' text
    command -v npm >/dev/null 2>&1 || need+=(npm)  # axe-core for the accessibility scan (tests/e2e/package.json)
    ;;
  postgres-client)
    command -v pg_dump >/dev/null 2>&1 || need+=(postgresql-client)
    ;;
  *) echo "usage: $0 python|browser|postgres-client" >&2; exit 2 ;;
esac

[ ${#need[@]} -eq 0 ] && exit 0
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
