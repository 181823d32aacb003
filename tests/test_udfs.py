"""The Excel functions called as plain Python (``from udfs import ...``): seed figures
computed from the seeds' inputs, and the Swedish message for every kind of bad input.

Through xlwings' own converters (as Excel calls them) see tests/test_udfs_xlwings.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import udfs
from udfs import (
    ATERSTALLNING,
    AVKASTNINGSKRAV,
    BALANSKRAV,
    BALANSKRAV_KOLUMN,
    BALANSKRAV_UTREDNING,
    INDEXSATS_VAGD,
    OMSTALLNING,
    OMSTALLNING_PROCENT,
    RESERVANVANDNING,
    RESERVUTRYMME,
    RESERVER,
    TILLFALLIG_REDUCERING,
    UPPRAKNING,
    UPPRAKNING_KEDJA,
    UPPRAKNING_KEDJA_SLUT,
)
from xlmodel.money import round_half_up

D = Decimal
# Copies of the seed tables (the source documents' tables) these tests compare with.
SEED_DIR = Path(__file__).resolve().parent / "data" / "seed-tables"

# Verbatim rows of the shared seed tables these tests take their inputs from (checked below).
SEEDS = {
    # seed 004 lines 2367-2402: the balanskravsutredning (prognos 2021)
    "dr2021_balanskravsutredning.csv": """\
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
""",
    # seed 000 lines 2769-2789: resultatbudget
    "vb2021_resultatbudget.csv": """\
row_id,post,unit,bokslut_2019,budget_2020,budget_2021,plan_2022,plan_2023,plan_2024,column_basis,source_lines
skatteintakter,Skatteintäkter,mkr,6599,6736,6750,6967,7196,7431,,2769
gen_statsbidrag,Generella statsbidrag,mkr,1692,2048,2203,2243,2269,2289,,2771
resultat,Resultat inklusive finansnetto,mkr,225,144,158,312,284,286,,2789
""",
    # seed 004 lines 2931, 2963-2966: eget kapital and the pension ansvarsförbindelse
    "dr2021_balansrakning.csv": """\
row_id,post,koncern_2021_08_31,koncern_2020_12_31,regionen_2021_08_31,regionen_2020_12_31,source_lines
summa_ek,Summa eget kapital,3381,2356,3355,2331,2931
ansvarsf_pension,Pensionsförpliktelser som inte tagits upp bland skulderna eller avsättningarna (Not 12),4992,4934,4992,4934,2963-2966
""",
    # seed 000 lines 2558-2567 and seed 003 lines 845-846: the omställningsplan
    "vb_omstallningsplan.csv": """\
row_id,post,seed,year,namnd,budgetreducering,underskottshantering,total,source_lines
rs_2021,Regionstyrelsen 2021,000,2021,Regionstyrelsen,5,7,12,2560-2563
hsn_2021,Hälso- och sjukvårdsnämnden 2021,000,2021,Hälso- och sjukvårdsnämnden,45,118,163,2565-2567
total_2021,Omställningsplanen 2021 totalt,000,2021,Region (alla),50,,175,2558-2559
""",
    # seed 002 lines 1613-1637: resursramar (frames after the cut), Västernorrland
    "vn_resursramar_2019_2022.csv": """\
row_id,post,level,parent,footnote,y2019,y2020,y2021,y2022,source_lines
nhu,Nämnden för hållbar utveckling,total,,1,306.0,396.1,403.9,411.7,1613
rs_tandvard,- varav tandvård,varav,rs,10,197.0,199.3,203.2,207.1,1637
""",
}


def seed(name: str) -> dict[str, dict[str, str]]:
    return {r["row_id"]: r for r in csv.DictReader(io.StringIO(SEEDS[name]))}


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_embedded_rows_match_shared_seed_tables(name):
    path = SEED_DIR / name
    shared = path.read_text(encoding="utf-8").splitlines()
    lines = SEEDS[name].splitlines()
    assert lines[0] == shared[0]
    for line in lines[1:]:
        assert line in shared


def printed(x: float, places: int) -> Decimal:
    """A result at a published figure's precision (money.round_half_up, Excel ROUND)."""
    return round_half_up(D(repr(x)), places)


