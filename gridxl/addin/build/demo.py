"""The GRID_* demo workbook: a scheme's sample data scored by GRID_* formulas.

``build_demo_workbook`` writes ``workbook_templates/demo-udf-yushui-2022.xlsx`` (``gridxl addin
--demo FILE``); a test builds it afresh and compares the cells with the committed file, and
another recomputes it with the formulas engine against the published table of seed 004.
"""
from __future__ import annotations

import os
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ...core import get_scheme, score_frame
from ...core.expr import Refs
from ...core.scheme import UNIT_KEY
from ...io.inputs import read_table
from ...io.outputs import OutputError, atomic_path, new_temp_file
from ...engine.cached_values import write_cached_values
from ..kind_functions import KINDS, kind_arguments
from .lite import PACKAGE_ROOT, SOURCE_ROOT, UDF_MODULE

DEMO_SCHEME = "yushui-2022"
# where a checkout commits the demo; an installed gridxl has no workbook_templates/, so callers name the file
DEMO_PATH = SOURCE_ROOT / "workbook_templates" / f"demo-udf-{DEMO_SCHEME}.xlsx"


def _col(n: int) -> str:
    return get_column_letter(n)


def _literal(value) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return '"' + value.replace('"', '""') + '"'
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def _adhoc_call(scheme, ind, cell):
    """The per-kind function call that gives this indicator's score from the same cells, or None
    when the rule takes more than literal parameters (cases by unit, sub-items, overrides …)."""
    refs = Refs(cell)
    args = kind_arguments(ind, lambda role, expr: expr.to_excel(refs) if role == "value" else None)
    if args is None or ind.per_subunit:
        return None
    texts = []
    for a, value in zip(KINDS[ind.kind].args, args):
        if value is None and a.role == "param":  # the rule's default, written out (see below)
            value = next(p.default for p in ind.rule_kind.params if p.name == a.param)
        if isinstance(value, list):
            return None
        texts.append("" if value is None else value if a.role == "value" else _literal(value))
    while texts and texts[-1] == "":
        texts.pop()
    if "" in texts:  # Excel passes an omitted argument as missing, the formulas engine as 0: avoid both
        return None
    call = f"{KINDS[ind.kind].function}({','.join(texts)})"
    comp = scheme.compiled()[ind.key]
    if comp.zero_guard is not None:  # the scheme's 分母为0 rule, which the bare kind does not know
        call = f"IF({comp.zero_guard.to_excel(refs)},{_literal(ind.if_zero)},{call})"
    return "=" + call


