"""The frame table (ramtabell): last year's frames, the year's named changes, index.

Per row (Region Västerbottens Regionplan 2021, avsnitt Ekonomiska ramar per nämnd and its table of
budgetramar per nämnd):

    frame = prior_frame + omstallning + omfordelning + utokad + index

"varav" rows are contained in their parent: a change is entered on the most specific
row it concerns and rolls up, so a parent's columns are its own changes plus its
children's columns, and the sum row adds the top-level (nämnd) rows.

One-off and temporary changes (issue 14): two more kinds of change enter this year's
frame but not next year's base. "engångs" (a one-off grant or cost, e.g. a 2021
grant for one year) is shown in the Utökad budget column, "tillfällig" (a temporary
reduction returned in a later year) in the Omställning column; each row keeps their sum
as ``one_off`` (its own plus its varav rows'), and ``roll_forward`` takes it out of the
next prior frame: next base = frame (printed or computed) − one_off. A withholding
returned within the same year (the 0,4 % of Hälso- och sjukvårdsnämndens plan 2022 (Region
Västerbotten)) changes neither the year's frame nor the next base and stays outside the
table (``omstallning.temporary_withholding``).

Index (via xlmodel.rules.uplift): on the PRIOR frame, before the year's
additions. A row's own index base is its prior frame less its children's prior frames
(the "övrigt" part); its index is own base × its rate plus its children's index. A row
with ``indexed=False`` gets none, and its prior frame is still taken out of the
parent's own base (Region Västerbottens Regionplan 2021: RS övrigt = 3 205 − 1 326 − 169,2
− 1 008 − 417 = 284,8). A non-indexed row's varav rows are not indexed either: excluding
pensions excludes every part of them.

Checks returned as findings (never raised):
- ``ramtabell.varav_overstiger`` (fel): the varav rows' prior or resulting frames sum
  to more than their parent's;
- ``ramtabell.omfordelning_netto`` (fel): the omfördelning column of the nämnd rows
  does not net to zero (a transfer leaves one nämnd and must arrive in another);
- ``ramtabell.nettoram`` (fel): the sum row differs from the resultatbudget's
  nettoram at the sum row's printed precision;
- ``ramtabell.publicerad`` (varning): a published figure is not reproduced;
- ``ramtabell.radidentitet`` (varning): a published row's own printed figures do not
  add up (the ±1 of integer-rounded components, the Regionplan 2021's HSN 5 078,4 vs 5 079);
- ``upprakning.residual`` (info/varning): announced index total − Σ row index.

Rounding: amounts are exact. A published figure is compared at its printed precision
(the row's ``places``, or more decimals if the published value itself shows more, as
RS omfördelning −17,7 on an integer row); both sides are rounded with
money.round_half_up (Excel ROUND), the rounding the plans' tables evidently use.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Container, Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from xlmodel.errors import InputError
from xlmodel.findings import Finding, Severity
from xlmodel.location import NOWHERE, Locator
from xlmodel.money import ZERO, decimal_places, fmt_mkr, round_half_up
from xlmodel.rules import uplift
from xlmodel.rules.varav import varav_excess

RULE = "ramtabell"
ChangeKind = Literal["omstallning", "omfordelning", "utokad", "engangs", "tillfallig"]
CHANGE_KINDS: tuple[str, ...] = ("omstallning", "omfordelning", "utokad")   # the table's change columns
# Kinds that do not enter next year's base, and the column each is shown in.
ONE_OFF_KINDS: dict[str, str] = {"engangs": "utokad", "tillfallig": "omstallning"}
COLUMNS: tuple[str, ...] = ("prior_frame", "omstallning", "omfordelning", "utokad", "index", "frame")
# Swedish column names as used in findings (``Finding.field``) and messages.
COLUMN_SV = {
    "prior_frame": "budgetram_foregaende_ar",
    "omstallning": "omstallning",
    "omfordelning": "omfordelning",
    "utokad": "utokad",
    "index": "index",
    "frame": "budgetram",
}
# A finding's ``field`` back to the column key (the workbook layer's column of the row).
COLUMN_OF_FIELD = {sv: key for key, sv in COLUMN_SV.items()}
COLUMN_LABEL_SV = {
    "prior_frame": "Budgetram föregående år",
    "omstallning": "Omställning reducering",
    "omfordelning": "Omfördelning",
    "utokad": "Utökad budget",
    "index": "Löne- och prisindex",
    "frame": "Budgetram",
}
MAX_PLACES = 6  # more decimals than any printed budget table (mkr with 2 decimals = 10 000 kr)


# --------------------------------------------------------------------------- input models

# Where an input row's values came from (``xlmodel.location.Locator``: column key ("id",
# "parent", "row", "frame" …) -> Location), given by the workbook layer; a row built
# without one (a test, the streaming validation) gives errors naming the field only. Not
# data: left out of dumps and reprs, and equal whatever the place.
_WHERE = Field(default=NOWHERE, exclude=True, repr=False)


def located(err: InputError, row: BaseModel, key: str) -> InputError:
    """``err`` at the cell of ``row``'s value ``key``, when the row carries its locations."""
    loc = getattr(row, "where", NOWHERE)(key)
    return err.at(loc.sheet, loc.cell)


