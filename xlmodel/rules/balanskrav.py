"""The balanskravsutredning: from årets resultat to the balanskravsresultat.

Law: LKBR (2018:597) 11 kap. 10 § requires the reconciliation in the
förvaltningsberättelse; RKR R15 fixes the order and printed signs of its lines
(RKR R15, Balanskravsutredning). The lines are *signed as printed*: a reduction is
entered negative, an addition positive, and the statutory figures are plain sums:

    resultat efter balanskravsjusteringar = lines 1..6
    balanskravsresultat                   = that + line 7 + line 8 (+ line 9 from FY2024)

The wording follows the fiscal year (params; KL 11 kap. 14 §, prop. 2011/12:172, prop.
2022/23:119): the reserve lines name the resultatutjämningsreserv for FY2010–2023 and the
resultatreserv from FY2024; before FY2010 there was no reserve and lines 7–8 must be empty.
From FY2024 an old RUR is a bucket of its own beside the resultatreserv (usable for its
original purpose during the transition), so its use is a line of its own, 9 "Användning av
medel från resultatutjämningsreserv (RUR)", printed after the resultatreserv lines; a 2024 budget
that says "Medel från resultatutjämningsreserv" belongs on line 9, not line 8. Line 9
is shown for FY2024 onwards (and without a year when it is not empty); before 2024 the
single reserve's use is line 8 and line 9 must be empty.

Implausible signs (decision, see ``balanskravsutredning``): a positive "Reducering
av samtliga realisationsvinster", a negative undantag line, a positive reservering
or a negative användning is *reported* as a WARNING finding ``balanskrav.tecken``
naming the line, and the figure is computed with the value **as given**. Reason:
the utredning is a published table and the tool must be able to reproduce what a
region printed (a sign slip in one line must not make the whole Excel function
fail), while the finding makes sure the odd sign is seen, not silently used.
``strict=True`` turns the same check into an ``InputError`` for callers (a
budget template, CI on our own workbooks) that must never accept such a sign.

No rounding: every line is an input at its printed precision and the totals are
exact sums of them; a published total that differs by ±1 is a comparison for the
caller (see ``goals`` for how the resultatbudget does it).

Input models derive from ``xlmodel.rules.base.RuleModel`` (bad input surfaces as an
``InputError`` in Swedish rather than as a pydantic ``ValidationError``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from xlmodel import params
from xlmodel.errors import InputError
from xlmodel.findings import Finding, Severity
from xlmodel.money import MAX_ABS, ZERO, fmt_mkr, parse_amount
# Re-exported: callers (udfs, tests) import parse_year and the field types from here too.
from xlmodel.rules.base import (  # noqa: F401
    Amount,
    AmountOrZero,
    OptionalAmount,
    OptionalYear,
    RuleModel,
    Year,
    input_error_from,
    parse_year,
)

RULE = "balanskrav"
RULE_SIGN = "balanskrav.tecken"

# ---------------------------------------------------------------------------
# The utredning
# ---------------------------------------------------------------------------


class BalanskravInput(RuleModel):
    """The signed lines of a balanskravsutredning, exactly as printed (RKR R15)."""

    rule_id: ClassVar[str] = RULE

    arets_resultat: Amount                    # 1  ±
    realisationsvinster: AmountOrZero = ZERO  # 2  − (reducering)
    undantag_vinster: AmountOrZero = ZERO     # 3  +
    undantag_forluster: AmountOrZero = ZERO   # 4  +
    orealiserade: AmountOrZero = ZERO         # 5  − net gains, + net losses
    aterforing: AmountOrZero = ZERO           # 6  opposite sign to the line 5 it reverses
    reservering: AmountOrZero = ZERO          # 7  − (RUR to 2023, resultatreserv from 2024)
    anvandning: AmountOrZero = ZERO           # 8  + (RUR to 2023, resultatreserv from 2024)
    anvandning_rur: AmountOrZero = ZERO       # 9  + use of an old RUR (FY2024 onwards)


class UtredningLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: str          # "1".."9" for input lines, "=" for the two statutory totals
    key: str             # field name of BalanskravInput, or the total's name
    label: str           # Swedish, as printed (RKR R15)
    amount: Decimal      # signed as printed

    @property
    def is_total(self) -> bool:
        return self.number == "="


class Utredning(BaseModel):
    model_config = ConfigDict(frozen=True)

    year: int | None
    lines: tuple[UtredningLine, ...]
    resultat_efter_justeringar: Decimal
    balanskravsresultat: Decimal
    findings: tuple[Finding, ...] = ()

    def rows(self) -> list[tuple[str, Decimal]]:
        """(label, amount) in law order, totals included: a table to spill into a sheet."""
        return [(line.label, line.amount) for line in self.lines]


_RESERVE_NAME = {
    "ingen": "resultatutjämningsreserv",     # lines 7–8 exist in the form but must be empty
    "resultatutjamningsreserv": "resultatutjämningsreserv",
    "resultatreserv": "resultatreserv",
}
RUR_LINE_FROM = 2024   # the year the resultatreserv replaced the RUR (prop. 2022/23:119)


def _has_rur_line(year: int | None, inp: "BalanskravInput") -> bool:
    """Line 9 (use of an old RUR) is printed from FY2024, and without a year when given."""
    if year is None:
        return inp.anvandning_rur != 0
    return params.text("reserv.regim", year) == "resultatreserv"


def input_line_numbers(year: int | None) -> tuple[int, ...]:
    """The input lines a balanskravsutredning of ``year`` has: 1–8, and 9 (use of an old
    RUR) from FY2024 (params 'reserv.regim' "resultatreserv"). Lines 7–8 are in the form
    for every year (before FY2010 they must be empty, ``_check_reserve_lines``); without a
    year the form of the years before 2024."""
    if year is not None and params.text("reserv.regim", year) == "resultatreserv":
        return tuple(range(1, 10))
    return tuple(range(1, 9))


RULE_USE_LAW = "reserv.anvandning_lag"   # use of a reserve the law of the year did not allow


def use_not_allowed(year: int) -> str:
    """Why a reserve could not be used in ``year`` (FY2010–2012, params 'reserv.anvandning')."""
    return (f"år {year} kunde resultatutjämningsreserven inte användas: reglerna gäller från 2013-01-01 "
            "(överskott från 2010–2012 fick reserveras, prop. 2011/12:172)")


def _check_reserve_lines(inp: "BalanskravInput", year: int | None) -> None:
    """Reserve lines the law of ``year`` has no place for are refused (never silently moved)."""
    if year is None:
        return
    regime = params.text("reserv.regim", year)
    if regime == "ingen":
        for field, amount in (("reservering", inp.reservering), ("anvandning", inp.anvandning),
                              ("anvandning_rur", inp.anvandning_rur)):
            if amount != 0:
                raise InputError(f"år {year} fanns ingen resultatutjämningsreserv (reservering möjlig från "
                                 "räkenskapsåret 2010, prop. 2011/12:172): raden ska vara tom", rule=RULE,
                                 argument=field)
    elif params.text("reserv.anvandning", year) != "ja" and (inp.anvandning != 0 or inp.anvandning_rur != 0):
        # FY2010–2012: a surplus could be reserved, but the rules on using the reserve
        # apply from 2013-01-01 (params 'reserv.anvandning'): the same refusal in a
        # workbook's utredning and in =BALANSKRAV(...;ar) as in validera.
        field = "anvandning" if inp.anvandning != 0 else "anvandning_rur"
        raise InputError(use_not_allowed(year), rule=RULE_USE_LAW, argument=field)
    elif regime != "resultatreserv" and inp.anvandning_rur != 0:
        raise InputError(f"år {year} finns bara resultatutjämningsreserven: ange användningen på raden "
                         "'Användning av medel från resultatutjämningsreserv' (rad 8); rad 9 gäller från 2024",
                         rule=RULE, argument="anvandning_rur")


def line_label(key: str, year: int | None) -> str:
    """The wording of the utredning's line ``key`` (a field of ``BalanskravInput``) in ``year``."""
    return _labels(year)[key]


