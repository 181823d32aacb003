"""The delårsrapport workbook: a balanskravsutredning with native and xlwings formulas.

The sheet holds the signed lines as an input Table (1–8, and 9 from FY2024: the year's
wording, ``balanskrav.input_line_numbers``), the two statutory totals as
native formulas (so LibreOffice and any reader computes them), and the same figure
through ``=BALANSKRAV(...)`` and the whole utredning through a spilling
``=BALANSKRAV_UTREDNING(...)``, each with its cached value. ``validate`` recomputes all
of them with the rule core from the workbook's own input cells.

The computed block (the totals, =BALANSKRAV() and the spill, B15:C29) stands where its
defined name ``xlmodel_Balanskravsutredning`` puts it (``utredning_place``): a user who
cuts it and pastes it elsewhere, on the sheet or on another, has Excel move the name with
it, and every job finds it there. Its references to the lines and the year stay on the
sheet the table stands on, as Excel keeps them; its one reference inside the block
(the balanskravsresultat's adjusted total) moves with it. A workbook without the name
has the block at the layout's place.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from xlmodel.xlsx.refs import (column_index_from_string, coordinate_from_string, formula_sheet, get_column_letter,
                               range_boundaries)

from xlmodel.errors import InputError
from xlmodel.findings import Finding, Severity
from xlmodel.money import ZERO, fmt_mkr
from xlmodel.rules.balanskrav import BalanskravInput, balanskravsutredning, input_line_numbers, line_label
from xlmodel.workbook import layout as L
from xlmodel.workbook import block_names
from xlmodel.workbook.owned import NamedBlock, OwnedCell, SheetPlan, compare_cell
from xlmodel.workbook.tables import RawTable
from xlmodel.workbook.udf_cells import argument, as_stored, call, excel_value, spill_cells
from xlmodel.workbook.block_place import anchor_place, home_sheet
from xlmodel.workbook.cells import read_param, read_table, require_sheet
from xlmodel.workbook.reserve_guidelines import guidelines_of

RULE = "balanskrav"
T = L.UTREDNING_TABLE


# The block's top-left as the builder lays it out: the label of "Årets resultat efter
# balanskravsjusteringar" (B15), left of its amount; a moved block is offset from it.
BLOCK_TOP_LEFT = f"{T.col_letter('label')}{L.UTREDNING_ADJUSTED_ROW}"


def _col_row(ref: str) -> tuple[int, int]:
    col, row = coordinate_from_string(ref)
    return column_index_from_string(col), row


@dataclass(frozen=True)
class BlockAt:
    """Where the computed block stands: on ``sheet``, ``dc`` columns and ``dr`` rows from
    the layout's place; ``inputs`` is the sheet its formulas' references to the lines and
    the year point at (the sheet the block is laid out on, ``home_sheet``)."""

    sheet: str
    inputs: str
    dc: int = 0
    dr: int = 0

    def ref(self, layout_ref: str) -> str:
        """A block cell's place now, from its place in the layout."""
        c, r = _col_row(layout_ref)
        return f"{get_column_letter(c + self.dc)}{r + self.dr}"

    def layout_ref(self, ref: str) -> str | None:
        """The layout's cell for the block's cell ``ref`` (None: none, left of A or above 1)."""
        c, r = _col_row(ref)
        c, r = c - self.dc, r - self.dr
        return f"{get_column_letter(c)}{r}" if c >= 1 and r >= 1 else None

    def arg(self, ref: str) -> str:
        """A reference to an input cell (or range) as the block's formula writes it: on
        another sheet than the inputs' it names their sheet, as Excel keeps it after a cut."""
        return ref if self.sheet == self.inputs else f"{formula_sheet(self.inputs)}!{ref}"


def utredning_place(cells) -> BlockAt:
    """Where the block stands: at the top-left of its defined name (on any sheet), else
    at the layout's place on the utredning's sheet (``home_sheet``: Balanskravsutredning,
    or the sheet tblUtredning stands on when the user has renamed it)."""
    inputs = home_sheet(cells, T)
    sheet, top_left = anchor_place(cells, block_names.UTREDNING, inputs, BLOCK_TOP_LEFT, RULE)
    (c, r), (c0, r0) = _col_row(top_left), _col_row(BLOCK_TOP_LEFT)
    return BlockAt(sheet, inputs, c - c0, r - r0)


def result_cell(cells) -> tuple[str, str]:
    """(sheet, cell) of the native balanskravsresultat (C16 as laid out), where the block stands."""
    at = utredning_place(cells)
    return at.sheet, at.ref(f"{T.col_letter('amount')}{L.UTREDNING_RESULT_ROW}")


