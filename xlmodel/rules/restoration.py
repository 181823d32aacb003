"""Återställning: the ledger of negative balanskravsresultat and their restoration.

Law (KL 11 kap. 12–13 §§; before 2018 KL 1991:900 8 kap.), each deficit under the
wording of its own year of origin:
- a negative balanskravsresultat of year Y is regulated by positive balanskravsresultat
  of the following years Y+1..Y+h, h = params 'aterstallning.horisont_ar' (2 for
  FY2000–2004 under KL 1991:900 8 kap., 3 from FY2005, prop. 2003/04:105);
- several deficits are tracked by year of origin and restored **oldest first**; a
  surplus can restore several deficits, and only surpluses of years *after* the
  origin count; a surplus that nothing needs is not banked (saving for later goes
  through a reserve, see ``reserves``);
- with synnerliga skäl fullmäktige may decide that a deficit, wholly or partly, is
  not regulated (``WriteOff``) or is regulated by a later stated year (``Extension``);
  both must be recorded with the reason;
- fullmäktige adopts an åtgärdsplan (required from FY2005, params
  'aterstallning.atgardsplan'); the decision on regulation is taken at the latest in the
  budget for Y+d, d = params 'aterstallning.beslut_senast_ar' (3).

What the ledger reports (findings, never exceptions):
- ``aterstallning.forsenad`` (ERROR): a surplus restores a deficit after its deadline
  without a recorded extension. The amount still reduces the remaining deficit (it is
  restored), but it is booked as *late* and never as on time.
- ``aterstallning.frist_passerad`` (ERROR): at the last year of the series the deadline
  has been reached or passed and part of the deficit remains.
- ``aterstallning.frist_felaktig`` (WARNING): a plan or document states a last year
  later than the legal deadline and no extension is recorded (Region Västerbottens
  Regionplan 2021, avsnitt Balanskravsutredning, says 2023 for the 2019 deficit; the law
  gives 2022). A warning, because it is a statement that contradicts the law; restoring
  late because of it is the ERROR above.
- ``aterstallning.mal_ej_uppnatt`` (WARNING): a stated last year inside the legal
  deadline is not met by the series (a local target missed, not a breach of law).
- ``aterstallning.atgardsplan`` (WARNING): lighter design of the plan requirement. A
  deficit that is still open at the start of the year its plan was due (Y+d), where the
  series reaches that year, and for which no plan decided in the budget for Y+d or
  earlier is recorded. A deficit regulated before then needs no flag: the point of the
  plan is how the regulation happens, which the numbers already show.
- ``aterstallning.avskrivning`` (WARNING): a write-off larger than what was open.
- ``aterstallning.serie_lucka`` (INFO): years missing inside the series (their results
  are unknown, so nothing is restored or created in them).

Each finding about a deficit carries the input's location (``xlmodel.location``): the
cell its row came from, as the workbook layer gives it in ``where`` (a series year's
``where("result")``, an opening deficit's ``where("amount")``); a stated last year's
findings lie at ``where("last_year")`` of the statement (a plan's at
``where("restore_by")``), else at the deficit's. Inputs without a source (a test, the
Excel function, whose argument locations name no cell) give findings without a cell, and
findings about the whole series (``serie_lucka``) have none: the shell places those.

Series values are balanskravsresultat (outcomes or budgeted/planned figures; for a
plan, "late" means planned late). No rounding: every amount is an input at its printed
precision and the ledger only adds and subtracts them.

Cost: O(n·k) for n years and k deficits, no pandas (the Excel function ATERSTALLNING
over 50 years must stay around a millisecond).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from xlmodel import params
from xlmodel.errors import InputError
from xlmodel.findings import Finding, Severity
from xlmodel.location import NOWHERE, Location, Locator, at_field
from xlmodel.money import ZERO, fmt_mkr, parse_amount
from xlmodel.rules.base import Amount, OptionalAmount, OptionalYear, RuleModel, Year, parse_year
from xlmodel.rules import ledger_table
from xlmodel.rules.years import check_ascending

RULE = "aterstallning"

# Status labels (Swedish, shown to users).
STATUS_OPEN = "öppen"
STATUS_OVERDUE = "försenad"
STATUS_RESTORED = "återställd"
STATUS_RESTORED_LATE = "återställd för sent"
STATUS_WRITTEN_OFF = "avskriven"
STATUS_RESTORED_PART_WRITTEN_OFF = "återställd (delvis avskriven)"


# ---------------------------------------------------------------------------
# Input
# ---------------------------------------------------------------------------


class YearResult(RuleModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)
    rule_id: ClassVar[str] = RULE
    year: Year
    balanskravsresultat: Amount
    # Where the row came from (keys "year", "result"); not data (left out of dumps, equal
    # whatever the place).
    where: Locator = Field(default=NOWHERE, exclude=True, repr=False)


class OpeningDeficit(RuleModel):
    """Ingående ej återställt underskott: what remains of a deficit of ``origin_year``
    at the start of the series (e.g. Region Västernorrlands Regionplan 2020–2022, avsnitt
    7.2: 146 mkr per bokslut 2018)."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)
    rule_id: ClassVar[str] = RULE
    origin_year: Year
    amount: Amount  # positive: the amount still to restore
    where: Locator = Field(default=NOWHERE, exclude=True, repr=False)   # keys "origin_year", "amount"

    @model_validator(mode="after")
    def _positive(self) -> "OpeningDeficit":
        if self.amount <= 0:
            raise InputError(
                f"ingående underskott från {self.origin_year} ska anges som ett positivt belopp att återställa "
                f"(angivet: {fmt_mkr(self.amount)})",
                rule=RULE,
                argument="amount",
            )
        return self


