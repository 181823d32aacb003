"""Index uplift: scalar, chained, composite, exclusion and differentiated rates."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xlmodel.errors import InputError
from xlmodel.findings import Severity
from xlmodel.rules.uplift import (
    IndexItem,
    chained_factor,
    chained_uplift,
    composite_rate,
    default_rate,
    differentiated_uplift,
    index_base,
    resolve_rate,
    uplift_amount,
    uplifted,
)

D = Decimal

rates = st.decimals(min_value=D("-0.05"), max_value=D("0.15"), places=4, allow_nan=False, allow_infinity=False)
amounts = st.decimals(min_value=D("-1000"), max_value=D("100000"), places=2, allow_nan=False, allow_infinity=False)


def test_scalar_uplift_on_prior_frame():
    # seed 000 tandvård: 169,2 × 1,9 % = 3,2148 (printed 3,2); after the +10 it would be 3,4048
    assert uplift_amount(D("169.2"), D("0.019")) == D("3.2148")
    assert uplift_amount(D("179.2"), D("0.019")) == D("3.4048")
    assert uplifted(D("169.2"), D("0.019")) == D("172.4148")


@pytest.mark.parametrize("bad", [D("1.9"), D("1"), D("-1"), D("-2")])
def test_rate_typed_as_percent_is_refused(bad):
    with pytest.raises(InputError) as err:
        uplift_amount(D(100), bad)
    assert err.value.argument == "indexsats"
    assert "utanför" in err.value.message


def test_default_rate_from_dated_parameters():
    assert default_rate(2021) == D("0.019")
    assert resolve_rate(None, 2021) == D("0.019")
    assert resolve_rate(D("0.025"), 2021) == D("0.025")
    assert default_rate(2021, series="index.lone_och_prisforandring.vasternorrland") == D("0.030")
    assert default_rate(2019, series="index.lone_och_prisforandring.vasternorrland") == D("0.028")
    with pytest.raises(InputError) as err:
        default_rate(2030)
    assert err.value.rule == "parametrar"


def test_chained_uplift_over_plan_years():
    c = chained_uplift(D(100), {2021: D("0.02"), 2022: D("0.03"), 2023: D("0.01")})
    assert [y.year for y in c.years] == [2021, 2022, 2023]
    assert [y.uplift for y in c.years] == [D("2.00"), D("3.0600"), D("1.050600")]
    assert c.years[1].opening == c.years[0].closing
    assert c.closing == D("106.110600")
    assert c.factor == D("1.02") * D("1.03") * D("1.01")
    assert c.total_uplift == c.closing - D(100)


def test_chained_uplift_takes_missing_rates_from_parameters():
    series = "index.lone_och_prisforandring.vasternorrland"
    c = chained_uplift(D(100), {2020: None, 2021: None}, series=series)
    assert [y.rate for y in c.years] == [D("0.030"), D("0.030")]
    assert c.closing == D(100) * D("1.03") * D("1.03")


def test_chained_uplift_needs_consecutive_years():
    with pytest.raises(InputError, match="saknar 2022"):
        chained_uplift(D(100), {2021: D("0.02"), 2023: D("0.02")})
    with pytest.raises(InputError):
        chained_uplift(D(100), {})


@given(base=amounts, rs=st.lists(rates, min_size=1, max_size=8))
def test_chained_equals_repeated_scalar(base, rs):
    c = chained_uplift(base, {2020 + i: r for i, r in enumerate(rs)})
    level = base
    for r in rs:
        level = uplifted(level, r)
    assert c.closing == level
    # Σ yearly uplifts and base × Π(1 + r) agree up to Decimal's 28-digit context
    tol = D("1e-15") * max(D(1), abs(base))
    assert abs(sum((y.uplift for y in c.years), D(0)) - c.total_uplift) <= tol
    assert abs(c.closing - base * chained_factor(rs)) <= D("1e-15") * max(D(1), abs(base))


def test_composite_rate_as_in_the_state_plo():
    # 60 % wages at 3,0 % less 0,5 % productivity, 40 % prices at 1,5 %
    r = composite_rate(wage_index=D("0.030"), price_index=D("0.015"), wage_share=D("0.6"),
                       productivity_deduction=D("0.005"))
    assert r == D("0.6") * D("0.025") + D("0.4") * D("0.015")
    assert r == D("0.0210")
    plain = composite_rate(wage_index=D("0.030"), price_index=D("0.015"), wage_share=D("0.6"))
    assert plain == D("0.0240")
    # the deduction weighs with the wage share only
    assert plain - r == D("0.6") * D("0.005")
    assert composite_rate(wage_index=D("0.03"), price_index=D("0.01"), wage_share=D(1)) == D("0.03")
    assert composite_rate(wage_index=D("0.03"), price_index=D("0.01"), wage_share=D(0)) == D("0.01")


@pytest.mark.parametrize("share", [D("-0.1"), D("1.1")])
def test_composite_rate_refuses_a_share_outside_0_1(share):
    with pytest.raises(InputError) as err:
        composite_rate(wage_index=D("0.03"), price_index=D("0.01"), wage_share=share)
    assert err.value.argument == "loneandel"


def test_index_base_excludes_rows():
    # seed 000: 8 598 − pensions 1 008 − avskrivningar 417 = 7 173; × 1,9 % = 136,287 ≈ 137
    base = index_base(D(8598), [D(1008), D(417)])
    assert base == D(7173)
    assert uplift_amount(base, D("0.019")) == D("136.287")


def test_differentiated_rates_and_exclusions():
    res = differentiated_uplift(
        [
            IndexItem(id="HSN", base=D(5017), rate=D("0.0199")),
            IndexItem(id="ovrigt", base=D("284.8")),  # default rate
            IndexItem(id="pension", base=D(1008), rate=D("0.05"), indexed=False),
        ],
        default_rate=D("0.019"),
    )
    assert res.amount("HSN") == D("99.8383")
    assert res.amount("ovrigt") == D("5.4112")
    assert res.amount("pension") == 0
    assert res.items[2].rate is None
    assert res.total == D("105.2495")
    assert res.residual is None and res.findings == []


def test_announced_total_residual_is_reported_not_fudged():
    items = [IndexItem(id="a", base=D(1000), rate=D("0.019")), IndexItem(id="b", base=D(510))]
    res = differentiated_uplift(items, default_rate=D("0.019"), announced_total=D(29), subject="SUMMA")
    assert res.total == D("28.69") and res.residual == D("0.31")
    # 29 printed as an integer covers 28,5..29,5: a residual within rounding is INFO
    f = res.findings[0]
    assert (f.rule, f.severity, f.subject, f.expected, f.found) == (
        "upprakning.residual", Severity.INFO, "SUMMA", D(29), D("28.69"))
    assert res.amount("a") == D("19.000")  # the rows are not scaled to fit
    # 28,8 printed with one decimal covers 28,75..28,85: 28,69 is outside, a WARNING
    off = differentiated_uplift(items, default_rate=D("0.019"), announced_total=D("28.8"))
    assert off.findings[0].severity is Severity.WARNING
    one_decimal = differentiated_uplift(items, default_rate=D("0.019"), announced_total=D("28.7"))
    assert one_decimal.findings[0].severity is Severity.INFO
    # exactly half a unit (28,5 against a printed 29) is not "within"
    half = differentiated_uplift([IndexItem(id="a", base=D(1500))], default_rate=D("0.019"), announced_total=D(29))
    assert half.residual == D("0.5") and half.findings[0].severity is Severity.WARNING
    exact = differentiated_uplift(items, default_rate=D("0.019"), announced_total=D("28.69"))
    assert exact.findings == [] and exact.residual == 0


def test_duplicate_item_is_an_input_error():
    with pytest.raises(InputError):
        differentiated_uplift([IndexItem(id="a", base=D(1)), IndexItem(id="a", base=D(2))], default_rate=D("0.01"))
