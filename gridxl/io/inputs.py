"""Reading a clerk's table (CSV or xlsx) into the frame the scoring core takes.

Columns may be headed by field key (``gw_total``), by Chinese label (网格员总数)
or by label with unit (网格员总数（人）).  The file is read by
:mod:`gridxl.io.sources` and every column is judged at once by :mod:`gridxl.io.values`
(normalisations and refusals are listed there and in the README's bad-input
table).  Beyond single cells this module refuses what only a whole table shows:
a numerator above its denominator (300 qualified of 30 workers, the relation in
:mod:`gridxl.core.shares`), a duplicate unit, two columns feeding one field,
grids of a unit that is not in the unit table, a ballot marking one person twice.

Every problem is an :class:`InputError` naming the file, the sheet, the cell (or
CSV line) and what was expected; the first 20 are listed, then a count.  There
is no Python loop over rows on the path from file to frame.
"""
from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from gridxl.core.expr import Env, Field
from gridxl.core.scheme import FIELD_TYPES, SUBUNIT_KEY, UNIT_KEY, FieldSpec, Scheme
from gridxl.core.shares import rate_divisions
from gridxl.io.errors import MAX_ERRORS_SHOWN, InputError, Problems
from gridxl.io.sources import Table, Where, column_letter, read_grid, read_source
from gridxl.io.values import (BLANK, OK, cell_texts, expected_text, is_blank, name_column, number_column, parse_number,
                              quoted, shown)
from gridxl.core.translate import gettext
from gridxl.i18n import _
from gridxl.core.ballots import empty_types, merge_into, tally

UNIT_HEADERS = ("unit", "单位", "名称", "单位名称", "乡镇", "乡镇（办）", "乡镇（街道）", "镇街", "村（社区）",
                "村/社区", "社区", "网格员", "姓名", "被考核单位", "被考核人")
SUBUNIT_HEADERS = ("subunit", "网格", "网格名称")


def normalise_header(text) -> str:
    text = unicodedata.normalize("NFKC", str(text))
    return re.sub(r"[\s\u00a0\u3000*＊]", "", text).replace("(", "（").replace(")", "）").lower()


def header_normaliser(rename: dict[str, str] | None = None):
    """``normalise_header``, renaming first the export headers a mapping file names (``gridxl map``):
    {export header: field key}.  Matching through it reads an export as it is, so every message names
    the export's own cells."""
    if not rename:
        return normalise_header
    table = {normalise_header(h): k for h, k in rename.items()}
    return lambda header: normalise_header(table.get(normalise_header(header), header)) if isinstance(header, str) \
        else normalise_header(header)


def header_names(spec: FieldSpec) -> set[str]:
    names = {spec.key, spec.label, spec.header, f"{spec.label}({spec.unit})"}
    return {normalise_header(n) for n in names}


def read_raw(path: str | Path, sheet: str | None = None) -> tuple[pd.DataFrame, str | None]:
    """The file's cells as text/numbers with no header interpretation; (frame, sheet name or None)."""
    return read_grid(path, sheet)


