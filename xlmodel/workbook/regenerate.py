"""``xlmodel regenerera``: bring every computed cell of a workbook up to date.

For the regionplan that is, above all, the frame table (Ramtabell) from the input
sheets; with it the cached values of the other computed cells of the kind (the
resultatbudget subtotals, the cached results of xlwings functions), so a workbook whose
inputs were edited outside Excel reads right everywhere and validates clean.

Lossless: the package is edited at the XML level (``xlmodel.xlsx.patch``); only owned
cells whose formula or value actually changes are written, and a formula that is
already right keeps its exact bytes (only its cached value is refreshed; a spilled
dynamic array keeps its array markup). Everything else in the .xlsx/.xlsm keeps its
bytes. Bookkeeping parts that may follow (docs/workbooks.md): xl/calcChain.xml is
removed when the set of formula cells changes, and workbook.xml gets
``fullCalcOnLoad="1"`` so Excel recalculates on open.

The write is atomic with a backup and refuses if the file changed since it was read
(``xlmodel.xlsx.atomic.save_package``). The Excel macro (``udfs.live.regenerate_book``)
takes the same plans from an xlwings CellSource and writes them through xlwings.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from xlmodel.errors import InputError
from xlmodel.findings import Finding
from xlmodel.money import fmt_figure, fmt_percent
from xlmodel.workbook import owned_blocks
from xlmodel.workbook.cells import PackageCells, at_excel_precision
from xlmodel.workbook.collector import collector_paused
from xlmodel.workbook.owned import RATE_STYLES, OwnedCell, SheetPlan, normalize_formula, stored, unchanged
from xlmodel.xlsx.atomic import remove_stale_temp_files, save_package
from xlmodel.xlsx.cellref import parse_range, split_ref
from xlmodel.xlsx.package import Package
from xlmodel.xlsx.patch import CellWrite, patch_sheet


class CellChange(BaseModel):
    sheet: str
    cell: str
    old: str | None
    new: str | None


class RegenerateResult(BaseModel):
    path: str
    changes: list[CellChange]
    backup: str | None = None
    written: bool = False
    findings: list[Finding] = []
    # Temp files of an earlier save of this workbook that was killed mid-write, removed
    # by this run (xlsx.atomic.remove_stale_temp_files).
    removed_temp_files: list[str] = []
    # A stale write lock this run removed to take its own (xlsx.lock), or None.
    lock_note: str | None = None


@dataclass
class Write:
    cell: OwnedCell
    keep_formula: bool        # the stored formula is already right: refresh its cached value only
    # A spilled formula written anew (its arguments changed, and with them, maybe, its
    # size): the anchor is ``respill``. A cell of a spilled range other than its anchor is
    # ``in_spill``: headless, the file gets its cached value (every one of a rewritten
    # spill); the Excel macro never writes it (Excel fills it from the anchor, and a value
    # typed into the range would block the spill, #SPILL!).
    respill: bool = False
    in_spill: bool = False
    array_stored: bool = False  # the anchor's stored cell is an array formula (t="array")
    # The change list's line for this write; None for a cell of a rewritten spill that
    # already holds its value (written so the file has the whole array, but not a change).
    change: "CellChange | None" = None


@dataclass
class FramePlan:
    """What regeneration will write on one sheet: changed cells, clears, findings."""

    sheet: str
    writes: list[Write]
    clear: list[str]
    changes: list[CellChange]
    findings: list[Finding]
    styles: dict[str, int | None]


def stored_number(value: Any) -> Any:
    """A number as the file will hold it: Excel's 15 significant digits (money.excel_precision,
    through cells.at_excel_precision: the same value and form, without arithmetic for a
    number already at that precision)."""
    return at_excel_precision(value) if isinstance(value, Decimal) else value


def _display(value: Any, formula: str | None, style: str = "") -> str | None:
    """A cell as the change list shows it, Swedish-style (money.fmt_figure / fmt_percent):
    "=C5+D5 (3 281,17)", "1,99 %", "(tom)" for a formula with no stored value."""
    if formula is not None:
        return f"={formula} ({_display(value, None, style) or 'tom'})"
    if value is None:
        return None
    if isinstance(value, (Decimal, int, float)) and not isinstance(value, bool):
        return fmt_percent(value) if style in RATE_STYLES else fmt_figure(value)
    return str(value)


_new_model = CellChange.__new__
_set_attr = object.__setattr__


def _change(sheet: str, cell: str, old: str | None, new: str | None) -> CellChange:
    """``CellChange.model_construct(sheet=…, cell=…, old=…, new=…)``: the same instance
    (``__dict__``, fields set, no extra, no private attributes) without model_construct's
    generic loop over aliases and defaults, which the change list of a large regenerate
    ran 3 200 times (bench/EXPLANATION.md). Tested against model_construct in
    tests/test_perf_equivalence_s7.py."""
    m = _new_model(CellChange)
    _set_attr(m, "__dict__", {"sheet": sheet, "cell": cell, "old": old, "new": new})
    _set_attr(m, "__pydantic_fields_set__", {"sheet", "cell", "old", "new"})
    _set_attr(m, "__pydantic_extra__", None)
    _set_attr(m, "__pydantic_private__", None)
    return m


def diff_sheet(cells, plan: SheetPlan) -> FramePlan:
    """The owned cells of ``plan`` that differ from what the workbook stores.

    A cell is unchanged when its formula and value are the same as stored and
    ``owned.compare_cell`` finds nothing (``unchanged``, which reaches that answer with
    less work: this loop runs once per owned cell, 16 000 on a large plan;
    bench/EXPLANATION.md)."""
    writes: list[Write] = []
    changes: list[CellChange] = []
    sheet = plan.sheet
    every = getattr(cells, "formulas_and_values", None)  # owned.stored of every cell, in one call (PackageCells)
    found = (every(sheet, [oc.ref for oc in plan.cells]) if every is not None else
             (stored(cells, sheet, oc.ref) for oc in plan.cells))
    found = list(found)
    respilled = _respilled(plan, found)
    spills = [(parse_range(oc.spill), oc.spill in respilled) for oc in plan.cells if oc.spill]
    for oc, (stored_formula, stored_value) in zip(plan.cells, found):
        in_spill = rewritten = False
        if spills and not oc.spill:
            r, c = split_ref(oc.ref)
            inside = [again for (r1, c1, r2, c2), again in spills if r1 <= r <= r2 and c1 <= c <= c2]
            in_spill, rewritten = bool(inside), any(inside)
        same = unchanged(cells, sheet, oc, stored_formula, stored_value)
        if same and not rewritten:
            continue
        same_formula = stored_formula == oc.formula or normalize_formula(stored_formula) == normalize_formula(oc.formula)
        if oc.spill and not same_formula:
            stored_cell = getattr(cells, "cell", None)
            kind = getattr(stored_cell(sheet, oc.ref), "formula_kind", None) if stored_cell else None
            write = Write(oc, keep_formula=False, respill=True, array_stored=kind == "array")
        else:
            write = Write(oc, keep_formula=oc.formula is not None and same_formula, in_spill=in_spill)
        writes.append(write)
        if same:
            continue  # a cell of a rewritten spill that already holds its value: written, not a change
        # unvalidated: the fields are a sheet name, a reference and two texts (or None)
        # made here, so validating them for each of thousands of changed cells checks nothing
        write.change = _change(sheet, oc.ref, _display(stored_value, stored_formula, oc.style),
                               _display(oc.value, oc.formula, oc.style))
        changes.append(write.change)
    for rng in plan.clear:
        changes.append(CellChange(sheet=plan.sheet, cell=rng, old="(rader som inte längre finns)", new=None))
    return FramePlan(plan.sheet, writes, list(plan.clear), changes, list(plan.findings), dict(plan.styles))


def _respilled(plan: SheetPlan, found: list[tuple[str | None, Any]]) -> set[str]:
    """The ranges of the spilled formulas of ``plan`` whose stored formula differs (new
    arguments, and maybe a new size: a delårsrapport whose year became 2024 has one line
    more). Each is written anew with every cell of its range."""
    return {oc.spill for oc, (stored_formula, _v) in zip(plan.cells, found)
            if oc.spill and stored_formula != oc.formula
            and normalize_formula(stored_formula) != normalize_formula(oc.formula)}


def _cell_write(w: Write, style: int | None, cm: int | None) -> CellWrite:
    """The patch's write for one of ``diff_sheet``'s writes."""
    value = stored_number(w.cell.value)
    if w.keep_formula:
        return CellWrite(ref=w.cell.ref, value=value, keep_formula=True)
    if w.respill and w.array_stored:  # the stored array's markup (cm, aca) kept, its range the new one
        return CellWrite(ref=w.cell.ref, value=value, formula=w.cell.formula, spill=w.cell.spill, keep_array=True)
    if w.respill:  # no array stored there: a new dynamic array
        return CellWrite(ref=w.cell.ref, value=value, formula=w.cell.formula, style=style, spill=w.cell.spill, cm=cm)
    return CellWrite(ref=w.cell.ref, value=value, formula=w.cell.formula, style=style)


# --- the whole workbook ------------------------------------------------------------


def sheet_plans(cells) -> tuple[str, list[SheetPlan]]:
    from xlmodel.workbook.holding import parts_in

    kind, held = parts_in(cells)  # xlmodel's own book: its kind's bundle; any other: the parts it holds
    if not held:
        from xlmodel.workbook.recognise import unrecognised_message

        raise InputError(unrecognised_message(cells), rule="regenerera")
    return kind, [plan for part in held for plan in part.plans(cells)]


def regenerate_package(pkg: Any) -> tuple[Any, list[FramePlan]]:
    """(package with every changed owned cell rewritten, the per-sheet diffs), in memory.

    The core of ``regenerate_file``; the roll forward calls it on a package whose input
    sheets it has just changed, so it regenerates and saves once, atomically."""
    cells = PackageCells(pkg)
    try:
        _kind, plans = sheet_plans(cells)
        plans = owned_blocks.prepare(cells, plans, _input_tables())  # stale rows of the named blocks; the user's cells refused
        diffs = [diff_sheet(cells, p) for p in plans]
        diffs.extend(_strays(cells))
    except InputError as err:
        from xlmodel.workbook.missing_output import explain_missing_output
        from xlmodel.workbook.uncomputed import explain_uncomputed

        raise explain_missing_output(explain_uncomputed(err, cells), cells) from None
    new = pkg
    for d in diffs:
        if not d.writes and not d.clear:
            continue
        cm = None
        if any(w.respill and not w.array_stored for w in d.writes):
            from xlmodel.xlsx.add_sheets import dynamic_array_cm

            # the workbook's dynamic-array entry; a workbook with no cell metadata part
            # gets an ordinary array formula over the range, as it would open in Excel
            cm, add_metadata = dynamic_array_cm(new)
            cm = None if add_metadata else cm
        writes = [_cell_write(w, d.styles.get(w.cell.ref), cm) for w in d.writes]
        new = patch_sheet(new, d.sheet, writes, d.clear)
    if new is not pkg:
        from xlmodel.workbook.charts import ranges as chart_ranges

        new = chart_ranges.follow(new, plans)  # a chart over an owned block that grew or shrank
        from xlmodel.workbook.resursramar import sheet as resursramar

        new = resursramar.follow_charts(new, cells)  # Västernorrland's frame charts: a series per nämnd
        from xlmodel.xlsx.defined_names import set_defined_names

        new = set_defined_names(new, owned_blocks.name_updates(cells, plans))  # each block's name to its extent
    return new, diffs


def _input_tables() -> list:
    """Every part's input tables: their input columns are never stale (``owned_blocks``)."""
    from xlmodel.workbook import parts

    return parts.input_tables()


