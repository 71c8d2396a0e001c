"""Writing a plan as an openpyxl workbook: 说明, the input sheets, 评分, 汇总 and the hidden _gridxl sheet.

openpyxl loads only when a workbook is written (reading a template back never needs it).
"""
from __future__ import annotations

import math

from gridxl.core.scheme import SUBUNIT_KEY, TOTAL_KEY, UNIT_KEY, FieldSpec
from gridxl.engine.cached_values import col_letters
from gridxl.engine.references import quote_sheet
from gridxl.io.sheet_text import formula_cell, seal_text
from gridxl.workbook.clerk_text import clerk_text, condition_text
from gridxl.workbook.input_marks import mark_invalid_inputs
from gridxl.workbook.print_layout import PagePlan, apply_page_setup, fit_text_rows, layout_table_sheet
from gridxl.workbook.template_layout import meta_rows
from gridxl.workbook.template_plan import INFO, INPUT, META, SCORE, SUMMARY, Plan, SheetPlan, _num, _pts
from gridxl.workbook.template_styles import WIDE, _merge, _protect, _style_name, _styles, column_width


def field_validation(f: FieldSpec) -> dict:
    """openpyxl DataValidation keywords for an input field, with the Chinese messages."""
    lo, hi = f.bounds()
    unit = f"（单位：{f.unit}）" if f.unit and f.unit != "%" else ""
    extra = f"\n{f.help}" if f.help else ""
    if f.type == "choice":
        listed = ",".join(f.choices)
        return dict(type="list", formula1=f'"{listed}"', prompt=f"请从下拉列表中选择：{'、'.join(f.choices)}。{extra}",
                    error=f"只能选择：{'、'.join(f.choices)}。")
    if f.type == "flag":
        return dict(type="whole", operator="between", formula1="0", formula2="1",
                    prompt=f"请输入 1（是）或 0（否）。{extra}", error="只能输入 1（是）或 0（否）。")
    kind = "whole" if f.type == "count" else "decimal"
    what = "整数" if f.type == "count" else "比率" if f.type == "rate" else "分数" if f.type == "score" else "数字"
    if f.type == "rate":
        lo, hi = (0.0 if lo is None else lo), (1.0 if hi is None else hi)
        text = f"请输入 {_pts(lo * 100)}%～{_pts(hi * 100)}% 之间的{what}，例如 95%。"
    elif lo is not None and hi is not None:
        text = f"请输入 {_pts(lo)}～{_pts(hi)} 之间的{what}{unit}。"
    elif lo is not None:
        text = f"请输入不小于 {_pts(lo)} 的{what}{unit}。"
    elif hi is not None:
        text = f"请输入不大于 {_pts(hi)} 的{what}{unit}。"
    else:
        text = f"请输入{what}{unit}。"
    if lo is not None and hi is not None:
        rule = dict(operator="between", formula1=_num(lo), formula2=_num(hi))
    elif lo is not None:
        rule = dict(operator="greaterThanOrEqual", formula1=_num(lo))
    elif hi is not None:
        rule = dict(operator="lessThanOrEqual", formula1=_num(hi))
    else:
        rule = dict(operator="between", formula1="-1E+300", formula2="1E+300")
    return dict(type=kind, **rule, prompt=text + extra, error="输入无效：" + text)

