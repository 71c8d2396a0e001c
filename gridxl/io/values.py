"""Judging a whole column of a clerk's file at once: numbers, rates, counts, names.

The rules are those of :func:`parse_number` (one cell), applied with vectorised
string and numeric operations so a million rows cost about what pandas' own
parsing costs:

* full-width digits and signs (１２３, ．, ％) are read as ASCII (NFKC); spaces,
  non-breaking and ideographic spaces, and thousands separators (1,234) are removed;
* a percent sign belongs in rate fields only: "95%" is 0.95;
* a rate column is read **one way for the whole column**: when any plain number
  in it is above 1 (98), the column writes percents, so 98 is 98%, and a plain
  number from 0 to 1 in it (1, 0.95) is refused as ambiguous (type 1% or 100%);
  otherwise the column writes fractions (0.95 is 95%, 1 is 100%);
* TRUE/FALSE and dates (Excel turns a typed 3-5 into a date) are never numbers;
* whole numbers in count fields, 0/1 in flags, and each field's bounds.

Each cell gets the first rule it breaks, as a reason code; the caller names the
cell.  Unit names are normalised the same way everywhere (NFKC, invisible
characters dropped, spaces between Chinese characters dropped), so two names
that differ only by an invisible character are the same unit.
"""
from __future__ import annotations

import datetime as dt
import unicodedata
from numbers import Number

import numpy as np
import pandas as pd

from gridxl.core.scheme import FIELD_TYPES, FieldSpec
from gridxl.core.translate import gettext
from gridxl.i18n import _, language

# Patterns are written with literal characters (no \\s, \\d or \\u escapes) so pandas runs them in
# pyarrow's RE2 engine instead of falling back to Python's re, cell by cell.
_NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_THOUSANDS = r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?"
_SPACES = "[ \t\n\r\f\v\u00a0\u3000]"
_INVISIBLE = "[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]"
_CJK = "\u3400-\u9fff\uf900-\ufaff"
_NFKC_STABLE = "[!-~\u4e00-\u9fff]*"  # printable ASCII and common ideographs: NFKC leaves them as they are
_DATE_LIKE = r"[0-9]{1,4}[-/.年][0-9]{1,2}(?:[-/.月][0-9]{1,4})?日?|[0-9]{1,2}-[A-Za-z]{3}(?:-[0-9]{2,4})?"
_BOOLEAN_TEXT = r"(?i:true|false)"


def _nfkc(text: pd.Series) -> pd.Series:
    """NFKC of a text column, computed only for the cells it can change (pandas does NFKC in Python)."""
    text = text.astype(str)
    changing = ~text.str.fullmatch(_NFKC_STABLE).to_numpy(dtype=bool)
    if changing.any():
        text = text.copy()
        text[changing] = [unicodedata.normalize("NFKC", v) for v in text[changing]]
    return text


OK, BLANK, TEXT, BOOLEAN, DATE, PERCENT_SIGN, FRACTION, NOT_FLAG, BELOW, ABOVE, AMBIGUOUS_RATE = range(11)


def expected_text(spec: FieldSpec, reason: int) -> str:
    """What the cell should hold, for the message of a cell refused with ``reason``."""
    kind = gettext(FIELD_TYPES[spec.type])
    lo, hi = spec.bounds()
    if reason == PERCENT_SIGN:
        return _("{kind} (a percent sign belongs in rate fields only)").format(kind=kind)
    if reason == FRACTION:
        return gettext(FIELD_TYPES["count"])
    if reason == NOT_FLAG:
        return gettext(FIELD_TYPES["flag"])
    if reason == BELOW:
        return kind if spec.type == "count" else _("{kind}, at least {lo:g}").format(kind=kind, lo=lo)
    if reason == ABOVE:
        return _("{kind}, at most {hi:g}").format(kind=kind, hi=hi)
    if reason == BOOLEAN:
        return _("{kind} (TRUE/FALSE is not a number)").format(kind=kind)
    if reason == DATE:
        return _("{kind} (this cell holds a date: Excel turns a typed 3-5 into a date; format the cell as a "
                 "number and type it again)").format(kind=kind)
    if reason == AMBIGUOUS_RATE:
        return _("a rate written like the rest of its column, which writes percents (98 means 98%): "
                 "type 1% or 100% to say which")
    return kind


