"""Findings: what a check reports instead of raising.

A finding is a disagreement worth a person's attention: a published figure the
rules do not reproduce, a deficit restored after its deadline, a transfer column
that does not net to zero. Rules return findings with a ``subject`` (a row id, a
year); the workbook layer fills in ``sheet`` and ``cell``.
"""

from __future__ import annotations

from decimal import Decimal
from enum import Enum

from pydantic import BaseModel, ConfigDict


class Severity(str, Enum):
    ERROR = "fel"          # the numbers break a rule; validate exits 1
    WARNING = "varning"    # a source discrepancy or a risk a reader must see
    INFO = "info"          # an observation, e.g. a rounding difference within tolerance


class Finding(BaseModel):
    model_config = ConfigDict(frozen=True)

    rule: str                        # stable id, e.g. "aterstallning.forsenad"
    severity: Severity
    message: str                     # Swedish, one sentence
    subject: str | None = None       # row id, committee, year ...
    field: str | None = None         # column / line, e.g. "budgetram"
    expected: Decimal | str | None = None
    found: Decimal | str | None = None
    sheet: str | None = None
    cell: str | None = None

    def at(self, sheet: str, cell: str | None) -> "Finding":
        return self.model_copy(update={"sheet": sheet, "cell": cell})

    def is_error(self) -> bool:
        return self.severity is Severity.ERROR