def _write_table(ws, sheet: SheetPlan, prefill: dict[str, list] | None = None, layout: bool = True):
    """Title, header rows, data rows, validation, widths, print setup of one table sheet."""
    from openpyxl.worksheet.datavalidation import DataValidation

    ncol = len(sheet.columns)
    visible_last = max(c.col for c in sheet.columns if not c.hidden)
    # titles: merged over the first printed page's width by the page layout (print_layout)
    ws.cell(row=1, column=1, value=sheet.title).style = "gx_title" if visible_last <= WIDE else "gx_title_left"
    ws.cell(row=2, column=1, value=sheet.subtitle).style = "gx_subtitle"
    ws.row_dimensions[1].height = 30
    ws.row_dimensions[2].height = 20
    # header rows: a group over its columns (row 3) or the header over both rows
    i = 0
    while i < ncol:
        c = sheet.columns[i]
        if c.group:
            j = i
            while j + 1 < ncol and sheet.columns[j + 1].group == c.group:
                j += 1
            _merge(ws, 3, c.col, 3, sheet.columns[j].col, c.group, "gx_head")
            for k in range(i, j + 1):
                ws.cell(row=4, column=sheet.columns[k].col, value=sheet.columns[k].header).style = "gx_head"
            i = j + 1
            continue
        if c.kind == "input":
            ws.cell(row=3, column=c.col, value=c.hint).style = "gx_hint"
            ws.cell(row=4, column=c.col, value=c.header).style = "gx_head"
        else:
            _merge(ws, 3, c.col, 4, c.col, c.header, "gx_head")
        i += 1
    prefill = prefill or {}
    for c in sheet.columns:
        style = _style_name(c)
        values = prefill.get(c.key if c.role != "unit" else UNIT_KEY) if c.kind == "input" else None
        for n, r in enumerate(range(sheet.first, sheet.last + 1)):
            if c.kind == "static":
                value = n + 1
            elif c.kind == "input":
                value = values[n] if values is not None and n < len(values) else None
            else:
                formula_cell(ws, r, c.col, c.formula(r)).style = style
                continue
            cell = ws.cell(row=r, column=c.col, value=value)  # text stays text: seal_text(wb)
            cell.style = style
    # validation with Chinese input messages
    for c in sheet.columns:
        if c.kind != "input":
            continue
        if c.role == "field":
            kw = field_validation(c.spec)
            prompt, error = kw.pop("prompt"), kw.pop("error")
            title = c.spec.label[:32]
        elif c.role == "unit" and sheet.name == INPUT:
            kw = dict(type="custom", formula1=f"COUNTIF(${c.letter}${sheet.first}:${c.letter}${sheet.last},"
                                               f"{c.letter}{sheet.first})<=1")
            prompt, error, title = "请输入名称，每行一个，不要重复。", "名称重复：每个单位只填一行。", c.header[:32]
        elif c.role == "unit":
            continue  # a grid's unit: a list of the unit sheet's names (_grid_unit_validation)
        else:
            kw = dict(type="textLength", operator="lessThanOrEqual", formula1="100")
            prompt, error, title = "请输入名称。", "名称过长。", c.header[:32]
        dv = DataValidation(allow_blank=True, showInputMessage=True, showErrorMessage=True,
                            promptTitle=title, prompt=prompt[:255], errorTitle="输入有误", error=error[:255], **kw)
        dv.add(f"{c.letter}{sheet.first}:{c.letter}{sheet.last}")
        ws.add_data_validation(dv)
    # widths that fit the labels
    for c in sheet.columns:
        letter = c.letter
        if c.hidden:
            ws.column_dimensions[letter].hidden = True
        width = column_width(c, prefill.get(c.key if c.role != "unit" else UNIT_KEY))
        ws.column_dimensions[letter].width = width
    # header row heights: print_layout.fit_header_rows
    ws.freeze_panes = sheet.freeze
    if layout:  # a grid sheet's row count is a guess: its print area ends with the pages its data needs
        filled = max((len(v) for v in prefill.values() if v is not None), default=0)
        grids = any(c.role == "subunit" for c in sheet.columns)
        layout_table_sheet(ws, sheet, _name_col(sheet), filled_rows=filled if grids else None)
    _protect(ws)


def _name_col(sheet: SheetPlan) -> int:
    """The last of the columns that name the row (序号, unit, grid): they repeat on every printed page."""
    return max(c.col for c in sheet.columns if c.role in ("unit", "subunit") or c.key.startswith("unit:"))


def _grid_unit_validation(ws, plan: Plan):
    from openpyxl.worksheet.datavalidation import DataValidation

    g = plan.grid
    c = g.get("unit")
    units = f"{quote_sheet(INPUT)}!${plan.input.get('unit').letter}${plan.input.first}:" \
            f"${plan.input.get('unit').letter}${plan.input.last}"
    dv = DataValidation(type="list", formula1=units, allow_blank=True, showInputMessage=True, showErrorMessage=True,
                        promptTitle=c.header[:32], prompt=f"请选择所属{plan.scheme.unit}（取自“{INPUT}”表）。",
                        errorTitle="输入有误", error=f"所属{plan.scheme.unit}须是“{INPUT}”表中已填的名称。")
    dv.add(f"{c.letter}{g.first}:{c.letter}{g.last}")
    ws.add_data_validation(dv)


