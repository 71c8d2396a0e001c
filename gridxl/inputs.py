"""Reading a clerk's table (CSV or xlsx) into the frame the scoring core takes.

Columns may be headed by field key (``gw_total``), by Chinese label (网格员总数)
or by label with unit (网格员总数（人）).  Values are normalised the way a clerk
types them, each normalisation documented in the README's bad-input table:

* full-width digits and signs (１２３, ．, ％) are read as ASCII (NFKC);
* spaces, non-breaking spaces and thousands separators (1,234) are removed;
* in a ``rate`` field "95%" is 0.95, and a number above 1 (95) is read as a percent;
* numbers stored as text are numbers.

Everything else (text in a number field, negatives, a fraction in a count,
a duplicate unit, a missing column) is an :class:`InputError` naming the file,
the sheet, the cell (or CSV line) and what was expected.  Blank rows are skipped.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .core.scheme import FIELD_TYPES, SUBUNIT_KEY, UNIT_KEY, FieldSpec, Scheme

UNIT_HEADERS = ("unit", "单位", "名称", "单位名称", "乡镇", "乡镇（办）", "乡镇（街道）", "镇街", "村（社区）",
                "村/社区", "社区", "网格员", "姓名", "被考核单位", "被考核人")
SUBUNIT_HEADERS = ("subunit", "网格", "网格名称")
MAX_ERRORS_SHOWN = 20


class InputError(ValueError):
    """A clerk's file cannot be read as scheme inputs; lists every bad cell."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        shown = self.problems[:MAX_ERRORS_SHOWN]
        more = len(self.problems) - len(shown)
        text = shown[0] if len(shown) == 1 else "\n  " + "\n  ".join(shown)
        super().__init__(text + (f"\n  … and {more} more" if more > 0 else ""))


def normalise_header(text) -> str:
    text = unicodedata.normalize("NFKC", str(text))
    return re.sub(r"[\s\u00a0\u3000*＊]", "", text).replace("(", "（").replace(")", "）").lower()


def header_names(spec: FieldSpec) -> set[str]:
    names = {spec.key, spec.label, spec.header, f"{spec.label}({spec.unit})"}
    return {normalise_header(n) for n in names}


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass
class Where:
    """How to name a cell of the source in a message."""

    path: str
    sheet: str | None
    header_row: int  # 1-based row of the header in the file

    def cell(self, row_offset: int, col: int) -> str:
        row = self.header_row + 1 + row_offset
        if self.sheet is None:
            return f"{self.path}, line {row}, column {col + 1}"
        return f"{self.path}, sheet {self.sheet!r}, cell {column_letter(col)}{row}"


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_number(raw, spec: FieldSpec) -> tuple[float | None, str | None]:
    """(value, None) or (None, what was expected). Blank gives (nan, None)."""
    if raw is None or (isinstance(raw, float) and np.isnan(raw)):
        return float("nan"), None
    percent = False
    if isinstance(raw, bool):
        value = float(raw)
    elif isinstance(raw, (int, float, np.integer, np.floating)):
        value = float(raw)
    else:
        text = unicodedata.normalize("NFKC", str(raw))
        text = re.sub(r"[\s\u00a0\u3000]", "", text)
        if text == "":
            return float("nan"), None
        percent = text.endswith("%")
        text = text.rstrip("%")
        if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?", text):
            text = text.replace(",", "")
        if not _NUMBER.match(text):
            return None, FIELD_TYPES[spec.type]
        value = float(text)
        if percent:
            if spec.type != "rate":
                return None, FIELD_TYPES[spec.type] + " (a percent sign belongs in rate fields only)"
            value = value / 100
    if spec.type == "rate" and not percent and 1 < value <= 100:
        value = value / 100  # 95 in a rate field means 95%
    lo, hi = spec.bounds()
    if spec.type == "count" and not float(value).is_integer():
        return None, FIELD_TYPES["count"]
    if spec.type == "flag" and value not in (0.0, 1.0):
        return None, FIELD_TYPES["flag"]
    if lo is not None and value < lo:
        return None, FIELD_TYPES[spec.type] if spec.type == "count" else f"{FIELD_TYPES[spec.type]}, at least {lo:g}"
    if hi is not None and value > hi:
        return None, f"{FIELD_TYPES[spec.type]}, at most {hi:g}"
    return value, None


def _find_header(raw: pd.DataFrame, wanted: set[str]) -> int:
    """The first of the top rows that names the unit column or most fields (templates have titles above)."""
    best, best_hits = 0, -1
    for i in range(min(len(raw), 15)):
        cells = {normalise_header(c) for c in raw.iloc[i].tolist() if isinstance(c, str)}
        hits = len(cells & wanted)
        if hits > best_hits:
            best, best_hits = i, hits
    return best


