"""Resultatbudget identities and financial goals (finansiella mål).

The resultatbudget is checked row by row as a reader checks a printed table: each
printed subtotal against the printed figures it is the sum of (sign convention as
printed in the regions' plans: nettoram/nettokostnad and finansiella kostnader negative):

    summa skatter och statsbidrag = skatteintäkter + generella statsbidrag
    nettoram                      = nettokostnad före avskrivningar + avskrivningar
    verksamhetens resultat        = nettoram + summa skatter och statsbidrag
    finansnetto                   = finansiella intäkter + finansiella kostnader + orealiserade
    resultat                      = verksamhetens resultat + finansnetto
    årets resultat                = resultat
    procent av skatter och sb     = resultat / summa × 100 (at the printed decimals)

Where a subtotal is not printed the computed one is used in the next row.

Tolerance (documented choice): every printed figure is rounded to its last printed
digit u, so a printed total of n printed operands can differ from their sum by at most
(n + 1)·u/2; as the difference is a whole number of units, it is accepted as rounding
when |diff| ≤ floor((n + 1)/2)·u (two operands: ±1 u; three: ±2 u). Within tolerance →
INFO ``resultatbudget.avrundning`` (the published plans' ±1 differences); beyond → ERROR
``resultatbudget.identitet``. Percent rows are compared after rounding the computed
share half up (money.round_half_up, Excel ROUND) to the printed decimals; one unit off
is INFO, more is ERROR.

Financial goals are local decisions, so their thresholds are inputs (``FinancialGoal``),
not legal parameters: a measure (verksamhetens resultat, resultat or årets resultat)
as a share of skatteintäkter + generella statsbidrag, with a minimum and/or maximum,
per year or over a period (sum of the measure over sum of the base = average over
average). Status is "uppfyllt" / "ej uppfyllt"; an unmet goal is also a WARNING
finding ``finansiella_mal.ej_uppfyllt``.

One figure, one input: the verksamhetens nettoram of the budget year is typed once, in
the resultatbudget; a plan that also states it elsewhere (the frame table's check
figure "Verksamhetens nettoram enligt resultatbudget" on Parametrar, a positive cost)
holds a copy, and ``nettoram_copy_finding`` reports an ERROR
``resultatbudget.nettoram_kopia`` when the copy is not the same figure: editing only one
of the two is then never silent.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, model_validator

from xlmodel.errors import InputError
from xlmodel.findings import Finding, Severity
from xlmodel.money import ZERO, decimal_places, fmt_mkr, fmt_percent, parse_rate, round_half_up
from xlmodel.location import NOWHERE, Location, Locator, at_field
from xlmodel.rules.base import Amount, AmountOrZero, OptionalAmount, RuleModel, Year
from xlmodel.rules.years import check_ascending

RULE = "resultatbudget"
RULE_GOAL = "finansiella_mal"

STATUS_MET = "uppfyllt"
STATUS_NOT_MET = "ej uppfyllt"


class ResultatbudgetYear(RuleModel):
    """One column of a resultatbudget. Amounts in mkr, signed as printed; the
    ``*_procent`` fields are printed percentages (2.0 means 2,0 %). Printed totals
    are optional: give them to have them checked."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)
    rule_id: ClassVar[str] = RULE

    year: Year
    label: str = ""                                        # e.g. "Budget 2021"
    nettoram: Amount                                       # verksamhetens nettoram/nettokostnader (negative)
    nettokostnad_fore_avskrivningar: OptionalAmount = None
    avskrivningar: OptionalAmount = None
    skatteintakter: Amount
    generella_statsbidrag: Amount                          # incl. utjämning as printed
    summa_skatter_statsbidrag: OptionalAmount = None
    verksamhetens_resultat: OptionalAmount = None
    verksamhetens_resultat_procent: OptionalAmount = None
    finansiella_intakter: AmountOrZero = ZERO
    finansiella_kostnader: AmountOrZero = ZERO             # negative
    orealiserade: AmountOrZero = ZERO
    finansnetto: OptionalAmount = None
    resultat: OptionalAmount = None                        # resultat inkl. finansnetto / efter fin. poster
    resultat_procent: OptionalAmount = None
    arets_resultat: OptionalAmount = None
    # Where each value came from (column key -> Location, ``xlmodel.location``), given by
    # the workbook layer; not data (left out of dumps, equal whatever the place).
    where: Locator = Field(default=NOWHERE, exclude=True, repr=False)

    @property
    def name(self) -> str:
        return self.label or str(self.year)


