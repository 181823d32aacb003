"""The xlwings harness: real VBA generation, our linter, and xlwings' own converters.

Sample UDF modules live in tests/samples/ (not product code). Expected values are
computed from the inputs each test passes, never copied from the harness output.
"""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xlmodel.testing import CellError
from xlmodel.testing import xlwings_harness as h

SAMPLES = Path(__file__).parent / "samples"
GOOD = "xlmodel_sample_udfs"
BAD = "xlmodel_sample_bad_udfs"
CATEGORY = "Regionbudget (prov)"


@pytest.fixture(scope="module", autouse=True)
def samples_on_path():
    sys.path.insert(0, str(SAMPLES))
    try:
        yield
    finally:
        sys.path.remove(str(SAMPLES))
        for name in (GOOD, BAD):
            sys.modules.pop(name, None)


@pytest.fixture(scope="module")
def good():
    module, _ = h.load_udf_module(GOOD)
    return module


@pytest.fixture(scope="module")
def bad():
    module, _ = h.load_udf_module(BAD)
    return module


@pytest.fixture(scope="module")
def vba():
    return h.generate_vba(GOOD)


# --- VBA generation (xlwings' own generate_vba_wrapper) ---------------------------------
def test_vba_function_wrapper_for_summa(vba):
    assert "Function SUMMA(belopp)\n" in vba
    assert (
        f'SUMMA = XLPy.CallUDF("{GOOD}", "SUMMA", Array(belopp), ThisWorkbook, Application.Caller)' in vba
    )
    assert "If TypeOf Application.Caller Is Range Then On Error GoTo failed" in vba
    assert "SUMMA = Err.Description" in vba


def test_vba_optional_vararg_caller_and_volatile(vba):
    assert "Function UPPRAKNA(ram, Optional procent)" in vba
    assert "Function SUMMA_ALLA(ParamArray belopp())" in vba
    # caller is not in the signature; the VBA passes Nothing in its slot
    assert "Function FELTEXT(varde)\n    Application.Volatile" in vba
    assert 'Array(varde, Nothing), ThisWorkbook, Application.Caller)' in vba


def test_vba_sub_wrapper_for_script(vba):
    assert "Sub uppdatera_ramtabell()" in vba
    assert f'XLPy.CallUDF "{GOOD}", "uppdatera_ramtabell", Array(), ThisWorkbook, Application.Caller' in vba
    assert "End Sub" in vba


def test_vba_in_an_addin_uses_active_workbook():
    vba = h.generate_vba(GOOD, workbook_name="Regionbudget.xlam")
    assert "ActiveWorkbook, Application.Caller" in vba
    assert "ThisWorkbook" not in vba


def test_whole_module_has_import_header():
    text = h.generate_vba_module(GOOD)
    lines = text.splitlines()
    assert lines[0] == 'Attribute VB_Name = "xlwings_udfs"'
    assert lines[2].startswith('#Const App = "Microsoft Excel"')
    assert text.endswith(h.generate_vba(GOOD))


def test_macro_options_metadata(good):
    calls = {c["Macro"].split("!")[1]: c for c in h.macro_options(good, workbook_name="Budget.xlsm")}
    assert set(calls) == {"ARSTABELL", "FELTEXT", "SUMMA", "SUMMA_ALLA", "UPPRAKNA", "uppdatera_ramtabell"}
    summa = calls["SUMMA"]
    assert summa["Macro"] == "'Budget.xlsm'!SUMMA"
    assert summa["Category"] == CATEGORY
    assert summa["Description"] == good.SUMMA.__doc__
    assert summa["ArgumentDescriptions"] == [good.SUMMA.__xlfunc__["argmap"]["belopp"]["doc"]]
    assert len(calls["UPPRAKNA"]["ArgumentDescriptions"]) == 2
    # caller is hidden from Excel, so it has no description slot
    assert calls["FELTEXT"]["ArgumentDescriptions"] == [good.FELTEXT.__xlfunc__["argmap"]["varde"]["doc"]]
    assert calls["uppdatera_ramtabell"]["ArgumentDescriptions"] is None


def test_long_description_is_cut_like_xlwings(bad):
    (call,) = [c for c in h.macro_options(bad) if c["Macro"].endswith("!LANG_BESKRIVNING")]
    assert len(bad.LANG_BESKRIVNING.__doc__) > h.MAX_TEXT
    assert call["Description"] == bad.LANG_BESKRIVNING.__doc__[: h.MAX_TEXT]


# --- the import window leaves the interpreter as it found it ----------------------------
def test_import_window_restores_sys_modules_and_decorators():
    import xlwings

    before_func = xlwings.func
    h.load_udf_module(GOOD)
    for name in ("pythoncom", "pywintypes", "win32com", "win32com.client", "xlwings.udfs"):
        assert name not in sys.modules, name
    assert xlwings.func is before_func
    assert not hasattr(xlwings, "udfs")
    assert list(xlwings.engines) == []


