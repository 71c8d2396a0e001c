"""Sections and items (name, points, rule text) found in a document's paragraphs and tables."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from . import phrases as ph
from .documents import Para, Table, is_header

CN_NUM = "一二三四五六七八九十"
_SECTION = re.compile(rf"(?:^|(?<=[\s。;；:：!！?？]))[(（]?(?P<num>[{CN_NUM}]{{1,3}})\s*[)）]?\s*[、.．]\s*"
                      rf"|(?<=[^\s\d{CN_NUM}])(?P<num2>[{CN_NUM}]{{1,3}})、(?=\D)")
_ITEM = re.compile(r"(?<![\d.．])(?P<num>\d{1,2})\s*[、.．](?![\d.．])\s*")
_POINTS_LINE = re.compile(r"^\s*(?P<name>[^\s()（）\d]{2,16}?)\s*[(（]\s*(?P<points>\d+(?:\.\d+)?)\s*[)）]\s*$")
_CN_VALUE = {c: i + 1 for i, c in enumerate(CN_NUM)}


def norm(text: str) -> str:
    """The text the phrase table reads: NFKC (full-width punctuation and digits to ASCII), no blanks."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"(?<=[\d.%])\s+(?=[\d%])", "", text)
    return re.sub(r"[ \t\u3000\u00a0]+", " ", text).replace("\n", "")


def cn_number(text: str) -> int:
    if len(text) == 1:
        return _CN_VALUE.get(text, 0)
    if text.startswith("十"):
        return 10 + _CN_VALUE.get(text[1:], 0)
    if text.endswith("十"):
        return _CN_VALUE.get(text[0], 0) * 10
    return _CN_VALUE.get(text[0], 0) * 10 + _CN_VALUE.get(text[-1], 0)


@dataclass
class SectionText:
    key: str
    number: int
    title: str  # the heading as written
    name: str = ""
    points: float | None = None
    hint: str = ""  # "bonus" / "penalty" from the heading


@dataclass
class RawItem:
    name: str
    text: str  # the rule text, as written
    points: float | None = None
    number: int | None = None
    section: str | None = None
    origin: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class Found:
    sections: list[SectionText] = field(default_factory=list)
    items: list[RawItem] = field(default_factory=list)
    preamble: str = ""  # the text outside the items: title, totals, grades, streak rules
    points_table: dict[str, float] = field(default_factory=dict)
    ambiguities: list[str] = field(default_factory=list)


def section_hint(title: str) -> str:
    t = norm(title)
    if "加分" in t and "扣" not in t:
        return "bonus"
    if "扣分项" in t or "附加" in t or "减分" in t:
        return "penalty"
    if "加减分" in t:
        return "bonus"
    return ""


def points_of(text: str) -> tuple[float | None, int]:
    """The item's own points, (None, -1) if it states none; the match position."""
    t = norm(text)
    first_rule = min([m.start() for m in re.finditer(r"扣|加\d|得\d|得满分", t)] or [len(t)])
    for m in ph.find("points", t):
        if m.start() <= first_rule or m.start() < 60:
            return ph.number(m.group("points")), m.start()
    return None, -1


def item_name(text: str) -> str:
    t = norm(text).strip()
    m = next(iter(ph.find("points", t)), None)
    before_points = t[:m.start()].strip(" ,.;:、") if m is not None and 2 <= m.start() <= 30 else ""
    if before_points and len(before_points) <= 12:
        return before_points
    first = re.split(r"[;。]", t, maxsplit=1)[0]
    th = next(iter(ph.find("threshold", first)), None)
    if th is not None:
        head = re.split(r"[,:]", first[:th.start()])[-1].strip()
        head = re.sub(r"^(?:或者|或|以及|和|及|并且|并)\s*(?:通过)?", "", head)  # 或通过…上报纠纷数量
        if 2 <= len(head) <= 30:
            return head
    if before_points:
        return before_points
    head = re.split(r"[,;。:()]", t, maxsplit=1)[0].strip()
    return head[:24] or t[:24]