def shown(value) -> str:
    """A cell's value as a message quotes it: '八十', '-5', TRUE, 2026-03-05."""
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (dt.date, dt.time, dt.timedelta)):
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
    if isinstance(value, Number):
        x = float(value)
        return quoted(str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x))
    return quoted(value)


def quoted(text) -> str:
    """'八十' in English, “八十” in Chinese messages."""
    return f"“{text}”" if language() == "zh" and isinstance(text, str) else repr(text)


def _category(kind: type) -> str:
    if issubclass(kind, (bool, np.bool_)):
        return "bool"
    if issubclass(kind, (dt.date, dt.time, dt.timedelta)):
        return "date"
    if issubclass(kind, Number):
        return "number"
    return "text"


def _categories(col: pd.Series) -> pd.Series:
    """Per cell: 'number', 'text', 'bool', 'date' or NaN (empty), by the Python type of the value."""
    kinds = col.map(type, na_action="ignore")
    table = {k: _category(k) for k in kinds.dropna().unique()}
    return kinds.map(table)


def _parse_text(text: pd.Series):
    """(value, blank, percent, reason) for text cells, vectorised."""
    t = _nfkc(text).str.replace(_SPACES, "", regex=True)
    blank = (t == "").to_numpy()
    percent = t.str.endswith("%").to_numpy(dtype=bool)
    t = t.str.rstrip("%")
    thousands = t.str.fullmatch(_THOUSANDS).to_numpy(dtype=bool)
    if thousands.any():
        t = t.where(~thousands, t.str.replace(",", "", regex=False))
    valid = t.str.fullmatch(_NUMBER).to_numpy(dtype=bool)
    value = np.full(len(t), np.nan)
    if valid.any():
        value[valid] = t[valid].astype(float).to_numpy()
    reason = np.where(valid | blank, OK, TEXT).astype(np.int8)
    if (reason == TEXT).any():  # text a spreadsheet would have read as a date or a truth value
        reason[t.str.fullmatch(_DATE_LIKE).to_numpy(dtype=bool) & ~valid] = DATE
        reason[t.str.fullmatch(_BOOLEAN_TEXT).to_numpy(dtype=bool) & ~valid] = BOOLEAN
    return value, blank, percent & valid, reason