def test_plain_import_is_kept_and_load_is_fresh():
    import importlib

    sys.modules.pop(GOOD, None)
    plain = importlib.import_module(GOOD)
    assert not hasattr(plain.SUMMA, "__xlfunc__")  # Linux: xw.func is a no-op
    first, _ = h.load_udf_module(GOOD)
    second, _ = h.load_udf_module(GOOD)
    assert hasattr(first.SUMMA, "__xlfunc__")
    assert first is not second and first is not plain
    assert sys.modules[GOOD] is plain
    sys.modules.pop(GOOD, None)


def test_version_guard(monkeypatch):
    import xlwings

    monkeypatch.setattr(xlwings, "__version__", "0.38.0")
    with pytest.raises(h.XlwingsHarnessError, match="0.37.8"):
        h.load_udf_module(GOOD)


def test_private_api_guard(monkeypatch):
    from xlwings import conversion

    monkeypatch.setattr(conversion, "read", lambda value, options: value)
    with pytest.raises(h.XlwingsHarnessError, match="conversion.read"):
        h.load_udf_module(GOOD)


# --- lint -------------------------------------------------------------------------------
def test_clean_module_has_no_lint(good):
    assert h.lint_udf_module(good, expected_category=CATEGORY) == []


def test_wrong_expected_category_is_reported(good):
    problems = h.lint_udf_module(good, expected_category="Annan kategori")
    assert len(problems) == len(h.udf_functions(good))
    assert all("kategorin" in p for p in problems)


def test_linter_catches_the_bad_sample(bad):
    problems = h.lint_udf_module(bad, expected_category=CATEGORY)
    expected = [
        "ABC1: funktionen 'ABC1' ser ut som en cellreferens",
        "ABC1: argumentet 'date' är ett reserverat ord i VBA",
        "BALANSKRAV_ÅR: funktionen 'BALANSKRAV_ÅR' innehåller tecken utanför ASCII",
        "LANG_BESKRIVNING: beskrivningen är",
        "LANG_BESKRIVNING: kategorin är 'xlwings'",
        "LANG_BESKRIVNING: argumentet 'x' saknar hjälptext",
        "DUBBEL: argumenten 'Belopp' och 'belopp' skiljer sig bara",
        "DUBBEL: argumentet 'application' skuggar",
        "OPTIONER: argumentet 'x': xlwings har ingen omvandlare",
        "OPTIONER: argumentet 'x': okänd option 'bogus'",
        "OPTIONER: argumentet 'x': ndim=3",
        "Summa: VBA-namnet krockar med 'SUMMA'",
        "Summa: argumentet 'r1' ser ut som en cellreferens",
    ]
    for text in expected:
        assert any(p.startswith(text) for p in problems), (text, problems)
    assert len(problems) == len(expected), problems


def test_unregistered_type_hint_really_fails_in_xlwings(bad):
    # The lint's claim, checked against xlwings itself.
    with pytest.raises(AttributeError):
        h.call_like_excel(bad.OPTIONER, 5.0)


@pytest.mark.parametrize(
    "name, expected",
    [
        ("ABC1", True),
        ("A1", True),
        ("XFD1048576", True),
        ("xfd1", True),
        ("LOG10", True),
        ("XFE1", False),  # beyond the last column
        ("A1048577", False),  # beyond the last row
        ("A0", False),
        ("ABCD1", False),
        ("R1C1", True),
        ("RC", True),
        ("R", True),
        ("c3", True),
        ("R1K1", True),  # Swedish Excel's R1C1 style
        ("SUMMA", False),
        ("BALANSKRAV", False),
        ("R1X", False),
    ],
)
def test_cell_reference_lookalikes(name, expected):
    assert h.looks_like_cell_reference(name) is expected


def _column_letters(n: int) -> str:
    letters = ""
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@given(col=st.integers(1, h.EXCEL_MAX_COLUMN), row=st.integers(1, h.EXCEL_MAX_ROW))
def test_every_cell_in_the_grid_is_a_lookalike(col, row):
    assert h.looks_like_cell_reference(f"{_column_letters(col)}{row}")


@given(col=st.integers(h.EXCEL_MAX_COLUMN + 1, 18278), row=st.integers(1, h.EXCEL_MAX_ROW))
def test_columns_beyond_xfd_are_not_references(col, row):
    assert not h.looks_like_cell_reference(f"{_column_letters(col)}{row}")


@given(word=st.sampled_from(sorted(h.VBA_RESERVED)), data=st.data())
def test_reserved_words_any_case(word, data):
    flips = data.draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    cased = "".join(c.upper() if f else c for c, f in zip(word, flips))
    assert any("reserverat ord" in p for p in h._name_problems("argumentet", cased))


def test_reserved_list_has_the_brief_words():
    for word in "And As Boolean ByRef ByVal Call Date Dim End Error Function In Is Me Mod New Next Not Nothing Null On Or String Sub To True Type Variant While With Xor".split():
        assert word.lower() in h.VBA_RESERVED


