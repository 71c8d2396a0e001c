"""The built-in schemes (gridxl/schemes/*.toml) and user scheme files, by id or path."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .scheme import Scheme, SchemeError, load_scheme

SCHEME_DIR = Path(__file__).resolve().parent.parent / "schemes"


def builtin_paths() -> dict[str, Path]:
    out = {}
    for path in sorted(SCHEME_DIR.glob("*.toml")):
        out[path.stem] = path
    return out


@lru_cache(maxsize=64)
def _load(path: str, mtime: float) -> Scheme:
    return load_scheme(path)


def get_scheme(name: str) -> Scheme:
    """A built-in scheme by id (``yushui-2022``) or a scheme file by path."""
    builtins = builtin_paths()
    if name in builtins:
        path = builtins[name]
    else:
        path = Path(name)
        if not path.suffix == ".toml" or not path.exists():
            known = ", ".join(builtins) or "none"
            raise SchemeError(f"no scheme {name!r}: give a built-in id ({known}) or a .toml scheme file")
    return _load(str(path), path.stat().st_mtime)


def builtin_schemes() -> list[Scheme]:
    return [get_scheme(k) for k in builtin_paths()]