def read_raw(path: str | Path, sheet: str | None = None) -> tuple[pd.DataFrame, str | None]:
    """The file's cells as text/numbers with no header interpretation; (frame, sheet name or None)."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, expected a .csv or .xlsx file")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                frame = pd.read_csv(path, header=None, dtype=str, keep_default_na=False, encoding=encoding,
                                    skip_blank_lines=False)
                return frame, None
            except UnicodeDecodeError:
                continue
            except pd.errors.EmptyDataError:
                raise InputError(f"{path}: the file is empty") from None
            except pd.errors.ParserError as exc:
                raise InputError(f"{path}: not a readable CSV table ({exc})") from None
        raise InputError(f"{path}: not UTF-8 or GB18030 text")
    if suffix in (".xlsx", ".xlsm"):
        from .xlsx_safety import open_workbook_values
        return open_workbook_values(path, sheet)
    raise InputError(f"{path}: expected a .csv or .xlsx file, got {suffix or 'no extension'!r}")


def read_table(path: str | Path, scheme: Scheme, level: str = "unit", sheet: str | None = None,
               allow_blank: bool = False, supplied: frozenset = frozenset()) -> pd.DataFrame:
    """A clerk's file as a frame: ``unit`` (and ``subunit``), then one float column per field key.

    ``supplied``: field keys that come from elsewhere (ballot averages) and need no column.
    """
    raw, sheet_name = read_raw(path, sheet)
    specs = [f for f in scheme.fields if f.level == level and f.key not in supplied]
    unit_names = {normalise_header(h) for h in UNIT_HEADERS + (scheme.unit,)}
    sub_names = {normalise_header(h) for h in SUBUNIT_HEADERS + ((scheme.subunit,) if scheme.subunit else ())}
    wanted = unit_names | set().union(*(header_names(s) for s in specs)) if specs else unit_names
    header_at = _find_header(raw, wanted)
    where = Where(str(path), sheet_name, header_at + 1)
    headers = [normalise_header(c) if c is not None else "" for c in raw.iloc[header_at].tolist()] \
        if len(raw) else []
    body = raw.iloc[header_at + 1:]
    col_of: dict[str, int] = {}
    for j, h in enumerate(headers):
        if h in unit_names and UNIT_KEY not in col_of:
            col_of[UNIT_KEY] = j
        elif level == "subunit" and h in sub_names and SUBUNIT_KEY not in col_of:
            col_of[SUBUNIT_KEY] = j
        for spec in specs:
            if h in header_names(spec) and spec.key not in col_of:
                col_of[spec.key] = j
    problems = []
    if UNIT_KEY not in col_of:
        problems.append(f"{where.path}: no unit column: head one column `unit` or {scheme.unit}")
    missing = [f"{s.key} ({s.header})" for s in specs if s.key not in col_of]
    if missing:
        problems.append(f"{where.path}: missing column(s): {', '.join(missing)}")
    if problems:
        raise InputError(problems)
    keep = []
    for i in range(len(body)):
        row = body.iloc[i]
        cells = [row.iloc[j] for j in col_of.values()]
        if all(c is None or (isinstance(c, float) and np.isnan(c)) or str(c).strip() == "" for c in cells):
            continue  # empty rows in the middle of a sheet are skipped
        keep.append(i)
    out = {}
    units = []
    for i in keep:
        raw_unit = body.iloc[i].iloc[col_of[UNIT_KEY]]
        name = "" if raw_unit is None or (isinstance(raw_unit, float) and np.isnan(raw_unit)) else \
            unicodedata.normalize("NFKC", str(raw_unit)).strip().replace("\u00a0", "")
        if not name:
            problems.append(f"{where.cell(i, col_of[UNIT_KEY])}: the unit name is blank")
        units.append(name)
    out[UNIT_KEY] = units
    if level == "subunit":
        if SUBUNIT_KEY in col_of:
            out[SUBUNIT_KEY] = [str(body.iloc[i].iloc[col_of[SUBUNIT_KEY]]).strip() for i in keep]
        else:
            out[SUBUNIT_KEY] = [f"{u}-{n + 1}" for n, u in enumerate(units)]
    else:
        seen = {}
        for n, (i, name) in enumerate(zip(keep, units)):
            if name and name in seen:
                problems.append(f"{where.cell(i, col_of[UNIT_KEY])}: unit {name!r} appears twice "
                                f"(first at {where.cell(seen[name], col_of[UNIT_KEY])})")
            seen.setdefault(name, i)
    for spec in specs:
        j = col_of[spec.key]
        values = []
        for i in keep:
            cell = body.iloc[i].iloc[j]
            if spec.type == "choice":
                text = "" if cell is None or (isinstance(cell, float) and np.isnan(cell)) else \
                    unicodedata.normalize("NFKC", str(cell)).strip()
                if spec.choices and text not in spec.choices:
                    problems.append(f"{where.cell(i, j)} ({spec.label}): expected one of "
                                    f"{', '.join(spec.choices)}, got {text!r}")
                values.append(text)
                continue
            value, expected = parse_number(cell, spec)
            if expected is not None:
                problems.append(f"{where.cell(i, j)} ({spec.label}, {spec.key}): expected {expected}, got {cell!r}")
            elif np.isnan(value) and not allow_blank:
                problems.append(f"{where.cell(i, j)} ({spec.label}, {spec.key}): blank, expected "
                                f"{FIELD_TYPES[spec.type]}")
            values.append(value if value is not None else float("nan"))
        out[spec.key] = values
    if problems:
        raise InputError(problems)
    frame = pd.DataFrame(out)
    for spec in specs:
        if spec.type != "choice":
            frame[spec.key] = frame[spec.key].astype(float)
    return frame


BALLOT_HEADERS = {
    "ballot": ("ballot", "评议票", "评议票编号", "票号"),
    "type": ("type", "票种", "评议票种类"),
    UNIT_KEY: ("unit", "被评议人", "姓名", "网格员", "网格管理员", "网格长"),
    "mark": ("mark", "分数", "评分", "得分"),
}


def read_ballots(path: str | Path, types: list[str]) -> pd.DataFrame:
    """民主评议 marks, one row per mark: ballot, type (A/B/C), unit (person), mark (0..100)."""
    raw, sheet_name = read_raw(path)
    names = {k: {normalise_header(h) for h in v} for k, v in BALLOT_HEADERS.items()}
    header_at = _find_header(raw, set().union(*names.values()))
    where = Where(str(path), sheet_name, header_at + 1)
    headers = [normalise_header(c) if c is not None else "" for c in raw.iloc[header_at].tolist()]
    col_of = {}
    for key, options in names.items():
        for j, h in enumerate(headers):
            if h in options and key not in col_of:
                col_of[key] = j
    missing = [f"{k} ({'/'.join(BALLOT_HEADERS[k][1:3])})" for k in names if k not in col_of]
    if missing:
        raise InputError(f"{path}: missing ballot column(s): {', '.join(missing)}")
    body = raw.iloc[header_at + 1:]
    rows, problems = [], []
    mark_spec = FieldSpec("mark", "分数", "score", max=100)
    for i in range(len(body)):
        cells = {k: body.iloc[i].iloc[j] for k, j in col_of.items()}
        if all(c is None or str(c).strip() in ("", "nan") for c in cells.values()):
            continue
        btype = unicodedata.normalize("NFKC", str(cells["type"])).strip().upper()
        if btype not in types:
            problems.append(f"{where.cell(i, col_of['type'])}: expected a ballot type {'/'.join(types)}, "
                            f"got {cells['type']!r}")
        value, expected = parse_number(cells["mark"], mark_spec)
        if expected is not None or (value is not None and np.isnan(value)):
            problems.append(f"{where.cell(i, col_of['mark'])}: expected a mark from 0 to 100, got {cells['mark']!r}")
        rows.append({"ballot": str(cells["ballot"]).strip(), "type": btype,
                     UNIT_KEY: unicodedata.normalize("NFKC", str(cells[UNIT_KEY])).strip(), "mark": value})
    if problems:
        raise InputError(problems)
    if not rows:
        raise InputError(f"{path}: no ballot rows")
    return pd.DataFrame(rows)


def read_scheme_inputs(scheme: Scheme, path: str | Path, subunits: str | Path | None = None,
                       sheet: str | None = None, ballots: str | Path | None = None):
    """Everything a scheme scores from, read from a clerk's files: (unit frame, subunit frame or None).

    Schemes that average grids take the per-grid table from ``subunits`` (or, in an xlsx, the sheet
    ``<subunit>录入``); schemes with 民主评议 take the marks from ``ballots``.
    """
    import sys

    if ballots and scheme.ballots is None:
        raise InputError(f"scheme {scheme.id} has no ballots; --ballots is for schemes such as minzhu-pingyi")
    supplied = frozenset(scheme.ballots.fields.values()) if ballots else frozenset()
    frame = read_table(path, scheme, sheet=sheet, supplied=supplied)
    if ballots:
        from .core.ballots import empty_types, merge_into, tally
        result = tally(scheme.ballots, read_ballots(ballots, list(scheme.ballots.fields)))
        if result.void:
            print(f"void ballots (every mark full): {', '.join(result.void)}", file=sys.stderr)
        missing = empty_types(result)
        if missing:
            raise InputError(f"{ballots}: no valid ballots of type {', '.join(missing)}: "
                             f"the weighted score cannot be made")
        frame = merge_into(frame, result)
        problems = [f"{ballots}: no valid ballot of {k} for {u}" for k in result.table.columns[1:]
                    for u, v in zip(frame[UNIT_KEY], frame[k]) if v != v]
        problems += [f"{ballots}: {u} is on ballots but has no {f.key} in {path}"
                     for f in scheme.unit_fields() if f.key not in supplied
                     for u, v in zip(frame[UNIT_KEY], frame[f.key]) if v != v]
        if problems:
            raise InputError(problems)
    sub_frame = None
    if any(i.per_subunit for i in scheme.indicators):
        source, sub_sheet = subunits, None
        if source is None and Path(path).suffix.lower() == ".xlsx":
            source, sub_sheet = path, f"{scheme.subunit}录入"
        if source is None:
            raise InputError(f"scheme {scheme.id} scores each {scheme.subunit} and averages them: give the "
                             f"per-{scheme.subunit} inputs with --subunits FILE (see `gridxl fields {scheme.id}`)")
        sub_frame = read_table(source, scheme, level="subunit", sheet=sub_sheet)
    return frame, sub_frame
