"""The paragraphs of the 通报 in the order of seed 004, for the Word and PDF writers.

版头 (issuer), 标题, 主送, the purpose sentence, 一、各项指标运行情况 (with the data source),
one item per indicator, the ranking table and chart as the last item, 二、存在的问题 drafted
from the scores, 三、工作要求 (given text, or a marked placeholder), the signature and date,
and the 印发 line.  Nothing here is a draft notice: that goes to a Word comment (``--draft``).
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gridxl.reports.bulletin import RANKING_NOTE, Bulletin, _chinese_number, scored_as_extra
from ..core.excel_math import format_number
from ..core.scheme import UNIT_KEY
from gridxl.reports.history import period_text
from gridxl.io.sources import decode_text
from .problems import draft_problems, numbered
from ..i18n import _
from gridxl.io.inputs import InputError

REQUIREMENTS_PLACEHOLDER = "【请在此填写工作要求（可用 --requirements 文件提供，每段一条）】"
ISSUER_PLACEHOLDER = "【发文机关】"
NO_PROBLEMS = "本期各{who}各项指标均得满分，未发现突出问题。"
REQUIREMENTS_LIMIT = 100_000  # characters: a requirements file is a page or two of text


@dataclass
class Block:
    """One paragraph: kind is issuer, title, to, body, h1, item, caption, table, note, chart, sign, date,
    placeholder or imprint (the 印发 line: ``text`` left, ``lead`` right)."""

    kind: str
    text: str = ""
    lead: str = ""


@dataclass
class BulletinForm:
    """What the office states around the figures: options and scheme settings, never computed."""

    title: str | None = None
    issuer: str | None = None
    date: str | None = None
    to: str | None = None
    purpose: str | None = None
    source: str | None = None
    requirements: list[str] | None = None
    draft: bool = False
    extra: dict = field(default_factory=dict)


def chinese_date(day: _dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def read_requirements(path: str | Path) -> list[str]:
    """三、工作要求 from a UTF-8 (or GB18030) text file: one paragraph per non-blank line."""
    path = Path(path)
    try:
        raw = path.read_bytes()[:REQUIREMENTS_LIMIT * 4 + 1]
    except OSError as exc:
        raise InputError(_("--requirements {path}: cannot read the file ({reason})")
                         .format(path=path, reason=exc.strerror)) from None
    text = decode_text(raw)
    if text is None:
        raise InputError(_("--requirements {path}: expected a text file (UTF-8 or GB18030)").format(path=path))
    if len(text) > REQUIREMENTS_LIMIT:
        raise InputError(_("--requirements {path}: longer than {limit} characters")
                         .format(path=path, limit=REQUIREMENTS_LIMIT))
    paragraphs = [" ".join(line.split()) for line in text.splitlines()]
    paragraphs = [p for p in paragraphs if p]
    if not paragraphs:
        raise InputError(_("--requirements {path}: the file is empty").format(path=path))
    return paragraphs


def default_title(b: Bulletin) -> str:
    return f"关于{b.period_label}{b.scheme.name}结果的通报"


def _overall(b: Bulletin) -> str:
    s, w = b.scheme, b.wording
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
    return text


def bulletin_blocks(b: Bulletin, form: BulletinForm | None = None) -> list[Block]:
    """The bulletin's paragraphs in order; the writers lay them out."""
    form = form or BulletinForm()
    s, w = b.scheme, b.wording
    settings = s.bulletin
    d = b.figure_digits
    issuer = form.issuer or settings.issuer
    blocks = []
    if issuer:
        blocks.append(Block("issuer", issuer))
    blocks.append(Block("title", form.title or default_title(b)))
    blocks.append(Block("to", form.to or settings.to or f"各{s.unit}："))
    purpose = form.purpose or settings.purpose or f"为推进{s.name}工作"
    blocks.append(Block("body", f"{purpose.rstrip('，,。')}，现将{b.period_label}考核情况通报如下："))

    source = form.source or settings.source
    blocks.append(Block("h1", "一、各项指标运行情况" + (f"（数据来源于{source}）" if source else "")))
    blocks.append(Block("body", _overall(b)))
    for label, units in b.flagged().items():
        blocks.append(Block("body", f"{label}：{'、'.join(units)}。"))
    blocks.append(Block("body", w.below_definition()))
    n_ind = 0
    for n_ind, fig in enumerate(b.figures, 1):
        ind = fig.indicator
        points = "加减分" if scored_as_extra(ind) else f"{format_number(ind.points)}分"
        lead = f"（{_chinese_number(n_ind)}）{ind.name}（{points}）。"
        blocks.append(Block("item", fig.figures_sentence(d, w) + fig.below_sentence(w), lead=lead))
    caption = s.title or f"各{s.unit}考核得分情况"
    blocks.append(Block("item", f"各{s.unit}得分及排名见下表。", lead=f"（{_chinese_number(n_ind + 1)}）考核得分及排名。"))
    blocks.append(Block("caption", caption))
    blocks.append(Block("table"))
    note = RANKING_NOTE
    if b.has_movement:
        note += (f"名次变化与{period_text(b.previous_period)}相比：↑上升，↓下降，数字为变化名次，"
                 f"–名次不变，新为上期无成绩。")
    blocks.append(Block("note", note))
    blocks.append(Block("chart", f"{b.period_label}各{s.unit}总分"))

    blocks.append(Block("h1", "二、存在的问题"))
    problems = numbered(draft_problems(b))
    if not problems:
        blocks.append(Block("body", NO_PROBLEMS.format(who=w.who)))
    for lead, text in problems:
        blocks.append(Block("item", text, lead=lead))

    blocks.append(Block("h1", "三、工作要求"))
    if form.requirements:
        blocks.extend(Block("body", p) for p in form.requirements)
    else:
        blocks.append(Block("placeholder", REQUIREMENTS_PLACEHOLDER))

    date = form.date or chinese_date(_dt.date.today())
    blocks.append(Block("sign", issuer or ISSUER_PLACEHOLDER))
    blocks.append(Block("date", date))
    blocks.append(Block("imprint", issuer or ISSUER_PLACEHOLDER, lead=f"{date}印发"))
    return blocks


def draft_notice(b: Bulletin) -> str:
    return f"本通报由 gridxl 依据《{b.scheme.name}》评分生成初稿，数据以各单位填报为准，印发前请核对。"