def located_finding(f: Finding, row: BaseModel, key: str) -> Finding:
    """``f`` at the cell of ``row``'s value ``key``, when the row carries its locations."""
    loc = getattr(row, "where", NOWHERE)(key)
    return f if loc.sheet is None else f.at(loc.sheet, loc.cell)


class FrameRow(BaseModel):
    """One input row of the frame table."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    id: str                                 # stable key: "HSN", "RS_tandvard"
    label: str                              # Swedish label as printed ("varav tandvård")
    parent: str | None = None               # parent row id for "varav" rows (any depth)
    prior_frame: Decimal                    # Budgetram föregående år; positive = net cost
    index_rate: Decimal | None = None       # differentiated rate of the row's own part; None = default
    indexed: bool = True                    # False: pensions, avskrivningar, kollektivtrafik …
    places: int = 1                         # printed precision (decimals) of this row
    where: Locator = _WHERE           # where each value came from (column key -> Location)


class FrameChange(BaseModel):
    """One named change (budgetförändring) on the most specific row it concerns."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    id: str
    label: str
    kind: ChangeKind
    row: str
    amount: Decimal                         # signed as in the table: cuts negative
    where: Locator = _WHERE


class PublishedRow(BaseModel):
    """Published (printed) figures of one row, to reconcile against. None = not printed."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    id: str
    omstallning: Decimal | None = None
    omfordelning: Decimal | None = None
    utokad: Decimal | None = None
    index: Decimal | None = None
    frame: Decimal | None = None
    prior_frame: Decimal | None = None      # printed prior frame (used for the sum row)
    where: Locator = _WHERE


class FrameTableInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: int
    default_index_rate: Decimal
    rows: list[FrameRow]
    changes: list[FrameChange] = []
    announced_index_total: Decimal | None = None
    published: list[PublishedRow] = []
    nettoram: Decimal | None = None         # resultatbudget's nettoram as a positive cost
    total_id: str = "SUMMA"
    total_label: str = "Summa verksamhetens nettokostnad"
    total_places: int = 0                   # printed precision of the sum row


# --------------------------------------------------------------------------- output models

Level = Literal["namnd", "varav", "summa"]


class FrameTableRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    label: str
    parent: str | None
    level: Level
    prior_frame: Decimal
    omstallning: Decimal
    omfordelning: Decimal
    utokad: Decimal
    index: Decimal
    frame: Decimal
    places: int
    index_base: Decimal = ZERO              # the row's own indexed base (prior less varav priors)
    index_rate: Decimal | None = None       # rate applied to the own base; None = not indexed
    one_off: Decimal = ZERO                 # engångs + tillfällig inside the frame (own + varav): not in next base

    def rounded(self, places: int | None = None) -> "FrameTableRow":
        """The row at published precision (default: its own ``places``). Each cell is
        rounded on its own, as a printed table is, so the rounded cells need not add up."""
        p = self.places if places is None else places
        return self.model_copy(update={c: round_half_up(getattr(self, c), p) for c in COLUMNS})

    def value(self, column: str) -> Decimal:
        if column not in COLUMNS:
            raise KeyError(column)
        return getattr(self, column)


class FrameTable(BaseModel):
    model_config = ConfigDict(frozen=True)

    year: int
    rows: list[FrameTableRow]
    total: FrameTableRow
    findings: list[Finding]
    index_residual: Decimal | None          # announced_index_total − Σ row index

    def row(self, row_id: str) -> FrameTableRow:
        if row_id == self.total.id:
            return self.total
        for r in self.rows:
            if r.id == row_id:
                return r
        raise KeyError(row_id)


# --------------------------------------------------------------------------- helpers

def parse_change_kind(text: str, *, argument: str = "typ") -> ChangeKind:
    """Map a column header or a typed kind to a change kind: "Omställning reducering",
    "omställning" → omstallning; "Omfördelning" → omfordelning; "Utökad budget" → utokad."""
    folded = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().strip().lower()
    for kind in (*CHANGE_KINDS, *ONE_OFF_KINDS):
        if folded == kind or folded.startswith(kind + " "):
            return kind  # type: ignore[return-value]
    raise InputError(
        f"okänd typ av budgetförändring '{text}' (ange omställning, omfördelning, utökad, engångs eller tillfällig)",
        rule=f"{RULE}.forandring",
        argument=argument,
    )


def _printed_places(value: Decimal, at_least: int) -> int:
    """Precision a published figure is compared at: the row's places, or more if the
    printed value shows more significant decimals (−17,7 on an integer row)."""
    return max(at_least, decimal_places(value.normalize()))


def _check_places(places: int, argument: str) -> None:
    if places < 0 or places > MAX_PLACES:
        raise InputError(f"antal decimaler {places} måste vara 0–{MAX_PLACES}", rule=RULE, argument=argument)


# --------------------------------------------------------------------------- structure

def id_key(row_id: str) -> str:
    """A row id as a person reads it: 'PN', 'pn' and ' PN ' are one nämnd (the Regionplan
    2021's table of budgetramar per nämnd: each row of the printed table is one nämnd or
    one varav line, named once)."""
    return str(row_id).strip().casefold()


def duplicate_id_error(r: FrameRow, first: str) -> InputError:
    """The error for row ``r`` whose id was already used (as ``first``), at the cell of
    ``r``'s id when the row carries its locations, else naming the field."""
    what = (f"id '{r.id}' förekommer två gånger" if first == r.id else
            f"id '{r.id}' är samma som '{first}' (stora och små bokstäver räknas inte som olika)")
    loc = r.where("id")
    return InputError(what, rule=RULE, argument=loc.argument or "id", sheet=loc.sheet, cell=loc.cell)


