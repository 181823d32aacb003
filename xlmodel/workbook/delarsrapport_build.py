"""``xlmodel bygg`` of a delårsrapport: the balanskravsutredning part and, where the
source folder holds its tables, the follow-up part (driftredovisning, omställning,
prognos). The kind's builder, above both parts (as ``regionplan_build`` is the
regionplan's), so neither part imports the other's builder."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from xlmodel.workbook import layout as L
from xlmodel.workbook.book import Book, csv_table
from xlmodel.workbook.utredning.sheet import T, _in_range, expected_cells, utredning_inputs
from xlmodel.workbook.followup.build import build_followup, has_followup
from xlmodel.workbook.followup.layout import SHEETS as FOLLOWUP_SHEETS
from xlmodel.workbook.vba import ENTRY_MACRO, xlwings_vba_project


def _reserves(meta: dict) -> dict[str, Decimal | None] | None:
    """The reserves' balances of ``bok.toml`` (``rur_ingaende``, ``resultatreserv_ingaende``,
    ``reservunderlag``, mkr), for the parameters ``layout.RESERVE_PARAMS``; None when the
    source gives none of them (the report is built without the reserves' block)."""
    keys = {"ReservRurIngaende": "rur_ingaende", "ReservResultatreservIngaende": "resultatreserv_ingaende",
            "ReservUnderlag": "reservunderlag"}
    if not any(k in meta for k in keys.values()):
        return None
    return {name: Decimal(str(meta[k])) if k in meta else None for name, k in keys.items()}


def build_delarsrapport(source, path: Path) -> None:
    meta = source.meta
    table = csv_table(source, "utredning", T, rows_of=("poster", "post i balanskravsutredningen"))
    year = int(meta["fiscal_year"])
    values = utredning_inputs(table, year)  # the year's lines: 1–8, and 9 from 2024
    reserves = _reserves(meta)
    cells, _ = expected_cells(values, year, reserves=reserves)
    # An .xlsm carries the VBA project the regionplan carries (``vba``): the sheet holds
    # =BALANSKRAV(), and only a macro workbook keeps the module "Import Functions" writes.
    is_macro_book = source.file_name.endswith(".xlsm")
    book = Book(path, title=meta["title"], vba_project=xlwings_vba_project() if is_macro_book else None)
    for name in L.DELARSRAPPORT_SHEETS:
        if name == L.CONF_SHEET and has_followup(source):
            for followup_sheet in FOLLOWUP_SHEETS:  # the follow-up part's sheets, before xlwings.conf
                book.sheet(followup_sheet)
        book.sheet(name)
    s = L.SHEET_INFO
    book.title(s, meta["title"], meta.get("source", ""))
    info = [
        "Balanskravsutredningen från årets resultat till balanskravsresultatet (LKBR 11 kap. 10 §, uppställning enligt RKR R15).",
        ("Fyll i de åtta raderna" if len(values) == 8 else
         "Fyll i de nio raderna (rad 9: användning av äldre resultatutjämningsreserv, från 2024)")
        + " med tecken som i den tryckta utredningen. Summorna räknas med vanliga formler;",
        "=BALANSKRAV() och =BALANSKRAV_UTREDNING() räknar samma sak i Python via xlwings-tillägget i Excel.",
        "I LibreOffice och utan xlwings visar de två funktionscellerna #NAME? men det sparade värdet syns i filen.",
    ]
    for i, line in enumerate(info):
        book.write(s, f"A{4 + i}", line)
    book.widths(L.DELARSRAPPORT_INFO_LAYOUT)
    if is_macro_book:
        # The regionplan's button macro: it regenerates every cell the workbook kind owns
        # (udfs.RAMTABELL_UPPDATERA → udfs.live.regenerate_book), here the utredning's.
        book.sheet(s).insert_button(
            "B4", {"macro": ENTRY_MACRO, "caption": "Uppdatera beräknade celler", "width": 180, "height": 32})
    book.input_table(T, table.rows)
    for p, v in zip(L.DELARSRAPPORT_PARAMS, (year, Decimal(str(meta["published_balanskravsresultat"])) if "published_balanskravsresultat" in meta else None)):
        book.param(p, v)
    book.widths(L.UTREDNING_LAYOUT)
    label_col = T.col_letter("label")
    book.write(T.sheet, f"{label_col}{L.UTREDNING_ADJUSTED_ROW}", "Årets resultat efter balanskravsjusteringar", "label")
    book.write(T.sheet, f"{label_col}{L.UTREDNING_RESULT_ROW}", "Balanskravsresultat", "label_sum")
    book.write(T.sheet, f"{label_col}{L.UTREDNING_UDF_ROW}", "Balanskravsresultat enligt =BALANSKRAV()", "label")
    book.write(T.sheet, f"{label_col}{L.UTREDNING_SPILL_TITLE_ROW}", "Hela utredningen enligt =BALANSKRAV_UTREDNING()", "label")
    if reserves is not None:
        for p in L.RESERVE_PARAMS:
            book.param(p, reserves[p.name])
        book.write(T.sheet, f"{L.RESERVE_ANCHOR[0]}{L.RESERVE_TITLE_ROW}", L.RESERVE_TITLE, "label")
    anchors = [c for c in cells if c.spill]   # the utredning, and =RESERVER() in a report with the reserves
    spilled = {a.ref: [c for c in cells if c is a or _in_range(c.ref, a.spill)] for a in anchors}
    in_a_spill = {id(c) for group in spilled.values() for c in group}
    for c in cells:
        if id(c) not in in_a_spill:
            book.write(T.sheet, c.ref, c.value, c.style, c.formula)
    for a in anchors:
        book.spill(T.sheet, a.spill, spilled[a.ref])
    from xlmodel.workbook import block_names

    book.name_block(block_names.UTREDNING, T.sheet, block_names.extent_of(cells))

    # Below the spilled utredning (11 lines from 2024): the reserve guidelines beside the law's limits.
    from xlmodel.workbook import reserve_guidelines

    reserve_guidelines.build(book, source, T.sheet, f"A{L.UTREDNING_SPILL_ROW + 14}", year)
    if has_followup(source):
        build_followup(book, source)
    book.conf_sheet()
    book.close()