def test_long_names_and_non_identifiers():
    assert any("högst 255" in p for p in h._name_problems("funktionen", "A" + "b" * 255))
    assert any("giltig VBA-identifierare" in p for p in h._name_problems("argumentet", "_privat"))


# --- calling like Excel (xlwings.conversion with a fake "excel" engine) -----------------
def test_range_with_blank_ndim2_empty0(good):
    rng = ((1.0, None), (2.0, 3.0))
    (arg,) = h.convert_args(good.SUMMA, rng)
    assert arg == [[1.0, 0.0], [2.0, 3.0]]
    assert h.call_like_excel(good.SUMMA, rng) == [[1.0 + 0.0 + 2.0 + 3.0]]


def test_single_cell_becomes_2d_with_ndim2(good):
    assert h.convert_args(good.SUMMA, 5) == [[[5.0]]]


def test_blank_without_empty_option_is_none(good):
    # FELTEXT has no empty= option: a blank cell arrives as None.
    assert h.convert_args(good.FELTEXT, None, caller="X")[0] is None


def test_ints_arrive_as_floats_unless_numbers_int(good):
    (ram, procent) = h.convert_args(good.UPPRAKNA, 100, 0.019)
    assert isinstance(ram, float) and ram == 100.0 and procent == 0.019
    (antal,) = h.convert_args(good.ARSTABELL, 3.0)
    assert isinstance(antal, int) and antal == 3


def test_omitted_optional_gets_python_default(good):
    ram = 250
    assert h.convert_args(good.UPPRAKNA, ram) == [float(ram), good.UPPRAKNA.__defaults__[0]]
    assert h.call_like_excel(good.UPPRAKNA, ram) == [[float(ram)]]
    assert h.call_like_excel(good.UPPRAKNA, ram, 0.02) == [[ram * (1 + 0.02)]]


def test_error_values(good):
    # err_to_str=True: the seven classic errors arrive as text ...
    assert h.convert_args(good.FELTEXT, CellError("#N/A"), caller="Blad1!B2") == ["#N/A", "Blad1!B2"]
    assert h.call_like_excel(good.FELTEXT, CellError("#DIV/0!"), caller="C") == [["#DIV/0!|C"]]
    # ... newer ones (#SPILL!, #CALC!) are not in xlwings' table and arrive as the raw COM int
    assert h.convert_args(good.FELTEXT, CellError("#SPILL!"), caller=None)[0] == CellError("#SPILL!").com_code
    # without err_to_str an error cell is None, and empty= does NOT turn it into 0
    (arg,) = h.convert_args(good.SUMMA, ((1.0, CellError("#N/A")),))
    assert arg == [[1.0, None]]


def test_varargs_share_the_last_argument_options(good):
    values = (1, ((2, 3),), None)
    args = h.convert_args(good.SUMMA_ALLA, *values)
    assert args == [1.0, [2.0, 3.0], 0.0]
    assert h.call_like_excel(good.SUMMA_ALLA, *values) == [[1.0 + 2.0 + 3.0 + 0.0]]


def test_two_dimensional_return_spills(good):
    antal = 3
    xl = h.call_like_excel(good.ARSTABELL, antal)
    assert h.spill_shape(xl) == (antal + 1, 2)
    assert xl[0] == ["År", "Index"]
    assert h.spill_shape(h.call_like_excel(good.SUMMA, 1)) == (1, 1)


def test_return_none_and_dates_as_com_sees_them(good):
    assert h.convert_return(good.SUMMA, None) == [[""]]
    assert h.convert_return(good.SUMMA, [[1.0, None]]) == [[1.0, ""]]
    assert h.convert_return(good.SUMMA, dt.date(2025, 1, 31)) == [[dt.datetime(2025, 1, 31)]]


def test_date_argument_arrives_as_datetime(good):
    (value, _) = h.convert_args(good.FELTEXT, dt.date(2025, 2, 28), caller=None)
    assert value == dt.datetime(2025, 2, 28)


def test_wrong_argument_count_is_refused(good):
    with pytest.raises(h.XlwingsHarnessError, match="minst 1"):
        h.convert_args(good.UPPRAKNA)
    with pytest.raises(h.XlwingsHarnessError, match="högst 2"):
        h.convert_args(good.UPPRAKNA, 1, 2, 3)


def test_undecorated_function_is_refused():
    def plain(x):
        return x

    with pytest.raises(h.XlwingsHarnessError, match="load_udf_module"):
        h.call_like_excel(plain, 1)


def test_engine_is_removed_after_a_call(good):
    import xlwings

    h.call_like_excel(good.SUMMA, 1)
    assert "excel" not in [e.name for e in xlwings.engines]


def test_com_return_problems():
    assert h.com_return_problems([[1.0, "text", True]]) == []
    problems = h.com_return_problems([[Decimal("0.01234"), 1.0], [object(), "x" * (h.EXCEL_MAX_CELL_TEXT + 1)]])
    assert len(problems) == 3
    assert "Currency" in problems[0] and "avrundas" in problems[0]
