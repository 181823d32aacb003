"""``xlmodel anslut``: put xlmodel's parts into a workbook the team already has.

The team keeps its own sheets, names and layout; ``anslut`` adds, for each chosen part,
its input tables (Excel Tables with xlmodel's headers, found by name on any sheet:
``holding``, ``cells.read_table``), its named parameter cells and the sheet of its
output block, each on a new sheet after the team's last one (``Ramar``, or ``Ramar (2)``
when the team already has a sheet of that name). The inputs can be filled from ranges
the team already has (``--ramar "Nämndramar!A2:B8"``). When the inputs are complete the
part's outputs are computed in the same save (``regenerate.regenerate_package``: the
frame table), otherwise the user is told what to fill in before ``xlmodel regenerera``.

Nothing already in the package changes but the bookkeeping parts that list its
contents (``xlsx.add_sheets``; with the outputs also those of ``xlsx.bookkeeping``).
The save goes through the write lock and the atomic writer every write uses
(``xlsx.lock.write_lock``, ``xlsx.atomic.save_package``: a backup, refused if the file
changed on disk); a part, sheet, table or name that is already there is refused, never
overwritten.

Parts ``anslut`` adds (``ADOPTABLE``; any other part is refused with that list): the
frame table (``ramtabell``: tblRamar, tblForandringar, the parameters Budgetar,
Standardindex, AviseratIndex, Nettoram with tblIndex, and the Ramtabell sheet), the
resultatbudget with the financial goals and the balanskrav with the restoration ledger
(``adopt_parts``), the delårsrapport's balanskravsutredning (``adopt_utredning``: always
on a new sheet Balanskravsutredning, its formulas point at the lines there) and the chart
sheet over the frame table and the ledger (``adopt_charts``: both parts needed, now or
before; a new sheet Diagram with the charts' drawing); on new sheets or, with
``--plats resultatbudget=Budget!H2``, on a sheet of the team's from that cell where the cells it needs are free (``adopt_place``:
refused, nothing written, when they touch the team's filled or merged cells, an Excel
Table or another part's block). The frame table's output block is found by its defined name
(``block_names.FRAMETABLE``, ``xlmodel_Ramtabell``): on a new sheet Ramtabell (or
"Ramtabell (2)") at the layout's place, or where ``--plats ramtabell=Blad!H2`` puts it, on
a sheet of the team's (which then changes where the table is written, and only there:
``owned_blocks`` refuses to write over the team's cells) or a new sheet of that name. A
book that has the frame table's input tables but no output block gets the output block
only (``frametable_output_missing``).

The new sheets are styled as the builder styles a built book (``house_styles``, appended
to styles.xml by ``xlsx.new_styles``); the computed cells' styles and the ledger's cells
come from the parts' own plans on a first, unstyled draft of the package.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from xlmodel.errors import InputError
from xlmodel.findings import Finding
from xlmodel.workbook import block_names
from xlmodel.workbook import layout as L
from xlmodel.workbook.team_ranges import cell_amount as _amount, cell_text as _text, range_rows as _range_rows
from xlmodel.xlsx.add_sheets import NewSheet, NewTable, check_sheet_name, free_sheet_name, taken_names
from xlmodel.xlsx.refs import get_column_letter, quote_sheet, range_boundaries

RULE = "anslut"

# The parts anslut can add (name as in parts.PARTS).
ADOPTABLE = ("ramtabell", "resultatbudget", "balanskrav", "balanskravsutredning", "diagram")
# The parts --plats can place, each on a sheet of the team's (only where the cells it
# needs are free: adopt_place) or on a new sheet of the name given, from the cell given.
PLACEABLE = ("ramtabell", "resultatbudget", "balanskrav")


@dataclass
class AdoptOptions:
    parts: tuple[str, ...]
    frames_range: str | None = None        # "Nämndramar!A2:B8": nämnd (+ id) and last year's frame
    changes_range: str | None = None       # "Beslut!A2:D9": Id?, Beskrivning, Typ, Rad, Belopp
    year: int | None = None                # Budgetår
    index_rate: Decimal | None = None      # Standardindex
    index_source: str | None = None        # where the rate comes from (tblIndex)
    resultatbudget_range: str | None = None  # "RB!A2:E6": år, typ, nettoram, skatteintäkter, statsbidrag (…)
    goals_range: str | None = None         # "Mål!A2:G3": the financial goals (tblMal's seven inputs)
    balanskrav_range: str | None = None    # "Balans!A2:B6": år, balanskravsresultat (…)
    fiscal_year: int | None = None         # Räkenskapsår of the balanskravsutredning
    utredning_range: str | None = None     # "Utredning!C5:C12": the utredning's amounts (post, nr optional)
    # The reserves' balances at the start of the year and the cap's base (layout.RESERVE_PARAMS
    # by name → an amount or a "Blad!C12" of the team's): with any, =RESERVER() beside the utredning.
    reserves: dict[str, str] = field(default_factory=dict)
    places: dict[str, tuple[str, str]] = field(default_factory=dict)  # part -> (sheet, top-left cell) of its block


@dataclass
class AdoptResult:
    path: str
    sheets: list[str] = field(default_factory=list)       # the sheets added, in order
    names: list[str] = field(default_factory=list)        # the defined names added
    tables: list[str] = field(default_factory=list)
    filled: list[str] = field(default_factory=list)       # what was filled in from the team's ranges
    todo: list[str] = field(default_factory=list)         # what the user still has to fill in
    todo_notes: list[str] = field(default_factory=list)   # where outputs go on the team's own sheets
    computed: int = 0                                     # output cells written (frame table)
    findings: list[Finding] = field(default_factory=list)
    excel_note: str = ""
    backup: str | None = None
    written: bool = False
    lock_note: str | None = None


def parse_parts(text: str) -> tuple[str, ...]:
    """"ramtabell,balanskrav" → the part names; an unknown or not yet adoptable part is refused."""
    from xlmodel.workbook.parts import PARTS

    names = tuple(dict.fromkeys(p.strip().casefold() for p in text.split(",") if p.strip()))
    if not names:
        raise InputError("ange minst en del med --delar (t.ex. --delar ramtabell)", rule=RULE, argument="--delar")
    known = {p.name for p in PARTS}
    for n in names:
        if n not in known:
            raise InputError(f"delen '{n}' finns inte; xlmodels delar är {', '.join(sorted(known))}",
                             rule=RULE, argument="--delar")
        if n not in ADOPTABLE:
            raise InputError(f"delen '{n}' kan ännu inte anslutas med xlmodel anslut; de delar som kan anslutas "
                             f"är {', '.join(ADOPTABLE)}", rule=RULE, argument="--delar")
    return names


# --------------------------------------------------------------------------- the team's ranges


def frames_from_range(cells: Any, text: str) -> list[dict[str, Any]]:
    """tblRamar's rows from the team's range: two columns (nämnd, last year's frame;
    the nämnd's name is its Id) or three (Id, nämnd, last year's frame). Every row is
    a nämnd (no varav rows), indexed with the standard index, printed with one decimal."""
    sheet, rows = _range_rows(cells, text, "--ramar")
    out = []
    for _r, row in rows:
        if len(row) not in (2, 3):
            raise InputError(f"--ramar ska ha två kolumner (nämnd, budgetram föregående år) eller tre (id, nämnd, "
                             f"budgetram föregående år), inte {len(row)}", rule=RULE, argument="--ramar")
        *names, (amount_ref, amount) = row
        label = _text(names[-1][1], sheet, names[-1][0], "nämndens namn")
        ident = _text(names[0][1], sheet, names[0][0], "nämndens id") if len(names) == 2 else label
        prior = _amount(cells, amount, sheet, amount_ref, "Budgetram föregående år")
        out.append({"id": ident, "label": label, "parent": None, "prior_frame": prior, "index_rate": None,
                    "indexed": "Ja", "places": 1})
    if not out:
        raise InputError(f"området {text} i --ramar är tomt", rule=RULE, argument="--ramar")
    return out


def changes_from_range(cells: Any, text: str) -> list[dict[str, Any]]:
    """tblForandringar's rows from the team's range: Beskrivning, Typ, Rad (the Id of the
    nämnd), Belopp (four columns; the Id is made from the row), or Id first (five)."""
    sheet, rows = _range_rows(cells, text, "--forandringar")
    out = []
    for n, (_r, row) in enumerate(rows, 1):
        if len(row) not in (4, 5):
            raise InputError("--forandringar ska ha fyra kolumner (beskrivning, typ, rad, belopp) eller fem "
                             f"(id, beskrivning, typ, rad, belopp), inte {len(row)}", rule=RULE,
                             argument="--forandringar")
        ident = _text(row[0][1], sheet, row[0][0], "förändringens id") if len(row) == 5 else f"F{n}"
        label_c, kind_c, row_c, amount_c = row[-4:]
        amount = _amount(cells, amount_c[1], sheet, amount_c[0], "Belopp")
        out.append({"id": ident, "label": _text(label_c[1], sheet, label_c[0], "beskrivningen"),
                    "kind": _text(kind_c[1], sheet, kind_c[0], "typen"),
                    "row": _text(row_c[1], sheet, row_c[0], "raden förändringen gäller"), "amount": amount})
    return out


# --------------------------------------------------------------------------- the new sheets


def _table_sheet(name: str, spec: L.InputTable, rows: list[dict[str, Any]], title: str) -> NewSheet:
    """A sheet with ``spec``'s Excel Table at its layout position (one empty row if no rows)."""
    from xlmodel.workbook.house_styles import input_style

    sheet = NewSheet(name=name)
    sheet.cells[f"A{L.TITLE_ROW}"] = title
    sheet.styles[f"A{L.TITLE_ROW}"] = "title"
    hr, c0 = spec.header_row, spec.first_col
    for i, col in enumerate(spec.columns):
        sheet.cells[f"{get_column_letter(c0 + i)}{hr}"] = col.header
        sheet.styles[f"{get_column_letter(c0 + i)}{hr}"] = "table_header"
        sheet.widths[c0 + i] = col.width
    for j in range(1, max(len(rows), 1) + 1):
        for i, col in enumerate(spec.columns):
            sheet.styles[f"{get_column_letter(c0 + i)}{hr + j}"] = input_style(col)
    for j, row in enumerate(rows, 1):
        for i, col in enumerate(spec.columns):
            value = row.get(col.key)
            if value is not None:
                sheet.cells[f"{get_column_letter(c0 + i)}{hr + j}"] = value
    last = f"{get_column_letter(c0 + len(spec.columns) - 1)}{hr + max(len(rows), 1)}"
    sheet.tables.append(NewTable(spec.table, f"{spec.top_left}:{last}", tuple(spec.headers())))
    return sheet


