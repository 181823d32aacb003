"""The resursramar's own checks: the plan period, the frame rows and the footnotes.

Region Västernorrland's Regionplan 2020–2022 (avsnitt 7.4 Resursramar) decides a resursram per nämnd
and year, with varav/därav rows, and explains the amounts in footnotes. The arithmetic
of the general reduction and its back-cast is ``omstallning``, the
restoration ``restoration``; this module holds what only this table has:

- **The plan period** (``check_period``, ``check_plan_years``): a plan covers the years
  first..last (the plan: "för år 2020–2022"), and its year table holds the base year (the
  year before the period, whose frames the plan starts from: 2019) and each plan year
  in sequence, since the uplift is chained year to year (avsnitt 7.4: "upp till 3,0 procent
  per år", ×1,03).
- **The frame rows** (``FrameRows``): each id once; a varav/därav row names a row above
  it as its parent (the plan prints a nämnd, then its "- därav" rows); whether a row is
  under the general reduction is "ja" or "nej" (the reductions apply to "verksamheterna
  utanför vården", avsnitt 7.4 Resursramar, so it is a property of the row). Varav rows
  together cannot exceed their row (``varav_findings``, the rule of ``varav``).
- **The footnotes** (``check_footnotes``, ``footnote_totals``, ``transfers_finding``):
  each footnote amount is of a known kind and on an existing row; a reduction footnote is
  only on a row under the general reduction (the plan's footnotes 1, 6, 7, 10, 11 give the
  3 % of such rows); the transfers among them net to zero (footnote 1, sjukresor:
  85,5 mkr leave six rows and arrive at NHU); reductions, avkastningskrav and the central
  reductions make the decided net-cost reductions (avsnitt 7.2 Kostnadsanpassning
  och kostnadskontroll: 34,3 + 41,6 + 118,1 = 194, reconciled with ``omstallning.reconcile_total``).

Each input value carries its ``Location`` (a cell of the workbook, or a row of a CSV
source), so an error is raised where the user typed the value. Messages are Swedish.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from xlmodel.findings import Finding, Severity
from xlmodel.location import NOWHERE, Location, Locator
from xlmodel.money import ZERO, fmt_mkr
from xlmodel.rules.varav import varav_excess

RULE = "resursramar"

REDUCED_YES = "ja"
REDUCED_NO = "nej"

# Footnote kinds (Swedish, as typed in the sheet) → what the validation does with them.
FOOTNOTE_REDUCTION = "reduktion"          # reconciled against the rule's reduction of the row
FOOTNOTE_RETURN = "avkastningskrav"       # part of the decided net-cost reductions
FOOTNOTE_TRANSFER = "överföring"          # + in, − out: all transfers together net to zero
FOOTNOTE_KINDS = (FOOTNOTE_REDUCTION, FOOTNOTE_RETURN, FOOTNOTE_TRANSFER, "justering", "tillskott")

class _Located(BaseModel):
    """An input row that knows where each of its values came from (``Locator``: column
    key → Location; not part of the row's value)."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    where: Locator = Field(default=NOWHERE, exclude=True, repr=False)

    def at(self, key: str) -> Location:
        return self.where(key)


# --------------------------------------------------------------------------- plan period


def check_period(first: int, last: int, where: Location) -> None:
    """The plan period's last year is not before its first (``where``: the last year's cell)."""
    if last < first:
        raise where.error(f"planperiodens sista år {last} ligger före första året {first}", rule=RULE)


def check_plan_years(years: Sequence[tuple[int, Location]], first: int, last: int, table_at: Location) -> None:
    """The year table: the base year ``first - 1`` and every plan year to ``last``, in
    order, one row each. ``table_at``: where the table starts (for a wrong number of rows)."""
    wanted = list(range(first - 1, last + 1))
    for (year, where), y in zip(years, wanted):
        if year != y:
            raise where.error(f"år {year} står där {y} ska stå: tabellen ska ha basåret och varje planår i följd "
                              f"({wanted[0]}–{wanted[-1]})", rule=RULE)
    if len(years) != len(wanted):
        raise table_at.error(f"tabellen ska ha en rad per år {wanted[0]}–{wanted[-1]} ({len(wanted)} rader), "
                             f"den har {len(years)}", rule=RULE)


# --------------------------------------------------------------------------- frame rows


class ResursramRow(_Located):
    """One row of the resursramar: a nämnd (no parent) or a varav/därav row."""

    id: str
    label: str
    parent: str | None = None
    frames: Mapping[int, Decimal]            # year → resursram (the base year and every plan year)
    reduced: str                             # "ja" / "nej" as typed: under the general reduction

    @property
    def is_reduced(self) -> bool:
        return self.reduced.casefold() == REDUCED_YES


class FrameRows:
    """The frame rows, checked one by one as they are read (so an error is raised before
    anything read after it): ids unique, a parent above its row, the reduction flag."""

    def __init__(self) -> None:
        self.by_id: dict[str, ResursramRow] = {}

    def add(self, row: ResursramRow) -> ResursramRow:
        if row.id in self.by_id:
            raise row.at("id").error(f"id '{row.id}' förekommer två gånger", rule=RULE)
        if row.parent is not None and row.parent not in self.by_id:
            raise row.at("parent").error(f"förälder '{row.parent}' finns inte ovanför raden i tabellen", rule=RULE)
        if row.reduced.casefold() not in (REDUCED_YES, REDUCED_NO):
            raise row.at("reduced").error(f"'{row.reduced}' ska vara {REDUCED_YES} eller {REDUCED_NO}", rule=RULE)
        self.by_id[row.id] = row
        return row


def plain_label(label: str) -> str:
    """'- varav tandvård' → 'tandvård': the row's name for a message."""
    text = label.strip().lstrip("-– ").strip()
    for prefix in ("varav ", "därav "):
        if text.casefold().startswith(prefix):
            text = text[len(prefix):]
    return text


def varav_findings(rows: Iterable[ResursramRow], years: Sequence[int], field_of: Mapping[int, str]) -> list[Finding]:
    """Varav/därav rows summing to more than their row in a year: a finding on the row's
    frame of that year (``field_of``: year → the frame column's key)."""
    rows = list(rows)
    by_id = {row.id: row for row in rows}
    children: dict[str, list[ResursramRow]] = {}
    for row in rows:
        if row.parent:
            children.setdefault(row.parent, []).append(row)
    out: list[Finding] = []
    for pid, kids in children.items():
        parent = by_id[pid]
        for y in years:
            found = varav_excess(rule=f"{RULE}.varav_overstiger", parts=sum((k.frames[y] for k in kids), ZERO),
                                 whole=parent.frames[y], whose=plain_label(parent.label), what=f"år {y}",
                                 subject=pid, field=field_of[y])
            if found is not None:
                where = parent.at(field_of[y])
                out.append(found.at(where.sheet, where.cell))
    return out


# --------------------------------------------------------------------------- footnotes


class Footnote(_Located):
    """One amount of a footnote: on a frame row, of a kind (``FOOTNOTE_KINDS``)."""

    id: str
    footnote: str = ""
    row: str
    kind: str                                # as typed
    amount: Decimal

    @property
    def kind_key(self) -> str:
        return self.kind.casefold()


def check_footnotes(footnotes: Iterable[Footnote], reduced: Mapping[str, bool], table_name: str) -> None:
    """Every footnote of a known kind, on a row of the table (``reduced``: each row's id →
    it is under the general reduction; ``table_name``: the frame table's name, as the
    message says it); a reduction only on a row under the general reduction."""
    for f in footnotes:
        if f.kind_key not in FOOTNOTE_KINDS:
            raise f.at("kind").error(f"typen '{f.kind}' är okänd; använd {', '.join(FOOTNOTE_KINDS)}", rule=RULE)
        if f.row not in reduced:
            raise f.at("row").error(f"raden '{f.row}' finns inte i {table_name}", rule=RULE)
        if f.kind_key == FOOTNOTE_REDUCTION and not reduced[f.row]:
            raise f.at("row").error(
                f"fotnoten är en reduktion men raden '{f.row}' omfattas inte av den generella reduktionen "
                f"(kolumnen 'Generell reduktion' är {REDUCED_NO})", rule=RULE)


class FootnoteTotals(BaseModel):
    model_config = ConfigDict(frozen=True)

    by_kind: dict[str, Decimal]
    transfers_in: Decimal                    # Σ positive transfers (to receiving rows)
    transfers_out: Decimal                   # Σ negative transfers (from leaving rows), negative

    @property
    def transfers_net(self) -> Decimal:
        return self.transfers_in + self.transfers_out


def footnote_totals(footnotes: Iterable[Footnote]) -> FootnoteTotals:
    by_kind = {k: ZERO for k in FOOTNOTE_KINDS}
    transfers_in = transfers_out = ZERO
    for f in footnotes:
        by_kind[f.kind_key] += f.amount
        if f.kind_key == FOOTNOTE_TRANSFER:
            if f.amount > 0:
                transfers_in += f.amount
            else:
                transfers_out += f.amount
    return FootnoteTotals(by_kind=by_kind, transfers_in=transfers_in, transfers_out=transfers_out)


def transfers_finding(totals: FootnoteTotals) -> Finding | None:
    """Transfers leave one row and arrive at another (footnote 1's sjukresor): they net to zero."""
    net = totals.transfers_net
    if net == ZERO:
        return None
    return Finding(
        rule=f"{RULE}.overforing_netto", severity=Severity.ERROR, subject=FOOTNOTE_TRANSFER,
        message=(f"Överföringarna i fotnoterna går inte jämnt ut: {fmt_mkr(totals.transfers_in)} mkr till mottagande "
                 f"rader men {fmt_mkr(-totals.transfers_out)} mkr från lämnande rader (netto {fmt_mkr(net)} mkr)."),
        expected=ZERO, found=net,
    )


def nettokostnadsreduceringar_parts(totals: FootnoteTotals, central: Decimal) -> dict[str, Decimal]:
    """The parts of the decided net-cost reductions (avsnitt 7.2: the plan does not itemise
    its 194 mkr; reductions + avkastningskrav + central reductions is an inference)."""
    return {"reduktioner": totals.by_kind[FOOTNOTE_REDUCTION], "avkastningskrav": totals.by_kind[FOOTNOTE_RETURN],
            "centrala kostnadsreduceringar": central}