def _strays(cells) -> list[FramePlan]:
    """Input typed just outside an input table, which the plans above did not read: a
    warning per row or cell (``strays.stray_warnings``), as a plan that writes nothing."""
    from xlmodel.workbook import parts
    from xlmodel.workbook.strays import stray_warnings

    by_sheet: dict[str, list[Finding]] = {}
    for f in stray_warnings(cells, parts.input_tables()):
        by_sheet.setdefault(f.sheet, []).append(f)
    return [FramePlan(sheet, [], [], [], found, {}) for sheet, found in by_sheet.items()]


def regenerate_file(path: str | Path, *, dry_run: bool = False, backup: bool = True,
                    ignore_excel_lock: bool = False, lock_wait: float | None = None) -> RegenerateResult:
    """Regenerate the workbook at ``path`` in place. A run that may write holds the
    workbook's write lock from the read to the save (``xlsx.lock.write_lock``: one writer
    at a time, refused while Excel has the file open unless ``ignore_excel_lock``)."""
    from xlmodel.xlsx.lock import write_lock

    path = Path(path)
    with collector_paused():  # why: see collector_paused
        if dry_run:
            return _regenerate_file(path, dry_run=True, backup=backup)
        with write_lock(path, ignore_excel_lock=ignore_excel_lock, wait=lock_wait) as held:
            result = _regenerate_file(path, dry_run=False, backup=backup, guard=held.check)
        result.lock_note = held.broken
        return result


def _regenerate_file(path: Path, *, dry_run: bool, backup: bool, guard=None) -> RegenerateResult:
    pkg = Package.open(path)
    new_pkg, diffs = regenerate_package(pkg)
    result = RegenerateResult(
        path=str(path),
        changes=[c for d in diffs for c in d.changes],
        findings=[f for d in diffs for f in d.findings],
    )
    if not dry_run:
        # Leftovers of an earlier run killed mid-save (never a live save's file: see
        # STALE_TEMP_SECONDS). Only on a run that may write, and only after the inputs
        # were read without error: a refused run changes nothing on disk.
        result.removed_temp_files = [str(p) for p in remove_stale_temp_files(path)]
    if dry_run or not result.changes:
        return result
    saved = save_package(new_pkg, path, expect_sha256=pkg.sha256, backup=backup, guard=guard)
    result.written = True
    result.backup = str(saved.backup) if saved.backup else None
    return result
