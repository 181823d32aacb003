"""Follow-up through the year: driftredovisning, omställning achieved, prognos.

Every month or tertial a controller compares each nämnd's outcome to date with its
budget to date and with the same period last year, ties the nämnder's sum to the
resultaträkning, forecasts the year and follows the omställningsplan up. The rules,
each beside the document it comes from:

- **Budget to date** (``budget_to_date``): the year's budget × months / 12 (linear
  months; the delårsrapport augusti 2021 does so for the omställning plan: 175 × 8/12
  = 117, avsnitt 2.4, Omställning till hållbar ekonomi), or × the body's own cumulative
  share of the year through the period (its monthly profile), or the body's own periodised
  amount as reported (the driftredovisning's "Budget 2021–08" column, which is not 8/12 of
  any frame). Which one is an input of the workbook, stated on the sheet.
- **Avvikelse** (``deviation``): utfall − budget to date, in mkr and, for net costs (a
  nämnd, its varav rows, verksamhetens nettokostnader), as a share of the budget's
  magnitude (the report gives no share for skatter and finansiella poster); net costs are negative, so a negative avvikelse is an overrun
  (delårsrapport augusti 2021, Driftredovisning: Regionstyrelsen −2 008 − (−1 911) =
  −97; Regionstyrelsens underlag 2020: landstingsstyrelsen 2018 −169 mkr = 5,2 %, of
  a budget of about 3 250).
- **Kostnadsutveckling** (``cost_development``): utfall / utfall same period last year
  − 1 (2 008 / 1 901 − 1 = 5,6 %), for amounts of the same sign.
- **Prognosavvikelse**: the year's forecast − the year's budget (Resultatbudget,
  prognos 2021: −9 044 − (−8 906) = −138).
- **Totals** (``driftredovisning``): verksamhetens nettokostnader = the nämnder (varav
  rows are inside their nämnd and not counted again); verksamhetens resultat =
  nettokostnader + skatteintäkter + generella statsbidrag; finansnetto = finansiella
  intäkter + finansiella kostnader; totalt = verksamhetens resultat + finansnetto.
  They must agree with the resultaträkning of the same period (``reconcile``: a
  Finding per line that does not).
- **Omställning followed up** (``omstallning_followup``): plan to date (linear or as
  reported), share achieved = effect / plan to date, what remains = the year's plan −
  effect; an effect booked in another verksamhet than the one that planned it is kept
  apart and not added to the total (delårsrapport: 94 = 29 + 65, the 20 and 48 "i annan
  verksamhet" are not in it).
- **Printed figures** (``check_printed``): a figure of the printed report is
  reproduced when it equals the computed figure at its printed precision, or, since
  the report's own inputs are printed rounded, when it lies within what those rounded
  inputs allow (interval arithmetic with half a unit on each input). Outside that it
  is a source discrepancy, reported with its cause (the report's 88 % against
  94 / 117 = 80 %).

Nothing here rounds an amount; shares are exact quotients.

Where the values came from: each input row (``DriftLine``, ``Measure``) and each input
(``DriftInput``, ``OmstallningFollowupInput``: the period, the method, the profile share)
carries a ``Locator`` (``xlmodel.location``) given by the workbook layer, so an error
raised here and every finding made here names the user's cell itself (the row's
Förälder cell, the nämnd's Avvikelse cell, the printed figure's cell). A model built
without one (a test) names the field, as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from xlmodel.errors import InputError
from xlmodel.findings import Finding, Severity
from xlmodel.location import NOWHERE, Location, Locator
from xlmodel.money import ZERO, fmt_mkr, round_half_up
from xlmodel.rules.base import OptionalAmount, RuleModel

RULE = "uppfoljning"
RULE_OMST = "omstallning_uppfoljning"
MONTHS_IN_YEAR = 12

Method = Literal["linjar", "profil", "periodiserad"]


class Located(RuleModel):
    """A rule input that knows where its values came from: ``where(key)`` is the Location
    of its value ``key`` (a column key of the layout, or a parameter's). Not part of the
    value: left out of dumps and reprs, and any two locators compare equal."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)
    where: Locator = Field(default=NOWHERE, exclude=True, repr=False)

    def at(self, key: str, argument: str | None = None) -> Location:
        """Where value ``key`` came from; without a source, the field (``argument``, else ``key``)."""
        loc = self.where(key)
        return loc if loc.sheet is not None else Location(argument=argument or key)


def _found(loc: Location | None, **finding: Any) -> Finding:
    """A finding at the cell ``loc`` names (none without a source)."""
    if loc is not None and loc.sheet is not None:
        finding.update(sheet=loc.sheet, cell=loc.cell)
    return Finding(**finding)


# =========================================================================== scalar rules


def _months(months: int, rule: str = RULE, where: Location | None = None) -> int:
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MONTHS_IN_YEAR:
        raise (where or Location(argument="manader")).error(f"perioden ska vara 1–12 månader, inte {months}", rule=rule)
    return months


def budget_to_date(annual: Decimal, months: int, *, share: Decimal | None = None) -> Decimal:
    """The year's budget to the end of month ``months``: linear (× months / 12), or ×
    ``share``, the body's own cumulative share of the year through that month."""
    _months(months)
    if share is None:
        return annual * months / MONTHS_IN_YEAR
    if not ZERO <= share <= 1:
        raise InputError(f"andelen av årets budget t.o.m. perioden ska vara 0–100 %, inte {share}", rule=RULE,
                         argument="profilandel")
    return annual * share


def deviation(utfall: Decimal, budget: Decimal) -> Decimal:
    """Avvikelse mot budget: utfall − budget (net costs negative: < 0 is an overrun)."""
    return utfall - budget


def deviation_share(avvikelse: Decimal, budget: Decimal) -> Decimal | None:
    """Avvikelse as a share of the budget's magnitude; None for a zero budget."""
    return None if budget == 0 else avvikelse / abs(budget)


def cost_development(utfall: Decimal, utfall_prior: Decimal) -> Decimal | None:
    """Kostnadsutveckling: utfall / utfall same period last year − 1; None when the two
    are not of the same sign (no growth rate between a cost and an income)."""
    if utfall_prior == 0 or (utfall < 0) != (utfall_prior < 0) or utfall == 0:
        return None
    return utfall / utfall_prior - 1


def share_achieved(effect: Decimal, plan: Decimal) -> Decimal | None:
    """Andel uppnådd: effect to date / plan to date; None for a zero plan."""
    return None if plan == 0 else effect / plan


# =========================================================================== print precision


@dataclass(frozen=True)
class Interval:
    """Where the true value of a figure lies when its inputs are printed rounded."""

    lo: Decimal
    hi: Decimal

    @staticmethod
    def around(x: Decimal, half: Decimal) -> "Interval":
        return Interval(x - half, x + half)

    def __add__(self, other: "Interval") -> "Interval":
        return Interval(self.lo + other.lo, self.hi + other.hi)

    def __sub__(self, other: "Interval") -> "Interval":
        return Interval(self.lo - other.hi, self.hi - other.lo)

    def scale(self, k: Decimal) -> "Interval":
        a, b = self.lo * k, self.hi * k
        return Interval(min(a, b), max(a, b))

    def ratio(self, other: "Interval") -> "Interval | None":
        """self / other; None when ``other`` may be zero (any value is possible)."""
        if other.lo <= 0 <= other.hi:
            return None
        q = [a / b for a in (self.lo, self.hi) for b in (other.lo, other.hi)]
        return Interval(min(q), max(q))


def half_unit(places: int | None) -> Decimal:
    """Half a unit of the last printed decimal; 0 when the inputs are exact (None)."""
    return ZERO if places is None else Decimal(5).scaleb(-places - 1)


def check_printed(*, what: str, computed: Decimal | None, possible: Interval | None, printed: Decimal,
                  places: int, percent: bool, cause: str, subject: str, field: str,
                  rule: str = RULE, where: Location | None = None) -> Finding | None:
    """A printed figure against the computed one (see the module docstring).

    ``places``: decimals the figure is printed with (of a percentage: in percent);
    ``where``: the printed figure's cell, where the finding is.
    Returns None when the print shows the computed figure, an INFO finding when it
    differs but lies within the rounding of the printed inputs, a WARNING with
    ``cause`` otherwise."""
    scale = Decimal(100) if percent else Decimal(1)
    if computed is None:  # never dropped silently: the print has a figure the inputs do not give
        return _found(where, rule=f"{rule}.publicerad", severity=Severity.WARNING, subject=subject, field=field,
                       message=(f"{what}: rapporten anger {fmt_mkr(round_half_up(printed * scale, places))}"
                                f"{' %' if percent else ' mkr'}, men indata ger ingen sådan siffra att jämföra med."),
                       expected=printed)
    shown = round_half_up(computed * scale, places)
    if shown == round_half_up(printed * scale, places):
        return None
    half = half_unit(places) / scale
    printed_range = Interval.around(printed, half)
    unit = " %" if percent else " mkr"

    def txt(x: Decimal) -> str:  # a percentage one decimal finer than printed, to show the gap
        return fmt_mkr(round_half_up(x * scale, places + 1 if percent else places)) + unit

    if possible is None or (possible.lo <= printed_range.hi and printed_range.lo <= possible.hi):
        span = "" if possible is None else f" (de avrundade indata ger {txt(possible.lo)} till {txt(possible.hi)})"
        return _found(where, rule=f"{rule}.tryckt_avrundning", severity=Severity.INFO, subject=subject, field=field,
                       message=(f"{what}: rapporten anger {txt(printed)}, beräknat {txt(computed)}; skillnaden ryms "
                                f"i tryckets avrundning{span}."),
                       expected=printed, found=computed)
    return _found(where, rule=f"{rule}.publicerad", severity=Severity.WARNING, subject=subject, field=field,
                   message=(f"{what}: rapporten anger {txt(printed)} men {cause} = {txt(computed)}; det ryms inte i "
                            f"tryckets avrundning ({txt(possible.lo)} till {txt(possible.hi)})."),
                   expected=printed, found=computed)


# =========================================================================== driftredovisning

LineKind = Literal["namnd", "varav", "skatteintakter", "statsbidrag", "finansiella_intakter", "finansiella_kostnader"]
COST_KINDS = ("namnd", "varav")
# The summary lines of a driftredovisning, in the order the report prints them.
TOTAL_KEYS = ("verksamhetens_nettokostnader", "skatteintakter", "statsbidrag", "verksamhetens_resultat",
              "finansiella_intakter", "finansiella_kostnader", "finansnetto", "totalt")
TOTAL_LABELS = {
    "verksamhetens_nettokostnader": "Verksamhetens nettokostnader",
    "skatteintakter": "Skatteintäkter",
    "statsbidrag": "Generella statsbidrag och utjämning",
    "verksamhetens_resultat": "Verksamhetens resultat",
    "finansiella_intakter": "Finansiella intäkter",
    "finansiella_kostnader": "Finansiella kostnader",
    "finansnetto": "Finansnetto",
    "totalt": "Totalt (periodens resultat)",
}
# How each summary line is made: from the rows of a kind, or from other summary lines.
TOTAL_FROM_ROWS = {"verksamhetens_nettokostnader": "namnd", "skatteintakter": "skatteintakter",
                   "statsbidrag": "statsbidrag", "finansiella_intakter": "finansiella_intakter",
                   "finansiella_kostnader": "finansiella_kostnader"}
TOTAL_FROM_TOTALS = {
    "verksamhetens_resultat": ("verksamhetens_nettokostnader", "skatteintakter", "statsbidrag"),
    "finansnetto": ("finansiella_intakter", "finansiella_kostnader"),
    "totalt": ("verksamhetens_resultat", "finansnetto"),
}
AMOUNT_FIELDS = ("utfall", "utfall_foregaende", "budget_period", "budget_ar", "prognos_ar")


class DriftLine(Located):
    """One row of the driftredovisning as the controller enters it (``where``: its cells,
    by column key, the computed ones too)."""

    rule_id: ClassVar[str] = RULE
    id: str
    label: str
    kind: LineKind = "namnd"
    parent: str | None = None
    utfall: OptionalAmount = None              # t.o.m. the period
    utfall_foregaende: OptionalAmount = None   # the same period last year
    budget_ar: OptionalAmount = None           # the year's budget (frame)
    budget_periodiserad: OptionalAmount = None  # the body's own budget to date, as reported
    prognos_ar: OptionalAmount = None          # forecast for the year
    avvikelse_angiven: OptionalAmount = None   # a varav row that reports only its deviation

    @model_validator(mode="after")
    def _parent(self) -> "DriftLine":
        if (self.kind == "varav") != (self.parent is not None):
            raise self.at("parent").error(
                "en varav-rad ska ange sin förälder, och bara en varav-rad har förälder", rule=RULE)
        return self


class DriftInput(Located):
    """The driftredovisning's inputs (``where``: the cells of ``months``, ``method`` and
    ``profile_share``, the workbook's parameters)."""

    rule_id: ClassVar[str] = RULE
    months: int
    method: Method = "periodiserad"
    profile_share: Decimal | None = None       # method "profil": the cumulative share t.o.m. the period
    lines: tuple[DriftLine, ...]

    @model_validator(mode="after")
    def _check(self) -> "DriftInput":
        _months(self.months, where=self.at("months", "manader"))
        seen: set[str] = set()
        for ln in self.lines:
            if ln.id in seen:  # at the repeated row: the first is the one the user meant
                raise ln.at("id", ln.id).error(f"id '{ln.id}' förekommer flera gånger", rule=RULE)
            seen.add(ln.id)
            if ln.parent is not None:
                parent = next((p for p in self.lines if p.id == ln.parent), None)
                if parent is None or parent.kind != "namnd":
                    raise ln.at("parent", ln.id).error(
                        f"varav-raden '{ln.id}' anger förälder '{ln.parent}', som inte är en nämnd i tabellen", rule=RULE)
        if self.method == "profil" and (self.profile_share is None or not ZERO <= self.profile_share <= 1):
            raise self.at("profile_share", "profilandel").error(
                "periodisering efter egen profil kräver andelen av året t.o.m. perioden (0–100 %)", rule=RULE)
        return self


class DriftRow(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    kind: str
    budget_period: Decimal | None
    avvikelse: Decimal | None
    avvikelse_andel: Decimal | None
    kostnadsutveckling: Decimal | None
    prognosavvikelse: Decimal | None


class TotalLine(BaseModel):
    model_config = ConfigDict(frozen=True)
    key: str
    label: str
    utfall: Decimal | None
    utfall_foregaende: Decimal | None
    budget_period: Decimal | None
    budget_ar: Decimal | None
    prognos_ar: Decimal | None
    avvikelse: Decimal | None
    avvikelse_andel: Decimal | None
    kostnadsutveckling: Decimal | None
    prognosavvikelse: Decimal | None
    rows: tuple[str, ...] = ()     # the rows summed (a line made from rows)
    parts: tuple[str, ...] = ()    # the summary lines added (a line made from lines)


class Driftredovisning(BaseModel):
    model_config = ConfigDict(frozen=True)
    rows: tuple[DriftRow, ...]
    totals: tuple[TotalLine, ...]
    findings: tuple[Finding, ...]

    def row(self, row_id: str) -> DriftRow:
        return next(r for r in self.rows if r.id == row_id)

    def total(self, key: str) -> TotalLine:
        return next(t for t in self.totals if t.key == key)


def row_budget_period(line: DriftLine, inp: DriftInput) -> Decimal | None:
    """Budget to date of a row by the workbook's method (see ``budget_to_date``)."""
    if inp.method == "periodiserad":
        return line.budget_periodiserad
    if line.budget_ar is None:
        return None
    return budget_to_date(line.budget_ar, inp.months, share=inp.profile_share if inp.method == "profil" else None)


def _sum(values: list[Decimal | None]) -> Decimal | None:
    """A total of rows: None when any row lacks the figure (a partial sum would mislead)."""
    if not values or any(v is None for v in values):
        return None
    return sum(values, ZERO)


def _line(key: str, label: str, utfall, prior, budget, budget_ar, prognos, *, cost: bool,
          rows: tuple[str, ...] = (), parts: tuple[str, ...] = ()) -> TotalLine:
    avv = deviation(utfall, budget) if utfall is not None and budget is not None else None
    return TotalLine(
        key=key, label=label, utfall=utfall, utfall_foregaende=prior, budget_period=budget, budget_ar=budget_ar,
        prognos_ar=prognos, avvikelse=avv,
        avvikelse_andel=deviation_share(avv, budget) if cost and avv is not None else None,
        kostnadsutveckling=cost_development(utfall, prior) if cost and utfall is not None and prior is not None else None,
        prognosavvikelse=prognos - budget_ar if prognos is not None and budget_ar is not None else None,
        rows=rows, parts=parts,
    )


def driftredovisning(inp: DriftInput) -> Driftredovisning:
    rows: list[DriftRow] = []
    findings: list[Finding] = []
    by_id: dict[str, DriftRow] = {}
    for ln in inp.lines:
        budget = row_budget_period(ln, inp)
        if ln.utfall is not None and budget is not None:
            avv = deviation(ln.utfall, budget)
        else:
            avv = ln.avvikelse_angiven
        cost = ln.kind in COST_KINDS
        row = DriftRow(
            id=ln.id, kind=ln.kind, budget_period=budget, avvikelse=avv,
            avvikelse_andel=deviation_share(avv, budget) if cost and avv is not None and budget is not None else None,
            kostnadsutveckling=(cost_development(ln.utfall, ln.utfall_foregaende)
                                if cost and ln.utfall is not None and ln.utfall_foregaende is not None else None),
            prognosavvikelse=ln.prognos_ar - ln.budget_ar if ln.prognos_ar is not None and ln.budget_ar is not None else None,
        )
        rows.append(row)
        by_id[ln.id] = row
    # Varav rows explain part of their nämnd's avvikelse; what they leave unexplained is said.
    for parent in (ln for ln in inp.lines if ln.kind == "namnd"):
        children = [by_id[c.id] for c in inp.lines if c.parent == parent.id]
        if not children or by_id[parent.id].avvikelse is None or any(c.avvikelse is None for c in children):
            continue
        named = sum((c.avvikelse for c in children), ZERO)
        rest = by_id[parent.id].avvikelse - named
        if rest != 0:
            findings.append(_found(
                parent.where("avvikelse"), rule=f"{RULE}.varav_rest", severity=Severity.INFO, subject=parent.id,
                field="avvikelse",
                message=(f"Varav-raderna under {parent.label} förklarar {fmt_mkr(named)} mkr av avvikelsen "
                         f"{fmt_mkr(by_id[parent.id].avvikelse)} mkr; {fmt_mkr(rest)} mkr anges inte på någon varav-rad."),
                expected=by_id[parent.id].avvikelse, found=named))
    totals: dict[str, TotalLine] = {}
    lines_by_kind = {k: [ln for ln in inp.lines if ln.kind == k] for k in TOTAL_FROM_ROWS.values()}
    for key in TOTAL_KEYS:
        if key in TOTAL_FROM_ROWS:
            members = lines_by_kind[TOTAL_FROM_ROWS[key]]
            budgets = [by_id[m.id].budget_period for m in members]
            totals[key] = _line(key, TOTAL_LABELS[key], _sum([m.utfall for m in members]),
                                _sum([m.utfall_foregaende for m in members]), _sum(budgets),
                                _sum([m.budget_ar for m in members]), _sum([m.prognos_ar for m in members]),
                                cost=key == "verksamhetens_nettokostnader", rows=tuple(m.id for m in members))
        else:
            parts = [totals[p] for p in TOTAL_FROM_TOTALS[key]]
            totals[key] = _line(key, TOTAL_LABELS[key], *(_sum([getattr(p, f) for p in parts]) for f in AMOUNT_FIELDS),
                                cost=False, parts=TOTAL_FROM_TOTALS[key])
    return Driftredovisning(rows=tuple(rows), totals=tuple(totals[k] for k in TOTAL_KEYS), findings=tuple(findings))


# --- the resultaträkning of the same period ------------------------------------------


class ReconciliationLine(BaseModel):
    model_config = ConfigDict(frozen=True)
    key: str
    resultatrakning: Decimal
    driftredovisning: Decimal | None
    difference: Decimal | None


def reconcile(result: Driftredovisning, resultatrakning: dict[str, Decimal], tolerance: Decimal, *,
              where: Mapping[str, Locator] | None = None, tolerance_at: Location | None = None,
              ) -> tuple[list[ReconciliationLine], list[Finding]]:
    """The driftredovisning's summary lines against the resultaträkning of the period
    (delårsrapport: nettokostnader −5 877 in both, skatteintäkter 4 634, generella
    statsbidrag 1 600, finansiella intäkter 731 and kostnader −63). Difference =
    driftredovisning − resultaträkning; beyond ``tolerance`` it is an ERROR: the two
    statements of the same period disagree.

    ``where``: per line, where its values came from (keys ``id``, ``amount`` and the
    computed ``difference``, where a finding is); ``tolerance_at``: the tolerance's cell."""
    where = where or {}
    if tolerance < 0:
        raise (tolerance_at or Location(argument="tolerans")).error("avstämningstoleransen kan inte vara negativ",
                                                                  rule=RULE)
    out, findings = [], []
    for key, rr in resultatrakning.items():
        if key not in TOTAL_KEYS:
            loc = where.get(key, NOWHERE)("id")
            raise (loc if loc.sheet else Location(argument=key)).error(
                f"'{key}' är ingen rad i driftredovisningens summering ({', '.join(TOTAL_KEYS)})", rule=RULE)
        at = where.get(key, NOWHERE)("difference")
        ours = result.total(key).utfall
        diff = ours - rr if ours is not None else None
        out.append(ReconciliationLine(key=key, resultatrakning=rr, driftredovisning=ours, difference=diff))
        if diff is None:
            findings.append(_found(at, rule=f"{RULE}.resultatrakning", severity=Severity.ERROR, subject=key, field="utfall",
                                    message=(f"{TOTAL_LABELS[key]} kan inte stämmas av mot resultaträkningen: någon rad i "
                                             "driftredovisningen saknar utfall."), expected=rr))
        elif abs(diff) > tolerance:
            findings.append(_found(
                at, rule=f"{RULE}.resultatrakning", severity=Severity.ERROR, subject=key, field="utfall",
                message=(f"{TOTAL_LABELS[key]} är {fmt_mkr(ours)} mkr enligt driftredovisningen men {fmt_mkr(rr)} mkr i "
                         f"resultaträkningen: skillnaden {fmt_mkr(diff)} mkr är större än toleransen {fmt_mkr(tolerance)} mkr."),
                expected=rr, found=ours))
    return out, findings


# --- printed driftredovisning ----------------------------------------------------------


def drift_intervals(inp: DriftInput, half: Decimal) -> dict[tuple[str, str], Interval | None]:
    """(row id or summary key, field) → where the figure lies given inputs printed with
    half-unit ``half`` (fields: utfall, utfall_foregaende, budget_period, avvikelse,
    kostnadsutveckling)."""
    out: dict[tuple[str, str], Interval | None] = {}

    def put(key: str, vals: dict[str, Interval | None], cost: bool) -> None:
        for f in ("utfall", "utfall_foregaende", "budget_period"):
            out[(key, f)] = vals.get(f)
        u, p, b = vals.get("utfall"), vals.get("utfall_foregaende"), vals.get("budget_period")
        out[(key, "avvikelse")] = vals.get("avvikelse") or (u - b if u is not None and b is not None else None)
        growth = u.ratio(p) if cost and u is not None and p is not None else None
        out[(key, "kostnadsutveckling")] = Interval(growth.lo - 1, growth.hi - 1) if growth else None

    def iv(x: Decimal | None) -> Interval | None:
        return None if x is None else Interval.around(x, half)

    rows: dict[str, dict[str, Interval | None]] = {}
    for ln in inp.lines:
        budget = row_budget_period(ln, inp)
        b = iv(ln.budget_periodiserad) if inp.method == "periodiserad" else (
            iv(ln.budget_ar).scale(budget / ln.budget_ar) if ln.budget_ar not in (None, ZERO) and budget is not None else None)
        vals = {"utfall": iv(ln.utfall), "utfall_foregaende": iv(ln.utfall_foregaende), "budget_period": b}
        if ln.utfall is None or b is None:
            vals["avvikelse"] = iv(ln.avvikelse_angiven)
        rows[ln.id] = vals
        put(ln.id, vals, ln.kind in COST_KINDS)
    sums: dict[str, dict[str, Interval | None]] = {}

    def add(items: list[dict[str, Interval | None]]) -> dict[str, Interval | None]:
        res: dict[str, Interval | None] = {}
        for f in ("utfall", "utfall_foregaende", "budget_period"):
            parts = [i.get(f) for i in items]
            res[f] = None if not parts or any(p is None for p in parts) else sum(parts[1:], parts[0])
        return res

    for key in TOTAL_KEYS:
        if key in TOTAL_FROM_ROWS:
            sums[key] = add([rows[ln.id] for ln in inp.lines if ln.kind == TOTAL_FROM_ROWS[key]])
        else:
            sums[key] = add([sums[p] for p in TOTAL_FROM_TOTALS[key]])
        put(key, sums[key], key == "verksamhetens_nettokostnader")
    return out


# =========================================================================== omställning


class Measure(Located):
    """One row of the omställning follow-up: a verksamhet's plan or one of its measures
    (``where``: its cells, by column key)."""

    rule_id: ClassVar[str] = RULE_OMST
    id: str
    label: str
    planned_by: str                      # the nämnd/förvaltning whose plan it is
    booked_in: str | None = None         # where the effect shows, if not in the planner's own accounts
    parent: str | None = None            # a measure inside a verksamhet's row (varav)
    plan_ar: OptionalAmount = None
    plan_period: OptionalAmount = None   # plan to date as reported (else linear)
    effekt: OptionalAmount = None

    @property
    def booked_elsewhere(self) -> bool:
        return self.booked_in is not None and self.booked_in.strip().casefold() != self.planned_by.strip().casefold()


class OmstallningFollowupInput(Located):
    """The omställning follow-up's inputs (``where``: the cell of ``months``)."""

    rule_id: ClassVar[str] = RULE_OMST
    months: int
    measures: tuple[Measure, ...]

    @model_validator(mode="after")
    def _check(self) -> "OmstallningFollowupInput":
        _months(self.months, RULE_OMST, where=self.at("months", "manader"))
        seen: set[str] = set()
        for m in self.measures:
            if m.id in seen:  # at the repeated row
                raise m.at("id", m.id).error(f"id '{m.id}' förekommer flera gånger", rule=RULE_OMST)
            seen.add(m.id)
            if m.parent is not None and not any(p.id == m.parent and p.parent is None for p in self.measures):
                raise m.at("parent", m.id).error(
                    f"raden '{m.id}' anger förälder '{m.parent}', som inte är en verksamhetsrad i tabellen", rule=RULE_OMST)
        return self


Counted = Literal["summa", "varav", "annan_verksamhet"]


class MeasureRow(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    counted: Counted
    plan_period: Decimal | None
    andel: Decimal | None
    kvar: Decimal | None


class OmstallningTotal(BaseModel):
    model_config = ConfigDict(frozen=True)
    plan_ar: Decimal
    plan_period: Decimal
    effekt: Decimal
    andel: Decimal | None
    kvar: Decimal
    elsewhere_effekt: Decimal            # kept apart: in another verksamhet's outcome already
    rows: tuple[str, ...]
    elsewhere_rows: tuple[str, ...]


class OmstallningFollowup(BaseModel):
    model_config = ConfigDict(frozen=True)
    rows: tuple[MeasureRow, ...]
    total: OmstallningTotal
    findings: tuple[Finding, ...]

    def row(self, row_id: str) -> MeasureRow:
        return next(r for r in self.rows if r.id == row_id)


def measure_plan_period(m: Measure, months: int) -> Decimal | None:
    if m.plan_period is not None:
        return m.plan_period
    return None if m.plan_ar is None else budget_to_date(m.plan_ar, months)


def omstallning_followup(inp: OmstallningFollowupInput) -> OmstallningFollowup:
    rows, findings = [], []
    for m in inp.measures:
        counted: Counted = "varav" if m.parent is not None else ("annan_verksamhet" if m.booked_elsewhere else "summa")
        plan = measure_plan_period(m, inp.months)
        rows.append(MeasureRow(
            id=m.id, counted=counted, plan_period=plan,
            andel=share_achieved(m.effekt, plan) if m.effekt is not None and plan is not None else None,
            kvar=m.plan_ar - m.effekt if m.plan_ar is not None and m.effekt is not None else None,
        ))
    own = [m for m, r in zip(inp.measures, rows) if r.counted == "summa"]
    apart = [m for m, r in zip(inp.measures, rows) if r.counted == "annan_verksamhet"]
    for parent in own + apart:
        children = [m for m in inp.measures if m.parent == parent.id and m.effekt is not None]
        named = sum((m.effekt for m in children), ZERO)
        if children and parent.effekt is not None and abs(named) > abs(parent.effekt):
            findings.append(_found(
                parent.where("effekt"), rule=f"{RULE_OMST}.varav", severity=Severity.ERROR, subject=parent.id,
                field="effekt",
                message=(f"Varav-raderna under {parent.label} har en effekt på {fmt_mkr(named)} mkr, mer än radens egen "
                         f"effekt {fmt_mkr(parent.effekt)} mkr: en varav-rad ingår i sin rad och kan inte vara större."),
                expected=parent.effekt, found=named))
    plan_ar = sum((m.plan_ar or ZERO for m in own), ZERO)
    plan_period = sum((r.plan_period or ZERO for m, r in zip(inp.measures, rows) if r.counted == "summa"), ZERO)
    effekt = sum((m.effekt or ZERO for m in own), ZERO)
    total = OmstallningTotal(
        plan_ar=plan_ar, plan_period=plan_period, effekt=effekt, andel=share_achieved(effekt, plan_period),
        kvar=plan_ar - effekt, elsewhere_effekt=sum((m.effekt or ZERO for m in apart), ZERO),
        rows=tuple(m.id for m in own), elsewhere_rows=tuple(m.id for m in apart),
    )
    return OmstallningFollowup(rows=tuple(rows), total=total, findings=tuple(findings))


def omstallning_intervals(inp: OmstallningFollowupInput, half: Decimal) -> dict[tuple[str, str], Interval | None]:
    """(row id or "totalt", field) → where the figure lies with inputs printed with ``half``."""
    out: dict[tuple[str, str], Interval | None] = {}
    sums = {"plan_ar": Interval(ZERO, ZERO), "plan_period": Interval(ZERO, ZERO), "effekt": Interval(ZERO, ZERO)}
    for m in inp.measures:
        plan_ar = None if m.plan_ar is None else Interval.around(m.plan_ar, half)
        plan = (Interval.around(m.plan_period, half) if m.plan_period is not None else
                plan_ar.scale(Decimal(inp.months) / MONTHS_IN_YEAR) if plan_ar is not None else None)
        eff = None if m.effekt is None else Interval.around(m.effekt, half)
        out[(m.id, "plan_ar")], out[(m.id, "plan_period")], out[(m.id, "effekt")] = plan_ar, plan, eff
        out[(m.id, "andel")] = eff.ratio(plan) if eff is not None and plan is not None else None
        if m.parent is None and not m.booked_elsewhere:
            for k, v in (("plan_ar", plan_ar), ("plan_period", plan), ("effekt", eff)):
                if v is not None:
                    sums[k] = sums[k] + v
    for k, v in sums.items():
        out[("totalt", k)] = v
    out[("totalt", "andel")] = sums["effekt"].ratio(sums["plan_period"])
    return out


# =========================================================================== forecast into the balance requirement

FORECAST_KEYS = ("nettoram", "skatteintakter", "statsbidrag", "finansiella_intakter", "finansiella_kostnader")
FORECAST_TOTALS = ("summa_skatter_statsbidrag", "verksamhetens_resultat", "finansnetto", "resultat")
Basis = Literal["utfall", "prognos", "budget"]


def forecast_totals(year: int, lines: dict[str, Decimal]) -> dict[str, Decimal]:
    """The year's resultat from resultatbudget lines (budget or prognos): the same
    identities as the resultatbudget (``goals.check_resultatbudget_year``): delårsrapport
    augusti 2021, Prognos 2021: −9 044 + 6 935 + 2 337 = 228; 734 − 93 = 641; 869."""
    from xlmodel.rules.goals import ResultatbudgetYear, check_resultatbudget_year

    chk = check_resultatbudget_year(ResultatbudgetYear(
        year=year, nettoram=lines["nettoram"], skatteintakter=lines["skatteintakter"],
        generella_statsbidrag=lines["statsbidrag"], finansiella_intakter=lines.get("finansiella_intakter") or ZERO,
        finansiella_kostnader=lines.get("finansiella_kostnader") or ZERO))
    return {"summa_skatter_statsbidrag": chk.summa_skatter_statsbidrag,
            "verksamhetens_resultat": chk.verksamhetens_resultat, "finansnetto": chk.finansnetto,
            "resultat": chk.resultat}


def balance_basis(budget: Decimal | None, prognos: Decimal | None, utfall: Decimal | None) -> tuple[Basis, Decimal] | None:
    """Which balanskravsresultat of a year the restoration ledger uses: the outcome once
    the year is closed, before that the latest forecast, before that the budget. The
    balance requirement is judged on the outcome (KL 11 kap. 12 §); during the year the
    forecast is the best estimate of it (delårsrapport augusti 2021, 2.8: "Årets
    balanskravsresultat för 2021 prognosticeras uppgå till 168")."""
    for basis, value in (("utfall", utfall), ("prognos", prognos), ("budget", budget)):
        if value is not None:
            return basis, value  # type: ignore[return-value]
    return None
