"""The short paths the Excel functions take for what COM passes nearly every cell
(bench/EXPLANATION.md, issue 12: 5 000 function cells) give what the general paths give:

- ``BALANSKRAV`` with eight numbers (floats) in range: the same result as the same
  figures passed as Decimals (the general path, ``arguments.amount`` per line), and for a
  float the short path does not take (NaN, ±inf, too large) the same message as before;
- ``UPPRAKNING`` of one number: the same as the 1×1 range holding it (``_elementwise``),
  errors included;
- ``money.parse_rate`` of a text (kept per text): the same rate or the same refusal as
  the uncached parse, every time it is asked.
"""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlmodel.errors import InputError
from xlmodel.excel.functions import BALANSKRAV, BALANSKRAV_LINES, UPPRAKNING
from xlmodel.money import _rate, parse_rate

_numbers = st.one_of(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    st.floats(min_value=-2e15, max_value=2e15, allow_nan=False),
    st.sampled_from([0.0, -0.0, 1e15, -1e15, 1e15 + 1.0, 0.1, -0.1]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_numbers, min_size=8, max_size=8))
def test_balanskrav_floats_as_decimals(lines):
    want = BALANSKRAV(*[Decimal(repr(x)) for x in lines])
    got = BALANSKRAV(*lines)
    assert got == want and type(got) is type(want)
    if isinstance(got, float):
        assert math.copysign(1.0, got) == math.copysign(1.0, want)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, 2e15])
@pytest.mark.parametrize("at", [0, 3, 7])
def test_balanskrav_unusual_float_named(bad, at):
    lines = [1.0] * 8
    lines[at] = bad
    got = BALANSKRAV(*lines)
    assert isinstance(got, str) and got.startswith("#XLMODEL") and BALANSKRAV_LINES[at] in got


@settings(max_examples=300, deadline=None)
@given(st.one_of(_numbers, st.sampled_from([math.nan, math.inf])),
       st.sampled_from(["3,1 %", "1,9 %", "0,02", "150 %", "abc", "", 0.031, None]))
def test_upprakning_one_number_as_a_range(x, sats):
    assert UPPRAKNING(x, sats) == UPPRAKNING([[x]], sats)


@pytest.mark.parametrize("text", ["3,1 %", " 1,9 % ", "0,019", "−2,5 %", "100 %", "1,5", "#N/A", "x", "", "–"])
def test_parse_rate_text_cached_same_as_parsed(text):
    def outcome(f):
        try:
            return f()
        except InputError as err:
            return ("fel", err.message, err.argument, err.rule)

    want = outcome(lambda: _rate(text, "sats", "upprakning", None))
    for _ in range(2):
        assert outcome(lambda: parse_rate(text, argument="sats", rule="upprakning")) == want


# --------------------------------------------------------------------------- FilledDown

from xlmodel.formula.template import _DIGITS, FilledDown  # noqa: E402


def _find_number_by_number(fd: FilledDown, formula: str, row: int, col: int):
    """``FilledDown.find`` as it was before the per-column text (every number compared)."""
    parts = _DIGITS.split(formula)
    entry = fd._known.get((col, tuple(parts[0::2])))
    if entry is None:
        return None
    value, row0, numbers, relative = entry
    dr = row - row0
    for got, first, rel in zip(parts[1::2], numbers, relative):
        if (int(got) != int(first) + dr) if rel else (got != first):
            return None
    return value, row0


_refs = st.tuples(st.sampled_from(["", "$"]), st.sampled_from(["A", "B", "Utfall!C", "'Blad 2'!D"]),
                  st.sampled_from(["", "$"]), st.integers(0, 30), st.sampled_from(["", "0"]))


def _formula(args, text):
    shown = [f"{sheet_col[:0]}{ca}{sheet_col}{ra}{lead}{r}" for ca, sheet_col, ra, r, lead in args]
    return "BALANSKRAV(" + ";".join(shown) + (f';"{text}"' if text else "") + ")"


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.lists(_refs, min_size=1, max_size=4), st.sampled_from(["", "3,1 %", "{0}", "x}{"]),
                          st.integers(1, 40), st.integers(1, 3)), min_size=1, max_size=30))
def test_filled_down_same_answers(cells):
    """Formulas with relative and absolute rows, leading zeros, rows that would go below
    0, braces in text, in a few columns: ``find`` gives what the number-by-number
    comparison gives, whichever entry was found last in the column."""
    fd = FilledDown()
    for args, text, row, col in cells:
        formula = _formula(args, text)
        want = _find_number_by_number(fd, formula, row, col)
        assert fd.find(formula, row, col) == want
        if want is None:
            fd.add(formula, row, col, (formula, row))
        # the same formula shifted a few rows, up and down, found again
        for dr in (-2, 1, 5):
            moved = _formula([(ca, sc, ra, r + dr if not ra and r + dr >= 0 else r, lead)
                              for ca, sc, ra, r, lead in args], text)
            assert fd.find(moved, row + dr, col) == _find_number_by_number(fd, moved, row + dr, col)
