"""The derivation of every score in words and numbers: `处理及时率 (2327-2)/2327=99.91% >= 98% -> 20`.

Built for whole columns at once (:mod:`gridxl.core.texts`): each branch of an
explanation (missing input, a `when` rule, a value against its rule, a list of
items) is computed for the rows that take it, with numpy masks, as pieces of text
that are joined only when written, so explaining a table costs about what scoring
it costs.  One unit (the GRID_EXPLAIN function) is a table of one row.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .excel_math import format_number
from .expr import Env, Refs
from .kinds import band_amount, value_texts
from .scheme import UNIT_KEY, Scheme
from .texts import Texts, cat, combine, constant, from_strings, join_nonempty, numbers, pick, remembered


def explain_columns(scheme: Scheme, fields, scores, measures, sub_table=None) -> dict[str, Texts]:
    """Indicator key -> its explanations, one per unit, as :class:`Texts` (joined when written)."""
    with remembered():
        return {ind.key: _explain_indicator(scheme, ind, fields, scores, measures, sub_table)
                for ind in scheme.indicators}


def explain_table(units, columns: dict[str, Texts]) -> pd.DataFrame:
    """The explanations as a table of plain Python strings: unit, then one column per indicator."""
    out = {UNIT_KEY: units, **{key: np.asarray(texts.tolist(), dtype=object) for key, texts in columns.items()}}
    return pd.DataFrame(out, dtype=object)


def explain_frame(scheme: Scheme, fields, scores, measures, sub_table=None) -> pd.DataFrame:
    """One text column per indicator, one row per unit."""
    return explain_table(fields[UNIT_KEY], explain_columns(scheme, fields, scores, measures, sub_table))


def _explain_indicator(scheme, ind, fields, scores, measures, sub_table) -> Texts:
    if ind.per_subunit and sub_table is not None:
        return from_strings(_explain_subunits(scheme, ind, fields[UNIT_KEY], scores[ind.key], sub_table))
    return explain_column(scheme, ind.key, fields, scores, measures)


def explain_one(scheme: Scheme, key: str, fields: dict, scores: dict, measures: dict) -> str:
    """One unit's explanation of one indicator (values are plain numbers or text)."""
    def column(v):
        return np.asarray([v], dtype=object if isinstance(v, str) else float)
    return explain_column(scheme, key, {k: column(v) for k, v in fields.items()},
                          {k: column(v) for k, v in scores.items()},
                          {k: column(v) for k, v in measures.items()}).tolist()[0]


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


def explain_column(scheme: Scheme, key: str, fields: dict, scores: dict, measures: dict) -> Texts:
    """The explanation of indicator ``key`` for every row of the columns given."""
    comp = scheme.compiled()[key]
    ind = comp.indicator
    rows_of = len(next(iter(fields.values()))) if fields else 1
    score = np.asarray(scores.get(key, np.full(rows_of, np.nan)), dtype=float)
    n = len(score)
    todo = ~np.isnan(score)
    missing = np.flatnonzero(~todo)
    branches = []  # (rows, their texts)
    if len(missing):
        branches.append((missing, _missing_inputs(ind.name, comp.inputs, _take(fields, missing), len(missing))))
    for rule in ind.when:
        rows = np.flatnonzero(todo)
        if not len(rows):
            break
        cond = scheme.when_condition(rule, ind)  # false when it would divide by 0, as the score's IF
        env = Env(_take(fields, rows), _take(scores, rows))
        with np.errstate(all="ignore"):
            hit = np.broadcast_to(np.asarray(cond.evaluate(env), dtype=bool), (len(rows),))
        branches.append((rows[hit], f"{ind.name}: {rule.get('text', rule['if'])} -> {format_number(rule['score'])}"))
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
        branches.append((rows, part))
    return combine(n, branches)


def _missing_inputs(head: str, inputs, fields: dict, n: int) -> Texts:
    pieces = []
    for k in inputs:
        v = fields.get(k)
        if v is not None and np.asarray(v).dtype.kind == "f":
            pieces.append(pick(np.isnan(v), k, ""))
    names = join_nonempty(pieces, ", ", n)
    return pick(names.empty(), f"{head}: 缺少输入", cat(f"{head}: 缺少输入 ", names))


def _substituted(expr, fields: dict, scores: dict, n: int) -> Texts:
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
                out = cat(out, from_strings([str(t) for t in v]))
        else:
            out = cat(out, piece)
    return out


def _explain_measure(scheme, ind, comp, fields, scores, value, score) -> Texts:
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


def _explain_items(scheme, ind, fields, scores, score) -> Texts:
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
        detail = pick(detail.empty(), ind.rule_kind.none_counted, detail)
    head = f"{ind.name}: "
    if ":" in ind.name or any((np.strings.find(w, ":") >= 0).any() or (np.strings.find(w, ">") >= 0).any()
                              for w in detail.words()):
        text = cat(head, detail, " -> ", numbers(score)).strings()  # as the one-unit text: replace in it
        return from_strings(np.strings.replace(text, ":  ->", ": ->"))
    # Otherwise the only ':' is the head's and no '->' can start the detail: ":  ->" is an empty detail.
    return cat(head, detail, pick(detail.empty(), "-> ", " -> "), numbers(score))