def frametable_sheets(cells: Any, opts: AdoptOptions, taken: set[str], result: AdoptResult) \
        -> tuple[list[NewSheet], dict[str, str]]:
    """The sheets and names of the frame-table part."""
    frames = frames_from_range(cells, opts.frames_range) if opts.frames_range else []
    changes = changes_from_range(cells, opts.changes_range) if opts.changes_range else []
    if frames:
        result.filled.append(f"tabellen {L.FRAMES_TABLE.table}: {len(frames)} nämnder ur {opts.frames_range}")
    else:
        result.todo.append(f"nämnderna och deras budgetram föregående år i tabellen {L.FRAMES_TABLE.table}")
    if changes:
        result.filled.append(f"tabellen {L.CHANGES_TABLE.table}: {len(changes)} förändringar ur {opts.changes_range}")

    names: dict[str, str] = {}
    sheets: list[NewSheet] = []

    def name_for(wanted: str) -> str:
        got = free_sheet_name(wanted, taken)
        taken.add(got)
        return got

    from xlmodel.workbook.house_styles import input_style

    params = NewSheet(name=name_for(L.SHEET_PARAMS))
    params.cells["A1"] = "Parametrar för ramtabellen (xlmodel)"
    params.styles["A1"] = "title"
    params.widths.update({1: 8, 2: 48, 3: 16, 4: 60})
    values = {"Budgetar": opts.year, "Standardindex": opts.index_rate}
    for p in L.REGIONPLAN_PARAMS:
        col, row, _c, _r = range_boundaries(p.cell)
        params.cells[f"{get_column_letter(col - 1)}{row}"] = p.label
        params.styles[f"{get_column_letter(col - 1)}{row}"] = "label"
        params.styles[p.cell] = input_style(p)
        if values.get(p.name) is not None:
            params.cells[p.cell] = values[p.name]
        names[p.name] = f"{quote_sheet(params.name)}!${get_column_letter(col)}${row}"
    for key, label in (("Budgetar", "budgetåret"), ("Standardindex", "standardindex")):
        if values[key] is None:
            result.todo.append(f"{label} i cellen {names[key]} (namnet {key})")
    index_rows = []
    if opts.index_rate is not None and opts.year is not None:
        index_rows.append({"year": opts.year, "series": "Standardindex", "rate": opts.index_rate,
                           "source": opts.index_source})
    idx = L.INDEX_TABLE
    hr, c0 = idx.header_row, idx.first_col
    for i, col in enumerate(idx.columns):
        params.cells[f"{get_column_letter(c0 + i)}{hr}"] = col.header
        params.styles[f"{get_column_letter(c0 + i)}{hr}"] = "table_header"
        for j in range(1, len(index_rows) + L.INDEX_TABLE_SPARE_ROWS + 1):
            params.styles[f"{get_column_letter(c0 + i)}{hr + j}"] = input_style(col)
    for i, col in enumerate(idx.columns):
        value = index_rows[0].get(col.key) if index_rows else None
        if value is not None:
            params.cells[f"{get_column_letter(c0 + i)}{hr + 1}"] = value
    # blank rows for the coming years, as the builder leaves them (rulla-fram writes the next year's rate there)
    last = f"{get_column_letter(c0 + len(idx.columns) - 1)}{hr + len(index_rows) + L.INDEX_TABLE_SPARE_ROWS}"
    params.tables.append(NewTable(idx.table, f"{idx.top_left}:{last}", tuple(idx.headers())))
    sheets.append(params)
    sheets.append(_table_sheet(name_for(L.SHEET_FRAMES), L.FRAMES_TABLE, frames, L.FRAMES_TABLE.title))
    sheets.append(_table_sheet(name_for(L.SHEET_CHANGES), L.CHANGES_TABLE, changes, L.CHANGES_TABLE.title))
    block_sheets, block_name = frametable_block(opts, taken, result)
    sheets += block_sheets
    names.update(block_name)
    return sheets, names


