"""Regenerate every owned cell of a package in memory (no file I/O).

The middle of ``regenerate.regenerate_file`` as a function on a ``Package``, so a caller
that first changes input sheets (the roll forward) can regenerate the changed package
and save once, atomically. ``regenerate_file`` could call this too (the lead's
decision; it is not changed here). Same plans (``sheet_plans`` / ``diff_sheet``), same
writes and styles as ``xlmodel regenerera``.
"""

from __future__ import annotations

from typing import Any

from xlmodel.workbook.regenerate import FramePlan, _stored, diff_sheet, sheet_plans


def regenerate_package(pkg: Any) -> tuple[Any, list[FramePlan]]:
    """(package with every changed owned cell rewritten, the per-sheet diffs)."""
    from xlmodel.workbook.cells import PackageCells
    from xlmodel.xlsx.patch import CellWrite, patch_sheet

    cells = PackageCells(pkg)
    _kind, plans = sheet_plans(cells)
    diffs = [diff_sheet(cells, p) for p in plans]
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
