"""Results over many periods: a store of scored periods and the rules that read several of them.

The store is a folder the user names, one CSV per period per scheme::

    DIR/<scheme id>/<period>.csv      e.g. 结果/yushui-2022/2022-11.csv

each holding what ``gridxl score`` writes (unit, one column per indicator, total,
rank, rank_dense …).  At one file a month for a few dozen units a database
would add nothing; the files open in Excel and can be corrected by hand.

Period names: ``2022-11`` (a month), ``2022-Q3``, ``2022-H1``, ``2022``, or any
other name without dots or slashes (``2022-年终``, ``2022-群众满意度``) for the
assessments a composite weighs.

What is computed here (every number from stored totals, rounded with Excel's ROUND):

* :func:`streaks` — seed 000: units in the bottom 2 for 3 months running and
  below the average -> 约谈; 6 months running -> 一票否决 at year end.
* :func:`composite` — seed 003: weights over named periods (六角亭 半年 40% +
  年终 60%; 七星街 系统自评 30% + 社区街道考评 30% + 群众满意度 40%).
* :func:`period_averages` — quarterly and annual averages of monthly totals.
* :func:`rank_movement` — ↑ / ↓ / – between two periods.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from gridxl.core.excel_math import excel_round, format_number
from gridxl.core.scheme import UNIT_KEY, Scheme
from gridxl.core.scheme_checks import NAME as _NAME, check_name  # period names: the rule of scheme ids
from gridxl.core.scoring import competition_rank
from gridxl.io.inputs import InputError
from gridxl.io.outputs import FORMULA_STARTS, OutputError, atomic_path, write_table

# -- periods -------------------------------------------------------------------
from gridxl.io.periods import HALF as _HALF, MONTH as _MONTH, QUARTER as _QUARTER, YEAR as _YEAR  # noqa: E402
from gridxl.io.periods import check_period_form, form_of, normalise, period_text  # noqa: E402,F401  (period_text: re-exported)
from gridxl.i18n import _
from gridxl.io.sheet_text import check_texts, seal_text

PERIOD_FORMATS = "2022-11 (a month), 2022-Q3, 2022-H1, 2022 or 2022-年终"


def check_period(name: str, what: str = "--period", scheme: Scheme | None = None) -> str:
    """The period name if it can name a store file and is one of the period forms (the scheme's, when
    given: see :mod:`gridxl.io.periods`); an InputError naming ``what`` otherwise.

    The same character rule as scheme ids (:func:`gridxl.core.scheme_checks.check_name`): no path.
    """
    name = normalise(name)
    try:
        check_name(name, what)
    except ValueError:
        raise InputError(_("{what} {name!r}: expected {period_formats} (letters, digits, - only)").format(
                             what=what, name=name, period_formats=PERIOD_FORMATS)) from None
    return check_period_form(name, what, scheme)


def month_of(name: str) -> tuple[int, int] | None:
    m = _MONTH.match(name)
    return (int(m.group(1)), int(m.group(2))) if m else None


def period_sort_key(name: str):
    """Months, quarters, halves and years of one year in time order; other names after, by name."""
    for pattern, order, span in ((_MONTH, 0, 1), (_QUARTER, 1, 3), (_HALF, 2, 6), (_YEAR, 3, 12)):
        m = pattern.match(name)
        if m:
            year = int(m.group(1))
            number = int(m.group(2)) if pattern is not _YEAR else 1
            end = number * span  # the last month the period covers
            return (year, 0, end, order, name)
    m = re.match(r"^(\d{4})", name)
    return (int(m.group(1)) if m else 9999, 1, 0, 0, name)


# -- the store -------------------------------------------------------------------
class ResultStore:
    """Scored periods of one scheme in ``root/<scheme id>/<period>.csv``."""

    def __init__(self, root: str | Path, scheme: Scheme):
        self.root = Path(root)
        self.scheme = scheme
        self.dir = self.root / scheme.id

    def path(self, period: str) -> Path:
        self._check_folders()
        path = self.dir / f"{check_period(period)}.csv"
        if path.resolve().parent != self.dir.resolve():  # a symlinked period file pointing elsewhere
            raise InputError(_("{path}: points outside the results folder {dir}").format(path=path, dir=self.dir))
        return path

    def _check_folders(self):
        check_name(self.scheme.id, "scheme id", InputError)
        for folder in (self.root, self.dir):
            if folder.exists() and not folder.is_dir():
                raise InputError(_("{folder}: is a file, expected the results folder").format(folder=folder))

    def periods(self) -> list[str]:
        self._check_folders()
        if not self.dir.is_dir():
            return []
        names = [p.stem for p in self.dir.glob("*.csv")
                 if not p.name.startswith(".") and _NAME.match(p.stem) and form_of(p.stem)]
        return sorted(names, key=period_sort_key)

    def months(self) -> list[str]:
        return [p for p in self.periods() if month_of(p)]

    def previous(self, period: str) -> str | None:
        """The latest stored period before ``period`` of the same sort (a month before a month)."""
        key = period_sort_key(period)
        same = month_of(period) is not None
        earlier = [p for p in self.periods()
                   if period_sort_key(p) < key and (month_of(p) is not None) == same and p != period]
        return earlier[-1] if earlier else None

    def save(self, period: str, table: pd.DataFrame, replace: bool = False, inputs=()) -> Path:
        path = self.path(period)
        if path.exists() and not replace:
            raise OutputError(_("{path}: period {period} is already stored; pass --replace to replace it").format(
                                  path=path, period=period))
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(_("{dir}: cannot create the results folder ({strerror})").format(
                                  dir=self.dir, strerror=exc.strerror)) from None
        table = table.copy()
        for col in ("rank", "rank_dense", "stars"):
            if col in table:
                table[col] = table[col].astype("Int64")
        write_table(table, path, inputs=inputs)
        return path

    def load(self, period: str) -> pd.DataFrame:
        path = self.path(period)
        if not path.exists():
            known = ", ".join(self.periods()) or "none"
            raise InputError(_("{path}: period {period} is not in the store (stored: {known})").format(
                                 path=path, period=period, known=known))
        table = None
        for encoding in ("utf-8-sig", "gb18030"):  # gridxl writes UTF-8; Excel in China re-saves as GB18030
            try:
                table = pd.read_csv(path, encoding=encoding, dtype={UNIT_KEY: str}, keep_default_na=False,
                                    na_values=[""])
                break
            except UnicodeDecodeError:
                continue
            except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
                raise InputError(_("{path}: not a stored result table ({exc})").format(path=path, exc=exc)) from None
        if table is None:
            raise InputError(_("{path}: not a stored result table (neither UTF-8 nor GB18030 text)").format(
                                 path=path))
        missing = [c for c in (UNIT_KEY, "total") if c not in table.columns]
        if missing:
            raise InputError(_("{path}: missing column(s) {missing}; a stored period has the columns `gridxl "
                                "score` writes (unit, indicator keys, total, rank)").format(
                                 path=path, missing=', '.join(missing)))
        table[UNIT_KEY] = table[UNIT_KEY].map(_unguard)
        numeric = [c for c in [i.key for i in self.scheme.indicators] + ["total", "rank", "rank_dense"]
                   if c in table.columns]
        for col in numeric:
            values = pd.to_numeric(table[col], errors="coerce")
            bad = values.isna() & table[col].notna()
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0])
                raise InputError(_("{path}, line {row}, column {col}: expected a number, got {table!r}").format(
                                     path=path, row=row + 2, col=col, table=table[col].iloc[row]))
            table[col] = values.astype(float)
        dup = table[UNIT_KEY][table[UNIT_KEY].duplicated()].tolist()
        if dup:
            raise InputError(_("{path}: unit {dup!r} appears twice").format(path=path, dup=dup[0]))
        if "rank" not in table.columns:
            table["rank"] = competition_rank(table["total"].to_numpy(dtype=float))
        return table

    def totals(self, periods: list[str] | None = None, column: str = "total") -> pd.DataFrame:
        """Units (rows, in order of first appearance) by periods (columns); NaN where a unit is absent."""
        periods = self.periods() if periods is None else periods
        series = {p: self.load(p).set_index(UNIT_KEY)[column] for p in periods}
        units: list[str] = []
        for s in series.values():
            units.extend(u for u in s.index if u not in units)
        return pd.DataFrame({p: s.reindex(units) for p, s in series.items()}, index=pd.Index(units, name=UNIT_KEY))


def _unguard(value):
    """Undo the CSV formula guard of gridxl.io.outputs (a leading ' before = + - @)."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


# -- rank movement ----------------------------------------------------------------
UP, DOWN, SAME, NEW = "↑", "↓", "–", "新"


def rank_movement(current: pd.Series, previous: pd.Series | None) -> pd.Series:
    """Per unit: ↑2 (two places up), ↓1, – (same place), 新 (not in the previous period)."""
    out = {}
    for unit, rank in current.items():
        if previous is None or unit not in previous.index or pd.isna(previous[unit]) or pd.isna(rank):
            out[unit] = NEW if previous is not None else ""
            continue
        change = int(previous[unit]) - int(rank)
        out[unit] = f"{UP}{change}" if change > 0 else f"{DOWN}{-change}" if change < 0 else SAME
    return pd.Series(out, dtype=object)


# -- streaks (seed 000) -----------------------------------------------------------
@dataclass(frozen=True)
class StreakRule:
    """连续 N 个月排名后 2 位、且相关数据明显低于平均值.

    ``margin`` reads 明显低于平均值, which the seed leaves undefined: a month counts
    when the unit's total is below the month's average by more than ``margin``
    points (default 0: simply below the average), or, with ``relative``, by more
    than ``margin`` × the average (0.1 = 10%).
    """

    bottom: int = 2
    warn_months: int = 3  # 约谈
    veto_months: int = 6  # 年终一票否决
    margin: float = 0.0
    relative: bool = False

    def describe(self) -> str:
        if self.margin == 0:
            below = "低于当月平均分"
        elif self.relative:
            below = f"低于当月平均分的{format_number(100 - self.margin * 100, 4)}%"
        else:
            below = f"低于当月平均分{format_number(self.margin, 4)}分以上"
        return (f"排名后{self.bottom}位（同分并列）且总分{below}的月份计入；连续{self.warn_months}个月约谈，"
                f"连续{self.veto_months}个月年终一票否决；缺少一个月的数据即中断连续")


def scheme_streak_rule(scheme: Scheme, bottom: int | None = None, warn_months: int | None = None,
                       veto_months: int | None = None, margin: float | None = None,
                       relative: bool | None = None) -> StreakRule:
    """The scheme's own ``[streaks]`` rule (or the defaults), with any value the command line gives instead."""
    own = scheme.streaks
    base = StreakRule(own.bottom, own.warn_months, own.veto_months, own.margin, own.relative) if own else StreakRule()
    given = {"bottom": bottom, "warn_months": warn_months, "veto_months": veto_months, "margin": margin,
             "relative": relative}
    return replace(base, **{k: v for k, v in given.items() if v is not None})


def _consecutive(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return (a[0] * 12 + a[1]) + 1 == (b[0] * 12 + b[1])


def streaks(totals: pd.DataFrame, rule: StreakRule = StreakRule()) -> pd.DataFrame:
    """One row per unit and month: whether the month counts, the run of counting months, the status.

    ``totals``: units (index) by months (columns named 2022-01 …, in time order); NaN = no score.
    Bottom N: fewer than N units of that month have a strictly lower total (tied units share a place,
    so three units tied last are all in the bottom 2).  A month missing from the columns, or a unit
    without a score that month, breaks the run.
    """
    months = [c for c in totals.columns]
    for m in months:
        if month_of(str(m)) is None:
            raise InputError(_("streaks read months (YYYY-MM); {m!r} is not one").format(m=m))
    months = sorted(months, key=period_sort_key)
    runs = {u: 0 for u in totals.index}
    rows = []
    prev = None
    for m in months:
        ym = month_of(m)
        if prev is not None and not _consecutive(prev, ym):
            runs = {u: 0 for u in runs}
        prev = ym
        col = totals[m].to_numpy(dtype=float)
        present = np.isfinite(col)
        average = float(np.mean(col[present])) if present.any() else np.nan
        threshold = average * (1 - rule.margin) if rule.relative else average - rule.margin
        for unit, total in zip(totals.index, col):
            if not np.isfinite(total):
                runs[unit] = 0
                rows.append((unit, m, np.nan, average, False, False, False, 0, ""))
                continue
            lower = int(np.sum(col[present] < total))
            bottom = lower < rule.bottom
            below = bool(total < threshold)
            counts = bottom and below
            runs[unit] = runs[unit] + 1 if counts else 0
            run = runs[unit]
            status = "一票否决" if run >= rule.veto_months else "约谈" if run >= rule.warn_months else ""
            rows.append((unit, m, float(total), average, bottom, below, counts, run, status))
    return pd.DataFrame(rows, columns=[UNIT_KEY, "period", "total", "average", "bottom", "below_average",
                                       "counts", "run", "status"])


def year_end_vetoes(streak_rows: pd.DataFrame, rule: StreakRule = StreakRule()) -> dict[int, list[str]]:
    """Year -> units whose run reached ``veto_months`` in a month of that year (年终一票否决)."""
    out: dict[int, list[str]] = {}
    hit = streak_rows[streak_rows["run"] >= rule.veto_months]
    for unit, period in zip(hit[UNIT_KEY], hit["period"]):
        year = month_of(period)[0]
        units = out.setdefault(year, [])
        if unit not in units:
            units.append(unit)
    return out


def streak_events(streak_rows: pd.DataFrame, rule: StreakRule = StreakRule()) -> pd.DataFrame:
    """The months in which a unit's run reaches ``warn_months`` (约谈) or ``veto_months``."""
    mask = streak_rows["run"].isin([rule.warn_months, rule.veto_months])
    return streak_rows[mask].reset_index(drop=True)


# -- composites over periods (seed 003) ----------------------------------------------
def parse_weights(text: str, what: str = "--weights", scheme: Scheme | None = None) -> list[tuple[str, float]]:
    """``2022-H1=40%,2022-年终=60%`` -> [("2022-H1", 0.4), ("2022-年终", 0.6)]; weights must add up to 100%."""
    parts = [p.strip() for p in re.split(r"[,，;；]", text or "") if p.strip()]
    out: list[tuple[str, float]] = []
    for part in parts:
        if "=" not in part:
            raise InputError(_("{what} {part!r}: expected PERIOD=WEIGHT, e.g. 2022-H1=40%").format(
                                 what=what, part=part))
        name, raw = (s.strip() for s in part.split("=", 1))
        name = check_period(name, what, scheme)
        percent = raw.endswith("%")
        try:
            weight = float(raw.rstrip("%"))
        except ValueError:
            raise InputError(_("{what} {part!r}: the weight {raw!r} is not a number (40% or 0.4)").format(
                                 what=what, part=part, raw=raw)) from None
        weight = weight / 100 if percent else weight
        if not 0 < weight <= 1:
            raise InputError(_("{what} {part!r}: a weight is between 0 and 100% (40% or 0.4), got {raw}").format(
                                 what=what, part=part, raw=raw))
        if any(n == name for n, _ in out):
            raise InputError(_("{what}: period {name} is given twice").format(what=what, name=name))
        out.append((name, weight))
    if not out:
        raise InputError(_("{what}: expected PERIOD=WEIGHT pairs, e.g. 2022-H1=40%,2022-年终=60%").format(what=what))
    total = sum(w for _, w in out)
    if abs(total - 1) > 1e-9:
        raise InputError(_("{what}: the weights add up to {total}%, expected 100%").format(
                             what=what, total=format_number(total * 100, 6)))
    return out


def composite(totals: pd.DataFrame, weights: list[tuple[str, float]], digits: int = 2) -> pd.DataFrame:
    """Σ weight × total over the named periods, rounded like Excel's ROUND(…, digits).

    ``totals``: units by periods (see :meth:`ResultStore.totals`).  A unit missing from
    one of the periods gets no composite (NaN) rather than a silently smaller one.
    """
    missing = [p for p, _ in weights if p not in totals.columns]
    if missing:
        raise InputError(_("composite: period(s) {missing} not found (have: {columns})").format(
                             missing=', '.join(missing), columns=', '.join(totals.columns)))
    acc = np.zeros(len(totals))
    for period, weight in weights:  # left to right, as =0.4*B2+0.6*C2 adds
        acc = acc + weight * totals[period].to_numpy(dtype=float)
    out = totals[[p for p, _ in weights]].copy()
    out["composite"] = excel_round(acc, digits)
    out["rank"] = competition_rank(out["composite"].to_numpy())
    return out


# -- averages ----------------------------------------------------------------------
def period_averages(totals: pd.DataFrame, by: str = "quarter", digits: int = 2) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Averages of monthly totals per quarter (2022-Q1) or year (2022), and how many months each has.

    The average is over the months a unit has a score in; the second frame gives that count
    so an incomplete quarter shows as such.  A year's average is over its months, not over
    its quarters' averages.
    """
    if by not in ("quarter", "year"):
        raise ValueError(by)
    groups: dict[str, list[str]] = {}
    for m in sorted(totals.columns, key=period_sort_key):
        ym = month_of(str(m))
        if ym is None:
            continue
        name = f"{ym[0]}-Q{(ym[1] - 1) // 3 + 1}" if by == "quarter" else str(ym[0])
        groups.setdefault(name, []).append(m)
    means, counts = {}, {}
    for name, months in groups.items():
        block = totals[months].to_numpy(dtype=float)
        n = np.sum(np.isfinite(block), axis=1)
        acc = np.zeros(len(totals))
        for j in range(block.shape[1]):  # left to right, as AVERAGE adds
            acc = acc + np.where(np.isfinite(block[:, j]), block[:, j], 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = acc / n
        means[name] = excel_round(np.where(n > 0, mean, np.nan), digits)
        counts[name] = n
    index = totals.index
    return pd.DataFrame(means, index=index), pd.DataFrame(counts, index=index)


# -- the report of `gridxl history` ----------------------------------------------------------
class HistoryReport:
    """What `gridxl history` prints and writes, computed once."""

    def __init__(self, scheme, store, rule, weights):
        self.scheme, self.store, self.rule, self.weights = scheme, store, rule, weights
        self.periods = store.periods()
        self.months = store.months()
        self.totals = store.totals(self.months) if self.months else pd.DataFrame()
        self.ranks = store.totals(self.months, "rank") if self.months else pd.DataFrame()
        self.streaks = streaks(self.totals, rule) if self.months else None
        self.events = streak_events(self.streaks, rule) if self.months else None
        self.vetoes = year_end_vetoes(self.streaks, rule) if self.months else {}
        self.quarters = period_averages(self.totals, "quarter", scheme.digits) if self.months else None
        self.years = period_averages(self.totals, "year", scheme.digits) if self.months else None
        self.composite = None
        if weights:
            named = store.totals([p for p, _ in weights if p in self.periods])
            self.composite = composite(named, weights, scheme.digits)
        self.text = self._text()

    def movement(self) -> pd.DataFrame:
        """Units by months: ↑/↓/– against the month before (empty text for the first)."""
        out = {}
        for j, m in enumerate(self.months):
            prev = self.ranks[self.months[j - 1]] if j else None
            out[m] = rank_movement(self.ranks[m].dropna(), prev.dropna() if prev is not None else None)
        return pd.DataFrame(out).reindex(self.ranks.index).fillna("")

    def _text(self) -> str:
        s, lines = self.scheme, []
        lines.append(f"{s.name}（{s.id}）：{self.store.dir}，{len(self.periods)} 期"
                     + (f"：{self.periods[0]} … {self.periods[-1]}" if self.periods else ""))
        if not self.periods:
            lines.append(f"结果库中还没有成绩；用 gridxl history {s.id} DIR --add INPUT --period 2022-11 添加")
            return "\n".join(lines)
        if self.months:
            lines.append("")
            lines.append("连续排名后位（" + self.rule.describe() + "）：")
            if self.events.empty:
                lines.append("  无")
            for _row, r in self.events.iterrows():
                what = "年终一票否决" if r["run"] >= self.rule.veto_months else "约谈"
                lines.append(f"  {r['period']}  {r[UNIT_KEY]}  连续{int(r['run'])}个月 -> {what}")
            for year, units in sorted(self.vetoes.items()):
                lines.append(f"  {year}年年终一票否决：{'、'.join(units)}")
            last = self.months[-1]
            moves = self.movement()[last]
            lines.append("")
            versus = f"（与{period_text(self.months[-2])}相比）" if len(self.months) > 1 else ""
            lines.append(f"{period_text(last)}名次{versus}：")
            order = self.ranks[last].dropna().sort_values(kind="stable")
            for unit, rank in order.items():
                lines.append(f"  {int(rank):>3}  {unit}  {format_number(self.totals.loc[unit, last], s.digits)}"
                             f"  {moves[unit]}")
            for title, (means, counts) in (("季度平均", self.quarters), ("年度平均", self.years)):
                lines.append("")
                lines.append(f"{title}（月度总分平均）：")
                lines.append("  " + "\t".join([s.unit] + [str(c) for c in means.columns]))
                for unit in means.index:
                    cells = [format_number(means.loc[unit, c], s.digits)
                             + ("" if counts.loc[unit, c] == _months_in(c) else f"（{int(counts.loc[unit, c])}个月）")
                             for c in means.columns]
                    lines.append("  " + "\t".join([str(unit)] + cells))
        if self.composite is not None:
            lines.append("")
            lines.append("综合得分（" + "，".join(f"{p} {format_number(w * 100, 4)}%" for p, w in self.weights) + "）：")
            for unit, r in self.composite.sort_values("rank", kind="stable").iterrows():
                parts = "  ".join(format_number(r[p], s.digits) for p, _ in self.weights)
                comp = format_number(r["composite"], s.digits) if pd.notna(r["composite"]) else "缺期，未计算"
                rank = int(r["rank"]) if pd.notna(r["rank"]) else "-"
                lines.append(f"  {rank:>3}  {unit}  {parts}  -> {comp}")
        return "\n".join(lines)


def _months_in(name: str) -> int:
    return 3 if "-Q" in str(name) else 12


STREAK_LABELS = {"period": "月份", "total": "总分", "average": "当月平均分", "bottom": "后位",
                 "below_average": "低于平均", "counts": "计入", "run": "连续月数", "status": "处理"}
COMPOSITE_LABELS = {"composite": "综合得分", "rank": "名次"}


def write_history_xlsx(report: HistoryReport, path: str | Path, keys: bool = False) -> Path:
    """Totals, ranks with ↑/↓, streaks, averages, composite, and a line chart of totals per unit.

    Headers are the office's words (单位 name, 名次, 连续月数, 综合得分 …) as on the 评分 sheet;
    ``keys``: the machine keys instead (unit, rank, run, composite …), as the stored CSVs have them.
    """
    import openpyxl
    from openpyxl.chart import LineChart, Reference
    from openpyxl.styles import Font


    def sheet(wb, title, frame: pd.DataFrame, index_name: str):
        ws = wb.create_sheet(title)
        ws.cell(row=1, column=1, value=index_name).font = Font(bold=True)
        for j, c in enumerate(frame.columns, 2):
            ws.cell(row=1, column=j, value=str(c)).font = Font(bold=True)
        for i, (idx, row) in enumerate(frame.iterrows(), 2):
            c = ws.cell(row=i, column=1, value=str(idx))
            c.data_type = "s"
            for j, v in enumerate(row.tolist(), 2):
                if isinstance(v, str):
                    cell = ws.cell(row=i, column=j, value=v)
                    cell.data_type = "s"
                elif v is not None and pd.notna(v):
                    ws.cell(row=i, column=j, value=float(v))
        ws.column_dimensions["A"].width = 14
        ws.freeze_panes = "B2"
        return ws

    s = report.scheme
    unit = UNIT_KEY if keys else s.unit
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    if report.months:
        totals_ws = sheet(wb, "各期总分", report.totals, unit)
        ranks = report.ranks.copy()
        moves = report.movement()
        both = pd.DataFrame(index=ranks.index)
        for m in report.months:
            both[f"{m}_rank" if keys else f"{m} 名次"] = ranks[m]
            both[f"{m}_move" if keys else f"{m} 变化"] = moves[m]
        sheet(wb, "名次变化", both, unit)
        st = report.streaks.copy()
        flags = ("bottom", "below_average", "counts")
        for col in flags:
            st[col] = st[col].map({True: "是", False: ""})
        if not keys:
            st = st.rename(columns={UNIT_KEY: s.unit, **STREAK_LABELS})
        sheet(wb, "连续后位", st.set_index(unit), unit)
        for title, (means, counts) in (("季度平均", report.quarters), ("年度平均", report.years)):
            frame = means.copy()
            for c in counts.columns:
                frame[f"{c}_months" if keys else f"{c} 月数"] = counts[c]
            sheet(wb, title, frame, unit)
        charts = wb.create_sheet("趋势图")
        n_months = len(report.months)
        for k, name in enumerate(report.totals.index):
            row = 2 + k
            chart = LineChart()
            chart.title = f"{name} 月度总分"
            chart.y_axis.title = "总分"
            chart.x_axis.delete = False
            chart.y_axis.delete = False
            chart.legend = None
            chart.add_data(Reference(totals_ws, min_col=1, max_col=1 + n_months, min_row=row, max_row=row),
                           from_rows=True, titles_from_data=True)
            chart.set_categories(Reference(totals_ws, min_col=2, max_col=1 + n_months, min_row=1, max_row=1))
            for series in chart.series:
                series.smooth = False  # a month's total is a point, not a curve
                series.marker.symbol = "circle"
            chart.width, chart.height = 12, 6.5
            charts.add_chart(chart, f"{'AJ'[k % 2]}{1 + (k // 2) * 14}")
    if report.composite is not None:
        table = report.composite if keys else report.composite.rename(columns=COMPOSITE_LABELS)
        sheet(wb, "综合得分", table, unit)
    if not wb.worksheets:
        raise OutputError(_("{path}: nothing to write: the results folder has no months and no --weights "
                             "were given").format(path=path))
    check_texts([str(u) for u in report.totals.index], "unit name")
    seal_text(wb)  # no formulas here: unit names and period names are string cells
    with atomic_path(path) as out:
        wb.save(out)
    return Path(path)
