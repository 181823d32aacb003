"""Every fiscal year under its own wording, held against published balanskravsutredningar.

Each published case names the body, the document and the year. Figures are compared at
the published rounding (whole mkr, one decimal mnkr, or tkr as printed). Where no
published case was found for a period, the test says so and checks the rule from the
proposition instead (no invented "published" figures):

- before 2013: no published utredning *with its lines* and a deficit 2005–2012 was found
  through the search available here. The three-year rule of FY2005–2017 is held against
  Jämtlands läns landsting's deficits 2008 and 2009 as its revisorer stated them (a
  newspaper's account: deficits and last years, no lines); the pre-2013 wording against
  Malmö stad's delårsrapport 1 2012 (a forecast) and Göteborgs Stad's 2012 column; the
  reservation of 2010–2012 surpluses made in the 2013 accounts against Göteborg's
  utredning; the two-year rule of FY2000–2004 against prop. 2003/04:105 itself and against
  Gotland's 2001 deficit (balanskravsresultat only, as its fullmäktige minutes give it);
- regions: no published regional *utredning* outside the project's own plans (Region
  Västerbotten, Region Västernorrland, tested elsewhere) was found; Jämtland's landsting is
  held on its deficits only.
"""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal as D

import pytest

from xlmodel.errors import InputError
from xlmodel.money import round_half_up
from xlmodel.rules.balanskrav import BalanskravInput, balanskravsresultat, balanskravsutredning
from xlmodel.rules.reserve_ledger import ReserveYear, reserve_ledger
from xlmodel.rules.reserves import ReserveRoomInput, ReserveUseInput, UseGuidelines, reserve_room, reserve_use
from xlmodel.rules.restoration import Extension, RestorationInput, WriteOff, YearResult, restoration_ledger


def ledger(series, **kw):
    return restoration_ledger(RestorationInput(
        series=tuple(YearResult(year=y, balanskravsresultat=r) for y, r in series), **kw))


# --------------------------------------------------------------------------- FY2000–2004

def test_fy2000_2004_two_year_restoration_and_no_atgardsplan_prop_2003_04_105():
    """Prop. 2003/04:105 (God ekonomisk hushållning i kommuner och landsting): 'Den frist om
    två år som i dag gäller ... föreslås bli förlängd med ytterligare ett år', with an
    åtgärdsplan, applied first to FY2005. A 2003 deficit is due by 2005, a 2005 deficit by 2008."""
    old = ledger([(2003, D(-10)), (2004, 0), (2005, 0), (2006, D(10))])
    d = old.deficit(2003)
    assert (d.legal_deadline, d.restored_late, d.status) == (2005, 10, "återställd för sent")
    assert "KL (1991:900) 8 kap." in next(f.message for f in old.findings if f.rule == "aterstallning.forsenad")
    assert not [f for f in old.findings if f.rule == "aterstallning.atgardsplan"]   # not required before 2005

    new = ledger([(2005, D(-10)), (2006, 0), (2007, 0), (2008, 0), (2009, D(10))])
    assert new.deficit(2005).legal_deadline == 2008
    assert [f.rule for f in new.findings if f.rule == "aterstallning.atgardsplan"] == ["aterstallning.atgardsplan"]


def test_gotland_arsredovisning_2002_the_2001_deficit_due_within_two_years():
    """Gotlands kommun (today Region Gotland), kommunfullmäktige 2003-04-28 § 89 'Årsredovisning
    2002. Ansvarsfrihet' (https://www.gotland.se/9314), mnkr: 'Balanskravsresultatet 2002
    innebär att 45 mnkr av 2001 års negativa balanskravsresultat (-76 mnkr) har reglerats.
    Senast under 2003 ska återstoden, 31 mnkr, återställas.' A published deficit under the
    two-year rule of FY2000–2004: due Y+2 = 2003 (three years would give 2004). The
    document gives the balanskravsresultat, not the utredning's lines."""
    led = ledger([(2001, D(-76)), (2002, D(45))])
    d = led.deficit(2001)
    assert (d.legal_deadline, d.restored_on_time, d.remaining) == (2003, 45, 31)
    assert not led.findings                      # 2003, the last year, is still to come
    late = ledger([(2001, D(-76)), (2002, D(45)), (2003, 0)])
    assert [f.rule for f in late.findings] == ["aterstallning.frist_passerad"]   # 31 left after 2003


