"""addin: put the GRID_* worksheet functions into Excel, and the UDF demo workbook.

Two routes (docs/addin.md walks through both, click by click):

* classic xlwings on Windows Excel: the xlwings add-in runs the UDF module
  ``udfs.gridxl_udfs`` in a local Python.  ``gridxl addin`` prints the settings
  (``UDF Modules``, ``PYTHONPATH``, ``Interpreter_Win``) and ``--out DIR``
  writes them as an ``xlwings.conf`` file and as a starter workbook whose
  ``xlwings.conf`` sheet already holds them.
* xlwings Lite (Excel 365 / Excel on the web, Python in the browser via
  Pyodide): ``--out DIR`` writes ``lite/main.py`` and ``lite/requirements.txt``.
  ``main.py`` carries the scoring core, the built-in schemes and the UDF module
  as a zip inside itself, so pasting two files is the whole installation: no
  local Python, no server, no package to publish.  The committed copy lives in
  ``udfs/lite/`` and a test checks it is current.

WPS does not run xlwings: the WPS route is the native-formula template
(``gridxl template``).
"""
from __future__ import annotations

import base64
import hashlib
import io
import re
import sys
import zipfile
from pathlib import Path

from ..i18n import _
from .. import __version__
from ..core import get_scheme, score_frame
from ..core.expr import Refs
from ..core.scheme import UNIT_KEY
from gridxl.io.outputs import OutputError, atomic_path, refuse_existing

PACKAGE_ROOT = Path(__file__).resolve().parents[1]  # gridxl/
SOURCE_ROOT = PACKAGE_ROOT.parent  # where gridxl/ and udfs/ sit (a checkout or site-packages)
UDF_MODULE = "udfs.gridxl_udfs"
LITE_DIR = SOURCE_ROOT / "udfs" / "lite"
DEMO_SCHEME = "yushui-2022"
DEMO_PATH = SOURCE_ROOT / "workbook_templates" / f"demo-udf-{DEMO_SCHEME}.xlsx"
LITE_REQUIREMENTS = ("xlwings", "numpy", "pandas")
_PAYLOAD_RE = re.compile(r'^_PAYLOAD = \(\n(?:    "[A-Za-z0-9+/=]*"\n)*\)\n', re.M)


def register(sub):
    p = sub.add_parser(
        "addin", help=_("install the GRID_* Excel functions (xlwings, xlwings Lite); the UDF demo workbook"),
        description=_(("Without options: print what classic xlwings (Windows Excel) and xlwings Lite (Excel 365, "
                    "Excel on the web) need to run the GRID_* functions. --out DIR writes it: xlwings.conf, a "
                    "starter workbook with an xlwings.conf sheet, and the xlwings Lite bundle lite/main.py + "
                    "lite/requirements.txt. --demo FILE writes a workbook whose score cells use GRID_* on a "
                    "scheme's sample data. WPS does not run xlwings: use `gridxl template` there. "
                    "Step by step: docs/addin.md.")))
    p.add_argument("--out", metavar="DIR", help=_("write the add-in files into DIR (created if missing)"))
    p.add_argument("--lite", metavar="DIR", help=_(("write only the xlwings Lite bundle (main.py, requirements.txt) "
                                                 "into DIR; `--lite udfs/lite` refreshes the committed one")))
    p.add_argument("--demo", metavar="FILE.xlsx", help=_("write the GRID_* demo workbook to this file"))
    p.add_argument("--scheme", default=DEMO_SCHEME,
                   help=f"the scheme of the demo workbook (needs gridxl/samples/<id>.csv; default {DEMO_SCHEME})")
    p.add_argument("--force", action="store_true", help=_("replace files that already exist there"))
    p.add_argument("--python", help=_(("the Python that Excel should start (Interpreter_Win); default: this Python on "
                                           "Windows, else `python`")))
    p.set_defaults(func=cmd_addin)


def cmd_addin(args):
    python = args.python or default_interpreter()
    for target in _targets(args):
        refuse_existing(target, args.force)
    if args.out:
        for path in write_addin(args.out, python):
            print(f"wrote {path}", file=sys.stderr)
    if args.lite:
        for path in write_lite(args.lite):
            print(f"wrote {path}", file=sys.stderr)
    if args.demo:
        build_demo_workbook(args.demo, args.scheme)
        print(f"wrote {args.demo}", file=sys.stderr)
    if not (args.out or args.lite or args.demo):
        print(instructions(python))
    return 0