def frametable_block(opts: AdoptOptions, taken: set[str], result: AdoptResult) -> tuple[list[NewSheet], dict[str, str]]:
    """The frame table's output block: its new sheet (none when --plats puts it on a
    sheet of the team's) and its defined name."""
    sheets: list[NewSheet] = []
    names: dict[str, str] = {}

    def name_for(wanted: str) -> str:
        got = free_sheet_name(wanted, taken)
        taken.add(got)
        return got

    # The output block: where --plats puts it (a sheet of the team's, or a new one of
    # that name), else on a new sheet Ramtabell at the layout's place; found there by its
    # defined name (block_names), which regenerate sets to the table's extent.
    block = L.FRAMETABLE_BLOCK
    place = opts.places.get("ramtabell")
    if place is None:
        place = (name_for(L.SHEET_FRAMETABLE), block.top_left)
        new_sheet = True
    else:
        new_sheet = place[0].casefold() not in {t.casefold() for t in taken}
        if new_sheet:
            taken.add(place[0])
    sheet_name, top_left = place
    if new_sheet:
        out = NewSheet(name=sheet_name)
        if top_left == block.top_left:
            out.cells["A1"] = block.title
            out.styles["A1"] = "title"
        first = range_boundaries(top_left)[0]
        for i, col in enumerate(block.columns):
            out.widths[first + i] = col.width
        sheets.append(out)
    else:
        result.todo_notes.append(f"ramtabellen skrivs på ert blad '{sheet_name}' från {top_left}")
    c, r, _c, _r = range_boundaries(top_left)
    extent = f"{top_left}:{get_column_letter(c + len(block.columns) - 1)}{r + 1}"  # header and sum row
    names[block_names.FRAMETABLE] = block_names.name_value(sheet_name, extent)
    return sheets, names