class UniqueIds:
    """The rows' ids, checked one by one as the rows are read: each id once, compared as
    a person reads it (``id_key``). One rule for every way the table is read - the
    workbook's rows (``frames.frame_input``), the whole table (``compute_frame_table``)
    and the one pass (``fold_frame_rows``) - so a workbook validated either way gets the
    same error, at the cell of the second id."""

    __slots__ = ("_first",)

    def __init__(self) -> None:
        self._first: dict[str, str] = {}

    def add(self, r: FrameRow) -> None:
        key = id_key(r.id)
        if not key:
            return  # a row without an id is check_row's error
        first = self._first.get(key)
        if first is not None:
            raise duplicate_id_error(r, first)
        self._first[key] = r.id


def check_unique_ids(rows: Iterable[FrameRow]) -> None:
    """Every row's id once (``UniqueIds``); else an ``InputError`` at the first repeat."""
    ids = UniqueIds()
    for r in rows:
        ids.add(r)


def check_row(r: FrameRow, total_id: str) -> None:
    """What a single row must satisfy whatever the others are: an id that is not the
    sum row's, printed precision within bounds, a plausible own rate."""
    if not r.id or not r.id.strip():
        raise located(InputError("en rad saknar id", rule=f"{RULE}.struktur", argument="id"), r, "id")
    if r.id == total_id:
        raise located(InputError(f"raden '{r.id}' har samma id som summaraden", rule=f"{RULE}.struktur",
                                 argument="id"), r, "id")
    try:
        _check_places(r.places, f"decimaler[{r.id}]")
    except InputError as err:
        raise located(err, r, "places") from None
    if r.index_rate is not None:
        try:
            uplift.check_rate(r.index_rate, argument=f"indexsats[{r.id}]", rule=f"{RULE}.index")
        except InputError as err:
            raise located(err, r, "index_rate") from None