def _targets(args) -> list[Path]:
    """Every file the options would write (each refused when it exists, unless --force)."""
    lite = ("main.py", "requirements.txt")
    out = []
    if args.out:
        out += [Path(args.out) / n for n in ("README.txt", "xlwings.conf", "gridxl-udfs.xlsx")]
        out += [Path(args.out) / "lite" / n for n in lite]
    if args.lite:
        out += [Path(args.lite) / n for n in lite]
    if args.demo:
        out.append(Path(args.demo))
    return out


# -- classic xlwings -----------------------------------------------------------------------
def default_interpreter() -> str:
    return sys.executable if sys.platform.startswith("win") else "python"


def xlwings_settings(python: str | None = None) -> list[tuple[str, str]]:
    """The xlwings settings (as on an ``xlwings.conf`` sheet) that make Excel find the GRID_* functions."""
    return [("Interpreter_Win", python or default_interpreter()),
            ("PYTHONPATH", str(SOURCE_ROOT)),
            ("UDF Modules", UDF_MODULE)]


def xlwings_conf_file(python: str | None = None) -> str:
    """The same settings in the format of an ``xlwings.conf`` file beside the workbook."""
    return "".join(f'"{key.upper()}","{value}"\n' for key, value in xlwings_settings(python))


def instructions(python: str | None = None) -> str:
    from udfs import gridxl_udfs
    names = ", ".join(gridxl_udfs.__all__)
    settings = "\n".join(f"     {key:<16} {value}" for key, value in xlwings_settings(python))
    return f"""gridxl {__version__} — GRID_* 工作表函数 / worksheet functions
函数 functions: {names}
UDF 模块 module: {UDF_MODULE}  ({Path(gridxl_udfs.__file__).resolve()})

一、经典 xlwings（Windows 版 Excel，本机 Python）/ classic xlwings (Windows Excel, local Python)
  1. 在 gridxl 文件夹里运行 in the gridxl folder:  pip install -e .      （xlwings 随之安装 / installs xlwings too）
  2. 命令行 command line:  xlwings addin install        （Excel 出现 xlwings 选项卡 / adds the xlwings tab）
  3. 把工作簿另存为 .xlsm；Alt+F11 → 工具 Tools → 引用 References → 勾选 xlwings
     Save the workbook as .xlsm; Alt+F11 → Tools → References → tick xlwings.
  4. 新建名为 xlwings.conf 的工作表，从 A1 起两列填写 / add a sheet named xlwings.conf, from A1:
{settings}
     （gridxl addin --out 目录 会写好 gridxl-udfs.xlsx 和 xlwings.conf 文件 / writes these for you）
  5. 文件 → 选项 → 信任中心 → 信任中心设置 → 宏设置 → 勾选“信任对 VBA 工程对象模型的访问”
     File → Options → Trust Center → Macro Settings → Trust access to the VBA project object model.
  6. xlwings 选项卡 → Import Functions（导入函数）；然后在单元格输入
     =GRID_SCORE("yushui-2022","events_per_10k",C5,B5)

二、xlwings Lite（Excel 365 / 网页版 Excel，不需要安装 Python）/ xlwings Lite (no local Python)
  1. 开始 Home → 加载项 Add-ins → 搜索 xlwings Lite → 添加 Add.
  2. gridxl addin --out 目录：把 lite/main.py 的全部内容粘贴到 xlwings Lite 的 main.py 标签页，
     lite/requirements.txt 粘贴到 requirements.txt 标签页（等待安装完成）。
     Paste lite/main.py into Lite's main.py tab and lite/requirements.txt into its requirements.txt tab.
  3. 在单元格输入 =GRID_SCORE(...)。

WPS 不运行 xlwings：WPS 请用 gridxl template 生成的原生公式模板。
WPS does not run xlwings: use the native-formula templates from `gridxl template`.
详细步骤 step by step: docs/addin.md"""