def _part_place(part: str, sheet: str, top_left: str, opts: AdoptOptions, taken: set[str],
                existing: set[str] | None = None, sheets_of: set[str] = frozenset()) -> tuple[str, str, bool]:
    """(sheet, its table's top-left cell, whether the sheet is the team's) of the
    resultatbudget or the balanskrav: where --plats puts it (a worksheet of the team's,
    ``existing``, or a new one of that name), else the layout's sheet name (numbered when
    taken) and place. ``sheets_of``: every sheet of the package (chart sheets too)."""
    place = opts.places.get(part)
    if place is None:
        name = free_sheet_name(sheet, taken)
        taken.add(name)
        return name, top_left, False
    name, cell = place
    if name.casefold() in {t.casefold() for t in (existing or set())}:
        return name, cell, True
    if name.casefold() in {t.casefold() for t in taken}:
        why = ("är inget kalkylblad (ett diagramblad)" if name.casefold() in {t.casefold() for t in sheets_of}
               else "läggs till av en annan del i samma körning")
        raise InputError(f"--plats {part}={name}!{cell}: bladet '{name}' {why}; välj ett av era kalkylblad eller ett "
                         "nytt bladnamn (inget har ändrats)", rule=RULE, argument="--plats")
    taken.add(name)
    return name, cell, False