# --------------------------------------------------------------------------- FY2005–2009

def test_jamtland_landsting_deficits_2008_and_2009_due_within_three_years():
    """Jämtlands läns landsting (today Region Jämtland Härjedalen), the landsting's revisorer
    on the year 2009 as Länstidningen Östersund reports them, 'Revisorerna kritiserar
    landstinget för att inte ha klarat ekonomin trots omställningsarbetet'
    (https://www.ltz.se/artikel/revisorerna-kritiserar-landstinget-for-att-inte-ha-klarat-ekonomin-trots-omstallningsarbetet),
    mkr: 'Landstinget redovisar ett minus på 26,7 miljoner för 2009' and 'Senast 2011 måste
    landstingets också återställa 2008 års underskott på 72,2 miljoner och senast år 2012
    ytterligare 28,2 miljoner, som avser underskottet 2009, sammanlagt 100,4 miljoner.'
    Published deficits of a landsting under the three-year rule of FY2005–2017 (prop.
    2003/04:105): each due Y+3, where the two-year rule of FY2000–2004 would give 2010 and
    2011. A newspaper's account of the revisorer's report, not the utredning: it gives the
    deficits and their last years, not the lines (årets resultat −26,7 against a deficit of
    28,2; the adjustments between them are not itemised, so none is entered here)."""
    led = ledger([(2008, D("-72.2")), (2009, D("-28.2"))])
    assert [(d.origin_year, d.legal_deadline, d.remaining) for d in led.deficits] == [
        (2008, 2011, D("72.2")), (2009, 2012, D("28.2"))]
    assert led.total_remaining == D("100.4")
    assert not led.findings                      # at the end of 2009 nothing is due yet


def test_no_reserve_lines_before_fy2010():
    with pytest.raises(InputError) as exc:
        balanskravsutredning(BalanskravInput(arets_resultat=50, reservering=-10), 2008)
    assert exc.value.argument == "reservering" and "2010" in exc.value.message
    with pytest.raises(InputError):
        reserve_room(ReserveRoomInput(year=2009, arets_resultat=50, resultat_efter_justeringar=50,
                                      skatteintakter=1000, generella_statsbidrag=0))
    assert balanskravsresultat(-14, -2, year=2008) == -16


# --------------------------------------------------------------------------- FY2010–2012

def test_malmo_delarsrapport_1_2012_pre_2013_wording():
    """Malmö stad, Delårsrapport 1 2012 (redovisningar.malmo.se/DR1_2012), 'Resultat enligt
    balanskrav' 2012 (prognos): årets resultat −14, avgår realisationsvinster −2, justerat
    resultat −16 mkr. 2012 is under the wording before the LKBR and the RUR rules, which
    entered into force 2013-01-01 (reserve usable from 2013)."""
    utr = balanskravsutredning(BalanskravInput(arets_resultat=-14, realisationsvinster=-2), 2012)
    assert utr.balanskravsresultat == -16
    labels = [ln.label for ln in utr.lines]
    assert "Orealiserade förluster i värdepapper" in labels and len(labels) == 10
    use = reserve_use(ReserveUseInput(year=2012, resultat_efter_justeringar=-16, rur_balance=100))
    assert use.max_total == 0 and "2013" in use.rule_text


