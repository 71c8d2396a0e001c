"""The ``gridxl`` command line.

Every module in ``gridxl/commands/`` contributes sub-commands through a
``register(subparsers)`` function; this file only discovers them and turns
expected failures (bad scheme, bad input file) into one clear line on stderr
with exit status 2, never a traceback.
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from . import __version__
from . import commands as commands_pkg
from .i18n import _, set_language
from .io.errors import UserError  # noqa: F401  (re-exported: gridxl.cli.UserError)

EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gridxl",
        description=_("网格化服务管理考核 → 自动计分的 Excel 工作簿。Score grid-governance assessments exactly as Excel would."),
        epilog=_("Run `gridxl COMMAND --help` for the options of each command."))
    parser.add_argument("--version", action="version", version=f"gridxl {__version__}")
    parser.add_argument("--lang", choices=("zh", "en"),
                        help=_("language of messages and help: zh (default) or en; an English locale "
                               "(LANG=en_US.UTF-8) also gives English"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands_pkg.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands_pkg.__name__}.{info.name}")
        if hasattr(module, "register"):
            module.register(sub)
    return parser


def _expected_errors():
    from .core.expr import ExprError
    from .core.scheme import SchemeError
    from .core.scoring import ScoringError
    from gridxl.io.inputs import InputError
    from gridxl.io.outputs import OutputError
    from gridxl.io.sheet_text import TextError
    return (UserError, OutputError, SchemeError, ScoringError, InputError, ExprError, TextError, FileNotFoundError,
            IsADirectoryError, PermissionError)


def _language_option(argv: list[str]) -> str | None:
    """--lang before the parser is built: its help texts are made in that language."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def main(argv: list[str] | None = None) -> int:
    set_language(_language_option(sys.argv[1:] if argv is None else argv))
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.func(args) or 0)
    except _expected_errors() as exc:
        print(_("gridxl {command}: error: {message}").format(command=args.command, message=exc), file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `gridxl show … | head`
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print(_("gridxl {command}: interrupted; nothing was written over").format(command=args.command),
              file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
