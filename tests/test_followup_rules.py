"""The follow-up rules (xlmodel.rules.followup) on the documents' own figures.

- Regionstyrelsens underlag 2020 (tests/data/seed001): landstingsstyrelsen 2018 −169 mkr
  = 5,2 %, with its named parts fastighet −73 and hyrpersonal −50: a worked case.
- Delårsrapport augusti 2021 (tests/data/seed004): the driftredovisning recomputed from
  its inputs (utfall 2021-08, utfall 2020-08, budget 2021-08), every printed figure within
  the print's rounding; the sum tied to the resultaträkning; the omställning follow-up
  with its 88 % flagged against 94 / 117 = 80 %.
"""

from __future__ import annotations

import csv
from decimal import Decimal as D
from pathlib import Path

import pytest

from xlmodel.errors import InputError
from xlmodel.findings import Severity
from xlmodel.rules import followup as R

DATA = Path(__file__).parent / "data"
KINDS = {"skatteintakter": "skatteintakter", "gen_sb": "statsbidrag", "fin_intakter": "finansiella_intakter",
         "fin_kostnader": "finansiella_kostnader"}
TOTALS = {"nettokostnader": "verksamhetens_nettokostnader", "verks_resultat": "verksamhetens_resultat",
          "finansnetto": "finansnetto", "totalt": "totalt"}


def rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return {r["row_id"]: r for r in csv.DictReader(fh)}


def num(text: str) -> D | None:
    return D(text) if text.strip() else None


# --------------------------------------------------------------------------- scalar rules


def test_budget_to_date_linear_and_by_profile():
    assert R.budget_to_date(D(175), 8) == D(175) * 8 / 12            # delårsrapporten: ≈ 117
    assert round(R.budget_to_date(D(175), 8)) == 117
    assert R.budget_to_date(D(-5400), 8, share=D("0.65")) == D(-3510)
    assert R.budget_to_date(D(100), 12) == 100
    with pytest.raises(InputError, match="1–12 månader"):
        R.budget_to_date(D(100), 13)
    with pytest.raises(InputError, match="0–100 %"):
        R.budget_to_date(D(100), 8, share=D("1.2"))


def test_seed001_landstingsstyrelsen_2018_minus_169_is_5_2_percent():
    """−169 mkr = 5,2 %: the budget it implies is 169 / 0,052 = 3 250 (RULES.md A12)."""
    nyckeltal = {r["row_id"]: D(r["value"]) for r in rows(DATA / "seed001" / "vb_rs_underlag2020_nyckeltal.csv").values()}
    deviation_printed, share_printed = nyckeltal["ls_avvikelse_2018"], nyckeltal["ls_avvikelse_2018_pct"] / 100
    budget = D(-3250)                                 # net cost: negative
    utfall = budget + deviation_printed               # −3 419
    avv = R.deviation(utfall, budget)
    share = R.deviation_share(avv, budget)
    assert avv == D(-169)
    assert round(share * 100, 1) == share_printed * 100 == D("-5.2")
    # The printed 5,2 % is what −169 of 3 250 gives at the print's precision (no finding) …
    assert R.check_printed(what="Avvikelse", computed=share, possible=None, printed=share_printed, places=1,
                           percent=True, cause="", subject="LS", field="andel") is None
    # … and a budget of 3 000 would not give it: 169 / 3 000 = 5,6 %.
    other = R.deviation_share(avv, D(-3000))
    assert R.check_printed(what="Avvikelse", computed=other, possible=R.Interval(other, other), printed=share_printed,
                           places=1, percent=True, cause="−169 / 3 000", subject="LS", field="andel").severity is Severity.WARNING
    # The named parts as varav rows: fastighet −73 + hyrpersonal −50 = −123 of −169; 46 is not named.
    parts = [R.DriftLine(id="fastighet", label="Fastighetskostnader", kind="varav", parent="LS",
                         avvikelse_angiven=nyckeltal["fastighet_underskott"]),
             R.DriftLine(id="hyrpersonal", label="Hyrpersonal", kind="varav", parent="LS",
                         avvikelse_angiven=nyckeltal["hyrpersonal_merkostnad"])]
    result = R.driftredovisning(R.DriftInput(months=12, lines=(
        R.DriftLine(id="LS", label="Landstingsstyrelsen", utfall=utfall, budget_periodiserad=budget), *parts)))
    assert result.row("LS").avvikelse == D(-169)
    (rest,) = result.findings
    assert rest.rule == "uppfoljning.varav_rest" and rest.severity is Severity.INFO
    assert rest.found == D(-123) and "−46 mkr anges inte" in rest.message


def test_cost_development_needs_amounts_of_the_same_sign():
    assert R.cost_development(D(-2008), D(-1901)) == D(2008) / D(1901) - 1
    assert round(R.cost_development(D(-2008), D(-1901)) * 100, 1) == D("5.6")
    assert R.cost_development(D(-3), D(4)) is None
    assert R.cost_development(D(-3), D(0)) is None


