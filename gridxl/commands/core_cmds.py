"""schemes, show, fields, kinds, lint, score: the commands over the scoring core."""
from __future__ import annotations

import json
import sys

from ..i18n import _
from ..core import REGISTRY, builtin_paths, get_scheme, kinds_by_category, score_frame
from ..core.scoring import integer_columns
from ..core.excel_math import format_number
from ..core.lint import lint
from ..authoring.mapping import read_mapped_inputs
from gridxl.io.errors import UserError
from gridxl.io.outputs import refuse_existing, refuse_overwrite, write_table
from gridxl.io.xlsx_safety import is_gridxl_template


def register(sub):
    p = sub.add_parser("schemes", help=_("list the built-in schemes"))
    p.set_defaults(func=cmd_schemes)

    p = sub.add_parser("show", help=_("a scheme's indicators, points, rule text and inputs"))
    p.add_argument("scheme", help=_("built-in id (see `gridxl schemes`) or a .toml scheme file"))
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("fields", help=_("the input fields a scheme needs (column keys and Chinese labels)"))
    p.add_argument("scheme")
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(func=cmd_fields)

    p = sub.add_parser("kinds", help=_("the rule kinds and their parameters"))
    p.set_defaults(func=cmd_kinds)

    p = sub.add_parser("lint", help=_("what the scheme (and its seed) leaves ambiguous or inconsistent"))
    p.add_argument("scheme", nargs="+", help=_("scheme id(s) or files; `all` for every built-in scheme"))
    p.add_argument("--strict", action="store_true", help=_("exit 1 when there are warnings"))
    p.set_defaults(func=cmd_lint)

    p = sub.add_parser("score", help=_("score a table of units (CSV or xlsx) into CSV or xlsx"),
                       description=_(("Score every unit of INPUT. Columns may be field keys or their Chinese "
                                   "labels (see `gridxl fields SCHEME`). Output: unit, one column per indicator, "
                                   "total, rank (competition), rank_dense (中国式), grade/stars/flags where the "
                                   "scheme has them.")))
    p.add_argument("scheme")
    p.add_argument("input", help=_("the units' inputs: .csv or .xlsx"))
    p.add_argument("-o", "--output", required=True, help=_("where to write the scores: .csv or .xlsx"))
    p.add_argument("--subunits", help=_("per-grid inputs for schemes that average grids (.csv/.xlsx)"))
    p.add_argument("--ballots", help=_(("民主评议 marks for schemes with ballots: one row per mark "
                                     "(ballot, type, unit, mark); void ballots are dropped")))
    p.add_argument("--sheet", help=_("the input sheet of an xlsx file (default 录入, else the first)"))
    p.add_argument("--explain", action="store_true", help=_("add the derivation of each score in words and numbers"))
    p.add_argument("--map", metavar="MAPPING", help=_("export column names mapped to fields (the mapping.toml `gridxl map` writes)"))
    from ..reports.labels import add_options
    add_options(p)
    p.add_argument("--force", action="store_true",
                   help=_("replace an existing output file; score a gridxl template even when `gridxl check` "
                          "finds problems (listed in a 'problems' column)"))
    p.set_defaults(func=cmd_score)


def cmd_schemes(args):
    for sid in builtin_paths():
        s = get_scheme(sid)
        print(f"{sid:24} {s.name}  [{s.unit}, {s.period}, {len(s.indicators)} 项, {format_number(s.total_points)} 分]")
    return 0


def cmd_show(args):
    s = get_scheme(args.scheme)
    print(f"{s.name}  ({s.id})")
    if s.source:
        print(f"来源: {s.source}")
    print(f"考核对象: {s.unit}" + (f"（按{s.subunit}计分后平均）" if s.subunit else "") +
          f"   周期: {s.period}   满分: {format_number(s.total_points)}")
    if s.description:
        print(s.description)
    compiled = s.compiled()
    sections = {sec.key: sec for sec in s.sections}
    current = None
    for n, ind in enumerate(s.indicators, 1):
        if ind.section != current and ind.section in sections:
            sec = sections[ind.section]
            print(f"\n{sec.name}" + (f"（{format_number(sec.points)}分）" if sec.points is not None else ""))
            current = ind.section
        tag = "加减分" if ind.extra else f"{format_number(ind.points)}分"
        print(f"\n{n}. {ind.name} [{ind.key}] {tag}  规则: {ind.kind} — {REGISTRY[ind.kind].label}"
              + ("  (原文未规定，检查组打分)" if ind.unspecified else "")
              + ("  (按网格计分取平均)" if ind.per_subunit else ""))
        if ind.value_text:
            print(f"   计算值: {ind.value_text}")
        inputs = []
        for key in compiled[ind.key].inputs:
            if key in s.field_keys:
                inputs.append(f"{key}（{s.field(key).label}）")
            elif key == "unit":
                inputs.append(f"unit（{s.unit}名称）")
            else:
                inputs.append(f"{key}（{s.indicator(key).name}得分）")
        print(f"   输入（GRID_SCORE 参数顺序）: {', '.join(inputs)}")
        if ind.rule:
            print(f"   原文: {ind.rule}")
    if s.grades:
        print("\n等次: " + "；".join(f"{g.label} {g.band_text}" for g in s.grades))
    for f in s.flags:
        print(f"标记: {f.label}  当 {f.condition}" + (f"（等次定为{f.grade}）" if f.grade else ""))
    if s.stars:
        print(f"星级: 每{format_number(s.stars.per)}分一星，最多{s.stars.max_stars}星（{s.stars.mode}）")
    return 0


