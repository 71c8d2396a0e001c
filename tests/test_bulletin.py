"""The monthly bulletin (通报) on the seed 004 data: the published table, the district figures, Word and PDF.

Expected values come from the published table (tests/data/seed004_published.csv) and from
summing the input CSV's columns here with Decimal arithmetic; the scoring core is only the
thing checked.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from decimal import ROUND_HALF_UP, Decimal

import docx
import pandas as pd
import pytest
from docx.oxml.ns import qn

from gridxl.cli import main
from gridxl.core import get_scheme, score_frame
from gridxl.core.excel_math import format_number
from gridxl.io.inputs import read_table

from .conftest import DATA, SAMPLES
from .tiers import slow

YUSHUI = SAMPLES / "yushui-2022.csv"
SCHEME = get_scheme("yushui-2022")
KEYS = [i.key for i in SCHEME.indicators]
# The points printed in the seed's table header: 事项总量（20） 网格员上报（5） …
POINTS = {"events_per_10k": 20, "gw_avg_events": 5, "gw_qualified_rate": 5, "centers_rate": 10, "hazard_rate": 10,
          "disputes_avg": 5, "flow_avg": 5, "timely_rate": 20, "patrol_rate": 10, "special_visit_rate": 10}


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "gridxl", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd)


def shown(value: Decimal, places: int) -> str:
    """Half away from zero to `places`, printed without trailing zeros (as the bulletin prints)."""
    q = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{q:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@pytest.fixture(scope="module")
def published():
    return pd.read_csv(DATA / "seed004_published.csv")


@pytest.fixture(scope="module")
def inputs():
    return pd.read_csv(YUSHUI)


@pytest.fixture(scope="module")
def bulletin_docx(tmp_path_factory):
    out = tmp_path_factory.mktemp("bulletin") / "通报.docx"
    r = run("bulletin", "yushui-2022", YUSHUI, "-o", out, "--xlsx", out.with_suffix(".xlsx"), "--period", "2022-11",
            "--issuer", "渝水区平安渝水建设领导小组办公室", "--date", "2022-12-01")
    assert r.returncode == 0, r.stderr
    return out


@pytest.fixture(scope="module")
def document(bulletin_docx):
    return docx.Document(str(bulletin_docx))


def paragraphs(document) -> list[str]:
    return [p.text for p in document.paragraphs]


def item(document, name: str) -> str:
    """The paragraph of one indicator: （三）达标网格员（5分）。…"""
    hits = [t for t in paragraphs(document) if re.match(rf"^（[一二三四五六七八九十]+）{name}（", t)]
    assert len(hits) == 1, name
    return hits[0]


def table_rows(document) -> list[list[str]]:
    assert len(document.tables) == 1
    return [[c.text.replace("\n", "") for c in row.cells] for row in document.tables[0].rows]


# -- the ranking table -------------------------------------------------------------------
def test_table_header_names_every_indicator_with_its_points(document):
    header = table_rows(document)[0]
    assert header[:2] == ["排名", "乡镇（街道）"] and header[-1] == "总分"
    names = [i.name for i in SCHEME.indicators]
    assert header[2:-1] == [f"{n}（{POINTS[k]}）" for n, k in zip(names, KEYS)]


def test_table_reproduces_the_published_ranking(document, published):
    rows = table_rows(document)[1:]
    assert [r[1] for r in rows] == published["unit"].tolist()  # the published order
    for row, (_, pub) in zip(rows, published.iterrows()):
        for j, key in enumerate(KEYS + ["total"], start=2):
            assert float(row[j]) == pub[key], (pub["unit"], key)
    totals = published["total"].tolist()
    competition = [1 + sum(t > x for t in totals) for x in totals]  # computed here, independently
    assert [int(r[0]) for r in rows] == competition
    ranks = dict(zip(published["unit"], [int(r[0]) for r in rows]))
    assert ranks["良山镇"] == 3 and ranks["罗坊镇"] == 4  # the seed prints 3: a typo
    assert ranks["界水乡"] == ranks["人和乡"] == 1


def test_every_table_cell_is_the_scoring_cores(document):
    table = score_frame(SCHEME, read_table(YUSHUI, SCHEME)).table.set_index("unit")
    for row in table_rows(document)[1:]:
        unit = row[1]
        assert row[0] == format_number(table.loc[unit, "rank"], 0)
        expected = [format_number(table.loc[unit, k], SCHEME.indicator(k).digits) for k in KEYS]
        assert row[2:-1] == expected
        assert row[-1] == format_number(table.loc[unit, "total"], SCHEME.digits)


# -- district figures: Σ numerator / Σ denominator of the inputs ------------------------------
# indicator: (denominator columns, numerator columns, how the district value is computed, how it is printed)
FIGURES = {
    "events_per_10k": (["population"], ["events"], lambda s: s["events"] / (s["population"] / 10000), "件/万人"),
    "gw_avg_events": (["gw_total"], ["gw_events"], lambda s: s["gw_events"] / s["gw_total"], "件/人"),
    "gw_qualified_rate": (["gw_total"], ["gw_qualified"], lambda s: s["gw_qualified"] / s["gw_total"], "%"),
    "centers_rate": (["centers_total"], ["centers_qualified"],
                     lambda s: s["centers_qualified"] / s["centers_total"], "%"),
    "hazard_rate": (["gw_total"], ["gw_hazard_qualified"], lambda s: s["gw_hazard_qualified"] / s["gw_total"], "%"),
    "disputes_avg": (["village_centers_total"], ["village_disputes"],
                     lambda s: s["village_disputes"] / s["village_centers_total"], "件"),
    "flow_avg": (["town_centers_total"], ["town_flow_events"],
                 lambda s: s["town_flow_events"] / s["town_centers_total"], "件/个"),
    "timely_rate": (["new_events"], ["overdue_events"],
                    lambda s: (s["new_events"] - s["overdue_events"]) / s["new_events"], "%"),
    "patrol_rate": (["gw_total"], ["gw_patrol_qualified"], lambda s: s["gw_patrol_qualified"] / s["gw_total"], "%"),
    "special_visit_rate": (["special_total"], ["special_visited"],
                           lambda s: s["special_visited"] / s["special_total"], "%"),
}


@pytest.mark.parametrize("key", list(FIGURES))
def test_district_figures_follow_from_the_inputs(document, inputs, key):
    den, num, value, unit = FIGURES[key]
    sums = {c: Decimal(int(inputs[c].sum())) for c in den + num}
    text = item(document, SCHEME.indicator(key).name)
    for col in den + num:
        spec = SCHEME.field(col)
        assert f"{spec.label}{sums[col]}{spec.unit}" in text, (key, col)
    v = value(sums)
    printed = f"{shown(v * 100, 1)}%" if unit == "%" else f"{shown(v, 1)}{unit}"
    assert printed in text, (key, printed, text)


def test_district_figures_the_seed_quotes(document, inputs):
    """The seed's body figures that the inputs reproduce (1372 网格员, 33071 件, 486 件/万人, 1028 人, 2.4 件)."""
    assert "网格员总数1372人" in item(document, "达标网格员")
    events = item(document, "事项总量")
    assert "当月上报事项数33071件" in events and "每万人上报事项数486件/万人" in events
    assert "吸毒人员、肇事肇祸精神障碍患者总数1028人" in item(document, "特殊人群走访")
    disputes = item(document, "矛盾纠纷")
    assert "村（社区）综治中心总数241个" in disputes and "上报矛盾纠纷事项数590件" in disputes and "2.4件" in disputes
    # The body's 1305 qualified workers (95.1%) and 1112 patrolling ones cannot come from the inputs that
    # reproduce the table: the inputs give 1277 (93.1%) and 1042, and so does the bulletin.
    assert inputs["gw_qualified"].sum() == 1277 and "完成20件的网格员数1277人" in item(document, "达标网格员")
    assert "93.1%" in item(document, "达标网格员") and "1305" not in "".join(paragraphs(document))