def function_cells_at(cells) -> tuple[tuple[str, str], ...]:
    """The block's function cells (=BALANSKRAV(), the spill's anchor and, in a report with
    the reserves' balances, =RESERVER()) where it stands."""
    at = utredning_place(cells)
    own = ((at.sheet, at.ref(f"{T.col_letter('amount')}{L.UTREDNING_UDF_ROW}")),
           (at.sheet, at.ref(f"{T.col_letter('label')}{L.UTREDNING_SPILL_ROW}")))
    return own + (((at.sheet, at.ref(L.RESERVE_ANCHOR)),) if has_reserves(cells) else ())


def has_reserves(cells) -> bool:
    """Whether the report holds the reserves' balances (``layout.RESERVE_PARAMS``): a
    report built with them, whose first parameter's defined name it has."""
    return cells.defined_name(L.RESERVE_PARAMS[0].name) is not None


def reserve_inputs(cells) -> dict[str, Any] | None:
    """The reserves' balances at the start of the year and the cap's base, by the cells
    their defined names point at (blank = none given), and under ``"at"`` those cells
    (sheet, cell), which =RESERVER() reads; None for a report without them."""
    from xlmodel.workbook.cells import param_location

    if not has_reserves(cells):
        return None
    out: dict[str, Any] = {p.name: read_param(cells, p, RULE) for p in L.RESERVE_PARAMS}
    out["at"] = {p.name: param_location(cells, p) for p in L.RESERVE_PARAMS}
    return out


def _amount_ref(nr: int) -> str:
    return f"{T.col_letter('amount')}{T.header_row + nr}"


def utredning_inputs(table: RawTable, year: int | None = None) -> dict[str, Decimal]:
    """Nr → the signed amounts (keys of ``BalanskravInput``); the rows must be the lines the
    year's wording has (``balanskrav.input_line_numbers``: 1–8, and 9 from 2024), in the
    law's order, one each. Without a year a row 9 is read where it is given."""
    rows = table.typed(RULE)
    numbers = input_line_numbers(year)
    if year is None and any(r["nr"] == 9 for r in rows):
        numbers = tuple(range(1, 10))
    last = numbers[-1]
    by_nr: dict[int, dict] = {}
    for r in rows:
        nr = r["nr"]
        sheet, cell = table.where(r, "nr")
        if nr == 9 and last == 8:
            raise InputError(f"rad 9 (användning av medel från äldre resultatutjämningsreserv) finns i utredningen "
                             f"från räkenskapsåret 2024; år {year} används rad 8 för reserven", rule=RULE,
                             argument="Nr").at(sheet, cell)
        if nr is None or not 1 <= nr <= last:
            raise InputError(f"radnummer {nr} finns inte i en balanskravsutredning (1–{last})", rule=RULE,
                             argument="Nr").at(sheet, cell)
        if nr in by_nr:
            raise InputError(f"rad {nr} förekommer två gånger", rule=RULE, argument="Nr").at(sheet, cell)
        if r["_row"] != nr - 1:
            raise InputError(
                f"rad {nr} står på fel plats: raderna ska stå i lagens ordning 1–{last} (formlerna under tabellen pekar på dem)",
                rule=RULE, argument="Nr",
            ).at(sheet, cell)
        by_nr[nr] = r
    missing = [n for n in numbers if n not in by_nr]
    if missing == [9]:
        raise _line_9_missing(table, year)
    if missing:
        raise InputError(f"raderna {', '.join(map(str, missing))} saknas i utredningen", rule=RULE).at(T.sheet, T.top_left)
    if by_nr[1]["amount"] is None:
        sheet, cell = table.where(by_nr[1], "amount")
        raise InputError("årets resultat (rad 1) saknas", rule=RULE, argument="arets_resultat").at(sheet, cell)
    keys = line_keys(len(numbers))
    return {key: (by_nr[n]["amount"] if by_nr[n]["amount"] is not None else ZERO) for n, key in zip(numbers, keys)}


def _line_9_missing(table: RawTable, year: int | None) -> InputError:
    """The error for a report whose year became 2024 or later with lines 1–8 only (what
    a controller sees after typing the new year over last year's report): what the line
    is, why the year needs it, and the cells where it goes (the table's next row, where
    Excel extends the table as it is typed), at the row's Nr cell."""
    label = line_label(L.UTREDNING_RUR_KEY, year)
    cells = [table.locate(8, key) for key in ("nr", "label", "amount")]
    sheet, first = cells[0]
    if str(sheet).endswith(".csv"):  # a source folder (xlmodel bygg): the file's next line
        where, what = "", sheet
    else:
        where, what = f" i {', '.join(cell for _s, cell in cells[:-1])} och {cells[-1][1]}", f"tabellen {T.table}"
    return InputError(
        f"Rad 9 saknas i balanskravsutredningen för {year}: från räkenskapsåret 2024 redovisas användning "
        f"av medel från äldre resultatutjämningsreserv på en egen rad, skild från den nya resultatreserven "
        f"(kommunallagen 11 kap. 14 § i lydelse från 2024 och dess övergångsbestämmelser). Lägg till raden i "
        f"{what}: Nr 9, Post '{label}' och Belopp (tomt = 0){where}, direkt under rad 8",
        rule=RULE, argument="Nr").at(sheet, first)


