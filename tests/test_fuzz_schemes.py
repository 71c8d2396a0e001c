"""Issue 10, point 4: every built-in scheme file, mutated, through load, lint, score and template.

Each example changes a few settings of a real scheme file (a setting replaced by junk of another
type, out of range, a text with '=', an expression too long, a key removed, a list entry
duplicated or dropped), writes it as TOML (sometimes with a UTF-8 BOM) and runs what users run.
The only acceptable outcomes are a result or one of gridxl's clear errors — never a traceback.
A fixed budget (derandomised, a set number of examples) keeps CI time bounded.
"""
from __future__ import annotations

import copy
import math
import tomllib

import tomli_w
from hypothesis import HealthCheck, given, settings, strategies as st

from gridxl.core import builtin_paths
from gridxl.core.expr import ExprError
from gridxl.core.lint import lint
from gridxl.core.scheme import SchemeError, load_scheme
from gridxl.core.scoring import ScoringError, score_frame
from gridxl.workbook.template import TemplateError, build_template
from gridxl.io.inputs import InputError, read_scheme_inputs
from gridxl.io.outputs import OutputError
from gridxl.io.sheet_text import TextError

from .conftest import SAMPLES
from .tiers import slow

pytestmark = slow  # the slow tier: --all, CI=1


CLEAR_ERRORS = (SchemeError, ExprError, InputError, ScoringError, TemplateError, OutputError, TextError)
SOURCES = {sid: tomllib.loads(p.read_text(encoding="utf-8")) for sid, p in sorted(builtin_paths().items())}

junk = st.one_of(
    st.sampled_from(["", " ", "=HYPERLINK(\"x\")", "a = \"=\"", "+1", "@SUM(A1)", "min()", "if(1,2)", "round(1)",
                     "\"x\" + 1", "+".join(["1"] * 500), "(" * 300 + "1" + ")" * 300, "unit", "total", "rank",
                     "1abc", "a-b", "../x", "\x01", "不存在的字段", "min(1,2,3)", "abs(-1)", "not 1"]),
    st.sampled_from([0, -1, -0.5, 1e308, -1e308, math.inf, -math.inf, math.nan, 11, 10**6, 2.5, True, False]),
    st.lists(st.sampled_from([1, "a", 0.5]), max_size=3),
    st.dictionaries(st.sampled_from(["by", "a", "from", "deduct"]), st.sampled_from([1, "unit", "x"]), max_size=2),
    st.text(max_size=8),
    st.integers(-10**3, 10**3),
    st.floats(allow_nan=True, allow_infinity=True),
)


def _spots(data, prefix=()):
    """Every (container, key) of the document: where a mutation can land."""
    out = []
    items = data.items() if isinstance(data, dict) else enumerate(data)
    for k, v in items:
        out.append((data, k))
        if isinstance(v, (dict, list)):
            out.extend(_spots(v, prefix + (k,)))
    return out


def mutate(data, draw):
    data = copy.deepcopy(data)
    for _ in range(draw(st.integers(1, 4))):
        spots = _spots(data)
        container, key = spots[draw(st.integers(0, len(spots) - 1))]
        action = draw(st.sampled_from(["replace", "replace", "replace", "delete", "duplicate"]))
        if action == "replace":
            container[key] = draw(junk)
        elif action == "delete":
            del container[key]
        elif isinstance(container, list):
            container.append(copy.deepcopy(container[key]))
    return data


def write(data, path, bom: bool):
    try:
        text = tomli_w.dumps(data)
    except (TypeError, ValueError):  # a shape TOML cannot hold (a list of mixed tables): not a file anyone has
        return None
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path


def run_everything(path, sid, tmp, template: bool):
    scheme = load_scheme(path)
    for finding in lint(scheme):
        assert str(finding)
    sample = SAMPLES / f"{sid}.csv"
    grids = SAMPLES / f"{sid}-subunits.csv"
    frame, subunits = read_scheme_inputs(scheme, sample, grids if grids.exists() and scheme.subunit_fields() else None)
    table = score_frame(scheme, frame, subunits).table
    assert len(table) == len(frame)
    if template:
        build_template(scheme, tmp / "t.xlsx", units=[str(u) for u in frame["unit"]][:5])


@settings(max_examples=250, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(sid=st.sampled_from(sorted(SOURCES)), bom=st.booleans(), data=st.data())
def test_mutated_schemes_load_lint_and_score_or_fail_clearly(tmp_path_factory, sid, bom, data):
    mutated = mutate(SOURCES[sid], data.draw)
    tmp = tmp_path_factory.mktemp("scheme")
    path = write(mutated, tmp / "s.toml", bom)
    if path is None:
        return
    try:
        run_everything(path, sid, tmp, template=False)
    except CLEAR_ERRORS as exc:
        assert str(exc).strip() and "Traceback" not in str(exc)


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(sid=st.sampled_from(sorted(SOURCES)), data=st.data())
def test_mutated_schemes_make_templates_or_fail_clearly(tmp_path_factory, sid, data):
    mutated = mutate(SOURCES[sid], data.draw)
    tmp = tmp_path_factory.mktemp("scheme")
    path = write(mutated, tmp / "s.toml", False)
    if path is None:
        return
    try:
        run_everything(path, sid, tmp, template=True)
    except CLEAR_ERRORS as exc:
        assert str(exc).strip()


def test_bom_is_accepted(tmp_path):
    src = builtin_paths()["yushui-2022"].read_bytes()
    (tmp_path / "bom.toml").write_bytes(b"\xef\xbb\xbf" + src)
    assert load_scheme(tmp_path / "bom.toml").id == "yushui-2022"
