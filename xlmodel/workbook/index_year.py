"""The index of the budget year: decided (with a source) or a finding.

A regionplan's Standardindex (LPIK, PKV or the body's own weighted index) is a number
that changes every year. A plan whose Standardindex for the budget year has no source
is not a plan that can be checked: after ``rulla-fram`` without a new rate it silently
carries last year's. So ``validate`` looks the budget year up in the workbook's index
table (``tblIndex`` on the Parametrar sheet: year, index, rate, source) and, failing
that, in xlmodel's own published parameters (``index.toml``, only figures with a
citable source):

- ``index.saknas`` (ERROR): no row for the budget year and no published parameter with
  the same rate;
- ``index.overford`` (ERROR): the same, and the rate is last year's row: carried over
  without a decision;
- ``index.avviker`` (ERROR): the table has rows for the budget year, none with the
  Standardindex rate.

A workbook without the table (built before it existed) is judged the same way: its
Standardindex must then match a published parameter. Per-row (differentiated) rates on
the Ramar sheet are not covered: the plan prints them without a per-year source, and
``rulla-fram`` reports that it carried them over.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from xlmodel import params
from xlmodel.findings import Finding, Severity
from xlmodel.money import fmt_mkr
from xlmodel.workbook.cells import param_location, read_param, read_table
from xlmodel.workbook.layout import INDEX_TABLE, REGIONPLAN_PARAMS

RULE = "index"
# The published series a body's Standardindex may come from (xlmodel/params/index.toml).
PUBLISHED_SERIES = ("index.lpik", "index.pkv")


def pct(rate: Decimal) -> str:
    return f"{fmt_mkr((rate * 100).normalize())} %"


def published_rate(year: int, rate: Decimal) -> tuple[str, str] | None:
    """(key, reference) of a shipped parameter for ``year`` with exactly ``rate``."""
    for key in PUBLISHED_SERIES:
        if params.has(key, year) and params.value(key, year) == rate:
            return key, params.lookup(key, year).reference
    return None


def index_rows(cells: Any) -> tuple[Any, list[dict[str, Any]]]:
    table = read_table(cells, INDEX_TABLE, RULE, optional=True)
    return table, ([] if table is None else table.typed(RULE))


def validate_index_year(cells: Any) -> tuple[list[Finding], int]:
    from xlmodel.errors import InputError

    p = {x.name: x for x in REGIONPLAN_PARAMS}
    try:
        year = read_param(cells, p["Budgetar"], RULE)
        rate = read_param(cells, p["Standardindex"], RULE)
    except InputError:
        return [], 0   # a bad Budgetår or Standardindex is the frame table's finding (reported once)
    sheet, cell = param_location(cells, p["Standardindex"])
    table, rows = index_rows(cells)
    this_year = [r for r in rows if r["year"] == year]
    if any(r["rate"] == rate for r in this_year) or (not this_year and published_rate(year, rate)):
        return [], 1
    where = f"tabellen Index på bladet {table.sheet or INDEX_TABLE.sheet}" if table is not None else \
        f"en tabell Index (År, Index, Sats, Källa eller beslut) på bladet {INDEX_TABLE.sheet}"
    if this_year:
        listed = ", ".join(f"{pct(r['rate'])} ({r['series']})" for r in this_year)
        return [Finding(
            rule=f"{RULE}.avviker", severity=Severity.ERROR, subject=str(year), sheet=sheet, cell=cell,
            expected=this_year[0]["rate"], found=rate,
            message=(f"Standardindex {pct(rate)} för {year} finns inte bland årets satser i {where}: {listed}."),
        )], 1
    last_year = [r for r in rows if r["year"] == year - 1 and r["rate"] == rate]
    if last_year or (rate is not None and published_rate(year - 1, rate)):
        return [Finding(
            rule=f"{RULE}.overford", severity=Severity.ERROR, subject=str(year), sheet=sheet, cell=cell, found=rate,
            message=(f"Standardindex {pct(rate)} är {year - 1} års sats och har inget beslut eller källa för {year}. "
                     f"Skriv in {year} års sats med källa i {where} (eller kör 'xlmodel rulla-fram --index SATS')."),
        )], 1
    return [Finding(
        rule=f"{RULE}.saknas", severity=Severity.ERROR, subject=str(year), sheet=sheet, cell=cell, found=rate,
        message=(f"Standardindex {pct(rate)} för {year} saknar källa: skriv in årets sats med källa "
                 f"(t.ex. SKR:s prognos eller fullmäktiges beslut) i {where}."),
    )], 1
