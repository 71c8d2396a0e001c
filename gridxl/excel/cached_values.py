"""Reading an xlsx package's cells, and writing computed values into it as cached values.

openpyxl writes every formula cell as ``<c r="C5"><f>…</f><v></v></c>``: it
cannot store the value a formula computed, so viewers that do not calculate
(pandas, phone previews, openpyxl ``data_only``) show nothing.  The functions
here work on the package itself:

* :class:`Package` opens an xlsx (after the container checks of
  ``gridxl.xlsx_safety``) and reads each sheet's cells — constants, formulas
  (shared formulas included, as Excel saves them) and cached values — with a
  few regular expressions over the sheet XML: fast for 10,000-row sheets and
  with no entity expansion.
* :func:`write_cached_values` copies a package, putting ``<v>`` values (and
  the matching ``t=`` cell type) into the formula cells.  Every other part is
  copied byte for byte, so formulas, validation, merges, formats, charts and
  protection survive.  With ``fixed_time`` the docProps times and the zip
  entry times are fixed, which makes generated templates reproducible.
"""
from __future__ import annotations

import collections
import functools
import html
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

EMPTY, NUM, STR, BOOL, ERR = 0, 1, 2, 3, 4
ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA")
FIXED_TIME = "2024-01-01T00:00:00Z"
_ZIP_TIME = (2024, 1, 1, 0, 0, 0)


class PackageError(ValueError):
    """The file is not an xlsx workbook this module can read."""


class ExcelError(str):
    """An error value such as ``#DIV/0!`` (a str subclass so it prints as Excel shows it)."""

    __slots__ = ()


@functools.lru_cache(maxsize=4096)
def col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def col_letters(n: int) -> str:
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def cell_name(row: int, col: int) -> str:
    return f"{col_letters(col)}{row}"


_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def parse_cell(ref: str) -> tuple[int, int]:
    m = _CELL_REF.match(ref)
    if not m:
        raise PackageError(f"not a cell reference: {ref!r}")
    return int(m.group(2)), col_number(m.group(1))


_CHARREF = re.compile(r"&#(?:(\d+)|x([0-9a-fA-F]+));")


def _decode_charrefs(xml: str) -> str:
    """Numeric character references (openpyxl writes every Chinese character as &#NNNNN;) decoded once.

    The five characters that are XML syntax stay escaped, so the text is still the same XML.
    """
    if "&#" not in xml:
        return xml

    def char(dec, hexa):
        code = int(dec) if dec else int(hexa, 16)
        return None if code in (34, 38, 39, 60, 62) or code < 32 or code > 0x10FFFF else chr(code)

    # the characters of a sheet name recur in every formula: replace those at C speed, found in a sample
    sample = xml[:300_000] + xml[-300_000:] if len(xml) > 600_000 else xml
    counts = collections.Counter(_CHARREF.findall(sample))
    for (dec, hexa), n in counts.items():
        if n >= 50 and char(dec, hexa) is not None:
            xml = xml.replace(f"&#{dec};" if dec else f"&#x{hexa};", char(dec, hexa))
    first, last = xml.find("&#"), xml.rfind("&#")  # the rare ones left, usually in the header rows
    if first < 0:
        return xml
    return xml[:first] + _CHARREF.sub(lambda m: char(m.group(1), m.group(2)) or m.group(0), xml[first:last + 12]) \
        + xml[last + 12:]


def _unescape(text: str) -> str:
    if "&" not in text:
        return text
    text = text.replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&apos;", "'")
    if "&#" in text:
        return html.unescape(text)
    return text.replace("&amp;", "&")


