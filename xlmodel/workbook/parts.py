"""The parts a plan is made of, each behind one contract, and the registry of them.

A part is one piece of a budget workbook that xlmodel reads, computes and checks as a
whole: the frame table, the resultatbudget with its financial goals, the balanskrav
with the restoration ledger, the chart sheet, the delårsrapport's balanskravsutredning,
the resursramar. Its contract (``Part``):

- ``signature``: the Excel Tables that identify the part in any workbook (their names
  survive a controller's edits; sheet order and extra sheets do not matter);
- ``tables``: the layout of its input tables (``layout.InputTable``: sheet, position,
  headers, widths), which the builder writes and the readers locate;
- ``validate(cells) -> (findings, cells checked)``: recompute from the workbook's own
  inputs and compare every cell the part owns;
- ``plans(cells) -> [SheetPlan]``: every cell the part owns in its computed state, which
  ``regenerate`` (and the Excel macro) writes where the file differs;
- ``explain(cells, base) -> Explanation | None``: the rule behind one of its cells;
- ``function_cells``: the (sheet, cell) of its own cells that call xlmodel's Excel
  functions, which its ``validate`` compares (so the check of function cells in any
  workbook, ``function_cells``, leaves them to it and nothing is reported twice).

``cells`` is any ``CellSource`` (a file, or live Excel). The readers turn cells into the
core's models with each value's sheet and cell (``tables.RawTable``), so the core's
errors name the cell. The jobs (validate, regenerate, explain, diff) iterate a
workbook's parts in one loop each; what a workbook *kind* adds is only a preset bundle
of parts with a builder (``kinds``). ``found_in`` tells which parts a workbook holds,
whatever its kind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from xlmodel.findings import Finding
from xlmodel.workbook.balanskrav import sheet as balanskrav_sheet
from xlmodel.workbook.charts import sheet as charts_sheet
from xlmodel.workbook.utredning import sheet as delarsrapport
from xlmodel.workbook.frametable import frames
from xlmodel.workbook.frametable import stream as frames_stream
from xlmodel.workbook import layout as L
from xlmodel.workbook.resursramar import layout as LR
from xlmodel.workbook import followup, index_year, reserve_guidelines
from xlmodel.workbook.resultatbudget import sheet as resultatbudget
from xlmodel.workbook.resursramar import sheet as resursramar
from xlmodel.workbook.frametable.explain import explain_frametable
from xlmodel.workbook.balanskrav.explain import explain_ledger
from xlmodel.workbook.explain.model import Explanation
from xlmodel.workbook.resultatbudget.explain import explain_resultatbudget
from xlmodel.workbook.utredning.explain import explain_utredning
from xlmodel.workbook.followup.explain import explain_followup
from xlmodel.workbook.followup import forecast as followup_forecast
from xlmodel.workbook.followup import layout as FL
from xlmodel.workbook.owned import SheetPlan


@dataclass(frozen=True)
class Part:
    """One part of a plan: how it is recognised, laid out, validated, regenerated, explained."""

    name: str
    signature: tuple[str, ...]
    tables: tuple[L.InputTable, ...]
    validate: Callable[[Any], tuple[list[Finding], int]]
    plans: Callable[[Any], list[SheetPlan]]
    explain: Callable[[Any, Explanation], Explanation | None] | None = None
    function_cells: tuple[tuple[str, str], ...] = ()
    # The same for a block its defined name may have moved: (sheet, cell) where it is now.
    placed_function_cells: Callable[[Any], tuple[tuple[str, str], ...]] | None = None

    def found_in(self, cells: Any) -> bool:
        """True when the workbook holds every table of the part's signature."""
        return all(cells.table(t) is not None for t in self.signature)


FRAMETABLE = Part(
    name="ramtabell",
    signature=(L.FRAMES_TABLE.table, L.CHANGES_TABLE.table),
    tables=(L.FRAMES_TABLE, L.CHANGES_TABLE, L.PUBLISHED_TABLE),
    validate=frames_stream.validate_frames,
    plans=lambda cells: [frames.frametable_sheet_plan(cells)],
    explain=explain_frametable,
)

RESULTATBUDGET = Part(
    name="resultatbudget",
    signature=(L.RESULTBUDGET_TABLE.table,),
    tables=(L.RESULTBUDGET_TABLE, L.GOALS_TABLE),
    validate=resultatbudget.validate_resultatbudget,
    plans=resultatbudget.sheet_plans,
    explain=explain_resultatbudget,
)