def _columns(table: Table, scheme: Scheme, specs: list[FieldSpec], level: str, problems: Problems,
             normalise=normalise_header) -> dict[str, int]:
    """Which file column feeds the unit, the grid and each field; two columns for one field is refused."""
    unit_names = {normalise_header(h) for h in UNIT_HEADERS + (scheme.unit,)}
    sub_names = {normalise_header(h) for h in SUBUNIT_HEADERS + ((scheme.subunit,) if scheme.subunit else ())}
    owner = {}
    for spec in specs:
        for name in header_names(spec):
            owner.setdefault(name, spec)
    col_of: dict[str, int] = {}
    where = table.where
    for j, raw in enumerate(table.headers):
        h = normalise(raw) if raw is not None else ""
        if not h:
            continue
        if h in unit_names and UNIT_KEY not in col_of:
            col_of[UNIT_KEY] = j
        elif level == "subunit" and h in sub_names and SUBUNIT_KEY not in col_of:
            col_of[SUBUNIT_KEY] = j
        spec = owner.get(h)
        if spec is None:
            continue
        if spec.key in col_of:
            first = col_of[spec.key]
            problems.add(_("{path}: columns {where} and {where2} both feed {label} ({key}); keep one of them").format(
                             path=where.path, where=_column_name(where, first, table.headers),
                             where2=_column_name(where, j, table.headers), label=spec.label, key=spec.key))
        else:
            col_of[spec.key] = j
    if UNIT_KEY not in col_of:
        problems.add(_("{path}: no unit column: head one column `unit` or {unit}").format(
                         path=where.path, unit=scheme.unit))
    missing = [f"{s.key} ({s.header})" for s in specs if s.key not in col_of]
    if missing:
        problems.add(_("{path}: missing column(s): {missing}").format(path=where.path, missing=', '.join(missing)))
    return col_of


def _column_name(where: Where, j: int, headers: list) -> str:
    place = column_letter(j) if where.sheet is not None else f"{j + 1}"
    return f"{place} ({quoted(headers[j])})"


def _check_units(names: pd.Series, rows: np.ndarray, where: Where, col: int, problems: Problems, level: str):
    blank = (names == "").to_numpy()
    problems.add_many(np.flatnonzero(blank), lambda k: _("{cell}: the unit name is blank").format(
                                                           cell=where.cell(rows[k], col)))
    if level != "unit":
        return
    repeated = names.duplicated(keep="first").to_numpy() & ~blank
    if repeated.any():
        first_at = pd.Series(np.arange(len(names))).groupby(names.to_numpy()).first()

        def text(k):
            name = names.iloc[k]
            return (_("{cell}: unit {name!r} appears twice (first at {cell2})").format(
                        cell=where.cell(rows[k], col), name=name, cell2=where.cell(rows[first_at[name]], col)))
        problems.add_many(np.flatnonzero(repeated), text)


def _describe(expr, scheme: Scheme) -> str:
    if isinstance(expr, Field):
        return scheme.field(expr.key).label

    class _Labels:
        @staticmethod
        def cell(space, key):
            return scheme.field(key).label if key in scheme.field_keys else key

    return expr.to_excel(_Labels)


def _check_shares(frame: pd.DataFrame, scheme: Scheme, level: str, rows: np.ndarray, where: Where,
                  col_of: dict[str, int], problems: Problems):
    """A part larger than its whole (or below 0), for every rate that is one division: refused by cell."""
    numeric = [f.key for f in scheme.fields if f.key in col_of and f.key in frame.columns and f.type != "choice"]
    env = Env({k: frame[k].to_numpy(dtype=float) for k in numeric})
    for ind, num, den in rate_divisions(scheme, level):
        keys = set(num.fields()) | set(den.fields())
        if not keys <= set(env.fields):
            continue
        with np.errstate(all="ignore"):
            a = np.broadcast_to(np.asarray(num.evaluate(env), dtype=float), len(frame))
            b = np.broadcast_to(np.asarray(den.evaluate(env), dtype=float), len(frame))
        finite = np.isfinite(a) & np.isfinite(b)
        above = finite & (a > b + 1e-9 * np.maximum(1.0, np.abs(b)))
        below = np.isfinite(a) & (a < 0)
        target = col_of[(num.fields() or den.fields())[0]]
        last = col_of[(num.fields() or den.fields())[-1]]  # the part subtracted, as check names it

        def over(k):
            return (_("{cell} ({name}): {num} = {a:g} is more than {den} = {b:g} (a rate above 100%)").format(
                        cell=where.cell(rows[k], target), name=ind.name, num=_describe(num, scheme), a=a[k],
                        den=_describe(den, scheme), b=b[k]))

        def under(k):
            return _("{cell} ({name}): {num} = {a:g} is below 0").format(
                       cell=where.cell(rows[k], last), name=ind.name, num=_describe(num, scheme), a=a[k])
        problems.add_many(np.flatnonzero(above), over)
        problems.add_many(np.flatnonzero(below & ~above), under)


