"""``gridxl draft``: a scheme drafted from the text or table of a 考核办法, or read back from a 方案.xlsx.

The draft is an ordinary scheme: it loads, lints, scores and makes templates.  Every indicator keeps
its source text as ``rule``; what the phrase table could not read is an ``entered`` item bounded by
its points with a note starting 需要决定 (a lint warning "needs a decision"); points that do not add
up are left as written, for lint to flag.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..core.scheme import SchemeError, scheme_from_dict
from . import phrases as ph
from .items import Found, RawItem, find_items, norm
from .reading import DECISION, Reading, read_rule
from .documents import Para, read_document, text_blocks
from .scheme_book import is_scheme_book, read_book
from gridxl.io.errors import InputError
from gridxl.io.outputs import atomic_path
from .toml_text import dumps

UNIT_WORDS = ((r"网格员|网格管理员", "网格员", 1), (r"各村|村\(社区\)|各社区|村委", "村/社区", 3),
              (r"各乡镇|乡镇\(街道\)|各镇街|镇街", "乡镇（街道）", 3), (r"各网格(?!员)|每个网格(?!员)", "网格", 2))


@dataclass
class Draft:
    data: dict
    decisions: list[str] = field(default_factory=list)  # "needs a decision" texts, for the command's summary
    source: str = ""


def draft_file(path: str | Path, scheme_id: str | None = None, unit: str | None = None) -> Draft:
    """A draft from a .txt/.docx/.xlsx/.csv 考核办法, or the scheme of a scheme workbook."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx" and path.exists() and is_scheme_book(path):
        return Draft(read_book(path), source=str(path))
    blocks = read_document(path)
    return draft_blocks(blocks, scheme_id or _id_from(path), unit, source=path.name)


def draft_text(text: str, scheme_id: str = "draft", unit: str | None = None) -> Draft:
    return draft_blocks(text_blocks(text), scheme_id, unit)


def _id_from(path: Path) -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", path.stem).strip("-").lower()
    return stem or "draft"


def draft_blocks(blocks, scheme_id: str, unit: str | None = None, source: str = "") -> Draft:
    found = find_items(blocks)
    if not found.items:
        raise InputError(f"{source or 'draft'}: 没有找到考核项目。draft 读取编号的条目（1、… 或 1. …）、带“考核项目/分值/"
                         f"评分标准”等列名的表格，或“名称10分＋评分标准”连写的文字（no scoring items found）")
    whole = norm(found.preamble + " " + " ".join(sec.title for sec in found.sections) + " "
                 + " ".join(it.text for it in found.items))
    title = _title(blocks)
    data: dict = {"id": scheme_id, "name": title or "考核方案（草稿）", "title": (title or "考核") + "得分",
                  "source": f"gridxl draft {source}".strip(), "unit": unit or _unit(whole),
                  "period": _period(whole), "total_points": _total(found), "digits": 2,
                  "description": "由 gridxl draft 从考核办法原文起草；请逐条核对 `gridxl lint` 的“需要决定”。"}
    ambiguities = list(found.ambiguities)
    fields: list[dict] = []
    indicators: list[dict] = []
    decisions: list[str] = []
    hints = {s.key: s.hint for s in found.sections}
    for n, item in enumerate(found.items, start=1):
        key = f"item{n}"
        item.name = _unique_name(item.name[:40] or key, {i["name"] for i in indicators})
        reading = read_rule(item.name, item.points, item.text, hints.get(item.section, ""))
        ind, own_fields = _indicator(key, item, reading, data["total_points"])
        own_fields = _share_fields(fields, own_fields, ind)
        _unique_labels(fields, own_fields)
        try:
            scheme_from_dict({**data, "fields": fields + own_fields, "indicators": indicators + [ind],
                              "sections": _sections(found)}, "<draft>")
        except SchemeError as exc:  # a reading that does not compile is not a rule: an inspector's score
            fallback = Reading("entered", unspecified=True)
            fallback.value = "{" + fallback.add_field(f"{item.name}得分", "score", "分") + "}"
            fallback.notes.append(f"{DECISION}读出的规则（{reading.kind}）不成立：{exc}；暂作检查组录入。")
            ind, own_fields = _indicator(key, item, fallback)
        _unique_labels(fields, own_fields)
        fields += own_fields
        indicators.append(ind)
        decisions += [f"{ind['name']}: {t[len(DECISION):]}" for t in ind.get("notes", []) if t.startswith(DECISION)]
    _settings_from_text(data, whole, ambiguities, decisions)
    if ambiguities:
        data["ambiguities"] = ambiguities
    data["fields"] = fields
    sections = _sections(found)
    if sections:
        data["sections"] = sections
    data["indicators"] = indicators
    for key in ("grades", "flags", "stars", "streaks"):
        if key in data:
            data[key] = data.pop(key)
    scheme_from_dict(data, "<draft>")  # a draft that does not load is a bug here, not the user's problem
    return Draft(data, decisions, source)