def test_goteborg_arsredovisning_2014_surpluses_2010_2012_reserved_in_the_2013_accounts():
    """Göteborgs Stad, Årsredovisning 2014, 'Resultaträkning – kommunen' with the
    'Balanskravsutredning' 2012–2014
    (http://arsredovisning.goteborg.se/2014/block-3-goteborgs-kommun-finansiell-analys-och-rakenskaper/resultatrakning/),
    mkr: 2012: 669 − 83 = 586, the reserve lines blank, balanskravsresultat 586.
    2013: 9 595 − 8 905 = 690; 'Medel till resultatutjämningsreserv (RUR) avseende 2010–2012'
    −108 and 'Medel till resultatutjämningsreserv (RUR) avseende 2013' −441; balanskravs-
    resultat 141. 2014: 392 − 392 = 0. The resultaträkning 2013: skatteintäkter 21 806,
    kommunalekonomisk utjämning m m 3 106.
    The RUR rules entered into force 2013-01-01 and surpluses from FY2010 may be reserved
    (prop. 2011/12:172): Göteborg reserved the 2010–2012 part in its 2013 accounts, on a line
    of its own. The 2013 part is the room exactly: 690 − 1 % × 24 912 = 440,88, printed 441
    (with 2 % it would be 191,76: the printed figure shows the 1 % case). The product checks
    each year's room on its own year: the 108 belongs to the rooms of 2010–2012, so the whole
    549 held against 2013's room alone is reported as beyond it (docs/rules.md)."""
    y2012 = balanskravsutredning(BalanskravInput(arets_resultat=669, realisationsvinster=-83), 2012)
    assert (y2012.resultat_efter_justeringar, y2012.balanskravsresultat) == (586, 586)
    y2013 = balanskravsutredning(BalanskravInput(arets_resultat=9595, realisationsvinster=-8905,
                                                 reservering=-(108 + 441)), 2013)
    assert (y2013.resultat_efter_justeringar, y2013.balanskravsresultat) == (690, 141)
    labels = [ln.label for ln in y2013.lines]    # the pre-2019 lines Göteborg prints
    assert "Orealiserade förluster i värdepapper" in labels
    assert "Justering för återföring av orealiserade förluster i värdepapper" in labels
    assert balanskravsresultat(392, -392, year=2014) == 0

    def room(year, arets, efter, skatter, utjamning, planned=None):
        return reserve_room(ReserveRoomInput(year=year, arets_resultat=arets, resultat_efter_justeringar=efter,
                                             skatteintakter=skatter, generella_statsbidrag=utjamning,
                                             planned_reservation=planned))

    r2013 = room(2013, 9595, 690, 21806, 3106)
    assert r2013.threshold == D("249.12") and round_half_up(r2013.room, 0) == 441
    assert [f.rule for f in r2013.findings] == ["reserv.eget_kapital"]   # not printed: the 1 % limit used
    r2012 = room(2012, 669, 586, 20814, 3113)     # a 2012 surplus may be reserved (from FY2010)
    assert round_half_up(r2012.room, 0) == 347
    whole = room(2013, 9595, 690, 21806, 3106, planned=549)
    assert [f.rule for f in whole.findings if f.is_error()] == ["reserv.utrymme"]


def test_malmo_arsredovisning_2014_the_2012_outcome_and_the_rur_trigger_as_local_guideline():
    """Malmö stad, Årsredovisning 2014, 'Balanskrav' (redovisningar.malmo.se/2014), mkr: 2012:
    årets resultat 193, samtliga realisationsvinster −7, balanskravsresultat 186 (before the
    RUR rules: the reserve lines are '–'). 2014: 12 mkr from the RUR because 'skatteunderlags-
    ökningen understiger snittökningen under de tio föregående åren' - fullmäktige's
    guideline (a local trigger, recorded as text, not law)."""
    assert balanskravsresultat(193, -7, year=2012) == 186
    trigger = UseGuidelines(trigger="skatteunderlagets ökning under snittet för de tio föregående åren",
                            source="kommunfullmäktiges riktlinjer för resultatutjämningsreserven")
    use = reserve_use(ReserveUseInput(year=2014, resultat_efter_justeringar=-205, rur_balance=12,
                                      guidelines=trigger, planned_use=12))
    assert use.max_total == 12 and not use.findings
    assert "tio föregående" in use.rule_text and "inte lag" in use.rule_text


# --------------------------------------------------------------------------- the RUR years

