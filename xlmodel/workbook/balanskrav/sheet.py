"""The Balanskrav sheet of a regionplan: balanskravsresultat per year and the ledger.

The restoration ledger is the spilled result of ``=ATERSTALLNING(år; resultat;
synnerliga skäl; förlängt till)`` over the year table, computed by calling the same
function (``udf_cells``). Checks come from ``xlmodel.rules.restoration`` on the same
inputs plus what the plan states about deadlines (tblFrister): a restoration after
the deadline and a deficit still open at it are errors on the deficit year's cell; a
stated last year later than the law allows is a warning on that statement's cell
(Region Västerbottens Regionplan 2021, avsnitt Balanskravsutredning: 2023 for the 2019 deficit,
the law gives 2022).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from xlmodel.errors import InputError
from xlmodel.findings import Finding
from xlmodel.location import Locator
from xlmodel.rules.restoration import (
    Extension,
    RestorationInput,
    StatedDeadline,
    WriteOff,
    YearResult,
    restoration_ledger,
)
from xlmodel.rules.years import AscendingYears
from xlmodel.workbook import layout as L
from xlmodel.workbook import block_names
from xlmodel.workbook.owned import NamedBlock, OwnedCell, SheetPlan, compare_cell
from xlmodel.workbook.tables import RawTable, convert
from xlmodel.workbook.udf_cells import argument, call, spill_cells
from xlmodel.xlsx.refs import get_column_letter, quote_sheet
from xlmodel.workbook.cells import read_table
from xlmodel.workbook.year_rows import unfilled_findings

RULE = "aterstallning"
T = L.BALANSKRAV_TABLE
S = L.STATED_DEADLINES_TABLE
WHOLE = {"hela", "allt", "hela underskottet"}
LEDGER_STYLES = L.LEDGER_FUNCTION_STYLES


def _range(raw: RawTable, key: str, n: int) -> str:
    col = get_column_letter(raw.columns[key]) if raw.columns else T.col_letter(key)
    first = (raw.header_row or T.header_row) + 1
    return f"{col}{first}:{col}{first + max(n, 1) - 1}"


def ledger_input(raw: RawTable, stated: RawTable | None) -> tuple[RestorationInput, list[dict[str, Any]], list[dict[str, Any]]]:
    rows = raw.typed(RULE)
    series, write_offs, extensions = [], [], []
    years = AscendingYears(RULE)
    for r in rows:
        years.add(r["year"], raw.location(r, "year"))
        series.append(YearResult(year=r["year"], balanskravsresultat=r["result"], where=Locator(partial(raw.location, r))))
        reason = f"Beslut angivet i arbetsboken ({r['source'] or 'ingen källa'})"
        if r["write_off"]:
            text = str(r["write_off"]).strip()
            try:
                amount = None if text.lower() in WHOLE else r["write_off"]
                write_offs.append(WriteOff(origin_year=r["year"], amount=amount, reason=reason))
            except InputError as err:
                raise err.at(*raw.where(r, "write_off")) from None
        if r["extended_to"]:
            try:
                extensions.append(Extension(origin_year=r["year"], to_year=r["extended_to"], reason=reason))
            except InputError as err:
                raise err.at(*raw.where(r, "extended_to")) from None
    stated_rows = stated.typed(RULE) if stated is not None else []
    claims = [StatedDeadline(origin_year=s["origin_year"], last_year=s["last_year"], source=s["source"] or "",
                             where=Locator(partial(stated.location, s)))
              for s in stated_rows]
    try:
        inp = RestorationInput(series=tuple(series), write_offs=tuple(write_offs), extensions=tuple(extensions),
                               stated_deadlines=tuple(claims), check_atgardsplan=False)
    except InputError as err:
        raise err.at(raw.sheet or T.sheet, T.top_left) from None
    return inp, rows, stated_rows


def sheet_cells(raw: RawTable, stated: RawTable | None, values: dict[str, Any], anchor: str = L.LEDGER_ANCHOR,
                table_sheet: str | None = None) -> tuple[list[OwnedCell], list[Finding]]:
    """The ledger's cells spilled from ``anchor``; ``table_sheet``: the input table's
    sheet when the ledger stands on another (its formula then names it)."""
    ledger = restoration_ledger(ledger_input(raw, stated)[0])
    n = len(raw.rows)  # the whole table, blank rows included, as the sheet's formula covers it
    refs = [_range(raw, k, n) for k in ("year", "result", "write_off", "extended_to")]
    result = call("ATERSTALLNING", *(argument(values, r) for r in refs))
    on = f"{quote_sheet(table_sheet)}!" if table_sheet else ""
    cells = spill_cells(anchor, f"ATERSTALLNING({','.join(on + r for r in refs)})", result, styles=LEDGER_STYLES)
    # The ledger's findings lie on their rows' cells (the deficit's result, a stated last
    # year); one about the whole series on the table.
    findings = [f if f.sheet is not None else f.at(raw.sheet or T.sheet, T.top_left) for f in ledger.findings]
    return cells, findings


def _values(cells, sheet: str) -> dict[str, Any]:
    return {ref: cells.value(sheet, ref) for ref in cells.cells(sheet)} if hasattr(cells, "cells") else {}


def ledger_place(cells) -> tuple[str, str]:
    """(sheet, anchor) of the ledger: where its defined name ``xlmodel_Balanskrav`` puts
    it (a ledger cut and pasted elsewhere, or placed by ``xlmodel anslut``), else
    Balanskrav!G4 as the builder lays it out; a workbook without a Balanskrav sheet (the
    user renamed it, in a book built before the name) has it at G4 of the sheet
    tblBalanskrav stands on (``block_place.home_sheet``)."""
    from xlmodel.workbook.block_place import anchor_place, home_sheet

    return anchor_place(cells, block_names.BALANSKRAV, home_sheet(cells, T), L.LEDGER_ANCHOR, RULE)


def sheet_plans(cells) -> list:
    raw = read_table(cells, T, RULE)
    sheet, anchor = ledger_place(cells)
    stated = read_table(cells, S, RULE, optional=True)
    table_sheet = raw.sheet or T.sheet
    owned, findings = sheet_cells(raw, stated, _values(cells, table_sheet), anchor,
                                  table_sheet if table_sheet != sheet else None)
    findings += unfilled_findings(raw, RULE)  # a year rulla-fram added, not yet filled in
    named = [NamedBlock(block_names.BALANSKRAV, ref) for ref in [block_names.extent_of(owned)] if ref]
    return [SheetPlan(sheet=sheet, cells=owned, findings=findings, blocks=named)]


def validate_balanskrav(cells) -> tuple[list[Finding], int]:
    plan = sheet_plans(cells)[0]
    findings = list(plan.findings)
    for oc in plan.cells:
        f = compare_cell(cells, plan.sheet, oc, RULE)
        if f is not None:
            findings.append(f)
    return findings, len(plan.cells)


def build_balanskrav(book, source) -> None:
    from xlmodel.workbook.book import csv_table

    raw = csv_table(source, "balanskrav", T, rows_of=("år", "år"))
    stated = csv_table(source, "frister", S, optional=True)
    book.input_table(T, raw.rows)
    if stated is not None:
        book.write(S.sheet, f"A{S.header_row - 1}", "Sista år som planen anger för att återställa ett underskott (kontrolleras mot lagen)", "label")
        book.input_table(S, stated.rows)
    # The input values as the sheet will hold them (typed), to call ATERSTALLNING with.
    values: dict[str, Any] = {}
    for i, row in enumerate(raw.rows):
        for key, col_index in raw.columns.items():
            col = next(c for c in T.columns if c.key == key)
            v = row.get(key)
            if col.kind in ("amount", "year") and v not in (None, ""):
                v = convert(v, col, rule=RULE)
            values[f"{get_column_letter(col_index)}{T.header_row + 1 + i}"] = v if v != "" else None
    owned, _ = sheet_cells(raw, stated, values)
    anchor = next(c for c in owned if c.spill)
    book.write(T.sheet, *L.LEDGER_LABEL, "label")
    book.spill(T.sheet, anchor.spill, owned)
    book.name_block(block_names.BALANSKRAV, T.sheet, block_names.extent_of(owned))
    book.widths(L.BALANSKRAV_LAYOUT)
    return restoration_ledger(ledger_input(raw, None)[0])
