"""Every setting of a scheme file checked at load: type, range, names, uniqueness.

:func:`check_document` runs over the TOML data before any object is built, so a
scheme shared between offices fails with the file, indicator and field named
(``scheme.toml: indicator 'timely_rate', field 'points': expected a number >= 0,
got -5``) instead of a traceback later in ``score`` or ``template``.

Names that become file names (scheme id, period) share one rule with the
results store (:func:`check_name`); keys that become columns and expression
names are identifiers (:func:`check_key`).
"""
from __future__ import annotations

import keyword
import math
import re
import unicodedata
from typing import Any, Callable

from . import kinds as kinds_mod
from .expr import BinOp, Field, Func, Neg, Text
from .translate import _

KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
KEY_MAX = 64
NAME = re.compile(r"^[\w\u3400-\u9fff（）()-]+$")
NAME_MAX = 64
# Device names Windows will not create as files, whatever the extension.
_DEVICES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
# Output columns of `gridxl score`: no indicator, flag or field may take their names.
RESERVED = ("unit", "subunit", "total", "rank", "rank_dense", "grade", "stars")
DIGITS_MAX = 10
LIST_TEXT_MAX = 255  # Excel: the text of a list validation (the choices joined by commas)


class SchemeCheckError(ValueError):
    """Raised here; :mod:`.scheme` turns it into its SchemeError."""


def check_key(key: Any, where: str) -> str:
    """A field, indicator, flag or section key: letters, digits and _, not starting with a digit."""
    if not isinstance(key, str) or not KEY.match(key) or len(key) > KEY_MAX or keyword.iskeyword(key):
        raise SchemeCheckError(_("{where}: key {key!r}: expected letters, digits and _ (not starting with a "
                                  "digit, at most {key_max} characters, not a word such as 'if' or 'and'), e.g. "
                                  "timely_rate").format(
                                   where=where, key=key, key_max=KEY_MAX))
    return key


def check_name(name: Any, what: str, error: Callable[[str], Exception] = SchemeCheckError) -> str:
    """A name that becomes a file name (scheme id, period): letters, digits, - and （）, no path."""
    text = name.strip() if isinstance(name, str) else name
    if (not isinstance(text, str) or not text or not NAME.match(text) or text.startswith("-")
            or len(text) > NAME_MAX or text.lower() in _DEVICES):
        raise error(_("{what} {name!r}: expected letters, digits and - only (at most {name_max} "
                       "characters, no / \\ . or spaces), e.g. 2022-11 or yushui-2022").format(
                        what=what, name=name, name_max=NAME_MAX))
    return text


# -- value checkers: (value, where) -> None, raising with `where` -------------------------
def _fail(where: str, expected: str, value):
    shown = repr(value) if not isinstance(value, (dict, list)) else type(value).__name__
    raise SchemeCheckError(_("{where}: expected {expected}, got {shown}").format(
                               where=where, expected=expected, shown=shown))


# Characters a workbook (XML 1.0) cannot hold; tab and line breaks are fine.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
SHEET_FORBIDDEN = re.compile(r"[/\\?*\[\]:]")


def _no_control(where, v):
    bad = CONTROL.search(v)
    if bad:
        raise SchemeCheckError(_("{where}: contains the control character U+{ord:04X}, which Excel cannot store; "
                                  "remove it").format(
                                   where=where, ord=ord(bad.group())))


def text(where, v):
    if not isinstance(v, str):
        _fail(where, _("text (in quotes)"), v)
    _no_control(where, v)


def label(where, v):
    if not isinstance(v, str) or not v.strip():
        _fail(where, _("a non-empty text"), v)
    _no_control(where, v)


def sheet_word(where, v):
    """A word that becomes part of a sheet name (the subunit: 网格 -> 网格录入)."""
    label(where, v)
    bad = SHEET_FORBIDDEN.search(v)
    if bad or len(v) > 20:
        raise SchemeCheckError(_("{where}: {v!r} names a sheet ({v}录入): at most 20 characters, none of / \\ ? * [ "
                                  "] :").format(where=where, v=v))


def texts(where, v):
    if not isinstance(v, list):
        _fail(where, _("a list of texts [\"…\", \"…\"]"), v)
    for i, item in enumerate(v):
        text(f"{where}[{i + 1}]", item)


