"""A team's book with the frame table's input tables but nowhere to write the table.

A controller who types tblRamar and tblForandringar into the team's own book (as
docs/workbooks.md describes) and never adds the output has no sheet Ramtabell and no
name ``xlmodel_Ramtabell``. The frame table's own check then says "bladet 'Ramtabell'
saknas", which reads as if a sheet were lost. For such a book (not one xlmodel built,
where a missing Ramtabell is damage and is told so) the message says what is missing -
the frame table's output block - and how to add it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xlmodel.errors import InputError
from xlmodel.workbook import block_names
from xlmodel.workbook import layout as L
from xlmodel.workbook.holding import built_by_xlmodel


def explain_missing_output(err: InputError, cells: Any) -> InputError:
    """``err`` itself, or, for "bladet 'Ramtabell' saknas" in a team's book holding the
    frame table's inputs without its output block, the message that says so; in a built
    book (its Ramtabell renamed and not found by its header row), what to do."""
    if err.rule != "ramtabell" or not err.message.startswith(f"bladet '{L.SHEET_FRAMETABLE}' saknas"):
        return err
    if block_names.read_block(cells, block_names.FRAMETABLE) is not None:
        return err
    if built_by_xlmodel(cells):
        # A built book whose Ramtabell was renamed, without the name xlmodel_Ramtabell and
        # without the frame table's header row at A4 of the renamed sheet (signatures):
        # say how the table is found again, not only that the sheet is missing.
        return InputError(
            f"{err.message}, och inget namn {block_names.FRAMETABLE} anger var ramtabellen står. Har ni bytt namn på "
            f"bladet: döp tillbaka det till '{L.SHEET_FRAMETABLE}', eller ge ramtabellens område (rubrikraden till "
            f"SUMMA-raden, t.ex. ='Nytt namn'!$A$4:$H$20) namnet {block_names.FRAMETABLE} i Excel (Formler → "
            "Namnhanteraren). Ramtabellen hittas också på ett blad med ett annat namn om dess rubrikrad står kvar "
            "från A4",
            rule=err.rule, sheet=err.sheet, cell=err.cell)
    if cells.table(L.FRAMES_TABLE.table) is None:
        return err
    where = getattr(getattr(cells, "pkg", None), "where", None)
    book = Path(where).name if where else "BOK"
    return InputError(
        f"ramtabellens utdata saknas: arbetsboken har indatatabellerna {L.FRAMES_TABLE.table} och "
        f"{L.CHANGES_TABLE.table}, men inget blad '{L.SHEET_FRAMETABLE}' och inget namn {block_names.FRAMETABLE} "
        f"som anger var ramtabellen står. Lägg till den med 'xlmodel anslut \"{book}\" --delar ramtabell' "
        f"(ett nytt blad {L.SHEET_FRAMETABLE}; med --plats ramtabell=Blad!A4 på ert eget blad)",
        rule=err.rule,
    )
