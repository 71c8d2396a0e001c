"""The published 2022-11 table of seed 004 (渝水区), reproduced from inputs through the core and the CLI."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from gridxl.core import get_scheme, score_frame
from gridxl.io.inputs import read_table

from .conftest import DATA, SAMPLES

SCHEME = get_scheme("yushui-2022")
KEYS = [i.key for i in SCHEME.indicators]


@pytest.fixture(scope="module")
def published():
    return pd.read_csv(DATA / "seed004_published.csv")


def expected_ranks(totals):
    """Competition ranking of the published totals, computed independently."""
    return [1 + sum(t > x for t in totals) for x in totals]


def test_published_ranks_have_one_typo(published):
    ranks = expected_ranks(published["total"].tolist())
    diff = [(u, p, r) for u, p, r in zip(published["unit"], published["published_rank"], ranks) if p != r]
    assert diff == [("罗坊镇", 3, 4)]


def test_published_totals_are_sums_of_rounded_scores(published):
    assert np.allclose(published[KEYS].sum(axis=1), published["total"], atol=1e-9)


def test_core_reproduces_the_published_table(published):
    frame = read_table(SAMPLES / "yushui-2022.csv", SCHEME)
    table = score_frame(SCHEME, frame).table.set_index("unit").loc[published["unit"]]
    for key in KEYS + ["total"]:
        assert table[key].tolist() == published[key].tolist(), key
    assert table["rank"].astype(int).tolist() == expected_ranks(published["total"].tolist())


def test_cli_score_reproduces_the_published_table(tmp_path, published):
    out = tmp_path / "scores.csv"
    run = subprocess.run([sys.executable, "-m", "gridxl", "score", "yushui-2022", str(SAMPLES / "yushui-2022.csv"),
                          "-o", str(out)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    table = pd.read_csv(out, encoding="utf-8-sig").set_index("unit").loc[published["unit"]]
    for key in KEYS + ["total"]:
        assert np.allclose(table[key], published[key].to_numpy(), atol=1e-9), key
    assert table["rank"].tolist() == expected_ranks(published["total"].tolist())
    assert table.loc["罗坊镇", "rank"] == 4 and table.loc["良山镇", "rank"] == 3
