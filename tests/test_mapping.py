"""`gridxl map` and `--map`: an export whose headers are not the scheme's labels, mapped once."""
from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from gridxl.authoring.mapping import apply_mapping, load_mapping, propose_mapping, read_headers
from gridxl.core import get_scheme
from gridxl.io.inputs import InputError

from .conftest import SAMPLES
from .tiers import slow

ROOT = Path(__file__).resolve().parent.parent

# How a platform might head the columns of seed 004's inputs: other words, units in brackets, a title row
# above, an extra column.  The truth is the left side.
YUSHUI_EXPORT = {
    "unit": "乡镇名称", "population": "常住人口数(人)", "events": "上报事项数量", "gw_total": "网格员人数",
    "gw_events": "网格员上报事件数", "gw_qualified": "完成20件网格员数", "centers_total": "综治中心总数",
    "centers_qualified": "完成25件综治中心数", "gw_hazard_qualified": "上报安全隐患网格员数",
    "village_centers_total": "村社区综治中心数", "village_disputes": "村社区矛盾纠纷上报数",
    "town_centers_total": "乡镇综治中心数(流转)", "town_flow_events": "流转类事项数", "new_events": "新增事项数",
    "overdue_events": "逾期事项数", "gw_patrol_qualified": "巡查达标网格员数", "special_total": "特殊人群总数",
    "special_visited": "非重复走访数",
}


def run(*args):
    return subprocess.run([sys.executable, "-m", "gridxl", *map(str, args)], capture_output=True, text=True, cwd=ROOT)


@pytest.fixture
def export(tmp_path):
    frame = pd.read_csv(SAMPLES / "yushui-2022.csv").rename(columns=YUSHUI_EXPORT)
    frame["备注"] = ""
    path = tmp_path / "平台导出.csv"
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def test_headers_found_under_a_title_row(tmp_path, export):
    titled = tmp_path / "titled.xlsx"
    with pd.ExcelWriter(titled, engine="openpyxl") as w:
        pd.read_csv(export).to_excel(w, index=False, startrow=2)
        w.sheets["Sheet1"]["A1"] = "2022年11月综治平台导出"
    headers = read_headers(titled)
    assert headers[0] == "乡镇名称" and headers[-1] == "备注" and len(headers) == 19


def test_proposal_maps_every_column_it_can_and_reports_the_rest(export):
    scheme = get_scheme("yushui-2022")
    p = propose_mapping(scheme, read_headers(export))
    truth = {v: k for k, v in YUSHUI_EXPORT.items()}
    wrong = {h: k for h, k in p.columns.items() if truth.get(h) != k}
    assert wrong == {}
    # 特殊人群总数 shares no words with 吸毒人员、肇事肇祸精神障碍患者总数: reported, not guessed
    assert p.unmapped_columns == ["特殊人群总数", "备注"]
    assert p.unmapped_fields == ["special_total"]
    assert len(p.columns) == 17


@slow
def test_map_then_score_equals_scoring_the_scheme_labelled_file(tmp_path, export):
    mapping = tmp_path / "mapping.toml"
    r = run("map", "yushui-2022", export, "-o", mapping, "--yes")
    assert r.returncode == 0, r.stderr
    assert "没有列的字段" in r.stdout and "special_total" in r.stdout and "备注" in r.stdout
    data = tomllib.loads(mapping.read_text(encoding="utf-8"))
    assert data["scheme"] == "yushui-2022" and data["columns"]["乡镇名称"] == "unit"
    # without the missing column the export cannot be scored: said in terms of the export, not a copy
    r = run("score", "yushui-2022", export, "--map", mapping, "-o", tmp_path / "s.csv")
    assert r.returncode == 2 and str(export) in r.stderr and "special_total" in r.stderr
    # the clerk adds the line the report asked for
    text = mapping.read_text(encoding="utf-8").replace('"乡镇名称" = "unit"',
                                                       '"乡镇名称" = "unit"\n"特殊人群总数" = "special_total"')
    mapping.write_text(text, encoding="utf-8")
    assert run("score", "yushui-2022", export, "--map", mapping, "-o", tmp_path / "mapped.csv").returncode == 0
    assert run("score", "yushui-2022", SAMPLES / "yushui-2022.csv", "-o", tmp_path / "plain.csv").returncode == 0
    assert (tmp_path / "mapped.csv").read_bytes() == (tmp_path / "plain.csv").read_bytes()
    # the same from an xlsx export, in a template and in a bulletin
    xlsx = tmp_path / "导出.xlsx"
    pd.read_csv(export).to_excel(xlsx, index=False, sheet_name="导出")
    assert run("score", "yushui-2022", xlsx, "--map", mapping, "-o", tmp_path / "x.csv").returncode == 0
    assert (tmp_path / "x.csv").read_bytes() == (tmp_path / "plain.csv").read_bytes()
    r = run("template", "yushui-2022", "--data", xlsx, "--map", mapping, "-o", tmp_path / "t.xlsx")
    assert r.returncode == 0 and "17 prefilled" in r.stderr, r.stderr
    r = run("bulletin", "yushui-2022", export, "--map", mapping, "-o", tmp_path / "b.docx")
    assert r.returncode == 0, r.stderr
    assert xlsx.exists() and export.exists()  # inputs untouched


