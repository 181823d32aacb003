"""Errors that show: called by Excel, a bad input gives the error value #VALUE! (which
SUMMA() does not skip) and the message stays reachable with =XLMODEL_FEL(cell).

Run here: xlwings' own converters (conversion.read/write, as call_udf uses them), the
generated VBA wrapper, and a stand-in for the two steps after them that need Windows:
com_server.CallUDF's unwrapping and pywin32's conversion of the return value into a
VARIANT (xlwings_harness.com_marshal mirrors oleargs.cpp). Not run: real pywin32 and
Excel (docs/excel.md, "Vad som har provats och inte")."""

from __future__ import annotations

import re

import pytest

from xlmodel.testing import CellError
from xlmodel.testing import xlwings_harness as h

VALUE_SCODE = -2146826273  # 0x800A07DF: xlErrValue (2015), what VBA's CVErr(2015) holds


class FakeBook:
    def __init__(self, name):
        self.name = name


class FakeSheet:
    def __init__(self, name, book):
        self.name = name
        self.book = FakeBook(book)


class FakeRange:
    """What an xlwings Range offers the functions: its sheet (and book), its top-left
    row and column, resize() and options(...).value. ``shown`` is the cell's value as
    Excel shows it, an error as its text (err_to_str)."""

    def __init__(self, row, column, shown=None, sheet="Balanskrav", book="Budget.xlsm"):
        self.row, self.column, self.shown = row, column, shown
        self.sheet = FakeSheet(sheet, book)

    def resize(self, rows, columns):
        assert (rows, columns) == (1, 1)
        return self

    def options(self, **options):
        assert options.get("err_to_str") is True
        return self

    @property
    def value(self):
        return self.shown


@pytest.fixture(scope="module")
def xl():
    module, _ = h.load_udf_module("udfs")
    return module


def test_the_vba_wrapper_passes_the_calling_cell(xl):
    """``caller`` is xlwings' reserved argument: not in the Excel signature, Nothing in
    the Array the wrapper hands CallUDF, replaced by the calling range in call_udf."""
    vba = h.generate_vba("udfs")
    assert re.search(r"^Function BALANSKRAV\(arets_resultat, Optional realisationsvinster, .*Optional anvandning_rur\)$",
                     vba, re.M)
    assert 'XLPy.CallUDF("udfs", "BALANSKRAV", Array(arets_resultat, realisationsvinster, undantag_vinster, ' \
           'undantag_forluster, orealiserade, aterforing, reservering, anvandning, ar, anvandning_rur, Nothing), ' \
           'ThisWorkbook, ' \
           'Application.Caller)' in vba
    for _, f in h.udf_functions(xl):
        if not f.__xlfunc__["sub"] and f.__name__ != "XLMODEL_FEL":
            assert f.__xlfunc__["args"][-1]["name"] == "caller", f.__name__
    assert len(h.macro_options(xl)[0]["ArgumentDescriptions"]) >= 1  # caller is not shown


def test_a_bad_input_from_excel_is_value_error_not_text(xl):
    with h.pywin32_standin():
        out = h.call_like_excel(xl.BALANSKRAV, "abc", caller=FakeRange(5, 3))
    assert h.com_return_problems(out) == []
    assert h.com_marshal(out) == (h.VT_ERROR, VALUE_SCODE)


def test_a_total_over_a_column_with_one_bad_cell_is_an_error(xl):
    """SUMMA(C5:C7) over three BALANSKRAV cells, one of them with a bad input."""
    inputs = [(869.0, 0.0, None, None, -716.0, 15.0), ("abc",), (100.0,)]
    with h.pywin32_standin():
        cells = [h.com_marshal(h.call_like_excel(xl.BALANSKRAV, *args, caller=FakeRange(5 + i, 3)))
                 for i, args in enumerate(inputs)]
    assert h.excel_sum(cells) == CellError("#VALUE!")
    # What the text result did (and still does outside Excel): SUMMA skips it, 268 not an error.
    as_text = [h.com_marshal(h.call_like_excel(xl.BALANSKRAV, *args)) for args in inputs]
    assert as_text[1] == (h.VT_BSTR, "#XLMODEL: argument 'arets_resultat': 'abc' är inget tal")
    assert h.excel_sum(as_text) == 268.0


def test_spilling_functions_and_internal_errors_give_the_error_value_too(xl):
    with h.pywin32_standin():
        table = h.call_like_excel(xl.ATERSTALLNING, ((2019.0,), (2020.0,)), ((-10.0,), (h.CellError("#N/A"),)),
                                  caller=FakeRange(3, 2, sheet="Balanskrav"))
        assert h.com_marshal(table) == (h.VT_ERROR, VALUE_SCODE)
        message = xl.XLMODEL_FEL(FakeRange(3, 2, shown="#VALUE!", sheet="Balanskrav"))
    assert message == "#XLMODEL: argument 'balanskravsresultat', värde nr 2: cellen innehåller felvärdet #N/A"


def test_xlmodel_fel_gives_the_message_of_the_cell_while_it_shows_an_error(xl):
    with h.pywin32_standin():
        h.call_like_excel(xl.UPPRAKNING, 1000.0, "100 %", caller=FakeRange(9, 4, sheet="Ramar", book="Plan.xlsm"))
        h.call_like_excel(xl.UPPRAKNING, 1000.0, 1.9, caller=FakeRange(10, 4, sheet="Ramar", book="Plan.xlsm"))
    fel = xl.XLMODEL_FEL
    assert fel(FakeRange(9, 4, shown="#VALUE!", sheet="Ramar", book="Plan.xlsm")) == (
        "#XLMODEL: argument 'sats': andelen 100 % går inte: en andel ska vara större än -100 % och mindre än 100 %")
    assert "skrev du 1,9 i stället för 1,9 %?" in fel(FakeRange(10, 4, shown="#VALUE!", sheet="Ramar", book="Plan.xlsm"))
    # the same address in another sheet or book has no message; a cell without an error gives blank
    assert fel(FakeRange(9, 4, shown="#VALUE!", sheet="Ramtabell", book="Plan.xlsm")).startswith(
        "cellen visar #VALUE! men xlmodel har inget meddelande om den")
    assert fel(FakeRange(9, 4, shown=19.0, sheet="Ramar", book="Plan.xlsm")) == ""
    assert fel(FakeRange(9, 4, shown=None, sheet="Ramar", book="Plan.xlsm")) == ""


def test_xlmodel_fel_is_declared_for_a_reference(xl):
    info = xl.XLMODEL_FEL.__xlfunc__
    assert [a["name"] for a in info["args"]] == ["cell"]
    assert info["args"][0]["options"]["convert"] == "range"
    assert "Function XLMODEL_FEL(cell)" in h.generate_vba("udfs")


def test_from_python_the_message_is_text_as_before():
    import udfs

    assert udfs.BALANSKRAV("abc") == "#XLMODEL: argument 'arets_resultat': 'abc' är inget tal"
    assert udfs.BALANSKRAV(869, 0, None, None, -716, 15) == 168.0
    with h.pywin32_standin():  # pywin32 installed but no caller (a script): still text
        assert udfs.BALANSKRAV("abc") == "#XLMODEL: argument 'arets_resultat': 'abc' är inget tal"


def test_without_pywin32_a_caller_still_gets_text(xl):
    """Not Excel's COM path (no pywin32): nothing better than the text exists."""
    got = h.call_like_excel(xl.BALANSKRAV, "abc", caller=FakeRange(1, 1))
    assert got == [["#XLMODEL: argument 'arets_resultat': 'abc' är inget tal"]]
