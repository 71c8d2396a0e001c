"""The derivation of every score in words and numbers: `处理及时率 (2327-2)/2327=99.91% >= 98% -> 20`.

Built for whole columns at once (:mod:`gridxl.core.texts`): each branch of an
explanation (missing input, a `when` rule, a value against its rule, a list of
items) is computed for the rows that take it, with numpy masks and pandas string
operations, so explaining a table costs about what scoring it costs.  One unit
(the GRID_EXPLAIN function) is a table of one row.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .excel_math import format_number
from .expr import Env, Refs
from .kinds import band_amount, value_texts
from .scheme import UNIT_KEY, Scheme
from .texts import TEXT, cat, constant, join_nonempty, numbers, pick, remembered


def explain_frame(scheme: Scheme, fields, scores, measures, sub_table=None) -> pd.DataFrame:
    """One text column per indicator, one row per unit."""
    units = fields[UNIT_KEY]
    out = {UNIT_KEY: units}
    with remembered():
        for ind in scheme.indicators:
            out[ind.key] = _explain_indicator(scheme, ind, fields, scores, measures, sub_table)
    return pd.DataFrame(out, dtype=object)  # plain Python strings: no conversion to another string type


def _explain_indicator(scheme, ind, fields, scores, measures, sub_table):
    if ind.per_subunit and sub_table is not None:
        return _explain_subunits(scheme, ind, fields[UNIT_KEY], scores[ind.key], sub_table)
    return explain_column(scheme, ind.key, fields, scores, measures).astype(object)


def explain_one(scheme: Scheme, key: str, fields: dict, scores: dict, measures: dict) -> str:
    """One unit's explanation of one indicator (values are plain numbers or text)."""
    def column(v):
        return np.asarray([v], dtype=object if isinstance(v, str) else float)
    return str(explain_column(scheme, key, {k: column(v) for k, v in fields.items()},
                          {k: column(v) for k, v in scores.items()},
                          {k: column(v) for k, v in measures.items()})[0])


def _explain_subunits(scheme, ind, units, unit_scores, sub_table) -> list[str]:
    groups = sub_table.groupby(UNIT_KEY, sort=False)[ind.key].apply(list)
    texts = []
    for unit, score in zip(units, unit_scores):  # one text per unit from its grids' scores
        parts = [format_number(v) for v in groups.get(unit, [])]
        texts.append(f"{ind.name}: {len(parts)}个{scheme.subunit}得分 ({'+'.join(parts)})/{len(parts)} "
                     f"-> {format_number(score)}" if parts else f"{ind.name}: 没有{scheme.subunit}数据")
    return texts


def _take(columns: dict, rows: np.ndarray) -> dict:
    n = len(next(iter(columns.values()))) if columns else 0
    if len(rows) == n:  # every row: the columns themselves (and their formatted texts, remembered)
        return columns
    return {k: np.asarray(v)[rows] for k, v in columns.items()}


def explain_column(scheme: Scheme, key: str, fields: dict, scores: dict, measures: dict) -> np.ndarray:
    """The explanation of indicator ``key`` for every row of the columns given."""
    comp = scheme.compiled()[key]
    ind = comp.indicator
    rows_of = len(next(iter(fields.values()))) if fields else 1
    score = np.asarray(scores.get(key, np.full(rows_of, np.nan)), dtype=float)
    n = len(score)
    text = constant("", n)
    todo = ~np.isnan(score)
    missing = np.flatnonzero(~todo)
    if len(missing):
        text[missing] = _missing_inputs(ind.name, comp.inputs, _take(fields, missing), len(missing))
    for rule in ind.when:
        rows = np.flatnonzero(todo)
        if not len(rows):
            break
        cond = scheme.when_condition(rule, ind)  # false when it would divide by 0, as the score's IF
        env = Env(_take(fields, rows), _take(scores, rows))
        with np.errstate(all="ignore"):
            hit = np.broadcast_to(np.asarray(cond.evaluate(env), dtype=bool), (len(rows),))
        text[rows[hit]] = f"{ind.name}: {rule.get('text', rule['if'])} -> {format_number(rule['score'])}"
        todo[rows[hit]] = False
    rows = np.flatnonzero(todo)
    if len(rows):
        sub_fields, sub_scores = _take(fields, rows), _take(scores, rows)
        sub_score = sub_scores.get(key, score[rows])
        if comp.measure is not None:
            value = _take({key: np.asarray(measures.get(key, np.full(n, np.nan)), dtype=float)}, rows)[key]
            part = _explain_measure(scheme, ind, comp, sub_fields, sub_scores, value, sub_score)
        else:
            part = _explain_items(scheme, ind, sub_fields, sub_scores, sub_score)
        text[rows] = part
    return text


