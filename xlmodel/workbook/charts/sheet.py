"""The Diagram sheet of a regionplan: where a person would rather look than read.

Three charts, each over a small data block on the same sheet that the tool owns (so the
charts read contiguous ranges, and ``validate``/``regenerate`` keep the blocks right):
- "Budgetram per nämnd": last year's and this year's frame per nämnd; the block's cells
  are formulas pointing at the Ramtabell (=Ramtabell!C9), with cached values;
- "Förändring per nämnd, %": this year's frame against last year's, per nämnd, from the
  same block's fourth column. Next to HSN's 5 000 mkr the small nämnder (6–17 mkr) are
  invisible bars in the first chart; as a change in per cent every nämnd reads alike;
- "Återställning": what remains of each deficit at the end of each year of the series
  (``DeficitAccount.remaining_after``), one column per deficit named with its last
  year allowed, so a bar still standing after its deadline is visible at a glance.

The charts themselves are drawn by the builder (XlsxWriter) over these ranges. When the
blocks grow or shrink (a nämnd added, a year more), ``regenerate`` sets the charts'
ranges to them (``charts.ranges``) and ``validate`` reports a chart that does not cover
its block (rule ``diagram.intervall``); a new deficit (a new column) needs ``xlmodel bygg``.
"""

from __future__ import annotations

from xlmodel.xlsx.refs import coordinate_from_string, column_index_from_string, get_column_letter, quote_sheet

from xlmodel.findings import Finding
from xlmodel.rules.restoration import restoration_ledger
from xlmodel.workbook import layout as L
from xlmodel.workbook.balanskrav import sheet as balanskrav_sheet
from xlmodel.workbook.frametable import frames
from xlmodel.workbook import block_names
from xlmodel.workbook.owned import NamedBlock, OwnedCell, SheetPlan, compare_cell
from xlmodel.workbook.cells import read_table

RULE = "diagram"


def _origin(ref: str) -> tuple[int, int]:
    col, row = coordinate_from_string(ref)
    return column_index_from_string(col), row


def frame_block(table) -> list[OwnedCell]:
    """Nämnd | Budgetram {y-1} | Budgetram {y}, one row per nämnd (top-level row)."""
    rows = [(L.FIRST_DATA_ROW + i, row) for i, row in enumerate(table.rows) if row.parent is None]
    return committee_block(table.year, rows)


def committee_block(year: int, rows, ft=L.FRAMETABLE_BLOCK, top_left: str = L.CHART_FRAMES_TOP_LEFT) \
        -> list[OwnedCell]:
    """``frame_block`` from the nämnd rows alone: ``rows`` = [(Ramtabell row, FrameTableRow)],
    the formulas pointing at the frame table where it stands (``ft``: ``frames.frame_place``),
    the block from ``top_left`` (where its defined name puts it: ``block_place``)."""
    c0, r0 = _origin(top_left)
    letters = [get_column_letter(c0 + i) for i in range(4)]
    cells = [
        OwnedCell(f"{letters[0]}{r0}", "Nämnd", style="header"),
        OwnedCell(f"{letters[1]}{r0}", f"Budgetram {year - 1}", style="header"),
        OwnedCell(f"{letters[2]}{r0}", f"Budgetram {year}", style="header"),
        OwnedCell(f"{letters[3]}{r0}", "Förändring, %", style="header"),
    ]
    r = r0 + 1
    for src, row in rows:
        sheet = f"{quote_sheet(ft.sheet)}!"  # an apostrophe in the name doubled
        cells += [
            OwnedCell(f"{letters[0]}{r}", row.label, formula=f"{sheet}{ft.col_letter('label')}{src}", style="text"),
            OwnedCell(f"{letters[1]}{r}", row.prior_frame, formula=f"{sheet}{ft.col_letter('prior_frame')}{src}", style="amount"),
            OwnedCell(f"{letters[2]}{r}", row.frame, formula=f"{sheet}{ft.col_letter('frame')}{src}", style="amount"),
            # A nämnd new this year has no prior frame: no per cent, an empty text as IF gives.
            OwnedCell(f"{letters[3]}{r}", row.frame / row.prior_frame - 1 if row.prior_frame else "",
                      formula=f'IF({letters[1]}{r}=0,"",{letters[2]}{r}/{letters[1]}{r}-1)', style="pct1"),
        ]
        r += 1
    return cells


