"""udfs/ through xlwings' own machinery on Linux (xlmodel.testing.xlwings_harness):

- the VBA "Import Functions" would write, for the package and each module in it;
- our lint of what xlwings does not check (VBA keywords, cell-reference look-alikes,
  ASCII, 255-character docs, one category, macros without arguments, no type hints);
- every function called as the COM server calls it: arguments through xlwings'
  converters exactly as Excel hands them over (floats, None for blanks, tuples of row
  tuples for ranges, error cells as COM error codes), the result through the writer;
- every workbook in workbooks/: the functions, called with the workbook's own input
  cells, give the values the workbook stores in the cells that call them.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from xlmodel.money import excel_precision
from xlmodel.testing import CellError
from xlmodel.testing import xlwings_harness as h

CATEGORY = "Budgetregler (xlmodel)"
MODULES = ("udfs", "udfs.functions", "udfs.followup", "udfs.macros")
WORKBOOKS = Path(__file__).parent.parent / "workbooks"
NA = CellError("#N/A")


def function_names() -> list[str]:
    """The public functions of every function module (every name udfs exports but the macros)."""
    import udfs

    return [n for n in udfs.__all__ if n != "CATEGORY" and n not in udfs.macros.__all__]


@pytest.fixture(scope="module")
def xl():
    """The udfs package imported with xlwings' real decorators (as the COM server does)."""
    module, _ = h.load_udf_module("udfs")
    return module


def test_the_plain_import_has_no_xlwings_metadata():
    import udfs

    assert not hasattr(udfs.BALANSKRAV, "__xlfunc__")   # Linux: xw.func is a no-op


@pytest.mark.parametrize("module_name", MODULES)
def test_lint_finds_nothing(module_name):
    module, _ = h.load_udf_module(module_name)
    assert h.udf_functions(module), module_name
    assert h.lint_udf_module(module, expected_category=CATEGORY) == []


def test_vba_has_every_function_and_macro(xl):
    import udfs

    vba = h.generate_vba("udfs", workbook_name="vasterbotten_regionplan_2021.xlsm")
    functions = function_names()
    for name in functions:
        assert re.search(rf"^Function {name}\(", vba, re.M), name
        assert f'XLPy.CallUDF("udfs", "{name}", Array(' in vba
    for name in udfs.macros.__all__:
        assert re.search(rf"^Sub {name}\(\)$", vba, re.M), name
    # nothing else: exactly the public names, once each
    declared = re.findall(r"^(?:Function|Sub) (\w+)\(", vba, re.M)
    assert sorted(declared) == sorted([*functions, *udfs.macros.__all__])
    assert "Function BALANSKRAV(arets_resultat, Optional realisationsvinster, Optional undantag_vinster," in vba
    # RESERVANVANDNING's seventh argument, the workbook's guideline table: a workbook
    # imported before it existed must run Import Functions again (docs/excel.md)
    (signature,) = re.findall(r"^Function RESERVANVANDNING\((.*)\)\r?$", vba, re.M)
    assert signature == ("ar, resultat_efter_justeringar, Optional rur_saldo, Optional resultatreserv_saldo, "
                         "Optional endast_vid_underskott, Optional hogst_till_noll, Optional riktlinjer")
    assert ('"RESERVANVANDNING", Array(ar, resultat_efter_justeringar, rur_saldo, resultatreserv_saldo, '
            "endast_vid_underskott, hogst_till_noll, riktlinjer, Nothing)") in vba


def test_submodules_generate_the_same_wrappers_under_their_own_name():
    for name in ("udfs.functions", "udfs.followup", "udfs.macros"):
        vba = h.generate_vba(name)
        assert f'XLPy.CallUDF("{name}", ' in vba or f'XLPy.CallUDF "{name}", ' in vba


def test_function_wizard_texts(xl):
    calls = h.macro_options(xl, workbook_name="vasterbotten_regionplan_2021.xlsm")
    assert len(calls) == len(h.udf_functions(xl))
    for call in calls:
        assert call["Category"] == CATEGORY
        assert 20 <= len(call["Description"]) <= h.MAX_TEXT
        assert call["Description"].isprintable()
        for doc in call["ArgumentDescriptions"] or []:
            assert 5 <= len(doc) <= h.MAX_TEXT
    balanskrav = next(c for c in calls if c["Macro"].endswith("!BALANSKRAV"))
    assert len(balanskrav["ArgumentDescriptions"]) == 10   # eight lines, the year, the old RUR (from 2024)
    use = next(c for c in calls if c["Macro"].endswith("!RESERVANVANDNING"))
    assert len(use["ArgumentDescriptions"]) == 7            # ... and the guideline table
    assert "tblReservriktlinjer[#Alla]" in use["ArgumentDescriptions"][6]
    macros = [c for c in calls if c["Macro"].endswith(("!RAMTABELL_UPPDATERA", "!RULLA_FRAM"))]
    assert len(macros) == 2 and all(c["ArgumentDescriptions"] is None for c in macros)