def _starter_workbook(path: Path, python: str):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "说明"
    lines = ["gridxl GRID_* 函数（经典 xlwings）/ GRID_* functions through classic xlwings",
             "1. 另存为 .xlsm（启用宏的工作簿）/ Save As .xlsm",
             "2. Alt+F11 → 工具 Tools → 引用 References → 勾选 xlwings",
             "3. 信任中心 → 宏设置 → 勾选“信任对 VBA 工程对象模型的访问” / Trust access to the VBA project object model",
             "4. xlwings 选项卡 → Import Functions（导入函数）",
             "5. 检查 xlwings.conf 工作表里的 Python 路径 / check the Python path on the xlwings.conf sheet",
             '6. 单元格输入 =GRID_SCORE("yushui-2022","events_per_10k",2327,27687) 应得 20',
             "WPS 不运行 xlwings：请用 gridxl template 生成的原生公式模板。"]
    for n, line in enumerate(lines, 1):
        ws.cell(n, 1, line)
    ws["A1"].font = Font(bold=True, size=13)
    ws.column_dimensions["A"].width = 90
    conf = wb.create_sheet("xlwings.conf")  # xlwings reads the settings from A1 of a sheet with this name
    for n, (key, value) in enumerate(xlwings_settings(python), 1):
        conf.cell(n, 1, key)
        conf.cell(n, 2, value)
    conf.column_dimensions["A"].width = 18
    conf.column_dimensions["B"].width = 60
    with atomic_path(path) as tmp:
        wb.save(tmp)


# -- xlwings Lite ----------------------------------------------------------------------------
def lite_payload_files() -> dict[str, bytes]:
    """What the Lite bundle carries: the pure-Python scoring core, the built-in schemes, the UDF module."""
    files: dict[str, Path] = {"gridxl/__init__.py": PACKAGE_ROOT / "__init__.py"}
    for path in sorted((PACKAGE_ROOT / "core").rglob("*.py")):
        files[path.relative_to(SOURCE_ROOT).as_posix()] = path
    for path in sorted((PACKAGE_ROOT / "schemes").glob("*.toml")):
        files[path.relative_to(SOURCE_ROOT).as_posix()] = path
    udfs_dir = SOURCE_ROOT / "udfs"
    for name in ("__init__.py", "gridxl_udfs.py"):
        files[f"udfs/{name}"] = udfs_dir / name
    # LF line ends whatever the checkout: the bundle (and its digest) is the same on every machine
    return {name: files[name].read_bytes().replace(b"\r\n", b"\n") for name in sorted(files)}


def payload_digest(files: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return h.hexdigest()[:12]


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, files[name])
    return buf.getvalue()


def lite_main(files: dict[str, bytes] | None = None) -> str:
    """The xlwings Lite ``main.py``: a loader, the bundle, and the import of every GRID_* function."""
    from udfs import gridxl_udfs
    files = lite_payload_files() if files is None else files
    encoded = base64.b64encode(_zip(files)).decode("ascii")
    lines = "".join(f'    "{encoded[i:i + 100]}"\n' for i in range(0, len(encoded), 100))
    names = gridxl_udfs.__all__
    imports = "".join(f"    {name},\n" for name in names)
    return f'''"""gridxl {__version__}: the GRID_* worksheet functions for xlwings Lite. Generated by `gridxl addin`; do not edit.

网格化考核计分函数（xlwings Lite 版）：把本文件全部内容粘贴到 xlwings Lite 的 main.py 标签页，
把 requirements.txt 粘贴到 requirements.txt 标签页，然后在单元格输入
=GRID_SCORE("yushui-2022", "events_per_10k", C5, B5)。步骤见 docs/addin.md。

Paste this whole file into the main.py tab of xlwings Lite and requirements.txt into its
requirements.txt tab. gridxl's scoring core, its {len([f for f in files if f.endswith(".toml")])} built-in schemes and the UDF module travel
inside this file (the zip below, {len(files)} files); nothing else is installed but numpy and pandas.
Functions: {", ".join(names)}.
"""
import base64
import io
import os
import sys
import tempfile
import zipfile

_BUNDLE = "gridxl-{__version__}-{payload_digest(files)}"
_PAYLOAD = (
{lines})


def _unpack():
    """Extract the bundle once per session and put it first on sys.path."""
    target = os.path.join(tempfile.gettempdir(), _BUNDLE)
    if not os.path.isfile(os.path.join(target, "udfs", "gridxl_udfs.py")):
        with zipfile.ZipFile(io.BytesIO(base64.b64decode(_PAYLOAD))) as bundle:
            bundle.extractall(target)
    if target not in sys.path:
        sys.path.insert(0, target)
    for name in list(sys.modules):  # an older bundle imported earlier in this session
        if name.split(".")[0] in ("gridxl", "udfs"):
            origin = getattr(sys.modules[name], "__file__", None) or ""
            if not origin.startswith(target):
                del sys.modules[name]


_unpack()

from udfs.gridxl_udfs import (  # noqa: E402  the functions Excel sees
{imports})

__all__ = [{", ".join(repr(n) for n in names)}]
'''


