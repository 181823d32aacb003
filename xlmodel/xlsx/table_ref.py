"""Resize an Excel Table (ListObject) by rewriting its range in the table part.

A table part (``xl/tables/tableN.xml``) states its range twice: the ``ref`` of its
``<table>`` element and, when it has a filter row, the ``ref`` of its ``<autoFilter>``
(the same range without a totals row). ``resize_table`` changes those two attributes
by splicing bytes; every other byte of the part (columns, style, extensions) stays, as
does every other part. The cells of the new rows are the sheet's (``patch``); the
columns are not changed, only the number of rows.
"""

from __future__ import annotations

import re

from xlmodel.errors import InputError
from xlmodel.xlsx.cellref import format_range, parse_range
from xlmodel.xlsx.package import Package

RULE = "xlsx.tabell"
_REF = re.compile(rb'(\sref\s*=\s*)("[^"]*"|\'[^\']*\')')


def _start_tag(data: bytes, local: bytes, start: int = 0) -> re.Match[bytes] | None:
    return re.compile(rb"<(?:\w+:)?" + local + rb"\b[^>]*>").search(data, start)


def resize_table(pkg: Package, sheet: str, table: str, new_ref: str) -> Package:
    """``pkg`` with the table ``table`` on ``sheet`` covering ``new_ref`` (same columns)."""
    info = next((t for t in pkg.tables(sheet) if table.casefold() in (t.name.casefold(), t.display_name.casefold())),
                None)
    if info is None:
        raise InputError(f"tabellen {table} finns inte på bladet '{sheet}'", rule=RULE, sheet=sheet)
    r1, c1, r2, c2 = parse_range(info.ref, argument="ref", rule=RULE)
    n1, m1, n2, m2 = parse_range(new_ref, argument="ref", rule=RULE)
    if (r1, c1, c2) != (n1, m1, m2) or n2 < r1 + info.header_row_count:
        raise InputError(f"tabellen {table} kan bara få fler eller färre rader här, inte flyttas ({info.ref} → "
                         f"{new_ref})", rule=RULE, sheet=sheet)
    data = pkg.part(info.part)
    splices = []
    root = _start_tag(data, b"table")
    if root is None:
        raise InputError(f"tabellen {table} kan inte läsas", rule=RULE, sheet=sheet)
    m = _REF.search(data, root.start(), root.end())
    if m is None:
        raise InputError(f"tabellen {table} saknar sitt område", rule=RULE, sheet=sheet)
    splices.append((m.start(2), m.end(2), f'"{format_range(n1, m1, n2, m2)}"'.encode("ascii")))
    auto = _start_tag(data, b"autoFilter", root.end())
    if auto is not None:
        f = _REF.search(data, auto.start(), auto.end())
        if f is not None:
            last = n2 - info.totals_row_count
            splices.append((f.start(2), f.end(2), f'"{format_range(n1, m1, last, m2)}"'.encode("ascii")))
    out = data
    for start, end, text in sorted(splices, reverse=True):
        out = out[:start] + text + out[end:]
    return pkg.with_parts({info.part: out})
