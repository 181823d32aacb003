"""Roll a regionplan workbook forward to the next budget year.

What changes (one plan, written by the Excel macro through xlwings or headless here):
- **Ramar**: "Budgetram föregående år" := this year's frames, by
  ``xlmodel.rules.frametable.roll_forward`` with its default basis "published": the
  printed frame where the Publicerat sheet has one (the frame fullmäktige decided,
  Hälso- och sjukvårdsnämndens plan 2022 (Region Västerbotten) starts HSN
  from the decided 5 079), else the computed frame rounded
  half up at the row's printed precision. Structure, exclusions and decimals are kept.
  A row's own (differentiated) rate := the one given for the new year (``row_rates``:
  ``rulla-fram --radindex RF=2,1%``); a rate not given stays, and the new year's row of
  the Index table (``index_year.ROW_RATES_SERIES``) says so in its Källa
  (``index_year.carried_note``): ``validera`` reports each such rate as an ERROR
  (``index.overford``, the same rule as the Standardindex) until it is changed in its
  cell or the note is replaced by the decision to keep it. A WARNING lists them.
- One-off and temporary changes (types "engångs", "tillfällig") are taken out of the
  next prior frames (``roll_forward``), and an INFO finding lists them per nämnd.
- **Förändringar**: every data row emptied; the Table keeps its size (readers skip
  blank rows), so its formatting, validation and the controller's extra columns stay.
- **Publicerat**: the amounts emptied, the Id column kept (next year's printed
  figures go on the same rows).
- **Parametrar**: Budgetår := year + 1; Standardindex := the rate given for the new year
  (``index_rate``: ``rulla-fram --index 2,8%`` or the prompt), written with its source in
  the first blank row of the Index table (``tblIndex``); else the rate the Index table
  already has for the new year (the controller typed it with its source before rolling:
  the way to give it in Excel, where the macro asks nothing; ``decided_index``); else the body's published series
  for the new year if xlmodel has it ('index.lpik' for a region, 'index.pkv' for a kommun,
  ``body_cells``); else the old rate stays and a WARNING finding says so - and
  ``validera`` reports the carried-over rate as an ERROR (``index.overford``) until the
  new year's rate is entered with its source. AviseratIndex and Nettoram emptied.
- **Ramtabell** (and every other cell the workbook kind owns, e.g. the resultatbudget):
  regenerated from the rolled inputs, in the same save (headless) or right after
  (macro), with ``regenerate.sheet_plans`` / ``diff_sheet`` - the same code as
  ``xlmodel regenerera``.

Headless (``rollforward_file``): every sheet is patched losslessly
(``xlmodel.xlsx.patch``) into one new package in memory, the frame table is
regenerated on that package, and the file is replaced once, atomically, with a backup
(``save_package``). A failure anywhere leaves the file as it was. The parts that change
are the five sheets and the bookkeeping parts of ``xlmodel.xlsx.bookkeeping``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from xlmodel.xlsx.refs import get_column_letter, range_boundaries
from pydantic import BaseModel

from xlmodel import params
from xlmodel.errors import InputError
from xlmodel.findings import Finding, Severity
from xlmodel.money import fmt_figure, fmt_mkr
from xlmodel.rules.frametable import FrameTableInput, compute_frame_table, roll_forward
from xlmodel.workbook.frametable import frames as F
from xlmodel.workbook.cells import PackageCells, param_location
from xlmodel.workbook.layout import CHANGES_TABLE, FRAMES_TABLE, PUBLISHED_TABLE, REGIONPLAN_PARAMS
from xlmodel.workbook.regenerate import CellChange, regenerate_package
from xlmodel.workbook.year_rows import NewYearRow, added_finding, plan_new_years
from xlmodel.xlsx.patch import CellWrite, patch_sheet
from xlmodel.xlsx.atomic import save_package
from xlmodel.xlsx.package import Package

RULE = "rullning"


@dataclass
class RollForwardPlan:
    year: int
    next_year: int
    writes: dict[str, list[F.OwnedCell]] = field(default_factory=dict)   # sheet → cells to write
    clear: dict[str, list[str]] = field(default_factory=dict)            # sheet → ranges to empty
    changes: list[CellChange] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    next_input: FrameTableInput | None = None   # the next year's frame-table input, as planned
    new_years: list[NewYearRow] = field(default_factory=list)  # the year tables' new rows (year_rows)

    def sheets(self) -> list[str]:
        return list(dict.fromkeys([*self.writes, *self.clear]))

    def _write(self, sheet: str, ref: str, old: Any, new: Any) -> None:
        self.writes.setdefault(sheet, []).append(F.OwnedCell(ref, new))
        self.changes.append(CellChange(sheet=sheet, cell=ref, old=_text(old), new=_text(new)))

    def _clear(self, sheet: str, ref: str, old: str | None) -> None:
        self.clear.setdefault(sheet, []).append(ref)
        self.changes.append(CellChange(sheet=sheet, cell=ref, old=old, new=None))


def _text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, Decimal):
        return fmt_figure(v, max_places=4)  # Swedish, as every number the CLI prints
    return str(v)


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _index_series(cells: Any) -> str:
    """The published series of the workbook's body: LPIK for a region, PKV for a kommun."""
    from xlmodel.workbook.body_cells import workbook_body

    return workbook_body(cells).index_series