def _number_problems(col: pd.Series, spec: FieldSpec, reason: np.ndarray, rows: np.ndarray, where: Where, j: int,
                     problems: Problems):
    def text(k):
        cell = where.cell(rows[k], j)
        if reason[k] == BLANK:
            return _("{cell} ({label}, {key}): blank, expected {field_types}").format(
                       cell=cell, label=spec.label, key=spec.key, field_types=gettext(FIELD_TYPES[spec.type]))
        return _("{cell} ({label}, {key}): expected {expected_text}, got {col}").format(
                   cell=cell, label=spec.label, key=spec.key, expected_text=expected_text(spec, int(reason[k])),
                   col=shown(col.iloc[k]))
    problems.add_many(np.flatnonzero(reason != OK), text)


def _choice_column(col: pd.Series, spec: FieldSpec, rows, where, j, problems: Problems) -> pd.Series:
    text = cell_texts(col)
    if spec.choices:
        bad = ~text.isin(spec.choices).to_numpy()
        problems.add_many(np.flatnonzero(bad), lambda k: _("{cell} ({label}): expected one of {choices}, got {text!r}").format(
                                                             cell=where.cell(rows[k], j), label=spec.label,
                                                             choices=', '.join(spec.choices), text=text.iloc[k]))
    return text


def _read_located(path, scheme: Scheme, level: str, sheet: str | None, allow_blank: bool, supplied: frozenset,
                  rename: dict[str, str] | None = None):
    """(frame, rows, where, col_of): the frame plus what names each of its cells in the file."""
    specs = [f for f in scheme.fields if f.level == level and f.key not in supplied]
    unit_names = {normalise_header(h) for h in UNIT_HEADERS + (scheme.unit,)}
    wanted = unit_names | set().union(*(header_names(s) for s in specs)) if specs else unit_names
    normalise = header_normaliser(rename)
    table = read_source(path, sheet, wanted, normalise)
    where = table.where
    problems = Problems()
    col_of = _columns(table, scheme, specs, level, problems, normalise)
    problems.raise_if_any()
    body = table.body
    used = [body[j] for j in col_of.values()]
    empty = np.logical_and.reduce([is_blank(c) for c in used]) if used else np.zeros(len(body), bool)
    rows = np.flatnonzero(~empty)  # empty rows in the middle of a sheet are skipped
    if len(rows) < len(body):
        body = body.iloc[rows].reset_index(drop=True)
    out = {}
    names = name_column(body[col_of[UNIT_KEY]])
    _check_units(names, rows, where, col_of[UNIT_KEY], problems, level)
    out[UNIT_KEY] = names.to_numpy(dtype=object)
    if level == "subunit":
        if SUBUNIT_KEY in col_of:
            out[SUBUNIT_KEY] = name_column(body[col_of[SUBUNIT_KEY]]).to_numpy(dtype=object)
        else:
            counter = pd.Series(names).groupby(names.to_numpy()).cumcount() + 1
            out[SUBUNIT_KEY] = (names + "-" + counter.astype(str)).to_numpy(dtype=object)
    for spec in specs:
        j = col_of[spec.key]
        if spec.type == "choice":
            out[spec.key] = _choice_column(body[j], spec, rows, where, j, problems).to_numpy(dtype=object)
            continue
        values, reason = number_column(body[j], spec, allow_blank=allow_blank)
        _number_problems(body[j], spec, reason, rows, where, j, problems)
        out[spec.key] = values
    problems.raise_if_any()
    frame = pd.DataFrame(out)
    frame[UNIT_KEY] = frame[UNIT_KEY].astype(object)
    _check_shares(frame, scheme, level, rows, where, col_of, problems)
    problems.raise_if_any()
    return frame, rows, where, col_of


