"""bulletin, history: the monthly 通报 and the results of many periods."""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from ..i18n import _
from gridxl.reports import history as h
from ..core import get_scheme, score_frame
from ..authoring.mapping import read_mapped_inputs
from gridxl.reports.history import ResultStore, check_period
from gridxl.io.errors import UserError
from gridxl.io.inputs import InputError, read_scheme_inputs
from gridxl.io.outputs import OutputError, refuse_existing, refuse_overwrite
from ..progress import Stages, large_file, wanted


def register(sub):
    p = sub.add_parser(
        "bulletin", help=_("a draft monthly bulletin (通报) as .docx, optionally .xlsx"),
        description=_("Score INPUT and write a bulletin in the shape of seed 004: 主送, purpose sentence, district "
                      "figures per indicator, units below standard (scored less than the indicator's full points), "
                      "the ranking table with every score and total, a bar chart of totals, 存在的问题, 工作要求, "
                      "signature and the 印发 line."))
    p.add_argument("scheme", help=_("built-in id (see `gridxl schemes`) or a .toml scheme file"))
    p.add_argument("input", help=_("the units' inputs: .csv or .xlsx"))
    p.add_argument("-o", "--output", required=True, help=_("the bulletin: a .docx file"))
    p.add_argument("--xlsx", help=_("also write the ranking table with a native bar chart to this .xlsx"))
    p.add_argument("--period", help=_("the period, e.g. 2022-11 (needed with --previous and --store)"))
    p.add_argument("--previous", metavar="DIR",
                   help=_("results folder: show rank movement (↑/↓/–) against the stored period before --period"))
    p.add_argument("--store", metavar="DIR", help=_("also store this period's results in the results folder"))
    p.add_argument("--replace", action="store_true", help=_("with --store: replace the period if already stored"))
    p.add_argument("--subunits", help=_("per-grid inputs for schemes that average grids (.csv/.xlsx)"))
    p.add_argument("--sheet", help=_("the input sheet of an xlsx file"))
    p.add_argument("--issuer", help=_("the issuing office, printed at the top and above the date"))
    p.add_argument("--date", help=_("the date of issue, YYYY-MM-DD (default: today)"))
    p.add_argument("--title", help=_("the title (default: 关于<period><scheme name>结果的通报)"))
    p.add_argument("--area", default="全区", help=_("what the whole is called in the figures: 全区 (default), 全乡, 全社区 …"))
    p.add_argument("--to", help=_("主送: the units addressed (default: the scheme's [bulletin] to, else 各<unit>：)"))
    p.add_argument("--purpose", help=_("the purpose clause before 现将……通报如下 (default: the scheme's [bulletin] purpose)"))
    p.add_argument("--source", help=_("where the data come from, printed as （数据来源于SOURCE）"))
    p.add_argument("--requirements", metavar="FILE",
                   help=_("三、工作要求: a text file, one paragraph per line (default: a marked placeholder)"))
    p.add_argument("--draft", action="store_true",
                   help=_("attach the draft notice (生成初稿，请核对) to the title as a Word comment"))
    p.add_argument("--force", action="store_true", help=_("replace an existing output file (never a filled gridxl template)"))
    p.add_argument("--map", metavar="MAPPING", help=_("export column names mapped to fields (the mapping.toml `gridxl map` writes)"))
    p.set_defaults(func=cmd_bulletin)

    p = sub.add_parser(
        "history", help=_("results over many periods: store a period, streaks, composites, averages, trends"),
        description=_(("Read the results folder DIR/<scheme id>/<period>.csv. Reports the streak rule of seed 000 "
                    "(bottom 2 for 3 months running and below the average -> 约谈; 6 months -> 年终一票否决), "
                    "rank movement, quarterly and annual averages and, with --weights, a composite over named "
                    "periods (seed 003: 2022-H1=40%,2022-年终=60%).")))
    p.add_argument("scheme")
    p.add_argument("dir", help=_("the results folder"))
    p.add_argument("--add", metavar="INPUT", help=_("score INPUT and store it as --period first"))
    p.add_argument("--period", help=_("with --add: the period it is, e.g. 2022-11, 2022-H1, 2022-年终"))
    p.add_argument("--replace", action="store_true", help=_("with --add: replace the period if already stored"))
    p.add_argument("--subunits", help=_("with --add: per-grid inputs (.csv/.xlsx)"))
    p.add_argument("--sheet", help=_("with --add: the input sheet of an xlsx file"))
    p.add_argument("-o", "--output", help=_("write the tables and a trend chart per unit to this .xlsx"))
    p.add_argument("--keys", action="store_true",
                   help=_("-o .xlsx: machine keys as headers (unit, rank, run, composite …) instead of the Chinese labels"))
    p.add_argument("--margin", default=None,
                   help=_("明显低于平均值: points below the month's average (5), or a share of it (10%%); "
                          "default: the scheme's [streaks] margin, else 0"))
    p.add_argument("--bottom", type=int, default=None, help=_("排名后 N 位 (default: the scheme's [streaks], else 2)"))
    p.add_argument("--warn-months", type=int, default=None,
                   help=_("months running for 约谈 (default: the scheme's [streaks], else 3)"))
    p.add_argument("--veto-months", type=int, default=None,
                   help=_("months running for 一票否决 (default: the scheme's [streaks], else 6)"))
    p.add_argument("--weights", help=_("composite over named periods, e.g. 2022-H1=40%%,2022-年终=60%%"))
    p.add_argument("--force", action="store_true", help=_("replace an existing output file (never a filled gridxl template)"))
    p.set_defaults(func=cmd_history)