def number_column(col: pd.Series, spec: FieldSpec, allow_blank: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(values, reasons): the column's numbers (NaN where blank or refused) and a reason code per cell."""
    n = len(col)
    value = np.full(n, np.nan)
    reason = np.zeros(n, np.int8)
    percent = np.zeros(n, bool)
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        value[:] = col.to_numpy(dtype=float, na_value=np.nan)
        blank = np.isnan(value)
    else:
        cats = _categories(col).to_numpy(dtype=object)
        blank = np.array(pd.isna(cats), dtype=bool)
        is_number = cats == "number"
        if is_number.any():
            value[is_number] = col[is_number].astype(float).to_numpy()
        is_text = cats == "text"
        if is_text.any():
            v, b, p, r = _parse_text(col[is_text])
            idx = np.flatnonzero(is_text)
            value[idx] = v
            blank[idx[b]] = True
            percent[idx] = p
            reason[idx] = r
        reason[cats == "bool"] = BOOLEAN
        reason[cats == "date"] = DATE
    if not allow_blank:
        reason[blank & (reason == OK)] = BLANK
    good = (reason == OK) & ~blank
    if spec.type != "rate":
        reason[good & percent] = PERCENT_SIGN
    else:
        value[good & percent] /= 100
        plain = good & ~percent
        as_percent = plain & (value > 1) & (value <= 100)
        if as_percent.any():
            reason[plain & (value > 0) & (value <= 1)] = AMBIGUOUS_RATE
            value[as_percent] /= 100
    good = (reason == OK) & ~blank
    lo, hi = spec.bounds()
    with np.errstate(invalid="ignore"):
        if spec.type == "count":
            reason[good & (value != np.floor(value))] = FRACTION
        if spec.type == "flag":
            reason[good & (value != 0) & (value != 1)] = NOT_FLAG
        good = (reason == OK) & ~blank
        if lo is not None:
            reason[good & (value < lo)] = BELOW
        good = (reason == OK) & ~blank
        if hi is not None:
            reason[good & (value > hi)] = ABOVE
    value[reason != OK] = np.nan
    return value, reason


def cell_texts(col: pd.Series) -> pd.Series:
    """Text cells as they read (NFKC, stripped); numbers as their short text; blanks as ''."""
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        x = col.to_numpy(dtype=float, na_value=np.nan)
        out = pd.Series([""] * len(col), dtype=object)
        ok = ~np.isnan(x)
        whole = ok & (x == np.floor(x)) & (np.abs(x) < 1e15)
        out[whole] = x[whole].astype(np.int64).astype(str)
        out[ok & ~whole] = x[ok & ~whole].astype(str)
        return out.astype(str)
    if not pd.api.types.is_string_dtype(col) or col.dtype == object:
        col = col.map(_cell_text, na_action="ignore")
    return _nfkc(col.fillna("")).str.strip()


def _cell_text(value) -> str:
    if isinstance(value, Number) and not isinstance(value, (bool, np.bool_)):
        x = float(value)
        return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    return str(value)


def name_column(col: pd.Series) -> pd.Series:
    """Unit (or grid) names, normalised so that names differing only by invisible characters are equal.

    NFKC (full-width letters and digits, non-breaking and ideographic spaces become
    ordinary), zero-width and other invisible characters dropped, runs of spaces made
    one, spaces between two Chinese characters dropped ('罗坊 镇' is '罗坊镇').
    """
    names = cell_texts(col)
    odd = ~names.str.fullmatch("[!-~\u4e00-\u9fff]*").to_numpy(dtype=bool)
    if odd.any():  # only names holding spaces or invisible characters need the rest
        fixed = names[odd].str.replace(_INVISIBLE, "", regex=True)
        fixed = fixed.str.replace(_SPACES + "+", " ", regex=True).str.strip()
        between = f"([{_CJK}]) ([{_CJK}])"
        for _pass in range(2):  # overlapping pairs: 罗 坊 镇
            fixed = fixed.str.replace(between, r"\1\2", regex=True)
        names = names.copy()
        names[odd] = fixed
    return names


def normalise_name(text) -> str:
    """One name, normalised as :func:`name_column` does."""
    return name_column(pd.Series([text], dtype=object)).iloc[0]


def parse_number(raw, spec: FieldSpec) -> tuple[float | None, str | None]:
    """One cell: (value, None) or (None, what was expected). Blank gives (nan, None).

    A single cell is read as a column of its own: 95 in a rate field is 95%.
    """
    value, reason = number_column(pd.Series([raw], dtype=object), spec, allow_blank=True)
    if reason[0] != OK:
        return None, expected_text(spec, int(reason[0]))
    return float(value[0]), None


def is_blank(col: pd.Series) -> np.ndarray:
    """Cells that are empty or hold only spaces."""
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        return np.isnan(col.to_numpy(dtype=float, na_value=np.nan))
    empty = col.isna().to_numpy().copy()
    text = ~empty if col.dtype != object else (_categories(col) == "text").to_numpy(dtype=bool)
    if text.any():
        spaces = col[text].astype(str).str.fullmatch(_SPACES + "*").to_numpy(dtype=bool)
        empty[np.flatnonzero(text)[spaces]] = True
    return empty


__all__ = ["number_column", "name_column", "normalise_name", "cell_texts", "parse_number", "expected_text",
           "shown", "quoted", "is_blank"]
