"""``xlmodel anslut --plats resultatbudget=Budget!H2``: a part's tables on a sheet of the team's.

The resultatbudget (tblResultatbudget, tblMal under it) and the balanskrav
(tblBalanskrav, tblFrister under it, the ``=ATERSTALLNING()`` ledger beside it) are laid
out from the cell the user names exactly as on a new sheet (``adopt_parts``), but
without the title and the ledger's label above the cell, and without new column widths:
nothing above or left of the named cell, and nothing of the team's sheet but the
part's own cells, changes. Every job finds the part there by its Excel Tables and its
defined name, never by the sheet's name.

Before anything is written, ``check_free`` refuses the place, with one Swedish message
naming the sheet and the first cell in the way, when the area the part needs (its
tables, the ledger's spill, its labels) touches a cell of the team's that holds
something, a merged cell, an Excel Table, or another part's block (a defined name
``xlmodel_…`` on that sheet, or a part placed there in the same run): the team's work is
never overwritten. A filled cell of the team's in the three rows under a placed table or
in the column right of it is refused too (``margins``): ``validera`` would read it as
input typed outside the table (``strays``) and fail. A cell that only has a format (no value, no formula) counts as free;
it gets the part's format.

``write_placed`` writes the cells losslessly (``patch.patch_sheet``: only the part's
``<c>`` elements and rows change in the sheet's part) and adds the tables
(``sheet_tables.add_tables``).
"""

from __future__ import annotations

from typing import Any

from xlmodel.errors import InputError
from xlmodel.workbook import block_names as B
from xlmodel.xlsx.add_sheets import NewFormula, NewSheet
from xlmodel.xlsx.refs import get_column_letter

RULE = "anslut"

Rect = tuple[int, int, int, int]  # c1, r1, c2, r2

PART_LABELS = {"resultatbudget": "resultatbudgeten", "balanskrav": "balanskravet"}
BLOCK_LABELS = {B.FRAMETABLE: "ramtabellen", B.RESULTATBUDGET: "resultatbudgeten", B.GOALS: "de finansiella målen",
                B.BALANSKRAV: "återställningstabellen"}


def area(sheet: NewSheet) -> list[Rect]:
    """The rectangles a placed part needs: its tables, its ledger's spill, each cell it writes."""
    rects = [B.ref_bounds(t.ref) for t in sheet.tables]
    for ref, value in sheet.cells.items():
        rects.append(B.ref_bounds(value.spill if isinstance(value, NewFormula) and value.spill else ref))
    rects += [B.ref_bounds(ref) for ref in sheet.styles]
    return rects


def margins(sheet: NewSheet) -> list[tuple[Rect, str]]:
    """The cells next to each placed input table that the stray check reads as input
    typed outside it (``strays``: the ``BELOW`` rows under it, the column right of it):
    a cell of the team's there would make ``validera`` fail, so it must be empty too."""
    from xlmodel.workbook.strays import BELOW

    out = []
    for t in sheet.tables:
        c1, r1, c2, r2 = B.ref_bounds(t.ref)
        out.append(((c1, r2 + 1, c2, r2 + BELOW), f"under tabellen {t.name}"))
        out.append(((c2 + 1, r1 + 1, c2 + 1, r2), f"bredvid tabellen {t.name}"))
    return out


def _overlap(a: Rect, b: Rect) -> Rect | None:
    c1, r1 = max(a[0], b[0]), max(a[1], b[1])
    c2, r2 = min(a[2], b[2]), min(a[3], b[3])
    return (c1, r1, c2, r2) if c1 <= c2 and r1 <= r2 else None


def _cell(c: int, r: int) -> str:
    return f"{get_column_letter(c)}{r}"


def _filled(cells: Any, sheet: str, ref: str) -> bool:
    if cells.formula(sheet, ref):
        return True
    value = cells.value(sheet, ref)
    return not (value is None or (isinstance(value, str) and not value.strip()))


def obstacles(cells: Any, pkg: Any, sheet: str, placed: list[tuple[str, list[Rect]]],
              new_names: dict[str, str]) -> list[tuple[Rect, str]]:
    """What stands on ``sheet`` that a part may not cover: (rectangle, why), the why in
    Swedish ("ingår i Excel-tabellen X"); ``new_names``: the blocks' names this run adds
    (the frame table placed on the same sheet)."""
    from xlmodel.xlsx.sheet_tables import merged_ranges

    out: list[tuple[Rect, str]] = []
    for t in pkg.tables(sheet):
        out.append((B.ref_bounds(t.ref), f"ingår i Excel-tabellen {t.name}"))
    for m in merged_ranges(pkg, sheet):
        out.append((B.ref_bounds(m), f"ingår i de sammanfogade cellerna {m}"))
    blocks = [(d.name, d.value) for d in pkg.defined_names if d.local_sheet is None] + list(new_names.items())
    for name, value in blocks:
        if name.casefold().startswith(B.PREFIX.casefold()):
            place = B.range_target(value)
            if place is not None and place.sheet.casefold() == sheet.casefold():
                what = BLOCK_LABELS.get(name, "ett av xlmodels block")
                out.append((place.bounds, f"ingår i {what} (namnet {name})"))
    for part, rects in placed:
        out += [(r, f"ingår i {PART_LABELS.get(part, part)}, som också placeras där") for r in rects]
    return out


