"""``xlmodel anslut`` for the resultatbudget and the balanskrav: their new sheets.

- **resultatbudget**: a sheet *Resultatbudget* with tblResultatbudget from A4 (the
  inputs, then the computed columns the rules fill: Summa skatter och statsbidrag …
  Resultat, andel) and the financial goals' tblMal under it (from A14, or three rows
  under a longer year table). Filled from the team's ranges with ``--resultatbudget``
  (År, Typ, Verksamhetens nettoram, Skatteintäkter, Generella statsbidrag, optionally the
  three financial lines and the printed result) and ``--mal`` (the goal table's seven
  input columns). The computed columns are written by the same save's regeneration.
- **balanskrav**: a sheet *Balanskrav* with tblBalanskrav from A4 (År,
  Balanskravsresultat, Synnerliga skäl avskrivet, Förlängt till, Källa) plus blank rows
  for the coming years, tblFrister under it, and the restoration ledger
  ``=ATERSTALLNING(…)`` spilled from G4, named ``xlmodel_Balanskrav``. The ledger is a
  dynamic-array formula: ``regenerera`` refreshes its values but, without Excel, never
  writes a new one, so it is written here, with its cached values, and the years are
  required (``--balanskrav``).

``--plats resultatbudget=Plan!C3`` (or ``balanskrav=…``) puts the part on a new sheet of
that name with its table from that cell, the rest laid out relative to it as above; on a
sheet of the team's the same cells are written there, if they are free
(``adopt_place``).

Each value from a team's range is read as the part's column declares (a year, an
amount in Swedish or Excel form, a share "2 %", Ja/Nej), and a cell that cannot be read
is one error naming its sheet and cell, before anything is written.
"""

from __future__ import annotations

from typing import Any

from xlmodel.errors import InputError
from xlmodel.workbook import block_names
from xlmodel.workbook import layout as L
from xlmodel.workbook.cells import shown_as_percent
from xlmodel.workbook.tables import convert
from xlmodel.xlsx.add_sheets import NewFormula, NewSheet
from xlmodel.xlsx.refs import get_column_letter, range_boundaries

RULE = "anslut"
BALANSKRAV_SPARE_ROWS = 5   # blank rows in tblBalanskrav for the coming years (the ledger's formula covers them)

# The team's columns, by how many the range has: the keys of the part's input columns.
RESULTATBUDGET_WIDTHS = {
    5: ("year", "label", "nettoram", "skatteintakter", "generella_statsbidrag"),
    8: ("year", "label", "nettoram", "skatteintakter", "generella_statsbidrag", "finansiella_intakter",
        "finansiella_kostnader", "orealiserade"),
    9: ("year", "label", "nettoram", "skatteintakter", "generella_statsbidrag", "finansiella_intakter",
        "finansiella_kostnader", "orealiserade", "resultat_publicerat"),
}
GOALS_WIDTHS = {7: ("name", "measure", "min_share", "max_share", "from_year", "to_year", "over_period")}
BALANSKRAV_WIDTHS = {
    2: ("year", "result"),
    5: ("year", "result", "write_off", "extended_to", "source"),
}


def _headers(spec: L.InputTable, keys: tuple[str, ...]) -> str:
    by_key = {c.key: c.header.casefold() for c in spec.columns}
    return ", ".join(by_key[k] for k in keys)


def rows_from_range(cells: Any, text: str, option: str, spec: L.InputTable,
                    widths: dict[int, tuple[str, ...]]) -> list[dict[str, Any]]:
    """The rows of ``spec``'s table from the team's range, each value converted as the
    column declares (a bool written back as Ja/Nej, what the table holds)."""
    from xlmodel.workbook.team_ranges import range_rows

    sheet, rows = range_rows(cells, text, option)
    cols = {c.key: c for c in spec.columns}
    out = []
    for _r, row in rows:
        keys = widths.get(len(row))
        if keys is None:
            told = " eller ".join(f"{n} ({_headers(spec, k)})" for n, k in sorted(widths.items()))
            raise InputError(f"{option} ska ha {told} kolumner, inte {len(row)}", rule=RULE, argument=option)
        values = {}
        for key, (ref, value) in zip(keys, row):
            col = cols[key]
            try:
                typed = convert(value, col, rule=RULE,
                                shown_as_percent=col.kind == "amount" and shown_as_percent(cells, sheet, ref))
            except InputError as err:
                raise err.at(sheet, ref) from None
            if col.kind == "bool":
                typed = "Ja" if typed else "Nej"
            values[key] = typed
        out.append(values)
    if not out:
        raise InputError(f"området {text} i {option} är tomt", rule=RULE, argument=option)
    return out