def _reason_required(reason: str, what: str) -> None:
    if not reason.strip():
        raise InputError(f"{what} kräver att skälet anges (KL 11 kap. 13 §)", rule=RULE, argument="reason")


class WriteOff(RuleModel):
    """Synnerliga skäl: fullmäktige decides that (part of) a deficit is not regulated.
    ``amount`` None = all that is open when the decision is taken. ``decided_year``
    defaults to the deficit's own year (the decision in its bokslut)."""

    rule_id: ClassVar[str] = RULE
    origin_year: Year
    amount: OptionalAmount = None
    reason: str
    decided_year: OptionalYear = None

    @model_validator(mode="after")
    def _check(self) -> "WriteOff":
        _reason_required(self.reason, "Beslut om synnerliga skäl")
        if self.amount is not None and self.amount <= 0:
            raise InputError(f"avskrivet belopp ska vara positivt (angivet: {fmt_mkr(self.amount)})", rule=RULE,
                             argument="amount")
        if self.decided_year is not None and self.decided_year < self.origin_year:
            raise InputError(
                f"beslutet ({self.decided_year}) kan inte fattas före underskottets år ({self.origin_year})",
                rule=RULE, argument="decided_year",
            )
        return self

    @property
    def year(self) -> int:
        return self.decided_year if self.decided_year is not None else self.origin_year


class Extension(RuleModel):
    """A recorded decision (synnerliga skäl) to regulate the deficit of ``origin_year``
    by ``to_year`` instead of the legal Y+3."""

    rule_id: ClassVar[str] = RULE
    origin_year: Year
    to_year: Year
    reason: str

    @model_validator(mode="after")
    def _check(self) -> "Extension":
        _reason_required(self.reason, "Beslut om förlängd återställning")
        if self.to_year <= self.origin_year:
            raise InputError(f"förlängning till {self.to_year} ligger inte efter underskottets år {self.origin_year}",
                             rule=RULE, argument="to_year")
        return self


