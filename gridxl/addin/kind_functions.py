"""One worksheet function per rule kind (GRID_RATIO, GRID_LINEAR, …), made from the kind registry.

A kind is described once, in gridxl.core.kinds.REGISTRY: its parameters with their Chinese
labels, help and defaults, and the formula tree.  What follows only knows how each *type* of
parameter (number, bool, text, items, bands, parts) becomes Excel arguments.  A call scores a
throwaway one-indicator scheme built with the core's own loader (score_indicator, or
score_frame for a kind that ranks a column), so an ad-hoc sheet gets exactly the number the
kind's formula tree gives.
"""
from __future__ import annotations

import functools
import inspect
import json
import math
from dataclasses import dataclass

import pandas as pd

from ..core import REGISTRY, score_frame, score_indicator
from ..core.expr import Refs
from ..core.scheme import UNIT_KEY, scheme_from_dict
from .coerce import UdfError, blank, flat, missing, number, numbers_of, result, text
from .registry import udf

KIND_FUNCTION_NAMES = {"deduction": "GRID_DEDUCT"}  # otherwise GRID_<KIND>
EXCEL_NAMES = {"step": "rank_step", "each": "points_each"}  # VBA reserves Step and Each

VALUE_DOC = "计算值（如比率 0.9756、每万人件数、检查组打分）/ the measured value: a rate such as 0.9756, a count, an inspector's score"
VALUES_DOC = "全部单位的计算值（区域），用于排名 / all units' measured values (a range), to rank against"
POINTS_DOC = "本项分值 / the item's points"
DIGITS_DOC = "保留小数位（默认 2，Excel ROUND）/ decimals kept (default 2, Excel's ROUND)"
ITEM_DOCS = {
    "items": "各子项的次数，或完成与否 1/0（区域）/ each sub-item's count, or 1/0 for done (a range)",
    "points_each": "各子项每次（每项）的分值，与 items 一一对应，或一个数通用 / points per occurrence or per item, "
                   "one per item or one for all",
    "caps": "各子项自己的上限（可空）/ each item's own cap (optional)",
}
BAND_DOCS = {
    "bands": "各档下限（区域，如 90,80,70,60,0）/ the lower end of each band (a range such as 90,80,70,60,0)",
    "amounts": "各档的扣分或得分，与 bands 一一对应 / the deduction (or score) of each band",
    "mode": "\"deduct\"（扣分，默认）或 \"score\"（得分）/ whether amounts are deductions (default) or scores",
}
PART_DOCS = {
    "parts": "各部分得分（区域）/ the parts' scores (a range)",
    "weights": "各部分权重（如 0.4, 0.6），与 parts 一一对应 / the weight of each part, e.g. 0.4, 0.6",
}
MODES = {"deduct": "deduct", "扣分": "deduct", "score": "score", "得分": "score"}


@dataclass(frozen=True)
class KindArg:
    """One Excel argument of a per-kind function."""

    name: str  # the Excel-facing (Python) parameter name
    role: str  # value, values, points, digits, param, items, points_each, caps, bands, amounts, mode, parts, weights
    doc: str
    required: bool
    param: str | None = None  # the registry parameter it fills


@dataclass(frozen=True)
class KindFunction:
    function: str
    kind: str
    args: tuple[KindArg, ...]
    uses_points: bool


def _param_args(kind, p):
    """The (required, optional) Excel arguments one registry parameter becomes."""
    if p.kind == "items":
        return ([KindArg("items", "items", ITEM_DOCS["items"], True, p.name),
                 KindArg("points_each", "points_each", ITEM_DOCS["points_each"], True, p.name)],
                [KindArg("caps", "caps", ITEM_DOCS["caps"], False, p.name)])
    if p.kind == "bands":
        return ([KindArg("bands", "bands", BAND_DOCS["bands"], True, p.name),
                 KindArg("amounts", "amounts", BAND_DOCS["amounts"], True, p.name)],
                [KindArg("mode", "mode", BAND_DOCS["mode"], False, p.name)])
    if p.kind == "parts":
        return ([KindArg("parts", "parts", PART_DOCS["parts"], True, p.name),
                 KindArg("weights", "weights", PART_DOCS["weights"], True, p.name)], [])
    name = EXCEL_NAMES.get(p.name, p.name)
    default = "" if p.default is None else f"（默认 {p.default}）"
    doc = f"{p.label or kind.label + '的参数'}{default} / {name}: {p.help}"
    arg = KindArg(name, "param", doc, p.required, p.name)
    return ([arg], []) if p.required else ([], [arg])


