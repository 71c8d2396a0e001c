"""The scheme model: a 考核办法 as data.

A scheme file (TOML, see ``gridxl/schemes/*.toml``) reads top to bottom the
way the seed document does: who is scored, the input fields a clerk types,
the indicators with their points and rule, grades, flags.  The classes below
mirror the file one to one, and :func:`load_scheme` reports any mistake with
the file, the indicator and the field it is in.

TOML rather than YAML: it is in the standard library (also in Pyodide, so the
same loader runs inside xlwings Lite), has no indentation traps for someone
editing in Notepad, keeps long Chinese rule texts in plain multi-line strings,
and a number is always a number (YAML reads ``no`` as False and ``1:30`` as 90).
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import kinds as kinds_mod
from .ballots import BallotConfig
from .excel_math import format_number
from .keys import SUBUNIT_KEY, TOTAL_KEY, UNIT_KEY, SchemeError
from .expr import (COMPARE_DIGITS, IF, INT, MAX, MIN, NA, ROUND, Expr, ExprError, Field, Measure, Num, Refs, Score, Text,
                   as_expr, parse)
from .guards import any_zero, guarded, guarded_condition
from .scheme_checks import SchemeCheckError, check_document, check_numbers_only
from .streak_settings import StreakSettings, parse_streaks
from .translate import N_, _

FIELD_TYPES = {  # shown through gettext (gridxl.core.translate)
    "count": N_("whole number >= 0"),
    "number": N_("number"),
    "rate": N_("rate between 0 and 1 (0%..100%)"),
    "flag": N_("1 (yes) or 0 (no)"),
    "score": N_("score typed by an inspector"),
    "choice": N_("one of the listed choices"),
}


@dataclass
class FieldSpec:
    key: str
    label: str
    type: str = "count"
    unit: str = ""
    min: float | None = None
    max: float | None = None
    choices: list[str] = field(default_factory=list)
    level: str = "unit"  # or "subunit"
    help: str = ""

    def bounds(self) -> tuple[float | None, float | None]:
        lo = self.min if self.min is not None else (0.0 if self.type in ("count", "rate", "flag", "score") else None)
        hi = self.max if self.max is not None else (1.0 if self.type in ("rate", "flag") else None)
        return lo, hi

    @property
    def header(self) -> str:
        return f"{self.label}（{self.unit}）" if self.unit else self.label


@dataclass
class Section:
    key: str
    name: str
    points: float | None = None


@dataclass
class Grade:
    label: str
    min: float | None = None
    max: float | None = None

    @property
    def band_text(self) -> str:
        """The band as the seed prints it: 80-94分, 95分以上, 60分以下."""
        if self.min is not None and self.max is not None:
            return f"{format_number(self.min)}-{format_number(self.max)}分"
        if self.min is not None:
            return f"{format_number(self.min)}分以上"
        return f"{format_number(self.max)}分以下" if self.max is not None else ""


@dataclass
class Flag:
    key: str
    label: str
    condition: str
    grade: str | None = None  # a forced grade, e.g. 不合格


@dataclass
class Stars:
    per: float = 20
    max_stars: int = 5
    mode: str = "deducted"  # each `per` points deducted cancels a star; or "score": floor(total/per)
    full: float = 100


@dataclass
class Indicator:
    key: str
    name: str
    points: float
    kind: str
    value_text: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    items: list[dict] = field(default_factory=list)
    when: list[dict] = field(default_factory=list)
    section: str | None = None
    rule: str = ""
    digits: int = 2
    extra: bool = False  # bonus/penalty outside the base points
    per_subunit: bool = False  # computed per grid, averaged for the unit
    unspecified: bool = False  # the seed gives no rule: inspector-entered placeholder
    if_zero: float = 0.0  # the score when a denominator is 0
    value_unit: str = ""
    notes: list[str] = field(default_factory=list)
    scheme: "Scheme | None" = field(default=None, repr=False)

    # -- what the kinds read ---------------------------------------------
    @property
    def rule_kind(self) -> kinds_mod.RuleKind:
        return kinds_mod.get_kind(self.kind)

    def points_expr(self) -> Expr:
        return Num(float(self.points))

    def param_value(self, name: str, default: Any = None):
        if name in self.params and self.params[name] is not None:
            value = self.params[name]
            if isinstance(value, dict):
                raise SchemeError(self._where(name) + _("this parameter cannot depend on a choice here"))
            return value
        for p in self.rule_kind.params:
            if p.name == name and p.default is not None:
                return p.default
        return default

    def param_expr(self, name: str) -> Expr:
        value = self.params.get(name)
        if value is None:
            value = self.param_value(name)
        if isinstance(value, dict):  # {by = "grid_type", 城市 = 600, 农村 = 400}
            by = value["by"]
            ref = self.scheme.resolve(by, self) if self.scheme else Field(by)
            out: Expr = NA()
            for case, amount in reversed([(k, v) for k, v in value.items() if k != "by"]):
                out = IF(ref.eq(Text(str(case))), amount, out)
            return out
        return as_expr(float(value))

    def item_value(self, item: dict) -> Expr:
        if "field" in item:
            try:
                ref = self.scheme.resolve(item["field"], self)
            except ExprError as exc:
                raise SchemeError(self._where("items") + str(exc)) from None
            return self.scheme.numeric(ref, self, "items")
        return guarded(self.scheme.parse_expr(item["value"], self, "value"), 0.0)  # nothing counted without a rate

    def _where(self, name: str | None = None) -> str:
        path = self.scheme.path if self.scheme else "<scheme>"
        if name:
            return _("{path}: indicator {key!r}, field {name!r}: ").format(path=path, key=self.key, name=name)
        return _("{path}: indicator {key!r}: ").format(path=path, key=self.key)

    @property
    def score_bounds(self) -> tuple[float | None, float | None]:
        lo, hi = self.rule_kind.bounds(self)
        for rule in self.when:
            s = rule.get("score")
            lo = None if lo is None else min(lo, s)
            hi = None if hi is None else max(hi, s)
        return lo, hi


@dataclass
class Compiled:
    """An indicator turned into formulas: its measured value and its rounded score."""

    indicator: Indicator
    measure: Expr | None
    score: Expr
    inputs: list[str]  # fields the score reads, in the order UDF arguments take them
    zero_guard: Expr | None = None  # true when a denominator of the measure is 0

    def measure_cell(self) -> Expr | None:
        """What a sheet's measure column holds: the value to 10 decimals, "" when it has no value.

        Cross-unit formulas (SUMPRODUCT over the column) then skip that unit in
        every engine, as the Python side skips NaN.
        """
        if self.measure is None:
            return None
        value = self.measure_value()
        return IF(self.zero_guard, Text(""), value) if self.zero_guard is not None else value

    def measure_value(self) -> Expr:
        """The measure to COMPARE_DIGITS decimals, as ranks and shares of other units compare it."""
        return ROUND(self.measure, COMPARE_DIGITS)


@dataclass(frozen=True)
class BulletinSettings:
    """[bulletin] in a scheme file: how the office's 通报 addresses and frames the results."""

    to: str = ""  # 主送, e.g. 各乡镇（街道、办事处）综治中心，区……各成员单位：
    purpose: str = ""  # the purpose clause before 现将……通报如下
    source: str = ""  # 数据来源于……
    issuer: str = ""  # 发文机关

    @classmethod
    def of(cls, data, where: str) -> "BulletinSettings":
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise SchemeError(_("{where}: [bulletin]: expected a table of texts (to, purpose, source, issuer)").format(
                                  where=where))
        unknown = sorted(set(data) - {"to", "purpose", "source", "issuer"})
        if unknown:
            raise SchemeError(_("{where}: [bulletin]: unknown setting(s) {unknown}; expected to, purpose, "
                                 "source, issuer").format(
                                  where=where, unknown=', '.join(unknown)))
        for k, v in data.items():
            if not isinstance(v, str):
                raise SchemeError(_("{where}: [bulletin], field {k!r}: expected text").format(where=where, k=k))
        return cls(**data)


