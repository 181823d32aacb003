"""Fullmäktige's guidelines for the reserves as a parameter table: local rules beside the law.

Law (KL 11 kap. 14 §, in the wording before and from 2024-01-01; prop. 2011/12:172 and
prop. 2022/23:119): the statute limits
*reservation* (only the part of the lower of årets resultat and the adjusted result that
exceeds 1 % of skatteintäkter + generella statsbidrag + utjämning, 2 % with a negative
eget kapital including the pension ansvarsförbindelse), caps the resultatreserv at 5 % of
the same base from FY2024, lets a reserve be used first in FY2013 and an old RUR after
2023 only during the transition. *Use* beyond that is left to fullmäktige's guidelines
(for the RUR "att utjämna intäkter över en konjunkturcykel"; for the resultatreserv the
guidelines for good economic management).

So a workbook's guideline table (``tblReservriktlinjer``) has two kinds of rows:

- **local rows** ("lokal (inte lag)"), which each workbook may change: the common rule
  "only when the adjusted result is negative, and at most up to zero" as the defaults,
  a local maximum per year, the trigger as text (recorded, not checked), and a local
  reservation threshold or cap that may be *stricter* than the law's;
- **law rows** ("lag"), the statute's limits for the year from xlmodel's dated
  parameters (``params``), written by xlmodel and not editable: a changed law row is an
  error, and regenerate writes the law's value back.

A local rule that contradicts the law is an error naming its row
(``reserv.riktlinje_mot_lag``): a reservation threshold below the law's, a cap above it.
The use a balanskravsutredning shows (lines 8 and 9) is checked against both
(``use_findings``): use in a year the law did not allow it is refused by the utredning
itself (``balanskrav._check_reserve_lines``), use of an old RUR after the transition a
warning; use beyond the
local guidelines a warning that says the rule is local. Nothing is rounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from xlmodel import params
from xlmodel.findings import Finding, Severity
from xlmodel.money import fmt_mkr
from xlmodel.rules.balanskrav import RULE_USE_LAW
from xlmodel.rules.reserves import UseGuidelines, _guided_max

RULE = "reserv.riktlinje"
RULE_LAW = "reserv.riktlinje_mot_lag"       # a local rule contradicting the law (error)
RULE_LAW_ROW = "reserv.lagens_grans"        # a law row changed in the workbook (error)
# RULE_USE_LAW (imported): use the law did not allow that year; refused by the utredning
# (2010–2012), a warning here after the assumed end of the RUR transition.
RULE_USE_LOCAL = "reserv.anvandning_riktlinje"  # use beyond the local guidelines (warning)

LOCAL = "lokal (inte lag)"
LAW = "lag"
ValueKind = Literal["bool", "amount", "rate", "text", "year"]


@dataclass(frozen=True)
class GuidelineRow:
    nr: int
    label: str               # Swedish, as the table shows it
    kind: ValueKind
    local: bool
    default: Any = None      # local rows: xlmodel's default (the common local rule)
    param: str = ""          # law rows: the dated parameter that holds the law's value


ROWS: tuple[GuidelineRow, ...] = (
    GuidelineRow(1, "Reserven används bara när resultatet efter balanskravsjusteringar är negativt", "bool", True, True),
    GuidelineRow(2, "Användningen högst till noll (balanskravsresultatet blir inte positivt av den)", "bool", True, True),
    GuidelineRow(3, "Högsta användning per år, mkr (tomt = ingen egen gräns)", "amount", True),
    GuidelineRow(4, "Villkor för användning, t.ex. skatteunderlagets utveckling under tioårssnittet (noteras, kontrolleras inte)",
                 "text", True, ""),
    GuidelineRow(5, "Reservering bara av det som överstiger andel av skatteintäkter, statsbidrag och utjämning "
                    "(tomt = lagens gräns; får vara strängare än lagen, inte mildare)", "rate", True),
    GuidelineRow(6, "Resultatreservens tak enligt riktlinjerna, andel (tomt = lagens tak; högst lagens)", "rate", True),
    GuidelineRow(7, "Lagens gräns för reservering: den del som överstiger andel", "rate", False, param="reserv.grans_andel"),
    GuidelineRow(8, "Lagens gräns vid negativt eget kapital inklusive ansvarsförbindelsen", "rate", False,
                 param="reserv.grans_andel_negativt_ek"),
    GuidelineRow(9, "Lagens tak för resultatreserven, andel (från 2024)", "rate", False, param="reserv.tak_andel"),
    GuidelineRow(10, "Äldre resultatutjämningsreserv får användas till och med år (övergångstid, overifierat)", "year",
                 False, param="reserv.rur_overgang_sista_ar"),
)
BY_NR = {r.nr: r for r in ROWS}
DEFAULT_SOURCE = "vanlig lokal riktlinje (standard i xlmodel)"


@dataclass(frozen=True)
class LawValue:
    value: Decimal | int | None   # None: the limit does not apply that year
    reference: str                # the legal reference, or why it does not apply


def law_value(row: GuidelineRow, year: int) -> LawValue:
    """The statute's value of a law row for ``year`` (dated parameters, KL 11 kap. 14 §)."""
    if not params.has(row.param, year):
        return LawValue(None, f"gäller inte år {year}")
    p = params.lookup(row.param, year)
    value = int(p.value) if row.kind == "year" else Decimal(str(p.value))
    return LawValue(value, p.reference)