class ResultatbudgetCheck(BaseModel):
    """Computed figures of one year (each from the row's operands as printed, see module
    docstring) and the findings of its identities."""

    model_config = ConfigDict(frozen=True)

    year: int
    summa_skatter_statsbidrag: Decimal
    verksamhetens_resultat: Decimal
    finansnetto: Decimal
    resultat: Decimal
    findings: tuple[Finding, ...]


def _tolerance_units(n_operands: int) -> int:
    return (n_operands + 1) // 2


def _compare(subject: str, field: str, what: str, computed: Decimal, printed: Decimal | None,
             operands: list[Decimal]) -> Finding | None:
    """A finding if the printed total differs from the sum of its printed operands."""
    if printed is None:
        return None
    diff = printed - computed
    if diff == 0:
        return None
    places = max(decimal_places(x) for x in [printed, *operands])
    unit = Decimal(1).scaleb(-places)
    within = abs(diff) <= _tolerance_units(len(operands)) * unit
    return Finding(
        rule="resultatbudget.avrundning" if within else "resultatbudget.identitet",
        severity=Severity.INFO if within else Severity.ERROR,
        subject=subject, field=field, expected=computed, found=printed,
        message=(f"{subject}: {what} ger {fmt_mkr(computed)} men tabellen anger {fmt_mkr(printed)} "
                 f"(skillnad {fmt_mkr(diff)}{', avrundning' if within else ''})."),
    )


def _compare_pct(subject: str, field: str, what: str, numerator: Decimal, base: Decimal,
                 printed: Decimal | None) -> Finding | None:
    if printed is None:
        return None
    if base == 0:
        raise InputError(f"{subject}: summa skatter och statsbidrag är 0, procent kan inte beräknas",
                         rule=RULE, argument="summa_skatter_statsbidrag")
    places = decimal_places(printed)
    computed = round_half_up(numerator / base * 100, places)
    diff = printed - computed
    if diff == 0:
        return None
    within = abs(diff) <= Decimal(1).scaleb(-places)
    return Finding(
        rule="resultatbudget.avrundning" if within else "resultatbudget.identitet",
        severity=Severity.INFO if within else Severity.ERROR,
        subject=subject, field=field, expected=computed, found=printed,
        message=(f"{subject}: {what} = {fmt_mkr(numerator)} / {fmt_mkr(base)} ger {fmt_mkr(computed)} % men "
                 f"tabellen anger {fmt_mkr(printed)} %."),
    )


def _or(printed: Decimal | None, computed: Decimal) -> Decimal:
    return computed if printed is None else printed


def check_resultatbudget_year(y: ResultatbudgetYear) -> ResultatbudgetCheck:
    s = y.name
    found: list[Finding | None] = []

    summa = y.skatteintakter + y.generella_statsbidrag
    found.append(_compare(s, "summa_skatter_statsbidrag", "skatteintäkter + generella statsbidrag", summa,
                          y.summa_skatter_statsbidrag, [y.skatteintakter, y.generella_statsbidrag]))
    if y.nettokostnad_fore_avskrivningar is not None and y.avskrivningar is not None:
        found.append(_compare(s, "nettoram", "nettokostnader före avskrivningar + avskrivningar",
                              y.nettokostnad_fore_avskrivningar + y.avskrivningar, y.nettoram,
                              [y.nettokostnad_fore_avskrivningar, y.avskrivningar]))
    summa_used = _or(y.summa_skatter_statsbidrag, summa)
    verks = y.nettoram + summa_used
    found.append(_compare(s, "verksamhetens_resultat", "nettoram + skatter och statsbidrag", verks,
                          y.verksamhetens_resultat, [y.nettoram, summa_used]))
    verks_used = _or(y.verksamhetens_resultat, verks)
    found.append(_compare_pct(s, "verksamhetens_resultat_procent", "verksamhetens resultat", verks_used,
                              summa_used, y.verksamhetens_resultat_procent))
    fin_parts = [y.finansiella_intakter, y.finansiella_kostnader, y.orealiserade]
    fin = sum(fin_parts, ZERO)
    found.append(_compare(s, "finansnetto", "finansiella intäkter + kostnader + orealiserade", fin,
                          y.finansnetto, fin_parts))
    fin_used = _or(y.finansnetto, fin)
    resultat = verks_used + fin_used
    found.append(_compare(s, "resultat", "verksamhetens resultat + finansnetto", resultat, y.resultat,
                          [verks_used, fin_used]))
    resultat_used = _or(y.resultat, resultat)
    found.append(_compare_pct(s, "resultat_procent", "resultatet", resultat_used, summa_used, y.resultat_procent))
    if y.arets_resultat is not None and y.resultat is not None:
        found.append(_compare(s, "arets_resultat", "resultat efter finansiella poster", y.resultat,
                              y.arets_resultat, [y.resultat]))
    return ResultatbudgetCheck(
        year=y.year, summa_skatter_statsbidrag=summa, verksamhetens_resultat=verks, finansnetto=fin,
        resultat=resultat, findings=tuple(f for f in found if f is not None),
    )


