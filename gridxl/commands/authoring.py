"""draft, scheme-book, map: an office's own 考核办法 and exports, without writing code."""
from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from ..core import get_scheme
from ..i18n import _
from ..core.catalog import builtin_paths
from ..core.lint import lint
from ..core.scheme import SchemeError, scheme_from_dict
from gridxl.io.outputs import OutputError, refuse_overwrite


def register(sub):
    p = sub.add_parser(
        "draft", help=_("draft a scheme from the text of a 考核办法 (.txt/.docx/.xlsx/.csv) or from a scheme workbook"),
        description=_("Draft a gridxl scheme from the text of a 考核办法 or 考核细则: sections, items and their points, the rule "
                    "phrases (按比例得分, 每…扣…分, 扣完为止, 依次少5%, X%到Y%之间扣Z分 …), and an input field with a Chinese "
                    "label for every count. Phrases it cannot read become inspector-entered items bounded by their "
                    "points, listed by lint as \"needs a decision\". INPUT may also be a 方案.xlsx written by "
                    "`gridxl scheme-book` and edited."))
    p.add_argument("input", help=_("the 考核办法: .txt, .docx, .xlsx, .csv, or a 方案.xlsx"))
    p.add_argument("-o", "--output", required=True, help=_("the scheme file to write (.toml)"))
    p.add_argument("--id", help=_("the scheme id (default: from the file name)"))
    p.add_argument("--unit", help=_("who is scored, e.g. 村/社区, 网格员 (default: read from the text)"))
    p.add_argument("--force", "--replace", dest="replace", action="store_true", help=_("replace the output if it exists"))
    p.set_defaults(func=cmd_draft)

    p = sub.add_parser(
        "scheme-book", help=_("the scheme as an editable workbook (indicators, fields, grades, flags, with drop-down lists)"),
        description=_("Write the scheme as 方案.xlsx: the indicator table (Chinese columns, a drop-down list of rule kinds, "
                    "validated cells), fields, sections, grades, flags, ambiguities and the rule kinds explained. "
                    "Read it back after editing with `gridxl draft 方案.xlsx -o scheme.toml`."))
    p.add_argument("scheme", help=_("built-in id (see `gridxl schemes`) or a .toml scheme file"))
    p.add_argument("-o", "--output", required=True, help=_("the workbook to write (.xlsx)"))
    p.add_argument("--force", "--replace", dest="replace", action="store_true", help=_("replace the output if it exists"))
    p.set_defaults(func=cmd_scheme_book)

    p = sub.add_parser(
        "map", help=_("map a platform export: which column feeds which field of the scheme, written as mapping.toml"),
        description=_("Read the headers of a platform export (.csv/.xlsx), propose the field each column feeds by Chinese label "
                    "similarity (rapidfuzz), unit and type, list the columns that feed nothing and the fields with no "
                    "column, and write mapping.toml; score, template --data and bulletin apply it with --map."))
    p.add_argument("scheme", help=_("built-in id (see `gridxl schemes`) or a .toml scheme file"))
    p.add_argument("export", help=_("the platform export: .csv or .xlsx"))
    p.add_argument("-o", "--output", required=True, help=_("the mapping file to write (.toml)"))
    p.add_argument("--sheet", help=_("the sheet of an xlsx export (default: the first)"))
    p.add_argument("--min-score", type=float, default=50, help=_("no mapping below this similarity (0-100, default 50)"))
    p.add_argument("--yes", action="store_true", help=_("write the proposal without asking"))
    p.add_argument("--force", "--replace", dest="replace", action="store_true", help=_("replace the output if it exists"))
    p.set_defaults(func=cmd_map)


def _check_output(output: str, suffix: str, inputs, replace: bool):
    path = Path(output)
    if path.suffix.lower() != suffix:
        raise OutputError(f"{output}: 输出文件名应以 {suffix} 结尾（expected a {suffix} name）")
    refuse_overwrite(path, inputs)
    if path.exists() and not replace:
        raise OutputError(f"{output}: 文件已存在；加 --replace 覆盖（already exists; pass --replace）")


def cmd_draft(args):
    from ..authoring.draft import draft_file, write_draft
    _check_output(args.output, ".toml", [args.input], args.replace)
    draft = draft_file(args.input, args.id, args.unit)
    try:
        scheme = scheme_from_dict(draft.data, args.output)
    except SchemeError as exc:
        raise SchemeError(f"{args.input}: 读回的方案有误：{exc}") from None
    write_draft(draft, args.output)
    findings = lint(scheme)
    n = len(scheme.indicators)
    decisions = [f for f in findings if "needs a decision" in f.message]
    from ..core import REGISTRY
    from ..core.excel_math import format_number
    for k, ind in enumerate(scheme.indicators, 1):
        tag = "附加" if ind.extra else f"{format_number(ind.points)}分"
        print(f"  {k:>2}. {ind.name}（{tag}）{ind.kind} — {REGISTRY[ind.kind].label}", file=sys.stderr)
    print(f"gridxl draft: {n} 项 -> {args.output}；{len(decisions)} 处需要决定，"
          f"{sum(f.level == 'warning' for f in findings)} 条警告（见 gridxl lint {args.output}）", file=sys.stderr)
    for f in decisions[:20]:
        print(f"  {f.where}: {f.message}", file=sys.stderr)
    return 0


def scheme_data(name: str) -> dict:
    """The scheme file's data (not the loaded model), so nothing the file says is lost."""
    builtins = builtin_paths()
    path = builtins.get(name, Path(name))
    get_scheme(str(path) if name not in builtins else name)  # the same errors as every other command
    return tomllib.loads(Path(path).read_text(encoding="utf-8"))


def cmd_scheme_book(args):
    from ..authoring.scheme_book import write_book
    _check_output(args.output, ".xlsx", [args.scheme], args.replace)
    data = scheme_data(args.scheme)
    write_book(data, args.output)
    print(f"gridxl scheme-book: {data['id']}（{len(data.get('indicators', []))} 项）-> {args.output}；"
          f"编辑后用 gridxl draft {args.output} -o 方案.toml 读回", file=sys.stderr)
    return 0


def cmd_map(args):
    from ..authoring.mapping import propose_mapping, read_headers, write_mapping
    _check_output(args.output, ".toml", [args.export], args.replace)
    scheme = get_scheme(args.scheme)
    headers = read_headers(args.export, scheme, args.sheet)
    proposal = propose_mapping(scheme, headers, min_score=args.min_score)
    print(proposal.text())
    if not args.yes and sys.stdin.isatty():
        answer = input("写出这个对照？[Y/n] ").strip().lower()
        if answer not in ("", "y", "yes", "是"):
            print("没有写出。", file=sys.stderr)
            return 1
    write_mapping(proposal, args.output)
    print(f"gridxl map: {len(proposal.columns)} 列对应 -> {args.output}", file=sys.stderr)
    return 0