def test_malmo_arsredovisning_2015_deficit_2014_restored_2015_and_rur_room():
    """Malmö stad, Årsredovisning 2015, förvaltningsberättelsen 'Balanskrav' and
    'Avsättning till resultatutjämningsreserv' (redovisningar.malmo.se/2015), mkr:
    2015: 563 − 23 = 540; till RUR −185; balanskravsresultat 355.
    2014: −149 − 56 = −205; från RUR +12; balanskravsresultat −193, återställt 2015.
    The 185 = 540 − 162 (1 % of skatter och generella statsbidrag) − 193 (2014's deficit):
    the open deficit is deducted from the room (the configurable local practice)."""
    assert balanskravsresultat(563, -23, reservering=-185, year=2015) == 355
    assert balanskravsresultat(-149, -56, anvandning=12, year=2014) == -193
    led = ledger([(2014, D(-193)), (2015, D(355))])
    d = led.deficit(2014)
    assert (d.legal_deadline, d.restored_on_time, d.cleared_year, d.remaining) == (2017, 193, 2015, 0)
    room = reserve_room(ReserveRoomInput(
        year=2015, arets_resultat=563, resultat_efter_justeringar=540, skatteintakter=16200,
        generella_statsbidrag=0, eget_kapital_inkl_ansvarsforbindelse=1, open_deficits=193,
        deduct_open_deficits=True, planned_reservation=185))
    assert round_half_up(room.threshold, 0) == 162            # printed: 162 Mkr
    assert round_half_up(room.room, 0) == 185 and not [f for f in room.findings if f.is_error()]


def test_upplands_bro_rur_use_2020_and_the_rur_bucket():
    """Upplands-Bro kommun, balanskravsutredning 2017–2021 as reproduced on
    socialdemokraternaupplands-bro.se ('Balanskravsutredningen'), tkr:
    2019: 52 966 − 4 644 = 48 322; reservering till RUR −33 397; balanskravsresultat 14 925.
    2020 (prognos per augusti): −11 708; användning av RUR +11 708; balanskravsresultat 0.
    Ackumulerad RUR: 73 690 (2018), 107 087 (2019), 95 379 (2020)."""
    assert balanskravsresultat(52966, -4644, reservering=-33397, year=2019) == 14925
    assert balanskravsresultat(-11708, anvandning=11708, year=2020) == 0
    use = reserve_use(ReserveUseInput(year=2020, resultat_efter_justeringar=-11708, rur_balance=107087,
                                      planned_use=11708))
    assert use.max_total == 11708 and not use.findings          # the common local rule: up to zero
    assert "lokala riktlinjer, inte lag" in use.rule_text
    led = reserve_ledger([ReserveYear(year=2019, reservering=-33397), ReserveYear(year=2020, anvandning=11708)],
                         rur_opening=D(73690))
    assert [(y.year, y.rur_closing) for y in led.years] == [(2019, 107087), (2020, 95379)]
    assert not led.findings


def test_grastorp_arsredovisning_2019_lkbr_wording_and_a_positive_reducering():
    """Grästorps kommun, Årsredovisning 2019, 'Balanskravsresultat' (finansiellinfo.se/Grastorp_2019),
    tkr: 2019: 12 043 + 340 (justering av samtliga realisationsvinster, a realisationsförlust)
    = 12 383; reservering till RUR −1 000; balanskravsresultat 11 383. 2017: 13 119 − 2 000
    = 11 119. The positive 'reducering' is reported and used as printed."""
    utr = balanskravsutredning(BalanskravInput(arets_resultat=12043, realisationsvinster=340, reservering=-1000), 2019)
    assert (utr.resultat_efter_justeringar, utr.balanskravsresultat) == (12383, 11383)
    assert [f.rule for f in utr.findings] == ["balanskrav.tecken"]
    assert balanskravsresultat(13119, reservering=-2000, year=2017) == 11119


