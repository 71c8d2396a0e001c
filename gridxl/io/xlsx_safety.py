"""Opening xlsx files from outside without trusting them.

A file that comes back from an office may be anything: not a zip, a
truncated zip, a zip bomb, XML with entity expansion, a sheet claiming a
million rows.  We check the container before openpyxl sees it, read with
defusedxml installed (openpyxl uses it when present), and never evaluate or
keep macros.
"""
from __future__ import annotations

import zipfile
from pathlib import Path


from gridxl.i18n import _
from gridxl.io.errors import InputError
from gridxl.io.xml_parts import XmlPartError, parse_part

MAX_UNCOMPRESSED = 200 * 1024 * 1024  # bytes, all parts together
MAX_RATIO = 200  # uncompressed / compressed, per part


def check_container(path: Path):
    try:
        with zipfile.ZipFile(path) as zf:
            total = 0
            for info in zf.infolist():
                total += info.file_size
                if info.compress_size and info.file_size / info.compress_size > MAX_RATIO and info.file_size > 10_000_000:
                    raise InputError(_("{path}: part {filename} expands {file_size}× (a zip bomb?); refused").format(
                                         path=path, filename=info.filename,
                                         file_size=info.file_size // info.compress_size))
            if total > MAX_UNCOMPRESSED:
                raise InputError(_("{path}: expands to {total} MiB, more than the {max_uncompressed} MiB gridxl "
                                    "reads; refused").format(
                                     path=path, total=total // 2**20, max_uncompressed=MAX_UNCOMPRESSED // 2**20))
            for info in zf.infolist():
                if info.filename.endswith((".xml", ".rels")):
                    with zf.open(info) as part:
                        head = part.read(4096)
                    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                        raise InputError(_("{path}: part {filename} declares a DTD or entities, which no Excel file needs "
                                            "(an XML entity-expansion attack?); refused").format(
                                             path=path, filename=info.filename))
            if "xl/workbook.xml" not in zf.namelist():
                raise InputError(_("{path}: a zip file but not an Excel workbook (no xl/workbook.xml)").format(
                                     path=path))
            bad = zf.testzip()
            if bad:
                raise InputError(_("{path}: damaged (part {bad} fails its checksum)").format(path=path, bad=bad))
    except zipfile.BadZipFile:
        raise InputError(_("{path}: not an .xlsx workbook (not a zip file, or truncated)").format(path=path)) from None


def load_workbook_safely(path: str | Path, **kwargs):
    """openpyxl.load_workbook after the container checks; defusedxml guards the XML."""
    import defusedxml  # noqa: F401  (openpyxl switches to it when importable)
    import openpyxl

    path = Path(path)
    check_container(path)
    try:
        return openpyxl.load_workbook(path, **kwargs)
    except InputError:
        raise
    except Exception as exc:  # openpyxl raises many types for malformed parts
        raise InputError(_("{path}: cannot be read as an Excel workbook ({name}: {exc})").format(
                             path=path, name=type(exc).__name__, exc=exc)) from None


TEMPLATE_SHEET = "_gridxl"  # the hidden layout sheet every gridxl template carries


def is_gridxl_template(path: str | Path) -> bool:
    """True for an .xlsx holding gridxl's hidden layout sheet: a template, which may hold a month of typing.

    Read from the workbook part alone (no sheet is parsed), so guarding an output path stays cheap; a file
    that is not a readable workbook is not a template.
    """
    path = Path(path)
    if path.suffix.lower() not in (".xlsx", ".xlsm") or not path.is_file():
        return False
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("xl/workbook.xml")
            if info.file_size > 10 * 2**20:
                return False
            root = parse_part(zf.read(info), info.filename)
    except (zipfile.BadZipFile, KeyError, OSError, XmlPartError):
        return False
    return any(el.get("name") == TEMPLATE_SHEET for el in root.iter("{*}sheet"))
