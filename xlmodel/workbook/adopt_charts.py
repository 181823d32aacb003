"""``xlmodel anslut --delar diagram``: the regionplan's chart sheet in a team's workbook.

The chart sheet owns no input: it shows the frame table (budget frame per nämnd, and its
change in per cent) and the restoration ledger (what remains of each deficit), so it
needs both parts, adopted in the same run or before. It is laid out as the builder lays
out the Diagram sheet (``charts.sheet``): the two data blocks from A4 and F4 (named
``xlmodel_Diagram_Ramar`` and ``xlmodel_Diagram_Aterstallning``), the frames block's
cells formulas pointing at the frame table where it stands, and the three charts drawn
over them. The charts are drawn by the builder's own code (``charts.sheet.draw_charts``)
in a scratch XlsxWriter workbook whose sheet has the new sheet's name, and its drawing
and chart parts are added with the new sheet (``add_sheets.NewDrawing``).

The blocks and the charts are drawn from the computed frame table and ledger, so the two
parts' inputs must be complete when the charts are added: otherwise the part is refused
(nothing written) with what to fill in first. Later ``regenerera`` keeps the blocks and
the charts' ranges up to date as nämnder are added (``charts.ranges``); a new deficit
(a new column) is not drawn.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from typing import Any

from xlmodel.errors import InputError
from xlmodel.workbook import block_names
from xlmodel.workbook import layout as L
from xlmodel.xlsx.add_sheets import NewDrawing, NewSheet, free_sheet_name

RULE = "anslut"
NEEDS = ("ramtabell", "balanskrav")


def check_prerequisites(present: set[str], parts: tuple[str, ...]) -> None:
    """The frame table and the balanskrav, in the workbook or in this run: else refused."""
    missing = [p for p in NEEDS if p not in present and p not in parts]
    if missing:
        raise InputError(
            "delen diagram visar ramtabellen och återställningstabellen, och arbetsboken har inte "
            f"{'delen' if len(missing) == 1 else 'delarna'} {' och '.join(missing)}: lägg till {'den delen' if len(missing) == 1 else 'de delarna'} i samma körning "
            f"(t.ex. --delar {','.join([*missing, 'diagram'])}) eller först; inget har ändrats",
            rule=RULE, argument="--delar")


def charts_sheet(taken: set[str]) -> NewSheet:
    """The new sheet (Diagram, numbered when taken), filled by ``fill`` on the draft."""
    name = free_sheet_name(L.SHEET_CHARTS, taken)
    taken.add(name)
    return NewSheet(name=name)


def fill(draft: Any, sheet: NewSheet) -> dict[str, str]:
    """``sheet``'s blocks, widths and charts from ``draft`` (the package with the other
    parts added); returns the blocks' defined names. Refused when the frame table or the
    ledger cannot be computed from the inputs yet."""
    from xlmodel.rules.restoration import restoration_ledger
    from xlmodel.workbook.balanskrav import sheet as B
    from xlmodel.workbook.cells import PackageCells, read_table
    from xlmodel.workbook.charts import sheet as C
    from xlmodel.workbook.frametable import frames

    cells = PackageCells(draft)
    try:
        year, rows = frames.committee_rows(cells)
        inp, _rows, _stated = B.ledger_input(read_table(cells, L.BALANSKRAV_TABLE, B.RULE), None)
    except InputError as err:
        raise InputError(
            "diagrammen ritas över ramtabellens nämnder och återställningstabellens underskott, så deras indata "
            "måste vara ifyllda när delen diagram läggs till (fyll i dem med --ramar, --budgetar och --index, "
            f"eller i tabellerna och kör 'xlmodel regenerera', och lägg sedan till diagram): {err.message} "
            "(inget har ändrats)", rule=RULE, argument="--delar") from None
    ledger = restoration_ledger(inp)
    frame_cells = C.committee_block(year, rows, frames.frame_place(cells), L.CHART_FRAMES_TOP_LEFT)
    burn_cells = C.burndown_block(ledger, L.CHART_BURNDOWN_TOP_LEFT)
    from xlmodel.xlsx.add_sheets import NewFormula

    sheet.cells["A1"] = L.CHARTS_LAYOUT.title
    sheet.styles["A1"] = "title"
    sheet.cells["A2"] = L.CHARTS_LAYOUT.subtitle
    sheet.styles["A2"] = "subtitle"
    for oc in frame_cells + burn_cells:
        if oc.value is not None or oc.formula:
            sheet.cells[oc.ref] = NewFormula(oc.formula, oc.value) if oc.formula else oc.value
        if oc.style:
            sheet.styles[oc.ref] = oc.style
    sheet.widths.update(L.CHARTS_LAYOUT.column_widths())
    for c in range(7, 7 + len(ledger.deficits) + 1):
        sheet.widths[c] = L.CHART_DEFICIT_WIDTH
    sheet.drawing = drawn(sheet.name, year, len(rows), ledger)
    return {block_names.DIAGRAM_FRAMES: block_names.name_value(sheet.name, block_names.extent_of(frame_cells)),
            block_names.DIAGRAM_BURNDOWN: block_names.name_value(sheet.name, block_names.extent_of(burn_cells))}


def drawn(sheet_name: str, year: int, n: int, ledger: Any) -> NewDrawing:
    """The charts as the builder draws them, on a scratch sheet named ``sheet_name`` (so
    their ranges name the new sheet): its drawing part and each chart's XML by the
    drawing's relationship id."""
    import xlsxwriter

    from xlmodel.workbook.charts.sheet import draw_charts

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet(sheet_name)
    draw_charts(wb, ws, sheet_name, year, n, ledger)
    wb.close()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zf:
        drawing_part = "xl/drawings/drawing1.xml"
        rels = zf.read("xl/drawings/_rels/drawing1.xml.rels").decode("utf-8")
        charts = {}
        for rid, target in re.findall(r'<Relationship Id="(rId\d+)" Type="[^"]*/chart" Target="([^"]+)"', rels):
            charts[rid] = zf.read(posixpath.normpath(posixpath.join("xl/drawings", target)))
        return NewDrawing(drawing=zf.read(drawing_part), charts=charts)