def test_every_function_and_argument_allows_error_cells_as_text(xl):
    """err_to_str on every argument: an error cell must reach the function as "#N/A"
    (to be reported), not as None (which would read as a blank, i.e. 0)."""
    for _, f in h.udf_functions(xl):
        for arg in f.__xlfunc__["args"]:
            if arg["name"] == "caller" or arg["options"].get("convert") == "range":
                continue  # the calling cell / a reference (XLMODEL_FEL): no value to convert
            assert arg["options"].get("err_to_str") is True, (f.__name__, arg["name"])


# --------------------------------------------------------------------------- calls as from Excel

def col(*values):
    """A vertical range as COM hands it over: a tuple of one-value row tuples."""
    return tuple((v,) for v in values)


CALLS = [
    # (function, Excel arguments, expected result after xlwings' writer)
    ("BALANSKRAV", (869.0, 0.0, None, None, -716.0, 15.0), [[168.0]]),
    ("BALANSKRAV", (869.0,), [[869.0]]),                        # omitted optionals
    ("BALANSKRAV", ("869", "0", "", "", "–716", "15"), [[168.0]]),
    ("BALANSKRAV", (NA,), [["#XLMODEL: argument 'arets_resultat': cellen innehåller felvärdet #N/A"]]),
    ("BALANSKRAV", (CellError("#SPILL!"),), [["#XLMODEL: argument 'arets_resultat': cellen innehåller felvärdet #SPILL!"]]),
    ("BALANSKRAV", (None, 5.0), [["#XLMODEL: argument 'arets_resultat': värde saknas (tom cell), ett belopp krävs"]]),
    ("BALANSKRAV", (col(1.0, 2.0),), [["#XLMODEL: argument 'arets_resultat': området har 2 celler; ange en cell, eller "
                                       "balanskravsutredningens 8 rader (nr 1–8) som en kolumn eller en rad"]]),
    ("BALANSKRAV", (True,), [["#XLMODEL: argument 'arets_resultat': sant/falskt (True) är inget belopp"]]),
    ("BALANSKRAV_UTREDNING", (869.0, 0.0, None, None, -716.0, 15.0, None, None, 2021.0),
     [["Årets resultat enligt resultaträkningen", 869.0], ["Reducering av samtliga realisationsvinster", 0.0],
      ["Justering för realisationsvinster enligt undantagsmöjlighet", 0.0],
      ["Justering för realisationsförluster enligt undantagsmöjlighet", 0.0],
      ["Orealiserade vinster och förluster i värdepapper", -716.0],
      ["Justering för återföring av orealiserade vinster och förluster i värdepapper", 15.0],
      ["Årets resultat efter balanskravsjusteringar", 168.0],
      ["Reservering av medel till resultatutjämningsreserv", 0.0],
      ["Användning av medel från resultatutjämningsreserv", 0.0], ["Balanskravsresultat", 168.0]]),
    ("BALANSKRAV_KOLUMN", (col(869.0, 100.0, None), col(0.0, None, None), None, None, col(-716.0, None, None),
                           col(15.0, None, None)), [[168.0], [100.0], [""]]),
    # the year and line 9 at the end, as BALANSKRAV takes them (2024: old RUR on line 9)
    ("BALANSKRAV_KOLUMN", (col(10.0, -5.0), None, None, None, None, None, None, None, col(2024.0, 2024.0),
                           col(None, 3.0)), [[10.0], [-2.0]]),
    ("BALANSKRAV_KOLUMN", (((1.0, 2.0), (3.0, 4.0)),),
     [["#XLMODEL: argument 'arets_resultat': området har 2 rader och 2 kolumner; ange en kolumn (eller en rad)"]]),
    ("ATERSTALLNING", (col(2019.0, 2020.0, 2021.0, 2022.0, 2023.0), col(-333.0, -203.0, 158.0, 312.0, 284.0)),
     [["Underskottsår", "Underskott", "Återställt", "Avskrivet (synnerliga skäl)", "Kvar att återställa", "Sista år", "Status"],
      [2019, 333.0, 333.0, 0.0, 0.0, 2022, "återställd"],
      [2020, 203.0, 203.0, 0.0, 0.0, 2023, "återställd"]]),
    ("ATERSTALLNING", (col(2019.0, 2020.0), col(-10.0, NA)),
     [["#XLMODEL: argument 'balanskravsresultat', värde nr 2: cellen innehåller felvärdet #N/A"]]),
    ("RESERVUTRYMME", (2021.0, 158.0, 158.0, 6750.0, 2203.0), [[68.47]]),
    ("RESERVUTRYMME", (2021.0, 158.0, 158.0, 6750.0, 2203.0, -2603.0), [[0.0]]),
    ("RESERVANVANDNING", (2021.0, -50.0, 80.0), [[50.0]]),
    # Vännäs kommun, årsredovisning 2019: RUR 24,7 + 9,5 = 34,2
    ("RESERVER", (col(2019.0), col(-9.5), col(None), None, None, 24.7),
     [["År", "RUR ingående", "RUR utgående", "Resultatreserv ingående", "Resultatreserv utgående",
       "Tak resultatreserv", "Anmärkning"], [2019, 24.7, 34.2, 0.0, 0.0, "", ""]]),
    ("RESERVER", (col(2011.0, 2012.0), col(-10.0, None), col(None, 5.0)),
     [["#XLMODEL: argument 'anvandning', värde nr 2: år 2012 kunde resultatutjämningsreserven inte användas: "
       "reglerna gäller från 2013-01-01 (överskott från 2010–2012 fick reserveras, prop. 2011/12:172)"]]),
    # the workbook's guidelines as a range (Nr, Värde): use without a negative result, at most 25
    ("RESERVANVANDNING", (2025.0, 10.0, 0.0, 100.0, None, None, (("Nr", "Värde"), (1.0, "Nej"), (2.0, "Nej"), (3.0, 25.0))),
     [[25.0]]),
    ("RESERVANVANDNING", (2025.0, 10.0, 0.0, 100.0, None, None, (("Nr", "Värde"), (1.0, NA))),
     [["#XLMODEL: argument 'riktlinjer': rad 2 i området: cellen innehåller felvärdet #N/A"]]),
    ("UPPRAKNING", (169.2, 0.019), [[169.2 * 0.019]]),
    ("UPPRAKNING", (col(8598.0, None, 1008.0), 0.019), [[8598.0 * 0.019], [""], [1008.0 * 0.019]]),
    ("UPPRAKNING", (169.2, None, 2021.0), [[169.2 * 0.019]]),
    ("UPPRAKNING_KEDJA", (100.0, col(0.02, 0.03), 2021.0),
     [["År", "Sats", "Ingående", "Uppräkning", "Utgående"], [2021, 0.02, 100.0, 2.0, 102.0],
      [2022, 0.03, 102.0, 3.06, 105.06]]),
    ("UPPRAKNING_KEDJA_SLUT", (100.0, ((0.02, 0.03),)), [[105.06]]),
    ("INDEXSATS_VAGD", (0.03, 0.015, 0.6), [[0.024]]),
    ("OMSTALLNING", (col(5.0, 45.0), col(7.0, 118.0), col("RS", "HSN")),
     [["Nämnd", "Budgetreducering", "Underskottshantering", "Summa omställning", "Ramförändring"],
      ["RS", 5.0, 7.0, 12.0, -5.0], ["HSN", 45.0, 118.0, 163.0, -45.0], ["Summa", 50.0, 125.0, 175.0, -50.0]]),
    ("OMSTALLNING_PROCENT", (424.43, 0.01, 3.0), [[float(Decimal("424.43") * Decimal("0.03"))]]),
    ("OMSTALLNING_PROCENT", (424.43, 0.01, 3.0, "Ränta på ränta"),
     [[float(Decimal("424.43") * (1 - Decimal("0.99") ** 3))]]),
    ("AVKASTNINGSKRAV", (190.0, 0.01, 3.0), [[5.7]]),
    ("TILLFALLIG_REDUCERING", (5279.0, 0.004), [[21.116]]),
    ("TILLFALLIG_REDUCERING", (5279.0, NA), [["#XLMODEL: argument 'andel': cellen innehåller felvärdet #N/A"]]),
]

