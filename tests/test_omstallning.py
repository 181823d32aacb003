"""Omställning: absolute cuts (budgetreducering vs underskottshantering), percentage
cuts (additive vs compounding), avkastningskrav and temporary withholding."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xlmodel.errors import InputError
from xlmodel.findings import Severity
from xlmodel.money import parse_amount, parse_rate, round_half_up
from xlmodel.rules.omstallning import (
    OmstallningAction,
    OmstallningPart,
    OmstallningPlan,
    avkastningskrav,
    cumulative_cut_share,
    cut_amount,
    percentage_cut_path,
    reduced_frame,
    summarize_omstallning,
    temporary_withholding,
    unreduced_frame,
)

D = Decimal
SEED003 = Path(__file__).parent / "data" / "seed003" / "omstallning_2022.toml"


def _seed003() -> dict:
    with SEED003.open("rb") as fh:
        return tomllib.load(fh)


# ----------------------------------------------------------------- absolute cuts

def plan_2021(**kw) -> OmstallningPlan:
    """Seed 000 lines 2558-2567: RS 5 + 7, HSN 45 + 118."""
    return OmstallningPlan(
        year=2021,
        parts=[
            OmstallningPart(row="RS", label="Regionstyrelsen", budgetreducering=D(5), underskottshantering=D(7)),
            OmstallningPart(row="HSN", label="Hälso- och sjukvårdsnämnden", budgetreducering=D(45),
                            underskottshantering=D(118)),
        ],
        **kw,
    )


def test_seed000_2021_split():
    res = summarize_omstallning(plan_2021(announced_total=D(175), announced_budgetreducering=D(50)))
    assert [(r.row, r.total) for r in res.rows] == [("RS", D(12)), ("HSN", D(163))]
    assert (res.budgetreducering, res.underskottshantering, res.total) == (D(50), D(125), D(175))
    assert res.findings == []
    changes = res.frame_changes()
    assert [(c.row, c.kind, c.amount) for c in changes] == [("RS", "omstallning", D(-5)), ("HSN", "omstallning", D(-45))]


def test_underskottshantering_is_not_a_frame_change():
    res = summarize_omstallning(
        OmstallningPlan(year=2021, parts=[OmstallningPart(row="X", label="X", budgetreducering=D(0),
                                                          underskottshantering=D(30))])
    )
    assert res.frame_changes() == []
    assert res.total == D(30)


def test_stated_totals_that_disagree_are_findings():
    res = summarize_omstallning(plan_2021(announced_total=D(176), announced_budgetreducering=D(50)))
    assert [(f.rule, f.expected, f.found, f.severity) for f in res.findings] == [
        ("omstallning.summa", D(176), D(175), Severity.WARNING)
    ]


def test_seed003_hsn_2022_152_and_action_table():
    data = _seed003()
    plan = OmstallningPlan(
        year=data["year"],
        parts=[OmstallningPart(row=p["row"], label=p["label"],
                               budgetreducering=parse_amount(p["budgetreducering"], argument="budgetreducering"),
                               underskottshantering=parse_amount(p["underskottshantering"], argument="u"))
               for p in data["parts"]],
        actions=[OmstallningAction(id=a["id"], label=a["label"], amount=parse_amount(a["amount"], argument="a"))
                 for a in data["actions"]],
        announced_total=parse_amount(data["published"]["total"], argument="total"),
    )
    res = summarize_omstallning(plan)
    assert res.total == D(152) and res.budgetreducering == D(45) and res.underskottshantering == D(107)
    assert res.actions_total == D(152)
    assert res.findings == []
    # an action table that misses a line is caught
    short = summarize_omstallning(plan.model_copy(update={"actions": plan.actions[:-1]}))
    assert [(f.rule, f.expected, f.found) for f in short.findings] == [("omstallning.atgarder", D(152), D(146))]


def test_negative_cut_or_duplicate_nämnd_is_an_input_error():
    with pytest.raises(InputError) as err:
        summarize_omstallning(OmstallningPlan(year=2021, parts=[OmstallningPart(row="RS", label="RS",
                                                                                budgetreducering=D(-5))]))
    assert err.value.argument == "budgetreducering[RS]"
    with pytest.raises(InputError, match="två gånger"):
        summarize_omstallning(OmstallningPlan(year=2021, parts=[
            OmstallningPart(row="RS", label="RS", budgetreducering=D(5)),
            OmstallningPart(row="RS", label="RS", budgetreducering=D(1)),
        ]))


# ----------------------------------------------------------------- percentage cuts

def test_cumulative_shares_seed002():
    r = D("0.01")
    assert [cumulative_cut_share(r, k) for k in (0, 1, 2, 3)] == [D(0), D("0.01"), D("0.02"), D("0.03")]
    assert cumulative_cut_share(r, 3, "compounding") == D(1) - D("0.99") ** 3 == D("0.029701")
    assert reduced_frame(D("424.43"), r, 3) == D("424.43") * D("0.97")
    assert round_half_up(unreduced_frame(D("411.7"), r, 3), 2) == D("424.43")
    assert round_half_up(cut_amount(unreduced_frame(D("411.7"), r, 3), r, 3), 1) == D("12.7")


def test_bad_cut_arguments():
    with pytest.raises(InputError, match="okänd metod"):
        cumulative_cut_share(D("0.01"), 1, "linear")  # type: ignore[arg-type]
    with pytest.raises(InputError):
        cumulative_cut_share(D("-0.01"), 1)
    with pytest.raises(InputError):
        cumulative_cut_share(D("0.01"), -1)
    with pytest.raises(InputError, match="hela ramen"):
        cumulative_cut_share(D("0.2"), 5)


small_rates = st.decimals(min_value=D("0.0001"), max_value=D("0.05"), places=4, allow_nan=False)
frames = st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2, allow_nan=False)


@given(r=small_rates, k=st.integers(min_value=0, max_value=10))
def test_additive_cut_is_never_smaller_than_compounding(r, k):
    add = cumulative_cut_share(r, k, "additive")
    comp = cumulative_cut_share(r, k, "compounding")
    assert add == k * r
    assert comp == 1 - (1 - r) ** k
    if k <= 1:
        assert add == comp
    else:
        assert add > comp


@given(frame=frames, r=small_rates, k=st.integers(min_value=0, max_value=10),
       method=st.sampled_from(["additive", "compounding"]))
def test_unreduced_inverts_reduced(frame, r, k, method):
    back = reduced_frame(unreduced_frame(frame, r, k, method), r, k, method)
    assert abs(back - frame) <= D("1e-20") * frame


def test_forward_path_from_an_unreduced_base():
    p = percentage_cut_path(indexed_anchor=D(100), anchor_year=2019, years=[2019, 2020, 2021, 2022],
                            cut_rate=D("0.01"), first_cut_year=2020, uplift_rates=D("0.03"))
    assert [c.k for c in p.years] == [0, 1, 2, 3]
    assert p.year(2019).reduced == D(100)
    assert p.year(2020).reduced == D("103.00") * D("0.99")
    assert p.year(2021).indexed == D("106.0900")
    assert p.year(2021).reduced == D("106.0900") * D("0.98")
    assert p.year(2022).cut == D("109.272700") * D("0.03")
    with pytest.raises(InputError, match="saknas för år 2021"):
        percentage_cut_path(indexed_anchor=D(100), anchor_year=2019, years=[2021], cut_rate=D("0.01"),
                            first_cut_year=2020, uplift_rates={2020: D("0.03")})


def test_avkastningskrav_on_revenues():
    # a revenue-financed unit with 190 mkr revenues: 1 % per year, 3 % by 2022 = 5,7
    assert avkastningskrav(D(190), D("0.01"), 3) == D("5.70")
    assert avkastningskrav(D(190), D("0.01"), 3, "compounding") < D("5.70")


# ----------------------------------------------------------------- temporary withholding

def test_seed003_temporary_withholding():
    w = _seed003()["withholding"]
    res = temporary_withholding(parse_amount(w["frame"], argument="ram"), parse_rate(w["rate"], argument="andel"))
    assert res.rate == D("0.004")
    assert res.withheld == D("21.116")
    assert round_half_up(res.withheld, 1) == D("21.1")
    assert res.areas_opening == D("5257.884")
    assert res.returned == res.withheld
    assert res.net_effect_year == 0 and res.carried_to_next_year == 0
    with pytest.raises(InputError):
        temporary_withholding(D(5279), D("-0.004"))
