"""One item's rule text read through the phrase table into a rule kind, its parameters and the input
fields it needs.  What cannot be read becomes a bounded ``entered`` item with a decision to make."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import phrases as ph
from .items import norm

DECISION = "需要决定："  # notes starting so are lint warnings ("needs a decision")


@dataclass
class FieldDraft:
    role: str  # suffix of the field key
    label: str
    type: str = "count"
    unit: str = ""
    help: str = ""


@dataclass
class Reading:
    kind: str
    params: dict = field(default_factory=dict)
    value: str | None = None  # expression over field roles, e.g. "{num} / {den}"
    items: list[dict] = field(default_factory=list)  # {"field": role, "each": …} or {"value": role, "bands": …}
    when: list[dict] = field(default_factory=list)  # {"if": role, "score": …, "text": …}
    fields: list[FieldDraft] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra: bool = False
    unspecified: bool = False
    value_unit: str = ""
    families: list[str] = field(default_factory=list)

    def add_field(self, label: str, type: str = "count", unit: str = "", help: str = "") -> str:
        role = f"f{len(self.fields) + 1}"
        self.fields.append(FieldDraft(role, label[:40], type, unit, help))
        return role


def _n(m: re.Match, group: str) -> float:
    return ph.number(m.group(group))


def _unit_type(unit: str) -> tuple[str, str]:
    if unit == "%":
        return "rate", "%"
    if unit in ("小时", "天", "分钟"):
        return "number", unit
    return "count", unit or ""


def _standard(t: str) -> tuple[float | None, str]:
    """The standard an item measures against: 标准：100件 > 应为100% / ≧15件 / 不少于2次."""
    for family in ("standard", "threshold"):
        for m in ph.find(family, t):
            value, unit = _n(m, "value"), m.group("unit") or ""
            return (value / 100 if unit == "%" else value), unit
    return None, ""


def _clause_before(t: str, pos: int, limit: int = 18) -> str:
    """The words before a phrase, back to the previous clause break or the previous 扣N分: what is counted."""
    head = t[:pos]
    previous = list(re.finditer(r"[扣加]\s*[\d.]+\s*分|[\d.]+\s*分\s*/\s*[篇条次件项个]|不得分|得\s*0\s*分", head))
    if previous:
        head = head[previous[-1].end():]
    parts = re.split(r"[;。:!?]", head)
    piece = parts[-1]
    pieces = [p for p in re.split(r"[,]", piece)]
    text = pieces[-1].strip()
    if len(re.sub(r"每|一|次|缺|发现|出现|的|[\d.]", "", text)) < 3 and len(pieces) > 1:
        text = (pieces[-2].strip() + text)
    text = re.sub(r"^\s*\d{1,2}\s*[、.]\s*", "", text)
    text = re.sub(r"^(?:对|凡|如|若|有|被)", "", text)
    text = re.sub(rf"(?:的)?\s*每\s*[1一]?\s*[{ph.MEASURE_WORDS}]?$", "", text)  # 市级表彰的每次 -> 市级表彰
    return text[-limit:].strip(" 、,") or "次数"


def _measure_word(text: str) -> str:
    m = re.search(rf"(?:每|一|1)\s*([{ph.MEASURE_WORDS}])", text)
    return m.group(1) if m else "次"


def _formula(rate_text: str, reading: Reading) -> str | None:
    """A/B or (A-B)/A written out in words: fields for the terms and the value expression."""
    f = re.sub(r"[×*]\s*100\s*%?|[×*]100", "", rate_text).strip()
    if "/" not in f:
        return None
    num, den = f.split("/", 1)
    if num.startswith("(") and num.endswith(")") and "-" not in num:
        num = num[1:-1]
    roles: dict[str, str] = {}

    def term(words: str) -> str:
        words = words.strip(" ()（）")
        words = re.sub(r"\(.*?\)|（.*?）", "", words).strip() or words
        if words not in roles:
            roles[words] = reading.add_field(words, "count", _term_unit(words))
        return "{" + roles[words] + "}"
    num = num.strip()
    if "-" in num or "—" in num:
        a, b = re.split(r"[-—]", num.strip("()"), maxsplit=1)
        left = f"({term(a)} - {term(b)})"
    else:
        left = term(num)
    return f"{left} / {term(den)}"


def _counts_something(words: str) -> bool:
    """当月上报事项数, 网格员总数, (新增事项总数-逾期事项总数): a count, not 事件的村委 or 件/万人."""
    w = words.strip()
    if w.startswith("(") and w.endswith(")"):
        w = w[1:-1]
    parts = [re.sub(r"\(.*?\)", "", p).strip(" ()") for p in re.split(r"[-—]", w)]
    return all(len(p) >= 3 and re.search(r"(?:数|数量|总数|总量|人口|户数|件数|次数)$", p) for p in parts)


def _trim_remark(formula: str) -> str:
    """当月上报事项数/实有人口数(单位 -> 当月上报事项数/实有人口数: a bracket left open is a remark."""
    if formula.count("(") > formula.count(")"):
        formula = formula[:formula.rfind("(")]
    return formula.strip()


def _term_unit(words: str) -> str:
    for unit in ("万人", "人", "件", "个", "户", "条", "次"):
        if unit in words[-3:] or (unit == "人" and words.endswith(("人数", "人口数"))):
            return unit
    if words.endswith("数"):
        return "个" if "中心" in words or "网格" in words[-4:] else ("人" if "员" in words[-5:] else "件")
    return ""


def read_rule(name: str, points: float | None, text: str, hint: str = "") -> Reading:
    """The rule of one item.  ``hint`` is "bonus"/"penalty" when the item sits in such a section."""
    t = norm(text)
    pts = points if points is not None else 0.0
    readers = [_weighted, _linear, _steps, _rank_decay, _shortfall, _bands_or_band_items, _occurrences,
               _entered_by_inspector, _ratio_like]
    if ph.find("ratio", t):  # 不足的按比例扣分 is a ratio, not a deduction with its amount left out
        readers.remove(_ratio_like)
        readers.insert(readers.index(_occurrences), _ratio_like)
    for reader in readers:
        reading = reader(name, pts, t, hint)
        if reading is not None:
            break
    else:
        reading = Reading("entered", unspecified=True)
        reading.value = "{" + reading.add_field(f"{name}得分", "score", "分", "检查组录入的本项得分") + "}"
        reading.notes.append(f"{DECISION}没有读出计分规则，暂作检查组录入的 0–{ph.tidy(pts)} 分；请改为计分方式或确认。")
    _zero_outs(t, reading)
    if ph.find("below_zero", t) and reading.kind in ("deduction", "steps"):
        reading.params["floor"] = None
    if not reading.unspecified:
        reading.notes += [f"原文“{c}”没有对应的计分用语，请核对是否另有规则。" for c in unread_clauses(t)]
    return reading


_SCORING = re.compile(r"扣\s*[\d.一二三四五六七八九十]|加\s*[\d.]|得\s*[\d.]+\s*分|不得分|按比例|依次|基数|倒扣")
_READERS_FAMILIES = tuple(p.family for p in ph.PHRASES
                          if p.family not in ("points", "total", "threshold", "standard", "direction", "formula"))


def unread_clauses(t: str) -> list[str]:
    """Clauses that speak of points (扣…/加…/得N分/不得分 …) but no phrase of the table covers: shown, not guessed."""
    spans = [m.span() for family in _READERS_FAMILIES for m in ph.find(family, t)]
    out, pos = [], 0
    for clause in re.split(r"(?<=[,;。])", t):
        start, end = pos, pos + len(clause)
        pos = end
        text = clause.strip(" ,;。")
        if not _SCORING.search(text) or re.fullmatch(r"[(]?(?:占比)?\s*[\d.]+\s*分[)]?", text):
            continue
        if not any(a < end and start < b for a, b in spans):
            out.append(text)
    return out


# -- the readers, most specific first ------------------------------------------------------------------
def _value_field(reading: Reading, name: str, t: str, unit: str) -> None:
    rate = next(iter(ph.find("rate", t)), None)
    written = rate.group("formula") if rate is not None else None
    if written is None:
        for m in ph.find("formula", t):
            candidate = _trim_remark(m.group("formula"))
            if all(_counts_something(side) for side in candidate.split("/", 1)):
                written = candidate
                break
    if written:
        expr = _formula(written, reading)
        if expr:
            reading.value = expr
            return
    ftype, funit = _unit_type(unit)
    reading.value = "{" + reading.add_field(name, ftype, funit) + "}"
    reading.value_unit = funit


def _weighted(name, pts, t, hint):
    """半年40%+年终60%: an entered score per period, weighted (the periods' own rules are other schemes)."""
    m = next(iter(ph.find("weighted", t)), None)
    if m is None:
        return None
    r = Reading("weighted", families=["weighted"])
    parts = []
    for period, weight in ((m.group("a"), m.group("wa")), (m.group("b"), m.group("wb"))):
        role = r.add_field(f"{period}考核得分", "score", "分", f"{period}考核的得分（满分为本项分值）")
        parts.append({"value": role, "weight": ph.tidy(round(ph.number(weight) / 100, 10))})
    r.params["parts"] = parts
    total = sum(p["weight"] for p in parts)
    if abs(total - 1) > 1e-9:
        r.notes.append(f"{DECISION}各期权重合计 {ph.tidy(round(total * 100, 6))}%，不是 100%。")
    return r


def _linear(name, pts, t, hint):
    m = next(iter(ph.find("linear", t)), None)
    if m is None:
        return None
    r = Reading("linear", ph.params_of(m, "linear"), families=["linear"])
    _value_field(r, name, t, "%")
    r.value_unit = "%"
    return r


def _steps(name, pts, t, hint):
    base = next(iter(ph.find("steps", t)), None)
    downs = ph.find("steps_down", t)
    ups = ph.find("steps_up", t)
    standard, unit = _standard(t)
    if base is None and not (downs and standard is not None and not ph.find("rank_decay", t)):
        return None
    if base is None and len(re.findall(r"扣\s*[\d.]+\s*分", t)) > len(downs) + len(ph.find("cap", t)):
        return None  # 少一次扣1分 among other deductions: one occurrence of several, not a count against a base
    r = Reading("steps", families=["steps"])
    if base is not None and base.groupdict().get("base"):
        r.params.update(ph.params_of(base, "steps"))
    elif standard is not None:
        r.params["base"] = ph.tidy(standard * 100 if unit == "%" else standard)
    else:
        r.params["base"] = 0
        r.notes.append(f"{DECISION}基数不在本项原文中（如按单位分别规定），请填 base。")
    relative = False
    if ups:
        m = ups[0]
        r.params.update(ph.params_of(m, "steps_up"))
        relative = relative or bool(m.groupdict().get("pct"))
    if downs:
        m = downs[0]
        r.params.update(ph.params_of(m, "steps_down"))
        relative = relative or bool(m.groupdict().get("pct"))
    if relative:
        r.params["relative"] = True
    at_base = re.search(r"(?:基数|满\s*\d+\s*[件次个]?)\s*[,]?\s*得\s*(\d+(?:\.\d+)?)\s*分", t) if base else None
    if at_base and float(at_base.group(1)) != pts:
        r.params["points_at_base"] = ph.tidy(float(at_base.group(1)))
    cap = next(iter(ph.find("cap", t)), None)
    if "step_down" in r.params:
        r.params["max_deduction"] = ph.params_of(cap, "cap")["cap"] if cap else ph.tidy(pts)
    bcap = next(iter(ph.find("bonus_cap", t)), None)
    if bcap and "step_up" in r.params:
        r.params["max_bonus"] = ph.params_of(bcap, "bonus_cap")["cap"]
    elif "step_up" in r.params and not ph.find("uncapped", t):
        r.notes.append(f"{DECISION}加分是否封顶原文未写，暂不封顶（max_bonus）。")
    _value_field(r, name, t, unit)
    return r


def _rank_decay(name, pts, t, hint):
    m = next(iter(ph.find("rank_decay", t)), None)
    if m is None:
        return None
    standard, unit = _standard(t)
    r = Reading("rank_decay", {"standard": ph.tidy(standard if standard is not None else 1),
                               **ph.params_of(m, "rank_decay"), "direction": "desc"},
                families=["rank_decay"])
    if standard is None:
        r.notes.append(f"{DECISION}没有读出达标值（standard），暂按 100%。")
        unit = "%"
    directions = {d.group("dir") for d in ph.find("direction", t)}
    if directions & {"从小到大", "从低到高"}:
        r.notes.append(f"{DECISION}原文写“从小到大”：按数值从大到小排名（与其他各项一致，direction = \"desc\"），"
                       f"若确指从小到大请改 direction = \"asc\"。")
    _value_field(r, name, t, unit)
    return r


def _shortfall(name, pts, t, hint):
    m = next(iter(ph.find("shortfall", t)), None)
    if m is None:
        return None
    standard, unit = _standard(t)
    r = Reading("shortfall", {"target": ph.tidy((standard or 1) * 100 if unit == "%" or standard is None
                                                else standard),
                              "scale": 100, **ph.params_of(m, "shortfall")}, families=["shortfall"])
    cap = next(iter(ph.find("cap", t)), None)
    if cap:
        r.params["max_deduction"] = ph.params_of(cap, "cap")["cap"]
    _value_field(r, name, t, "%")
    r.value_unit = "%"
    return r


def _bands_from(sentence: str) -> list[dict] | None:
    matches = ph.find("bands", sentence)
    if not matches:
        return None
    bands, top = [], 0.0
    for m in matches:
        amount = ph.tidy(_n(m, "amount"))
        if m.groupdict().get("lo") is not None:
            lo, hi = _n(m, "lo"), _n(m, "hi")
            bands.append({"from": ph.tidy(min(lo, hi)), "deduct": amount})
            top = max(top, lo, hi)
        else:
            below = _n(m, "below")
            bands.append({"from": 0, "deduct": amount})
            top = max(top, below)
    bands.append({"from": ph.tidy(top), "deduct": 0})
    return sorted(bands, key=lambda b: -b["from"])


def _bands_or_band_items(name, pts, t, hint):
    if not ph.find("bands", t):
        return None
    groups = [(s, _bands_from(s)) for s in _band_groups(t)]
    if len(groups) == 1:
        s, bands = groups[0]
        r = Reading("bands", {"bands": bands, "scale": 100}, families=["bands"])
        _value_field(r, _rate_name(s) or name, t, "%")
        r.value_unit = "%"
        return r
    r = Reading("deduction", families=["bands"])
    for s, bands in groups:
        role = r.add_field(_rate_name(s) or name, "rate", "%")
        r.items.append({"value": role, "scale": 100, "bands": bands})
    return r


def _band_groups(t: str) -> list[str]:
    """The band phrases of one rate run on until a 低于X% closes them or a band starts again at the top:
    数据关联's three checks are three groups, 满意率 80–90 / 70–80 / 低于70 one group over three sentences."""
    groups: list[str] = []
    current, closed, low = "", False, None
    for sentence in re.split(r"[;。]", t):
        matches = ph.find("bands", sentence)
        if not matches:
            if current and not re.search(r"\d\s*%", sentence):
                continue
            if current:
                groups.append(current)
                current, closed, low = "", False, None
            continue
        first = matches[0]
        top = max(_n(first, "lo"), _n(first, "hi")) if first.groupdict().get("lo") else _n(first, "below")
        if current and (closed or low is None or top > low + 1e-9):
            groups.append(current)
            current, closed, low = "", False, None
        current += sentence + ";"
        for m in matches:
            if m.groupdict().get("lo"):
                low = min(_n(m, "lo"), _n(m, "hi"))
            else:
                closed = True
    if current:
        groups.append(current)
    return groups


def _rate_name(sentence: str) -> str:
    m = re.search(r"([^,;。:()]{2,14}?率)", sentence)
    if not m:
        return ""
    words = m.group(1)
    return re.sub(r"^(?:数据|的)", "", words) if len(words) > 3 else words


def _occurrences(name, pts, t, hint):
    """扣…分 / 加…分 occurrences: deduction (or penalty in a 扣分项 section) and bonus items."""
    spans_taken = [m.span() for f in ("cap", "bonus_cap", "below_zero", "shortfall", "ratio", "entered")
                   for m in ph.find(f, t)]

    def free(m):
        return not any(m.start() < b and a < m.end() for a, b in spans_taken)
    deductions: list[tuple[int, str, list[float | None]]] = []
    for family in ("deduction_list", "deduction_range", "deduction", "deduction_blank"):
        for m in ph.find(family, t):
            if not free(m):
                continue
            spans_taken.append(m.span())
            if family == "deduction_list":
                amounts = [ph.number(x) for x in re.findall(ph.NUMBER, m.group("list"))]
            elif family == "deduction_range":
                amounts = [_n(m, "a"), _n(m, "b")]
            elif family == "deduction_blank":
                amounts = [None]
            else:
                amounts = [_n(m, "each")]
            deductions.append((m.start(), family, amounts))
    bonuses: list[tuple[int, str, list[float], str]] = []
    for family in ("bonus_list", "bonus"):
        for m in ph.find(family, t):
            if not free(m):
                continue
            spans_taken.append(m.span())
            if family == "bonus_list":
                amounts = [ph.number(x) for x in re.findall(ph.NUMBER, m.group("list"))]
            else:
                amounts = [_n(m, "each")]
            bonuses.append((m.start(), family, amounts, (m.groupdict().get("per") or "")))
    if not deductions and not bonuses:
        return None
    deductions.sort()
    bonuses.sort()
    if bonuses and not deductions:
        r = Reading("bonus", families=["bonus"], extra=True)
        _add_items(r, t, [(p, amounts, per, f) for p, f, amounts, per in bonuses], sign=1)
        cap = next(iter(ph.find("bonus_cap", t)), None)
        if cap:
            r.params.update(ph.params_of(cap, "bonus_cap"))
        elif not ph.find("uncapped", t):
            r.notes.append("加分原文未写上限：不封顶（cap）。")
        return r
    kind = "penalty" if hint == "penalty" else "deduction"
    r = Reading(kind, families=["deduction"], extra=kind == "penalty")
    _add_items(r, t, [(p, amounts, "", f) for p, f, amounts in deductions], sign=1)
    if bonuses:
        _add_items(r, t, [(p, amounts, per, f) for p, f, amounts, per in bonuses], sign=-1)
        r.notes.append("同一项既有扣分又有加分：加分写作负的扣分（each < 0）。")
    cap = next(iter(ph.find("cap", t)), None)
    if cap:
        r.params.update(ph.params_of(cap, "cap"))
    if kind == "deduction":
        r.params["floor"] = 0
        if not ph.find("floor", t) and not ph.find("below_zero", t):
            r.notes.append("原文未写“扣完为止”：按通例本项最低0分（floor = 0）。")
    return r


def _add_items(r: Reading, t: str, found, sign: int):
    for pos, amounts, per, family in found:
        context = _clause_before(t, pos)
        # 中央、省、市、区 … 扣5、4、3、2分: one field per level; 扣0.2—0.3分 is one count read two ways
        levels = _levels(t[:pos], len(amounts)) if len(amounts) > 1 and family.endswith("list") else []
        unit = per or _measure_word(t[max(0, pos - 12):pos + 2])
        for k, amount in enumerate(amounts):
            level = levels[k] if levels else (f"（每{unit}{ph.tidy(amount)}分）" if len(amounts) > 1 and amount else "")
            label = f"{level}{context}" if levels else f"{context}{level}"
            role = r.add_field(label, "count", unit)
            if amount is None:
                r.items.append({"field": role, "each": 0})
                r.notes.append(f"{DECISION}“{context}”扣分值原文空白，暂按 0 分/{unit}，请填 each。")
            else:
                r.items.append({"field": role, "each": ph.tidy(sign * amount)})
        if len(amounts) > 1 and not levels:
            r.notes.append(f"“{context}”写作{'—'.join(str(ph.tidy(a)) for a in amounts)}分：分栏录入，每栏一个扣分值。")


def _levels(before: str, count: int) -> list[str]:
    """中央、省、市、区 (or 省、泰州、靖江) before 扣5、4、3、2分: one label per amount."""
    near = before[-40:]  # the levels are named just before their amounts
    for m in reversed(list(re.finditer(r"([^\s,;。:、()]{1,6}(?:、[^\s,;。:、()]{1,6})+)", near))):
        parts = m.group(1).split("、")
        if len(parts) == count:
            parts[-1] = re.split(r"召开|采用|录用|领导|级媒体|的", parts[-1])[0] or parts[-1]
            return [p[-4:] + "级：" for p in parts]
    return []


def _ratio_like(name, pts, t, hint):
    ratio = ph.find("ratio", t)
    rate = ph.find("rate", t)
    if not ratio and not rate and not (name.endswith("率") and not re.search(r"扣|加\d", t)):
        return None
    standard, unit = _standard(t)
    if ratio:
        std = standard if standard is not None else 1
        if standard is None or unit == "":
            unit = "%" if std == 1 else unit
        r = Reading("ratio", {"standard": ph.tidy(std)} if std != 1 else {}, families=["ratio"])
        thresholds = ph.find("threshold", t)
        if len({m.group(0) for m in thresholds}) > 1 and not ph.find("standard", t):
            r.notes.append(f"{DECISION}本项有几个目标（{'、'.join(dict.fromkeys(m.group(0) for m in thresholds))}）："
                           f"按一个完成率计分，请在 value 中写明如何合成。")
            std, unit = 1, "%"
            r.params = {}
        _value_field(r, name, t, unit)
        r.value_unit = unit
        return r
    r = Reading("rate", families=["rate"])
    if not rate:
        r.notes.append("原文只写了比率，未写计分公式：按 分值 × 比率 计分。")
    _value_field(r, name, t, "%")
    r.value_unit = "%"
    return r


def _entered_by_inspector(name, pts, t, hint):
    if not ph.find("entered", t):
        return None
    r = Reading("entered", families=["entered"])
    r.value = "{" + r.add_field(f"{name}得分", "score", "分", "检查组录入的本项得分") + "}"
    r.notes.append(f"原文为检查打分（查阅资料/实地查看/酌情）：检查组录入 0–{ph.tidy(pts)} 分。")
    return r


def _zero_outs(t: str, r: Reading):
    """没有记录，本项不得分 / 未开展此项工作的得零分: a yes/no field and a when rule each."""
    for m in ph.find("zero_out", t):
        cond = re.split(r"[,;。:]", m.group("cond"))[-1].strip()
        if not cond or re.search(r"\d\s*%|小于|低于|大于", cond) or r.kind == "linear":
            continue
        cond = re.sub(r"^(?:如|若|凡|对|发生|出现)", "", cond)
        role = r.add_field(cond, "flag", "", "1 = 是，0 = 否")
        r.when.append({"if": role, "score": 0, "text": norm(m.group(0)).strip()})
    for m in ph.find("below_zero", t):
        cond = _clause_before(t, m.start())
        role = r.add_field(cond, "flag", "", "1 = 是，0 = 否")
        r.when.append({"if": role, "score": -ph.tidy(_n(m, "amount")), "text": m.group(0)})
