"""Period names: what a period may be called, and which names a scheme's period admits.

Five forms (seed 000 counts months, seed 003 composes 2022-H1 and 2022-年终):

=============  ===========  ==================
form           example      printed
=============  ===========  ==================
month          2022-11      2022年11月
quarter        2022-Q3      2022年第三季度
half year      2022-H1      2022年上半年
year           2022         2022年
year end       2022-年终    2022年年终
named part     2022-系统自评  2022年系统自评
=============  ===========  ==================

A scheme's ``period`` (monthly, quarterly, half-yearly, annual) says which forms its
results can carry: a monthly scheme is scored per month, an annual one per year, at the
year end, per half year (seed 003's 半年 and 年终 assessments) or in named parts of the year's
assessment that a composite weighs (seed 003, 七星街: 系统自评 30%, 社区街道考评 30%, 群众满意度 40%).  Anything else is refused
with the forms the scheme expects, before any file is written.
"""
from __future__ import annotations

import re
import unicodedata

from gridxl.i18n import _
from gridxl.io.errors import InputError

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
HALF = re.compile(r"^(\d{4})-H([12])$")
YEAR = re.compile(r"^(\d{4})$")
YEAR_END = re.compile(r"^(\d{4})-年终$")
PART = re.compile(r"^(\d{4})-([\u3400-\u9fff]{2,12})$")
FORMS = {"month": MONTH, "quarter": QUARTER, "half": HALF, "year": YEAR, "year_end": YEAR_END, "part": PART}
EXAMPLES = {"month": "2022-11", "quarter": "2022-Q3", "half": "2022-H1", "year": "2022", "year_end": "2022-年终",
            "part": "2022-系统自评"}
# which forms the results of a scheme's period can carry
ADMITS = {"monthly": ("month",), "quarterly": ("quarter",), "half-yearly": ("half",),
          "annual": ("year", "year_end", "half", "part"), "yearly": ("year", "year_end", "half", "part")}
_QUARTER_NAMES = "一二三四"
_YEARS = (1949, 2200)


def form_of(name: str) -> str | None:
    """month, quarter, half, year, year_end, or None."""
    for form, pattern in FORMS.items():
        if pattern.match(name):
            return form
    return None


def _expected(forms) -> str:
    return "、".join(EXAMPLES[f] for f in forms)


def normalise(name: str) -> str:
    """Full-width digits and letters typed in Chinese input methods read as ASCII (２０２２－１１)."""
    return unicodedata.normalize("NFKC", str(name or "")).strip().replace("q", "Q").replace("h", "H")


def check_period_form(name: str, what: str = "--period", scheme=None) -> str:
    """``name`` if it is one of the five forms (and one the scheme's period admits); InputError otherwise."""
    name = normalise(name)
    all_forms = _expected(FORMS)
    form = form_of(name)
    if form is None:
        if re.match(r"^\d{4}-\d{1,2}$", name):
            raise InputError(_("{what} {name!r}: expected a month as YYYY-MM, 01 to 12 (e.g. 2022-11)")
                             .format(what=what, name=name))
        raise InputError(_("{what} {name!r}: expected a period as YYYY-MM, YYYY-Qn, YYYY-H1/H2, YYYY, YYYY-年终 "
                           "or a named part of a year's assessment (e.g. {forms})")
                         .format(what=what, name=name, forms=all_forms))
    year = int(name[:4])
    if not _YEARS[0] <= year <= _YEARS[1]:
        raise InputError(_("{what} {name!r}: the year {year} is out of range").format(what=what, name=name, year=year))
    admits = ADMITS.get(getattr(scheme, "period", None) or "")
    if scheme is not None and admits and form not in admits:
        raise InputError(_("{what} {name!r}: scheme {scheme} is assessed {period} ({word}); expected a period such "
                           "as {forms}").format(what=what, name=name, scheme=scheme.id, period=scheme.period,
                                                word=period_word(scheme.period), forms=_expected(admits)))
    return name


def period_word(period: str) -> str:
    return {"monthly": "按月", "quarterly": "按季度", "half-yearly": "按半年", "annual": "按年度",
            "yearly": "按年度"}.get(period, period)


def period_text(name: str | None) -> str:
    """2022-11 -> 2022年11月, 2022-Q1 -> 2022年第一季度, 2022-H2 -> 2022年下半年, 2022 -> 2022年, 2022-年终 -> 2022年年终."""
    if not name:
        return "本期"
    if m := MONTH.match(name):
        return f"{m.group(1)}年{int(m.group(2))}月"
    if m := QUARTER.match(name):
        return f"{m.group(1)}年第{_QUARTER_NAMES[int(m.group(2)) - 1]}季度"
    if m := HALF.match(name):
        return f"{m.group(1)}年{'上' if m.group(2) == '1' else '下'}半年"
    if m := YEAR.match(name):
        return f"{m.group(1)}年"
    if m := YEAR_END.match(name):
        return f"{m.group(1)}年年终"
    if m := PART.match(name):
        return f"{m.group(1)}年{m.group(2)}"
    return name