# =========================================================================== seed figures

def utredning_004() -> list[str | None]:
    """The eight input lines of seed 004 as printed (blank = empty cell)."""
    t = seed("dr2021_balanskravsutredning.csv")
    keys = ("arets_resultat", "red_realisationsvinster", "just_realisationsvinster", "just_realisationsforluster",
            "orealiserade", "aterforing_orealiserade", "reservering_rur", "anvandning_rur")
    return [t[k]["mkr"] or None for k in keys]


def test_balanskrav_seed_004_is_168():
    lines = utredning_004()
    published = D(seed("dr2021_balanskravsutredning.csv")["balanskravsresultat"]["mkr"])
    result = BALANSKRAV(*lines)
    assert isinstance(result, float)
    assert D(repr(result)) == published == 168
    # the issue's own example: BALANSKRAV(869, 0, , , -716, 15)
    assert BALANSKRAV(869, 0, None, None, -716, 15) == 168
    # Swedish text as pasted from the PDF: en-dash minus, decimal comma, blanks
    assert BALANSKRAV("869", "0", "", " ", "–716", "15,0") == 168


def test_balanskrav_utredning_spills_ten_rows_in_law_order():
    t = seed("dr2021_balanskravsutredning.csv")
    rows = BALANSKRAV_UTREDNING(*utredning_004(), 2021)
    assert len(rows) == 10 and all(len(r) == 2 for r in rows)
    assert rows[6] == ["Årets resultat efter balanskravsjusteringar", float(t["resultat_efter_just"]["mkr"])]
    assert rows[9] == ["Balanskravsresultat", float(t["balanskravsresultat"]["mkr"])]
    # with the year, the reserve's name of the regime in force (2021: RUR), as printed
    assert rows[7][0] == t["reservering_rur"]["post"] and rows[8][0] == t["anvandning_rur"]["post"]
    # without it, both names (the function cannot know the year)
    assert "/ resultatreserv" in BALANSKRAV_UTREDNING(*utredning_004())[7][0]
    assert all(isinstance(r[1], float) for r in rows)


def test_balanskrav_kolumn_one_call_for_many_rows_and_blank_rows():
    lines = utredning_004()
    columns = [[[x], [None], [None]] for x in lines]
    columns[0][1] = [100]          # a second year with only årets resultat
    result = BALANSKRAV_KOLUMN(*columns)
    assert result == [[BALANSKRAV(*lines)], [100.0], [None]]
    # a row of values gives a row back
    assert BALANSKRAV_KOLUMN([[869, 100]], [[0, None]], None, None, [[-716, None]], [[15, None]]) == [[168.0, 100.0]]


def test_balanskrav_kolumn_takes_the_year_like_balanskrav():
    # The optional year (one for all rows, or one per row) and line 9 come last, so a
    # call with the eight columns gives what it gave before; with them each row is
    # BALANSKRAV(...; ar; anvandning_rur) of that row.
    result = [[10.0], [-5.0], [None]]
    lines = [[[10], [-5], [None]]]
    assert BALANSKRAV_KOLUMN(*lines) == result
    assert BALANSKRAV_KOLUMN(*lines, None, None, None, None, None, None, None, [[2021]]) == result
    years = [[2024], [2024], [None]]
    rur = [[0], [3], [None]]
    assert BALANSKRAV_KOLUMN(*lines, None, None, None, None, None, None, None, years, rur) == [[10.0], [-2.0], [None]]
    assert BALANSKRAV(-5, None, None, None, None, None, None, None, 2024, 3) == -2.0
    # the year's wording: line 9 is refused before 2024, a reserve line before 2010,
    # each naming the row
    msg = BALANSKRAV_KOLUMN(*lines, None, None, None, None, None, None, None, [[2021], [2021], [None]], rur)
    assert msg.startswith("#XLMODEL: argument 'anvandning_rur', värde nr 2: år 2021 finns bara resultatutjämningsreserven")
    msg = BALANSKRAV_KOLUMN(*lines, None, None, None, None, None, [[0], [-1], [None]], None, [[2009]])
    assert msg.startswith("#XLMODEL: argument 'reservering', värde nr 2: år 2009 fanns ingen resultatutjämningsreserv")
    msg = BALANSKRAV_KOLUMN(*lines, None, None, None, None, None, None, None, [[2021], [2021]])
    assert msg == "#XLMODEL: argument 'ar': 2 värden men 'arets_resultat' har 3; områdena måste vara lika långa"


