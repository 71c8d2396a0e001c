"""draft, scheme-book, map: an office's own 考核办法 and exports, without writing code."""
from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from ..core import get_scheme
from ..core.catalog import builtin_paths
from ..core.lint import lint
from ..core.scheme import SchemeError, scheme_from_dict
from ..outputs import OutputError, refuse_overwrite


def register(sub):
    p = sub.add_parser(
        "draft", help="起草方案：从考核办法原文（.txt/.docx/.xlsx/.csv）或方案工作簿生成 scheme.toml",
        description="从考核办法或考核细则的原文起草一个 gridxl 方案：找出各部分、各项及分值，识别计分用语"
                    "（按比例得分、每…扣…分、扣完为止、依次少5%、X%到Y%之间扣Z分……），为每个计数提出中文名称的输入字段。"
                    "读不懂的用语作为检查组录入项（不超过本项分值），并在 lint 中列为“需要决定”。"
                    "INPUT 也可以是 `gridxl scheme-book` 写出并编辑过的 方案.xlsx。")
    p.add_argument("input", help="考核办法：.txt、.docx、.xlsx、.csv，或 方案.xlsx")
    p.add_argument("-o", "--output", required=True, help="写出的方案文件（.toml）")
    p.add_argument("--id", help="方案编号（默认取文件名）")
    p.add_argument("--unit", help="考核对象，如 村/社区、网格员（默认从原文推断）")
    p.add_argument("--replace", action="store_true", help="输出文件已存在时覆盖")
    p.set_defaults(func=cmd_draft)

    p = sub.add_parser(
        "scheme-book", help="把方案写成可编辑的 Excel 工作簿（指标、字段、等次、标记，带下拉列表）",
        description="把方案写成 方案.xlsx：指标表（中文列名，计分方式下拉列表，参数校验）、字段表、部分、等次、标记、"
                    "疑义，以及计分方式说明。编辑后用 `gridxl draft 方案.xlsx -o scheme.toml` 读回。")
    p.add_argument("scheme", help="内置方案编号或 .toml 方案文件")
    p.add_argument("-o", "--output", required=True, help="写出的工作簿（.xlsx）")
    p.add_argument("--replace", action="store_true", help="输出文件已存在时覆盖")
    p.set_defaults(func=cmd_scheme_book)

    p = sub.add_parser(
        "map", help="对照导出表：提出导出表各列对应方案的哪个字段，写成 mapping.toml",
        description="读出平台导出表（.csv/.xlsx）的表头，按中文名称相似度（rapidfuzz）和单位、类型提出每列对应的字段，"
                    "列出对应不上的列和没有列的字段，写出 mapping.toml；score、template --data、bulletin 用 --map 使用它。")
    p.add_argument("scheme", help="内置方案编号或 .toml 方案文件")
    p.add_argument("export", help="平台导出表：.csv 或 .xlsx")
    p.add_argument("-o", "--output", required=True, help="写出的对照文件（.toml）")
    p.add_argument("--sheet", help="xlsx 的工作表（默认第一个）")
    p.add_argument("--min-score", type=float, default=50, help="相似度低于此值不对应（0–100，默认 50）")
    p.add_argument("--yes", action="store_true", help="不询问，直接写出提议")
    p.add_argument("--replace", action="store_true", help="输出文件已存在时覆盖")
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