def _labels(year: int | None) -> dict[str, str]:
    """Line labels for the fiscal year: the LKBR wording from FY2019 (unrealised gains
    and losses) or the older one (only unrealised losses), and the reserve's name from
    the regime in force (params 'reserv.regim'). Without a year both reserve names are
    shown, as in RKR R15's layout."""
    old_wording = year is not None and params.text("balanskrav.uppstallning", year) != "lkbr"
    if year is None:
        reserve = "resultatutjämningsreserv / resultatreserv"
    else:
        reserve = _RESERVE_NAME[params.text("reserv.regim", year)]
    unrealised = "orealiserade förluster" if old_wording else "orealiserade vinster och förluster"
    return {
        "arets_resultat": "Årets resultat enligt resultaträkningen",
        "realisationsvinster": "Reducering av samtliga realisationsvinster",
        "undantag_vinster": "Justering för realisationsvinster enligt undantagsmöjlighet",
        "undantag_forluster": "Justering för realisationsförluster enligt undantagsmöjlighet",
        "orealiserade": f"{unrealised[0].upper()}{unrealised[1:]} i värdepapper",
        "aterforing": f"Justering för återföring av {unrealised} i värdepapper",
        "resultat_efter_justeringar": "Årets resultat efter balanskravsjusteringar",
        "reservering": f"Reservering av medel till {reserve}",
        "anvandning": f"Användning av medel från {reserve}",
        "anvandning_rur": ("Användning av medel från resultatutjämningsreserv (RUR)" if year is not None
                           else "Användning av medel från resultatutjämningsreserv (RUR, från 2024)"),
        "balanskravsresultat": "Balanskravsresultat",
    }


