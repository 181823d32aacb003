"""Omställning: restructuring cuts, absolute or as a percentage, and temporary withholding.

Three kinds of rule, each as the regions' plans state it:

1. **Absolute cuts per nämnd** (Region Västerbottens Regionplan 2021, avsnitt Omställning
   till hållbar ekonomi 2020–2022). An omställningsplan gives each
   nämnd an amount in two parts:
   - *budgetreducering* cuts the nämnd's frame and becomes a frame-table change of
     kind "omstallning" (a negative amount in the column "Omställning reducering");
   - *underskottshantering* is the cost reduction needed to close an existing deficit
     against the frame; it does NOT change the frame.
   2021: RS 5 + 7 = 12, HSN 45 + 118 = 163, total 175 of which frame cut 50. 2022 (Hälso-
   och sjukvårdsnämndens plan 2022 (Region Västerbotten), avsnitt 4.1): HSN 152 = 45 + 107,
   and the action table sums to 152.

2. **Percentage cuts per year** (Region Västernorrlands Regionplan 2020–2022, avsnitt 7.4
   Resursramar). With a yearly rate r and k years of cutting, the reduced frame is the
   indexed (unreduced) frame times (1 − s_k):
   - "additive" (cumulative-additive, what the plan states: "en procent varje år, dvs
     tre procent ackumulerat för år 2022"): s_k = k·r;
   - "compounding": s_k = 1 − (1 − r)^k.
   For 0 < r < 1 and k ≥ 2 the additive share is the larger (Bernoulli's inequality).
   The same applies to an avkastningskrav: a requirement on a unit's revenues instead of
   its net frame (the same plan's footnotes 6, 8, 10, 11).

3. **Temporary withholding** (Hälso- och sjukvårdsnämndens plan 2022 (Region Västerbotten),
   avsnitt 4.4 Fördelade budgetramar 2022): a share of the areas' frames is
   held back at the start of the year and returned during it; net zero over the year and
   not carried into next year's base.

Rates are inputs (a region's decision, stated in its plan), never literals here.
Amounts are exact; published figures are compared at their printed precision with
money.round_half_up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from xlmodel.errors import InputError
from xlmodel.findings import Finding, Severity
from xlmodel.money import ZERO, decimal_places, fmt_mkr, fmt_percent, round_half_up
from xlmodel.rules import uplift
from xlmodel.rules.frametable import FrameChange

RULE = "omstallning"
ONE = Decimal(1)
CutMethod = Literal["additive", "compounding"]
CUT_METHODS: tuple[str, ...] = ("additive", "compounding")


def _printed_places(value: Decimal) -> int:
    return decimal_places(value.normalize())


def _agrees(computed: Decimal, printed: Decimal) -> tuple[bool, Decimal]:
    """Compare at the printed figure's precision; returns (agrees, computed as printed)."""
    p = _printed_places(printed)
    mine = round_half_up(computed, p)
    return mine == round_half_up(printed, p), mine


def _non_negative(x: Decimal, argument: str, rule: str = RULE) -> Decimal:
    if x < ZERO:
        raise InputError(
            f"beloppet {fmt_mkr(x)} är negativt; ange besparingen som ett positivt belopp",
            rule=rule,
            argument=argument,
        )
    return x


# =========================================================================== absolute cuts

class OmstallningPart(BaseModel):
    """One nämnd's part of a year's omställningsplan. Amounts are the sizes of the
    savings (positive); the frame change is the negative budgetreducering."""

    model_config = ConfigDict(extra="forbid")

    row: str                                  # frame-table row id of the nämnd
    label: str                                # Swedish name of the nämnd
    budgetreducering: Decimal                 # cuts the frame
    underskottshantering: Decimal = ZERO      # closes a deficit; the frame is unchanged


class OmstallningAction(BaseModel):
    """One line of an action table (åtgärder), e.g. the HSN plan 2022's 'Omstrukturering av
    vården 45'."""

    model_config = ConfigDict(extra="forbid")

    id: str
    label: str
    amount: Decimal


class OmstallningPlan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: int
    parts: list[OmstallningPart]
    announced_total: Decimal | None = None            # e.g. 175 (2021) or 152 (HSN 2022)
    announced_budgetreducering: Decimal | None = None  # e.g. "reduceras … med 50 miljoner kronor"
    actions: list[OmstallningAction] = []              # should sum to the plan total


class OmstallningRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    row: str
    label: str
    budgetreducering: Decimal
    underskottshantering: Decimal
    total: Decimal


class OmstallningResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    year: int
    rows: list[OmstallningRow]
    budgetreducering: Decimal
    underskottshantering: Decimal
    total: Decimal
    actions_total: Decimal | None
    findings: list[Finding]

    def frame_changes(self) -> list[FrameChange]:
        """The frame-table changes: one "omstallning" change per nämnd with a
        budgetreducering, signed as in the table (negative). Underskottshantering is
        not a frame change."""
        return [
            FrameChange(
                id=f"omstallning_{r.row}_{self.year}",
                label=f"Omställning {self.year}: budgetreducering {r.label}",
                kind="omstallning",
                row=r.row,
                amount=-r.budgetreducering,
            )
            for r in self.rows
            if r.budgetreducering != ZERO
        ]


def summarize_omstallning(plan: OmstallningPlan) -> OmstallningResult:
    """Totals of an omställningsplan split into frame cut and deficit management, with
    findings where the stated totals or the action table do not agree."""
    rule = f"{RULE}.plan"
    seen: set[str] = set()
    rows: list[OmstallningRow] = []
    for part in plan.parts:
        if part.row in seen:
            raise InputError(f"nämnden '{part.row}' förekommer två gånger", rule=rule, argument="rad")
        seen.add(part.row)
        b = _non_negative(part.budgetreducering, f"budgetreducering[{part.row}]", rule)
        u = _non_negative(part.underskottshantering, f"underskottshantering[{part.row}]", rule)
        rows.append(OmstallningRow(row=part.row, label=part.label, budgetreducering=b, underskottshantering=u, total=b + u))
    cut = sum((r.budgetreducering for r in rows), ZERO)
    deficit = sum((r.underskottshantering for r in rows), ZERO)
    total = cut + deficit
    actions_total = sum((a.amount for a in plan.actions), ZERO) if plan.actions else None

    findings: list[Finding] = []
    checks = (
        (plan.announced_total, total, "summa", "Omställningsplanens delar summerar till"),
        (plan.announced_budgetreducering, cut, "budgetreducering", "Budgetreduceringarna summerar till"),
    )
    for announced, computed, field, what in checks:
        if announced is not None:
            ok, mine = _agrees(computed, announced)
            if not ok:
                findings.append(
                    Finding(
                        rule=f"{RULE}.{field}",
                        severity=Severity.WARNING,
                        message=f"{what} {fmt_mkr(computed)} mkr men planen anger {fmt_mkr(announced)} mkr.",
                        subject=str(plan.year),
                        field=field,
                        expected=announced,
                        found=mine,
                    )
                )
    if actions_total is not None and actions_total != total:
        findings.append(
            Finding(
                rule=f"{RULE}.atgarder",
                severity=Severity.WARNING,
                message=(
                    f"Åtgärdstabellen summerar till {fmt_mkr(actions_total)} mkr men planens "
                    f"budgetreducering och underskottshantering till {fmt_mkr(total)} mkr."
                ),
                subject=str(plan.year),
                field="atgarder",
                expected=total,
                found=actions_total,
            )
        )
    return OmstallningResult(
        year=plan.year,
        rows=rows,
        budgetreducering=cut,
        underskottshantering=deficit,
        total=total,
        actions_total=actions_total,
        findings=findings,
    )


# =========================================================================== percentage cuts

def _check_cut_args(rate: Decimal, k: int, method: str, rule: str) -> None:
    if method not in CUT_METHODS:
        raise InputError(
            f"okänd metod '{method}' (ange additive eller compounding)", rule=rule, argument="metod"
        )
    uplift.check_rate(rate, argument="reduktionssats", rule=rule)
    if rate < ZERO:
        raise InputError(f"reduktionssatsen {fmt_percent(rate)} är negativ", rule=rule, argument="reduktionssats")
    if k < 0:
        raise InputError(f"antal år med reduktion ({k}) kan inte vara negativt", rule=rule, argument="ar")


def cumulative_cut_share(rate: Decimal, k: int, method: CutMethod = "additive") -> Decimal:
    """Share of the indexed frame cut after k years at ``rate`` per year:
    additive k·r (Västernorrland's Regionplan 2020–2022: 1 %, 2 %, 3 %) or compounding 1 −
    (1 − r)^k."""
    rule = f"{RULE}.procent"
    _check_cut_args(rate, k, method, rule)
    share = rate * k if method == "additive" else ONE - (ONE - rate) ** k
    if share >= ONE:
        raise InputError(
            f"en ackumulerad reduktion på {share:%} tar hela ramen", rule=rule, argument="reduktionssats"
        )
    return share


