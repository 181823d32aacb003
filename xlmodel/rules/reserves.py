"""Reserves: how much may be reserved to, and used from, the RUR / resultatreserv.

Law (KL 11 kap. 14 §, shared/reference/law.md §4); the regime is chosen by the fiscal
year through params 'reserv.regim':

- **Reservation room** (both regimes): the part of the *lower* of årets resultat and
  årets resultat efter balanskravsjusteringar that exceeds a share of the base
  skatteintäkter + generella statsbidrag + kommunalekonomisk utjämning. The share is
  params 'reserv.grans_andel' (1 %), or 'reserv.grans_andel_negativt_ek' (2 %) when
  eget kapital including the pension ansvarsförbindelse is negative.
- **Cap** (resultatreserv, from FY2024): the resultatreserv may total at most
  params 'reserv.tak_andel' (5 %) of the same base, so room = min(room, cap − balance).
  The RUR built up before 2024 is kept as its own bucket *outside* the cap by default
  (``rur_inside_cap``; law.md marks the transitional detail unverified).
- **Open deficits** (configurable, default off): some entities deduct deficits still to
  be restored from the room (``deduct_open_deficits``).
- **Use**: RUR only while the adjusted result is negative and at most up to zero. For the
  resultatreserv the statute leaves use to fullmäktige's guidelines (law.md: unverified
  whether the statute limits it): ``resultatreserv_use`` "som_rur" (default: the same
  limit) or "riktlinjer" (up to the balance, or ``guideline_max``). The trigger of use
  (e.g. skatteunderlag growth below its 10-year average) is a local guideline and is
  not checked here.

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

REGIME_RUR = "resultatutjamningsreserv"
REGIME_RESULTATRESERV = "resultatreserv"
REGIME_LABEL = {REGIME_RUR: "resultatutjämningsreserv (RUR)", REGIME_RESULTATRESERV: "resultatreserv"}


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
    rur_inside_cap: bool = False                   # law.md: unverified transitional rule
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


class ReserveUseInput(RuleModel):
    rule_id: ClassVar[str] = RULE

    year: Year
    resultat_efter_justeringar: Amount
    rur_balance: AmountOrZero = ZERO
    resultatreserv_balance: AmountOrZero = ZERO
    resultatreserv_use: Literal["som_rur", "riktlinjer"] = "som_rur"   # law.md: unverified
    guideline_max: OptionalAmount = None       # riktlinjer: local maximum (None = the balance)
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
    rule_text: str                 # Swedish: the limit applied
    parameters: tuple[ParameterUse, ...]
    findings: tuple[Finding, ...] = ()


def reserve_use(inp: ReserveUseInput) -> ReserveUse:
    """The most that may be used from each bucket in ``inp.year``."""
    year = inp.year
    regime = params.text("reserv.regim", year)
    used = (ParameterUse.of("reserv.regim", year),)
    up_to_zero = max(-inp.resultat_efter_justeringar, ZERO)
    from_rur = min(inp.rur_balance, up_to_zero)

    if regime == REGIME_RUR:
        if inp.resultatreserv_balance > 0:
            raise InputError(f"resultatreserv finns inte år {year} (gäller {REGIME_LABEL[regime]})", rule=RULE,
                             argument="resultatreserv_balance")
        from_rr = ZERO
        total = from_rur
        text = "RUR får användas bara när resultatet efter balanskravsjusteringar är negativt, högst till noll"
    elif inp.resultatreserv_use == "som_rur":
        from_rr = min(inp.resultatreserv_balance, up_to_zero)
        total = min(up_to_zero, from_rur + from_rr)
        text = ("Resultatreserven används som RUR: bara när resultatet efter balanskravsjusteringar är negativt, "
                "högst till noll (lokala riktlinjer; lagens gräns overifierad)")
    else:
        cap = inp.resultatreserv_balance if inp.guideline_max is None else inp.guideline_max
        from_rr = min(inp.resultatreserv_balance, cap)
        total = from_rur + from_rr
        text = "Resultatreserven används enligt fullmäktiges riktlinjer; äldre RUR högst till noll"

    findings: list[Finding] = []
    if inp.planned_use is not None and inp.planned_use > total:
        findings.append(Finding(
            rule="reserv.anvandning", severity=Severity.ERROR, subject=str(year), field="anvandning",
            expected=total, found=inp.planned_use,
            message=f"Användningen {fmt_mkr(inp.planned_use)} mkr överstiger vad som får användas, {fmt_mkr(total)} mkr: {text}.",
        ))
    return ReserveUse(
        year=year, regime=regime, regime_label=REGIME_LABEL[regime], up_to_zero=up_to_zero,
        max_from_rur=from_rur, max_from_resultatreserv=from_rr, max_total=total, rule_text=text,
        parameters=used, findings=tuple(findings),
    )
