"""The hidden _gridxl sheet: what gridxl writes into a template about itself, and reading it back."""
from __future__ import annotations

import hashlib
import math
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from gridxl import __version__
from gridxl.core.catalog import get_scheme
from gridxl.core.excel_math import format_number
from gridxl.core.scheme import Scheme
from gridxl.io import inputs
from gridxl.engine.cached_values import Package
from gridxl.workbook.limits import LimitError, check_layout_bounds, layout_column, layout_number
from gridxl.workbook.template_plan import META, Plan, TemplateError, is_builtin


def scheme_digest(scheme: Scheme) -> str:
    try:
        return hashlib.sha256(Path(scheme.path).read_bytes()).hexdigest()[:16]
    except OSError:
        return ""


@dataclass
class Layout:
    """What gridxl wrote into a template about itself, read back from its _gridxl sheet."""

    scheme: str
    scheme_file: str
    scheme_digest: str
    version: str
    formulas: str
    period: str
    unit_rows: int
    subunit_rows: int
    units: list[str]
    columns: dict[tuple[str, str, str], int]  # (sheet, role, key) -> column number
    sheet_rows: dict[str, tuple[int, int]]  # sheet -> (first, last) data row

    def column(self, sheet: str, role: str, key: str) -> int | None:
        return self.columns.get((sheet, role, key))


META_KEYS = ("gridxl", "scheme", "scheme_file", "scheme_digest", "formulas", "period", "unit_rows", "subunit_rows")


def meta_rows(plan: Plan, units: list[str] | None) -> list[list]:
    s = plan.scheme
    builtin = is_builtin(s)
    rows = [["gridxl", __version__, "本表供 gridxl 读取（recalc / check / score），请勿修改或删除。"],
            ["scheme", s.id, s.name],
            ["scheme_file", "" if builtin else str(Path(s.path).resolve()), "内置方案" if builtin else "方案文件"],
            ["scheme_digest", scheme_digest(s), "方案文件 SHA-256（前16位）"],
            ["formulas", plan.mode, "native：原生公式；udf：GRID_* 自定义函数"],
            ["period", plan.period, plan.period_text],
            ["unit_rows", plan.unit_rows, ""],
            ["subunit_rows", plan.subunit_rows, ""],
            [],
            ["sheet", "column", "role", "key", "first_row", "last_row", "header"]]
    for sheet in plan.sheets():
        for c in sheet.columns:
            rows.append([sheet.name, c.letter, c.role, c.key, sheet.first, sheet.last, c.header.replace("\n", "")])
    rows.append([])
    rows.append(["units", len(units or [])])
    for u in units or []:
        rows.append(["unit", u])
    return rows

def read_layout(pkg: Package) -> Layout | None:
    """The layout recorded in a template, or None when the file has no _gridxl sheet.

    Every number is checked against the cells the workbook holds (a TemplateError names the damage).
    """
    try:
        layout = _read_layout(pkg)
        if layout is not None:
            check_layout_bounds(layout, pkg, META)  # a tampered unit_rows = 1000000 must not run for minutes
    except LimitError as exc:
        raise TemplateError(str(exc)) from None
    return layout


def _read_layout(pkg: Package) -> Layout | None:
    if META not in pkg.sheet_names:
        return None
    values = pkg.cells(META).values()
    rows: dict[int, dict[int, object]] = {}
    for (r, c), v in values.items():
        rows.setdefault(r, {})[c] = v
    meta = {}
    rows_of: dict[int, str] = {}
    columns: dict[tuple[str, str, str], int] = {}
    sheet_rows = {}
    units = []
    table = False
    for r in sorted(rows):
        row = rows[r]
        first = row.get(1)
        if first == "sheet" and row.get(2) == "column":
            table = True
            continue
        if first == "units":
            table = False
            continue
        if first == "unit" and not table:
            units.append("" if row.get(2) is None else str(row.get(2)))
            continue
        if table and first is not None and row.get(2):
            key = "" if row.get(4) is None else str(row.get(4))
            columns[(str(first), str(row.get(3)), key)] = layout_column(pkg, r, row.get(2))
            sheet_rows[str(first)] = (layout_number(pkg, r, 5, row.get(5)), layout_number(pkg, r, 6, row.get(6)))
        elif not table and first in META_KEYS:
            meta[first] = row.get(2)
            rows_of[r] = first
    if "scheme" not in meta:
        return None

    def text(k):
        v = meta.get(k)
        return "" if v is None else (format_number(v, 0) if isinstance(v, float) else str(v))
    def rows(k):
        r = next((r for r in sorted(rows_of) if rows_of[r] == k), 0)
        return layout_number(pkg, r, 2, meta.get(k) or 0)
    return Layout(scheme=text("scheme"), scheme_file=text("scheme_file"), scheme_digest=text("scheme_digest"),
                  version=text("gridxl"), formulas=text("formulas") or "native", period=text("period"),
                  unit_rows=rows("unit_rows"), subunit_rows=rows("subunit_rows"),
                  units=units, columns=columns, sheet_rows=sheet_rows)


def read_unit_names(path: str | Path) -> list[str]:
    """Unit names from a .txt (one per line) or the unit column of a .csv/.xlsx (else its first column)."""
    p = Path(path)
    if p.suffix.lower() == ".txt":
        if not p.exists():
            raise inputs.InputError(f"{p}: no such file")
        try:
            text = p.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            text = p.read_text(encoding="gb18030", errors="replace")
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")  # not splitlines(): \x0b is no line end
        return [unicodedata.normalize("NFKC", line).strip() for line in lines if line.strip()]
    raw, _ = inputs.read_raw(p)
    heads = {inputs.normalise_header(h) for h in inputs.UNIT_HEADERS}
    col, start = 0, 0
    if len(raw):
        first = [inputs.normalise_header(c) if isinstance(c, str) else "" for c in raw.iloc[0].tolist()]
        for j, h in enumerate(first):
            if h in heads:
                col, start = j, 1
                break
    out = []
    for v in raw.iloc[start:, col].tolist() if len(raw) else []:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            continue
        name = unicodedata.normalize("NFKC", str(v)).strip()
        if name:
            out.append(name)
    return out


def scheme_of(layout: Layout, override: str | None = None) -> Scheme:
    """The scheme a template was made with (a built-in by id, or the recorded file), or ``override``."""
    if override:
        return get_scheme(override)
    recorded = Path(layout.scheme_file) if layout.scheme_file else None
    if recorded is not None and recorded.suffix.lower() == ".toml" and recorded.is_file():  # never another kind of file
        return get_scheme(str(recorded))
    return get_scheme(layout.scheme)


def plan_of(layout: Layout, scheme: Scheme, marks: bool = True, shares: bool = True) -> Plan:
    """The plan a template was made with; ``marks=False``: its formulas as gridxl wrote them before 输入有误,
    ``shares=False``: before a numerator above its denominator showed 输入有误 too."""
    return Plan(scheme, layout.formulas, layout.unit_rows, layout.subunit_rows or None, layout.period or None, marks,
                shares)
