"""Writing outputs without ever losing data.

* An output is written to a temporary file beside it and renamed into place,
  so an interrupted run leaves the previous output intact.
* No command writes over one of its own inputs, nor over an existing file unless
  told to (``--force``), nor ever over a gridxl template (:func:`refuse_existing`).
* Text that a spreadsheet would run as a formula (a unit named ``=1+1`` or
  ``@SUM(…)``) is written with a leading apostrophe-free guard: a single quote
  in CSV (the OWASP advice), a plain string cell in xlsx.
"""
from __future__ import annotations

import os
import secrets
import signal
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable

import pandas as pd

from gridxl.i18n import _
from gridxl.io.sheet_text import check_frame_texts, check_texts
from gridxl.io.xlsx_table import TableTooLarge, write_xlsx_table
from gridxl.io.xlsx_safety import is_gridxl_template

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class OutputError(ValueError):
    pass


def refuse_overwrite(output: str | Path, inputs: Iterable[str | Path | None]):
    out = Path(output).resolve()
    for item in inputs:
        if item is not None and Path(item).exists() and Path(item).resolve() == out:
            raise OutputError(_("{output}: is also an input; gridxl never writes over its input — choose another "
                                 "output name").format(output=output))


def refuse_existing(output: str | Path | None, force: bool = False):
    """Nothing lost: an existing file is replaced only when the user asked (``--force``); never a gridxl
    template, which may hold a month of typing (``gridxl template --refresh`` rebuilds one keeping it)."""
    if output is None or not Path(output).exists() or Path(output).is_dir():
        return
    if is_gridxl_template(output):
        raise OutputError(_("{output}: already exists and is a gridxl template, which may hold typed inputs; "
                             "gridxl never writes over one — choose another name (to rebuild it keeping its "
                             "inputs: gridxl template --refresh {output} -o NEW.xlsx)").format(
                              output=output))
    if not force:
        raise OutputError(_("{output}: already exists; choose another name, or pass --force to replace it").format(
                              output=output))


@contextmanager
def atomic_path(output: str | Path):
    """Yield a temporary path in the output's folder; rename it onto the output on success.

    The temporary file goes away however the run ends: an error, Ctrl-C, or SIGTERM (a killed job,
    a closed terminal) — SIGTERM is turned into SystemExit while the file is open, so the cleanup runs.
    Its name is short (never much longer than the output's), so a long but legal output name works.
    """
    output = Path(output)
    if output.is_dir():
        raise OutputError(_("{output}: is a folder, expected a file name").format(output=output))
    if not output.parent.exists():
        raise OutputError(_("{parent}: no such folder").format(parent=output.parent))
    if output.exists() and not output.stat().st_mode & 0o222:
        raise OutputError(_("{output}: is read-only; gridxl does not replace a read-only file — choose "
                             "another name or make it writable first").format(
                              output=output))
    tmp = new_temp_file(output.parent, output.suffix)
    previous = _terminate_as_exit()
    try:
        yield tmp
        os.replace(tmp, output)
    finally:
        try:
            if os.path.exists(tmp):
                os.unlink(tmp)
        finally:
            _LIVE_TEMPS.discard(str(tmp))
            _restore_terminate(previous)


_LIVE_TEMPS: set[str] = set()  # temporary files of this process that a SIGTERM must remove


def new_temp_file(folder: Path, suffix: str = "") -> Path:
    """An empty, new, ordinary (umask-permission) file in ``folder`` with a short name: .gx-<8 hex><suffix>."""
    for _attempt in range(100):
        path = Path(folder) / f".gx-{secrets.token_hex(4)}{suffix}"
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)  # the umask applies, as for any file
        except FileExistsError:
            continue
        except OSError as exc:
            raise OutputError(_("{folder}: cannot write here ({strerror})").format(
                                  folder=folder, strerror=exc.strerror)) from None
        os.close(fd)
        _LIVE_TEMPS.add(str(path))
        return path
    raise OutputError(_("{folder}: cannot create a temporary file").format(folder=folder))  # pragma: no cover


