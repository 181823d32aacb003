"""A1 references: 'AB12' <-> (row 12, column 28), ranges 'B4:H20'."""

from __future__ import annotations

import re
from functools import lru_cache

from xlmodel.errors import InputError

MAX_ROW = 1_048_576   # Excel 2007+ grid (ECMA-376 Part 1, §18.3.1.73, row r ≤ 1048576)
MAX_COL = 16_384      # XFD

_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([1-9][0-9]{0,6})$")


@lru_cache(maxsize=20_000)
def col_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n


@lru_cache(maxsize=20_000)
def col_letters(index: int) -> str:
    out = ""
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def split_ref(ref: str, *, argument: str = "ref", rule: str = "xlsx.cellreferens") -> tuple[int, int]:
    """'B4' -> (4, 2). Refuses anything that is not one cell inside Excel's grid."""
    m = _REF.match(ref.strip()) if isinstance(ref, str) else None
    if not m:
        raise InputError(f"'{ref}' är ingen cellreferens (t.ex. B4)", rule=rule, argument=argument)
    col, row = col_index(m.group(1)), int(m.group(2))
    if col > MAX_COL or row > MAX_ROW:
        raise InputError(f"'{ref}' ligger utanför Excels rutnät", rule=rule, argument=argument)
    return row, col


def make_ref(row: int, col: int) -> str:
    return f"{col_letters(col)}{row}"


def parse_range(rng: str, *, argument: str = "range", rule: str = "xlsx.cellreferens") -> tuple[int, int, int, int]:
    """'B4:H20' -> (min_row, min_col, max_row, max_col); a single cell is a 1x1 range."""
    if not isinstance(rng, str):
        raise InputError(f"'{rng}' är inget område (t.ex. B4:H20)", rule=rule, argument=argument)
    a, _, b = rng.partition(":")
    r1, c1 = split_ref(a, argument=argument, rule=rule)
    r2, c2 = split_ref(b, argument=argument, rule=rule) if b else (r1, c1)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def format_range(min_row: int, min_col: int, max_row: int, max_col: int) -> str:
    a = make_ref(min_row, min_col)
    b = make_ref(max_row, max_col)
    return a if a == b else f"{a}:{b}"
