"""Which column of a platform export feeds which field of a scheme: proposed once, kept in mapping.toml.

A proposal scores every (export column, field) pair by Chinese label similarity (rapidfuzz), with the
unit in the header (件, 人, %) and the field's type considered, and assigns each column at most one field
and each field at most one column, best pairs first.  The mapping file is plain TOML a clerk can edit::

    scheme = "yushui-2022"
    [columns]
    "乡镇名称" = "unit"
    "当月上报事项数（件）" = "events"
    [unmapped]
    columns = ["备注"]        # export columns that feed nothing
    fields = ["population"]  # fields no column feeds: they must be added to the export

``apply_mapping(headers, mapping)`` renames a raw header list to field keys; the reader itself takes the
mapping (``gridxl.io.inputs.read_table(..., rename=mapping)``), so an export is read as it is and every
message names the export's own cells.
"""
from __future__ import annotations

import csv
import io
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..core.scheme import UNIT_KEY, FieldSpec, Scheme
from gridxl.io.errors import InputError
from gridxl.io import inputs
from gridxl.io.inputs import UNIT_HEADERS, normalise_header
from gridxl.io.sources import decode_text
from gridxl.io.outputs import atomic_path
from .toml_text import dumps
from gridxl.io.xlsx_safety import check_container

RATE_WORDS = ("率", "%", "百分比", "占比")
MAX_HEADER_SCAN = 20


class MappingError(InputError):
    """A mapping file cannot be read or does not fit the scheme."""


@dataclass
class Proposal:
    scheme: str
    columns: dict[str, str] = field(default_factory=dict)  # export header -> field key (or "unit")
    scores: dict[str, float] = field(default_factory=dict)
    unmapped_columns: list[str] = field(default_factory=list)
    unmapped_fields: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # field key -> label, for the report

    def text(self) -> str:
        lines = [f"方案 {self.scheme}：导出表各列对应的字段（相似度 0–100）"]
        for header, key in self.columns.items():
            lines.append(f"  {header}  ->  {key}（{self.labels.get(key, '')}）  {self.scores.get(header, 0):.0f}")
        if self.unmapped_columns:
            lines.append("对应不上的列（不使用）: " + "、".join(self.unmapped_columns))
        if self.unmapped_fields:
            lines.append("没有列的字段（导出表缺少，需补充）: " + "、".join(
                f"{k}（{self.labels.get(k, '')}）" for k in self.unmapped_fields))
        return "\n".join(lines)


def _bare(text: str) -> str:
    """A label without its unit in brackets and without blanks: 当月上报事项数（件） -> 当月上报事项数."""
    t = unicodedata.normalize("NFKC", str(text))
    t = re.sub(r"[(（\[【][^)）\]】\d]{0,8}[)）\]】]\s*$", "", t)  # （件）, not （0.2分）
    return re.sub(r"[\s\u3000*＊:：()（）\[\]【】、]", "", t)


def _unit_in(text: str) -> str:
    m = re.search(r"[(（\[【]([^)）\]】\d]{1,8})[)）\]】]\s*$", unicodedata.normalize("NFKC", str(text)))
    return m.group(1) if m else ""


def char_weights(labels: list[str]) -> dict[str, float]:
    """Rare characters weigh more: 巡查 tells fields apart, 网格员数 does not (inverse document frequency)."""
    import math
    bare = [set(_bare(x)) for x in labels]
    chars = set().union(*bare) if bare else set()
    return {c: math.log(1 + len(bare) / sum(c in b for b in bare)) for c in chars}


def _overlap(h: str, label: str, weights: dict[str, float]) -> float:
    """Weighted F1 of the characters two labels share."""
    top = max(weights.values(), default=1.0)
    w = lambda c: weights.get(c, top)  # noqa: E731
    hs, ls = set(h), set(label)
    shared = sum(w(c) for c in hs & ls)
    if not shared:
        return 0.0
    precision, recall = shared / sum(w(c) for c in hs), shared / sum(w(c) for c in ls)
    return 2 * precision * recall / (precision + recall)