# --------------------------------------------------------------------------- seed 004


def seed004_drift() -> tuple[R.DriftInput, dict[str, dict[str, str]]]:
    printed = rows(DATA / "seed004" / "dr2021_driftredovisning.csv")
    lines = []
    for rid, r in printed.items():
        if rid in TOTALS or rid == "verks_resultat":
            continue
        lines.append(R.DriftLine(id=rid, label=r["post"], kind=KINDS.get(rid, "namnd"), utfall=num(r["utfall_2021_08"]),
                                 utfall_foregaende=num(r["utfall_2020_08"]), budget_periodiserad=num(r["budget_2021_08"])))
    return R.DriftInput(months=8, method="periodiserad", lines=tuple(lines)), printed


def test_seed004_driftredovisning_every_printed_figure_within_the_prints_rounding():
    inp, printed = seed004_drift()
    result = R.driftredovisning(inp)
    iv = R.drift_intervals(inp, R.half_unit(0))
    exact, rounded = [], []
    for rid, r in printed.items():
        key = TOTALS.get(rid, rid)
        fig = result.total(key) if key in R.TOTAL_KEYS else result.row(key)
        checks = [("avvikelse", "budgetavvikelse", False, 0)]
        if r["kostnadsutveckling_pct"]:
            checks.append(("kostnadsutveckling", "kostnadsutveckling_pct", True, 1))
        if key in R.TOTAL_KEYS:
            checks += [("utfall", "utfall_2021_08", False, 0), ("budget_period", "budget_2021_08", False, 0)]
        for fld, column, percent, places in checks:
            value = D(r[column]) / (100 if percent else 1)
            f = R.check_printed(what=fld, computed=getattr(fig, fld), possible=iv[(key, fld)], printed=value,
                                places=places, percent=percent, cause="", subject=key, field=fld)
            assert f is None or f.severity is Severity.INFO, f
            (exact if f is None else rounded).append((rid, fld))
    # Regionstyrelsen −2 008 against −1 911: −97, and 5,6 % against −1 901 – exactly as printed.
    assert result.row("rs").avvikelse == D(-97) and ("rs", "kostnadsutveckling") in exact
    # HSN −3 609 − (−3 469) = −140 where the print says −141: the rounding of the two inputs.
    assert result.row("hsn").avvikelse == D(-140) and ("hsn", "avvikelse") in rounded
    # The nämnder sum to −5 877 (the resultaträkning's figure); the table prints −5 878.
    assert result.total("verksamhetens_nettokostnader").utfall == D(-5877)
    assert ("nettokostnader", "utfall") in rounded
    assert result.total("finansnetto").utfall == D(668) and result.total("totalt").budget_period == D(382)


def test_seed004_driftredovisning_ties_to_the_resultatrakning():
    inp, _ = seed004_drift()
    result = R.driftredovisning(inp)
    rr = rows(DATA / "seed004" / "dr2021_resultatrakning.csv")
    lines = {"verksamhetens_nettokostnader": D(rr["nettokostnader"]["regionen_2021_08"]),
             "skatteintakter": D(rr["skatteintakter"]["regionen_2021_08"]),
             "statsbidrag": D(rr["gen_sb"]["regionen_2021_08"]),
             "finansiella_intakter": D(rr["fin_intakter"]["regionen_2021_08"]),
             "finansiella_kostnader": D(rr["fin_kostnader"]["regionen_2021_08"])}
    recon, findings = R.reconcile(result, lines, D("0.5"))
    assert findings == [] and all(r.difference == 0 for r in recon)
    # One mkr off in the resultaträkning's nettokostnader: exactly one finding, on that line.
    recon, findings = R.reconcile(result, {**lines, "verksamhetens_nettokostnader": D(-5900)}, D("0.5"))
    (f,) = findings
    assert (f.rule, f.severity, f.subject) == ("uppfoljning.resultatrakning", Severity.ERROR, "verksamhetens_nettokostnader")
    assert f.found == D(-5877) and f.expected == D(-5900)
    with pytest.raises(InputError):
        R.reconcile(result, {"rorelseresultat": D(1)}, D("0.5"))