@dataclass
class Scheme:
    id: str
    name: str
    unit: str
    fields: list[FieldSpec]
    indicators: list[Indicator]
    title: str = ""
    source: str = ""
    period: str = "monthly"
    total_points: float = 100
    digits: int = 2
    subunit: str | None = None
    sections: list[Section] = field(default_factory=list)
    grades: list[Grade] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    stars: Stars | None = None
    ambiguities: list[str] = field(default_factory=list)
    description: str = ""
    ballots: "BallotConfig | None" = None
    bulletin: BulletinSettings = BulletinSettings()
    streaks: "StreakSettings | None" = None  # the multi-month rule `history` reads ([streaks])
    path: str = "<scheme>"
    _compiled: dict[str, Compiled] | None = field(default=None, repr=False)

    # -- lookups ---------------------------------------------------------------
    def field(self, key: str) -> FieldSpec:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)

    def indicator(self, key: str) -> Indicator:
        for ind in self.indicators:
            if ind.key == key:
                return ind
        raise KeyError(key)

    @property
    def field_keys(self) -> list[str]:
        return [f.key for f in self.fields]

    def unit_fields(self) -> list[FieldSpec]:
        return [f for f in self.fields if f.level == "unit"]

    def subunit_fields(self) -> list[FieldSpec]:
        return [f for f in self.fields if f.level == "subunit"]

    @property
    def base_indicators(self) -> list[Indicator]:
        return [i for i in self.indicators if not i.extra]

    def resolve(self, name: str, ind: Indicator | None = None) -> Expr:
        if name == UNIT_KEY:
            return Field(UNIT_KEY)
        if name == TOTAL_KEY and ind is None:  # flags and grade rules may read the total
            return Field(TOTAL_KEY)
        if name in self.field_keys:
            f = self.field(name)
            if ind is not None and f.level == "subunit" and not ind.per_subunit:
                raise ExprError(_("{name!r} is a per-{subunit} field; only per_subunit indicators can read it")
                                .format(name=name, subunit=self.subunit or "subunit"))
            return Field(name)
        if any(i.key == name for i in self.indicators):
            if ind is not None and name == ind.key:
                raise ExprError(_("indicator {name!r} refers to itself").format(name=name))
            return Score(name)
        raise ExprError(_("{name!r} is neither an input field nor an indicator of this scheme").format(name=name))

    def when_condition(self, rule: dict, ind: Indicator) -> Expr:
        """A `when` rule's condition; false when it would divide by 0."""
        return guarded_condition(self.parse_expr(rule["if"], ind, "when"))

    def flag_condition(self, flag: "Flag") -> Expr:
        """A flag's condition (it may read the total); false when it would divide by 0."""
        return guarded_condition(parse(flag.condition, self.resolve))

    def parse_expr(self, text: str, ind: Indicator, what: str) -> Expr:
        try:
            expr = parse(text, lambda n: self.resolve(n, ind))
            check_numbers_only(expr, self.text_keys, "")
        except (ExprError, SchemeCheckError) as exc:
            raise SchemeError(ind._where(what) + str(exc)) from None
        return self.numeric(expr, ind, what) if what == "value" else expr

    @property
    def text_keys(self) -> set[str]:
        """Names whose values are text: the unit, the subunit, choice fields."""
        return {UNIT_KEY, SUBUNIT_KEY} | {f.key for f in self.fields if f.type == "choice"}

    def numeric(self, expr: Expr, ind: Indicator, what: str) -> Expr:
        if isinstance(expr, Text) or (isinstance(expr, Field) and expr.key in self.text_keys):
            raise SchemeError(ind._where(what) + _("{expr} is text; a value to score must be a number").format(
                expr=expr.to_excel(Refs(lambda s, k: k))))
        return expr

    # -- formulas ----------------------------------------------------------------
    def compiled(self) -> dict[str, Compiled]:
        if self._compiled is None:
            self._compiled = {ind.key: self._compile(ind) for ind in self.indicators}
            self._check_order()
        return self._compiled

    def _compile(self, ind: Indicator) -> Compiled:
        kind = ind.rule_kind
        measure = self.parse_expr(ind.value_text, ind, "value") if ind.value_text else None
        try:
            raw = kind.build(ind, Measure(ind.key) if measure is not None and kind.reads_other_units else measure)
        except (KeyError, TypeError, ExprError) as exc:
            raise SchemeError(ind._where() + _("cannot build the {kind} rule: {exc}").format(kind=kind.name, exc=exc)) \
                from None
        score: Expr = ROUND(raw, ind.digits)
        zero_guard = any_zero(measure) if measure is not None else None  # the denominators themselves = 0
        if zero_guard is not None:
            score = IF(zero_guard, ind.if_zero, score)
        for rule in reversed(ind.when):
            score = IF(self.when_condition(rule, ind), rule["score"], score)
        inputs = []
        for expr in ([measure] if measure is not None else []) + [score]:
            for key in expr.fields():
                if key != ind.key and key not in inputs:
                    inputs.append(key)
        return Compiled(ind, measure, score, inputs, zero_guard)

    def _check_order(self):
        """Indicators may read other indicators' scores; refuse cycles."""
        order = self.evaluation_order()
        if len(order) != len(self.indicators):
            stuck = [i.key for i in self.indicators if i.key not in order]
            raise SchemeError(_("{path}: indicators {stuck} refer to each other in a circle").format(
                                  path=self.path, stuck=stuck))

    def evaluation_order(self) -> list[str]:
        comp = self._compiled or {}
        deps = {k: [x for x in c.inputs if x in comp] for k, c in comp.items()}
        order: list[str] = []
        progress = True
        while progress:
            progress = False
            for key in comp:
                if key not in order and all(d in order for d in deps[key]):
                    order.append(key)
                    progress = True
        return order

    def stars_expr(self, total: Expr) -> Expr | None:
        """Stars from the total: each `per` points deducted cancels a star, or floor(total / per)."""
        st = self.stars
        if st is None:
            return None
        if st.mode == "deducted":
            count = Num(float(st.max_stars)) - INT(ROUND((Num(float(st.full)) - total) / Num(float(st.per)),
                                                         COMPARE_DIGITS))
        else:
            count = INT(ROUND(total / Num(float(st.per)), COMPARE_DIGITS))
        return MAX(0, MIN(float(st.max_stars), count))

    def grade_expr(self, total: Expr) -> Expr | None:
        """Grades by lower bounds, highest first: a total in a gap takes the band below."""
        if not self.grades:
            return None
        ranked = sorted(self.grades, key=lambda g: -(g.min if g.min is not None else float("-inf")))
        out: Expr = Text(ranked[-1].label)
        for g in reversed(ranked[:-1]):
            out = IF(total >= g.min, g.label, out)
        return out


