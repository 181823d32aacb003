"""The Diagram sheet of a regionplan: where a person would rather look than read.

Two charts, each over a small data block on the same sheet that the tool owns (so the
charts read contiguous ranges, and ``validate``/``regenerate`` keep the blocks right):
- "Budgetram per nämnd": last year's and this year's frame per nämnd; the block's cells
  are formulas pointing at the Ramtabell (=Ramtabell!C9), with cached values;
- "Återställning": what remains of each deficit at the end of each year of the series
  (``DeficitAccount.remaining_after``), one column per deficit named with its last
  year allowed, so a bar still standing after its deadline is visible at a glance.

The charts themselves are drawn once by the builder (XlsxWriter) over these ranges; a
structural change (a new nämnd, more years) needs ``xlmodel bygg`` to widen them.
"""

from __future__ import annotations

from xlmodel.xlsx.refs import coordinate_from_string, column_index_from_string, get_column_letter

from xlmodel.findings import Finding
from xlmodel.rules.restoration import restoration_ledger
from xlmodel.workbook import balanskrav_sheet, frames, layout as L
from xlmodel.workbook.owned import OwnedCell, SheetPlan, compare_cell
from xlmodel.workbook.cells import read_table

RULE = "diagram"


def _origin(ref: str) -> tuple[int, int]:
    col, row = coordinate_from_string(ref)
    return column_index_from_string(col), row


def frame_block(table) -> list[OwnedCell]:
    """Nämnd | Budgetram {y-1} | Budgetram {y}, one row per nämnd (top-level row)."""
    rows = [(L.FIRST_DATA_ROW + i, row) for i, row in enumerate(table.rows) if row.parent is None]
    return committee_block(table.year, rows)


def committee_block(year: int, rows) -> list[OwnedCell]:
    """``frame_block`` from the nämnd rows alone: ``rows`` = [(Ramtabell row, FrameTableRow)]."""
    c0, r0 = _origin(L.CHART_FRAMES_TOP_LEFT)
    letters = [get_column_letter(c0 + i) for i in range(3)]
    ft = L.FRAMETABLE_BLOCK
    cells = [
        OwnedCell(f"{letters[0]}{r0}", "Nämnd", style="header"),
        OwnedCell(f"{letters[1]}{r0}", f"Budgetram {year - 1}", style="header"),
        OwnedCell(f"{letters[2]}{r0}", f"Budgetram {year}", style="header"),
    ]
    r = r0 + 1
    for src, row in rows:
        sheet = f"'{ft.sheet}'!"
        cells += [
            OwnedCell(f"{letters[0]}{r}", row.label, formula=f"{sheet}{ft.col_letter('label')}{src}", style="text"),
            OwnedCell(f"{letters[1]}{r}", row.prior_frame, formula=f"{sheet}{ft.col_letter('prior_frame')}{src}", style="amount"),
            OwnedCell(f"{letters[2]}{r}", row.frame, formula=f"{sheet}{ft.col_letter('frame')}{src}", style="amount"),
        ]
        r += 1
    return cells


def burndown_block(ledger) -> list[OwnedCell]:
    """År | Underskott YYYY (sista år ZZZZ) …: remaining at the end of each year."""
    c0, r0 = _origin(L.CHART_BURNDOWN_TOP_LEFT)
    cells = [OwnedCell(f"{get_column_letter(c0)}{r0}", "År", style="header")]
    for j, d in enumerate(ledger.deficits):
        cells.append(OwnedCell(f"{get_column_letter(c0 + 1 + j)}{r0}",
                               f"Underskott {d.origin_year} (sista år {d.deadline})", style="header"))
    for i, year in enumerate(range(ledger.first_year, ledger.last_year + 1)):
        r = r0 + 1 + i
        cells.append(OwnedCell(f"{get_column_letter(c0)}{r}", year, style="year"))
        for j, d in enumerate(ledger.deficits):
            remaining = d.remaining_after(year) if year >= d.origin_year else None
            cells.append(OwnedCell(f"{get_column_letter(c0 + 1 + j)}{r}", remaining, style="amount"))
    return cells