def lite_requirements() -> str:
    return "".join(f"{name}\n" for name in LITE_REQUIREMENTS)


def lite_files() -> dict[str, str]:
    return {"main.py": lite_main(), "requirements.txt": lite_requirements()}


def split_lite_main(text: str) -> tuple[str, dict[str, bytes]]:
    """A Lite main.py as (its code with the payload left out, the files inside the payload)."""
    match = _PAYLOAD_RE.search(text)
    if not match:
        raise ValueError("not a gridxl xlwings Lite main.py: no _PAYLOAD block")
    encoded = "".join(re.findall(r'"([A-Za-z0-9+/=]*)"', match.group(0)))
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(encoded))) as zf:
        files = {name: zf.read(name) for name in zf.namelist()}
    return text[:match.start()] + "_PAYLOAD = (...)\n" + text[match.end():], files


def _folder(out: str | Path) -> Path:
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: is a file, expected a folder")
    out.mkdir(parents=True, exist_ok=True)
    return out


def _write_texts(texts: dict[Path, str]) -> list[Path]:
    for path, text in texts.items():
        with atomic_path(path) as tmp:
            tmp.write_text(text, encoding="utf-8", newline="\n")
    return list(texts)


def write_lite(out: str | Path) -> list[Path]:
    """The xlwings Lite bundle: DIR/main.py and DIR/requirements.txt."""
    out = _folder(out)
    return _write_texts({out / name: text for name, text in lite_files().items()})


def write_addin(out: str | Path, python: str | None = None) -> list[Path]:
    """Everything both routes need: README.txt, xlwings.conf, gridxl-udfs.xlsx, lite/main.py, lite/requirements.txt."""
    out = _folder(out)
    python = python or default_interpreter()
    written = _write_texts({out / "README.txt": instructions(python) + "\n",
                            out / "xlwings.conf": xlwings_conf_file(python)})
    starter = out / "gridxl-udfs.xlsx"
    _starter_workbook(starter, python)
    return written + [starter] + write_lite(out / "lite")


# -- the demo workbook ---------------------------------------------------------------------
def _col(n: int) -> str:
    from openpyxl.utils import get_column_letter
    return get_column_letter(n)


def _literal(value) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return '"' + value.replace('"', '""') + '"'
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def _adhoc_call(scheme, ind, cell):
    """The per-kind function call that gives this indicator's score from the same cells, or None
    when the rule takes more than literal parameters (cases by unit, sub-items, overrides …)."""
    from udfs.gridxl_udfs import KINDS, kind_arguments
    refs = Refs(cell)
    args = kind_arguments(ind, lambda role, expr: expr.to_excel(refs) if role == "value" else None)
    if args is None or ind.per_subunit:
        return None
    texts = []
    for a, value in zip(KINDS[ind.kind].args, args):
        if value is None and a.role == "param":  # the rule's default, written out (see below)
            value = next(p.default for p in ind.rule_kind.params if p.name == a.param)
        if isinstance(value, list):
            return None
        texts.append("" if value is None else value if a.role == "value" else _literal(value))
    while texts and texts[-1] == "":
        texts.pop()
    if "" in texts:  # Excel passes an omitted argument as missing, the formulas engine as 0: avoid both
        return None
    call = f"{KINDS[ind.kind].function}({','.join(texts)})"
    comp = scheme.compiled()[ind.key]
    if comp.zero_guard is not None:  # the scheme's 分母为0 rule, which the bare kind does not know
        call = f"IF({comp.zero_guard.to_excel(refs)},{_literal(ind.if_zero)},{call})"
    return "=" + call