@pytest.mark.parametrize("key", KEYS)
def test_units_below_standard_are_those_scored_below_full_points(document, published, key):
    text = item(document, SCHEME.indicator(key).name)
    below = published[published[key] < POINTS[key]]
    if below.empty:
        assert "各乡镇（街道）该项均得满分" in text
        return
    m = re.search(r"未达标单位(\d+)个：(.*?)。", text)
    assert m, text
    listed = re.findall(r"([^、（]+)（([\d.]+)分）", m.group(2))
    assert int(m.group(1)) == len(below) == len(listed)
    assert {u: float(s) for u, s in listed} == dict(zip(below["unit"], below[key]))
    assert [float(s) for _, s in listed] == sorted(float(s) for _, s in listed)  # lowest score first


# the standards as the seed's 考核内容 states them (事项总量 100 件/万人, 网格员上报 20 件/人 …)
STANDARDS = {"events_per_10k": "100件/万人", "gw_avg_events": "20件/人", "disputes_avg": "1件", "flow_avg": "5件/个",
             "timely_rate": None}


@pytest.mark.parametrize("key", KEYS)
def test_every_number_in_an_indicator_paragraph_is_accounted_for(document, inputs, published, key):
    """Strike out each figure checked above; no digit may remain."""
    ind = SCHEME.indicator(key)
    text = item(document, ind.name)
    n = KEYS.index(key) + 1
    lead = f"（{'一二三四五六七八九十'[n - 1] if n < 10 else '十'}）{ind.name}（{POINTS[key]}分）。"
    assert text.startswith(lead)
    rest = text[len(lead):]
    den, num, value, unit = FIGURES[key]
    sums = {c: Decimal(int(inputs[c].sum())) for c in den + num}
    for col in den + num:
        spec = SCHEME.field(col)
        rest = rest.replace(f"{spec.label}{sums[col]}{spec.unit}", "", 1)
    v = value(sums)
    rest = rest.replace(f"{shown(v * 100, 1)}%" if unit == "%" else f"{shown(v, 1)}{unit}", "", 1)
    standard = STANDARDS.get(key, "100%")
    if standard:
        rest = rest.replace(f"（标准{standard}）", "", 1)
    below = published[published[key] < POINTS[key]]
    rest = rest.replace(f"未达标单位{len(below)}个", "", 1)
    for unit_name, score in zip(below["unit"], below[key]):
        rest = rest.replace(f"{unit_name}（{format_number(score)}分）", "", 1)
    assert not re.search(r"\d", rest), rest