def seed004_omstallning() -> R.OmstallningFollowupInput:
    o = rows(DATA / "seed004" / "dr2021_omstallning_uppfoljning.csv")
    return R.OmstallningFollowupInput(months=8, measures=(
        R.Measure(id="RF", label=o["regionforvaltningen"]["post"], planned_by="RS",
                  plan_ar=num(o["regionforvaltningen"]["arsplan_2021"]), effekt=num(o["regionforvaltningen"]["effekt_tom_aug"])),
        R.Measure(id="RF_sjukresor", label="varav sjukresor", planned_by="RS", parent="RF",
                  effekt=num(o["regionforvaltningen_sjukresor"]["effekt_tom_aug"])),
        R.Measure(id="HSF", label=o["hsf"]["post"], planned_by="HSN", plan_ar=num(o["hsf"]["arsplan_2021"]),
                  effekt=num(o["hsf"]["effekt_tom_aug"])),
        R.Measure(id="HSF_pks", label="varav planering", planned_by="HSN", parent="HSF",
                  effekt=num(o["hsf_pks_digital"]["effekt_tom_aug"])),
        R.Measure(id="SERVICE", label=o["service_inkop"]["post"], planned_by="RS", booked_in="annan verksamhet",
                  effekt=num(o["service_inkop"]["effekt_tom_aug"])),
        R.Measure(id="DMT", label=o["digitalisering"]["post"], planned_by="RS", booked_in="annan verksamhet",
                  effekt=num(o["digitalisering"]["effekt_tom_aug"])),
    ))


def test_seed004_omstallning_followup_and_the_88_percent():
    inp = seed004_omstallning()
    result = R.omstallning_followup(inp)
    printed = rows(DATA / "seed004" / "dr2021_omstallning_uppfoljning.csv")["region"]
    t = result.total
    assert (t.plan_ar, t.effekt, t.kvar) == (D(printed["arsplan_2021"]), D(printed["effekt_tom_aug"]), D(81))
    assert round(t.plan_period) == D(printed["plan_tom_aug"])                   # 175 × 8/12 = 116,7 ≈ 117
    # The effects in another verksamhet (20 + 48) are kept apart, not added to 94.
    assert t.elsewhere_effekt == D(68) and set(t.elsewhere_rows) == {"SERVICE", "DMT"}
    assert result.row("RF_sjukresor").counted == "varav"
    # HSF: 65 / (163 × 8/12) = 59,8 % – printed 60 %: reproduced.
    iv = R.omstallning_intervals(inp, R.half_unit(0))
    assert R.check_printed(what="HSF", computed=result.row("HSF").andel, possible=iv[("HSF", "andel")], printed=D("0.60"),
                           places=0, percent=True, cause="", subject="HSF", field="andel") is None
    # The region: the text says 88 %; its own 94 / 117 is 80 %, outside any rounding.
    f = R.check_printed(what="Andel uppnådd", computed=R.share_achieved(D(94), D(117)), possible=iv[("totalt", "andel")],
                        printed=D(printed["effekt_pct_stated"]) / 100, places=0, percent=True,
                        cause="94 / 117", subject="totalt", field="andel")
    assert f.severity is Severity.WARNING and f.rule == "uppfoljning.publicerad"
    assert "88,0 %" in f.message and "94 / 117 = 80,3 %" in f.message
    assert round(f.found * 100) == 80


def test_a_varav_measure_larger_than_its_row_is_an_error():
    inp = R.OmstallningFollowupInput(months=8, measures=(
        R.Measure(id="RF", label="RF", planned_by="RS", plan_ar=D(12), effekt=D(10)),
        R.Measure(id="x", label="varav x", planned_by="RS", parent="RF", effekt=D("15.4")),
    ))
    (f,) = R.omstallning_followup(inp).findings
    assert (f.rule, f.severity, f.subject) == ("omstallning_uppfoljning.varav", Severity.ERROR, "RF")


def test_linear_and_profile_methods_and_prognosis():
    lines = (R.DriftLine(id="HSN", label="HSN", utfall=D(-3609), budget_ar=D(-5310), prognos_ar=D(-5510)),
             R.DriftLine(id="RS", label="RS", utfall=D(-2008), budget_ar=D(-2900), prognos_ar=D(-2950)))
    lin = R.driftredovisning(R.DriftInput(months=8, method="linjar", lines=lines))
    assert lin.row("HSN").budget_period == D(-3540) and lin.row("HSN").avvikelse == D(-69)
    assert lin.row("HSN").prognosavvikelse == D(-200)
    assert lin.total("verksamhetens_nettokostnader").prognosavvikelse == D(-250)
    prof = R.driftredovisning(R.DriftInput(months=8, method="profil", profile_share=D("0.7"), lines=lines))
    assert prof.row("RS").budget_period == D(-2030) and prof.row("RS").avvikelse == D(22)
    # A total lacks a figure when any of its rows lacks it (a partial sum would mislead).
    assert lin.total("verksamhetens_nettokostnader").utfall_foregaende is None
    with pytest.raises(InputError, match="andelen av året"):
        R.DriftInput(months=8, method="profil", lines=lines)
    with pytest.raises(InputError, match="förälder"):
        R.DriftInput(months=8, lines=(R.DriftLine(id="v", label="v", kind="varav", parent="nope"),))


def test_a_printed_figure_the_inputs_do_not_give_is_reported_not_dropped():
    f = R.check_printed(what="Budget t.o.m. perioden, RS", computed=None, possible=None, printed=D(-1911), places=0,
                        percent=False, cause="", subject="RS", field="budget_period")
    assert f.severity is Severity.WARNING and "indata ger ingen sådan siffra" in f.message
