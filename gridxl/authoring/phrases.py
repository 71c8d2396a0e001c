"""The rule phrases of 考核办法 texts, as data: one entry per phrase family, each naming the rule kind it
points to and the parameters its groups give.

The drafter (:mod:`.draft`) finds every entry's matches in an item's text (normalised with NFKC, so
（）：，； are ASCII) and composes the indicator from them; nothing here knows about a particular
seed.  Add a variant by adding a pattern to an entry, or an entry for a new family.

Placeholders in the patterns: ``{N}`` a number (arabic or 一…十), ``{U}`` a measure word.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
NUMBER = r"(?:\d+(?:\.\d+)?|[一二两三四五六七八九十]+)"
MEASURE_WORDS = "次件条个名起人户例篇天处项轮份家月周分"
_TOKENS = {"{N}": NUMBER, "{U}": f"[{MEASURE_WORDS}]"}


def number(text: str) -> float:
    """1, 0.5, 一, 十, 二十: the value of a number as the texts write it."""
    text = text.strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return float((_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0))
    if len(text) == 1 and text in _CN_DIGITS:
        return float(_CN_DIGITS[text])
    raise ValueError(text)


def tidy(x: float):
    """20.0 -> 20 in the scheme file; 0.5 stays."""
    return int(x) if float(x).is_integer() else x


@dataclass(frozen=True)
class Phrase:
    family: str  # the phrase family of issue 14
    kind: str  # the rule kind it points to ("" for a modifier such as a cap)
    patterns: tuple[str, ...]
    params: dict = field(default_factory=dict)  # parameter -> group name, (group, divisor) or a constant
    example: str = ""

    def compiled(self) -> list[re.Pattern]:
        out = []
        for p in self.patterns:
            for token, rx in _TOKENS.items():
                p = p.replace(token, rx)
            out.append(re.compile(p))
        return out


PHRASES: tuple[Phrase, ...] = (
    Phrase("ratio", "ratio", (
        r"达标即?得满分[,，]?\s*不达标(?:的)?按比例(?:得分|计分|扣分)",
        r"(?:低于|不足|未达到?)\s*100\s*%\s*(?:的)?按比例(?:得分|计分|扣分)",
        r"按(?:完成|实际完成)?比例(?:计分|得分|扣分)",
        r"不足的按比例(?:扣分|得分)",
    ), example="达标即得满分，不达标按比例得分"),
    Phrase("standard", "", (
        r"标准\s*[:：]\s*(?:占比)?\s*(?P<value>{N})\s*(?P<unit>%|件|次|小时|人|个|条|户)?",
    ), {"standard": "value"}, example="标准：100 件/万人/月"),
    Phrase("threshold", "", (
        r"(?:≧|≥|>=|＞=|大于等于|不少于|不低于|达到|应为|应达到|不得少于)\s*(?P<value>{N})\s*"
        r"(?P<unit>%|件|次|小时|人|个|条|户)?",
    ), {"standard": "value"}, example="≧15件 / 不少于2次 / 应为100%"),
    Phrase("rate", "rate", (
        r"(?P<name>[^()=,，;；。:：]{2,16}率)\s*=\s*(?P<formula>[^)）;；。,，]+)",
    ), example="（网格党建覆盖率=党建达标网格数/辖区内网格总数×100%）"),
    Phrase("formula", "", (
        r"(?P<formula>[(]?[^\d\s,，;；。:：/=*×][^,，;；。:：/=*×]{2,40}?\s*/\s*[^\d\s,，;；。:：/=*×][^,，;；。:：/=*×]{2,40})",
    ), example="当月上报事项数/实有人口数"),
    Phrase("linear", "linear", (
        r"(?:大于等于|≥|≧|不低于)\s*(?P<high>{N})\s*%\s*(?:即|的)?得满分[,，;；]?\s*(?:小于|低于|<)\s*(?P<low>{N})\s*%\s*(?:的)?不得分",
    ), {"high": "high", "low": "low", "scale": 100}, example="大于等于98%即得满分，小于80%不得分"),
    Phrase("steps", "steps", (
        r"以\s*(?P<base>{N})\s*(?:件|次|个)?\s*为(?:标准)?基数",
        r"(?:达到|满)\s*标准基数",
    ), {"base": "base"}, example="以600件为基数"),
    Phrase("steps_up", "steps", (
        r"超过基数(?:的)?(?:,)?每\s*(?P<step>{N})\s*(?:件|次|个)?\s*加\s*(?P<points>{N})\s*分",
        r"每\s*(?:增加|超过|多)\s*(?P<step>{N})\s*(?P<pct>%)\s*加\s*(?P<points>{N})\s*分",
    ), {"step_up": "step", "up_points": "points"}, example="超过基数每100件加1分"),
    Phrase("steps_down", "steps", (
        r"不足基数(?:的)?(?:,)?\s*每减少\s*(?P<step>{N})\s*(?:件|次|个)?\s*[,，]?\s*(?:扣|减)\s*(?P<points>{N})\s*分",
        r"每\s*减少\s*(?P<step>{N})\s*(?P<pct>%)\s*(?:扣|减)\s*(?P<points>{N})\s*分",
        r"每?少\s*(?P<step>{N})\s*(?:次|件|个|条|篇|户|人|天)\s*(?:的)?\s*(?:分别)?\s*[,，]?\s*扣\s*(?P<points>{N})\s*分",
    ), {"step_down": "step", "down_points": "points"}, example="不足基数的，每减少50件，扣1分"),
    Phrase("shortfall", "shortfall", (
        r"(?:每)?(?:少|低于|低|减少|下降)\s*(?:一|1)\s*个?百分点\s*(?:的)?,?\s*扣\s*(?P<deduct>{N})\s*分",
        r"每减少\s*(?P<per>{N})\s*%\s*扣\s*(?P<deduct>{N})\s*分",
    ), {"deduct": "deduct", "per": "per"}, example="少一个百分点扣1分"),
    Phrase("bands", "bands", (
        r"(?P<lo>{N})\s*%\s*(?:到|至|-|—|~|～)\s*(?P<hi>{N})\s*%\s*(?:之间)?(?:的)?\s*,?\s*扣\s*(?P<amount>{N})\s*分",
        r"(?:低于|小于|不足|不到)\s*(?P<below>{N})\s*%\s*(?:的)?\s*,?\s*扣\s*(?P<amount>{N})\s*分",
    ), example="80%到90%之间的扣0.5分，低于60%的扣2分"),
    Phrase("rank_decay", "rank_decay", (
        r"依次(?:少|减少|递减|降低|减)\s*(?P<step>{N})\s*%",
    ), {"step": ("step", 100)}, example="其余依次少5%"),
    Phrase("deduction", "deduction", (
        r"扣\s*(?P<each>{N})\s*分",
    ), example="每少/每缺/每发现/每例/每次…扣…分"),
    Phrase("deduction_range", "deduction", (
        r"扣\s*(?P<a>{N})\s*(?:—|-|~|～|至|到)\s*(?P<b>{N})\s*分",
    ), example="每条扣0.2—0.3分"),
    Phrase("deduction_list", "deduction", (
        r"扣\s*(?P<list>{N}(?:\s*分?\s*[、,，]\s*{N})+)\s*分",
    ), example="每查实一例扣5、4、3、2分"),
    Phrase("deduction_blank", "deduction", (
        r"扣分(?=[:：;；。,，]|$)",
    ), example="缺一次扣分（扣分值空白）"),
    Phrase("cap", "", (
        r"(?:最多扣|累计扣分不超过|扣分不超过|累计不超过|最高扣|扣分上限为?|扣分最高)\s*(?P<cap>{N})\s*分",
    ), {"cap": "cap"}, example="最多扣8分 / 累计扣分不超过5分"),
    Phrase("floor", "", (r"扣完为止", r"扣完即止", r"扣至0分为止"), example="扣完为止"),
    Phrase("below_zero", "", (r"倒扣\s*(?P<amount>{N})\s*分",), example="倒扣10分"),
    Phrase("zero_out", "", (
        r"(?P<cond>[^,，;；。:：]{2,40}?)(?:的)?\s*[,，]?\s*(?:本项|该项|此项)?(?:不得分|得\s*0\s*分|得零分|计0分|记0分)",
    ), example="没有记录，本项不得分"),
    Phrase("bonus", "bonus", (
        r"加\s*(?P<each>{N})\s*分",
        r"(?P<each>{N})\s*分\s*/\s*(?P<per>[篇条次件项个])",
    ), example="每…加…分 / 区级媒体1分/篇"),
    Phrase("bonus_list", "bonus", (
        r"分别加\s*(?P<list>{N}\s*分?(?:\s*[、,，]\s*{N}\s*分?)+)",
        r"加\s*(?P<list>{N}(?:\s*分?\s*[、,，]\s*{N})+)\s*分",
    ), example="分别加5分、3分、2分"),
    Phrase("bonus_cap", "", (
        r"(?:最高加分|最高加|加分最高|最多加|加分上限为?|加分封顶|封顶)\s*(?P<cap>{N})\s*分",
    ), {"cap": "cap"}, example="最高加分10分"),
    Phrase("uncapped", "", (r"不设上限", r"不封顶", r"上不封顶"), example="加分不设上限"),
    Phrase("entered", "entered", (
        r"检查(?:组|人员)?(?:打分|评分|评定)", r"酌情(?:扣分|打分|给分|加分)", r"查阅资料", r"实地查看",
        r"(?:综合)?评定(?:打分|得分)?", r"视情(?:打分|扣分|给分)", r"进行检查打分", r"看现场", r"看资料",
    ), example="查阅资料/实地查看/酌情扣分"),
    Phrase("direction", "", (r"(?P<dir>从小到大|从低到高|从大到小|从高到低)",), example="从大到小"),
    Phrase("grades", "", (
        r"(?P<label>优秀|良好|称职|基本称职|不称职|合格|基本合格|不合格|较好|一般|较差)\s*[(:：]?\s*"
        r"(?:(?P<lo>{N})\s*(?:分)?\s*(?:-|—|～|~|至|到)\s*(?P<hi>{N})\s*分|(?P<min>{N})\s*分(?:及)?以上|(?P<max>{N})\s*分(?:及)?以下)",
        r"(?:(?P<lo2>{N})\s*(?:-|—|至)\s*(?P<hi2>{N})\s*分|(?P<min2>{N})\s*分(?:及)?以上|(?P<max2>{N})\s*分(?:及)?以下)\s*(?:的)?(?:为|评为|定为)\s*"
        r"(?P<label2>优秀|良好|称职|基本称职|不称职|合格|基本合格|不合格|较好|一般|较差)",
    ), example="优秀(95分以上)、合格(80-94分)"),
    Phrase("stars", "", (r"每\s*(?P<per>{N})\s*分为?一个?星级?",), {"per": "per"}, example="每20分为一个星级"),
    Phrase("weighted", "weighted", (
        r"(?P<a>半年|上半年|年中|平时|季度)[^,;。%]{0,8}?(?P<wa>{N})\s*%\s*[+＋和与,，、]\s*(?P<b>年终|年底|全年|下半年)[^,;。%]{0,8}?(?P<wb>{N})\s*%",
    ), example="半年40%+年终60%"),
    Phrase("streak", "", (
        r"连续\s*(?P<months>{N})\s*个月排名后\s*(?P<bottom>{N})\s*位",
    ), example="连续3个月排名后2位…约谈"),
    Phrase("points", "", (
        r"[(（]\s*(?:占比|计|共|满分)?\s*(?P<points>{N})\s*分?\s*[)）]\s*分?",
        r"(?:占比|分值为?|计)\s*(?P<points>{N})\s*分",
    ), {"points": "points"}, example="(占比20分) / (10分) / (20)分"),
    Phrase("total", "", (
        r"(?:基础分为?|满分为?|总分为?|实行)\s*(?P<total>{N})\s*分(?:制)?", r"(?P<hundred>百分制)",
    ), example="考核分值基础分为100分 / 实行百分制"),
)

_BY_FAMILY = {p.family: p for p in PHRASES}


def phrase(family: str) -> Phrase:
    return _BY_FAMILY[family]


def find(family: str, text: str) -> list[re.Match]:
    """Every match of a family in ``text``, in order, overlapping patterns merged (first pattern wins)."""
    out: list[re.Match] = []
    taken: list[tuple[int, int]] = []
    for rx in _compiled(family):
        for m in rx.finditer(text):
            if any(m.start() < b and a < m.end() for a, b in taken):
                continue
            out.append(m)
            taken.append(m.span())
    return sorted(out, key=lambda m: m.start())


_CACHE: dict[str, list[re.Pattern]] = {}


def _compiled(family: str) -> list[re.Pattern]:
    if family not in _CACHE:
        _CACHE[family] = phrase(family).compiled()
    return _CACHE[family]


def params_of(m: re.Match, family: str) -> dict:
    """The parameters a match gives, as the family's entry maps them: 依次少5% -> {"step": 0.05}."""
    out = {}
    for param, source in phrase(family).params.items():
        group, divisor = source if isinstance(source, tuple) else (source, 1)
        if not isinstance(group, str):
            out[param] = group  # a constant: linear's scale = 100
            continue
        text = m.groupdict().get(group)
        if text is not None:
            out[param] = tidy(round(number(text) / divisor, 10))
    return out


def numbers_in(text: str) -> list[float]:
    return [number(t) for t in re.findall(NUMBER, text)]
