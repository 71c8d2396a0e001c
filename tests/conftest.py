"""Test-session set-up: which gridxl is tested (installed package or checkout), the slow tier, the locale.

* ``GRIDXL_TEST_INSTALLED=1`` (scripts/test.sh sets it): gridxl must come from an installed wheel; the
  session stops before collecting anything when it would be imported from this checkout, and fails at
  the end if any module of the checkout's gridxl/ or udfs/ was imported on the way.  Without it the
  checkout is put first on sys.path: the developer's loop, no install needed after an edit.
* ``@pytest.mark.slow``: left out of a plain run (the summary says how many); ``--all`` or ``CI=1`` runs
  them.  A test named with ``file.py::test`` on the command line, or a ``-m`` expression, is never left out.
"""
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
INSTALLED = os.environ.get("GRIDXL_TEST_INSTALLED") == "1"
IN_CI = os.environ.get("CI", "").lower() not in ("", "0", "false", "no")
SHIPPED = ("gridxl", "udfs")  # the top-level packages of the wheel

if INSTALLED:
    # every Python a test starts (`python -m gridxl`, `python -c`, often with cwd=ROOT) must not put its
    # working directory first on sys.path either
    os.environ["PYTHONSAFEPATH"] = "1"
else:
    sys.path.insert(0, str(ROOT))

# The suite asserts gridxl's messages in English (the msgids): an English locale for this process and every
# gridxl it starts.  tests/test_i18n.py clears it to check that Chinese is the default.
os.environ["LANGUAGE"] = "en"

SAMPLES = ROOT / "gridxl" / "samples"  # the checkout's copies: the tests' oracle inputs, whichever gridxl runs
DATA = Path(__file__).resolve().parent / "data"


def from_checkout(path) -> bool:
    """Whether a module file is one of the checkout's own package files (not a test, not a benchmark)."""
    if not path:
        return False
    path = Path(path).resolve()
    return any(path.is_relative_to(ROOT / name) for name in SHIPPED)


def checkout_modules() -> list[str]:
    return sorted(f"{name} ({module.__file__})" for name, module in list(sys.modules.items())
                  if name.split(".")[0] in SHIPPED and from_checkout(getattr(module, "__file__", None)))


def pytest_addoption(parser):
    parser.addoption("--all", action="store_true", dest="run_all",
                     help="run the slow tier too (tests marked slow); CI=1 does the same")


def pytest_configure(config):
    if INSTALLED:
        import gridxl
        if from_checkout(gridxl.__file__):
            raise pytest.UsageError(
                f"GRIDXL_TEST_INSTALLED=1 but gridxl is imported from the checkout ({gridxl.__file__}), not from "
                f"an installed wheel: run scripts/test.sh, or install with `pip install .` (not -e) and run "
                f"pytest with PYTHONSAFEPATH=1 so the working directory is not on sys.path")


def _named(config) -> list[tuple[Path, str]]:
    """The tests named on the command line as file.py::name (file resolved, name without the file)."""
    out = []
    for arg in config.args:
        if "::" in arg:
            file, name = arg.split("::", 1)
            out.append(((config.invocation_params.dir / file).resolve(), name))
    return out


def pytest_collection_modifyitems(config, items):
    if config.getoption("run_all") or IN_CI or config.getoption("markexpr"):
        return
    named = _named(config)
    keep, slow = [], []
    for item in items:
        explicit = any(item.path == file and item.nodeid.split("::", 1)[-1].startswith(name) for file, name in named)
        (slow if item.get_closest_marker("slow") and not explicit else keep).append(item)
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = keep
        config._gridxl_slow_left_out = len(slow)


def pytest_terminal_summary(terminalreporter, config):
    left_out = getattr(config, "_gridxl_slow_left_out", 0)
    if left_out:
        terminalreporter.write_line(f"{left_out} slow tests left out (the slow tier): --all or CI=1 runs them",
                                    yellow=True)
    if INSTALLED:
        terminalreporter.write_line(f"gridxl under test: {sys.modules['gridxl'].__file__} (installed)")


def pytest_sessionfinish(session, exitstatus):
    if INSTALLED:
        leaked = checkout_modules()
        if leaked:
            session.config._gridxl_leaked = leaked
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
            print("\nGRIDXL_TEST_INSTALLED=1 but these modules were imported from the checkout:\n  "
                  + "\n  ".join(leaked), file=sys.stderr)


@pytest.fixture(scope="session")
def built_templates(tmp_path_factory):
    """Sample-filled templates built once per session (tests/excel_helpers.TemplateCache): read, never change."""
    from .excel_helpers import TemplateCache
    cache = TemplateCache(tmp_path_factory.mktemp("built-templates"))
    yield cache
    changed = cache.changed()
    assert not changed, f"a test changed the shared templates {changed}: use built_templates.copy(...) to change one"


@pytest.fixture
def samples():
    return SAMPLES


@pytest.fixture
def data_dir():
    return DATA

# CI runs a fixed set of examples (derandomised) so a run is repeatable; locally hypothesis explores.
try:
    from hypothesis import settings as _hypothesis_settings

    _hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
    if IN_CI:
        _hypothesis_settings.load_profile("ci")
except ImportError:  # pragma: no cover
    pass
