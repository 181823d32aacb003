"""``xlmodel anslut --delar balanskravsutredning``: the delårsrapport's balanskravsutredning
on a new sheet of a team's workbook.

The sheet is laid out as the builder lays out the delårsrapport's (``delarsrapport_build``):
tblUtredning from A4 (Nr, Post, Belopp: the year's input lines, 1–8 and 9 from 2024), the
named cells Rakenskapsar (G5) and PubliceratBalanskravsresultat (G6), and the computed
block under the table (the two native totals, =BALANSKRAV() and the spilling
=BALANSKRAV_UTREDNING()), named ``xlmodel_Balanskravsutredning``. The block's formulas
point at the lines and the year where the layout has them on that sheet, so the sheet
must be called Balanskravsutredning: a team sheet of that name is refused (the part
would read the lines there), and the part has no ``--plats``.

The spilling formula is written here with its cached values (``regenerera`` refreshes
the values of a spill but, without Excel, never writes a new one), and its arguments
depend on how many lines the year has: so the fiscal year is required
(``--rakenskapsar``). The amounts come from the team's range (``--utredning``: one
column, the amounts in the law's order; two, post and amount; three, nr, post and
amount); without it the lines have the year's wording and no amounts, the block holds
what Excel shows for empty lines (zeros), and the user fills in the amounts before
``xlmodel regenerera``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from xlmodel.errors import InputError
from xlmodel.money import ZERO
from xlmodel.workbook import block_names
from xlmodel.workbook import layout as L
from xlmodel.xlsx.add_sheets import NewFormula, NewSheet
from xlmodel.xlsx.refs import get_column_letter, quote_sheet, range_boundaries

RULE = "anslut"
T = L.UTREDNING_TABLE
OPTION = "--utredning"
YEAR_OPTION = "--rakenskapsar"
SUBTITLE = "Indata: gula celler fylls i av controllern."
BLOCK_LABELS = (  # (row, text, style) as the builder writes them beside the computed cells
    (L.UTREDNING_ADJUSTED_ROW, "Årets resultat efter balanskravsjusteringar", "label"),
    (L.UTREDNING_RESULT_ROW, "Balanskravsresultat", "label_sum"),
    (L.UTREDNING_UDF_ROW, "Balanskravsresultat enligt =BALANSKRAV()", "label"),
    (L.UTREDNING_SPILL_TITLE_ROW, "Hela utredningen enligt =BALANSKRAV_UTREDNING()", "label"),
)


def line_labels(year: int) -> list[str]:
    """The input lines' wording in ``year`` (the rule core's, e.g. the reserve's name of that year)."""
    from xlmodel.rules.balanskrav import BalanskravInput, balanskravsutredning

    return [line.label for line in balanskravsutredning(BalanskravInput(arets_resultat=ZERO), year).lines
            if line.number != "="]


def lines_from_range(cells: Any, text: str, year: int) -> list[dict[str, Any]]:
    """tblUtredning's rows from the team's range: one row per line of the year, in the
    law's order; one column (belopp), two (post, belopp) or three (nr, post, belopp).
    A value that cannot be read is an error naming the team's sheet and cell."""
    from xlmodel.rules.balanskrav import input_line_numbers
    from xlmodel.workbook.cells import shown_as_percent
    from xlmodel.workbook.tables import convert
    from xlmodel.workbook.team_ranges import cell_text, range_rows

    numbers = input_line_numbers(year)
    labels = line_labels(year)
    sheet, rows = range_rows(cells, text, OPTION, keep_blank=True)
    if len(rows) != len(numbers):
        raise InputError(f"{OPTION} ska ha en rad per rad i balanskravsutredningen {year} ({len(numbers)} rader, "
                         f"1–{numbers[-1]} i lagens ordning), inte {len(rows)}", rule=RULE, argument=OPTION)
    amount_col = next(c for c in T.columns if c.key == "amount")
    nr_col = next(c for c in T.columns if c.key == "nr")
    out = []
    for nr, label, (_r, row) in zip(numbers, labels, rows):
        if len(row) not in (1, 2, 3):
            raise InputError(f"{OPTION} ska ha en kolumn (belopp), två (post, belopp) eller tre (nr, post, belopp), "
                             f"inte {len(row)}", rule=RULE, argument=OPTION)
        if len(row) == 3:
            ref, value = row[0]
            try:
                given = convert(value, nr_col, rule=RULE)
            except InputError as err:
                raise err.at(sheet, ref) from None
            if given != nr:
                raise InputError(f"raden ska vara rad {nr} i balanskravsutredningen (raderna i lagens ordning "
                                 f"1–{numbers[-1]}), inte {given}", rule=RULE, argument=OPTION).at(sheet, ref)
        if len(row) >= 2:
            label = cell_text(row[-2][1], sheet, row[-2][0], "postens text")
        ref, value = row[-1]
        try:
            amount = convert(value, amount_col, rule=RULE, shown_as_percent=shown_as_percent(cells, sheet, ref))
        except InputError as err:
            raise err.at(sheet, ref) from None
        if nr == 1 and amount is None:
            raise InputError("årets resultat (rad 1) saknas", rule=RULE, argument=OPTION).at(sheet, ref)
        out.append({"nr": nr, "label": label, "amount": amount})
    return out