BALANSKRAV = Part(
    name="balanskrav",
    signature=(L.BALANSKRAV_TABLE.table,),
    tables=(L.BALANSKRAV_TABLE, L.STATED_DEADLINES_TABLE),
    validate=balanskrav_sheet.validate_balanskrav,
    plans=balanskrav_sheet.sheet_plans,
    explain=explain_ledger,
    function_cells=((L.BALANSKRAV_TABLE.sheet, L.LEDGER_ANCHOR),),
    placed_function_cells=lambda cells: (balanskrav_sheet.ledger_place(cells),),
)

# The chart sheet owns no input: it shows the frame table and the restoration ledger,
# so it is found where both are.
CHARTS = Part(
    name="diagram",
    signature=(*FRAMETABLE.signature, *BALANSKRAV.signature),
    tables=(),
    validate=charts_sheet.validate_charts,
    plans=charts_sheet.sheet_plans,
)

UTREDNING_FUNCTION_CELLS = ((L.UTREDNING_TABLE.sheet, f"{L.UTREDNING_TABLE.col_letter('amount')}{L.UTREDNING_UDF_ROW}"),
                            (L.UTREDNING_TABLE.sheet, f"{L.UTREDNING_TABLE.col_letter('label')}{L.UTREDNING_SPILL_ROW}"))

UTREDNING = Part(
    name="balanskravsutredning",
    signature=(L.UTREDNING_TABLE.table,),
    tables=(L.UTREDNING_TABLE,),
    validate=delarsrapport.validate_delarsrapport,
    plans=delarsrapport.sheet_plans,
    explain=explain_utredning,
    function_cells=UTREDNING_FUNCTION_CELLS,
    # Where the block's defined name puts it, else on the sheet tblUtredning stands on
    # (Balanskravsutredning, or the name the user has given it).
    placed_function_cells=delarsrapport.function_cells_at,
)

RESURSRAMAR = Part(
    name="resursramar",
    signature=(LR.FRAMES_TABLE_NAME,),
    tables=(LR.PLANAR_TABLE, LR.FOOTNOTES_TABLE, LR.RESULTS_TABLE, LR.OPENING_TABLE),
    validate=resursramar.validate_resursramar,
    plans=resursramar.sheet_plans,
)

# The budget year's index with its source (tblIndex on Parametrar). It owns no cell; a
# regionplan without the table is checked against the published parameters.
INDEX = Part(
    name="index",
    signature=FRAMETABLE.signature,
    tables=(L.INDEX_TABLE,),
    validate=index_year.validate_index_year,
    plans=lambda cells: [],
)

# The delårsrapport's follow-up: driftredovisning, omställning followed up, the forecast
# into the balance requirement. A delårsrapport without its tables has no follow-up.
FOLLOWUP = Part(
    name="uppfoljning",
    signature=(FL.DRIFT_TABLE.table,),
    tables=FL.TABLES,
    validate=followup.validate,
    plans=followup.sheet_plans,
    explain=explain_followup,
    function_cells=((FL.SHEET_FORECAST, FL.LEDGER_ANCHOR),),
    placed_function_cells=lambda cells: (followup_forecast.ledger_place(cells),),
)

# Fullmäktige's guidelines for the reserves beside the law's limits (tblReservriktlinjer,
# on Parametrar in a regionplan, on Balanskravsutredning in a delårsrapport). A workbook
# without the table (built before it existed) uses the defaults: nothing to check.
RESERVE_GUIDELINES = Part(
    name="reservriktlinjer",
    signature=(reserve_guidelines.TABLE.table,),
    tables=(reserve_guidelines.TABLE,),
    validate=reserve_guidelines.validate,
    plans=reserve_guidelines.plans,
)

# Every part xlmodel knows, in the order the jobs run them.
PARTS: tuple[Part, ...] = (FRAMETABLE, RESULTATBUDGET, BALANSKRAV, CHARTS, INDEX, UTREDNING, FOLLOWUP, RESURSRAMAR,
                           RESERVE_GUIDELINES)


def input_tables() -> list:
    """The input tables of every part (the plan's, Västernorrland's resursramar, the
    follow-up part's tblDrift, tblPrognos …), each once: what the stray check
    (``strays``) looks around."""
    seen, out = set(), []
    for part in PARTS:
        for spec in part.tables:
            if spec.table not in seen:
                seen.add(spec.table)
                out.append(spec)
    return out


def found_in(cells: Any) -> list[Part]:
    """The parts a workbook holds (by their signatures), in registry order."""
    return [part for part in PARTS if part.found_in(cells)]
