"""template, recalc, check: the workbooks office staff type into."""
from __future__ import annotations

import sys
from pathlib import Path

from ..i18n import _
from ..io.errors import UserError
from ..core import get_scheme
from gridxl.io.inputs import InputError, read_table
from gridxl.reports.history import check_period
from gridxl.io.outputs import OutputError, refuse_existing, refuse_overwrite, write_table
from gridxl.io.xlsx_safety import is_gridxl_template
from ..progress import LARGE_ROWS, Stages, large_file, wanted

TEMPLATE_STAGES = ["布局", "写入工作簿", "计算公式", "写入计算结果"]


def register(sub):
    p = sub.add_parser(
        "template", help=_("a template workbook that scores itself (录入/评分/汇总)"),
        description=_(("Write an .xlsx a clerk fills in: 说明, 录入 (inputs with validation), 评分 (one formula per "
                    "indicator, total, rank, 中国式排名, grade), 汇总 (sorted ranking, chart). Formula cells are "
                    "locked, sheets protected without a password.")))
    p.add_argument("scheme", nargs="?", help=_("built-in id (see `gridxl schemes`) or a .toml scheme file "
                                               "(with --refresh: default the one the template was made with)"))
    p.add_argument("-o", "--output", required=True, help=_("the template to write (.xlsx)"))
    p.add_argument("--refresh", metavar="FILLED.xlsx",
                   help=_("rebuild this filled template (new scheme version, units added) keeping every typed value"))
    p.add_argument("--period", help=_("the period shown in the titles: 2026-11, 2026-Q3, 2026 …"))
    p.add_argument("--units", help=_("unit names, one per line (.txt) or a column of a .csv/.xlsx: one row each"))
    p.add_argument("--data", help=_("prefill the inputs from a table (.csv/.xlsx, as `gridxl score` reads)"))
    p.add_argument("--subunits", help=_("per-grid inputs to prefill, for schemes that average grids"))
    p.add_argument("--sheet", help=_("the sheet of an --data .xlsx (default 录入, else the first)"))
    p.add_argument("--map", metavar="MAPPING", help=_("the --data export's column names mapped to fields (the mapping.toml `gridxl map` writes)"))
    p.add_argument("--formulas", choices=("native", "udf"),
                   help=_("native Excel formulas (default) or =GRID_SCORE(…) calls of the gridxl add-in"))
    p.add_argument("--rows", type=int, help=_("unit rows (default: one per unit given, else 30)"))
    p.add_argument("--subunit-rows", type=int, help=_("grid rows for schemes that average grids (default 10 per unit)"))
    p.add_argument("--force", action="store_true", help=_("replace an existing file that is not a gridxl template "
                                                          "(a template is never replaced: it may hold typing)"))
    p.set_defaults(func=cmd_template)

    p = sub.add_parser(
        "recalc", help=_("recompute every formula of a workbook headlessly, keeping formulas and formats"),
        description=_(("Recompute FILE (native formulas and GRID_* functions) and write OUT with the formulas, "
                    "validation, merges and formats kept and the computed values cached, so viewers that do not "
                    "calculate (pandas, phone previews) show the numbers. FILE is never written to.")))
    p.add_argument("file", help=_("the workbook (.xlsx)"))
    p.add_argument("-o", "--output", required=True, help=_("where to write the recalculated workbook (.xlsx)"))
    p.add_argument("--export", help=_("also write the scores of a gridxl template as .csv/.xlsx (as `gridxl score`)"))
    p.add_argument("--force", action="store_true",
                   help=_("replace existing output files (never a filled gridxl template); export even when "
                          "`gridxl check` finds problems (listed in a 'problems' column)"))
    p.add_argument("--engine", choices=("auto", "columns", "formulas"), default="auto",
                   help=_(("columns: the fast engine; formulas: the formulas package (slow, any workbook); "
                        "auto (default): columns, falling back to formulas")))
    from ..reports.labels import add_options
    add_options(p, "--export")
    p.set_defaults(func=cmd_recalc)

    p = sub.add_parser(
        "check", help=_("list every problem of a filled template by sheet and cell (exit 1 when any)"),
        description=_(("Text or full-width digits in number cells, negatives, a numerator above its denominator, "
                    "rates out of range, blanks, units added or removed, formula cells overwritten or changed.")))
    p.add_argument("file", help=_("a template made by `gridxl template` and filled in"))
    p.add_argument("--scheme", help=_("check against this scheme instead of the one recorded in the file"))
    p.add_argument("--units", help=_("the expected unit names (.txt/.csv/.xlsx), if the template did not record them"))
    p.set_defaults(func=cmd_check)


def _user_errors():
    from gridxl.workbook.check import CheckError
    from gridxl.workbook.export_guard import ExportRefused
    from gridxl.engine import RecalcError
    from gridxl.workbook.template import TemplateError
    return (TemplateError, RecalcError, CheckError, OutputError, ExportRefused)


