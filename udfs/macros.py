"""The workbook macros (xlwings ``@xw.script``): frame table and roll forward.

Each macro is three lines around ``xw.Book.caller()``; the logic (read through the
layout spec, compute with the rule core, write only owned cells, report) is in
``udfs.live`` and is tested there without Excel. After "Import
Functions" they appear as macros (Alt+F8) and can be bound to a button. The shipped
button "Uppdatera ramtabell" reaches RAMTABELL_UPPDATERA without "Import Functions": its
VBA macro runs ``RunPython "import udfs; udfs.RAMTABELL_UPPDATERA()"``, whatever the
workbook's file is called (``xlmodel.workbook.vba``).
"""

from __future__ import annotations

from udfs import _xw
from udfs.functions import CATEGORY


@_xw.script(category=CATEGORY)
def RAMTABELL_UPPDATERA():
    """Räknar om ramtabellen (och övriga beräknade celler) från bladen Parametrar, Ramar och Förändringar och skriver bara de celler som ändrats."""
    import xlwings as xw  # in Excel; xlwings is loaded there already

    from udfs.live import regenerate_book, run_macro

    run_macro(xw.Book.caller(), regenerate_book)


@_xw.script(category=CATEGORY)
def RULLA_FRAM():
    """Rullar fram arbetsboken ett år: årets ramar blir föregående års, Förändringar och Publicerat töms, ramtabellen räknas om."""
    import xlwings as xw  # in Excel; xlwings is loaded there already

    from udfs.live import ask_user, roll_forward_book, run_macro

    run_macro(xw.Book.caller(), lambda book: roll_forward_book(book, confirm=lambda q: ask_user(book, q)))


__all__ = ["RAMTABELL_UPPDATERA", "RULLA_FRAM"]