def _terminate_as_exit():
    """On SIGTERM remove this process's temporary files and exit with status 143.

    The handler does not raise: a signal may arrive inside a finaliser or an import callback,
    where an exception is printed as "Exception ignored" and the run would go on.
    """
    if threading.current_thread() is not threading.main_thread():
        return None

    def handler(signum, frame):
        for path in list(_LIVE_TEMPS):
            try:
                os.unlink(path)
            except OSError:
                pass
        os._exit(128 + signum)
    try:
        return (signal.signal(signal.SIGTERM, handler),)
    except (ValueError, OSError):  # pragma: no cover - not the main interpreter
        return None


def _restore_terminate(previous):
    if previous is not None:
        signal.signal(signal.SIGTERM, previous[0] if previous[0] is not None else signal.SIG_DFL)


def guard_text(value):
    """A text cell that would start a formula gets a leading ' (CSV injection guard)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_table(frame: pd.DataFrame, output: str | Path, sheet: str = "评分", inputs: Iterable = (),
                texts: dict | None = None):
    """A result table as .csv (UTF-8 with BOM, which Excel and WPS open correctly) or .xlsx.

    ``texts``: more columns after the frame's, name -> :class:`gridxl.core.texts.Texts` (explanations),
    joined batch by batch as they are written.
    """
    output = Path(output)
    texts = texts or {}
    refuse_overwrite(output, inputs)
    suffix = output.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise OutputError(_("{output}: expected a .csv or .xlsx output name").format(output=output))
    if suffix == ".xlsx":
        check_texts([str(c) for c in [*frame.columns, *texts]], f"{output}: column name")
        check_frame_texts(frame, str(output))
    with atomic_path(output) as tmp:
        if suffix == ".csv":
            _write_csv(frame, tmp, texts)
        else:
            try:
                write_xlsx_table(tmp, frame, sheet, texts, what=str(output))
            except TableTooLarge as exc:
                raise OutputError(str(exc)) from None


def _write_csv(frame: pd.DataFrame, path: Path, texts: dict):
    """pyarrow's CSV writer: about 7x faster than DataFrame.to_csv on a million rows of scores.

    Text columns given as pieces are joined a batch of rows at a time, each batch written before
    the next is joined (a million explanations never sit in memory at once).
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [guard_text(str(c)) for c in [*frame.columns, *texts]]  # the header row is text from outside too
    columns = [_arrow_column(frame.iloc[:, j]) for j in range(len(frame.columns))]  # names may repeat
    with open(path, "wb") as out:
        out.write("\ufeff".encode("utf-8"))
        if not texts:
            pacsv.write_csv(pa.table(columns, names=names), out)
            return
        from gridxl.io.text_columns import write_csv_batches
        write_csv_batches(out, names, columns, list(texts.values()), _guarded, FORMULA_STARTS)


def _arrow_column(col: pd.Series):
    """A column for the CSV writer; text that a spreadsheet would run gets a leading ' (vectorised)."""
    import pyarrow as pa

    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        return pa.array(col, from_pandas=True)
    values = col.to_numpy(dtype=object, na_value=None)
    try:
        text = pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):  # numbers or dates mixed into a text column
        text = pa.array([None if v is None else str(v) for v in values], type=pa.string())
    return _guarded(text)


def _guarded(text):
    """Text that a spreadsheet would run as a formula gets a leading ' (vectorised)."""
    import pyarrow.compute as pc

    risky = None
    for start in FORMULA_STARTS:
        hit = pc.starts_with(text, start)
        risky = hit if risky is None else pc.or_(risky, hit)
    if risky is None or not pc.any(risky).as_py():
        return text
    return pc.if_else(risky, pc.binary_join_element_wise("'", text, ""), text)