def plan_roll_forward(cells: Any, *, index_rate: Decimal | None = None, index_source: str | None = None,
                      row_rates: dict[str, Decimal] | None = None) -> RollForwardPlan:
    """Everything the roll forward writes, from a CellSource (file or live Excel).
    ``index_rate``: the new year's Standardindex (with ``index_source``, what it comes
    from); None = xlmodel's published parameter for the year, else last year's stays.
    ``row_rates``: Ramar row id → the row's own rate for the new year; a row with an own
    rate not given keeps it, recorded as carried over (``_carried_row_rates``)."""
    src = F.frame_sources_from_cells(cells)
    inp = F.frame_input(src)
    table = compute_frame_table(inp)
    plan = RollForwardPlan(year=src.year, next_year=src.year + 1)
    row_rates = _checked_row_rates(src, row_rates or {})
    index_table = _IndexTableRows(cells, plan)

    p = {x.name: x for x in REGIONPLAN_PARAMS}
    index_sheet, index_cell = param_location(cells, p["Standardindex"])
    decided = None if index_rate is not None else decided_index(index_table.rows, plan.year, src.default_index_rate,
                                                                index_table.table)
    if index_rate is not None:
        next_rate = index_rate
        _index_row(index_table, index_rate, index_source)
    elif decided is not None:
        next_rate, where = decided
        plan.findings.append(Finding(
            rule=f"{RULE}.standardindex", severity=Severity.INFO, subject=str(plan.next_year),
            sheet=index_sheet, cell=index_cell, found=next_rate,
            message=f"Standardindex {plan.next_year}: {fmt_mkr((next_rate * 100).normalize())} % från tabellen Index ({where}).",
        ))
    elif params.has(series := _index_series(cells), plan.next_year):
        next_rate = params.value(series, plan.next_year)
    else:
        next_rate = src.default_index_rate
        plan.findings.append(Finding(
            rule=f"{RULE}.standardindex", severity=Severity.WARNING, subject=str(plan.next_year),
            sheet=index_sheet, cell=index_cell, found=next_rate,
            message=(f"Ingen indexsats för {plan.next_year} angavs (xlmodel har ingen publicerad): standardindex "
                     f"{fmt_mkr((next_rate * 100).normalize())} % från {plan.year} står kvar, och 'xlmodel validera' "
                     f"rapporterar det som fel tills {plan.next_year} års sats skrivs in med källa i tabellen Index "
                     "(eller ange den med 'xlmodel rulla-fram --index SATS')."),
        ))
    nxt = roll_forward(table, inp, next_default_index_rate=next_rate, next_index_rates=row_rates)
    plan.next_input = nxt
    one_offs = [r for r in table.rows if r.parent is None and r.one_off != 0]
    if one_offs:
        listed = ", ".join(f"{r.id} {fmt_mkr(r.one_off)}" for r in one_offs)
        plan.findings.append(Finding(
            rule=f"{RULE}.engangs", severity=Severity.INFO, subject=str(plan.next_year),
            message=(f"Engångsbelopp och tillfälliga förändringar {plan.year} ingår inte i utgångsläget för "
                     f"{plan.next_year} (mkr): {listed}."),
        ))
    _carried_row_rates(src, plan, index_table, row_rates)

    # Ramar: the prior frames, and the own rates given for the new year.
    prior = {r.id: r.prior_frame for r in nxt.rows}
    for row in src.frames.typed(F.RULE):
        new = prior[row["id"]]
        if row["prior_frame"] != new:
            sheet, ref = src.frames.where(row, "prior_frame")
            plan._write(sheet, ref, row["prior_frame"], new)
        if row["id"] in row_rates and row["index_rate"] != row_rates[row["id"]]:
            sheet, ref = src.frames.where(row, "index_rate")
            plan._write(sheet, ref, row["index_rate"], row_rates[row["id"]])

    # Förändringar: every non-blank data row emptied, the Table keeps its rows.
    loc = cells.table(CHANGES_TABLE.table)
    min_col, min_row, max_col, max_row = range_boundaries(loc.ref)
    last = max_row - (1 if loc.has_totals else 0)
    for r in range(min_row + 1, last + 1):
        refs = [f"{get_column_letter(col)}{r}" for col in range(min_col, max_col + 1)]
        if any(not _blank(cells.value(loc.sheet, ref)) for ref in refs):
            first = cells.value(loc.sheet, refs[0])
            plan._clear(loc.sheet, f"{refs[0]}:{refs[-1]}", f"(rad: {_text(first) or '…'})")

    # Publicerat: the amounts emptied, the ids kept.
    if src.published is not None:
        for i, raw in enumerate(src.published.rows):
            for col in PUBLISHED_TABLE.columns:
                if col.key != "id" and not _blank(raw.get(col.key)):
                    sheet, ref = src.published.locate(i, col.key)
                    plan._clear(sheet, ref, _text(raw.get(col.key)))

    # Parametrar.
    year_sheet, year_cell = param_location(cells, p["Budgetar"])
    plan._write(year_sheet, year_cell, src.year, plan.next_year)
    if next_rate != src.default_index_rate:
        plan._write(index_sheet, index_cell, src.default_index_rate, next_rate)
    for name in ("AviseratIndex", "Nettoram"):
        sheet, ref = param_location(cells, p[name])
        old = cells.value(sheet, ref)
        if not _blank(old):
            plan._clear(sheet, ref, _text(old))

    # The year tables (resultatbudget, balanskrav), wherever they stand: the next year's row.
    new_years, notes = plan_new_years(cells)
    for new in new_years:
        for ref, value in new.values.items():
            plan._write(new.sheet, ref, None, value)
        plan.new_years.append(new)
        plan.findings.append(added_finding(new))
    plan.findings += notes
    return plan


