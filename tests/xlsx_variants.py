"""The same workbook written the ways other programs write it: for the reader's round-trip tests.

Each variant rewrites the sheet parts of an xlsx with lxml (the test's own rewriting, independent
of gridxl's reader): indentation (Gnumeric, hand edits), a namespace prefix on every element
(``<x:c>``, some .NET writers), inline strings instead of the shared-string table, shared
formulas down each column (Excel), cells without ``r=``, and ``_xlfn.RANK.EQ`` for ``RANK``.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

from lxml import etree

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
Q = "{%s}" % MAIN


def _sheet_parts(names):
    return [n for n in names if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]


def rewrite(source: Path, output: Path, change) -> Path:
    """``output``: ``source`` with ``change(root, shared_strings)`` applied to the root of every sheet part."""
    with zipfile.ZipFile(source) as zin:
        names = zin.namelist()
        strings = []
        if "xl/sharedStrings.xml" in names:
            sst = etree.fromstring(zin.read("xl/sharedStrings.xml"))
            strings = ["".join(t.text or "" for t in si.iter(Q + "t")) for si in sst.iter(Q + "si")]
        with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as zout:
            for name in names:
                data = zin.read(name)
                if name in _sheet_parts(names):
                    root = etree.fromstring(data)
                    new = change(root, strings)
                    root = root if new is None else new
                    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
                zout.writestr(name, data)
    return output


def indented(root, strings):
    etree.indent(root, space="    ")


def prefixed(root, strings):
    """Every element of the main namespace as ``x:name`` (no default namespace)."""
    nsmap = {k: v for k, v in root.nsmap.items() if k is not None and v != MAIN}
    nsmap["x"] = MAIN
    new = etree.Element(root.tag, nsmap=nsmap)
    for k, v in root.attrib.items():
        new.set(k, v)
    for child in root:
        new.append(child)
    etree.cleanup_namespaces(new)
    return new


def inline_strings(root, strings):
    for c in root.iter(Q + "c"):
        if c.get("t") == "s" and c.find(Q + "f") is None:
            v = c.find(Q + "v")
            text = strings[int(v.text)]
            c.remove(v)
            c.set("t", "inlineStr")
            is_ = etree.SubElement(c, Q + "is")
            etree.SubElement(is_, Q + "t").text = text


def without_cell_refs(root, strings):
    """r= left out on every cell (allowed when the cells of a row come one after the other)."""
    for row in root.iter(Q + "row"):
        expected = 1
        cells = list(row.iter(Q + "c"))
        cols = [_col(c.get("r")) for c in cells]
        if cols != list(range(1, len(cells) + 1)):
            expected = None
        if expected:
            for c in cells:
                del c.attrib["r"]


def shared_formulas(root, strings):
    """Runs of formula cells down a column that are one formula filled down, stored as Excel does."""
    from gridxl.engine import translate

    by_col: dict[int, list] = {}
    for c in root.iter(Q + "c"):
        f = c.find(Q + "f")
        if f is not None and f.text and not f.attrib:
            r, col = _row(c.get("r")), _col(c.get("r"))
            by_col.setdefault(col, []).append((r, c, f))
    si = 0
    for col, cells in by_col.items():
        i = 0
        while i < len(cells):
            r0, c0, f0 = cells[i]
            j = i + 1
            while j < len(cells) and cells[j][0] == r0 + (j - i) and \
                    translate(f0.text, (r0, col), (cells[j][0], col)) == cells[j][2].text:
                j += 1
            if j - i >= 2:
                f0.set("t", "shared")
                f0.set("ref", f"{c0.get('r')}:{cells[j - 1][1].get('r')}")
                f0.set("si", str(si))
                for _, _, f in cells[i + 1:j]:
                    f.text = None
                    f.set("t", "shared")
                    f.set("si", str(si))
                si += 1
            i = j


def rank_eq(root, strings):
    for f in root.iter(Q + "f"):
        if f.text and "RANK(" in f.text:
            f.text = f.text.replace("RANK(", "_xlfn.RANK.EQ(")


VARIANTS = {"indented": indented, "prefixed": prefixed, "inline-strings": inline_strings,
            "no-cell-refs": without_cell_refs, "shared-formulas": shared_formulas, "rank-eq": rank_eq}


def all_at_once(root, strings):
    for name in ("inline-strings", "shared-formulas", "rank-eq", "no-cell-refs", "indented"):
        VARIANTS[name](root, strings)
    return prefixed(root, strings)


def _col(ref: str) -> int:
    n = 0
    for ch in re.match(r"[A-Z]+", ref).group(0):
        n = n * 26 + ord(ch) - 64
    return n


def _row(ref: str) -> int:
    return int(re.search(r"\d+", ref).group(0))


# -- rows inserted, deleted and moved as Excel does it -----------------------------------------------
def remap_rows(source: Path, output: Path, sheet: str, mapping: dict) -> Path:
    """What Excel writes after rows of ``sheet`` were inserted, deleted or moved.

    ``mapping``: old row -> new row (None: the row was deleted).  The cells of those rows move; every
    formula of the workbook that read them follows them (``录入!C10`` -> ``录入!C11``, and on the sheet
    itself ``E10`` -> ``E11``); a reference to a deleted row becomes ``#REF!``; a range's ends follow as
    Excel moves them (a row inserted inside ``$B$5:$B$45`` makes it ``$B$5:$B$46``, one inserted at its
    first row moves it to ``$B$6:$B$46``, a deleted row shrinks it).
    """
    with zipfile.ZipFile(source) as zin:
        wb = etree.fromstring(zin.read("xl/workbook.xml"))
        rels = etree.fromstring(zin.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): "xl/" + r.get("Target").lstrip("/").removeprefix("xl/") for r in rels}
        rid = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
        part_of = {s.get("name"): targets[s.get(rid)] for s in wb.iter(Q + "sheet")}
        moved_part = part_of[sheet]

        with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as zout:
            for name in zin.namelist():
                data = zin.read(name)
                if name in part_of.values():
                    root = etree.fromstring(data)
                    for f in root.iter(Q + "f"):
                        if f.text:
                            f.text = _follow(f.text, sheet, mapping, own=name == moved_part)
                    if name == moved_part:
                        _move_cells(root, mapping)
                    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
                zout.writestr(name, data)
    return output


_REF = re.compile(r"(?<![A-Za-z0-9_$.])(?P<pre>(?:'[^']+'|[^\s!(),:=+\-*/&<>\"'{}]+)!)?"
                  r"(?P<a>\$?[A-Z]{1,3}\$?)(?P<r1>\d+)(?::(?P<b>\$?[A-Z]{1,3}\$?)(?P<r2>\d+))?(?![\d(])")


def _follow(text: str, sheet: str, mapping: dict, own: bool) -> str:
    """``text`` with its references to ``sheet`` moved as ``mapping`` moves the rows (outside string literals)."""
    def sub(m):
        pre = m.group("pre")
        if pre is None and not own or pre is not None and pre[:-1].strip("'") != sheet:
            return m.group(0)
        pre = pre or ""
        if m.group("b") is None:
            new = mapping.get(int(m.group("r1")), int(m.group("r1")))
            return f"{pre}#REF!" if new is None else f"{pre}{m.group('a')}{new}"
        lo, hi = int(m.group("r1")), int(m.group("r2"))
        kept = [mapping.get(r, r) for r in range(lo, hi + 1) if mapping.get(r, r) is not None]
        if not kept:
            return f"{pre}#REF!"
        return f"{pre}{m.group('a')}{min(kept)}:{m.group('b')}{max(kept)}"
    parts = text.split('"')  # even parts are outside "…" literals
    return '"'.join(_REF.sub(sub, p) if i % 2 == 0 else p for i, p in enumerate(parts))


def _move_cells(root, mapping):
    data = root.find(Q + "sheetData")
    rows = {int(r.get("r")): r for r in data.iter(Q + "row")}
    for r in list(rows.values()):
        data.remove(r)
    placed = {}
    for old, row in rows.items():
        new = mapping.get(old, old)
        if new is None:
            continue
        row.set("r", str(new))
        for c in row.iter(Q + "c"):
            c.set("r", re.sub(r"\d+$", str(new), c.get("r")))
        placed[new] = row
    for new in sorted(placed):
        data.append(placed[new])


def insert_row(source, output, sheet, at, last=200):
    return remap_rows(source, output, sheet, {r: r + 1 for r in range(at, last + 1)})


def delete_row(source, output, sheet, at, last=200):
    return remap_rows(source, output, sheet, {at: None, **{r: r - 1 for r in range(at + 1, last + 1)}})


def move_row(source, output, sheet, frm, to):
    """Cut row ``frm`` and insert it before row ``to`` (to < frm)."""
    mapping = {frm: to, **{r: r + 1 for r in range(to, frm)}}
    return remap_rows(source, output, sheet, mapping)