def write_table(sheet: NewSheet, spec: L.InputTable, rows: list[dict[str, Any]], top_left: str,
                 spare: int = 0) -> None:
    from xlmodel.xlsx.add_sheets import NewTable
    from xlmodel.workbook.house_styles import input_style

    c0, hr, _c, _r = range_boundaries(top_left)
    for i, col in enumerate(spec.columns):
        sheet.cells[f"{get_column_letter(c0 + i)}{hr}"] = col.header
        sheet.styles[f"{get_column_letter(c0 + i)}{hr}"] = "table_header"
        sheet.widths.setdefault(c0 + i, col.width)
        if not col.computed:  # computed columns get the style of what the rules write there
            for j in range(1, max(len(rows) + spare, 1) + 1):
                sheet.styles[f"{get_column_letter(c0 + i)}{hr + j}"] = input_style(col)
    for j, row in enumerate(rows, 1):
        for i, col in enumerate(spec.columns):
            if row.get(col.key) is not None:
                sheet.cells[f"{get_column_letter(c0 + i)}{hr + j}"] = row[col.key]
    last = f"{get_column_letter(c0 + len(spec.columns) - 1)}{hr + max(len(rows) + spare, 1)}"
    sheet.tables.append(NewTable(spec.table, f"{top_left}:{last}", tuple(spec.headers())))


def _cell(col: int, row: int) -> str:
    return f"{get_column_letter(col)}{row}"


def resultatbudget_sheet(cells: Any, opts: Any, name: str, result: Any, top_left: str | None = None, *,
                         own_sheet: bool = False) -> NewSheet:
    """The Resultatbudget sheet: the year table from ``top_left`` (A4), the goal table
    under it; ``own_sheet``: on a sheet of the team's (no title above the cell)."""
    T, G = L.RESULTBUDGET_TABLE, L.GOALS_TABLE
    c0, r0, _c, _r = range_boundaries(top_left or T.top_left)
    years = (rows_from_range(cells, opts.resultatbudget_range, "--resultatbudget", T, RESULTATBUDGET_WIDTHS)
             if opts.resultatbudget_range else [])
    goals = rows_from_range(cells, opts.goals_range, "--mal", G, GOALS_WIDTHS) if opts.goals_range else []
    if years:
        result.filled.append(f"tabellen {T.table}: {len(years)} år ur {opts.resultatbudget_range}")
    else:
        result.todo.append(f"åren med nettoram, skatteintäkter och generella statsbidrag i tabellen {T.table}")
    if goals:
        result.filled.append(f"tabellen {G.table}: {len(goals)} finansiella mål ur {opts.goals_range}")
    sheet = NewSheet(name=name)
    title_row = max(r0 - 3, 1)
    if title_row < r0 and not own_sheet:
        sheet.cells[_cell(c0, title_row)] = T.title
        sheet.styles[_cell(c0, title_row)] = "title"
    write_table(sheet, T, years, _cell(c0, r0))
    goal_row = max(G.header_row - T.header_row + r0, r0 + max(len(years), 1) + 3)
    sheet.cells[_cell(c0, goal_row - 1)] = "Finansiella mål"
    sheet.styles[_cell(c0, goal_row - 1)] = "label"
    write_table(sheet, G, goals, _cell(c0, goal_row))
    return sheet


