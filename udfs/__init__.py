"""gridxl's Excel worksheet functions (GRID_*), for xlwings.

The functions live in :mod:`udfs.gridxl_udfs`; point xlwings at that module
(``UDF Modules = udfs.gridxl_udfs``) or use the xlwings Lite bundle that
``gridxl addin`` writes.  See docs/addin.md.
"""