def build_demo_workbook(path: str | Path, scheme_id: str = DEMO_SCHEME) -> Path:
    """A workbook whose score cells call GRID_* on the scheme's sample data (gridxl/samples/<id>.csv).

    Sheet 评分: GRID_SCORE per indicator, GRID_TOTAL, GRID_RANK, GRID_RANK_CN (GRID_GRADE, GRID_STARS
    when the scheme has them) and GRID_EXPLAIN of the indicator most units fall short on.  Sheet 按规则:
    the same scores from the per-kind functions (GRID_RATIO, GRID_LINEAR, …) with the rule's
    parameters typed in.  Sheet 说明: what the functions need.
    """
    scheme = get_scheme(scheme_id)
    sample = PACKAGE_ROOT / "samples" / f"{scheme.id}.csv"
    if not sample.exists():
        raise OutputError(f"scheme {scheme.id} has no sample data ({sample.name}) to make a demo from")
    compiled = scheme.compiled()
    whole_table = [k for k, c in compiled.items() if c.indicator.per_subunit or c.indicator.rule_kind.reads_other_units]
    if whole_table:
        raise OutputError(f"scheme {scheme.id}: {', '.join(whole_table)} are not scored row by row; "
                          f"the demo takes schemes whose every indicator is")
    frame = read_table(sample, scheme)
    scores = score_frame(scheme, frame).table
    fields = scheme.unit_fields()
    first, last = 5, 4 + len(frame)
    sid = _literal(scheme.id)

    columns = [(UNIT_KEY, f"{scheme.unit}")] + [(f.key, f.header) for f in fields]
    columns += [(i.key, f"{i.name}（{i.points:g}分）") for i in scheme.indicators]
    columns += [("total", "总分"), ("rank", "排名"), ("rank_dense", "中国式排名")]
    if scheme.grades:
        columns.append(("grade", "等次"))
    if scheme.stars:
        columns.append(("stars", "星级"))
    short = {i.key: int((scores[i.key] < i.points).sum()) for i in scheme.indicators}
    explained = max(scheme.indicators, key=lambda i: short[i.key]).key
    columns.append(("explain", f"得分说明：{scheme.indicator(explained).name}"))
    letter = {key: _col(n) for n, (key, _) in enumerate(columns, 1)}

    wb = Workbook()
    ws = wb.active
    ws.title = "评分"
    bold, head_fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    ws["A1"] = f"{scheme.title or scheme.name}（GRID_* 函数演示）"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = ("得分、总分、排名各列是 GRID_* 自定义函数：需要 xlwings 加载项（Windows Excel）或 xlwings Lite"
                "（Excel 365 / 网页版），见 docs/addin.md。WPS 不运行 xlwings，请用 gridxl template 的原生公式模板。")
    for n, (key, label) in enumerate(columns, 1):
        head = ws.cell(3, n, label)
        head.font, head.fill = bold, head_fill
        head.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        ws.cell(4, n, key).font = Font(color="808080", size=9)
        ws.column_dimensions[_col(n)].width = (44 if key == "explain" else 14 if key == UNIT_KEY
                                               else min(16, max(9, len(label) * 1.6)))
    ws.row_dimensions[3].height = 48

    def cell(r):
        def ref(space, key):
            return f"{letter[key]}{r}"
        return ref

    for i, (_, unit) in enumerate(frame.iterrows()):
        r = first + i
        ws.cell(r, 1, unit[UNIT_KEY])
        for f in fields:
            v = unit[f.key]
            v = int(v) if isinstance(v, float) and v.is_integer() else v
            ws[f"{letter[f.key]}{r}"] = v
        for ind in scheme.indicators:
            inputs = ",".join(cell(r)("", k) for k in compiled[ind.key].inputs)
            ws[f"{letter[ind.key]}{r}"] = f"=GRID_SCORE({sid},{_literal(ind.key)},{inputs})"
        total = f"{letter['total']}{r}"
        ws[total] = f"=GRID_TOTAL({sid},{letter[fields[0].key]}{r}:{letter[fields[-1].key]}{r})"
        column = f"${letter['total']}${first}:${letter['total']}${last}"
        ws[f"{letter['rank']}{r}"] = f"=GRID_RANK({total},{column})"
        ws[f"{letter['rank_dense']}{r}"] = f"=GRID_RANK_CN({total},{column})"
        if scheme.grades:
            ws[f"{letter['grade']}{r}"] = f"=GRID_GRADE({sid},{total})"
        if scheme.stars:
            ws[f"{letter['stars']}{r}"] = f"=GRID_STARS({sid},{total})"
        inputs = ",".join(cell(r)("", k) for k in compiled[explained].inputs)
        ws[f"{letter['explain']}{r}"] = f"=GRID_EXPLAIN({sid},{_literal(explained)},{inputs})"
        for key in [i.key for i in scheme.indicators] + ["total"]:
            ws[f"{letter[key]}{r}"].number_format = "0.00"
    ws.freeze_panes = "B5"

    rules = wb.create_sheet("按规则")
    rules["A1"] = "同样的得分，用按规则的函数（GRID_RATIO、GRID_LINEAR …）和方案里的参数算出"
    rules["A1"].font = Font(bold=True, size=12)
    rules["A2"] = "Each rule kind has its own function; the value is computed from the 评分 sheet's inputs."
    head = rules.cell(3, 1, scheme.unit)
    head.font, head.fill = bold, head_fill
    n = 1
    for ind in scheme.indicators:
        def sheet_cell(space, key, r=first):
            return f"'评分'!{letter[key]}{r}"
        if _adhoc_call(scheme, ind, sheet_cell) is None:
            continue
        n += 1
        head = rules.cell(3, n, f"{ind.name}（{KINDS[ind.kind].function}）")
        head.font, head.fill = bold, head_fill
        head.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        rules.cell(4, n, ind.key).font = Font(color="808080", size=9)
        rules.column_dimensions[_col(n)].width = 16
        for i in range(len(frame)):
            r = first + i
            rules.cell(r, n, _adhoc_call(scheme, ind, lambda space, key, r=r: f"'评分'!{letter[key]}{r}"))
            rules.cell(r, n).number_format = "0.00"
    for i in range(len(frame)):
        rules.cell(first + i, 1, f"='评分'!A{first + i}")
    rules.row_dimensions[3].height = 48
    rules.freeze_panes = "B5"

    notes = wb.create_sheet("说明")
    for r, line in enumerate(_demo_notes(scheme), 1):
        notes.cell(r, 1, line)
    notes["A1"].font = Font(bold=True, size=13)
    notes.column_dimensions["A"].width = 110
    conf = wb.create_sheet("xlwings.conf")  # classic xlwings finds the functions with no further setting
    conf["A1"], conf["B1"] = "UDF Modules", UDF_MODULE
    conf.column_dimensions["A"].width = 16
    conf.column_dimensions["B"].width = 24

    path = Path(path)
    with atomic_path(path) as tmp:
        raw = new_temp_file(path.parent, ".xlsx")
        try:
            wb.save(raw)
            write_cached_values(raw, tmp, {}, fixed_time=True)  # fixed times: the same bytes on every build
        finally:
            os.unlink(raw)
    return path


