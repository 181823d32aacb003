"""Defined names that bound the output blocks xlmodel owns, and how they are read.

Every owned output block (the frame table on Ramtabell, the resultatbudget's computed
columns, the balanskrav ledger, the Diagram sheet's data blocks, the
balanskravsutredning, Västernorrland's Summa, check and ledger blocks) is written with a
workbook-scoped defined name that covers its whole extent: ``xlmodel_Ramtabell`` =
``'Ramtabell'!$A$4:$H$20``. The builder writes it; ``regenerate`` sets it to the block's
new extent whenever it writes the workbook.

Why a name and not the first blank cell: a name is what Excel keeps up to date when a
person inserts or deletes rows inside the block, or cuts the block and pastes it
elsewhere. So the name says where the block is *now*, and which rows were the block's:
a blank row typed inside the Ramtabell grows the name by one row, and the old SUMMA row
that the blank row pushed down is still inside it, so regenerate clears it (before the
name, the first blank id ended the table there and the old SUMMA row stayed, reading
12 647,8 under the correct 8 770,7). Cells outside the name, or inside it on a row that
xlmodel did not write, are the user's (``owned_blocks``).

A workbook written before the names existed has none: each part then finds its block as
it always has (the frame table down to its SUMMA row, the resursramar blocks by their
marker texts), and ``regenerate`` adds the name the next time it writes the workbook.

The names are ASCII (Excel accepts å/ä/ö in names, but other programs and scripts that
read them do not always), prefixed ``xlmodel_`` so a user's own names never collide and
``xlmodel anslut`` can place a block anywhere by naming it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xlmodel.xlsx.refs import column_index_from_string, coordinate_from_string, get_column_letter, quote_sheet

PREFIX = "xlmodel_"
# The largest extent a block's name may have (a frame table of 100 000 rows of 8 columns
# is 800 000 cells): a name over a whole sheet is not a block, and is not followed.
MAX_BLOCK_CELLS = 1_000_000

# --- the regionplan ---------------------------------------------------------------
FRAMETABLE = "xlmodel_Ramtabell"               # Ramtabell: header row .. SUMMA row
RESULTATBUDGET = "xlmodel_Resultatbudget"      # the computed columns of tblResultatbudget
GOALS = "xlmodel_Finansiella_mal"              # the computed columns of tblMal
BALANSKRAV = "xlmodel_Balanskrav"              # the =ATERSTALLNING() ledger (its spill)
DIAGRAM_FRAMES = "xlmodel_Diagram_Ramar"       # Diagram: Nämnd | Budgetram | Förändring
DIAGRAM_BURNDOWN = "xlmodel_Diagram_Aterstallning"  # Diagram: År | kvar per underskott
# --- the delårsrapport --------------------------------------------------------------
UTREDNING = "xlmodel_Balanskravsutredning"     # the totals, =BALANSKRAV() and its spill
# --- Västernorrland (resursramar) ------------------------------------------------------
RESURSRAMAR = "xlmodel_Resursramar"            # Summa / Summa enligt planen / Skillnad
FOTNOTER = "xlmodel_Fotnoter"                  # the footnotes' check lines
ATERSTALLNING = "xlmodel_Aterstallning"        # the restoration ledger under the tables

ALL: tuple[str, ...] = (FRAMETABLE, RESULTATBUDGET, GOALS, BALANSKRAV, DIAGRAM_FRAMES, DIAGRAM_BURNDOWN,
                        UTREDNING, RESURSRAMAR, FOTNOTER, ATERSTALLNING)

# What each block is, for a user's message.
DESCRIPTION: dict[str, str] = {
    FRAMETABLE: "ramtabellen",
    RESULTATBUDGET: "resultatbudgetens beräknade kolumner",
    GOALS: "de finansiella målens beräknade kolumner",
    BALANSKRAV: "återställningstabellen",
    DIAGRAM_FRAMES: "diagramdata för budgetramarna",
    DIAGRAM_BURNDOWN: "diagramdata för återställningen",
    UTREDNING: "balanskravsutredningens beräknade celler",
    RESURSRAMAR: "summaraderna under resursramarna",
    FOTNOTER: "avstämningen under fotnoterna",
    ATERSTALLNING: "återställningstabellen",
}

# --- the delårsrapport's follow-up (uppföljning, ``workbook.followup``) ----------------------
FU_SUMMARY = "xlmodel_Uppfoljning_Summering"          # Uppföljning: the summary lines (fixed block)
FU_RECONCILIATION = "xlmodel_Uppfoljning_Avstamning"  # tblResultatrakning's computed columns
FU_DRIFT = "xlmodel_Driftredovisning"                 # tblDrift's computed columns
FU_OMST = "xlmodel_Omstallning"                       # tblOmstallningUppf's computed columns
FU_OMST_TOTAL = "xlmodel_Omstallning_Summa"           # Omställning: the Summa block beside the table
FU_FORECAST_DIFF = "xlmodel_Prognos_Diff"             # tblPrognos' Diff column
FU_FORECAST = "xlmodel_Prognos"                       # Prognos: the year's resultat (fixed block)
FU_YEARS = "xlmodel_Prognos_Balanskrav"               # tblBalanskravAr's computed cells
FU_LEDGER = "xlmodel_Prognos_Aterstallning"           # Prognos: the =ATERSTALLNING() ledger (its spill)
FU_CHART = "xlmodel_Diagram_Uppfoljning"              # Diagram uppföljning: Nämnd | Avvikelse
FOLLOWUP: tuple[str, ...] = (FU_SUMMARY, FU_RECONCILIATION, FU_DRIFT, FU_OMST, FU_OMST_TOTAL, FU_FORECAST_DIFF,
                             FU_FORECAST, FU_YEARS, FU_LEDGER, FU_CHART)
ALL += FOLLOWUP
DESCRIPTION.update({
    FU_SUMMARY: "uppföljningens summering",
    FU_RECONCILIATION: "avstämningen mot resultaträkningen",
    FU_DRIFT: "driftredovisningens beräknade kolumner",
    FU_OMST: "omställningens beräknade kolumner",
    FU_OMST_TOTAL: "omställningens summa",
    FU_FORECAST_DIFF: "prognosens diff-kolumn",
    FU_FORECAST: "prognosens resultat",
    FU_YEARS: "balanskravsresultaten per år",
    FU_LEDGER: "prognosens återställningstabell",
    FU_CHART: "diagramdata för avvikelsen per nämnd",
})


@dataclass(frozen=True)
class BlockPlace:
    """Where a block stands: its sheet and its extent (``"A4:H20"``)."""

    sheet: str
    ref: str

    @property
    def bounds(self) -> tuple[int, int, int, int]:
        """(first column, first row, last column, last row), 1-based."""
        return ref_bounds(self.ref)

    @property
    def first_col(self) -> int:
        return self.bounds[0]

    @property
    def first_row(self) -> int:
        return self.bounds[1]

    @property
    def last_row(self) -> int:
        return self.bounds[3]

    def value(self) -> str:
        """The defined name's text: ``'Ramtabell'!$A$4:$H$20``."""
        return name_value(self.sheet, self.ref)


