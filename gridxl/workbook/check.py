"""Everything wrong with a filled template, by sheet and cell, before anyone scores it.

``check_workbook(path)`` reads a template made by ``gridxl template`` (its
hidden _gridxl sheet says which scheme, which rows and which column holds
what) and lists:

* input cells holding text (full-width digits such as １２ are named as such),
  TRUE/FALSE or an error instead of a number, negatives, fractions in whole
  number fields, rates or flags or scores outside their range, choices that
  are not on the list, blanks in a unit's row;
* a numerator above its denominator, for every division of a rate (the pairs
  come from the indicators' value expressions, e.g. ``gw_qualified /
  gw_total``: more qualified workers than workers);
* unit names that are blank, repeated, or added/removed compared with the
  units the template was made for (or ``--units``); grids whose unit is not
  on the unit sheet;
* formula cells a user typed over with a value, emptied, or changed,
  compared with the formula the generator writes there.

Nothing is changed in the file.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gridxl.core.expr import Env, Field
from gridxl.core.scheme import FIELD_TYPES, FieldSpec, Scheme
from gridxl.core.shares import rate_divisions
from gridxl.engine.cached_values import ExcelError, Package, PackageError, cell_name
from gridxl.engine.errors import Unsupported
from gridxl.engine.limits import LimitError, check_sheet_bounds, check_workbook_size
from gridxl.engine.links import LinkError, refuse_outside_references
from gridxl.engine.references import translate
from gridxl.io.inputs import parse_number
from gridxl.workbook.formula_meaning import same_formula
from gridxl.workbook.rows import GridRows, RowMap, grid_findings, grid_rows, input_rows, retarget, row_findings
from gridxl.workbook.template import INPUT, Plan, SheetPlan, plan_of, read_layout, read_unit_names, scheme_digest, scheme_of
from gridxl.core.translate import gettext
from gridxl.i18n import _
from gridxl.core.validity import invalid_value


class CheckError(ValueError):
    """The file cannot be checked (not a gridxl template, unreadable)."""


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int
    col: int
    message: str
    kind: str = field(default="", compare=False)  # "blanks": a row's blank inputs (merged with "was added")

    @property
    def cell(self) -> str:
        return cell_name(self.row, self.col) if self.row else ""

    def __str__(self):
        where = f"{self.sheet}!{self.cell}" if self.row else self.sheet
        return _("{where}: {message}").format(where=where, message=self.message)


@dataclass
class CheckResult:
    path: Path
    scheme: Scheme
    problems: list[Problem]
    notes: list[str]


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    return repr(v)


def percent_advice(percent: float) -> str:
    """How to type a percent so formulas read it: the one wording every message uses."""
    return f"{percent:g}% (or {percent / 100:g})"


def value_problem(spec: FieldSpec, value) -> str | None:
    """What is wrong with one input value (None when it is fine; blanks are reported elsewhere)."""
    expected = gettext(FIELD_TYPES[spec.type])
    if isinstance(value, ExcelError):
        return _("error value {value} where {label} expects {expected}").format(
                   value=value, label=spec.label, expected=expected)
    if spec.type == "choice":
        text = unicodedata.normalize("NFKC", str(value)).strip()
        if spec.choices and text not in spec.choices:
            return _("{value} is not one of {choices} ({label})").format(
                       value=_fmt(value), choices='、'.join(spec.choices), label=spec.label)
        return None
    if isinstance(value, bool):
        return _("TRUE/FALSE in a number cell ({label}): expected {expected}").format(
                   label=spec.label, expected=expected)
    if isinstance(value, str):
        folded = unicodedata.normalize("NFKC", value).strip().replace(",", "")
        try:
            as_number = float(folded.rstrip("%"))
        except ValueError:
            return _("text {value!r} in a number cell ({label}): expected {expected}").format(
                       value=value, label=spec.label, expected=expected)
        retype = percent_advice(as_number) if spec.type == "rate" and folded.endswith("%") else None
        if folded != value.strip():
            return (_("text with full-width characters {value!r} in a number cell ({label}): formulas "
                       "do not count it; type {value2}").format(
                        value=value, label=spec.label, value2=retype or folded))
        retype = retype or f"{as_number:g}"
        return _("number stored as text {value!r} ({label}): formulas do not count it; retype it "
                  "as {retype}").format(value=value, label=spec.label, retype=retype)
    x = float(value)
    lo, hi = spec.bounds()
    if spec.type == "rate" and hi is not None and x > hi:  # gridxl score reads 95 as 95%; a formula does not
        return _("rate {x:g} is above {hi:g}% ({label}): type {percent_advice}, not {x:g}").format(
                   x=x, hi=hi * 100, label=spec.label, percent_advice=percent_advice(x))
    if x < 0 and (lo is None or lo >= 0):
        return _("negative value {x:g} ({label}): expected {expected}").format(
                   x=x, label=spec.label, expected=expected)
    _value, wanted = parse_number(x, spec)
    return None if wanted is None else f"{x:g} ({spec.label}): expected {wanted}"


def input_problem(spec: FieldSpec, value) -> str | None:
    """What is wrong with a typed value, when the workbook's own rule (core/validity) says it is invalid.

    The verdict is the tree the template's conditional formatting prints; ``value_problem`` words it.
    """
    tree = _validity_tree(spec)
    if tree is None:
        return value_problem(spec, value)
    with np.errstate(all="ignore"):
        bad = bool(np.asarray(tree.evaluate(Env({spec.key: np.asarray([value], dtype=object)}))).reshape(-1)[0])
    if not bad:
        return None
    return value_problem(spec, value) or f"{_fmt(value)} is not a valid value of {spec.label}"


def _validity_tree(spec: FieldSpec):
    return invalid_value(spec, Field(spec.key))


class _Keys:
    @staticmethod
    def cell(space, key):
        return key

    @staticmethod
    def column(space, key):
        return key


_KEYS = _Keys()


class _Reader:
    """Values and formulas of the checked file."""

    def __init__(self, pkg: Package):
        self.pkg = pkg
        self._values = {}
        self._formulas = {}

    def values(self, sheet):
        if sheet not in self._values:
            self._values[sheet] = self.pkg.cells(sheet).values() if sheet in self.pkg.sheet_names else {}
        return self._values[sheet]

    def formulas(self, sheet) -> dict[tuple[int, int], str]:
        """Every formula of the sheet as text, shared formulas expanded to each cell."""
        if sheet not in self._formulas:
            out = {}
            if sheet in self.pkg.sheet_names:
                formulas = self.pkg.cells(sheet).formulas
                masters = {f.si: (rc, f.text) for rc, f in formulas.items()
                           if f.kind == "shared" and f.text is not None}
                for rc, f in formulas.items():
                    if f.text is not None:
                        out[rc] = f.text
                    elif f.si in masters:
                        (mr, mc), text = masters[f.si]
                        try:
                            out[rc] = translate(text, (mr, mc), rc)
                        except Unsupported:
                            out[rc] = text
            self._formulas[sheet] = out
        return self._formulas[sheet]


def check_workbook(path: str | Path, scheme: str | None = None, units: str | Path | list | None = None) -> CheckResult:
    path = Path(path)
    try:
        pkg = Package(path)
        check_workbook_size(pkg)
        refuse_outside_references(pkg)
        check_sheet_bounds(pkg)
    except (PackageError, LinkError, LimitError) as exc:
        raise CheckError(str(exc)) from None
    layout = read_layout(pkg)
    if layout is None:
        raise CheckError(_("{path}: not a gridxl template (it has no hidden _gridxl sheet); make one with "
                            "`gridxl template SCHEME -o FILE.xlsx`").format(path=path))
    sch = scheme_of(layout, scheme)
    notes = []
    if layout.scheme_digest and layout.scheme_digest != scheme_digest(sch) and scheme is None:
        notes.append(_("the scheme {id} changed since this template was made: formula differences below "
                        "may come from that (make a new template with `gridxl template {id}`)").format(
                         id=sch.id))
    plan = plan_of(layout, sch)
    reader = _Reader(pkg)
    problems: list[Problem] = []
    expected_units = read_unit_names(units) if isinstance(units, (str, Path)) else \
        list(units) if units is not None else (layout.units or None)
    rows = input_rows(plan, reader.formulas(plan.score.name))  # rows inserted/deleted/moved as Excel does it
    unit_names = _check_inputs(plan, plan.input, reader, problems, "unit", max(rows.input_rows(), default=0))
    found, row_notes, inserted, deleted = row_findings(plan, rows, unit_names, layout.units)
    problems.extend(Problem(*p) for p in found)
    notes.extend(row_notes)
    grids = grid_rows(plan, reader.formulas(plan.score.name), reader.formulas(plan.grid.name)) \
        if plan.grid is not None and plan.grid.name in reader.pkg.sheet_names else None
    if plan.grid is not None:
        grid_units = _check_inputs(plan, plan.grid, reader, problems, "subunit", grids.end if grids else 0)
        problems.extend(Problem(*p) for p in grid_findings(plan, grids, reader.values(plan.grid.name)))
        known = set(unit_names.values())
        for (r, name) in grid_units.items():
            if name and name not in known:
                problems.append(Problem(plan.grid.name, r, plan.grid.get("unit").col,
                                        _("{unit} {name!r} is not on the {input} sheet").format(
                                            unit=sch.unit, name=name, input=INPUT)))
        _check_units_have_grids(plan, unit_names, grid_units, problems)
        _check_print_area(pkg, plan.grid, grid_units, notes)
    if not unit_names:
        first, last = plan.input.first, plan.input.last
        problems.append(Problem(INPUT, 0, 0, _("no {unit} is filled in (rows {first}–{last} are empty): type each {unit}'s name "
                                                "and inputs; nothing can be scored yet").format(
                                                 unit=sch.unit, first=first, last=last)))
    if expected_units is not None:
        _check_unit_list(plan, {r: n for r, n in unit_names.items() if r not in inserted},
                         [u for u in expected_units if u not in deleted], problems)
    # the formulas as gridxl wrote them before templates showed 输入有误, and before a numerator above its
    # denominator did
    before = [plan_of(layout, sch, marks=False), plan_of(layout, sch, shares=False)]
    earlier = _check_formulas(plan, reader, problems, rows, before, grids)
    if earlier:
        notes.append(_("{earlier} formula cell(s) are as an earlier gridxl wrote them (without 输入有误 "
                        "marks, or 中国式排名 with ISNUMBER, which Gnumeric evaluates differently); `gridxl "
                        "template --refresh {path} -o NEW.xlsx` renews them").format(
                         earlier=earlier, path=path))
    order = {s.name: i for i, s in enumerate(plan.sheets())}
    problems.sort(key=lambda p: (order.get(p.sheet, 99), p.row, p.col))
    pkg.close()
    return CheckResult(path, sch, problems, notes)


def _check_inputs(plan: Plan, sheet: SheetPlan, reader: _Reader, problems: list[Problem], level: str,
                  read_to: int = 0):
    """Input cells of one sheet; returns {row: unit name} of the rows in use.

    ``read_to``: the last row formulas read (rows inserted push the last unit below the template's rows).
    """
    last = max(sheet.last, read_to)
    values = reader.values(sheet.name)
    if sheet.name not in reader.pkg.sheet_names:
        problems.append(Problem(sheet.name, 0, 0, _("the sheet is missing")))
        return {}
    unit_col = sheet.get("unit")
    sub_col = sheet.find("subunit")
    field_cols = [c for c in sheet.columns if c.role == "field"]
    _check_rows_below(plan, sheet, values, problems, last)
    divisions = rate_divisions(plan.scheme, level)
    names: dict[int, str] = {}
    first_row_of: dict[str, int] = {}
    for r in range(sheet.first, last + 1):
        raw_unit = values.get((r, unit_col.col))
        row_values = {c.key: values.get((r, c.col)) for c in field_cols}
        used = [v for v in row_values.values() if v is not None and v != ""]
        name = "" if raw_unit is None else unicodedata.normalize("NFKC", str(raw_unit)).strip()
        if not name and not used and (sub_col is None or values.get((r, sub_col.col)) in (None, "")):
            continue  # an unused row
        if not name:
            problems.append(Problem(sheet.name, r, unit_col.col, _("the {unit} name is blank but the row has data").format(
                                                                     unit=plan.scheme.unit)))
        elif level == "unit":
            if name in first_row_of:
                problems.append(Problem(sheet.name, r, unit_col.col,
                                        _("{name!r} appears twice (first in row {first_row_of})").format(
                                            name=name, first_row_of=first_row_of[name])))
            first_row_of.setdefault(name, r)
        names[r] = name
        if sub_col is not None and values.get((r, sub_col.col)) in (None, ""):
            problems.append(Problem(sheet.name, r, sub_col.col, _("the {subunit} name is blank").format(
                                                                    subunit=plan.scheme.subunit)))
        numbers = {}
        blanks = [c for c in field_cols if row_values[c.key] is None or row_values[c.key] == ""]
        if blanks:
            problems.append(_blanks_problem(sheet, r, blanks, name))
        for c in field_cols:
            v = row_values[c.key]
            if v is None or v == "":
                continue
            msg = input_problem(c.spec, v)
            if msg:
                problems.append(Problem(sheet.name, r, c.col, msg))
            elif c.spec.type != "choice":
                numbers[c.key] = float(v)
        for ind, num, den in divisions:
            keys = set(num.fields()) | set(den.fields())
            if not keys <= set(numbers):
                continue
            env = Env({k: np.asarray([numbers[k]]) for k in keys})
            with np.errstate(all="ignore"):
                a = float(np.asarray(num.evaluate(env), dtype=float).reshape(-1)[0])
                b = float(np.asarray(den.evaluate(env), dtype=float).reshape(-1)[0])
            if np.isfinite(a) and np.isfinite(b) and a > b + 1e-9 * max(1.0, abs(b)):
                cells = [sheet.get("field", k) for k in num.fields() if isinstance(k, str)]
                dcells = [sheet.get("field", k) for k in den.fields()]
                target = cells[0] if cells else dcells[0]
                problems.append(Problem(sheet.name, r, target.col, (
                    _("{name}: {num} = {a:g} is more than {den} = {b:g} (a rate above 100%)").format(
                        name=ind.name, num=_describe(num, sheet, r), a=a, den=_describe(den, sheet, r), b=b))))
            elif np.isfinite(a) and a < 0:
                cells = [sheet.get("field", k) for k in num.fields()]
                problems.append(Problem(sheet.name, r, cells[-1].col, (
                    _("{name}: {num} = {a:g} is below 0 (a rate below 0%)").format(
                        name=ind.name, num=_describe(num, sheet, r), a=a))))
    return names


def _check_rows_below(plan: Plan, sheet: SheetPlan, values: dict, problems: list[Problem], last: int):
    """Rows typed below the last row formulas read: nothing scores them (one finding per row)."""
    cols = {c.col for c in sheet.columns if c.role in ("unit", "subunit", "field")}
    rows = sorted({r for (r, c), v in values.items() if r > last and c in cols and v not in (None, "")})
    unit_col = sheet.get("unit").col
    for r in rows:
        name = values.get((r, unit_col))
        if name in (None, ""):
            text = _("a row typed below the template's last row ({last}): no formula scores it; make room with "
                     "`gridxl template --refresh FILE -o NEW.xlsx`, which keeps every typed value").format(last=last)
        else:
            text = _("{name!r} typed below the template's last row ({last}): no formula scores it; make room with "
                     "`gridxl template --refresh FILE -o NEW.xlsx`, which keeps every typed value").format(
                         name=name, last=last)
        problems.append(Problem(sheet.name, r, unit_col, text))


def _check_print_area(pkg: Package, sheet: SheetPlan, in_use: dict[int, str], notes: list[str]):
    """Grid rows typed below the print area do not print (a blank template's area ends with its first page):
    a note, since nothing is wrong with the scores, saying how to print them."""
    last = 0
    for el in pkg._xml("xl/workbook.xml").iter("{*}definedName"):
        text = el.text or ""
        if el.get("name") == "_xlnm.Print_Area" and text.replace("'", "").startswith(sheet.name + "!"):
            last = max([int(m) for m in re.findall(r"\$?[A-Z]{1,3}\$?(\d+)(?=,|$)", text)] or [0])
    beyond = sorted(r for r in in_use if r > last)
    if last and beyond:
        notes.append(_("{sheet}: rows {first}–{end} are typed but lie below the print area (which ends at row "
                       "{last}), so they do not print; widen the print area (Page Layout > Print Area) or run "
                       "`gridxl template --refresh FILE -o NEW.xlsx`, whose print area covers every typed row").format(
                           sheet=sheet.name, first=beyond[0], end=beyond[-1], last=last))


def _check_units_have_grids(plan: Plan, units: dict[int, str], grids: dict[int, str], problems: list[Problem]):
    """Schemes that average grids: a unit without grid rows has blank per-grid scores (one finding, not silence)."""
    sch = plan.scheme
    averaged = "、".join(ind.name for ind in sch.indicators if ind.per_subunit)
    if not averaged or not units:
        return
    with_grids = set(grids.values())
    if not with_grids:
        problems.append(Problem(plan.grid.name, 0, 0, _("no {subunit} row is filled in: the per-{subunit} scores ({averaged}) of every "
                                                         "{unit} stay blank").format(
                                                          subunit=sch.subunit, averaged=averaged, unit=sch.unit)))
        return
    unit_col = plan.input.get("unit").col
    for r, name in units.items():
        if name and name not in with_grids:
            problems.append(Problem(INPUT, r, unit_col, _("{name!r} has no rows on {name2}: its per-{subunit} scores ({averaged}) stay "
                                                           "blank").format(
                                                            name=name, name2=plan.grid.name, subunit=sch.subunit,
                                                            averaged=averaged)))


def _blanks_problem(sheet: SheetPlan, r: int, blanks, name: str) -> Problem:
    """One finding per row: a unit typed with its inputs left blank is one thing to fix, not 17."""
    if len(blanks) == 1:
        c = blanks[0]
        return Problem(sheet.name, r, c.col, _("blank: {label} expects {field_types}").format(
                                                 label=c.spec.label, field_types=gettext(FIELD_TYPES[c.spec.type])))
    labels = "、".join(c.spec.label for c in blanks[:6]) + ("…" if len(blanks) > 6 else "")
    span = f"{cell_name(r, blanks[0].col)}:{cell_name(r, blanks[-1].col)}"
    if name:
        text = _("{name!r}: {n} inputs are blank ({span}: {labels}); its scores, total and rank stay empty until "
                 "they are filled in").format(name=name, n=len(blanks), span=span, labels=labels)
    else:
        text = _("{n} inputs are blank ({span}: {labels}); its scores, total and rank stay empty until they are "
                 "filled in").format(n=len(blanks), span=span, labels=labels)
    return Problem(sheet.name, r, blanks[0].col, text, kind="blanks")


def _describe(expr, sheet: SheetPlan, row: int) -> str:
    """The side of a division the way a clerk reads it: its labels and cells."""
    if isinstance(expr, Field):
        c = sheet.get("field", expr.key)
        return f"{c.spec.label} ({c.letter}{row})"
    cells = {k: f"{sheet.get('field', k).letter}{row}" for k in expr.fields()}

    class _Cells:
        @staticmethod
        def cell(space, key):
            return cells.get(key, key)

    labels = "、".join(sheet.get("field", k).spec.label for k in expr.fields())
    return f"{labels} ({expr.to_excel(_Cells)})"


def _check_unit_list(plan: Plan, names: dict[int, str], expected: list[str], problems: list[Problem]):
    sheet = plan.input
    col = sheet.get("unit").col
    present = {n: r for r, n in names.items() if n}
    wanted = [unicodedata.normalize("NFKC", str(u)).strip() for u in expected if str(u).strip()]
    blanks = {p.row: p for p in problems if p.kind == "blanks" and p.sheet == sheet.name}
    for name, r in present.items():
        if name not in wanted:
            added = f"{name!r} was added: it is not one of the {len(wanted)} {plan.scheme.unit} the template was made for"
            if r in blanks:  # one unit, one finding: added, and its inputs not typed yet
                problems.remove(blanks[r])
                rest = blanks[r].message.split(": ", 1)[1] if blanks[r].message.startswith(repr(name)) else \
                    blanks[r].message
                added += f"; {rest}"
            problems.append(Problem(sheet.name, r, col, added))
    for name in wanted:
        if name not in present:
            problems.append(Problem(sheet.name, 0, 0, _("{name!r} was removed: it is one of the {unit} the template was made for but no "
                                                         "row names it").format(
                                                          name=name, unit=plan.scheme.unit)))


# How earlier versions of gridxl wrote a formula that is written otherwise now: such a cell was not changed by
# anyone, so it is a note (refresh the template), not a problem.
_EARLIER_SPELLINGS = (
    # 中国式排名 before (range<>"") replaced ISNUMBER(range), which Gnumeric evaluates on one cell in SUMPRODUCT
    (re.compile(r'\((\$?[A-Z]{1,3}\$?\d+:\$?[A-Z]{1,3}\$?\d+)<>""\)\*'), r"ISNUMBER(\1)*"),
)


def _earlier_spelling(actual: str, expected: str, cell, sheet) -> bool:
    if same_formula(actual, expected, cell, sheet):
        return True
    for pattern, old in _EARLIER_SPELLINGS:
        earlier = pattern.sub(old, expected)
        if earlier != expected and same_formula(actual, earlier, cell, sheet):
            return True
    return False


def _check_formulas(plan: Plan, reader: _Reader, problems: list[Problem], rows: RowMap, before: list[Plan],
                    grids: GridRows | None = None) -> int:
    """Formula cells deleted, typed over or changed; returns how many hold an earlier gridxl's spelling.

    On a 评分 row that reads another 录入 row (rows inserted or moved), the expected formula reads that row;
    rows inserted or deleted on the per-grid sheet move the ranges that average it.
    """
    earlier = 0
    previous: dict = {}  # (sheet, row, col) -> the formulas earlier gridxl versions wrote there
    for sheet, r, c, expected in plan.formula_cells():
        actual = reader.formulas(sheet).get((r, c))
        if grids is not None and grids.changed:
            if sheet == grids.sheet and grids.without_formulas(r):
                continue  # an inserted or deleted grid row: reported once, as such
            expected = grids.retarget(expected)
        if sheet == plan.score.name and r in rows.reads:
            if rows.reads[r] is None:
                continue  # the row was deleted: reported once, as such
            expected = retarget(expected, plan.input.name, r, rows.reads[r])
        if actual is None:
            value = reader.values(sheet).get((r, c))
            if value is None:
                problems.append(Problem(sheet, r, c, _("the formula was deleted (expected ={expected})").format(
                                                         expected=_short(expected))))
            else:
                problems.append(Problem(sheet, r, c, _("the formula was overwritten with the value {value} (expected ={expected})").format(
                                                         value=_fmt(value), expected=_short(expected))))
        elif not same_formula(actual, expected, (r, c), sheet):
            if not previous:  # only a file with differences pays for the earlier formulas
                for old_plan in before:
                    for s, rr, cc, f in old_plan.formula_cells():
                        previous.setdefault((s, rr, cc), []).append(f)
            olds = previous.get((sheet, r, c)) or [expected]
            if grids is not None:
                olds = [grids.retarget(old) for old in olds]
            if sheet == plan.score.name and r in rows.reads:
                olds = [retarget(old, plan.input.name, r, rows.reads[r]) for old in olds]
            if any(_earlier_spelling(actual, old, (r, c), sheet) for old in olds):
                earlier += 1
                continue
            problems.append(Problem(sheet, r, c, _("the formula was changed to ={actual} (expected ={expected})").format(
                                                     actual=_short(actual), expected=_short(expected))))

    return earlier


def _short(formula: str, limit: int = 120) -> str:
    text = formula[1:] if formula.startswith("=") else formula
    return text if len(text) <= limit else text[:limit - 1] + "…"


__all__ = ["check_workbook", "CheckResult", "Problem", "CheckError", "value_problem", "rate_divisions"]
