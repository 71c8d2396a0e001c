"""How close `gridxl draft` comes to the hand-written built-in schemes, from the seeds' own texts.

For each case the part of a seed that a built-in scheme encodes is drafted (through the command, as a
user runs it) and compared item by item with the built-in scheme:

* found       — a drafted indicator matches the built-in one (by name and rule text, rapidfuzz);
* points      — found, with the same points;
* exact       — found, same points, same rule kind and equivalent parameters (see `signature`);
* totals      — the share of the sample units (gridxl/samples/<id>.csv) whose total under the draft
                equals the built-in total, once the draft is fed the built-in's measured values
                (value, items and zero-out conditions in order) and its `entered` items the
                built-in scores.  Field names differ by nature (the draft invents them); this measures
                whether the drafted rules score the same.

    python3 benchmarks/bench_draft.py [--seeds DIR] [--verbose]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
if os.environ.get("GRIDXL_TEST_INSTALLED") != "1":  # scripts/test.sh runs this against the installed wheel
    sys.path.insert(0, str(ROOT))

from gridxl.core import get_scheme, score_frame  # noqa: E402
from gridxl.core.expr import Env  # noqa: E402
from gridxl.core.kinds import REGISTRY, band_amount  # noqa: E402
from gridxl.core.scheme import scheme_from_dict  # noqa: E402
from gridxl.io.inputs import read_table  # noqa: E402

# (built-in scheme, seed file prefix, text from, text to (excluded), extra lines appended)
CASES = [
    ("xx-township", "000", "一、考核内容和百分制考核的分值占比", "本办法自印发之日起施行", None),
    ("yushui-2022", "004", "考核内容\n", None, ("\t排名\n", "\t1\n\t界水乡")),
    ("chengnan", "002", None, None, None),
    ("gridworker-rewards", "003", "网格员考核奖惩制度一、考核分值基础分为100分", "\n网格员考核细则\n", None),
    ("gridworker-stars", "003", "社区网格员星级评定考评细则\n项目考评内容", "网格考核评分标准(试行)", None),
]
# Shown, not counted in the goal: text extracted from a PDF with the table's columns interleaved
# ("日常事件\n\n8 分 城市、 商业网格 每个网格上报日常事件以\n\n600 件为基数 …"), which the built-in scheme
# reconstructs by hand.
HARD = [
    ("dongying-2018", "001", "东营区镇街、商贸园网格化服务管理工作考核细则", "下载(注", None),
]


def seed_part(seeds: Path, prefix: str, start, end, extra) -> str:
    text = next(seeds.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")
    head = ""
    if extra:
        a = text.index(extra[0])
        head = text[a:text.index(extra[1], a)] + "\n\n"
    if start:
        i = text.index(start)
        text = text[i:]
    if end:
        text = text[:text.index(end)]
    return head + text


def draft(text: str, sid: str, tmp: Path) -> dict:
    src, out = tmp / f"{sid}.txt", tmp / f"{sid}.draft.toml"
    src.write_text(text, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "gridxl", "draft", str(src), "-o", str(out), "--id", sid + "-draft"],
                          cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"draft failed for {sid}: {proc.stderr}")
    return tomllib.loads(out.read_text(encoding="utf-8"))


# -- matching and equivalence ---------------------------------------------------------------------
def match(built: list[dict], drafted: list[dict]) -> dict[str, dict]:
    from rapidfuzz import fuzz

    from gridxl.authoring.items import norm
    pairs = []
    for i, b in enumerate(built):
        for j, d in enumerate(drafted):
            name = fuzz.partial_ratio(norm(b["name"]), norm(d["name"]))
            text = fuzz.partial_ratio(norm(b["name"]), norm(d.get("rule", "")))
            rule = fuzz.ratio(norm(b.get("rule", ""))[:200], norm(d.get("rule", ""))[:200])
            pairs.append((max(name, text) + 0.5 * rule - 2 * abs(i - j), i, j))
    out, used_b, used_d = {}, set(), set()
    for score, i, j in sorted(pairs, reverse=True):
        if i in used_b or j in used_d or score < 60:
            continue
        out[built[i]["key"]] = drafted[j]
        used_b.add(i)
        used_d.add(j)
    return out


PROBE = np.linspace(-0.05, 1.2, 251)


def _bands_signature(bands, scale):
    item = {"value": "x", "bands": bands, "scale": scale}

    class Probe:
        def item_value(self, _item):
            from gridxl.core.expr import Field
            return Field("x")
    expr = band_amount(Probe(), item)
    return tuple(np.round(np.asarray(expr.evaluate(Env({"x": PROBE / (1 if scale == 100 else 0.01)})), float), 6))


def signature(ind: dict) -> tuple:
    """What decides the score, apart from field names: kind, parameters with defaults, items, zero-outs."""
    kind = REGISTRY[ind["kind"]]
    params = []
    for p in kind.params:
        value = ind.get(p.name, p.default)
        if p.kind == "items":
            value = tuple((it.get("each", 1), it.get("cap"), _bands_signature(it["bands"], it.get("scale", 1))
                           if "bands" in it else None) for it in ind.get("items", []))
        elif p.kind == "bands":
            value = _bands_signature(ind["bands"], ind.get("scale", 1))
        elif p.kind == "parts":
            value = tuple(part["weight"] for part in ind.get("parts", []))
        elif p.name == "max_score" and value is None:
            value = ind["points"]
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            value = float(value)
        params.append((p.name, value))
    params = dict(params)
    if ind["kind"] == "steps" and params.get("floor", 0) == 0 and params.get("max_deduction") is not None \
            and params["max_deduction"] >= float(ind.get("points_at_base", ind["points"])):
        params["max_deduction"] = None  # never binding above a floor of 0
    if ind["kind"] == "deduction" and params.get("cap") is not None and params["cap"] >= ind["points"]:
        params["cap"] = None  # the points are the cap anyway
    if ind["kind"] == "scale":
        params.pop("scale", None)
    whens = tuple(sorted(float(w["score"]) for w in ind.get("when", [])))
    return (ind["kind"], float(ind["points"]), bool(ind.get("extra", False)), tuple(sorted(params.items(), key=str)),
            whens)


# -- totals -------------------------------------------------------------------------------------
def fed_totals(sid: str, built_data: dict, drafted: dict, pairs: dict[str, dict]) -> tuple[int, int]:
    scheme = get_scheme(sid)
    sample = ROOT / "gridxl" / "samples" / f"{sid}.csv"
    if not sample.exists() or scheme.subunit:
        return 0, 0
    frame = read_table(sample, scheme)
    result = score_frame(scheme, frame, measures=True)
    from gridxl.core.scoring import field_env
    env = Env(field_env(scheme, frame), {k: result.table[k].to_numpy(float) for k in scheme.compiled()})
    feed: dict[str, np.ndarray] = {"unit": frame["unit"].to_numpy(object)}
    fields, indicators = [], []
    by_draft = {d["key"]: b for b, d in pairs.items()}
    n = len(frame)
    for d in drafted["indicators"]:
        b = scheme.indicator(by_draft[d["key"]]) if d["key"] in by_draft else None
        ind = {k: v for k, v in d.items() if k not in ("value", "items", "when", "section", "notes", "rule")}
        if "value" in d:
            ind["value"] = f"m_{d['key']}"
            fields.append({"key": ind["value"], "label": ind["value"], "type": "number"})
            if b is not None and d["kind"] == "entered":
                feed[ind["value"]] = result.table[b.key].to_numpy(float)
            elif b is not None and b.key in result.measures:
                feed[ind["value"]] = np.asarray(result.measures[b.key], float)
            else:
                feed[ind["value"]] = np.zeros(n)
        if "items" in d:
            ind["items"] = []
            for j, it in enumerate(d["items"]):
                key = f"i_{d['key']}_{j}"
                fields.append({"key": key, "label": key, "type": "number"})
                ind["items"].append({**{k: v for k, v in it.items() if k not in ("field", "value")},
                                     ("value" if "bands" in it else "field"): key})
                if b is not None and j < len(b.items):
                    feed[key] = np.asarray(b.item_value(b.items[j]).evaluate(env), float) * np.ones(n)
                else:
                    feed[key] = np.zeros(n)
        if "when" in d:
            ind["when"] = []
            for j, w in enumerate(d["when"]):
                key = f"w_{d['key']}_{j}"
                fields.append({"key": key, "label": key, "type": "number"})
                ind["when"].append({"if": f"{key} = 1", "score": w["score"]})
                if b is not None and j < len(b.when):
                    feed[key] = np.asarray(scheme.parse_expr(b.when[j]["if"], b, "when").evaluate(env), float) * np.ones(n)
                else:
                    feed[key] = np.zeros(n)
        indicators.append(ind)
    data = {k: v for k, v in drafted.items() if k not in ("fields", "indicators", "sections", "grades", "flags")}
    data.update(fields=fields, indicators=indicators)
    evaluated = scheme_from_dict(data, "<bench>")
    got = score_frame(evaluated, pd.DataFrame(feed)).table["total"].to_numpy(float)
    want = result.table["total"].to_numpy(float)
    return int(np.sum(np.abs(got - want) < 1e-9)), n


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", default=str(ROOT.parent / "shared" / "seeds"))
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)
    seeds = Path(args.seeds)
    if not seeds.exists():
        seeds = Path("/work/shared/seeds")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for sid, prefix, start, end, extra in CASES + HARD:
            built = tomllib.loads((ROOT / "gridxl" / "schemes" / f"{sid}.toml").read_text(encoding="utf-8"))
            drafted = draft(seed_part(seeds, prefix, start, end, extra), sid, Path(tmp))
            pairs = match(built["indicators"], drafted["indicators"])
            found = points = exact = 0
            for b in built["indicators"]:
                d = pairs.get(b["key"])
                ok_points = d is not None and abs(float(d["points"]) - float(b["points"])) < 1e-9
                ok_exact = ok_points and signature(d) == signature(b)
                found += d is not None
                points += ok_points
                exact += ok_exact
                if args.verbose and not ok_exact:
                    print(f"  {sid}.{b['key']}: {'not found' if d is None else d['key']}")
                    if d is not None:
                        print(f"      built-in {signature(b)}\n      draft    {signature(d)}")
            same, units = fed_totals(sid, built, drafted, pairs)
            rows.append((sid, len(built["indicators"]), len(drafted["indicators"]), found, points, exact, same, units))
    hard = [r for r in rows if r[0] in {h[0] for h in HARD}]
    rows = [r for r in rows if r not in hard]
    print(f"{'scheme':20} {'items':>5} {'drafted':>7} {'found':>5} {'points':>6} {'exact':>5} {'totals equal':>12}")
    for sid, n, nd, f, p, e, s, u in rows:
        print(f"{sid:20} {n:5d} {nd:7d} {f:5d} {p:6d} {e:5d} {f'{s}/{u}':>12}")
    n = sum(r[1] for r in rows)
    f, p, e = (sum(r[k] for r in rows) for k in (3, 4, 5))
    s, u = sum(r[6] for r in rows), sum(r[7] for r in rows)
    print(f"{'all':20} {n:5d} {sum(r[2] for r in rows):7d} {f:5d} {p:6d} {e:5d} {f'{s}/{u}':>12}")
    print(f"items found {f / n:.0%}, with the right points {p / n:.0%}, exact (points, kind, parameters) {e / n:.0%}; "
          f"sample units with equal totals {s / u:.0%}" if u else "")
    for sid, n, nd, f, p, e, s, u in hard:
        print(f"not in the goal (text extracted from a PDF, table columns interleaved): {sid}: {n} items, "
              f"{nd} drafted, {f} found, {p} with the right points, {e} exact")
    return 0


if __name__ == "__main__":
    sys.exit(main())
