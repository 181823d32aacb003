"""The cells of a range the team already has (``--ramar "Nämndramar!A2:B8"``), row by row.

What ``xlmodel anslut`` fills the new input tables from: the sheet as the workbook spells
it (case-insensitive, quoted or not), the range's cells with their cached values, blank
rows left out; an unknown sheet or an unreadable range is one Swedish message naming the
option.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from xlmodel.errors import InputError
from xlmodel.xlsx.refs import get_column_letter, range_boundaries

RULE = "anslut"


def range_rows(cells: Any, text: str, option: str, *,
               keep_blank: bool = False) -> tuple[str, list[tuple[int, list[tuple[str, Any]]]]]:
    """The cells of "Blad!A2:B8" row by row: (sheet, [(sheet row, [(ref, value)])]); blank
    rows left out unless ``keep_blank`` (a range whose every row is a line, e.g. the
    balanskravsutredning's, where a blank amount is zero)."""
    sheet, sep, ref = text.strip().rpartition("!")
    sheet = sheet.strip()
    if sheet.startswith("'") and sheet.endswith("'") and len(sheet) > 1:
        sheet = sheet[1:-1].replace("''", "'")
    if not sep or not sheet:
        raise InputError(f"'{text}' är inget område: skriv Blad!A2:B8", rule=RULE, argument=option)
    names = {n.casefold(): n for n in cells.sheet_names()}
    if sheet.casefold() not in names:
        have = ", ".join(f"'{n}'" for n in cells.sheet_names())
        raise InputError(f"bladet '{sheet}' i {option} finns inte (arbetsboken har {have})", rule=RULE, argument=option)
    sheet = names[sheet.casefold()]
    try:
        min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
    except Exception:  # noqa: BLE001 - any unreadable reference is the user's typo
        raise InputError(f"'{ref}' i {option} är inget område (t.ex. A2:B8)", rule=RULE, argument=option) from None
    if min_col is None or min_row is None or max_col is None or max_row is None:
        raise InputError(f"'{ref}' i {option} ska vara ett område med rader och kolumner (t.ex. A2:B8)",
                         rule=RULE, argument=option)
    rows = []
    for r in range(min_row, max_row + 1):
        row = [(f"{get_column_letter(c)}{r}", cells.value(sheet, f"{get_column_letter(c)}{r}"))
               for c in range(min_col, max_col + 1)]
        if not keep_blank and all(v is None or (isinstance(v, str) and not v.strip()) for _ref, v in row):
            continue
        rows.append((r, row))
    return sheet, rows


def cell_text(value: Any, sheet: str, ref: str, what: str) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InputError(f"{what} saknas (tom cell)", rule=RULE).at(sheet, ref)
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)
    return str(value).strip()


def cell_amount(cells: Any, value: Any, sheet: str, ref: str, what: str) -> Decimal:
    """An amount in mkr from the team's cell (``money.parse_amount``), refused where the
    team typed a percentage: "7 %" as text, or 0.07 that the book shows as 7 %
    (``tables.percent_in_amount``), either of which would be read as 0,07 mkr."""
    from xlmodel.money import parse_amount
    from xlmodel.workbook.cells import shown_as_percent
    from xlmodel.workbook.tables import percent_in_amount

    if (isinstance(value, Decimal) and value and shown_as_percent(cells, sheet, ref)) or \
            (isinstance(value, str) and value.strip().endswith("%")):
        raise percent_in_amount(value, what, RULE).at(sheet, ref)
    try:
        return parse_amount(value, argument=what, rule=RULE)
    except InputError as err:
        raise err.at(sheet, ref) from None
