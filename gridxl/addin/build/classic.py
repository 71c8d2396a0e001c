"""Classic xlwings (Windows Excel, a local Python): the settings, the instructions, a starter workbook.

The xlwings add-in runs the UDF module ``udfs.gridxl_udfs`` in a local Python; Excel finds
it through the ``xlwings.conf`` settings (``UDF Modules``, ``PYTHONPATH``,
``Interpreter_Win``) on a sheet of that name or in a file beside the workbook.
``write_addin`` writes both, with the xlwings Lite bundle, for ``gridxl addin --out DIR``.
"""
from __future__ import annotations

import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from ... import __version__
from ...io.outputs import atomic_path
from .lite import SOURCE_ROOT, UDF_MODULE, folder, write_lite, write_texts
from ..registry import FUNCTIONS

UDF_FILE = SOURCE_ROOT / "udfs" / "gridxl_udfs.py"


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
    names = ", ".join(FUNCTIONS)
    settings = "\n".join(f"     {key:<16} {value}" for key, value in xlwings_settings(python))
    return f"""gridxl {__version__} — GRID_* 工作表函数 / worksheet functions
函数 functions: {names}
UDF 模块 module: {UDF_MODULE}  ({UDF_FILE})

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


def write_addin(out: str | Path, python: str | None = None) -> list[Path]:
    """Everything both routes need: README.txt, xlwings.conf, gridxl-udfs.xlsx, lite/main.py, lite/requirements.txt."""
    out = folder(out)
    python = python or default_interpreter()
    written = write_texts({out / "README.txt": instructions(python) + "\n",
                            out / "xlwings.conf": xlwings_conf_file(python)})
    starter = out / "gridxl-udfs.xlsx"
    _starter_workbook(starter, python)
    return written + [starter] + write_lite(out / "lite")
