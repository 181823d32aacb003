"""The resursramar part's computed cells and rule findings, from its inputs (``compute``).

The back-cast (worked example: NHU): the printed last-year frame is the anchor; the
unreduced frame is frame / (1 − s_k), the reduction is unreduced × s_k, and an earlier plan
year's frame is unreduced / Π(1 + r_t over the later years) × (1 − s_k of that year). The
rule core (``omstallning.cut_path_from_reduced``) computes these; the formulas state the
same arithmetic. Computed cells are native formulas with their cached values wherever Excel
can compute them (the reduction columns, the sum row, the footnote checks); the restoration
ledger has no native formula and is written as values.

Rounding: none in the computed cells (exact, as the rule core computes). Published figures
are compared at their printed precision with ``money.round_half_up`` (the rule core's
``reconcile_published``/``reconcile_total``); the footnote column "Avstämning" uses Excel's
ROUND at the same precision, the precision being the number of decimals the footnote amount
is printed with (the plan prints one: "12,7 mnkr").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

from xlmodel.xlsx.refs import formula_sheet, get_column_letter
from xlmodel.errors import InputError
from xlmodel.findings import Finding
from xlmodel.location import Location, Locator
from xlmodel.money import ZERO, decimal_places
from xlmodel.rules import resursramar as rr
from xlmodel.rules import uplift
from xlmodel.rules.omstallning import (
    cumulative_cut_share,
    cut_path_from_reduced,
    reconcile_published,
    reconcile_total,
)
from xlmodel.rules.restoration import (
    STATUS_OPEN,
    STATUS_OVERDUE,
    STATUS_RESTORED,
    STATUS_RESTORED_LATE,
    STATUS_RESTORED_PART_WRITTEN_OFF,
    STATUS_WRITTEN_OFF,
    Atgardsplan,
    Ledger,
    OpeningDeficit,
    RestorationInput,
    StatedDeadline,
    YearResult,
    restoration_ledger,
)
from xlmodel.rules.years import check_ascending
from xlmodel.workbook.resursramar import layout as R
from xlmodel.workbook import block_names
from xlmodel.workbook.resursramar.places import Place, place
from xlmodel.workbook.owned import OwnedCell
from xlmodel.workbook.resursramar.reading import (
    Inputs,
    RULE,
    RULE_RESTORATION,
    column_letter,
    sheet_row,
    first_data_row,
    table_end,
    table_sheet,
    plan_years,
    convert_at,
)


def _places(printed: Decimal) -> int:
    """Decimals a published figure is printed with (the precision it is compared at)."""
    return decimal_places(printed.normalize())


# =========================================================================== computing


@dataclass
class Computed:
    cells: list[tuple[str, OwnedCell]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    ledger: Ledger | None = None
    blocks: list["Block"] = field(default_factory=list)

    def add(self, sheet: str, ref: str, value: Any, formula: str | None = None, style: str = "text") -> None:
        self.cells.append((sheet, OwnedCell(ref, value, formula, style)))


@dataclass(frozen=True)
class Block:
    """An owned block below an input table (sum rows, check lines, the ledger). At its
    place under the table it moves when the table above shrinks or grows; rows of its old
    position that the new one does not cover are found by its name and its marker texts
    and cleared by regenerate. Moved by the user (``moved``, ``places``) it stands where
    its name says, and only the rows of its name it no longer covers are its old rows."""

    sheet: str
    first_col: str
    last_col: str
    rows: range                                  # rows the block occupies now
    floor: int                                   # first row below the input table(s)
    markers: tuple[tuple[str, frozenset[str]], ...]  # (column, texts): a row showing one is the block's
    name: str = ""                               # its defined name (block_names)
    at: Place | None = None                      # where it stands against its place in the layout

    @property
    def moved(self) -> bool:
        """Whether the user has moved it away from its place under the table (``places``)."""
        return self.at is not None and self.at.moved

    @property
    def ref(self) -> str:
        return f"{self.first_col}{self.rows.start}:{self.last_col}{self.rows.stop - 1}"


@dataclass(frozen=True)
class PlanYear:
    year: int
    rate: Decimal
    published_sum: Decimal | None
    row: int             # sheet row in tblPlanar
    published_cell: str  # the cell of the printed Summa on Parametrar, e.g. "C15"
    k: int
    share: Decimal       # s_k
    factor: Decimal      # Π (1 + r_t), t = year+1 .. last plan year


@dataclass(frozen=True)
class Settings:
    first: int
    last: int
    rate: Decimal
    method: str          # core CutMethod
    first_cut: int
    central: Decimal | None
    announced: Decimal | None


def settings(inp: Inputs) -> Settings:
    values = {p.name: convert_at(inp.params, inp.param_cells, p) for p in R.PARAMS}
    first, last = plan_years(values[R.P_FIRST_YEAR.name], values[R.P_LAST_YEAR.name],
                              inp.param_cells[R.P_LAST_YEAR.name])
    method_sv = str(values[R.P_METHOD.name]).casefold()
    if method_sv not in R.METHODS_SV:
        raise InputError(f"metoden '{values[R.P_METHOD.name]}' är okänd; ange {' eller '.join(R.METHODS_SV)}",
                         rule=RULE, argument=R.P_METHOD.label).at(*inp.param_cells[R.P_METHOD.name])
    rate = values[R.P_RATE.name]
    if rate < ZERO:
        raise InputError(f"reduktionen {rate} är negativ", rule=RULE,
                         argument=R.P_RATE.label).at(*inp.param_cells[R.P_RATE.name])
    return Settings(first=first, last=last, rate=rate, method=R.METHODS_SV[method_sv],
                    first_cut=values[R.P_FIRST_CUT.name], central=values[R.P_CENTRAL.name],
                    announced=values[R.P_ANNOUNCED.name])


def compute(inp: Inputs) -> Computed:
    """Every owned cell and every rule finding of the workbook, from its inputs."""
    s = settings(inp)
    out = Computed()
    years = _plan_year_cells(inp, s, out)
    frame_rows = _frame_cells(inp, s, years, out)
    _footnote_cells(inp, s, frame_rows, out)
    _restoration_cells(inp, out)
    return out


# --- Parametrar: the year table ------------------------------------------------------


def _plan_year_cells(inp: Inputs, s: Settings, out: Computed) -> dict[int, PlanYear]:
    raw = inp.planar
    rows = raw.typed(RULE)
    rr.check_plan_years([(r["year"], raw.location(r, "year")) for r in rows], s.first, s.last,
                        Location(table_sheet(raw), raw.spec.top_left, argument="År"))
    rate_of = {r["year"]: r["index_rate"] for r in rows}
    T = R.PLANAR_TABLE
    a, b = column_letter(raw, "year"), column_letter(raw, "index_rate")
    ck, cs, cf = T.col_letter("k"), T.col_letter("share"), T.col_letter("factor")
    sheet = table_sheet(raw)
    years: dict[int, PlanYear] = {}
    for r in rows:
        y, n = r["year"], sheet_row(raw, r)
        k = max(0, y - s.first_cut + 1)
        try:  # an accumulated cut of the whole frame (e.g. 40 % a year for 3 years) is the rate's fault
            share = cumulative_cut_share(s.rate, k, s.method)  # type: ignore[arg-type]
        except InputError as err:
            raise err.at(*inp.param_cells[R.P_RATE.name]) from None
        factor = uplift.chained_factor([rate_of[t] for t in range(y + 1, s.last + 1)])
        years[y] = PlanYear(y, r["index_rate"], r["published_sum"], n, f"{column_letter(raw, 'published_sum')}{n}", k, share,
                            factor)
        out.add(sheet, f"{ck}{n}", Decimal(k), f"MAX(0,{a}{n}-{R.P_FIRST_CUT.name}+1)", "int")
        out.add(sheet, f"{cs}{n}", share,
                f'IF({R.P_METHOD.name}="additiv",{R.P_RATE.name}*{ck}{n},1-(1-{R.P_RATE.name})^{ck}{n})', "rate")
        out.add(sheet, f"{cf}{n}", factor,
                f"IF({a}{n}>={R.P_LAST_YEAR.name},1,{cf}{n + 1}*(1+{b}{n + 1}))", "factor")
    return years


# --- Resursramar -----------------------------------------------------------------------


@dataclass(frozen=True)
class FrameRow:
    id: str
    label: str
    parent: str | None
    frames: dict[int, Decimal]
    reduced: bool
    row: int
    reduction: Decimal | None


def _frame_cells(inp: Inputs, s: Settings, years: dict[int, PlanYear], out: Computed) -> dict[str, FrameRow]:
    raw = inp.frames
    spec = raw.spec
    sheet = table_sheet(raw)
    rows = raw.typed(RULE)
    all_years = list(range(s.first - 1, s.last + 1))
    plan_years = list(range(s.first, s.last + 1))
    ycol = {y: column_letter(raw, R.frame_year_key(y)) for y in all_years}
    flag = column_letter(raw, "reduced")
    cu, cr = spec.col_letter("unreduced"), spec.col_letter("reduction")
    pl = R.PLANAR_TABLE
    on = formula_sheet(table_sheet(inp.planar))  # tblPlanar's sheet, as the user has named it
    share_ref = {y: f"{on}!${pl.col_letter('share')}${years[y].row}" for y in years}
    factor_ref = {y: f"{on}!${pl.col_letter('factor')}${years[y].row}" for y in years}
    rates = {y: years[y].rate for y in plan_years}
    last = s.last

    by_id: dict[str, FrameRow] = {}
    checked = rr.FrameRows()
    for r in rows:
        parent = r["parent"] or None
        frames = {y: r[R.frame_year_key(y)] for y in all_years}
        checked.add(rr.ResursramRow(id=r["id"], label=r["label"], parent=parent, frames=frames,
                                    reduced=str(r["reduced"]), where=Locator(partial(raw.location, r))))
        n = sheet_row(raw, r)
        reduced = str(r["reduced"]).casefold() == R.REDUCED_YES
        is_yes = f'{flag}{n}="{R.REDUCED_YES}"'
        reduction = None
        if reduced:
            try:
                path = cut_path_from_reduced(
                    reduced_anchor=frames[last], anchor_year=last, years=plan_years, cut_rate=s.rate,
                    first_cut_year=s.first_cut, uplift_rates=rates, method=s.method,  # type: ignore[arg-type]
                )
            except InputError as err:
                raise err.at(*raw.where(r, R.frame_year_key(last))) from None
            reduction = path.year(last).cut
            values: dict[str, Any] = {"unreduced": path.year(last).indexed, "reduction": reduction}
            values |= {R.backcast_key(y): path.year(y).reduced for y in plan_years[:-1]}
            for y in plan_years[:-1]:
                rec = reconcile_published(
                    f"{r['id']} {y}", path.year(y).reduced, frames[y],
                    what=f"Återräknad resursram {y} för {rr.plain_label(r['label'])} ({r['id']})",
                    field=R.frame_year_key(y),
                )
                if rec.finding is not None:
                    out.findings.append(rec.finding.at(sheet, f"{ycol[y]}{n}"))
        else:
            values = {"unreduced": "", "reduction": ""} | {R.backcast_key(y): "" for y in plan_years[:-1]}
        out.add(sheet, f"{cu}{n}", values["unreduced"], f'IF({is_yes},{ycol[last]}{n}/(1-{share_ref[last]}),"")', "amount")
        out.add(sheet, f"{cr}{n}", values["reduction"], f'IF({is_yes},{cu}{n}*{share_ref[last]},"")', "amount")
        for y in plan_years[:-1]:
            cb = spec.col_letter(R.backcast_key(y))
            out.add(sheet, f"{cb}{n}", values[R.backcast_key(y)],
                    f'IF({is_yes},{cu}{n}/{factor_ref[y]}*(1-{share_ref[y]}),"")', "amount")
        row = FrameRow(r["id"], r["label"], parent, frames, reduced, n, reduction)
        by_id[row.id] = row

    out.findings += rr.varav_findings(checked.by_id.values(), all_years, {y: R.frame_year_key(y) for y in all_years})
    _sum_rows(inp, by_id, all_years, ycol, years, out, table_sheet(inp.planar))
    return by_id


def _block(inp: Inputs, name: str, sheet: str, first_col: str, row: int, header_row: int) -> Place:
    """Where block ``name``, laid out from ``first_col``/``row`` under its table on
    ``sheet``, stands (``places``)."""
    return place(inp.named.get(name), sheet, first_col, row, header_row)


def _sum_rows(inp: Inputs, by_id: dict[str, FrameRow], years: list[int], ycol: dict[int, str],
              plan: dict[int, PlanYear], out: Computed, plan_sheet: str = R.SHEET_PARAMS) -> None:
    """Summa (the nämnder, not their varav rows), the printed Summa and the difference;
    ``plan_sheet``: tblPlanar's sheet, where the printed Summa is. Laid out two rows
    under the table, standing where the user has moved it (``places``)."""
    raw = inp.frames
    sheet = table_sheet(raw)
    label = column_letter(raw, "label")
    s = table_end(raw) + 2
    at = _block(inp, block_names.RESURSRAMAR, sheet, label, s, raw.header_row or raw.spec.header_row)
    top = [row for row in by_id.values() if row.parent is None]
    out.blocks.append(Block(at.sheet, at.col(label), at.col(ycol[years[-1]]), range(s + at.dr, s + at.dr + 3),
                            table_end(raw) + 1, (
        (at.col(label), frozenset({R.FRAMES_SUM_LABEL, R.FRAMES_PUBLISHED_LABEL, R.FRAMES_DIFF_LABEL})),),
        block_names.RESURSRAMAR, at))
    out.add(at.sheet, at.ref(label, s), R.FRAMES_SUM_LABEL, style="label_sum")
    out.add(at.sheet, at.ref(label, s + 1), R.FRAMES_PUBLISHED_LABEL, style="label")
    out.add(at.sheet, at.ref(label, s + 2), R.FRAMES_DIFF_LABEL, style="label")
    for y in years:
        c = ycol[y]
        total = sum((row.frames[y] for row in top), ZERO)
        formula = "+".join(at.arg(f"{c}{row.row}") for row in top) or "0"
        out.add(at.sheet, at.ref(c, s), total, formula, "amount_sum")
        published = plan[y].published_sum
        pub_ref = f"{formula_sheet(plan_sheet)}!{plan[y].published_cell}"
        out.add(at.sheet, at.ref(c, s + 1), published if published is not None else "",
                f'IF({pub_ref}="","",{pub_ref})', "amount")
        out.add(at.sheet, at.ref(c, s + 2), (total - published) if published is not None else "",
                f'IF({at.ref(c, s + 1)}="","",{at.ref(c, s)}-{at.ref(c, s + 1)})', "amount")
        if published is not None:
            rec = reconcile_total({row.id: row.frames[y] for row in top}, published, subject=str(y),
                                  rule=f"{RULE}.summa")
            if rec.finding is not None:
                out.findings.append(rec.finding.at(plan_sheet, plan[y].published_cell))


# --- Fotnoter ----------------------------------------------------------------------------


def _footnote_cells(inp: Inputs, s: Settings, frames: dict[str, FrameRow], out: Computed) -> None:
    raw = inp.footnotes
    spec = raw.spec
    sheet = table_sheet(raw)
    rows = raw.typed(RULE)
    amount, kind_col = column_letter(raw, "amount"), column_letter(raw, "kind")
    cc, cs = spec.col_letter("computed"), spec.col_letter("status")
    reduction_col = inp.frames.spec.col_letter("reduction")  # computed columns follow the layout
    frame_sheet = table_sheet(inp.frames)

    notes = [rr.Footnote(id=r["id"], footnote=str(r["footnote"] or ""), row=r["row"], kind=str(r["kind"]),
                         amount=r["amount"], where=Locator(partial(raw.location, r))) for r in rows]
    rr.check_footnotes(notes, {rid: row.reduced for rid, row in frames.items()}, R.FRAMES_TABLE_NAME)
    totals = rr.footnote_totals(notes)
    by_kind = totals.by_kind
    transfers_in, transfers_out = totals.transfers_in, totals.transfers_out
    for r, note in zip(rows, notes):
        target = frames[r["row"]]
        n = sheet_row(raw, r)
        if note.kind_key != R.FOOTNOTE_REDUCTION:
            out.add(sheet, f"{cc}{n}", None, style="amount")
            out.add(sheet, f"{cs}{n}", None)
            continue
        printed = r["amount"]
        rec = reconcile_published(
            r["id"], target.reduction, printed,
            what=f"Fotnot {r['footnote']} ({rr.plain_label(target.label)}): reduktion {s.last}",
        )
        if rec.finding is not None:
            out.findings.append(rec.finding.at(sheet, f"{amount}{n}"))
        p = _places(printed)
        out.add(sheet, f"{cc}{n}", target.reduction, f"{formula_sheet(frame_sheet)}!{reduction_col}{target.row}", "amount")
        out.add(sheet, f"{cs}{n}", R.STATUS_AGREES if rec.finding is None else R.STATUS_DIFFERS,
                f'IF(ROUND({cc}{n},{p})=ROUND({amount}{n},{p}),"{R.STATUS_AGREES}","{R.STATUS_DIFFERS}")', "text")

    first, end = first_data_row(raw), table_end(raw)
    label = column_letter(raw, "label")
    b = end + 2
    where = _block(inp, block_names.FOTNOTER, sheet, label, b, raw.header_row or spec.header_row)
    kinds_rng = where.arg(f"{kind_col}{first}:{kind_col}{end}")
    amounts_rng = where.arg(f"{amount}{first}:{amount}{end}")
    rows_at = {text: b + i for i, text in enumerate(R.CHECK_LABELS)}
    out.blocks.append(Block(where.sheet, where.col(label), where.col(amount),
                            range(b + where.dr, b + where.dr + len(R.CHECK_LABELS)), end + 1,
                            ((where.col(label), frozenset(R.CHECK_LABELS)),), block_names.FOTNOTER, where))
    for text, r_ in rows_at.items():
        out.add(where.sheet, where.ref(label, r_), text, style="label_sum" if text == R.CHECK_TOTAL else "label")

    def at(text: str) -> str:
        return where.ref(amount, rows_at[text])

    net = transfers_in + transfers_out
    central = s.central if s.central is not None else ZERO
    total = by_kind[R.FOOTNOTE_REDUCTION] + by_kind[R.FOOTNOTE_RETURN] + central
    announced = s.announced
    on = where.sheet  # the check lines stand where the block stands
    out.add(on, at(R.CHECK_TRANSFER_IN), transfers_in,
            f'SUMIFS({amounts_rng},{kinds_rng},"{R.FOOTNOTE_TRANSFER}",{amounts_rng},">0")', "amount")
    out.add(on, at(R.CHECK_TRANSFER_OUT), transfers_out,
            f'SUMIFS({amounts_rng},{kinds_rng},"{R.FOOTNOTE_TRANSFER}",{amounts_rng},"<0")', "amount")
    out.add(on, at(R.CHECK_TRANSFER_NET), net, f"{at(R.CHECK_TRANSFER_IN)}+{at(R.CHECK_TRANSFER_OUT)}",
            "amount_bold")
    out.add(on, at(R.CHECK_REDUCTIONS), by_kind[R.FOOTNOTE_REDUCTION],
            f'SUMIF({kinds_rng},"{R.FOOTNOTE_REDUCTION}",{amounts_rng})', "amount")
    out.add(on, at(R.CHECK_RETURNS), by_kind[R.FOOTNOTE_RETURN],
            f'SUMIF({kinds_rng},"{R.FOOTNOTE_RETURN}",{amounts_rng})', "amount")
    out.add(on, at(R.CHECK_CENTRAL), central, R.P_CENTRAL.name, "amount")
    out.add(on, at(R.CHECK_TOTAL), total,
            f"{at(R.CHECK_REDUCTIONS)}+{at(R.CHECK_RETURNS)}+{at(R.CHECK_CENTRAL)}", "amount_sum")
    out.add(on, at(R.CHECK_ANNOUNCED), announced if announced is not None else "",
            f'IF({R.P_ANNOUNCED.name}="","",{R.P_ANNOUNCED.name})', "amount")
    out.add(on, at(R.CHECK_DIFF), (total - announced) if announced is not None else "",
            f'IF({at(R.CHECK_ANNOUNCED)}="","",{at(R.CHECK_TOTAL)}-{at(R.CHECK_ANNOUNCED)})', "amount")

    unbalanced = rr.transfers_finding(totals)
    if unbalanced is not None:
        out.findings.append(unbalanced.at(on, at(R.CHECK_TRANSFER_NET)))
    if announced is not None:
        rec = reconcile_total(rr.nettokostnadsreduceringar_parts(totals, central), announced,
                              subject="nettokostnadsreduceringar", rule=f"{RULE}.nettokostnadsreduceringar")
        if rec.finding is not None:
            out.findings.append(rec.finding.at(*inp.param_cells[R.P_ANNOUNCED.name]))


# --- Återställning -----------------------------------------------------------------------


def _restoration_cells(inp: Inputs, out: Computed) -> None:
    results, opening = inp.results, inp.opening
    sheet = table_sheet(results)
    res_rows = results.typed(RULE_RESTORATION)
    open_rows = opening.typed(RULE_RESTORATION)
    if not res_rows:
        raise InputError("inga balanskravsresultat angivna", rule=RULE_RESTORATION,
                         argument="Balanskravsresultat").at(sheet, results.spec.top_left)
    check_ascending([r["year"] for r in res_rows], lambda i: results.location(res_rows[i], "year"),
                    rule=RULE_RESTORATION)
    deficits, plans, stated = [], [], []
    for r in open_rows:
        try:
            deficits.append(OpeningDeficit(origin_year=r["origin_year"], amount=r["amount"]))
            if r["plan_year"] is not None:
                plans.append(Atgardsplan(budget_year=r["plan_year"], origin_years=(r["origin_year"],),
                                         restore_by=r["restore_by"]))
            elif r["restore_by"] is not None:
                stated.append(StatedDeadline(origin_year=r["origin_year"], last_year=r["restore_by"],
                                             source=r["source"] or "angiven frist"))
        except InputError as err:
            key = {"amount": "amount", "to_year": "restore_by", "restore_by": "restore_by"}.get(err.argument or "",
                                                                                                 "origin_year")
            raise err.at(*opening.where(r, key)) from None
    try:
        ledger = restoration_ledger(RestorationInput(
            series=tuple(YearResult(year=r["year"], balanskravsresultat=r["result"]) for r in res_rows),
            opening=tuple(deficits), plans=tuple(plans), stated_deadlines=tuple(stated),
        ))
    except InputError as err:
        where = opening.where(open_rows[0], "origin_year") if open_rows else (sheet, results.spec.top_left)
        raise err.at(*where) from None
    out.ledger = ledger

    spec = results.spec
    unused = dict(ledger.unused_surplus)
    for r in res_rows:
        y, n = r["year"], sheet_row(results, r)
        restored = sum((e.amount for d in ledger.deficits for e in d.restorations if e.year == y), ZERO)
        remaining = sum((d.remaining_after(y) for d in ledger.deficits if d.origin_year <= y), ZERO)
        out.add(sheet, f"{spec.col_letter('restored')}{n}", restored, style="amount")
        out.add(sheet, f"{spec.col_letter('remaining')}{n}", remaining, style="amount")
        out.add(sheet, f"{spec.col_letter('unused')}{n}", unused.get(y, ZERO), style="amount")

    title = max(table_end(results), table_end(opening)) + R.LEDGER_GAP + 1
    col0 = results.spec.first_col
    letters = [get_column_letter(col0 + i) for i in range(len(R.LEDGER_HEADERS))]
    header_row = min(results.header_row or spec.header_row, opening.header_row or opening.spec.header_row)
    at = _block(inp, block_names.ATERSTALLNING, sheet, letters[0], title, header_row)
    out.add(at.sheet, at.ref(letters[0], title), R.LEDGER_TITLE, style="label")
    for letter, header in zip(letters, R.LEDGER_HEADERS):
        out.add(at.sheet, at.ref(letter, title + 1), header, style="header")
    statuses = frozenset({STATUS_OPEN, STATUS_OVERDUE, STATUS_RESTORED, STATUS_RESTORED_LATE,
                          STATUS_RESTORED_PART_WRITTEN_OFF, STATUS_WRITTEN_OFF, R.LEDGER_HEADERS[-1]})
    first, last = at.col(letters[0]), at.col(letters[-1])
    out.blocks.append(Block(at.sheet, first, last, range(title + at.dr, title + at.dr + 2 + len(ledger.deficits)),
                            title - R.LEDGER_GAP, ((first, frozenset({R.LEDGER_TITLE})), (last, statuses)),
                            block_names.ATERSTALLNING, at))
    row_of: dict[str, int] = {}
    for i, d in enumerate(ledger.deficits):
        n = title + 2 + i
        row_of[str(d.origin_year)] = n
        # years as the numbers a cell holds (Decimal, as the cells are compared)
        values = [Decimal(v) if kind == "year" and v is not None else v
                  for v, kind in zip(R.LEDGER_SHAPE.row(d), R.LEDGER_SHAPE.kinds)]
        for letter, value, style in zip(letters, values, R.LEDGER_STYLES):
            out.add(at.sheet, at.ref(letter, n), value, style=style)
    # A finding about a deficit lies on its row of the ledger above (an output cell, so
    # placed here from the ledger's own rows, not given to the core as an input's place);
    # one about the whole series on the table.
    for f in ledger.findings:
        n = row_of.get(f.subject or "")
        where = (at.sheet, at.ref(letters[-1], n)) if n else (sheet, results.spec.top_left)
        out.findings.append(f.at(*where) if f.sheet is None else f)
