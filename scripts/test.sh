#!/usr/bin/env bash
# The whole test suite, on a fresh machine too: installs what it needs (scripts/setup.sh), then runs
# pytest in the project's virtual environment.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m pytest -q "$@"
