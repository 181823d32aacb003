"""Output sheets found by their header shape when neither their name nor a defined name does.

The frame table (Ramtabell) and the chart data (Diagram) hold no Excel Table: a built
workbook finds them by their defined names (``block_names``: ``xlmodel_Ramtabell``,
``xlmodel_Diagram_Ramar``), an older one by the layout's sheet name. A workbook that has
neither - an older built book whose sheet the controller renamed, or one saved by a
program that dropped the names - is found here by the part's signature: the header row
the part writes at its layout's place (the frame table's eight column headers from A4,
the chart data's "Nämnd … Förändring, %" and "År" from A4 and F4).

Only a sheet that is the one candidate is taken (two sheets with the header: none, and the
job's message says what to do). Reading the header row streams one row of each sheet
(``cells_in_rows``), so a large workbook is not held for it. The answer is kept in the
CellSource's memo.
"""

from __future__ import annotations

from typing import Any

from xlmodel.workbook import layout as L
from xlmodel.xlsx.refs import column_index_from_string, coordinate_from_string

FRAMETABLE = "frametable"
CHARTS = "charts"


def _norm(value: Any) -> str:
    return " ".join(str(value or "").split()).casefold()


def _frametable_probe() -> tuple[int, list[tuple[int, str, bool]]]:
    """(header row, [(column, header text, whether only its start before a year must match)])."""
    b = L.FRAMETABLE_BLOCK
    c0 = column_index_from_string(coordinate_from_string(b.top_left)[0])
    out = []
    for i, col in enumerate(b.columns):
        text, brace, _rest = col.header.partition("{")
        out.append((c0 + i, _norm(text), bool(brace)))
    return b.header_row, out


def _charts_probe() -> tuple[int, list[tuple[int, str, bool]]]:
    fc, fr = coordinate_from_string(L.CHART_FRAMES_TOP_LEFT)
    bc, _br = coordinate_from_string(L.CHART_BURNDOWN_TOP_LEFT)  # on the same row as the frames block
    f0, b0 = column_index_from_string(fc), column_index_from_string(bc)
    return fr, [(f0, "nämnd", False), (f0 + 1, "budgetram", True), (f0 + 2, "budgetram", True),
                (f0 + 3, _norm("Förändring, %"), False), (b0, "år", False)]


def _matches(row_values: dict[int, Any], probe: list[tuple[int, str, bool]]) -> bool:
    for col, text, prefix in probe:
        got = _norm(row_values.get(col))
        if not (got.startswith(text) if prefix else got == text):
            return False
    return True


def find_sheet(cells: Any, which: str) -> str | None:
    """The one worksheet (other than the layout's sheet) carrying the part's header
    shape, or None (none, or more than one)."""
    memo = getattr(cells, "memo", None)
    key = f"signatures.{which}"
    if memo is not None and key in memo:
        return memo[key]
    layout_sheet, (row, probe) = ((L.SHEET_FRAMETABLE, _frametable_probe()) if which == FRAMETABLE
                                  else (L.SHEET_CHARTS, _charts_probe()))
    found = []
    for sheet in cells.sheet_names():
        if sheet == layout_sheet:
            continue
        values = _row_values(cells, sheet, row, max(c for c, _t, _p in probe))
        if _matches(values, probe):
            found.append(sheet)
    answer = found[0] if len(found) == 1 else None
    if memo is not None:
        memo[key] = answer
    return answer


def carries(cells: Any, sheet: str, which: str) -> bool:
    """True when ``sheet`` has the part's header shape (``which``: FRAMETABLE or CHARTS)."""
    row, probe = _frametable_probe() if which == FRAMETABLE else _charts_probe()
    return sheet in cells.sheet_names() and _matches(_row_values(cells, sheet, row, max(c for c, _t, _p in probe)),
                                                     probe)


def _row_values(cells: Any, sheet: str, row: int, last_col: int) -> dict[int, Any]:
    rows = getattr(cells, "cells_in_rows", None)
    if rows is not None:
        return {c.col: cells.value_of(c) for c in rows(sheet, row, row) if c.col <= last_col}
    from xlmodel.xlsx.refs import get_column_letter

    return {c: cells.value(sheet, f"{get_column_letter(c)}{row}") for c in range(1, last_col + 1)}