def test_vansbro_arsredovisning_2019_deficits_2017_2019_and_synnerliga_skal():
    """Vansbro kommun, Årsredovisning 2019, 'Balanskravsresultat'
    (https://finansiellinfo.se/Vansbro_2019/Balanskravsresultat.html), tkr, the five-year
    utredning and the table 'Ackumulerade negativa resultat':
    2015: 8 960 − 280 = 8 680; reservering till RUR −4 904; balanskravsresultat 3 776.
    2016: 6 877; reservering −2 882; 3 995.   2017: −3 617 − 57 = −3 674.
    2018: −13 507; användning av RUR +7 786; −5 721.   2019: −35 507.
    Synnerliga skäl: 16 064 of 2019's deficit is not restored (the sale of the bioenergy plant,
    a one-off) and 19 443 is restored over a longer time, 'senast 2025'. Outgoing: 2017's
    3 674 by 2020, 2018's 5 721 by 2021, in all 28 838 to restore. Not a pre-2013 case (issue
    14 asks for one; none was found): the published restoration ledger with both kinds of
    synnerliga skäl, held figure by figure."""
    assert balanskravsresultat(8960, -280, reservering=-4904, year=2015) == 3776
    assert balanskravsresultat(6877, reservering=-2882, year=2016) == 3995
    assert balanskravsresultat(-3617, -57, year=2017) == -3674
    assert balanskravsresultat(-13507, anvandning=7786, year=2018) == -5721
    assert balanskravsresultat(-35507, year=2019) == -35507
    led = restoration_ledger(RestorationInput(
        series=tuple(YearResult(year=y, balanskravsresultat=r)
                     for y, r in ((2015, 3776), (2016, 3995), (2017, -3674), (2018, -5721), (2019, -35507))),
        write_offs=(WriteOff(origin_year=2019, amount=16064, reason="försäljningen av bioenergianläggningen"),),
        extensions=(Extension(origin_year=2019, to_year=2025, reason="synnerliga skäl att återställa över längre tid"),)))
    assert [(d.origin_year, d.deadline, d.written_off, d.remaining) for d in led.deficits] == [
        (2017, 2020, 0, 3674), (2018, 2021, 0, 5721), (2019, 2025, 16064, 19443)]
    assert led.deficit(2019).legal_deadline == 2022 and led.total_remaining == 28838
    assert not led.findings                      # nothing is overdue at the end of 2019


def test_vannas_arsredovisning_2019_rur_reservation_within_the_printed_rounding():
    """Vännäs kommun, Årsredovisning 2019, 'Balanskravsresultat' (finansiellinfo.se/G/Vannas_2019),
    mkr: 28,2 − 5,1 − 7,5, printed total 15,5; reservering till RUR −9,5; balanskravsresultat
    6,0; RUR 24,7 → 34,2. The printed lines add up to 15,6: the printed total differs by one
    unit of the last printed digit (the lines are rounded on their own, law.md §2: ±1 occurs)."""
    utr = balanskravsutredning(BalanskravInput(arets_resultat=D("28.2"), realisationsvinster=D("-5.1"),
                                               orealiserade=D("-7.5"), reservering=D("-9.5")), 2019)
    assert abs(utr.resultat_efter_justeringar - D("15.5")) <= D("0.1")
    assert abs(utr.balanskravsresultat - D("6.0")) <= D("0.1")
    assert utr.balanskravsresultat - utr.resultat_efter_justeringar == D("-9.5")   # exact, as printed
    led = reserve_ledger([ReserveYear(year=2019, reservering=D("-9.5"))], rur_opening=D("24.7"))
    assert led.years[0].rur_closing == D("34.2")


# --------------------------------------------------------------------------- FY2024–2025

def test_sjobo_budget_2024_medel_fran_resultatutjamningsreserv_is_the_old_rur():
    """Sjöbo kommun, Budget 2024, Resultatbudget with 'Avstämning mot balanskravet'
    (finansiellinfo.se/Sjobo/Budget-2024), mnkr: budget 2023 −19,4 + medel från
    resultatutjämningsreserv 14,6 = −4,8; budget 2024 −26,1 + 7,5 = −18,6; plan 2025–2027
    40,0 / 44,0 / 38,0. In 2024 'Medel från resultatutjämningsreserv' is the old RUR, used
    beside the new resultatreserv: line 9, not the resultatreserv's line 8."""
    y2023 = balanskravsutredning(BalanskravInput(arets_resultat=D("-19.4"), anvandning=D("14.6")), 2023)
    assert y2023.balanskravsresultat == D("-4.8")
    assert "Användning av medel från resultatutjämningsreserv" in [ln.label for ln in y2023.lines]

    y2024 = balanskravsutredning(BalanskravInput(arets_resultat=D("-26.1"), anvandning_rur=D("7.5")), 2024)
    assert y2024.balanskravsresultat == D("-18.6")
    by_key = {ln.key: ln for ln in y2024.lines}
    assert by_key["anvandning"].label == "Användning av medel från resultatreserv"
    assert by_key["reservering"].label == "Reservering av medel till resultatreserv"
    assert by_key["anvandning_rur"].label == "Användning av medel från resultatutjämningsreserv (RUR)"
    assert by_key["anvandning_rur"].amount == D("7.5") and len(y2024.lines) == 11

    use = reserve_use(ReserveUseInput(year=2024, resultat_efter_justeringar=D("-26.1"), rur_balance=D("7.5"),
                                      planned_use=D("7.5")))
    assert use.max_from_rur == D("7.5") and not use.findings

    plan = ledger([(2023, D("-4.8")), (2024, D("-18.6")), (2025, D("40.0")), (2026, D("44.0")), (2027, D("38.0"))])
    assert [(d.origin_year, d.legal_deadline, d.cleared_year) for d in plan.deficits] == [(2023, 2026, 2025),
                                                                                           (2024, 2027, 2025)]