def _share_fields(taken: list[dict], new: list[dict], ind: dict) -> list[dict]:
    """A count two items both need (网格员总数) is one input: the later item reads the earlier field."""
    by_label = {(f["label"], f["type"], f.get("unit", "")): f["key"] for f in taken}
    keep = []
    for f in new:
        same = by_label.get((f["label"], f["type"], f.get("unit", "")))
        if same is None or f["type"] == "flag":
            keep.append(f)
            continue
        rx = re.compile(rf"\b{re.escape(f['key'])}\b")
        if "value" in ind:
            ind["value"] = rx.sub(same, ind["value"])
        for part in ind.get("items", []) + ind.get("parts", []):
            for k in ("field", "value"):
                if k in part:
                    part[k] = rx.sub(same, part[k])
    return keep


def _unique_name(name: str, taken: set[str]) -> str:
    """Indicator names are unique in a scheme: the second 加分项目 is 加分项目（2）."""
    out, n = name, 1
    while out in taken:
        n += 1
        out = f"{name}（{n}）"
    return out


def _unique_labels(taken: list[dict], new: list[dict]):
    """Inputs are read by label: two fields never share one (群众满意度, 群众满意度（2）)."""
    seen = {f["label"] for f in taken}
    for f in new:
        label, n = f["label"], 1
        while label in seen:
            n += 1
            label = f"{f['label']}（{n}）"
        f["label"] = label
        seen.add(label)


def _indicator(key: str, item: RawItem, r: Reading, total_points: float = 100) -> tuple[dict, list[dict]]:
    points = item.points
    notes = list(item.notes) + list(r.notes)
    if points is None and r.kind == "weighted":
        points = total_points
        notes.append(f"加权合成项按满分 {ph.tidy(total_points)} 分计（各期得分均为百分制）。")
    if points is None:
        if r.kind == "bonus" or r.extra:  # an extra item's points are its cap (最高加分10分), else 0
            points = r.params.get("cap", 0)
        else:
            points = 0
            notes.append(f"{DECISION}原文没有写本项分值，暂按 0 分，请填 points。")
    keys = {f.role: f"{key}_{f.role}" for f in r.fields}

    def sub(text: str) -> str:
        return re.sub(r"\{(f\d+)\}", lambda m: keys[m.group(1)], text)
    ind: dict = {"key": key, "name": item.name[:40] or key, "points": ph.tidy(points), "kind": r.kind}
    if item.section:
        ind["section"] = item.section
    if r.value:
        ind["value"] = sub(r.value)
    ind.update({k: v for k, v in r.params.items() if v is not None or k == "floor"})
    if "parts" in ind:
        ind["parts"] = [{**p, "value": keys[p["value"]]} for p in ind["parts"]]
    if ind.get("floor", 0) is None:
        ind.pop("floor")
        notes.append("倒扣：本项可低于0分。")
    if r.items:
        ind["items"] = [{**it, **({"field": keys[it["field"]]} if "field" in it else {"value": keys[it["value"]]})}
                        for it in r.items]
    if r.when:
        ind["when"] = [{"if": f"{keys[w['if']]} = 1", "score": ph.tidy(w["score"]), "text": w["text"]} for w in r.when]
    if r.extra:
        ind["extra"] = True
    if r.unspecified:
        ind["unspecified"] = True
    if r.kind == "entered":
        ind["max_score"] = ph.tidy(points)
    if r.value_unit:
        ind["value_unit"] = r.value_unit
    ind["rule"] = item.text.strip()
    if notes:
        ind["notes"] = notes
    fields = []
    for f in r.fields:
        spec = {"key": keys[f.role], "label": f.label, "type": f.type}
        if f.unit:
            spec["unit"] = f.unit
        if f.type == "score":
            spec["max"] = ph.tidy(points)
        if f.help:
            spec["help"] = f.help
        fields.append(spec)
    return ind, fields