def cmd_fields(args):
    s = get_scheme(args.scheme)
    rows = [{"key": f.key, "label": f.label, "unit": f.unit, "type": f.type, "level": f.level,
             "min": f.bounds()[0], "max": f.bounds()[1], "choices": f.choices, "help": f.help} for f in s.fields]
    if args.json:
        json.dump({"scheme": s.id, "unit_column": "unit", "fields": rows}, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    print(f"{'key':28} {'label':30} {'type':8} level")
    print(f"{'unit':28} {s.unit + '名称':30} {'text':8} unit")
    for r in rows:
        label = r["label"] + (f"（{r['unit']}）" if r["unit"] else "")
        print(f"{r['key']:28} {label:30} {r['type']:8} {r['level']}")
    return 0


def cmd_kinds(args):
    for category, kinds in kinds_by_category().items():
        print(f"[{category}]")
        for k in kinds:
            print(f"  {k.name:12} {k.label} — {k.summary}")
            if k.example:
                print(f"  {'':12} e.g. {k.example}")
            for p in k.params:
                default = "" if p.default is None else f" (default {p.default})"
                req = " required" if p.required else ""
                print(f"  {'':12}   {p.name}{req}{default}: {p.help}")
    return 0


def cmd_lint(args):
    names = list(builtin_paths()) if args.scheme == ["all"] else args.scheme
    warnings = 0
    for name in names:
        s = get_scheme(name)
        findings = lint(s)
        print(_("== {id}: {name} — {n_findings} finding(s)").format(id=s.id, name=s.name, n_findings=len(findings)))
        for f in findings:
            print(f"  {f}")
        warnings += sum(f.level != "note" for f in findings)
    return 1 if args.strict and warnings else 0


def _checked_template(args):
    """A filled gridxl template is checked before it is scored (see gridxl.workbook.export_guard)."""
    from gridxl.workbook.export_guard import ExportRefused, checked_for_export
    if args.sheet or not is_gridxl_template(args.input):
        return None
    from gridxl.workbook.check import CheckError
    try:
        return checked_for_export(args.input, force=args.force, scheme=args.scheme)
    except (ExportRefused, CheckError) as exc:
        raise UserError(str(exc)) from None


def cmd_score(args):
    from ..progress import Stages, large_file, wanted
    s = get_scheme(args.scheme)
    refuse_overwrite(args.output, [args.input, args.subunits, args.ballots])
    refuse_existing(args.output, args.force)
    checked = _checked_template(args)
    with Stages("评分", ["读取", "计分", "写出"], wanted(large_file(args.input, args.subunits))) as bar:
        bar("读取")
        frame, subunits = read_mapped_inputs(args.map, s, args.input, args.subunits, args.sheet, args.ballots)
        bar("计分")
        result = score_frame(s, frame, subunits, explain=args.explain)
        table = integer_columns(result.table)
        if checked is not None and checked.problems:
            from gridxl.workbook.export_guard import mark_problems
            table = mark_problems(table, checked)
            print(_("{input}: {n} problem(s) found by `gridxl check`, scored anyway (--force)").format(
                input=args.input, n=len(checked.problems)), file=sys.stderr)
        texts = {f"explain_{ind.key}": result.explain_texts[ind.key] for ind in s.indicators} if args.explain else {}
        bar("写出")
        from ..reports.labels import labelled, wants_labels
        if wants_labels(args.output, args.keys, args.labels):
            import pandas as pd
            names = list(labelled(pd.DataFrame(columns=[*table.columns, *texts]), s).columns)
            table.columns = names[:len(table.columns)]
            texts = dict(zip(names[len(table.columns):], texts.values()))
        write_table(table, args.output, inputs=[args.input, args.subunits, args.ballots], texts=texts)
    print(_("scored {n_table} {unit} with {id} -> {output}").format(
              n_table=len(table), unit=s.unit, id=s.id, output=args.output), file=sys.stderr)
    return 0
