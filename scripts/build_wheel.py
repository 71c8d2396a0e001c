"""Build gridxl's wheel from this checkout into DIR and print its path (scripts/test.sh installs it).

The build runs on a copy of the files git would commit (tracked, and new ones not ignored), so a stale
build/ folder or a local .venv never leaks into the wheel; without git the checkout is copied whole
minus what .gitignore names here.

    python scripts/build_wheel.py DIR
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNORED = (".git", ".venv", "build", "dist", "__pycache__", ".pytest_cache", ".hypothesis", "*.egg-info",
           "gridxl-demo*", "out")


def source_files() -> list[str] | None:
    try:
        run = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                             capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return [name for name in run.stdout.decode("utf-8").split("\0") if name and (ROOT / name).is_file()]


def copy_source(target: Path) -> None:
    files = source_files()
    if files is None:
        shutil.copytree(ROOT, target, ignore=shutil.ignore_patterns(*IGNORED), dirs_exist_ok=True)
        return
    for name in files:
        dest = target / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, dest)


def build_wheel(out_dir: str | Path) -> Path:
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("gridxl-*.whl"):  # the one left by the last run: never install that by mistake
        old.unlink()
    with tempfile.TemporaryDirectory(prefix="gridxl-wheel-") as tmp:
        source = Path(tmp) / "src"
        copy_source(source)
        subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--disable-pip-version-check", "--no-deps",
                        "-w", str(out_dir), str(source)], check=True)
    wheels = sorted(out_dir.glob("gridxl-*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"expected one gridxl wheel in {out_dir}, found {[w.name for w in wheels]}")
    return wheels[0]


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__.strip().splitlines()[-1].strip())
    print(build_wheel(sys.argv[1]))
