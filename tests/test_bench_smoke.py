"""``python -m bench`` keeps working, and the fast paths it led to give the same answers.

No assertion here is about time (issue 6: the benchmarks are not timed tests). The
generators run at a tiny size; the figures of the report are not looked at, only that
the report is written. The property tests compare each fast path added for the
benchmarks with the general path it short-cuts.
"""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench import generate as G
from xlmodel.errors import InputError
from xlmodel.money import MAX_ABS, ZERO, parse_amount

TINY = G.Size(committees=2, cost_centres=6, years=2)


# --------------------------------------------------------------------------- generators

def test_generated_regionplan_builds_and_validates_clean(tmp_path: Path) -> None:
    from xlmodel.workbook.validate import validate_file

    path = G.large_regionplan(tmp_path, TINY)
    report = validate_file(path)
    assert report.error is None and report.kind == "regionplan"
    assert not report.has_errors, [f.message for f in report.findings if f.is_error()]
    # every cost centre is a varav row of the frame table (header row + nämnder + centres + sum row)
    ramar = (tmp_path / "src" / f"regionplan_{TINY.cost_centres}" / "ramar.csv").read_text(encoding="utf-8")
    assert ramar.count("varav ") == TINY.cost_centres
    assert G.xml_size(path) > path.stat().st_size  # the XML parts are deflated in the package


def test_generated_source_is_deterministic(tmp_path: Path) -> None:
    a = G.regionplan_source(tmp_path / "a", TINY, seed=3)
    b = G.regionplan_source(tmp_path / "b", TINY, seed=3)
    for name in ("ramar.csv", "forandringar.csv", "resultatbudget.csv", "balanskrav.csv", "bok.toml"):
        assert (a / name).read_bytes() == (b / name).read_bytes()


def test_corpus_mixes_shipped_and_generated_workbooks(tmp_path: Path) -> None:
    paths = G.corpus(tmp_path, 5, variants=1, max_centres=4)
    assert len(paths) == 5 and len(set(paths)) == 5
    names = {p.name.split("_", 1)[1] for p in paths}
    assert "variant_00.xlsx" in names
    assert any(n == s.name for s in G.shipped_workbooks() for n in names)


def test_changed_input_copy_changes_only_the_parameter(tmp_path: Path) -> None:
    from bench.suite import changed_input_copy
    from xlmodel.workbook.regenerate import regenerate_file

    path = G.large_regionplan(tmp_path, TINY)
    changed = changed_input_copy(path, tmp_path / "changed.xlsx")
    result = regenerate_file(changed, backup=False)
    assert result.written and result.changes  # the index and frame cells are out of date


def test_bench_command_writes_a_report(tmp_path: Path) -> None:
    from bench.__main__ import main

    out = tmp_path / "RESULTS.md"
    assert main(["--snabb", "--bara", "udf", "--ut", str(out), "--arbetskatalog", str(tmp_path / "w")]) == 0
    text = out.read_text(encoding="utf-8")
    assert "## Maskin och versioner" in text and "openpyxl" in text
    assert "`udf:BALANSKRAV`" in text and "`udf:ATERSTALLNING`" in text


# --------------------------------------------------------------------------- fast paths

finite_floats = st.floats(allow_nan=False, allow_infinity=False, width=64)


def _parse_amount_general(value, **kw):
    """parse_amount through its general path: a float subclass skips the fast path."""

    class F(float):
        def __repr__(self) -> str:
            return float.__repr__(self)

    return parse_amount(F(value) if type(value) is float else value, **kw)


@given(st.one_of(finite_floats, st.just(math.inf), st.just(-math.inf), st.just(math.nan)))
def test_parse_amount_float_fast_path_is_the_general_path(x: float) -> None:
    try:
        want = _parse_amount_general(x, argument="a")
    except InputError as err:
        with pytest.raises(InputError) as got:
            parse_amount(x, argument="a")
        assert got.value.message == err.message
        return
    got = parse_amount(x, argument="a")
    assert got == want and str(got) == str(want)


class _SubDecimal(Decimal):
    """A Decimal that parse_amount takes through its general path (the fast path is for
    exactly ``Decimal``)."""


@given(st.decimals(allow_nan=False, allow_infinity=False, places=None) | st.just(Decimal("-0")) | st.just(MAX_ABS))
def test_parse_amount_decimal_fast_path_is_the_general_path(d: Decimal) -> None:
    if abs(d) > MAX_ABS:
        with pytest.raises(InputError):
            parse_amount(d, argument="a")
        return
    got = parse_amount(d, argument="a")
    want = parse_amount(_SubDecimal(d), argument="a")
    assert str(got) == str(want) and type(got) is Decimal


amounts = st.one_of(
    st.none(),
    st.decimals(min_value=-10**9, max_value=10**9, allow_nan=False, places=3),
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
    st.integers(min_value=-10**9, max_value=10**9),
)


@settings(max_examples=200)
@given(st.lists(amounts, min_size=8, max_size=8))
def test_balanskravsresultat_fast_path_equals_the_utredning(values) -> None:
    from xlmodel.rules.balanskrav import balanskravsresultat, balanskravsutredning, _input_from_raw

    if values[0] is None:
        values[0] = 0
    want = balanskravsutredning(_input_from_raw(*values)).balanskravsresultat
    assert balanskravsresultat(*values) == want
    parsed = [parse_amount(v, argument="x", blank=ZERO) for v in values]  # what the Excel functions pass
    got = balanskravsresultat(*parsed)
    assert got == want and str(got) == str(want)


@settings(max_examples=100)
@given(st.lists(st.lists(st.one_of(st.none(), finite_floats.filter(lambda f: abs(f) < 1e12),
                                   st.sampled_from(["1 234,5", "−716", "", "#N/A", "abc"])),
                         min_size=8, max_size=8), min_size=1, max_size=6))
def test_balanskrav_kolumn_equals_one_balanskrav_per_row(rows) -> None:
    from udfs import BALANSKRAV, BALANSKRAV_KOLUMN

    columns = [[[row[j]] for row in rows] for j in range(8)]
    got = BALANSKRAV_KOLUMN(*columns)
    per_row = []
    for i, row in enumerate(rows):
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
            per_row.append(None)
            continue
        r = BALANSKRAV(*row)
        if isinstance(r, str):
            # The first bad row gives the range's message, with the element named:
            # "argument 'x': …" for one cell is "argument 'x', värde nr i: …" for the range.
            head, _, rest = r.partition("': ")
            assert got == f"{head}', värde nr {i + 1}: {rest}"
            return
        per_row.append(r)
    assert got == [[x] for x in per_row]
