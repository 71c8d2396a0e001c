"""Reading an xlsx package's cells, and writing computed values into it as cached values.

openpyxl writes every formula cell as ``<c r="C5"><f>…</f><v></v></c>``: it
cannot store the value a formula computed, so viewers that do not calculate
(pandas, phone previews, openpyxl ``data_only``) show nothing.  The functions
here work on the package itself:

* :class:`Package` opens an xlsx (after the container checks of
  ``gridxl.io.xlsx_safety``) and reads each sheet's cells — constants, formulas
  (shared formulas included, as Excel saves them) and cached values — with
  lxml (:mod:`gridxl.io.xml_parts`), so indented XML, namespace prefixes, inline
  strings and cells without ``r=`` read like Excel's own files.
* :func:`write_cached_values` copies a package, putting ``<v>`` values (and
  the matching ``t=`` cell type) into the formula cells.  The sheet parts are
  parsed and written back with only those cells changed, every other part is
  copied byte for byte, so formulas, validation, merges, formats, charts and
  protection survive.  With ``fixed_time`` the docProps times and the zip
  entry times are fixed, which makes generated templates reproducible.
"""
from __future__ import annotations

import functools
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gridxl.io.xlsx_safety import check_container

from gridxl.io import xml_parts

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


def _printable(text: str) -> str:
    """The text without the control characters XML cannot hold (the serialiser escapes the rest)."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", text)


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




class Package:
    """An xlsx file opened for reading cells (see the module docstring)."""

    def __init__(self, path: str | Path, formula_values: bool = True):
        """``formula_values=False``: skip the cached values of formula cells (a recalculation ignores them)."""
        self.path = Path(path)
        self.formula_values = formula_values
        if not self.path.is_file():
            raise PackageError(f"{self.path}: no such file" if not self.path.exists() else
                               f"{self.path}: is a folder, expected an .xlsx file")
        check_container(self.path)
        self.zip = zipfile.ZipFile(self.path)
        names = set(self.zip.namelist())
        workbook = self._xml("xl/workbook.xml")
        rels = self._xml("xl/_rels/workbook.xml.rels") if "xl/_rels/workbook.xml.rels" in names else None
        sheets = xml_parts.worksheet_parts(workbook, rels, names)
        self.sheet_names: list[str] = [name for name, _, _ in sheets]
        self.sheet_parts: dict[str, str] = {name: part for name, part, _ in sheets}
        self.sheet_states: dict[str, str] = {name: state for name, _, state in sheets}
        self.defined_names = {el.get("name", ""): el.text or "" for el in workbook.iter("{*}definedName")}
        self.shared_strings: list[str] = []
        if "xl/sharedStrings.xml" in names:
            with self.zip.open("xl/sharedStrings.xml") as stream:
                self.shared_strings = self._parsed("xl/sharedStrings.xml", xml_parts.shared_strings, stream)
        self._cells: dict[str, SheetCells] = {}

    def close(self):
        self.zip.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _parsed(self, part, reader, *args):
        try:
            return reader(*args, part)
        except xml_parts.XmlPartError as exc:
            raise PackageError(f"{self.path}: {exc}; save the file again with Excel, WPS or LibreOffice") from None

    def _xml(self, part: str):
        try:
            data = self.zip.read(part)
        except KeyError:
            raise PackageError(f"{self.path}: part {part} is missing; not a readable xlsx workbook") from None
        return self._parsed(part, xml_parts.parse_part, data)

    def cells(self, name: str) -> SheetCells:
        if name not in self._cells:
            self._cells[name] = self._read_cells(name)
        return self._cells[name]

    def _read_cells(self, name: str) -> SheetCells:
        """The sheet's cells: parsed incrementally, then typed with numpy (no second pass over the XML)."""
        part = self.sheet_parts[name]
        with self.zip.open(part) as stream:
            raw = self._parsed(part, xml_parts.sheet_cells, stream)
        where = f"{self.path}, sheet {name!r}"
        n = len(raw.rows)
        if not n:
            z = np.zeros(0, np.int64)
            return SheetCells(name, z, z, np.zeros(0, np.uint8), np.zeros(0), [], np.zeros(0, bool), z, z, [], [])
        rows = np.fromiter(raw.rows, np.int64, n)
        cols = np.fromiter(raw.cols, np.int64, n)
        t = np.asarray(raw.types)
        vtext = raw.values
        is_f = np.zeros(n, bool)
        fidx = np.fromiter((i for i, _, _ in raw.formulas), np.int64, len(raw.formulas))
        is_f[fidx] = True
        has_v = np.fromiter((v is not None for v in vtext), bool, n)
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
            except ValueError:  # <v></v>, an ISO date (t="d") or something odd: one by one
                for i, text in zip(idx.tolist(), texts):
                    if not text.strip():
                        continue
                    try:
                        num[i], typ[i] = float(text), NUM
                    except ValueError:
                        typ[i], obj[i] = STR, text
        sst = self.shared_strings
        for i in np.nonzero(has_v & (t == "s"))[0].tolist():
            try:
                typ[i], obj[i] = STR, sst[int(vtext[i])]
            except (ValueError, IndexError):
                raise PackageError(f"{where}, cell {cell_name(int(rows[i]), int(cols[i]))}: refers to shared "
                                   f"string {vtext[i]!r}, which does not exist") from None
        for i in np.nonzero((t == "str") & (has_v | (is_f & self.formula_values)))[0].tolist():
            typ[i], obj[i] = STR, vtext[i] or ""
        for i in np.nonzero(has_v & (t == "b"))[0].tolist():
            typ[i], num[i] = BOOL, 1.0 if vtext[i].strip() in ("1", "true") else 0.0
        for i in np.nonzero(has_v & (t == "e"))[0].tolist():
            typ[i], obj[i] = ERR, vtext[i].strip()
        for i in np.nonzero(t == "inlineStr")[0].tolist():
            if not is_f[i] or self.formula_values:
                typ[i], obj[i] = STR, raw.inline.get(i, "")
        f_text = [text for _, text, _ in raw.formulas]
        f_attr = [a for _, _, a in raw.formulas]
        keep = (typ != EMPTY) | is_f
        if not keep.all():
            kept = np.nonzero(keep)[0]
            rows_k, cols_k, typ, num, is_k = rows[keep], cols[keep], typ[keep], num[keep], is_f[keep]
            obj = [obj[i] for i in kept.tolist()]
        else:
            rows_k, cols_k, is_k = rows, cols, is_f
        return SheetCells(name, rows_k, cols_k, typ, num, obj, is_k, rows[fidx], cols[fidx], f_text, f_attr)


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
        return "e", _printable(str(value))
    if isinstance(value, (bool, np.bool_)):
        return "b", "1" if value else "0"
    if isinstance(value, str):
        return "str", _printable(value)
    if value is None:
        return "str", ""
    x = float(value)
    if not np.isfinite(x):
        return "e", "#NUM!"
    return None, format_number(x)


