"""Progress on a terminal, silence everywhere else.

Commands that can take more than a couple of seconds (a 10,000-row template, ``check`` and
``recalc`` of a large workbook, ``score`` and ``bulletin`` of a large export) show a tqdm bar
of their stages on stderr when stderr is a terminal and the input is large; in scripts, pipes,
CI logs and tests they print nothing extra.  ``GRIDXL_PROGRESS=0`` silences the bar, ``=1``
forces it (for a terminal that does not say it is one).  The ``formulas`` fallback engine's own
bar goes through the same switch (:func:`formulas_bar`).
"""
from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

LARGE_ROWS = 2000  # rows of a template or of an input table
LARGE_BYTES = 500_000  # bytes of an input workbook or table


def wanted(large: bool = True) -> bool:
    """Whether to show a bar: forced by GRIDXL_PROGRESS, else on a terminal for large work."""
    env = os.environ.get("GRIDXL_PROGRESS", "").strip()
    if env in ("0", "1"):
        return env == "1"
    return large and sys.stderr is not None and sys.stderr.isatty()


def large_file(*paths) -> bool:
    total = 0
    for p in paths:
        try:
            total += Path(p).stat().st_size if p else 0
        except OSError:
            continue
    return total >= LARGE_BYTES


class Stages:
    """A bar over a command's stages: ``with Stages("生成模板", ["布局", …], on) as bar: bar.next("布局")``."""

    def __init__(self, desc: str, stages: list[str], on: bool):
        self.on = on
        self.stages = stages
        self._bar = None
        self._desc = desc

    def __enter__(self) -> "Stages":
        if self.on:
            from tqdm import tqdm
            self._bar = tqdm(total=len(self.stages), desc=self._desc, file=sys.stderr, leave=False,
                             bar_format="{desc}: {bar:20} {n_fmt}/{total_fmt} {postfix} [{elapsed}]")
        return self

    def next(self, stage: str):
        """Stage ``stage`` starts (the previous one is done)."""
        if self._bar is not None:
            if self._bar.postfix:
                self._bar.update(1)
            self._bar.set_postfix_str(stage, refresh=True)

    def __call__(self, stage: str):
        self.next(stage)

    def __exit__(self, *exc):
        if self._bar is not None:
            self._bar.close()
        return False


@contextlib.contextmanager
def formulas_bar(on: bool):
    """Route the ``formulas`` package's own tqdm bar through the same switch: shown only when ``on``."""
    try:
        import formulas.excel as fx
    except ImportError:  # pragma: no cover
        yield
        return
    original = fx.tqdm
    import types

    from tqdm import tqdm

    def bar(*args, **kwargs):
        kwargs.setdefault("file", sys.stderr)
        kwargs["disable"] = not on
        kwargs.setdefault("leave", False)
        return tqdm(*args, **kwargs)
    fx.tqdm = types.SimpleNamespace(tqdm=bar)
    try:
        yield
    finally:
        fx.tqdm = original
