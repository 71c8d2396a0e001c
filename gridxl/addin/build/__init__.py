"""Building the add-in's files: the xlwings Lite bundle (:mod:`.lite`), the classic xlwings starter
(:mod:`.classic`) and the demo workbook whose score cells call GRID_* (:mod:`.demo`).

A layer above the functions themselves (:mod:`gridxl.addin`): building files needs the writers and the
workbook layer, which the functions, evaluated in Excel or by the engine, must not.
"""
