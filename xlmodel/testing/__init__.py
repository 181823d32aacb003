"""Test harnesses for the two programs xlmodel cannot mock: LibreOffice and xlwings.

They live inside the package (not under tests/) so that both ``tests/`` and ``bench/``
can import them; nothing in ``xlmodel.rules`` or the CLI imports this package.

- ``xlmodel.testing.libreoffice``: recalculate workbooks with LibreOffice headless
  (a throw-away profile that always recalculates) and read the values back; render PDF/PNG.
- ``xlmodel.testing.xlwings_harness``: run xlwings' own UDF importer on Linux (stubbed
  pywin32), lint the UDF module for what xlwings does not check, and call a UDF through
  xlwings' value converters exactly as the COM server would.

Both modules are imported lazily by the caller; importing ``xlmodel.testing`` itself
costs nothing (no xlwings, no subprocess).
"""

from __future__ import annotations

# Excel's error values and the numbers Excel uses for them (xlErrNull = 2000 ...).
# COM hands an error cell to Python as the HRESULT-style int -2146826288 + (code - 2000)
# (see CellError.com_code); xlwings maps the first seven back to text (_xlwindows.cell_errors).
_ERROR_CODES: dict[str, int] = {
    "#NULL!": 2000,
    "#DIV/0!": 2007,
    "#VALUE!": 2015,
    "#REF!": 2023,
    "#NAME?": 2029,
    "#NUM!": 2036,
    "#N/A": 2042,
    "#GETTING_DATA": 2043,
    "#SPILL!": 2045,
    "#CALC!": 2050,
}


class CellError(str):
    """An Excel error value (``#NAME?``, ``#N/A`` ...) as opposed to text that looks like one.

    It compares equal to its text (``CellError("#NAME?") == "#NAME?"``), so a test can
    write ``assert value == "#NAME?"``, while ``isinstance(value, CellError)`` tells an
    error cell from a text cell that merely reads "#NAME?".
    """

    __slots__ = ()

    def __new__(cls, text: str) -> "CellError":
        key = text.strip().upper()
        if key not in _ERROR_CODES:
            known = ", ".join(_ERROR_CODES)
            raise ValueError(f"'{text}' är inget felvärde i Excel (kända: {known})")
        return super().__new__(cls, key)

    @property
    def com_code(self) -> int:
        """The int pywin32 passes for this error in a COM VARIANT (VT_ERROR scode)."""
        return -2146826288 + (_ERROR_CODES[str(self)] - 2000)

    def __repr__(self) -> str:
        return f"CellError({str(self)!r})"


__all__ = ["CellError"]
