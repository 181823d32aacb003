"""Errors that show in Excel: a #VÄRDEFEL! (#VALUE!) cell instead of a line of text, and
the Swedish message behind it, reachable with =XLMODEL_FEL(cell).

Why: a bad input used to give the text "#XLMODEL: …". SUMMA() skips text, so a total
over a column with one bad cell was silently too small. An Excel error value is not
skipped: SUMMA(), + and every formula that uses the cell give the error too.

How, on xlwings' COM path (xlwings 0.37.8 and pywin32, read in their source; xlwings
has no documented way, its issue #776):

1. ``xlwings.udfs.call_udf`` passes the function's return value through
   ``conversion.write``, which leaves objects it does not know alone (it only turns
   None/NaN into "" and dates into COM dates);
2. ``com_server.XLPython.CallUDF`` unwraps a 1×1 result to the value itself;
3. pywin32's gateway (``PyGatewayBase.cpp``, ``invoke_finish``) converts that value with
   ``PyCom_VariantFromPyObject`` (``oleargs.cpp``), whose first step is: an instance of
   pywin32's ``client.VARIANT`` class becomes a VARIANT of exactly its ``varianttype``. So
   ``VARIANT(VT_ERROR, scode)`` reaches Excel as a VT_ERROR variant, the value VBA's
   ``CVErr(xlErrValue)`` is;
4. the VBA wrapper that "Import Functions" writes assigns it to the function's result
   (``BALANSKRAV = XLPy.CallUDF(...)``): the cell holds the error value. Nothing is
   raised, so the wrapper's ``On Error GoTo failed`` (which would write the text of
   the error into the cell) does not run.

The scode of an Excel error value is 0x800A0000 + its xlErr code (#VALUE! = 2015):
-2146826273. pywin32 hands an error cell *to* Python as the same int, which is how
``arguments.error_text`` recognises error arguments.

The message: the function is called with xlwings' reserved argument ``caller`` (the
calling cell; ``arguments.excel_safe`` adds it to every function's signature), and the
message is kept here under that cell, in the UDF server's memory. =XLMODEL_FEL(B5)
gives it back while B5 shows an error (Excel computes XLMODEL_FEL after B5, which it
refers to). A restarted UDF server has no messages until the cells are computed
again (Ctrl+Alt+F9).

Outside Excel (``from udfs import BALANSKRAV``, ``xlmodel validera`` computing a
workbook's function cells) there is no caller and no COM: the function returns the
message text as before, "#XLMODEL: …".

Not run in Excel: everything after step 1 is read in the source, not observed
(docs/excel.md, "Vad som har provats och inte"). Tested here with xlwings' own
converters and a pywin32 stand-in (tests/test_udfs_errors.py).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

log = logging.getLogger("udfs")

VT_ERROR = 10  # pythoncom.VT_ERROR (wtypes.h VARENUM)
_SCODE_BASE = -2146826288  # 0x800A07D0: the scode of xlErr code 2000 (#NULL!)
XL_ERR_VALUE = 2015  # #VALUE! (#VÄRDEFEL! in Swedish Excel)
VALUE_SCODE = _SCODE_BASE + (XL_ERR_VALUE - 2000)  # -2146826273

# At most this many messages are kept (one per calling cell; a workbook with more bad
# cells than this has bigger problems than which message is shown). Oldest go first.
MAX_MESSAGES = 10_000
_messages: dict[tuple[str, str, int, int], str] = {}
_lock = threading.Lock()


def cell_key(rng: Any) -> tuple[str, str, int, int] | None:
    """(book, sheet, row, column) of the top-left cell of an xlwings Range, or None
    if the range cannot tell (then the message cannot be kept, but the error still shows)."""
    try:
        sheet = rng.sheet
        return (str(sheet.book.name), str(sheet.name), int(rng.row), int(rng.column))
    except Exception:  # noqa: BLE001 - a COM hiccup must not turn an error into a traceback
        log.exception("kunde inte läsa den anropande cellens adress")
        return None


def remember(key: tuple[str, str, int, int] | None, message: str) -> None:
    if key is None:
        return
    with _lock:
        _messages.pop(key, None)
        _messages[key] = message
        while len(_messages) > MAX_MESSAGES:
            _messages.pop(next(iter(_messages)))


def message_at(key: tuple[str, str, int, int] | None) -> str | None:
    if key is None:
        return None
    with _lock:
        return _messages.get(key)


def error_value() -> Any:
    """#VALUE! as pywin32 hands it to Excel, or None where pywin32 is not installed."""
    try:
        from win32com.client import VARIANT
    except ImportError:
        return None
    return VARIANT(VT_ERROR, VALUE_SCODE)


def error_result(message: str, caller: Any) -> Any:
    """What a function returns for a bad input: #VALUE! with the message kept for
    =XLMODEL_FEL() when Excel called it (``caller`` is the calling cell), else the
    message text."""
    if caller is None:
        return message
    value = error_value()
    if value is None:  # a caller but no pywin32: not Excel's COM path; text, as before
        return message
    remember(cell_key(caller), message)
    return value