def test_reserve_use_before_2013_is_refused_when_the_year_is_given():
    """FY2010–2012: a surplus could be reserved to a RUR, but the rules on using it apply
    from 2013-01-01 (prop. 2011/12:172). Dated, the functions refuse a use, as validera
    does in a workbook's utredning; undated, they compute as before (no wording chosen)."""
    use = (100, None, None, None, None, None, None, 5)
    for year in (2010, 2011, 2012):
        for fn in (BALANSKRAV, BALANSKRAV_UTREDNING):
            msg = fn(*use, year)
            assert msg.startswith(f"#XLMODEL: argument 'anvandning': år {year} kunde resultatutjämningsreserven "
                                  "inte användas: reglerna gäller från 2013-01-01"), msg
    assert BALANSKRAV(*use) == 105.0 and BALANSKRAV(*use, 2013) == 105.0
    assert BALANSKRAV(100, None, None, None, None, None, -5, None, 2011) == 95.0       # reserving was allowed
    lines = [[[100], [100]], None, None, None, None, None, None, [[5], [5]]]
    assert BALANSKRAV_KOLUMN(*lines, [[2013], [2014]]) == [[105.0], [105.0]]
    msg = BALANSKRAV_KOLUMN(*lines, [[2013], [2012]])
    assert msg.startswith("#XLMODEL: argument 'anvandning', värde nr 2: år 2012 kunde resultatutjämningsreserven")


def test_aterstallning_seed_000_both_deficits_restored_in_time():
    # seed 000: balanskravsresultat 2019 −333 (2706-2722), 2020 forecast −203 (2285-2290),
    # budget/plan 2021-2023 resultat 158, 312, 284 (no unrealised items budgeted, RULES A6)
    res = seed("vb2021_resultatbudget.csv")["resultat"]
    years = [[2019], [2020], [2021], [2022], [2023]]
    results = [[-333], [-203], [res["budget_2021"]], [res["plan_2022"]], [res["plan_2023"]]]
    table = ATERSTALLNING(years, results)
    assert table[0] == list(udfs.functions.ATERSTALLNING_HEADERS)
    assert table[1:] == [
        [2019, 333.0, 333.0, 0.0, 0.0, 2022, "återställd"],
        [2020, 203.0, 203.0, 0.0, 0.0, 2023, "återställd"],
    ]


def test_aterstallning_decisions_with_synnerliga_skal():
    years = [2019, 2020, 2021, 2022]
    results = [-333, 100, 50, 0]
    # without decisions 183 remains after the legal last year 2022
    assert ATERSTALLNING(years, results)[1] == [2019, 333.0, 150.0, 0.0, 183.0, 2022, "försenad"]
    # 183 written off with synnerliga skäl on the deficit's row
    assert ATERSTALLNING(years, results, [183, None, None, None])[1] == [2019, 333.0, 150.0, 183.0, 0.0, 2022,
                                                                         "återställd (delvis avskriven)"]
    # extended to 2024: still open, not overdue
    assert ATERSTALLNING(years, results, None, [2024, None, None, None])[1] == [2019, 333.0, 150.0, 0.0, 183.0,
                                                                               2024, "öppen"]
    # "hela": the whole deficit is not to be restored
    assert ATERSTALLNING([2019, 2020], [-10, 5], ["hela", None])[1] == [2019, 10.0, 0.0, 10.0, 0.0, 2022, "avskriven"]
    # trailing empty rows of a larger range are ignored; no deficit gives the header only
    assert ATERSTALLNING([2021, 2022, None], [5, 6, None]) == [list(udfs.functions.ATERSTALLNING_HEADERS)]