def check_years(years: list[ResultatbudgetYear] | tuple[ResultatbudgetYear, ...]) -> None:
    """The resultatbudget's years, each once and ascending: the one rule for a series of
    years (``xlmodel.rules.years``, KL 11 kap. 8 §: the budget year and the plan's later
    years), raised at the cell of the year that breaks the order when the years carry
    their locations (``ResultatbudgetYear.where``), else at its field path."""

    def where(i: int) -> Location:
        loc = years[i].where("year")
        return loc if loc.sheet is not None or loc.argument else at_field(f"years.{i}.year")

    check_ascending([y.year for y in years], where, rule=RULE)


def check_resultatbudget(years: list[ResultatbudgetYear] | tuple[ResultatbudgetYear, ...]) -> list[ResultatbudgetCheck]:
    """All years' identity checks; the years unique and ascending (``check_years``)."""
    check_years(years)
    return [check_resultatbudget_year(y) for y in years]


# ---------------------------------------------------------------------------
# Financial goals
# ---------------------------------------------------------------------------


def _rate_or_none(value: Any, info: ValidationInfo) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_rate(value, argument=info.field_name or "andel", rule=RULE_GOAL)


OptionalRate = Annotated[Decimal | None, BeforeValidator(_rate_or_none)]

_MEASURE_LABEL = {
    "verksamhetens_resultat": "verksamhetens resultat",
    "resultat": "resultat",
    "arets_resultat": "årets resultat",
}


class FinancialGoal(RuleModel):
    """A goal fullmäktige set: ``measure`` as a share of skatteintäkter + generella
    statsbidrag at least ``min_share`` and/or at most ``max_share`` (fractions: 0.02 =
    2 %). ``years`` empty = every year given; ``over_period`` = evaluate the period as a
    whole (sum over sum) instead of year by year."""

    rule_id: ClassVar[str] = RULE_GOAL

    name: str
    measure: Literal["verksamhetens_resultat", "resultat", "arets_resultat"]
    min_share: OptionalRate = None
    max_share: OptionalRate = None
    years: tuple[Year, ...] = ()
    over_period: bool = False

    @model_validator(mode="after")
    def _check(self) -> "FinancialGoal":
        if self.min_share is None and self.max_share is None:
            raise InputError("målet saknar både lägsta och högsta andel", rule=RULE_GOAL, argument="min_share")
        if self.min_share is not None and self.max_share is not None and self.min_share > self.max_share:
            raise InputError(f"lägsta andel {fmt_percent(self.min_share)} är större än högsta {fmt_percent(self.max_share)}",
                             rule=RULE_GOAL, argument="min_share")
        return self


class GoalResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    goal: str
    period: str                   # "2021" or "2020–2023"
    years: tuple[int, ...]
    amount: Decimal               # the measure (sum over the period)
    average_amount: Decimal       # amount / number of years
    base: Decimal                 # skatteintäkter + generella statsbidrag (sum over the period)
    share: Decimal                # amount / base, unrounded
    required_min: Decimal | None  # min_share × base
    required_max: Decimal | None
    status: str                   # "uppfyllt" / "ej uppfyllt"


def _measure(y: ResultatbudgetYear, measure: str) -> Decimal:
    """The printed figure of the measure, or the computed one where it is not printed."""
    check = check_resultatbudget_year(y)
    if measure == "verksamhetens_resultat":
        return _or(y.verksamhetens_resultat, check.verksamhetens_resultat)
    resultat = _or(y.resultat, check.resultat)
    if measure == "arets_resultat":
        return _or(y.arets_resultat, resultat)
    return resultat