def boolean(where, v):
    if not isinstance(v, bool):
        _fail(where, _("true or false"), v)


def number(lo=None, hi=None, lo_open=False):
    def check(where, v):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            _fail(where, _("a finite number"), v)
        if lo is not None and (v <= lo if lo_open else v < lo):
            _fail(where, _("a number {value} {lo:g}").format(value='>' if lo_open else '>=', lo=lo), v)
        if hi is not None and v > hi:
            _fail(where, _("a number <= {hi:g}").format(hi=hi), v)
    return check


def integer(lo, hi):
    def check(where, v):
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            _fail(where, _("a whole number from {lo} to {hi}").format(lo=lo, hi=hi), v)
    return check


def one_of(*options):
    def check(where, v):
        if v not in options:
            _fail(where, "one of " + ", ".join(options), v)
    return check


def key(where, v):
    check_key(v, where)


def tables(rules: dict, required=(), at_least: int = 0):
    def check(where, v):
        if not isinstance(v, list) or len(v) < at_least:
            _fail(where, "a list of tables" + (f" (at least {at_least})" if at_least else ""), v)
        for i, item in enumerate(v):
            table(f"{where}[{i + 1}]", item, rules, required)
    return check


def table(where, v, rules: dict, required=(), unknown_ok=False):
    if not isinstance(v, dict):
        _fail(where, _("a table {…}"), v)
    for name in required:
        if name not in v:
            raise SchemeCheckError(_("{where}: field {name!r} is missing").format(where=where, name=name))
    for name, value in v.items():
        if name in rules:
            rules[name](_("{where}, field {name!r}").format(where=where, name=name), value)
        elif not unknown_ok:
            raise SchemeCheckError(_("{where}: unknown setting {name!r} (expected {rules})").format(
                                       where=where, name=name, rules=', '.join(sorted(rules))))


def _min_max(where, t, lo="min", hi="max", strict=False):
    a, b = t.get(lo), t.get(hi)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and (a >= b if strict else a > b):
        raise SchemeCheckError(f"{where}: {lo} = {a:g} is {'not below' if strict else 'above'} {hi} = {b:g}")


NUM = number()
NONNEG = number(0)
POSITIVE = number(0, lo_open=True)
DIGITS = integer(0, DIGITS_MAX)
EXPR = label  # parsed later, with the names of the scheme
BAND = {"from": NUM, "deduct": NUM, "score": NUM, "label": text}


def bands(where, v):
    tables(BAND, ("from",), at_least=1)(where, v)
    amounts = {"deduct" in b for b in v} | {"score" not in b for b in v}
    if len(amounts) != 1:
        raise SchemeCheckError(_("{where}: every band gives either deduct = … or score = … (the same in all bands)").format(
                                   where=where))


ITEM = {"field": key, "value": EXPR, "each": NUM, "cap": NONNEG, "scale": POSITIVE, "below": NUM, "weight": NUM,
        "bands": bands, "label": text, "name": text}
PART = {"value": EXPR, "weight": NUM, "label": text}
# Parameters with a range of their own; any other number parameter only has to be finite.
PARAM_RANGES = {"standard": POSITIVE, "step": POSITIVE, "per": POSITIVE, "step_up": POSITIVE, "step_down": POSITIVE,
                "base": POSITIVE, "scale": POSITIVE, "cap": NONNEG, "max_deduction": NONNEG, "max_bonus": NONNEG,
                "deduct": NUM, "up_points": NONNEG, "down_points": NONNEG, "points_at_base": NONNEG}
FIELD = {"key": key, "label": label, "type": text, "unit": text, "min": NUM, "max": NUM, "choices": texts,
         "level": one_of("unit", "subunit"), "help": text}
SECTION = {"key": key, "name": label, "points": NONNEG}
GRADE = {"label": label, "min": NUM, "max": NUM}
FLAG = {"key": key, "label": label, "if": EXPR, "grade": label}
STARS = {"per": POSITIVE, "max_stars": integer(1, 100), "mode": one_of("deducted", "score"), "full": POSITIVE}
WHEN = {"if": EXPR, "score": NUM, "text": text}