# (field, the sign the line must not have, what the printed sign should be)
_SIGN_RULES: tuple[tuple[str, int, str], ...] = (
    ("realisationsvinster", +1, "minustecken (en reducering)"),
    ("undantag_vinster", -1, "plustecken"),
    ("undantag_forluster", -1, "plustecken"),
    ("reservering", +1, "minustecken (medel som avsätts)"),
    ("anvandning", -1, "plustecken (medel som tas i anspråk)"),
    ("anvandning_rur", -1, "plustecken (medel som tas i anspråk)"),
)
# Before the LKBR (FY2019) only unrealised *losses* were adjusted: line 5 added a loss
# back (+) and line 6 reversed such an addition (−). Net gains could not occur.
_SIGN_RULES_OLD: tuple[tuple[str, int, str], ...] = (
    ("orealiserade", -1, "plustecken (före 2019 justerades endast orealiserade förluster)"),
    ("aterforing", +1, "minustecken (återföring av en tidigare justerad förlust)"),
)


def _sign_problems(inp: BalanskravInput, year: int | None, labels: dict[str, str]) -> list[Finding]:
    rules = list(_SIGN_RULES)
    if year is not None and params.text("balanskrav.uppstallning", year) != "lkbr":
        rules += _SIGN_RULES_OLD
    found = []
    for field, wrong_sign, expected in rules:
        amount: Decimal = getattr(inp, field)
        if amount != 0 and (amount > 0) == (wrong_sign > 0):
            found.append(
                Finding(
                    rule=RULE_SIGN,
                    severity=Severity.WARNING,
                    message=(
                        f"Raden '{labels[field]}' redovisas normalt med {expected}, men beloppet är "
                        f"{fmt_mkr(amount)}; beloppet används som det är angivet."
                    ),
                    subject=str(year) if year is not None else None,
                    field=field,
                    found=amount,
                )
            )
    return found


def _totals(inp: BalanskravInput) -> tuple[Decimal, Decimal]:
    """(resultat efter balanskravsjusteringar, balanskravsresultat) of a validated input."""
    return _line_totals(
        inp.arets_resultat, inp.realisationsvinster, inp.undantag_vinster, inp.undantag_forluster,
        inp.orealiserade, inp.aterforing, inp.reservering, inp.anvandning, inp.anvandning_rur,
    )


def _line_totals(
    arets_resultat: Decimal,
    realisationsvinster: Decimal,
    undantag_vinster: Decimal,
    undantag_forluster: Decimal,
    orealiserade: Decimal,
    aterforing: Decimal,
    reservering: Decimal,
    anvandning: Decimal,
    anvandning_rur: Decimal = ZERO,
) -> tuple[Decimal, Decimal]:
    """The two statutory totals (LKBR 11 kap. 10 §, RKR R15): lines 1–6 give the resultat efter
    balanskravsjusteringar, lines 7–9 added to it the balanskravsresultat."""
    adjusted = (
        arets_resultat
        + realisationsvinster
        + undantag_vinster
        + undantag_forluster
        + orealiserade
        + aterforing
    )
    return adjusted, adjusted + reservering + anvandning + anvandning_rur


def _already_parsed(values: tuple[Any, ...]) -> bool:
    """Every value is a Decimal that ``money.parse_amount`` accepts as it is (finite, within
    MAX_ABS): validating it through ``BalanskravInput`` cannot fail or change it."""
    return all(type(x) is Decimal and x.is_finite() and abs(x) <= MAX_ABS for x in values)


def balanskravsutredning(inp: BalanskravInput, year: int | None = None, *, strict: bool = False) -> Utredning:
    """Every line of the utredning in law order with printed signs, the two statutory
    totals and sign findings. ``year`` selects the wording in force (and must be covered
    by the parameters); ``strict`` raises InputError on an implausible sign instead of
    returning a finding."""
    if year is not None:
        year = parse_year(year, argument="ar", rule=RULE)
    _check_reserve_lines(inp, year)
    labels = _labels(year)
    problems = _sign_problems(inp, year, labels)
    if strict and problems:
        first = problems[0]
        raise InputError(first.message.replace("; beloppet används som det är angivet.", "."),
                         rule=RULE_SIGN, argument=first.field)

    adjusted, result = _totals(inp)

    def line(number: str, key: str, amount: Decimal) -> UtredningLine:
        return UtredningLine(number=number, key=key, label=labels[key], amount=amount)

    lines = (
        line("1", "arets_resultat", inp.arets_resultat),
        line("2", "realisationsvinster", inp.realisationsvinster),
        line("3", "undantag_vinster", inp.undantag_vinster),
        line("4", "undantag_forluster", inp.undantag_forluster),
        line("5", "orealiserade", inp.orealiserade),
        line("6", "aterforing", inp.aterforing),
        line("=", "resultat_efter_justeringar", adjusted),
        line("7", "reservering", inp.reservering),
        line("8", "anvandning", inp.anvandning),
        *((line("9", "anvandning_rur", inp.anvandning_rur),) if _has_rur_line(year, inp) else ()),
        line("=", "balanskravsresultat", result),
    )
    return Utredning(
        year=year,
        lines=lines,
        resultat_efter_justeringar=adjusted,
        balanskravsresultat=result,
        findings=tuple(problems),
    )