def _probe(kind, points):
    """The printed score formula of a one-indicator scheme of this kind, with placeholder parameters."""
    dummies = {"number": 1.0, "bool": False, "text": "whole",
               "items": [{"field": "i1", "each": 1.0}], "bands": [{"from": 0.0, "deduct": 1.0}],
               "parts": [{"value": "p1", "weight": 1.0}]}
    ind = {"key": "x", "name": "probe", "kind": kind.name, "points": points,
           **({"value": "value"} if kind.needs_value else {}),
           **{p.name: 2.0 if p.name == "high" else dummies[p.kind] for p in kind.params if p.required}}  # low < high
    fields = [{"key": k, "label": k, "type": "number"} for k in ("value", "i1", "p1")]
    comp = scheme_from_dict({"id": "probe", "name": "probe", "unit": "单位", "fields": fields,
                             "indicators": [ind]}, "probe").compiled()["x"]
    return comp.score


def _kind_function(kind) -> KindFunction:
    one, two = _probe(kind, 1.0), _probe(kind, 2.0)
    refs = Refs(lambda space, key: f"{space}:{key}", lambda space, key: f"{space}:{key}:")
    uses_points = one.to_excel(refs) != two.to_excel(refs)
    required, optional = [], []
    if kind.needs_value:
        required.append(KindArg("value", "value", VALUE_DOC, True))
    if kind.reads_other_units:
        required.append(KindArg("values", "values", VALUES_DOC, True))
    for p in kind.params:
        req, opt = _param_args(kind, p)
        required += req
        optional += opt
    if uses_points:
        required.append(KindArg("points", "points", POINTS_DOC, True))
    optional.append(KindArg("digits", "digits", DIGITS_DOC, False))
    name = KIND_FUNCTION_NAMES.get(kind.name, f"GRID_{kind.name.upper()}")
    return KindFunction(name, kind.name, tuple(required + optional), uses_points)


def _kind_doc(kind) -> str:
    example = f" 例 e.g. {kind.example}" if kind.example else ""
    return (f"{kind.label}（规则 {kind.name}）/ {kind.summary}.{example}\n\n"
            f"Ad-hoc use of the `{kind.name}` rule kind: the score is the one gridxl's scoring core gives an "
            f"indicator of this kind with these parameters (Excel ROUND to `digits`). Blank optional "
            f"arguments take the rule's defaults; a blank value gives an empty cell.")


def _items(spec, given, fields, row, prefix, what):
    """Sub-items from parallel ranges: the counts go into the row as fields i1, i2 …"""
    counts, each, caps = flat(given["items"]), flat(given["points_each"]), flat(given.get("caps"))
    if not counts:
        raise UdfError(f"{spec.function}: items is empty")
    if any(blank(c) for c in counts):
        return None
    each = each * len(counts) if len(each) == 1 else each
    caps = [None] * len(counts) if not caps or (len(caps) == 1 and blank(caps[0])) else (
        caps * len(counts) if len(caps) == 1 else caps)
    if len(each) != len(counts) or len(caps) != len(counts):
        raise UdfError(f"{spec.function}: {len(counts)} items but {len(each)} points_each and {len(caps)} caps")
    out = []
    for n, (c, e, cap) in enumerate(zip(counts, each, caps), 1):
        key = f"{prefix}{n}"
        fields.append({"key": key, "label": key, "type": "number"})
        row[key] = number(c, f"{what} {n}")
        item = {"field": key, "each": number(e, f"points_each {n}")}
        if not blank(cap):
            item["cap"] = number(cap, f"caps {n}")
        out.append(item)
    return out