def read_table(path: str | Path, scheme: Scheme, level: str = "unit", sheet: str | None = None,
               allow_blank: bool = False, supplied: frozenset = frozenset(),
               rename: dict[str, str] | None = None) -> pd.DataFrame:
    """A clerk's file as a frame: ``unit`` (and ``subunit``), then one float column per field key.

    ``supplied``: field keys that come from elsewhere (ballot averages) and need no column.
    ``rename``: {export header: field key} from a mapping file, applied while matching headers.
    """
    return _read_located(path, scheme, level, sheet, allow_blank, supplied, rename)[0]


BALLOT_HEADERS = {
    "ballot": ("ballot", "评议票", "评议票编号", "票号"),
    "type": ("type", "票种", "评议票种类"),
    UNIT_KEY: ("unit", "被评议人", "姓名", "网格员", "网格管理员", "网格长"),
    "mark": ("mark", "分数", "评分", "得分"),
}


def read_ballots(path: str | Path, types: list[str]) -> pd.DataFrame:
    """民主评议 marks, one row per mark: ballot, type (A/B/C), unit (person), mark (0..100)."""
    names = {k: {normalise_header(h) for h in v} for k, v in BALLOT_HEADERS.items()}
    table = read_source(path, None, set().union(*names.values()), normalise_header)
    where = table.where
    headers = [normalise_header(c) if c is not None else "" for c in table.headers]
    col_of = {}
    for key, options in names.items():
        for j, h in enumerate(headers):
            if h in options and key not in col_of:
                col_of[key] = j
    missing = [f"{k} ({'/'.join(BALLOT_HEADERS[k][1:3])})" for k in names if k not in col_of]
    if missing:
        raise InputError(_("{path}: missing ballot column(s): {missing}").format(
                             path=path, missing=', '.join(missing)))
    body = table.body
    used = [body[j] for j in col_of.values()]
    rows = np.flatnonzero(~np.logical_and.reduce([is_blank(c) for c in used]))
    body = body.iloc[rows].reset_index(drop=True)
    problems = Problems()
    btype = cell_texts(body[col_of["type"]]).str.upper()
    bad_type = ~btype.isin(types).to_numpy()
    problems.add_many(np.flatnonzero(bad_type), lambda k: _("{cell}: expected a ballot type {types}, got {body}").format(
                                                              cell=where.cell(rows[k], col_of['type']),
                                                              types='/'.join(types),
                                                              body=shown(body[col_of['type']].iloc[k])))
    mark_spec = FieldSpec("mark", "分数", "score", max=100)
    marks, reason = number_column(body[col_of["mark"]], mark_spec, allow_blank=False)
    problems.add_many(np.flatnonzero(reason != OK), lambda k: _("{cell}: expected a mark from 0 to 100, got {body}").format(
                                                                  cell=where.cell(rows[k], col_of['mark']),
                                                                  body=shown(body[col_of['mark']].iloc[k])))
    ballot = cell_texts(body[col_of["ballot"]])
    person = name_column(body[col_of[UNIT_KEY]])
    twice = pd.DataFrame({"b": ballot, "u": person}).duplicated(keep="first").to_numpy()
    problems.add_many(np.flatnonzero(twice), lambda k: _("{cell}: ballot {ballot!r} marks {person} twice; each ballot marks a person once").format(
                                                           cell=where.cell(rows[k], col_of[UNIT_KEY]),
                                                           ballot=ballot.iloc[k], person=person.iloc[k]))
    problems.raise_if_any()
    if not len(body):
        raise InputError(_("{path}: no ballot rows").format(path=path))
    return pd.DataFrame({"ballot": ballot.to_numpy(dtype=object), "type": btype.to_numpy(dtype=object),
                         UNIT_KEY: person.to_numpy(dtype=object), "mark": marks})