def _name(sheet: str, ref: str) -> str:
    c, r, _c, _r = range_boundaries(ref)
    return f"{quote_sheet(sheet)}!${get_column_letter(c)}${r}"


def utredning_sheet(cells: Any, opts: Any, taken: set[str], result: Any) -> tuple[NewSheet, dict[str, str]]:
    """The new sheet Balanskravsutredning and its defined names (the two parameters and
    the computed block's); refused before anything is written when the sheet name is
    taken or the year is missing."""
    from xlmodel.rules.balanskrav import input_line_numbers
    from xlmodel.workbook.adopt_parts import write_table
    from xlmodel.workbook.utredning.sheet import expected_cells, line_keys

    if T.sheet.casefold() in {t.casefold() for t in taken}:
        raise InputError(f"arbetsboken har redan ett blad som heter {T.sheet}; balanskravsutredningens formler läser "
                         f"raderna på bladet med det namnet, så byt namn på ert blad först (inget har ändrats)",
                         rule=RULE, argument="--delar")
    year = opts.fiscal_year
    if year is None:
        raise InputError(
            f"delen balanskravsutredning behöver räkenskapsåret: ange {YEAR_OPTION}, t.ex. {YEAR_OPTION} 2025 "
            "(året avgör utredningens rader och formlernas argument, som xlmodel bara kan skriva när delen läggs "
            "till); inget har ändrats", rule=RULE, argument=YEAR_OPTION)
    try:
        numbers = input_line_numbers(year)
        line_labels(year)
    except InputError as err:
        raise InputError(f"{YEAR_OPTION} {year}: {err.message}; inget har ändrats", rule=RULE,
                         argument=YEAR_OPTION) from None
    if opts.utredning_range:
        rows = lines_from_range(cells, opts.utredning_range, year)
        result.filled.append(f"tabellen {T.table}: {len(rows)} rader ur {opts.utredning_range}")
    else:
        rows = [{"nr": nr, "label": label, "amount": None} for nr, label in zip(numbers, line_labels(year))]
        result.todo.append(f"beloppen på raderna 1–{numbers[-1]} i tabellen {T.table} (rad 1, årets resultat, "
                           "krävs; tomt = 0)")
    taken.add(T.sheet)

    sheet = NewSheet(name=T.sheet)
    sheet.cells[f"A{L.TITLE_ROW}"] = T.title
    sheet.styles[f"A{L.TITLE_ROW}"] = "title"
    sheet.cells[f"A{L.TITLE_ROW + 1}"] = SUBTITLE
    sheet.styles[f"A{L.TITLE_ROW + 1}"] = "subtitle"
    write_table(sheet, T, rows, T.top_left)
    names: dict[str, str] = {}
    for p, value in zip(L.DELARSRAPPORT_PARAMS, (year, None)):
        _param_cells(sheet, p, value, names)
    reserves = _reserves(cells, opts, result)
    if reserves is not None:
        for p in L.RESERVE_PARAMS:
            _param_cells(sheet, p, reserves[p.name], names)
        title = f"{L.RESERVE_ANCHOR[0]}{L.RESERVE_TITLE_ROW}"
        sheet.cells[title], sheet.styles[title] = L.RESERVE_TITLE, "label"
    sheet.widths.update(L.UTREDNING_LAYOUT.column_widths())
    label_col = T.col_letter("label")
    for row, text, style in BLOCK_LABELS:
        sheet.cells[f"{label_col}{row}"] = text
        sheet.styles[f"{label_col}{row}"] = style
    # The computed block: what the part computes from these lines (empty lines count as
    # zero, as Excel computes them), with the styles the builder gives its cells.
    keys = line_keys(len(numbers))
    values = {key: (row["amount"] if row["amount"] is not None else ZERO) for key, row in zip(keys, rows)}
    owned, _findings = expected_cells(values, year, sheet=T.sheet, reserves=reserves)
    for oc in owned:
        sheet.cells[oc.ref] = NewFormula(oc.formula, oc.value, oc.spill) if oc.formula else oc.value
        if oc.style:
            sheet.styles[oc.ref] = oc.style
    names[block_names.UTREDNING] = block_names.name_value(T.sheet, block_names.extent_of(owned))
    if cells.table(GUIDELINES_TABLE) is None and "ramtabell" not in opts.parts \
            and cells.defined_name(L.REGIONPLAN_PARAMS[0].name) is None:
        guidelines_table(sheet, year)
    return sheet, names


