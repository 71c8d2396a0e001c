"""Progress bars: on a terminal for large work, silent when stderr is not a terminal."""
from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios

from .conftest import SAMPLES
from .tiers import slow


def _on_a_terminal(args, env=None):
    """Run gridxl with stderr on a pseudo-terminal; what the terminal showed."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # a terminal 120 wide
    proc = subprocess.Popen([sys.executable, "-m", "gridxl", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=slave, env={**os.environ, **(env or {})})
    os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    proc.wait()
    os.close(master)
    return proc.returncode, shown.decode("utf-8", "replace")


@slow  # a command started several times over
def test_a_large_template_shows_its_stages_on_a_terminal(tmp_path):
    code, shown = _on_a_terminal(["template", "yushui-2022", "-o", tmp_path / "t.xlsx", "--rows", "2000"])
    assert code == 0
    for stage in ("生成模板", "布局", "写入工作簿", "计算公式", "写入计算结果"):
        assert stage in shown, (stage, shown[-500:])


def test_a_small_template_on_a_terminal_stays_quiet(tmp_path):
    code, shown = _on_a_terminal(["template", "yushui-2022", "-o", tmp_path / "t.xlsx"])
    assert code == 0 and "生成模板" not in shown and "template yushui-2022" in shown


@slow  # a command started several times over
def test_no_bar_when_stderr_is_not_a_terminal(tmp_path):
    r = subprocess.run([sys.executable, "-m", "gridxl", "template", "yushui-2022", "-o", str(tmp_path / "t.xlsx"),
                        "--rows", "2000"], capture_output=True, text=True)
    assert r.returncode == 0 and "生成模板" not in r.stderr and "\r" not in r.stderr


@slow
def test_forced_bar_on_score_bulletin_recalc_and_check(tmp_path):
    force = {"GRIDXL_PROGRESS": "1"}
    code, shown = _on_a_terminal(["score", "yushui-2022", SAMPLES / "yushui-2022.csv", "-o", tmp_path / "s.csv"],
                                 force)
    assert code == 0 and "评分" in shown and "计分" in shown
    code, shown = _on_a_terminal(["bulletin", "yushui-2022", SAMPLES / "yushui-2022.csv", "-o", tmp_path / "b.docx",
                                  "--xlsx", tmp_path / "b.xlsx"], force)
    assert code == 0 and "写通报" in shown and "写表格" in shown
    template = tmp_path / "t.xlsx"
    assert _on_a_terminal(["template", "yushui-2022", "-o", template, "--data", SAMPLES / "yushui-2022.csv"])[0] == 0
    code, shown = _on_a_terminal(["recalc", template, "-o", tmp_path / "r.xlsx"], force)
    assert code == 0 and "重新计算" in shown
    code, shown = _on_a_terminal(["check", template], force)
    assert "检查工作簿" in shown
    code, shown = _on_a_terminal(["check", template], {"GRIDXL_PROGRESS": "0"})
    assert "检查工作簿" not in shown


def test_the_formulas_engine_bar_follows_the_switch(tmp_path):
    from gridxl.progress import formulas_bar
    import formulas.excel as fx
    before = fx.tqdm
    with formulas_bar(False):
        bar = fx.tqdm.tqdm(total=3)
        assert bar.disable
        bar.close()
    assert fx.tqdm is before