class Atgardsplan(RuleModel):
    """An åtgärdsplan decided in the budget for ``budget_year``. ``origin_years`` empty =
    it covers every deficit from before that year. ``restore_by`` is the last year the
    plan states: a claim checked against the law, never an extension."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)
    rule_id: ClassVar[str] = RULE
    budget_year: Year
    origin_years: tuple[Year, ...] = ()
    restore_by: OptionalYear = None
    where: Locator = Field(default=NOWHERE, exclude=True, repr=False)   # key "restore_by"

    def covers(self, origin_year: int) -> bool:
        return origin_year in self.origin_years if self.origin_years else origin_year < self.budget_year


class StatedDeadline(RuleModel):
    """A last year for restoring a deficit as a document states it (a claim to check)."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)
    rule_id: ClassVar[str] = RULE
    origin_year: Year
    last_year: Year
    source: str = ""
    where: Locator = Field(default=NOWHERE, exclude=True, repr=False)   # key "last_year"


class RestorationInput(RuleModel):
    rule_id: ClassVar[str] = RULE

    series: tuple[YearResult, ...]
    opening: tuple[OpeningDeficit, ...] = ()
    write_offs: tuple[WriteOff, ...] = ()
    extensions: tuple[Extension, ...] = ()
    plans: tuple[Atgardsplan, ...] = ()
    stated_deadlines: tuple[StatedDeadline, ...] = ()
    check_atgardsplan: bool = True

    @model_validator(mode="after")
    def _consistent(self) -> "RestorationInput":
        if not self.series:
            raise InputError("serien av balanskravsresultat är tom", rule=RULE, argument="series")
        check_ascending([item.year for item in self.series], lambda i: at_field(f"series.{i}.year"), rule=RULE)
        first = self.series[0].year
        _check_deficits_under_the_law(self)
        seen: set[int] = set()
        for i, op in enumerate(self.opening):
            if op.origin_year >= first:
                raise InputError(
                    f"ingående underskott från {op.origin_year} måste vara från före seriens första år {first}",
                    rule=RULE, argument=f"opening.{i}.origin_year",
                )
            if op.origin_year in seen:
                raise InputError(f"ingående underskott från {op.origin_year} anges två gånger",
                                 rule=RULE, argument=f"opening.{i}.origin_year")
            seen.add(op.origin_year)
        extended: set[int] = set()
        for i, ext in enumerate(self.extensions):
            if ext.origin_year in extended:
                raise InputError(f"två beslut om förlängning för underskottet från {ext.origin_year}",
                                 rule=RULE, argument=f"extensions.{i}.origin_year")
            extended.add(ext.origin_year)
        return self


def _check_deficits_under_the_law(inp: "RestorationInput") -> None:
    """A deficit from a year the restoration rule does not cover (before the balanskrav of
    FY2000, law.toml 'aterstallning.horisont_ar') is refused at the cell of its year: the
    law sets no time to restore it, so no ledger can be kept for it."""
    years = [(s.year, s.where("year"), f"series.{i}.year")
             for i, s in enumerate(inp.series) if s.balanskravsresultat < 0]
    years += [(op.origin_year, op.where("origin_year"), f"opening.{i}.origin_year")
              for i, op in enumerate(inp.opening)]
    for year, loc, field in years:
        if params.has("aterstallning.horisont_ar", year):
            continue
        if loc.sheet is None and loc.argument is None:
            loc = at_field(field)
        raise loc.error(
            f"underskottet från {year}: {params.missing_message('aterstallning.horisont_ar', year)}. "
            "Kommunallagens balanskrav gäller från räkenskapsåret 2000; ett underskott från före dess ska inte "
            "återställas och hör inte hemma i tabellen",
            rule=RULE,
        )


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------


class RestorationEntry(BaseModel):
    model_config = ConfigDict(frozen=True)
    year: int
    amount: Decimal
    on_time: bool


class WriteOffEntry(BaseModel):
    model_config = ConfigDict(frozen=True)
    year: int
    amount: Decimal
    reason: str