def _param_cells(sheet: NewSheet, p: Any, value: Any, names: dict[str, str]) -> None:
    """A parameter as the builder writes it (``Book.param``): its label left of the value
    cell, the value (when given) in the input style, its help to the right, its defined name."""
    from xlmodel.workbook.house_styles import input_style

    c, r, _c, _r = range_boundaries(p.cell)
    sheet.cells[f"{get_column_letter(c - 1)}{r}"] = p.label
    sheet.styles[f"{get_column_letter(c - 1)}{r}"] = "label"
    sheet.styles[p.cell] = input_style(p)
    if value is not None:
        sheet.cells[p.cell] = value
    if p.help:
        sheet.cells[f"{get_column_letter(c + 1)}{r}"] = p.help
        sheet.styles[f"{get_column_letter(c + 1)}{r}"] = "note"
    names[p.name] = _name(sheet.name, p.cell)


def _reserves(cells: Any, opts: Any, result: Any) -> dict[str, Decimal | None] | None:
    """The reserves' balances given to ``anslut`` (``AdoptOptions.reserves``): each an amount,
    or a cell of the team's whose value is taken (named in what was filled in); None when
    none is given. A value that is no amount is refused naming the option (and the cell)."""
    from xlmodel.workbook.cells import single_cell_target
    from xlmodel.workbook.tables import convert

    given = getattr(opts, "reserves", None) or {}
    if not given:
        return None
    options = {"ReservRurIngaende": "--rur-ingaende", "ReservResultatreservIngaende": "--resultatreserv-ingaende",
               "ReservUnderlag": "--reservunderlag"}
    out: dict[str, Decimal | None] = {}
    for p in L.RESERVE_PARAMS:
        text = given.get(p.name)
        if text is None:
            out[p.name] = None
            continue
        option = options[p.name]
        target = single_cell_target(text)
        value, where = text, None
        if target is not None:
            sheet, ref = target
            if sheet not in cells.sheet_names():
                raise InputError(f"{option} {text}: bladet '{sheet}' finns inte; inget har ändrats", rule=RULE,
                                 argument=option)
            value, where = cells.value(sheet, ref), f"{sheet}!{ref}"
        try:
            out[p.name] = convert(value, L.Param(p.name, "", "", option, "amount"), rule=RULE)
        except InputError as err:
            at = f" ({where})" if where else ""
            raise InputError(f"{option}{at}: {err.message}; inget har ändrats", rule=RULE, argument=option) from None
        result.filled.append(f"{p.label.removesuffix(', mkr')}: {out[p.name]} mkr"
                             + (f" ur {where}" if where else ""))
    return out


GUIDELINES_TABLE = "tblReservriktlinjer"


def guidelines_table(sheet: NewSheet, year: int) -> None:
    """Fullmäktige's reserve guidelines (tblReservriktlinjer) under the spilled utredning,
    as the builder writes them (``reserve_guidelines.build``): the local rows with
    xlmodel's defaults for the controller to change, the law's limits of ``year``. Left
    out when the workbook has the table, or a Budgetår (the table's law rows follow the
    workbook's year, and a budget year would come first)."""
    from xlmodel.workbook import reserve_guidelines as G
    from xlmodel.workbook.adopt_parts import write_table

    top_left = f"A{L.UTREDNING_SPILL_ROW + 14}"
    spec = G.spec_for(sheet.name, top_left)
    rows, values = G.table_rows({}, year)
    sheet.cells[f"A{spec.header_row - 1}"] = G.TITLE
    sheet.styles[f"A{spec.header_row - 1}"] = "label"
    write_table(sheet, spec, [{k: (v if v != "" else None) for k, v in r.items()} for r in rows], top_left)
    value_col, kind_col = spec.col_letter("value"), spec.col_letter("kind")
    for i, (shown, style, kind) in enumerate(values):
        n = spec.header_row + 1 + i
        if shown is not None:
            sheet.cells[f"{value_col}{n}"] = shown
        sheet.styles[f"{value_col}{n}"] = style
        sheet.cells[f"{kind_col}{n}"] = kind
        sheet.styles[f"{kind_col}{n}"] = "text"