def frametable_output_missing(cells: Any) -> bool:
    """A workbook with the frame table's input tables but no output block: no name
    ``xlmodel_Ramtabell`` and no sheet Ramtabell (a team that typed in the tables)."""
    return (block_names.read_block(cells, block_names.FRAMETABLE) is None
            and L.SHEET_FRAMETABLE not in cells.sheet_names())


def parse_place(text: str, sheet_names: list[str]) -> tuple[str, tuple[str, str]]:
    """"ramtabell=Budget!H2" → ("ramtabell", ("Budget", "H2")); the sheet as the workbook spells it."""
    part, eq, where = text.partition("=")
    part = part.strip().casefold()
    if not eq or part not in PLACEABLE:
        raise InputError(f"--plats '{text}': skriv DEL=Blad!Cell, t.ex. ramtabell=Budget!H2 (delar som kan placeras: "
                         f"{', '.join(PLACEABLE)})", rule=RULE, argument="--plats")
    sheet, bang, ref = where.strip().rpartition("!")
    sheet = sheet.strip()
    if sheet.startswith("'") and sheet.endswith("'") and len(sheet) > 1:
        sheet = sheet[1:-1].replace("''", "'")
    ref = ref.replace("$", "").strip().upper()
    try:
        c1, r1, c2, r2 = range_boundaries(ref)
    except Exception:  # noqa: BLE001 - any unreadable reference is the user's typo
        c1 = None
    if not bang or not sheet or c1 is None or r1 is None or (c1, r1) != (c2, r2):
        raise InputError(f"--plats '{text}': ange bladet och en cell, t.ex. ramtabell=Budget!H2", rule=RULE,
                         argument="--plats")
    why = check_sheet_name(sheet)
    if why is not None:
        raise InputError(f"--plats: {why}", rule=RULE, argument="--plats")
    existing = {n.casefold(): n for n in sheet_names}
    return part, (existing.get(sheet.casefold(), sheet), ref)


