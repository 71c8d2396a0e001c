"""Hostile text: scheme files and options whose every label would run as a formula if written as one."""
from __future__ import annotations

import re
import tomllib
import zipfile
from pathlib import Path

from gridxl.core import builtin_paths

# What each payload would do as a formula; MARKERS are the parts that must never reach formula code.
PAYLOADS = ['=HYPERLINK("http://evil.example/{n}","点击{n}")', "+1+{n}", "-2+{n}", "@SUM(A{n})",
            "=cmd|' /C calc{n}'!A0"]
MARKERS = ("HYPERLINK", "evil.example", "SUM(A", "cmd|", "calc")
TEXT_KEYS = {"name", "title", "description", "source", "rule", "help", "label", "value_unit"}
LIST_KEYS = {"ambiguities", "notes"}


class Payloads:
    def __init__(self):
        self.n = 0

    def __call__(self) -> str:
        self.n += 1
        return PAYLOADS[self.n % len(PAYLOADS)].format(n=self.n)


def hostile_scheme_dict(scheme_id: str) -> dict:
    """A built-in scheme with every text a clerk or reader sees replaced by a formula-like payload."""
    data = tomllib.loads(builtin_paths()[scheme_id].read_text(encoding="utf-8"))
    make = Payloads()
    data["id"] = f"hostile-{scheme_id}"
    for key in ("name", "title", "description", "source", "unit"):
        if key in data:
            data[key] = make()
    if "subunit" in data:
        data["subunit"] = make()
    data["ambiguities"] = [make() for _ in data.get("ambiguities", [])] or [make()]

    def walk(table):
        for key, value in list(table.items()):
            if key in TEXT_KEYS and isinstance(value, str):
                table[key] = make()
            elif key in LIST_KEYS and isinstance(value, list):
                table[key] = [make() for _ in value]
            elif isinstance(value, dict):
                walk(value)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, dict):
                        walk(item)

    for group in ("fields", "indicators", "sections", "flags"):
        for table in data.get(group, []):
            walk(table)
            if group == "fields" and isinstance(table.get("unit"), str) and table["unit"] != "%":
                table["unit"] = make()
    return data


def write_scheme(data: dict, path: Path) -> Path:
    import tomli_w
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


_STRING = re.compile(r'"(?:[^"]|"")*"')
_FORMULA_ELEMENTS = re.compile(rb"<(?:\w+:)?(f|formula|formula1|formula2)\b[^>]*>(.*?)</(?:\w+:)?\1>", re.S)


def formula_code(xlsx: Path) -> list[tuple[str, str]]:
    """(part, formula without its string literals) for every formula element of every XML part."""
    from html import unescape
    out = []
    with zipfile.ZipFile(xlsx) as z:
        for name in z.namelist():
            if not name.endswith(".xml"):
                continue
            for m in _FORMULA_ELEMENTS.finditer(z.read(name)):
                text = unescape(m.group(2).decode("utf-8"))
                out.append((name, _STRING.sub('""', text)))
    return out


def all_text(xlsx: Path) -> str:
    from html import unescape
    with zipfile.ZipFile(xlsx) as z:
        return unescape("".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml")))
