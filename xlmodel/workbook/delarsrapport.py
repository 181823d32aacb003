"""The delårsrapport workbook: a balanskravsutredning with native and xlwings formulas.

The sheet holds the eight signed lines as an input Table, the two statutory totals as
native formulas (so LibreOffice and any reader computes them), and the same figure
through ``=BALANSKRAV(...)`` and the whole utredning through a spilling
``=BALANSKRAV_UTREDNING(...)``, each with its cached value. ``validate`` recomputes all
of them with the rule core from the workbook's own input cells.
"""

from __future__ import annotations

from decimal import Decimal

from xlmodel.xlsx.refs import column_index_from_string, coordinate_from_string, range_boundaries

from xlmodel.errors import InputError
from xlmodel.findings import Finding, Severity
from xlmodel.money import ZERO, fmt_mkr
from xlmodel.rules.balanskrav import BalanskravInput, balanskravsutredning
from xlmodel.workbook import layout as L
from xlmodel.workbook import block_names
from xlmodel.workbook.owned import NamedBlock, OwnedCell, SheetPlan, compare_cell
from xlmodel.workbook.tables import RawTable
from xlmodel.workbook.udf_cells import argument, as_stored, call, spill_cells
from xlmodel.workbook.cells import read_param, read_table, require_sheet

RULE = "balanskrav"
T = L.UTREDNING_TABLE


def _amount_ref(nr: int) -> str:
    return f"{T.col_letter('amount')}{T.header_row + nr}"


def utredning_inputs(table: RawTable) -> dict[str, Decimal]:
    """Nr 1..8 → the signed amounts; the rows must be in the law's order, one each."""
    rows = table.typed(RULE)
    by_nr: dict[int, dict] = {}
    for i, r in enumerate(rows):
        nr = r["nr"]
        sheet, cell = table.where(r, "nr")
        if nr is None or not 1 <= nr <= 8:
            raise InputError(f"radnummer {nr} finns inte i en balanskravsutredning (1–8)", rule=RULE, argument="Nr").at(sheet, cell)
        if nr in by_nr:
            raise InputError(f"rad {nr} förekommer två gånger", rule=RULE, argument="Nr").at(sheet, cell)
        if r["_row"] != nr - 1:
            raise InputError(
                f"rad {nr} står på fel plats: raderna ska stå i lagens ordning 1–8 (formlerna under tabellen pekar på dem)",
                rule=RULE, argument="Nr",
            ).at(sheet, cell)
        by_nr[nr] = r
    missing = [n for n in range(1, 9) if n not in by_nr]
    if missing:
        raise InputError(f"raderna {', '.join(map(str, missing))} saknas i utredningen", rule=RULE).at(T.sheet, T.top_left)
    if by_nr[1]["amount"] is None:
        sheet, cell = table.where(by_nr[1], "amount")
        raise InputError("årets resultat (rad 1) saknas", rule=RULE, argument="arets_resultat").at(sheet, cell)
    return {L.UTREDNING_KEYS[n - 1]: (by_nr[n]["amount"] if by_nr[n]["amount"] is not None else ZERO) for n in range(1, 9)}


def expected_cells(values: dict[str, Decimal], year: int | None) -> tuple[list[OwnedCell], list[Finding]]:
    """The computed block: two native totals (rule core) and the two xlwings function
    cells, whose values come from calling ``udfs.BALANSKRAV`` / ``BALANSKRAV_UTREDNING``
    with the input cells as Excel passes them (``udf_cells``): one answer for both paths."""
    utr = balanskravsutredning(BalanskravInput(**values), year)
    refs = [_amount_ref(n) for n in range(1, 9)]
    col = T.col_letter("amount")
    label_col = T.col_letter("label")
    args = ",".join(refs)
    by_ref = {ref: (values[key] if values[key] != ZERO or key == "arets_resultat" else None)
              for ref, key in zip(refs, L.UTREDNING_KEYS)}
    excel_args = [argument(by_ref, ref) for ref in refs]
    cells = [
        OwnedCell(f"{col}{L.UTREDNING_ADJUSTED_ROW}", utr.resultat_efter_justeringar, formula=f"SUM({refs[0]}:{refs[5]})", style="amount_bold"),
        OwnedCell(f"{col}{L.UTREDNING_RESULT_ROW}", utr.balanskravsresultat, formula=f"{col}{L.UTREDNING_ADJUSTED_ROW}+{refs[6]}+{refs[7]}", style="amount_sum"),
        OwnedCell(f"{col}{L.UTREDNING_UDF_ROW}", as_stored(call("BALANSKRAV", *excel_args)), formula=f"BALANSKRAV({args})", style="amount_bold"),
    ]
    # The year argument gives the labels of that year's law (resultatutjämningsreserv in 2021).
    year_ref = L.DELARSRAPPORT_PARAMS[0].cell
    spilled = spill_cells(f"{label_col}{L.UTREDNING_SPILL_ROW}", f"BALANSKRAV_UTREDNING({args},{year_ref})",
                          call("BALANSKRAV_UTREDNING", *excel_args, year), styles=("text", "amount"))
    cells += [OwnedCell(c.ref, c.value, c.formula, "text" if c.ref.startswith(label_col) else "amount", c.spill)
              for c in spilled]
    findings = []
    where = {k: _amount_ref(i + 1) for i, k in enumerate(L.UTREDNING_KEYS)}
    for f in utr.findings:
        ref = where.get(f.field or f.subject or "")
        findings.append(f.at(T.sheet, ref) if f.sheet is None else f)
    return cells, findings


def _in_range(ref: str, rng: str) -> bool:
    c1, r1, c2, r2 = range_boundaries(rng)
    col, row = coordinate_from_string(ref)
    return c1 <= column_index_from_string(col) <= c2 and r1 <= row <= r2


def validate_delarsrapport(cells) -> tuple[list[Finding], int]:
    table = read_table(cells, T, RULE)
    require_sheet(cells, T.sheet, RULE)  # the computed cells live there even if the table moved
    values = utredning_inputs(table)
    year, published = (read_param(cells, p, RULE) for p in L.DELARSRAPPORT_PARAMS)
    expected, findings = expected_cells(values, year)
    for oc in expected:
        f = compare_cell(cells, T.sheet, oc, RULE)
        if f is not None:
            findings.append(f)
    result = expected[1].value
    if published is not None and published != result:
        sheet, ref = cells.defined_name(L.DELARSRAPPORT_PARAMS[1].name) or (T.sheet, L.DELARSRAPPORT_PARAMS[1].cell)
        findings.append(
            Finding(
                rule=f"{RULE}.publicerad",
                severity=Severity.WARNING,
                message=f"Beräknat balanskravsresultat {fmt_mkr(result)} mkr men rapporten anger {fmt_mkr(published)} mkr.",
                expected=published,
                found=result,
                sheet=sheet,
                cell=ref,
            )
        )
    return findings, len(expected)


def sheet_plans(cells) -> list:
    """The utredning's owned cells, for regenerate."""
    raw = read_table(cells, T, RULE)
    require_sheet(cells, T.sheet, RULE)  # the computed cells live there even if the table moved
    values = utredning_inputs(raw)
    year = read_param(cells, L.DELARSRAPPORT_PARAMS[0], RULE)
    owned, findings = expected_cells(values, year)
    named = [NamedBlock(block_names.UTREDNING, ref) for ref in [block_names.extent_of(owned)] if ref]
    return [SheetPlan(sheet=T.sheet, cells=owned, findings=findings, blocks=named)]
