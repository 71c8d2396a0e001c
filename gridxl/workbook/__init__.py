"""The workbook layer: spreadsheets a clerk fills in and prints, as adapters over the scoring core.

* :mod:`.template`  — the template workbooks a clerk fills in (native formulas or GRID_* UDFs)
* :mod:`.cached_values` — reading cells from an xlsx package and writing computed values into it
* :mod:`.check`     — everything wrong with a filled template, by sheet and cell
* :mod:`.libreoffice` — LibreOffice headless as the reference engine (private profile per run)

Headless recalculation lives one layer down in :mod:`gridxl.engine`.  The scoring core
(:mod:`gridxl.core`) never imports this package, openpyxl or formulas.
"""
