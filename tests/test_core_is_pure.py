"""The scoring core knows nothing of its adapters (it also runs in Pyodide / xlwings Lite)."""
import subprocess
import sys


def test_core_imports_no_spreadsheet_library():
    code = ("import sys, gridxl.core, gridxl.core.lint, gridxl.core.ballots; "
            "from gridxl.core import builtin_schemes, score_frame; builtin_schemes(); "
            "print(sorted(m for m in ('openpyxl', 'formulas', 'xlwings', 'docx', 'matplotlib', 'gridxl.i18n') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
