"""Arguments as controllers type them (issue: "the Excel add-in on a controller's own
PC"), each called through xlwings' own converters as the COM server calls the function
(xlmodel.testing.xlwings_harness): what Excel hands over (floats, None for a blank, a
tuple of row tuples for a range) in, what xlwings writes back out."""

from __future__ import annotations

import pytest

from xlmodel.testing import xlwings_harness as h

YEARS = (2019.0, 2020.0, 2021.0, 2022.0)
RESULTS = (-333.0, -203.0, 158.0, 312.0)


def col(*values):
    return tuple((v,) for v in values)


def row(*values):
    return (tuple(values),)


@pytest.fixture(scope="module")
def xl():
    module, _ = h.load_udf_module("udfs")
    return module


def call(xl, name, *args):
    result = h.call_like_excel(getattr(xl, name), *args)
    assert h.com_return_problems(result) == []
    return result


def message(result):
    assert len(result) == 1 and len(result[0]) == 1 and isinstance(result[0][0], str), result
    return result[0][0]


# --------------------------------------------------------------------------- synnerliga skäl

NO_DECISION_LEDGER = [
    ["Underskottsår", "Underskott", "Återställt", "Avskrivet (synnerliga skäl)", "Kvar att återställa", "Sista år", "Status"],
    [2019, 333.0, 333.0, 0.0, 0.0, 2022, "återställd"],
    [2020, 203.0, 137.0, 0.0, 66.0, 2023, "öppen"],
]


@pytest.mark.parametrize("no", [0.0, "0", "–", "-", "nej", "Nej", "inget", "0,0", None])
def test_no_decision_in_synnerliga_skal_as_controllers_write_it(xl, no):
    """The column filled for every year, surplus years included: no decision anywhere."""
    got = call(xl, "ATERSTALLNING", col(*YEARS), col(*RESULTS), col(no, no, no, no))
    assert got == NO_DECISION_LEDGER


@pytest.mark.parametrize("no", [0.0, "0", "–", "nej", None])
def test_zero_or_dash_in_forlangt_till_is_no_extension(xl, no):
    got = call(xl, "ATERSTALLNING", col(*YEARS), col(*RESULTS), None, col(no, no, no, no))
    assert got == NO_DECISION_LEDGER


def test_a_decision_beside_no_decisions_still_counts(xl):
    got = call(xl, "ATERSTALLNING", col(*YEARS), col(*RESULTS), col(0.0, "hela", "–", "nej"), col("nej", 0.0, 0.0, "–"))
    assert got[2] == [2020, 203.0, 0.0, 203.0, 0.0, 2023, "avskriven"]


def test_an_error_cell_in_the_decision_column_is_not_a_no_decision(xl):
    got = call(xl, "ATERSTALLNING", col(*YEARS), col(*RESULTS), col(h.CellError("#N/A"), None, None, None))
    assert message(got) == "#XLMODEL: argument 'synnerliga_skal', värde nr 1: cellen innehåller felvärdet #N/A"


def test_a_write_off_larger_than_the_deficit_is_refused_not_capped(xl):
    got = call(xl, "ATERSTALLNING", col(*YEARS), col(*RESULTS), col(400.0, None, None, None))
    assert message(got) == (
        "#XLMODEL: argument 'synnerliga_skal', värde nr 1: beslutet skriver av 400 mkr men bara 333 mkr var kvar "
        "av underskottet från 2019; ange högst det beloppet, eller \"hela\"")
    exact = call(xl, "ATERSTALLNING", col(*YEARS), col(*RESULTS), col(333.0, None, None, None))
    assert exact[1] == [2019, 333.0, 0.0, 333.0, 0.0, 2022, "avskriven"]


# --------------------------------------------------------------------------- BALANSKRAV

@pytest.mark.parametrize("args", [(None,), (None, 0.0, None, None, 0.0, "0", 0.0, "–"), ("",)])
def test_balanskrav_of_a_year_without_figures_is_blank(xl, args):
    """Formulas filled down into future years: blank, as BALANSKRAV_KOLUMN gives."""
    assert call(xl, "BALANSKRAV", *args) == [[""]]
    assert call(xl, "BALANSKRAV_UTREDNING", *args) == [[""]]


def test_balanskrav_kolumn_gives_blank_for_the_same_rows(xl):
    got = call(xl, "BALANSKRAV_KOLUMN", col(869.0, None, None), col(0.0, 0.0, None), None, None,
               col(-716.0, 0.0, None), col(15.0, "–", None))
    assert got == [[168.0], [""], [""]]


