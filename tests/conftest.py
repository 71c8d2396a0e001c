import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SAMPLES = ROOT / "gridxl" / "samples"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def samples():
    return SAMPLES


@pytest.fixture
def data_dir():
    return DATA