def _input_from_raw(
    arets_resultat: Any,
    realisationsvinster: Any,
    undantag_vinster: Any,
    undantag_forluster: Any,
    orealiserade: Any,
    aterforing: Any,
    reservering: Any,
    anvandning: Any,
    anvandning_rur: Any = None,
) -> BalanskravInput:
    return BalanskravInput(
        arets_resultat=arets_resultat,
        realisationsvinster=realisationsvinster,
        undantag_vinster=undantag_vinster,
        undantag_forluster=undantag_forluster,
        orealiserade=orealiserade,
        aterforing=aterforing,
        reservering=reservering,
        anvandning=anvandning,
        anvandning_rur=anvandning_rur,
    )


def balanskravsresultat(
    arets_resultat: Any,
    realisationsvinster: Any = None,
    undantag_vinster: Any = None,
    undantag_forluster: Any = None,
    orealiserade: Any = None,
    aterforing: Any = None,
    reservering: Any = None,
    anvandning: Any = None,
    anvandning_rur: Any = None,
    *,
    year: int | None = None,
    strict: bool = False,
) -> Decimal:
    """The balanskravsresultat from raw cell values, argument order as the Excel function
    BALANSKRAV(arets_resultat; realisationsvinster; undantag_vinster; undantag_forluster;
    orealiserade; aterforing; reservering; anvandning; ar; anvandning_rur). None / blank = 0
    except for årets resultat; Swedish text ("−716", "1 234,5") is accepted. Sign findings
    are not returned here (a scalar cannot carry them): use ``balanskravsutredning`` for
    those. With ``year`` the wording of that year applies (reserve lines refused where the
    law had no place for them)."""
    raw = (arets_resultat, realisationsvinster, undantag_vinster, undantag_forluster,
           orealiserade, aterforing, reservering, anvandning,
           ZERO if anvandning_rur is None else anvandning_rur)
    if year is None and not strict:
        # Neither the wording of a year nor the sign check is asked for: the figure alone,
        # by the same arithmetic as the utredning (``_line_totals``) without building its
        # ten labelled lines, and without the model when the Excel functions have already
        # parsed every line (+ ZERO as parse_amount does). The per-cell path of
        # =BALANSKRAV() and each row of =BALANSKRAV_KOLUMN() (bench: ≤ 20 µs a call).
        if _already_parsed(raw):
            return _line_totals(*(x + ZERO for x in raw))[1]
        return _totals(_input_from_raw(*raw))[1]
    return balanskravsutredning(_input_from_raw(*raw), year, strict=strict).balanskravsresultat


def balanskravsresultat_of_parsed(lines: list[Decimal]) -> Decimal:
    """What ``balanskravsresultat(*lines)`` gives (no year, not strict, no RUR line) for the
    eight lines as ``money.parse_amount`` has already given them (Decimals, finite, within
    MAX_ABS, + ZERO applied), without testing them again: =BALANSKRAV() over eight numbers,
    in thousands of cells of a team's own workbook (bench/EXPLANATION.md)."""
    return _line_totals(*lines, ZERO)[1]


def balanskravsutredning_rows(
    arets_resultat: Any,
    realisationsvinster: Any = None,
    undantag_vinster: Any = None,
    undantag_forluster: Any = None,
    orealiserade: Any = None,
    aterforing: Any = None,
    reservering: Any = None,
    anvandning: Any = None,
    anvandning_rur: Any = None,
    *,
    year: int | None = None,
) -> list[tuple[str, Decimal]]:
    """The whole utredning as (Swedish label, amount) rows from raw values, for a
    spilled two-column table (same arguments as ``balanskravsresultat``)."""
    inp = _input_from_raw(
        arets_resultat, realisationsvinster, undantag_vinster, undantag_forluster,
        orealiserade, aterforing, reservering, anvandning, anvandning_rur,
    )
    return balanskravsutredning(inp, year).rows()
