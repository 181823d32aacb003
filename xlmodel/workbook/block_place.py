"""Where an owned block stands when its defined name (``block_names``) may have moved it.

Two kinds of owned block:

- **computed columns of an input table** (the resultatbudget's subtotals in
  tblResultatbudget, the goals' share and status in tblMal): they *are* columns of the
  Excel Table, so they stand where the table stands, on whatever sheet and from whatever
  column; each column is found by its header in the table (a table that lacks the
  header has it at the layout's place, counted from the table's first column).
- **a block of its own** (the restoration ledger spilled by ``=ATERSTALLNING()``): at the
  top-left cell of its defined name, on the name's sheet; without the name at the
  layout's place, on the layout's sheet or, when the user has renamed that sheet, on
  the sheet the part's table stands on (``home_sheet``: the table identifies the part,
  not the sheet's name; Excel keeps tables and names with a renamed sheet).

A name that points at a sheet the workbook no longer has (a sheet renamed outside Excel,
so the name kept the old sheet's name) is reported as that sheet missing, as before the
names existed: a block is never looked for on a guess.
"""

from __future__ import annotations

from typing import Any

from xlmodel.workbook import block_names
from xlmodel.workbook.cells import require_sheet
from xlmodel.workbook.layout import InputTable
from xlmodel.workbook.tables import RawTable
from xlmodel.xlsx.refs import get_column_letter, range_boundaries


def _norm(text: Any) -> str:
    return " ".join(str(text or "").split()).casefold()


def check_named_sheet(cells: Any, name: str, rule: str) -> None:
    """Raise "bladet '…' saknas" when block ``name`` names a sheet the workbook lacks."""
    value = block_names._workbook_names(cells).get(name.casefold())
    if value is None:
        return
    place = block_names.range_target(value)
    if place is not None and place.sheet not in cells.sheet_names():
        require_sheet(cells, place.sheet, rule)


def table_letters(cells: Any, spec: InputTable, raw: RawTable) -> dict[str, str]:
    """The column letter of every column of ``spec`` (inputs and computed) where the
    workbook's table has it; for a source without a workbook table (a CSV when
    building) the layout's letters."""
    letters = {c.key: spec.col_letter(c.key) for c in spec.columns}
    loc = cells.table(spec.table) if cells is not None and raw.sheet is not None else None
    if loc is not None:
        min_col, min_row, max_col, _max_row = range_boundaries(loc.ref)
        headers = {_norm(cells.value(loc.sheet, f"{get_column_letter(c)}{min_row}")): c
                   for c in range(min_col, max_col + 1)}
        for i, col in enumerate(spec.columns):
            if col.computed:
                at = headers.get(_norm(col.header), min_col + i)
                letters[col.key] = get_column_letter(at)
    for key, index in (raw.columns or {}).items():
        letters[key] = get_column_letter(index)
    return letters


def table_sheet(cells: Any, raw: RawTable, spec: InputTable, name: str, rule: str) -> str:
    """The sheet of a table's computed columns: the table's own (its name, if it has
    one, must not point at a missing sheet)."""
    check_named_sheet(cells, name, rule)
    return raw.sheet or spec.sheet


def home_sheet(cells: Any, spec: InputTable) -> str:
    """The sheet a part's blocks stand on when no defined name places them: the layout's
    sheet (``spec.sheet``) when the workbook has it, else the sheet the part's table
    ``spec`` stands on (the layout's sheet renamed by the user, e.g. "Balanskrav" to
    "Balanskrav 2026"; the table identifies the part, not the sheet's name)."""
    if spec.sheet in cells.sheet_names():
        return spec.sheet
    loc = cells.table(spec.table)
    return loc.sheet if loc is not None else spec.sheet


def named_place(cells: Any, name: str, rule: str) -> block_names.BlockPlace | None:
    """Where block ``name``'s defined name puts it (``block_names.read_block``), or None
    without a usable name; a name on a sheet the workbook lacks raises "bladet '…' saknas"
    (``check_named_sheet``) rather than being passed over."""
    named = block_names.read_block(cells, name)
    if named is None:
        check_named_sheet(cells, name, rule)
    return named


def anchor_place(cells: Any, name: str, sheet: str, anchor: str, rule: str) -> tuple[str, str]:
    """(sheet, top-left cell) of a block of its own: where its defined name says, else
    ``sheet``!``anchor`` (which must exist)."""
    named = named_place(cells, name, rule)
    if named is not None:
        return named.sheet, named.ref.split(":")[0]
    require_sheet(cells, sheet, rule)
    return sheet, anchor
