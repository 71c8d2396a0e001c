"""Texts kept as pieces (gridxl.core.texts) say what plain Python strings say; written, they are those strings."""
from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridxl.core import texts as T
from gridxl.core.excel_math import format_number
from gridxl.io import text_columns
from gridxl.io.outputs import write_table

WORDS = st.sampled_from(["", "a", "=1+1", '"q"', "x,y", "多行\n文字", " ", "-", "分母为 0", "; "])


@st.composite
def text_trees(draw, n, depth=3):
    """(Texts, the same texts as a list of str) built by random cat / pick / join / numbers."""
    kind = draw(st.sampled_from(["word", "words", "number"] + (["cat", "pick", "join"] if depth else [])))
    if kind == "word":
        w = draw(WORDS)
        return w, [w] * n
    if kind == "words":
        ws = draw(st.lists(WORDS, min_size=n, max_size=n))
        return T.from_strings(ws), ws
    if kind == "number":
        x = np.asarray(draw(st.lists(st.one_of(st.floats(-1e6, 1e6), st.integers(-10**5, 10**5).map(float),
                                                 st.sampled_from([np.nan, 2.675, 0.125, -0.5, 1e13, 99.995])),
                                       min_size=n, max_size=n)), dtype=float)
        digits = draw(st.sampled_from([0, 2, 4]))
        return T.numbers(x, digits), [format_number(v, digits) for v in x.tolist()]
    parts = [draw(text_trees(n, depth - 1)) for _ in range(draw(st.integers(1, 3)))]
    if kind == "cat":
        return T.cat(*[p for p, _ in parts]), ["".join(row) for row in zip(*[ws for _, ws in parts])]
    if kind == "pick":
        mask = np.asarray(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
        (yes, ys), (no, ns) = parts[0], parts[-1]
        return T.pick(mask, yes, no), [y if m else v for m, y, v in zip(mask, ys, ns)]
    sep = draw(st.sampled_from(["; ", ", "]))
    return T.join_nonempty([p for p, _ in parts], sep, n), \
        [sep.join(w for w in row if w) for row in zip(*[ws for _, ws in parts])]


def _list(texts, n):
    return texts.tolist() if isinstance(texts, T.Texts) else [texts] * n


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_pieces_say_what_strings_say(data):
    n = data.draw(st.integers(1, 12))
    texts, expected = data.draw(text_trees(n))
    assert _list(texts, n) == expected
    if isinstance(texts, T.Texts):
        assert texts.empty().tolist() == [e == "" for e in expected]
        assert text_columns.ArrowTexts(texts).batch().to_pylist() == expected
        rows = np.asarray(data.draw(st.lists(st.integers(0, n - 1), max_size=n)), dtype=int)
        assert texts.take(rows).tolist() == [expected[i] for i in rows]


def test_combine_puts_each_branch_on_its_rows():
    branches = [(np.array([4, 0]), T.from_strings(["e", "a"])), (np.array([2]), "c"),
                (np.array([1, 3]), T.cat("n", T.numbers(np.array([1.5, -20.0]), 2)))]
    assert T.combine(6, branches).tolist() == ["a", "n1.5", "c", "n-20", "e", ""]


def test_large_columns_of_numbers_are_format_number():
    """The table path, the whole+decimals path, fewer decimals where they are all zero, blanks, halves."""
    rng = np.random.default_rng(9)
    n = 3000
    columns = [rng.integers(0, 10**4, n) / 10**4, rng.integers(-10**9, 10**9, n) / 10**4,
               rng.integers(0, 3000, n) * 100.0, rng.integers(0, 2000, n) / 100, rng.normal(0, 1e7, n),
               np.where(rng.random(n) < 0.3, np.nan, rng.integers(0, 10**6, n) / 8),
               rng.integers(0, 10**6, n) / 1000 + 0.0005]
    for x in columns:
        for digits in (0, 2, 4):
            assert T.numbers(x, digits).tolist() == [format_number(v, digits) for v in x.tolist()]


def _rows(path):
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


@pytest.mark.parametrize("rows", [0, 1, 7, 2500])
def test_csv_with_texts_is_the_csv_of_the_strings(tmp_path, monkeypatch, rows):
    """Batch by batch (a batch of 1000 rows here), the file is byte for byte the one of the joined strings."""
    monkeypatch.setattr(text_columns, "BATCH_ROWS", 1000)
    rng = np.random.default_rng(rows)
    units = [f"=单位{i}" if i % 5 == 0 else f"单位{i}" for i in range(rows)]
    frame = pd.DataFrame({"unit": units, "score": rng.integers(0, 100, rows) / 4})
    heads = T.from_strings([["=x", "+", "ok", '"q",', "行\n二"][i % 5] for i in range(rows)])
    texts = {"explain_a": T.cat("得分 ", T.numbers(frame["score"].to_numpy(), 2), " -> 1"),
             "explain_b": T.cat(heads, "|", T.numbers(rng.normal(0, 1e6, rows), 4))}
    write_table(frame, tmp_path / "pieces.csv", texts=texts)
    plain = frame.assign(**{k: t.tolist() for k, t in texts.items()})
    write_table(plain, tmp_path / "strings.csv")
    assert (tmp_path / "pieces.csv").read_bytes() == (tmp_path / "strings.csv").read_bytes()
    body = _rows(tmp_path / "pieces.csv")
    assert body[0] == ["unit", "score", "explain_a", "explain_b"] and len(body) == rows + 1
    if rows > 1:  # the formula guard: a leading ' on text that a spreadsheet would run
        assert body[1][0].startswith("'=") and body[1][3].startswith("'=x|")
        assert body[2][3].startswith("'+|")


def test_xlsx_with_texts(tmp_path):
    from openpyxl import load_workbook
    frame = pd.DataFrame({"unit": ["甲", "乙"], "score": [1.5, 20.0]})
    texts = {"explain_a": T.cat("得分 ", T.numbers(frame["score"].to_numpy(), 2))}
    write_table(frame, tmp_path / "out.xlsx", texts=texts)
    ws = load_workbook(tmp_path / "out.xlsx").active
    assert [[c.value for c in row] for row in ws.iter_rows()] == [
        ["unit", "score", "explain_a"], ["甲", 1.5, "得分 1.5"], ["乙", 20, "得分 20"]]
