"""The text of a 考核办法 as paragraphs and tables, from .txt, .docx, .xlsx or .csv.

A document is a list of blocks: ``Para(text)`` or ``Table(rows)`` (rows of cell texts, the first row
being whatever header the file has).  Text files pasted from Word keep tables as one cell per line,
indented by a tab, rows separated by a blank line; those are recognised as tables too.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from gridxl.io.errors import InputError
from gridxl.io.xlsx_safety import MAX_UNCOMPRESSED, check_container

HEADER_WORDS = ("序号", "考核项目", "考核子项", "考核项", "项目", "考核内容", "分值", "分数", "标准分", "评分标准",
                "考核标准", "评分细则", "考核方法", "考核办法", "扣分标准", "得分标准", "考核指标", "指标", "得分",
                "完成情况", "备注", "类别", "考核类别")
MAX_BYTES = 20 * 2**20


@dataclass
class Para:
    text: str


@dataclass
class Table:
    rows: list[list[str]] = field(default_factory=list)
    where: str = ""


def read_document(path: str | Path) -> list[Para | Table]:
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: 没有这个文件（no such file）")
    if path.is_dir():
        raise InputError(f"{path}: 是文件夹，应为 .txt/.docx/.xlsx/.csv 文件")
    if path.stat().st_size > MAX_BYTES:
        raise InputError(f"{path}: 文件超过 {MAX_BYTES // 2**20} MiB，不像考核办法（refused）")
    suffix = path.suffix.lower()
    if suffix in (".txt", ".md", ".text"):
        return text_blocks(_read_text(path))
    if suffix == ".docx":
        return _docx_blocks(path)
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_blocks(path)
    if suffix == ".csv":
        rows = list(csv.reader(io.StringIO(_read_text(path))))
        return [Table([[c.strip() for c in r] for r in rows], str(path))]
    raise InputError(f"{path}: 不认识的文件类型 {suffix!r}；draft 读取 .txt、.docx、.xlsx 或 .csv")


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(f"{path}: 既不是 UTF-8 也不是 GB18030 文本（not UTF-8 or GB18030 text）")


def is_header(cells: list[str]) -> bool:
    named = [c for c in cells if c.strip() in HEADER_WORDS]
    return len(named) >= 3


def text_blocks(text: str) -> list[Para | Table]:
    """Paragraphs, and tables pasted as one tab-indented cell per line."""
    blocks: list[Para | Table] = []
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    groups: list[list[str]] = [[]]
    for line in lines:
        if line.strip() == "" and not line.startswith("\t"):
            groups.append([])
        else:
            groups[-1].append(line)
    table: Table | None = None
    for group in groups:
        if not group:
            continue
        cells = _tab_cells(group)
        if cells is not None and (table is not None or is_header(cells[1])):
            lead, row = cells
            if lead:
                blocks.append(Para("\n".join(lead)))
            if table is None or is_header(row):
                table = Table([row], "text")
                blocks.append(table)
            else:
                table.rows.append(row)
            continue
        table = None
        blocks.append(Para("\n".join(group)))
    return blocks


def _tab_cells(group: list[str]) -> tuple[list[str], list[str]] | None:
    """A group of lines as (leading plain lines, cells) when most lines are tab-indented cells."""
    tabbed = [line for line in group if line.startswith("\t")]
    if len(tabbed) < 2:
        return None
    lead: list[str] = []
    cells: list[str] = []
    for line in group:
        if line.startswith("\t"):
            cells.append(line[1:].strip())
        elif cells:
            cells[-1] = (cells[-1] + line.strip()) if cells[-1] else line.strip()
        else:
            lead.append(line)
    return lead, cells


def _docx_blocks(path: Path) -> list[Para | Table]:
    import zipfile

    import docx
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph
    from docx.opc.exceptions import OpcError
    _check_docx_container(path)
    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError, OpcError) as exc:
        raise InputError(f"{path}: 不是可读的 Word .docx 文件（{exc}）") from None
    blocks: list[Para | Table] = []
    body = document.element.body
    for n, child in enumerate(body.iterchildren()):
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = Paragraph(child, document).text
            if text.strip():
                blocks.append(Para(text))
        elif tag == "tbl":
            table = DocxTable(child, document)
            rows = []
            for row in table.rows:
                cells = []
                for cell in row.cells:
                    cells.append(cell.text.strip())
                rows.append(_dedupe_merged(cells))
            blocks.append(Table(rows, f"{path}, 表格 {n + 1}"))
    return blocks


def _check_docx_container(path: Path):
    """A .docx is a zip: refuse a zip bomb or XML declaring entities before python-docx expands it."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            if sum(i.file_size for i in zf.infolist()) > MAX_UNCOMPRESSED:
                raise InputError(f"{path}: 解压后超过 {MAX_UNCOMPRESSED // 2**20} MiB（a zip bomb?），拒绝读取")
            for info in zf.infolist():
                if info.filename.endswith((".xml", ".rels")):
                    with zf.open(info) as part:
                        head = part.read(4096)
                    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                        raise InputError(f"{path}: {info.filename} 声明了 DTD 或实体，Word 文件不需要（refused）")
    except zipfile.BadZipFile:
        raise InputError(f"{path}: 不是可读的 Word .docx 文件（不是 zip，或已损坏）") from None


def _dedupe_merged(cells: list[str]) -> list[str]:
    """python-docx repeats a horizontally merged cell's text in every grid column it spans."""
    out: list[str] = []
    for c in cells:
        out.append("" if out and c and c == out[-1] and len(c) > 20 else c)
    return out


def _xlsx_blocks(path: Path) -> list[Para | Table]:
    from python_calamine import CalamineWorkbook

    check_container(path)
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for damaged files
        raise InputError(f"{path}: 读不出这个 Excel 文件（{exc}）") from None
    blocks: list[Para | Table] = []
    for name in wb.sheet_names:
        rows = wb.get_sheet_by_name(name).to_python()
        text_rows = [[_cell_text(c) for c in r] for r in rows]
        if text_rows:
            blocks.append(Table(text_rows, f"{path}, 工作表 {name!r}"))
    return blocks


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return re.sub(r"\s+$", "", str(value))
