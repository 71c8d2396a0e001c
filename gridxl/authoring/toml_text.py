"""Scheme data to TOML text: whole files (tomli_w) and one inline value per workbook cell."""
from __future__ import annotations

import json
import math
import re
import tomllib

import tomli_w

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


class InlineError(ValueError):
    """A cell's inline TOML does not parse."""


def dumps(data: dict) -> str:
    """A whole scheme file; long texts stay readable as multi-line strings."""
    return tomli_w.dumps(_clean(data), multiline_strings=True)


def _clean(value):
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _key(k: str) -> str:
    return k if _BARE_KEY.match(k) else json.dumps(k, ensure_ascii=False)


def inline(value) -> str:
    """One TOML value on one line: 1, "文字", [ … ], { a = 1, b = "x" }."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(inline(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {inline(v)}" for k, v in value.items() if v is not None) + " }" \
            if value else "{}"
    raise InlineError(f"cannot write {value!r} as TOML")


def inline_pairs(table: dict) -> str:
    """The body of an inline table without braces: standard = 1, step = 0.05."""
    return ", ".join(f"{_key(k)} = {inline(v)}" for k, v in table.items() if v is not None)


def parse_inline(text: str):
    """The value a cell holds as inline TOML."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError as exc:
        raise InlineError(f"不是有效的 TOML 值（not a TOML value: {exc}）") from None


def parse_pairs(text: str) -> dict:
    """A cell of `name = value, …` pairs."""
    text = text.strip()
    if not text:
        return {}
    if text.startswith("{"):
        value = parse_inline(text)
    else:
        value = parse_inline("{ " + text.replace("\n", " ") + " }")
    if not isinstance(value, dict):
        raise InlineError("应为“名称 = 值, …”（expected name = value pairs）")
    return value
