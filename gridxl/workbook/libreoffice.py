"""LibreOffice headless as the reference spreadsheet engine.

LibreOffice keeps the cached values of an xlsx unless told to recalculate on
load; the setting (``OOXMLRecalcMode`` = 0, "always") lives in the user
profile.  Every run here therefore uses a private, throw-away profile with
that setting, so it neither reads nor changes the user's own LibreOffice and
two runs at once do not share a profile lock.

``convert(files, outdir)`` recalculates several workbooks with one soffice
start (starting soffice costs about two seconds) and saves them as xlsx,
whose cached values are then what LibreOffice computed.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse">\
<value>false</value></prop></item>
</oor:items>
"""


class LibreOfficeError(RuntimeError):
    pass


def find_soffice() -> str | None:
    """The soffice executable ($GRIDXL_SOFFICE, then PATH, then the usual install places)."""
    env = os.environ.get("GRIDXL_SOFFICE")
    if env and Path(env).exists():
        return env
    for name in ("soffice", "libreoffice"):
        path = shutil.which(name)
        if path:
            return path
    for path in ("/usr/bin/soffice", "/usr/lib/libreoffice/program/soffice", "/opt/libreoffice/program/soffice",
                 "/Applications/LibreOffice.app/Contents/MacOS/soffice"):
        if Path(path).exists():
            return path
    return None


def make_profile(folder: Path) -> Path:
    """A LibreOffice user profile that recalculates every formula on load."""
    user = folder / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(PROFILE_SETTINGS, encoding="utf-8")
    return folder


def convert(files: list[str | Path], outdir: str | Path, to: str = "xlsx", timeout: float = 600.0) -> list[Path]:
    """Recalculate ``files`` in one soffice run and save them into ``outdir`` as ``to``; the outputs, in order.

    The inputs are never written to; outputs have the inputs' stems.
    """
    soffice = find_soffice()
    if soffice is None:
        raise LibreOfficeError("LibreOffice (soffice) is not installed; on Debian/Ubuntu: apt-get install -y "
                               "libreoffice-calc-nogui")
    files = [Path(f).resolve() for f in files]
    outdir = Path(outdir).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    stems = [f.stem for f in files]
    if len(set(stems)) != len(stems):
        raise LibreOfficeError("files converted together need different names")
    for f in files:
        if f.parent == outdir:
            raise LibreOfficeError(f"{f}: the output folder must differ from the input's folder")
    filt = {"xlsx": "xlsx:Calc Office Open XML", "ods": "ods", "pdf": "pdf"}.get(to, to)
    with tempfile.TemporaryDirectory(prefix="gridxl-lo-") as tmp:
        profile = make_profile(Path(tmp) / "profile")
        cmd = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--nologo",
               "--nodefault", "--nolockcheck", "--convert-to", filt, "--outdir", str(outdir)] + [str(f) for f in files]
        env = dict(os.environ, HOME=tmp)
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
        except subprocess.TimeoutExpired:
            raise LibreOfficeError(f"soffice did not finish within {timeout:.0f} s") from None
    ext = to.split(":")[0]
    outputs = [outdir / f"{s}.{ext}" for s in stems]
    missing = [str(p) for p in outputs if not p.exists()]
    if missing:
        raise LibreOfficeError(f"soffice wrote no {', '.join(missing)} (exit {proc.returncode}): "
                               f"{(proc.stderr or proc.stdout).strip()[:500]}")
    return outputs


def timed_convert(files, outdir, to="xlsx") -> float:
    """Seconds one soffice run takes to load, recalculate and save ``files``."""
    start = time.perf_counter()
    convert(files, outdir, to)
    return time.perf_counter() - start
