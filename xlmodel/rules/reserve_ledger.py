"""The two reserve buckets year by year: the old resultatutjämningsreserv and the resultatreserv.

Law (KL 11 kap. 14 §, prop. 2011/12:172 and prop. 2022/23:119), by fiscal year through params
'reserv.regim':

- FY2010–2023: one bucket, the RUR. Lines 7 (reservering, printed −) and 8 (användning,
  printed +) of the balanskravsutredning move it.
- From FY2024: the resultatreserv is a new bucket; lines 7 and 8 move it, and it may
  total at most params 'reserv.tak_andel' (5 %) of skatteintäkter + generella
  statsbidrag + utjämning. The RUR built up before 2024 stays a bucket of its own,
  *outside* the cap (SKR 2023-10-25), that can only be used (line 9, printed +)
  for its original purpose during the transition (params 'reserv.rur_overgang_sista_ar',
  last year unverified); nothing can be reserved to it any more.
- Before FY2010 there was no reserve, and before 2013 it could not be used: a non-zero
  line the year has no place for is refused by the utredning (``balanskrav``), and
  refused here too (``ReserveYear``), naming the line.

What this module reports (findings, never exceptions, except for input it cannot use):
- ``reserv.saldo_negativt`` (ERROR): a use larger than what the bucket holds (``field``:
  the bucket, "rur" or "resultatreserv");
- ``reserv.tak`` (ERROR): the resultatreserv at the end of a year above the cap (only
  where the year's base is given);
- ``reserv.rur_overgang`` (WARNING): an old RUR used after the assumed last year of the
  transition.

Amounts are exact sums of printed lines; nothing is rounded.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, model_validator

from xlmodel import params
from xlmodel.errors import InputError
from xlmodel.findings import Finding, Severity
from xlmodel.money import ZERO, fmt_mkr
from xlmodel.rules.base import AmountOrZero, OptionalAmount, RuleModel, Year

RULE = "reserv"


class ReserveYear(RuleModel):
    """One year's reserve lines, signed as printed in the balanskravsutredning."""

    rule_id: ClassVar[str] = RULE

    year: Year
    reservering: AmountOrZero = ZERO       # line 7, printed − (to the RUR / the resultatreserv)
    anvandning: AmountOrZero = ZERO        # line 8, printed + (from the RUR / the resultatreserv)
    anvandning_rur: AmountOrZero = ZERO    # line 9, printed + (from an old RUR, FY2024 onwards)
    base: OptionalAmount = None            # skatteintäkter + generella statsbidrag + utjämning

    @model_validator(mode="after")
    def _signs(self) -> "ReserveYear":
        for name, wrong in (("reservering", 1), ("anvandning", -1), ("anvandning_rur", -1)):
            amount: Decimal = getattr(self, name)
            if amount != 0 and (amount > 0) == (wrong > 0):
                sign = "minustecken" if wrong > 0 else "plustecken"
                raise InputError(f"raden anges med {sign} som i balanskravsutredningen (angivet: {fmt_mkr(amount)})",
                                 rule=RULE, argument=name)
        self._lines_of_the_law()
        return self

    def _lines_of_the_law(self) -> None:
        """A line the law of the year has no place for is refused naming it (the same
        refusals as the utredning, ``balanskrav._check_reserve_lines``)."""
        from xlmodel.rules.balanskrav import RULE_USE_LAW, use_not_allowed

        regime = params.text("reserv.regim", self.year)
        given = [n for n in ("reservering", "anvandning", "anvandning_rur") if getattr(self, n) != 0]
        if regime == "ingen" and given:
            raise InputError(f"år {self.year} fanns ingen resultatutjämningsreserv (från räkenskapsåret 2010)",
                             rule=RULE, argument=given[0])
        if regime != "resultatreserv" and self.anvandning_rur != 0:
            raise InputError(f"år {self.year} finns bara resultatutjämningsreserven: användningen hör till rad 8",
                             rule=RULE, argument="anvandning_rur")
        if self.anvandning != 0 and params.text("reserv.anvandning", self.year) != "ja":
            raise InputError(use_not_allowed(self.year), rule=RULE_USE_LAW, argument="anvandning")


