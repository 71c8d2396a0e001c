"""gridxl's Excel worksheet functions (GRID_*), for xlwings.

The functions are :mod:`gridxl.addin`'s; :mod:`udfs.gridxl_udfs` registers them with xlwings.
Point xlwings at that module (``UDF Modules = udfs.gridxl_udfs``) or use the xlwings Lite
bundle that ``gridxl addin`` writes (``lite/``, generated).  See docs/addin.md.
"""
