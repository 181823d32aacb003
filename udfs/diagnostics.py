"""=XLMODEL_FEL(cell): the Swedish message behind a #VÄRDEFEL! that one of xlmodel's
functions gave (``xlmodel.excel.errors`` explains why the cell holds an error value and
not the message itself)."""

from __future__ import annotations

from typing import Any

from xlmodel.excel import errors as _excel_errors
from udfs import _xw as xw
from udfs.functions import CATEGORY

NO_MESSAGE = ("cellen visar {error} men xlmodel har inget meddelande om den: felet kommer från en annan "
              "formel, eller Python har startats om sedan cellen räknades (räkna om med Ctrl+Alt+F9)")


@xw.func(category=CATEGORY)
@xw.arg("cell", "range", doc="Cellen med en xlmodel-funktion som visar #VÄRDEFEL!, t.ex. B5.")
def XLMODEL_FEL(cell):
    """Varför en xlmodel-funktion gav #VÄRDEFEL!: vilket argument som är fel och varför, på svenska. Tomt om cellen inte visar något fel."""
    top_left = cell.resize(1, 1)
    shown = top_left.options(ndim=None, err_to_str=True).value
    if not _is_error(shown):
        return ""
    message = _excel_errors.message_at(_excel_errors.cell_key(top_left))
    return message if message is not None else NO_MESSAGE.format(error=shown)


def _is_error(value: Any) -> bool:
    from xlmodel.excel.arguments import error_text

    return error_text(value) is not None


__all__ = ["XLMODEL_FEL"]