def _sections(found: Found) -> list[dict]:
    used = {it.section for it in found.items}
    out = []
    for s in found.sections:
        if s.key in used:
            out.append({"key": s.key, "name": s.name[:40], **({"points": ph.tidy(s.points)} if s.points else {})})
    return out


def _title(blocks) -> str:
    for b in blocks:
        if isinstance(b, Para):
            for line in b.text.split("\n"):
                line = line.strip()
                if 4 <= len(line) <= 60 and re.search(r"办法|细则|制度|标准|方案|通报|考核", line):
                    return re.sub(r"\s+", "", line)
    return ""


def _unit(text: str) -> str:
    m = re.search(r"考核对象\s*[:：]?\s*(?:为|是)?\s*(?:所有|全体|各)?([^\s,，。;；、]{2,10})", text)
    if m:
        return m.group(1)
    counts = {label: len(re.findall(rx, text)) * weight for rx, label, weight in UNIT_WORDS}
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] else "单位"


def _period(text: str) -> str:
    if re.search(r"每季度|按季度|季度考核", text):
        return "quarterly"
    if re.search(r"每年考核|年度考核|每年一次|年终考核", text) and not re.search(r"每月", text):
        return "annual"
    return "monthly"


def _total(found: Found) -> float:
    text = norm(found.preamble + " " + " ".join(sec.title for sec in found.sections))
    m = next(iter(ph.find("total", text)), None)
    if m is not None and m.groupdict().get("total"):
        return ph.tidy(ph.number(m.group("total")))
    return 100


def _settings_from_text(data: dict, text: str, ambiguities: list[str], decisions: list[str]):
    """Grades, stars, streaks written anywhere in the document."""
    grades = []
    for m in ph.find("grades", text):
        g = {k: m.group(k) for k in m.groupdict() if m.group(k)}
        label = g.get("label") or g.get("label2")
        lo, hi = g.get("lo") or g.get("lo2"), g.get("hi") or g.get("hi2")
        grade = {"label": label}
        if lo and hi:
            grade.update(min=ph.tidy(ph.number(lo)), max=ph.tidy(ph.number(hi)))
        elif g.get("min") or g.get("min2"):
            grade["min"] = ph.tidy(ph.number(g.get("min") or g.get("min2")))
        elif g.get("max") or g.get("max2"):
            grade["max"] = ph.tidy(ph.number(g.get("max") or g.get("max2")))
        if label not in {x["label"] for x in grades}:
            grades.append(grade)
    if len(grades) >= 2:
        data["grades"] = grades
    m = next(iter(ph.find("stars", text)), None)
    if m is not None:
        per = ph.number(m.group("per"))
        total = float(data["total_points"])
        data["stars"] = {"per": ph.tidy(per), "max_stars": int(total // per), "full": ph.tidy(total),
                         "mode": "deducted" if re.search(r"扣分达\s*\d+\s*分的?取消", text) else "score"}
    streaks = ph.find("streak", text)
    if streaks:
        months = sorted({int(ph.number(s.group("months"))) for s in streaks})
        bottom = int(ph.number(streaks[0].group("bottom")))
        data["streaks"] = {"bottom": bottom, "warn_months": months[0], "veto_months": months[-1], "margin": 0}
        if "平均" in text:
            msg = "跨月规则“明显低于平均值”原文未定义：暂按低于平均值即计入（streaks.margin = 0）。"
            ambiguities.append(DECISION + msg)
            decisions.append(msg)


def write_draft(draft: Draft, output: str | Path) -> Path:
    header = "# gridxl draft: a scheme drafted from the text of a 考核办法. Check every 需要决定 with `gridxl lint`.\n"
    with atomic_path(output) as tmp:
        tmp.write_text(header + dumps(draft.data), encoding="utf-8")
    return Path(output)
