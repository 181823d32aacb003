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