def conf_sheet(taken: set[str]) -> NewSheet | None:
    """The xlwings.conf sheet xlwings' add-in reads (``excel installera`` fills in the
    Python path on the controller's PC), unless the workbook has one."""
    if L.CONF_SHEET.casefold() in {t.casefold() for t in taken}:
        return None
    sheet = NewSheet(name=L.CONF_SHEET)
    for r, (key, value) in enumerate(L.CONF_ROWS, 1):
        sheet.cells[f"A{r}"] = key
        if value:
            sheet.cells[f"B{r}"] = value
    taken.add(L.CONF_SHEET)
    return sheet


def excel_note(path: Path, frame_table: bool = True) -> str:
    """What Excel needs; ``frame_table``: the workbook has the frame table (else the
    button recomputes the other parts' cells, e.g. the balanskravsutredning's)."""
    if not frame_table:
        return excel_note(path).replace("räknas ramtabellen om", "räknas de beräknade cellerna om")
    if path.suffix.lower() == ".xlsm":
        return ("Excel: funktionerna och knappen \"Uppdatera ramtabell\" kräver xlwings tillägg och att makrona "
                f"importeras: kör 'xlmodel excel installera {path.name}' på en Windows-dator med Excel.")
    return (f"Excel: {path.name} är en .xlsx och kan inte innehålla makron, så knappen \"Uppdatera ramtabell\" "
            f"finns inte i den. 'xlmodel excel installera {path.name}' på en Windows-dator med Excel sparar en "
            f"makroaktiverad kopia ({path.with_suffix('.xlsm').name}) med knappen; tills dess räknas ramtabellen "
            f"om med 'xlmodel regenerera {path.name}'.")


# --------------------------------------------------------------------------- the job