class _IndexTableRows:
    """The Index table (``tblIndex``) as the roll writes new rows into it: each in the
    next blank row (a workbook with no blank row left is refused: the rate or note would
    otherwise have no place, and validate could not follow it)."""

    def __init__(self, cells: Any, plan: RollForwardPlan) -> None:
        from xlmodel.workbook.index_year import index_rows

        self.cells = cells
        self.plan = plan
        self.table, self.rows = index_rows(cells)
        used = {r["_row"] for r in self.rows}
        self._blank = ([] if self.table is None else
                       [i for i in range(len(self.table.rows))
                        if i not in used and all(_blank(v) for v in self.table.rows[i].values())])

    def refuse(self, message: str) -> InputError:
        from xlmodel.workbook.index_year import INDEX_TABLE, RULE as INDEX_RULE

        return InputError(message, rule=INDEX_RULE, sheet=INDEX_TABLE.sheet if self.table is None else self.table.sheet)

    def write(self, values: dict[str, Any], what: str) -> None:
        """``values`` in the next blank row (the table is there: the caller checked)."""
        if not self._blank:
            raise self.refuse(f"tabellen Index har ingen tom rad kvar{what}: lägg till en rad i tabellen och kör igen")
        row = self._blank.pop(0)
        for key, value in values.items():
            sheet, ref = self.table.locate(row, key)
            self.plan._write(sheet, ref, None, value)


