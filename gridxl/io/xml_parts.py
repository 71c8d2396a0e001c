"""Reading the XML parts of an xlsx package with a real XML parser (lxml).

Every writer spells the same workbook differently: Excel and openpyxl write one long
line, Gnumeric and hand-edited files indent, some writers use a namespace prefix
(``<x:c>``) or the strict OOXML namespace, leave out ``r=`` on cells, store strings
inline (``<is>``) or in the shared-string table, and write shared formulas.  Parsing
the XML (instead of matching its text) reads them all the same way.

The parser never loads a DTD, resolves an entity or touches the network, and the
sheet parts are read incrementally (``iterparse``), clearing each row once read, so
memory grows with the cells a sheet holds, not with the size of its XML or the
address of its furthest cell.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

_SAFE = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


class XmlPartError(ValueError):
    """A part of the package is not well-formed XML (the message names the part and line)."""


def parse_part(data: bytes, part: str):
    """The root element of a small part (workbook, relationships, shared strings)."""
    try:
        return etree.fromstring(data, etree.XMLParser(**_SAFE))
    except etree.XMLSyntaxError as exc:
        raise XmlPartError(f"part {part} is not well-formed XML ({exc})") from None


def local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def attr(el, name: str):
    """An attribute by its local name, whatever namespace prefix the writer gave it (r:id, x:id …)."""
    value = el.get(name)
    if value is not None:
        return value
    for key, value in el.attrib.items():
        if key.endswith("}" + name):
            return value
    return None


def rich_text(el) -> str:
    """The text of an <si> or <is>: every <t>, in order, except phonetic runs (<rPh>)."""
    parts = []
    for t in el.iter():
        if local(t.tag) == "t" and local(t.getparent().tag) != "rPh":
            parts.append(t.text or "")
    return "".join(parts)


def shared_strings(stream, part: str) -> list[str]:
    out = []
    try:
        for _, el in etree.iterparse(stream, events=("end",), tag="{*}si", **_SAFE):
            out.append(rich_text(el))
            el.clear()
    except etree.XMLSyntaxError as exc:
        raise XmlPartError(f"part {part} is not well-formed XML ({exc})") from None
    return out


@dataclass
class RawCells:
    """A sheet's cells as the XML holds them, in document order (rows and columns 1-based)."""

    rows: list = field(default_factory=list)
    cols: list = field(default_factory=list)
    types: list = field(default_factory=list)  # the t= attribute ("n" when absent)
    values: list = field(default_factory=list)  # text of <v>, None when absent
    inline: dict = field(default_factory=dict)  # index -> text of <is>
    formulas: list = field(default_factory=list)  # (index, text or None, attributes or None)


def _cells_of_rows(row_elements, part: str):
    """(row, column, <c> element) of every cell of the given <row> elements, in document order.

    ``r=`` may be left out (the cell after the previous one, the row after the previous one).
    """
    colmap: dict[str, int] = {}
    row = 0
    tc = None
    for el in row_elements:
        if tc is None or not el.tag.startswith(tc[:-1]):
            tc = el.tag[:-3] + "c"
        r = el.get("r")
        row = int(r) if r else row + 1
        row_text = str(row)
        cut = -len(row_text)
        col = 0
        for c in el:
            if c.tag != tc:
                continue
            ref = c.get("r")
            at_row = row
            if ref is None:
                col += 1
            else:
                col = colmap.get(ref[:cut]) if ref.endswith(row_text) else None
                if col is None:
                    col, at_row = _parse_ref(ref, row_text, colmap, part)
            yield at_row, col, c


def _rows_read_once(stream):
    """The <row> elements of a sheet part as iterparse reads them, each dropped once the next is asked for."""
    for _, el in etree.iterparse(stream, events=("end",), tag="{*}row", **_SAFE):
        yield el
        el.clear()
        while el.getprevious() is not None:  # rows already read: memory stays at one row
            del el.getparent()[0]