def build_demo_workbook(path: str | Path = DEMO_PATH, scheme_id: str = DEMO_SCHEME) -> Path:
    """A workbook whose score cells call GRID_* on the scheme's sample data (gridxl/samples/<id>.csv).

    Sheet 评分: GRID_SCORE per indicator, GRID_TOTAL, GRID_RANK, GRID_RANK_CN (GRID_GRADE, GRID_STARS
    when the scheme has them) and GRID_EXPLAIN of the indicator most units fall short on.  Sheet 按规则:
    the same scores from the per-kind functions (GRID_RATIO, GRID_LINEAR, …) with the rule's
    parameters typed in.  Sheet 说明: what the functions need.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    from udfs.gridxl_udfs import _reads_other_units
    from gridxl.io.inputs import read_table

    scheme = get_scheme(scheme_id)
    sample = PACKAGE_ROOT / "samples" / f"{scheme.id}.csv"
    if not sample.exists():
        raise OutputError(f"scheme {scheme.id} has no sample data ({sample.name}) to make a demo from")
    compiled = scheme.compiled()
    whole_table = [k for k, c in compiled.items() if c.indicator.per_subunit or _reads_other_units(c.score)]
    if whole_table:
        raise OutputError(f"scheme {scheme.id}: {', '.join(whole_table)} are not scored row by row; "
                          f"the demo takes schemes whose every indicator is")
    frame = read_table(sample, scheme)
    scores = score_frame(scheme, frame).table
    fields = scheme.unit_fields()
    first, last = 5, 4 + len(frame)
    sid = _literal(scheme.id)

    columns = [(UNIT_KEY, f"{scheme.unit}")] + [(f.key, f.header) for f in fields]
    columns += [(i.key, f"{i.name}（{i.points:g}分）") for i in scheme.indicators]
    columns += [("total", "总分"), ("rank", "排名"), ("rank_dense", "中国式排名")]
    if scheme.grades:
        columns.append(("grade", "等次"))
    if scheme.stars:
        columns.append(("stars", "星级"))
    short = {i.key: int((scores[i.key] < i.points).sum()) for i in scheme.indicators}
    explained = max(scheme.indicators, key=lambda i: short[i.key]).key
    columns.append(("explain", f"得分说明：{scheme.indicator(explained).name}"))
    letter = {key: _col(n) for n, (key, _) in enumerate(columns, 1)}

    wb = Workbook()
    ws = wb.active
    ws.title = "评分"
    bold, head_fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    ws["A1"] = f"{scheme.title or scheme.name}（GRID_* 函数演示）"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = ("得分、总分、排名各列是 GRID_* 自定义函数：需要 xlwings 加载项（Windows Excel）或 xlwings Lite"
                "（Excel 365 / 网页版），见 docs/addin.md。WPS 不运行 xlwings，请用 gridxl template 的原生公式模板。")
    for n, (key, label) in enumerate(columns, 1):
        head = ws.cell(3, n, label)
        head.font, head.fill = bold, head_fill
        head.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        ws.cell(4, n, key).font = Font(color="808080", size=9)
        ws.column_dimensions[_col(n)].width = (44 if key == "explain" else 14 if key == UNIT_KEY
                                               else min(16, max(9, len(label) * 1.6)))
    ws.row_dimensions[3].height = 48

    def cell(r):
        def ref(space, key):
            return f"{letter[key]}{r}"
        return ref

    for i, (_, unit) in enumerate(frame.iterrows()):
        r = first + i
        ws.cell(r, 1, unit[UNIT_KEY])
        for f in fields:
            v = unit[f.key]
            v = int(v) if isinstance(v, float) and v.is_integer() else v
            ws[f"{letter[f.key]}{r}"] = v
        for ind in scheme.indicators:
            inputs = ",".join(cell(r)("", k) for k in compiled[ind.key].inputs)
            ws[f"{letter[ind.key]}{r}"] = f"=GRID_SCORE({sid},{_literal(ind.key)},{inputs})"
        total = f"{letter['total']}{r}"
        ws[total] = f"=GRID_TOTAL({sid},{letter[fields[0].key]}{r}:{letter[fields[-1].key]}{r})"
        column = f"${letter['total']}${first}:${letter['total']}${last}"
        ws[f"{letter['rank']}{r}"] = f"=GRID_RANK({total},{column})"
        ws[f"{letter['rank_dense']}{r}"] = f"=GRID_RANK_CN({total},{column})"
        if scheme.grades:
            ws[f"{letter['grade']}{r}"] = f"=GRID_GRADE({sid},{total})"
        if scheme.stars:
            ws[f"{letter['stars']}{r}"] = f"=GRID_STARS({sid},{total})"
        inputs = ",".join(cell(r)("", k) for k in compiled[explained].inputs)
        ws[f"{letter['explain']}{r}"] = f"=GRID_EXPLAIN({sid},{_literal(explained)},{inputs})"
        for key in [i.key for i in scheme.indicators] + ["total"]:
            ws[f"{letter[key]}{r}"].number_format = "0.00"
    ws.freeze_panes = "B5"

    rules = wb.create_sheet("按规则")
    rules["A1"] = "同样的得分，用按规则的函数（GRID_RATIO、GRID_LINEAR …）和方案里的参数算出"
    rules["A1"].font = Font(bold=True, size=12)
    rules["A2"] = "Each rule kind has its own function; the value is computed from the 评分 sheet's inputs."
    head = rules.cell(3, 1, scheme.unit)
    head.font, head.fill = bold, head_fill
    from udfs.gridxl_udfs import KINDS
    n = 1
    for ind in scheme.indicators:
        def sheet_cell(space, key, r=first):
            return f"'评分'!{letter[key]}{r}"
        if _adhoc_call(scheme, ind, sheet_cell) is None:
            continue
        n += 1
        head = rules.cell(3, n, f"{ind.name}（{KINDS[ind.kind].function}）")
        head.font, head.fill = bold, head_fill
        head.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        rules.cell(4, n, ind.key).font = Font(color="808080", size=9)
        rules.column_dimensions[_col(n)].width = 16
        for i in range(len(frame)):
            r = first + i
            rules.cell(r, n, _adhoc_call(scheme, ind, lambda space, key, r=r: f"'评分'!{letter[key]}{r}"))
            rules.cell(r, n).number_format = "0.00"
    for i in range(len(frame)):
        rules.cell(first + i, 1, f"='评分'!A{first + i}")
    rules.row_dimensions[3].height = 48
    rules.freeze_panes = "B5"

    notes = wb.create_sheet("说明")
    for r, line in enumerate(_demo_notes(scheme), 1):
        notes.cell(r, 1, line)
    notes["A1"].font = Font(bold=True, size=13)
    notes.column_dimensions["A"].width = 110
    conf = wb.create_sheet("xlwings.conf")  # classic xlwings finds the functions with no further setting
    conf["A1"], conf["B1"] = "UDF Modules", UDF_MODULE
    conf.column_dimensions["A"].width = 16
    conf.column_dimensions["B"].width = 24

    path = Path(path)
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path


def _demo_notes(scheme) -> list[str]:
    return [
        f"{scheme.name}：GRID_* 函数演示 / GRID_* worksheet functions demo",
        f"数据：gridxl/samples/{scheme.id}.csv（{scheme.source}）。重新生成：gridxl addin --demo 文件.xlsx --scheme {scheme.id}",
        "",
        "本工作簿的得分单元格调用 gridxl 的 GRID_* 函数，Excel 需先装好函数，否则显示 #NAME?：",
        "  · Windows 版 Excel：经典 xlwings 加载项（本机 Python）——另存为 .xlsm，Alt+F11 → 工具 → 引用 → 勾选 xlwings，",
        f"    xlwings 选项卡 → Import Functions。本工作簿的 xlwings.conf 表已写好 UDF Modules = {UDF_MODULE}。",
        "  · Excel 365 / 网页版：xlwings Lite 加载项，粘贴 gridxl addin 生成的 main.py 与 requirements.txt。",
        "  装好后按 Ctrl+Alt+F9 全部重算。详细步骤见 docs/addin.md。",
        "WPS 不运行 xlwings：WPS 用户请用 gridxl template 生成的原生公式模板（不需要任何加载项）。",
        "",
        "函数 / functions:",
        '  GRID_SCORE(方案, 指标, 输入…)   一个指标的得分；输入顺序见 gridxl show 方案',
        "  GRID_TOTAL(方案, 整行输入)      总分（各项得分之和，ROUND）",
        "  GRID_RANK(值, 区域) / GRID_RANK_CN(值, 区域)   竞争排名（1,1,3）/ 中国式排名（1,1,2）",
        "  GRID_GRADE(方案, 总分) / GRID_STARS(方案, 总分)   等次 / 星级",
        "  GRID_EXPLAIN(方案, 指标, 输入…)   得分说明",
        "  GRID_RATIO、GRID_LINEAR、GRID_STEPS、GRID_DEDUCT、GRID_BANDS …   每种计分规则一个函数（见“按规则”表）",
        "出错时单元格显示 #GRIDXL! 加原因；输入为空时得分为空。",
    ]