def _date_text(text: str | None) -> str | None:
    from ..reports.bulletin_text import chinese_date
    if not text:
        return None
    try:
        return chinese_date(dt.date.fromisoformat(text))
    except ValueError:
        raise InputError(_("--date {text!r}: expected YYYY-MM-DD, e.g. 2022-12-01").format(text=text)) from None


def cmd_bulletin(args):
    from gridxl.reports.bulletin import build_bulletin
    from ..reports.bulletin_docx import write_docx
    from ..reports.bulletin_text import BulletinForm, read_requirements
    from ..reports.bulletin_xlsx import write_xlsx
    from gridxl.reports.charts import ChartError

    if Path(args.output).suffix.lower() != ".docx":
        raise OutputError(_("{output}: the bulletin is a Word file; give a name ending in .docx").format(
                              output=args.output))
    if args.xlsx and Path(args.xlsx).suffix.lower() != ".xlsx":
        raise OutputError(_("{xlsx}: --xlsx expects a name ending in .xlsx").format(xlsx=args.xlsx))
    inputs = [args.input, args.subunits, args.requirements]
    refuse_overwrite(args.output, inputs)
    refuse_existing(args.output, args.force)
    if args.xlsx:
        refuse_overwrite(args.xlsx, inputs + [args.output])
        refuse_existing(args.xlsx, args.force)
    if (args.previous or args.store) and not args.period:
        raise InputError(_("--previous and --store need --period (e.g. --period 2022-11)"))
    date = _date_text(args.date)
    requirements = read_requirements(args.requirements) if args.requirements else None
    scheme = get_scheme(args.scheme)
    period = check_period(args.period, scheme=scheme) if args.period else None
    store = ResultStore(args.store, scheme) if args.store else None
    if store is not None and store.path(period).exists() and not args.replace:
        raise OutputError(_("{path}: period {period} is already stored; pass --replace to replace it").format(
                              path=store.path(period), period=period))
    stages = ["读取", "计分", "写通报"] + (["写表格"] if args.xlsx else [])
    with Stages("通报", stages, wanted(large_file(args.input, args.subunits))) as bar:
        bar("读取")
        frame, subunits = read_mapped_inputs(args.map, scheme, args.input, args.subunits, args.sheet)
        previous = previous_period = None
        if args.previous:
            history = ResultStore(args.previous, scheme)
            previous_period = history.previous(period)
            if previous_period is None:
                print(_("gridxl bulletin: note: no period before {period} in {dir}; no rank movement "
                         "shown").format(period=period, dir=history.dir),
                      file=sys.stderr)
            else:
                previous = history.load(previous_period)
        bar("计分")
        b = build_bulletin(scheme, frame, subunits, period=period, previous=previous, previous_period=previous_period,
                           area=args.area)
        _check_bulletin_texts(b, args)  # before the .docx: nothing is written when the .xlsx could not be
        bar("写通报")
        try:
            form = BulletinForm(title=args.title, issuer=args.issuer, date=date, to=args.to, purpose=args.purpose,
                                source=args.source, requirements=requirements, draft=args.draft)
            write_docx(b, args.output, form, inputs=inputs)
        except ChartError as exc:
            raise UserError(_("{output}: not written: {exc}").format(output=args.output, exc=exc)) from None
        print(_("bulletin of {n} {unit} ({scheme}) -> {path}").format(n=len(b.ranking), unit=scheme.unit,
                                                                     scheme=scheme.id, path=args.output),
              file=sys.stderr)
        if args.xlsx:
            bar("写表格")
            write_xlsx(b, args.xlsx, inputs=inputs)
            print(_("ranking table and chart -> {path}").format(path=args.xlsx), file=sys.stderr)
    if store is not None:
        path = store.save(period, b.result.table, replace=args.replace, inputs=inputs)
        print(_("stored {period} -> {path}").format(period=period, path=path), file=sys.stderr)
    return 0