def _call_kind(kind_name, args):
    """Score one unit with a throwaway one-indicator scheme of this kind (see module docstring)."""
    spec = KINDS[kind_name]
    given = dict(zip((a.name for a in spec.args), args))
    fname = spec.function
    ind: dict = {"key": "x", "name": fname, "kind": kind_name, "points": math.nan}
    fields: list[dict] = []
    row: dict = {UNIT_KEY: ""}
    column = None
    for a in spec.args:
        v = given[a.name]
        if a.role in ("points_each", "caps", "amounts", "mode", "weights"):
            continue  # read together with items / bands / parts
        if missing(v):
            if a.role == "value":
                return ""
            if a.required:
                raise UdfError(f"{fname}: {a.name} is required ({a.doc})")
            continue
        if a.role == "value":
            fields.append({"key": "value", "label": "value", "type": "number"})
            row["value"] = number(v, "value")
            ind["value"] = "value"
        elif a.role == "values":
            column = numbers_of(v)
        elif a.role == "points":
            ind["points"] = number(v, "points")
        elif a.role == "digits":
            ind["digits"] = int(number(v, "digits"))
        elif a.role == "param":
            kind_of = next(p.kind for p in REGISTRY[kind_name].params if p.name == a.param)
            ind[a.param] = (number(v, a.name) if kind_of == "number" else
                            bool(number(v, a.name)) if kind_of == "bool" else text(v, a.name))
        elif a.role == "items":
            items = _items(spec, given, fields, row, "i", "items")
            if items is None:
                return ""
            ind[a.param] = items
        elif a.role == "bands":
            froms, amounts = flat(v), flat(given["amounts"])
            if len(froms) != len(amounts) or any(blank(x) for x in froms + amounts):
                raise UdfError(f"{fname}: bands and amounts must be two ranges of numbers of the same length, "
                               f"got {len(froms)} and {len(amounts)}")
            mode = MODES.get(text(given.get("mode"), "mode") or "deduct")
            if mode is None:
                raise UdfError(f"{fname}: mode must be \"deduct\" (扣分) or \"score\" (得分)")
            ind[a.param] = [{"from": number(f, "bands"), mode: number(x, "amounts")} for f, x in zip(froms, amounts)]
        elif a.role == "parts":
            parts, weights = flat(v), flat(given["weights"])
            if len(parts) != len(weights):
                raise UdfError(f"{fname}: {len(parts)} parts but {len(weights)} weights")
            if any(blank(p) for p in parts):
                return ""
            ind[a.param] = []
            for n, (p, w) in enumerate(zip(parts, weights), 1):
                key = f"p{n}"
                fields.append({"key": key, "label": key, "type": "number"})
                row[key] = number(p, f"parts {n}")
                ind[a.param].append({"value": key, "weight": number(w, f"weights {n}")})
    spec_json = json.dumps({"fields": fields, "indicator": ind, "name": fname}, sort_keys=True)
    scheme = _adhoc_scheme(spec_json)
    if column is None:
        score = score_indicator(scheme, "x", {k: v for k, v in row.items() if k != UNIT_KEY})
    else:  # every unit's value in the column, this unit's last (equal values share a place)
        score = _column_scores(spec_json, tuple(column)).get(row["value"])
        if score is None:
            rows = [{UNIT_KEY: f"#{n}", "value": c} for n, c in enumerate(column)] + [row]
            score = score_frame(scheme, pd.DataFrame(rows)).table["x"].iloc[-1]
    score = result(score, fname)
    _check_bounds(scheme.indicators[0], score, fname)
    return score


@functools.lru_cache(maxsize=64)
def _column_scores(spec_json, column):
    """Each value's score when the whole column is scored at once (a sheet calls once per row)."""
    rows = [{UNIT_KEY: f"#{n}", "value": c} for n, c in enumerate(column)]
    table = score_frame(_adhoc_scheme(spec_json), pd.DataFrame(rows)).table
    return dict(zip(column, table["x"].to_numpy(dtype=float).tolist()))


