#!/usr/bin/env bash
# Installs what gridxl needs on a fresh Debian/Ubuntu machine: LibreOffice (the real spreadsheet
# engine the parity tests compare against), CJK fonts (charts and the bulletin), poppler (PDF checks),
# then gridxl itself with its test extras. Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc libreoffice-writer)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
python3 -m pip install -q --disable-pip-version-check -e ".[test]"
