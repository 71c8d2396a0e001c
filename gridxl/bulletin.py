"""The monthly bulletin (通报): district figures, units below standard, the ranking table, a chart.

Shape of seed 004 (渝水区 2022年11月 通报): title, the units addressed, district-wide
figures per indicator (全区网格员1372人，…，达标率93.1%), the units below standard per
indicator, the ranking table with every score and the total, a bar chart of totals.

Every number comes from the scoring core: scores, totals and ranks from
:func:`gridxl.core.score_frame`; district figures by evaluating the parts of each
indicator's measure :class:`~gridxl.core.expr.Expr` (a top-level division gives the
numerator and the denominator, summed over the units: the district rate is
Σ numerator / Σ denominator, not an average of the units' rates).  Rounding is
Excel's ROUND (:func:`gridxl.core.format_number`).

"Below standard" (不达标) is defined as *scored less than the indicator's full points*;
the seed's own lists disagree with its table (see SCHEMES.md, 004), and the bulletin
states the definition it uses.

Word output uses python-docx: the maintained, standard library for writing .docx from
Python (pure Python, MIT, releases through 2025; docxtpl and others build on it).  Chinese
text gets explicit East Asian fonts (w:eastAsia on every style's w:rFonts, theme fonts
removed) in the GB/T 9704 manner — 仿宋_GB2312 body, 黑体 headings, 楷体_GB2312 sub-headings,
宋体 title and table — with the Windows names (仿宋, 楷体, SimSun, SimHei) as w:altName in
the font table for Word and WPS where the _GB2312 fonts are missing.  LibreOffice ignores
w:altName and falls back per glyph through fontconfig to an installed CJK font (Noto CJK).
"""
from __future__ import annotations

import datetime as _dt
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .core.excel_math import excel_round, format_number
from .core.expr import BinOp, Env, Expr, Field, Measure, Score
from .core.scheme import UNIT_KEY, Indicator, Scheme
from .core.scoring import ScoreResult, field_env, score_frame
from .history import period_text, rank_movement
from .outputs import atomic_path

SCALE_PREFIX = {10000.0: "万", 1000.0: "千", 100.0: "百"}
RANKING_NOTE = "排名按总分从高到低排列，总分相同的并列同一名次，其后名次顺延。"


@dataclass(frozen=True)
class Wording:
    """How the bulletin names the whole (全区) and the assessed (单位/个, or 人员/名 for 网格员)."""

    area: str = "全区"
    who: str = "单位"
    counter: str = "个"
    each: str = "单位"  # 各乡镇（街道）, 各网格员

    @classmethod
    def for_scheme(cls, scheme: Scheme, area: str = "全区") -> "Wording":
        person = scheme.unit.endswith(("员", "长", "人"))
        return cls(area, "人员" if person else "单位", "名" if person else "个", scheme.unit)

    def below_definition(self) -> str:
        return f"本通报所称“未达标{self.who}”，指该项得分低于该项满分的{self.who}。"


def scored_as_extra(ind: Indicator) -> bool:
    """Bonus and penalty items (and 0-point deduction items) have no full marks to fall short of."""
    return ind.extra or float(ind.points) == 0


# -- district figures ----------------------------------------------------------------
@dataclass
class FieldTotal:
    key: str
    label: str
    unit: str
    total: float


