"""The restoration ledger as a table: its columns defined once, in three shapes.

The ledger (``restoration.restoration_ledger``, KL 11 kap. 12–13 §§) is shown as one row
per deficit, oldest first. Where it is shown decides how much of it fits:

- ``FUNCTION``: what ``=ATERSTALLNING()`` spills (7 columns: the restored amount in one
  column, the write-off named as the decision it is, "synnerliga skäl"); the regionplan's
  Balanskrav sheet and the delårsrapport's Prognos sheet show it;
- ``LEDGER``: the whole account (8 columns: restored on time and late apart, KL 11:12's
  three years), ``Ledger.rows()``;
- ``SHEET``: the resursramar's written ledger (9 columns: also the year the deficit was
  cleared, since that plan's restoration is judged by it, "senast 2020").

Each shape is a choice of columns from ``COLUMNS``; a shape may name a column more
precisely for its reader (``header``). Light on purpose (no pydantic, no rule imports):
``import udfs`` reads the function's headers from here at start-up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from operator import attrgetter
from typing import Any, Literal

ColumnKind = Literal["year", "amount", "text"]


@dataclass(frozen=True)
class LedgerColumn:
    key: str               # field of restoration.DeficitAccount
    header: str            # Swedish header
    kind: ColumnKind


COLUMNS: dict[str, LedgerColumn] = {c.key: c for c in (
    LedgerColumn("origin_year", "Underskottsår", "year"),
    LedgerColumn("amount", "Underskott", "amount"),
    LedgerColumn("restored", "Återställt", "amount"),
    LedgerColumn("restored_on_time", "Återställt i tid", "amount"),
    LedgerColumn("restored_late", "Återställt för sent", "amount"),
    LedgerColumn("written_off", "Avskrivet", "amount"),
    LedgerColumn("remaining", "Kvar att återställa", "amount"),
    LedgerColumn("deadline", "Sista år", "year"),
    LedgerColumn("cleared_year", "Återställt år", "year"),
    LedgerColumn("status", "Status", "text"),
)}


@dataclass(frozen=True)
class Shape:
    """A choice of ``COLUMNS`` in order; ``header`` renames a column for this shape."""

    keys: tuple[str, ...]
    header: tuple[tuple[str, str], ...] = ()

    @property
    def columns(self) -> tuple[LedgerColumn, ...]:
        return tuple(COLUMNS[k] for k in self.keys)

    @property
    def headers(self) -> tuple[str, ...]:
        named = dict(self.header)
        return tuple(named.get(k, COLUMNS[k].header) for k in self.keys)

    @property
    def kinds(self) -> tuple[ColumnKind, ...]:
        return tuple(COLUMNS[k].kind for k in self.keys)

    @cached_property
    def _values(self) -> Callable[[Any], tuple[Any, ...]]:
        return attrgetter(*self.keys)  # one call per row: =ATERSTALLNING() runs at every recalculation

    def row(self, deficit: Any) -> tuple[Any, ...]:
        """The values of one ``DeficitAccount`` in this shape's columns."""
        return self._values(deficit)


FUNCTION = Shape(("origin_year", "amount", "restored", "written_off", "remaining", "deadline", "status"),
                 header=(("written_off", "Avskrivet (synnerliga skäl)"),))
LEDGER = Shape(("origin_year", "amount", "restored_on_time", "restored_late", "written_off", "remaining",
                "deadline", "status"))
SHEET = Shape(("origin_year", "amount", "restored_on_time", "restored_late", "written_off", "remaining",
               "deadline", "cleared_year", "status"))
