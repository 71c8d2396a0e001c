"""A scheme as an editable workbook (方案.xlsx) and back, for whoever edits in Excel rather than TOML.

One sheet per part of the scheme file, Chinese column headers, one row per indicator / field /
grade / flag.  Cells hold plain values; what has no column of its own (a kind's parameters, the
items of a deduction, zero-out conditions, stars, ballots …) is one cell of inline TOML, so every
setting of every scheme survives the round trip: ``book_to_data(write_book(data)) == data``.
Drop-down lists guard the rule kind, field type, level and yes/no columns; numbers are validated;
reading back checks each cell and names sheet, cell and what was expected.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..core import kinds as kinds_mod
from ..core.scheme import FIELD_TYPES
from gridxl.io.errors import InputError
from . import toml_text
from gridxl.io.xlsx_safety import load_workbook_safely
from gridxl.io.outputs import atomic_path
from gridxl.io.xlsx_table import write_text
from gridxl.io.inputs import column_letter

YES, NO = "是", "否"
LEVELS = {"unit": "本级", "subunit": "下级"}


@dataclass(frozen=True)
class Column:
    key: str  # the scheme-file key
    header: str  # the Chinese column header
    kind: str = "text"  # text, number, int, bool, level, toml, lines, choices, kind, ftype, pairs
    width: int = 12
    help: str = ""


INDICATOR_COLUMNS = (
    Column("key", "键", width=16, help="英文标识（唯一）"),
    Column("name", "指标名称", width=20),
    Column("section", "所属部分", width=10, help="“部分”表中的键"),
    Column("points", "分值", "number", 7),
    Column("kind", "计分方式", "kind", 12, help="见“计分方式”表"),
    Column("value", "计算值", width=28, help="字段或公式，如 (新增 - 逾期) / 新增"),
    Column("params", "参数", "pairs", 30, help="计分方式的参数，如 standard = 1, step = 0.05"),
    Column("items", "扣分/加分明细", "toml", 30, help="如 [{ field = \"缺签到次数\", each = 0.5 }]"),
    Column("when", "不得分条件", "toml", 24, help="如 [{ if = \"没有记录 = 1\", score = 0, text = \"本项不得分\" }]"),
    Column("extra", "附加分", "bool", 7, help="是：加分或扣分项，在满分之外"),
    Column("per_subunit", "按下级平均", "bool", 8),
    Column("unspecified", "原文未规定", "bool", 8),
    Column("if_zero", "分母为0得分", "number", 8),
    Column("digits", "小数位", "int", 6),
    Column("value_unit", "计算值单位", width=8),
    Column("rule", "评分标准（原文）", "text", 60),
    Column("notes", "备注", "lines", 30, help="每行一条"),
)
FIELD_COLUMNS = (
    Column("key", "键", width=22),
    Column("label", "名称", width=26),
    Column("type", "类型", "ftype", 8),
    Column("unit", "单位", width=6),
    Column("min", "最小值", "number", 8),
    Column("max", "最大值", "number", 8),
    Column("choices", "可选值", "choices", 16, help="用、分隔"),
    Column("level", "层级", "level", 6, help="本级 / 下级（按网格填）"),
    Column("help", "说明", width=40),
)
SECTION_COLUMNS = (Column("key", "键", width=14), Column("name", "名称", width=30),
                   Column("points", "分值", "number", 8))
GRADE_COLUMNS = (Column("label", "等次", width=10), Column("min", "最低分", "number", 8),
                 Column("max", "最高分", "number", 8))
FLAG_COLUMNS = (Column("key", "键", width=16), Column("label", "名称", width=20), Column("if", "条件", width=40),
                Column("grade", "定为等次", width=10))
AMBIGUITY_COLUMNS = (Column("text", "疑义及采用的读法", width=120),)

SETTINGS = (  # top-level keys with a row of their own, in the order of the scheme file
    ("id", "方案编号", "text"), ("name", "方案名称", "text"), ("title", "表头标题", "text"),
    ("source", "来源", "text"), ("unit", "考核对象", "text"), ("subunit", "下级单位", "text"),
    ("period", "考核周期", "text"), ("total_points", "满分", "number"), ("digits", "小数位", "int"),
    ("description", "说明", "text"),
)
SETTINGS_SHEET, INDICATOR_SHEET, FIELD_SHEET = "方案", "指标", "字段"
SECTION_SHEET, GRADE_SHEET, FLAG_SHEET, AMBIGUITY_SHEET, KINDS_SHEET = "部分", "等次", "标记", "疑义", "计分方式"
TABLES = (  # (scheme key, sheet, columns)
    ("indicators", INDICATOR_SHEET, INDICATOR_COLUMNS), ("fields", FIELD_SHEET, FIELD_COLUMNS),
    ("sections", SECTION_SHEET, SECTION_COLUMNS), ("grades", GRADE_SHEET, GRADE_COLUMNS),
    ("flags", FLAG_SHEET, FLAG_COLUMNS),
)
_INDICATOR_OWN = {c.key for c in INDICATOR_COLUMNS} - {"params"}


class BookError(InputError):
    """A scheme workbook cell cannot be read back; names sheet and cell."""


def is_scheme_book(path: str | Path) -> bool:
    """True for an .xlsx written by :func:`write_book` (it has the 方案 and 指标 sheets)."""
    if Path(path).suffix.lower() != ".xlsx":
        return False
    wb = load_workbook_safely(path, read_only=True)
    try:
        return SETTINGS_SHEET in wb.sheetnames and INDICATOR_SHEET in wb.sheetnames
    finally:
        wb.close()


# -- writing ----------------------------------------------------------------------------------------
def _cell_value(col: Column, value: Any):
    """What a cell shows for a scheme value (None: empty)."""
    if value is None:
        return None
    if col.kind == "bool":
        return YES if value else NO
    if col.kind == "level":
        return LEVELS.get(value, value)
    if col.kind == "lines":
        return "\n".join(value)
    if col.kind == "choices":
        return "、".join(value) if not any("、" in c for c in value) else toml_text.inline(value)
    if col.kind == "toml":
        return toml_text.inline(value)
    if col.kind == "pairs":
        return toml_text.inline_pairs(value)
    return value


def _row_values(columns, table: dict) -> list:
    if "params" not in {c.key for c in columns}:
        return [_cell_value(c, table.get(c.key)) for c in columns]
    params = {k: v for k, v in table.items() if k not in _INDICATOR_OWN}
    return [_cell_value(c, params or None) if c.key == "params" else _cell_value(c, table.get(c.key))
            for c in columns]


def write_book(data: dict, output: str | Path) -> Path:
    """Write scheme data (a parsed scheme file) as the workbook ``output`` (atomically)."""
    import xlsxwriter

    output = Path(output)
    with atomic_path(output) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False,
                                            "strings_to_numbers": False})
        head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                              "valign": "vcenter"})
        wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        top = wb.add_format({"valign": "top"})
        _write_settings(wb, data, head, wrap)
        kind_names = sorted(kinds_mod.REGISTRY)
        for key, sheet, columns in TABLES:
            ws = wb.add_worksheet(sheet)
            rows = data.get(key, [])
            _write_table(ws, columns, [_row_values(columns, r) for r in rows], head, wrap, top)
            _validate(ws, columns, max(len(rows), 1) + 200, kind_names)
            if key == "indicators":
                for i, r in enumerate(rows, start=1):
                    kind = kinds_mod.REGISTRY.get(r.get("kind"))
                    if kind and kind.params:
                        j = [c.key for c in columns].index("params")
                        ws.data_validation(i, j, i, j, {
                            "validate": "any", "input_title": f"{kind.name} 的参数"[:32],
                            "input_message": _param_help(kind)[:255]})
        ws = wb.add_worksheet(AMBIGUITY_SHEET)
        _write_table(ws, AMBIGUITY_COLUMNS, [[t] for t in data.get("ambiguities", [])], head, wrap, top)
        _write_kinds(wb, head, wrap)
        wb.close()
    return output


def _write_table(ws, columns, rows, head, wrap, top):
    ws.set_row(0, 30)
    for j, col in enumerate(columns):
        write_text(ws, 0, j, col.header, head)
        ws.set_column(j, j, col.width, wrap if col.kind in ("text", "toml", "pairs", "lines") else top)
        if col.help:
            ws.write_comment(0, j, col.help)
    for i, row in enumerate(rows, start=1):
        for j, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                ws.write_number(i, j, value)
            else:
                write_text(ws, i, j, str(value))
        ws.set_row(i, _row_height(columns, row))
    ws.freeze_panes(1, 1)
    _print_setup(ws)


def _row_height(columns, row) -> float:
    """Rows tall enough for their wrapped text (LibreOffice and WPS do not grow them on open)."""
    lines = 1
    for col, value in zip(columns, row):
        if isinstance(value, str) and col.kind in ("text", "toml", "pairs", "lines"):
            width = sum(2 if ord(ch) > 0x2e80 else 1 for ch in value)  # a CJK character is two columns wide
            wrapped = sum(max(1, -(-sum(2 if ord(ch) > 0x2e80 else 1 for ch in part) // max(col.width - 1, 1)))
                          for part in value.split("\n"))
            lines = max(lines, wrapped if width else 1)
    return min(409, 15 * lines)


def _print_setup(ws):
    """Printed on A4 landscape, one page wide, the header row on every page."""
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)


def _validate(ws, columns, last, kind_names):
    for j, col in enumerate(columns):
        rule = None
        if col.kind == "kind":
            rule = {"validate": "list", "source": kind_names, "error_message": "请从列表中选择计分方式"}
        elif col.kind == "ftype":
            rule = {"validate": "list", "source": list(FIELD_TYPES), "error_message": "请从列表中选择类型"}
        elif col.kind == "bool":
            rule = {"validate": "list", "source": [YES, NO], "error_message": "请填 是 或 否"}
        elif col.kind == "level":
            rule = {"validate": "list", "source": list(LEVELS.values()), "error_message": "请填 本级 或 下级"}
        elif col.kind == "number":
            rule = {"validate": "decimal", "criteria": "between", "minimum": -1e9, "maximum": 1e9,
                    "error_message": "请填数字"}
        elif col.kind == "int":
            rule = {"validate": "integer", "criteria": "between", "minimum": 0, "maximum": 10,
                    "error_message": "请填 0 到 10 的整数"}
        if rule:
            ws.data_validation(1, j, last, j, {**rule, "error_title": col.header})


def _write_settings(wb, data, head, wrap):
    ws = wb.add_worksheet(SETTINGS_SHEET)
    for j, (title, width) in enumerate((("项目", 14), ("值", 60), ("键", 14))):
        write_text(ws, 0, j, title, head)
        ws.set_column(j, j, width, wrap if j == 1 else None)
    _print_setup(ws)
    row = 1
    own = {k for k, _, _ in SETTINGS} | {k for k, _, _ in TABLES} | {"ambiguities"}
    for key, label, kind in SETTINGS:
        write_text(ws, row, 0, label)
        write_text(ws, row, 2, key)
        value = data.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            ws.write_number(row, 1, value)
        elif value is not None:
            write_text(ws, row, 1, str(value))
        row += 1
    for key, value in data.items():  # stars, ballots, streaks … : one inline TOML value each
        if key in own:
            continue
        write_text(ws, row, 0, {"stars": "星级", "ballots": "民主评议票", "streaks": "跨月规则", "bulletin": "通报设置"}.get(key, key))
        write_text(ws, row, 1, toml_text.inline(value))
        write_text(ws, row, 2, key)
        row += 1


def _param_help(kind) -> str:
    return "；".join(f"{p.name}{'（必填）' if p.required else ''}: {p.help}" for p in kind.params)


def _write_kinds(wb, head, wrap):
    ws = wb.add_worksheet(KINDS_SHEET)
    for j, (title, width) in enumerate((("计分方式", 12), ("名称", 26), ("算法", 50), ("参数", 70), ("例", 40))):
        write_text(ws, 0, j, title, head)
        ws.set_column(j, j, width, wrap)
    _print_setup(ws)
    for i, kind in enumerate(kinds_mod.REGISTRY.values(), start=1):
        for j, text in enumerate((kind.name, kind.label, kind.summary, _param_help(kind), kind.example)):
            write_text(ws, i, j, text)


# -- reading ----------------------------------------------------------------------------------------
def read_book(path: str | Path) -> dict:
    """Scheme data from a workbook written by :func:`write_book` and edited by hand."""
    path = Path(path)
    wb = load_workbook_safely(path, read_only=True, data_only=True)
    try:
        missing = [s for s in (SETTINGS_SHEET, INDICATOR_SHEET) if s not in wb.sheetnames]
        if missing:
            raise BookError(f"{path}: 缺少工作表 {'、'.join(missing)}（not a scheme workbook）")
        data = _read_settings(path, wb[SETTINGS_SHEET])
        for key, sheet, columns in TABLES:
            if sheet in wb.sheetnames:
                rows = _read_table(path, wb[sheet], columns)
                if rows:
                    data[key] = rows
        if AMBIGUITY_SHEET in wb.sheetnames:
            texts = [r["text"] for r in _read_table(path, wb[AMBIGUITY_SHEET], AMBIGUITY_COLUMNS)]
            if texts:
                data["ambiguities"] = texts
        return data
    finally:
        wb.close()


def _cell_name(col: int, row: int) -> str:
    return f"{column_letter(col)}{row}"


def _reader(path, sheet) -> Callable[[int, int, str], str]:
    return lambda row, col, what: f"{path}, 工作表 {sheet!r}, 单元格 {_cell_name(col, row)}: {what}"


def _read_settings(path, ws) -> dict:
    where = _reader(path, ws.title)
    kinds = {k: kind for k, _, kind in SETTINGS}
    data: dict = {}
    for r, row in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        row = list(row) + [None] * 3
        key, value = row[2], row[1]
        if key is None or value is None or value == "":
            continue
        key = str(key).strip()
        col = Column(key, key, kinds.get(key, "toml"))
        data[key] = _parse_cell(col, value, lambda what: where(r, 1, what))
    if "id" not in data:
        raise BookError(f"{path}, 工作表 {ws.title!r}: 缺少“方案编号”（id）")
    return data


def _read_table(path, ws, columns) -> list[dict]:
    where = _reader(path, ws.title)
    rows = ws.iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(rows, [])]
    index = {}
    for col in columns:
        if col.header in header:
            index[col.key] = header.index(col.header)
    if columns[0].key not in index:
        raise BookError(f"{path}, 工作表 {ws.title!r}: 第1行缺少表头“{columns[0].header}”")
    out = []
    for r, row in enumerate(rows, start=2):
        row = list(row)
        if all(v is None or str(v).strip() == "" for v in row):
            continue
        table: dict = {}
        for col in columns:
            j = index.get(col.key)
            value = row[j] if j is not None and j < len(row) else None
            if value is None or (isinstance(value, str) and value.strip() == "" and col.kind != "text"):
                continue
            parsed = _parse_cell(col, value, lambda what, j=j: where(r, j, what))
            if col.kind == "pairs":
                table.update(parsed)
            else:
                table[col.key] = parsed
        out.append(table)
    return out


def _parse_cell(col: Column, value, where: Callable[[str], str]):
    kind = col.kind
    try:
        if kind in ("number", "int"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                text = str(value).strip()
                try:
                    value = float(text)
                except ValueError:
                    raise BookError(where(f"应为数字，实为 {text!r}（expected a number）")) from None
            if kind == "int":
                if float(value) != int(value):
                    raise BookError(where(f"应为整数，实为 {value!r}（expected a whole number）"))
                return int(value)
            return value if isinstance(value, int) else float(value)  # 20 stays 20, 0.5 stays 0.5
        text = str(value) if not isinstance(value, str) else value
        if kind == "bool":
            if text.strip() not in (YES, NO):
                raise BookError(where(f"应为“是”或“否”，实为 {text!r}"))
            return text.strip() == YES
        if kind == "level":
            back = {v: k for k, v in LEVELS.items()}
            t = text.strip()
            if t not in back and t not in LEVELS:
                raise BookError(where(f"应为“本级”或“下级”，实为 {text!r}"))
            return back.get(t, t)
        if kind == "lines":
            return [line for line in text.split("\n") if line.strip()]
        if kind == "choices":
            t = text.strip()
            return list(toml_text.parse_inline(t)) if t.startswith("[") else [c.strip() for c in t.split("、")]
        if kind == "toml":
            if isinstance(value, (int, float)):
                return value
            return toml_text.parse_inline(text.strip())
        if kind == "pairs":
            return toml_text.parse_pairs(text)
        if kind == "kind":
            t = text.strip()
            if t not in kinds_mod.REGISTRY:
                raise BookError(where(f"没有计分方式 {t!r}；可选：{', '.join(sorted(kinds_mod.REGISTRY))}"))
            return t
        if kind == "ftype":
            t = text.strip()
            if t not in FIELD_TYPES:
                raise BookError(where(f"没有类型 {t!r}；可选：{', '.join(FIELD_TYPES)}"))
            return t
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return text
    except toml_text.InlineError as exc:
        raise BookError(where(str(exc))) from None