def test_reservutrymme_seed_000_with_1_and_2_percent():
    rb = seed("vb2021_resultatbudget.csv")
    br = seed("dr2021_balansrakning.csv")
    args = (2021, rb["resultat"]["budget_2021"], rb["resultat"]["budget_2021"],
            rb["skatteintakter"]["budget_2021"], rb["gen_statsbidrag"]["budget_2021"])
    assert RESERVUTRYMME(*args) == pytest.approx(68.47, abs=1e-12)       # 158 − 1 % × 8 953
    equity = D(br["summa_ek"]["regionen_2020_12_31"]) - D(br["ansvarsf_pension"]["regionen_2020_12_31"])
    assert equity < 0
    assert RESERVUTRYMME(*args, float(equity)) == 0                       # 2 % × 8 953 = 179,06 > 158
    # from 2024 the resultatreserv is capped at 5 %: 900 − 1 % × 10 000 = 800, cap 500 − 450 = 50
    assert RESERVUTRYMME(2025, 900, 900, 8000, 2000, 10, 450) == 50


def test_reservanvandning_only_up_to_zero():
    assert RESERVANVANDNING(2021, -50, 80) == 50
    assert RESERVANVANDNING(2021, -50, 30) == 30
    assert RESERVANVANDNING(2021, 20, 80) == 0


def test_upprakning_seed_000_tandvard_and_index_base():
    # 169,2 × 1,9 % = 3,2148, printed 3,2 (RULES A2.1)
    assert UPPRAKNING(169.2, 0.019) == pytest.approx(3.2148, abs=1e-12)
    assert printed(UPPRAKNING(169.2, "1,9 %"), 1) == D("3.2")
    # a blank rate takes LPIK for the year from xlmodel's dated parameters (1,9 % in 2021)
    assert UPPRAKNING(169.2, None, 2021) == UPPRAKNING(169.2, 0.019)
    # a column in, a column out, blanks stay blank: index base 8 598 − 1 008 − 417 = 7 173 → 136,3
    column = UPPRAKNING([[8598], [None], [-1008], [-417]], 0.019)
    assert column[1] == [None]
    assert printed(sum(r[0] for r in column if r[0] is not None), 1) == D("136.3")


def test_upprakning_kedja_seed_002_nhu_back_to_the_printed_frames():
    # seed 002 NHU: 2020 frame 396,1 is the indexed frame less 1 %; index 3 % a year;
    # 2021 = indexed × 0,98 (printed 403,9), 2022 = indexed × 0,97 (printed 411,7)
    f = seed("vn_resursramar_2019_2022.csv")["nhu"]
    indexed_2020 = float(D(f["y2020"]) / D("0.99"))
    indexed_2022 = UPPRAKNING_KEDJA_SLUT(indexed_2020, [[0.03], [0.03]])
    indexed_2021 = UPPRAKNING_KEDJA(indexed_2020, [[0.03], [0.03]])[1][4]
    assert printed(indexed_2021 * 0.98, 1) == D(f["y2021"])
    assert printed(indexed_2022 * 0.97, 1) == D(f["y2022"])
    table = UPPRAKNING_KEDJA(100, [0.02, 0.03, 0.01], 2021)
    assert table[0] == ["År", "Sats", "Ingående", "Uppräkning", "Utgående"]
    assert [r[0] for r in table[1:]] == [2021, 2022, 2023]
    assert table[2][2] == table[1][4]          # each year starts from the previous year's level
    assert table[3][4] == pytest.approx(100 * 1.02 * 1.03 * 1.01, rel=1e-15)
    assert UPPRAKNING_KEDJA(100, [0.02])[0][0] == "Steg"


def test_indexsats_vagd_worked_example():
    # 60 % wages at 3,0 % less 0,5 % productivity, 40 % prices at 1,5 %: 2,1 %
    assert INDEXSATS_VAGD(0.03, 0.015, 0.6, 0.005) == pytest.approx(0.021, abs=1e-15)
    assert INDEXSATS_VAGD("3 %", "1,5 %", "60 %") == pytest.approx(0.024, abs=1e-15)