def line_keys(n: int) -> tuple[str, ...]:
    """The input lines' keys for a utredning of ``n`` lines (8, or 9 from 2024)."""
    return L.UTREDNING_KEYS + ((L.UTREDNING_RUR_KEY,) if n == 9 else ())


def expected_cells(values: dict[str, Decimal], year: int | None,
                   guidelines=None, sheet: str = T.sheet, at: BlockAt | None = None,
                   reserves: dict[str, Decimal | None] | None = None) -> tuple[list[OwnedCell], list[Finding]]:
    """The computed block: two native totals (rule core) and the two xlwings function
    cells, whose values come from calling ``udfs.BALANSKRAV`` / ``BALANSKRAV_UTREDNING``
    with the input cells as Excel passes them (``udf_cells``): one answer for both paths.
    Both functions get the year (the wording and the reserve's name of that year) and,
    from 2024, line 9 (use of an old RUR) as their last argument. ``sheet``: the inputs'
    sheet, where the findings on the lines lie; ``at``: where the block stands (the
    layout's place on ``sheet`` when None); ``reserves``: the reserves' balances
    (``reserve_inputs``), for =RESERVER() beside the utredning, or None."""
    at = at or BlockAt(sheet, sheet)
    keys = [k for k in line_keys(9) if k in values]
    where = {k: _amount_ref(i + 1) for i, k in enumerate(keys)}
    try:
        utr = balanskravsutredning(BalanskravInput(**values), year)
    except InputError as err:
        # a line the law of the year has no place for (a reserve before 2010, its use
        # before 2013): refused at the line's amount cell
        raise err.at(sheet, where.get(err.argument or "")) from None
    refs = [_amount_ref(n) for n in range(1, len(keys) + 1)]
    col = T.col_letter("amount")
    label_col = T.col_letter("label")
    year_ref = L.DELARSRAPPORT_PARAMS[0].cell
    by_ref = {ref: (values[key] if values[key] != ZERO or key == "arets_resultat" else None)
              for ref, key in zip(refs, keys)}
    by_ref[year_ref] = Decimal(year) if year is not None else None
    line_args = [argument(by_ref, ref) for ref in refs[:8]]
    tail_refs = [year_ref] + refs[8:]       # ar; anvandning_rur (from 2024)
    tail_args = [argument(by_ref, ref) for ref in tail_refs]
    args = ",".join(at.arg(r) for r in refs[:8] + tail_refs)
    reserve_refs = "+".join(at.arg(r) for r in refs[6:])
    adjusted = at.ref(f"{col}{L.UTREDNING_ADJUSTED_ROW}")  # inside the block: it moves with it
    cells = [
        OwnedCell(adjusted, utr.resultat_efter_justeringar, formula=f"SUM({at.arg(f'{refs[0]}:{refs[5]}')})", style="amount_bold"),
        OwnedCell(at.ref(f"{col}{L.UTREDNING_RESULT_ROW}"), utr.balanskravsresultat, formula=f"{adjusted}+{reserve_refs}", style="amount_sum"),
        OwnedCell(at.ref(f"{col}{L.UTREDNING_UDF_ROW}"), as_stored(call("BALANSKRAV", *line_args, *tail_args)), formula=f"BALANSKRAV({args})", style="amount_bold"),
    ]
    anchor = at.ref(f"{label_col}{L.UTREDNING_SPILL_ROW}")
    spilled = spill_cells(anchor, f"BALANSKRAV_UTREDNING({args})",
                          call("BALANSKRAV_UTREDNING", *line_args, *tail_args), styles=("text", "amount"))
    label_at = _col_row(anchor)[0]
    cells += [OwnedCell(c.ref, c.value, c.formula, "text" if _col_row(c.ref)[0] == label_at else "amount", c.spill)
              for c in spilled]
    findings = []
    if reserves is not None and year is not None:
        more, found = _reserve_cells(values, year, reserves, by_ref, refs, year_ref, sheet, at)
        cells += more
        findings += found
    for f in utr.findings:
        ref = where.get(f.field or f.subject or "")
        findings.append(f.at(sheet, ref) if f.sheet is None else f)
    if year is not None:
        # Reserve use (lines 8–9) against the law of the year and fullmäktige's guidelines
        # (the workbook's tblReservriktlinjer, else the common local rule).
        from xlmodel.rules.reserve_guidelines import DEFAULT, use_findings

        for f in use_findings(year, utr.resultat_efter_justeringar, values["anvandning"],
                              values.get(L.UTREDNING_RUR_KEY, ZERO), guidelines or DEFAULT):
            findings.append(f.at(sheet, where.get(f.field or "", _amount_ref(8))))
    return cells, findings


