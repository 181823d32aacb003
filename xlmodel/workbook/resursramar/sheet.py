"""The resursramar workbook (Region Västernorrland, Regionplan 2020–2022).

What it holds (layout in ``resursramar.layout``): the decided resursramar per nämnd with
varav/därav rows, the general reduction of one per cent a year (avsnitt 7.4 Resursramar: additive
1 %, 2 %, 3 % of the uplifted frame; uplift 3,0 % a year from the dated parameter
``index.lone_och_prisforandring.vasternorrland``), the footnote amounts, and the
restoration of the 146 mkr deficit open after bokslut 2018.

The part in four modules, one job each: ``reading`` (the inputs, from a workbook through a
``CellSource`` or from a build's CSV files, each with its place), ``cells`` (every computed
cell and rule finding, ``compute``), ``build`` (``xlmodel bygg``) and this module, the part's
jobs: ``owned_cells`` declares every cell the tool computes, the builder writes those cells,
``validate_resursramar`` compares them (formula text and cached value) and adds the rule
findings located on cells, and ``sheet_plans`` gives ``regenerate`` what to write back.
The back-cast and the rounding rule are stated in ``cells``.

Source discrepancies this workbook reproduces on purpose (in the plan itself) are
WARNING findings: footnotes 6, 7 and 11 (1,6 / 1,3 / 12,3) are not 3 % of the unreduced
net frame, and the back-cast gives some printed 2020/2021 frames within 0,1 (NHU 2021
403,8 vs 403,9; tandvård 199,2/203,1 vs 199,3/203,2) or not at all (the rows whose
reduction base is not the net frame).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from xlmodel.xlsx.refs import column_index_from_string, formula_sheet
from xlmodel.errors import InputError
from xlmodel.findings import Finding, Severity
from xlmodel.money import ZERO
from xlmodel.workbook.resursramar import layout as R
from xlmodel.workbook import block_names
from xlmodel.workbook.resursramar import charts as RC
from xlmodel.workbook.owned import NamedBlock, OwnedCell, SheetPlan, compare_cell
from xlmodel.workbook.resursramar.reading import (
    RULE,
    inputs_from_cells,
    column_letter,
    sheet_row,
    table_sheet,
)
from xlmodel.workbook.resursramar.cells import Computed, compute, settings


# =========================================================================== public API


def owned_cells(cells) -> list[tuple[str, OwnedCell]]:
    """Every cell this kind computes, as (sheet, cell), from the workbook's inputs read
    through ``cells`` (a CellSource). Deterministic and complete: the builder writes
    exactly these, validate compares exactly these, regenerate writes these."""
    return compute(inputs_from_cells(cells)).cells


# How far below a block regenerate looks for rows of its old position: a table would
# have to shrink by more rows than this in one edit for a stale row to be missed.
STALE_SCAN_ROWS = 500


def stale_ranges(cells, comp: Computed) -> dict[str, list[str]]:
    """Per sheet, the ranges of rows that belonged to an owned block before the table
    above it changed length and that the block's new position does not cover: the rows
    of its defined name (``block_names``) outside its new rows, and, for a block at its
    place under the table, any row below the table that still shows one of the block's
    marker texts (a workbook without names). A block the user has moved (``places``) has
    only its name's rows: the rows under the table where it stood are the user's, and a
    row there that shows "Summa" is the user's own sum. Nor is a row of another of the
    part's blocks that the user has moved under this one stale (the Summa rows' and the
    check lines' "Differens")."""
    out: dict[str, list[str]] = {}
    for b in comp.blocks:
        stale: set[int] = set()
        named = block_names.read_block(cells, b.name) if b.name else None
        if named is not None and named.sheet == b.sheet:
            stale |= {r for r in range(named.first_row, named.last_row + 1) if r not in b.rows}
        if not b.moved:
            others = [o for o in comp.blocks if o is not b and o.sheet == b.sheet]
            for r in range(b.floor, b.rows.stop + STALE_SCAN_ROWS):
                if r in b.rows:
                    continue
                if any(str(cells.value(b.sheet, f"{col}{r}") or "").strip() in texts
                       and not any(_covers(o, col, r) for o in others) for col, texts in b.markers):
                    stale.add(r)
        out.setdefault(b.sheet, []).extend(f"{b.first_col}{r}:{b.last_col}{r}" for r in sorted(stale))
    return {sheet: ranges for sheet, ranges in out.items() if ranges}


