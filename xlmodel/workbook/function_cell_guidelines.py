"""A RESERVANVANDNING cell that does not use the workbook's own reserve guidelines.

An Excel function sees only its arguments: a cell ``=RESERVANVANDNING(2025;10;0;100)``
applies the common local rule ("only when the adjusted result is negative, at most up to
zero") even when the workbook's table ``tblReservriktlinjer`` holds fullmäktige's other
rules. Its stored value then agrees with the function (no stale value), but not with the
workbook's guidelines: ``funktionscell.riktlinjer`` (varning) names the cell, the rule it
applied, the table's rules and the argument that passes the table. A cell that passes
a range in ``riktlinjer`` (the table or two columns Nr and Värde) is not reported, nor a
cell whose Ja/Nej arguments give the table's rules, nor a workbook whose table holds the
defaults or cannot be read (the table's own part reports that).
"""

from __future__ import annotations

from xlmodel.errors import InputError
from xlmodel.findings import Finding, Severity

RULE = "funktionscell.riktlinjer"
NAME = "RESERVANVANDNING"
_ARG = 6   # riktlinjer, the seventh argument


def table_guidelines(cells, book):
    """The use guidelines of the workbook's table, or None (no table, the defaults, or
    a table its own part reports as unreadable); read once per workbook."""
    cached = getattr(book, "_xlmodel_reserve_use", False)
    if cached is not False:
        return cached
    from xlmodel.rules.reserve_guidelines import DEFAULT
    from xlmodel.workbook import reserve_guidelines as table

    got = None
    if cells.table(table.TABLE.table) is not None:
        try:
            read = table.read(cells, table.year_of(cells))
            got = (read.guidelines.use, read.sheet) if _rules(read.guidelines.use) != _rules(DEFAULT.use) else None
        except InputError:
            got = None
    book._xlmodel_reserve_use = got
    return got


def _rules(g) -> tuple:
    return (g.only_when_negative, g.at_most_to_zero, g.max_amount)


def findings(cells, book, calls, sheet: str, ref: str) -> list[Finding]:
    """``calls``: the evaluated xlmodel calls of one cell (``Evaluation.calls``)."""
    own = table_guidelines(cells, book)
    if own is None:
        return []
    from xlmodel.excel.arguments import is_blank
    from xlmodel.excel.functions import use_guidelines_of

    g_table, table_sheet = own
    out = []
    for name, args in calls:
        if name != NAME:
            continue
        passed = [a[2] for a in args] + [None] * (_ARG + 1 - len(args))
        if isinstance(passed[_ARG], tuple) or not is_blank(passed[_ARG]):
            continue
        try:
            g_cell = use_guidelines_of(*passed[4:_ARG + 1])
        except InputError:
            continue   # the function's own error, reported as the cell's value
        if _rules(g_cell) == _rules(g_table):
            continue
        out.append(Finding(
            rule=RULE, severity=Severity.WARNING, subject=NAME, sheet=sheet, cell=ref,
            message=(f"{NAME} räknar med riktlinjen {g_cell.text_sv()}, men arbetsbokens tabell Reservriktlinjer "
                     f"(bladet {table_sheet}) har andra lokala riktlinjer: {g_table.text_sv()}. Ange tabellen som "
                     f"sista argument, t.ex. ={NAME}(…;tblReservriktlinjer[#Alla]), så gäller arbetsbokens riktlinjer."),
        ))
        break
    return out
