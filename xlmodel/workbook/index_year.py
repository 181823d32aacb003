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
Standardindex must then match a published parameter.

Per-row (differentiated) rates on the Ramar sheet (``tblRamar``, column Indexsats) are
the same idea, in the same table: a plan prints them without a per-year source, so they
are not asked for one, but when ``rulla-fram`` carries them into the next year without
being given new ones (``--radindex ID=SATS``) it writes the new year's row of the Index
table for them: Index "Egna indexsatser (bladet Ramar)", Sats empty, Källa
"Överförda från 2021 utan beslut: RF=1,78 %; ..." (``carried_note``). While that note
stands, every Ramar rate still equal to the one it lists is ``index.overford`` (ERROR) at
its Ramar cell. It goes when the rate is changed in the cell, or when the note is
replaced by the decision to keep the rates (fullmäktiges beslut) in Källa eller beslut.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from xlmodel import params
from xlmodel.findings import Finding, Severity
from xlmodel.money import fmt_mkr
from xlmodel.workbook.cells import param_location, read_param, read_table
from xlmodel.workbook.layout import FRAMES_TABLE, INDEX_TABLE, REGIONPLAN_PARAMS
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


# The Index table's row for the per-row rates of the Ramar sheet (one a year), and the
# note rulla-fram writes in its Källa when it carried them over without a decision.
ROW_RATES_SERIES = "Egna indexsatser (bladet Ramar)"
_CARRIED = re.compile(r"\s*Överförda från (\d{4}) utan beslut:(.*)", re.S)


def is_row_rates(row: dict[str, Any]) -> bool:
    """An Index table row (typed or raw) for the Ramar sheet's own rates."""
    series = row.get("series")
    return isinstance(series, str) and series.strip().casefold() == ROW_RATES_SERIES.casefold()


def carried_note(year: int, rates: dict[str, Decimal]) -> str:
    """Källa of the new year's row when ``rates`` (Ramar id → last year's rate) were
    carried from ``year`` without a decision: 'Överförda från 2021 utan beslut: RF=1,78 %; ...'."""
    return f"Överförda från {year} utan beslut: " + "; ".join(f"{i}={pct(r)}" for i, r in rates.items())


def carried_rates(source: Any) -> dict[str, Decimal]:
    """Ramar id → rate a ``carried_note`` lists; {} for any other text (a decision)."""
    from xlmodel.errors import InputError
    from xlmodel.money import parse_rate

    m = _CARRIED.fullmatch(source) if isinstance(source, str) else None
    out: dict[str, Decimal] = {}
    for item in (m.group(2).split(";") if m else []):
        ident, eq, text = item.rpartition("=")
        if eq and ident.strip():
            try:
                out[ident.strip()] = parse_rate(text, argument="Källa eller beslut", rule=RULE)
            except InputError:
                continue   # an item edited into no rate: nothing of it is carried any longer
    return out


def index_rows(cells: Any) -> tuple[Any, list[dict[str, Any]]]:
    table = read_table(cells, INDEX_TABLE, RULE, optional=True)
    if table is None:
        return None, []
    # The Ramar rates' row has no Sats of its own (they stand on the Ramar sheet): read as
    # a rate that is none, every other row as before (a blank Sats is that row's error).
    blank_rate = [i for i, r in enumerate(table.rows) if is_row_rates(r) and _blank(r.get("rate"))]
    if not blank_rate:
        return table, table.typed(RULE)
    from dataclasses import replace

    rows = [dict(r, rate=0) if i in blank_rate else r for i, r in enumerate(table.rows)]
    typed = replace(table, rows=rows).typed(RULE)
    for r in typed:
        if r["_row"] in blank_rate:
            r["rate"] = None
    return table, typed


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


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


def validate_index_year(cells: Any) -> tuple[list[Finding], int]:
    from xlmodel.errors import InputError

    p = {x.name: x for x in REGIONPLAN_PARAMS}
    try:
        year = read_param(cells, p["Budgetar"], RULE)
        rate = read_param(cells, p["Standardindex"], RULE)
    except InputError:
        return [], 0   # a bad Budgetår or Standardindex is the frame table's finding (reported once)
    sheet, cell = param_location(cells, p["Standardindex"])
    table, all_rows = index_rows(cells)
    carried, checked = carried_row_rates(cells, year, all_rows)
    findings, n = _standard_index(year, rate, sheet, cell, table, [r for r in all_rows if not is_row_rates(r)])
    return findings + carried, n + checked


def carried_row_rates(cells: Any, year: int, rows: list[dict[str, Any]]) -> tuple[list[Finding], int]:
    """``index.overford`` at each Ramar rate that the budget year's row of the Index table
    still lists as carried over without a decision (``carried_note``), and the number of
    Ramar rates checked."""
    from xlmodel.errors import InputError

    listed: dict[str, Decimal] = {}
    for r in rows:
        if r["year"] == year and is_row_rates(r):
            listed.update(carried_rates(r.get("source")))
    if not listed:
        return [], 0
    try:
        frames = read_table(cells, FRAMES_TABLE, RULE)
        ramar = frames.typed(RULE)
    except InputError:
        return [], 0   # a bad Ramar table is the frame table's finding (reported once)
    where = f"tabellen Index på bladet {INDEX_TABLE.sheet}"
    out = []
    for row in ramar:
        old = listed.get(row["id"])
        if old is None or row["index_rate"] != old:
            continue
        sheet, cell = frames.where(row, "index_rate")
        out.append(Finding(
            rule=f"{RULE}.overford", severity=Severity.ERROR, subject=f"{year} {row['id']}", sheet=sheet, cell=cell,
            found=old,
            message=(f"Indexsatsen {pct(old)} för {row['id']} ({row['label']}) är {year - 1} års sats och har inget "
                     f"beslut för {year}. Skriv in {year} års sats i cellen, eller ersätt texten 'Överförda från {year - 1} utan beslut' "
                     f"med beslutet att behålla satserna på raden {year} {ROW_RATES_SERIES} i {where}."),
        ))
    return out, len(listed)


def _standard_index(year: int, rate: Decimal, sheet: str | None, cell: str | None, table: Any,
                    rows: list[dict[str, Any]]) -> tuple[list[Finding], int]:
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