def _missing_inputs(head: str, inputs, fields: dict, n: int) -> np.ndarray:
    pieces = []
    for k in inputs:
        v = fields.get(k)
        if v is not None and np.asarray(v).dtype.kind == "f":
            pieces.append(pick(np.isnan(v), k, ""))
    names = join_nonempty(pieces, ", ", n)
    return pick(names == "", f"{head}: 缺少输入", cat(f"{head}: 缺少输入 ", names))


def _substituted(expr, fields: dict, scores: dict, n: int) -> np.ndarray:
    """The value expression with each row's numbers in place of the field names: (2327-2)/2327."""
    slots: list[tuple[str, str]] = []

    def cell(space, key):
        slots.append((space, key))
        return f"\x00{len(slots) - 1}\x00"
    template = expr.to_excel(Refs(cell)).split("\x00")
    out = constant(template[0], n)
    for i, piece in enumerate(template[1:]):
        if i % 2 == 0:
            space, key = slots[int(piece)]
            v = fields.get(key) if space == "field" else scores.get(key)
            if v is None:
                out = cat(out, "None")
            elif np.asarray(v).dtype.kind in "fiub":
                out = cat(out, numbers(v, 4))
            else:
                out = cat(out, np.asarray([str(t) for t in v], dtype=TEXT))
        else:
            out = cat(out, piece)
    return out


def _explain_measure(scheme, ind, comp, fields, scores, value, score) -> np.ndarray:
    n = len(score)
    shown = _substituted(comp.measure, fields, scores, n)
    zero = np.zeros(n, dtype=bool)
    if comp.zero_guard is not None:  # the guard the score itself takes: a denominator expression is 0
        with np.errstate(all="ignore"):
            zero = np.broadcast_to(np.asarray(comp.zero_guard.evaluate(Env(fields, scores)), dtype=float) != 0,
                                   (n,)).copy()
    tail = ind.rule_kind.explain(ind, value, score) if ind.rule_kind.explain else cat("-> ", numbers(score))
    normal = cat(f"{ind.name} ", shown, "=", value_texts(ind, value), " ", tail)
    return pick(zero, cat(f"{ind.name}: ", shown, ", 分母为 0 -> ", numbers(score)), normal)


def _explain_items(scheme, ind, fields, scores, score) -> np.ndarray:
    n = len(score)
    env = None
    pieces = []
    for item in ind.items or ind.params.get("parts", []):
        name = item.get("field") or item.get("value")
        label = scheme.field(name).label if name in scheme.field_keys else name
        if "bands" in item:
            env = env or Env(fields, scores)
            amount = np.broadcast_to(np.asarray(band_amount(ind, item).evaluate(env), dtype=float), (n,))
            value = np.broadcast_to(np.asarray(ind.item_value(item).evaluate(env), dtype=float), (n,))
            shown = cat(numbers(value * 100, 2), "%") if item.get("scale", 1) == 100 else numbers(value, 4)
            text = cat(f"{label} ", shown, " 档 ", numbers(amount, 4))
            pieces.append(pick(amount != 0, text, ""))  # a blank amount is shown too
            continue
        if "field" in item and item["field"] in fields:
            v = np.asarray(fields[item["field"]], dtype=float)
            if "weight" in item:
                pieces.append(cat(f"{label} ", numbers(v, 4), f"×{format_number(item['weight'], 4)}"))
            else:
                text = cat(f"{label} ", numbers(v, 4), f"×{format_number(item.get('each', 1), 4)}")
                pieces.append(pick(v != 0, text, ""))
        elif name:
            pieces.append(constant(str(name), n))
    detail = join_nonempty(pieces, "; ", n)
    if ind.rule_kind.none_counted:
        detail = pick(detail == "", ind.rule_kind.none_counted, detail)
    return np.strings.replace(cat(f"{ind.name}: ", detail, " -> ", numbers(score)), ":  ->", ": ->")