@dataclass
class IndicatorFigure:
    """One indicator across the district: the summed parts of its measure and who fell short."""

    indicator: Indicator
    how: str | None  # "ratio" (Σ numerator / Σ denominator), "sum", "mean", or None (no measure)
    fields: list[FieldTotal] = field(default_factory=list)
    numerator: float | None = None
    denominator: float | None = None
    value: float | None = None
    percent: bool = False
    value_unit: str = ""
    label: str = ""
    standard: float | None = None
    below: list[tuple[str, float]] = field(default_factory=list)  # (unit, score), lowest score first
    blank: list[str] = field(default_factory=list)  # units without a score

    @property
    def key(self) -> str:
        return self.indicator.key

    def value_text(self, digits: int) -> str:
        if self.value is None:
            return ""
        if self.percent:
            return f"{format_number(self.value * 100, digits)}%"
        return f"{format_number(self.value, digits)}{self.value_unit}"

    def standard_text(self) -> str:
        if self.standard is None:
            return ""
        if self.percent:
            return f"{format_number(self.standard * 100, 4)}%"
        return f"{format_number(self.standard, 4)}{self.value_unit}"

    def figures_sentence(self, digits: int, w: Wording = Wording()) -> str:
        parts = [f"{f.label}{format_number(f.total, 4)}{f.unit}" for f in self.fields]
        std = f"（标准{self.standard_text()}）" if self.standard is not None else ""
        if self.how == "ratio":
            if self.value is None:
                return w.area + "，".join(parts) + f"，分母为0，{self.label}无法计算。"
            return w.area + "，".join(parts) + f"，{self.label}{self.value_text(digits)}{std}。"
        if self.how == "sum":
            return f"{w.area}{self.label}合计{self.value_text(digits)}{std}。"
        if self.how == "mean" and self.value is not None:
            return f"各{w.each}{self.label}平均为{self.value_text(digits)}{std}。"
        return ""

    def below_sentence(self, w: Wording = Wording()) -> str:
        ind = self.indicator
        if scored_as_extra(ind):
            plus = [f"{u}（{format_number(s, ind.digits)}分）" for u, s in reversed(self.below) if s > 0]
            minus = [f"{u}（{format_number(s, ind.digits)}分）" for u, s in self.below if s < 0]
            text = (f"加分{w.who}：{'、'.join(plus)}。" if plus else "") + \
                (f"扣分{w.who}：{'、'.join(minus)}。" if minus else "")
            return text or f"本期无{w.who}加减分。"
        if not self.below:
            text = f"各{w.each}该项均得满分。"
        else:
            names = "、".join(f"{u}（{format_number(s, ind.digits)}分）" for u, s in self.below)
            text = f"未达标{w.who}{len(self.below)}{w.counter}：{names}。"
        if self.blank:
            text += f"未计分：{'、'.join(self.blank)}。"
        return text


_LABEL = re.compile(r"^[\u4e00-\u9fffA-Za-z/]{2,16}$")


def measure_label(ind: Indicator) -> str:
    """What the measure is called: the rule text's opening sentence when it is a plain short name
    (seed 004 opens each rule so: 网格员达标率。…), else the indicator's name."""
    head = ind.rule.strip().split("。")[0].strip() if ind.rule else ""
    return head if _LABEL.match(head) else ind.name


def _unit_of(scheme: Scheme, expr: Expr) -> str:
    """The unit of a field expression: 人 for gw_total, 万人 for population/10000, '' when mixed."""
    if isinstance(expr, Field) and expr.key in scheme.field_keys:
        return scheme.field(expr.key).unit
    if isinstance(expr, BinOp):
        if expr.op == "/" and expr.right.constant() in SCALE_PREFIX:
            inner = _unit_of(scheme, expr.left)
            return SCALE_PREFIX[expr.right.constant()] + inner if inner else ""
        if expr.op in "+-":
            a, b = _unit_of(scheme, expr.left), _unit_of(scheme, expr.right)
            return a if a == b else ""
    return ""


def _column_sum(values) -> float:
    total = 0.0
    for v in np.asarray(values, dtype=float).reshape(-1):  # left to right, as SUM adds
        if np.isfinite(v):
            total += v
    return total


def _evaluate(expr: Expr, env: Env, n: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(expr.evaluate(env), dtype=float), (n,)).copy()


