"""The values of the Ramtabell block as rows, header first: what ``=RAMTABELL()`` spills
and what ``xlmodel.analysis`` gives as a DataFrame. One place, so both give what the
Ramtabell sheet holds (tests/test_udfs_ramtabell.py, tests/test_analysis.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def frame_table_values(table) -> list[list[Any]]:
    """The values of the Ramtabell block, header row to sum row, column by column of
    ``FRAMETABLE_BLOCK``: what ``frames.frametable_cells`` puts in each cell (a row's
    attribute of the same key; the sum row's id and label are the block's), without
    building the cells' formulas and references, which a spilled result has no use
    for (bench/: udf:RAMTABELL). tests/test_udfs_ramtabell.py holds the two equal
    against what ``regenerera`` writes."""
    from xlmodel.workbook.layout import FRAMETABLE_BLOCK, FRAMETABLE_SUM_ID, FRAMETABLE_SUM_LABEL, frametable_header

    keys = [col.key for col in FRAMETABLE_BLOCK.columns]
    number = (lambda x: float(x) + 0.0 if type(x) is Decimal else ("" if x is None else x))  # noqa: E731
    out = [[frametable_header(col, table.year) for col in FRAMETABLE_BLOCK.columns]]
    out += [[number(getattr(row, k)) for k in keys] for row in table.rows]
    fixed = {"id": FRAMETABLE_SUM_ID, "label": FRAMETABLE_SUM_LABEL}
    out.append([fixed[k] if k in fixed else number(getattr(table.total, k)) for k in keys])
    return out
