"""A1 cell references: column letters, coordinates and ranges.

The four helpers the workbook layer used from ``openpyxl.utils.cell``, with the same
results and the same error messages. They live here because importing
``openpyxl.utils.cell`` imports all of openpyxl (the package ``__init__`` loads the
workbook, the reader and the writer, and numpy when it is installed): about 0.1 s of
start-up that ``xlmodel validera`` paid in every process just to turn 27 into "AA".
``tests/test_refs.py`` checks them against openpyxl over every column and a corpus of
valid and invalid references.

One deliberate difference: where openpyxl raises its own ``CellCoordinatesException``
(a plain ``Exception``), ``coordinate_from_string`` raises ``CellCoordinatesError``,
a ``ValueError``, like every other refusal here. No caller catches either; a bad
reference in a layout is a bug and ends as exit 3.
"""

from __future__ import annotations

import re
from functools import lru_cache
from string import ascii_uppercase

__all__ = [
    "CellCoordinatesError",
    "MAX_COLUMN",
    "column_index_from_string",
    "coordinate_from_string",
    "formula_sheet",
    "get_column_letter",
    "quote_sheet",
    "range_boundaries",
]

# Excel's last column, XFD; openpyxl accepts up to ZZZ (18278) and so does this module,
# so the two never disagree about which references exist.
MAX_COLUMN = 18278

# The patterns openpyxl uses (utils/cell.py), so that what one accepts the other accepts.
_COORD_RE = re.compile(r"^[$]?([A-Za-z]{1,3})[$]?(\d+)$")
_RANGE_RE = re.compile(
    r"^[$]?(?P<min_col>[A-Za-z]{1,3})?[$]?(?P<min_row>\d+)?"
    r"(:[$]?(?P<max_col>[A-Za-z]{1,3})?[$]?(?P<max_row>\d+)?)?$"
)

_LETTER_VALUE = {letter: n for n, letter in enumerate(ascii_uppercase, 1)}
_POWERS = (1, 26, 26 * 26)


class CellCoordinatesError(ValueError):
    """A string that is not a cell coordinate such as "B12"."""


@lru_cache(maxsize=None)
def get_column_letter(col_idx: int) -> str:
    """1 → "A", 27 → "AA", 18278 → "ZZZ" (bijective base 26)."""
    if not 1 <= col_idx <= MAX_COLUMN:
        raise ValueError(f"Invalid column index {col_idx}")
    letters = []
    while col_idx:
        col_idx, remainder = divmod(col_idx - 1, 26)
        letters.append(ascii_uppercase[remainder])
    return "".join(reversed(letters))


@lru_cache(maxsize=None)
def column_index_from_string(col: str) -> int:
    """ "A" → 1, "aa" → 27, "ZZZ" → 18278; anything else is a ValueError."""
    message = f"'{col}' is not a valid column name. Column names are from A to ZZZ"
    if len(col) > 3:
        raise ValueError(message)
    index = 0
    # Right to left over the upper-cased name, at most three letters, as openpyxl reads
    # it (an upper-casing that lengthens the name, "ß" → "SS", is read the same way).
    for letter, power in zip(reversed(col.upper()), _POWERS):
        value = _LETTER_VALUE.get(letter)
        if value is None:
            raise ValueError(message)
        index += value * power
    if not 0 < index <= MAX_COLUMN:  # "" gives 0
        raise ValueError(message)
    return index


def coordinate_from_string(coord_string: str) -> tuple[str, int]:
    """ "B12" → ("B", 12); "$b$12" → ("b", 12) (case kept, as openpyxl does)."""
    match = _COORD_RE.match(coord_string)
    if not match:
        raise CellCoordinatesError(f"Invalid cell coordinates ({coord_string})")
    column, row_text = match.groups()
    row = int(row_text)
    if not row:
        raise CellCoordinatesError(f"There is no row 0 ({coord_string})")
    return column, row


def range_boundaries(range_string: str) -> tuple[int | None, int | None, int | None, int | None]:
    """ "A1:C5" → (1, 1, 3, 5); a single cell "B2" → (2, 2, 2, 2); whole columns "A:C" →
    (1, None, 3, None) and whole rows "2:4" → (None, 2, None, 4), as openpyxl returns them."""
    message = f"{range_string} is not a valid coordinate or range"
    match = _RANGE_RE.match(range_string)
    if not match:
        raise ValueError(message)
    min_col, min_row, sep, max_col, max_row = match.groups()
    if sep:
        cols, rows = (min_col, max_col), (min_row, max_row)
        # Both corners complete, or whole columns, or whole rows; nothing in between.
        if not (all(cols + rows) or (all(cols) and not any(rows)) or (all(rows) and not any(cols))):
            raise ValueError(message)
    c1 = column_index_from_string(min_col) if min_col is not None else None
    r1 = int(min_row) if min_row is not None else None
    c2 = column_index_from_string(max_col) if max_col is not None else c1
    r2 = int(max_row) if max_row is not None else r1
    return c1, r1, c2, r2


def quote_sheet(sheet: str) -> str:
    """A sheet's name as a defined name or formula writes it: always in single quotes, an
    apostrophe doubled (valid for every name, so no rule for when quotes may be left out)."""
    return "'" + sheet.replace("'", "''") + "'"


# A sheet name Excel writes bare before "!": letters (any script), digits, "_" and "."
# (not first: a digit or "." first needs quotes), and not something Excel would read as a
# reference of its own: a cell ("BK1", up to XFD1048576), a row-column cell ("R1C1",
# "R", "C") or a boolean.
_BARE_SHEET_RE = re.compile(r"[^\W\d.][\w.]*")
_A1_LIKE_RE = re.compile(r"[A-Za-z]{1,3}\d+")
_R1C1_LIKE_RE = re.compile(r"[Rr](\d*)([Cc]\d*)?|[Cc]\d*")


def formula_sheet(sheet: str) -> str:
    """A sheet's name as formula text writes it before "!": bare where Excel allows it
    ("Balanskrav", "Förändringar"), else in single quotes with an apostrophe doubled
    ("'Balanskrav 2026'", "'2026'", "'O''Neil'"), as Excel itself writes the name after a
    rename. Formulas xlmodel generates name a sheet through this, so a renamed sheet is
    written the way the user's Excel writes it (and compares equal to it)."""
    bare = (
        _BARE_SHEET_RE.fullmatch(sheet) is not None
        and _A1_LIKE_RE.fullmatch(sheet) is None
        and _R1C1_LIKE_RE.fullmatch(sheet) is None
        and sheet.upper() not in ("TRUE", "FALSE")
    )
    return sheet if bare else quote_sheet(sheet)


def cell_name(sheet: str, ref: str) -> str:
    """A cell as the user finds it in Excel's name box and formulas: "Parametrar!C6",
    "'Balanskrav 2026'!A5" (the sheet through ``formula_sheet``)."""
    return f"{formula_sheet(sheet)}!{ref}"
