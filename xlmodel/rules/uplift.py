"""Index uplift (uppräkning) of budget frames: scalar, chained, composite and differentiated.

A frame for net costs is uplifted for expected wage and price increases by an index
rate applied to the PRIOR-YEAR frame, before the year's additions (Region Västerbottens
Regionplan 2021, avsnitt Ekonomiska ramar per nämnd: tandvård 169,2 × 1,9 % = 3,21, printed
3,2; applying it after the +10 addition would give 3,40, which the table does not print).
Some rows get no index at all (pensions, avskrivningar, kollektivtrafik in the same plan),
and a region may use a "differentierat index": a different effective rate per unit (the
same plan's table of budgetramar per nämnd gives effective rates between about 0,9 % and 2,0 %).

What this module provides:
- ``default_rate`` / ``resolve_rate``: the rate from the dated parameters when the
  caller gives none (``('index.lpik', year)`` unless another series key is named);
- ``uplift_amount`` / ``uplifted``: one year's uplift of one base;
- ``chained_uplift`` / ``chained_factor``: uplift over consecutive plan years, each
  year's rate applied to the previous year's uplifted level (product of (1 + r_y));
- ``composite_rate``: a weighted wage/price index as in the state's pris- och
  löneomräkning (PLO);
- ``index_base``: a total less excluded rows (the base a headline rate applies to);
- ``differentiated_uplift``: per-item rates, excluded items, and reconciliation of
  the item amounts to an announced total, whose residual is reported as a Finding
  (the items are never adjusted to make the total fit).

No rounding happens here: the amounts are exact; a caller rounds only where a figure
is published (money.round_half_up at the printed precision).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from xlmodel import params
from xlmodel.errors import InputError
from xlmodel.findings import Finding, Severity
from xlmodel.money import ZERO, decimal_places, fmt_figure, fmt_mkr

RULE = "upprakning"
DEFAULT_SERIES = "index.lpik"
ONE = Decimal(1)


# --------------------------------------------------------------------------- rates

def check_rate(rate: Decimal, *, argument: str, rule: str = RULE) -> Decimal:
    """A rate is a fraction strictly between -100 % and +100 %: 1.9 typed for 1,9 % is a typo."""
    if not isinstance(rate, Decimal) or not rate.is_finite():
        raise InputError(f"satsen {rate!r} är inget tal", rule=rule, argument=argument)
    if rate <= -ONE or rate >= ONE:
        raise InputError(
            f"satsen {fmt_figure(rate)} ligger utanför -100 %..100 % "
            f"(skrev du {fmt_figure(rate)} i stället för {fmt_figure(rate)} %?)",
            rule=rule,
            argument=argument,
        )
    return rate


def default_rate(year: int, *, series: str = DEFAULT_SERIES) -> Decimal:
    """The index rate of ``series`` for budget ``year`` from xlmodel/params/index.toml.
    A year without an entry is an InputError, never a silent default."""
    return params.value(series, year)


def resolve_rate(
    rate: Decimal | None, year: int, *, series: str = DEFAULT_SERIES, argument: str = "indexsats"
) -> Decimal:
    """The caller's rate if given, else the dated parameter for the year."""
    return check_rate(default_rate(year, series=series) if rate is None else rate, argument=argument)


# --------------------------------------------------------------------------- scalar

def uplift_amount(base: Decimal, rate: Decimal) -> Decimal:
    """One year's uplift of ``base``: base × rate (exact)."""
    check_rate(rate, argument="indexsats")
    return base * rate


def uplifted(base: Decimal, rate: Decimal) -> Decimal:
    """``base`` after one year's uplift: base × (1 + rate)."""
    return base + uplift_amount(base, rate)


# --------------------------------------------------------------------------- chained

class ChainedYear(BaseModel):
    model_config = ConfigDict(frozen=True)

    year: int
    rate: Decimal
    opening: Decimal        # level before this year's uplift (the previous year's closing)
    uplift: Decimal         # opening × rate
    closing: Decimal        # opening + uplift