def plan_adoption(pkg: Any, opts: AdoptOptions, path: Path) -> tuple[Any, AdoptResult]:
    """(the package with the parts added and, if their inputs are complete, computed;
    what was done), in memory."""
    from xlmodel.workbook.cells import PackageCells
    from xlmodel.workbook.parts import PARTS
    from xlmodel.xlsx.add_sheets import add_sheets

    cells = PackageCells(pkg)
    result = AdoptResult(path=str(path))
    present = {p.name for p in PARTS if p.found_in(cells)}
    tables, defined = taken_names(pkg)
    taken = set(cells.sheet_names()) | {s.name for s in pkg.sheets}
    existing = set(cells.sheet_names())   # the team's worksheets: a part --plats puts there is written into it
    package_sheets = {s.name for s in pkg.sheets}
    sheets: list[NewSheet] = []
    charts: NewSheet | None = None                 # the chart sheet, filled from the first draft
    placed: list[tuple[str, str, NewSheet]] = []   # (part, its cell, its cells) on a sheet of the team's
    names: dict[str, str] = {}
    for part in opts.parts:
        if part == "ramtabell" and part in present and frametable_output_missing(cells):
            # The team typed in the input tables: only the output block is added.
            given = [o for o, v in (("--ramar", opts.frames_range), ("--forandringar", opts.changes_range),
                                    ("--budgetar", opts.year), ("--index", opts.index_rate)) if v is not None]
            if given:
                raise InputError(f"arbetsboken har redan ramtabellens indatatabeller (tblRamar, tblForandringar), så "
                                 f"{', '.join(given)} fyller ingenting; ändra indata i tabellerna och ta bort "
                                 f"{'flaggan' if len(given) == 1 else 'flaggorna'} (inget har ändrats)",
                                 rule=RULE, argument=given[0])
            new, new_names = frametable_block(opts, taken, result)
            sheets += new
            names.update(new_names)
            result.filled.append("ramtabellens indatatabeller fanns redan; ramtabellens utdata har lagts till")
            continue
        if part == "diagram":
            # The chart sheet owns no table: it is there when its sheet or its blocks' names are.
            from xlmodel.workbook import adopt_charts
            from xlmodel.workbook.holding import parts_in

            if any(p.name == "diagram" for p in parts_in(cells)[1]):
                raise InputError("arbetsboken har redan delen diagram (bladet Diagram eller dess namn finns); inget "
                                 "har ändrats", rule=RULE, argument="--delar")
            adopt_charts.check_prerequisites(present, opts.parts)
            charts = adopt_charts.charts_sheet(taken)
            sheets.append(charts)
            continue
        if part in present:
            raise InputError(f"arbetsboken har redan delen {part} (dess tabeller finns); inget har ändrats",
                             rule=RULE, argument="--delar")
        if part == "ramtabell":
            new, new_names = frametable_sheets(cells, opts, taken, result)
            sheets += new
            names.update(new_names)
        elif part == "resultatbudget":
            from xlmodel.workbook.adopt_parts import resultatbudget_sheet

            name, top_left, own = _part_place(part, L.SHEET_RESULTBUDGET, L.RESULTBUDGET_TABLE.top_left, opts, taken,
                                            existing, package_sheets)
            made = resultatbudget_sheet(cells, opts, name, result, top_left, own_sheet=own)
            if own:
                placed.append((part, top_left, made))
            else:
                sheets.append(made)
        elif part == "balanskrav":
            from xlmodel.workbook.adopt_parts import balanskrav_sheet

            name, top_left, own = _part_place(part, L.SHEET_BALANSKRAV, L.BALANSKRAV_TABLE.top_left, opts, taken,
                                            existing, package_sheets)
            ledger_sheet, anchor = balanskrav_sheet(cells, opts, name, result, top_left, own_sheet=own)
            if own:
                placed.append((part, top_left, ledger_sheet))
            else:
                sheets.append(ledger_sheet)
            names[block_names.BALANSKRAV] = block_names.name_value(name, f"{anchor}:{anchor}")
        elif part == "balanskravsutredning":
            from xlmodel.workbook.adopt_utredning import utredning_sheet

            made, made_names = utredning_sheet(cells, opts, taken, result)
            sheets.append(made)
            names.update(made_names)
    if {"ramtabell", "resultatbudget"} <= set(opts.parts) and "Nettoram" in names:
        result.todo_notes.append(f"verksamhetens nettoram för budgetåret i cellen {names['Nettoram']} (namnet "
                                 "Nettoram) är tom: skriv in resultatbudgetens nettoram där, så stäms ramtabellen "
                                 "av mot resultatbudgeten")
    conf = conf_sheet(taken)
    if conf is not None:
        sheets.append(conf)
    for s in sheets:
        why = check_sheet_name(s.name)
        if why is not None:
            raise InputError(why, rule=RULE)
        for t in s.tables:
            if t.name.casefold() in tables:
                raise InputError(f"arbetsboken har redan en tabell som heter {t.name}; byt namn på den först "
                                 "(inget har ändrats)", rule=RULE)
            result.tables.append(t.name)
    for n in names:
        if n.casefold() in defined:
            raise InputError(f"arbetsboken har redan namnet {n}; ta bort eller byt namn på det först "
                             "(inget har ändrats)", rule=RULE, argument=n)
    # A first draft of the package (unstyled) tells what the parts compute on the new
    # sheets: the ledger, written here with its cached values (adopt_parts.add_ledger),
    # and the style of every computed cell, as the builder styles it.
    from xlmodel.workbook import adopt_place

    for _part, _cell, s in placed:
        for t in s.tables:
            if t.name.casefold() in tables:
                raise InputError(f"arbetsboken har redan en tabell som heter {t.name}; byt namn på den först "
                                 "(inget har ändrats)", rule=RULE)
            result.tables.append(t.name)
    others = {n: v for n, v in names.items() if n != block_names.BALANSKRAV}  # the frame table's block, if placed
    adopt_place.check_all(cells, pkg, placed, others)   # before the draft: the tables and cells (the ledger's inputs)
    draft = adopt_place.write_placed(add_sheets(pkg, sheets, names), [s for _p, _c, s in placed])
    if block_names.BALANSKRAV in names:
        from xlmodel.workbook.adopt_parts import add_ledger

        ledger_sheet = next(s for s in sheets + [s for _p, _c, s in placed]
                            if any(t.name == L.BALANSKRAV_TABLE.table for t in s.tables))
        extent = add_ledger(draft, ledger_sheet)
        names[block_names.BALANSKRAV] = block_names.name_value(ledger_sheet.name, extent)
    if charts is not None:
        from xlmodel.workbook import adopt_charts

        for n in (chart_names := adopt_charts.fill(draft, charts)):
            if n.casefold() in defined:
                raise InputError(f"arbetsboken har redan namnet {n}; ta bort eller byt namn på det först "
                                 "(inget har ändrats)", rule=RULE, argument=n)
        names.update(chart_names)
    # A part on a sheet of the team's: the area it needs must be free (after the ledger is
    # known: its spill is part of it); parts on the same sheet become one set of cells.
    areas = adopt_place.check_all(cells, pkg, placed, {**others, **adopt_place.planned_blocks(draft)} if placed else others)
    own: dict[str, NewSheet] = {}
    for part, cell, s in placed:
        own[s.name] = adopt_place.merge(own.get(s.name), s)
        result.todo_notes.append(f"{adopt_place.PART_LABELS[part]} skrivs på ert blad '{s.name}' från {cell}")
    from xlmodel.workbook.adopt_parts import computed_styles
    from xlmodel.workbook.house_styles import HOUSE
    from xlmodel.xlsx.new_styles import add_styles

    computed_styles(draft, sheets + list(own.values()))
    for name, s in own.items():
        adopt_place.keep_inside(s, [r for _p, rects in areas[name] for r in rects])
    every = sheets + list(own.values())
    styled, index = add_styles(pkg, {k: v for k, v in HOUSE.items()
                                     if any(k == key for s in every for key in s.styles.values())})
    for s in every:
        s.styles = {ref: index[key] for ref, key in s.styles.items() if isinstance(key, str) and key in index}
    new = adopt_place.write_placed(add_sheets(styled, sheets, names), list(own.values()))
    result.sheets = [s.name for s in sheets]
    result.names = list(names)
    result.excel_note = excel_note(path, "ramtabell" in opts.parts or "ramtabell" in present)
    if not result.todo:
        from xlmodel.workbook.regenerate import regenerate_package

        new, diffs = regenerate_package(new)
        result.computed = sum(len(d.writes) for d in diffs)
        result.findings = [f for d in diffs for f in d.findings]
    return new, result


def adopt_file(path: str | Path, opts: AdoptOptions, *, dry_run: bool = False, backup: bool = True,
               ignore_excel_lock: bool = False, lock_wait: float | None = None) -> AdoptResult:
    """Add the parts to the workbook at ``path`` in place: under its write lock, saved
    atomically with a backup (refused if the file changed on disk since it was read)."""
    from xlmodel.workbook.collector import collector_paused
    from xlmodel.xlsx.atomic import save_package
    from xlmodel.xlsx.lock import write_lock
    from xlmodel.xlsx.package import Package

    path = Path(path)
    with collector_paused():
        if dry_run:
            return plan_adoption(Package.open(path), opts, path)[1]
        with write_lock(path, ignore_excel_lock=ignore_excel_lock, wait=lock_wait) as held:
            pkg = Package.open(path)
            new, result = plan_adoption(pkg, opts, path)
            saved = save_package(new, path, expect_sha256=pkg.sha256, backup=backup, guard=held.check)
        result.written = True
        result.backup = str(saved.backup) if saved.backup else None
        result.lock_note = held.broken
        return result
