"""The 通报's Excel companion: the ranking table, a native bar chart of totals, the district figures.

Written with XlsxWriter (every text by ``write_string``: a unit named ``=1+1`` stays text).
Printed as an office files it: A4 landscape; the ranking table on one page (title, header,
every unit, the notes); the chart on a sheet and page of its own, sized to the page, with
data labels and unit names in a readable size (names slanted when there are many units);
the district figures fitted one page wide with their long texts wrapped.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from gridxl.reports.bulletin import RANKING_NOTE, Bulletin, ranking_rows, scored_as_extra
from ..core.excel_math import format_number
from ..core.scheme import UNIT_KEY
from gridxl.io.outputs import atomic_path, refuse_overwrite
from gridxl.io.xlsx_table import write_text
from gridxl.io.sheet_text import display_width
from gridxl.engine.cached_values import col_letters

RANKING, CHART = "排名", "总分图"
FOOTER = "&L&A&R第 &P 页，共 &N 页"  # sheet name and page, as on the templates
MARGINS = dict(left=0.5, right=0.5, top=0.6, bottom=0.6)
CHART_SIZE = (1000, 620)  # pixels at 96 dpi: about 26.5 × 16.4 cm, inside a landscape A4 page
SLANT_FROM = 10  # unit names are slanted when more units than this share the axis


def _num(v):
    if v is None:
        return None
    v = float(v)
    if not np.isfinite(v):
        return None
    return int(v) if v.is_integer() else v


def _write(ws, row, col, value, fmt=None):
    """Text as text, numbers as numbers, blanks as formatted blanks: never a formula."""
    if value is None:
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, str):
        write_text(ws, row, col, value, fmt)
    else:
        ws.write_number(row, col, value, fmt)


def _a4_landscape(ws, wide: int = 1, tall: int = 0):
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(wide, tall)
    ws.set_margins(**MARGINS)
    ws.center_horizontally()
    ws.set_footer(FOOTER)


def _quoted(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _ranking_sheet(wb, b: Bulletin, f):
    s = b.scheme
    ws = wb.add_worksheet(RANKING)
    header, _ = ranking_rows(b)
    ncol = len(header)
    ws.merge_range(0, 0, 0, ncol - 1, "", f["title"])
    write_text(ws, 0, 0, f"{b.period_label}{s.title or s.name}", f["title"])
    ws.set_row(0, 30)
    for j, h in enumerate(header):
        write_text(ws, 1, j, h, f["head"])
    ws.set_row(1, 48)
    for i, (_, r) in enumerate(b.ranking.iterrows(), start=2):
        values = [int(r["rank"]), str(r[UNIT_KEY])] + [_num(r[ind.key]) for ind in s.indicators] + [_num(r["total"])]
        if "grade" in b.ranking.columns:
            values.append(str(r["grade"]))
        if b.has_movement:
            values.append(str(r["movement"]))
        for j, v in enumerate(values):
            _write(ws, i, j, v, f["cell"] if j != 1 else f["name"])
    last = 1 + len(b.ranking)
    names = [display_width(str(u)) for u in b.ranking[UNIT_KEY]]
    ws.set_column(0, 0, 6)
    ws.set_column(1, 1, min(max(names + [8]) + 2, 24))
    ws.set_column(2, ncol - 1, 9)
    notes = [RANKING_NOTE, b.wording.below_definition()]
    for k, text in enumerate(notes):
        row = last + 2 + k
        ws.merge_range(row, 0, row, ncol - 1, "", f["note"])
        write_text(ws, row, 0, text, f["note"])
        ws.set_row(row, 18 * max(1, -(-display_width(text) // (6 + 24 + 9 * (ncol - 2)))))
    ws.freeze_panes(2, 2)
    ws.repeat_rows(1)
    ws.print_area(0, 0, last + 1 + len(notes), ncol - 1)
    _a4_landscape(ws, 1, 1)  # the whole table on one page, as the seed prints it
    return ws, header, last


def _chart_sheet(wb, b: Bulletin, header: list[str], last: int):
    s = b.scheme
    ws = wb.add_worksheet(CHART)
    total_col = header.index("总分")
    src = _quoted(RANKING)
    col = chr(ord("A") + total_col) if total_col < 26 else None
    if col is None:  # more than 24 indicators: a two-letter column
        col = col_letters(total_col + 1)
    chart = wb.add_chart({"type": "column"})
    chart.add_series({
        "name": "总分",
        "categories": f"={src}!$B$3:$B${last + 1}",
        "values": f"={src}!${col}$3:${col}${last + 1}",
        "fill": {"color": "#4472C4"},
        "gap": 60,
        "data_labels": {"value": True, "position": "outside_end", "num_format": "General",
                        "font": {"size": 9, "name": "宋体"}},
    })
    many = len(b.ranking) > SLANT_FROM
    chart.set_title({"name": f"{b.period_label}各{s.unit}总分", "name_font": {"size": 14, "name": "宋体"}})
    chart.set_x_axis({"num_font": {"size": 10, "name": "宋体", "rotation": -45 if many else 0},
                      "major_tick_mark": "none"})
    chart.set_y_axis({"name": "总分", "min": 0, "max": float(s.total_points) if s.total_points > 0 else None,
                      "num_font": {"size": 9}, "name_font": {"size": 10, "name": "宋体"},
                      "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    chart.set_legend({"none": True})
    chart.set_size({"width": CHART_SIZE[0], "height": CHART_SIZE[1]})
    ws.insert_chart("A1", chart, {"object_position": 3})
    # the print area covers the chart: 1000 × 620 px is 16 columns of 64 px and 31 rows of 20 px
    ws.print_area(0, 0, 31, 15)
    _a4_landscape(ws, 1, 1)
    return ws


def _figures_sheet(wb, b: Bulletin, f):
    w = b.wording
    fs = wb.add_worksheet(f"{w.area}指标")
    heads = ["序号", "指标", "满分", "计算口径", f"{w.area}数据", "分子合计", "分母合计", f"{w.area}值", "标准",
             f"未达标{w.who}数", f"未达标{w.who}"]
    widths = (6, 14, 8, 20, 40, 11, 11, 10, 11, 9, 40)
    fs.merge_range(0, 0, 0, len(heads) - 1, "", f["title"])
    write_text(fs, 0, 0, f"{b.period_label}{w.area}各项指标情况", f["title"])
    fs.set_row(0, 30)
    for j, h in enumerate(heads):
        write_text(fs, 1, j, h, f["head"])
    for j, width in enumerate(widths):
        fs.set_column(j, j, width)
    for i, fig in enumerate(b.figures, start=2):
        ind = fig.indicator
        extra = scored_as_extra(ind)
        below = [] if extra else fig.below
        row = [i - 1, ind.name, "加减分" if extra else _num(ind.points), fig.label,
               "；".join(f"{x.label}{format_number(x.total, 4)}{x.unit}" for x in fig.fields),
               _num(fig.numerator), _num(fig.denominator), fig.value_text(b.figure_digits),
               fig.standard_text(), len(below), "、".join(u for u, _ in below)]
        for j, v in enumerate(row):
            _write(fs, i, j, v, f["wrap"])
        longest = max(display_width(str(v or "")) / max(widths[j] - 1, 1) for j, v in enumerate(row))
        fs.set_row(i, 15 * max(1, int(-(-longest // 1))))
    fs.repeat_rows(1)
    fs.print_area(0, 0, len(b.figures) + 1, len(heads) - 1)
    _a4_landscape(fs, 1, 0)




def write_xlsx(b: Bulletin, path: str | Path, inputs=()) -> Path:
    """The ranking table, its chart on a page of its own, and the district figures (atomically)."""
    import xlsxwriter


    path = Path(path)
    refuse_overwrite(path, inputs)
    with atomic_path(path) as out:
        wb = xlsxwriter.Workbook(str(out), {"strings_to_formulas": False, "strings_to_urls": False})
        font = {"font_name": "宋体", "font_size": 10}
        box = {"border": 1, "align": "center", "valign": "vcenter"}
        f = {"title": wb.add_format({"font_name": "宋体", "font_size": 14, "bold": True, "align": "center",
                                     "valign": "vcenter"}),
             "head": wb.add_format({**font, **box, "bold": True, "text_wrap": True, "bg_color": "#DDEBF7"}),
             "cell": wb.add_format({**font, **box}),
             "name": wb.add_format({**font, **box, "align": "left"}),
             "note": wb.add_format({**font, "text_wrap": True, "valign": "top"}),
             "wrap": wb.add_format({**font, "border": 1, "text_wrap": True, "valign": "top"})}
        _, header, last = _ranking_sheet(wb, b, f)
        _chart_sheet(wb, b, header, last)
        _figures_sheet(wb, b, f)
        wb.close()
    return path