def decided_index(rows: list[dict[str, Any]], year: int, rate: Decimal, table: Any) -> tuple[Decimal, str] | None:
    """(rate, its cell) of the next year's Standardindex that the Index table already
    holds (typed ``rows``, ``index_year.index_rows``): the year's one rate, or, where the
    year has several (LPIK with and without läkemedel), the one of the series this
    year's Standardindex (``rate`` in ``year``) has. None: the table has none for the
    year. Several rates and no series to choose by are refused: the roll would pick one."""
    from xlmodel.workbook.index_year import INDEX_TABLE, RULE as INDEX_RULE, is_row_rates, pct

    candidates = [r for r in rows if r["year"] == year + 1 and not is_row_rates(r) and r["rate"] is not None]
    nxt = candidates
    if not nxt:
        return None
    if len({r["rate"] for r in nxt}) > 1:
        series = {str(r["series"]).casefold() for r in rows if r["year"] == year and r["rate"] == rate
                  and not is_row_rates(r)}
        nxt = [r for r in nxt if str(r["series"]).casefold() in series]
        if len({r["rate"] for r in nxt}) != 1:
            listed = ", ".join(f"{pct(r['rate'])} ({r['series']})" for r in candidates)
            raise InputError(f"tabellen Index har flera satser för {year + 1} ({listed}) och ingen har samma index "
                             f"som standardindex {year}: ange vilken som är standardindex {year + 1} med --index SATS "
                             "(en av dem)",
                             rule=INDEX_RULE, sheet=table.sheet if table is not None else INDEX_TABLE.sheet)
    sheet, cell = table.where(nxt[0], "rate")
    return nxt[0]["rate"], f"{sheet}!{cell}"


def index_in_table(path: str | Path) -> tuple[int, Decimal, str] | None:
    """(new year, rate, its cell) when the plan at ``path`` already has the new year's
    Standardindex in its Index table (``decided_index``): ``rulla-fram`` does not ask
    for it then. None when it has not, or the plan cannot be read (the roll says why)."""
    from xlmodel.errors import XlmodelError
    from xlmodel.workbook.index_year import index_rows

    try:
        cells = PackageCells.open(path)
        src = F.frame_sources_from_cells(cells)
        table, rows = index_rows(cells)
        found = decided_index(rows, src.year, src.default_index_rate, table)
    except XlmodelError:
        return None
    return None if found is None else (src.year + 1, *found)