# -- free text -------------------------------------------------------------------------------------
def from_text(text: str, found: Found, origin: str = "文本"):
    kept = []
    for line in text.split("\n"):
        m = _POINTS_LINE.match(line)
        if m and not re.match(r"^[\d一二三四五六七八九十]", m.group("name")):
            found.points_table[m.group("name")] = ph.number(m.group("points"))
        else:
            kept.append(line)
    text = "\n".join(kept)
    tokens = []
    for m in _SECTION.finditer(text):
        num = m.group("num") or m.group("num2")
        tokens.append((m.start(), m.end(), "section", cn_number(num)))
    for m in _ITEM.finditer(text):
        tokens.append((m.start(), m.end(), "item", int(m.group("num"))))
    tokens.sort()
    accepted = []
    last_section, last_item = 0, 0
    for start, end, what, num in tokens:
        if accepted and start < accepted[-1][1]:
            continue
        if what == "section":
            if num == last_section + 1 or (num == 1 and last_section == 0):
                accepted.append((start, end, what, num))
                last_section, last_item = num, 0
        elif num == last_item + 1 or num == 1:
            accepted.append((start, end, what, num))
            last_item = num
    if not any(what == "item" for _, _, what, _ in accepted):
        if not _flat_items(text, found, origin):
            found.preamble += text + "\n"
        return
    found.preamble += text[:accepted[0][0]] + "\n"
    section: SectionText | None = None
    for k, (start, end, what, num) in enumerate(accepted):
        body_end = accepted[k + 1][0] if k + 1 < len(accepted) else len(text)
        body = text[end:body_end].strip()
        if what == "section":
            title, rest = _split_heading(body)
            section = _new_section(found, num, title)
            if rest:
                found.preamble += rest + "\n"
            continue
        found.items.append(RawItem(name=item_name(body), text=text[start:body_end].strip(), number=num,
                                   points=points_of(body)[0], section=section.key if section else None,
                                   origin=f"{origin}第{num}项"))


_CJK = "\u4e00-\u9fff"
_FLAT_SECTION = re.compile(rf"(?P<name>[{_CJK}]{{2,14}})\s*[(（]\s*(?P<points>\d+(?:\.\d+)?)\s*分\s*[)）]")
_FLAT_ITEM = re.compile(rf"(?:^|(?<=[;；。:：)）]))\s*(?P<name>[{_CJK}]{{2,10}}?)\s*(?P<points>\d+(?:\.\d+)?)\s*分"
                        rf"(?=[{_CJK}(（])")
_NOT_A_NAME = re.compile(r"[扣加得达满为少缺低超]")
_REMARKS = re.compile(r"(?:说明|注|备注)\s*[:：]")


def _flat_items(text: str, found: Found, origin: str) -> bool:
    """A table flattened into running text, no numbering: 信息平台(40分)办件收集10分每月不少于10件…;办件办理10分….
    Returns False (nothing taken) unless at least three items are found."""
    flat = re.sub(r"\s*\n\s*", "", text)
    remark = _REMARKS.search(flat)
    body, tail = (flat[:remark.start()], flat[remark.start():]) if remark else (flat, "")
    tokens = [(m.start(), m.end(), "section", m) for m in _FLAT_SECTION.finditer(body)]
    tokens += [(m.start(), m.end(), "item", m) for m in _FLAT_ITEM.finditer(body)
               if not _NOT_A_NAME.search(m.group("name"))]
    tokens.sort(key=lambda t: t[0])
    kept = []
    for tok in tokens:
        if kept and tok[0] < kept[-1][1]:
            continue
        kept.append(tok)
    if sum(what == "item" for _, _, what, _ in kept) < 3:
        return False
    found.preamble += body[:kept[0][0]] + "\n" + tail + "\n"
    section: SectionText | None = None
    for k, (start, end, what, m) in enumerate(kept):
        stop = kept[k + 1][0] if k + 1 < len(kept) else len(body)
        if what == "section":
            section = _new_section(found, len(found.sections) + 1, f"{m.group('name')}({m.group('points')}分)")
            continue
        rule = body[end:stop].strip(" ;；")
        found.items.append(RawItem(name=m.group("name"), text=body[start:stop].strip(" ;；"),
                                   points=float(m.group("points")), section=section.key if section else None,
                                   origin=f"{origin}“{m.group('name')}”"))
        if not rule:
            found.items[-1].notes.append("本项原文只有名称和分值。")
    return True


