"""The new year's row in the year tables (tblResultatbudget, tblBalanskrav) at ``rulla-fram``.

Each table with one row a year (``layout.InputTable.year_keys``) moves one year forward
with the budget year: the roll writes the year after the table's last year (and, in the
resultatbudget, the last row's Typ) in the first blank row after the last filled one.
The table is found by its Excel Table name, on whatever sheet and at whatever cell it
stands (an adopted book's, a renamed sheet, a place ``anslut --plats`` chose). When the
table has no blank row left it grows by one row (its ``ref``), provided the row under it
is empty in the table's columns; otherwise the roll is refused, naming the cell, and
nothing is written: the row under a table is the user's, never overwritten.

The new row holds only the year (and Typ): its amounts are the user's to enter. Until
then the rules skip it (``tables.RawTable.unfilled_years``) and ``validera`` says so in
a warning at the first cell to fill in (``unfilled_findings``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xlmodel.errors import InputError
from xlmodel.findings import Finding, Severity
from xlmodel.workbook import layout as L
from xlmodel.workbook.cells import read_table
from xlmodel.workbook.tables import RawTable, convert
from xlmodel.xlsx.refs import get_column_letter, range_boundaries

RULE = "rullning.nytt_ar"
YEAR_TABLES = (L.RESULTBUDGET_TABLE, L.BALANSKRAV_TABLE)
# What the user fills in on a new year's row, as the warning names it.
TO_FILL = {L.RESULTBUDGET_TABLE.table: "verksamhetens nettoram, skatteintäkter och generella statsbidrag",
           L.BALANSKRAV_TABLE.table: "balanskravsresultatet"}


@dataclass
class NewYearRow:
    table: str
    sheet: str
    year: int
    row: int                                   # the sheet row written
    values: dict[str, Any] = field(default_factory=dict)   # cell → value
    grow_to: str | None = None                 # the table's new ref, when it grows by this row
    old_ref: str = ""


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def plan_new_years(cells: Any) -> tuple[list[NewYearRow], list[Finding]]:
    """The new year's row of every year table the workbook has, and a note for each
    table whose last year is not yet filled in (a year an earlier roll added): it gets
    no second empty year behind it. A table that cannot take the row is an InputError
    naming the cell under it."""
    out, notes = [], []
    for spec in YEAR_TABLES:
        loc = cells.table(spec.table)
        if loc is None:
            continue  # the part is not in this workbook
        raw: RawTable = read_table(cells, spec, RULE)
        pending = raw.unfilled_years()
        if pending:
            sheet, cell = raw.locate(pending[-1], "year")
            notes.append(Finding(
                rule=RULE, severity=Severity.INFO, sheet=sheet, cell=cell,
                message=(f"Tabellen {spec.table} slutar med ett år som ännu inte är ifyllt ({sheet}!{cell}); ingen ny "
                         f"rad läggs till förrän det är ifyllt: fyll i {TO_FILL[spec.table]} där.")))
            continue
        filled = [i for i, row in enumerate(raw.rows) if any(not _blank(row.get(c.key)) for c in spec.inputs)]
        if not filled:
            continue  # nothing to continue from: the user's first year is theirs to enter
        years = []
        for i in filled:
            value = raw.rows[i].get("year")
            if _blank(value):
                continue
            try:
                years.append(convert(value, next(c for c in spec.columns if c.key == "year"), rule=RULE))
            except InputError as err:
                raise err.at(*raw.locate(i, "year")) from None
        if not years:
            continue
        year = max(years) + 1
        last = raw.rows[filled[-1]]
        target = filled[-1] + 1
        min_col, min_row, max_col, max_row = range_boundaries(loc.ref)
        sheet_row = min_row + 1 + target
        new = NewYearRow(table=spec.table, sheet=loc.sheet, year=year, row=sheet_row, old_ref=loc.ref)
        if target >= len(raw.rows):
            if loc.has_totals:
                raise InputError(f"tabellen {spec.table} på bladet '{loc.sheet}' har en summarad och ingen tom rad för "
                                 f"{year}: lägg till en tom rad i tabellen i Excel och kör rulla-fram igen (inget har "
                                 "ändrats)", rule=RULE, sheet=loc.sheet, cell=f"{get_column_letter(min_col)}{max_row}")
            for c in range(min_col, max_col + 1):
                ref = f"{get_column_letter(c)}{max_row + 1}"
                value = cells.value(loc.sheet, ref)
                if not _blank(value) or cells.formula(loc.sheet, ref):
                    shown = cells.formula(loc.sheet, ref)
                    shown = f"={shown}" if shown else str(value)
                    raise InputError(
                        f"tabellen {spec.table} på bladet '{loc.sheet}' har ingen tom rad för {year}, och raden under "
                        f"den är inte tom: cellen {ref} innehåller '{shown[:40]}', som inte skrivs över. Lägg till en "
                        f"tom rad sist i tabellen i Excel (eller flytta det som står under den) och kör rulla-fram "
                        "igen (inget har ändrats)", rule=RULE, sheet=loc.sheet, cell=ref)
            new.grow_to = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row + 1}"
        for key in spec.year_keys:
            value = year if key == "year" else last.get(key)
            if not _blank(value):
                new.values[f"{get_column_letter(raw.columns[key])}{sheet_row}"] = value
        out.append(new)
    return out, notes


def added_finding(new: NewYearRow) -> Finding:
    """What the roll tells about the row it added."""
    grew = " (tabellen utökad med en rad)" if new.grow_to else ""
    return Finding(rule=RULE, severity=Severity.INFO, subject=str(new.year), sheet=new.sheet,
                   cell=min(new.values, key=lambda r: range_boundaries(r)[0]),
                   message=(f"Året {new.year} har lagts till i tabellen {new.table} på bladet '{new.sheet}', rad "
                            f"{new.row}{grew}: fyll i {TO_FILL[new.table]}."))


def unfilled_findings(raw: RawTable, rule: str) -> list[Finding]:
    """A warning for each year at the end of ``raw`` not yet filled in, at the first
    required input cell that is blank."""
    out = []
    for i in raw.unfilled_years():
        row = raw.rows[i]
        col = next((c for c in raw.spec.inputs if c.required and _blank(row.get(c.key))), None)
        sheet, cell = raw.locate(i, col.key if col is not None else "year")
        year = row.get("year")
        year = int(year) if not isinstance(year, str) and year == int(year) else year
        out.append(Finding(
            rule=f"{rule}.ar_ej_ifyllt", severity=Severity.WARNING, subject=str(year), sheet=sheet, cell=cell,
            message=(f"Året {year} i tabellen {raw.spec.table} har ännu inga belopp: fyll i "
                     f"{TO_FILL.get(raw.spec.table, 'raden')}; till dess räknas året inte.")))
    return out