def indicator_figure(scheme: Scheme, ind: Indicator, frame: pd.DataFrame, table: pd.DataFrame,
                     subunits: pd.DataFrame | None = None) -> IndicatorFigure:
    comp = scheme.compiled()[ind.key]
    fig = IndicatorFigure(ind, None, label=measure_label(ind))
    scores = table[ind.key].to_numpy(dtype=float)
    units = table[UNIT_KEY].tolist()
    order = np.argsort(np.where(np.isnan(scores), np.inf, scores), kind="stable")
    if scored_as_extra(ind):
        fig.below = [(units[i], float(scores[i])) for i in order if np.isfinite(scores[i]) and scores[i] != 0]
    else:
        fig.below = [(units[i], float(scores[i])) for i in order
                     if np.isfinite(scores[i]) and scores[i] < float(ind.points)]
    fig.blank = [units[i] for i in range(len(units)) if np.isnan(scores[i])]

    measure = comp.measure
    source = subunits if ind.per_subunit else frame
    if (measure is None or source is None or ind.kind == "entered"
            or any(isinstance(node, (Score, Measure)) for node in measure.walk())
            or any(k in scheme.field_keys and scheme.field(k).type == "score" for k in measure.fields())):
        return fig  # items, an inspector's score, or a measure over other scores: no district figure
    env = Env(field_env(scheme, source, "subunit" if ind.per_subunit else "unit"))
    n = len(source)
    if isinstance(measure, BinOp) and measure.op == "/":
        num, den = measure.left, measure.right
        fig.how = "ratio"
        fig.numerator = _column_sum(_evaluate(num, env, n))
        fig.denominator = _column_sum(_evaluate(den, env, n))
        fig.value = fig.numerator / fig.denominator if fig.denominator != 0 else None
        keys = [k for k in den.fields() + num.fields()]
        num_unit, den_unit = _unit_of(scheme, num), _unit_of(scheme, den)
    elif isinstance(measure, Field) and scheme.field(measure.key).type == "count":
        fig.how = "sum"  # counts add up: 全区志愿者活动合计19次
        fig.value = _column_sum(_evaluate(measure, env, n))
        keys = []
        num_unit, den_unit = _unit_of(scheme, measure), ""
    elif isinstance(measure, Field):  # a rate or a number per unit does not add up: its average
        fig.how = "mean"
        values = _evaluate(measure, env, n)
        finite = values[np.isfinite(values)]
        fig.value = _column_sum(finite) / len(finite) if len(finite) else None
        keys = []
        num_unit, den_unit = _unit_of(scheme, measure), ""
        fig.percent = scheme.field(measure.key).type == "rate"
    else:
        fig.how = "mean"
        values = _evaluate(measure, env, n)
        finite = values[np.isfinite(values)]
        fig.value = _column_sum(finite) / len(finite) if len(finite) else None
        keys = []
        num_unit, den_unit = "", ""
    seen = []
    for k in keys:
        if k not in seen and k in scheme.field_keys:
            seen.append(k)
            spec = scheme.field(k)
            fig.fields.append(FieldTotal(k, spec.label, spec.unit, _column_sum(env.fields[k])))
    if ind.value_unit == "%":
        fig.percent = True
    elif ind.value_unit:
        fig.value_unit = ind.value_unit
    elif fig.how == "ratio" and num_unit and num_unit == den_unit:
        fig.percent = True
    elif fig.how == "ratio" and num_unit and den_unit:
        fig.value_unit = f"{num_unit}/{den_unit}"
    elif fig.how in ("sum", "mean") and not fig.percent:
        fig.value_unit = num_unit
    if ind.kind == "ratio":
        std = ind.params.get("standard", 1)
        if not isinstance(std, dict):
            fig.standard = float(std)
    return fig


# -- the bulletin ----------------------------------------------------------------------
@dataclass
class Bulletin:
    scheme: Scheme
    result: ScoreResult
    ranking: pd.DataFrame  # result.table in ranking order (+ "movement" when a previous period is given)
    figures: list[IndicatorFigure]
    period: str | None = None
    previous_period: str | None = None
    figure_digits: int = 1
    wording: Wording = Wording()

    @property
    def period_label(self) -> str:
        return period_text(self.period)

    @property
    def has_movement(self) -> bool:
        return "movement" in self.ranking.columns

    def mean_total(self) -> float:
        totals = self.ranking["total"].to_numpy(dtype=float)
        finite = totals[np.isfinite(totals)]
        return excel_round(_column_sum(finite) / len(finite), self.scheme.digits) if len(finite) else float("nan")

    def bottom_units(self, n: int = 2) -> pd.DataFrame:
        """Units whose competition rank from the bottom is at most n (ties share a place)."""
        totals = self.ranking["total"].to_numpy(dtype=float)
        lower = np.array([np.sum(totals < t) for t in totals])
        return self.ranking[(lower < n) & np.isfinite(totals)].iloc[::-1]

    def flagged(self) -> dict[str, list[str]]:
        out = {}
        for flag in self.scheme.flags:
            if flag.key in self.ranking.columns:
                units = self.ranking.loc[self.ranking[flag.key].astype(str) != "", UNIT_KEY].tolist()
                if units:
                    out[flag.label] = units
        return out


