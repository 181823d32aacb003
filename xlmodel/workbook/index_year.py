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
from xlmodel.xlsx.refs import cell_name, get_column_letter

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


def _row_to_fill(table: Any, year: int, where: str) -> str:
    """What to write besides the rate: the year's row in the Index table, cell by cell
    (its first empty row, else the row under it, which the table must take in); without
    the table, the table to make."""
    if table is None:
        return f"satsen med källa i {where}"
    blank = next((i for i, row in enumerate(table.rows) if all(_blank(v) for v in row.values())), None)
    row = table.header_row + 1 + (len(table.rows) if blank is None else blank)
    col = {key: f"{get_column_letter(c)}{row}" for key, c in (table.columns or {}).items()}
    what = {"year": f"År {year}", "series": "indexets namn", "rate": "samma sats", "source": "dess källa eller beslut"}
    said = [f"{what[c.key]} i {col[c.key]}" for c in INDEX_TABLE.columns if c.key in col]
    cells_text = ", ".join(said[:-1]) + " och " + said[-1] if len(said) > 1 else "".join(said)
    if blank is not None:
        return f"en rad för {year} i {where}, rad {row}: {cells_text}"
    return (f"en rad för {year} direkt under {where}, rad {row}: {cells_text}; tabellen ska utökas "
            f"till raden (Excel gör det själv när raden skrivs direkt under tabellen)")


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


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
            message=(f"Standardindex {pct(rate)} i {cell_name(sheet, cell)} är {year - 1} års sats och har inget "
                     f"beslut eller källa för {year}. Skriv {year} års sats i {cell_name(sheet, cell)} och "
                     f"{_row_to_fill(table, year, where)}."),
        )], 1
    return [Finding(
        rule=f"{RULE}.saknas", severity=Severity.ERROR, subject=str(year), sheet=sheet, cell=cell, found=rate,
        message=(f"Standardindex {pct(rate)} för {year} saknar källa: skriv in årets sats med källa "
                 f"(t.ex. SKR:s prognos eller fullmäktiges beslut) i {where}."),
    )], 1