def _index_row(index_table: _IndexTableRows, rate: Decimal, source: str | None) -> None:
    """The new year's Standardindex with its source in the first blank row of the Index
    table (a workbook without the table is refused: the rate would otherwise have no
    source and validate would fail on it)."""
    from xlmodel.workbook.body_cells import workbook_body
    from xlmodel.workbook.index_year import INDEX_TABLE, is_row_rates

    plan = index_table.plan
    if index_table.table is None:
        raise index_table.refuse(f"arbetsboken saknar tabellen Index ({INDEX_TABLE.table}) på bladet "
                                 f"{INDEX_TABLE.sheet}: den nya satsen kan inte skrivas in med sin källa")
    rows = [r for r in index_table.rows if not is_row_rates(r)]
    if any(r["year"] == plan.next_year and r["rate"] == rate for r in rows):
        return   # the year's row with this rate and its source is there: --index chose it
    if any(r["year"] == plan.next_year for r in rows):
        raise index_table.refuse(f"tabellen Index har redan en rad för {plan.next_year} med en annan sats: ändra "
                                 "den i stället för att ange --index")
    series = next((r["series"] for r in sorted(rows, key=lambda r: r["year"], reverse=True)),
                  workbook_body(index_table.cells).index_name)
    text = (source or "").strip() or f"angiven vid rulla-fram {plan.year} → {plan.next_year}"
    index_table.write({"year": plan.next_year, "series": series, "rate": rate, "source": text}, "")


@dataclass(frozen=True)
class OwnRateRow:
    """A row of the Ramar table with its own (differentiated) index rate: what
    ``rulla-fram`` asks a new rate for on a terminal."""

    id: str
    label: str
    rate: Decimal
    cell: str   # where the rate stands (Ramar!E5)


def own_rate_rows(path: str | Path) -> tuple[int, list[OwnRateRow]] | None:
    """(budget year, the indexed rows with an own rate) of the plan at ``path``; None when
    it cannot be read as a plan (the roll itself then says why, naming the cell)."""
    from xlmodel.errors import XlmodelError

    try:
        src = F.frame_sources_from_cells(PackageCells.open(path))
        rows = src.frames.typed(F.RULE)
    except XlmodelError:
        return None
    out = []
    for r in rows:
        if r["index_rate"] is not None and r["indexed"]:
            sheet, ref = src.frames.where(r, "index_rate")
            out.append(OwnRateRow(r["id"], r["label"], r["index_rate"], f"{sheet}!{ref}"))
    return src.year, out


def _checked_row_rates(src: Any, given: dict[str, Decimal]) -> dict[str, Decimal]:
    """The own rates given for the new year (``--radindex``), each for a row of the Ramar
    table that is indexed; anything else is refused naming the table."""
    rows = {r["id"]: r for r in src.frames.typed(F.RULE)}
    for ident in given:
        if ident not in rows:
            raise InputError(f"raden {ident} finns inte i tabellen {FRAMES_TABLE.table} på bladet "
                             f"{src.frames.sheet or FRAMES_TABLE.sheet} (kolumnen Id)", rule=RULE,
                             sheet=src.frames.sheet or FRAMES_TABLE.sheet, argument="--radindex")
        if not rows[ident]["indexed"]:
            sheet, ref = src.frames.where(rows[ident], "indexed")
            raise InputError(f"raden {ident} indexeras inte (Indexeras = Nej): en egen indexsats för den används "
                             "inte", rule=RULE, sheet=sheet, cell=ref, argument="--radindex")
    return dict(given)