def test_bulletin_states_its_definition_of_below_standard(document):
    assert any("“未达标单位”，指该项得分低于该项满分的单位" in t for t in paragraphs(document))
    # the seed lists 罗坊镇 among units below standard on 达标网格员; its table gives it full marks
    assert "罗坊镇" not in item(document, "达标网格员")


def test_summary_figures(document, published):
    text = next(t for t in paragraphs(document) if t.startswith("本期参加考核"))
    totals = [Decimal(str(t)) for t in published["total"]]
    mean = shown(sum(totals) / len(totals), 2)
    assert f"共{len(totals)}个，平均得分{mean}分" in text
    assert "最高界水乡100分，最低通洲办74.25分" in text
    assert "得满分（100分）的单位2个：界水乡、人和乡" in text
    assert "总分排名后两位的单位：通洲办（74.25分）、仙来办（81.14分）" in text


def test_title_issuer_and_date(document):
    texts = paragraphs(document)
    assert texts[0] == "渝水区平安渝水建设领导小组办公室"
    assert texts[1] == "关于2022年11月渝水区综治信息平台运行情况考核结果的通报"
    assert texts[2] == "各乡镇（街道、办事处）综治中心，区平安渝水建设领导小组各成员单位："  # seed 004's 主送
    assert "2022年12月1日" in texts


