"""What a reference in a formula points at: a rectangle of one sheet.

A reference operand, as the tokenizer gives it, is one of
- an A1 cell or range, optionally on a sheet: ``B5``, ``$B$5:B9``, ``Ramar!B2``,
  ``'Mitt blad'!A1:A3`` (quoted names with doubled quotes), in any letter case;
- a defined name, workbook or sheet scope: ``Indexsats``, ``Blad1!Indexsats``;
- an Excel Table structured reference: ``tblRamar[Budgetram]``, ``tblRamar[#Data]``,
  ``tblRamar[[#This Row],[Ram]]`` (how Excel stores ``[@Ram]``), ``tblRamar[@Ram]``,
  ``tblRamar[[År]:[Resultat]]``, ``tblRamar`` alone, and ``[@Ram]`` inside its own table.

Whole columns or rows (``A:A``), references into other workbooks (``[1]Blad!A1``) and
3-D references (``Blad1:Blad3!A1``) raise ``CannotEvaluate``: a check would have to
guess what Excel passed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from xlmodel.formula.parse import CannotEvaluate
from xlmodel.xlsx.refs import column_index_from_string, range_boundaries

_SHEET = r"(?:'(?P<qs>(?:[^']|'')+)'|(?P<s>[^'!\[\]:]+))"
_CELL = r"\$?[A-Za-z]{1,3}\$?[0-9]{1,7}"
_A1 = re.compile(rf"^(?:{_SHEET}!)?(?P<a>{_CELL})(?::(?P<b>{_CELL}))?$")
_WHOLE = re.compile(rf"^(?:{_SHEET}!)?(?:\$?[A-Za-z]{{1,3}}:\$?[A-Za-z]{{1,3}}|\$?[0-9]+:\$?[0-9]+)$")
_NAME = re.compile(rf"^(?:{_SHEET}!)?(?P<n>[A-Za-z_\\\u00c0-\uffff][A-Za-z0-9_.\\?\u00c0-\uffff]*)$")
_STRUCTURED = re.compile(r"^(?P<t>[A-Za-z_\\\u00c0-\uffff][A-Za-z0-9_.\\\u00c0-\uffff]*)?\[(?P<inner>.*)\]$", re.S)
_SPECIALS = {"#all": "all", "#data": "data", "#headers": "headers", "#totals": "totals", "#this row": "this row"}


class Area(NamedTuple):
    """A rectangle of one sheet (a tuple: one is made per argument of every cell)."""

    sheet: str
    r1: int
    c1: int
    r2: int
    c2: int

    @property
    def single(self) -> bool:
        return self.r1 == self.r2 and self.c1 == self.c2


@dataclass(frozen=True)
class Table:
    name: str
    sheet: str
    ref: str
    header_rows: int
    totals_rows: int
    columns: tuple[str, ...]


def _sheet_of(m: re.Match) -> str | None:
    if m.group("qs") is not None:
        return m.group("qs").replace("''", "'")
    return m.group("s")


def a1_area(text: str, here_sheet: str) -> Area | None:
    """The rectangle of an A1 reference, or None if ``text`` is not one."""
    if _WHOLE.match(text):
        raise CannotEvaluate(f"hela kolumner eller rader ({text}) stöds inte")
    m = _A1.match(text)
    if m is None:
        return None
    sheet = _sheet_of(m)
    if sheet is not None and sheet.startswith("["):
        raise CannotEvaluate(f"referensen {text} pekar in i en annan arbetsbok")
    a = m.group("a").replace("$", "").upper()
    b = (m.group("b") or m.group("a")).replace("$", "").upper()
    c1, r1, _, _ = range_boundaries(f"{a}:{a}")
    c2, r2, _, _ = range_boundaries(f"{b}:{b}")
    return Area(sheet if sheet is not None else here_sheet, min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))


def name_parts(text: str) -> tuple[str | None, str] | None:
    """(sheet or None, name) of a (possibly sheet-qualified) defined name."""
    if "!" in text and text.split("!", 1)[0].startswith("["):
        raise CannotEvaluate(f"referensen {text} pekar in i en annan arbetsbok")
    m = _NAME.match(text)
    if m is None:
        return None
    return _sheet_of(m), m.group("n")


def structured_parts(text: str) -> tuple[str | None, str] | None:
    m = _STRUCTURED.match(text)
    if m is None:
        return None
    return m.group("t"), m.group("inner")


def _unescape(col: str) -> str:
    """A column name as the table's header holds it ('# → #, '' → ', '[ → [, '] → ])."""
    out, i = [], 0
    while i < len(col):
        if col[i] == "'" and i + 1 < len(col):
            out.append(col[i + 1])
            i += 2
            continue
        out.append(col[i])
        i += 1
    return "".join(out).strip()


