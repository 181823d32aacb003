"""The shortcuts of the session-10 performance round of ``regenerate`` (bench/EXPLANATION.md,
eighth round) give what the code before them gave.

- ``owned.owned_cell`` is ``OwnedCell(...)``: equal, same hash, repr and fields, still frozen;
- ``PackageCells.values_at`` is ``[value(sheet, ref) for ref in refs]`` and ``formulas_and_values``
  is ``formula_and_value`` per cell, on every sheet of a
  shipped workbook (text, numbers, formulas, a date typed into an amount cell, missing
  cells), and ``read_table``'s rows through it are the rows read cell by cell;
- ``RawTable.typed`` with its text and empty-cell shortcuts gives what ``convert`` gives
  for every cell, texts that start with '#' (Excel's error values typed as text) included;
- ``money.excel_precision`` (one rounding to 15 digits in a context) is the quantize to
  15 - (adjusted() + 1) places it was: the same value and the same digits and exponent;
- the reader's shortcut for a shared string's index (``int`` of its bytes) reads what
  ``_typed`` reads from its text, or refuses it with the same error.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_perf_equivalence_s7 import _cell_values, _typed_before
from xlmodel.workbook import parts
from xlmodel.workbook.cells import PackageCells
from xlmodel.workbook.owned import OwnedCell, owned_cell
from xlmodel.xlsx.package import Package
from xlmodel.xlsx.patch import CellWrite, patch_sheet

REPO = Path(__file__).resolve().parent.parent
WORKBOOKS = sorted((REPO / "workbooks").glob("*.xls*"))


# --------------------------------------------------------------------------- owned_cell

@given(st.text(max_size=6), st.none() | st.text(max_size=8) | st.decimals(allow_nan=False),
       st.none() | st.text(max_size=12), st.sampled_from(["text", "id", "amount", "amount_bold", "label_varav"]))
def test_owned_cell_is_the_constructor(ref, value, formula, style):
    a = OwnedCell(ref, value, formula=formula, style=style)
    b = owned_cell(ref, value, formula=formula, style=style)
    assert type(b) is OwnedCell
    assert a == b and hash(a) == hash(b) and repr(a) == repr(b)
    assert a.__dict__ == b.__dict__ and list(a.__dict__) == list(b.__dict__)
    assert dataclasses.astuple(a) == dataclasses.astuple(b)
    with pytest.raises(dataclasses.FrozenInstanceError):
        b.value = "ändrad"  # type: ignore[misc]
    assert owned_cell(ref, value).style == OwnedCell(ref, value).style == "text"


# --------------------------------------------------------------------------- PackageCells.values_at

def _every_ref(cells: PackageCells, sheet: str) -> list[str]:
    """Every cell of the sheet and the cells around them that are missing."""
    held = cells.cells(sheet)
    refs = list(held)
    rows = {c.row for c in held.values()} | {1}
    refs += [f"{col}{r}" for r in sorted(rows) for col in ("A", "K", "ZZ")]
    return refs


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.name)
def test_values_is_value_per_cell(path):
    cells = PackageCells(Package.open(path))
    seen = 0
    for sheet in cells.sheet_names():
        refs = _every_ref(cells, sheet)
        want = [cells.value(sheet, ref) for ref in refs]
        got = PackageCells(Package.open(path)).values_at(sheet, refs)  # a fresh source: its own first read
        assert [(v, type(v)) for v in got] == [(v, type(v)) for v in want]
        assert [v.as_tuple() for v in got if isinstance(v, Decimal)] == [
            v.as_tuple() for v in want if isinstance(v, Decimal)]
        both = PackageCells(Package.open(path)).formulas_and_values(sheet, refs)
        assert both == [cells.formula_and_value(sheet, ref) for ref in refs]
        assert [type(v) for _f, v in both] == [type(v) for v in want]
        seen += len(refs)
    assert seen > 200


def test_values_gives_a_date_typed_into_an_amount_cell(tmp_path):
    """A serial number in a date-formatted cell is a datetime in both (value_of), a
    number at Excel's 15 digits in both, a missing cell None."""
    from tests.test_reliability_inputs import date_in

    path = REPO / "workbooks" / "vasterbotten_regionplan_2021.xlsm"
    pkg = date_in("Ramar", "D5", 44197)(Package.open(path))
    pkg = patch_sheet(pkg, "Ramar", [CellWrite(ref="D6", value=Decimal("9.779999999999999"))])
    out = tmp_path / path.name
    out.write_bytes(pkg.to_bytes())
    cells = PackageCells(Package.open(out))
    refs = ["D5", "D6", "D7", "Q99"]
    got = cells.values_at("Ramar", refs)
    assert isinstance(got[0], datetime) and got[1] == Decimal("9.78") and got[3] is None
    assert got == [PackageCells(Package.open(out)).value("Ramar", r) for r in refs]