def test_chart_picture_is_in_the_document(bulletin_docx):
    with zipfile.ZipFile(bulletin_docx) as z:
        pictures = [n for n in z.namelist() if n.startswith("word/media/")]
        assert len(pictures) == 1 and z.read(pictures[0])[:8] == b"\x89PNG\r\n\x1a\n"


# -- Chinese fonts for Word, WPS and LibreOffice ---------------------------------------------
def test_east_asian_fonts_are_explicit(bulletin_docx, document):
    styles = document.styles.element
    rfonts = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr")).find(qn("w:rFonts"))
    assert rfonts.get(qn("w:eastAsia")) == "仿宋_GB2312" and rfonts.get(qn("w:eastAsiaTheme")) is None
    used = {p.style.name for p in document.paragraphs}
    for name in used:
        style = document.styles[name]
        while style is not None and (style.element.rPr is None or style.element.rPr.rFonts is None):
            style = style.base_style
        assert style is not None, name
        f = style.element.rPr.rFonts
        assert f.get(qn("w:eastAsia")) in ("仿宋_GB2312", "黑体", "宋体", "楷体_GB2312"), name
        assert f.get(qn("w:eastAsiaTheme")) is None, name
    with zipfile.ZipFile(bulletin_docx) as z:
        fonts = z.read("word/fontTable.xml").decode("utf-8")
        styles_xml = z.read("word/styles.xml").decode("utf-8")
    assert re.search(r'w:name="仿宋_GB2312"><w:altName w:val="仿宋"/><w:charset w:val="86"/>', fonts)
    assert 'w:eastAsia="zh-CN"' in styles_xml


# -- LibreOffice: the .docx converts to PDF and the ranking table is on a rendered page -------------
@pytest.mark.libreoffice
@slow
@pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftotext")),
                    reason="needs LibreOffice (soffice) and poppler-utils (pdftotext)")
def test_docx_converts_to_pdf_with_the_table(bulletin_docx, published, tmp_path):
    profile = (tmp_path / "lo-profile").as_uri()  # a private profile: concurrent soffice runs do not collide
    r = subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                        "--outdir", str(tmp_path), str(bulletin_docx)], capture_output=True, text=True, timeout=180)
    pdf = tmp_path / (bulletin_docx.stem + ".pdf")
    assert r.returncode == 0 and pdf.exists(), r.stderr
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                             text=True).stdout).group(1))
    texts = [subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"],
                            capture_output=True, text=True).stdout for n in range(1, pages + 1)]
    with_table = [t for t in texts if "考核指标得分情况" in t and "总分" in t and "通洲办" in t and "74.25" in t]
    assert with_table, "no rendered page holds the ranking table"
    page = with_table[0]
    lines = {line.split()[1]: line.split() for line in page.splitlines()
             if len(line.split()) > 2 and line.split()[0].isdigit()}
    for _, pub in published.iterrows():
        assert pub["unit"] in lines, pub["unit"]
        assert lines[pub["unit"]][-1] == format_number(pub["total"]), pub["unit"]
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert "CJK" in fonts  # Chinese drawn with a real CJK font (Noto CJK here), not missing-glyph boxes


# -- the .xlsx: values and a native chart ----------------------------------------------------
def test_xlsx_has_the_table_and_a_native_bar_chart(bulletin_docx, published):
    import openpyxl
    path = bulletin_docx.with_suffix(".xlsx")
    ws = openpyxl.load_workbook(path)["排名"]
    header = [c.value for c in ws[2]]
    total_col = header.index("总分")
    rows = {r[1]: r for r in ws.iter_rows(min_row=3, max_row=19, values_only=True)}
    for _, pub in published.iterrows():
        assert rows[pub["unit"]][total_col] == pub["total"]
    with zipfile.ZipFile(path) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 1
        xml = z.read(charts[0]).decode("utf-8")
    assert re.search(r"<(c:)?barChart>", xml) and re.search(r'<(c:)?barDir val="col"/>', xml)
    assert "'排名'!$M$3:$M$19" in xml and "'排名'!$B$3:$B$19" in xml  # totals over unit names
    figures = openpyxl.load_workbook(path)["全区指标"]
    by_name = {r[1]: r for r in figures.iter_rows(min_row=2, values_only=True)}
    assert by_name["达标网格员"][5:8] == (1277, 1372, "93.1%")


