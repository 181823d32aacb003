"""Input typed just outside an input table: a finding, never silently ignored.

The rules read an input table by its Excel Table (ListObject) range. A nämnd typed in
the row after a blank row below the table, or a figure typed in the column just right
of it, is outside that range: Excel does not grow a table across a blank row. Read
silently it is simply not there, and ``validera`` passed. ``stray_findings`` reports
each non-blank cell in the ``BELOW`` rows under an input table (within its columns and
the one to its right) and in the column right of it, unless the cell belongs to another
table.
"""

from __future__ import annotations

from xlmodel.findings import Finding, Severity
from xlmodel.xlsx.refs import range_boundaries

RULE = "indata.utanfor_tabell"
# A blank row and then up to two rows of input: what a user who "adds a row at the end"
# after leaving a gap types. Further down is room for notes, which are not input.
BELOW = 3


def _input_tables() -> list:
    from xlmodel.workbook import layout, layout_resursramar
    from xlmodel.workbook.layout import InputTable

    seen, out = set(), []
    for module in (layout, layout_resursramar):
        for value in vars(module).values():
            if isinstance(value, InputTable) and value.table not in seen:
                seen.add(value.table)
                out.append(value)
    return out


def _filled(c) -> bool:
    value = getattr(c, "value", None)
    return not (value is None or (isinstance(value, str) and not value.strip()))


def stray_findings(cells) -> list[Finding]:
    """One ERROR finding per row that looks like a row of an input table (its first
    column and at least one more filled) within ``BELOW`` rows under the table, and per
    filled cell in the column right of a table's rows. Headings and computed summaries
    a builder puts under a table fill one cell or leave the first column empty."""
    in_rows = getattr(cells, "cells_in_rows", None)
    if in_rows is None:
        return []  # a live workbook through xlwings: Excel shows the table's extent itself
    found: list[Finding] = []
    tables = [loc for spec in _input_tables() if (loc := cells.table(spec.table)) is not None]
    for loc in tables:
        min_col, min_row, max_col, max_row = range_boundaries(loc.ref)
        others = [range_boundaries(t.ref) for t in tables if t.sheet == loc.sheet and t is not loc]
        rows_below: dict[int, list[tuple[int, str, object]]] = {}
        for c in in_rows(loc.sheet, min_row + 1, max_row + BELOW):
            if not _filled(c):
                continue
            ref, row, col = c.ref, c.row, c.col
            if any(a <= col <= c2 and b <= row <= d for a, b, c2, d in others):
                continue
            if max_row < row <= max_row + BELOW and min_col <= col <= max_col:
                rows_below.setdefault(row, []).append((col, ref, c.value))
            elif col == max_col + 1 and min_row < row <= max_row:
                found.append(_finding(loc, ref, c.value, "bredvid"))
        for row in sorted(rows_below):
            filled = sorted(rows_below[row])
            if filled[0][0] == min_col and len(filled) >= 2:
                _, ref, value = filled[0]
                found.append(_finding(loc, ref, value, "under", row_cells=[r for _, r, _ in filled]))
    return found


def _finding(loc, ref: str, value, where: str, row_cells: list[str] | None = None) -> Finding:
    shown = str(value)[:40]
    what = f"Raden {', '.join(row_cells)}" if row_cells else f"Cellen {ref}"
    return Finding(
        rule=RULE,
        severity=Severity.ERROR,
        message=(f"{what} {where} tabellen {loc.name} har värden ({shown} …) men hör inte till tabellen "
                 f"({loc.ref}), så reglerna läser dem inte; utöka tabellen så att raden kommer med "
                 "(Tabelldesign → Ändra storlek på tabell) eller flytta värdena."),
        found=shown,
        sheet=loc.sheet,
        cell=ref,
    )