class ChainedUplift(BaseModel):
    model_config = ConfigDict(frozen=True)

    base: Decimal
    years: list[ChainedYear]
    factor: Decimal         # Π (1 + r_y)
    closing: Decimal        # base × factor
    total_uplift: Decimal   # closing − base = Σ yearly uplifts


def chained_factor(rates: Sequence[Decimal]) -> Decimal:
    """Π (1 + r) over the rates: uplift compounds because each year's index applies to
    the previous year's uplifted frame (the frame of year y is the base of year y+1)."""
    factor = ONE
    for i, r in enumerate(rates):
        factor *= ONE + check_rate(r, argument=f"indexsats[{i}]")
    return factor


def chained_uplift(
    base: Decimal, rates: Mapping[int, Decimal | None], *, series: str = DEFAULT_SERIES
) -> ChainedUplift:
    """Uplift ``base`` through consecutive plan years. ``rates`` maps year → rate; a None
    rate is taken from the dated parameter ``series`` for that year."""
    if not rates:
        raise InputError("inga planår angivna", rule=RULE, argument="indexsatser")
    years = sorted(rates)
    for a, b in zip(years, years[1:]):
        if b != a + 1:
            raise InputError(
                f"planåren måste följa på varandra (saknar {a + 1})", rule=RULE, argument="indexsatser"
            )
    level = base
    out: list[ChainedYear] = []
    for y in years:
        r = resolve_rate(rates[y], y, series=series, argument=f"indexsats[{y}]")
        up = level * r
        out.append(ChainedYear(year=y, rate=r, opening=level, uplift=up, closing=level + up))
        level += up
    factor = chained_factor([c.rate for c in out])
    return ChainedUplift(base=base, years=out, factor=factor, closing=level, total_uplift=level - base)


# --------------------------------------------------------------------------- composite

def composite_rate(
    *,
    wage_index: Decimal,
    price_index: Decimal,
    wage_share: Decimal,
    productivity_deduction: Decimal = ZERO,
) -> Decimal:
    """A weighted wage/price index:

        wage_share × (wage_index − productivity_deduction) + (1 − wage_share) × price_index

    This is the construction of the state's pris- och löneomräkning (PLO): the wage
    part follows a labour-cost index less a productivity deduction, the rest follows a
    price index, weighted by the share of wages in the cost mass. With no deduction it
    is the plain weighted index. The deduction applies to the wage part only, as in the
    PLO (the productivity of labour, not of purchased goods, is what it removes).
    """
    if not isinstance(wage_share, Decimal) or wage_share < ZERO or wage_share > ONE:
        raise InputError(
            f"löneandelen {fmt_figure(wage_share)} måste ligga mellan 0 och 1", rule=f"{RULE}.sammanvagd", argument="loneandel"
        )
    check_rate(wage_index, argument="loneindex", rule=f"{RULE}.sammanvagd")
    check_rate(price_index, argument="prisindex", rule=f"{RULE}.sammanvagd")
    check_rate(productivity_deduction, argument="produktivitetsavdrag", rule=f"{RULE}.sammanvagd")
    rate = wage_share * (wage_index - productivity_deduction) + (ONE - wage_share) * price_index
    return check_rate(rate, argument="sammanvagt_index", rule=f"{RULE}.sammanvagd")


# --------------------------------------------------------------------------- exclusion

def index_base(total: Decimal, excluded: Iterable[Decimal]) -> Decimal:
    """The base a headline rate applies to: the total less the frames that get no index
    (Region Västerbottens Regionplan 2021: 8 598 − 1 008 pensions − 417 avskrivningar = 7
    173; × 1,9 % = 136,3)."""
    return total - sum(excluded, ZERO)


# --------------------------------------------------------------------------- differentiated