def test_omstallning_seed_000_2021():
    p = seed("vb_omstallningsplan.csv")
    table = OMSTALLNING([[p["rs_2021"]["budgetreducering"]], [p["hsn_2021"]["budgetreducering"]]],
                        [[p["rs_2021"]["underskottshantering"]], [p["hsn_2021"]["underskottshantering"]]],
                        [["RS"], ["HSN"]])
    assert table[0] == list(udfs.functions.OMSTALLNING_HEADERS)
    assert table[1] == ["RS", 5.0, 7.0, float(p["rs_2021"]["total"]), -5.0]
    assert table[2] == ["HSN", 45.0, 118.0, float(p["hsn_2021"]["total"]), -45.0]
    total = p["total_2021"]
    assert table[3] == ["Summa", float(total["budgetreducering"]), 125.0, float(total["total"]),
                        -float(total["budgetreducering"])]


def test_omstallning_procent_seed_002_additive_not_compounding():
    f = seed("vn_resursramar_2019_2022.csv")
    # footnote 1: 411,7 / 0,97 = 424,43 unreduced, 3 % = 12,73 → printed 12,7 (compounding 12,60)
    nhu = float(D(f["nhu"]["y2022"]) / D("0.97"))
    assert printed(OMSTALLNING_PROCENT(nhu, 0.01, 3), 1) == D("12.7")
    assert printed(OMSTALLNING_PROCENT(nhu, "1 %", 3, "ränta på ränta"), 1) == D("12.6")
    assert OMSTALLNING_PROCENT(nhu, 0.01, 3, "Sammansatt") == OMSTALLNING_PROCENT(nhu, 0.01, 3, "ranta")
    # footnote 10: tandvård 207,1 / 0,97 × 3 % = 6,41 → printed 6,4
    tandvard = float(D(f["rs_tandvard"]["y2022"]) / D("0.97"))
    assert printed(OMSTALLNING_PROCENT(tandvard, 0.01, 3), 1) == D("6.4")
    assert OMSTALLNING_PROCENT([[nhu], [None]], 0.01, 0) == [[0.0], [None]]


def test_avkastningskrav_and_tillfallig_reducering():
    assert AVKASTNINGSKRAV(190, 0.01, 3) == pytest.approx(5.7, abs=1e-12)
    assert AVKASTNINGSKRAV(190, 0.01, 3, "sammansatt") < 5.7
    # seed 003 lines 1018-1020: 0,4 % of the decided frame 5 279 withheld and returned: 21,1
    assert printed(TILLFALLIG_REDUCERING(5279, "0,4 %"), 1) == D("21.1")


@given(base=st.decimals(min_value=D("-1e6"), max_value=D("1e6"), places=2, allow_nan=False),
       rates=st.lists(st.decimals(min_value=D("-0.05"), max_value=D("0.10"), places=4, allow_nan=False),
                      min_size=1, max_size=8))
def test_chained_end_equals_the_last_row_of_the_chain_table(base, rates):
    table = UPPRAKNING_KEDJA(float(base), [float(r) for r in rates])
    assert UPPRAKNING_KEDJA_SLUT(float(base), [float(r) for r in rates]) == table[-1][4]
    assert len(table) == len(rates) + 1


@given(values=st.lists(st.one_of(st.none(), st.integers(-10_000, 10_000)), min_size=1, max_size=12))
def test_kolumn_agrees_with_one_call_per_row(values):
    column = [[v] for v in values]
    result = BALANSKRAV_KOLUMN(column, column)
    for v, (r,) in zip(values, result):
        assert r == (None if v is None else BALANSKRAV(v, v))


# =========================================================================== bad input

