"""The reserve guidelines table (``tblReservriktlinjer``) of a regionplan and a delårsrapport.

One row per guideline (``rules.reserve_guidelines.ROWS``): rows 1–6 are fullmäktige's
own rules ("lokal (inte lag)"), which the controller fills in (blank = xlmodel's default,
the common local rule); rows 7–10 are the statute's limits for the workbook's year
(Budgetår or Räkenskapsår), which xlmodel writes from its dated parameters and owns:
``validate`` reports a changed law row (``reserv.lagens_grans``), ``regenerate`` writes
the law's value back. A local rule the law does not allow is reported on its row
(``reserv.riktlinje_mot_lag``). The delårsrapport's utredning reads the guidelines
(``guidelines_of``) for its check of reserve use (lines 8–9).

A workbook built before the table existed has none: the defaults apply and nothing is
reported (the table is added by building the workbook again).
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from xlmodel.errors import InputError
from xlmodel.findings import Finding, Severity
from xlmodel.money import ZERO, fmt_mkr
from xlmodel.rules import reserve_guidelines as R
from xlmodel.workbook import layout as L
from xlmodel.workbook.owned import OwnedCell, SheetPlan, compare_cell, stored

RULE = R.RULE
TABLE = L.InputTable(
    sheet=L.SHEET_PARAMS,   # the regionplan's; the delårsrapport's is on Balanskravsutredning (``spec_for``)
    table="tblReservriktlinjer",
    top_left="A20",
    columns=(
        L.Col("nr", "Nr", "int", width=6, help="Riktlinjens nummer (1–10): 1–6 lokala riktlinjer, 7–10 lagens gränser."),
        L.Col("label", "Riktlinje", "text", width=78, style="input_wrap"),
        L.Col("value", "Värde", "text", required=False, width=14,
              help="Rad 1–6: fullmäktiges riktlinje (Ja/Nej, mkr, andel eller text; tomt = standard). "
                   "Rad 7–10: lagens gräns, skrivs av xlmodel."),
        L.Col("kind", "Slag", "text", width=16, computed=True, style="text"),
        L.Col("source", "Källa eller beslut", "text", required=False, width=40, style="input_wrap",
              help="Rad 1–6: fullmäktiges beslut om riktlinjerna. Rad 7–10: lagrummet (skrivs av xlmodel)."),
    ),
)
TITLE = "Riktlinjer för resultatutjämningsreserv och resultatreserv: lokala (fullmäktige) och lagens gränser"


def spec_for(sheet: str, top_left: str) -> L.InputTable:
    return dataclasses.replace(TABLE, sheet=sheet, top_left=top_left)


def year_of(cells) -> int | None:
    """The workbook's year: Budgetår (regionplan) or Räkenskapsår (delårsrapport). A year
    that cannot be read is the error of the part that owns the cell (the frame table's,
    the utredning's), reported there once: here it is None, and the law rows wait for it."""
    from xlmodel.workbook.cells import read_param

    for params in (L.REGIONPLAN_PARAMS, L.DELARSRAPPORT_PARAMS):
        p = params[0]
        if cells.defined_name(p.name) is not None:
            try:
                return read_param(cells, p, RULE)
            except InputError:
                return None
    return None


# =========================================================================== reading


def _typed_value(row: R.GuidelineRow, value: Any, where: tuple[str | None, str | None], *,
                 shown_as_percent: bool = False) -> Any:
    """One local row's value as the table holds it (Ja/Nej, mkr, a share, text);
    ``shown_as_percent``: the workbook shows the number as a percentage (refused for mkr)."""
    from xlmodel.workbook.tables import convert

    col = L.Col("value", "Värde", row.kind, required=False)
    try:
        v = convert(value, col, rule=RULE, shown_as_percent=shown_as_percent)
    except InputError as err:
        raise err.at(*where) from None
    if row.kind == "amount" and v is not None and v < 0:
        raise InputError(f"beloppet ska anges som ett positivt belopp (angivet: {fmt_mkr(v)})", rule=RULE,
                         argument="Värde").at(*where)
    if row.kind == "rate" and v is not None and not ZERO <= v < 1:
        raise InputError(f"andelen ska ligga mellan 0 % och 100 % (angivet: {R.pct(v)})", rule=RULE,
                         argument="Värde").at(*where)
    return v


class Read:
    """The table as read from a workbook: the guidelines, the cells xlmodel owns in it
    (law rows' values and sources, every row's Slag), and the findings of its rows."""

    def __init__(self, guidelines: R.Guidelines, owned: list[OwnedCell], findings: list[Finding],
                 sheet: str | None, law_rows: list[tuple[R.GuidelineRow, OwnedCell]]) -> None:
        self.guidelines = guidelines
        self.owned = owned
        self.findings = findings
        self.sheet = sheet
        self.law_rows = law_rows


def read(cells, year: int | None) -> Read:
    from xlmodel.workbook.cells import read_table, shown_as_percent
    from xlmodel.xlsx.refs import get_column_letter

    table = read_table(cells, TABLE, RULE, optional=True)
    if table is None:
        return Read(R.DEFAULT, [], [], None, [])
    kind_col = get_column_letter(table.columns["value"] + 1) if table.columns else TABLE.col_letter("kind")
    local: dict[int, Any] = {}
    sources: list[str] = []
    seen: set[int] = set()
    owned: list[OwnedCell] = []
    law_rows: list[tuple[R.GuidelineRow, OwnedCell]] = []
    where_nr: dict[int, tuple[str | None, str | None]] = {}
    for r in table.typed(RULE):
        nr = r["nr"]
        at = table.where(r, "nr")
        if nr not in R.BY_NR:
            raise InputError(f"riktlinje nr {nr} finns inte (1–{len(R.ROWS)})", rule=RULE, argument="Nr").at(*at)
        if nr in seen:
            raise InputError(f"riktlinje nr {nr} förekommer två gånger", rule=RULE, argument="Nr").at(*at)
        seen.add(nr)
        spec = R.BY_NR[nr]
        value_at = table.where(r, "value")
        where_nr[nr] = value_at
        row_no = int(value_at[1][len(value_at[1].rstrip("0123456789")):])
        owned.append(OwnedCell(f"{kind_col}{row_no}", R.LOCAL if spec.local else R.LAW, style="text"))
        if spec.local:
            local[nr] = _typed_value(spec, table.rows[r["_row"]].get("value"), value_at,
                                     shown_as_percent=shown_as_percent(cells, *value_at))
            if (r["source"] or "").strip() and r["source"].strip() not in sources:
                sources.append(r["source"].strip())   # one decision for several rows is named once
        elif year is not None:
            law = R.law_value(spec, year)
            cell = OwnedCell(value_at[1], law.value, style="rate" if spec.kind == "rate" else "year")
            owned.append(cell)
            owned.append(OwnedCell(table.where(r, "source")[1], law.reference, style="text"))
            law_rows.append((spec, cell))
    given = any(v not in (None, "") for v in local.values())
    source = "; ".join(sources) or ("riktlinjer angivna i tabellen Reservriktlinjer" if given else "")
    g = R.guidelines(local, source)
    findings = []
    if year is not None:
        for nr, f in R.contradictions(g, year):
            findings.append(f.at(*where_nr[nr]) if nr in where_nr else f.at(table.sheet, TABLE.top_left))
    return Read(g, owned, findings, table.sheet, law_rows)


def guidelines_of(cells, year: int | None) -> R.Guidelines:
    """The workbook's guidelines for another part (the utredning's check of reserve use).
    A table this part cannot read is reported by the guidelines part itself, once: here
    the defaults apply."""
    try:
        return read(cells, year).guidelines
    except InputError:
        return R.DEFAULT


# =========================================================================== the part


def validate(cells) -> tuple[list[Finding], int]:
    if cells.table(TABLE.table) is None:
        return [], 0
    year = year_of(cells)
    got = read(cells, year)
    findings = list(got.findings)
    law_cells = {id(c) for _, c in got.law_rows}
    for spec, oc in got.law_rows:
        formula, found = stored(cells, got.sheet, oc.ref)
        if not _same(found, oc.value) or formula is not None:
            shown = _show(spec, oc.value)
            findings.append(Finding(
                rule=R.RULE_LAW_ROW, severity=Severity.ERROR, sheet=got.sheet, cell=oc.ref, expected=oc.value, found=found,
                subject=str(year),
                message=(f"Raden '{spec.label}' är lagens gräns år {year} ({shown}) och kan inte ändras i arbetsboken "
                         f"(angivet: {_show_found(spec, found)}). Ändra en lokal riktlinje (rad 1–6) i "
                         "stället; 'xlmodel regenerera' skriver tillbaka lagens värde.")))
    for oc in got.owned:
        if id(oc) in law_cells:
            continue
        f = compare_cell(cells, got.sheet, oc, RULE)
        if f is not None:
            findings.append(f)
    return findings, len(got.owned)


def plans(cells) -> list[SheetPlan]:
    if cells.table(TABLE.table) is None:
        return []
    got = read(cells, year_of(cells))
    return [SheetPlan(sheet=got.sheet, cells=got.owned, findings=got.findings)]


def _same(found: Any, want: Any) -> bool:
    if want is None:
        return found is None or (isinstance(found, str) and not found.strip())
    if isinstance(found, bool) or not isinstance(found, (int, float, Decimal)):
        return False
    return Decimal(str(found)) == Decimal(want)


def _show_found(spec: R.GuidelineRow, found: Any) -> str:
    if found is None or (isinstance(found, str) and not found.strip()):
        return "tomt"
    if isinstance(found, (int, float, Decimal)) and not isinstance(found, bool):
        return _show(spec, Decimal(str(found)) if spec.kind == "rate" else int(found))
    return str(found)


def _show(spec: R.GuidelineRow, value: Any) -> str:
    if value is None:
        return "gäller inte"
    return R.pct(value) if spec.kind == "rate" else str(value)


# =========================================================================== building


def build(book, source, sheet: str, top_left: str, year: int) -> None:
    """The table on ``sheet`` at ``top_left``: the local rows from ``reservriktlinjer.csv``
    (optional; columns Nr, Riktlinje, Värde, Källa eller beslut; blank = the default) and
    the law rows for ``year``. A law row in the CSV is refused: xlmodel writes it."""
    from xlmodel.workbook.book import csv_table

    spec = spec_for(sheet, top_left)
    given: dict[int, dict[str, Any]] = {}
    raw = csv_table(source, "reservriktlinjer", spec, optional=True)
    if raw is not None:
        for r in raw.typed(RULE):
            at = raw.where(r, "nr")
            row = R.BY_NR.get(r["nr"])
            if row is None:
                raise InputError(f"riktlinje nr {r['nr']} finns inte (1–{len(R.ROWS)})", rule=RULE, argument="Nr").at(*at)
            if not row.local:
                raise InputError(f"riktlinje nr {r['nr']} är lagens gräns och skrivs av xlmodel; ange bara rad 1–6",
                                 rule=RULE, argument="Nr").at(*at)
            if r["nr"] in given:
                raise InputError(f"riktlinje nr {r['nr']} förekommer två gånger", rule=RULE, argument="Nr").at(*at)
            value = _typed_value(row, raw.rows[r["_row"]].get("value"), raw.where(r, "value"))
            given[r["nr"]] = {"value": value, "source": r["source"] or ""}
    rows, values = table_rows(given, year)
    book.write(sheet, f"A{spec.header_row - 1}", TITLE, "label")
    book.input_table(spec, rows)
    value_col, kind_col = spec.col_letter("value"), spec.col_letter("kind")
    for i, (shown, style, kind) in enumerate(values):
        n = spec.header_row + 1 + i
        book.write(sheet, f"{value_col}{n}", shown, style)
        book.write(sheet, f"{kind_col}{n}", kind, "text")


def table_rows(given: dict[int, dict[str, Any]], year: int) -> tuple[list[dict[str, Any]], list[tuple[Any, str, str]]]:
    """The table's rows (nr, label, source) and, per row, (the value shown, its style, its
    kind): the local rows from ``given`` (nr -> value, source; blank = the default), the
    law rows for ``year``. Used by ``build`` and by ``xlmodel anslut``."""
    rows, values = [], []
    for row in R.ROWS:
        if row.local:
            # A row the CSV leaves out, or leaves blank, shows xlmodel's default (the common local rule).
            v = given.get(row.nr, {}).get("value")
            v = row.default if v is None else v
            src = given.get(row.nr, {}).get("source", "")
            style = {"bool": "input_text", "amount": "input_amount", "rate": "input_rate"}.get(row.kind, "input_text")
            shown = ("Ja" if v else "Nej") if row.kind == "bool" and v is not None else (v if v != "" else None)
        else:
            law = R.law_value(row, year)
            v, src, shown = law.value, law.reference, law.value
            style = "rate" if row.kind == "rate" else "year"
        rows.append({"nr": row.nr, "label": row.label, "source": src})
        values.append((shown, style, R.LOCAL if row.local else R.LAW))
    return rows, values