# The follow-up functions (udfs.followup). Worked cases: the delårsrapport augusti 2021
# (plan t.o.m. augusti 175 × 8/12; Regionstyrelsen −2 008 against −1 911 and −1 901;
# omställning 94 of 117) and Regionstyrelsens underlag 2020 (landstingsstyrelsen 2018:
# −169 mkr = 5,2 % of a budget of about 3 250).
CALLS += [
    ("BUDGET_PERIOD", (175.0, 8.0), [[175 * 8 / 12]]),
    ("BUDGET_PERIOD", (-5400.0, 8.0, 0.65), [[-5400 * 0.65]]),
    ("BUDGET_PERIOD", (175.0, 13.0), [["#XLMODEL: argument 'manader': 13 månader: ange 1-12"]]),
    ("AVVIKELSE", (-2008.0, -1911.0), [[-97.0, -97 / 1911]]),
    ("AVVIKELSE", (-3419.0, -3250.0), [[-169.0, -0.052]]),
    ("AVVIKELSE", (5.0, 0.0), [[5.0, ""]]),
    ("AVVIKELSE", (NA, -1911.0), [["#XLMODEL: argument 'utfall': cellen innehåller felvärdet #N/A"]]),
    ("KOSTNADSUTVECKLING", (-2008.0, -1901.0), [[2008 / 1901 - 1]]),
    ("KOSTNADSUTVECKLING", (-3.0, 4.0),
     [["#XLMODEL: argument 'utfall_foregaende': utfallen har olika tecken eller är 0: ingen utveckling att räkna"]]),
    ("ANDEL_UPPNADD", (94.0, 117.0), [[94 / 117]]),
    ("ANDEL_UPPNADD", (94.0, 0.0), [["#XLMODEL: argument 'plan': planen t.o.m. perioden är 0: ingen andel att räkna"]]),
]