class _Tree:
    """Validated structure of the rows: children in input order, a post-order."""

    def __init__(self, rows: Sequence[FrameRow], total_id: str) -> None:
        self.rows: dict[str, FrameRow] = {}
        ids = UniqueIds()
        for r in rows:
            ids.add(r)
            check_row(r, total_id)
            self.rows[r.id] = r
        self.children: dict[str, list[str]] = {rid: [] for rid in self.rows}
        self.top: list[str] = []
        for r in rows:
            if r.parent is None:
                self.top.append(r.id)
            elif r.parent not in self.rows:
                raise located(InputError(
                    f"raden '{r.id}' anger överordnad rad '{r.parent}' som inte finns",
                    rule=f"{RULE}.struktur",
                    argument="parent",
                ), r, "parent")
            else:
                self.children[r.parent].append(r.id)
        for rid in self.rows:  # every chain of parents must end at a top-level row
            seen = {rid}
            p = self.rows[rid].parent
            while p is not None:
                if p in seen:
                    raise located(InputError(
                        f"raden '{rid}' ingår i en cirkel av överordnade rader", rule=f"{RULE}.struktur", argument="parent"
                    ), self.rows[rid], "parent")
                seen.add(p)
                p = self.rows[p].parent
        self.post_order: list[str] = []
        for t in self.top:
            self._visit(t)

    def _visit(self, rid: str) -> None:
        stack: list[tuple[str, bool]] = [(rid, False)]
        while stack:  # iterative: deep varav chains must not hit the recursion limit
            node, expanded = stack.pop()
            if expanded:
                self.post_order.append(node)
                continue
            stack.append((node, True))
            for c in reversed(self.children[node]):
                stack.append((c, False))

    def effectively_indexed(self, rid: str) -> bool:
        r: FrameRow | None = self.rows[rid]
        while r is not None:
            if not r.indexed:
                return False
            r = self.rows[r.parent] if r.parent is not None else None
        return True


# --------------------------------------------------------------------------- compute

OwnChanges = Mapping[str, Mapping[str, Decimal]]  # id_key(row id) -> change kind -> Σ amount


def aggregate_changes(changes: Iterable[FrameChange], row_ids: Container[str]) -> dict[str, dict[str, Decimal]]:
    """Each row's own changes summed per kind, keyed by the row's ``id_key``: a change
    on 'rs' or ' RS ' is on the row 'RS', as the rows' own ids are compared
    (``UniqueIds``). A change id used twice, an unknown kind or a change on a row that
    does not exist in any case is an InputError (the same ones, in the same order,
    whether the table is computed at once or in blocks). ``row_ids``: the rows' ids, or
    a container that holds every id (the one pass checks them as the rows come)."""
    own: dict[str, dict[str, Decimal]] = {}
    if isinstance(row_ids, Iterable):
        row_ids = {id_key(r) for r in row_ids}
    change_ids: set[str] = set()
    for ch in changes:
        if ch.id in change_ids:
            raise located(InputError(
                f"budgetförändringen '{ch.id}' förekommer två gånger", rule=f"{RULE}.forandring", argument="id"
            ), ch, "id")
        change_ids.add(ch.id)
        if ch.kind not in CHANGE_KINDS and ch.kind not in ONE_OFF_KINDS:  # a model built without validation
            parse_change_kind(ch.kind, argument=f"typ[{ch.id}]")
        row = id_key(ch.row)
        if row not in row_ids:
            raise located(InputError(
                f"budgetförändringen '{ch.id}' pekar på raden '{ch.row}' som inte finns",
                rule=f"{RULE}.forandring",
                argument="rad",
            ), ch, "row")
        sums = own.get(row)
        if sums is None:
            sums = own[row] = {k: ZERO for k in CHANGE_KINDS}
        column = ONE_OFF_KINDS.get(ch.kind)
        if column is None:
            sums[ch.kind] += ch.amount
        else:
            sums[column] += ch.amount
            sums["one_off"] = sums.get("one_off", ZERO) + ch.amount
    return own