def _covers(block, col: str, row: int) -> bool:
    """Whether ``block`` stands on cell ``col``/``row`` (of its sheet)."""
    c = column_index_from_string(col)
    return row in block.rows and column_index_from_string(block.first_col) <= c <= column_index_from_string(block.last_col)


def sheet_plans(cells) -> list:
    """Every owned cell per sheet, with the rows to clear and the rule findings, for
    ``regenerate`` (``kinds.owned``)."""
    comp = compute(inputs_from_cells(cells))
    clear = stale_ranges(cells, comp)
    plans: dict[str, SheetPlan] = {}
    for sheet, oc in comp.cells:
        plans.setdefault(sheet, SheetPlan(sheet=sheet, cells=[], clear=clear.get(sheet, []))).cells.append(oc)
    for b in comp.blocks:
        if b.name and b.sheet in plans:
            plans[b.sheet].blocks.append(NamedBlock(b.name, b.ref))
    ordered = [plans[s] for s in R.SHEETS if s in plans] + [p for s, p in plans.items() if s not in R.SHEETS]
    pkg = getattr(cells, "pkg", None)
    found = list(comp.findings)
    if pkg is not None:  # charts regenerate cannot make one per panel: said, not silently merged
        found += RC.panel_findings(pkg, _chart_layout_or_none(cells))
    for f in found:
        target = plans.get(f.sheet or "") or ordered[0]
        target.findings.append(f)
    return ordered


def validate_resursramar(cells) -> tuple[list[Finding], int]:
    """Recompute every owned cell from the inputs and compare formula and cached value;
    add the rule findings (source discrepancies, transfers, restoration) on their cells."""
    comp = compute(inputs_from_cells(cells))
    findings = list(comp.findings)
    for sheet, oc in comp.cells:
        f = compare_cell(cells, sheet, oc, RULE)
        if f is not None:
            findings.append(f)
    pkg = getattr(cells, "pkg", None)
    if pkg is not None:
        findings += RC.stale(pkg, _chart_layout_or_none(cells))  # a chart that does not draw every nämnd
    for sheet, ranges in stale_ranges(cells, comp).items():
        for rng in ranges:
            findings.append(Finding(
                rule=f"{RULE}.inaktuell", severity=Severity.ERROR,
                message="Raden hör till en beräknad del som har flyttat när tabellen ovanför ändrade längd; "
                        "kör 'xlmodel regenerera' så tas den bort.",
                sheet=sheet, cell=rng.split(":")[0],
            ))
    return findings, len(comp.cells)

def chart_layout(cells: Any) -> RC.Layout | None:
    """The series every chart under the Resursramar table should show, from the table's
    rows (nämnder only: varav rows would count twice). None without the table."""
    if cells.table(R.FRAMES_TABLE_NAME) is None:
        return None
    inp = inputs_from_cells(cells)
    s = settings(inp)
    raw = inp.frames
    years = list(range(s.first - 1, s.last + 1))
    ycol = [column_letter(raw, R.frame_year_key(y)) for y in years]
    label_col = column_letter(raw, "label")
    sheet = table_sheet(raw)
    token = formula_sheet(sheet)
    header = (raw.header_row or raw.spec.header_row)
    rows = []
    for r in raw.typed(RULE):
        if str(r.get("parent") or "").strip():
            continue
        n = sheet_row(raw, r)
        values = tuple(r.get(R.frame_year_key(y)) for y in years)
        last = values[-1] if isinstance(values[-1], Decimal) else ZERO
        rows.append((RC.Series(f"{token}!${label_col}${n}", f"{token}!${ycol[0]}${n}:${ycol[-1]}${n}",
                            str(r["label"]), values), abs(last)))
    panels = RC.frame_panels(rows)
    categories = tuple(str(cells.value(sheet, f"{c}{header}") or "") for c in ycol)
    return RC.Layout(sheet, f"{token}!${ycol[0]}${header}:${ycol[-1]}${header}", categories, panels)


def _chart_layout_or_none(cells: Any) -> RC.Layout | None:
    """``chart_layout``, or None for input that cannot be read (validate and regenerate
    report that where it is, so the charts are left as they are)."""
    try:
        return chart_layout(cells)
    except InputError:
        return None


def follow_charts(pkg: Any, cells: Any) -> Any:
    """``pkg`` with each frame chart under the Resursramar table drawing the table's rows."""
    return RC.follow(pkg, _chart_layout_or_none(cells))