@pytest.mark.parametrize(("name", "args", "expected"), CALLS, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(CALLS)])
def test_call_like_excel(xl, name, args, expected):
    result = h.call_like_excel(getattr(xl, name), *args)
    assert h.com_return_problems(result) == []
    assert len(result) == len(expected) and all(len(r) == len(e) for r, e in zip(result, expected))
    for r_row, e_row in zip(result, expected):
        for r, e in zip(r_row, e_row):
            if isinstance(e, float):
                assert r == pytest.approx(e, rel=1e-14, abs=1e-12)
            else:
                assert r == e and type(r) is type(e)


def test_every_function_is_called_like_excel():
    import udfs

    from xlmodel.excel import EXCEL_ONLY  # RAMTABELL and XLMODEL_FEL: their own test files

    assert {n for n, _, _ in CALLS} == set(function_names()) - set(EXCEL_ONLY)


def test_macros_need_a_workbook_and_take_no_arguments(xl):
    for name in ("RAMTABELL_UPPDATERA", "RULLA_FRAM"):
        info = getattr(xl, name).__xlfunc__
        assert info["sub"] is True and info["args"] == []


# --------------------------------------------------------------------------- workbooks/

_CALL = re.compile(r"^(?P<name>[A-Z_]+)\((?P<args>[^()]*)\)$")


def _udf_cells():
    """(workbook, sheet, cell, formula) for every cell of the shipped workbooks whose
    formula is a call of one of our functions."""
    import udfs
    from xlmodel.workbook.cells import PackageCells

    names = set(function_names())
    found = []
    for path in sorted(WORKBOOKS.glob("*.xls[xm]")):
        cells = PackageCells.open(path)
        for sheet in cells.sheet_names():
            for ref, cell in cells.cells(sheet).items():
                m = _CALL.match((cell.formula or "").replace("_xludf.", ""))
                if m and m["name"] in names:
                    found.append((path.name, sheet, ref, cell.formula))
    return found


UDF_CELLS = _udf_cells()


def test_the_shipped_workbooks_call_our_functions():
    assert {name for _, _, _, f in UDF_CELLS for name in [f.split("(")[0]]} >= {"BALANSKRAV", "BALANSKRAV_UTREDNING"}


def _excel_value(cells, sheet: str, arg: str):
    """An argument as COM passes it: a cell's value, or a range as row tuples."""
    from xlmodel.xlsx.cellref import format_range, make_ref, parse_range

    def one(ref):
        v = cells.value(sheet, ref)
        if isinstance(v, Decimal):
            return float(v)
        if type(v).__name__ == "ExcelError":
            return CellError(str(v))
        return v

    r1, c1, r2, c2 = parse_range(arg.replace("$", ""))
    if (r1, c1) == (r2, c2):
        return one(make_ref(r1, c1))
    assert format_range(r1, c1, r2, c2)
    return tuple(tuple(one(make_ref(r, c)) for c in range(c1, c2 + 1)) for r in range(r1, r2 + 1))


@pytest.mark.parametrize(
    ("book", "sheet", "ref", "formula"),
    UDF_CELLS,
    ids=[f"{b}!{s}!{r}" for b, s, r, _ in UDF_CELLS],
)
def test_workbook_udf_cells_hold_what_the_function_returns(xl, book, sheet, ref, formula):
    from xlmodel.workbook.cells import PackageCells
    from xlmodel.xlsx.cellref import make_ref, split_ref

    cells = PackageCells.open(WORKBOOKS / book)
    m = _CALL.match(formula.replace("_xludf.", ""))
    args = [a.strip() for a in m["args"].split(",")] if m["args"].strip() else []
    result = h.call_like_excel(getattr(xl, m["name"]), *[_excel_value(cells, sheet, a) for a in args])
    row0, col0 = split_ref(ref)
    for i, row in enumerate(result):               # a spilled result is compared cell by cell
        for j, want in enumerate(row):
            stored = cells.value(sheet, make_ref(row0 + i, col0 + j))
            if isinstance(want, float):
                assert stored == excel_precision(Decimal(repr(want))), (i, j)
            else:
                assert (stored if stored is not None else "") == want, (i, j)
