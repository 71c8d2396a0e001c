"""The look of a template: named cell styles, column widths, merged headers, sheet protection."""
from __future__ import annotations

import math

from gridxl.workbook.template_plan import Column
from gridxl.io.sheet_text import display_width


def _styles():
    from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Protection, Side

    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    grey = PatternFill("solid", start_color="F2F2F2", end_color="F2F2F2")
    head = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    font = "宋体"
    out = {}

    def style(name, **kw):
        st = NamedStyle(name=name)
        st.font = kw.get("font", Font(name=font, size=11))
        st.border = kw.get("border", border)
        st.alignment = kw.get("alignment", Alignment(vertical="center"))
        if "fill" in kw:
            st.fill = kw["fill"]
        st.number_format = kw.get("number_format", "General")
        st.protection = Protection(locked=kw.get("locked", True))
        out[name] = st

    style("gx_title", font=Font(name=font, size=16, bold=True), border=Border(),
          alignment=Alignment(horizontal="center", vertical="center"))
    style("gx_title_left", font=Font(name=font, size=16, bold=True), border=Border(),
          alignment=Alignment(horizontal="left", vertical="center"))
    style("gx_subtitle", font=Font(name=font, size=10, color="555555"), border=Border(),
          alignment=Alignment(horizontal="left", vertical="center"))
    style("gx_head", font=Font(name=font, size=10, bold=True), fill=head, alignment=centre)
    style("gx_hint", font=Font(name=font, size=9, italic=True, color="666666"), alignment=centre)
    style("gx_text", font=Font(name=font, size=10), border=Border(),
          alignment=Alignment(vertical="top", wrap_text=True))
    style("gx_cell", font=Font(name=font, size=10), alignment=Alignment(vertical="top", wrap_text=True))
    for fmt, suffix in (("General", "general"), ("0", "int"), ("0.00", "2dp"), ("0.00%", "pct"),
                        ("0.0000", "4dp"), ("@", "text")):
        style(f"gx_in_{suffix}", number_format=fmt, locked=False,
              alignment=Alignment(horizontal="left" if fmt in ("General", "@") else "right", vertical="center"))
        style(f"gx_f_{suffix}", number_format=fmt, fill=grey,
              alignment=Alignment(horizontal="center", vertical="center"))
    return out


_SUFFIX = {"General": "general", "0": "int", "0.00": "2dp", "0.00%": "pct", "0.0000": "4dp", "@": "text"}


def column_width(c: Column, values: list | None = None) -> float:
    """A width that fits the column's label (wrapped onto up to three lines for inputs) and names."""
    lines = [display_width(line) for line in c.header.split("\n")]
    if c.role == "seq":
        return 6
    if c.role in ("unit", "subunit") or c.key.startswith(("unit:", "subunit:")):
        names = [display_width(v) for v in values or [] if v]
        return min(max([max(lines) + 2, 10] + [n + 2 for n in names]), 24)
    if c.kind == "input":
        return min(max(math.ceil(sum(lines) / 3) + 3, 9), 16)
    return min(max(max(lines) + 2, 8), 14)


def _style_name(column: Column) -> str:
    prefix = "gx_in_" if column.kind == "input" else "gx_f_"
    return prefix + _SUFFIX.get(column.number_format, "general")


def _merge(ws, r1, c1, r2, c2, value, style):
    cell = ws.cell(row=r1, column=c1, value=value)
    cell.style = style
    for r in range(r1, r2 + 1):
        for c in range(c1, c2 + 1):
            if (r, c) != (r1, c1):
                ws.cell(row=r, column=c).style = style
    if (r1, c1) != (r2, c2):
        ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)


WIDE = 20  # more visible columns than this print across several pages, names repeated on each


def _protect(ws):
    """Protected without a password: locked (formula) cells cannot be typed over, widths can change."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.selectLockedCells = False
    ws.protection.selectUnlockedCells = False
