"""Cells that call the xlwings functions, computed the way Excel computes them.

A workbook cell ``=ATERSTALLNING(A5:A9,B5:B9)`` is evaluated here by calling the very
function Excel calls (``xlmodel.excel.functions.ATERSTALLNING``, which ``udfs`` hands to
xlwings) with the workbook's own input cells,
shaped as Excel's COM path hands them over (a single cell as a scalar, a range as a
tuple of row tuples, blanks as None, numbers as floats). The builder stores the result
as the cell's cached value, ``validate`` compares it with what the file holds and
``regenerate`` refreshes it: the Excel path and the headless path give one answer.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from xlmodel.xlsx.refs import get_column_letter, range_boundaries

from xlmodel.workbook.owned import OwnedCell


def excel_value(v: Any) -> Any:
    """A cell value as Excel passes it to a UDF (numbers are doubles)."""
    if isinstance(v, Decimal):
        return float(v)
    if type(v).__name__ == "ExcelError":
        return str(v)
    return v


def argument(values: dict[str, Any], rng: str) -> Any:
    """The value of ``rng`` ("B5" or "A5:A9") from ``values`` (ref → value)."""
    if ":" not in rng:
        return excel_value(values.get(rng))
    c1, r1, c2, r2 = range_boundaries(rng)
    return tuple(
        tuple(excel_value(values.get(f"{get_column_letter(c)}{r}")) for c in range(c1, c2 + 1))
        for r in range(r1, r2 + 1)
    )


def call(name: str, *args: Any) -> Any:
    """``=NAME(args)`` computed by the function Excel calls for it (``udfs`` hands xlwings
    these very functions)."""
    return function(name)(*args)


def function(name: str):
    """The function Excel calls for ``=NAME()``: what ``call`` calls (for a caller that
    calls it for many cells)."""
    from xlmodel.excel import by_name  # the rules it calls are imported on first use

    return by_name()[name]


def as_stored(v: Any) -> Any:
    """A UDF result as the cell stores it (floats back to exact decimals)."""
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, (int, float)):
        return Decimal(repr(v)) if isinstance(v, float) else Decimal(v)
    return v


def spill_cells(anchor: str, formula: str, result: Any, *, styles: tuple[str, ...] = ()) -> list[OwnedCell]:
    """The anchor (formula + first value) and every spilled value of a table result."""
    rows = result if isinstance(result, list) else [[result]]
    c0, r0, _c, _r = range_boundaries(f"{anchor}:{anchor}")
    width = max(len(r) for r in rows)
    last = f"{get_column_letter(c0 + width - 1)}{r0 + len(rows) - 1}"
    cells = []
    for i, row in enumerate(rows):
        for j in range(width):
            v = as_stored(row[j] if j < len(row) else None)
            ref = f"{get_column_letter(c0 + j)}{r0 + i}"
            style = styles[j] if j < len(styles) else "text"
            if i == 0 and j == 0:
                cells.append(OwnedCell(ref, v, formula=formula, style="header", spill=f"{anchor}:{last}"))
            else:
                cells.append(OwnedCell(ref, v, style="header" if i == 0 else style))
    return cells