def reduced_frame(indexed_frame: Decimal, rate: Decimal, k: int, method: CutMethod = "additive") -> Decimal:
    """frame_y = indexed_y × (1 − s_k)."""
    return indexed_frame * (ONE - cumulative_cut_share(rate, k, method))


def cut_amount(indexed_frame: Decimal, rate: Decimal, k: int, method: CutMethod = "additive") -> Decimal:
    """indexed_y × s_k: the accumulated reduction in year y (the footnote amounts of
    Västernorrland's Regionplan 2020–2022)."""
    return indexed_frame * cumulative_cut_share(rate, k, method)


def unreduced_frame(reduced: Decimal, rate: Decimal, k: int, method: CutMethod = "additive") -> Decimal:
    """The indexed frame before the cut, from a printed reduced frame: reduced / (1 − s_k)
    (Västernorrland's Regionplan 2020–2022, NHU: 411,7 / 0,97 = 424,43)."""
    return reduced / (ONE - cumulative_cut_share(rate, k, method))


def avkastningskrav(revenue: Decimal, rate: Decimal, k: int, method: CutMethod = "additive") -> Decimal:
    """The return requirement on revenues after k years: revenue × s_k. Västernorrland's
    Regionplan 2020–2022 (avsnitt 7.4, footnotes 6, 8, 10, 11) puts the
    revenue-financed units under "en procent per år" on their revenues instead of a cut
    of their (net) frame; the amount improves the net result by this much."""
    return revenue * cumulative_cut_share(rate, k, method)


class CutYear(BaseModel):
    model_config = ConfigDict(frozen=True)

    year: int
    k: int                   # years of cutting so far (0 = before the first cut year)
    indexed: Decimal         # unreduced frame, uplifted year by year
    share: Decimal           # s_k
    cut: Decimal             # indexed × s_k
    reduced: Decimal         # indexed − cut


class CutPath(BaseModel):
    model_config = ConfigDict(frozen=True)

    method: CutMethod
    rate: Decimal
    anchor_year: int
    years: list[CutYear]

    def year(self, y: int) -> CutYear:
        for c in self.years:
            if c.year == y:
                return c
        raise KeyError(y)


def _rate_into(uplift_rates: Decimal | Mapping[int, Decimal], year: int) -> Decimal:
    """The index rate applied going from year − 1 to ``year``."""
    if isinstance(uplift_rates, Decimal):
        return uplift_rates
    if year not in uplift_rates:
        raise InputError(f"indexsats saknas för år {year}", rule=f"{RULE}.procent", argument="indexsatser")
    return uplift_rates[year]


def percentage_cut_path(
    *,
    indexed_anchor: Decimal,
    anchor_year: int,
    years: Sequence[int],
    cut_rate: Decimal,
    first_cut_year: int,
    uplift_rates: Decimal | Mapping[int, Decimal],
    method: CutMethod = "additive",
) -> CutPath:
    """Indexed and reduced frames over ``years`` from an unreduced (indexed) frame in
    ``anchor_year``. The indexed frame moves with the uplift rate year by year (forward:
    × (1 + r_y); backward: ÷ (1 + r_{y+1})); in year y the cut is s_k with
    k = y − first_cut_year + 1 (no cut before the first cut year)."""
    out: list[CutYear] = []
    for y in sorted(set(years)):
        if y >= anchor_year:
            steps = [_rate_into(uplift_rates, t) for t in range(anchor_year + 1, y + 1)]
            indexed = indexed_anchor * uplift.chained_factor(steps)
        else:
            steps = [_rate_into(uplift_rates, t) for t in range(y + 1, anchor_year + 1)]
            indexed = indexed_anchor / uplift.chained_factor(steps)
        k = max(0, y - first_cut_year + 1)
        share = cumulative_cut_share(cut_rate, k, method)
        cut = indexed * share
        out.append(CutYear(year=y, k=k, indexed=indexed, share=share, cut=cut, reduced=indexed - cut))
    return CutPath(method=method, rate=cut_rate, anchor_year=anchor_year, years=out)