class DeficitAccount(BaseModel):
    """One deficit by year of origin. Invariant: restored + written_off + remaining = amount."""

    model_config = ConfigDict(frozen=True)

    origin_year: int
    amount: Decimal                      # positive: the deficit (or opening balance) to restore
    opening: bool                        # an ingående balance rather than a year of the series
    legal_deadline: int                  # Y + horisont_ar
    deadline: int                        # legal_deadline or the recorded extension
    extension_reason: str | None
    restorations: tuple[RestorationEntry, ...]
    write_offs: tuple[WriteOffEntry, ...]
    restored: Decimal
    restored_on_time: Decimal
    restored_late: Decimal
    written_off: Decimal
    remaining: Decimal
    cleared_year: int | None             # the year the remaining reached zero
    status: str                          # Swedish label (STATUS_*)

    def remaining_after(self, year: int) -> Decimal:
        """What was still open at the end of ``year``."""
        done = sum((r.amount for r in self.restorations if r.year <= year), ZERO)
        done += sum((w.amount for w in self.write_offs if w.year <= year), ZERO)
        return self.amount - done


class Ledger(BaseModel):
    model_config = ConfigDict(frozen=True)

    first_year: int
    last_year: int
    deficits: tuple[DeficitAccount, ...]
    unused_surplus: tuple[tuple[int, Decimal], ...]   # (year, part of a surplus nothing needed)
    findings: tuple[Finding, ...]

    @property
    def total_remaining(self) -> Decimal:
        return sum((d.remaining for d in self.deficits), ZERO)

    def deficit(self, origin_year: int) -> DeficitAccount:
        for d in self.deficits:
            if d.origin_year == origin_year:
                return d
        raise KeyError(origin_year)

    HEADERS: ClassVar[tuple[str, ...]] = ledger_table.LEDGER.headers

    def rows(self) -> list[tuple[Any, ...]]:
        """Header plus one row per deficit, oldest first: a table to spill into a sheet
        (the ledger's whole shape, ``ledger_table.LEDGER``)."""
        return [self.HEADERS, *(ledger_table.LEDGER.row(d) for d in self.deficits)]


# ---------------------------------------------------------------------------
# The ledger
# ---------------------------------------------------------------------------


class _Account:
    """Mutable working state of one deficit while the series is walked."""

    __slots__ = ("origin", "amount", "opening", "legal", "deadline", "ext_reason", "remaining",
                 "restorations", "write_offs", "cleared")

    def __init__(self, origin: int, amount: Decimal, opening: bool, legal: int, deadline: int,
                 ext_reason: str | None) -> None:
        self.origin, self.amount, self.opening = origin, amount, opening
        self.legal, self.deadline, self.ext_reason = legal, deadline, ext_reason
        self.remaining = amount
        self.restorations: list[RestorationEntry] = []
        self.write_offs: list[WriteOffEntry] = []
        self.cleared: int | None = None


def _found(loc: Location | None, **finding: Any) -> Finding:
    """A finding at the cell ``loc`` names (none without a source)."""
    if loc is not None and loc.sheet is not None:
        finding.update(sheet=loc.sheet, cell=loc.cell)
    return Finding(**finding)


def _origins(inp: "RestorationInput") -> dict[int, Location]:
    """Where each deficit's row came from: an opening deficit's amount, a negative year's result."""
    at = {op.origin_year: op.where("amount") for op in inp.opening}
    at.update((s.year, s.where("result")) for s in inp.series if s.balanskravsresultat < 0)
    return at


def _horizon(origin: int) -> int:
    return int(params.value("aterstallning.horisont_ar", origin))


def _statute(origin: int) -> str:
    """The restoration rule's place in the law in force for a deficit of ``origin``
    (params 'balanskrav.lagrum': KL 1991:900 8 kap. before 2018, KL 2017:725 11 kap.)."""
    chapter = params.text("balanskrav.lagrum", origin)
    return "KL 11 kap. 12 §" if chapter.startswith("KL (2017:725)") else chapter


def _years_late(year: int, deadline: int) -> str:
    n = year - deadline
    return "ett år" if n == 1 else f"{n} år"