def _carried_row_rates(src: Any, plan: RollForwardPlan, index_table: _IndexTableRows,
                       given: dict[str, Decimal]) -> None:
    """The rows' own rates carried into the new year without a new one given: listed in
    a WARNING, and noted as carried in the new year's row of the Index table, which
    ``validera`` follows (``index_year.carried_row_rates``)."""
    from xlmodel.workbook.index_year import ROW_RATES_SERIES, carried_note, is_row_rates, pct

    carried = [r for r in src.frames.typed(F.RULE) if r["index_rate"] is not None and r["id"] not in given]
    if not carried:
        return
    decided = any(r["year"] == plan.next_year and is_row_rates(r) for r in index_table.rows)
    if not decided and index_table.table is not None:
        index_table.write({"year": plan.next_year, "series": ROW_RATES_SERIES,
                           "source": carried_note(plan.year, {r["id"]: r["index_rate"] for r in carried})},
                          " för de egna indexsatserna som förs över (eller ange dem med --radindex ID=SATS)")
    listed = ", ".join(f"{r['id']} {pct(r['index_rate'])} ({src.frames.where(r, 'index_rate')[1]})" for r in carried)
    if decided:
        then = f"tabellen Index har redan en rad {plan.next_year} {ROW_RATES_SERIES}"
    elif index_table.table is None:
        then = "arbetsboken saknar tabellen Index, så 'xlmodel validera' kan inte följa dem"
    else:
        then = (f"'xlmodel validera' rapporterar dem som fel tills {plan.next_year} års satser skrivs in på bladet "
                f"Ramar eller beslutet att behålla dem "
                f"skrivs in i tabellen Index (raden {plan.next_year} {ROW_RATES_SERIES})")
    sheet, ref = src.frames.where(carried[0], "index_rate")
    plan.findings.append(Finding(
        rule=f"{RULE}.indexsatser", severity=Severity.WARNING, subject=str(plan.next_year), sheet=sheet, cell=ref,
        message=(f"{len(carried)} rad(er) på bladet Ramar har en egen indexsats för {plan.year} som står kvar "
                 f"{plan.next_year}: {listed}; {then}."),
    ))


# --------------------------------------------------------------------------- headless

class RollForwardResult(BaseModel):
    path: str
    year: int
    next_year: int
    changes: list[CellChange]
    findings: list[Finding] = []
    backup: str | None = None
    written: bool = False
    lock_note: str | None = None   # a stale write lock removed to take ours (xlsx.lock)


def roll_forward_package(pkg: Any, *, index_rate: Decimal | None = None, index_source: str | None = None,
                         row_rates: dict[str, Decimal] | None = None) -> tuple[Any, RollForwardPlan, list[Any]]:
    """The rolled package in memory: inputs patched sheet by sheet, then every owned cell
    regenerated on the result. Returns (new package, roll plan, regenerate diffs)."""
    cells = PackageCells(pkg)
    try:
        plan = plan_roll_forward(cells, index_rate=index_rate, index_source=index_source, row_rates=row_rates)
    except InputError as err:
        from xlmodel.workbook.uncomputed import explain_uncomputed

        raise explain_uncomputed(err, cells) from None
    new = pkg
    styles = _new_row_styles(cells, plan.new_years)
    for sheet in plan.sheets():
        writes = [CellWrite(ref=oc.ref, value=oc.value, style=styles.pop((sheet, oc.ref), None))
                  for oc in plan.writes.get(sheet, [])]
        writes += [CellWrite(ref=ref, style=style) for (s, ref), style in list(styles.items()) if s == sheet]
        new = patch_sheet(new, sheet, writes, plan.clear.get(sheet, []))
    grown = [n for n in plan.new_years if n.grow_to]
    if grown:
        from xlmodel.xlsx.table_ref import resize_table

        for n in grown:
            new = resize_table(new, n.sheet, n.table, n.grow_to)
        new = _follow_spills(cells, new)
    new, diffs = regenerate_package(new)
    return new, plan, diffs


def _new_row_styles(cells: PackageCells, new_years: list[NewYearRow]) -> dict[tuple[str, str], int]:
    """(sheet, cell) → style of each cell of a row a year table grows by: the style of the
    cell above it (the table's last row), so the new row looks like the others."""
    out = {}
    for n in new_years:
        if not n.grow_to:
            continue
        min_col, _r, max_col, _r2 = range_boundaries(n.grow_to)
        for col in range(min_col, max_col + 1):
            above = cells.cell(n.sheet, f"{get_column_letter(col)}{n.row - 1}")
            if above is not None and above.style:
                out[(n.sheet, f"{get_column_letter(col)}{n.row}")] = above.style
    return out


def spilled_formulas(cells: Any) -> dict[tuple[str, str], Any]:
    """(sheet, cell) → each spilled formula the parts own, as planned on ``cells``
    (read before the roll's writes: ``spills_to_follow``)."""
    from xlmodel.workbook.regenerate import sheet_plans

    return {(p.sheet, oc.ref): oc for p in sheet_plans(cells)[1] for oc in p.cells if oc.spill}