NA = "#XLMODEL: "
BAD = [
    # (function, arguments, exact message)
    (BALANSKRAV, ("#N/A",), f"{NA}argument 'arets_resultat': cellen innehåller felvärdet #N/A"),
    (BALANSKRAV, (None, 5), f"{NA}argument 'arets_resultat': värde saknas (tom cell), ett belopp krävs"),
    (BALANSKRAV, ("abc",), f"{NA}argument 'arets_resultat': 'abc' är inget tal"),
    (BALANSKRAV, (True,), f"{NA}argument 'arets_resultat': sant/falskt (True) är inget belopp"),
    (BALANSKRAV, (dt.datetime(2021, 8, 31),), f"{NA}argument 'arets_resultat': ett datum (2021-08-31) är inget belopp"),
    (BALANSKRAV, (869, 0, None, None, "#VÄRDEFEL"), f"{NA}argument 'orealiserade': '#VÄRDEFEL' är inget tal"),
    (BALANSKRAV, (869, -2146826243), f"{NA}argument 'realisationsvinster': cellen innehåller felvärdet #SPILL!"),
    (BALANSKRAV, ([[1], [2]],), f"{NA}argument 'arets_resultat': området har 2 celler; ange en cell, eller "
                                "balanskravsutredningens 8 rader (nr 1–8) som en kolumn eller en rad"),
    (BALANSKRAV_UTREDNING, (869, None, None, None, None, None, None, None, "tjugo"),
     f"{NA}argument 'ar': 'tjugo' är inget årtal"),
    (BALANSKRAV_UTREDNING, (869, None, None, None, None, None, None, None, 1800),
     f"{NA}argument 'ar': årtalet 1800 är orimligt"),
    (BALANSKRAV_KOLUMN, ([[1, 2], [3, 4]],),
     f"{NA}argument 'arets_resultat': området har 2 rader och 2 kolumner; ange en kolumn (eller en rad)"),
    (BALANSKRAV_KOLUMN, ([[1], [2]], [[0]]),
     f"{NA}argument 'realisationsvinster': 1 värden men 'arets_resultat' har 2; områdena måste vara lika långa"),
    (BALANSKRAV_KOLUMN, ([[1], [None]], [[0], [5]]),
     f"{NA}argument 'arets_resultat', värde nr 2: värde saknas (tom cell), ett belopp krävs"),
    (BALANSKRAV_KOLUMN, ([[1], ["#N/A"]],), f"{NA}argument 'arets_resultat', värde nr 2: cellen innehåller felvärdet #N/A"),
    (ATERSTALLNING, ([2019, 2020], [-1]),
     f"{NA}argument 'balanskravsresultat': 1 värden men 'ar' har 2; områdena måste vara lika långa"),
    (ATERSTALLNING, ([2020, 2019], [-1, 2]),
     f"{NA}argument 'ar', värde nr 2: år 2019 kommer efter 2020: åren måste vara unika och i stigande ordning"),
    (ATERSTALLNING, ([2019, "20x0"], [-1, 2]), f"{NA}argument 'ar', värde nr 2: '20x0' är inget årtal"),
    (ATERSTALLNING, ([2019, 2020], [-1, "#DIV/0!"]),
     f"{NA}argument 'balanskravsresultat', värde nr 2: cellen innehåller felvärdet #DIV/0!"),
    (ATERSTALLNING, ([[2019, 1], [2020, 2]], [-1, 2]),
     f"{NA}argument 'ar': området har 2 rader och 2 kolumner; ange en kolumn (eller en rad)"),
    (ATERSTALLNING, ([2019, 2020], [-1, 2], [None, 5]),
     f"{NA}argument 'synnerliga_skal', värde nr 2: år 2020 har inget underskott (balanskravsresultat 2 mkr)"),
    (ATERSTALLNING, ([2019, 2020], [-1, 2], [-1, None]),
     f"{NA}argument 'synnerliga_skal', värde nr 1: ange det avskrivna beloppet som ett positivt belopp (eller \"hela\")"),
    (ATERSTALLNING, ([2019, 2020], [-1, 2], None, [2018, None]),
     f"{NA}argument 'forlangt_till', värde nr 1: 2018 ligger inte efter underskottsåret 2019"),
    (ATERSTALLNING, ([None], [None]), f"{NA}argument 'ar': inga år angivna"),
    (RESERVUTRYMME, (2021, 158, 158, 6750, "#REF!"), f"{NA}argument 'statsbidrag_utjamning': cellen innehåller felvärdet #REF!"),
    (RESERVUTRYMME, (2021, 158, 158, 0, 0),
     f"{NA}argument 'skatteintakter': skatteintäkter + generella statsbidrag + utjämning måste vara positivt"),
    (RESERVUTRYMME, (2021, 158, 158, 6750, 2203, None, 10),
     f"{NA}argument 'reserv_saldo': resultatreserv finns inte år 2021 (gäller resultatutjämningsreserv (RUR))"),
    (RESERVUTRYMME, (2025, 900, 900, 8000, 2000, None, -1),
     f"{NA}argument 'reserv_saldo': beloppet ska anges som ett positivt belopp (angivet: −1)"),
    (RESERVANVANDNING, (2021, -50, -80), f"{NA}argument 'rur_saldo': beloppet ska anges som ett positivt belopp (angivet: −80)"),
    (RESERVANVANDNING, (1492, -50), f"{NA}argument 'ar': årtalet 1492 är orimligt"),
    (UPPRAKNING, (100, 1.9), f"{NA}argument 'sats': andelen 1,9 (= 190 %) ligger utanför -100 %..100 % (skrev du 1,9 i stället för 1,9 %?)"),
    (UPPRAKNING, (100, None), f"{NA}argument 'sats': sats saknas; ange en sats eller ett budgetår i argumentet ar"),
    (UPPRAKNING, (100, None, 2030), f"{NA}argument 'ar': ingen publicerad LPIK-sats för 2030 (xlmodel har uppgifter för 2021)"),
    (UPPRAKNING, ([[100], ["x"]], 0.02), f"{NA}argument 'belopp', värde nr 2: 'x' är inget tal"),
    (UPPRAKNING, ([[1], [2, 3]], 0.02), f"{NA}argument 'belopp': raderna i området har olika längd"),
    (UPPRAKNING_KEDJA, (100, [0.02, None]),
     f"{NA}argument 'satser', värde nr 2: satsen saknas; fyll i den eller ange forsta_ar så hämtas LPIK för året"),
    (UPPRAKNING_KEDJA, (100, [[0.02, 0.01], [0.03, 0.01]]),
     f"{NA}argument 'satser': området har 2 rader och 2 kolumner; ange en kolumn (eller en rad)"),
    (UPPRAKNING_KEDJA_SLUT, ("#N/A", [0.02]), f"{NA}argument 'belopp': cellen innehåller felvärdet #N/A"),
    (UPPRAKNING_KEDJA_SLUT, (100, [0.02, None], 2021),
     f"{NA}argument 'ar': ingen publicerad LPIK-sats för 2022 (xlmodel har uppgifter för 2021)"),
    (INDEXSATS_VAGD, (0.03, 0.015, 1.5), f"{NA}argument 'loneandel': löneandelen 1,5 måste ligga mellan 0 och 1"),
    (INDEXSATS_VAGD, (3, 0.015, 0.5), f"{NA}argument 'loneindex': andelen 3 (= 300 %) ligger utanför -100 %..100 % (skrev du 3 i stället för 3 %?)"),
    (OMSTALLNING, ([[5], [45]], [[7]]),
     f"{NA}argument 'underskottshantering': 1 värden men 'budgetreducering' har 2; områdena måste vara lika långa"),
    (OMSTALLNING, ([[-5], [45]],), f"{NA}argument 'budgetreducering', värde nr 2: blandade tecken i kolumnen: värde nr 2 "
     "är positivt och värde nr 1 negativt; skriv besparingarna antingen som positiva belopp eller alla med minustecken "
     "(som i ramtabellen)"),
    (OMSTALLNING, ([[None]],), f"{NA}argument 'budgetreducering': inga belopp angivna"),
    (OMSTALLNING, ([[5]], None, [["#N/A"]]), f"{NA}argument 'namnd', värde nr 1: cellen innehåller felvärdet #N/A"),
    (OMSTALLNING_PROCENT, (100, 0.01, 2.5), f"{NA}argument 'ar_nummer': 2.5 är inget heltal"),
    (OMSTALLNING_PROCENT, (100, 0.01, -1), f"{NA}argument 'ar_nummer': -1 är mindre än 0"),
    (OMSTALLNING_PROCENT, (100, 0.01, 3, "geometrisk"),
     f"{NA}argument 'metod': okänt val 'geometrisk' (ange additiv eller sammansatt)"),
    (OMSTALLNING_PROCENT, (100, 0.01, 3, 7), f"{NA}argument 'metod': ange ett av orden additiv, sammansatt, inte 7"),
    (OMSTALLNING_PROCENT, (100, -0.01, 3), f"{NA}argument 'sats': reduktionssatsen −1 % är negativ"),
    (OMSTALLNING_PROCENT, (100, 0.2, 5), f"{NA}argument 'sats': en ackumulerad reduktion på 100% tar hela ramen"),
    (AVKASTNINGSKRAV, (False, 0.01, 1), f"{NA}argument 'intakter', värde nr 1: sant/falskt (False) är inget belopp"),
    (TILLFALLIG_REDUCERING, (5279, -0.004), f"{NA}argument 'andel': andelen −0,4 % är negativ"),
    (RESERVER, ([[2021], [2022]], [[10], [None]], None),
     f"{NA}argument 'reservering', värde nr 1: raden anges med minustecken som i balanskravsutredningen (angivet: 10)"),
    (RESERVER, ([[2009]], [[-1]], None), f"{NA}argument 'reservering', värde nr 1: år 2009 fanns ingen "
     "resultatutjämningsreserv (från räkenskapsåret 2010)"),
    (RESERVER, ([[2023]], None, None, [[4]]), f"{NA}argument 'anvandning_rur', värde nr 1: år 2023 finns bara "
     "resultatutjämningsreserven: användningen hör till rad 8"),
    (RESERVER, ([[2022], [2021]], None, None), f"{NA}argument 'ar', värde nr 2: år 2021 kommer efter 2022: åren måste vara unika och i stigande ordning"),
    (RESERVER, ([[2024]], [[-1]], None, None, None, -5), f"{NA}argument 'rur_ingaende': ingående reserv ska anges "
     "som ett positivt belopp (angivet: −5)"),
]


