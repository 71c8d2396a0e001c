"""The headless recalculation engine: a filled workbook's formulas evaluated without a spreadsheet
program (a vectorised column engine over the ``formulas`` parser, with ``formulas`` itself as fallback)."""