def spills_to_follow(expected_before: dict[tuple[str, str], Any], after: Any) -> dict[str, list[Any]]:
    """sheet → the spilled formulas (owned cells) over a year table that grew (the
    restoration ledger's =ATERSTALLNING(A5:A9 …)), with the table's new range, from the
    workbook before (``spilled_formulas``) and ``after`` the roll's writes: only those that were xlmodel's
    formula before and whose spilled range stays the same (a new year not yet filled in
    adds no deficit): their formula text is replaced in place, every other byte of the
    array kept. Any other changed spill is ``regenerera``'s, which writes it anew over its
    new range (``regenerate.diff_sheet``)."""
    from xlmodel.workbook.owned import normalize_formula
    from xlmodel.workbook.regenerate import sheet_plans

    def same(a: str | None, b: str | None) -> bool:
        return a == b or normalize_formula(a) == normalize_formula(b)

    out: dict[str, list[Any]] = {}
    for p in sheet_plans(after)[1]:
        for oc in p.cells:
            old = expected_before.get((p.sheet, oc.ref))
            if not oc.spill or old is None or old.spill != oc.spill:
                continue
            stored = after.formula(p.sheet, oc.ref)
            if stored is not None and same(stored, old.formula) and not same(stored, oc.formula):
                out.setdefault(p.sheet, []).append(oc)
    return out


def _follow_spills(before: PackageCells, pkg: Any) -> Any:
    """``spills_to_follow`` written headless: the array's formula text and cached value
    replaced, the array itself kept (``CellWrite.keep_array``)."""
    for sheet, owned in spills_to_follow(spilled_formulas(before), PackageCells(pkg)).items():
        pkg = patch_sheet(pkg, sheet, [CellWrite(ref=oc.ref, value=oc.value, formula=oc.formula, keep_array=True)
                                       for oc in owned], [])
    return pkg


def rollforward_file(path: str | Path, *, backup: bool = True, dry_run: bool = False,
                     index_rate: Decimal | None = None, index_source: str | None = None,
                     row_rates: dict[str, Decimal] | None = None,
                     ignore_excel_lock: bool = False, lock_wait: float | None = None) -> RollForwardResult:
    """Roll the workbook at ``path`` forward one year, in place (atomic, with a backup),
    holding its write lock from the read to the save (``xlsx.lock.write_lock``)."""
    from xlmodel.xlsx.lock import write_lock

    path = Path(path)
    rates = {"index_rate": index_rate, "index_source": index_source, "row_rates": row_rates}
    if dry_run:
        return _rollforward_file(path, backup=backup, dry_run=True, **rates)
    with write_lock(path, ignore_excel_lock=ignore_excel_lock, wait=lock_wait) as held:
        result = _rollforward_file(path, backup=backup, dry_run=False, guard=held.check, **rates)
    result.lock_note = held.broken
    return result


def _rollforward_file(path: Path, *, backup: bool, dry_run: bool, guard=None,
                      index_rate: Decimal | None = None, index_source: str | None = None,
                      row_rates: dict[str, Decimal] | None = None) -> RollForwardResult:
    pkg = Package.open(path)
    new, plan, diffs = roll_forward_package(pkg, index_rate=index_rate, index_source=index_source,
                                            row_rates=row_rates)
    result = RollForwardResult(
        path=str(path), year=plan.year, next_year=plan.next_year,
        changes=plan.changes + [c for d in diffs for c in d.changes],
        findings=plan.findings + [f for d in diffs for f in d.findings],
    )
    if dry_run:
        return result
    saved = save_package(new, path, expect_sha256=pkg.sha256, backup=backup, guard=guard)
    result.written = True
    result.backup = str(saved.backup) if saved.backup else None
    return result