def _bulletin(where, v):
    """[bulletin]: types and names are checked by BulletinSettings; here only what a document cannot hold."""
    for k, text_ in (v.items() if isinstance(v, dict) else ()):
        if isinstance(text_, str):
            _no_control(_("{where}, field {name!r}").format(where=where, name=k), text_)


BALLOTS = {"fields": lambda w, v: None if isinstance(v, dict) else _fail(w, _("a table {A = \"ballot_a\", …}"), v),
           "full_mark": POSITIVE}
INDICATOR_COMMON = {"key": key, "name": label, "points": NONNEG, "kind": text, "value": EXPR,
                    "when": tables(WHEN, ("if", "score")), "section": text, "rule": text, "digits": DIGITS,
                    "extra": boolean, "per_subunit": boolean, "unspecified": boolean, "if_zero": NUM,
                    "value_unit": text, "notes": texts, "items": tables(ITEM), "parts": tables(PART, ("value",))}
TOP = {"id": text, "name": label, "unit": label, "title": text, "source": text, "period": text,
       "total_points": POSITIVE, "digits": DIGITS, "subunit": sheet_word, "description": text, "ambiguities": texts,
       "fields": tables(FIELD, ("key", "label")), "sections": tables(SECTION, ("key", "name")),
       "indicators": lambda w, v: None, "grades": tables(GRADE, ("label",)),
       "flags": tables(FLAG, ("key", "label", "if")),
       "stars": lambda w, v: table(w, v, STARS), "bulletin": lambda w, v: _bulletin(w, v),
       "ballots": lambda w, v: table(w, v, BALLOTS, ("fields",)),
       "streaks": lambda w, v: None}  # checked in full by core/streak_settings.py


def _param_rule(param: "kinds_mod.Param"):
    if param.kind == "number":
        base = PARAM_RANGES.get(param.name, NUM)

        def check(where, v):
            if param.by_case and isinstance(v, dict):
                if not isinstance(v.get("by"), str):
                    raise SchemeCheckError(_("{where}: a table by case needs by = \"<choice field or unit>\"").format(
                                               where=where))
                for case, amount in v.items():
                    if case != "by":
                        base(f"{where}.{case}", amount)
                return
            base(where, v)
        return check
    if param.kind == "bool":
        return boolean
    if param.kind == "text":
        return text
    if param.kind == "items":
        return tables(ITEM)
    if param.kind == "bands":
        return bands
    if param.kind == "parts":
        return tables(PART, ("value",))
    return lambda where, v: None


def _indicator(where: str, t, points_unset_ok: bool = False) -> None:
    if not isinstance(t, dict):
        _fail(where, _("a table [[indicators]]"), t)
    for name in ("key", "name", "points", "kind"):
        if name not in t:
            raise SchemeCheckError(_("{where}: field {name!r} is missing").format(where=where, name=name))
    check_key(t["key"], where)
    kind = t["kind"]
    if not isinstance(kind, str) or kind not in kinds_mod.REGISTRY:
        raise SchemeCheckError(_("{where}, field 'kind': unknown rule kind {kind!r}; known: {registry}").format(
                                   where=where, kind=kind, registry=', '.join(sorted(kinds_mod.REGISTRY))))
    rules = dict(INDICATOR_COMMON)
    if points_unset_ok and isinstance(t["points"], float) and math.isnan(t["points"]):
        rules["points"] = lambda w, v: None  # an ad-hoc UDF call of a kind that does not read the points
    for p in kinds_mod.REGISTRY[kind].params:
        rules[p.name] = _param_rule(p)
    table(where, t, rules)
    _min_max(where, t, "low", "high", strict=True)
    _min_max(where, t, "min_score", "max_score")


