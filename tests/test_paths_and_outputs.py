"""Issue 10, points 3 and 7: no path leaves its folder; outputs survive signals, long names, read-only files."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pandas as pd
import pytest

from gridxl.core import builtin_paths
from gridxl.core.scheme import SchemeError, load_scheme
from gridxl.reports.history import ResultStore
from gridxl.io.inputs import InputError
from gridxl.io.outputs import OutputError, write_table

from .conftest import SAMPLES
from .tiers import slow, sweep

YUSHUI = SAMPLES / "yushui-2022.csv"


def gridxl(*args):
    run = subprocess.run([sys.executable, "-m", "gridxl", *map(str, args)], capture_output=True, text=True)
    assert "Traceback" not in run.stderr, run.stderr
    return run


@pytest.mark.parametrize("sid", ["../../escape", "a/b", "..", "a\\b", "CON", "x.y", " "])
def test_scheme_ids_cannot_name_a_path(tmp_path, sid):
    text = builtin_paths()["yushui-2022"].read_text(encoding="utf-8").replace('id = "yushui-2022"', f"id = {sid!r}")
    (tmp_path / "s.toml").write_text(text, encoding="utf-8")
    with pytest.raises(SchemeError, match="field 'id'.*letters, digits and -"):
        load_scheme(tmp_path / "s.toml")


@pytest.mark.parametrize("period", sweep(["../2022-11", "2022/11", "..", "nul", "2022-11.csv", "-x"]))
def test_periods_cannot_name_a_path(tmp_path, period):
    store = tmp_path / "store"
    run = gridxl("history", "yushui-2022", store, "--add", YUSHUI, "--period", period)
    assert run.returncode == 2 and "--period" in run.stderr
    run = gridxl("bulletin", "yushui-2022", YUSHUI, "-o", tmp_path / "b.docx", "--period", period, "--store", store)
    assert run.returncode == 2 and "--period" in run.stderr
    assert not store.exists() and list(tmp_path.iterdir()) == []


@slow
def test_store_that_is_a_file_is_a_clear_error(tmp_path):
    (tmp_path / "results").write_text("not a folder", encoding="utf-8")
    for args in (["history", "yushui-2022", tmp_path / "results"],
                 ["history", "yushui-2022", tmp_path / "results", "--add", YUSHUI, "--period", "2022-11"],
                 ["bulletin", "yushui-2022", YUSHUI, "-o", tmp_path / "b.docx", "--period", "2022-11",
                  "--store", tmp_path / "results"]):
        run = gridxl(*args)
        assert run.returncode == 2 and "is a file, expected the results folder" in run.stderr
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "yushui-2022").write_text("a file where the scheme's folder goes", encoding="utf-8")
    run = gridxl("history", "yushui-2022", tmp_path / "store", "--add", YUSHUI, "--period", "2022-11")
    assert run.returncode == 2 and "is a file, expected the results folder" in run.stderr


def test_a_period_file_linking_outside_the_store_is_refused(tmp_path):
    from gridxl.core import get_scheme
    store = ResultStore(tmp_path / "store", get_scheme("yushui-2022"))
    store.dir.mkdir(parents=True)
    (tmp_path / "elsewhere.csv").write_text("unit,total\n", encoding="utf-8")
    os.symlink(tmp_path / "elsewhere.csv", store.dir / "2022-11.csv")
    with pytest.raises(InputError, match="outside the results folder"):
        store.load("2022-11")


def test_sigterm_leaves_no_temporary_file(tmp_path):
    out = tmp_path / "scores.csv"
    out.write_text("previous results\n", encoding="utf-8")
    script = textwrap.dedent(f"""
        import time
        from gridxl.io.outputs import atomic_path
        with atomic_path({str(out)!r}) as tmp:
            tmp.write_text("half written", encoding="utf-8")
            print("writing", flush=True)
            time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing"
    assert len(list(tmp_path.iterdir())) == 2  # the output and its temporary file
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 128 + signal.SIGTERM
    assert [p.name for p in tmp_path.iterdir()] == ["scores.csv"]
    assert out.read_text(encoding="utf-8") == "previous results\n"


@slow
def test_sigterm_during_a_real_command(tmp_path):
    units = tmp_path / "units.txt"
    units.write_text("\n".join(f"单位{i}" for i in range(6000)), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "gridxl", "template", "yushui-2022", "-o", tmp_path / "t.xlsx",
                             "--units", units], stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and not any(p.name.startswith(".gx-") for p in tmp_path.iterdir()):
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) in (["units.txt"], ["t.xlsx", "units.txt"])


def test_long_but_legal_output_name(tmp_path):
    scores, template = "得" * 82 + ".xlsx", "模" * 82 + ".xlsx"  # 251 bytes: legal (at most 255), near the limit
    assert len(scores.encode()) == len(template.encode()) == 251
    run = gridxl("score", "yushui-2022", YUSHUI, "-o", tmp_path / scores)
    assert run.returncode == 0, run.stderr
    run = gridxl("template", "yushui-2022", "-o", tmp_path / template)
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([scores, template])


def test_read_only_output_is_not_replaced(tmp_path):
    out = tmp_path / "scores.csv"
    out.write_text("kept\n", encoding="utf-8")
    out.chmod(0o444)
    with pytest.raises(OutputError, match="read-only"):
        write_table(pd.DataFrame({"unit": ["a"], "total": [1.0]}), out)
    run = gridxl("score", "yushui-2022", YUSHUI, "-o", out)
    assert run.returncode == 2 and "already exists" in run.stderr  # an existing output needs --force …
    run = gridxl("score", "yushui-2022", YUSHUI, "-o", out, "--force")
    assert run.returncode == 2 and "read-only" in run.stderr  # … and even then a read-only file is kept
    assert out.read_text(encoding="utf-8") == "kept\n"
    assert [p.name for p in tmp_path.iterdir()] == ["scores.csv"]


@slow  # a command started several times over
def test_results_resaved_by_excel_as_gb18030_are_read(tmp_path):
    store = tmp_path / "store"
    assert gridxl("history", "yushui-2022", store, "--add", YUSHUI, "--period", "2022-11").returncode == 0
    stored = store / "yushui-2022" / "2022-11.csv"
    original = gridxl("history", "yushui-2022", store).stdout
    text = stored.read_text(encoding="utf-8-sig")
    stored.write_bytes(text.replace("\n", "\r\n").encode("gb18030"))  # Excel's 另存为 CSV: ANSI code page, CRLF
    assert not stored.read_bytes().startswith(b"\xef\xbb\xbf")
    run = gridxl("history", "yushui-2022", store)
    assert run.returncode == 0, run.stderr
    assert run.stdout == original and "罗坊镇" in run.stdout
