"""The workbook kinds xlmodel knows, and what each one's builder is."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from xlmodel.errors import InputError
from xlmodel.workbook.sources import BookSource


def builder_for(kind: str) -> Callable[[BookSource, Path], None]:
    if kind == "regionplan":
        from xlmodel.workbook.regionplan_build import build_regionplan

        return build_regionplan
    raise InputError(f"okänd arbetsbokstyp '{kind}' i bok.toml", rule="bygg")
