"""``xlmodel regenerera``: rewrite the frame table of a workbook from its input sheets.

Lossless: the package is edited in place at the XML level (``xlmodel.xlsx.patch``);
only cells of the Ramtabell range that actually change are written, everything else in
the .xlsx/.xlsm (charts, images, text boxes, sparklines, VBA, cached values of other
formulas, dynamic-array flags) keeps its exact bytes. Bookkeeping parts that follow the
change are listed in docs/workbooks.md (calcChain.xml, and the fullCalcOnLoad flag in
workbook.xml so Excel recalculates on open).

The write is atomic with a backup and refuses if the file changed since it was read
(``xlmodel.xlsx.atomic.save_package``). The Excel macro calls ``plan_frametable`` with an
xlwings CellSource and writes the same cells through xlwings.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from xlmodel.findings import Finding
from xlmodel.workbook import frames as F
from xlmodel.workbook.layout import FIRST_DATA_ROW, FRAMETABLE_BLOCK, FRAMETABLE_SUM_ID


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


@dataclass
class FramePlan:
    """What regeneration will write: the changed cells, the cells to clear, the findings."""

    writes: list[F.OwnedCell]
    clear: list[str]
    changes: list[CellChange]
    findings: list[Finding]
    levels: dict[int, str]          # sheet row → "namnd" | "varav" | "summa" after the write
    varav_ids: frozenset[str]       # ids of the varav rows (from the input table)


def _display(value: Any, formula: str | None) -> str | None:
    if formula is not None:
        return f"={formula} → {_display(value, None)}"
    if value is None:
        return None
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def plan_frametable(cells) -> FramePlan:
    """Compute the frame table from the inputs and diff it against the stored cells."""
    src = F.frame_sources_from_cells(cells)
    table = F.compute(src)
    sheet = FRAMETABLE_BLOCK.sheet
    expected = F.frametable_cells(table)
    writes, changes = [], []
    for oc in expected:
        if F.compare_cell(cells, sheet, oc, F.RULE) is None and _same_number_text(cells, sheet, oc):
            continue
        writes.append(oc)
        old_formula = cells.formula(sheet, oc.ref)
        changes.append(
            CellChange(
                sheet=sheet,
                cell=oc.ref,
                old=_display(cells.value(sheet, oc.ref), old_formula),
                new=_display(oc.value, oc.formula),
            )
        )
    last_new = FIRST_DATA_ROW + len(table.rows)
    last_old = F.old_extent(cells)
    clear = []
    if last_old > last_new:
        first = FRAMETABLE_BLOCK.col_letter("id")
        last = FRAMETABLE_BLOCK.col_letter("frame")
        clear.append(f"{first}{last_new + 1}:{last}{last_old}")
        for r in range(last_new + 1, last_old + 1):
            changes.append(CellChange(sheet=sheet, cell=f"{first}{r}:{last}{r}", old="(rad)", new=None))
    levels = {FIRST_DATA_ROW + i: ("varav" if row.parent else "namnd") for i, row in enumerate(table.rows)}
    levels[last_new] = "summa"
    findings = F.locate_findings(table, list(table.findings), src.published)
    varav_ids = frozenset(row.id for row in table.rows if row.parent)
    return FramePlan(writes=writes, clear=clear, changes=changes, findings=findings, levels=levels, varav_ids=varav_ids)


def _same_number_text(cells, sheet: str, oc: F.OwnedCell) -> bool:
    """A stored number equal within tolerance but not to the digit is rewritten, so the
    file holds exactly what the rule computes (no drift across regenerations)."""
    if not isinstance(oc.value, Decimal):
        return True
    found = cells.value(sheet, oc.ref)
    return isinstance(found, Decimal) and found == oc.value


def regenerate_file(path: str | Path, *, dry_run: bool = False, backup: bool = True) -> RegenerateResult:
    from xlmodel.workbook.cells import PackageCells
    from xlmodel.xlsx.atomic import save_package
    from xlmodel.xlsx.package import Package
    from xlmodel.xlsx.patch import CellWrite, patch_sheet

    path = Path(path)
    pkg = Package.open(path)
    cells = PackageCells(pkg)
    plan = plan_frametable(cells)
    result = RegenerateResult(path=str(path), changes=plan.changes, findings=plan.findings)
    if dry_run or not plan.changes:
        return result
    styles = _style_map(cells, plan)
    writes = [
        CellWrite(ref=oc.ref, value=oc.value, formula=oc.formula, style=styles.get(oc.ref))
        for oc in plan.writes
    ]
    new_pkg = patch_sheet(pkg, FRAMETABLE_BLOCK.sheet, writes, plan.clear)
    saved = save_package(new_pkg, path, expect_sha256=pkg.sha256, backup=backup)
    result.written = True
    result.backup = str(saved.backup) if getattr(saved, "backup", None) else None
    return result


def _style_map(cells, plan: FramePlan) -> dict[str, int | None]:
    """Style of each written cell. A cell keeps its own style when its row keeps its
    level (nämnd / varav / summa); a row that changes level (the old sum row becoming a
    nämnd row when the table grows) or a new row borrows the style the existing table
    uses for that level in that column."""
    sheet = FRAMETABLE_BLOCK.sheet
    id_col = FRAMETABLE_BLOCK.col_letter("id")
    varav_ids = plan.varav_ids
    old_level: dict[int, str] = {}
    for row_num in range(FIRST_DATA_ROW, F.old_extent(cells) + 1):
        stored = str(cells.value(sheet, f"{id_col}{row_num}") or "").strip()
        old_level[row_num] = "summa" if stored == FRAMETABLE_SUM_ID else ("varav" if stored in varav_ids else "namnd")
    by_level: dict[tuple[str, str], int] = {}
    for row_num, lvl in old_level.items():
        for col in FRAMETABLE_BLOCK.columns:
            letter = FRAMETABLE_BLOCK.col_letter(col.key)
            c = cells.cell(sheet, f"{letter}{row_num}")
            if c is not None:
                by_level.setdefault((lvl, letter), c.style)
    out: dict[str, int | None] = {}
    for oc in plan.writes:
        letter = "".join(ch for ch in oc.ref if ch.isalpha())
        row_num = int("".join(ch for ch in oc.ref if ch.isdigit()))
        new_level = plan.levels.get(row_num)
        if new_level is None or old_level.get(row_num) == new_level:
            out[oc.ref] = None  # keep the cell's own style
        else:
            out[oc.ref] = by_level.get((new_level, letter))
    return out
