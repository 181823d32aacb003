"""Dated legal parameters (xlmodel.params): periods, look-ups by fiscal year, regimes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from xlmodel import params
from xlmodel.errors import InputError
from xlmodel.params import Parameter


def p(key: str, value: str, start: date, end: date | None = None) -> Parameter:
    return Parameter(key=key, value=value, valid_from=start, valid_to=end, reference="test")


def test_overlapping_periods_are_rejected():
    with pytest.raises(ValueError, match="overlapping"):
        params._check_no_overlap([
            p("x", "1", date(2013, 1, 1), date(2023, 12, 31)),
            p("x", "2", date(2023, 1, 1)),
        ])
    with pytest.raises(ValueError, match="overlapping"):   # an open-ended period followed by another
        params._check_no_overlap([p("x", "2", date(2024, 1, 1)), p("x", "1", date(2013, 1, 1))])


def test_adjacent_periods_and_other_keys_are_fine():
    params._check_no_overlap([
        p("x", "1", date(2013, 1, 1), date(2023, 12, 31)),
        p("x", "2", date(2024, 1, 1)),
        p("y", "3", date(2020, 1, 1)),
    ])


def test_shipped_parameters_load_without_overlap_and_with_references():
    loaded = params.all_parameters()
    assert loaded
    assert all(q.reference.strip() for q in loaded)


def test_2021_gets_the_rur_regime_and_2025_the_resultatreserv_with_its_5_percent_cap():
    assert params.text("reserv.regim", 2021) == "resultatutjamningsreserv"
    assert params.text("reserv.regim", 2023) == "resultatutjamningsreserv"
    assert params.text("reserv.regim", 2024) == "resultatreserv"
    assert params.text("reserv.regim", 2025) == "resultatreserv"
    assert params.value("reserv.tak_andel", 2025) == Decimal("0.05")
    assert not params.has("reserv.tak_andel", 2021)
    assert "2022/23:119" in params.lookup("reserv.regim", 2025).reference


def test_lookups_by_year():
    assert params.value("aterstallning.horisont_ar", 2019) == 3
    assert params.value("reserv.grans_andel", 2021) == Decimal("0.01")
    assert params.value("reserv.grans_andel_negativt_ek", 2030) == Decimal("0.02")
    assert params.text("balanskrav.uppstallning", 2018) == "fore_lkbr"
    assert params.text("balanskrav.uppstallning", 2019) == "lkbr"
    assert params.lookup("reserv.regim", 2021).period_sv() == "2010-01-01 – 2023-12-31"


def test_uncovered_year_raises_input_error():
    with pytest.raises(InputError) as exc:
        params.lookup("reserv.regim", 1999)
    assert exc.value.rule == "parametrar" and "1999" in exc.value.message
    with pytest.raises(InputError):
        params.value("finns.inte", 2021)


def test_a_missing_year_is_said_in_words_with_the_years_xlmodel_has():
    def message(key: str, year: int) -> str:
        with pytest.raises(InputError) as exc:
            params.lookup(key, year)
        return exc.value.message

    assert message("index.lpik", 2022) == "ingen publicerad LPIK-sats för 2022 (xlmodel har uppgifter för 2021)"
    assert message("aterstallning.horisont_ar", 1999) == (
        "ingen tidsgräns i kommunallagen för att återställa ett negativt balanskravsresultat för 1999 "
        "(xlmodel har uppgifter för 2000 och senare)")
    assert message("index.lone_och_prisforandring.vasternorrland", 2023).endswith("(xlmodel har uppgifter för 2019–2022)")
    assert message("reserv.tak_andel", 2020) == "inget tak i kommunallagen för resultatreserven för 2020 " \
        "(xlmodel har uppgifter för 2024 och senare)"
    # every shipped key has its words: none is ever shown to a user as a key
    keys = {p.key for p in params.all_parameters()}
    assert keys <= set(params.missing_words())
    assert all(k not in message(k, 1900) for k in keys)


def test_a_parameter_must_cover_the_whole_fiscal_year(monkeypatch):
    mid_year = (p("z", "1", date(2020, 1, 1), date(2021, 6, 30)), p("z", "2", date(2021, 7, 1)))
    monkeypatch.setattr(params, "all_parameters", lambda: mid_year)
    assert params.value("z", 2020) == 1
    assert params.value("z", 2022) == 2
    with pytest.raises(InputError):
        params.lookup("z", 2021)       # a fiscal year runs under one set of rules


def test_values_are_exact_decimals_or_text():
    assert p("x", "0.01", date(2020, 1, 1)).value == Decimal("0.01")
    assert p("x", "resultatreserv", date(2020, 1, 1)).value == "resultatreserv"
    with pytest.raises(TypeError):
        Parameter(key="x", value=0.01, valid_from=date(2020, 1, 1), reference="r")   # floats are refused
    with pytest.raises(TypeError):
        p("x", "text", date(2020, 1, 1)).decimal
