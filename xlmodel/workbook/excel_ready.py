"""A workbook made ready for the button "Uppdatera ramtabell", in the file, without Excel.

The button's macro regenerates every cell the workbook's parts own (``udfs.live``:
the same plans as ``xlmodel regenerera``): the frame table, the resultatbudget, the
restoration ledger, the chart data, the delårsrapport's utredning and follow-up, the
resursramar. So any workbook that holds one of those parts can have the button -
xlmodel's own books of every kind, a book from ``xlmodel ny``, a team's book after
``xlmodel anslut`` - and a workbook that holds none gets none, with a sentence saying
why (``ButtonPlan.reason``).

What is written here (``prepare_package``; ``xlmodel excel installera`` writes the result
as the .xlsm, and Excel then only has to do what needs Excel: the add-in's VBA reference
of a team's own project and "Import Functions"):

- the VBA project xlmodel's .xlsm books carry (``vba.xlwings_vba_project``: xlwings'
  quickstart project whose ``Module1`` runs ``import udfs; udfs.RAMTABELL_UPPDATERA()``
  whatever the file is called), when the workbook has no VBA project. A workbook with
  its own macros keeps its project untouched: its button then runs
  ``RAMTABELL_UPPDATERA``, the macro "Import Functions" writes into ``xlwings_udfs``;
- the button (``xlsx.macro_parts.with_button``) on the sheet where the macro writes
  most for the first part it regenerates (the Info sheet of a book xlmodel built, where
  ``bygg`` places it), beside the sheet's used
  cells so it covers none of them; not added when the workbook has one already;
- the ``xlwings.conf`` sheet with xlwings' keys (``layout.CONF_ROWS``), Interpreter_Win
  the Python given; an existing sheet keeps its rows, and only Interpreter_Win and the
  missing keys are written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from xlmodel.errors import InputError, WorkbookError
from xlmodel.workbook import layout as L
from xlmodel.workbook.vba import BUTTON_COMMANDS, BUTTON_MODULE_NAME, ENTRY_MACRO, xlwings_vba_project
from xlmodel.xlsx import macro_parts
from xlmodel.xlsx.refs import get_column_letter

BUTTON_CAPTION = "Uppdatera ramtabell"
IMPORTED_MACRO = "RAMTABELL_UPPDATERA"   # the @xw.script macro "Import Functions" writes (udfs.macros)
BUTTON_MACROS = (ENTRY_MACRO, IMPORTED_MACRO)
# The button spans two columns and two rows, one column right of the sheet's used cells.
BUTTON_COLUMNS, BUTTON_ROWS, BUTTON_TOP_ROW = 2, 2, 1  # 0-based top row: the sheet's row 2

# What the user reads for each part the macro regenerates.
PART_SV = {
    "ramtabell": "ramtabellen", "resultatbudget": "resultatbudgeten", "balanskrav": "återställningen",
    "diagram": "diagramdata", "balanskravsutredning": "balanskravsutredningen", "uppfoljning": "uppföljningen",
    "resursramar": "resursramarna", "reservriktlinjer": "reservriktlinjerna",
}


@dataclass
class ButtonPlan:
    """Where the button goes and what it regenerates; ``sheet`` None: no new button
    (``existing`` names the one the workbook has, else ``reason`` says why none)."""

    sheet: str | None
    regenerates: list[str] = field(default_factory=list)       # part names
    existing: macro_parts.Button | None = None
    reason: str | None = None
    macro: str = ENTRY_MACRO                                     # what a new button runs
    own_vba: bool = False                                        # the workbook has its own VBA project

    def regenerates_sv(self) -> str:
        names = [PART_SV.get(p, p) for p in self.regenerates]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " och " + names[-1]


def regenerated_parts(cells: Any) -> list[tuple[str, str]]:
    """(part, the sheet it writes most) for each part of the workbook whose cells the
    macro regenerates, in the order the macro runs them."""
    from xlmodel.workbook.holding import parts_in

    _kind, held = parts_in(cells)
    out = []
    for part in held:
        sheet = _output_sheet(part, cells)
        if sheet is not None:
            out.append((part.name, sheet))
    return out


def _output_sheet(part: Any, cells: Any) -> str | None:
    try:
        plans = part.plans(cells)
    except (InputError, WorkbookError):
        # Inputs not filled in yet (after ``anslut``) or mistyped: the part still owns
        # its cells, which the macro writes once the inputs are right.
        return _fallback_sheet(part, cells)
    # The sheet where it writes most (the Resursramar sheet, not the Parametrar cell it also keeps)
    sized = [(len(p.cells), -i, p.sheet) for i, p in enumerate(plans) if p.cells and p.sheet in cells.sheet_names()]
    return max(sized)[2] if sized else None


def _fallback_sheet(part: Any, cells: Any) -> str | None:
    if part.name == "ramtabell":
        from xlmodel.workbook.frametable.frames import frame_place

        sheet = frame_place(cells).sheet
        if sheet in cells.sheet_names():
            return sheet
    for name in part.signature:
        table = cells.table(name)
        if table is not None:
            return table.sheet
    return None


def plan_button(cells: Any) -> ButtonPlan:
    from xlmodel.workbook.holding import built_by_xlmodel

    pkg = cells.pkg
    own_vba = _has_foreign_vba(pkg)
    existing = next((b for b in macro_parts.buttons(pkg) if b.macro in BUTTON_MACROS), None)
    found = regenerated_parts(cells)
    parts = [p for p, _s in found]
    if not found:
        return ButtonPlan(sheet=None, existing=existing, own_vba=own_vba, reason=(
            "arbetsboken har ingen del som knappen kan räkna om (ramtabell, resultatbudget, återställning, "
            "balanskravsutredning, uppföljning eller resursramar: deras Excel-tabeller, som tblRamar och "
            "tblForandringar, finns inte i den). Funktionerna kan ändå användas i cellerna; lägg till "
            "ramtabellen med 'xlmodel anslut --delar ramtabell' för att få knappen."))
    macro = IMPORTED_MACRO if own_vba else ENTRY_MACRO
    if existing is not None:
        return ButtonPlan(sheet=None, regenerates=parts, existing=existing, macro=macro, own_vba=own_vba)
    sheet = found[0][1]
    if built_by_xlmodel(cells) and L.SHEET_INFO in cells.sheet_names():
        sheet = L.SHEET_INFO  # where ``bygg`` puts it in the books it builds
    return ButtonPlan(sheet=sheet, regenerates=parts, macro=macro, own_vba=own_vba)


def _has_foreign_vba(pkg: Any) -> bool:
    """True when the workbook has a VBA project that is not the one xlmodel writes
    (a team's own macros), which is then never replaced."""
    part = macro_parts.vba_project(pkg)
    if part is None:
        return False
    from xlmodel.xlsx.cfb import CfbError, read_streams
    from xlmodel.xlsx.ovba import OvbaError, module_source

    try:
        source = module_source(read_streams(pkg.part(part)), BUTTON_MODULE_NAME)
    except (CfbError, OvbaError, KeyError, ValueError):
        return True
    return f'RunPython "{BUTTON_COMMANDS[ENTRY_MACRO]}"' not in source


def button_anchor(pkg: Any, sheet: str) -> tuple[int, int, int, int]:
    """Cells the button spans: one column right of the sheet's last used column."""
    xml = pkg.part(pkg.sheet_part(sheet))
    last = 0
    for letters in set(re.findall(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})\d+"', xml)):
        n = 0
        for ch in letters.decode():
            n = n * 26 + ord(ch) - 64
        last = max(last, n)
    first = last + 1  # 0-based column index of the column after a blank one
    return first, BUTTON_TOP_ROW, first + BUTTON_COLUMNS, BUTTON_TOP_ROW + BUTTON_ROWS


def prepare_package(pkg: Any, python: str) -> tuple[Any, list[str], ButtonPlan]:
    """(the package ready for the button and the functions' settings, what was done, the
    button's plan). Nothing already in the package changes but the parts named in the
    module docstring."""
    from xlmodel.workbook.cells import PackageCells

    cells = PackageCells(pkg)
    button = plan_button(cells)
    done: list[str] = []
    if macro_parts.vba_project(pkg) is None:
        pkg = macro_parts.with_vba_project(pkg, xlwings_vba_project())
        done.append(f"VBA-projektet med makrot {ENTRY_MACRO} (kör udfs.RAMTABELL_UPPDATERA)")
    if button.sheet is not None:
        anchor = button_anchor(pkg, button.sheet)
        pkg = macro_parts.with_button(pkg, button.sheet, caption=BUTTON_CAPTION, macro=button.macro, anchor=anchor)
        done.append(f"knappen \"{BUTTON_CAPTION}\" på bladet {button.sheet} vid {get_column_letter(anchor[0] + 1)}"
                    f"{anchor[1] + 1} (räknar om {button.regenerates_sv()})")
    pkg, conf_line = with_conf_sheet(pkg, python)
    done.append(conf_line)
    return pkg, done, button


def with_conf_sheet(pkg: Any, python: str) -> tuple[Any, str]:
    """The ``xlwings.conf`` sheet with Interpreter_Win = ``python``: added with xlwings'
    keys, or, if the workbook has one, its Interpreter_Win and missing keys written."""
    from xlmodel.xlsx import CellWrite, patch_sheet, read_values
    from xlmodel.xlsx.add_sheets import NewSheet, add_sheets

    rows = [(k, python if k == "Interpreter_Win" else v) for k, v in L.CONF_ROWS]
    sheet = next((s.name for s in pkg.sheets if s.name.casefold() == L.CONF_SHEET.casefold()), None)
    if sheet is None:
        new = NewSheet(name=L.CONF_SHEET)
        for r, (key, value) in enumerate(rows, 1):
            new.cells[f"A{r}"] = key
            if value:
                new.cells[f"B{r}"] = value
        for col, width in ((1, 22), (2, 30)):
            new.widths[col] = width
        return add_sheets(pkg, [new], {}), f"bladet {L.CONF_SHEET} (Interpreter_Win = {python})"
    values = read_values(pkg, sheet, "A1:B40")
    have = {str(row[0]).strip().casefold(): r for r, row in enumerate(values, 1) if row and row[0] not in (None, "")}
    last = max(have.values(), default=0)
    writes = []
    for key, value in rows:
        r = have.get(key.casefold())
        if r is None:
            last += 1
            writes.append(CellWrite(f"A{last}", key))
            if value:
                writes.append(CellWrite(f"B{last}", value))
        elif key == "Interpreter_Win":
            writes.append(CellWrite(f"B{r}", value))
    return patch_sheet(pkg, sheet, writes), f"bladet {L.CONF_SHEET} fanns: Interpreter_Win = {python}" + (
        f", {sum(1 for w in writes if w.ref.startswith('A'))} nyckel/nycklar till" if any(
            w.ref.startswith("A") for w in writes) else "")