class ReserveBalances(BaseModel):
    model_config = ConfigDict(frozen=True)

    year: int
    rur_opening: Decimal
    rur_closing: Decimal
    resultatreserv_opening: Decimal
    resultatreserv_closing: Decimal
    cap: Decimal | None        # 5 % of the base (resultatreserv years with a base)


class ReserveLedger(BaseModel):
    model_config = ConfigDict(frozen=True)

    years: tuple[ReserveBalances, ...]
    findings: tuple[Finding, ...]

    def closing(self, year: int) -> ReserveBalances:
        for y in self.years:
            if y.year == year:
                return y
        raise KeyError(year)


def reserve_ledger(series: list[ReserveYear] | tuple[ReserveYear, ...], *, rur_opening: Decimal = ZERO,
                   resultatreserv_opening: Decimal = ZERO) -> ReserveLedger:
    """Walk the years in order and move each bucket by the lines of its regime."""
    if rur_opening < 0 or resultatreserv_opening < 0:
        raise InputError("ingående reserv ska anges som ett positivt belopp", rule=RULE, argument="ingaende")
    years = sorted(series, key=lambda y: y.year)
    for a, b in zip(years, years[1:]):
        if a.year == b.year:
            raise InputError(f"år {a.year} förekommer två gånger", rule=RULE, argument="ar")
    rur, rr = Decimal(rur_opening), Decimal(resultatreserv_opening)
    out: list[ReserveBalances] = []
    findings: list[Finding] = []
    for y in years:
        regime = params.text("reserv.regim", y.year)   # its lines are the law's (ReserveYear)
        rur_in, rr_in = rur, rr
        cap = None
        if regime == "resultatreserv":
            rr = rr - y.reservering - y.anvandning
            rur = rur - y.anvandning_rur
            last = int(params.value("reserv.rur_overgang_sista_ar", y.year))
            if y.anvandning_rur and y.year > last:
                findings.append(Finding(
                    rule="reserv.rur_overgang", severity=Severity.WARNING, subject=str(y.year), found=y.anvandning_rur,
                    message=(f"Äldre resultatutjämningsreserv används år {y.year}, efter övergångstidens antagna "
                             f"sista år {last} (overifierat)."),
                ))
            if y.base is not None:
                cap = y.base * params.value("reserv.tak_andel", y.year)
                if rr > cap:
                    findings.append(Finding(
                        rule="reserv.tak", severity=Severity.ERROR, subject=str(y.year), expected=cap, found=rr,
                        message=(f"Resultatreserven uppgår till {fmt_mkr(rr)} mkr vid utgången av {y.year}, över taket "
                                 f"{fmt_mkr(cap)} mkr (5 % av skatteintäkter, generella statsbidrag och utjämning; "
                                 "äldre RUR räknas inte in)."),
                    ))
        else:
            rur = rur - y.reservering - y.anvandning
        for bucket, name, before, after in (("rur", "resultatutjämningsreserven", rur_in, rur),
                                            ("resultatreserv", "resultatreserven", rr_in, rr)):
            if after < 0 <= before:
                findings.append(Finding(
                    rule="reserv.saldo_negativt", severity=Severity.ERROR, subject=str(y.year), field=bucket,
                    expected=ZERO, found=after,
                    message=(f"År {y.year} används mer ur {name} än den innehåller: ingående {fmt_mkr(before)} mkr, "
                             f"utgående {fmt_mkr(after)} mkr."),
                ))
        out.append(ReserveBalances(year=y.year, rur_opening=rur_in, rur_closing=rur,
                                   resultatreserv_opening=rr_in, resultatreserv_closing=rr, cap=cap))
    return ReserveLedger(years=tuple(out), findings=tuple(findings))
