"""Builder of the regionplan workbook (Region Västerbotten, Regionplan 2021 and its kind)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from xlmodel.workbook.frametable import frames as F
from xlmodel.workbook import layout as L
from xlmodel.workbook.book import Book, csv_table
from xlmodel.workbook.sources import BookSource
from xlmodel.workbook.vba import ENTRY_MACRO, xlwings_vba_project


def frame_sources_from_csv(source: BookSource) -> F.FrameSources:
    meta = source.meta
    return F.FrameSources(
        frames=csv_table(source, "ramar", L.FRAMES_TABLE, rows_of=("nämnder", "nämnd")),
        changes=csv_table(source, "forandringar", L.CHANGES_TABLE),
        published=csv_table(source, "publicerat", L.PUBLISHED_TABLE, optional=True),
        year=int(meta["budget_year"]),
        default_index_rate=Decimal(str(meta["default_index_rate"])),
        announced_index_total=Decimal(str(meta["announced_index_total"])) if "announced_index_total" in meta else None,
        nettoram=Decimal(str(meta["nettoram"])) if "nettoram" in meta else None,
    )


def build_regionplan(source: BookSource, path: Path) -> None:
    meta = source.meta
    fsrc = frame_sources_from_csv(source)
    table = F.compute(fsrc)
    is_macro_book = source.file_name.endswith(".xlsm")
    book = Book(path, title=meta["title"], vba_project=xlwings_vba_project() if is_macro_book else None)
    for name in L.REGIONPLAN_SHEETS:
        book.sheet(name)

    _info_sheet(book, source, is_macro_book)
    _params_sheet(book, fsrc, body_of(meta), meta)
    _index_table(book, source)
    book.input_table(L.FRAMES_TABLE, fsrc.frames.rows)
    book.input_table(L.CHANGES_TABLE, fsrc.changes.rows)
    book.sheet(L.SHEET_CHANGES).data_validation(
        L.FIRST_DATA_ROW - 1, L.CHANGES_TABLE.first_col + 1, L.FIRST_DATA_ROW + 500, L.CHANGES_TABLE.first_col + 1,
        {"validate": "list", "source": list(L.CHANGE_KINDS_SV)},
    )
    if fsrc.published is not None:
        book.input_table(L.PUBLISHED_TABLE, fsrc.published.rows)
    else:  # a new plan has no printed figures yet: say so, rather than leave a blank sheet
        book.title(L.SHEET_PUBLISHED, L.PUBLISHED_TABLE.title,
                   "Ingen tryckt plan att stämma av mot ännu. När planen är tryckt: bygg om med publicerat.csv "
                   "(xlmodel bygg), så jämförs ramtabellen med planens siffror.")
    write_frametable(book, table)

    from xlmodel.workbook.balanskrav import sheet as balanskrav_sheet
    from xlmodel.workbook.resultatbudget import sheet as resultatbudget

    resultatbudget.build_resultatbudget(book, source)
    ledger = balanskrav_sheet.build_balanskrav(book, source)
    from xlmodel.workbook.charts import sheet as charts_sheet

    charts_sheet.build_charts(book, table, ledger)
    book.conf_sheet()
    book.close()


def write_frametable(book: Book, table) -> None:
    block = L.FRAMETABLE_BLOCK
    ws = book.sheet(block.sheet)
    book.title(block.sheet, block.title, L.FRAMETABLE_SUBTITLE)
    for i, col in enumerate(block.columns):
        ws.set_column(block.first_col - 1 + i, block.first_col - 1 + i, col.width)
    for cell in F.frametable_cells(table):
        book.write(block.sheet, cell.ref, cell.value, cell.style, cell.formula)
    from xlmodel.workbook import block_names

    book.name_block(block_names.FRAMETABLE, block.sheet, F.frametable_ref(len(table.rows)))
    ws.set_row(block.header_row - 1, 32)  # two-line headers ("Omställning / reducering")
    ws.freeze_panes(block.header_row, 2)


def _info_sheet(book: Book, source: BookSource, is_macro_book: bool) -> None:
    meta = source.meta
    s = L.SHEET_INFO
    ws = book.sheet(s)
    book.title(s, meta["title"], meta.get("source", ""))
    lines = [
        "Så här används arbetsboken",
        "1. Fyll i indata på bladen Parametrar, Ramar och Förändringar (gula celler).",
        "2. Klicka på 'Uppdatera ramtabell' (kräver Python och xlwings-tillägget i Excel) – eller kör",
        "   'xlmodel regenerera <fil>' utan Excel. Bara bladet Ramtabell skrivs om.",
        "3. Kontrollera med 'xlmodel validera <fil>': varje cell som strider mot reglerna rapporteras.",
        "",
        "Blad: " + ", ".join(L.REGIONPLAN_SHEETS),
        "Belopp i miljoner kronor (mkr). Avrundning: halvt uppåt till den publicerade precisionen (som Excels AVRUNDA).",
    ]
    if meta.get("organ"):
        lines.append(body_line(body_of(meta)))
    if meta.get("index_note"):
        lines.append("Index: " + meta["index_note"])
    for i, line in enumerate(lines):
        book.write(s, f"A{4 + i}", line, "label" if i == 0 else "text")
    book.widths(L.REGIONPLAN_INFO_LAYOUT)
    if is_macro_book:
        ws.insert_button(
            "B4",
            {"macro": ENTRY_MACRO, "caption": "Uppdatera ramtabell", "width": 180, "height": 32},
        )
    import io

    from xlmodel.workbook.logo import logo_png

    ws.insert_image("B7", "xlmodel.png", {"image_data": io.BytesIO(logo_png()), "x_offset": 10,
                                           "description": "xlmodel"})
    ws.insert_textbox(
        f"A{5 + len(lines)}",
        "Ramtabellen, resultatbudgetens delsummor, återställningstabellen och diagramdata räknas av "
        "xlmodel. Skriv inte i dem: ändra indata och klicka 'Uppdatera ramtabell' (eller kör "
        "'xlmodel regenerera'). 'xlmodel validera' visar varje cell som inte stämmer med reglerna.",
        {"width": 620, "height": 70, "font": {"size": 10}, "fill": {"color": "#FFF2CC"},
         "line": {"color": "#BF9000"}},
    )


def body_of(meta: dict):
    """The body the plan belongs to (bok.toml's ``organ``; none = region, as every plan
    built before the key existed)."""
    from xlmodel.rules.body import body_type

    return body_type(meta.get("organ"))


def body_line(body) -> str:
    """The Info sheet's line on whose plan this is, in the body's own words."""
    return (f"{body.name.capitalize()}: {body.fullmaktige} beslutar budgeten; ramarna på bladet Ramar gäller "
            f"{body.styrelse} och {body.namnder}. Standardindex: {body.index_long}. Resultatbudgetens bas: "
            f"{body.base_label.lower()}.")


def _params_sheet(book: Book, fsrc: F.FrameSources, body, fsrc_meta: dict) -> None:
    s = L.SHEET_PARAMS
    book.title(s, L.REGIONPLAN_PARAMS_LAYOUT.title, L.REGIONPLAN_PARAMS_LAYOUT.subtitle)
    values = {
        "Budgetar": fsrc.year,
        "Standardindex": fsrc.default_index_rate,
        "AviseratIndex": fsrc.announced_index_total,
        "Nettoram": fsrc.nettoram,
    }
    from dataclasses import replace

    for p in L.REGIONPLAN_PARAMS:
        # The index is named as the body names it: LPIK for a region (the layout's label), PKV for a kommun.
        book.param(replace(p, label=body.index_label()) if p.name == "Standardindex" else p, values[p.name])
    if "organ" in fsrc_meta:
        book.param(L.ORGAN_PARAM, body.key)
    book.widths(L.REGIONPLAN_PARAMS_LAYOUT)


def _index_table(book: Book, source: BookSource) -> None:
    """The index per year with its source (index.csv, optional), plus blank rows for the
    coming years' rates (``rulla-fram --index`` writes the next one)."""
    table = csv_table(source, "index", L.INDEX_TABLE, optional=True)
    rows = [] if table is None else list(table.rows)
    book.input_table(L.INDEX_TABLE, rows + [{}] * L.INDEX_TABLE_SPARE_ROWS)
    s = L.SHEET_PARAMS
    book.write(s, f"A{L.INDEX_TABLE.header_row - 1}", "Index per år med källa (Standardindex för budgetåret ska stå här)",
               "label")
    # Below the index table and its blank rows: fullmäktige's reserve guidelines beside the law's limits.
    from xlmodel.workbook import reserve_guidelines

    below = L.INDEX_TABLE.header_row + len(rows) + L.INDEX_TABLE_SPARE_ROWS + 4
    reserve_guidelines.build(book, source, s, f"A{below}", int(source.meta["budget_year"]))
    book.widths(L.REGIONPLAN_PARAMS_LAYOUT)  # the parameter labels' widths win over the tables'
