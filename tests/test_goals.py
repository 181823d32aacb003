"""Resultatbudget identities and financial goals (xlmodel.rules.goals), seeds 000 and 002."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest

from xlmodel.errors import InputError
from xlmodel.findings import Severity
from xlmodel.money import round_half_up
from xlmodel.rules.goals import (
    STATUS_MET,
    STATUS_NOT_MET,
    FinancialGoal,
    ResultatbudgetYear,
    check_resultatbudget,
    evaluate_goal,
)

D = Decimal
# Copies of the seed tables (the source documents' tables) these tests compare with.
SEED_DIR = Path(__file__).resolve().parent / "data" / "seed-tables"

# Verbatim copies of seed-tables/vb2021_resultatbudget.csv (seed 000, lines 2755-2791) and
# vn_resultatbudget_2018_2022.csv (seed 002, lines 1715-1783).
VB_CSV = """\
row_id,post,unit,bokslut_2019,budget_2020,budget_2021,plan_2022,plan_2023,plan_2024,column_basis,source_lines
nettoram,Verksamhetens nettoram,mkr,-8620,-8598,-8771,-8838,-9088,-9324,,2759
varav_reducering,- varav budgetreducering/omställning,mkr,,100,50,50,,,3 values placed 2020-2022 (omställningsplan 2020-2022; 2021 = 50 per prose 2585-2588; identity Δnettoram = reducering + lpik + exkl lpik gives 2022 = 49≈50 and 2023/2024 = 0/1≈0),2761
varav_lpik,- varav budgetökning för löner och priser (lpik),mkr,,0,-137,-139,-170,-197,5 values = 2020-2024 (2021 = -137 per prose 2579),2763
varav_exkl_lpik,- varav budgetförändring exkl lpik,mkr,,-391,-86,23,-80,-40,5 values = 2020-2024 (2021 = -86 = Utökad budget column total in frame table),2765
nettokostnadsutv_pct,- budgeterad nettokostnadsutveckling,pct,,5.7,2.0,0.8,2.8,2.6,"5 values = 2020-2024 (2021 = 2,0 % per prose 2658)",2767
skatteintakter,Skatteintäkter,mkr,6599,6736,6750,6967,7196,7431,,2769
gen_statsbidrag,Generella statsbidrag,mkr,1692,2048,2203,2243,2269,2289,,2771
summa_skatter_sb,Summa skatter och statsbidrag,mkr,8290,8784,8953,9210,9465,9720,,2773
utv_skatter_sb_pct,- Utveckling skatter och statsbidrag,pct,,6.0,1.9,2.9,2.8,2.7,"5 values = 2020-2024, verified by year-on-year growth of Summa skatter och statsbidrag",2775
verks_resultat,Verksamhetens resultat,mkr,-330,186,182,372,377,396,,2777
verks_resultat_pct,Procent av skatter och statsbidrag (verksamhetens resultat),pct,-4.0,2.1,2.0,4.0,4.0,4.1,,2779
fin_kostnader,Finansiella kostnader,mkr,-151,-162,-144,-180,-213,-230,,2781
fin_intakter,Finansiella intäkter,mkr,147,120,120,120,120,120,,2783
orealiserade,Orealiserade vinster,mkr,559,,,,,,single value = Bokslut 2019 (finansnetto 2019: -151 + 147 + 559 = 555),2785
finansnetto,Summa finansnetto,mkr,555,-42,-24,-60,-93,-110,,2787
resultat,Resultat inklusive finansnetto,mkr,225,144,158,312,284,286,,2789
resultat_pct,Procent av skatter och statsbidrag (resultat),pct,2.7,1.6,1.8,3.4,3.0,2.9,,2791
"""
VN_CSV = """\
row_id,post,bokslut_2018,budget_2019,budget_2020,plan_2021,plan_2022,source_lines
ext_netto_fore_avskr,Verksamhetens externa nettokostnader (före avskrivningar),-7304,-7418,-7643,-7847,-7995,1765
avskrivningar,Avskrivningar,-209,-227,-224,-229,-236,1767
ext_netto,Verksamhetens externa nettokostnader,-7513,-7645,-7867,-8076,-8231,1769
skatteintakter,Skatteintäkter,5972,6064,6175,6342,6519,1771
gen_sb,Generella statsbidrag och utjämning,1576,1708,1769,1786,1807,1773
verks_resultat,Verksamhetens resultat,35,127,77,52,95,1775
fin_intakter,Finansiella intäkter,49,57,79,88,96,1777
fin_kostnader,Finansiella kostnader,-68,-87,-102,-128,-140,1779
resultat_efter_fin,Resultat efter finansiella poster,16,97,54,12,51,1781
arets_resultat,Årets resultat,16,97,54,12,51,1783
"""

VB_COLUMNS = {"bokslut_2019": 2019, "budget_2020": 2020, "budget_2021": 2021, "plan_2022": 2022,
              "plan_2023": 2023, "plan_2024": 2024}
VN_COLUMNS = {"bokslut_2018": 2018, "budget_2019": 2019, "budget_2020": 2020, "plan_2021": 2021,
              "plan_2022": 2022}


def table(text: str) -> dict[str, dict[str, str]]:
    return {r["row_id"]: r for r in csv.DictReader(io.StringIO(text))}


@pytest.mark.parametrize(("name", "text"), [("vb2021_resultatbudget.csv", VB_CSV),
                                            ("vn_resultatbudget_2018_2022.csv", VN_CSV)])
def test_embedded_copies_match_shared_seed_tables(name, text):
    path = SEED_DIR / name
    assert path.read_text(encoding="utf-8") == text


def vb_years() -> list[ResultatbudgetYear]:
    t = table(VB_CSV)
    return [
        ResultatbudgetYear(
            year=year, label=col.replace("_", " ").capitalize(),
            nettoram=t["nettoram"][col], skatteintakter=t["skatteintakter"][col],
            generella_statsbidrag=t["gen_statsbidrag"][col], summa_skatter_statsbidrag=t["summa_skatter_sb"][col],
            verksamhetens_resultat=t["verks_resultat"][col],
            verksamhetens_resultat_procent=t["verks_resultat_pct"][col],
            finansiella_kostnader=t["fin_kostnader"][col], finansiella_intakter=t["fin_intakter"][col],
            orealiserade=t["orealiserade"][col], finansnetto=t["finansnetto"][col],
            resultat=t["resultat"][col], resultat_procent=t["resultat_pct"][col],
        )
        for col, year in VB_COLUMNS.items()
    ]


def vn_years() -> list[ResultatbudgetYear]:
    t = table(VN_CSV)
    return [
        ResultatbudgetYear(
            year=year, label=col.replace("_", " ").capitalize(),
            nettoram=t["ext_netto"][col], nettokostnad_fore_avskrivningar=t["ext_netto_fore_avskr"][col],
            avskrivningar=t["avskrivningar"][col], skatteintakter=t["skatteintakter"][col],
            generella_statsbidrag=t["gen_sb"][col], verksamhetens_resultat=t["verks_resultat"][col],
            finansiella_intakter=t["fin_intakter"][col], finansiella_kostnader=t["fin_kostnader"][col],
            resultat=t["resultat_efter_fin"][col], arets_resultat=t["arets_resultat"][col],
        )
        for col, year in VN_COLUMNS.items()
    ]


# --- identities -------------------------------------------------------------------------


def test_seed_000_resultatbudget_2019_2024_reconciles_except_one_rounding():
    checks = check_resultatbudget(vb_years())
    findings = [f for c in checks for f in c.findings]
    # the one documented difference: 6 599 + 1 692 = 8 291, printed 8 290 (INDEX check 1)
    assert [(f.rule, f.severity, f.subject, f.field, f.expected, f.found) for f in findings] == [
        ("resultatbudget.avrundning", Severity.INFO, "Bokslut 2019", "summa_skatter_statsbidrag", D(8291), D(8290))]
    by_year = {c.year: c for c in checks}
    # computed from the rows' operands
    assert by_year[2021].summa_skatter_statsbidrag == 8953
    assert by_year[2021].verksamhetens_resultat == 182
    assert by_year[2021].finansnetto == -24
    assert by_year[2021].resultat == 158
    assert by_year[2019].finansnetto == 555          # −151 + 147 + 559
    assert [by_year[y].resultat for y in range(2019, 2025)] == [225, 144, 158, 312, 284, 286]


def test_seed_002_resultatbudget_2018_2022_reconciles():
    checks = check_resultatbudget(vn_years())
    assert [f for c in checks for f in c.findings] == []
    assert [c.resultat for c in checks] == [16, 97, 54, 12, 51]
    assert [c.verksamhetens_resultat for c in checks] == [35, 127, 77, 52, 95]


def test_a_misprinted_total_is_an_error_and_a_one_off_is_rounding():
    year = vb_years()[2]   # Budget 2021
    wrong = year.model_copy(update={"resultat": D(168)})
    findings = check_resultatbudget([wrong])[0].findings
    (finding,) = [f for f in findings if f.field == "resultat"]
    assert (finding.rule, finding.severity, finding.expected) == ("resultatbudget.identitet", Severity.ERROR, 158)
    # 168 / 8 953 = 1,88 % would print 1,9 against the printed 1,8: one unit, rounding
    assert [(f.field, f.severity) for f in findings if f is not finding] == [("resultat_procent", Severity.INFO)]
    assert "10" in finding.message
    off_by_one = year.model_copy(update={"verksamhetens_resultat": D(183)})
    rules = sorted(f.rule for f in check_resultatbudget([off_by_one])[0].findings)
    # 183 vs 182 is rounding; downstream rows use the printed 183, so resultat 158 ≠ 159 is rounding too
    assert rules == ["resultatbudget.avrundning", "resultatbudget.avrundning"]


def test_a_wrong_percent_is_reported():
    year = vb_years()[2].model_copy(update={"resultat_procent": D("2.5")})
    (finding,) = check_resultatbudget([year])[0].findings
    assert (finding.field, finding.severity, finding.expected) == ("resultat_procent", Severity.ERROR, D("1.8"))


def test_duplicate_years_refused():
    y = vb_years()[0]
    with pytest.raises(InputError):
        check_resultatbudget([y, y])


# --- goals ------------------------------------------------------------------------------


def test_seed_000_resultatmal_per_year_and_over_the_period():
    """'minst 1–3 procent' of skatter och statsbidrag, verksamhetens resultat, 2020–2023."""
    goal = FinancialGoal(name="Resultatmål", measure="verksamhetens_resultat", min_share="1 %",
                         years=[2020, 2021, 2022, 2023])
    results, findings = evaluate_goal(goal, vb_years())
    r2021 = next(r for r in results if r.period == "2021")
    assert (r2021.amount, r2021.base) == (182, 8953)
    assert round_half_up(r2021.share * 100, 1) == D(table(VB_CSV)["verks_resultat_pct"]["budget_2021"])  # 2,0 %
    assert round_half_up(r2021.required_min, 1) == D("89.5")
    assert [r.status for r in results] == [STATUS_MET] * 4 and findings == []
    r2022 = next(r for r in results if r.period == "2022")
    assert round_half_up(r2022.share * 100, 1) == D("4.0")    # 372 / 9 210

    long_term = FinancialGoal(name="Långsiktigt resultatmål", measure="verksamhetens_resultat",
                              min_share=D("0.03"), years=[2021, 2022])
    results, findings = evaluate_goal(long_term, vb_years())
    assert round_half_up(results[0].required_min, 1) == D("268.6")
    assert [r.status for r in results] == [STATUS_NOT_MET, STATUS_MET]
    assert [f.rule for f in findings] == ["finansiella_mal.ej_uppfyllt"] and findings[0].subject == "2021"

    period = FinancialGoal(name="Resultatmål", measure="verksamhetens_resultat", min_share=D("0.01"),
                           years=[2020, 2021, 2022, 2023], over_period=True)
    (whole,), _ = evaluate_goal(period, vb_years())
    assert whole.period == "2020–2023"
    assert (whole.amount, whole.base) == (186 + 182 + 372 + 377, 8784 + 8953 + 9210 + 9465)
    assert whole.status == STATUS_MET


def test_seed_002_two_percent_goal_is_not_met():
    goal = FinancialGoal(name="God ekonomisk hushållning", measure="arets_resultat", min_share="2 %",
                         years=[2020, 2021, 2022])
    results, findings = evaluate_goal(goal, vn_years())
    r2020 = results[0]
    assert r2020.base == 6175 + 1769
    assert r2020.required_min == D("158.88")                      # "cirka 160 miljoner kronor"
    assert round_half_up(r2020.required_min, 1) == D("158.9")
    assert [r.status for r in results] == [STATUS_NOT_MET] * 3
    assert len(findings) == 3 and all(f.severity is Severity.WARNING for f in findings)
    assert "158,9 mkr" in findings[0].message

    period = goal.model_copy(update={"over_period": True})
    (whole,), _ = evaluate_goal(period, vn_years())
    assert whole.amount == 54 + 12 + 51
    assert round_half_up(whole.average_amount) == 39                # printed "40 miljoner kronor i genomsnitt"
    assert round_half_up(whole.share * 100, 1) == D("0.5")          # printed "0,5 procent"
    assert whole.status == STATUS_NOT_MET


def test_goal_with_a_maximum_and_bad_goals():
    cap = FinancialGoal(name="Tak", measure="resultat", max_share=D("0.03"), years=[2022, 2023, 2024])
    results, _ = evaluate_goal(cap, vb_years())
    # 312/9 210 = 3,39 %; 284/9 465 = 3,0005 % (just above: exact, not the printed 3,0); 286/9 720 = 2,94 %
    assert [r.status for r in results] == [STATUS_NOT_MET, STATUS_NOT_MET, STATUS_MET]
    with pytest.raises(InputError):
        FinancialGoal(name="x", measure="resultat")
    with pytest.raises(InputError):
        FinancialGoal(name="x", measure="resultat", min_share=D("0.03"), max_share=D("0.01"))
    with pytest.raises(InputError) as exc:
        FinancialGoal(name="x", measure="resultat", min_share=2)         # 200 %: a typo for 2 %
    assert exc.value.argument == "min_share"
    with pytest.raises(InputError):
        evaluate_goal(FinancialGoal(name="x", measure="resultat", min_share="1 %", years=[2030]), vb_years())