class VaravSums:
    """Running sums over a row's varav rows (its direct children), added as each is
    complete: all a row needs of them (its own index base, its roll-up, the varav
    check). Holding sums instead of the rows is what lets a table be computed in one
    pass over its rows with memory for one chain of parents (frames_stream)."""

    __slots__ = ("count", "sums", "one_off")

    def __init__(self) -> None:
        self.count = 0
        self.sums = {k: ZERO for k in COLUMNS}
        self.one_off = ZERO

    def add(self, row: "FrameTableRow") -> None:
        self.count += 1
        sums = self.sums
        for k in COLUMNS:
            sums[k] += getattr(row, k)
        self.one_off += row.one_off


def frame_row(
    row: FrameRow,
    own: Mapping[str, Decimal] | None,
    varav: VaravSums,
    *,
    indexed: bool,
    default_index_rate: Decimal,
) -> tuple["FrameTableRow", list[Finding]]:
    """One row of the frame table from the row, its own changes (per kind) and the sums
    of its varav rows: the rule of the module docstring for a single row, and the
    varav check of that row. ``indexed``: the row and every parent of it are indexed.
    Every way of computing the table (``compute_frame_block``, ``frametable.stream``) is
    this function applied children first."""
    kids = varav.sums
    base = row.prior_frame - kids["prior_frame"]
    rate, amount = uplift.item_uplift(base, row.index_rate, indexed=indexed, default_rate=default_index_rate,
                                      item_id=row.id)
    c = {k: (own[k] if own is not None else ZERO) + kids[k] for k in CHANGE_KINDS}
    c["index"] = amount + kids["index"]
    c["prior_frame"] = row.prior_frame
    c["frame"] = c["prior_frame"] + c["omstallning"] + c["omfordelning"] + c["utokad"] + c["index"]
    one_off = (own.get("one_off", ZERO) if own is not None else ZERO) + varav.one_off
    out = FrameTableRow(
        one_off=one_off,
        id=row.id,
        label=row.label,
        parent=row.parent,
        level="namnd" if row.parent is None else "varav",
        places=row.places,
        index_base=base,
        index_rate=rate,
        **c,
    )
    return out, (_varav_findings(row.id, varav, c) if varav.count else [])


class OutOfOrder(Exception):
    """A row comes where ``fold_frame_rows`` cannot take it: its parent is not above it
    in the chain of the rows before it. Not an input error - the table is valid in any
    order - only one that must be computed whole (``compute_frame_table``)."""


def fold_frame_rows(
    rows: Iterable[FrameRow],
    own: MutableMapping[str, Mapping[str, Decimal]],
    *,
    default_index_rate: Decimal,
    total_id: str = "SUMMA",
) -> Iterator[tuple[int, FrameTableRow, list[Finding]]]:
    """The table's rows in one pass, each as soon as it is complete: (its position in
    ``rows``, the row, its findings), children before their parent.

    For rows in the order a frame table is printed - a nämnd, then its varav rows,
    each followed by its own (depth first) - only the chain of unfinished parents is
    held: memory for one chain, not for the table (frames_stream, issue 6). A row whose
    parent is not in that chain raises ``OutOfOrder``; a duplicate id or a bad row the
    same InputError ``compute_frame_table`` gives. ``own`` (``aggregate_changes``, keyed
    by ``id_key``): its entries are taken out as their rows are computed; what is left at
    the end names rows that never came."""
    stack: list[tuple[int, FrameRow, VaravSums, bool]] = []  # (position, row, its varav sums, indexed)
    ids = UniqueIds()

    def close() -> tuple[int, FrameTableRow, list[Finding]]:
        at, row, varav, indexed = stack.pop()
        result, found = frame_row(row, own.pop(id_key(row.id), None), varav, indexed=indexed,
                                  default_index_rate=default_index_rate)
        if stack:
            stack[-1][2].add(result)
        return at, result, found

    for at, row in enumerate(rows):
        ids.add(row)
        check_row(row, total_id)
        while stack and stack[-1][1].id != row.parent:
            yield close()
        if row.parent is not None and not stack:
            raise OutOfOrder(row.id)
        stack.append((at, row, VaravSums(), row.indexed and (stack[-1][3] if stack else True)))
    while stack:
        yield close()


@dataclass(frozen=True)
class FrameBlock:
    """The computed rows of a self-contained set of input rows: every row's parent is in
    the set (one nämnd with its varav rows, several nämnder, or the whole table)."""

    rows: list[FrameTableRow]          # in input order
    findings: list[Finding]            # the block's own checks (varav rows within their parent), children first