def burndown_block(ledger, top_left: str = L.CHART_BURNDOWN_TOP_LEFT) -> list[OwnedCell]:
    """År | Underskott YYYY (sista år ZZZZ) …: remaining at the end of each year."""
    c0, r0 = _origin(top_left)
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
    frame_cells, burn_cells = owned_blocks(cells)
    return frame_cells + burn_cells, []


def block_places(cells) -> tuple[tuple[str, str], tuple[str, str]]:
    """(sheet, top-left) of the frames block and of the burndown block: where their
    defined names put them (cut and pasted elsewhere in Excel), else the Diagram sheet's
    layout places."""
    out = []
    home = L.SHEET_CHARTS
    for name, top_left in ((block_names.DIAGRAM_FRAMES, L.CHART_FRAMES_TOP_LEFT),
                           (block_names.DIAGRAM_BURNDOWN, L.CHART_BURNDOWN_TOP_LEFT)):
        named = block_names.read_block(cells, name)
        if named is None and home == L.SHEET_CHARTS and home not in cells.sheet_names():
            # the Diagram sheet renamed in a workbook without the names: found by its header row
            from xlmodel.workbook.signatures import CHARTS, find_sheet

            home = find_sheet(cells, CHARTS) or home
        out.append((named.sheet, named.ref.split(":")[0]) if named is not None else (home, top_left))
    return out[0], out[1]


def owned_blocks(cells) -> tuple[list[OwnedCell], list[OwnedCell]]:
    """The two data blocks: the nämnder's frames, and what remains of each deficit."""
    year, rows = frames.committee_rows(cells)
    raw = read_table(cells, L.BALANSKRAV_TABLE, balanskrav_sheet.RULE)
    inp, _rows, _stated = balanskrav_sheet.ledger_input(raw, None)
    (_fs, frames_at), (_bs, burn_at) = block_places(cells)
    return (committee_block(year, rows, frames.frame_place(cells), frames_at),
            burndown_block(restoration_ledger(inp), burn_at))


def sheet_plans(cells) -> list:
    (frames_sheet, _f), (burn_sheet, _b) = block_places(cells)
    if frames_sheet not in cells.sheet_names() or burn_sheet not in cells.sheet_names():
        return []  # an older workbook without charts: nothing to keep up to date
    frame_cells, burn_cells = owned_blocks(cells)
    frames_named = [NamedBlock(block_names.DIAGRAM_FRAMES, ref) for ref in [block_names.extent_of(frame_cells)] if ref]
    burn_named = [NamedBlock(block_names.DIAGRAM_BURNDOWN, ref) for ref in [block_names.extent_of(burn_cells)] if ref]
    if frames_sheet == burn_sheet:
        return [SheetPlan(sheet=frames_sheet, cells=frame_cells + burn_cells, blocks=frames_named + burn_named)]
    return [SheetPlan(sheet=frames_sheet, cells=frame_cells, blocks=frames_named),
            SheetPlan(sheet=burn_sheet, cells=burn_cells, blocks=burn_named)]


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
    from xlmodel.workbook.owned_blocks import stale_findings

    findings += stale_findings(cells, plans, RULE)  # rows of a block's name the block no longer covers
    pkg = getattr(cells, "pkg", None)
    if pkg is not None:
        from xlmodel.findings import Severity
        from xlmodel.workbook.charts import ranges as chart_ranges

        for s in chart_ranges.stale(pkg, plans):
            first = s.old.split(":")[0]
            findings.append(Finding(
                rule=f"{RULE}.intervall", severity=Severity.ERROR, sheet=s.sheet, cell=first,
                message=(f"Diagrammet ritar {s.old} men tabellen som det visar går över {s.new}: en rad "
                         "saknas eller är för mycket i diagrammet. Kör 'xlmodel regenerera'."),
                expected=s.new, found=s.old,
            ))
    return findings, n