def _escape(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", text)


@dataclass
class Formula:
    text: str | None  # None for the dependent cells of a shared formula
    kind: str = "normal"  # normal, shared, array, dataTable
    si: str | None = None
    ref: str | None = None


@dataclass
class SheetCells:
    """The cells of one sheet, as parallel arrays (rows and columns are 1-based).

    Formula cells are also listed in ``f_rows``/``f_cols``/``f_text``/``f_attr`` (``f_text``
    None for the dependent cells of a shared formula; ``f_attr`` None or the <f> attributes).
    """

    name: str
    rows: np.ndarray
    cols: np.ndarray
    typ: np.ndarray  # EMPTY, NUM, STR, BOOL, ERR of the stored (cached) value
    num: np.ndarray
    obj: list  # text of STR and ERR values, else None
    is_formula: np.ndarray
    f_rows: np.ndarray
    f_cols: np.ndarray
    f_text: list
    f_attr: list
    _formulas: dict | None = None

    @property
    def formulas(self) -> dict[tuple[int, int], Formula]:
        if self._formulas is None:
            out = {}
            for r, c, text, attr in zip(self.f_rows.tolist(), self.f_cols.tolist(), self.f_text, self.f_attr):
                attr = attr or {}
                out[(r, c)] = Formula(text, attr.get("t", "normal"), attr.get("si"), attr.get("ref"))
            self._formulas = out
        return self._formulas

    def values(self) -> dict[tuple[int, int], object]:
        """{(row, col): value} with floats, str, bool, ExcelError; None for empty."""
        out = {}
        for r, c, t, x, o in zip(self.rows.tolist(), self.cols.tolist(), self.typ.tolist(), self.num.tolist(),
                                 self.obj):
            out[(r, c)] = decode(t, x, o)
        return out


def decode(typ: int, num: float, obj):
    if typ == NUM:
        return num
    if typ == BOOL:
        return bool(num)
    if typ == STR:
        return obj
    if typ == ERR:
        return ExcelError(obj)
    return None


_SHEET_TAG = re.compile(r'<(?:\w+:)?sheet\b([^>]*?)/?>')
_ATTR = re.compile(r'([\w:]+)="([^"]*)"')
_REL = re.compile(r'<(?:\w+:)?Relationship\b([^>]*?)/?>')
_SI = re.compile(r"<(?:\w+:)?si>(.*?)</(?:\w+:)?si>", re.S)
_RPH = re.compile(r"<(?:\w+:)?rPh\b.*?</(?:\w+:)?rPh>", re.S)
_T = re.compile(r"<(?:\w+:)?t(?:\s[^>]*)?>(.*?)</(?:\w+:)?t>|<(?:\w+:)?t\s*/>", re.S)
_DEFINED = re.compile(r'<(?:\w+:)?definedName\b([^>]*)>(.*?)</(?:\w+:)?definedName>', re.S)
_CELL = re.compile(r'<c\b(?: r="([A-Z]{1,3})(\d+)")?([^>]*?)(?:/>|>'
                   r'(?:(<f)\b([^>]*?)(?:/>|>([^<]*)</f>))?'
                   r'(?:(<v)(?:>([^<]*)</v>|/>))?'
                   r'(.*?)</c>)', re.S)
_FORMULA_CELL = re.compile(r'<c r="([A-Z]{1,3})(\d+)"([^>]*?)>(<f\b[^>]*?(?:/>|>[^<]*</f>))(?:<v>[^<]*</v>|<v/>)?</c>')
_R_ATTR = re.compile(r'\br="\$?([A-Z]{1,3})\$?(\d+)"')
_T_ATTR = re.compile(r'\bt="(\w+)"')
_F = re.compile(r"<f\b([^>]*?)(?:/>|>(.*?)</f>)", re.S)
_V = re.compile(r"<v>(.*?)</v>", re.S)
_IS = re.compile(r"<is>(.*?)</is>", re.S)
_PREFIX = re.compile(r"<(\w+):worksheet\b")


def _attrs(text: str) -> dict[str, str]:
    return {k: _unescape(v) for k, v in _ATTR.findall(text)}


def _texts(fragment: str) -> str:
    fragment = _RPH.sub("", fragment)
    return "".join(_unescape(m.group(1) or "") for m in _T.finditer(fragment))


class Package:
    """An xlsx file opened for reading cells (see the module docstring)."""

    def __init__(self, path: str | Path, formula_values: bool = True):
        """``formula_values=False``: skip the cached values of formula cells (a recalculation ignores them)."""
        from ..xlsx_safety import check_container

        self.path = Path(path)
        self.formula_values = formula_values
        if not self.path.is_file():
            raise PackageError(f"{self.path}: no such file" if not self.path.exists() else
                               f"{self.path}: is a folder, expected an .xlsx file")
        check_container(self.path)
        self.zip = zipfile.ZipFile(self.path)
        names = set(self.zip.namelist())
        workbook = self._text("xl/workbook.xml")
        rels = {}
        if "xl/_rels/workbook.xml.rels" in names:
            for m in _REL.finditer(self._text("xl/_rels/workbook.xml.rels")):
                a = _attrs(m.group(1))
                target = a.get("Target", "")
                target = target.lstrip("/") if target.startswith("/") else "xl/" + target
                rels[a.get("Id")] = _normalise_part(target)
        self.sheet_names: list[str] = []
        self.sheet_parts: dict[str, str] = {}
        self.sheet_states: dict[str, str] = {}
        for m in _SHEET_TAG.finditer(workbook):
            a = _attrs(m.group(1))
            rid = next((v for k, v in a.items() if k.endswith(":id")), None)
            part = rels.get(rid)
            if part is None or part not in names or "name" not in a:
                continue  # chartsheets and dialog sheets have no cells
            if "worksheet" not in part and "sheet" not in part:
                continue
            self.sheet_names.append(a["name"])
            self.sheet_parts[a["name"]] = part
            self.sheet_states[a["name"]] = a.get("state", "visible")
        self.defined_names = {_attrs(m.group(1)).get("name", ""): _unescape(m.group(2))
                              for m in _DEFINED.finditer(workbook)}
        self.shared_strings: list[str] = []
        if "xl/sharedStrings.xml" in names:
            self.shared_strings = [_texts(m.group(1)) for m in
                                   _SI.finditer(_decode_charrefs(self._text("xl/sharedStrings.xml")))]
        self._cells: dict[str, SheetCells] = {}

    def close(self):
        self.zip.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _text(self, part: str) -> str:
        try:
            return self.zip.read(part).decode("utf-8")
        except KeyError:
            raise PackageError(f"{self.path}: part {part} is missing; not a readable xlsx workbook") from None
        except UnicodeDecodeError:
            raise PackageError(f"{self.path}: part {part} is not UTF-8 XML") from None

    def sheet_xml(self, name: str) -> str:
        xml = _decode_charrefs(self._text(self.sheet_parts[name]))
        m = _PREFIX.search(xml[:2000])
        if m:  # <x:worksheet …>: drop the prefix so one set of patterns reads every writer
            p = m.group(1)
            xml = xml.replace(f"<{p}:", "<").replace(f"</{p}:", "</")
        return xml

    def cells(self, name: str) -> SheetCells:
        if name not in self._cells:
            self._cells[name] = self._read_cells(name)
        return self._cells[name]

    def _read_cells(self, name: str) -> SheetCells:
        """The sheet's cells, read with one regular expression and numpy (no loop over every cell)."""
        xml = self.sheet_xml(name)
        start = xml.find("<sheetData")
        end = xml.rfind("</sheetData>")
        body = xml[start:end] if start >= 0 and end > start else ""
        where = f"{self.path}, sheet {name!r}"
        found = _CELL.findall(body)
        if not found:
            z = np.zeros(0, np.int64)
            return SheetCells(name, z, z, np.zeros(0, np.uint8), np.zeros(0), [], np.zeros(0, bool), z, z, [], [])
        letters, digits, attrs, fmark, fattrs, ftext, vmark, vtext, rest = zip(*found)
        n = len(found)
        if "" in letters:  # a writer that puts r= later, or leaves it out
            letters, digits = list(letters), list(digits)
            for i in range(n):
                if not letters[i]:
                    rm = _R_ATTR.search(attrs[i])
                    if rm is None:
                        raise PackageError(f"{where}: a cell without a reference (r=…); "
                                           f"save the file again with Excel, WPS or LibreOffice")
                    letters[i], digits[i] = rm.group(1), rm.group(2)
        rows = np.fromiter(map(int, digits), np.int64, n)
        colmap = {x: col_number(x) for x in set(letters)}
        cols = np.fromiter(map(colmap.__getitem__, letters), np.int64, n)
        tmap = {a: (_T_ATTR.search(a).group(1) if ' t="' in a else "n") for a in set(attrs)}
        t = np.asarray(list(map(tmap.__getitem__, attrs)))
        is_f = np.fromiter(map(bool, fmark), bool, n)
        has_v = np.fromiter(map(bool, vmark), bool, n)
        if not self.formula_values:
            has_v &= ~is_f
        typ = np.zeros(n, np.uint8)
        num = np.full(n, np.nan)
        obj: list = [None] * n
        numeric = has_v & ((t == "n") | (t == "d"))
        if numeric.any():
            idx = np.nonzero(numeric)[0]
            texts = [vtext[i] for i in idx.tolist()]
            try:
                num[idx] = np.fromiter(map(float, texts), float, len(texts))
                typ[idx] = NUM
            except ValueError:  # <v></v> or something odd: one by one
                for i, text in zip(idx.tolist(), texts):
                    if not text.strip():
                        continue
                    try:
                        num[i], typ[i] = float(text), NUM
                    except ValueError:
                        typ[i], obj[i] = STR, _unescape(text)
        sst = self.shared_strings
        for i in np.nonzero(has_v & (t == "s"))[0]:
            try:
                typ[i], obj[i] = STR, sst[int(vtext[i])]
            except (ValueError, IndexError):
                raise PackageError(f"{where}, cell {cell_name(int(rows[i]), int(cols[i]))}: refers to shared "
                                   f"string {vtext[i]!r}, which does not exist") from None
        for i in np.nonzero((t == "str") & (has_v | (is_f & self.formula_values)))[0]:
            typ[i], obj[i] = STR, _unescape(vtext[i])
        for i in np.nonzero(has_v & (t == "b"))[0]:
            typ[i], num[i] = BOOL, 1.0 if vtext[i].strip() in ("1", "true") else 0.0
        for i in np.nonzero(has_v & (t == "e"))[0]:
            typ[i], obj[i] = ERR, _unescape(vtext[i])
        for i in np.nonzero(t == "inlineStr")[0]:
            im = _IS.search(rest[i])
            typ[i], obj[i] = STR, _texts(im.group(1)) if im else ""
        fidx = np.nonzero(is_f)[0]
        f_text, f_attr = [], []
        for i in fidx.tolist():
            fa = fattrs[i]
            attr = _attrs(fa) if fa.strip(" /") else None
            text = ftext[i]
            if text == "" and attr is not None and attr.get("t") == "shared":
                f_text.append(None)  # <f t="shared" si="0"/>: the master cell of si 0 holds the text
            else:
                f_text.append(_unescape(text) if "&" in text else text)
            f_attr.append(attr)
        keep = (typ != EMPTY) | is_f
        kept = np.nonzero(keep)[0]
        return SheetCells(name, rows[keep], cols[keep], typ[keep], num[keep], [obj[i] for i in kept.tolist()],
                          is_f[keep], rows[fidx], cols[fidx], f_text, f_attr)


def _normalise_part(path: str) -> str:
    parts = []
    for p in path.split("/"):
        if p == "..":
            if parts:
                parts.pop()
        elif p and p != ".":
            parts.append(p)
    return "/".join(parts)


# -- writing --------------------------------------------------------------------
def format_number(x: float) -> str:
    """A double as the shortest text that reads back as the same double."""
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return repr(float(x))


def _encode(value) -> tuple[str | None, str]:
    """(t attribute or None, <v> text) for a computed value."""
    if type(value) is float:
        if value.is_integer() and abs(value) < 1e15:
            return None, str(int(value))
        if value == value and abs(value) != float("inf"):
            return None, repr(value)
    if isinstance(value, ExcelError):
        return "e", _escape(str(value))
    if isinstance(value, (bool, np.bool_)):
        return "b", "1" if value else "0"
    if isinstance(value, str):
        return "str", _escape(value)
    if value is None:
        return "str", ""
    x = float(value)
    if not np.isfinite(x):
        return "e", "#NUM!"
    return None, format_number(x)


_MISSING = object()


def _patch_sheet(xml: str, values: dict[tuple[int, int], object]) -> str:
    colmap: dict[str, int] = {}

    def repl(m):
        letters, digits, attrs, f = m.groups()
        c = colmap.get(letters)
        if c is None:
            c = colmap[letters] = col_number(letters)
        value = values.get((int(digits), c), _MISSING)
        if value is _MISSING:
            return m.group(0)
        t, v = _encode(value)
        if ' t="' in attrs:
            attrs = _T_ATTR.sub("", attrs).rstrip()
        if t:
            return f'<c r="{letters}{digits}"{attrs} t="{t}">{f}<v>{v}</v></c>'
        return f'<c r="{letters}{digits}"{attrs}>{f}<v>{v}</v></c>'

    start = xml.find("<sheetData")
    end = xml.rfind("</sheetData>")
    if start < 0 or end < start:
        return xml
    return xml[:start] + _FORMULA_CELL.sub(repl, xml[start:end]) + xml[end:]


_CORE_TIME = re.compile(r"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")


def write_cached_values(source: str | Path, output: str | Path, values: dict[str, dict[tuple[int, int], object]],
                        fixed_time: bool = False, compresslevel: int = 6):
    """Copy the package ``source`` to ``output`` with ``values[sheet][(row, col)]`` cached in its formula cells.

    ``output`` must not be ``source`` (write to a temporary file and rename, as
    ``gridxl.outputs.atomic_path`` does).
    """
    pkg = Package(source)
    try:
        part_values = {pkg.sheet_parts[name]: v for name, v in values.items() if name in pkg.sheet_parts}
        prefixes = {}
        with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as out:
            for info in pkg.zip.infolist():
                data = pkg.zip.read(info.filename)
                if info.filename in part_values:
                    xml = data.decode("utf-8")
                    m = _PREFIX.search(xml[:2000])
                    if m:
                        prefixes[info.filename] = m.group(1)
                        xml = pkg.sheet_xml(next(n for n, p in pkg.sheet_parts.items() if p == info.filename))
                        xml = _patch_sheet(xml, part_values[info.filename])
                        # the prefix-free XML is valid too: declare the default namespace it relies on
                        xml = _restore_default_ns(xml, m.group(1))
                    else:
                        xml = _patch_sheet(xml, part_values[info.filename])
                    data = xml.encode("utf-8")
                elif fixed_time and info.filename == "docProps/core.xml":
                    data = _CORE_TIME.sub(lambda m: m.group(1) + FIXED_TIME + m.group(3),
                                          data.decode("utf-8")).encode("utf-8")
                zi = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME if fixed_time else info.date_time)
                zi.compress_type = zipfile.ZIP_DEFLATED
                zi.external_attr = info.external_attr
                out.writestr(zi, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=compresslevel)
    finally:
        pkg.close()


def _restore_default_ns(xml: str, prefix: str) -> str:
    m = re.search(rf'xmlns:{prefix}="([^"]+)"', xml)
    if m and 'xmlns="' not in xml[:m.start() + 500]:
        xml = xml.replace("<worksheet", f'<worksheet xmlns="{m.group(1)}"', 1)
    return xml