def _reserve_cells(values, year: int, reserves, by_ref: dict, refs: list[str], year_ref: str, sheet: str,
                   at: BlockAt) -> tuple[list[OwnedCell], list[Finding]]:
    """=RESERVER() over the year, the reserve lines (7, 8 and from 2024 9), the cap's base
    and the two opening balances, spilled from ``layout.RESERVE_ANCHOR`` (the two buckets
    side by side, the cap on the resultatreserv only: rules.reserve_ledger), and the
    ledger's findings at the line that moves the bucket (a use larger than it holds, the
    cap passed at the reservation, an old RUR after the transition at line 9)."""
    from xlmodel.rules.reserve_ledger import ReserveYear, reserve_ledger

    names = ("ReservUnderlag", "ReservRurIngaende", "ReservResultatreservIngaende")   # RESERVER's last three
    # where each parameter stands (its defined name; the layout's place for a build), as
    # the formula names it: bare on the block's sheet, else with its sheet
    placed = reserves.get("at") or {p.name: (sheet, p.cell) for p in L.RESERVE_PARAMS}
    param_text = {n: c if s == at.sheet else f"{formula_sheet(s)}!{c}" for n, (s, c) in placed.items()}
    line9 = refs[8] if len(refs) > 8 else None
    line_refs = [year_ref, refs[6], refs[7], line9]
    args = [argument(by_ref, r) if r is not None else None for r in line_refs]
    args += [excel_value(reserves[n]) for n in names]
    text = ",".join([at.arg(r) if r is not None else "" for r in line_refs] + [param_text[n] for n in names])
    cells = spill_cells(at.ref(L.RESERVE_ANCHOR), f"RESERVER({text})", call("RESERVER", *args),
                        styles=L.RESERVE_STYLES)
    ledger = reserve_ledger(
        [ReserveYear(year=year, reservering=values["reservering"], anvandning=values["anvandning"],
                     anvandning_rur=values.get(L.UTREDNING_RUR_KEY, ZERO), base=reserves["ReservUnderlag"])],
        rur_opening=reserves["ReservRurIngaende"] or ZERO,
        resultatreserv_opening=reserves["ReservResultatreservIngaende"] or ZERO)
    old_rur = line9 if year >= 2024 else refs[7]   # the line that takes from the RUR
    found = []
    for f in ledger.findings:
        where = (sheet, refs[6])                     # the reservation: the cap passed by it
        if f.rule == "reserv.saldo_negativt":
            where = (sheet, old_rur if f.field == "rur" else refs[7])
        elif f.rule == "reserv.rur_overgang":
            where = (sheet, line9 or refs[7])
        elif f.rule == "reserv.tak" and values["reservering"] == 0:
            where = placed["ReservResultatreservIngaende"]   # nothing reserved: the opening is above the cap
        found.append(f.at(*where))
    return cells, found


def _in_range(ref: str, rng: str) -> bool:
    c1, r1, c2, r2 = range_boundaries(rng)
    col, row = coordinate_from_string(ref)
    return c1 <= column_index_from_string(col) <= c2 and r1 <= row <= r2


def validate_delarsrapport(cells) -> tuple[list[Finding], int]:
    table = read_table(cells, T, RULE)
    sheet = home_sheet(cells, T)
    require_sheet(cells, sheet, RULE)  # the computed cells' references point there even if the table moved
    at = utredning_place(cells)
    year, published = (read_param(cells, p, RULE) for p in L.DELARSRAPPORT_PARAMS)
    values = utredning_inputs(table, year)
    expected, findings = expected_cells(values, year, guidelines_of(cells, year), sheet, at, reserve_inputs(cells))
    for oc in expected:
        f = compare_cell(cells, at.sheet, oc, RULE)
        if f is not None:
            findings.append(f)
    result = expected[1].value
    if published is not None and published != result:
        sheet, ref = cells.defined_name(L.DELARSRAPPORT_PARAMS[1].name) or (sheet, L.DELARSRAPPORT_PARAMS[1].cell)
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
    sheet = home_sheet(cells, T)
    require_sheet(cells, sheet, RULE)  # the computed cells' references point there even if the table moved
    at = utredning_place(cells)
    year = read_param(cells, L.DELARSRAPPORT_PARAMS[0], RULE)
    values = utredning_inputs(raw, year)
    owned, findings = expected_cells(values, year, guidelines_of(cells, year), sheet, at, reserve_inputs(cells))
    named = [NamedBlock(block_names.UTREDNING, ref) for ref in [block_names.extent_of(owned)] if ref]
    return [SheetPlan(sheet=at.sheet, cells=owned, findings=findings, blocks=named)]
