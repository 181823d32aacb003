"""The follow-up part's owned blocks: their defined names, and where the movable ones stand.

Every owned block of the part is written with a defined name over its extent
(``block_names.FOLLOWUP``: ``xlmodel_Uppfoljning_Summering`` =
``'Uppföljning'!$A$13:$J$21``), so ``regenerera`` clears the rows a block no longer
covers and refuses to overwrite what a user typed inside or just below it
(``owned_blocks``), as for the regionplan's blocks.

Four blocks stand at a fixed place of the layout, not inside an Excel Table: the
summary lines on Uppföljning, the Summa beside tblOmstallningUppf, the year's resultat
on Prognos and the chart data on Diagram uppföljning. A controller may cut one and paste
it elsewhere, on its sheet or another; Excel moves the name with it, and the part then
computes the block where its name's top-left cell is (``origins``), with every formula
that points into it (the reconciliation's "Enligt driftredovisningen" reads the
summary's utfall) and, on another sheet, its references to its own sheet's table
qualified with that sheet (``ref_from``). No name (a workbook built before the names)
leaves the block at the layout's place. The blocks inside a table (its computed columns) move with the
table. The restoration ledger spilled by ``=ATERSTALLNING()`` beside tblBalanskravAr
follows its name too (``forecast.ledger_place``): its anchor is the name's top-left
cell, on another sheet its formula names Prognos, and the function-cell check is told
where it stands (``Part.placed_function_cells``).
"""

from __future__ import annotations

from dataclasses import dataclass

from xlmodel.workbook import block_names as B
from xlmodel.workbook.followup import layout as F
from xlmodel.xlsx.refs import column_index_from_string, coordinate_from_string, get_column_letter, quote_sheet


@dataclass(frozen=True)
class Origin:
    """The top-left cell of a block (its sheet, 1-based column and row): its header row."""

    sheet: str
    col: int
    row: int

    def letter(self, offset: int = 0) -> str:
        return get_column_letter(self.col + offset)

    def ref_from(self, sheet: str, ref: str) -> str:
        """``ref`` on ``sheet`` as a formula in this block writes it: as it is on the same
        sheet, qualified with the sheet's name when the block stands on another."""
        return ref if sheet == self.sheet else f"{quote_sheet(sheet)}!{ref}"


def _at(sheet: str, ref: str) -> Origin:
    col, row = coordinate_from_string(ref)
    return Origin(sheet, column_index_from_string(col), row)


SUMMARY = _at(F.SHEET_SUMMARY, f"A{F.SUMMARY_HEADER_ROW}")
OMST_TOTAL = Origin(F.SHEET_OMST, F.OMST_TOTAL_COL, F.OMST_TOTAL_HEADER_ROW)
FORECAST = Origin(F.SHEET_FORECAST, F.FORECAST_BLOCK_COL, F.FORECAST_BLOCK_HEADER_ROW)
CHART = _at(F.SHEET_CHART, F.CHART_TOP_LEFT)
LEDGER = _at(F.SHEET_FORECAST, F.LEDGER_ANCHOR)

# name -> the layout's place
MOVABLE: dict[str, Origin] = {B.FU_SUMMARY: SUMMARY, B.FU_OMST_TOTAL: OMST_TOTAL, B.FU_FORECAST: FORECAST,
                              B.FU_CHART: CHART, B.FU_LEDGER: LEDGER}


@dataclass(frozen=True)
class Origins:
    summary: Origin = SUMMARY
    omst_total: Origin = OMST_TOTAL
    forecast: Origin = FORECAST
    chart: Origin = CHART


# name -> the input table on the block's sheet in the layout: without the block's name, and
# with that sheet renamed by the user, the block stands on the table's sheet.
HOME_TABLE = {B.FU_SUMMARY: F.RESULTATRAKNING_TABLE, B.FU_OMST_TOTAL: F.OMST_TABLE, B.FU_FORECAST: F.FORECAST_TABLE}


def origin_of(cells, name: str) -> Origin:
    """Where block ``name`` stands: the top-left of its defined name, else the layout's
    place (on the sheet of its sheet's input table when the layout's sheet is not there:
    renamed by the user in a book built before the names)."""
    place = B.read_block(cells, name)
    if place is None:
        default = MOVABLE[name]
        spec = HOME_TABLE.get(name)
        if spec is not None and default.sheet not in cells.sheet_names():
            loc = cells.table(spec.table)
            if loc is not None:
                return Origin(loc.sheet, default.col, default.row)
        return default
    c1, r1, _, _ = place.bounds
    return Origin(place.sheet, c1, r1)


def moved_to(cells, sheet: str) -> bool:
    """Whether one of the movable blocks stands on ``sheet`` though the layout puts it elsewhere."""
    return any(origin_of(cells, name).sheet == sheet != default.sheet for name, default in MOVABLE.items())


def origins(cells) -> Origins:
    """Where each movable block of the part stands in the workbook read through ``cells``."""
    return Origins(summary=origin_of(cells, B.FU_SUMMARY), omst_total=origin_of(cells, B.FU_OMST_TOTAL),
                   forecast=origin_of(cells, B.FU_FORECAST), chart=origin_of(cells, B.FU_CHART))