def build_bulletin(scheme: Scheme, frame: pd.DataFrame, subunits: pd.DataFrame | None = None,
                   period: str | None = None, previous: pd.DataFrame | None = None,
                   previous_period: str | None = None, figure_digits: int = 1, area: str = "全区") -> Bulletin:
    """Score ``frame`` and gather what the bulletin prints.  ``previous`` is an earlier period's
    result table (unit, rank …, as stored by gridxl.history) for rank movement."""
    result = score_frame(scheme, frame, subunits)
    table = result.table
    order = np.lexsort((np.arange(len(table)), table["rank"].to_numpy(dtype=float)))
    ranking = table.iloc[order].reset_index(drop=True)
    if previous is not None:
        prev = previous.set_index(UNIT_KEY)["rank"]
        ranking["movement"] = rank_movement(ranking.set_index(UNIT_KEY)["rank"], prev).to_numpy()
    figures = [indicator_figure(scheme, ind, frame, ranking, subunits) for ind in scheme.indicators]
    return Bulletin(scheme, result, ranking, figures, period, previous_period, figure_digits,
                    Wording.for_scheme(scheme, area))


def ranking_rows(b: Bulletin) -> tuple[list[str], list[list[str]]]:
    """The ranking table as the documents print it: header, then one row of texts per unit."""
    s = b.scheme
    header = ["排名", s.unit]
    header += [f"{i.name}（加减分）" if scored_as_extra(i) else f"{i.name}（{format_number(i.points)}）"
               for i in s.indicators]
    header.append("总分")
    if "grade" in b.ranking.columns:
        header.append("等次")
    if b.has_movement:
        header.append("名次变化")
    rows = []
    for _, r in b.ranking.iterrows():
        row = [format_number(r["rank"], 0), str(r[UNIT_KEY])]
        row += [format_number(r[i.key], i.digits) for i in s.indicators]
        row.append(format_number(r["total"], s.digits))
        if "grade" in b.ranking.columns:
            row.append(str(r["grade"]))
        if b.has_movement:
            row.append(str(r["movement"]))
        rows.append(row)
    return header, rows


