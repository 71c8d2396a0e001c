import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The suite asserts gridxl's messages in English (the msgids): an English locale for this process and every
# gridxl it starts.  tests/test_i18n.py clears it to check that Chinese is the default.
import os as _os  # noqa: E402

_os.environ["LANGUAGE"] = "en"

SAMPLES = ROOT / "gridxl" / "samples"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def samples():
    return SAMPLES


@pytest.fixture
def data_dir():
    return DATA

# CI runs a fixed set of examples (derandomised) so a run is repeatable; locally hypothesis explores.
try:
    import os

    from hypothesis import settings as _hypothesis_settings

    _hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
    if os.environ.get("CI"):
        _hypothesis_settings.load_profile("ci")
except ImportError:  # pragma: no cover
    pass
