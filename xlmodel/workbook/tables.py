"""Typed rows of an input table, wherever the table came from.

An input table reaches the rules either from a CSV source (``xlmodel bygg``) or from a
workbook's Excel Table (``regenerate``, ``validate``, the Excel macro). Both become a
``RawTable``: rows keyed by the layout's column keys, plus a function that says where a
value came from, so every error names the sheet and cell (or file and line).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from xlmodel.errors import InputError
from xlmodel.location import Location
from xlmodel.money import MAX_ABS, MAX_ABS_FLOAT, ZERO, fmt_mkr, fmt_percent, parse_amount, parse_rate
from xlmodel.workbook.layout import Col, InputTable, Param

Locate = Callable[[int, str], tuple[str | None, str | None]]

_YES = {"ja", "j", "sant", "true", "1", "x", "yes"}
_NO = {"nej", "n", "falskt", "false", "0", "no"}


@dataclass
class RawTable:
    spec: InputTable
    rows: list[dict[str, Any]]
    locate: Locate
    # Where the table sits in a workbook (None for a CSV source): its header row, the
    # column index of each input column, and the sheet.
    header_row: int | None = None
    columns: dict[str, int] | None = None
    sheet: str | None = None
    # (row index, column key) of the amount cells whose number the workbook shows as a
    # percentage ("7 %" typed leaves 0.07 and the format "0%"): refused by ``typed``,
    # not read as 0,07 mkr. Only a workbook's reader can see formats (``percent_cells``).
    percent_cells: frozenset[tuple[int, str]] = frozenset()

    def unfilled_years(self) -> list[int]:
        """The rows (indexes) at the end of a year table that hold a year and nothing
        but the spec's ``year_keys`` (what ``rulla-fram`` writes for a new year): years
        not yet filled in. A row like that before a filled one is read as usual, so its
        missing amount is an error at its cell."""
        keys = self.spec.year_keys
        if not keys:
            return []
        out: list[int] = []
        for i in range(len(self.rows) - 1, -1, -1):
            row = self.rows[i]
            filled = [c.key for c in self.spec.inputs if not _is_blank(row.get(c.key))]
            if not filled:
                continue
            if keys[0] not in filled or not set(filled) <= set(keys):
                break
            out.append(i)
        return out[::-1]

    def typed(self, rule: str) -> list[dict[str, Any]]:
        # Runs once per cell of the input tables (53 000 on a large plan; bench/EXPLANATION.md):
        # the blank test inlined, and the usual cells taken as ``convert`` takes them, without
        # the call: an amount that is a Decimal in range (what the reader gives for nearly
        # every amount cell), a text that is not blank and starts with no '#' (its stripped
        # text: convert's text path, whose error values all start with '#'), and an empty
        # cell of an optional column that is no yes/no column (None).
        out = []
        unfilled = set(self.unfilled_years())  # years rulla-fram added, not yet filled in
        inputs = self.spec.inputs
        keys = [c.key for c in inputs]
        amounts = [c.kind == "amount" for c in inputs]
        texts = [c.kind == "text" for c in inputs]
        optional = [not c.required and c.kind != "bool" for c in inputs]
        percent = self.percent_cells
        for i, row in enumerate(self.rows):
            if i in unfilled:
                continue
            get = row.get
            for key in keys:
                v = get(key)
                if v is not None and not (isinstance(v, str) and v.strip() == ""):
                    break
            else:
                continue  # an empty row at the end of a table is not an error
            typed_row = {"_row": i}
            for col, is_amount, is_text, may_be_empty in zip(inputs, amounts, texts, optional):
                value = get(col.key)
                if percent and is_amount and (i, col.key) in percent:
                    sheet, cell = self.locate(i, col.key)
                    raise percent_in_amount(value, col.header, rule).at(sheet, cell)
                if is_amount and type(value) is Decimal and value.is_finite() and abs(value) <= MAX_ABS:
                    typed_row[col.key] = value + ZERO  # convert -> parse_amount's Decimal path: the same value
                    continue
                if is_amount and type(value) is float and -MAX_ABS_FLOAT <= value <= MAX_ABS_FLOAT:  # not NaN
                    # convert -> parse_amount's float path: every amount of a table that
                    # Excel passes to =RAMTABELL() through COM arrives as a float
                    typed_row[col.key] = Decimal(repr(value)) + ZERO
                    continue
                if is_text and type(value) is str:
                    text = value.strip()
                    if text and text[0] != "#":
                        typed_row[col.key] = text
                        continue
                elif value is None and may_be_empty:
                    typed_row[col.key] = None
                    continue
                try:
                    typed_row[col.key] = convert(value, col, rule=rule)
                except InputError as err:
                    sheet, cell = self.locate(i, col.key)
                    raise err.at(sheet, cell) from None
            out.append(typed_row)
        return out

    def where(self, typed_row: dict[str, Any], key: str) -> tuple[str | None, str | None]:
        return self.locate(typed_row["_row"], key)

    def location(self, typed_row: dict[str, Any], key: str) -> Location:
        """Where the value ``key`` of a typed row came from, as the core carries it (sheet
        and cell, or file and row), with the column's header as the argument."""
        sheet, cell = self.locate(typed_row["_row"], key)
        header = next((c.header for c in self.spec.columns if c.key == key), None)
        return Location(sheet=sheet, cell=cell, argument=header)


