"""The 通报 completes the form of seed 004: 主送, purpose, data source, 二、存在的问题 drafted from
the data, 三、工作要求, signature, date, 印发 line, page numbers, the draft notice out of the text.

The figures of 存在的问题 are recomputed here from the published table
(tests/data/seed004_published.csv) with Decimal arithmetic, not taken from gridxl.
"""
from __future__ import annotations

import math
import re
import subprocess
import sys
import zipfile
from decimal import ROUND_HALF_UP, Decimal

import docx
import pandas as pd
import pytest
from docx.oxml.ns import qn

from gridxl.core import get_scheme

from .conftest import DATA, SAMPLES
from .tiers import slow

YUSHUI = SAMPLES / "yushui-2022.csv"
SCHEME = get_scheme("yushui-2022")
KEYS = [i.key for i in SCHEME.indicators]
POINTS = {i.key: Decimal(str(i.points)) for i in SCHEME.indicators}
NAMES = {i.key: i.name for i in SCHEME.indicators}


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "gridxl", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd)


def shown(value: Decimal, places: int = 2) -> str:
    q = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{q:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@pytest.fixture(scope="module")
def published():
    frame = pd.read_csv(DATA / "seed004_published.csv", dtype=str)
    return [{k: (Decimal(v) if k != "unit" else v) for k, v in row.items()} for row in frame.to_dict("records")]


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    folder = tmp_path_factory.mktemp("form")
    req = folder / "要求.txt"
    req.write_text("一要加强平台应用，做到日调度、周通报。\n\n  二要提高网格员巡查率。\n", encoding="utf-8")
    out = folder / "通报.docx"
    r = run("bulletin", "yushui-2022", YUSHUI, "-o", out, "--period", "2022-11", "--date", "2022-12-01",
            "--requirements", req)
    assert r.returncode == 0, r.stderr
    plain = folder / "plain.docx"
    r = run("bulletin", "yushui-2022", YUSHUI, "-o", plain, "--period", "2022-11", "--date", "2022-12-01",
            "--to", "各乡镇（街道）：", "--source", "省社会治理平台", "--draft", "--issuer", "区综治中心")
    assert r.returncode == 0, r.stderr
    return out, plain


def texts(path) -> list[str]:
    return [p.text for p in docx.Document(str(path)).paragraphs]


def section(paras: list[str], head: str, until: str | None) -> list[str]:
    start = paras.index(head) + 1
    end = paras.index(until) if until else len(paras)
    return paras[start:end]


def test_addressee_purpose_and_source_from_the_scheme(made):
    paras = texts(made[0])
    assert paras[2] == "各乡镇（街道、办事处）综治中心，区平安渝水建设领导小组各成员单位："
    assert paras[3] == ("为深入推进我区综治信息平台实体化运行，切实发挥综治信息化指挥调度作用，"
                        "现将2022年11月考核情况通报如下：")
    assert "一、各项指标运行情况（数据来源于江西社会治理大数据平台）" in paras


def test_options_override_the_scheme(made):
    paras = texts(made[1])
    assert paras[0] == "区综治中心" and paras[2] == "各乡镇（街道）："
    assert "一、各项指标运行情况（数据来源于省社会治理平台）" in paras


@slow  # a command started several times over
def test_a_scheme_without_bulletin_settings_addresses_its_units(tmp_path):
    out = tmp_path / "b.docx"
    r = run("bulletin", "chengnan", SAMPLES / "chengnan.csv", "-o", out)
    assert r.returncode == 0, r.stderr
    paras = texts(out)
    unit = get_scheme("chengnan").unit
    assert paras[1] == f"各{unit}：" and paras[2].startswith("为推进") and paras[2].endswith("考核情况通报如下：")
    assert "一、各项指标运行情况" in paras
    assert "【发文机关】" in paras  # the signature is a marked gap, not a made-up office


def test_sections_in_the_seed_order(made):
    paras = texts(made[0])
    heads = [p for p in paras if re.match(r"^[一二三]、", p)]
    assert [h[:2] for h in heads] == ["一、", "二、", "三、"]
    assert heads[1] == "二、存在的问题" and heads[2] == "三、工作要求"
    assert paras.index("二、存在的问题") > next(i for i, p in enumerate(paras) if p.startswith("（十一）考核得分及排名"))


def test_problems_bottom_units_with_their_weakest_indicators(made, published):
    problems = section(texts(made[0]), "二、存在的问题", "三、工作要求")
    first = problems[0]
    assert first.startswith("一是个别单位总分偏低。")
    mean = sum(r["total"] for r in published) / len(published)
    mean_shown = shown(mean)
    bottom = sorted(published, key=lambda r: r["total"])[:2]
    assert bottom[0]["unit"] == "通洲办" and bottom[1]["unit"] == "仙来办"
    gaps = [shown(Decimal(shown(mean)) - r["total"]) for r in bottom]
    assert (f"通洲办（74.25分，第17名）、仙来办（81.14分，第16名）总分排名靠后，分别低于全区平均分（{mean_shown}分）"
            f"{gaps[0]}分、{gaps[1]}分。") in first
    for row in bottom:
        lost = sorted(((POINTS[k] - row[k], KEYS.index(k), k) for k in KEYS if row[k] < POINTS[k]),
                      key=lambda t: (-t[0], t[1]))[:3]
        expected = "、".join(f"{NAMES[k]}（得{shown(row[k])}分，满分{shown(POINTS[k])}分）" for _, _, k in lost)
        assert f"{row['unit']}失分主要在{expected}。" in first


def test_problems_indicators_most_units_fall_short_on(made, published):
    problems = section(texts(made[0]), "二、存在的问题", "三、工作要求")
    n = len(published)
    wide = []
    for k in KEYS:
        below = [r for r in published if r[k] < POINTS[k]]
        if len(below) >= max(2, math.ceil(n / 2)):
            wide.append((-len(below), KEYS.index(k), k, below))
    wide.sort(key=lambda t: (t[0], t[1]))
    assert [w[2] for w in wide] == ["patrol_rate", "timely_rate"]  # 15 and 10 of the 17 towns
    for ordinal, (_, _, k, below) in zip("二三", wide):
        para = next(p for p in problems if p.startswith(f"{ordinal}是{NAMES[k]}未达标面广。"))
        share = shown(Decimal(100 * len(below)) / n, 1)
        lowest = min(below, key=lambda r: r[k])
        assert f"{n}个单位中有{len(below)}个该项未得满分（占{share}%）" in para
        assert f"得分最低的是{lowest['unit']}（{shown(lowest[k])}分，满分{shown(POINTS[k])}分）" in para
    assert "全区网格员巡查达标率为75.9%，标准为100%。" in problems[1]  # 1042 / 1372 patrolling workers


def test_problems_units_short_on_several_indicators(made, published):
    problems = section(texts(made[0]), "二、存在的问题", "三、工作要求")
    least = max(3, math.ceil(len(KEYS) / 3))
    counts = [(r["unit"], sum(1 for k in KEYS if r[k] < POINTS[k])) for r in published]
    many = sorted([(u, c) for u, c in counts if c >= least], key=lambda t: -t[1])
    para = problems[-1]
    assert para.startswith("四是部分单位多项指标未达标。")
    assert f"{len(KEYS)}项指标中有{least}项及以上未得满分的单位{len(many)}个：" in para
    listed = re.findall(r"([^、：（]+)（(\d+)项）", para.split("：", 1)[1])
    assert [(u, int(c)) for u, c in listed] == many


def test_requirements_from_the_file_or_a_marked_placeholder(made):
    paras = texts(made[0])
    assert section(paras, "三、工作要求", None)[:2] == ["一要加强平台应用，做到日调度、周通报。", "二要提高网格员巡查率。"]
    plain = docx.Document(str(made[1]))
    gap = [p for p in plain.paragraphs if p.text.startswith("【请在此填写工作要求")]
    assert len(gap) == 1 and gap[0].runs[0].font.highlight_color is not None


def test_signature_date_and_imprint_line(made):
    document = docx.Document(str(made[0]))
    paras = [p.text for p in document.paragraphs]
    tail = [p for p in paras if p][-3:]
    assert tail == ["渝水区平安渝水建设领导小组办公室", "2022年12月1日", "渝水区平安渝水建设领导小组办公室\t2022年12月1日印发"]
    imprint = document.paragraphs[-1]
    borders = imprint._p.pPr.find(qn("w:pBdr"))
    assert borders is not None and {b.tag.split("}")[1] for b in borders} == {"top", "bottom"}


def test_page_numbers_in_the_footer(made):
    with zipfile.ZipFile(made[0]) as z:
        footers = [z.read(n).decode() for n in z.namelist() if re.match(r"word/footer\d*\.xml", n)]
    assert footers and any(re.search(r"<w:instrText[^>]*> PAGE </w:instrText>", f) for f in footers)


def test_the_draft_notice_is_never_body_text(made):
    for path in made:
        assert not any("初稿" in p or "gridxl" in p for p in texts(path))
    with zipfile.ZipFile(made[0]) as z:
        assert "word/comments.xml" not in z.namelist()
    with zipfile.ZipFile(made[1]) as z:  # --draft: a Word comment on the title
        comments = z.read("word/comments.xml").decode()
        document = z.read("word/document.xml").decode()
    assert "生成初稿" in comments and "commentRangeStart" in document


@pytest.mark.parametrize("content,message", [
    (b"", "the file is empty"),
    (b"\xff\xfe\x00\xd8\x00", "expected a text file"),
])
def test_requirements_file_errors(tmp_path, content, message):
    req = tmp_path / "r.txt"
    req.write_bytes(content)
    r = run("bulletin", "yushui-2022", YUSHUI, "-o", tmp_path / "b.docx", "--requirements", req)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "b.docx").exists()
    r = run("bulletin", "yushui-2022", YUSHUI, "-o", tmp_path / "b.docx", "--requirements", tmp_path / "missing.txt")
    assert r.returncode == 2 and "missing.txt: cannot read" in r.stderr


def test_bulletin_setting_errors(tmp_path):
    text = (SAMPLES.parent / "schemes" / "yushui-2022.toml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('source = "江西社会治理大数据平台"', "source = 3"), encoding="utf-8")
    r = run("lint", bad)
    assert r.returncode == 2 and "[bulletin], field 'source': expected text" in r.stderr
    bad.write_text(text.replace('source = "江西', 'sauce = "江西'), encoding="utf-8")
    r = run("lint", bad)
    assert r.returncode == 2 and "unknown setting(s) sauce" in r.stderr