def _demo_notes(scheme) -> list[str]:
    return [
        f"{scheme.name}：GRID_* 函数演示 / GRID_* worksheet functions demo",
        f"数据：gridxl/samples/{scheme.id}.csv（{scheme.source}）。重新生成：gridxl addin --demo 文件.xlsx --scheme {scheme.id}",
        "",
        "本工作簿的得分单元格调用 gridxl 的 GRID_* 函数，Excel 需先装好函数，否则显示 #NAME?：",
        "  · Windows 版 Excel：经典 xlwings 加载项（本机 Python）——另存为 .xlsm，Alt+F11 → 工具 → 引用 → 勾选 xlwings，",
        f"    xlwings 选项卡 → Import Functions。本工作簿的 xlwings.conf 表已写好 UDF Modules = {UDF_MODULE}。",
        "  · Excel 365 / 网页版：xlwings Lite 加载项，粘贴 gridxl addin 生成的 main.py 与 requirements.txt。",
        "  装好后按 Ctrl+Alt+F9 全部重算。详细步骤见 docs/addin.md。",
        "WPS 不运行 xlwings：WPS 用户请用 gridxl template 生成的原生公式模板（不需要任何加载项）。",
        "",
        "函数 / functions:",
        '  GRID_SCORE(方案, 指标, 输入…)   一个指标的得分；输入顺序见 gridxl show 方案',
        "  GRID_TOTAL(方案, 整行输入)      总分（各项得分之和，ROUND）",
        "  GRID_RANK(值, 区域) / GRID_RANK_CN(值, 区域)   竞争排名（1,1,3）/ 中国式排名（1,1,2）",
        "  GRID_GRADE(方案, 总分) / GRID_STARS(方案, 总分)   等次 / 星级",
        "  GRID_EXPLAIN(方案, 指标, 输入…)   得分说明",
        "  GRID_RATIO、GRID_LINEAR、GRID_STEPS、GRID_DEDUCT、GRID_BANDS …   每种计分规则一个函数（见“按规则”表）",
        "出错时单元格显示 #GRIDXL! 加原因；输入为空时得分为空。",
    ]