def balanskrav_sheet(cells: Any, opts: Any, name: str, result: Any, top_left: str | None = None, *,
                     own_sheet: bool = False) -> tuple[NewSheet, str]:
    """The Balanskrav sheet: the year table from ``top_left`` (A4), tblFrister under it,
    the ledger's label and anchor beside it as the layout has them (G3, G4 for A4);
    returns the sheet and the ledger's anchor. ``own_sheet``: on a sheet of the team's
    (no title or label above the cell, the team's column widths kept)."""
    T, S = L.BALANSKRAV_TABLE, L.STATED_DEADLINES_TABLE
    c0, r0, _c, _r = range_boundaries(top_left or T.top_left)
    a_col, a_row, _c, _r = range_boundaries(L.LEDGER_ANCHOR)
    anchor = _cell(c0 + a_col - T.first_col, r0 + a_row - T.header_row)
    label_at = _cell(c0 + a_col - T.first_col, r0 + a_row - T.header_row - 1)
    if not opts.balanskrav_range:
        raise InputError(
            "delen balanskrav behöver årens balanskravsresultat: ange --balanskrav med ett område, t.ex. "
            '--balanskrav "Balans!A2:B6" (år, balanskravsresultat). Återställningstabellen är en spillande '
            "formel (=ATERSTALLNING) som xlmodel bara kan skriva när delen läggs till; inget har ändrats",
            rule=RULE, argument="--balanskrav")
    years = rows_from_range(cells, opts.balanskrav_range, "--balanskrav", T, BALANSKRAV_WIDTHS)
    result.filled.append(f"tabellen {T.table}: {len(years)} år ur {opts.balanskrav_range}")
    sheet = NewSheet(name=name)
    title_row = max(r0 - 3, 1)
    if title_row < r0 - 1 and not own_sheet:  # the ledger's label stands on the row above the header
        sheet.cells[_cell(c0, title_row)] = T.title
        sheet.styles[_cell(c0, title_row)] = "title"
    write_table(sheet, T, years, _cell(c0, r0), spare=BALANSKRAV_SPARE_ROWS)
    frister_row = max(S.header_row - T.header_row + r0, r0 + len(years) + BALANSKRAV_SPARE_ROWS + 3)
    sheet.cells[_cell(c0, frister_row - 1)] = "Sista år som planen anger för att återställa ett underskott"
    sheet.styles[_cell(c0, frister_row - 1)] = "label"
    write_table(sheet, S, [], _cell(c0, frister_row))
    if own_sheet:
        sheet.widths.clear()
        return sheet, anchor
    if r0 > 1:
        sheet.cells[label_at] = L.LEDGER_LABEL[1]
        sheet.styles[label_at] = "label"
    sheet.widths.update(L.BALANSKRAV_LAYOUT.column_widths(c0 - T.first_col))
    return sheet, anchor


def add_ledger(pkg_with_sheet: Any, sheet: NewSheet) -> str:
    """The ledger's cells written into ``sheet`` (the new Balanskrav sheet, already
    added to ``pkg_with_sheet`` without them) as ``balanskrav.sheet`` computes them from
    the package; returns its extent for the name ``xlmodel_Balanskrav``."""
    from xlmodel.workbook.balanskrav import sheet as B
    from xlmodel.workbook.cells import PackageCells

    plan = B.sheet_plans(PackageCells(pkg_with_sheet))[0]
    for oc in plan.cells:
        sheet.cells[oc.ref] = NewFormula(oc.formula, oc.value, oc.spill) if oc.formula else oc.value
    return block_names.extent_of(plan.cells)


def computed_styles(draft: Any, sheets: list[NewSheet]) -> None:
    """Each cell a part computes on one of the new ``sheets`` gets the style key the
    builder gives it (``OwnedCell.style``), from the parts' plans on ``draft`` (the
    package with the new sheets, unstyled). A part whose inputs are not yet complete
    plans nothing here: its computed cells get the default style when ``regenerera``
    first writes them (docs/workbooks.md says so)."""
    from xlmodel.workbook.cells import PackageCells
    from xlmodel.workbook.holding import parts_in

    cells = PackageCells(draft)
    by_name = {s.name: s for s in sheets}
    for part in parts_in(cells)[1]:
        try:
            plans = part.plans(cells)
        except InputError:
            continue
        for plan in plans:
            sheet = by_name.get(plan.sheet)
            if sheet is None:
                continue
            for oc in plan.cells:
                if oc.style:
                    sheet.styles[oc.ref] = oc.style
