"""The engine reads internals of the ``formulas`` package: an unverified version stops with a clear message,
and everything the engine uses exists, with the shape it relies on, in the installed version."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import formulas
import openpyxl
import pytest

from gridxl.engine import RecalcError, compat, recalculate

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def fresh_compat(monkeypatch):
    """internals() and the parser cached before the test do not hide the version check."""
    from gridxl.engine import parser
    compat.internals.cache_clear()
    compat.excel_model.cache_clear()
    monkeypatch.setattr(parser, "_PARSER", None)
    yield
    compat.internals.cache_clear()
    compat.excel_model.cache_clear()


def test_the_installed_version_is_one_verified():
    assert formulas.__version__ in compat.VERIFIED


def test_pyproject_bounds_formulas_to_the_verified_versions():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    spec = next(d for d in deps if re.match(r"formulas\b", d))
    assert "<" in spec or "==" in spec, spec  # an upper bound
    from packaging.specifiers import SpecifierSet
    allowed = SpecifierSet(spec[len("formulas"):])
    assert all(v in allowed for v in compat.VERIFIED), (spec, compat.VERIFIED)
    for unverified in ("1.4.0", "2.0.0"):
        assert unverified not in allowed, spec


@pytest.mark.parametrize("version", ["1.3.5", "1.4.0", "2.0.0", "1.2.8", "unknown"])
def test_an_unknown_version_fails_loudly(version, monkeypatch, tmp_path, fresh_compat):
    monkeypatch.setattr(formulas, "__version__", version)
    with pytest.raises(compat.FormulasVersionError, match=rf"formulas package is version {re.escape(version)}, "
                                                          rf"but .* verified only with 1\.3\.4"):
        compat.internals()
    # recalc says so too, instead of computing with a parser it does not know (or falling back to one)
    wb = openpyxl.Workbook()
    wb.active["A1"] = 2
    wb.active["B1"] = "=A1*3"
    wb.save(tmp_path / "w.xlsx")
    for engine in ("auto", "columns", "formulas"):
        with pytest.raises(RecalcError, match=rf"version {re.escape(version)}.*pip install \"formulas==1\.3\.4\""):
            recalculate(tmp_path / "w.xlsx", engine=engine)


def test_the_version_message_is_chinese_by_default(monkeypatch, fresh_compat):
    from gridxl import i18n
    monkeypatch.setattr(formulas, "__version__", "9.9.9")
    try:
        i18n.set_language("zh")
        with pytest.raises(compat.FormulasVersionError, match="已安装的 formulas 包版本为 9.9.9"):
            compat.internals()
    finally:
        i18n.set_language("en")


def test_a_missing_internal_is_named(monkeypatch, fresh_compat):
    from formulas.tokens import operand
    monkeypatch.delattr(operand, "Range")
    with pytest.raises(compat.FormulasVersionError, match=r"lacks .*formulas\.tokens\.operand\.Range"):
        compat.internals()


def test_every_internal_the_engine_uses_exists():
    assert compat.missing_internals(compat.INTERNALS) == []
    assert compat.missing_internals(compat.FALLBACK_INTERNALS) == []
    from formulas.tokens import function, operand, operator
    # the tree builder tells tokens apart by class name: those names are the classes' own
    for name in compat.TOKEN_NAMES:
        cls = getattr(operand, name, None) or getattr(operator, name, None)
        assert cls is not None and cls.__name__ == name, name
    assert issubclass(operator.Intersect, operator.Operator)
    assert isinstance(getattr(operator.Operator, "get_n_args"), property)
    assert issubclass(function.Function, formulas.tokens.Token)
    fx = compat.internals()
    for code in compat.ERROR_CODES:
        assert isinstance(fx.excel_errors[code], fx.XlError) and str(fx.excel_errors[code]) == code
    funcs = fx.get_functions()
    assert callable(funcs["SUM"]) and funcs.get("NOSUCHFUNCTION", fx.not_implemented) is fx.not_implemented
    assert float(fx.wrap_ufunc(lambda x: x * 2)(3.0)) == 6.0


def test_the_parser_gives_the_tree_the_engine_compiles():
    from gridxl.engine.parser import parse_formula
    tree = parse_formula('IF(GXREF0>=1,ROUND(GXREF1/3,2),"x")&TRUE')
    assert (tree.kind, tree.name) == ("op", "&")
    call, true = tree.args
    assert (call.kind, call.name, len(call.args)) == ("fn", "IF", 3) and (true.kind, true.value) == ("bool", True)
    cond, rounded, text = call.args
    assert (cond.kind, cond.name) == ("op", ">=") and [a.kind for a in cond.args] == ["ref", "num"]
    assert (rounded.kind, rounded.name) == ("fn", "ROUND") and rounded.args[0].args[0].value == 1
    assert (text.kind, text.value) == ("str", "x")
    assert parse_formula("#N/A").kind == "err" and parse_formula("SUM(GXREF0,)").args[1].kind == "empty"
    assert parse_formula("GXREF0 GXREF1").kind == "unsupported"  # intersection