def _check_bulletin_texts(b, args):
    from ..core.scheme import UNIT_KEY
    from gridxl.io.sheet_text import check_sheet_name, check_text, check_texts

    for option in ("title", "issuer", "area", "to", "purpose", "source"):
        check_text(getattr(args, option, None), f"--{option}")
    check_sheet_name(f"{args.area}指标", "--area (it names the sheet <area>指标)")
    check_texts([str(u) for u in b.ranking[UNIT_KEY]], "unit name")


def _margin(text: str):
    text = (text or "0").strip()
    relative = text.endswith("%")
    try:
        value = float(text.rstrip("%"))
    except ValueError:
        raise InputError(_("--margin {text!r}: expected points (5) or a share of the average (10%)").format(
                             text=text)) from None
    if value < 0:
        raise InputError(_("--margin {text!r}: expected 0 or more").format(text=text))
    return (value / 100, True) if relative else (value, False)


def cmd_history(args):

    scheme = get_scheme(args.scheme)
    store = ResultStore(args.dir, scheme)
    if args.output:  # before --add stores anything
        if Path(args.output).suffix.lower() != ".xlsx":
            raise OutputError(_("{output}: expected a name ending in .xlsx").format(output=args.output))
        refuse_overwrite(args.output, [args.add, args.subunits])
        refuse_existing(args.output, args.force)
    if args.add:
        if not args.period:
            raise InputError(_("--add needs --period (e.g. --period 2022-11)"))
        period = check_period(args.period, scheme=scheme)
        if store.path(period).exists() and not args.replace:
            raise OutputError(_("{path}: period {period} is already stored; pass --replace to replace it").format(
                                  path=store.path(period), period=period))
        frame, subunits = read_scheme_inputs(scheme, args.add, args.subunits, args.sheet)
        table = score_frame(scheme, frame, subunits).table
        path = store.save(period, table, replace=args.replace, inputs=[args.add, args.subunits])
        print(_("stored {period} ({n} {unit}) -> {path}").format(period=period, n=len(table), unit=scheme.unit, path=path),
              file=sys.stderr)
    elif args.period:
        raise InputError(_("--period is for --add (the period of the added input)"))
    for name, value in (("--bottom", args.bottom), ("--warn-months", args.warn_months),
                        ("--veto-months", args.veto_months)):
        if value is not None and value < 1:
            raise InputError(_("{name} {value}: expected 1 or more").format(name=name, value=value))
    margin, relative = _margin(args.margin) if args.margin is not None else (None, None)
    rule = h.scheme_streak_rule(scheme, args.bottom, args.warn_months, args.veto_months, margin, relative)
    weights = h.parse_weights(args.weights, scheme=scheme) if args.weights else None
    report = h.HistoryReport(scheme, store, rule, weights)
    print(report.text)
    if args.output:
        h.write_history_xlsx(report, args.output, keys=args.keys)
        print(_("history tables and trend charts -> {output}").format(output=args.output), file=sys.stderr)
    return 0
