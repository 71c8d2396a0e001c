"""Writing outputs without ever losing data.

* An output is written to a temporary file beside it and renamed into place,
  so an interrupted run leaves the previous output intact.
* No command writes over one of its own inputs.
* Text that a spreadsheet would run as a formula (a unit named ``=1+1`` or
  ``@SUM(…)``) is written with a leading apostrophe-free guard: a single quote
  in CSV (the OWASP advice), a plain string cell in xlsx.
"""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class OutputError(ValueError):
    pass


def refuse_overwrite(output: str | Path, inputs: Iterable[str | Path | None]):
    out = Path(output).resolve()
    for item in inputs:
        if item is not None and Path(item).exists() and Path(item).resolve() == out:
            raise OutputError(f"{output}: is also an input; gridxl never writes over its input — "
                              f"choose another output name")


@contextmanager
def atomic_path(output: str | Path):
    """Yield a temporary path in the output's folder; rename it onto the output on success."""
    output = Path(output)
    if output.is_dir():
        raise OutputError(f"{output}: is a folder, expected a file name")
    if not output.parent.exists():
        raise OutputError(f"{output.parent}: no such folder")
    fd, tmp = tempfile.mkstemp(prefix=f".{output.stem}.", suffix=output.suffix, dir=output.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it owner-only; an output is an ordinary file
    try:
        yield Path(tmp)
        os.replace(tmp, output)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def guard_text(value):
    """A text cell that would start a formula gets a leading ' (CSV injection guard)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_table(frame: pd.DataFrame, output: str | Path, sheet: str = "评分", inputs: Iterable = ()):
    """A result table as .csv (UTF-8 with BOM, which Excel and WPS open correctly) or .xlsx."""
    output = Path(output)
    refuse_overwrite(output, inputs)
    suffix = output.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise OutputError(f"{output}: expected a .csv or .xlsx output name")
    with atomic_path(output) as tmp:
        if suffix == ".csv":
            frame = frame.copy()
            for col in frame.columns:
                if not pd.api.types.is_numeric_dtype(frame[col]):
                    frame[col] = frame[col].map(guard_text)
            frame.to_csv(tmp, index=False, encoding="utf-8-sig")
        else:
            _write_xlsx(frame, tmp, sheet)


def _write_xlsx(frame: pd.DataFrame, path: Path, sheet: str):
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for j, name in enumerate(frame.columns, start=1):
        ws.cell(row=1, column=j, value=str(name))
    for i, row in enumerate(frame.itertuples(index=False), start=2):
        for j, v in enumerate(row, start=1):
            if isinstance(v, float) and v != v:
                continue
            cell = ws.cell(row=i, column=j, value=v.item() if hasattr(v, "item") else v)
            if isinstance(v, str):
                cell.data_type = "s"  # stored as text, never run as a formula
    ws.freeze_panes = "B2"
    wb.save(path)