@pytest.mark.parametrize(("func", "args", "message"), BAD, ids=[f"{f.__name__}-{i}" for i, (f, _, _) in enumerate(BAD)])
def test_bad_input_gives_one_swedish_line_naming_the_argument(func, args, message):
    assert func(*args) == message


def test_every_function_has_a_bad_input_case():
    covered = {f.__name__ for f, _, _ in BAD}
    functions = set(udfs.functions.__all__) - {"CATEGORY"}
    assert covered == functions


def test_an_unexpected_error_is_a_short_line_not_a_traceback(monkeypatch, caplog):
    import xlmodel.rules.balanskrav as bk

    def broken(*_a, **_k):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(bk, "balanskravsresultat", broken)
    assert BALANSKRAV(1) == "#XLMODEL: internt fel i BALANSKRAV (ZeroDivisionError); se loggen"
    assert "Traceback" in caplog.text and "boom" in caplog.text


def test_results_are_excel_types_never_decimal():
    for value in (BALANSKRAV(1), RESERVUTRYMME(2021, 158, 158, 6750, 2203), UPPRAKNING(100, 0.02)):
        assert type(value) is float and math.isfinite(value)
    for row in ATERSTALLNING([2019, 2020], [-5, 1]) + OMSTALLNING([[5]], [[1]]) + UPPRAKNING_KEDJA(100, [0.01]):
        assert all(type(x) in (int, float, str) for x in row)
    assert str(BALANSKRAV(0, 0, 0, 0, 0, 0, 0, 0)) == "0.0"   # never "-0.0"


def test_import_udfs_is_light():
    """``import udfs`` must not import the rule core (pydantic models) or openpyxl: the
    UDF server imports the module on start, before the first cell is computed."""
    code = ("import sys, udfs; heavy = [m for m in ('xlmodel.rules.balanskrav', 'pydantic', 'openpyxl') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).parent.parent)
    assert out.stdout.strip() == "[]"