def test_apply_mapping_renames_only_what_it_names():
    mapping = {"乡镇名称": "unit", "上报事项数量": "events"}
    assert apply_mapping(["乡镇名称", " 上报事项数量 ", "备注", None], mapping) == ["unit", "events", "备注", None]


def test_bad_mapping_files_are_named(tmp_path):
    scheme = get_scheme("yushui-2022")
    bad = tmp_path / "m.toml"
    bad.write_text('[columns]\n"人口" = "people"\n', encoding="utf-8")
    with pytest.raises(InputError, match="people"):
        load_mapping(bad, scheme)
    bad.write_text('columns = 3\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"\[columns\]"):
        load_mapping(bad, scheme)
    with pytest.raises(InputError, match="没有这个对照文件"):
        load_mapping(tmp_path / "none.toml", scheme)
    r = run("score", "yushui-2022", SAMPLES / "yushui-2022.csv", "--map", tmp_path / "none.toml", "-o",
            tmp_path / "s.csv")
    assert r.returncode == 2 and "none.toml" in r.stderr


def test_a_second_scheme(tmp_path):
    """xx-township: 18 fields, some nearly alike (four 媒体宣传稿件 levels, two 异常 columns)."""
    scheme = get_scheme("xx-township")
    renamed = {"unit": "村居", "key_group_completeness": "重点人群完整度", "volunteer_activities": "志愿活动次数",
               "patrol_hours": "日均巡查小时数", "village_events": "村级上报事件数", "grids": "网格数",
               "worker_events": "网格员上报事件数", "minsheng_events": "民生民安事件数", "cloud_disputes": "云平台纠纷数",
               "workers": "网格员数", "app_downloaded": "APP下载人数", "app_activities": "APP有效活动数",
               "app_events": "APP上报事件数", "anomalies_minor": "一般异常条数(0.2分)",
               "anomalies_major": "较重异常条数(0.3分)", "media_district": "区级稿件", "media_city": "市级稿件",
               "media_province": "省级稿件", "media_central": "中央级稿件"}
    p = propose_mapping(scheme, list(renamed.values()))
    truth = {v: k for k, v in renamed.items()}
    assert {h: k for h, k in p.columns.items() if truth[h] != k} == {}, p.text()  # nothing mapped wrongly
    assert len(p.columns) >= 16, p.text()
    # what it cannot tell is reported on both sides, for the clerk to add to mapping.toml
    assert set(p.unmapped_columns) == {h for h in renamed.values() if h not in p.columns}
    assert set(p.unmapped_fields) == {truth[h] for h in p.unmapped_columns}


def test_the_header_normaliser_renames_mapped_headers_only():
    from gridxl.io.inputs import header_normaliser, normalise_header
    norm = header_normaliser({"乡镇名称": "unit", "上报事项数量（件）": "events"})
    assert norm("乡镇名称") == "unit" and norm("上报事项数量(件)") == "events"  # full/half-width brackets alike
    assert norm("备注") == normalise_header("备注") and norm(None) == normalise_header(None)
    assert header_normaliser(None) is normalise_header


def test_a_bad_cell_of_a_mapped_xlsx_export_is_named_in_the_export_itself(tmp_path, export):
    """--map reads the export as it is (no renamed copy), so a message names the export's own sheet and cell."""
    from gridxl.authoring.mapping import read_mapped_table
    frame = pd.read_csv(export)
    frame["上报事项数量"] = frame["上报事项数量"].astype(object)
    frame.loc[2, "上报事项数量"] = "八十"
    xlsx = tmp_path / "导出.xlsx"
    frame.to_excel(xlsx, index=False, sheet_name="导出")
    col = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[list(frame.columns).index("上报事项数量")]
    mapping = tmp_path / "m.toml"
    mapping.write_text('scheme = "yushui-2022"\n[columns]\n' + "".join(
        f'"{h}" = "{k}"\n' for k, h in YUSHUI_EXPORT.items()), encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_mapped_table(mapping, xlsx, get_scheme("yushui-2022"))
    assert f"{xlsx}, sheet '导出', cell {col}4 (当月上报事项数, events): expected whole number >= 0, got '八十'" \
        in str(info.value)