# -- loading -----------------------------------------------------------------
_INDICATOR_KEYS = {"key", "name", "points", "kind", "value", "items", "when", "section", "rule", "digits",
                   "extra", "per_subunit", "unspecified", "if_zero", "value_unit", "notes", "parts"}


def _need(table: dict, key: str, where: str, typ=str):
    if key not in table:
        raise SchemeError(_("{where}: field {key!r} is missing").format(where=where, key=key))
    value = table[key]
    if typ is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, typ):
        raise SchemeError(_("{where}, field {key!r}: expected {name}, got {value!r}").format(
                              where=where, key=key, name=typ.__name__, value=value))
    return value


def _number(value, where: str, name: str):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SchemeError(_("{where}, field {name!r}: expected a number, got {value!r}").format(
                              where=where, name=name, value=value))
    return float(value)


MAX_SCHEME_BYTES = 2 * 2**20  # the largest built-in scheme is about 60 KB


def load_scheme(path: str | Path) -> Scheme:
    path = Path(path)
    try:
        if path.is_file() and path.stat().st_size > MAX_SCHEME_BYTES:
            raise SchemeError(_("{path}: {st_size:.1f} MiB; a scheme file is at most {max_scheme_bytes} MiB").format(
                                  path=path, st_size=path.stat().st_size / 2**20,
                                  max_scheme_bytes=MAX_SCHEME_BYTES // 2**20))
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))  # Notepad saves UTF-8 with a BOM
    except FileNotFoundError:
        raise SchemeError(_("{path}: no such scheme file").format(path=path)) from None
    except UnicodeDecodeError as exc:
        raise SchemeError(_("{path}: not UTF-8 text ({reason} at byte {start})").format(
                              path=path, reason=exc.reason, start=exc.start)) from None
    except tomllib.TOMLDecodeError as exc:
        raise SchemeError(_("{path}: not valid TOML: {exc}").format(path=path, exc=exc)) from None
    return scheme_from_dict(data, str(path))


