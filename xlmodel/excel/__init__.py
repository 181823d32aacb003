"""The Excel functions (=BALANSKRAV() and its siblings) as plain Python, below the shells.

``functions`` takes arguments shaped as Excel passes them (``arguments`` parses them, so a
message names the Excel argument), calls one rule of ``xlmodel.rules`` and returns what a
cell shows. ``udfs`` (the module xlwings imports) marks these very functions for Excel;
the workbook layer computes a workbook's function cells with them (``workbook.udf_cells``).
Nothing here imports xlwings, and importing it stays light (docs/excel.md).
"""

from __future__ import annotations


from collections.abc import Callable
from functools import lru_cache
from typing import Any

# Functions of the add-in that only Excel computes, with why: a workbook's cell that calls
# one is named in a note by ``xlmodel validera``, never passed silently.
EXCEL_ONLY: dict[str, str] = {
    "RAMTABELL": "RAMTABELL räknas bara i Excel; ramtabellen själv kontrolleras av xlmodels ramtabellsregler",
    "XLMODEL_FEL": "XLMODEL_FEL visar ett meddelande som bara finns i Excel medan arbetsboken är öppen",
}


@lru_cache(maxsize=1)
def by_name() -> dict[str, Callable[..., Any]]:
    """Every function of the add-in that is computed the same headless and in Excel, by
    its Excel name: what ``udfs`` gives xlwings and what the workbook layer calls for a
    workbook's function cells (``workbook.udf_cells``)."""
    from xlmodel.excel import followup
    from xlmodel.excel import functions as base

    return {name: getattr(m, name) for m in (base, followup) for name in m.__all__ if callable(getattr(m, name))}
