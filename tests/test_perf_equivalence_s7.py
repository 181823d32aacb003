"""The shortcuts of the session-7 performance round (bench/EXPLANATION.md, changes 41-45)
give what the code before them gave.

- ``regenerate._change`` is ``CellChange.model_construct`` (same fields, fields set,
  no extra or private attributes, same JSON);
- ``owned_blocks._user_cells`` (cells in any order, the answer sorted) names the same
  cells in the same order as the loop over the sorted cells it replaced, over blocks,
  old extents and cleared cells drawn by hypothesis on a workbook with the user's cells
  typed in and around its blocks;
- ``strays.stray_findings`` (cells inside a table's rows and not beside it passed over
  first) gives the findings of the loop that tested every cell;
- ``CallPlan.run`` (a sheet's cells looked up once per run) gives the function cells'
  findings it gave: the bench's own workbook with 400 function cells, some stale.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlmodel.workbook import owned_blocks as O
from xlmodel.workbook import parts, strays
from xlmodel.workbook.cells import PackageCells
from xlmodel.workbook.owned import NamedBlock, stored, unchanged
from xlmodel.workbook.regenerate import CellChange, _change, sheet_plans
from xlmodel.xlsx.package import Package
from xlmodel.xlsx.patch import CellWrite, patch_sheet
from xlmodel.xlsx.refs import get_column_letter

REPO = Path(__file__).resolve().parent.parent
REGIONPLAN = REPO / "workbooks" / "vasterbotten_regionplan_2021.xlsm"


# --------------------------------------------------------------------------- _change

@given(st.text(max_size=12), st.text(max_size=8), st.none() | st.text(max_size=20), st.none() | st.text(max_size=20))
def test_change_is_model_construct(sheet, cell, old, new):
    a = CellChange.model_construct(sheet=sheet, cell=cell, old=old, new=new)
    b = _change(sheet, cell, old, new)
    assert type(b) is CellChange
    assert a == b and a.__dict__ == b.__dict__
    assert a.model_fields_set == b.model_fields_set
    assert (a.__pydantic_extra__, a.__pydantic_private__) == (b.__pydantic_extra__, b.__pydantic_private__)
    assert a.model_dump_json() == b.model_dump_json() and repr(a) == repr(b)
    b.old = "ändrad"  # each instance its own fields set and dict
    assert a.old == old and _change(sheet, cell, old, new).model_fields_set == {"sheet", "cell", "old", "new"}


# --------------------------------------------------------------------------- _user_cells

def _user_cells_before(cells, plan, block, old, new, cleared, tables):
    """owned_blocks._user_cells as it was before change 42 (the loop over sorted cells)."""
    sheet = plan.sheet
    owned_at = {O._row_col(oc.ref): oc for oc in plan.cells}
    oc1, or1, oc2, or2 = old if old is not None else (1, 1, 0, 0)
    nc1, nr1, nc2, nr2 = new
    touched = {rc for rc in owned_at if nr1 <= rc[0] <= nr2 and nc1 <= rc[1] <= nc2}
    touched.update((r, c) for c, r in cleared if oc1 <= c <= oc2 and or1 <= r <= or2)
    first_col = get_column_letter(oc1)
    guessed = block.detected is None and O.B.read_block(cells, block.name) is None
    row_typed: dict[int, bool] = {}
    out = []

    def typed_row(r):
        typed = row_typed.get(r)
        if typed is None:
            ref = f"{first_col}{r}"
            typed = row_typed[r] = not O._filled(cells, sheet, ref) or (
                guessed and O._constant_over_formula(cells, sheet, owned_at.get((r, oc1)), ref))
        return typed

    for r, c in sorted(touched):
        if tables and any(O._inside(t, c, r) for t in tables):
            continue
        if oc1 <= c <= oc2 and or1 <= r <= or2:
            if c == oc1 and not (guessed and typed_row(r)):
                continue
            if not typed_row(r):
                continue
        ref = f"{get_column_letter(c)}{r}"
        if not O._filled(cells, sheet, ref):
            continue
        oc = owned_at.get((r, c))
        if oc is not None and (c, r) not in cleared and unchanged(cells, sheet, oc, *stored(cells, sheet, ref)):
            continue
        out.append((c, r))
    return [(sheet, f"{get_column_letter(c)}{r}") for c, r in out]


def _typed_into(tmp: Path) -> PackageCells:
    """The shipped regionplan with the user's notes in and around its blocks: under and
    beside the frame table (A4:H20), over one of its rows' first cell, on the
    Resultatbudget and Diagram sheets, and a constant over a computed formula."""
    pkg = Package.open(REGIONPLAN)
    notes = {
        "Ramtabell": [CellWrite(ref="A22", value="anteckning"), CellWrite(ref="C23", value=Decimal("5")),
                      CellWrite(ref="I10", value="bredvid"), CellWrite(ref="A12", value=None),
                      CellWrite(ref="D12", value="egen"), CellWrite(ref="H21", value=Decimal("1"))],
        "Resultatbudget": [CellWrite(ref="J11", value="not"), CellWrite(ref="K12", value=Decimal("2"))],
        "Diagram": [CellWrite(ref="A12", value="x"), CellWrite(ref="B13", value="y")],
    }
    for sheet, writes in notes.items():
        pkg = patch_sheet(pkg, sheet, writes)
    out = tmp / "noter.xlsm"
    out.write_bytes(pkg.to_bytes())
    return PackageCells(Package.open(out))


_bounds = st.tuples(st.integers(1, 4), st.integers(1, 8), st.integers(4, 12), st.integers(8, 26)).map(
    lambda t: (t[0], t[1], t[0] + t[2], t[1] + t[3]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_user_cells_as_before(tmp_path_factory, data):
    cells = _user_cells_before.cells = getattr(_user_cells_before, "cells", None) or _typed_into(
        tmp_path_factory.mktemp("s7"))
    _kind, plans = sheet_plans(cells)
    plan = data.draw(st.sampled_from([p for p in plans if p.blocks]))
    block = data.draw(st.sampled_from(plan.blocks))
    if data.draw(st.booleans()):
        block = NamedBlock(block.name, block.ref, None)  # without a detection of its own
    old = data.draw(st.none() | _bounds | st.just(O.B.ref_bounds(block.ref)))
    new = data.draw(_bounds | st.just(O.B.ref_bounds(block.ref)))
    cleared = set(data.draw(st.lists(st.tuples(st.integers(1, 14), st.integers(1, 30)), max_size=40)))
    tables = O._table_bounds(cells, plan.sheet) if data.draw(st.booleans()) else []
    assert O._user_cells(cells, plan, block, old, new, cleared, tables) == \
        _user_cells_before(cells, plan, block, old, new, cleared, tables)


# --------------------------------------------------------------------------- strays

def _stray_findings_before(cells, specs):
    """strays.stray_findings as it was before change 43 (every cell tested)."""
    from xlmodel.xlsx.refs import range_boundaries

    found = []
    tables = strays._tables(cells, specs)
    for loc in tables:
        min_col, min_row, max_col, max_row = range_boundaries(loc.ref)
        others = [range_boundaries(t.ref) for t in tables if t.sheet == loc.sheet and t is not loc]
        rows_below: dict = {}
        for c in cells.cells_in_rows(loc.sheet, min_row + 1, max_row + strays.BELOW):
            if not strays._filled(c):
                continue
            ref, row, col = c.ref, c.row, c.col
            if any(a <= col <= c2 and b <= row <= d for a, b, c2, d in others):
                continue
            if max_row < row <= max_row + strays.BELOW and min_col <= col <= max_col:
                rows_below.setdefault(row, []).append((col, ref, c.value))
            elif col == max_col + 1 and min_row < row <= max_row:
                found.append(strays._finding(loc, ref, c.value, "bredvid"))
        for row in sorted(rows_below):
            filled = sorted(rows_below[row])
            if filled[0][0] == min_col and len(filled) >= 2:
                _, ref, value = filled[0]
                found.append(strays._finding(loc, ref, value, "under", row_cells=[r for _, r, _ in filled]))
    return found


def test_stray_findings_as_before(tmp_path):
    pkg = Package.open(REGIONPLAN)
    cells = PackageCells(pkg)
    specs = parts.input_tables()
    writes: dict[str, list[CellWrite]] = {}
    for loc in strays._tables(cells, specs):
        c1, r1, c2, r2 = O.B.ref_bounds(loc.ref)
        right, below = get_column_letter(c2 + 1), r2 + 1
        writes.setdefault(loc.sheet, []).extend([
            CellWrite(ref=f"{right}{r1 + 1}", value="bredvid"),
            CellWrite(ref=f"{get_column_letter(c1)}{below + 1}", value="ny rad"),
            CellWrite(ref=f"{get_column_letter(min(c1 + 1, c2))}{below + 1}", value=Decimal("7")),
            CellWrite(ref=f"{get_column_letter(c2 + 2)}{below}", value="långt bort"),
        ])
    for sheet, ws in writes.items():
        seen, unique = set(), []
        for w in ws:
            if w.ref not in seen:
                seen.add(w.ref)
                unique.append(w)
        try:
            pkg = patch_sheet(pkg, sheet, unique)
        except Exception:  # a note that would land on another table's header: leave that sheet as it is
            continue
    out = tmp_path / "strays.xlsm"
    out.write_bytes(pkg.to_bytes())
    for source in (REGIONPLAN, out):
        cells = PackageCells(Package.open(source))
        got = strays.stray_findings(cells, specs)
        assert got == _stray_findings_before(PackageCells(Package.open(source)), specs)
    assert got, "the typed notes are found"


# --------------------------------------------------------------------------- function cells

def test_function_cells_as_before(tmp_path):
    """The bench's workbook of function cells, fresh and with some cached values gone
    stale: findings and counts as the tree's evaluation (``forklara``'s path) gives them
    are covered by tests/test_function_cells_planned.py; here the planned run over two
    sheets (arguments on one, calls on the other) gives the expected clean report and a
    stale value is found at its cell."""
    from bench.generate import function_cell_workbook
    from xlmodel.workbook.validate import validate_file

    book = function_cell_workbook(tmp_path, 400)
    clean = validate_file(book)
    assert clean.checked_cells == 400 and not clean.has_errors
    stale = tmp_path / "inaktuell.xlsx"
    shutil.copyfile(book, stale)
    pkg = Package.open(stale)
    pkg = patch_sheet(pkg, "Utfall", [CellWrite(ref="A7", value=Decimal("123456"))])
    stale.write_bytes(pkg.to_bytes())
    report = validate_file(stale)
    cells = {(f.sheet, f.cell) for f in report.findings if f.rule.endswith("inaktuell")}
    assert cells == {("Kontroll", "A7")}


# --------------------------------------------------------------------------- RawTable.typed

def _typed_before(table, rule):
    """tables.RawTable.typed as it was before change 44 (convert for every cell)."""
    from xlmodel.errors import InputError
    from xlmodel.workbook.tables import _is_blank, convert

    out = []
    unfilled = set(table.unfilled_years())  # years rulla-fram added, skipped by both versions
    for i, row in enumerate(table.rows):
        if i in unfilled or all(_is_blank(row.get(c.key)) for c in table.spec.inputs):
            continue
        typed_row = {"_row": i}
        for col in table.spec.inputs:
            try:
                typed_row[col.key] = convert(row.get(col.key), col, rule=rule)
            except InputError as err:
                sheet, cell = table.locate(i, col.key)
                raise err.at(sheet, cell) from None
        out.append(typed_row)
    return out


_cell_values = st.one_of(
    st.none(), st.just(""), st.just("  "), st.just("−716"), st.just("7 %"), st.just("ja"), st.just("Nämnd"),
    st.decimals(allow_nan=True, allow_infinity=True), st.decimals(places=3, min_value=-10**16, max_value=10**16),
    st.floats(), st.integers(-10**17, 10**17), st.booleans(), st.just(Decimal("-0")), st.just(Decimal("1E+15")),
    st.just(Decimal("1.0000000000000001E+15")))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([t for t in parts.input_tables() if t.inputs]), st.data())
def test_typed_as_before(spec, data):
    from xlmodel.errors import InputError
    from xlmodel.workbook.tables import RawTable

    rows = data.draw(st.lists(st.fixed_dictionaries({c.key: _cell_values for c in spec.inputs}), max_size=6))
    table = RawTable(spec=spec, rows=rows, locate=lambda i, key: ("Blad", f"{key}{i}"))

    def outcome(fn):
        try:
            return ("ok", [{k: (v, type(v), v.as_tuple() if isinstance(v, Decimal) else None) for k, v in r.items()}
                           for r in fn()])
        except InputError as err:
            return ("fel", err.message, err.rule, err.sheet, err.cell, err.argument)
        except Exception as err:  # values the reader never gives (an infinity as text, sNaN): the same error
            return ("annat", type(err).__name__, str(err))

    assert outcome(lambda: table.typed("regel")) == outcome(lambda: _typed_before(table, "regel"))
