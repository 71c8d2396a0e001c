"""Column headers an office reads: the Chinese labels of the 评分 sheet instead of machine keys.

``score -o x.xlsx``, ``recalc --export x.xlsx``: xlsx headers are labels by default (``--keys``
keeps the keys); CSV keeps the keys, which scripts and the results store read (``--labels`` gives
the labels).  The mapping is a step of the command layer, applied to the table just before it is
written; the writers are untouched.
"""
from __future__ import annotations

from pathlib import Path

from ..core.scheme import SUBUNIT_KEY, TOTAL_KEY, UNIT_KEY, Scheme
from ..i18n import _
from ..io.errors import UserError

FIXED = {"rank": "名次", "rank_dense": "中国式排名", "grade": "等次", "stars": "星级", TOTAL_KEY: "总分"}


def header_labels(scheme: Scheme) -> dict[str, str]:
    """key -> label for every column `gridxl score` can write."""
    out = {UNIT_KEY: scheme.unit, **FIXED}
    if scheme.subunit:
        out[SUBUNIT_KEY] = scheme.subunit
    for ind in scheme.indicators:
        points = "加减分" if ind.extra else f"{float(ind.points):g}分"
        out[ind.key] = f"{ind.name}（{points}）"
        out[f"explain_{ind.key}"] = f"{ind.name}计分说明"
    for flag in scheme.flags:
        out[flag.key] = flag.label
    out[TOTAL_KEY] = f"总分（{scheme.total_points:g}分）"
    return out


def labelled(table, scheme: Scheme):
    """``table`` with its headers in the scheme's labels (unknown columns keep their names; no two alike)."""
    labels = header_labels(scheme)
    seen: set[str] = set()
    names = []
    for col in table.columns:
        name = labels.get(str(col), str(col))
        if name in seen:  # two indicators of the same name in different sections
            name = f"{name}（{col}）"
        seen.add(name)
        names.append(name)
    out = table.copy()
    out.columns = names
    return out


def wants_labels(path: str | Path, keys: bool = False, labels: bool = False) -> bool:
    """Labels for .xlsx unless --keys; for .csv only with --labels."""
    if keys and labels:
        raise UserError(_("give either --keys or --labels, not both"))
    if Path(path).suffix.lower() == ".xlsx":
        return not keys
    return labels


def add_options(parser, what: str = "-o"):
    parser.add_argument("--keys", action="store_true", help=_(
        "{what} .xlsx: machine keys as headers (events_per_10k …) instead of the Chinese labels").format(what=what))
    parser.add_argument("--labels", action="store_true", help=_(
        "{what} .csv: the Chinese labels as headers instead of the keys").format(what=what))