def _write_summary(ws, plan: Plan):
    from openpyxl.chart import BarChart, Reference
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import Font, PatternFill

    m = plan.summary
    _write_table(ws, m, layout=False)
    red = PatternFill("solid", start_color="FFC7CE", end_color="FFC7CE")
    for c in m.columns:
        if c.role == "sorted" and c.points is not None:
            ws.conditional_formatting.add(f"{c.letter}{m.first}:{c.letter}{m.last}",
                                          CellIsRule(operator="lessThan", formula=[_num(c.points)], fill=red,
                                                     font=Font(color="9C0006")))
    row0, col0 = plan.block_origin()
    _merge(ws, row0 - 1, col0, row0 - 1, col0 + len(plan.BLOCK_HEADINGS) - 1, "各项指标完成情况", "gx_head")
    ws.column_dimensions[col_letters(col0 - 1)].width = 2  # the gap before the block
    for j, heading in enumerate(plan.BLOCK_HEADINGS):
        ws.cell(row=row0, column=col0 + j, value=heading).style = "gx_head"
        ws.column_dimensions[col_letters(col0 + j)].width = BLOCK_WIDTHS[0] if j == 0 else BLOCK_WIDTHS[1]
    block = plan.indicator_block()
    for i, (name, points, formulas) in enumerate(block):
        r = row0 + 1 + i
        ws.cell(row=r, column=col0, value=name).style = "gx_f_general"
        ws.cell(row=r, column=col0 + 1, value=float(points)).style = "gx_f_2dp"
        for j, heading in enumerate(plan.BLOCK_HEADINGS[2:], start=2):
            formula_cell(ws, r, col0 + j, formulas[heading]).style = "gx_f_int" if "单位数" in heading else "gx_f_2dp"
    chart = BarChart()
    chart.type = "col"
    chart.title = "总分"
    chart.y_axis.title = "总分"
    chart.legend = None
    total = m.get("sorted", f"total:{TOTAL_KEY}")
    unit = m.get("sorted", f"unit:{UNIT_KEY}")
    chart.add_data(Reference(ws, min_col=total.col, min_row=m.first, max_row=m.last), titles_from_data=False)
    chart.set_categories(Reference(ws, min_col=unit.col, min_row=m.first, max_row=m.last))
    # the chart sits under the indicator table, as wide as it, on the page the two print on
    block_px = sum(7 * ws.column_dimensions[col_letters(col0 + j)].width + 5 for j in range(len(plan.BLOCK_HEADINGS)))
    chart.width = block_px / 96 * 2.54
    chart.height = CHART_ROWS * 20 / 96 * 2.54
    chart_row = row0 + len(block) + 3
    ws.add_chart(chart, f"{col_letters(col0)}{chart_row}")
    block_cols = list(range(col0 - 1, col0 + len(plan.BLOCK_HEADINGS)))
    layout_table_sheet(ws, m, _name_col(m), own_pages=[block_cols], last_row=chart_row + CHART_ROWS)


BLOCK_WIDTHS = (20, 11)  # 指标 and the figure columns of 汇总's indicator table
CHART_ROWS = 18  # the chart's height in default rows (20 px)