@functools.lru_cache(maxsize=512)
def _adhoc_scheme(spec_json):
    spec = json.loads(spec_json)
    return scheme_from_dict({"id": "adhoc", "name": spec["name"], "unit": "单位", "fields": spec["fields"],
                             "indicators": [spec["indicator"]]}, spec["name"], points_unset_ok=True)


def _check_bounds(ind, score, fname):
    """An entered score outside [min_score, max_score] is refused (the other kinds cannot leave their bounds)."""
    try:
        lo, hi = ind.rule_kind.bounds(ind)
    except (TypeError, ValueError):  # a bound that depends on points the call did not give
        return
    if (lo is not None and score < lo) or (hi is not None and score > hi):
        def shown(x):
            return "" if x is None or math.isnan(x) else f"{x:g}"
        raise UdfError(f"{fname}: {score:g} is outside the allowed range {shown(lo)}..{shown(hi)}")


def _make_kind_function(spec: KindFunction):
    """A function with the kind's positional signature (xlwings reads ``inspect.signature`` to register).

    The signature is built as an ``inspect.Signature`` object, not as source text: omitted optional
    arguments are bound to None ("the rule's default"), too many arguments are an error in the cell.
    """
    signature = inspect.Signature([
        inspect.Parameter(a.name, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                          default=inspect.Parameter.empty if a.required else None) for a in spec.args])

    def kind_function(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return _call_kind(spec.kind, tuple(bound.arguments[a.name] for a in spec.args))

    kind_function.__name__ = kind_function.__qualname__ = spec.function
    kind_function.__signature__ = signature
    kind_function.__doc__ = _kind_doc(REGISTRY[spec.kind])
    return udf([(a.name, a.doc) for a in spec.args])(kind_function)


KINDS: dict[str, KindFunction] = {name: _kind_function(kind) for name, kind in REGISTRY.items()}
KIND_FUNCTIONS: dict[str, object] = {spec.function: _make_kind_function(spec) for spec in KINDS.values()}


def kind_arguments(ind, value_of):
    """The arguments of the per-kind function that scores indicator ``ind`` as its scheme does.

    ``value_of(role, expr)`` supplies what Excel would pass for a formula tree of the scheme:
    role "value" (the indicator's measured value), "values" (that value for every unit),
    "item" or "part" (one sub-item's count or one part's score); it returns None when it cannot.
    Returns None when the rule needs more than the function takes: cases by unit or choice,
    ``when`` overrides, band sub-items.  (The scheme's zero-denominator rule is the caller's.)
    """
    comp = ind.scheme.compiled()[ind.key]
    if ind.when:
        return None
    out = []
    for a in KINDS[ind.kind].args:
        if a.role in ("value", "values"):
            value = value_of(a.role, comp.measure) if comp.measure is not None else None
        elif a.role == "points":
            value = ind.points
        elif a.role == "digits":
            value = ind.digits
        elif a.role == "param":
            value = ind.params.get(a.param)
            if isinstance(value, (dict, list)):
                return None
        elif a.role == "items":
            if any("bands" in item for item in ind.items):
                return None
            value = [value_of("item", ind.item_value(item)) for item in ind.items]
        elif a.role == "points_each":
            value = [item.get("each", 1) for item in ind.items]
        elif a.role == "caps":
            caps = [item.get("cap") for item in ind.items]
            value = None if all(c is None for c in caps) else caps
        elif a.role == "bands":
            value = [band["from"] for band in ind.params["bands"]]
        elif a.role == "amounts":
            value = [band.get("deduct", band.get("score")) for band in ind.params["bands"]]
        elif a.role == "mode":
            value = "deduct" if "deduct" in ind.params["bands"][0] else "score"
        elif a.role == "parts":
            value = [value_of("part", ind.item_value(part)) for part in ind.params["parts"]]
        elif a.role == "weights":
            value = [part["weight"] for part in ind.params["parts"]]
        else:  # pragma: no cover - a role added above without a case here
            raise ValueError(f"unknown argument role {a.role!r}")
        if a.required and (value is None or (isinstance(value, list) and None in value)):
            return None
        out.append(value)
    return out