# -- rank movement against the previous stored period ------------------------------------------
@slow  # a command started several times over
def test_rank_movement_against_the_previous_period(tmp_path, published):
    store = tmp_path / "results" / "yushui-2022"
    store.mkdir(parents=True)
    previous = {"界水乡": 3, "人和乡": 1, "通洲办": 15, "仙来办": 17, "良山镇": 3}  # 2022-10, typed here
    rows = [{"unit": u, "total": 90.0, "rank": r} for u, r in previous.items()]
    pd.DataFrame(rows).to_csv(store / "2022-10.csv", index=False)
    pd.DataFrame(rows).to_csv(store / "2022-08.csv", index=False)
    out = tmp_path / "b.docx"
    r = run("bulletin", "yushui-2022", YUSHUI, "-o", out, "--period", "2022-11", "--previous", tmp_path / "results")
    assert r.returncode == 0, r.stderr
    rows = table_rows(docx.Document(str(out)))
    assert rows[0][-1] == "名次变化"
    moved = {r[1]: r[-1] for r in rows[1:]}
    # now: 界水乡 1, 人和乡 1, 良山镇 3, 仙来办 16, 通洲办 17 (published, competition ranking)
    assert moved["界水乡"] == "↑2" and moved["人和乡"] == "–" and moved["良山镇"] == "–"
    assert moved["仙来办"] == "↑1" and moved["通洲办"] == "↓2" and moved["罗坊镇"] == "新"
    text = "".join(p.text for p in docx.Document(str(out)).paragraphs)
    assert "名次变化与2022年10月相比" in text


@slow  # a command started several times over
def test_store_then_history_reads_the_period(tmp_path, published):
    out = tmp_path / "b.docx"
    r = run("bulletin", "yushui-2022", YUSHUI, "-o", out, "--period", "2022-11", "--store", tmp_path / "r")
    assert r.returncode == 0, r.stderr
    stored = pd.read_csv(tmp_path / "r" / "yushui-2022" / "2022-11.csv", encoding="utf-8-sig").set_index("unit")
    assert stored.loc[published["unit"], "total"].tolist() == published["total"].tolist()
    again = run("bulletin", "yushui-2022", YUSHUI, "-o", tmp_path / "c.docx", "--period", "2022-11",
                "--store", tmp_path / "r")
    assert again.returncode == 2 and "already stored; pass --replace" in again.stderr
    assert not (tmp_path / "c.docx").exists()


# -- errors: one line, the file or option named, nothing written -------------------------------------
@pytest.mark.parametrize("extra,message", [
    (["-o", "b.txt"], "b.txt: the bulletin is a Word file; give a name ending in .docx"),
    (["-o", "b.docx", "--xlsx", "b.csv"], "--xlsx expects a name ending in .xlsx"),
    (["-o", "b.docx", "--previous", "r"], "--previous and --store need --period"),
    (["-o", "b.docx", "--period", "2022-13"], "--period '2022-13': expected a month as YYYY-MM"),
    (["-o", "b.docx", "--period", "../x"], "--period '../x': expected 2022-11"),
    (["-o", "b.docx", "--date", "12/01/2022"], "--date '12/01/2022': expected YYYY-MM-DD"),
])
def test_bulletin_user_errors(tmp_path, extra, message):
    r = run("bulletin", "yushui-2022", YUSHUI, *extra, cwd=tmp_path)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "b.docx").exists()


def test_bulletin_never_writes_over_its_input(tmp_path):
    src = tmp_path / "in.docx"
    src.write_bytes(b"not really")
    assert main(["bulletin", "yushui-2022", str(src), "-o", str(src)]) == 2
    assert src.read_bytes() == b"not really"