def cmd_template(args):
    from ..authoring.mapping import read_mapped_table
    from gridxl.workbook.template import build_template, read_unit_names

    if args.refresh:
        return _refresh(args)
    if not args.scheme:
        raise UserError(_("give the scheme (an id from `gridxl schemes` or a .toml file), or --refresh "
                           "FILLED.xlsx"))
    scheme = get_scheme(args.scheme)
    data = subunits = units = None
    inputs = [p for p in (args.data, args.subunits, args.units) if p]
    if args.period:
        args.period = check_period(args.period, scheme=scheme)
    try:
        refuse_overwrite(args.output, inputs)
        refuse_existing(args.output, args.force)
        if args.data:
            data = read_mapped_table(args.map, args.data, scheme, sheet=args.sheet, allow_blank=True)
        if args.subunits or (args.data and Path(args.data).suffix.lower() == ".xlsx" and scheme.subunit_fields()):
            source = args.subunits or args.data
            sheet = None if args.subunits else f"{scheme.subunit}录入"
            subunits = read_mapped_table(args.map, source, scheme, level="subunit", sheet=sheet, allow_blank=True)
        if args.units:
            if data is not None:
                raise UserError(_("give either --units or --data (the data names the units)"))
            units = read_unit_names(args.units)
            if not units:
                raise InputError(_("{units}: no unit names found").format(units=args.units))
        if args.rows is not None and args.rows < 1:
            raise UserError(_("--rows must be at least 1"))
        n = args.rows or (len(data) if data is not None else len(units) if units else 0)
        with Stages("生成模板", TEMPLATE_STAGES, wanted(n >= LARGE_ROWS)) as bar:
            plan = build_template(scheme, args.output, formulas=args.formulas or "native", units=units,
                                  rows=args.rows,
                                  data=data, subunits=subunits, subunit_rows=args.subunit_rows, period=args.period,
                                  inputs=inputs, progress=bar)
    except _user_errors() as exc:
        raise UserError(str(exc)) from None
    filled = (_(", {n} prefilled").format(n=len(data)) if data is not None
              else _(", {n} named").format(n=len(units)) if units else "")
    print(_("template {id} ({mode} formulas): {unit_rows} {unit} rows{filled} -> {output}").format(
              id=scheme.id, mode=plan.mode, unit_rows=plan.unit_rows, unit=scheme.unit, filled=filled,
              output=args.output), file=sys.stderr)
    return 0


def _refresh(args):
    from gridxl.workbook.refresh import refresh_template

    if args.data or args.subunits or args.units or args.rows or args.subunit_rows:
        raise UserError(_("--refresh takes its units and inputs from the filled template; leave out "
                           "--data/--subunits/--units/--rows/--subunit-rows"))
    try:
        refuse_overwrite(args.output, [args.refresh])
        refuse_existing(args.output, args.force)
        plan, units, grids = refresh_template(args.refresh, args.output, scheme=args.scheme, period=args.period,
                                              formulas=args.formulas)
    except _user_errors() as exc:
        raise UserError(str(exc)) from None
    kept = _("{n} {unit}").format(n=units, unit=plan.scheme.unit) + (
        _(", {n} {subunit}").format(n=grids, subunit=plan.scheme.subunit) if grids else "")
    print(_("template {id} refreshed from {refresh}: {kept} with every typed value kept -> "
             "{output}").format(id=plan.scheme.id, refresh=args.refresh, kept=kept, output=args.output), file=sys.stderr)
    return 0


def cmd_recalc(args):
    from gridxl.workbook.export_guard import checked_for_export, mark_problems, refusal
    from gridxl.engine import recalculate, write_recalculated
    from gridxl.workbook.export import scores_table

    try:
        refuse_overwrite(args.output, [args.file])
        refuse_existing(args.output, args.force)
        if Path(args.output).suffix.lower() != ".xlsx":
            raise UserError(_("{output}: the recalculated workbook is an .xlsx file").format(output=args.output))
        if args.export:
            refuse_overwrite(args.export, [args.file, args.output])
            refuse_existing(args.export, args.force)
            if Path(args.export).resolve() == Path(args.output).resolve():
                raise UserError(_("--export and -o must be different files"))
            if Path(args.export).suffix.lower() not in (".csv", ".xlsx"):
                raise UserError(_("{export}: expected a .csv or .xlsx name for the scores").format(
                                    export=args.export))
        checked = checked_for_export(args.file, force=args.force) if args.export else None
        with Stages("重新计算", ["计算公式", "写入工作簿"] + (["导出得分"] if args.export else []),
                    wanted(large_file(args.file))) as bar:
            bar("计算公式")
            result = recalculate(args.file, engine=args.engine)
            if result.formula_cells == 0 and is_gridxl_template(args.file):
                raise UserError(_("{file}: a gridxl template with no formula cell left: every score cell was "
                                  "deleted or typed over; nothing was recalculated (see `gridxl check {file}`)")
                                .format(file=args.file))
            table = scores_table(result) if args.export else None
            if table is not None and checked.problems:
                table = mark_problems(table, checked)
                print(_("{file}: `gridxl check` finds {n} problem(s), exported anyway (--force)").format(
                    file=args.file, n=len(checked.problems)), file=sys.stderr)
            bar("写入工作簿")
            write_recalculated(result, args.output)
            if table is not None:
                bar("导出得分")
                from gridxl.workbook.template import read_layout, scheme_of
                from ..reports.labels import labelled, wants_labels
                if wants_labels(args.export, args.keys, args.labels):
                    table = labelled(table, scheme_of(read_layout(result.package)))
                write_table(table, args.export, inputs=[args.file, args.output])
    except _user_errors() as exc:
        raise UserError(str(exc)) from None
    print(result.summary(args.output, args.export), file=sys.stderr)
    return 0


def cmd_check(args):
    from gridxl.workbook.check import check_workbook

    try:
        with Stages("检查", ["检查工作簿"], wanted(large_file(args.file))) as bar:
            bar("检查工作簿")
            result = check_workbook(args.file, scheme=args.scheme, units=args.units)
    except _user_errors() as exc:
        raise UserError(str(exc)) from None
    for note in result.notes:
        print(_("note: {note}").format(note=note), file=sys.stderr)
    for problem in result.problems:
        print(problem)
    if result.problems:
        print(_("{n_problems} problem(s) in {file} ({id})").format(
                  n_problems=len(result.problems), file=args.file, id=result.scheme.id), file=sys.stderr)
        return 1
    print(_("{file}: no problems found ({id})").format(file=args.file, id=result.scheme.id), file=sys.stderr)
    return 0


__all__ = ["register"]