def check_document(data: dict, path: str, points_unset_ok: bool = False) -> None:
    """Types, ranges, keys, names and uniqueness of a whole scheme file's data.

    ``points_unset_ok``: an indicator's points may be NaN (the add-in's one-indicator schemes of kinds
    that do not read the points); scheme files never pass it.
    """
    table(path, data, TOP, ("id", "name", "unit"))
    check_name(data["id"], f"{path}: field 'id':")
    fields = data.get("fields", [])
    for i, f in enumerate(fields):
        where = _("{path}: field {key!r}").format(path=path, key=f['key'])
        _min_max(where, f)
        if f.get("type") == "choice":
            _choices(where, f.get("choices", []))
        if f.get("level") == "subunit" and "subunit" not in data:
            raise SchemeCheckError(_("{where}, field 'level': the scheme names no subunit (subunit = \"网格\")").format(
                                       where=where))
    indicators = data.get("indicators")
    if not isinstance(indicators, list) or not indicators:
        raise SchemeCheckError(_("{path}: no [[indicators]]: a scheme scores at least one indicator").format(
                                   path=path))
    for i, t in enumerate(indicators):
        name = t.get("key") if isinstance(t, dict) else None
        where = _("{path}: indicator #{n}").format(path=path, n=i + 1) + (f" {name!r}" if isinstance(name, str) else "")
        _indicator(where, t, points_unset_ok)
    for g in data.get("grades", []):
        _min_max(f"{path}: grade {g['label']!r}", g)
    _unique(path, "field label", [f["label"] for f in fields], normalise=True)
    _unique(path, "indicator name", [t["name"] for t in indicators])
    _unique(path, "flag label", [f["label"] for f in data.get("flags", [])])
    _unique(path, "grade label", [g["label"] for g in data.get("grades", [])])
    _unique(path, "section key", [s["key"] for s in data.get("sections", [])])
    keys = [("field", f["key"]) for f in fields] + [("indicator", t["key"]) for t in indicators] + \
           [("flag", f["key"]) for f in data.get("flags", [])]
    for what, k in keys:
        if k in RESERVED:
            raise SchemeCheckError(_("{path}: {what} key {k!r} is reserved for an output column ({reserved}); choose "
                                      "another key").format(
                                       path=path, what=what, k=k, reserved=', '.join(RESERVED)))
    _unique(path, "key (fields, indicators and flags together)", [k for _, k in keys])


def _choices(where: str, choices: list) -> None:
    if not choices:
        raise SchemeCheckError(_("{where}, field 'choices': a choice field lists its choices, e.g. [\"城市\", \"农村\"]").format(
                                   where=where))
    for c in choices:
        if not c.strip() or "," in c or '"' in c:
            raise SchemeCheckError(_("{where}, field 'choices': {c!r}: a choice is a non-empty text without , or \"").format(
                                       where=where, c=c))
    _unique(where + ", field 'choices':", "choice", choices)
    if len(",".join(choices)) > LIST_TEXT_MAX:
        raise SchemeCheckError(_("{where}, field 'choices': {n_choices} characters in all; Excel's drop-down list "
                                  "holds at most {list_text_max}").format(
                                   where=where, n_choices=len(','.join(choices)), list_text_max=LIST_TEXT_MAX))


def _unique(where: str, what: str, values: list, normalise: bool = False) -> None:
    seen: dict[str, str] = {}
    for v in values:
        k = unicodedata.normalize("NFKC", v).strip() if normalise and isinstance(v, str) else v
        if k in seen:
            raise SchemeCheckError(_("{where}: {what} {v!r} is used twice; each must be unique").format(
                                       where=where, what=what, v=v))
        seen[k] = v


def check_numbers_only(expr, text_keys: set[str], where: str) -> None:
    """Arithmetic, min/max/round… only on numbers: a unit name or a choice may only be compared."""

    def is_text(node):
        return isinstance(node, Text) or (isinstance(node, Field) and node.key in text_keys)

    for node in expr.walk():
        if isinstance(node, (BinOp, Neg)) or (isinstance(node, Func) and node.name != "IF"):
            for child in node.children():
                if is_text(child):
                    name = child.key if isinstance(child, Field) else repr(child.value)
                    raise SchemeCheckError(_("{where}{name} is text (a name or a choice); it can only be compared, e.g. "
                                              "{name} = \"城市\"").format(
                                               where=where, name=name))
        if isinstance(node, Func) and node.name == "IF" and is_text(node.args[0]):
            raise SchemeCheckError(_("{where}if() needs a condition first, not the text {to_excel}").format(
                                       where=where, to_excel=node.args[0].to_excel(None)))