def _chinese_number(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n <= 10:
        return "十" if n == 10 else digits[n]
    if n < 20:
        return "十" + digits[n - 10]
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    return str(n)


@dataclass
class Block:
    """One paragraph of the bulletin: kind is title, to, body, h1, item, note, table, chart, sign."""

    kind: str
    text: str = ""
    lead: str = ""


def bulletin_blocks(b: Bulletin, title: str | None = None, issuer: str | None = None,
                    date: str | None = None) -> list[Block]:
    """The bulletin's paragraphs in order; the writers (docx) lay them out."""
    s, w = b.scheme, b.wording
    d = b.figure_digits
    blocks = []
    if issuer:
        blocks.append(Block("issuer", issuer))
    blocks.append(Block("title", title or f"关于{b.period_label}{s.name}结果的通报"))
    blocks.append(Block("to", f"各{s.unit}："))
    blocks.append(Block("body", f"现将{b.period_label}{s.name}结果通报如下："))

    blocks.append(Block("h1", "一、总体情况"))
    totals = b.ranking["total"].to_numpy(dtype=float)
    n = int(np.isfinite(totals).sum())
    top, last = b.ranking.iloc[0], b.ranking[np.isfinite(totals)].iloc[-1]
    full = b.ranking[totals >= s.total_points][UNIT_KEY].tolist()
    text = (f"本期参加考核的{s.unit}共{n}{w.counter}，平均得分{format_number(b.mean_total(), s.digits)}分；"
            f"最高{top[UNIT_KEY]}{format_number(top['total'], s.digits)}分，"
            f"最低{last[UNIT_KEY]}{format_number(last['total'], s.digits)}分。")
    if full:
        text += f"得满分（{format_number(s.total_points)}分）的{w.who}{len(full)}{w.counter}：{'、'.join(full)}。"
    bottom = b.bottom_units(2)
    text += f"总分排名后两位的{w.who}：" + "、".join(
        f"{u}（{format_number(t, s.digits)}分）" for u, t in zip(bottom[UNIT_KEY], bottom["total"])) + "。"
    blocks.append(Block("body", text))
    for label, units in b.flagged().items():
        blocks.append(Block("body", f"{label}：{'、'.join(units)}。"))

    blocks.append(Block("h1", "二、各项指标完成情况"))
    blocks.append(Block("body", w.below_definition()))
    for n_ind, fig in enumerate(b.figures, 1):
        ind = fig.indicator
        points = "加减分" if scored_as_extra(ind) else f"{format_number(ind.points)}分"
        lead = f"（{_chinese_number(n_ind)}）{ind.name}（{points}）。"
        blocks.append(Block("item", fig.figures_sentence(d, w) + fig.below_sentence(w), lead=lead))

    blocks.append(Block("h1", "三、考核得分及排名"))
    blocks.append(Block("caption", s.title or f"各{s.unit}考核得分情况"))
    blocks.append(Block("table"))
    note = RANKING_NOTE
    if b.has_movement:
        note += (f"名次变化与{period_text(b.previous_period)}相比：↑上升，↓下降，数字为变化名次，"
                 f"–名次不变，新为上期无成绩。")
    blocks.append(Block("note", note))
    blocks.append(Block("chart", f"{b.period_label}各{s.unit}总分"))
    blocks.append(Block("sign", issuer or ""))
    blocks.append(Block("date", date or chinese_date(_dt.date.today())))
    blocks.append(Block("note", f"（本通报由 gridxl 依据《{s.name}》评分生成初稿，数据以各单位填报为准。）"))
    return blocks


def chinese_date(day: _dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# -- Word ---------------------------------------------------------------------------------
LATIN_FONT = "Times New Roman"
FONTS = {  # GB/T 9704 党政机关公文格式
    "title": ("宋体", 22, True),  # 二号小标宋 in print; 宋体 bold is on every Windows and WPS
    "issuer": ("宋体", 26, True),
    "h1": ("黑体", 16, False),  # 三号黑体
    "item": ("楷体_GB2312", 16, True),  # 三号楷体
    "body": ("仿宋_GB2312", 16, False),  # 三号仿宋
    "table": ("宋体", 9, False),  # 小五
    "note": ("仿宋_GB2312", 12, False),
}
# Windows/WPS names to try when the font itself is missing (w:altName in the font table).
ALT_NAMES = {"仿宋_GB2312": "仿宋", "楷体_GB2312": "楷体", "宋体": "SimSun", "黑体": "SimHei"}


def _set_fonts(rpr, east_asia: str, latin: str = LATIN_FONT):
    from docx.oxml.ns import qn
    rfonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)  # theme fonts would override the names below
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    rfonts.set(qn("w:cs"), latin)
    rfonts.set(qn("w:eastAsia"), east_asia)
    rfonts.set(qn("w:hint"), "eastAsia")


def _set_lang(rpr):
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")


def _add_font_table_entries(doc):
    """Declare the Chinese fonts with GB2312 charset and their Windows alternative names."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml.ns import qn
    from lxml import etree
    parts = [rel.target_part for rel in doc.part.rels.values() if rel.reltype == RT.FONT_TABLE]
    if not parts:
        return
    part = parts[0]
    root = etree.fromstring(part.blob)
    have = {f.get(qn("w:name")) for f in root.findall(qn("w:font"))}
    for name in dict.fromkeys(f[0] for f in FONTS.values()):
        if name in have:
            continue
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), name)
        if name in ALT_NAMES:
            etree.SubElement(font, qn("w:altName")).set(qn("w:val"), ALT_NAMES[name])
        etree.SubElement(font, qn("w:charset")).set(qn("w:val"), "86")  # GB2312_CHARSET
        etree.SubElement(font, qn("w:family")).set(qn("w:val"), "modern" if "黑" in name else "roman")
        etree.SubElement(font, qn("w:pitch")).set(qn("w:val"), "fixed" if "黑" not in name else "variable")
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _styles(doc):
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(rpr, FONTS["body"][0])
    _set_lang(rpr)

    def make(name, role, align=None, indent=True, exact=28.0, before=0, after=0, base="Normal"):
        font, size, bold = FONTS[role]
        style = doc.styles["Normal"] if name == "Normal" else doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        if name != "Normal":
            style.base_style = doc.styles[base]
        style.font.size = Pt(size)
        style.font.bold = bold
        _set_fonts(style.element.get_or_add_rPr(), font)
        pf = style.paragraph_format
        pf.first_line_indent = Pt(size * 2) if indent else Pt(0)
        pf.space_before, pf.space_after = Pt(before), Pt(after)
        if exact:
            pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            pf.line_spacing = Pt(exact)
        else:
            pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
        if align is not None:
            pf.alignment = align
        return style

    make("Normal", "body", align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    make("Bulletin Issuer", "issuer", WD_ALIGN_PARAGRAPH.CENTER, indent=False, exact=None, after=12)
    make("Bulletin Title", "title", WD_ALIGN_PARAGRAPH.CENTER, indent=False, exact=36, before=12, after=12)
    make("Bulletin To", "body", WD_ALIGN_PARAGRAPH.LEFT, indent=False)
    make("Bulletin Heading", "h1").paragraph_format.keep_with_next = True
    make("Bulletin Caption", "h1", WD_ALIGN_PARAGRAPH.CENTER, indent=False, before=6,
         after=6).paragraph_format.keep_with_next = True
    make("Bulletin Table", "table", WD_ALIGN_PARAGRAPH.CENTER, indent=False, exact=None)
    make("Bulletin Note", "note", indent=True, exact=22)
    make("Bulletin Sign", "body", WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    doc.styles["Bulletin Issuer"].font.color.rgb = RGBColor(0xC0, 0x00, 0x00)  # 红色版头


def _page(section, landscape=False):
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (Cm(29.7), Cm(21.0)) if landscape else (Cm(21.0), Cm(29.7))
    section.top_margin, section.bottom_margin = (Cm(2.5), Cm(2.5)) if landscape else (Cm(3.7), Cm(3.5))
    section.left_margin, section.right_margin = (Cm(2.5), Cm(2.5)) if landscape else (Cm(2.8), Cm(2.6))


def _text_width_cm(section) -> float:
    return (section.page_width - section.left_margin - section.right_margin) / 360000


def _column_widths(header: list[str], n_ind: int, available: float) -> list[float] | None:
    """Widths (cm) of the ranking table, or None when the indicator columns would be under 1 cm."""
    fixed = {"排名": 0.8, "总分": 1.2, "等次": 1.2, "名次变化": 1.0}
    widths = [fixed.get(h) for h in header]
    widths[1] = 1.6
    rest = available - sum(w for w in widths if w is not None)
    each = rest / max(n_ind, 1)
    if each < 1.0:
        return None
    return [w if w is not None else each for w in widths]


def _table(doc, b: Bulletin, available: float):
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    header, rows = ranking_rows(b)
    widths = _column_widths(header, len(b.scheme.indicators), available)
    table = doc.add_table(rows=1 + len(rows), cols=len(header))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False  # w:tblLayout fixed: the widths below hold in Word, WPS and LibreOffice
    margins = OxmlElement("w:tblCellMar")  # narrow cell margins, 45 twips
    for side in ("left", "right"):
        m = OxmlElement(f"w:{side}")
        m.set(qn("w:w"), "45")
        m.set(qn("w:type"), "dxa")
        margins.append(m)
    # schema order matters to Word: tblCellMar comes before tblLook
    table._tbl.tblPr.insert_element_before(margins, "w:tblLook", "w:tblCaption", "w:tblDescription",
                                           "w:tblPrChange")
    for i, row in enumerate(table.rows):
        trpr = row._tr.get_or_add_trPr()
        trpr.append(OxmlElement("w:cantSplit"))  # a row is never cut across two pages
        if i == 0:
            repeat = OxmlElement("w:tblHeader")  # the header row repeats on every page
            repeat.set(qn("w:val"), "true")
            trpr.append(repeat)
    if widths:
        for column, width in zip(table.columns, widths):
            column.width = Cm(width)  # w:gridCol, which Word's fixed layout follows
    for i, texts in enumerate([header] + rows):
        for j, text in enumerate(texts):
            cell = table.cell(i, j)
            if widths:
                cell.width = Cm(widths[j])
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            para = cell.paragraphs[0]
            para.style = doc.styles["Bulletin Table"]
            para.paragraph_format.keep_with_next = i < len(rows)  # the table stays on one page when it fits
            if i == 0:  # 事项总量 / （20）: the points on a line of their own, in 8 pt to fit narrow columns
                name, _, points = text.partition("（")
                parts = [name, "（" + points] if points and name else [text]
                for k, part in enumerate(parts):
                    if k:
                        para.add_run().add_break()
                    run = para.add_run(part)
                    run.bold = True
                    run.font.size = Pt(8)
            else:
                para.add_run(text)
    return table


def write_docx(b: Bulletin, path: str | Path, title: str | None = None, issuer: str | None = None,
               date: str | None = None, inputs=()) -> Path:
    """The bulletin as a Word document (written atomically, never over an input)."""
    import docx
    from docx.enum.section import WD_SECTION
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    from .charts import bar_chart_png
    from .outputs import refuse_overwrite

    path = Path(path)
    refuse_overwrite(path, inputs)
    doc = docx.Document()
    _styles(doc)
    _add_font_table_entries(doc)
    _page(doc.sections[0])
    doc.core_properties.title = title or f"关于{b.period_label}{b.scheme.name}结果的通报"
    doc.core_properties.author = issuer or "gridxl"
    doc.core_properties.language = "zh-CN"
    style_of = {"issuer": "Bulletin Issuer", "title": "Bulletin Title", "to": "Bulletin To", "body": "Normal",
                "h1": "Bulletin Heading", "caption": "Bulletin Caption", "note": "Bulletin Note",
                "sign": "Bulletin Sign", "date": "Bulletin Sign"}
    header, _ = ranking_rows(b)
    available = _text_width_cm(doc.sections[0])
    landscape = _column_widths(header, len(b.scheme.indicators), available) is None
    with tempfile.TemporaryDirectory() as tmp:
        for block in bulletin_blocks(b, title, issuer, date):
            if block.kind == "item":
                para = doc.add_paragraph(style="Normal")
                lead = para.add_run(block.lead)
                _set_fonts(lead._r.get_or_add_rPr(), FONTS["item"][0])  # （一）… in 楷体, as GB/T 9704 sets them
                lead.bold = True
                para.add_run(block.text)
            elif block.kind == "caption" and landscape:
                section = doc.add_section(WD_SECTION.NEW_PAGE)
                _page(section, landscape=True)
                available = _text_width_cm(section)
                doc.add_paragraph(block.text, style=style_of["caption"])
            elif block.kind == "table":
                _table(doc, b, available)
            elif block.kind == "chart":
                png = Path(tmp) / "totals.png"
                units = b.ranking[UNIT_KEY].astype(str).tolist()
                bar_chart_png(units, b.ranking["total"].to_numpy(dtype=float), png, title=block.text,
                              digits=b.scheme.digits)
                para = doc.add_paragraph(style="Bulletin Table")
                para.alignment = WD_ALIGN_PARAGRAPH.CENTER
                para.add_run().add_picture(str(png), width=Cm(min(available, 16.0)))
                if landscape:
                    _page(doc.add_section(WD_SECTION.NEW_PAGE))
            elif block.kind == "sign" and not block.text:
                continue
            else:
                doc.add_paragraph(block.text, style=style_of[block.kind])
        with atomic_path(path) as out:
            doc.save(str(out))
    return path


# -- Excel --------------------------------------------------------------------------------
def write_xlsx(b: Bulletin, path: str | Path, inputs=()) -> Path:
    """The ranking table with a native bar chart of totals, and the district figures."""
    import openpyxl
    from openpyxl.chart import BarChart, Reference
    from openpyxl.chart.label import DataLabelList
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    from .outputs import refuse_overwrite

    path = Path(path)
    refuse_overwrite(path, inputs)
    s = b.scheme
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "排名"
    header, _ = ranking_rows(b)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws.cell(row=1, column=1, value=f"{b.period_label}{s.title or s.name}").font = Font(bold=True, size=14)
    ws.row_dimensions[1].height = 24
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    for j, h in enumerate(header, 1):
        c = ws.cell(row=2, column=j, value=h)
        c.font = Font(bold=True)
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        c.border = box
    total_col = 3 + len(s.indicators)
    for i, (_, r) in enumerate(b.ranking.iterrows(), start=3):
        values = [int(r["rank"]), str(r[UNIT_KEY])] + [_num(r[ind.key]) for ind in s.indicators] + [_num(r["total"])]
        if "grade" in b.ranking.columns:
            values.append(str(r["grade"]))
        if b.has_movement:
            values.append(str(r["movement"]))
        for j, v in enumerate(values, 1):
            c = _cell(ws, i, j, v)
            c.border = box
            c.alignment = Alignment(horizontal="center")
    last = 2 + len(b.ranking)
    ws.row_dimensions[2].height = 45
    ws.column_dimensions["B"].width = 12
    for j in range(3, len(header) + 1):
        ws.column_dimensions[get_column_letter(j)].width = 9
    ws.freeze_panes = "C3"
    note_row = last + 2
    ws.cell(row=note_row, column=1, value=RANKING_NOTE)
    ws.cell(row=note_row + 1, column=1, value=b.wording.below_definition())

    chart = BarChart()
    chart.type = "col"
    chart.title = f"{b.period_label}各{s.unit}总分"
    chart.y_axis.title = "总分"
    chart.y_axis.scaling.min = 0
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.legend = None
    chart.add_data(Reference(ws, min_col=total_col, min_row=2, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=2, min_row=3, max_row=last))
    chart.dataLabels = DataLabelList(showVal=True, showSerName=False, showCatName=False, showLegendKey=False,
                                     showPercent=False)
    chart.width, chart.height = max(16, 1.0 * len(b.ranking)), 8
    ws.add_chart(chart, f"A{note_row + 3}")

    w = b.wording
    fs = wb.create_sheet(f"{w.area}指标")
    heads = ["序号", "指标", "满分", "计算口径", f"{w.area}数据", "分子合计", "分母合计", f"{w.area}值", "标准",
             f"未达标{w.who}数", f"未达标{w.who}"]
    for j, h in enumerate(heads, 1):
        c = fs.cell(row=1, column=j, value=h)
        c.font = Font(bold=True)
        c.border = box
    for i, fig in enumerate(b.figures, start=2):
        ind = fig.indicator
        extra = scored_as_extra(ind)
        below = [] if extra else fig.below
        row = [i - 1, ind.name, "加减分" if extra else _num(ind.points), fig.label,
               "；".join(f"{f.label}{format_number(f.total, 4)}{f.unit}" for f in fig.fields),
               _num(fig.numerator), _num(fig.denominator), fig.value_text(b.figure_digits),
               fig.standard_text(), len(below), "、".join(u for u, _ in below)]
        for j, v in enumerate(row, 1):
            _cell(fs, i, j, v).border = box
    for letter, width in zip("ABCDEFGHIJK", (6, 14, 8, 22, 48, 12, 12, 12, 12, 12, 60)):
        fs.column_dimensions[letter].width = width
    with atomic_path(path) as out:
        wb.save(out)
    return path


def _cell(ws, row: int, column: int, value):
    """A cell whose text is stored as text: a unit named =1+1 is never run as a formula."""
    c = ws.cell(row=row, column=column)
    c.value = value
    if isinstance(value, str):
        c.data_type = "s"
    return c


def _num(v):
    if v is None:
        return None
    v = float(v)
    if not np.isfinite(v):
        return None
    return int(v) if v.is_integer() else v
