"""The workbook layer: spreadsheets a clerk fills in and prints, as adapters over the scoring core.

* :mod:`.template`  — the template workbooks a clerk fills in (native formulas or GRID_* UDFs)
* :mod:`.export`    — the scores of a recalculated template (``recalc --export``)
* :mod:`.check`     — everything wrong with a filled template, by sheet and cell
* :mod:`.libreoffice` — LibreOffice headless as the reference engine (private profile per run)

Headless recalculation, and the xlsx package reader/writer (``gridxl.engine.cached_values``),
live one layer down in :mod:`gridxl.engine`, which never imports this package.  The scoring core
(:mod:`gridxl.core`) never imports this package, openpyxl or formulas.
"""
