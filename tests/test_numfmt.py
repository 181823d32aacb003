"""xlmodel.xlsx.numfmt classifies number formats exactly as openpyxl does."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.styles import numbers as on

from xlmodel.xlsx import numfmt


def test_builtin_table_is_openpyxls():
    assert numfmt.BUILTIN_FORMATS == on.BUILTIN_FORMATS


FORMATS = [
    None, "", "General", "0", "yyyy-mm-dd", "YYYY-MM-DD", "d/m/yyyy", "[h]:mm:ss", "[mm]:ss", "[ss]", "[hhh]",
    '#,##0" kr"', '"dagar" 0', r"\d0", "_d0", "0_m", '[$-41D]yyyy-mm-dd', '[$-41D]0', "[Red]0", "[RED]d",
    "0;[Red]-0;yyyy", "yyyy;0", "mmm", "AM/PM", "@", "# ?/?", 'h "h"', '"h" 0', "[$kr-41D] #,##0",
    '"a"d"b"', "s", "S", "e", "0.00E+00", "[h", "h]", "[[h]]",
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_known_formats_like_openpyxl(fmt):
    assert numfmt.is_date_format(fmt) == on.is_date_format(fmt)


def test_the_table_classifies_like_openpyxl():
    for code in on.BUILTIN_FORMATS.values():
        assert numfmt.is_date_format(code) == on.is_date_format(code)
    dates = {i for i, code in numfmt.BUILTIN_FORMATS.items() if numfmt.is_date_format(code)}
    assert dates == set(range(14, 23)) | {45, 46, 47}  # ECMA-376 §18.8.30's date/time ids


@settings(max_examples=800, deadline=None)
@given(st.text(alphabet='dmhysDMHYSe0#,.;"[]$-_\\ @/:Rk', max_size=14))
def test_random_formats_like_openpyxl(fmt):
    assert numfmt.is_date_format(fmt) == on.is_date_format(fmt)


def test_importing_numfmt_and_styles_does_not_import_openpyxl():
    code = "import sys, xlmodel.xlsx.numfmt, xlmodel.xlsx.styles; print('openpyxl' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