def restoration_ledger(inp: RestorationInput) -> Ledger:
    """Walk the series year by year: create a deficit for each negative balanskravsresultat,
    apply write-offs decided that year, and let each positive result restore open deficits
    from earlier years, oldest first. Then check deadlines, stated deadlines and plans."""
    findings: list[Finding] = []
    origin_at = _origins(inp)
    extensions = {e.origin_year: e for e in inp.extensions}
    accounts: dict[int, _Account] = {}

    def open_account(origin: int, amount: Decimal, opening: bool) -> None:
        legal = origin + _horizon(origin)
        ext = extensions.get(origin)
        deadline, reason = legal, None
        if ext is not None:
            reason = ext.reason
            if ext.to_year > legal:
                deadline = ext.to_year
            else:
                findings.append(_found(
                    origin_at.get(origin), rule="aterstallning.forlangning", severity=Severity.INFO, subject=str(origin),
                    message=(f"Beslutet om förlängning till {ext.to_year} för underskottet från {origin} ändrar "
                             f"inte fristen: lagens sista år är {legal}."),
                ))
        accounts[origin] = _Account(origin, amount, opening, legal, deadline, reason)

    for op in sorted(inp.opening, key=lambda o: o.origin_year):   # oldest first: dict order is restore order
        open_account(op.origin_year, op.amount, True)

    results = {item.year: item.balanskravsresultat for item in inp.series}
    first, last = inp.series[0].year, inp.series[-1].year
    missing = [y for y in range(first, last + 1) if y not in results]
    if missing:
        findings.append(Finding(
            rule="aterstallning.serie_lucka", severity=Severity.INFO,
            message=f"Serien saknar balanskravsresultat för {', '.join(map(str, missing))}; de åren räknas inte.",
        ))

    write_offs_by_year: dict[int, list[WriteOff]] = {}
    for w in inp.write_offs:
        write_offs_by_year.setdefault(w.year, []).append(w)

    unused: list[tuple[int, Decimal]] = []
    for year in sorted(set(results) | set(write_offs_by_year)):
        result = results.get(year)
        if result is not None and result < 0:
            open_account(year, -result, False)
        for w in write_offs_by_year.get(year, ()):
            _apply_write_off(w, accounts, findings, origin_at.get(w.origin_year))
        if result is not None and result > 0:
            left = result
            for acc in accounts.values():   # insertion order = origin order (checked below)
                if left == 0:
                    break
                if acc.origin >= year or acc.remaining == 0:
                    continue
                take = min(left, acc.remaining)
                acc.remaining -= take
                left -= take
                on_time = year <= acc.deadline
                acc.restorations.append(RestorationEntry(year=year, amount=take, on_time=on_time))
                if acc.remaining == 0:
                    acc.cleared = year
                if not on_time:
                    findings.append(_found(
                        origin_at.get(acc.origin), rule="aterstallning.forsenad", severity=Severity.ERROR, subject=str(acc.origin),
                        field=str(year), expected=str(acc.deadline), found=str(year),  # years, not amounts
                        message=(f"Underskottet från {acc.origin} återställs med {fmt_mkr(take)} mkr år {year}, "
                                 f"{_years_late(year, acc.deadline)} efter sista året {acc.deadline} "
                                 f"({'enligt beslut om förlängning' if acc.ext_reason else _statute(acc.origin)}); "
                                 f"det räknas inte som återställt i tid."),
                    ))
            if left > 0:
                unused.append((year, left))

    for origin in extensions:
        if origin not in accounts:
            raise InputError(f"det finns inget underskott från {origin} att förlänga återställningen för",
                             rule=RULE, argument="extensions")
    ordered = sorted(accounts.values(), key=lambda a: a.origin)
    _check_overdue(ordered, last, findings, origin_at)
    claims = _claims(inp)
    _check_claims(claims, accounts, extensions, last, findings, origin_at)
    if inp.check_atgardsplan:
        _check_plans(inp.plans, ordered, first, last, findings, origin_at)

    return Ledger(
        first_year=first,
        last_year=last,
        deficits=tuple(_freeze(a, last) for a in ordered),
        unused_surplus=tuple(unused),
        findings=tuple(findings),
    )


