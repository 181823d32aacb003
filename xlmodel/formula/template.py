"""Formulas filled down a column are one formula: parse it once.

A workbook with 5 000 ``=BALANSKRAV(Utfall!A2,…)`` cells holds one formula written 5 000
times with its relative references moved one row each time (what Excel's fill does, and
what its shared formulas record). ``FilledDown`` recognises such a copy without parsing
it again: the tree parsed for the first one serves the others, its relative references
moved by the distance between the rows (``Evaluation(shift=…)``).

Which digits are the rows of relative references is read with ``_PIECES``: text in
double quotes, quoted sheet names and everything inside brackets (structured references,
external workbook numbers) is skipped, and a reference must not touch a letter, digit,
'_', '.', '\\' or '$' before it, nor a letter, digit, '_', '(', '!', '[' or '.' after it
(a function name such as LOG10(, a sheet name before '!', a defined name). Excel refuses
defined names that look like cell references, so what is left is a reference.
"""

from __future__ import annotations

import re
from typing import Any


_PIECES = re.compile(
    r'"(?:[^"]|"")*"'              # a text literal
    r"|'(?:[^']|'')*'"             # a quoted sheet name
    r"|\[[^\]]*\]"                 # a bracketed part (structured reference, [1] external)
    r"|(?<![A-Za-z0-9_.\\$])(?P<ca>\$?)(?P<col>[A-Za-z]{1,3})(?P<ra>\$?)(?P<row>[0-9]{1,7})(?![A-Za-z0-9_(!\[.])"
)


_DIGITS = re.compile(r"([0-9]+)")


def relative_rows(formula: str) -> tuple[bool, ...]:
    """For each run of digits in ``formula`` (in order): is it the row of a relative
    reference? (``=BALANSKRAV(A2;$B$2;"3,1 %")`` → (True, False, False, False))."""
    spans = {m.span("row") for m in _PIECES.finditer(formula) if m.group("col") is not None and not m.group("ra")}
    return tuple(m.span() in spans for m in _DIGITS.finditer(formula))


class FilledDown:
    """The same formula filled down a column, recognised without parsing again.

    Keyed by the cell's column and the formula with its digits taken out; a formula
    found under a key is the one parsed at ``row`` if each relative row number is that
    one's plus the distance between the rows, and every other number (absolute rows,
    constants, digits in text or sheet names) is the same. Columns are part of the key,
    so a formula copied sideways is parsed anew (its column letters differ anyway)."""

    def __init__(self) -> None:
        self._known: dict[tuple[int, tuple[str, ...]], tuple[Any, int, tuple[str, ...], tuple[bool, ...]]] = {}
        # Per column, the entry found last, as a text to fill in (``_Filled``): the next
        # cell down is nearly always the same formula one row further.
        self._last: dict[int, _Filled] = {}

    def find(self, formula: str, row: int, col: int) -> tuple[Any, int] | None:
        """(what was stored for the formula, the row it was stored at) or None."""
        last = self._last.get(col)
        if last is not None and last.matches(formula, row):
            return last.value, last.row0
        parts = _DIGITS.split(formula)
        skeleton = tuple(parts[0::2])
        entry = self._known.get((col, skeleton))
        if entry is None:
            return None
        value, row0, numbers, relative = entry
        dr = row - row0
        for got, first, rel in zip(parts[1::2], numbers, relative):
            if (int(got) != int(first) + dr) if rel else (got != first):
                return None
        if last is None or last.entry is not entry:
            self._last[col] = _Filled(entry, skeleton)
        return value, row0

    def add(self, formula: str, row: int, col: int, value: Any) -> None:
        parts = _DIGITS.split(formula)
        self._known.setdefault((col, tuple(parts[0::2])), (value, row, tuple(parts[1::2]), relative_rows(formula)))


class _Filled:
    """One ``FilledDown`` entry as the text it has at any row: its pieces between the
    numbers, each absolute number as written and each relative row as a slot for that
    row plus the distance. ``matches`` says yes only where ``find``'s comparison, number by
    number, would (the text it builds splits into the same pieces and numbers, each
    relative one ``int(first) + dr``); anything else (a row written with a leading zero,
    a row that would be below 0) is left to that comparison."""

    __slots__ = ("entry", "value", "row0", "template", "bases", "lowest")

    def __init__(self, entry: tuple, skeleton: tuple[str, ...]) -> None:
        value, row0, numbers, relative = entry
        self.entry, self.value, self.row0 = entry, value, row0
        bases: list[int] = []
        out = []
        for i, piece in enumerate(skeleton):
            out.append(piece.replace("{", "{{").replace("}", "}}"))
            if i < len(numbers):
                if relative[i]:
                    base = int(numbers[i])
                    if base not in bases:
                        bases.append(base)
                    out.append("{%d}" % bases.index(base))
                else:
                    out.append(numbers[i])
        self.template = "".join(out)
        self.bases = tuple(bases)
        self.lowest = min(bases) if bases else 0

    def matches(self, formula: str, row: int) -> bool:
        dr = row - self.row0
        if self.lowest + dr < 0:
            return False
        return formula == self.template.format(*[b + dr for b in self.bases])
