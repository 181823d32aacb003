"""Reserve room and use (xlmodel.rules.reserves)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlmodel import params
from xlmodel.errors import InputError
from xlmodel.findings import Severity
from xlmodel.rules.reserves import (
    REGIME_RESULTATRESERV,
    REGIME_RUR,
    ReserveRoomInput,
    ReserveUseInput,
    reserve_room,
    reserve_use,
)

D = Decimal
# Copies of the seed tables (the source documents' tables) these tests compare with.
SEED_DIR = Path(__file__).resolve().parent / "data" / "seed-tables"

# Verbatim rows of seed-tables/vb2021_resultatbudget.csv (seed 000 lines 2769-2789) and
# dr2021_balansrakning.csv (seed 004 lines 2931, 2963-2966).
VB_CSV = """\
row_id,post,unit,bokslut_2019,budget_2020,budget_2021,plan_2022,plan_2023,plan_2024,column_basis,source_lines
skatteintakter,Skatteintäkter,mkr,6599,6736,6750,6967,7196,7431,,2769
gen_statsbidrag,Generella statsbidrag,mkr,1692,2048,2203,2243,2269,2289,,2771
summa_skatter_sb,Summa skatter och statsbidrag,mkr,8290,8784,8953,9210,9465,9720,,2773
resultat,Resultat inklusive finansnetto,mkr,225,144,158,312,284,286,,2789
"""
BR_CSV = """\
row_id,post,koncern_2021_08_31,koncern_2020_12_31,regionen_2021_08_31,regionen_2020_12_31,source_lines
summa_ek,Summa eget kapital,3381,2356,3355,2331,2931
ansvarsf_pension,Pensionsförpliktelser som inte tagits upp bland skulderna eller avsättningarna (Not 12),4992,4934,4992,4934,2963-2966
"""


def table(text: str) -> dict[str, dict[str, str]]:
    return {r["row_id"]: r for r in csv.DictReader(io.StringIO(text))}


@pytest.mark.parametrize(("name", "text"), [("vb2021_resultatbudget.csv", VB_CSV),
                                            ("dr2021_balansrakning.csv", BR_CSV)])
def test_embedded_rows_match_shared_seed_tables(name, text):
    path = SEED_DIR / name
    shared = path.read_text(encoding="utf-8").splitlines()
    for line in text.splitlines():
        assert line in shared


def vb_2021(**extra) -> ReserveRoomInput:
    vb = table(VB_CSV)
    return ReserveRoomInput(
        year=2021,
        arets_resultat=vb["resultat"]["budget_2021"],
        resultat_efter_justeringar=vb["resultat"]["budget_2021"],   # no unrealised items budgeted
        skatteintakter=vb["skatteintakter"]["budget_2021"],
        generella_statsbidrag=vb["gen_statsbidrag"]["budget_2021"],
        **extra,
    )


def test_vasterbotten_2021_room_with_the_1_percent_limit():
    room = reserve_room(vb_2021(eget_kapital_inkl_ansvarsforbindelse=1))
    assert room.base == D(table(VB_CSV)["summa_skatter_sb"]["budget_2021"]) == D(8953)
    assert room.threshold == D("89.53")
    assert room.room == D("68.47")                     # 158 − 89,53
    assert (room.regime, room.bound_by, room.cap) == (REGIME_RUR, "1 %-gränsen", None)
    keys = {p.key: p for p in room.parameters}
    assert set(keys) == {"reserv.regim", "reserv.grans_andel"}
    assert "11 kap. 14 §" in keys["reserv.grans_andel"].reference
    assert room.findings == ()


def test_vasterbotten_2021_with_its_balance_sheet_uses_2_percent():
    """Eget kapital 2 331 − ansvarsförbindelse 4 934 (31 dec 2020, regionen) is negative, so
    the 2 % limit applies: 2 % × 8 953 = 179,06 > 158 and there is no room."""
    br = table(BR_CSV)
    equity = D(br["summa_ek"]["regionen_2020_12_31"]) - D(br["ansvarsf_pension"]["regionen_2020_12_31"])
    room = reserve_room(vb_2021(eget_kapital_inkl_ansvarsforbindelse=equity))
    assert (room.share, room.threshold, room.room) == (D("0.02"), D("179.06"), 0)
    assert room.bound_by == "resultatet överstiger inte 2 %-gränsen"
    assert "reserv.grans_andel_negativt_ek" in {p.key for p in room.parameters}


def test_unknown_equity_uses_1_percent_with_an_info_finding():
    room = reserve_room(vb_2021())
    assert room.room == D("68.47")
    assert [(f.rule, f.severity) for f in room.findings] == [("reserv.eget_kapital", Severity.INFO)]


def test_the_lower_of_the_two_results_counts():
    room = reserve_room(vb_2021(eget_kapital_inkl_ansvarsforbindelse=1).model_copy(
        update={"resultat_efter_justeringar": D(120)}))
    assert room.lower_result == 120 and room.room == D("30.47")


def test_open_deficits_deducted_only_when_configured():
    assert reserve_room(vb_2021(open_deficits=50)).room == D("68.47")
    room = reserve_room(vb_2021(open_deficits=50, deduct_open_deficits=True))
    assert (room.room, room.bound_by, room.deficit_deduction) == (D("18.47"), "ej återställda underskott", 50)
    assert reserve_room(vb_2021(open_deficits=500, deduct_open_deficits=True)).room == 0


def test_planned_reservation_above_room_is_an_error_finding():
    room = reserve_room(vb_2021(eget_kapital_inkl_ansvarsforbindelse=1, planned_reservation=70))
    assert [(f.rule, f.severity, f.expected) for f in room.findings] == [
        ("reserv.utrymme", Severity.ERROR, D("68.47"))]
    assert "68,47" in room.findings[0].message
    assert reserve_room(vb_2021(eget_kapital_inkl_ansvarsforbindelse=1, planned_reservation="68,47")).findings == ()


def base_2025(**extra) -> ReserveRoomInput:
    values = dict(year=2025, arets_resultat=900, resultat_efter_justeringar=900, skatteintakter=8000,
                  generella_statsbidrag=2000, eget_kapital_inkl_ansvarsforbindelse=10)
    values.update(extra)
    return ReserveRoomInput(**values)


def test_from_2024_the_resultatreserv_is_capped_at_5_percent():
    free = reserve_room(base_2025())
    assert free.room_over_threshold == 800          # 900 − 1 % × 10 000
    assert (free.regime, free.cap, free.room, free.bound_by) == (REGIME_RESULTATRESERV, 500, 500,
                                                                 "taket för resultatreserven")
    assert "reserv.tak_andel" in {p.key for p in free.parameters}
    partly_full = reserve_room(base_2025(resultatreserv_balance=450))
    assert (partly_full.cap_room, partly_full.room) == (50, 50)
    not_cap = reserve_room(base_2025(arets_resultat=300, resultatreserv_balance=100))
    assert (not_cap.room, not_cap.bound_by) == (200, "1 %-gränsen")


def test_old_rur_outside_the_cap_by_default_inside_when_configured():
    assert reserve_room(base_2025(resultatreserv_balance=300, rur_balance=150)).room == 200
    inside = reserve_room(base_2025(resultatreserv_balance=300, rur_balance=150, rur_inside_cap=True))
    assert inside.room == 50


def test_reserve_above_the_cap_gives_zero_room_and_a_warning_and_planned_is_reserv_tak():
    room = reserve_room(base_2025(resultatreserv_balance=600, planned_reservation=10))
    assert room.room == 0
    assert [f.rule for f in room.findings] == ["reserv.tak", "reserv.tak"]
    assert [f.severity for f in room.findings] == [Severity.WARNING, Severity.ERROR]


def test_regime_follows_the_year():
    assert reserve_room(vb_2021()).regime == params.text("reserv.regim", 2021) == REGIME_RUR
    assert reserve_room(base_2025()).regime == REGIME_RESULTATRESERV
    with pytest.raises(InputError):
        reserve_room(vb_2021(resultatreserv_balance=5))   # no resultatreserv in 2021
    with pytest.raises(InputError) as exc:
        reserve_room(base_2025(year=1999))
    assert exc.value.rule == "parametrar"
    with pytest.raises(InputError) as exc:       # no reserve before FY2010 (prop. 2011/12:172)
        reserve_room(base_2025(year=2009))
    assert exc.value.rule == "reserv" and "2010" in exc.value.message


@pytest.mark.parametrize(("field", "value"), [("rur_balance", -1), ("planned_reservation", "-5"),
                                              ("skatteintakter", "tio")])
def test_bad_input(field, value):
    with pytest.raises(InputError) as exc:
        base_2025(**{field: value})
    assert exc.value.argument == field and exc.value.rule == "reserv"


def test_rur_use_only_while_negative_and_up_to_zero():
    use = reserve_use(ReserveUseInput(year=2021, resultat_efter_justeringar=-50, rur_balance=80, planned_use=60))
    assert (use.max_from_rur, use.max_total) == (50, 50)
    assert [(f.rule, f.severity) for f in use.findings] == [("reserv.anvandning", Severity.ERROR)]
    assert reserve_use(ReserveUseInput(year=2021, resultat_efter_justeringar=-50, rur_balance=30)).max_total == 30
    assert reserve_use(ReserveUseInput(year=2021, resultat_efter_justeringar=10, rur_balance=80)).max_total == 0
    with pytest.raises(InputError):
        reserve_use(ReserveUseInput(year=2021, resultat_efter_justeringar=-5, resultatreserv_balance=5))


def test_resultatreserv_use_configurable():
    same = reserve_use(ReserveUseInput(year=2025, resultat_efter_justeringar=-40, rur_balance=30,
                                       resultatreserv_balance=100))
    assert (same.max_from_rur, same.max_from_resultatreserv, same.max_total) == (30, 40, 40)
    guided = reserve_use(ReserveUseInput(year=2025, resultat_efter_justeringar=20, resultatreserv_balance=100,
                                         resultatreserv_use="riktlinjer", guideline_max=60))
    assert (guided.max_from_rur, guided.max_from_resultatreserv, guided.max_total) == (0, 60, 60)
    assert "riktlinjer" in guided.rule_text


money = st.decimals(min_value=-2000, max_value=2000, places=2, allow_nan=False, allow_infinity=False)
positive = st.decimals(min_value=0, max_value=1500, places=2, allow_nan=False, allow_infinity=False)


@settings(max_examples=300)
@given(year=st.sampled_from([2015, 2021, 2023, 2024, 2025, 2030]), result=money, adjusted=money,
       skatt=st.decimals(min_value=1000, max_value=20000, places=0), sb=positive, equity=money,
       balance=positive, rur=positive, deficits=positive, deduct=st.booleans(), inside=st.booleans())
def test_room_never_negative_never_above_limits(year, result, adjusted, skatt, sb, equity, balance, rur,
                                                deficits, deduct, inside):
    regime_2024 = year >= 2024
    room = reserve_room(ReserveRoomInput(
        year=year, arets_resultat=result, resultat_efter_justeringar=adjusted, skatteintakter=skatt,
        generella_statsbidrag=sb, eget_kapital_inkl_ansvarsforbindelse=equity,
        resultatreserv_balance=balance if regime_2024 else 0, rur_balance=rur, rur_inside_cap=inside,
        open_deficits=deficits, deduct_open_deficits=deduct))
    base = skatt + sb
    share = D("0.02") if equity < 0 else D("0.01")
    assert room.room >= 0
    assert room.room <= max(D(0), min(result, adjusted) - share * base)
    if deduct:
        assert room.room <= max(D(0), min(result, adjusted) - share * base - deficits)
    if regime_2024:
        in_cap = balance + (rur if inside else 0)
        cap = D("0.05") * base
        assert room.room <= max(D(0), cap - in_cap)
        if in_cap <= cap:
            assert in_cap + room.room <= cap          # never above the cap
        else:
            assert room.room == 0
    else:
        assert room.cap is None
