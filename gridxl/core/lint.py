"""What a scheme (and the seed behind it) leaves ambiguous or inconsistent.

``lint(scheme)`` returns findings; nothing here changes a score.  Computed
checks (points that do not add up, grade bands with gaps or overlaps,
placeholders for rules the seed does not give, deductions that can never use
the item's points) come first, then the readings the scheme's author recorded
in ``ambiguities`` and indicator ``notes``.
"""
from __future__ import annotations

from dataclasses import dataclass

from .excel_math import format_number
from .scheme import Scheme
from .translate import N_, _, gettext

DECISION = "需要决定："  # a drafted reading someone must confirm: reported as a warning, not a note
LEVELS = {"error": N_("error"), "warning": N_("warning"), "note": N_("note")}
GRADE_STEP = 0.01  # totals are rounded to 2 decimals: bands [80, 94] and [95, …] leave (94, 95) uncovered


@dataclass(frozen=True)
class Finding:
    level: str  # "error", "warning", "note"
    where: str
    message: str

    def __str__(self):
        level = gettext(LEVELS.get(self.level, self.level))
        return _("{level:7} {where}: {message}").format(level=level, where=self.where, message=self.message)


def _n(x):
    return format_number(x, 2)


def lint(scheme: Scheme) -> list[Finding]:
    out: list[Finding] = []
    out += _points(scheme)
    out += _grades(scheme)
    out += _indicators(scheme)
    for text in scheme.ambiguities:
        out.append(_note(scheme.id, text))
    for ind in scheme.indicators:
        for text in ind.notes:
            out.append(_note(f"{scheme.id}.{ind.key}", text))
    return out


def _note(where: str, text: str) -> Finding:
    if text.startswith(DECISION):
        return Finding("warning", where, _("needs a decision（需要决定）: {text}").format(text=text[len(DECISION):]))
    return Finding("note", where, text)


def _points(scheme: Scheme) -> list[Finding]:
    out = []
    base = sum(i.points for i in scheme.base_indicators)
    if abs(base - scheme.total_points) > 1e-9:
        out.append(Finding("warning", scheme.id, _("the base indicators' points add up to {base}, not the stated total "
                                                    "{total_points}").format(
                                                     base=_n(base), total_points=_n(scheme.total_points))))
    for sec in scheme.sections:
        if sec.points is None:
            continue
        inside = sum(i.points for i in scheme.indicators if i.section == sec.key and not i.extra)
        if inside and abs(inside - sec.points) > 1e-9:
            out.append(Finding("warning", f"{scheme.id}.{sec.key}",
                               _("section {name} is worth {points} but its items add up to {inside}").format(
                                   name=sec.name, points=_n(sec.points), inside=_n(inside))))
    return out


def grade_gaps(scheme: Scheme) -> list[tuple[str, float, float]]:
    """(kind, lo, hi) for every gap or overlap between the grade bands as printed."""
    found = []
    bands = sorted(scheme.grades, key=lambda g: (g.min if g.min is not None else float("-inf")))
    for lower, upper in zip(bands, bands[1:]):
        top = lower.max if lower.max is not None else None
        bottom = upper.min if upper.min is not None else None
        if top is None or bottom is None:
            continue
        if bottom - top > GRADE_STEP + 1e-9:
            found.append(("gap", top, bottom))
        elif bottom <= top:
            found.append(("overlap", bottom, top))
    return found


def _grades(scheme: Scheme) -> list[Finding]:
    out = []
    for kind, lo, hi in grade_gaps(scheme):
        labels = _labels_around(scheme, lo, hi)
        if kind == "gap":
            out.append(Finding("warning", f"{scheme.id}.grades",
                               _("no grade covers totals between {lo} and {hi} ({labels}); read by lower bounds, "
                                  "such a total gets the lower grade").format(
                                   lo=_n(lo), hi=_n(hi), labels=labels)))
        else:
            out.append(Finding("warning", f"{scheme.id}.grades",
                               _("grades overlap from {lo} to {hi} ({labels}); the higher grade is taken").format(
                                   lo=_n(lo), hi=_n(hi), labels=labels)))
    return out


def _labels_around(scheme, lo, hi):
    names = [g.label for g in scheme.grades if (g.max is not None and abs(g.max - lo) < 1e-9)
             or (g.min is not None and abs(g.min - hi) < 1e-9) or (g.min is not None and abs(g.min - lo) < 1e-9)
             or (g.max is not None and abs(g.max - hi) < 1e-9)]
    return " / ".join(dict.fromkeys(names))


def _indicators(scheme: Scheme) -> list[Finding]:
    out = []
    for ind in scheme.indicators:
        where = f"{scheme.id}.{ind.key}"
        if ind.unspecified:
            out.append(Finding("warning", where, _("{name} ({points} 分): the seed gives no rule; scored as an inspector-entered "
                                                    "value in [0, {points}]").format(
                                                     name=ind.name, points=_n(ind.points))))
        lo, hi = ind.score_bounds
        if not ind.extra and hi is None:
            out.append(Finding("note", where, _("{name}: the bonus is uncapped, so the score can pass its {points} points").format(
                                                  name=ind.name, points=_n(ind.points))))
        elif not ind.extra and hi is not None and hi > ind.points + 1e-9:
            out.append(Finding("note", where, _("{name}: can reach {hi}, more than its {points} points").format(
                                                  name=ind.name, hi=_n(hi), points=_n(ind.points))))
        if not ind.extra and lo is not None and lo > 1e-9 and ind.rule_kind.deducts:
            out.append(Finding("warning", where, _("{name}: deductions are capped so the item never goes below {lo} of its {points} "
                                                    "points").format(
                                                     name=ind.name, lo=_n(lo), points=_n(ind.points))))
        if lo is not None and lo < -1e-9 and not ind.extra:
            out.append(Finding("note", where, _("{name}: may score {lo} (倒扣)").format(name=ind.name, lo=_n(lo))))
    return out