def similarity(header: str, spec: FieldSpec, weights: dict[str, float] | None = None) -> float:
    """0–100: how well an export header names a field (label, then unit and type)."""
    from rapidfuzz import fuzz
    if normalise_header(header) in {normalise_header(n) for n in (spec.key, spec.label, spec.header)}:
        return 100.0
    h, label = _bare(header), _bare(spec.label)
    if not h or not label:
        return 0.0
    # half whole-string, half best-substring similarity: 网格员人数 fits 网格员总数 better than a long label
    # that merely contains 网格员数
    score = 0.5 * fuzz.ratio(h, label) + 0.5 * fuzz.partial_ratio(h, label)
    if weights is not None:
        score = 0.5 * score + 50 * _overlap(h, label, weights)
    unit = _unit_in(header)
    if unit and spec.unit:
        score += 8 if unit == spec.unit else -8
    looks_rate = any(w in str(header) for w in RATE_WORDS)
    looks_count = bool(re.search(r"(?:数|数量|总数|人数|件数|次数|户数)$", h))
    if spec.type == "rate" and not looks_rate:
        score -= 25 if looks_count else 10  # 已下载APP的网格员数 is a count, not the 下载率 a rate field wants
    elif spec.type in ("count", "number") and looks_rate:
        score -= 25
    return max(0.0, min(100.0, score))


def _is_unit_header(header: str, scheme: Scheme) -> bool:
    h = normalise_header(header)
    names = {normalise_header(n) for n in UNIT_HEADERS + (scheme.unit, scheme.unit + "名称", "单位名称", "名称", "村居",
                                                        "村（居）", "村（社区）名称", "乡镇（街道）", "街道", "镇街名称")}
    return h in names or h.endswith("名称")


def propose_mapping(scheme: Scheme, headers: list[str], min_score: float = 50) -> Proposal:
    headers = [h for h in dict.fromkeys(str(h).strip() for h in headers) if h]
    specs = list(scheme.fields)
    out = Proposal(scheme.id, labels={s.key: s.header for s in specs} | {UNIT_KEY: scheme.unit + "名称"})
    unit_header = next((h for h in headers if _is_unit_header(h, scheme)), None)
    if unit_header is not None:
        out.columns[unit_header] = UNIT_KEY
        out.scores[unit_header] = 100.0
    cand = [h for h in headers if h != unit_header]
    weights = char_weights([s.label for s in specs])
    score = {(h, s.key): similarity(h, s, weights) for h in cand for s in specs}
    for header, key in _assign(cand, [s.key for s in specs], score, min_score).items():
        out.columns[header] = key
        out.scores[header] = score[header, key]
    used_f = set(out.columns.values())
    out.unmapped_columns = [h for h in headers if h not in out.columns]
    out.unmapped_fields = [s.key for s in specs if s.key not in used_f]
    if unit_header is None:
        out.unmapped_fields.insert(0, UNIT_KEY)
    return out


def _assign(headers, keys, score, min_score) -> dict[str, str]:
    """One field per column, best pairs first, then pairwise swaps while they raise the total similarity
    (two columns tied on one field go to the fields they fit together best)."""
    chosen: dict[str, str] = {}
    used: set[str] = set()
    for s, h, k in sorted(((score[h, k], h, k) for h in headers for k in keys), reverse=True):
        if s >= min_score and h not in chosen and k not in used:
            chosen[h] = k
            used.add(k)
    improved = True
    while improved:
        improved = False
        for a in list(chosen):
            for b in list(chosen):
                ka, kb = chosen[a], chosen[b]
                if a < b and score[a, kb] >= min_score and score[b, ka] >= min_score and \
                        score[a, kb] + score[b, ka] > score[a, ka] + score[b, kb] + 1e-9:
                    chosen[a], chosen[b] = kb, ka
                    improved = True
            for k in keys:  # a free field that fits better
                if k not in chosen.values() and score[a, k] > score[a, chosen[a]] + 1e-9:
                    chosen[a] = k
                    improved = True
    return dict(sorted(chosen.items(), key=lambda hk: -score[hk]))


def write_mapping(proposal: Proposal, output: str | Path) -> Path:
    data = {"scheme": proposal.scheme, "columns": dict(proposal.columns),
            "unmapped": {"columns": proposal.unmapped_columns, "fields": proposal.unmapped_fields}}
    head = ("# gridxl map: 导出表列名 -> 方案字段。可直接编辑；score / template --data / bulletin 用 --map 读取。\n")
    with atomic_path(output) as tmp:
        tmp.write_text(head + dumps(data), encoding="utf-8")
    return Path(output)