def _items(inner: str) -> list[tuple[str, str]]:
    """The parts of a structured reference's brackets as (kind, text), kind "item" for
    a bracketed part and "sep" for ',' or ':' between them."""
    inner = inner.strip()
    if not inner.startswith("["):
        if inner.startswith("@"):
            rest = inner[1:].strip()
            if rest.startswith("[") and rest.endswith("]"):
                rest = rest[1:-1]
            return [("item", "#This Row")] + ([("sep", ","), ("item", rest)] if rest else [])
        return [("item", inner)] if inner else []
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(inner):
        ch = inner[i]
        if ch == "[":
            j, depth, buf = i + 1, 1, []
            while j < len(inner):
                if inner[j] == "'" and j + 1 < len(inner):
                    buf.append(inner[j:j + 2])
                    j += 2
                    continue
                if inner[j] == "[":
                    depth += 1
                elif inner[j] == "]":
                    depth -= 1
                    if depth == 0:
                        break
                buf.append(inner[j])
                j += 1
            if j >= len(inner):
                raise CannotEvaluate("tabellreferensen kan inte läsas")
            out.append(("item", "".join(buf)))
            i = j + 1
        elif ch in ",:":
            out.append(("sep", ch))
            i += 1
        elif ch.isspace():
            i += 1
        elif ch == "@":  # [@[Ram]] as written in the formula bar
            out.append(("item", "#This Row"))
            out.append(("sep", ","))
            i += 1
        else:
            raise CannotEvaluate("tabellreferensen kan inte läsas")
    return out


def structured_area(table: Table, inner: str, here_row: int, text: str) -> Area:
    """The rectangle of ``table[inner]`` seen from a formula in row ``here_row``."""
    c1, r1, c2, r2 = range_boundaries(table.ref)
    specials: list[str] = []
    columns: list[str] = []
    col_range = False
    for kind, part in _items(inner):
        if kind == "sep":
            if part == ":":
                col_range = True
            continue
        special = _SPECIALS.get(part.strip().casefold())
        if special is not None:
            specials.append(special)
        else:
            columns.append(_unescape(part))
    head_end = r1 + table.header_rows - 1
    data_first, data_last = r1 + table.header_rows, r2 - table.totals_rows
    if "this row" in specials:
        if not data_first <= here_row <= data_last:
            raise CannotEvaluate(f"{text} används utanför tabellens datarader")
        rows = (here_row, here_row)
    elif not specials or specials == ["data"]:
        rows = (data_first, data_last)
    elif "all" in specials:
        rows = (r1, r2)
    else:
        wanted = set(specials)
        spans = {"headers": (r1, head_end), "data": (data_first, data_last), "totals": (data_last + 1, r2)}
        chosen = [spans[s] for s in ("headers", "data", "totals") if s in wanted]
        rows = (chosen[0][0], chosen[-1][1])
        if rows[1] < rows[0]:
            raise CannotEvaluate(f"{text}: tabellen har ingen sådan rad")
    if not columns:
        cols = (c1, c2)
    else:
        index = {name.casefold(): c1 + i for i, name in enumerate(table.columns)}
        found = []
        for name in columns:
            col = index.get(name.casefold())
            if col is None:
                raise CannotEvaluate(f"tabellen {table.name} har ingen kolumn '{name}'")
            found.append(col)
        if len(found) > 2 or (len(found) == 2 and not col_range):
            raise CannotEvaluate(f"tabellreferensen {text} stöds inte")
        cols = (min(found), max(found))
    if rows[1] < rows[0]:
        raise CannotEvaluate(f"tabellen {table.name} har inga datarader")
    return Area(table.sheet, rows[0], cols[0], rows[1], cols[1])


def column_number(letters: str) -> int:
    return column_index_from_string(letters.upper())