def percent_cells(rows: list[dict[str, Any]], spec: InputTable,
                  shown_as_percent: Callable[[int, str], bool]) -> frozenset[tuple[int, str]]:
    """The (row index, key) of the amount cells of ``rows`` that hold a number other than 0
    shown as a percentage (``shown_as_percent(i, key)``, asked only of those): what
    ``RawTable.percent_cells`` holds. A 0 shown as "0 %" is 0 mkr either way."""
    keys = [c.key for c in spec.inputs if c.kind == "amount"]
    return frozenset((i, key) for i, row in enumerate(rows) for key in keys
                     if isinstance(row.get(key), Decimal) and row[key] and shown_as_percent(i, key))


def percent_in_amount(value: Any, name: str, rule: str) -> InputError:
    """An amount cell holding a percentage the user typed: the text "7 %", or the number
    0.07 the workbook shows as 7 % (what Excel stores for "7 %" typed); either would be
    read as 0,07 mkr."""
    if isinstance(value, str):
        return InputError(f"'{value.strip()}' är en procentsats, men '{name}' är ett belopp i mkr", rule=rule,
                          argument=name)
    return InputError(f"cellen visar {fmt_percent(value)} (talformatet är procent), men '{name}' är ett belopp "
                      f"i mkr och skulle läsas som {fmt_mkr(value)} mkr: skriv beloppet i mkr och ta bort "
                      f"procentformatet", rule=rule, argument=name)


def _is_blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and v.strip() == "")


def convert(value: Any, col: Col | Param, *, rule: str, shown_as_percent: bool = False) -> Any:
    """Convert one raw cell value to the type the layout column declares. ``shown_as_percent``:
    the workbook shows the cell's number as a percentage (``cells.shown_as_percent``),
    which an amount refuses."""
    name = col.header if isinstance(col, Col) else col.label
    if _is_blank(value):
        if col.required and col.kind != "bool":
            raise InputError(f"'{name}' saknas (tom cell)", rule=rule, argument=name)
        return False if col.kind == "bool" else None
    if type(value).__name__ == "ExcelError":  # xlmodel.xlsx.values.ExcelError from the reader
        raise InputError(f"cellen innehåller felvärdet {value}", rule=rule, argument=name)
    kind = col.kind
    if kind == "text":
        if isinstance(value, (date, datetime)):
            raise InputError(f"'{name}' ska vara text, inte ett datum ({value:%Y-%m-%d})", rule=rule, argument=name)
        if isinstance(value, bool):
            raise InputError(f"'{name}' ska vara text, inte {'SANT' if value else 'FALSKT'}", rule=rule, argument=name)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, Decimal) and value == value.to_integral_value():
            value = int(value)
        text = str(value).strip()
        if text.startswith("#") and text.upper() in {"#N/A", "#VALUE!", "#REF!", "#NAME?", "#DIV/0!", "#NUM!", "#NULL!"}:
            raise InputError(f"cellen innehåller felvärdet {text}", rule=rule, argument=name)
        return text
    if kind == "amount":
        if shown_as_percent and isinstance(value, Decimal) and value:
            raise percent_in_amount(value, name, rule)
        if isinstance(value, str) and value.strip().endswith("%"):
            raise percent_in_amount(value, name, rule)  # "7 %" would be read as 0,07 mkr
        return parse_amount(value, argument=name, rule=rule)
    if kind == "rate":
        return parse_rate(value, argument=name, rule=rule)
    if kind in ("int", "year", "places"):
        d = parse_amount(value, argument=name, rule=rule)
        if d != d.to_integral_value():
            raise InputError(f"'{name}' ska vara ett heltal, inte {value}", rule=rule, argument=name)
        n = int(d)
        if kind == "year" and not 1990 <= n <= 2200:
            raise InputError(f"'{name}': {n} är inget rimligt budgetår", rule=rule, argument=name)
        if kind == "places" and not 0 <= n <= 6:
            raise InputError(f"'{name}': {n} ligger utanför 0–6", rule=rule, argument=name)
        return n
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _YES:
            return True
        if text in _NO:
            return False
        raise InputError(f"'{name}': '{value}' är varken ja eller nej", rule=rule, argument=name)
    raise AssertionError(kind)