def compute_frame_block(
    rows: Sequence[FrameRow],
    changes: Iterable[FrameChange] | OwnChanges,
    *,
    default_index_rate: Decimal,
    total_id: str = "SUMMA",
) -> FrameBlock:
    """The frame-table rows of ``rows`` (a closed forest) with their changes: the
    ``FrameChange``s themselves, or already summed per row and kind (``aggregate_changes``).

    ``frame_row`` for every row, children first. Every column of a row depends only on
    the row and its varav rows, so a table can be computed nämnd by nämnd, or in one
    pass over its rows, and added up (``FrameTotals``); ``compute_frame_table``
    computes the whole table as one block. Sums are exact (Decimal), so their order
    does not change a digit."""
    tree = _Tree(rows, total_id)  # structure errors come before change errors
    own = ({id_key(rid): sums for rid, sums in changes.items()} if isinstance(changes, Mapping) else
           aggregate_changes(changes, tree.rows))
    varav = {rid: VaravSums() for rid in tree.rows}
    done: dict[str, FrameTableRow] = {}
    findings: list[Finding] = []
    for rid in tree.post_order:
        r = tree.rows[rid]
        out, found = frame_row(r, own.get(id_key(rid)), varav[rid], indexed=tree.effectively_indexed(rid),
                               default_index_rate=default_index_rate)
        findings += found
        done[rid] = out
        if r.parent is not None:
            varav[r.parent].add(out)
    return FrameBlock(rows=[done[r.id] for r in rows], findings=findings)


class FrameTotals:
    """The sum row, added up block by block or row by row; ``finish`` gives the whole table's checks.

    The checks that need the whole table (omfördelning nets to zero, the nettoram, the
    published figures, the announced index total) read only the sum row and the rows
    that have published figures, which ``add`` keeps."""

    def __init__(self, header: FrameTableInput) -> None:
        uplift.check_rate(header.default_index_rate, argument="standardindex", rule=f"{RULE}.index")
        _check_places(header.total_places, "decimaler_summa")
        self.header = header
        self._sums = {k: ZERO for k in COLUMNS}
        self._one_off = ZERO
        self._index_base = ZERO
        self._published_ids = {p.id for p in header.published}
        self._kept: dict[str, FrameTableRow] = {}
        self.findings: list[Finding] = []   # the blocks' own findings, in block order

    def add(self, block: FrameBlock) -> None:
        self.findings += block.findings
        for r in block.rows:
            self.add_row(r)

    def add_row(self, row: FrameTableRow, findings: Sequence[Finding] = ()) -> None:
        """One computed row and its own findings (rows added children first, as
        ``frame_row`` is applied, keep the findings in the whole table's order)."""
        self.findings += findings
        if row.parent is None:
            for k in COLUMNS:
                self._sums[k] += getattr(row, k)
            self._one_off += row.one_off
        if row.index_rate is not None:
            self._index_base += row.index_base
        if row.id in self._published_ids:
            self._kept[row.id] = row

    def total(self) -> FrameTableRow:
        h = self.header
        return FrameTableRow(
            id=h.total_id,
            label=h.total_label,
            parent=None,
            level="summa",
            places=h.total_places,
            index_base=self._index_base,
            index_rate=None,
            one_off=self._one_off,
            **self._sums,
        )

    def finish(self) -> tuple[FrameTableRow, list[Finding], Decimal | None]:
        """(the sum row, every finding of the table in order, the index residual)."""
        h = self.header
        total = self.total()
        findings = list(self.findings)
        findings += _omfordelning_findings(total)
        findings += _nettoram_findings(h, total)
        findings += _published_findings(h, self._kept, total)
        residual: Decimal | None = None
        if h.announced_index_total is not None:
            # Σ index of the nämnd rows = Σ of every row's own index (the roll-up), exactly
            residual = h.announced_index_total - total.index
            if residual != ZERO:
                findings.append(uplift.residual_finding(total.index, h.announced_index_total, residual, h.total_id))
        return total, findings, residual


def compute_frame_table(inp: FrameTableInput) -> FrameTable:
    """The frame table of ``inp.year`` with its checks (see the module docstring)."""
    totals = FrameTotals(inp)
    block = compute_frame_block(inp.rows, inp.changes, default_index_rate=inp.default_index_rate, total_id=inp.total_id)
    totals.add(block)
    total, findings, residual = totals.finish()
    return FrameTable(year=inp.year, rows=block.rows, total=total, findings=findings, index_residual=residual)