def _base(y: ResultatbudgetYear) -> Decimal:
    return _or(y.summa_skatter_statsbidrag, y.skatteintakter + y.generella_statsbidrag)


def evaluate_goal(goal: FinancialGoal, years: list[ResultatbudgetYear] | tuple[ResultatbudgetYear, ...]
                  ) -> tuple[list[GoalResult], list[Finding]]:
    """Status of ``goal`` per year (or for the period), with a finding per unmet result."""
    check_years(years)  # a year typed twice would otherwise be one of the two, silently
    by_year = {y.year: y for y in years}
    wanted = list(goal.years) if goal.years else sorted(by_year)
    missing = [yr for yr in wanted if yr not in by_year]
    if missing:
        raise InputError(f"målet '{goal.name}' gäller {', '.join(map(str, missing))} som saknas i resultatbudgeten",
                         rule=RULE_GOAL, argument="years")
    groups = [wanted] if goal.over_period else [[yr] for yr in wanted]
    results: list[GoalResult] = []
    findings: list[Finding] = []
    for group in groups:
        amount = sum((_measure(by_year[yr], goal.measure) for yr in group), ZERO)
        base = sum((_base(by_year[yr]) for yr in group), ZERO)
        if base <= 0:
            raise InputError(f"skatter och statsbidrag är inte positiva för {group}", rule=RULE_GOAL,
                             argument="skatteintakter")
        share = amount / base
        req_min = None if goal.min_share is None else goal.min_share * base
        req_max = None if goal.max_share is None else goal.max_share * base
        met = (req_min is None or amount >= req_min) and (req_max is None or amount <= req_max)
        period = str(group[0]) if len(group) == 1 else f"{group[0]}–{group[-1]}"
        results.append(GoalResult(
            goal=goal.name, period=period, years=tuple(group), amount=amount,
            average_amount=amount / len(group), base=base, share=share, required_min=req_min,
            required_max=req_max, status=STATUS_MET if met else STATUS_NOT_MET,
        ))
        if not met:
            bounds = []
            if req_min is not None:
                bounds.append(f"minst {fmt_mkr((goal.min_share * 100).normalize())} % ({fmt_mkr(req_min, 1)} mkr)")
            if req_max is not None:
                bounds.append(f"högst {fmt_mkr((goal.max_share * 100).normalize())} % ({fmt_mkr(req_max, 1)} mkr)")
            findings.append(Finding(
                rule=f"{RULE_GOAL}.ej_uppfyllt", severity=Severity.WARNING, subject=period, field=goal.measure,
                expected=req_min if req_min is not None else req_max, found=amount,
                message=(f"Målet '{goal.name}' är inte uppfyllt {period}: {_MEASURE_LABEL[goal.measure]} "
                         f"{fmt_mkr(amount)} mkr = {fmt_mkr(share * 100, 2)} % av skatter och statsbidrag, "
                         f"krav {' och '.join(bounds)}."),
            ))
    return results, findings


def nettoram_copy_finding(copy: Decimal | None, budget_year: int, years: list[ResultatbudgetYear] | tuple[ResultatbudgetYear, ...],
                          *, copy_at: str, input_at: str | None = None) -> Finding | None:
    """The copy of the budget year's nettoram (a positive cost) against the resultatbudget's
    figure (negative: a net cost). Exact: a copy is the same figure, not a rounding of it.
    ``copy_at`` and ``input_at`` name the two cells for the message ("Parametrar!C8").
    None when there is no copy or the resultatbudget has no row for the year."""
    row = next((y for y in years if y.year == budget_year), None)
    if copy is None or row is None or copy == -row.nettoram:
        return None
    where = f" ({input_at})" if input_at else ""
    return Finding(
        rule=f"{RULE}.nettoram_kopia",
        severity=Severity.ERROR,
        message=(f"Nettoramen i {copy_at} ({fmt_mkr(copy)} mkr) ska vara resultatbudgetens verksamhetens "
                 f"nettoram {budget_year}{where} som kostnad, {fmt_mkr(-row.nettoram)} mkr; ändra den ena "
                 "så att de stämmer."),
        subject=str(budget_year),
        field="nettoram",
        expected=-row.nettoram,
        found=copy,
    )
