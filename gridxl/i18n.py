"""Messages and help in Chinese by default, English on request: the standard library's gettext.

One catalogue, ``gridxl/locale/zh_CN.po``: msgids are the English texts written in the code
(``_("the results folder")``, ``_("{what} {name!r}: …").format(…)``), msgstrs their Chinese.
Chinese is shown unless ``--lang en`` is given or the locale is English (LANGUAGE, LC_ALL,
LC_MESSAGES or LANG starting with ``en``); ``--lang zh`` forces Chinese.  The .po file is
compiled in memory to the .mo format and read by :class:`gettext.GNUTranslations`, so no build
step and no compiled file can go stale.
"""
from __future__ import annotations

import ast
import gettext
import io
import os
import struct
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parent / "locale" / "zh_CN.po"
LANGS = ("zh", "en")
_current: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def parse_po(text: str) -> dict[str, str]:
    """msgid -> msgstr of a .po file (plain entries; the header entry kept under "")."""
    out: dict[str, str] = {}
    key = value = None
    field = None
    for raw in text.splitlines() + [""]:
        line = raw.strip()
        if line.startswith("msgid "):
            if key is not None:
                out[key] = value or ""
            key, value, field = ast.literal_eval(line[6:]), "", "id"
        elif line.startswith("msgstr "):
            value, field = ast.literal_eval(line[7:]), "str"
        elif line.startswith('"') and field == "id":
            key += ast.literal_eval(line)
        elif line.startswith('"') and field == "str":
            value += ast.literal_eval(line)
        elif not line and key is not None:
            out[key] = value or ""
            key = value = field = None
    return out


def mo_bytes(catalogue: dict[str, str]) -> bytes:
    """The GNU .mo form of a catalogue (what msgfmt writes), for gettext.GNUTranslations."""
    catalogue = {"": "Content-Type: text/plain; charset=UTF-8\n", **catalogue}  # a header, or gettext reads ASCII
    if "charset=" not in catalogue[""]:
        catalogue[""] += "Content-Type: text/plain; charset=UTF-8\n"
    items = sorted((k.encode("utf-8"), v.encode("utf-8")) for k, v in catalogue.items())
    n = len(items)
    header = 7 * 4
    ids_at, strs_at = header, header + n * 8
    data_at = strs_at + n * 8
    ids, strs, blob = [], [], b""
    for k, _v in items:
        ids.append((len(k), data_at + len(blob)))
        blob += k + b"\0"
    for _k, v in items:
        strs.append((len(v), data_at + len(blob)))
        blob += v + b"\0"
    out = struct.pack("<7I", 0x950412DE, 0, n, ids_at, strs_at, 0, 0)
    out += b"".join(struct.pack("<2I", *x) for x in ids) + b"".join(struct.pack("<2I", *x) for x in strs)
    return out + blob


def language_from_env(environ=None) -> str:
    env = os.environ if environ is None else environ
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = (env.get(var) or "").strip()
        if value:
            return "en" if value.lower().startswith("en") else "zh"
    return "zh"


def set_language(lang: str | None = None) -> str:
    """Use ``lang`` (zh or en; None: from the locale).  Returns the language in use."""
    global _current, _language
    lang = (lang or language_from_env()).lower()[:2]
    if lang not in LANGS:
        lang = "zh"
    if lang == "zh":
        catalogue = {k: v for k, v in parse_po(CATALOGUE.read_text(encoding="utf-8")).items() if v}
        _current = gettext.GNUTranslations(io.BytesIO(mo_bytes(catalogue)))
    else:
        _current = gettext.NullTranslations()
    _language = lang
    _route_argparse()
    from gridxl.core import translate  # the core's messages through the same catalogue
    translate.install(_ if lang == "zh" else None)
    return lang


def _route_argparse():
    """argparse's own words (usage:, options, its errors) through the same catalogue."""
    import argparse
    argparse._ = _
    argparse.ngettext = lambda one, many, n: _(one) if n == 1 else _(many)


def language() -> str:
    return _language


def _(message: str) -> str:
    """The message in the language in use (the English msgid when no translation exists)."""
    return _current.gettext(message)


set_language()