_CORE_TIME = re.compile(r"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")


def write_cached_values(source: str | Path, output: str | Path, values: dict[str, dict[tuple[int, int], object]],
                        fixed_time: bool = False, compresslevel: int = 6):
    """Copy the package ``source`` to ``output`` with ``values[sheet][(row, col)]`` cached in its formula cells.

    ``output`` must not be ``source`` (write to a temporary file and rename, as
    ``gridxl.io.outputs.atomic_path`` does).
    """
    pkg = Package(source)
    try:
        part_values = {pkg.sheet_parts[name]: v for name, v in values.items() if name in pkg.sheet_parts}
        with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as out:
            for info in pkg.zip.infolist():
                data = pkg.zip.read(info.filename)
                if info.filename in part_values:
                    data = pkg._parsed(info.filename, xml_parts.patch_formula_values, data,
                                       part_values[info.filename], _encode)
                elif fixed_time and info.filename == "docProps/core.xml":
                    data = _CORE_TIME.sub(lambda m: m.group(1) + FIXED_TIME + m.group(3),
                                          data.decode("utf-8")).encode("utf-8")
                zi = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME if fixed_time else info.date_time)
                zi.compress_type = zipfile.ZIP_DEFLATED
                zi.external_attr = info.external_attr
                out.writestr(zi, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=compresslevel)
    finally:
        pkg.close()