# --------------------------------------------------------------------------- checks

def _varav_findings(rid: str, varav: VaravSums, cols: Mapping[str, Decimal]) -> list[Finding]:
    out: list[Finding] = []
    for column in ("prior_frame", "frame"):
        finding = varav_excess(rule=f"{RULE}.varav_overstiger", parts=varav.sums[column], whole=cols[column],
                               whose=f"'{rid}'", what=f"i kolumnen '{COLUMN_LABEL_SV[column]}'", subject=rid,
                               field=COLUMN_SV[column])
        if finding is not None:
            out.append(finding)
    return out


def _omfordelning_findings(total: FrameTableRow) -> list[Finding]:
    if total.omfordelning == ZERO:
        return []
    return [
        Finding(
            rule=f"{RULE}.omfordelning_netto",
            severity=Severity.ERROR,
            message=(
                f"Omfördelningarna mellan nämnderna summerar till {fmt_mkr(total.omfordelning)} mkr; "
                "en omfördelning flyttar budget och ska netta till noll."
            ),
            subject=total.id,
            field=COLUMN_SV["omfordelning"],
            expected=ZERO,
            found=total.omfordelning,
        )
    ]


def _nettoram_findings(inp: FrameTableInput, total: FrameTableRow) -> list[Finding]:
    if inp.nettoram is None:
        return []
    p = inp.total_places
    computed, budget = round_half_up(total.frame, p), round_half_up(abs(inp.nettoram), p)
    if computed == budget:
        return []
    return [
        Finding(
            rule=f"{RULE}.nettoram",
            severity=Severity.ERROR,
            message=(
                f"Ramtabellens summa {fmt_mkr(computed)} mkr stämmer inte med resultatbudgetens "
                f"verksamhetens nettoram {fmt_mkr(budget)} mkr."
            ),
            subject=total.id,
            field=COLUMN_SV["frame"],
            expected=budget,
            found=computed,
        )
    ]


def _published_findings(inp: FrameTableInput, rows: Mapping[str, FrameTableRow], total: FrameTableRow) -> list[Finding]:
    out: list[Finding] = []
    seen: set[str] = set()
    for pub in inp.published:
        if pub.id in seen:
            raise located(InputError(
                f"publicerade siffror för raden '{pub.id}' anges två gånger", rule=f"{RULE}.publicerad", argument="id"
            ), pub, "id")
        seen.add(pub.id)
        if pub.id == inp.total_id:
            computed, places = {k: getattr(total, k) for k in COLUMNS}, inp.total_places
        elif pub.id in rows:
            row = rows[pub.id]
            computed, places = {k: getattr(row, k) for k in COLUMNS}, row.places
        else:
            raise located(InputError(
                f"publicerade siffror anges för raden '{pub.id}' som inte finns i ramtabellen",
                rule=f"{RULE}.publicerad",
                argument="id",
            ), pub, "id")
        for column in COLUMNS:
            printed = getattr(pub, column)
            if printed is None:
                continue
            p = _printed_places(printed, places)
            mine = round_half_up(computed[column], p)
            if mine != round_half_up(printed, p):
                out.append(located_finding(
                    Finding(
                        rule=f"{RULE}.publicerad",
                        severity=Severity.WARNING,
                        message=(
                            f"Raden '{pub.id}', kolumnen '{COLUMN_LABEL_SV[column]}': beräknat "
                            f"{fmt_mkr(mine)} mkr (exakt {fmt_mkr(computed[column], 4)}) men publicerat "
                            f"{fmt_mkr(printed)} mkr."
                        ),
                        subject=pub.id,
                        field=COLUMN_SV[column],
                        expected=printed,
                        found=mine,
                    ), pub, column))
        out += _published_identity(pub, computed["prior_frame"], places)
    return out


