"""Pictures for documents: a bar chart of totals (the bulletin) and trend lines (history).

matplotlib's object API (``Figure`` + the Agg canvas) is used rather than pyplot,
so nothing global is touched and no display is needed.  Chinese labels need a
font with CJK glyphs: :func:`cjk_font` picks the first installed one of a list
of common ones (Noto CJK on Linux, 微软雅黑/黑体/宋体 on Windows, 苹方 on macOS).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from gridxl.core.excel_math import format_number

CJK_FONTS = ("Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC", "Source Han Sans CN",
             "Microsoft YaHei", "SimHei", "SimSun", "DengXian", "PingFang SC", "Hiragino Sans GB",
             "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Noto Sans CJK JP", "Noto Sans CJK TC",
             "AR PL UMing CN")


class ChartError(ValueError):
    """No font can draw the Chinese labels."""


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """The family name of an installed font that has Chinese glyphs."""
    from matplotlib import font_manager
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in installed:
            return name
    raise ChartError("no Chinese font found for the chart labels; install one of: " + ", ".join(CJK_FONTS[:6])
                     + " (on Debian/Ubuntu: apt-get install fonts-noto-cjk)")


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width, height), dpi=150)
    FigureCanvasAgg(fig)
    return fig


def _font_props(size: float):
    from matplotlib.font_manager import FontProperties
    return FontProperties(family=cjk_font(), size=size)


def bar_chart_png(units: Sequence[str], totals: Sequence[float], path: str | Path, title: str = "",
                  ylabel: str = "总分", digits: int = 2) -> Path:
    """Vertical bars, one per unit in the order given, each labelled with its total."""
    n = len(units)
    fig = _figure(max(6.0, 0.45 * n + 1.5), 4.2)
    ax = fig.add_subplot(1, 1, 1)
    values = np.asarray(totals, dtype=float)
    x = np.arange(n)
    bars = ax.bar(x, np.nan_to_num(values), color="#3b6ea5", width=0.65)
    font = _font_props(9)
    ax.set_xticks(x)
    ax.set_xticklabels(list(units), rotation=45, ha="right", fontproperties=font)
    ax.set_ylabel(ylabel, fontproperties=font)
    if title:
        ax.set_title(title, fontproperties=_font_props(11))
    top = np.nanmax(values) if n and np.isfinite(values).any() else 1.0
    ax.set_ylim(0, top * 1.12 if top > 0 else 1)
    for bar, v in zip(bars, values):
        if np.isfinite(v):
            ax.annotate(format_number(v, digits), (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                        ha="center", va="bottom", fontsize=7, xytext=(0, 2), textcoords="offset points")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(path, format="png")
    return Path(path)
