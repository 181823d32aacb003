"""Owned blocks bounded by their defined names: stale rows cleared, the user's cells kept.

Each ``SheetPlan`` lists its named blocks (``owned.NamedBlock``: the name of
``block_names`` and the block's extent as computed now). Before ``regenerate`` (and the
Excel macro) writes a plan, ``prepare``:

- **clears the stale rows**: the cells of the block's old extent (its defined name, as
  the workbook holds it) that the new extent no longer covers. They are added to the
  plan's ``clear`` and so appear in the change list as "(rader som inte längre finns)".
- **refuses to overwrite a user's cells**: a cell that regenerate would change (write
  with another content, or clear) and that holds something xlmodel did not write is the
  user's. That is a filled cell outside the block's old extent (a note under the
  Ramtabell that the grown table would cover), or inside it on a row whose first cell
  is empty (a row the user inserted into the block and typed into: xlmodel fills the
  first column of every row it writes), or, when the block's name points at another
  sheet (cut and pasted there, for a part that writes it at its layout's place), any
  filled cell that the write would change. Cells inside an Excel Table are never the user's here: a table's computed
  columns are xlmodel's by the layout, and Excel fills them itself when a row is added.
  The refusal is one Swedish message naming every such cell (``Ramtabell!B21``); nothing
  is written. Refusing, not moving: a moved note loses its place next to what it was
  written about, and a user who sees the message decides where it goes
  (docs/reliability.md, "Beräknade block").
- **never clears an input column of an input table**: a block inside an input table
  (tblBalanskravAr's computed columns and the fiscal year's link to the utredning) has an
  extent that spans the table's input columns between them (Budget, Prognos, Utfall). When
  the block's extent shrinks (the report's year is not in the table) the stale part is
  such columns: they are the controller's figures, not xlmodel's, and are left as they
  are (``input_cells``, from the input tables the caller names: every part's for
  ``regenerate``, the part's own for its ``validate``), in ``validate``'s findings too.

For a workbook without the name the old extent is what the part detects
(``NamedBlock.detected``: the frame table down to its SUMMA row), and for a block
without a detection of its own the block's extent as computed now: a row inserted into
it and typed into is then refused as in a workbook with the names, and so is a constant
in the block's first column where xlmodel writes a formula (a note in the row a grown
block now takes: what xlmodel wrote there would be its formula). ``name_updates`` gives the names
to set after the write: each block's name to its new extent (added where missing).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from xlmodel.errors import InputError
from xlmodel.workbook import block_names as B
from xlmodel.workbook.owned import NamedBlock, SheetPlan, stored, unchanged
from xlmodel.xlsx.refs import column_index_from_string, coordinate_from_string, get_column_letter

RULE = "regenerera.egna_celler"
MAX_NAMED = 8  # cells named in the message; the rest are counted


def _split(ref: str) -> tuple[int, int]:
    col, row = coordinate_from_string(ref)
    return column_index_from_string(col), row


# The plain "C5" every owned cell has: one to three capital letters, ASCII digits
# without a leading zero (for ``_row_col``).
_PLAIN_REF = re.compile(r"([A-Z]{1,3})([1-9][0-9]*)").fullmatch


def _row_col(ref: str) -> tuple[int, int]:
    """(row, column) of ``ref``: ``_split``'s answer reversed. A plain reference (see
    ``_PLAIN_REF``) is split by one match; anything else goes through ``_split``."""
    m = _PLAIN_REF(ref)
    if m is not None:
        letters, digits = m.groups()
        col = _COLUMN_OF.get(letters)
        if col is None:  # at most 18 278 entries (one to three letters)
            col = _COLUMN_OF[letters] = column_index_from_string(letters)
        return int(digits), col
    c, r = _split(ref)
    return r, c


_COLUMN_OF: dict[str, int] = {}  # column letters -> number, for _row_col


def _inside(bounds: tuple[int, int, int, int], c: int, r: int) -> bool:
    c1, r1, c2, r2 = bounds
    return c1 <= c <= c2 and r1 <= r <= r2


def _filled(cells: Any, sheet: str, ref: str) -> bool:
    formula = cells.formula(sheet, ref)
    if formula:
        return True
    value = cells.value(sheet, ref)
    return not (value is None or (isinstance(value, str) and not value.strip()))


def _table_bounds(cells: Any, sheet: str) -> list[tuple[int, int, int, int]]:
    pkg = getattr(cells, "pkg", None)
    if pkg is not None:
        return [B.ref_bounds(t.ref) for t in pkg.tables(sheet)]
    cells.table("")  # a live workbook (xlwings): its tables are listed on the first lookup
    return [B.ref_bounds(t.ref) for t in (getattr(cells, "_tables", None) or {}).values() if t.sheet == sheet]


def stale_ranges(old: tuple[int, int, int, int], new: tuple[int, int, int, int]) -> list[str]:
    """The cells of ``old`` outside ``new``, as ranges: whole rows of ``old`` above or
    below ``new`` (one range per run of rows), and the columns beside ``new`` in the
    rows both share."""
    oc1, or1, oc2, or2 = old
    nc1, nr1, nc2, nr2 = new
    out = []
    if or1 < nr1:
        out.append(B.make_ref(oc1, or1, oc2, min(or2, nr1 - 1)))
    if or2 > nr2:
        out.append(B.make_ref(oc1, max(or1, nr2 + 1), oc2, or2))
    r1, r2 = max(or1, nr1), min(or2, nr2)
    if r1 <= r2:
        if oc1 < nc1:
            out.append(B.make_ref(oc1, r1, min(oc2, nc1 - 1), r2))
        if oc2 > nc2:
            out.append(B.make_ref(max(oc1, nc2 + 1), r1, oc2, r2))
    return out


def input_cells(cells: Any, sheet: str, specs: Sequence[Any]) -> list[tuple[int, int, int, int]]:
    """(c1, r1, c2, r2) of each input column's data cells of the input tables ``specs``
    (layout ``InputTable``s) that stand on ``sheet`` (columns found by their headers, as
    the readers find them): cells ``prepare`` never clears. A table whose headers cannot
    be read is left out."""
    from xlmodel.errors import XlmodelError
    from xlmodel.workbook.cells import table_columns

    out = []
    for spec in specs:
        loc = cells.table(spec.table)
        if loc is None or loc.sheet != sheet:
            continue
        try:
            col_of = table_columns(spec, loc, lambda ref, at=loc: cells.value(at.sheet, ref), RULE)
        except XlmodelError:
            continue
        _c1, r1, _c2, r2 = B.ref_bounds(loc.ref)
        last = r2 - (1 if loc.has_totals else 0)
        out += [(col_of[c.key], r1 + 1, col_of[c.key], last) for c in spec.inputs if c.key in col_of]
    return out


def without_inputs(rng: str, inputs: list[tuple[int, int, int, int]]) -> list[str]:
    """``rng`` less the cells of ``inputs`` (``input_cells``): ``[rng]`` when it has none of
    them, else the rest as one range per column and run of rows."""
    c1, r1, c2, r2 = B.ref_bounds(rng)
    if not any(x[0] <= c2 and x[2] >= c1 and x[1] <= r2 and x[3] >= r1 for x in inputs):
        return [rng]
    out = []
    for c in range(c1, c2 + 1):
        run = None
        for r in range(r1, r2 + 2):
            keep = r <= r2 and not any(_inside(x, c, r) for x in inputs)
            if keep and run is None:
                run = r
            elif not keep and run is not None:
                out.append(B.make_ref(c, run, c, r - 1))
                run = None
    return out


def _range_cells(ref: str):
    c1, r1, c2, r2 = B.ref_bounds(ref)
    for r in range(r1, r2 + 1):
        for c in range(c1, c2 + 1):
            yield c, r


def old_place(cells: Any, plan: SheetPlan, block: NamedBlock) -> tuple[int, int, int, int] | None:
    """The block's extent in the workbook as it is: its name, and what the part's own
    detection finds beyond it (the frame table's rows that run on with ids), else the
    detection alone (a workbook without the name), else the block as computed now.
    None when the name is on another sheet than the plan's (the block cut and pasted
    there, for a part that writes it at its layout's place): no cell of the plan's sheet
    is the block's, so ``prepare`` clears nothing and counts every filled cell the block
    would change as the user's."""
    named = B.read_block(cells, block.name)
    detected = B.ref_bounds(block.detected) if block.detected else None
    if named is not None:
        if named.sheet != plan.sheet:
            return None
        if detected is None:
            return named.bounds
        (a1, b1, c1, d1), (a2, b2, c2, d2) = named.bounds, detected
        return min(a1, a2), min(b1, b2), max(c1, c2), max(d1, d2)
    return detected if detected is not None else B.ref_bounds(block.ref)


def prepare(cells: Any, plans: list[SheetPlan], input_tables: Sequence[Any] = ()) -> list[SheetPlan]:
    """``plans`` with each named block's stale rows to clear, never in an input column of
    ``input_tables`` (``input_cells``); raises the refusal (``InputError``, rule
    ``regenerera.egna_celler``) if a write or a clear would replace a cell the user typed
    (see the module docstring)."""
    found: list[tuple[str, str]] = []
    for plan in plans:
        if not plan.blocks:
            continue
        covered = {cr for rng in plan.clear for cr in _range_cells(rng)}
        tables = inputs = None
        for block in plan.blocks:
            old = old_place(cells, plan, block)
            new = B.ref_bounds(block.ref)
            if tables is None:
                tables = _table_bounds(cells, plan.sheet)
            if old is None:
                # The name points at another sheet (the block cut and pasted there, for a part
                # that writes it at its layout's place): no cell here is the block's, so
                # every filled cell the block would change is the user's; nothing to clear.
                found += _user_cells(cells, plan, block, None, new, covered, tables)
                continue
            stale = stale_ranges(old, new)
            if stale and inputs is None:
                inputs = input_cells(cells, plan.sheet, input_tables)
            for rng in (part for whole in stale for part in without_inputs(whole, inputs)):
                cells_of = set(_range_cells(rng))
                if not cells_of <= covered:
                    plan.clear.append(rng)
                    covered |= cells_of
            found += _user_cells(cells, plan, block, old, new, covered, tables)
    if found:
        raise refusal(found)
    return plans


def _constant_over_formula(cells: Any, sheet: str, oc, ref: str) -> bool:
    """A filled cell without a formula where xlmodel writes one: not what xlmodel wrote."""
    return oc is not None and oc.formula is not None and _filled(cells, sheet, ref) and not cells.formula(sheet, ref)


def _user_cells(cells: Any, plan: SheetPlan, block: NamedBlock, old, new, cleared, tables) -> list[tuple[str, str]]:
    # Runs over every owned cell of a block (16 000 in a large frame table): the cells are
    # keyed (row, column), so that sorting them is the tuples' own order, and the bounds
    # are compared inline (bench/EXPLANATION.md).
    sheet = plan.sheet
    owned_at = {_row_col(oc.ref): oc for oc in plan.cells}
    # ``old`` None: the block stood nowhere on this sheet (its name is on another), an extent no cell is in.
    oc1, or1, oc2, or2 = old if old is not None else (1, 1, 0, 0)
    nc1, nr1, nc2, nr2 = new
    touched = [rc for rc in owned_at if nr1 <= rc[0] <= nr2 and nc1 <= rc[1] <= nc2]
    # the cleared cells of the old extent that are not already in it (each cell once)
    touched += {(r, c) for c, r in cleared
                if oc1 <= c <= oc2 and or1 <= r <= or2 and not (nr1 <= r <= nr2 and nc1 <= c <= nc2 and (r, c) in owned_at)}
    first_col = get_column_letter(oc1)
    # Without the name or a detection, the old extent is the block as computed now (``old_place``).
    guessed = block.detected is None and B.read_block(cells, block.name) is None
    row_typed: dict[int, bool] = {}
    out: list[tuple[int, int]] = []

    def typed_row(r: int) -> bool:  # a row the user inserted and typed into, or wrote over (see above)
        typed = row_typed.get(r)
        if typed is None:
            ref = f"{first_col}{r}"
            typed = row_typed[r] = not _filled(cells, sheet, ref) or (
                guessed and _constant_over_formula(cells, sheet, owned_at.get((r, oc1)), ref))
        return typed

    # Each cell's answer depends on the cell alone (``typed_row`` only reads), so the
    # cells are taken in any order and the answer sorted (row, column) at the end, as
    # before; a row xlmodel wrote is passed over with one lookup per cell (16 000 on a
    # large frame table; bench/EXPLANATION.md).
    for r, c in touched:
        if oc1 <= c <= oc2 and or1 <= r <= or2:
            typed = row_typed.get(r)
            if typed is None:
                typed = typed_row(r)
            if not typed:
                continue  # a row xlmodel wrote: its cells are xlmodel's
            if c == oc1 and not guessed:
                continue
        if tables and any(_inside(t, c, r) for t in tables):
            continue
        ref = f"{get_column_letter(c)}{r}"
        if not _filled(cells, sheet, ref):
            continue
        oc = owned_at.get((r, c))
        if oc is not None and (c, r) not in cleared and unchanged(cells, sheet, oc, *stored(cells, sheet, ref)):
            continue  # already what xlmodel writes there: nothing of the user's is replaced
        out.append((r, c))
    out.sort()
    return [(sheet, f"{get_column_letter(c)}{r}") for r, c in out]


def _cell_name(sheet: str, ref: str) -> str:
    plain = sheet.replace("_", "").isalnum() and sheet.isascii()
    return f"{sheet if plain else B.quote_sheet(sheet)}!{ref}"


def refusal(found: list[tuple[str, str]]) -> InputError:
    """One Swedish message naming every cell of the user's that a write would replace."""
    names = [_cell_name(s, r) for s, r in found[:MAX_NAMED]]
    more = len(found) - len(names)
    listed = ", ".join(names) + (f" och {more} till" if more else "")
    sheet, first = found[0]
    what = "cellen" if len(found) == 1 else "cellerna"
    return InputError(
        f"{what} {listed} har innehåll som xlmodel inte har skrivit, men ligger där en beräknad del ska "
        "skrivas (den har vuxit eller raden är infogad i den); xlmodel skriver inte över det. Flytta innehållet "
        "några rader längre ned (under den beräknade delen) eller töm cellerna, och kör igen.",
        rule=RULE,
    ).at(sheet, first)


def name_updates(cells: Any, plans: list[SheetPlan]) -> dict[str, str]:
    """Each named block's defined name set to its new extent, where the workbook's name
    differs or is missing: name -> ``'Sheet'!$A$1:$H$20``."""
    out: dict[str, str] = {}
    for plan in plans:
        for block in plan.blocks:
            want = B.BlockPlace(plan.sheet, B.make_ref(*B.ref_bounds(block.ref)))
            if B.read_block(cells, block.name) != want:
                out[block.name] = want.value()
    return out


def stale_findings(cells: Any, plans: list[SheetPlan], rule: str, input_tables: Sequence[Any] = ()) -> list:
    """``validate``'s side of ``prepare``: one ERROR finding per range of a block's
    defined name that the block no longer covers (rows left from a larger block), input
    columns of ``input_tables`` left out as ``prepare`` leaves them."""
    from xlmodel.findings import Finding, Severity

    out = []
    for plan in plans:
        for block in plan.blocks:
            named = B.read_block(cells, block.name)
            if named is None or named.sheet != plan.sheet:
                continue
            stale = stale_ranges(named.bounds, B.ref_bounds(block.ref))
            inputs = input_cells(cells, plan.sheet, input_tables) if stale else []
            for rng in (part for whole in stale for part in without_inputs(whole, inputs)):
                if not any(_filled(cells, plan.sheet, f"{get_column_letter(c)}{r}") for c, r in _range_cells(rng)):
                    continue
                out.append(Finding(
                    rule=f"{rule}.inaktuell", severity=Severity.ERROR, sheet=plan.sheet, cell=rng.split(":")[0],
                    message=(f"Cellerna {rng} ligger inom {B.DESCRIPTION.get(block.name, 'den beräknade delen')} "
                             f"(namnet {block.name}) men hör inte längre till den; kör 'xlmodel regenerera' så töms de."),
                ))
    return out
