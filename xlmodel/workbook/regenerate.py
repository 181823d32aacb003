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
(``xlmodel.xlsx.atomic.save_package``). The Excel macro calls ``plan_frametable`` with
an xlwings CellSource and writes the same cells through xlwings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from xlmodel.errors import InputError
from xlmodel.findings import Finding
from xlmodel.workbook import frames as F
from xlmodel.workbook.cells import at_excel_precision
from xlmodel.workbook.layout import FIRST_DATA_ROW, FRAMETABLE_BLOCK, FRAMETABLE_SUM_ID
from xlmodel.workbook.owned import TOLERANCE, OwnedCell, compare_cell, normalize_formula, stored


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
class SheetPlan:
    """Every cell a kind owns on one sheet, in its computed state."""

    sheet: str
    cells: list[OwnedCell]
    clear: list[str] = field(default_factory=list)     # ranges of old rows that no longer exist
    findings: list[Finding] = field(default_factory=list)
    styles: dict[str, int | None] = field(default_factory=dict)  # style for cells whose row changes level


@dataclass
class Write:
    cell: OwnedCell
    keep_formula: bool        # the stored formula is already right: refresh its cached value only


@dataclass
class FramePlan:
    """What regeneration will write on one sheet: changed cells, clears, findings."""

    sheet: str
    writes: list[Write]
    clear: list[str]
    changes: list[CellChange]
    findings: list[Finding]
    styles: dict[str, int | None]


def _stored(value: Any) -> Any:
    """A number as the file will hold it: Excel's 15 significant digits (money.excel_precision,
    through cells.at_excel_precision: the same value and form, without arithmetic for a
    number already at that precision)."""
    return at_excel_precision(value) if isinstance(value, Decimal) else value


def _display(value: Any, formula: str | None) -> str | None:
    if formula is not None:
        return f"={formula} ({_display(value, None)})"
    if value is None:
        return None
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def diff_sheet(cells, plan: SheetPlan) -> FramePlan:
    """The owned cells of ``plan`` that differ from what the workbook stores.

    A cell is unchanged when its formula and value are the same as stored and
    ``owned.compare_cell`` finds nothing (``_unchanged``, which reaches that answer with
    less work: this loop runs once per owned cell, 16 000 on a large plan;
    bench/EXPLANATION.md)."""
    writes: list[Write] = []
    changes: list[CellChange] = []
    sheet = plan.sheet
    both = getattr(cells, "formula_and_value", None)  # owned.stored, with its lookup done once per sheet
    for oc in plan.cells:
        stored_formula, stored_value = both(sheet, oc.ref) if both is not None else stored(cells, sheet, oc.ref)
        if _unchanged(cells, sheet, oc, stored_formula, stored_value):
            continue
        same_formula = stored_formula == oc.formula or normalize_formula(stored_formula) == normalize_formula(oc.formula)
        if oc.spill and not same_formula:
            raise InputError(
                f"cellen ska innehålla den spillande formeln ={oc.formula}; en ändrad matrisformel skrivs inte om "
                "utan Excel – återställ formeln i Excel",
                rule="regenerera.matrisformel", sheet=plan.sheet, cell=oc.ref,
            )
        writes.append(Write(oc, keep_formula=oc.formula is not None and same_formula))
        changes.append(CellChange(sheet=plan.sheet, cell=oc.ref, old=_display(stored_value, stored_formula),
                                  new=_display(oc.value, oc.formula)))
    for rng in plan.clear:
        changes.append(CellChange(sheet=plan.sheet, cell=rng, old="(rader som inte längre finns)", new=None))
    return FramePlan(plan.sheet, writes, list(plan.clear), changes, list(plan.findings), dict(plan.styles))


def _unchanged(cells, sheet: str, oc: OwnedCell, stored_formula: str | None, stored_value: Any) -> bool:
    """True when ``oc`` needs no write: stored formula and value are the same as computed
    and ``compare_cell`` finds nothing - exactly that, with three shortcuts: identical
    formula texts are the same formula without normalising them; for a number stored as a
    number, once formula and value are the same, compare_cell's only remaining test is
    the tolerance; for text, once the texts are the same, compare_cell agrees unless the
    stored value is a 0 or False. Tested against the unshortened test in
    tests/test_perf_equivalence.py."""
    formula, want = oc.formula, oc.value
    if stored_formula != formula and normalize_formula(stored_formula) != normalize_formula(formula):
        return False
    if isinstance(want, Decimal):
        if stored_value != at_excel_precision(want):
            return False
        if type(stored_value) is Decimal:
            # compare_cell from here on: its formula tests pass (the same formula, or none on
            # both sides) and the value is a Decimal, so its answer is the tolerance test alone
            return abs(stored_value - want) <= TOLERANCE
    else:
        if str(stored_value or "").strip() != str(want if want is not None else "").strip():
            return False
        if stored_value is None or stored_value:
            # compare_cell's text test is then the test just made (it differs only for a
            # stored 0 or False, whose text is not empty: those go to compare_cell)
            return True
    return compare_cell(cells, sheet, oc, "regenerera", found_cell=(stored_formula, stored_value)) is None


# --- the frame table -------------------------------------------------------------


