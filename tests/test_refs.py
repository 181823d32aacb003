"""xlmodel.xlsx.refs gives what openpyxl.utils.cell gives: every column, and a corpus of
valid and invalid references (errors: same exception family, same message)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.utils import cell as oc
from openpyxl.utils.exceptions import CellCoordinatesException

from xlmodel.xlsx import refs


def outcome(fn, arg):
    """("ok", value) or ("error", message); the exception types are compared separately."""
    try:
        return ("ok", fn(arg))
    except (ValueError, TypeError, CellCoordinatesException) as exc:
        return ("error", str(exc))


def test_every_column_letter_and_back():
    for i in range(1, refs.MAX_COLUMN + 1):
        letter = refs.get_column_letter(i)
        assert letter == oc.get_column_letter(i)
        assert refs.column_index_from_string(letter) == i == oc.column_index_from_string(letter)
        assert refs.column_index_from_string(letter.lower()) == i


@pytest.mark.parametrize("bad", [0, -1, refs.MAX_COLUMN + 1, 10**6])
def test_column_index_out_of_range(bad):
    with pytest.raises(ValueError) as ours:
        refs.get_column_letter(bad)
    with pytest.raises(ValueError) as theirs:
        oc.get_column_letter(bad)
    assert str(ours.value) == str(theirs.value)


COLUMN_NAMES = ["", "A", "z", "Zz", "AAA", "ZZZ", "AAAA", "A1", "1", "Ä", "ß", "ßß", "ßßß", "ı", " A", "A ", "$A", "XFD", "XFE"]


@pytest.mark.parametrize("name", COLUMN_NAMES)
def test_column_names_like_openpyxl(name):
    assert outcome(refs.column_index_from_string, name) == outcome(oc.column_index_from_string, name)


COORDINATES = ["A1", "$A$1", "a1", "B12", "$b12", "ZZZ1048576", "A0", "A00", "A", "1", "", "AAAA1", "A1:B2",
               "A-1", " A1", "A1 ", "Ä1", "A٣", "XFD1048576", "A01"]


@pytest.mark.parametrize("coord", COORDINATES)
def test_coordinates_like_openpyxl(coord):
    assert outcome(refs.coordinate_from_string, coord) == outcome(oc.coordinate_from_string, coord)


def test_bad_coordinate_is_a_value_error():
    # openpyxl raises CellCoordinatesException (an Exception); refs a ValueError subclass.
    with pytest.raises(refs.CellCoordinatesError, match=r"Invalid cell coordinates \(B\)"):
        refs.coordinate_from_string("B")
    assert issubclass(refs.CellCoordinatesError, ValueError)


RANGES = ["A1", "A1:C5", "$A$1:$C$5", "c5:a1", "A:C", "2:4", "A", "5", "A1:C", "A:C5", "1:C", "A1:", ":A1", ":",
          "", "A1:B2:C3", "AAAA1:B2", "A0:B0", "ZZZ1:ZZZ2", "$A:$B", "$1:$3", "A1:$B$2", "a1:b2", "A 1", "A1,B2"]


@pytest.mark.parametrize("rng", RANGES)
def test_ranges_like_openpyxl(rng):
    assert outcome(refs.range_boundaries, rng) == outcome(oc.range_boundaries, rng)


_ref_text = st.text(alphabet="AaBZzß$:0123456789 ", max_size=12)


@settings(max_examples=600, deadline=None)
@given(_ref_text)
def test_random_text_like_openpyxl(text):
    assert outcome(refs.range_boundaries, text) == outcome(oc.range_boundaries, text)
    assert outcome(refs.coordinate_from_string, text) == outcome(oc.coordinate_from_string, text)
    assert outcome(refs.column_index_from_string, text) == outcome(oc.column_index_from_string, text)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, refs.MAX_COLUMN), st.integers(1, 1_048_576), st.integers(1, refs.MAX_COLUMN),
       st.integers(1, 1_048_576), st.booleans())
def test_generated_ranges_round_trip(c1, r1, c2, r2, absolute):
    dollar = "$" if absolute else ""
    rng = f"{dollar}{refs.get_column_letter(c1)}{dollar}{r1}:{refs.get_column_letter(c2)}{r2}"
    assert refs.range_boundaries(rng) == oc.range_boundaries(rng) == (c1, r1, c2, r2)


def test_importing_refs_does_not_import_openpyxl():
    code = "import sys, xlmodel.xlsx.refs; print('openpyxl' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