def test_read_table_rows_as_per_cell():
    """read_table's rows through ``values_at`` are the rows read cell by cell (a source
    without ``values_at``, as live Excel is), for every input table of the shipped books."""
    from xlmodel.workbook.cells import read_table

    class PerCell:
        def __init__(self, cells):
            self._cells = cells

        def table(self, name):
            return self._cells.table(name)

        def value(self, sheet, ref):
            return self._cells.value(sheet, ref)

        def sheet_names(self):
            return self._cells.sheet_names()

    read = 0
    for path in WORKBOOKS:
        cells = PackageCells(Package.open(path))
        for spec in parts.input_tables():
            a = read_table(cells, spec, "regel", optional=True)
            b = read_table(PerCell(cells), spec, "regel", optional=True)
            assert (a is None) == (b is None)
            if a is not None:
                assert a.rows == b.rows and [list(r) for r in a.rows] == [list(r) for r in b.rows]
                assert (a.header_row, a.columns, a.sheet) == (b.header_row, b.columns, b.sheet)
                read += len(a.rows)
    assert read > 50


# --------------------------------------------------------------------------- RawTable.typed

_texts = st.sampled_from(["#N/A", " #REF! ", "#name?", "#värde", "#", " # ", "Nämnd #2", "\t#DIV/0!\n", " id "])


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([t for t in parts.input_tables() if t.inputs]), st.data())
def test_typed_shortcuts_as_convert(spec, data):
    from xlmodel.errors import InputError
    from xlmodel.workbook.tables import RawTable

    values = st.one_of(_cell_values, _texts)
    rows = data.draw(st.lists(st.fixed_dictionaries({c.key: values for c in spec.inputs}), max_size=6))
    table = RawTable(spec=spec, rows=rows, locate=lambda i, key: ("Blad", f"{key}{i}"))

    def outcome(fn):
        try:
            return ("ok", [{k: (v, type(v), v.as_tuple() if isinstance(v, Decimal) else None) for k, v in r.items()}
                           for r in fn()])
        except InputError as err:
            return ("fel", err.message, err.rule, err.sheet, err.cell, err.argument)
        except Exception as err:  # values the reader never gives: the same error
            return ("annat", type(err).__name__, str(err))

    assert outcome(lambda: table.typed("regel")) == outcome(lambda: _typed_before(table, "regel"))



@pytest.mark.parametrize("value", [0.0, -0.0, 0.1, -716.4, 1e15, -1e15, 1.0000000000000002e15, float("nan"),
                                   float("inf"), float("-inf"), 5e-324, 2.675])