def _apply_write_off(w: WriteOff, accounts: dict[int, _Account], findings: list[Finding],
                     at: Location | None) -> None:
    acc = accounts.get(w.origin_year)
    if acc is None:
        raise InputError(
            f"det finns inget underskott från {w.origin_year} att skriva av (synnerliga skäl)",
            rule=RULE, argument="write_offs",
        )
    wanted = acc.remaining if w.amount is None else w.amount
    take = min(wanted, acc.remaining)
    if wanted > acc.remaining:
        findings.append(_found(
            at, rule="aterstallning.avskrivning", severity=Severity.WARNING, subject=str(w.origin_year),
            expected=acc.remaining, found=wanted,
            message=(f"Beslutet år {w.year} skriver av {fmt_mkr(wanted)} mkr av underskottet från {w.origin_year}, "
                     f"men bara {fmt_mkr(acc.remaining)} mkr var kvar; {fmt_mkr(take)} mkr skrivs av."),
        ))
    if take > 0:
        acc.remaining -= take
        acc.write_offs.append(WriteOffEntry(year=w.year, amount=take, reason=w.reason))
        if acc.remaining == 0:
            acc.cleared = w.year


def _check_overdue(accounts: list[_Account], last: int, findings: list[Finding],
                   origin_at: dict[int, Location]) -> None:
    for acc in accounts:
        if acc.remaining > 0 and last >= acc.deadline:
            findings.append(_found(
                origin_at.get(acc.origin), rule="aterstallning.frist_passerad", severity=Severity.ERROR, subject=str(acc.origin),
                expected=ZERO, found=acc.remaining,
                message=(f"Av underskottet från {acc.origin} återstår {fmt_mkr(acc.remaining)} mkr efter sista året "
                         f"{acc.deadline} för återställning."),
            ))


def _claims(inp: RestorationInput) -> list[tuple[int, int, str, Location]]:
    """(origin, stated last year, source, where it is stated) from stated deadlines and
    plans' restore_by."""
    claims = [(c.origin_year, c.last_year, c.source or "angiven frist", c.where("last_year"))
              for c in inp.stated_deadlines]
    for plan in inp.plans:
        if plan.restore_by is None:
            continue
        origins = plan.origin_years or tuple(
            [op.origin_year for op in inp.opening]
            + [s.year for s in inp.series if s.balanskravsresultat < 0 and s.year < plan.budget_year]
        )
        claims += [(o, plan.restore_by, f"åtgärdsplan i budget {plan.budget_year}", plan.where("restore_by"))
                   for o in origins]
    return claims


def _check_claims(claims: list[tuple[int, int, str, Location]], accounts: dict[int, _Account],
                  extensions: dict[int, Extension], last: int, findings: list[Finding],
                  origin_at: dict[int, Location]) -> None:
    for origin, stated, source, stated_at in claims:
        at = stated_at if stated_at.sheet is not None else origin_at.get(origin)
        acc = accounts.get(origin)
        if acc is None:
            raise InputError(f"det finns inget underskott från {origin} som fristen ({source}) kan gälla",
                             rule=RULE, argument="stated_deadlines")
        if stated > acc.deadline:
            basis = (f"beslutet om förlängning ger {acc.deadline}" if origin in extensions
                     else f"enligt {_statute(origin)} är sista året {acc.legal} och inget beslut om förlängning finns")
            findings.append(_found(
                at, rule="aterstallning.frist_felaktig", severity=Severity.WARNING, subject=str(origin),
                field=source, expected=str(acc.deadline), found=str(stated),  # years, not amounts
                message=(f"{source[0].upper()}{source[1:]} anger {stated} som sista år för att återställa "
                         f"underskottet från {origin}, men {basis}: {_years_late(stated, acc.deadline)} för sent."),
            ))
        elif last >= stated:
            left = _remaining_after(acc, stated)
            if left > 0:
                findings.append(_found(
                    at, rule="aterstallning.mal_ej_uppnatt", severity=Severity.WARNING, subject=str(origin),
                    field=source, expected=ZERO, found=left,
                    message=(f"{source[0].upper()}{source[1:]} anger att underskottet från {origin} ska vara "
                             f"återställt {stated}, men {fmt_mkr(left)} mkr återstår då."),
                ))