@dataclass(frozen=True)
class Guidelines:
    """The body's guidelines as the table gives them (defaults where a row is missing)."""

    use: UseGuidelines
    reservation_share: Decimal | None = None   # local threshold (None = the law's)
    cap_share: Decimal | None = None           # local cap of the resultatreserv (None = the law's)


DEFAULT = Guidelines(use=UseGuidelines())


def guidelines(local: dict[int, Any], source: str = "") -> Guidelines:
    """The guidelines of the local rows ``local`` (nr → typed value; a missing or blank
    row takes xlmodel's default)."""
    def get(nr: int) -> Any:
        v = local.get(nr)
        return BY_NR[nr].default if v is None else v

    use = UseGuidelines(only_when_negative=get(1), at_most_to_zero=get(2), max_amount=get(3),
                        trigger=get(4) or "", source=source or DEFAULT_SOURCE)
    return Guidelines(use=use, reservation_share=get(5), cap_share=get(6))


def contradictions(g: Guidelines, year: int) -> list[tuple[int, Finding]]:
    """Local rules that the law does not allow in ``year``: (row nr, ERROR finding)."""
    out: list[tuple[int, Finding]] = []
    if g.reservation_share is not None and params.has("reserv.grans_andel", year):
        law = params.value("reserv.grans_andel", year)
        if g.reservation_share < law:
            out.append((5, Finding(
                rule=RULE_LAW, severity=Severity.ERROR, subject=str(year), expected=law, found=g.reservation_share,
                message=(f"Riktlinjen tillåter reservering av det som överstiger {pct(g.reservation_share)}, men lagen "
                         f"tillåter bara det som överstiger {pct(law)} (KL 11 kap. 14 §): en lokal riktlinje kan vara "
                         "strängare än lagen, inte mildare."))))
    if g.cap_share is not None:
        if params.has("reserv.tak_andel", year):
            law = params.value("reserv.tak_andel", year)
            if g.cap_share > law:
                out.append((6, Finding(
                    rule=RULE_LAW, severity=Severity.ERROR, subject=str(year), expected=law, found=g.cap_share,
                    message=(f"Riktlinjens tak för resultatreserven, {pct(g.cap_share)}, är högre än lagens "
                             f"{pct(law)} (KL 11 kap. 14 § från 2024-01-01): lagens tak gäller."))))
        else:
            out.append((6, Finding(
                rule=RULE_LAW, severity=Severity.WARNING, subject=str(year), found=g.cap_share,
                message=(f"År {year} finns ingen resultatreserv (den gäller från räkenskapsåret 2024, prop. 2022/23:119): "
                         "riktlinjens tak används inte det året."))))
    return out


def use_findings(year: int, adjusted: Decimal, use: Decimal, use_rur: Decimal, g: Guidelines) -> list[Finding]:
    """The use a balanskravsutredning shows (line 8 ``use``, line 9 ``use_rur``, printed
    +) held against the law of ``year`` and then the body's local guidelines. Findings
    carry ``field`` (the line's key) for the caller to place them."""
    found: list[Finding] = []
    if use <= 0 and use_rur <= 0:
        return found
    regime = params.text("reserv.regim", year)
    if regime == "ingen":
        return found   # refused by the utredning itself (balanskrav._check_reserve_lines)
    if params.text("reserv.anvandning", year) != "ja":
        return found   # refused by the utredning itself (balanskrav._check_reserve_lines, RULE_USE_LAW)
    if use_rur > 0 and params.has("reserv.rur_overgang_sista_ar", year):
        last = int(params.value("reserv.rur_overgang_sista_ar", year))
        if year > last:
            found.append(Finding(
                rule=RULE_USE_LAW, severity=Severity.WARNING, subject=str(year), field="anvandning_rur", found=use_rur,
                message=(f"Övergångstiden för äldre resultatutjämningsreserv antas sluta {last} (overifierat); "
                         f"användningen {fmt_mkr(use_rur)} mkr år {year} ligger efter den.")))
    total = use + use_rur
    allowed = _guided_max(total, adjusted, g.use)
    if total > allowed:
        field = "anvandning" if use > 0 else "anvandning_rur"
        found.append(Finding(
            rule=RULE_USE_LOCAL, severity=Severity.WARNING, subject=str(year), field=field,
            expected=allowed, found=total,
            message=(f"Användningen av reserv, {fmt_mkr(total)} mkr, går utöver fullmäktiges riktlinjer: högst "
                     f"{fmt_mkr(allowed)} mkr ({g.use.text_sv()}). Lagen sätter inte den gränsen; ändra riktlinjen "
                     "i tabellen Reservriktlinjer om fullmäktige har beslutat andra.")))
    return found


def pct(share: Decimal) -> str:
    return f"{fmt_mkr((share * 100).normalize())} %"
