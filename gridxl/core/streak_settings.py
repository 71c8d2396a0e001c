"""The multi-month rule of a scheme (seed 000): ``[streaks]`` in the scheme file, read by `gridxl history`.

    [streaks]
    bottom = 2          # 排名后 2 位（同分并列）
    warn_months = 3     # 连续 3 个月 -> 约谈
    veto_months = 6     # 连续 6 个月 -> 年终一票否决
    margin = 0          # 明显低于平均值: points below the month's average (or a share with relative = true)
    relative = false

A scheme without the table keeps `history`'s defaults (the same numbers); command-line options override.
"""
from __future__ import annotations

from dataclasses import dataclass

from .keys import SchemeError

KEYS = {"bottom": int, "warn_months": int, "veto_months": int, "margin": float, "relative": bool}


@dataclass(frozen=True)
class StreakSettings:
    bottom: int = 2
    warn_months: int = 3
    veto_months: int = 6
    margin: float = 0.0
    relative: bool = False


def parse_streaks(table, path: str) -> StreakSettings:
    where = f"{path}: [streaks]"
    if not isinstance(table, dict):
        raise SchemeError(f"{where}: expected a table (bottom = 2, warn_months = 3, veto_months = 6, margin = 0)")
    unknown = set(table) - set(KEYS)
    if unknown:
        raise SchemeError(f"{where}: unknown setting(s) {sorted(unknown)}; known: {', '.join(KEYS)}")
    values = {}
    for key, typ in KEYS.items():
        if key not in table:
            continue
        v = table[key]
        ok = isinstance(v, bool) if typ is bool else (isinstance(v, (int, float)) and not isinstance(v, bool)
                                                      and (typ is float or float(v).is_integer()))
        if not ok or (typ is not bool and v < (0 if key == "margin" else 1)):
            expected = "true or false" if typ is bool else "a number >= 0" if key == "margin" else "a whole number >= 1"
            raise SchemeError(f"{where}, field {key!r}: expected {expected}, got {v!r}")
        values[key] = typ(v)
    settings = StreakSettings(**values)
    if settings.veto_months < settings.warn_months:
        raise SchemeError(f"{where}: veto_months ({settings.veto_months}) is shorter than warn_months "
                          f"({settings.warn_months})")
    return settings