def _check_grid_units(sub_frame: pd.DataFrame, rows: np.ndarray, where: Where, col: int, units: pd.Series,
                      scheme: Scheme):
    """Grids whose unit is not a row of the unit table would be averaged into nothing: refused, listed."""
    orphan = ~sub_frame[UNIT_KEY].isin(units).to_numpy()
    if orphan.any():
        problems = Problems()
        problems.add_many(np.flatnonzero(orphan), lambda k: (
            _("{cell}: {subunit} {sub_frame!r} belongs to {sub_frame2!r}, which is not in the "
               "{unit} table").format(
                cell=where.cell(rows[k], col), subunit=scheme.subunit, sub_frame=sub_frame[SUBUNIT_KEY].iloc[k],
                sub_frame2=sub_frame[UNIT_KEY].iloc[k], unit=scheme.unit)))
        problems.raise_if_any()


def read_scheme_inputs(scheme: Scheme, path: str | Path, subunits: str | Path | None = None,
                       sheet: str | None = None, ballots: str | Path | None = None,
                       rename: dict[str, str] | None = None):
    """Everything a scheme scores from, read from a clerk's files: (unit frame, subunit frame or None).

    Schemes that average grids take the per-grid table from ``subunits`` (or, in an xlsx, the sheet
    ``<subunit>录入``); schemes with 民主评议 take the marks from ``ballots``.
    """
    if ballots and scheme.ballots is None:
        raise InputError(_("scheme {id} has no ballots; --ballots is for schemes such as minzhu-pingyi").format(
                             id=scheme.id))
    supplied = frozenset(scheme.ballots.fields.values()) if ballots else frozenset()
    frame = read_table(path, scheme, sheet=sheet, supplied=supplied, rename=rename)
    if ballots:
        result = tally(scheme.ballots, read_ballots(ballots, list(scheme.ballots.fields)))
        if result.void:
            print(_("void ballots (every mark full): {void}").format(void=', '.join(result.void)), file=sys.stderr)
        missing = empty_types(result)
        if missing:
            raise InputError(_("{ballots}: no valid ballots of type {missing}: the weighted score cannot be made").format(
                                 ballots=ballots, missing=', '.join(missing)))
        frame = merge_into(frame, result)
        problems = Problems()
        units = frame[UNIT_KEY].to_numpy(dtype=object)
        for k in result.table.columns[1:]:
            problems.add_many(np.flatnonzero(frame[k].isna().to_numpy()),
                              lambda i, k=k: _("{ballots}: no valid ballot of {k} for {units}").format(
                                                 ballots=ballots, k=k, units=units[i]))
        for f in scheme.unit_fields():
            if f.key not in supplied:
                problems.add_many(np.flatnonzero(frame[f.key].isna().to_numpy()),
                                  lambda i, f=f: _("{ballots}: {units} is on ballots but has no {key} in {path}").format(
                                                     ballots=ballots, units=units[i], key=f.key, path=path))
        problems.raise_if_any()
    sub_frame = None
    if any(i.per_subunit for i in scheme.indicators):
        source, sub_sheet = subunits, None
        if source is None and Path(path).suffix.lower() == ".xlsx":
            source, sub_sheet = path, f"{scheme.subunit}录入"
        if source is None:
            raise InputError(_("scheme {id} scores each {subunit} and averages them: give the per-{subunit} "
                                "inputs with --subunits FILE (see `gridxl fields {id}`)").format(
                                 id=scheme.id, subunit=scheme.subunit))
        sub_frame, rows, where, col_of = _read_located(source, scheme, "subunit", sub_sheet, False, frozenset(),
                                                     rename)
        _check_grid_units(sub_frame, rows, where, col_of[UNIT_KEY], frame[UNIT_KEY], scheme)
    return frame, sub_frame


__all__ = ["InputError", "MAX_ERRORS_SHOWN", "Where", "column_letter", "header_names", "header_normaliser",
           "normalise_header",
           "parse_number", "read_ballots", "read_raw", "read_scheme_inputs", "read_table", "UNIT_HEADERS"]
