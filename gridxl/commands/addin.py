"""addin: put the GRID_* worksheet functions into Excel, and the UDF demo workbook.

Two routes (docs/addin.md walks through both, click by click): classic xlwings on Windows
Excel (``--out DIR`` writes the settings and a starter workbook; gridxl.addin.build.classic) and
xlwings Lite in Excel 365 / Excel on the web (``--lite DIR`` writes the bundle;
gridxl.addin.build.lite).  ``--demo FILE`` writes the demo workbook (gridxl.addin.build.demo).  The
committed bundle (udfs/lite/) and demo (workbook_templates/) are built by these options and
checked by tests that build them afresh.

WPS does not run xlwings: the WPS route is the native-formula template (``gridxl template``).
"""
from __future__ import annotations

import sys
from pathlib import Path

from ..addin.build.classic import default_interpreter, instructions, write_addin
from ..addin.build.demo import DEMO_SCHEME, build_demo_workbook
from ..addin.build.lite import write_lite
from ..i18n import _
from ..io.outputs import refuse_existing


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