def owned(cells) -> tuple[list[OwnedCell], list[Finding]]:
    year, rows = frames.committee_rows(cells)
    raw = read_table(cells, L.BALANSKRAV_TABLE, balanskrav_sheet.RULE)
    inp, _rows, _stated = balanskrav_sheet.ledger_input(raw, None)
    return committee_block(year, rows) + burndown_block(restoration_ledger(inp)), []


def sheet_plans(cells) -> list:
    if L.SHEET_CHARTS not in cells.sheet_names():
        return []  # an older workbook without charts: nothing to keep up to date
    block, findings = owned(cells)
    return [SheetPlan(sheet=L.SHEET_CHARTS, cells=block, findings=findings)]


def validate_charts(cells) -> tuple[list[Finding], int]:
    plans = sheet_plans(cells)
    findings: list[Finding] = []
    n = 0
    for plan in plans:
        for oc in plan.cells:
            n += 1
            f = compare_cell(cells, plan.sheet, oc, RULE)
            if f is not None:
                findings.append(f)
    return findings, n


def build_charts(book, table, ledger) -> None:
    s = L.SHEET_CHARTS
    book.title(s, "Diagram", "Budgetram per nämnd och återställning av underskott. Data: cellerna till vänster (skrivs av xlmodel).")
    frames_cells = frame_block(table)
    burn_cells = burndown_block(ledger)
    for c in frames_cells + burn_cells:
        book.write(s, c.ref, c.value, c.style, c.formula)
    ws = book.sheet(s)
    ws.set_column(0, 0, 30)
    ws.set_column(1, 2, 14)
    ws.set_column(5, 5, 8)
    ws.set_column(6, 6 + len(ledger.deficits), 22)
    ws.set_row(r0_header := _origin(L.CHART_FRAMES_TOP_LEFT)[1] - 1, 32)
    c0, r0 = _origin(L.CHART_FRAMES_TOP_LEFT)
    n = sum(1 for r in table.rows if r.parent is None)
    years = ledger.last_year - ledger.first_year + 1
    first, last = r0, r0 + n  # zero-based rows for XlsxWriter: header at r0-1
    chart = book.wb.add_chart({"type": "bar"})
    for k, color in ((1, "#9DC3E6"), (2, "#2E75B6")):
        chart.add_series({
            "name": [s, r0 - 1, c0 - 1 + k],
            "categories": [s, first, c0 - 1, last - 1, c0 - 1],
            "values": [s, first, c0 - 1 + k, last - 1, c0 - 1 + k],
            "fill": {"color": color},
        })
    chart.set_title({"name": f"Budgetram per nämnd {table.year - 1} och {table.year}, mkr"})
    chart.set_x_axis({"num_format": "#,##0", "major_gridlines": {"visible": True}})
    chart.set_y_axis({"reverse": True})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 720, "height": 420})
    ws.insert_chart(f"A{r0 + max(n, years) + 3}", chart)
    bc0, br0 = _origin(L.CHART_BURNDOWN_TOP_LEFT)
    burn = book.wb.add_chart({"type": "column"})
    for j, d in enumerate(ledger.deficits):
        burn.add_series({
            "name": [s, br0 - 1, bc0 + j],
            "categories": [s, br0, bc0 - 1, br0 + years - 1, bc0 - 1],
            "values": [s, br0, bc0 + j, br0 + years - 1, bc0 + j],
        })
    burn.set_title({"name": "Kvar att återställa vid årets slut, mkr"})
    burn.set_legend({"position": "bottom"})
    burn.set_size({"width": 620, "height": 420})
    # Below the frame chart (420 px ≈ 21 rows of 20 px), not beside it: they would overlap.
    ws.insert_chart(f"A{r0 + max(n, years) + 3 + 23}", burn)