def load_mapping(path: str | Path, scheme: Scheme | None = None) -> dict[str, str]:
    """The {export header: field key} table of a mapping file, checked against the scheme."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MappingError(f"{path}: 没有这个对照文件（no such mapping file）") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise MappingError(f"{path}: 不是有效的对照文件（not valid TOML: {exc}）") from None
    columns = data.get("columns")
    if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
        raise MappingError(f"{path}: 缺少 [columns] 表（\"导出列名\" = \"字段键\"）")
    if scheme is not None:
        known = set(scheme.field_keys) | {UNIT_KEY}
        bad = [f"{h} = {k}" for h, k in columns.items() if k not in known]
        if bad:
            raise MappingError(f"{path}: [columns] 中的字段不属于方案 {scheme.id}：{'；'.join(bad)}"
                               f"（see `gridxl fields {scheme.id}`）")
        if data.get("scheme") and data["scheme"] != scheme.id:
            import sys
            print(f"gridxl: note: {path} 是为方案 {data['scheme']} 写的，现用于 {scheme.id}", file=sys.stderr)
    return dict(columns)


def apply_mapping(headers: list, mapping: dict[str, str]) -> list:
    """Raw header cells renamed to field keys where the mapping names them; others unchanged."""
    table = {normalise_header(h): k for h, k in mapping.items()}
    return [table.get(normalise_header(h), h) if isinstance(h, str) else h for h in headers]


def rename_frame(frame, mapping: dict[str, str]):
    """A DataFrame whose columns are export headers, renamed to field keys."""
    return frame.set_axis(apply_mapping(list(frame.columns), mapping), axis=1)


# -- reading export headers -----------------------------------------------------------------------------
def read_rows(path: str | Path, sheet: str | None = None, limit: int = MAX_HEADER_SCAN) -> list[list]:
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: 没有这个文件（no such file）")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        text = decode_text(path.read_bytes())
        if text is None:
            raise InputError(f"{path}: 既不是 UTF-8 也不是 GB18030 文本")
        return [row for _, row in zip(range(limit), csv.reader(io.StringIO(text)))]
    if suffix in (".xlsx", ".xlsm"):
        from python_calamine import CalamineWorkbook

        check_container(path)
        wb = CalamineWorkbook.from_path(str(path))
        name = sheet or wb.sheet_names[0]
        if name not in wb.sheet_names:
            raise InputError(f"{path}: 没有工作表 {name!r}（有：{'、'.join(wb.sheet_names)}）")
        return wb.get_sheet_by_name(name).to_python(nrows=limit)
    raise InputError(f"{path}: 应为 .csv 或 .xlsx 导出表，实为 {suffix or '无扩展名'!r}")


def header_row_index(rows: list[list]) -> int:
    """The row with the most text cells among the first rows: a title row above it is skipped."""
    best, best_n = 0, -1
    for i, row in enumerate(rows):
        n = sum(1 for c in row if isinstance(c, str) and c.strip() and not _numberish(c))
        if n > best_n:
            best, best_n = i, n
    return best


def _numberish(text: str) -> bool:
    return bool(re.fullmatch(r"[\d.,%\s-]+", text))


def read_headers(path: str | Path, scheme: Scheme | None = None, sheet: str | None = None) -> list[str]:
    rows = read_rows(path, sheet)
    if not rows:
        raise InputError(f"{path}: 文件是空的（empty）")
    return [str(c).strip() for c in rows[header_row_index(rows)] if c is not None and str(c).strip()]


def read_mapped_inputs(map_path: str | None, scheme: Scheme, path, subunits=None, sheet=None, ballots=None):
    """inputs.read_scheme_inputs, the export's headers renamed by a mapping file while they are matched."""
    mapping = load_mapping(map_path, scheme) if map_path else None
    return inputs.read_scheme_inputs(scheme, path, subunits, sheet, ballots, rename=mapping)


def read_mapped_table(map_path: str | None, path, scheme: Scheme, **kwargs):
    """inputs.read_table, the export's headers renamed by a mapping file while they are matched."""
    mapping = load_mapping(map_path, scheme) if map_path else None
    return inputs.read_table(path, scheme, rename=mapping, **kwargs)