def _published_identity(pub: PublishedRow, computed_prior: Decimal, places: int) -> list[Finding]:
    """Does the published row add up by itself? Uses the printed prior frame when given,
    else the input prior frame (which for a nämnd row is the printed one)."""
    comps = (pub.omstallning, pub.omfordelning, pub.utokad, pub.index)
    if pub.frame is None or any(c is None for c in comps):
        return []
    prior = pub.prior_frame if pub.prior_frame is not None else computed_prior
    printed_sum = prior + sum(comps, ZERO)  # type: ignore[arg-type]
    p = _printed_places(pub.frame, places)
    if round_half_up(printed_sum, p) == round_half_up(pub.frame, p):
        return []
    return [located_finding(
        Finding(
            rule=f"{RULE}.radidentitet",
            severity=Severity.WARNING,
            message=(
                f"Raden '{pub.id}' går inte ihop i den publicerade tabellen: föregående års ram plus "
                f"förändringarna ger {fmt_mkr(printed_sum)} mkr men budgetramen är tryckt som "
                f"{fmt_mkr(pub.frame)} mkr (avrundade komponenter)."
            ),
            subject=pub.id,
            field=COLUMN_SV["frame"],
            expected=pub.frame,
            found=printed_sum,
        ), pub, "frame")]


# --------------------------------------------------------------------------- roll forward

PriorBasis = Literal["published", "rounded", "exact"]


def roll_forward(
    table: FrameTable,
    inp: FrameTableInput,
    *,
    next_default_index_rate: Decimal | None = None,
    prior_basis: PriorBasis = "published",
    next_index_rates: dict[str, Decimal] | None = None,
) -> FrameTableInput:
    """Next year's input: this year's frames become the prior frames; the varav
    structure, differentiated rates, exclusions and printed precision are kept; the
    changes, announced index total, published figures and nettoram are cleared.

    ``prior_basis`` chooses the starting frames:
    - "published" (default): the printed frame where one is published, else the
      computed frame at the row's printed precision. The frame fullmäktige decides is
      the printed one, and next year's work starts from it: the HSN plan 2022 starts HSN
      from the decided 5 079 (Regionplan 2021's table), not from the 5 078,4 the rounded components
      give.
    - "rounded": the computed frame at each row's printed precision;
    - "exact": the computed frame at full precision (for model-internal chaining).

    One-off and temporary changes (``one_off``: kinds "engangs" and "tillfallig") are
    taken out: next prior = the chosen frame − one_off.

    The default index rate is ``next_default_index_rate`` or the dated parameter
    ('index.lpik', year + 1); without either it is an InputError. ``next_index_rates``
    (row id → rate) are the rows' own (differentiated) rates for the next year; a row
    not in it keeps its rate.
    """
    if table.year != inp.year:
        raise InputError(
            f"ramtabellen gäller {table.year} men indata gäller {inp.year}", rule=f"{RULE}.rullning", argument="ar"
        )
    next_year = inp.year + 1
    rate = uplift.resolve_rate(next_default_index_rate, next_year, argument="standardindex")
    computed = {r.id: r for r in table.rows}
    if set(computed) != {r.id for r in inp.rows}:
        raise InputError(
            "ramtabellen och indata har inte samma rader", rule=f"{RULE}.rullning", argument="rader"
        )
    own_rates = dict(next_index_rates or {})
    unknown = [i for i in own_rates if i not in computed]
    if unknown:
        raise InputError(f"raden {unknown[0]} finns inte i ramtabellen", rule=f"{RULE}.rullning", argument="indexsats")
    for i, r in own_rates.items():
        uplift.check_rate(r, argument=f"indexsats[{i}]", rule=f"{RULE}.index")
    printed = {p.id: p.frame for p in inp.published if p.frame is not None}
    rows: list[FrameRow] = []
    for r in inp.rows:
        frame = computed[r.id].frame
        one_off = computed[r.id].one_off
        if prior_basis == "exact":
            prior = frame - one_off
        elif prior_basis == "rounded" or r.id not in printed:
            prior = round_half_up(frame - one_off, r.places)
        else:
            prior = printed[r.id] - one_off  # type: ignore[operator]
        update: dict[str, Decimal | None] = {"prior_frame": prior}
        if r.id in own_rates:
            update["index_rate"] = own_rates[r.id]
        rows.append(r.model_copy(update=update))
    return FrameTableInput(
        year=next_year,
        default_index_rate=rate,
        rows=rows,
        total_id=inp.total_id,
        total_label=inp.total_label,
        total_places=inp.total_places,
    )
