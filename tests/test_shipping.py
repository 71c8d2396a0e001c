"""What ships: the wheel's contents, and (under scripts/test.sh) that the gridxl under test is that wheel's.

The wheel is the one scripts/test.sh built and installed (GRIDXL_TEST_WHEEL), else one built here from the
checkout by the same script (scripts/build_wheel.py: `pip wheel --no-deps` on the files git would commit).
"""
from __future__ import annotations

import email.parser
import importlib.util
import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement  # a dependency of matplotlib and pytest

import gridxl
from gridxl.core import builtin_schemes

from .conftest import INSTALLED, ROOT, from_checkout

BUILD_WHEEL = ROOT / "scripts" / "build_wheel.py"


def _build_wheel_module():
    spec = importlib.util.spec_from_file_location("gridxl_build_wheel", BUILD_WHEEL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    given = os.environ.get("GRIDXL_TEST_WHEEL")
    path = Path(given) if given else _build_wheel_module().build_wheel(tmp_path_factory.mktemp("wheel"))
    with zipfile.ZipFile(path) as zf:
        yield zf


def checkout_package_files() -> set[str]:
    """The files under gridxl/ that a commit of this checkout holds (what the wheel must carry)."""
    listed = _build_wheel_module().source_files()
    if listed is None:  # not a git checkout
        listed = [p.relative_to(ROOT).as_posix() for p in (ROOT / "gridxl").rglob("*") if p.is_file()]
    return {name for name in listed if name.startswith("gridxl/") and "__pycache__" not in name
            and not name.endswith(".pyc")}


def test_wheel_carries_every_file_of_the_package(wheel):
    names = set(wheel.namelist())
    shipped = {n for n in names if n.startswith("gridxl/")}
    assert shipped == checkout_package_files(), (
        f"missing from the wheel: {sorted(checkout_package_files() - shipped)}; "
        f"in the wheel only: {sorted(shipped - checkout_package_files())} (pyproject [tool.setuptools.package-data])")
    # what gridxl reads at run time, by name: every built-in scheme, its sample data, the Chinese catalogue
    for scheme in builtin_schemes():
        assert f"gridxl/schemes/{scheme.id}.toml" in names
    assert {n for n in names if n.startswith("gridxl/samples/") and n.endswith(".csv")}
    assert "gridxl/locale/zh_CN.po" in names


def test_wheel_carries_no_tests_and_no_generated_bundle(wheel):
    names = wheel.namelist()
    tops = {n.split("/")[0] for n in names}
    assert tops - {"udfs"} == {"gridxl", f"gridxl-{gridxl.__version__}.dist-info"}, tops
    for prefix in ("tests/", "benchmarks/", "docs/", "scripts/", "workbook_templates/", "udfs/lite/"):
        assert not [n for n in names if n.startswith(prefix)], f"{prefix} is in the wheel"
    assert not [n for n in names if n.endswith((".pyc", ".xlsx"))]


def test_wheel_metadata_is_the_projects(wheel):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    info = f"gridxl-{gridxl.__version__}.dist-info"
    meta = email.parser.Parser().parsestr(wheel.read(f"{info}/METADATA").decode("utf-8"))
    assert meta["Name"] == "gridxl" and meta["Version"] == project["version"]
    def spelled(text):  # setuptools reorders a specifier set: compare parsed
        r = Requirement(text)
        return r.name.lower(), frozenset(str(s) for s in r.specifier), str(r.marker or "")
    required = [spelled(r) for r in meta.get_all("Requires-Dist") if "extra ==" not in r]
    assert required == [spelled(d) for d in project["dependencies"]]
    assert "gridxl = gridxl.cli:main" in wheel.read(f"{info}/entry_points.txt").decode("utf-8")


installed_only = pytest.mark.skipif(not INSTALLED, reason="GRIDXL_TEST_INSTALLED=1 (scripts/test.sh) tests the wheel")


@installed_only
def test_gridxl_under_test_is_the_installed_wheel(wheel):
    package = Path(gridxl.__file__).resolve().parent
    assert not from_checkout(gridxl.__file__)
    assert "site-packages" in package.parts, package
    # the installed copy is this checkout's code, not a wheel left from an earlier run
    stale = [n for n in checkout_package_files() if (package.parent / n).read_bytes() != (ROOT / n).read_bytes()]
    assert not stale, f"the installed gridxl differs from the checkout in {stale}: run scripts/test.sh"


@installed_only
def test_a_gridxl_started_in_the_checkout_is_the_installed_one():
    # most CLI tests run `python -m gridxl` with cwd=ROOT: the checkout must not shadow the wheel there
    code = "import importlib.util as u; [print(s.origin) for s in map(u.find_spec, ('gridxl', 'udfs')) if s]"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    where = run.stdout.split()
    assert where and not any(from_checkout(p) for p in where), where


def test_committed_templates_are_written_only_into_a_checkout(monkeypatch, tmp_path):
    from gridxl.workbook import template
    assert (template.TEMPLATES_DIR == ROOT / "workbook_templates") is not INSTALLED
    installed = tmp_path / "site-packages" / "workbook_templates"  # where an installed gridxl would point
    monkeypatch.setattr(template, "TEMPLATES_DIR", installed)
    with pytest.raises(ValueError, match="not in a gridxl checkout"):
        template.write_builtin_templates()
    assert not installed.exists()
