"""Reserves: how much may be reserved to, and used from, the RUR / resultatreserv.

Law (KL 11 kap. 14 §, before and from 2024-01-01, prop. 2022/23:119); the regime is chosen
by the fiscal year through params 'reserv.regim':

- **Reservation room** (both regimes): the part of the *lower* of årets resultat and
  årets resultat efter balanskravsjusteringar that exceeds a share of the base
  skatteintäkter + generella statsbidrag + kommunalekonomisk utjämning. The share is
  params 'reserv.grans_andel' (1 %), or 'reserv.grans_andel_negativt_ek' (2 %) when
  eget kapital including the pension ansvarsförbindelse is negative.
- **Cap** (resultatreserv, from FY2024): the resultatreserv may total at most
  params 'reserv.tak_andel' (5 %) of the same base, so room = min(room, cap − balance).
  The RUR built up before 2024 is kept as its own bucket *outside* the cap (SKR
  2023-10-25); ``rur_inside_cap`` stays as an option for a
  body that counts it in. Nothing is reserved to the old RUR from 2024
  (``reserve_ledger`` tracks both buckets year by year).
- **Open deficits** (configurable, default off): some entities deduct deficits still to
  be restored from the room (``deduct_open_deficits``).
- **Use** is *not* limited by the statute beyond the purpose: the RUR "får användas för
  att utjämna intäkter över en konjunkturcykel" per fullmäktige's guidelines, the
  resultatreserv per the guidelines for good economic management (KL 11 kap. 14 §; prop.
  2022/23:119). The common rule "only when the adjusted result is negative, and at most up
  to zero" is a *local guideline*: ``UseGuidelines`` holds it as the default
  (``only_when_negative``, ``at_most_to_zero``, ``max_amount``), and a body with other
  guidelines changes them. ``resultatreserv_use`` "som_rur" (default: the resultatreserv
  under the same local rule) or "riktlinjer" (the resultatreserv up to its balance or
  ``guideline_max``). The trigger of use (e.g. skatteunderlag growth below its 10-year
  average) is a local guideline and is recorded as text, not checked. What *is* law here:
  no reserve before FY2010 (params 'reserv.regim' "ingen"); reserved from FY2010 results
  but usable first in FY2013 (params 'reserv.anvandning'); an old RUR usable after 2023
  only during the transition (params 'reserv.rur_overgang_sista_ar', last year unverified).

Nothing is rounded: room and limits are exact; a region prints them at its own
precision. Results are never negative. Each result lists the parameters it used, with
their legal reference and period, so an auditor can follow it.

The base: enter utjämning separately only if it is not already inside "generella
statsbidrag" (Västernorrland prints "Generella statsbidrag och utjämning" as one line,
Västerbotten's "Generella statsbidrag" includes utjämning).
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from xlmodel import params
from xlmodel.errors import InputError
from xlmodel.findings import Finding, Severity
from xlmodel.money import ZERO, fmt_mkr
from xlmodel.rules.base import Amount, AmountOrZero, OptionalAmount, RuleModel, Year

RULE = "reserv"

REGIME_NONE = "ingen"
REGIME_RUR = "resultatutjamningsreserv"
REGIME_RESULTATRESERV = "resultatreserv"
REGIME_LABEL = {REGIME_NONE: "ingen reserv", REGIME_RUR: "resultatutjämningsreserv (RUR)",
                REGIME_RESULTATRESERV: "resultatreserv"}


def _refuse_no_reserve(year: int, what: str, argument: str) -> None:
    """Before FY2010 no reserve existed (params 'reserv.regim' "ingen", prop. 2011/12:172)."""
    raise InputError(f"{what} är inte möjligt år {year}: resultatutjämningsreserv fanns först för "
                     "räkenskapsår från 2010 (prop. 2011/12:172)", rule=RULE, argument=argument)


class ParameterUse(BaseModel):
    """A dated parameter as used in a computation (for the audit trail)."""

    model_config = ConfigDict(frozen=True)
    key: str
    value: str
    reference: str
    period: str

    @classmethod
    def of(cls, key: str, year: int) -> "ParameterUse":
        p = params.lookup(key, year)
        return cls(key=key, value=str(p.value), reference=p.reference, period=p.period_sv())


def _non_negative(model: RuleModel, *fields: str) -> None:
    for name in fields:
        amount = getattr(model, name)
        if amount is not None and amount < 0:
            raise InputError(f"beloppet ska anges som ett positivt belopp (angivet: {fmt_mkr(amount)})", rule=RULE,
                             argument=name)


# ---------------------------------------------------------------------------
# Reservation room
# ---------------------------------------------------------------------------


class ReserveRoomInput(RuleModel):
    rule_id: ClassVar[str] = RULE

    year: Year
    arets_resultat: Amount
    resultat_efter_justeringar: Amount            # årets resultat efter balanskravsjusteringar
    skatteintakter: Amount
    generella_statsbidrag: Amount
    utjamning: AmountOrZero = ZERO                 # only if not inside generella_statsbidrag
    eget_kapital_inkl_ansvarsforbindelse: OptionalAmount = None   # None = not stated
    resultatreserv_balance: AmountOrZero = ZERO    # ingående resultatreserv (inside the cap)
    rur_balance: AmountOrZero = ZERO               # RUR from before 2024 (own bucket)
    rur_inside_cap: bool = False                   # transitional rule not verified in the statute
    open_deficits: AmountOrZero = ZERO             # deficits still to restore (positive)
    deduct_open_deficits: bool = False
    planned_reservation: OptionalAmount = None     # positive: the amount a budget reserves

    @model_validator(mode="after")
    def _signs(self) -> "ReserveRoomInput":
        _non_negative(self, "resultatreserv_balance", "rur_balance", "open_deficits", "planned_reservation")
        if self.skatteintakter + self.generella_statsbidrag + self.utjamning <= 0:
            raise InputError("skatteintäkter + generella statsbidrag + utjämning måste vara positivt",
                             rule=RULE, argument="skatteintakter")
        return self


class ReserveRoom(BaseModel):
    model_config = ConfigDict(frozen=True)

    year: int
    regime: str                    # 'resultatutjamningsreserv' | 'resultatreserv' (params value)
    regime_label: str              # Swedish
    base: Decimal                  # skatteintäkter + generella statsbidrag + utjämning
    share: Decimal                 # 0.01 or 0.02
    threshold: Decimal             # base × share
    lower_result: Decimal          # min(årets resultat, resultat efter balanskravsjusteringar)
    room_over_threshold: Decimal   # lower_result − threshold (may be negative)
    deficit_deduction: Decimal     # deducted open deficits (0 unless configured)
    cap: Decimal | None            # 5 % × base (resultatreserv regime only)
    cap_room: Decimal | None       # cap − balance inside the cap
    room: Decimal                  # the most that may be reserved, ≥ 0
    bound_by: str                  # Swedish: which limit decided the room
    parameters: tuple[ParameterUse, ...]
    findings: tuple[Finding, ...] = ()


def reserve_room(inp: ReserveRoomInput) -> ReserveRoom:
    """The most that may be reserved in ``inp.year``, the limit that bound it, and the
    parameters used. A planned reservation above the room is an ERROR finding."""
    year = inp.year
    regime = params.text("reserv.regim", year)
    if regime == REGIME_NONE:
        _refuse_no_reserve(year, "reservering", "ar")
    used = [ParameterUse.of("reserv.regim", year)]
    findings: list[Finding] = []

    if inp.eget_kapital_inkl_ansvarsforbindelse is None:
        negative_equity = False
        findings.append(Finding(
            rule="reserv.eget_kapital", severity=Severity.INFO, subject=str(year),
            message=("Eget kapital inklusive ansvarsförbindelsen för pensioner är inte angivet; gränsen för "
                     "ett positivt eget kapital har använts."),
        ))
    else:
        negative_equity = inp.eget_kapital_inkl_ansvarsforbindelse < 0
    share_key = "reserv.grans_andel_negativt_ek" if negative_equity else "reserv.grans_andel"
    share = params.value(share_key, year)
    used.append(ParameterUse.of(share_key, year))
    pct = f"{fmt_mkr((share * 100).normalize())} %"

    base = inp.skatteintakter + inp.generella_statsbidrag + inp.utjamning
    threshold = base * share
    lower = min(inp.arets_resultat, inp.resultat_efter_justeringar)
    over = lower - threshold

    # Candidate upper limits, in the order they are applied; the smallest binds.
    limits: list[tuple[Decimal, str]] = [(over, f"{pct}-gränsen")]
    deduction = ZERO
    if inp.deduct_open_deficits and inp.open_deficits > 0:
        deduction = inp.open_deficits
        limits.append((over - deduction, "ej återställda underskott"))

    cap = cap_room = None
    if regime == REGIME_RESULTATRESERV:
        cap = base * params.value("reserv.tak_andel", year)
        used.append(ParameterUse.of("reserv.tak_andel", year))
        inside = inp.resultatreserv_balance + (inp.rur_balance if inp.rur_inside_cap else ZERO)
        cap_room = cap - inside
        limits.append((cap_room, "taket för resultatreserven"))
        if cap_room < 0:
            findings.append(Finding(
                rule="reserv.tak", severity=Severity.WARNING, subject=str(year), expected=cap, found=inside,
                message=f"Resultatreserven ({fmt_mkr(inside)} mkr) överstiger redan taket {fmt_mkr(cap)} mkr.",
            ))
    elif inp.resultatreserv_balance > 0:
        raise InputError(f"resultatreserv finns inte år {year} (gäller {REGIME_LABEL[regime]})", rule=RULE,
                         argument="resultatreserv_balance")

    smallest, bound_by = min(limits, key=lambda item: item[0])   # min keeps the first on ties
    room = max(smallest, ZERO)
    if over <= 0:
        bound_by = f"resultatet överstiger inte {pct}-gränsen"

    if inp.planned_reservation is not None and inp.planned_reservation > room:
        findings.append(Finding(
            rule="reserv.tak" if bound_by.startswith("taket") else "reserv.utrymme",
            severity=Severity.ERROR, subject=str(year), field="reservering",
            expected=room, found=inp.planned_reservation,
            message=(f"Reserveringen {fmt_mkr(inp.planned_reservation)} mkr till {REGIME_LABEL[regime]} överstiger "
                     f"utrymmet {fmt_mkr(room)} mkr ({bound_by})."),
        ))

    return ReserveRoom(
        year=year, regime=regime, regime_label=REGIME_LABEL[regime], base=base, share=share,
        threshold=threshold, lower_result=lower, room_over_threshold=over, deficit_deduction=deduction,
        cap=cap, cap_room=cap_room, room=room, bound_by=bound_by, parameters=tuple(used),
        findings=tuple(findings),
    )


# ---------------------------------------------------------------------------
# Use
# ---------------------------------------------------------------------------


class UseGuidelines(RuleModel):
    """Fullmäktige's own guidelines for *using* a reserve: local rules, not law (KL 11:14
    leaves use to the guidelines). The defaults are the common local rule."""

    rule_id: ClassVar[str] = RULE

    only_when_negative: bool = True     # use only when the adjusted result is negative
    at_most_to_zero: bool = True        # and at most up to zero
    max_amount: OptionalAmount = None   # a local maximum per year (None = none)
    trigger: str = ""                   # e.g. "skatteunderlagets utveckling under tioårssnittet" (not checked)
    source: str = "vanlig lokal riktlinje (standard i xlmodel)"

    @model_validator(mode="after")
    def _signs(self) -> "UseGuidelines":
        _non_negative(self, "max_amount")
        return self

    def text_sv(self) -> str:
        parts = []
        if self.only_when_negative:
            parts.append("bara när resultatet efter balanskravsjusteringar är negativt")
        if self.at_most_to_zero:
            parts.append("högst till noll")
        if self.max_amount is not None:
            parts.append(f"högst {fmt_mkr(self.max_amount)} mkr per år")
        rule = ", ".join(parts) if parts else "upp till saldot"
        trigger = f"; villkor: {self.trigger}" if self.trigger.strip() else ""
        return f"{rule} (lokala riktlinjer, inte lag: {self.source}{trigger})"


DEFAULT_GUIDELINES = UseGuidelines()


class ReserveUseInput(RuleModel):
    rule_id: ClassVar[str] = RULE

    year: Year
    resultat_efter_justeringar: Amount
    rur_balance: AmountOrZero = ZERO
    resultatreserv_balance: AmountOrZero = ZERO
    resultatreserv_use: Literal["som_rur", "riktlinjer"] = "som_rur"   # local guidelines, see module doc
    guideline_max: OptionalAmount = None       # riktlinjer: local maximum (None = the balance)
    guidelines: UseGuidelines = DEFAULT_GUIDELINES   # the body's own rules for use (local)
    planned_use: OptionalAmount = None         # positive: the amount a budget uses

    @model_validator(mode="after")
    def _signs(self) -> "ReserveUseInput":
        _non_negative(self, "rur_balance", "resultatreserv_balance", "guideline_max", "planned_use")
        return self


class ReserveUse(BaseModel):
    model_config = ConfigDict(frozen=True)

    year: int
    regime: str
    regime_label: str
    up_to_zero: Decimal            # what brings the adjusted result to zero (0 if not negative)
    max_from_rur: Decimal
    max_from_resultatreserv: Decimal
    max_total: Decimal
    rule_text: str                 # Swedish: the limit applied, local guidelines marked as such
    parameters: tuple[ParameterUse, ...]
    findings: tuple[Finding, ...] = ()


def _guided_max(balance: Decimal, adjusted: Decimal, g: UseGuidelines) -> Decimal:
    """The most the guidelines ``g`` allow from a bucket holding ``balance``."""
    if g.only_when_negative and adjusted >= 0:
        return ZERO
    most = balance
    if g.at_most_to_zero:
        most = min(most, max(-adjusted, ZERO))
    if g.max_amount is not None:
        most = min(most, g.max_amount)
    return most


def reserve_use(inp: ReserveUseInput) -> ReserveUse:
    """The most that may be used from each bucket in ``inp.year``: the statute's limits
    (a reserve must exist and be usable that year; an old RUR only during the
    transition) and within them the body's guidelines (``inp.guidelines``, local)."""
    year = inp.year
    regime = params.text("reserv.regim", year)
    if regime == REGIME_NONE:
        _refuse_no_reserve(year, "användning av reserv", "ar")
    used = [ParameterUse.of("reserv.regim", year), ParameterUse.of("reserv.anvandning", year)]
    g = inp.guidelines
    up_to_zero = max(-inp.resultat_efter_justeringar, ZERO)
    findings: list[Finding] = []

    if params.text("reserv.anvandning", year) != "ja":
        from_rur = from_rr = ZERO
        text = (f"Reserven kunde inte användas år {year}: reglerna om resultatutjämningsreserv gäller från "
                "2013-01-01 (överskott från 2010–2012 fick reserveras)")
        if inp.resultatreserv_balance > 0:
            raise InputError(f"resultatreserv finns inte år {year} (gäller {REGIME_LABEL[regime]})", rule=RULE,
                             argument="resultatreserv_balance")
    elif regime == REGIME_RUR:
        if inp.resultatreserv_balance > 0:
            raise InputError(f"resultatreserv finns inte år {year} (gäller {REGIME_LABEL[regime]})", rule=RULE,
                             argument="resultatreserv_balance")
        from_rur = _guided_max(inp.rur_balance, inp.resultat_efter_justeringar, g)
        from_rr = ZERO
        text = f"RUR används för att utjämna intäkter över en konjunkturcykel: {g.text_sv()}"
    else:
        last = int(params.value("reserv.rur_overgang_sista_ar", year))
        used.append(ParameterUse.of("reserv.rur_overgang_sista_ar", year))
        if year > last:
            from_rur = ZERO
            if inp.rur_balance > 0:
                findings.append(Finding(
                    rule="reserv.rur_overgang", severity=Severity.WARNING, subject=str(year), found=inp.rur_balance,
                    message=(f"Övergångstiden för äldre resultatutjämningsreserv antas sluta {last} (overifierat); "
                             f"saldot {fmt_mkr(inp.rur_balance)} mkr räknas inte som möjligt att använda år {year}."),
                ))
        else:
            from_rur = _guided_max(inp.rur_balance, inp.resultat_efter_justeringar, g)
        if inp.resultatreserv_use == "som_rur":
            from_rr = _guided_max(inp.resultatreserv_balance, inp.resultat_efter_justeringar, g)
            text = (f"Äldre RUR (egen post, övergångstid till {last}, overifierat) och resultatreserven: "
                    f"{g.text_sv()}")
        else:
            cap = inp.resultatreserv_balance if inp.guideline_max is None else inp.guideline_max
            from_rr = min(inp.resultatreserv_balance, cap)
            text = (f"Resultatreserven används enligt fullmäktiges riktlinjer för god ekonomisk hushållning; "
                    f"äldre RUR (övergångstid till {last}, overifierat): {g.text_sv()}")
    total = from_rur + from_rr
    if regime == REGIME_RESULTATRESERV and inp.resultatreserv_use == "som_rur":
        # Each bucket's maximum alone; together still up to zero, and a local maximum
        # "per år" (guideline row 3) is one for the year, not one per bucket.
        if g.at_most_to_zero:
            total = min(total, up_to_zero)
        if g.max_amount is not None:
            total = min(total, g.max_amount)

    if inp.planned_use is not None and inp.planned_use > total:
        findings.append(Finding(
            rule="reserv.anvandning", severity=Severity.ERROR, subject=str(year), field="anvandning",
            expected=total, found=inp.planned_use,
            message=f"Användningen {fmt_mkr(inp.planned_use)} mkr överstiger vad som får användas, {fmt_mkr(total)} mkr: {text}.",
        ))
    return ReserveUse(
        year=year, regime=regime, regime_label=REGIME_LABEL[regime], up_to_zero=up_to_zero,
        max_from_rur=from_rur, max_from_resultatreserv=from_rr, max_total=total, rule_text=text,
        parameters=tuple(used), findings=tuple(findings),
    )
