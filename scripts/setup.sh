#!/usr/bin/env bash
# Installs everything xlmodel needs on a fresh Debian/Ubuntu machine:
#   - a virtual environment in .venv with xlmodel and its test dependencies;
#   - with --libreoffice: Debian's headless LibreOffice Calc and poppler-utils (for the
#     "a real spreadsheet program opens the workbooks" tests and the rendered pictures).
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

want_lo=0
for arg in "$@"; do
  case "$arg" in
    --libreoffice) want_lo=1 ;;
    *) echo "okänd flagga: $arg" >&2; exit 2 ;;
  esac
done

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.xlmodel-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[test]'
  touch "$stamp"
fi

# LibreOffice Calc (headless recalculation and rendering), poppler-utils
# (pdftoppm: PDF pages to PNG for the pictures in docs/), zsh (the completion test) and
# Carlito (fonts-crosextra-carlito: Calibri's metrics, so LibreOffice prints the workbooks
# with the widths Excel lays them out with; the print tests measure with it).
if [ "$want_lo" = 1 ] && { ! command -v soffice >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1 || ! command -v zsh >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi carlito; }; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    libreoffice-calc-nogui poppler-utils zsh fonts-crosextra-carlito >/dev/null
fi