def sheet_cells(stream, part: str) -> RawCells:
    """Every <c> of a worksheet part that holds something, read a row at a time."""
    out = RawCells()
    rows, cols, types, values, formulas = out.rows, out.cols, out.types, out.values, out.formulas
    names = None
    try:
        for row, col, c in _cells_of_rows(_rows_read_once(stream), part):
            if not len(c) and c.get("t") != "inlineStr":
                continue  # <c r="K4" s="9"/>: formatting only
            if names is None or not c.tag.startswith(names[0]):
                prefix = c.tag[:-1]
                names = (prefix, prefix + "v", prefix + "f", prefix + "is")
            _, tv, tf, tis = names
            rows.append(row)
            cols.append(col)
            types.append(c.get("t", "n"))
            v = None
            for child in c:
                ctag = child.tag
                if ctag == tv:
                    v = child.text or ""
                elif ctag == tf:
                    a = dict(child.attrib) if len(child.attrib) else None
                    text = child.text
                    if text is None:
                        text = None if a is not None and a.get("t") == "shared" else ""
                    formulas.append((len(values), text, a))
                elif ctag == tis:
                    out.inline[len(values)] = rich_text(child)
            values.append(v)
    except etree.XMLSyntaxError as exc:
        raise XmlPartError(f"part {part} is not well-formed XML ({exc})") from None
    return out


def patch_formula_values(data: bytes, values: dict, encode, part: str) -> bytes:
    """The sheet part ``data`` with ``values[(row, col)]`` as the cached value of those formula cells.

    ``encode(value)`` gives (t attribute or None, text of <v>).  Only <v>, <is> and t= of the
    formula cells named change; everything else of the part is kept as the writer wrote it.
    """
    root = parse_part(data, part)
    missing = object()
    names = None
    for row, col, c in _cells_of_rows(root.iter("{*}row"), part):
        value = values.get((row, col), missing)
        if value is missing:
            continue
        if names is None or not c.tag.startswith(names[0]):
            prefix = c.tag[:-1]
            names = (prefix, prefix + "f", prefix + "v", prefix + "is")
        _, tf, tv, tis = names
        f = v = None
        for child in c:
            ctag = child.tag
            if ctag == tf:
                f = child
            elif ctag == tv:
                v = child
            elif ctag == tis:
                c.remove(child)
        if f is None:
            continue
        t, text = encode(value)
        if t:
            c.set("t", t)
        elif "t" in c.attrib:
            del c.attrib["t"]
        if v is None:
            v = etree.Element(tv)
            f.addnext(v)
            v.tail = f.tail
        v.text = text
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _parse_ref(ref: str, row_text: str, colmap: dict, part: str) -> tuple[int, int]:
    """(column, row) of an r= attribute the fast path did not resolve (new letters, $ signs, another row)."""
    m = _CELL_REF.match(ref)
    if m is None:
        raise XmlPartError(f"part {part}: {ref!r} is not a cell reference")
    col = _col_number(m.group(1), part)
    if m.group(2) == row_text and "$" not in ref:
        colmap[m.group(1)] = col
    return col, int(m.group(2))


def _col_number(letters: str, part: str) -> int:
    n = 0
    for ch in letters.upper():
        if not "A" <= ch <= "Z":
            raise XmlPartError(f"part {part}: {letters!r} is not a column")
        n = n * 26 + ord(ch) - 64
    if n > 16384:
        raise XmlPartError(f"part {part}: column {letters} is beyond XFD, the last column Excel has")
    return n


__all__ = ["XmlPartError", "parse_part", "local", "attr", "rich_text", "shared_strings", "sheet_cells", "patch_formula_values", "RawCells"]


def normalise_part(path: str) -> str:
    """A part name with ``.`` and ``..`` resolved (``xl/worksheets/../x.xml`` -> ``xl/x.xml``)."""
    parts = []
    for p in path.split("/"):
        if p == "..":
            if parts:
                parts.pop()
        elif p and p != ".":
            parts.append(p)
    return "/".join(parts)


def worksheet_parts(workbook, rels, names: set[str]) -> list[tuple[str, str, str]]:
    """(sheet name, part, state) of each worksheet of a package, in the workbook's order.

    ``workbook`` and ``rels`` are the parsed roots of xl/workbook.xml and its relationships (None when the
    package has none); ``names`` the package's part names.  Chartsheets, dialog sheets, external targets
    and parts the package does not hold are left out.
    """
    targets = {}
    if rels is not None:
        for el in rels.iter("{*}Relationship"):
            target = el.get("Target", "")
            if el.get("TargetMode") == "External":
                continue
            target = target.lstrip("/") if target.startswith("/") else "xl/" + target
            targets[el.get("Id")] = normalise_part(target)
    out = []
    for el in workbook.iter("{*}sheet"):
        part = targets.get(attr(el, "id"))
        name = el.get("name")
        if part is None or part not in names or name is None:
            continue  # chartsheets and dialog sheets have no cells
        if "worksheet" not in part and "sheet" not in part:
            continue
        out.append((name, part, el.get("state", "visible")))
    return out