def cut_path_from_reduced(
    *,
    reduced_anchor: Decimal,
    anchor_year: int,
    years: Sequence[int],
    cut_rate: Decimal,
    first_cut_year: int,
    uplift_rates: Decimal | Mapping[int, Decimal],
    method: CutMethod = "additive",
) -> CutPath:
    """As ``percentage_cut_path`` but anchored on a printed REDUCED frame: the unreduced
    anchor is reconstructed first (the back-cast from the plan's 2022 frame)."""
    k = max(0, anchor_year - first_cut_year + 1)
    anchor = unreduced_frame(reduced_anchor, cut_rate, k, method)
    return percentage_cut_path(
        indexed_anchor=anchor,
        anchor_year=anchor_year,
        years=years,
        cut_rate=cut_rate,
        first_cut_year=first_cut_year,
        uplift_rates=uplift_rates,
        method=method,
    )


class CutReconciliation(BaseModel):
    model_config = ConfigDict(frozen=True)

    subject: str
    computed: Decimal
    published: Decimal
    finding: Finding | None


def reconcile_published(
    subject: str, computed: Decimal, published: Decimal, *, what: str, field: str = "reduktion"
) -> CutReconciliation:
    """Compare a computed reduction with a printed one at the printed precision; a
    mismatch is a WARNING finding (a source figure the rule does not reproduce)."""
    ok, mine = _agrees(computed, published)
    finding = None
    if not ok:
        finding = Finding(
            rule=f"{RULE}.publicerad",
            severity=Severity.WARNING,
            message=(
                f"{what}: beräknat {fmt_mkr(mine)} mkr (exakt {fmt_mkr(computed, 3)}) men publicerat "
                f"{fmt_mkr(published)} mkr."
            ),
            subject=subject,
            field=field,
            expected=published,
            found=mine,
        )
    return CutReconciliation(subject=subject, computed=computed, published=published, finding=finding)


class TotalReconciliation(BaseModel):
    model_config = ConfigDict(frozen=True)

    parts: dict[str, Decimal]
    total: Decimal
    announced: Decimal
    finding: Finding | None


def reconcile_total(
    parts: Mapping[str, Decimal], announced: Decimal, *, subject: str, rule: str = f"{RULE}.summa"
) -> TotalReconciliation:
    """Σ parts against an announced total (Region Västernorrlands Regionplan 2020–2022,
    avsnitt 7.2 and 7.4: 34,3 + 41,6 + 118,1 = 194), compared at the announced figure's
    printed precision."""
    total = sum(parts.values(), ZERO)
    ok, mine = _agrees(total, announced)
    finding = None
    if not ok:
        finding = Finding(
            rule=rule,
            severity=Severity.WARNING,
            message=f"Delarna summerar till {fmt_mkr(total)} mkr men angivet belopp är {fmt_mkr(announced)} mkr.",
            subject=subject,
            field="summa",
            expected=announced,
            found=mine,
        )
    return TotalReconciliation(parts=dict(parts), total=total, announced=announced, finding=finding)


# =========================================================================== temporary withholding

class TemporaryWithholding(BaseModel):
    model_config = ConfigDict(frozen=True)

    base: Decimal
    rate: Decimal
    withheld: Decimal                 # held back centrally at the start of the year
    areas_opening: Decimal            # what the areas start the year with
    returned: Decimal                 # given back during the year (= withheld)
    net_effect_year: Decimal          # 0: the year's total frame is unchanged
    carried_to_next_year: Decimal     # 0: not part of next year's base


def temporary_withholding(base: Decimal, rate: Decimal) -> TemporaryWithholding:
    """Hälso- och sjukvårdsnämndens plan 2022 (Region Västerbotten), avsnitt 4.4: "En
    reducering av verksamhetens ramar görs med 0,4 procent … och återförs till verksamheten
    under 2022". 0,4 % × 5 279 = 21,116 mkr is withheld and returned within the year: no
    net effect on the year, none on the next year's base. (The plan does not state the
    base; 5 279 is the decided frame.)"""
    rule = f"{RULE}.tillfallig"
    uplift.check_rate(rate, argument="andel", rule=rule)
    if rate < ZERO:
        raise InputError(f"andelen {fmt_percent(rate)} är negativ", rule=rule, argument="andel")
    withheld = base * rate
    return TemporaryWithholding(
        base=base,
        rate=rate,
        withheld=withheld,
        areas_opening=base - withheld,
        returned=withheld,
        net_effect_year=withheld - withheld,
        carried_to_next_year=ZERO,
    )