def build_charts(book, table, ledger) -> None:
    s = L.SHEET_CHARTS
    book.title(s, L.CHARTS_LAYOUT.title, L.CHARTS_LAYOUT.subtitle)
    frames_cells = frame_block(table)
    burn_cells = burndown_block(ledger)
    for c in frames_cells + burn_cells:
        book.write(s, c.ref, c.value, c.style, c.formula)
    book.name_block(block_names.DIAGRAM_FRAMES, s, block_names.extent_of(frames_cells))
    book.name_block(block_names.DIAGRAM_BURNDOWN, s, block_names.extent_of(burn_cells))
    ws = book.sheet(s)
    book.widths(L.CHARTS_LAYOUT)
    ws.set_column(6, 6 + len(ledger.deficits), L.CHART_DEFICIT_WIDTH)
    ws.set_row(r0_header := _origin(L.CHART_FRAMES_TOP_LEFT)[1] - 1, 32)
    draw_charts(book.wb, ws, s, table.year, sum(1 for r in table.rows if r.parent is None), ledger)


def draw_charts(wb, ws, s: str, year: int, n: int, ledger) -> None:
    """The three charts on XlsxWriter's sheet ``ws`` (named ``s``) of workbook ``wb``,
    over the two blocks at the layout's places: ``n`` nämnder of the budget ``year``, the
    ledger's deficits and years. The builder draws them on the Diagram sheet; ``xlmodel
    anslut`` draws them in a scratch workbook and takes the chart parts from it."""
    c0, r0 = _origin(L.CHART_FRAMES_TOP_LEFT)
    years = ledger.last_year - ledger.first_year + 1
    first, last = r0, r0 + n  # zero-based rows for XlsxWriter: header at r0-1
    chart = wb.add_chart({"type": "bar"})
    for k, color in ((1, "#9DC3E6"), (2, "#2E75B6")):
        chart.add_series({
            "name": [s, r0 - 1, c0 - 1 + k],
            "categories": [s, first, c0 - 1, last - 1, c0 - 1],
            "values": [s, first, c0 - 1 + k, last - 1, c0 - 1 + k],
            "fill": {"color": color},
        })
    chart.set_title({"name": f"Budgetram per nämnd {year - 1} och {year}, mkr"})
    chart.set_x_axis({"num_format": "#,##0", "major_gridlines": {"visible": True}})
    chart.set_y_axis({"reverse": True})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 720, "height": 420})
    ws.insert_chart(f"A{r0 + max(n, years) + 3}", chart)
    bc0, br0 = _origin(L.CHART_BURNDOWN_TOP_LEFT)
    if ledger.deficits:  # a plan without deficits (a new plan) has nothing to draw here: no empty chart
        burn = wb.add_chart({"type": "column"})
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
    change = wb.add_chart({"type": "bar"})
    change.add_series({
        "name": [s, r0 - 1, c0 + 2],
        "categories": [s, first, c0 - 1, last - 1, c0 - 1],
        "values": [s, first, c0 + 2, last - 1, c0 + 2],
        "fill": {"color": "#2E75B6"},
        "data_labels": {"value": True, "num_format": "0.0%"},
    })
    change.set_title({"name": f"Förändring av budgetram {year - 1}–{year} per nämnd, %"})
    change.set_x_axis({"num_format": "0%", "major_gridlines": {"visible": True}})
    change.set_y_axis({"reverse": True})
    change.set_legend({"none": True})
    change.set_size({"width": 720, "height": 420})
    ws.insert_chart(f"A{r0 + max(n, years) + 3 + 46}", change)