def frametable_sheet_plan(cells) -> SheetPlan:
    from xlmodel.workbook.cells import require_sheet

    src, table = F.computed(cells)
    require_sheet(cells, FRAMETABLE_BLOCK.sheet, F.RULE)  # the output sheet: a clear message, not a read error
    owned = F.frametable_cells(table)
    last_new = FIRST_DATA_ROW + len(table.rows)
    last_old = F.old_extent(cells)
    clear = []
    if last_old > last_new:
        clear.append(f"{FRAMETABLE_BLOCK.col_letter('id')}{last_new + 1}:{FRAMETABLE_BLOCK.col_letter('frame')}{last_old}")
    levels = {FIRST_DATA_ROW + i: ("varav" if row.parent else "namnd") for i, row in enumerate(table.rows)}
    levels[last_new] = "summa"
    varav_ids = frozenset(row.id for row in table.rows if row.parent)
    return SheetPlan(
        sheet=FRAMETABLE_BLOCK.sheet,
        cells=owned,
        clear=clear,
        findings=F.locate_findings(table, list(table.findings), src.published),
        styles=_frame_styles(cells, owned, levels, varav_ids, last_old),
    )


def plan_frametable(cells) -> FramePlan:
    """The frame table's changed cells (used by the Excel macro and by regenerate)."""
    return diff_sheet(cells, frametable_sheet_plan(cells))


def _frame_styles(cells, owned: list[OwnedCell], levels: dict[int, str], varav_ids: frozenset[str],
                  last_old: int) -> dict[str, int | None]:
    """Style of each frame-table cell whose row changes level (nämnd / varav / summa) or
    is new: borrowed from a row of that level in the stored table, same column. Cells
    whose row keeps its level keep their own style (absent from the map). ``last_old``:
    the stored table's last row (``frames.old_extent``, computed once by the caller)."""
    sheet = FRAMETABLE_BLOCK.sheet
    id_col = FRAMETABLE_BLOCK.col_letter("id")
    old_level: dict[int, str] = {}
    for row_num in range(FIRST_DATA_ROW, last_old + 1):
        stored = str(cells.value(sheet, f"{id_col}{row_num}") or "").strip()
        old_level[row_num] = "summa" if stored == FRAMETABLE_SUM_ID else ("varav" if stored in varav_ids else "namnd")
    changed = {row_num: lvl for row_num, lvl in levels.items() if old_level.get(row_num) != lvl}
    if not changed:
        return {}  # the usual regeneration (inputs' values changed, not the rows): nothing to restyle
    wanted = set(changed.values())
    by_level: dict[tuple[str, str], int] = {}
    cell_of = getattr(cells, "cell", None)
    if cell_of is not None:
        letters = [FRAMETABLE_BLOCK.col_letter(col.key) for col in FRAMETABLE_BLOCK.columns]
        for row_num, lvl in old_level.items():
            if lvl not in wanted:
                continue  # no row becomes this level: its styles are not borrowed
            for letter in letters:
                if (lvl, letter) in by_level:
                    continue  # the first row of the level with a cell in this column gives the style
                c = cell_of(sheet, f"{letter}{row_num}")
                if c is not None:
                    by_level[(lvl, letter)] = c.style
    out: dict[str, int | None] = {}
    for oc in owned:
        letter = oc.ref.rstrip("0123456789")
        new_level = changed.get(int(oc.ref[len(letter):]))
        if new_level is not None:
            out[oc.ref] = by_level.get((new_level, letter))
    return out


# --- the whole workbook ------------------------------------------------------------


def sheet_plans(cells) -> tuple[str, list[SheetPlan]]:
    from xlmodel.workbook import kinds

    kind = kinds.detect(cells)
    if kind is None:
        from xlmodel.workbook.recognise import unrecognised_message

        raise InputError(unrecognised_message(cells), rule="regenerera")
    return kind, [plan for make in kinds.owned(kind) for plan in make(cells)]


def regenerate_package(pkg: Any) -> tuple[Any, list[FramePlan]]:
    """(package with every changed owned cell rewritten, the per-sheet diffs), in memory.

    The core of ``regenerate_file``; the roll forward calls it on a package whose input
    sheets it has just changed, so it regenerates and saves once, atomically."""
    from xlmodel.workbook.cells import PackageCells
    from xlmodel.xlsx.patch import CellWrite, patch_sheet

    cells = PackageCells(pkg)
    try:
        _kind, plans = sheet_plans(cells)
        diffs = [diff_sheet(cells, p) for p in plans]
    except InputError as err:
        from xlmodel.workbook.uncomputed import explain_uncomputed

        raise explain_uncomputed(err, cells) from None
    new = pkg
    for d in diffs:
        if not d.writes and not d.clear:
            continue
        writes = [
            CellWrite(ref=w.cell.ref, value=_stored(w.cell.value), keep_formula=True) if w.keep_formula else
            CellWrite(ref=w.cell.ref, value=_stored(w.cell.value), formula=w.cell.formula, style=d.styles.get(w.cell.ref))
            for w in d.writes
        ]
        new = patch_sheet(new, d.sheet, writes, d.clear)
    return new, diffs


def regenerate_file(path: str | Path, *, dry_run: bool = False, backup: bool = True,
                    ignore_excel_lock: bool = False, lock_wait: float | None = None) -> RegenerateResult:
    """Regenerate the workbook at ``path`` in place. A run that may write holds the
    workbook's write lock from the read to the save (``xlsx.lock.write_lock``: one writer
    at a time, refused while Excel has the file open unless ``ignore_excel_lock``)."""
    from xlmodel.workbook.validate import collector_paused
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
    from xlmodel.xlsx.atomic import save_package
    from xlmodel.xlsx.package import Package

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
        from xlmodel.xlsx.atomic import remove_stale_temp_files

        result.removed_temp_files = [str(p) for p in remove_stale_temp_files(path)]
    if dry_run or not result.changes:
        return result
    saved = save_package(new_pkg, path, expect_sha256=pkg.sha256, backup=backup, guard=guard)
    result.written = True
    result.backup = str(saved.backup) if saved.backup else None
    return result
