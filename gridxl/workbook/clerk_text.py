"""Text for the clerk: scheme-file words (keys, seed numbers, setting names) turned into the office's.

Scheme files are written by whoever maintains them and carry notes for that person: "seed 004:",
"(if_zero)", "（unspecified）", "([[flags]])", conditions over field keys.  What a workbook shows a
clerk is the same text without those words, and conditions in the labels the clerk typed under.
"""
from __future__ import annotations

import re

_SEED = re.compile(r"^\s*seed\s*\d+\s*[:：]\s*", re.I)
_TOKEN = r"\[*[A-Za-z][A-Za-z_]*\]*"  # if_zero, unspecified, [[flags]]
_ALONE = re.compile(r"\s*[（(][\s\[\]A-Za-z_]*[A-Za-z_]{2,}[\s\[\]A-Za-z_]*[)）]")  # (if_zero), （[[flags]] grade）
_LEADING = re.compile(rf"([（(])\s*{_TOKEN}\s*[，,、]\s*")
_WORDS = {"and": "且", "or": "或", "not": "非", "total": "总分", "rank": "名次"}
_OPS = {">=": "≥", "<=": "≤", "!=": "≠", "==": "=", "<>": "≠"}


def clerk_text(text: str | None, scheme=None) -> str:
    """``seed 004: 渝水区…`` -> ``渝水区…``; ``…得0分 (if_zero)。`` -> ``…得0分。``; with ``scheme``, its keys
    (``meeting_fail``) in its labels (“例会不足一半”)."""
    if not text:
        return ""
    text = _SEED.sub("", str(text))
    text = _ALONE.sub("", text)
    text = _LEADING.sub(r"\1", text)
    if scheme is not None:
        names = _names(scheme)
        text = re.sub(r"(?<![A-Za-z0-9_])[a-z][a-z0-9]*_[a-z0-9_]+(?![A-Za-z0-9_])",
                      lambda m: f"“{names[m.group(0)]}”" if m.group(0) in names else m.group(0), text)
    return text


def _names(scheme) -> dict[str, str]:
    names = {f.key: f.label for f in scheme.fields}
    names.update({i.key: i.name for i in scheme.indicators})
    names.update({f.key: f.label for f in scheme.flags})
    return names


def condition_text(condition: str, scheme) -> str:
    """``report_fail_streak >= 3 or falsified = 1`` in the scheme's labels: 连续未完成上报次数 ≥ 3 或 弄虚作假 = 1."""
    names = _names(scheme)

    def word(m):
        w = m.group(0)
        return names.get(w) or _WORDS.get(w.lower(), w)
    text = re.sub(r"[A-Za-z_][A-Za-z0-9_]*", word, condition)
    for op, sign in _OPS.items():
        text = text.replace(op, sign)
    return text
