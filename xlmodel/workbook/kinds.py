"""The workbook kinds xlmodel builds and recognises: each a preset bundle of parts.

A kind is recognised by its identifying tables (names are stable across a controller's
edits; sheet order and extra sheets are not), and then every part of its bundle is
validated, regenerated and explained, in the bundle's order (``parts.Part``): a part of
the bundle whose table is missing is an error of that part, not a different kind. What
is a kind's own is only how ``xlmodel bygg`` lays its workbook out (``build``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from xlmodel.errors import InputError
from xlmodel.workbook import delarsrapport_build, parts, regionplan_build
from xlmodel.workbook.resursramar import build as resursramar
from xlmodel.workbook.sources import BookSource


@dataclass(frozen=True)
class Kind:
    name: str
    signature: tuple[str, ...]                 # the tables that identify it (all must be present)
    parts: tuple[parts.Part, ...]              # what it is made of, in the order the jobs run them
    build: Callable[[BookSource, Path], None]  # writes the workbook from a source folder (bok.toml + CSV)


KINDS: dict[str, Kind] = {
    k.name: k for k in (
        Kind("regionplan", parts.FRAMETABLE.signature,
             (parts.FRAMETABLE, parts.RESULTATBUDGET, parts.BALANSKRAV, parts.CHARTS, parts.INDEX,
              parts.RESERVE_GUIDELINES), regionplan_build.build_regionplan),
        Kind("delarsrapport", parts.UTREDNING.signature, (parts.UTREDNING, parts.FOLLOWUP, parts.RESERVE_GUIDELINES),
             delarsrapport_build.build_delarsrapport),
        Kind("resursramar", parts.RESURSRAMAR.signature, (parts.RESURSRAMAR,), resursramar.build_resursramar),
    )
}

# kind → the tables that identify it
SIGNATURES: dict[str, tuple[str, ...]] = {name: k.signature for name, k in KINDS.items()}


def signature_text() -> str:
    return "; ".join(f"{k}: {', '.join(v)}" for k, v in SIGNATURES.items())


def detect(cells) -> str | None:
    """The kind whose identifying tables the workbook has. A book can have two kinds'
    tables when ``xlmodel anslut`` added a part that identifies another kind (the frame
    table into a delårsrapport or a resursramar book, the balanskravsutredning into a
    regionplan): it is the kind of which it holds most of the bundle (fewest of its
    parts missing), the first in ``KINDS`` of equals, and the added part is run beside
    the bundle (``holding.parts_in``)."""
    matching = [k for k in KINDS.values() if all(cells.table(t) is not None for t in k.signature)]
    if len(matching) <= 1:
        return matching[0].name if matching else None
    return min(matching, key=lambda k: sum(not p.found_in(cells) for p in k.parts)).name


def parts_of(kind: str | None) -> tuple[parts.Part, ...]:
    """The parts of a detected kind (none for an unrecognised workbook)."""
    return KINDS[kind].parts if kind is not None else ()


def builder_for(kind: str) -> Callable[[BookSource, Path], None]:
    if kind not in KINDS:
        raise InputError(f"okänd arbetsbokstyp '{kind}' i bok.toml", rule="bygg")
    return KINDS[kind].build