def _write_info(ws, plan: Plan):

    s = plan.scheme
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 90
    rows: list[tuple[str, str]] = [
        ("方案", s.name), ("依据", clerk_text(s.source)), ("考核对象", s.unit + (f"（按{s.subunit}计分后取平均）"
                                                                       if plan.has_subunits else "")),
        ("考核期", plan.period_text), ("满分", f"{_pts(s.total_points)}分"), ("说明", clerk_text(s.description)),
        ("", ""),
        ("填表步骤", f"1. 在“{INPUT}”表逐行填写各{s.unit}的名称和数据（白色单元格）；鼠标停在单元格上可看到填写要求。"),
        ("", (f"2. 在“{plan.grid.name}”表逐个{s.subunit}填写，所属{s.unit}从下拉列表选择。\n"
              if plan.grid is not None else "") +
         f"{'3' if plan.grid is not None else '2'}. “{SCORE}”表自动计算各项得分、总分和排名；“{SUMMARY}”表按名次排列并作图。"),
        ("", "灰色单元格是公式，工作表已保护（无密码），防止误改；如确需修改，可在“审阅—撤消工作表保护”。"),
        ("", "填写完成后保存文件，交负责汇总的同志检查并导出得分。"),
        ("公式", "Excel 2010 及以上、WPS、LibreOffice 打开即自动计算" if plan.mode == "native"
         else "需加载本系统的 Excel 加载项后计算"),
        ("", ""),
    ]
    ws.cell(row=1, column=1, value=f"{s.name}——填表说明").style = "gx_title"
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=2)
    r = 3
    for a, b in rows:
        ws.cell(row=r, column=1, value=a or None).style = "gx_text"
        ws.cell(row=r, column=2, value=b or None).style = "gx_text"
        r += 1
    ws.cell(row=r, column=1, value="考核指标").style = "gx_head"
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=2)
    r += 1
    for n, ind in enumerate(s.indicators, 1):
        head = f"{n}. {ind.name}（{'加减分' if ind.extra else _pts(ind.points) + '分'}）"
        body = clerk_text(ind.rule, s) or "（原文未给出计分方法，由检查组打分）"
        if ind.per_subunit:
            body += f"\n按{s.subunit}计分后取平均。"
        ws.cell(row=r, column=1, value=head).style = "gx_cell"
        ws.cell(row=r, column=2, value=body).style = "gx_cell"
        r += 1
    if s.grades:
        ws.cell(row=r, column=1, value="等次").style = "gx_cell"
        ws.cell(row=r, column=2, value="；".join(f"{g.label} {g.band_text}" for g in s.grades)).style = "gx_cell"
        r += 1
    for f in s.flags:
        ws.cell(row=r, column=1, value=f.label).style = "gx_cell"
        ws.cell(row=r, column=2, value=f"条件：{condition_text(f.condition, s)}" +
                (f"（等次定为{f.grade}）" if f.grade else "")).style = "gx_cell"
        r += 1
    printed_last = r - 1
    if s.ambiguities:  # notes for whoever maintains the scheme: on the sheet, below what prints
        r += 1
        ws.cell(row=r, column=1, value="方案口径说明（供维护考核方案的同志参考，不打印）").style = "gx_head"
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=2)
        r += 1
        for text in s.ambiguities:
            ws.cell(row=r, column=2, value=clerk_text(text, s)).style = "gx_cell"
            r += 1
    fit_text_rows(ws, range(3, r), [1, 2])
    apply_page_setup(ws, PagePlan("portrait", 1, 0, 100, [], 2), f"A1:B{printed_last}")
    _protect(ws)


def _column_values(frame, keys, specs) -> dict[str, list]:
    out = {}
    for key in keys:
        if frame is None or key not in frame.columns:
            continue
        spec = specs.get(key)
        values = []
        for v in frame[key].tolist():
            if v is None or (isinstance(v, float) and math.isnan(v)):
                values.append(None)
            elif isinstance(v, (str, bool)):  # as typed (a refreshed template keeps text and TRUE/FALSE)
                values.append(v)
            else:
                x = float(v)
                values.append(int(x) if x.is_integer() and (spec is None or spec.type in ("count", "flag"))
                              else x)
        out[key] = values
    return out


def workbook(plan: Plan, units: list[str] | None = None, data=None, subunits=None):
    """The openpyxl workbook of a plan (formula cells without values yet)."""
    import openpyxl

    wb = openpyxl.Workbook()
    for st in _styles().values():
        wb.add_named_style(st)
    specs = {f.key: f for f in plan.scheme.fields}
    info = wb.active
    info.title = INFO
    _write_info(info, plan)
    keys = [UNIT_KEY] + [f.key for f in plan.scheme.unit_fields()]
    prefill = _column_values(data, keys, specs) if data is not None else {}
    if units and UNIT_KEY not in prefill:
        prefill[UNIT_KEY] = list(units)
    _write_table(ws := wb.create_sheet(INPUT), plan.input, prefill)
    mark_invalid_inputs(ws, plan, plan.input)
    if plan.grid is not None:
        ws = wb.create_sheet(plan.grid.name)
        sub_keys = [UNIT_KEY, SUBUNIT_KEY] + [f.key for f in plan.scheme.subunit_fields()]
        _write_table(ws, plan.grid, _column_values(subunits, sub_keys, specs) if subunits is not None else {})
        _grid_unit_validation(ws, plan)
        mark_invalid_inputs(ws, plan, plan.grid)
    _write_table(wb.create_sheet(SCORE), plan.score)
    _write_summary(wb.create_sheet(SUMMARY), plan)
    meta = wb.create_sheet(META)
    for row in meta_rows(plan, units):
        meta.append(row)
    meta.sheet_state = "hidden"
    meta.protection.sheet = True
    wb.active = 1
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = ws.title == INPUT
    seal_text(wb)  # only formula_cell() writes formulas: every label, name and option is a string cell
    return wb
