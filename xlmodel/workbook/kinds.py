"""The workbook kinds xlmodel knows: how each is recognised, built and validated.

A kind is recognised by its input tables (names are stable across a controller's
edits; sheet order and extra sheets are not). Validators are functions
``(cells) -> (findings, number of cells checked)``, run in order; an InputError in
one (a missing table, a text in an amount cell) becomes an ERROR finding and the
others still run.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from xlmodel.errors import InputError
from xlmodel.workbook.sources import BookSource

# kind → the tables that identify it (all must be present)
SIGNATURES: dict[str, tuple[str, ...]] = {
    "regionplan": ("tblRamar", "tblForandringar"),
    "delarsrapport": ("tblUtredning",),
    "resursramar": ("tblResursramar",),
}


def signature_text() -> str:
    return "; ".join(f"{k}: {', '.join(v)}" for k, v in SIGNATURES.items())


def detect(cells) -> str | None:
    for kind, tables in SIGNATURES.items():
        if all(cells.table(t) is not None for t in tables):
            return kind
    return None


def builder_for(kind: str) -> Callable[[BookSource, Path], None]:
    if kind == "regionplan":
        from xlmodel.workbook.regionplan_build import build_regionplan

        return build_regionplan
    if kind == "delarsrapport":
        from xlmodel.workbook.delarsrapport import build_delarsrapport

        return build_delarsrapport
    if kind == "resursramar":
        from xlmodel.workbook.resursramar import build_resursramar

        return build_resursramar
    raise InputError(f"okänd arbetsbokstyp '{kind}' i bok.toml", rule="bygg")


def validators(kind: str) -> list[Callable]:
    if kind == "regionplan":
        from xlmodel.workbook import balanskrav_sheet, charts_sheet, frames, index_year, resultatbudget

        return [frames.validate_frames, resultatbudget.validate_resultatbudget, balanskrav_sheet.validate_balanskrav,
                charts_sheet.validate_charts, index_year.validate_index_year]
    if kind == "delarsrapport":
        from xlmodel.workbook import delarsrapport, followup

        return [delarsrapport.validate_delarsrapport, followup.validate]
    if kind == "resursramar":
        from xlmodel.workbook import resursramar

        return [resursramar.validate_resursramar]
    raise AssertionError(kind)


def owned(kind: str) -> list[Callable]:
    """Functions ``(cells) -> list[SheetPlan]``: every cell the kind computes, for regenerate."""
    if kind == "regionplan":
        from xlmodel.workbook import balanskrav_sheet, charts_sheet, regenerate, resultatbudget

        return [lambda cells: [regenerate.frametable_sheet_plan(cells)], resultatbudget.sheet_plans,
                balanskrav_sheet.sheet_plans, charts_sheet.sheet_plans]
    if kind == "delarsrapport":
        from xlmodel.workbook import delarsrapport, followup

        return [delarsrapport.sheet_plans, followup.sheet_plans]
    if kind == "resursramar":
        from xlmodel.workbook import resursramar

        return [resursramar.sheet_plans]
    raise AssertionError(kind)