def _split_heading(body: str) -> tuple[str, str]:
    """A section heading is its first line or clause; the rest of the text before the first item follows."""
    line = body.split("\n", 1)
    head = line[0]
    if len(head) > 20 and re.search(r"\s", head.strip()):
        head = re.split(r"\s", head.strip(), maxsplit=1)[0]
    if len(head) > 40:
        head = re.split(r"[。;；:：]", head, maxsplit=1)[0][:40]
    return head.strip(), body[len(head):].strip()


def _new_section(found: Found, num: int, title: str) -> SectionText:
    t = norm(title)
    pts = None
    m = re.search(r"[(]\s*(\d+(?:\.\d+)?)\s*分\s*[)]", t)
    if m:
        pts = float(m.group(1))
    name = re.sub(r"[(]\s*\d+(?:\.\d+)?\s*分\s*[)]", "", t).strip(" 、.")
    sec = SectionText(key=f"s{len(found.sections) + 1}", number=num, title=title, name=name or title,
                      points=pts, hint=section_hint(title))
    found.sections.append(sec)
    return sec


# -- tables ----------------------------------------------------------------------------------------
_NAME_COLS = ("考核子项", "考核项", "考核指标", "指标", "考核项目", "项目", "考核内容")
_SECTION_COLS = ("考核项目", "项目", "类别", "考核类别")
_TEXT_COLS = ("考核内容", "评分标准", "考核标准", "评分细则", "扣分标准", "得分标准", "考核方法", "考核办法", "备注")
_POINT_COLS = ("分值", "分数", "标准分", "满分")


def from_table(table: Table, found: Found):
    rows = table.rows
    start = next((i for i, r in enumerate(rows) if is_header(r)), None)
    if start is None:
        for r in rows:
            found.preamble += " ".join(c for c in r if c) + "\n"
        return
    header = [c.strip() for c in rows[start]]
    cols = _regroup(_columns(header), header, rows[start + 1:])
    section: SectionText | None = None
    for n, row in enumerate(rows[start + 1:], start=start + 2):
        row = row + [""] * (len(header) - len(row))
        cell = {k: (row[j].strip() if j < len(row) else "") for k, j in cols.items() if k != "texts"}
        sec_text = cell.get("section", "")
        if sec_text and sec_text != cell.get("name") and (section is None or sec_text != section.title):
            section = _new_section(found, len(found.sections) + 1, _strip_number(sec_text))
        name, points_text = cell.get("name", ""), cell.get("points", "")
        text = " ".join(row[j].strip() for j in cols.get("texts", []) if j < len(row) and row[j].strip())
        if cols.get("name") == cols.get("section"):
            name = "" if name == sec_text else name
        if not name and not text and not points_text:
            continue
        if name and not text and not points_text and len(norm(name)) > 30:  # rule text in a merged cell
            name, text = "", name
        points = _number_or_none(points_text)
        if not name:
            name = section.name if section else f"第{n}行"
            if section and points is not None and section.points == points:
                section.points = None  # the section is its own single item
        if points is None:
            points = points_of(text)[0]
        item = RawItem(name=_strip_number(name), text=(text or name), points=points,
                       section=section.key if section else None, origin=f"{table.where} 第{n}行")
        found.items.append(item)


def _strip_number(text: str) -> str:
    return re.sub(rf"^\s*[(（]?[\d{CN_NUM}]{{1,3}}[)）]?\s*[、.．]\s*", "", text).strip()


def _columns(header: list[str]) -> dict:
    def first(names, exclude=()):
        for name in names:
            if name in header and header.index(name) not in exclude:
                return header.index(name)
        return None
    out: dict = {}
    out["name"] = first(_NAME_COLS)
    section = first(_SECTION_COLS, exclude=(out["name"],))
    if section is not None:
        out["section"] = section
    out["points"] = first(_POINT_COLS)
    out["texts"] = [j for j, h in enumerate(header) if h in _TEXT_COLS and j not in (out["name"], section)]
    return {k: v for k, v in out.items() if v is not None}