def test_typed_float_amounts_as_convert(value):
    """An amount as Excel passes it through COM (=RAMTABELL()'s tables): a float, the
    bounds and NaN/inf included, is typed as ``convert`` types it, or refused alike."""
    from xlmodel.errors import InputError
    from xlmodel.workbook.layout import FRAMES_TABLE
    from xlmodel.workbook.tables import RawTable, convert

    col = next(c for c in FRAMES_TABLE.inputs if c.kind == "amount")
    filled = {"text": "RS", "bool": "Ja", "places": 1, "int": 1, "year": 2026, "amount": 1.5, "rate": 0.02}
    row = {c.key: filled[c.kind] if c.required else None for c in FRAMES_TABLE.inputs} | {col.key: value}
    table = RawTable(spec=FRAMES_TABLE, rows=[row], locate=lambda i, key: ("Blad", f"{key}{i}"))
    try:
        want = convert(value, col, rule="regel")
    except InputError as err:
        with pytest.raises(InputError) as got:
            table.typed("regel")
        assert got.value.message == err.message
        return
    got = table.typed("regel")[0][col.key]
    assert (got, type(got), got.as_tuple()) == (want, type(want), want.as_tuple())


# --------------------------------------------------------------------------- excel_precision

def _excel_precision_before(x: Decimal) -> Decimal:
    """money.excel_precision as it was before this round (a quantize per number)."""
    from decimal import ROUND_HALF_UP

    from xlmodel.money import ZERO

    if not x.is_finite() or x == 0:
        return x + ZERO
    places = 15 - (x.adjusted() + 1)
    y = x.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return y.normalize() + ZERO if y == y.to_integral_value() else y.normalize()


_numbers = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True),
    st.tuples(st.integers(-(10**40), 10**40), st.integers(-340, 320)).map(lambda t: Decimal(t[0]).scaleb(t[1])),
    st.tuples(st.integers(1, 40), st.integers(-340, 320), st.sampled_from("49"), st.booleans()).map(
        lambda t: Decimal(("-" if t[3] else "") + t[2] + "9" * t[0] + f"E{t[1]}")),  # carries: 9,99…95 -> 10
    st.sampled_from(["0", "-0", "0E-10", "-0.000", "9.779999999999999", "0.6517500000000001", "1E+308",
                     "9.999999999999995E+307", "5E-324", "999999999999999.5", "0.1000000000000000055511151231257827",
                     "1234567890123456789", "-2.5E-7"]).map(Decimal),
)


@settings(max_examples=2000, deadline=None)
@given(_numbers)
def test_excel_precision_as_before(x):
    from xlmodel.money import excel_precision

    def outcome(f):
        try:
            y = f(x)
            return "ok", y.as_tuple(), str(y)
        except Exception as err:  # the same refusal, if any
            return type(err).__name__,

    assert outcome(excel_precision) == outcome(_excel_precision_before)


# --------------------------------------------------------------------------- shared-string index

_indexes = st.one_of(
    st.integers(-3, 40).map(lambda i: str(i).encode()),  # UTF-8 only: other bytes refuse the whole part first
    st.sampled_from([b"", b" 3 ", b"3\r", b"\t4\n", b"+5", b"1_0", b"0x1", b"1e1", b"&#51;", b"3.0", b"\xd9\xa1",
                     b"\xc3\xa5", b"99999999999999999999", b"--1", b" "]),
)


@settings(max_examples=150, deadline=None)
@given(_indexes)
def test_shared_string_index_as_typed(raw):
    import re

    from xlmodel.errors import WorkbookError
    from xlmodel.xlsx.reader import _typed, read_cells, shared_strings
    from xlmodel.xlsx.sheetxml import xml_text

    path = REPO / "workbooks" / "vasterbotten_regionplan_2021.xlsm"
    pkg = Package.open(path)
    part = pkg.sheet_part("Ramar")
    data = pkg.part(part)
    m = re.search(rb'(<c r="(A5)"[^>]* t="s">)<v>[^<]*</v>', data)
    assert m is not None
    pkg = pkg.with_parts({part: data[:m.start()] + m.group(1) + b"<v>" + raw + b"</v>" + data[m.end():]})
    sst = shared_strings(pkg)

    def outcome(fn):
        try:
            return "ok", fn()
        except WorkbookError as err:
            return "fel", err.message.rsplit(": ", 1)[-1]  # the reader adds the sheet's name in front

    assert outcome(lambda: read_cells(pkg, "Ramar")["A5"].value) == outcome(
        lambda: _typed("s", xml_text(raw), sst, "A5", pkg.where))