def test_rur_line_refused_before_2024_and_the_two_buckets_after():
    with pytest.raises(InputError) as exc:
        balanskravsutredning(BalanskravInput(arets_resultat=-5, anvandning_rur=5), 2023)
    assert exc.value.argument == "anvandning_rur"
    # 2024: reserve 60 to the new resultatreserv and use 20 of the old RUR in 2025; the 5 % cap
    # (base 1 000 → 50) is on the resultatreserv only: 60 > 50 is a finding, the RUR 300 is not.
    led = reserve_ledger([ReserveYear(year=2024, reservering=-60, base=1000),
                          ReserveYear(year=2025, anvandning_rur=20, anvandning=10, base=1000)],
                         rur_opening=D(300))
    assert [(y.rur_closing, y.resultatreserv_closing) for y in led.years] == [(300, 60), (280, 50)]
    assert [(f.rule, f.subject) for f in led.findings] == [("reserv.tak", "2024")]
    assert balanskravsresultat(-30, reservering=0, anvandning=10, anvandning_rur=20, year=2025) == 0


def test_local_guidelines_can_differ_from_the_common_rule():
    """KL 11:14 leaves use to fullmäktige's guidelines: a body whose guidelines allow use
    without a negative result (here up to 25 a year) gets that, labelled local."""
    own = UseGuidelines(only_when_negative=False, at_most_to_zero=False, max_amount=25,
                        source="riktlinjer för god ekonomisk hushållning, KF 2023")
    use = reserve_use(ReserveUseInput(year=2025, resultat_efter_justeringar=10, resultatreserv_balance=100,
                                      rur_balance=40, guidelines=own))
    assert (use.max_from_rur, use.max_from_resultatreserv) == (25, 25)
    assert "KF 2023" in use.rule_text and "inte lag" in use.rule_text


def test_excel_functions_take_the_year_and_the_rur_line():
    """BALANSKRAV(...; ar; anvandning_rur) and BALANSKRAV_UTREDNING in a real process."""
    code = (
        "import udfs\n"
        "print(udfs.BALANSKRAV(-26.1, None, None, None, None, None, None, None, 2024, 7.5))\n"
        "print(udfs.BALANSKRAV(50.0, None, None, None, None, None, -10.0, None, 2008))\n"
        "rows = udfs.BALANSKRAV_UTREDNING(-26.1, None, None, None, None, None, None, None, 2024, 7.5)\n"
        "print(rows[9][0]); print(len(rows))\n"
        "print(udfs.RESERVANVANDNING(2025, 10.0, 0.0, 100.0, 'Nej', 'Nej'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()
    assert round(float(out[0]), 6) == -18.6
    assert out[1].startswith("#XLMODEL") and "2010" in out[1]
    assert out[2] == "Användning av medel från resultatutjämningsreserv (RUR)" and out[3] == "11"
    assert float(out[4]) == 100.0


def test_body_types_select_index_and_vocabulary():
    from xlmodel.rules.body import body_type

    kommun, region = body_type("Kommun"), body_type("landsting")
    assert (kommun.index_name, kommun.index_series, kommun.styrelse) == ("PKV", "index.pkv", "kommunstyrelsen")
    assert (region.index_name, region.index_series, region.styrelse) == ("LPIK", "index.lpik", "regionstyrelsen")
    assert kommun.base_label == "Skatteintäkter, generella statsbidrag och utjämning"
    assert body_type(None) is region
    with pytest.raises(InputError) as exc:
        body_type("stat")
    assert exc.value.rule == "organ"