def _regroup(cols: dict, header: list[str], body: list[list[str]]) -> dict:
    """考核项目 spanning several rows (merged, or blank below) over short distinct 考核内容: the first is the
    section, the second the item's name."""
    if "section" in cols or "name" not in cols:
        return cols

    def cells(j):
        return [r[j].strip() if j < len(r) else "" for r in body]
    name_cells = cells(cols["name"])
    filled = [c for c in name_cells if c]
    repeats = len(filled) < len(name_cells) or len(set(filled)) < len(filled)
    for j in cols.get("texts", []):
        other = [c for c in cells(j) if c]
        if repeats and other and len(set(other)) == len(other) == len(name_cells) and \
                sum(len(c) for c in other) / len(other) <= 12:
            return {**cols, "section": cols["name"], "name": j, "texts": [k for k in cols["texts"] if k != j]}
    return cols


def _number_or_none(text: str) -> float | None:
    t = norm(text).replace("分", "").strip()
    try:
        return float(t)
    except ValueError:
        return None


# -- the whole document ------------------------------------------------------------------------------
def find_items(blocks: list[Para | Table]) -> Found:
    found = Found()
    paras = []
    for block in blocks:
        if isinstance(block, Table):
            if paras:
                from_text("\n".join(paras), found)
                paras = []
            from_table(block, found)
        else:
            paras.append(block.text)
    if paras:
        from_text("\n".join(paras), found)
    _merge_repeated_lists(found)
    _points_from_table(found)
    return found


def _merge_repeated_lists(found: Found):
    """Seed 000 lists items 1–9 with points (一), then again with the scoring rules (二): one item each."""
    by_section: dict[str | None, list[RawItem]] = {}
    for item in found.items:
        by_section.setdefault(item.section, []).append(item)
    keys = list(by_section)
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            first, second = by_section.get(a), by_section.get(b)
            if not first or not second or len(second) < 3:
                continue
            numbers = {it.number for it in first}
            if None in numbers or not all(it.number in numbers for it in second):
                continue
            titles = {s.key: s.title for s in found.sections}
            for it in second:
                base = next(x for x in first if x.number == it.number)
                if _body(base.text) == _body(it.text):  # the same sentence printed twice
                    found.items.remove(it)
                    continue
                if base.points is not None and it.points is not None and base.points != it.points:
                    found.ambiguities.append(
                        f"第{it.number}项分值：“{titles.get(a, '')}”写{ph.tidy(base.points)}分，“{titles.get(b, '')}”写"
                        f"{ph.tidy(it.points)}分，按前者取{ph.tidy(base.points)}分。")
                if base.points is None:
                    base.points = it.points
                base.text = f"{_section_label(found, a)}{base.text} {_section_label(found, b)}{it.text}"
                found.items.remove(it)
            by_section[b] = []


def _body(text: str) -> str:
    return re.sub(r"^\S{0,3}?\d+、", "", norm(text)).strip()


def _section_label(found: Found, key):
    sec = next((s for s in found.sections if s.key == key), None)
    return f"{CN_NUM[sec.number - 1]}、" if sec and 0 < sec.number <= 10 else ""


def _points_from_table(found: Found):
    """Points printed only in a score table's headers (seed 004: 事项总量（20）) go to the items by name."""
    if not found.points_table:
        return
    from rapidfuzz import fuzz
    pending = [it for it in found.items if it.points is None]
    names = dict(found.points_table)
    pairs = sorted(((fuzz.partial_ratio(n, norm(it.name)) + 0.5 * fuzz.ratio(n, norm(it.name)), k, n)
                    for k, it in enumerate(pending) for n in names), reverse=True)
    used_items, used_names = set(), set()
    for score, k, n in pairs:
        if k in used_items or n in used_names:
            continue
        pending[k].points = names[n]
        pending[k].notes.append(f"分值取自得分表表头“{n}（{ph.tidy(names[n])}）”")
        used_items.add(k)
        used_names.add(n)
