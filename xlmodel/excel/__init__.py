"""The Excel functions (=BALANSKRAV() and its siblings) as plain Python, below the shells.

``functions`` takes arguments shaped as Excel passes them (``arguments`` parses them, so a
message names the Excel argument), calls one rule of ``xlmodel.rules`` and returns what a
cell shows. ``udfs`` (the module xlwings imports) marks these very functions for Excel;
the workbook layer computes a workbook's function cells with them (``workbook.udf_cells``).
Nothing here imports xlwings, and importing it stays light (docs/excel.md).
"""
