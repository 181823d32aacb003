"""Varav rows are parts of their row: together they cannot exceed it.

A "varav" (or "därav") row of a budget table states how much of its row's amount goes
to a named part: "varav tandvård" under Regionstyrelsen in the ramtabell (Region
Västerbottens Regionplan 2021, avsnitt Ekonomiska ramar per nämnd: a varav row is contained
in its parent), "- därav Tandvård" under a nämnd's resursram (Region Västernorrlands
Regionplan 2020–2022, avsnitt 7.4 Resursramar). The parts are contained in the whole, so
their sum can be at most the row's own amount; more is a typing error in one of them (fel).

One rule for every table that has varav rows; each table keeps its own rule id
(``ramtabell.varav_overstiger``, ``resursramar.varav_overstiger``), so a user's
findings name the table they are in.
"""

from __future__ import annotations

from decimal import Decimal

from xlmodel.findings import Finding, Severity
from xlmodel.money import fmt_mkr


def varav_excess(*, rule: str, parts: Decimal, whole: Decimal, whose: str, what: str, subject: str,
                 field: str) -> Finding | None:
    """The finding when the varav rows (summing to ``parts``) exceed their row
    (``whole``), else None. ``whose`` names the row ("'HSN'", "tandvård"), ``what`` the
    amount compared ("i kolumnen 'Budgetram'", "år 2021")."""
    if parts <= whole:
        return None
    return Finding(
        rule=rule,
        severity=Severity.ERROR,
        message=(f"Varav-raderna under {whose} summerar till {fmt_mkr(parts)} mkr {what}, "
                 f"mer än raden själv ({fmt_mkr(whole)} mkr)."),
        subject=subject,
        field=field,
        expected=whole,
        found=parts,
    )
