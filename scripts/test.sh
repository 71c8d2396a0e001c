#!/usr/bin/env bash
# The test suite against what ships, on a fresh machine too: installs what it needs (scripts/setup.sh),
# builds gridxl's wheel from this checkout, installs it into .venv/shipped (a second environment that
# shares .venv's dependencies, so .venv keeps its editable gridxl for development), then runs pytest there
# with GRIDXL_TEST_INSTALLED=1: tests/conftest.py stops the run if gridxl would come from the checkout.
#
#   bash scripts/test.sh --all     everything, as CI runs it (.ci/run); CI=1 does the same
#   bash scripts/test.sh           without the slow tier (tests marked slow)
#   bash scripts/test.sh tests/test_cli.py -x    any pytest arguments
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
shipped=.venv/shipped
if [ ! -x "$shipped/bin/python" ]; then
  .venv/bin/python -m venv "$shipped"
fi
# the dependencies (and pytest) are .venv's: a path line in a .pth file adds .venv's site-packages after
# the shipped environment's own, without running .venv's .pth files (the editable gridxl's finder)
.venv/bin/python -c 'import sysconfig; p = sysconfig.get_paths(); print(p["purelib"]); print(p["platlib"])' \
  | sort -u > "$("$shipped/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/gridxl-test-deps.pth"
wheel=$(.venv/bin/python scripts/build_wheel.py .venv/wheel)
"$shipped/bin/python" -m pip install -q --disable-pip-version-check --no-deps --force-reinstall "$wheel"
export GRIDXL_TEST_INSTALLED=1 GRIDXL_TEST_WHEEL="$wheel" PYTHONSAFEPATH=1
"$shipped/bin/python" -m pytest -q "$@"
