#!/usr/bin/env bash
# Installs what gridxl needs on a fresh Debian/Ubuntu machine: LibreOffice and Gnumeric (the real
# spreadsheet engines the parity and round-trip tests compare against), CJK fonts (charts and the bulletin), poppler (PDF checks),
# python3-venv where the system Python lacks it, then gridxl (editable) with its test extras into ./.venv
# (a stock Debian/Ubuntu Python refuses `pip install` into the system: externally-managed-environment).
# Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc libreoffice-writer)
command -v ssconvert >/dev/null 2>&1 || need+=(gnumeric)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
apt_install() {
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
if [ ${#need[@]} -gt 0 ]; then
  apt_install "${need[@]}"
fi
if [ ! -x .venv/bin/python ]; then
  if ! python3 -m venv .venv >/dev/null 2>&1; then  # Debian/Ubuntu ship venv's pip separately
    rm -rf .venv
    pyver=$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    apt_install python3-venv "python${pyver}-venv" || apt_install python3-venv
    python3 -m venv .venv
  fi
fi
# editable: .venv/bin/gridxl runs this checkout as it is edited.  Reinstalled only when pyproject.toml changed
# since the last install (dependencies, entry points), which saves a build on every test run.
stamp=.venv/.gridxl-installed
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ] || ! .venv/bin/python -c "import gridxl" 2>/dev/null; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"
  echo "$want" > "$stamp"
fi
