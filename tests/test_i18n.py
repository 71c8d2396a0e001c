"""Chinese first: messages and help in Chinese by default, English with --lang en or an English locale;
one catalogue (gridxl/locale/zh_CN.po) holding every message the code marks for translation."""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gridxl.i18n import CATALOGUE, language_from_env, mo_bytes, parse_po

ROOT = Path(__file__).resolve().parent.parent
NO_LOCALE = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}


def run(*args, env=None):
    return subprocess.run([sys.executable, "-m", "gridxl", *map(str, args)], capture_output=True, text=True,
                          env=env if env is not None else NO_LOCALE, cwd=ROOT)


def marked_messages() -> dict[str, str]:
    """Every string literal passed to _() in gridxl/ (and to N_(), which marks a text shown later through
    gridxl.core.translate.gettext: FIELD_TYPES), with where it is."""
    out = {}
    for path in (ROOT / "gridxl").rglob("*.py"):
        if path.name == "i18n.py" or path.parts[-2:] == ("core", "translate.py"):  # the translating functions
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "N_") \
                    and node.args:
                arg = node.args[0]
                assert isinstance(arg, ast.Constant) and isinstance(arg.value, str), \
                    f"{path}:{node.lineno}: _() needs a plain string (format after translating)"
                out[arg.value] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return out


def test_every_message_has_chinese_and_english():
    catalogue = parse_po(CATALOGUE.read_text(encoding="utf-8"))
    marked = marked_messages()
    assert len(marked) >= 90  # the CLI help of every command, errors, summaries
    for msgid, where in marked.items():
        assert msgid.strip(), where  # the English text
        assert catalogue.get(msgid, "").strip(), f"{where}: no Chinese for {msgid!r}"
        zh = catalogue[msgid]
        # Chinese words, or at least Chinese punctuation ("{where}：{message}")
        assert any("\u4e00" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef"
                   or ch in "“”" for ch in zh), (where, zh)
        # the same placeholders in both, so .format() fills either
        import string
        fields = lambda t: sorted(f for _, f, _, _ in string.Formatter().parse(t) if f is not None)  # noqa: E731
        assert fields(zh) == fields(msgid), (where, msgid, zh)
        assert zh.count("%") == msgid.count("%"), (where, msgid, zh)


def test_no_stale_entries_in_the_catalogue():
    catalogue = parse_po(CATALOGUE.read_text(encoding="utf-8"))
    marked = marked_messages()
    argparse_words = {k for k in catalogue if "%" in k or k in ("usage: ", "positional arguments", "options",
                                                                 "show this help message and exit",
                                                                 "show program's version number and exit",
                                                                 "expected one argument")}
    stale = set(catalogue) - set(marked) - argparse_words - {""}
    assert not stale, sorted(stale)


def test_the_mo_form_reads_back_through_gettext():
    import gettext
    import io
    t = gettext.GNUTranslations(io.BytesIO(mo_bytes({"the results folder": "结果文件夹"})))
    assert t.gettext("the results folder") == "结果文件夹" and t.gettext("other") == "other"


@pytest.mark.parametrize("env,expected", [
    ({}, "zh"), ({"LANG": "C.UTF-8"}, "zh"), ({"LANG": "zh_CN.UTF-8"}, "zh"), ({"LANG": "en_US.UTF-8"}, "en"),
    ({"LANGUAGE": "en", "LANG": "zh_CN.UTF-8"}, "en"), ({"LC_ALL": "en_GB.UTF-8"}, "en"),
])
def test_language_from_the_locale(env, expected):
    assert language_from_env(env) == expected


def test_help_is_chinese_by_default_and_english_on_request():
    zh = run("bulletin", "--help")
    assert zh.returncode == 0 and "用法：" in zh.stdout and "主送：通报的对象" in zh.stdout
    en = run("--lang", "en", "bulletin", "--help")
    assert "usage:" in en.stdout and "the units addressed" in en.stdout and "用法" not in en.stdout
    locale = run("bulletin", "--help", env={**NO_LOCALE, "LANG": "en_US.UTF-8"})
    assert "the units addressed" in locale.stdout


def test_errors_are_chinese_by_default(tmp_path):
    r = run("bulletin", "liujiaoting", ROOT / "gridxl" / "samples" / "liujiaoting.csv", "-o", tmp_path / "b.docx",
            "--period", "2026-11")
    assert r.returncode == 2
    assert r.stderr.strip() == ("gridxl bulletin：错误：--period '2026-11'：方案 liujiaoting 按年度考核（annual）；"
                                "考核期应如 2022、2022-年终、2022-H1、2022-系统自评")
    r = run("--lang", "en", "bulletin", "liujiaoting", ROOT / "gridxl" / "samples" / "liujiaoting.csv", "-o",
            tmp_path / "b.docx", "--period", "2026-11")
    assert "gridxl bulletin: error: --period '2026-11': scheme liujiaoting is assessed annual" in r.stderr
    r = run("score")
    assert "缺少以下参数" in r.stderr


# modules whose every user-facing message goes through _(): errors raised, check findings, lint findings,
# problems collected, summaries printed to stderr (gridxl/engine, the add-in and the authoring tools translate
# on their own branches and join this list when they do)
TRANSLATED = ["gridxl/io/*.py", "gridxl/workbook/check.py", "gridxl/workbook/rows.py",
              "gridxl/workbook/export_guard.py", "gridxl/reports/history.py",
              "gridxl/core/scheme.py", "gridxl/core/scheme_checks.py", "gridxl/core/lint.py",
              "gridxl/commands/core_cmds.py", "gridxl/commands/report.py", "gridxl/commands/workbook.py", "gridxl/cli.py"]
MESSAGE_CALLS = {"InputError", "OutputError", "SchemeError", "SchemeCheckError", "UserError", "CheckError",
                 "TemplateError", "Problem", "Finding", "ExportRefused", "PackageError"}
ENGLISH = __import__("re").compile(r"\b[A-Za-z]{2,}\b[^A-Za-z{}]+\b[A-Za-z]{2,}\b")  # two English words


def _literal_text(node) -> str | None:
    """The literal text of a message argument written without _(): a string, an f-string, a sum of them."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    if isinstance(node, ast.BinOp):
        return (_literal_text(node.left) or "") + (_literal_text(node.right) or "")
    return None


def test_no_message_escapes_translation():
    """In the translated modules, no English text reaches an error, a finding or stderr without _()."""
    found = []
    for pattern in TRANSLATED:
        for path in sorted(ROOT.glob(pattern)):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                f = node.func
                name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
                to_stderr = name == "print" and any(k.arg == "file" for k in node.keywords)
                collected = name in ("add", "append") and isinstance(f, ast.Attribute) and (
                    "problem" in ast.unparse(f.value) or "notes" in ast.unparse(f.value))
                if not (name in MESSAGE_CALLS or to_stderr or collected):
                    continue
                args = list(node.args) + [e for a in node.args if isinstance(a, ast.Tuple) for e in a.elts]
                for arg in args:
                    text = _literal_text(arg)
                    if text and ENGLISH.search(text):
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {text[:80]!r}")
    assert not found, "\n".join(found)
