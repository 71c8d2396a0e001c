"""The internals of the ``formulas`` package this engine relies on, checked against the versions verified.

The columns engine reads the token stream of ``formulas``' parser (it swaps in its own tree
builder and tells tokens apart by class: Function, Operator, Number, String, Error, Range, Empty,
Intersect), and the bridge and the fallback call its function registry (``get_functions``,
``wrap_ufunc``, ``not_implemented``, ``XlError``, the ``Error.errors`` table) and ``ExcelModel``.
None of that is ``formulas``' documented API, so a release may rename any of it.  The first use
checks ``formulas.__version__`` against :data:`VERIFIED` and the names against what the package
holds, and stops with a message saying what to do instead of computing wrong values.

To support a new release: install it, run ``pytest tests/test_engine_compat.py tests/test_recalc.py
tests/test_libreoffice_parity.py tests/test_engine_functions.py``, add the version to
:data:`VERIFIED` and widen the bound on ``formulas`` in ``pyproject.toml``.
"""
from __future__ import annotations

import functools
import importlib
from types import SimpleNamespace

from gridxl.i18n import _

from .errors import RecalcError

VERIFIED = ("1.3.4",)  # formulas versions whose internals below were checked (keep pyproject.toml's bound in step)

# (module, attribute) pairs the engine uses; "Error.errors" is an attribute of an attribute
INTERNALS = (
    ("formulas", "get_functions"),
    ("formulas.parser", "Parser"),
    ("formulas.parser", "Parser.ast_builder"),
    ("formulas.parser", "Parser.ast"),
    ("formulas.errors", "FormulaError"),
    ("formulas.functions", "XlError"),
    ("formulas.functions", "wrap_ufunc"),
    ("formulas.functions", "not_implemented"),
    ("formulas.tokens.function", "Function"),
    ("formulas.tokens.operator", "Operator"),
    ("formulas.tokens.operator", "Intersect"),
    ("formulas.tokens.operand", "Number"),
    ("formulas.tokens.operand", "String"),
    ("formulas.tokens.operand", "Error"),
    ("formulas.tokens.operand", "Error.errors"),
    ("formulas.tokens.operand", "Range"),
    ("formulas.tokens.operand", "Empty"),
)
FALLBACK_INTERNALS = (("formulas.excel", "ExcelModel"),)  # checked when the fallback runs: 0.6 s to import
# token classes the tree builder recognises by type(token).__name__ (parser.py)
TOKEN_NAMES = ("Number", "String", "Error", "Range", "Empty", "Intersect")
ERROR_CODES = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")


class FormulasVersionError(RecalcError):
    """The installed ``formulas`` is not one whose internals this engine was verified against."""


def check_version(version: str) -> None:
    if version not in VERIFIED:
        raise FormulasVersionError(_(
            "the installed formulas package is version {version}, but gridxl's recalculation engine reads its "
            "parser internals and was verified only with {verified}; install a verified version "
            "(pip install \"formulas=={latest}\") or check the new one as gridxl/engine/compat.py describes")
            .format(version=version, verified=", ".join(VERIFIED), latest=VERIFIED[-1]))


def missing_internals(names=INTERNALS) -> list[str]:
    """The names of ``names`` (and error codes) the installed ``formulas`` does not have."""
    missing = []
    for module, dotted in names:
        try:
            obj = importlib.import_module(module)
            for part in dotted.split("."):
                obj = getattr(obj, part)
        except (ImportError, AttributeError):
            missing.append(f"{module}.{dotted}")
    if names is INTERNALS and "formulas.tokens.operand.Error.errors" not in missing:
        table = importlib.import_module("formulas.tokens.operand").Error.errors
        missing += [f"formulas.tokens.operand.Error.errors[{code!r}]" for code in ERROR_CODES if code not in table]
    return missing


@functools.cache
def internals() -> SimpleNamespace:
    """The ``formulas`` objects the engine uses, once the version and the names are checked.

    Imported here, on first use, not at module level: the parser alone takes about half a second
    to import, and ``check``, ``rows`` and the reading of formula text never need it.
    """
    import formulas
    import schedula

    check_version(getattr(formulas, "__version__", "unknown"))
    _refuse_missing(missing_internals(INTERNALS))
    from formulas.errors import FormulaError
    from formulas.functions import XlError, not_implemented, wrap_ufunc
    from formulas.parser import Parser
    from formulas.tokens.function import Function
    from formulas.tokens.operand import Error
    from formulas.tokens.operator import Operator

    return SimpleNamespace(formulas=formulas, EMPTY=schedula.EMPTY, Parser=Parser, Function=Function,
                           Operator=Operator, FormulaError=FormulaError, XlError=XlError,
                           excel_errors=Error.errors, wrap_ufunc=wrap_ufunc, not_implemented=not_implemented,
                           get_functions=formulas.get_functions)


def _refuse_missing(missing: list[str]) -> None:
    if missing:
        import formulas
        raise FormulasVersionError(_(
            "the installed formulas package (version {version}) lacks what gridxl's recalculation engine "
            "uses: {names}; reinstall a verified version (pip install \"formulas=={latest}\")")
            .format(version=getattr(formulas, "__version__", "unknown"), names=", ".join(missing),
                    latest=VERIFIED[-1]))


@functools.cache
def excel_model():
    """``formulas.ExcelModel`` for the fallback engine (checked like :func:`internals`, imported only here)."""
    internals()
    _refuse_missing(missing_internals(FALLBACK_INTERNALS))
    from formulas.excel import ExcelModel
    return ExcelModel