def ref_bounds(ref: str) -> tuple[int, int, int, int]:
    first, _, last = ref.replace("$", "").partition(":")
    c1, r1 = coordinate_from_string(first)
    c2, r2 = coordinate_from_string(last or first)
    return column_index_from_string(c1), r1, column_index_from_string(c2), r2


def make_ref(c1: int, r1: int, c2: int, r2: int) -> str:
    return f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}"


def name_value(sheet: str, ref: str) -> str:
    """``'Sheet'!$A$4:$H$20`` (always quoted, absolute: what Excel writes for a range name)."""
    c1, r1, c2, r2 = ref_bounds(ref)
    a, b = get_column_letter(c1), get_column_letter(c2)
    return f"{quote_sheet(sheet)}!${a}${r1}:${b}${r2}"


def range_target(value: str) -> BlockPlace | None:
    """``'Ramtabell'!$A$4:$H$20`` (or ``=Ramtabell!A4:H20``, a single cell) as a place;
    None for anything else (a formula, ``#REF!``, several areas, another workbook)."""
    text = (value or "").strip().lstrip("=").strip()
    if "!" not in text or "," in text or text.startswith("["):
        return None
    sheet, _, ref = text.rpartition("!")
    sheet = sheet.strip()
    if sheet.startswith("'") and sheet.endswith("'") and len(sheet) >= 2:
        sheet = sheet[1:-1].replace("''", "'")
    elif "'" in sheet or not sheet:
        return None
    try:
        return BlockPlace(sheet, make_ref(*ref_bounds(ref)))
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def _workbook_names(cells: Any) -> dict[str, str]:
    """Workbook-scoped defined names of a CellSource (casefolded name -> text)."""
    memo = getattr(cells, "memo", None)
    if memo is not None and "block_names" in memo:
        return memo["block_names"]
    out: dict[str, str] = {}
    pkg = getattr(cells, "pkg", None)
    if pkg is not None:
        for d in pkg.defined_names:
            if d.local_sheet is None:
                out[d.name.casefold()] = d.value
    elif getattr(cells, "book", None) is not None:  # live Excel through xlwings
        for n in cells.book.names:
            if "!" not in n.name:
                out[n.name.casefold()] = n.refers_to or ""
    if memo is not None:
        memo["block_names"] = out
    return out


def read_block(cells: Any, name: str) -> BlockPlace | None:
    """The sheet and extent of block ``name`` from the workbook's defined names, or None
    when the workbook has no such name (an older workbook: the caller falls back to its
    own detection), when it points at a sheet the workbook does not have, or is no
    single range (``#REF!`` after the block's rows were deleted)."""
    value = _workbook_names(cells).get(name.casefold())
    if value is None:
        return None
    place = range_target(value)
    if place is None or place.sheet not in cells.sheet_names():
        return None
    c1, r1, c2, r2 = place.bounds
    if (c2 - c1 + 1) * (r2 - r1 + 1) > MAX_BLOCK_CELLS:
        return None  # a whole sheet or column named: no block of xlmodel's, the part's detection decides
    return place


def extent_of(owned: list) -> str | None:
    """The smallest range covering the ``OwnedCell``s ``owned`` (``"A4:H20"``), None for none."""
    if not owned:
        return None
    cols, rows = [], []
    for oc in owned:
        col, row = coordinate_from_string(oc.ref)
        cols.append(column_index_from_string(col))
        rows.append(row)
        if getattr(oc, "spill", None):
            c1, r1, c2, r2 = ref_bounds(oc.spill)
            cols += [c1, c2]
            rows += [r1, r2]
    return make_ref(min(cols), min(rows), max(cols), max(rows))
