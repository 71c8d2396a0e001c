"""The explanations as gridxl wrote them before they were vectorised: one unit and one indicator at a time.

Kept as the oracle for tests/test_explain.py: the vectorised explanations must give the same text, unit for
unit, on every built-in scheme's sample and on random inputs.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from gridxl.core.excel_math import format_number
from gridxl.core.expr import Env, parse
from gridxl.core.kinds import value_text
from gridxl.core.scheme import UNIT_KEY, Scheme


def _n(x):
    return format_number(x, 4)


def _explain_ratio(ind, value, score):
    standard = ind.param_value("standard")
    std = value_text(ind, standard)
    if value >= standard:
        return f">= {std} -> {_n(score)}"
    if standard == 1:
        return f"-> {_n(ind.points)}×{value_text(ind, value)} = {_n(score)}"
    return f"< {std} -> {_n(ind.points)}×{_n(value)}/{_n(standard)} = {_n(score)}"


def _explain_linear(ind, value, score):
    low, high, scale = (ind.param_value(p) for p in ("low", "high", "scale"))
    unit = "%" if scale == 100 else ""
    v = value * scale
    if v >= high:
        return f">= {_n(high)}{unit} -> {_n(score)}"
    if v < low:
        return f"< {_n(low)}{unit} -> 0"
    return f"-> ({_n(v)}-{_n(low)})/{_n(high - low)}×{_n(ind.points)} = {_n(score)}"


TAILS = {"ratio": _explain_ratio, "rate": _explain_ratio, "linear": _explain_linear}


def explain_frame(scheme: Scheme, fields, scores, measures, sub_table=None) -> pd.DataFrame:
    """The derivation of every score in words and numbers, one text column per indicator."""
    n = len(fields[UNIT_KEY])
    out = {UNIT_KEY: fields[UNIT_KEY]}
    for ind in scheme.indicators:
        if ind.per_subunit and sub_table is not None:
            groups = sub_table.groupby(UNIT_KEY, sort=False)[ind.key].apply(list)
            texts = []
            for unit, score in zip(fields[UNIT_KEY], scores[ind.key]):
                parts = [format_number(v) for v in groups.get(unit, [])]
                texts.append(f"{ind.name}: {len(parts)}个{scheme.subunit}得分 ({'+'.join(parts)})/{len(parts)} "
                             f"-> {format_number(score)}" if parts else f"{ind.name}: 没有{scheme.subunit}数据")
            out[ind.key] = texts
            continue
        texts = []
        for i in range(n):  # text only: scoring above is vectorised
            texts.append(explain_one(scheme, ind.key, {k: v[i] for k, v in fields.items()},
                                     {k: v[i] for k, v in scores.items()},
                                     {k: v[i] for k, v in measures.items()}))
        out[ind.key] = texts
    return pd.DataFrame(out)


def explain_one(scheme: Scheme, key: str, fields: dict, scores: dict, measures: dict) -> str:
    comp = scheme.compiled()[key]
    ind = comp.indicator
    score = scores.get(key, np.nan)
    head = ind.name
    if np.isnan(score):
        missing = [k for k in comp.inputs if k in fields and isinstance(fields[k], float) and np.isnan(fields[k])]
        return f"{head}: 缺少输入 {', '.join(missing) or ''}".rstrip()
    for rule in ind.when:
        cond = parse(rule["if"], lambda n: scheme.resolve(n))
        if bool(np.asarray(cond.evaluate(Env({k: np.asarray([v]) for k, v in fields.items()},
                                                 {k: np.asarray([v]) for k, v in scores.items()}))).reshape(-1)[0]):
            return f"{head}: {rule.get('text', rule['if'])} -> {format_number(rule['score'])}"
    if comp.measure is not None:
        shown = _substitute(scheme, ind, comp.measure, fields, scores)
        value = measures.get(key, np.nan)
        zero = any(float(fields.get(k, 1) or 0) == 0 for d in _divisor_fields(comp.measure) for k in [d])
        if zero:
            return f"{head}: {shown}, 分母为 0 -> {format_number(score)}"

        shown_value = value_text(ind, value)
        tail = TAILS[ind.kind](ind, value, score) if ind.kind in TAILS else f"-> {format_number(score)}"
        return f"{head} {shown}={shown_value} {tail}"
    parts = []
    for item in ind.items or ind.params.get("parts", []):
        name = item.get("field") or item.get("value")
        if "bands" in item:
            from gridxl.core.kinds import band_amount
            env = Env({k: np.asarray([v]) for k, v in fields.items()}, {k: np.asarray([v]) for k, v in scores.items()})
            amount = float(np.asarray(band_amount(ind, item).evaluate(env)).reshape(-1)[0])
            value = float(np.asarray(ind.item_value(item).evaluate(env)).reshape(-1)[0])
            label = scheme.field(name).label if name in scheme.field_keys else name
            shown = format_number(value * 100, 2) + "%" if item.get("scale", 1) == 100 else format_number(value, 4)
            if amount:
                parts.append(f"{label} {shown} 档 {format_number(amount, 4)}")
            continue
        if "field" in item and item["field"] in fields:
            v = fields[item["field"]]
            label = scheme.field(item["field"]).label if item["field"] in scheme.field_keys else item["field"]
            if "weight" in item:
                parts.append(f"{label} {format_number(v, 4)}×{format_number(item['weight'], 4)}")
            elif v:
                parts.append(f"{label} {format_number(v, 4)}×{format_number(item.get('each', 1), 4)}")
        elif name:
            parts.append(str(name))
    detail = "; ".join(parts) if parts else "无扣分" if ind.kind == "deduction" else ""
    return f"{head}: {detail} -> {format_number(score)}".replace(":  ->", ": ->")


def _divisor_fields(expr):
    from gridxl.core.expr import divisors
    out = []
    for d in divisors(expr):
        out.extend(d.fields())
    return out


def _substitute(scheme, ind, expr, fields, scores) -> str:
    """The value expression with this unit's numbers in place of the field names."""
    from gridxl.core.expr import Refs

    def cell(space, key):
        v = fields.get(key) if space == "field" else scores.get(key)
        return format_number(float(v), 4) if v is not None and not isinstance(v, str) else str(v)
    return expr.to_excel(Refs(cell))