class IndexItem(BaseModel):
    """One base to uplift: its own amount (not including sub-items), its own rate
    (None = the default rate), and whether it is indexed at all."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    base: Decimal
    rate: Decimal | None = None
    indexed: bool = True


class IndexedItem(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    base: Decimal
    rate: Decimal | None        # the rate applied; None when the item is not indexed
    amount: Decimal             # base × rate, exact; 0 when not indexed


class DifferentiatedUplift(BaseModel):
    model_config = ConfigDict(frozen=True)

    items: list[IndexedItem]
    total: Decimal
    announced_total: Decimal | None
    residual: Decimal | None    # announced_total − total (None when nothing was announced)
    findings: list[Finding]

    def amount(self, item_id: str) -> Decimal:
        for it in self.items:
            if it.id == item_id:
                return it.amount
        raise KeyError(item_id)


def item_uplift(
    base: Decimal, rate: Decimal | None, *, indexed: bool, default_rate: Decimal, item_id: str, rule: str = RULE
) -> tuple[Decimal | None, Decimal]:
    """(the rate applied, the amount) of one item of a differentiated uplift: its own
    rate or the default, on its own base, exact; (None, 0) for an item not indexed."""
    if not indexed:
        return None, ZERO
    r = default_rate if rate is None else check_rate(rate, argument=f"indexsats[{item_id}]", rule=rule)
    return r, base * r


def differentiated_uplift(
    items: Sequence[IndexItem],
    *,
    default_rate: Decimal,
    announced_total: Decimal | None = None,
    subject: str | None = None,
) -> DifferentiatedUplift:
    """Uplift each item by its own rate (or ``default_rate``); excluded items get 0.

    When an ``announced_total`` is given (Region Västerbottens Regionplan 2021: "1,9
    procent, 137 miljoner kronor"), the residual announced − Σ amounts is returned and
    reported as a Finding when it is not zero: INFO if it is within half a unit of the
    announced figure's printed precision (137 printed as an integer covers 136,5..137,5),
    WARNING beyond that. The item amounts are the rule's result and are never scaled to fit
    the total.
    """
    check_rate(default_rate, argument="standardindex")
    seen: set[str] = set()
    out: list[IndexedItem] = []
    for it in items:
        if it.id in seen:
            raise InputError(f"posten '{it.id}' förekommer två gånger", rule=RULE, argument="id")
        seen.add(it.id)
        rate, amount = item_uplift(it.base, it.rate, indexed=it.indexed, default_rate=default_rate, item_id=it.id)
        out.append(IndexedItem(id=it.id, base=it.base, rate=rate, amount=amount))
    total = sum((i.amount for i in out), ZERO)
    findings: list[Finding] = []
    residual: Decimal | None = None
    if announced_total is not None:
        residual = announced_total - total
        if residual != ZERO:
            findings.append(residual_finding(total, announced_total, residual, subject))
    return DifferentiatedUplift(
        items=out, total=total, announced_total=announced_total, residual=residual, findings=findings
    )


def residual_finding(total: Decimal, announced: Decimal, residual: Decimal, subject: str | None) -> Finding:
    """The finding for an announced index total that the rows' index does not reach."""
    printed = decimal_places(announced.normalize())
    half_unit = Decimal(5).scaleb(-printed - 1)
    within = abs(residual) < half_unit
    how = "inom avrundningen av det angivna beloppet" if within else "mer än avrundningen förklarar"
    return Finding(
        rule=f"{RULE}.residual",
        severity=Severity.INFO if within else Severity.WARNING,
        message=(
            f"Summan av radernas index är {fmt_mkr(total, 2)} mkr men angiven indexuppräkning är "
            f"{fmt_mkr(announced)} mkr; skillnaden {fmt_mkr(residual, 2)} mkr ligger {how} "
            "(raderna justeras inte)."
        ),
        subject=subject,
        field="index",
        expected=announced,
        found=total,
    )
