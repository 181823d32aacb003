"""The Prognos sheet of the follow-up part: the year's forecast into the balance requirement.

- ``tblPrognos``: the resultatbudget's lines, budget and prognos for the year; the block
  beside it computes summa skatter och statsbidrag, verksamhetens resultat, finansnetto
  and resultat for both (``followup.forecast_totals``, the resultatbudget's identities);
- the forecast's resultat is the balanskravsutredning's "årets resultat" (rad 1): when
  the two differ it is an ERROR on the utredning's cell (``uppfoljning.prognos_utredning``);
- ``tblBalanskravAr``: balanskravsresultat per year as budget, prognos and utfall; the
  fiscal year's prognos is owned, a formula to the utredning's balanskravsresultat; the
  ledger uses utfall, else prognos, else budget (``followup.balance_basis``), and the
  restoration ledger spills beside it from ``=ATERSTALLNING()`` (computed by calling the
  function, ``udf_cells``), so deficits are followed with the forecast beside budget and
  outcome.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from xlmodel.errors import InputError
from xlmodel.findings import Finding, Severity
from xlmodel.location import Location
from xlmodel.money import fmt_mkr
from xlmodel.rules import followup as R
from xlmodel.rules.years import AscendingYears
from xlmodel.workbook import layout as L
from xlmodel.workbook.block_place import home_sheet
from xlmodel.workbook.followup import layout as F
from xlmodel.xlsx.refs import formula_sheet, get_column_letter

RULE = R.RULE
SOURCE = "Delårsrapport augusti 2021 (Region Västerbotten), avsnitt 2.6 Prognos och 2.8 Balanskravsresultat"
SOURCE_LEDGER = "Kommunallagen (2017:725) 11 kap. 12 §; delårsrapport augusti 2021, avsnitt 2.8"
TEXT_TOTALS = ("Resultatbudgetens summor, för budget och prognos: summa skatter och statsbidrag = skatteintäkter + "
               "generella statsbidrag; verksamhetens resultat = nettoram + summan; finansnetto = finansiella intäkter + "
               "finansiella kostnader; resultat = verksamhetens resultat + finansnetto. Diff = prognos − budget.")
TEXT_BASIS = ("Återställningen räknas på utfallet när året är avslutat, annars på den senaste prognosen, annars på "
              "budgeten. Räkenskapsårets prognos är balanskravsutredningens balanskravsresultat.")


def present(cells) -> bool:
    return cells.table(F.FORECAST_TABLE.table) is not None or cells.table(F.YEARS_TABLE.table) is not None


def block_letter(i: int, origin=None) -> str:
    """Column ``i`` (0 = Post) of the resultat block standing at ``origin`` (its header
    cell; the layout's place when None)."""
    return get_column_letter((origin.col if origin is not None else F.FORECAST_BLOCK_COL) + i)


def block_row(key: str, origin=None) -> int:
    return (origin.row if origin is not None else F.FORECAST_BLOCK_HEADER_ROW) + 1 + R.FORECAST_TOTALS.index(key)


def forecast_cells(cells, part, own, Why, mkr, origin=None) -> None:
    """Add the Prognos sheet's owned cells, explanations and findings to ``part``
    (``origin``: where the resultat block stands, ``blocks.origins``)."""
    from xlmodel.rules.balanskrav import BalanskravInput, balanskravsutredning
    from xlmodel.workbook import block_names as B
    from xlmodel.workbook.utredning import sheet as D
    from xlmodel.workbook.cells import param_location, read_param, read_table
    from xlmodel.workbook.followup.blocks import FORECAST

    origin = origin or FORECAST

    S = home_sheet(cells, F.FORECAST_TABLE)  # Prognos, or the name the user has given it
    # The utredning's own parameter and table, read under its rule: a bad cell there is
    # then the same finding as the utredning's and reported once (validate_cells).
    year = read_param(cells, L.DELARSRAPPORT_PARAMS[0], D.RULE)
    utr_table = read_table(cells, L.UTREDNING_TABLE, D.RULE, optional=True)
    utr_values = D.utredning_inputs(utr_table, year) if utr_table is not None else None
    # The utredning's computed cells stand on its sheet, whatever the user has named it.
    utr_sheet = home_sheet(cells, L.UTREDNING_TABLE)
    prognos_resultat = None
    from xlmodel.workbook.followup.reading import read_source_table

    raw = read_source_table(cells, F.FORECAST_TABLE, RULE, optional=True)
    if raw is not None:
        rows = raw.typed(RULE)
        by = {}
        for r in rows:
            key = str(r["id"]).strip().lower()
            if key not in R.FORECAST_KEYS or key in by:
                raise raw.location(r, "id").error(
                    f"raden '{r['id']}' är ingen (eller en upprepad) rad i prognosen; ange en av {', '.join(R.FORECAST_KEYS)}",
                    rule=RULE)
            by[key] = r
        missing = [k for k in R.FORECAST_KEYS[:3] if k not in by]
        if missing:
            first = f"{get_column_letter(min(raw.columns.values()))}{raw.header_row}" if raw.columns else F.FORECAST_TABLE.top_left
            raise Location(sheet=raw.sheet or S, cell=first).error(f"prognosen saknar raderna {', '.join(missing)}", rule=RULE)
        col = {k: get_column_letter(raw.columns[k]) if raw.columns and k in raw.columns else F.FORECAST_TABLE.col_letter(k)
               for k in ("id", "label", "budget", "prognos")}
        row_of = {k: (raw.header_row or F.FORECAST_TABLE.header_row) + 1 + r["_row"] for k, r in by.items()}
        diff_col = F.FORECAST_TABLE.col_letter("diff")
        part.block = B.FU_FORECAST_DIFF
        for k, r in by.items():
            n = row_of[k]
            d = r["prognos"] - r["budget"]
            own(S, f"{diff_col}{n}", d, f"{col['prognos']}{n}-{col['budget']}{n}", "amount_bold",
                Why(f"{RULE}.prognos", f"Diff: {r['label']}", TEXT_TOTALS, SOURCE,
                    [("Prognos helår", (S, f"{col['prognos']}{n}"), r["prognos"]), ("Budget helår", (S, f"{col['budget']}{n}"), r["budget"])],
                    [f"{mkr(r['prognos'])} − ({mkr(r['budget'])}) = {mkr(d)}"]))
        totals = {b: R.forecast_totals(year, {k: r[b] for k, r in by.items()}) for b in ("budget", "prognos")}
        part.block = B.FU_FORECAST
        BS = origin.sheet  # the block's sheet: Prognos, unless its name has moved it
        h = block_row(R.FORECAST_TOTALS[0], origin) - 1
        for i, head in enumerate(("Post", "Budget helår", "Prognos helår", "Diff")):
            own(BS, f"{block_letter(i, origin)}{h}", head, None, "header")

        def at(key: str, basis: int) -> tuple[str, str]:  # basis 1 = budget, 2 = prognos: a line's or a total's cell
            if key in by:
                return S, f"{col['budget' if basis == 1 else 'prognos']}{row_of[key]}"
            return BS, f"{block_letter(basis, origin)}{block_row(key, origin)}"

        def ref(key: str, basis: int) -> str:  # the same cell as the block's formula writes it
            return origin.ref_from(*at(key, basis))

        formulas = {
            "summa_skatter_statsbidrag": ("skatteintakter", "statsbidrag"),
            "verksamhetens_resultat": ("nettoram", "summa_skatter_statsbidrag"),
            "finansnetto": tuple(k for k in ("finansiella_intakter", "finansiella_kostnader") if k in by),
            "resultat": ("verksamhetens_resultat", "finansnetto"),
        }
        for key in R.FORECAST_TOTALS:
            n = block_row(key, origin)
            label = F.FORECAST_BLOCK_LABELS[key]
            own(BS, f"{block_letter(0, origin)}{n}", label, None, "label_sum" if key == "resultat" else "label")
            for basis, name in ((1, "budget"), (2, "prognos")):
                parts = formulas[key]
                v = totals[name][key]
                f = f"SUM({','.join(ref(p, basis) for p in parts)})" if parts else None
                own(BS, f"{block_letter(basis, origin)}{n}", v, f, "amount_sum" if key == "resultat" else "amount",
                    Why(f"{RULE}.prognos", f"{label}, {name}", TEXT_TOTALS, SOURCE,
                        [(p, at(p, basis), None) for p in parts], [f"{block_letter(basis, origin)}{n} = {mkr(v)}"]))
            d = totals["prognos"][key] - totals["budget"][key]
            own(BS, f"{block_letter(3, origin)}{n}", d, f"{block_letter(2, origin)}{n}-{block_letter(1, origin)}{n}", "amount_bold",
                Why(f"{RULE}.prognos", f"{label}, diff", TEXT_TOTALS, SOURCE,
                    [("Prognos", (BS, f"{block_letter(2, origin)}{n}"), totals["prognos"][key]),
                     ("Budget", (BS, f"{block_letter(1, origin)}{n}"), totals["budget"][key])],
                    [f"{mkr(totals['prognos'][key])} − ({mkr(totals['budget'][key])}) = {mkr(d)}"]))
        prognos_resultat = totals["prognos"]["resultat"]
        # The forecast's resultat is the utredning's årets resultat (rad 1).
        if utr_values is not None and utr_values["arets_resultat"] != prognos_resultat:
            cell = f"{L.UTREDNING_TABLE.col_letter('amount')}{L.UTREDNING_TABLE.header_row + 1}"
            part.findings.append(Finding(
                rule=f"{RULE}.prognos_utredning", severity=Severity.ERROR, subject="arets_resultat", field="resultat",
                message=(f"Balanskravsutredningen utgår från årets resultat {fmt_mkr(utr_values['arets_resultat'])} mkr men "
                         f"prognosen ger {fmt_mkr(prognos_resultat)} mkr ({BS}!{block_letter(2, origin)}{block_row('resultat', origin)}): "
                         "utredningen ska göras på årets prognos."),
                expected=prognos_resultat, found=utr_values["arets_resultat"], sheet=utr_sheet, cell=cell))
    years = read_source_table(cells, F.YEARS_TABLE, RULE, optional=True)
    if years is not None:
        utr_result = None
        if utr_values is not None:
            try:
                utr_result = balanskravsutredning(BalanskravInput(**utr_values), year).balanskravsresultat
            except InputError:
                pass   # a line the law of the year refuses: the utredning's finding (reported once)
        part.block = B.FU_YEARS
        # The utredning's balanskravsresultat where its block stands (its name may have moved
        # it); a name on a sheet the book lacks is the utredning's finding, the rest is checked.
        utr_at = None
        if utr_table is not None:
            try:
                utr_at = D.result_cell(cells)
            except InputError:
                pass
        ledger_cells(years, year, utr_result, part, own, Why, mkr, param_location(cells, L.DELARSRAPPORT_PARAMS[0]),
                     utr_sheet, home_sheet(cells, F.YEARS_TABLE), ledger_place(cells), utr_at)
        if utr_table is not None:
            rows = years.typed(RULE)
            part.findings += links_of_other_years(cells, years, rows, year, utr_at or (utr_sheet, _utr_result_cell()))
            part.findings += year_not_in_table(years, rows, year)
    part.block = None


def year_not_in_table(raw, rows: list[dict[str, Any]], year: int) -> list[Finding]:
    """The report's fiscal year with no row in tblBalanskravAr (a report typed over to
    a year after the table's last): its prognos, the utredning's balanskravsresultat,
    would be in no row, and a deficit of the year in no restoration. An ERROR naming the
    row to add, where it goes (the table's next row, where Excel extends the table).
    ``rows``: the table's typed rows (``raw.typed``)."""
    years = [r["year"] for r in rows]
    if not rows or year in years:
        return []
    if year > years[-1]:
        sheet, cell = raw.locate(max(r["_row"] for r in rows) + 1, "year")
        missing = f"{years[-1] + 1}–{year}" if year > years[-1] + 1 else str(year)
        todo = (f"Lägg till {'raderna' if year > years[-1] + 1 else 'raden'} År {missing} i tabellen "
                f"{F.YEARS_TABLE.table}, från {cell} direkt under {years[-1]}, med årets budget")
    else:
        sheet, cell = raw.where(rows[0], "year") if year < years[0] else raw.where(
            next(r for r in rows if r["year"] > year), "year")
        todo = f"Lägg till raden År {year} i tabellen {F.YEARS_TABLE.table} i årsordning (före {cell})"
    return [Finding(
        rule=f"{RULE}.rakenskapsar_saknas", severity=Severity.ERROR, subject=str(year), sheet=sheet, cell=cell,
        message=(f"Räkenskapsåret {year} har ingen rad i {F.YEARS_TABLE.table} (åren {years[0]}–{years[-1]}): årets "
                 f"prognos, balanskravsutredningens resultat, kommer inte med i återställningen av underskott. "
                 f"{todo}; xlmodel skriver prognosen där."),
    )]


def _utr_result_cell() -> str:
    return f"{L.UTREDNING_TABLE.col_letter('amount')}{L.UTREDNING_RESULT_ROW}"


def links_of_other_years(cells, raw, rows: list[dict[str, Any]], year: int,
                         utr_at: tuple[str, str]) -> list[Finding]:
    """A Prognos cell of tblBalanskravAr that links to the utredning's balanskravsresultat
    in a row that is not the report's fiscal year: left by a report whose year was typed
    over (2021 → 2022), that row would take the new year's result as its own prognos, and
    the restoration ledger would follow a wrong figure. An ERROR at the cell; the figure
    of that year is the controller's to type (xlmodel cannot know it)."""
    from xlmodel.workbook.owned import normalize_formula

    S = home_sheet(cells, F.YEARS_TABLE)
    utr_sheet, utr_cell = utr_at
    links = {normalize_formula(f"{formula_sheet(utr_sheet)}!{utr_cell}")}
    if utr_sheet == S:
        links.add(normalize_formula(utr_cell))
    out = []
    for r in rows:
        if r["year"] == year:
            continue
        sheet, ref = raw.where(r, "prognos")
        formula = cells.formula(sheet, ref)
        if formula is None or normalize_formula(formula) not in links:
            continue
        out.append(Finding(
            rule=f"{RULE}.prognos_lank", severity=Severity.ERROR, subject=str(r["year"]), field="prognos",
            sheet=sheet, cell=ref, found=r["prognos"],
            message=(f"Prognos {r['year']} är formeln ={formula}, balanskravsutredningens resultat, men utredningen "
                     f"gäller räkenskapsåret {year}: raden {r['year']} skulle räkna med {year} års balanskravsresultat "
                     f"i återställningen. Skriv {r['year']} års prognos som ett belopp i {ref} (eller utfallet i "
                     "kolumnen Utfall)."),
        ))
    return out


def ledger_place(cells) -> tuple[str, str]:
    """(sheet, anchor) of the =ATERSTALLNING() ledger: where its defined name
    ``xlmodel_Prognos_Aterstallning`` puts it (cut and pasted elsewhere in Excel, on
    Prognos or another sheet), else I14 of tblBalanskravAr's sheet (Prognos, or the name
    the user has given it) as the builder lays it out."""
    from xlmodel.workbook import block_names as B
    from xlmodel.workbook.block_place import anchor_place

    return anchor_place(cells, B.FU_LEDGER, home_sheet(cells, F.YEARS_TABLE), F.LEDGER_ANCHOR, RULE)


def balance_results(cells) -> list[tuple[int, Decimal | None]] | None:
    """tblBalanskravAr's years with the balanskravsresultat each uses (utfall, else
    prognos, else budget; the fiscal year's prognos is the utredning's
    balanskravsresultat): the figures ``ledger_cells`` writes in the "används" column,
    for readers such as ``xlmodel.analysis`` that want the figures rather than the cells.
    None when the workbook has no tblBalanskravAr."""
    from xlmodel.rules.balanskrav import BalanskravInput, balanskravsutredning
    from xlmodel.workbook.utredning import sheet as D
    from xlmodel.workbook.cells import read_param, read_table
    from xlmodel.workbook.followup.reading import read_source_table

    years = read_source_table(cells, F.YEARS_TABLE, RULE, optional=True)
    if years is None:
        return None
    year = read_param(cells, L.DELARSRAPPORT_PARAMS[0], D.RULE)
    utr_table = read_table(cells, L.UTREDNING_TABLE, D.RULE, optional=True)
    utr_result = None
    if utr_table is not None:
        utr_result = balanskravsutredning(BalanskravInput(**D.utredning_inputs(utr_table, year)), year).balanskravsresultat
    out = []
    for r in years.typed(RULE):
        prognos = utr_result if r["year"] == year and utr_result is not None else r["prognos"]
        chosen = R.balance_basis(r["budget"], prognos, r["utfall"])
        out.append((r["year"], chosen[1] if chosen else None))
    return out


def ledger(cells):
    """The restoration ledger the Prognos sheet spills from ``=ATERSTALLNING()`` over
    ``balance_results``, or None when there is no tblBalanskravAr, it is empty, or a year
    has no amount yet (the spill then shows the function's own message)."""
    from xlmodel.rules.restoration import ledger_from_columns

    results = balance_results(cells)
    if not results or any(used is None for _, used in results):
        return None
    return ledger_from_columns([y for y, _ in results], [used for _, used in results], check_atgardsplan=False)


def ledger_cells(raw, year: int, utr_result: Decimal | None, part, own, Why, mkr, year_cell,
                 utr_sheet: str = L.UTREDNING_TABLE.sheet, sheet: str = F.SHEET_FORECAST,
                 place: tuple[str, str] | None = None, utr_at: tuple[str, str] | None = None) -> None:
    """tblBalanskravAr's computed cells (on ``sheet``, the table's) and the restoration
    ledger spilled from ``place`` (sheet, anchor; ``ledger_place``; I14 of ``sheet`` when
    None): on another sheet than the table its formula names the table's sheet.
    ``utr_at``: the utredning's balanskravsresultat (sheet, cell) where its block stands
    (``delarsrapport.result_cell``); C16 of ``utr_sheet`` when None."""
    from xlmodel.workbook.udf_cells import argument, call, spill_cells

    S, T = sheet, F.YEARS_TABLE
    rows = raw.typed(RULE)
    col = {k: get_column_letter(raw.columns[k]) if raw.columns and k in raw.columns else T.col_letter(k)
           for k in ("year", "budget", "prognos", "utfall")}
    basis_col, used_col = T.col_letter("basis"), T.col_letter("used")
    first = (raw.header_row or T.header_row) + 1
    values: dict[str, Any] = {}
    years = AscendingYears(RULE)
    utr_sheet, utr_cell = utr_at or (utr_sheet, f"{L.UTREDNING_TABLE.col_letter('amount')}{L.UTREDNING_RESULT_ROW}")
    # As Excel writes the reference: bare on the table's own sheet (the block pasted there).
    utr_ref = utr_cell if utr_sheet == S else f"{formula_sheet(utr_sheet)}!{utr_cell}"
    for r in rows:
        n = first + r["_row"]
        years.add(r["year"], raw.location(r, "year"))
        prognos = r["prognos"]
        if r["year"] == year and utr_result is not None:
            prognos = utr_result
            own(S, f"{col['prognos']}{n}", prognos, utr_ref, "amount",
                Why(f"{RULE}.prognos_balanskrav", f"Prognos {year}: balanskravsresultat", TEXT_BASIS, SOURCE,
                    [("Balanskravsresultat enligt utredningen", (utr_sheet, utr_cell), utr_result),
                     ("Räkenskapsår", year_cell, year)], [f"{col['prognos']}{n} = {utr_ref} = {mkr(utr_result)}"]))
        chosen = R.balance_basis(r["budget"], prognos, r["utfall"])
        basis, used = chosen if chosen else (None, None)
        src = {"utfall": col["utfall"], "prognos": col["prognos"], "budget": col["budget"]}
        own(S, f"{basis_col}{n}", basis, None, "text",
            Why(f"{RULE}.underlag", f"Underlag {r['year']}", TEXT_BASIS, SOURCE_LEDGER,
                [(b, (S, f"{src[b]}{n}"), v) for b, v in (("utfall", r["utfall"]), ("prognos", prognos), ("budget", r["budget"]))],
                [f"{basis_col}{n} = {basis or '(inget belopp)'}"]))
        own(S, f"{used_col}{n}", used, f"{src[basis]}{n}" if basis else None, "amount_bold",
            Why(f"{RULE}.underlag", f"Balanskravsresultat som används {r['year']}", TEXT_BASIS, SOURCE_LEDGER,
                [(basis or "", (S, f"{src[basis]}{n}") if basis else (S, f"{used_col}{n}"), used)],
                [f"{used_col}{n} = {mkr(used) if used is not None else '(tom)'} ({basis or 'inget underlag'})"]))
        values[f"{col['year']}{n}"] = Decimal(r["year"])
        values[f"{used_col}{n}"] = used
    if not rows:
        return
    last = first + max(r["_row"] for r in rows)
    refs = (f"{col['year']}{first}:{col['year']}{last}", f"{used_col}{first}:{used_col}{last}")
    result = call("ATERSTALLNING", *(argument(values, x) for x in refs))
    # The ledger's own findings (a deficit not restored in time) lie on the year's cell of
    # the balanskravsresultat used, as its row's locator gives it; one about the whole
    # series on the table.
    from xlmodel.location import Location, Locator
    from xlmodel.rules.restoration import ledger_from_columns

    used = [values[f"{used_col}{first + r['_row']}"] for r in rows]
    if all(u is not None for u in used):
        where = [Locator(lambda key, at=Location(sheet=S, cell=f"{used_col}{first + r['_row']}"): at) for r in rows]
        for f in ledger_from_columns([r["year"] for r in rows], used, where=where, check_atgardsplan=False).findings:
            part.findings.append(f if f.sheet is not None else f.at(S, T.top_left))
    styles = L.LEDGER_FUNCTION_STYLES
    from xlmodel.workbook.explain.model import RULE_TEXT

    text, law = RULE_TEXT["aterstallning"]
    headers = result[0] if isinstance(result, list) and result else []
    LS, anchor = place or (S, F.LEDGER_ANCHOR)  # the ledger's sheet and anchor: Prognos!I14 unless its name has moved it
    anchor_col, anchor_row = _col_row(anchor)
    ins = [(f"{r['year']}: balanskravsresultat som används", (S, f"{used_col}{first + r['_row']}"),
            values[f"{used_col}{first + r['_row']}"]) for r in rows]
    from xlmodel.workbook import block_names as B

    on = f"{formula_sheet(S)}!" if LS != S else ""
    part.block = B.FU_LEDGER
    for c in spill_cells(anchor, f"ATERSTALLNING({','.join(on + x for x in refs)})", result, styles=styles):
        part.add(LS, c)
        part.spills.setdefault(LS, []).append(c)
        cc, cr = _col_row(c.ref)
        j, i = cc - anchor_col, cr - anchor_row
        if i > 0 and j < len(headers):
            origin = result[i][0]
            part.why[(LS, c.ref)] = Why(
                "aterstallning", f"Återställning: {str(headers[j]).lower()} för underskottet {origin}", text,
                f"{law}; delårsrapport augusti 2021, avsnitt 2.8", ins,
                [f"{c.ref} = {mkr(c.value) if isinstance(c.value, Decimal) else c.value} "
                 f"(rad {i} av =ATERSTALLNING() som spiller ut från {anchor})"])


def _col_row(ref: str) -> tuple[int, int]:
    """(1-based column, row) of ``ref`` ("I14")."""
    from xlmodel.xlsx.refs import column_index_from_string, coordinate_from_string

    col, row = coordinate_from_string(ref)
    return column_index_from_string(col), row