def test_blank_arets_resultat_beside_an_amount_is_an_error(xl):
    assert message(call(xl, "BALANSKRAV", None, -12.0)) == (
        "#XLMODEL: argument 'arets_resultat': värde saknas (tom cell), ett belopp krävs")


UTREDNING = (869.0, 0.0, None, None, -716.0, 15.0, None, None)  # delårsrapport aug 2021, nr 1-8


@pytest.mark.parametrize("shape", [col, row], ids=["kolumn", "rad"])
def test_balanskrav_over_the_utredning_s_own_column_or_row(xl, shape):
    assert call(xl, "BALANSKRAV", shape(*UTREDNING)) == [[168.0]]
    spilled = call(xl, "BALANSKRAV_UTREDNING", shape(*UTREDNING))
    assert spilled[-1] == ["Balanskravsresultat", 168.0]


def test_an_utredning_range_of_the_wrong_length_or_with_more_arguments_is_refused(xl):
    assert message(call(xl, "BALANSKRAV", col(*UTREDNING[:7]))) == (
        "#XLMODEL: argument 'arets_resultat': området har 7 celler; ange en cell, eller balanskravsutredningens "
        "8 rader (nr 1–8) som en kolumn eller en rad")
    assert message(call(xl, "BALANSKRAV", col(*UTREDNING), 5.0)) == (
        "#XLMODEL: argument 'arets_resultat': arets_resultat är ett område med utredningens 8 rader; "
        "lämna då de andra argumenten tomma")
    bad = list(UTREDNING)
    bad[4] = "abc"
    assert message(call(xl, "BALANSKRAV", col(*bad))) == (
        "#XLMODEL: argument 'arets_resultat', värde nr 5: 'abc' är inget tal")


def test_signs_in_the_utredning_stay_the_user_s(xl):
    """A realised loss on the realisationsvinster line is written positive by some
    published utredningar: it is added as written, never sign-corrected."""
    assert call(xl, "BALANSKRAV", 100.0, 7.0) == [[107.0]]
    assert call(xl, "BALANSKRAV", 100.0, -7.0) == [[93.0]]


# --------------------------------------------------------------------------- OMSTALLNING

def test_omstallning_takes_cuts_as_the_sheets_write_them(xl):
    positive = call(xl, "OMSTALLNING", col(5.0, 45.0), col(7.0, 118.0), col("RS", "HSN"))
    negative = call(xl, "OMSTALLNING", col(-5.0, -45.0), col(-7.0, -118.0), col("RS", "HSN"))
    text = call(xl, "OMSTALLNING", col("−5", "–45"), col("−7", "−118"), col("RS", "HSN"))
    assert positive == negative == text
    assert positive[-1] == ["Summa", 50.0, 125.0, 175.0, -50.0]


def test_omstallning_refuses_both_signs_in_one_column(xl):
    got = call(xl, "OMSTALLNING", col(-5.0, 45.0))
    assert message(got).startswith("#XLMODEL: argument 'budgetreducering', värde nr 2: blandade tecken i kolumnen")


# --------------------------------------------------------------------------- rates

def test_upprakning_of_100_percent_gets_no_did_you_mean_1_percent(xl):
    got = message(call(xl, "UPPRAKNING", 1000.0, "100 %"))
    assert got == ("#XLMODEL: argument 'sats': andelen 100 % går inte: en andel ska vara större än -100 % "
                   "och mindre än 100 %")
    assert "skrev du" not in got
    assert "skrev du 1,9 i stället för 1,9 %?" in message(call(xl, "UPPRAKNING", 1000.0, 1.9))


def test_tillfallig_reducering_refuses_0_4_meant_as_0_4_percent(xl):
    got = message(call(xl, "TILLFALLIG_REDUCERING", 5279.0, 0.4))
    assert got == ("#XLMODEL: argument 'andel': andelen 40 % är orimligt stor för en tillfällig reducering "
                   "(högst 10 %); menade du 0,4 %? Skriv \"0,4 %\" eller 0,004")
    assert call(xl, "TILLFALLIG_REDUCERING", 5279.0, "0,4 %") == [[pytest.approx(21.116)]]
    assert call(xl, "TILLFALLIG_REDUCERING", 5279.0, 0.1) == [[pytest.approx(527.9)]]  # the limit itself
