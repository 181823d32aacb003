"""Where the resursramar part's three owned blocks stand: the Summa rows under
tblResursramar (``xlmodel_Resursramar``), the footnotes' check lines under tblFotnoter
(``xlmodel_Fotnoter``) and the restoration ledger under the two tables of Återställning
(``xlmodel_Aterstallning``).

Each block is laid out under its table: its first row a fixed number of rows below the
table's last row, its first column one of the table's. It stands there (``at_layout``)

- in a workbook without its defined name (built before the names), as it always has;
- when its name points at that place as the table has left it: on the table's sheet, from
  the layout's first column, at or above the layout's row under the table (and below the
  table's header). A nämnd typed in the blank row under the table grows the table down
  while the name, which Excel does not move for that, stays; the block then moves down
  under the grown table as it always has, and the rows of its name it no longer covers
  are cleared (``sheet.stale_ranges``). Rows inserted into the table move the name with
  them, so it points at the place under the table.

Anywhere else the user has moved it (cut and pasted, and Excel moved the name with it): to
another sheet, to other columns, or further down the sheet than its place under the table.
It then stands at its name's top-left cell, whatever the table above it does; its cells
keep their places relative to each other (``Place.ref``), its references to the table's
cells name the table's sheet when it stands on another (``Place.arg``:
``Resursramar!E5``, quoted where Excel quotes the name), and the rows under the table
where it stood are the user's: never written, never cleared. A table made shorter without
moving the rows under it (Resize Table) therefore leaves its block where the name says,
one blank row further down, rather than guessing that the block was not moved.

A name that points at a sheet the workbook lacks (renamed outside Excel, which left the
name behind) is that sheet missing (``reading.inputs_from_cells``, as ``block_place`` does for
the other parts): the block is never looked for on a guess. A name at no single range (#REF!
after the sheet was deleted in Excel) is no place (``block_names.read_block``): the block
stands under its table.
"""

from __future__ import annotations

from dataclasses import dataclass

from xlmodel.workbook.block_names import BlockPlace
from xlmodel.xlsx.refs import column_index_from_string, formula_sheet, get_column_letter


@dataclass(frozen=True)
class Place:
    """Where a block stands: on ``sheet``, ``dc`` columns and ``dr`` rows from its place
    in the layout under its table on ``home`` (the sheet of the table it is computed from)."""

    sheet: str
    home: str
    dc: int = 0
    dr: int = 0

    @property
    def moved(self) -> bool:
        """Whether the user has moved the block away from its place under the table."""
        return (self.sheet, self.dc, self.dr) != (self.home, 0, 0)

    def col(self, letter: str) -> str:
        """The column where the block's cell laid out in column ``letter`` stands."""
        if not self.dc:
            return letter
        return get_column_letter(column_index_from_string(letter) + self.dc)

    def ref(self, letter: str, row: int) -> str:
        """The cell where the block's cell laid out at ``letter``/``row`` stands."""
        return f"{self.col(letter)}{row + self.dr}"

    def arg(self, ref: str) -> str:
        """A reference to the table's sheet (a cell or range of it) as the block's formula
        writes it: as it is on that sheet, with the sheet's name on another."""
        return ref if self.sheet == self.home else f"{formula_sheet(self.home)}!{ref}"


def place(named: BlockPlace | None, home: str, first_col: str, row: int, header_row: int) -> Place:
    """Where a block laid out from ``first_col``/``row`` on ``home`` stands, given its
    defined name's place ``named`` (None: no usable name); ``header_row``: the table's
    header (a name from there up is above the table, moved by the user)."""
    if named is None:
        return Place(home, home)
    col = column_index_from_string(first_col)
    if named.sheet == home and named.first_col == col and header_row < named.first_row <= row:
        return Place(home, home)  # at its place, or above it under a table that has grown
    return Place(named.sheet, home, named.first_col - col, named.first_row - row)
