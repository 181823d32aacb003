"""A series of fiscal years: each year once, in ascending order.

Every series the rules walk through year by year needs it: the restoration ledger
counts the three years after a deficit's year (KL 11 kap. 12 §: "under de närmast
följande tre åren"), the resultatbudget and its financial goals are per budget year
(KL 11 kap. 8 §: "budgetåret" and the plan's later years), and a forecast's years are
the ledger's. A year typed twice or out of order would otherwise be restored, summed or
compared in the wrong year without a word.

One rule, used wherever such a series is read (the rule core, the Excel functions and
each part of the workbook layer): the error is raised at the location of the year
that breaks the order (``xlmodel.location``: a cell, a CSV row or an Excel argument's
element), with the caller's rule id.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from xlmodel.location import Location


def out_of_order_message(year: int, previous: int) -> str:
    what = "förekommer två gånger" if year == previous else f"kommer efter {previous}"
    return f"år {year} {what}: åren måste vara unika och i stigande ordning"


class AscendingYears:
    """The years of a series, checked one by one as they are read, so an error in the
    order is raised before anything read after it (the order of a caller's messages)."""

    def __init__(self, rule: str) -> None:
        self.rule = rule
        self.previous: int | None = None

    def add(self, year: int, where: Location) -> int:
        if self.previous is not None and year <= self.previous:
            raise where.error(out_of_order_message(year, self.previous), rule=self.rule)
        self.previous = year
        return year


def check_ascending(years: Sequence[int], where: Callable[[int], Location], *, rule: str) -> None:
    """Every year after the one before it; else an ``InputError`` at the first that is not.
    ``where(i)``: the location of ``years[i]``, made only for the error (``=ATERSTALLNING()``
    is called for every recalculation; its years must not each build a message)."""
    for i in range(1, len(years)):
        if years[i] <= years[i - 1]:
            raise where(i).error(out_of_order_message(years[i], years[i - 1]), rule=rule)