def _remaining_after(acc: _Account, year: int) -> Decimal:
    done = sum((r.amount for r in acc.restorations if r.year <= year), ZERO)
    done += sum((w.amount for w in acc.write_offs if w.year <= year), ZERO)
    return acc.amount - done


def _check_plans(plans: tuple[Atgardsplan, ...], accounts: list[_Account], first: int, last: int,
                 findings: list[Finding], origin_at: dict[int, Location]) -> None:
    for acc in accounts:
        if params.text("aterstallning.atgardsplan", acc.origin) != "ja":
            continue   # no åtgärdsplan was required for deficits before FY2005 (prop. 2003/04:105)
        due = acc.origin + int(params.value("aterstallning.beslut_senast_ar", acc.origin))
        if not first <= due <= last:
            continue   # the series does not reach (or starts after) the year the plan was due
        if _remaining_after(acc, due - 1) <= 0:
            continue   # regulated before the plan was due
        covering = [p.budget_year for p in plans if p.covers(acc.origin)]
        if any(y <= due for y in covering):
            continue
        if covering:
            message = (f"Åtgärdsplanen för underskottet från {acc.origin} beslutades i budgeten för "
                       f"{min(covering)}, men skulle beslutas senast i budgeten för {due} ({_statute(acc.origin)}).")
        else:
            message = (f"Ingen åtgärdsplan är registrerad för underskottet från {acc.origin}; beslut om "
                       f"reglering ska fattas senast i budgeten för {due} ({_statute(acc.origin)}).")
        findings.append(_found(origin_at.get(acc.origin), rule="aterstallning.atgardsplan", severity=Severity.WARNING,
                                subject=str(acc.origin), message=message))


def _freeze(acc: _Account, last: int) -> DeficitAccount:
    on_time = sum((r.amount for r in acc.restorations if r.on_time), ZERO)
    late = sum((r.amount for r in acc.restorations if not r.on_time), ZERO)
    written = sum((w.amount for w in acc.write_offs), ZERO)
    if acc.remaining > 0:
        status = STATUS_OVERDUE if last >= acc.deadline else STATUS_OPEN
    elif late > 0:
        status = STATUS_RESTORED_LATE
    elif written == acc.amount:
        status = STATUS_WRITTEN_OFF
    elif written > 0:
        status = STATUS_RESTORED_PART_WRITTEN_OFF
    else:
        status = STATUS_RESTORED
    return DeficitAccount(
        origin_year=acc.origin, amount=acc.amount, opening=acc.opening, legal_deadline=acc.legal,
        deadline=acc.deadline, extension_reason=acc.ext_reason, restorations=tuple(acc.restorations),
        write_offs=tuple(acc.write_offs), restored=on_time + late, restored_on_time=on_time,
        restored_late=late, written_off=written, remaining=acc.remaining, cleared_year=acc.cleared,
        status=status,
    )


def ledger_from_columns(years: Any, results: Any, where: Sequence[Locator] | None = None,
                        **options: Any) -> Ledger:
    """The ledger from two columns of cell values (years, balanskravsresultat), as the
    Excel function ATERSTALLNING passes them; blank rows at the end are ignored.
    ``where``: each row's locator (keys "year", "result") when the caller knows its cells;
    else none (the Excel function: its arguments name no cell, so its findings have none;
    a bad value is named by its element, "ar[i]", "resultat[i]", as parsed below).
    ``options`` are the other fields of RestorationInput (opening, ...)."""
    years, results = list(years), list(results)
    if len(years) != len(results):
        raise InputError(f"{len(years)} år men {len(results)} resultat", rule=RULE, argument="resultat")
    while years and _blank(years[-1]) and _blank(results[-1]):
        years.pop()
        results.pop()
    series = tuple(
        YearResult.model_construct(
            year=parse_year(y, argument=f"ar[{i + 1}]", rule=RULE),
            balanskravsresultat=parse_amount(r, argument=f"resultat[{i + 1}]", rule=RULE),
            where=where[i] if where is not None else NOWHERE,
        )
        for i, (y, r) in enumerate(zip(years, results))
    )
    return restoration_ledger(RestorationInput(series=series, **options))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
