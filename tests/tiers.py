"""The slow tier (tests/conftest.py leaves it out of a plain run; --all and CI=1 run it).

``slow`` marks a whole test: LibreOffice and Gnumeric runs, fuzzers, random-input sweeps, commands started
many times over.  ``sweep`` keeps a few cases of a long parametrisation in the default run and marks the
rest slow, so a plain run still exercises every test body and CI still runs every case.
"""
from __future__ import annotations

import pytest

slow = pytest.mark.slow

# seed 004 (units only, the README's demo) and seed 001 (grid rows averaged per town): between them every
# part of a template (录入, 网格录入, 评分, 汇总) and of the scoring core that the others use
REPRESENTATIVE = ("yushui-2022", "dongying-2018")


def _param(value, marks, id=None):
    if isinstance(value, tuple):  # several argnames: one tuple per case, as parametrize takes them
        return pytest.param(*value, marks=marks, id=id)
    return pytest.param(value, marks=marks, id=id)


def scheme_sweep(schemes):
    """Schemes (or scheme ids) for parametrize: the REPRESENTATIVE ones in the default run, the rest slow.
    Test ids stay the scheme ids."""
    out = []
    for scheme in schemes:
        sid = getattr(scheme, "id", scheme)
        out.append(_param(scheme, () if sid in REPRESENTATIVE else (slow,), id=sid))
    return out


def sweep(values, keep=2):
    """Values for parametrize: the first ``keep`` in the default run, the rest slow (ids as pytest makes them)."""
    return [_param(value, () if n < keep else (slow,)) for n, value in enumerate(values)]
