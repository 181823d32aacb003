"""Balanskravsutredning (xlmodel.rules.balanskrav): seed 004 and the sign rules."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xlmodel.errors import InputError
from xlmodel.findings import Severity
from xlmodel.rules.balanskrav import (
    BalanskravInput,
    balanskravsresultat,
    balanskravsutredning,
    balanskravsutredning_rows,
    parse_year,
)

D = Decimal
# Copies of the seed tables (the source documents' tables) these tests compare with.
SEED_DIR = Path(__file__).resolve().parent / "data" / "seed-tables"

# Verbatim copy of seed-tables/dr2021_balanskravsutredning.csv (seed 004, Delårsrapport
# augusti 2021, lines 2367-2402) so the test runs where the shared folder is absent.
DR2021_BALANSKRAV_CSV = """\
row_id,post,mkr,source_lines
arets_resultat,Prognos årets resultat i resultaträkningen,869,2384
red_realisationsvinster,Reducering av samtliga realisationsvinster,0,2386
just_realisationsvinster,Justering för realisationsvinster enligt undantagsmöjlighet,,2388
just_realisationsforluster,Justering för realisationsförluster enligt undantagsmöjlighet,,2390
orealiserade,Orealiserade vinster och förluster i värdepapper,-716,2392
aterforing_orealiserade,Justering för återföring av orealiserade vinster och förluster i värdepapper,15,2394
resultat_efter_just,Årets resultat efter balanskravsjusteringar,168,2396
reservering_rur,Reservering av medel till resultatutjämningsreserv,,2398
anvandning_rur,Användning av medel från resultatutjämningsreserv,,2400
balanskravsresultat,Balanskravsresultat,168,2402
"""

# seed row_id -> our input field (the input lines only; the two totals are outputs)
INPUT_ROWS = {
    "arets_resultat": "arets_resultat",
    "red_realisationsvinster": "realisationsvinster",
    "just_realisationsvinster": "undantag_vinster",
    "just_realisationsforluster": "undantag_forluster",
    "orealiserade": "orealiserade",
    "aterforing_orealiserade": "aterforing",
    "reservering_rur": "reservering",
    "anvandning_rur": "anvandning",
}


def seed_rows() -> dict[str, dict[str, str]]:
    return {r["row_id"]: r for r in csv.DictReader(io.StringIO(DR2021_BALANSKRAV_CSV))}


def test_embedded_copy_matches_shared_seed_table():
    path = SEED_DIR / "dr2021_balanskravsutredning.csv"
    assert path.read_text(encoding="utf-8") == DR2021_BALANSKRAV_CSV


def seed_004_input() -> BalanskravInput:
    rows = seed_rows()
    # Blank cells ("-" printed) go in as blanks: the model reads them as 0.
    return BalanskravInput(**{field: rows[row_id]["mkr"] for row_id, field in INPUT_ROWS.items()})


def test_seed_004_reproduces_168():
    rows = seed_rows()
    u = balanskravsutredning(seed_004_input(), 2021)
    assert u.resultat_efter_justeringar == D(rows["resultat_efter_just"]["mkr"])  # 869 + 0 − 716 + 15
    assert u.balanskravsresultat == D(rows["balanskravsresultat"]["mkr"])
    assert u.resultat_efter_justeringar == D(168) and u.balanskravsresultat == D(168)
    assert u.findings == ()


def test_seed_004_labels_are_the_printed_ones_for_2021():
    """From line 2 on, our Swedish labels are exactly what the 2021 report prints (line 1
    says 'Prognos årets resultat' in a delårsrapport)."""
    printed = [r["post"] for r in seed_rows().values()]
    ours = [label for label, _ in balanskravsutredning(seed_004_input(), 2021).rows()]
    assert ours[1:] == printed[1:]
    assert ours[0] == "Årets resultat enligt resultaträkningen"


def test_rows_are_in_law_order_with_printed_signs():
    u = balanskravsutredning(seed_004_input(), 2021)
    assert [line.number for line in u.lines] == ["1", "2", "3", "4", "5", "6", "=", "7", "8", "="]
    assert [amount for _, amount in u.rows()] == [D(869), 0, 0, 0, D(-716), D(15), D(168), 0, 0, D(168)]
    assert [line.is_total for line in u.lines].count(True) == 2


def test_reserve_label_follows_the_regime_of_the_year():
    inp = BalanskravInput(arets_resultat=10)
    labels_2025 = [label for label, _ in balanskravsutredning(inp, 2025).rows()]
    assert "Reservering av medel till resultatreserv" in labels_2025
    assert "Användning av medel från resultatreserv" in labels_2025
    labels_none = [label for label, _ in balanskravsutredning(inp).rows()]
    assert "Reservering av medel till resultatutjämningsreserv / resultatreserv" in labels_none


def test_before_2019_the_older_wording_is_used():
    labels = [label for label, _ in balanskravsutredning(BalanskravInput(arets_resultat=10), 2018).rows()]
    assert "Orealiserade förluster i värdepapper" in labels
    assert "Justering för återföring av orealiserade förluster i värdepapper" in labels


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("realisationsvinster", 12),
        ("undantag_vinster", -3),
        ("undantag_forluster", -4),
        ("reservering", 50),
        ("anvandning", -20),
    ],
)
def test_implausible_sign_is_reported_and_value_used_as_given(field, value):
    u = balanskravsutredning(BalanskravInput(arets_resultat=100, **{field: value}), 2021)
    assert len(u.findings) == 1
    f = u.findings[0]
    assert (f.rule, f.severity, f.field, f.found) == ("balanskrav.tecken", Severity.WARNING, field, D(value))
    label = next(line.label for line in u.lines if line.key == field)
    assert f"'{label}'" in f.message
    assert u.balanskravsresultat == D(100) + D(value)


@pytest.mark.parametrize(("field", "value"), [("realisationsvinster", -12), ("reservering", -50), ("anvandning", 20),
                                             ("undantag_vinster", 3), ("orealiserade", -716), ("aterforing", 15)])
def test_plausible_signs_give_no_finding(field, value):
    assert balanskravsutredning(BalanskravInput(arets_resultat=100, **{field: value}), 2021).findings == ()


def test_before_2019_net_unrealised_gain_is_implausible():
    u = balanskravsutredning(BalanskravInput(arets_resultat=100, orealiserade=-30, aterforing=5), 2018)
    assert {f.field for f in u.findings} == {"orealiserade", "aterforing"}


def test_strict_mode_raises_instead():
    with pytest.raises(InputError) as exc:
        balanskravsutredning(BalanskravInput(arets_resultat=100, reservering=50), 2021, strict=True)
    assert exc.value.rule == "balanskrav.tecken"
    assert exc.value.argument == "reservering"
    assert "Reservering av medel till resultatutjämningsreserv" in exc.value.message


def test_scalar_function_accepts_swedish_text_and_blanks():
    # seed 004 as a controller would type it: en dash minus, blanks, a lone dash for zero
    assert balanskravsresultat("869", "0", None, "", "\u2212716", "15", "–", None) == D(168)
    assert balanskravsresultat(869, orealiserade=-716, aterforing=15) == D(168)
    assert balanskravsresultat("1 234,5", year=2021) == D("1234.5")


def test_rows_function_from_raw_values():
    rows = balanskravsutredning_rows(869, 0, None, None, "-716", 15, year=2021)
    assert rows[-1] == ("Balanskravsresultat", D(168))
    assert rows[6] == ("Årets resultat efter balanskravsjusteringar", D(168))
    assert len(rows) == 10


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"arets_resultat": None}, "arets_resultat"),
        ({"arets_resultat": 5, "orealiserade": "#N/A"}, "orealiserade"),
        ({"arets_resultat": True}, "arets_resultat"),
        ({"arets_resultat": 5, "reservering": "fem"}, "reservering"),
        ({"arets_resultat": 5, "okand_rad": 1}, "okand_rad"),
    ],
)
def test_bad_input_raises_input_error_naming_the_argument(kwargs, argument):
    with pytest.raises(InputError) as exc:
        BalanskravInput(**kwargs)
    assert exc.value.argument == argument
    assert exc.value.rule == "balanskrav"


def test_year_without_parameters_is_an_error():
    with pytest.raises(InputError) as exc:   # the balance requirement applies from FY2000
        balanskravsutredning(BalanskravInput(arets_resultat=1), 1999)
    assert exc.value.rule == "parametrar"


@pytest.mark.parametrize("bad", [True, "tjugo", 2021.5, 21.0 * 1000 * 1000, None])
def test_parse_year_refuses_non_years(bad):
    with pytest.raises(InputError):
        parse_year(bad, argument="ar")


def test_parse_year_accepts_excel_values():
    assert parse_year(2021.0, argument="ar") == 2021
    assert parse_year(" 2021 ", argument="ar") == 2021


amounts = st.decimals(min_value=-10_000, max_value=10_000, places=2, allow_nan=False, allow_infinity=False)


@given(st.lists(amounts, min_size=8, max_size=8))
def test_totals_are_the_sums_of_the_signed_lines(values):
    fields = list(INPUT_ROWS.values())
    u = balanskravsutredning(BalanskravInput(**dict(zip(fields, values))), 2021)
    assert u.resultat_efter_justeringar == sum(values[:6], D(0))
    assert u.balanskravsresultat == sum(values, D(0))
    # every sign finding names a line whose sign is one the law does not print
    for f in u.findings:
        assert f.rule == "balanskrav.tecken" and f.found != 0
