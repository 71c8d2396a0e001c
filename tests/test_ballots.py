"""民主评议: void ballots, per-type averages, weights, and the 评选树优 flag (hand-computed)."""
from __future__ import annotations

import subprocess
import sys

import pandas as pd

from gridxl.core import get_scheme, score_frame
from gridxl.core.ballots import BallotConfig, merge_into, tally

from .conftest import SAMPLES

CONFIG = BallotConfig(fields={"A": "ballot_a", "B": "ballot_b", "C": "ballot_c"}, full_mark=100)


def marks(rows):
    return pd.DataFrame(rows, columns=["ballot", "type", "unit", "mark"])


def test_a_ballot_of_all_full_marks_is_void():
    m = marks([("b1", "C", "甲", 100), ("b1", "C", "乙", 100),   # void: everyone full
               ("b2", "C", "甲", 100), ("b2", "C", "乙", 90),    # counted: not all full
               ("b3", "A", "甲", 80), ("b3", "A", "乙", 70), ("b4", "B", "甲", 60), ("b4", "B", "乙", 100)])
    t = tally(CONFIG, m)
    assert t.void == ["b1"]
    table = t.table.set_index("unit")
    assert table.loc["甲", "ballot_c"] == 100 and table.loc["乙", "ballot_c"] == 90
    assert t.counted == {"A": 1, "B": 1, "C": 1}


def test_a_single_person_ballot_with_full_marks_is_void_too():
    t = tally(CONFIG, marks([("x", "A", "甲", 100), ("y", "A", "甲", 80)]))
    assert t.void == ["x"] and t.table.loc[0, "ballot_a"] == 80


def test_sample_scores_by_hand():
    scheme = get_scheme("minzhu-pingyi")
    persons = pd.read_csv(SAMPLES / "minzhu-pingyi.csv")
    ballots = pd.read_csv(SAMPLES / "minzhu-pingyi-ballots.csv")
    t = tally(scheme.ballots, ballots)
    assert t.void == ["C3"]
    table = score_frame(scheme, merge_into(persons, t)).table.set_index("unit")
    # 张敏: A 92; B (90+94)/2 = 92; C (88+91)/2 = 89.5 (C3 void)
    # 0.2×92 + 0.15×92 + 0.15×89.5 = 18.4 + 13.8 + 13.425 = 45.625 -> 45.63; + 46 = 91.63
    assert table.loc["张敏", "democratic"] == 45.63 and table.loc["张敏", "total"] == 91.63
    # 赵磊: A 80; B (78+76)/2 = 77; C (82+80)/2 = 81: 16 + 11.55 + 12.15 = 39.7; falsified -> flag
    assert table.loc["赵磊", "democratic"] == 39.7 and table.loc["赵磊", "no_honours"] == "取消评选树优资格"
    # 李强: 3 reporting failures running -> flag; 王芳: 1 -> none
    assert table.loc["李强", "no_honours"] == "取消评选树优资格" and table.loc["王芳", "no_honours"] == ""


def test_cli_with_ballots(tmp_path):
    out = tmp_path / "mz.csv"
    r = subprocess.run([sys.executable, "-m", "gridxl", "score", "minzhu-pingyi", str(SAMPLES / "minzhu-pingyi.csv"),
                        "--ballots", str(SAMPLES / "minzhu-pingyi-ballots.csv"), "-o", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "void ballots (every mark full): C3" in r.stderr
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert table["unit"].tolist() == ["张敏", "李强", "王芳", "赵磊", "刘洋"]
    assert table.set_index("unit").loc["刘洋", "rank"] == 1


def test_bad_ballot_cells_are_named(tmp_path):
    src = tmp_path / "b.csv"
    src.write_text("ballot,type,unit,mark\nb1,A,甲,90\nb1,D,乙,abc\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "gridxl", "score", "minzhu-pingyi", str(SAMPLES / "minzhu-pingyi.csv"),
                        "--ballots", str(src), "-o", str(tmp_path / "o.csv")], capture_output=True, text=True)
    assert r.returncode == 2
    assert "line 3, column 2: expected a ballot type A/B/C, got 'D'" in r.stderr
    assert "line 3, column 4: expected a mark from 0 to 100, got 'abc'" in r.stderr