def check_free(cells: Any, pkg: Any, part: str, sheet: str, top_left: str, rects: list[Rect],
               placed: list[tuple[str, list[Rect]]], new_names: dict[str, str],
               margin: list[tuple[Rect, str]] = ()) -> None:
    """Refuse ``part`` at ``sheet!top_left`` when its ``rects`` touch the team's filled
    cells, merged cells, an Excel Table or another part's block: one message naming the
    sheet and the first such cell (rows first), nothing written."""
    found: list[tuple[int, int, str]] = []
    for rect in rects:
        for other, why in obstacles(cells, pkg, sheet, placed, new_names):
            hit = _overlap(rect, other)
            if hit is not None:
                found.append((hit[1], hit[0], why))
        c1, r1, c2, r2 = rect
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                if _filled(cells, sheet, _cell(c, r)):
                    found.append((r, c, "är inte tom"))
                    break
    for (c1, r1, c2, r2), where in margin:
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                if _filled(cells, sheet, _cell(c, r)):
                    found.append((r, c, f"är inte tom och står direkt {where}, så att den skulle läsas som indata "
                                        "utanför tabellen"))
    if not found:
        return
    r, c, why = min(found)
    c1 = min(x[0] for x in rects)
    r1 = min(x[1] for x in rects)
    c2 = max(x[2] for x in rects)
    r2 = max(x[3] for x in rects)
    raise InputError(
        f"--plats {part}={sheet}!{top_left}: {PART_LABELS.get(part, part)} behöver cellerna {_cell(c1, r1)}:"
        f"{_cell(c2, r2)} på bladet '{sheet}', men cellen {_cell(c, r)} {why}. xlmodel skriver aldrig över ert innehåll: välj en "
        f"annan cell, ett tomt område eller ett nytt blad (inget har ändrats)",
        rule=RULE, argument="--plats", sheet=sheet, cell=_cell(c, r))


def check_all(cells: Any, pkg: Any, placed: list[tuple[str, str, NewSheet]],
              new_names: dict[str, str]) -> dict[str, list[tuple[str, list[Rect]]]]:
    """``check_free`` for each (part, its cell, its cells) in ``placed``, each also
    against the parts placed before it on the same sheet; returns each sheet's
    (part, rectangles)."""
    areas: dict[str, list[tuple[str, list[Rect]]]] = {}
    for part, cell, sheet in placed:
        rects = area(sheet)
        check_free(cells, pkg, part, sheet.name, cell, rects, areas.get(sheet.name, []), new_names, margins(sheet))
        areas.setdefault(sheet.name, []).append((part, rects))
    return areas


def planned_blocks(draft: Any) -> dict[str, str]:
    """The named blocks every part plans on ``draft`` (the package with the parts added,
    before the first regeneration), name -> ``'Blad'!$A$1:$B$2``: the frame table placed
    on the same sheet reaches down to its last nämnd, not just the two rows its name has
    before it is computed. The placed parts' own blocks are left out."""
    from xlmodel.workbook.cells import PackageCells
    from xlmodel.workbook.holding import parts_in

    own = {B.RESULTATBUDGET, B.GOALS, B.BALANSKRAV}
    out: dict[str, str] = {}
    cells = PackageCells(draft)
    for part in parts_in(cells)[1]:
        try:
            plans = part.plans(cells)
        except InputError:
            continue  # its inputs are not complete: its block is its name as it stands
        for plan in plans:
            for block in plan.blocks:
                if block.name not in own and block.ref:
                    out[block.name] = B.name_value(plan.sheet, block.ref)
    return out


def merge(into: NewSheet | None, sheet: NewSheet) -> NewSheet:
    """Two parts placed on the same sheet of the team's: one set of cells and tables."""
    if into is None:
        return sheet
    into.cells.update(sheet.cells)
    into.styles.update(sheet.styles)
    into.tables += sheet.tables
    return into


def keep_inside(sheet: NewSheet, rects: list[Rect]) -> None:
    """Drop the styles the parts' plans gave to cells outside ``rects`` (the plans of
    another part on the same sheet of the team's, e.g. the frame table's future rows)."""
    def inside(ref: str) -> bool:
        c, r, _c, _r = B.ref_bounds(ref)
        return any(x[0] <= c <= x[2] and x[1] <= r <= x[3] for x in rects)

    sheet.styles = {ref: s for ref, s in sheet.styles.items() if inside(ref)}


def write_placed(pkg: Any, placed: list[NewSheet]) -> Any:
    """``pkg`` with each placed part's cells written on the team's sheet and its tables added."""
    from xlmodel.xlsx.add_sheets import dynamic_array_cm
    from xlmodel.xlsx.patch import CellWrite, patch_sheet
    from xlmodel.xlsx.sheet_tables import add_tables

    for sheet in placed:
        spills = any(isinstance(v, NewFormula) and v.spill for v in sheet.cells.values())
        cm, add_metadata = dynamic_array_cm(pkg) if spills else (None, False)
        writes = []
        for ref in sorted({*sheet.cells, *sheet.styles}, key=lambda x: B.ref_bounds(x)[1::-1]):
            value = sheet.cells.get(ref)
            style = sheet.styles.get(ref)
            style = style if isinstance(style, int) and style else None
            if isinstance(value, NewFormula):
                writes.append(CellWrite(ref, value.value if value.value is not None else "", formula=value.formula,
                                        style=style, spill=value.spill, cm=cm if value.spill else None))
            elif value is not None or style is not None:
                writes.append(CellWrite(ref, value, style=style))
        pkg = patch_sheet(pkg, sheet.name, writes, full_calc_on_load=False)
        pkg = add_tables(pkg, sheet.name, sheet.tables, add_metadata=add_metadata)
    return pkg