def scheme_from_dict(data: dict, path: str = "<scheme>", points_unset_ok: bool = False) -> Scheme:
    try:
        check_document(data, path, points_unset_ok)
    except SchemeCheckError as exc:
        raise SchemeError(str(exc)) from None
    where = path
    sid = _need(data, "id", where)
    fields = []
    for i, f in enumerate(data.get("fields", [])):
        w = _("{path}: field #{n}").format(path=path, n=i + 1) + (
            f" {f.get('key')!r}" if isinstance(f, dict) and "key" in f else "")
        if not isinstance(f, dict):
            raise SchemeError(_("{w}: expected a table").format(w=w))
        ftype = f.get("type", "count")
        if ftype not in FIELD_TYPES:
            raise SchemeError(_("{w}, field 'type': expected one of {field_types}, got {ftype!r}").format(
                                  w=w, field_types=', '.join(FIELD_TYPES), ftype=ftype))
        unknown = set(f) - {"key", "label", "type", "unit", "min", "max", "choices", "level", "help"}
        if unknown:
            raise SchemeError(_("{w}: unknown setting(s) {unknown}").format(w=w, unknown=sorted(unknown)))
        fields.append(FieldSpec(key=_need(f, "key", w), label=_need(f, "label", w), type=ftype,
                                unit=f.get("unit", ""), min=f.get("min"), max=f.get("max"),
                                choices=list(f.get("choices", [])), level=f.get("level", "unit"),
                                help=f.get("help", "")))
    keys = [f.key for f in fields]
    dup = {k for k in keys if keys.count(k) > 1}
    if dup:
        raise SchemeError(_("{path}: field key(s) {dup} defined twice").format(path=path, dup=sorted(dup)))
    for reserved in (UNIT_KEY, SUBUNIT_KEY, TOTAL_KEY, "rank", "rank_dense", "grade", "stars"):
        if reserved in keys:
            raise SchemeError(_("{path}: field key {reserved!r} is reserved for an output column").format(
                                  path=path, reserved=reserved))
    sections = [Section(key=_need(s, "key", f"{path}: section"), name=_need(s, "name", f"{path}: section"),
                        points=s.get("points")) for s in data.get("sections", [])]
    indicators = []
    for i, t in enumerate(data.get("indicators", [])):
        w = _("{path}: indicator #{n}").format(path=path, n=i + 1) + (
            f" {t.get('key')!r}" if isinstance(t, dict) and "key" in t else "")
        if not isinstance(t, dict):
            raise SchemeError(_("{w}: expected a table").format(w=w))
        key = _need(t, "key", w)
        kind = _need(t, "kind", w)
        if kind not in kinds_mod.REGISTRY:
            raise SchemeError(_("{w}, field 'kind': unknown rule kind {kind!r}; known: {registry}").format(
                                  w=w, kind=kind, registry=', '.join(sorted(kinds_mod.REGISTRY))))
        rk = kinds_mod.REGISTRY[kind]
        param_names = {p.name for p in rk.params}
        unknown = set(t) - _INDICATOR_KEYS - param_names
        if unknown:
            raise SchemeError(_("{w}: unknown setting(s) {unknown} for kind {kind!r} (it takes {value})").format(
                                  w=w, unknown=sorted(unknown), kind=kind,
                                  value=sorted(param_names) or 'no parameters'))
        params = {p.name: t[p.name] for p in rk.params if p.name in t}
        for p in rk.params:
            if p.required and p.name not in t:
                raise SchemeError(_("{w}: field {name!r} is missing (kind {kind!r} needs it: {help})").format(
                                      w=w, name=p.name, kind=kind, help=p.help))
            if p.choices and p.name in params and params[p.name] not in p.choices:
                raise SchemeError(_("{w}, field {name!r}: expected one of {choices}, got {params!r}").format(
                                      w=w, name=p.name, choices=', '.join(p.choices), params=params[p.name]))
            if p.name in params and p.kind == "number" and params[p.name] is not None:
                v = params[p.name]
                if isinstance(v, dict):
                    if not p.by_case or "by" not in v:
                        raise SchemeError((_("{w}, field {name!r}: expected a number or {{by = field, case = number, …}}")
                                           if p.by_case else _("{w}, field {name!r}: expected a number")).format(
                                              w=w, name=p.name))
                    for ck, cv in v.items():
                        if ck != "by":
                            _number(cv, w, f"{p.name}.{ck}")
                else:
                    params[p.name] = _number(v, w, p.name)
        if "parts" in t:
            params["parts"] = t["parts"]
        if rk.needs_value and "value" not in t:
            raise SchemeError(_("{w}: field 'value' is missing (kind {kind!r} scores a measured value)").format(
                                  w=w, kind=kind))
        items = t.get("items", [])
        for j, item in enumerate(items):
            if not isinstance(item, dict) or not ({"field", "value"} & set(item)):
                raise SchemeError(_("{w}, items[{j}]: expected {{field = …, each = …}} or {{value = …, bands = …}}").format(
                                      w=w, j=j + 1))
        for j, rule in enumerate(t.get("when", [])):
            if not isinstance(rule, dict) or "if" not in rule or "score" not in rule:
                raise SchemeError(_("{w}, when[{j}]: expected {{if = condition, score = number, text = …}}").format(
                                      w=w, j=j + 1))
        points = _number(_need(t, "points", w, float), w, "points")
        indicators.append(Indicator(
            key=key, name=_need(t, "name", w), points=points, kind=kind, value_text=t.get("value"),
            params=params, items=items, when=list(t.get("when", [])), section=t.get("section"),
            rule=t.get("rule", ""), digits=int(t.get("digits", data.get("digits", 2))),
            extra=bool(t.get("extra", False)), per_subunit=bool(t.get("per_subunit", False)),
            unspecified=bool(t.get("unspecified", False)), if_zero=float(t.get("if_zero", 0)),
            value_unit=t.get("value_unit", ""), notes=list(t.get("notes", []))))
    ikeys = [i.key for i in indicators]
    dup = {k for k in ikeys if ikeys.count(k) > 1} | (set(ikeys) & set(keys))
    if dup:
        raise SchemeError(_("{path}: key(s) {dup} used twice (indicator and field keys must be unique)").format(
                              path=path, dup=sorted(dup)))
    section_keys = {s.key for s in sections}
    for ind in indicators:
        if ind.section and ind.section not in section_keys:
            raise SchemeError(_("{path}: indicator {key!r}, field 'section': no section {section!r}").format(
                                  path=path, key=ind.key, section=ind.section))
    grades = [Grade(label=_need(g, "label", f"{path}: grade"), min=g.get("min"), max=g.get("max"))
              for g in data.get("grades", [])]
    flags = [Flag(key=_need(f, "key", f"{path}: flag"), label=_need(f, "label", f"{path}: flag"),
                  condition=_need(f, "if", f"{path}: flag {f.get('key')!r}"), grade=f.get("grade"))
             for f in data.get("flags", [])]
    stars = Stars(**data["stars"]) if "stars" in data else None
    ballots = None
    if "ballots" in data:
        b = data["ballots"]
        if not isinstance(b.get("fields"), dict) or not b["fields"]:
            raise SchemeError(_("{path}: [ballots], field 'fields': expected {{ A = \"ballot_a\", … }}").format(
                                  path=path))
        for btype, key in b["fields"].items():
            if key not in keys:
                raise SchemeError(_("{path}: [ballots], field 'fields': ballot type {btype} fills {key!r}, which is "
                                     "not a field of the scheme").format(
                                      path=path, btype=btype, key=key))
        ballots = BallotConfig(fields=dict(b["fields"]), full_mark=float(b.get("full_mark", 100)))
    streak_rule = None
    if "streaks" in data:
        streak_rule = parse_streaks(data["streaks"], path)
    scheme = Scheme(
        id=sid, name=_need(data, "name", where), unit=_need(data, "unit", where), fields=fields,
        indicators=indicators, title=data.get("title", ""), source=data.get("source", ""),
        period=data.get("period", "monthly"), total_points=float(data.get("total_points", 100)),
        digits=int(data.get("digits", 2)), subunit=data.get("subunit"), sections=sections, grades=grades,
        flags=flags, stars=stars, ambiguities=list(data.get("ambiguities", [])),
        description=data.get("description", ""), ballots=ballots,
        bulletin=BulletinSettings.of(data.get("bulletin"), path), streaks=streak_rule, path=path)
    for ind in indicators:
        ind.scheme = scheme
        if ind.per_subunit and not scheme.subunit:
            raise SchemeError(ind._where("per_subunit") + _("the scheme names no subunit (subunit = \"网格\")"))
    for f in flags:
        try:
            check_numbers_only(parse(f.condition, lambda n: scheme.resolve(n)), scheme.text_keys, "")
        except (ExprError, SchemeCheckError) as exc:
            raise SchemeError(_("{path}: flag {key!r}, field 'if': {exc}").format(path=path, key=f.key, exc=exc)) from None
    scheme.compiled()  # fail now, with the indicator named, rather than at scoring time
    return scheme
