"""The resursramar workbook (Region Västernorrland, Regionplan 2020–2022).

What it holds (layout in ``resursramar.layout``): the decided resursramar per nämnd with
varav/därav rows, the general reduction of one per cent a year (avsnitt 7.4 Resursramar: additive
1 %, 2 %, 3 % of the uplifted frame; uplift 3,0 % a year from the dated parameter
``index.lone_och_prisforandring.vasternorrland``), the footnote amounts, and the
restoration of the 146 mkr deficit open after bokslut 2018.

One function, ``owned_cells``, declares every cell the tool computes, from the
workbook's own inputs read through a ``CellSource``; the builder writes those cells,
``validate_resursramar`` compares them (formula text and cached value) and adds the rule
findings located on cells, and ``regenerate`` writes them back. Computed cells are
native formulas with their cached values wherever Excel can compute them (the reduction
columns, the sum row, the footnote checks), so LibreOffice or any reader sees and
recomputes the same numbers; the restoration ledger has no native formula and is
written as values.

The back-cast (worked example: NHU): the printed last-year frame is the
anchor; the unreduced frame is frame / (1 − s_k), the reduction is unreduced × s_k,
and an earlier plan year's frame is unreduced / Π(1 + r_t over the later years) ×
(1 − s_k of that year). The rule core (``omstallning.cut_path_from_reduced``) computes
these; the formulas state the same arithmetic.

Rounding: none in the computed cells (exact, as the rule core computes). Published
figures are compared at their printed precision with ``money.round_half_up`` (the
rule core's ``reconcile_published``/``reconcile_total``); the footnote column
"Avstämning" uses Excel's ROUND at the same precision, the precision being the number
of decimals the footnote amount is printed with (the plan prints one: "12,7 mnkr").

Source discrepancies this workbook reproduces on purpose (in the plan itself) are
WARNING findings: footnotes 6, 7 and 11 (1,6 / 1,3 / 12,3) are not 3 % of the unreduced
net frame, and the back-cast gives some printed 2020/2021 frames within 0,1 (NHU 2021
403,8 vs 403,9; tandvård 199,2/203,1 vs 199,3/203,2) or not at all (the rows whose
reduction base is not the net frame).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from xlmodel.xlsx.refs import formula_sheet, get_column_letter

from xlmodel import params as dated
from xlmodel.errors import InputError
from xlmodel.findings import Finding, Severity
from xlmodel.location import Location, Locator
from xlmodel.money import ZERO, decimal_places, parse_amount
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
from xlmodel.workbook.resursramar import charts as RC
from xlmodel.workbook.owned import NamedBlock, OwnedCell, SheetPlan, compare_cell
from xlmodel.workbook.layout import InputTable, Param, SHEET_INFO
from xlmodel.workbook.tables import RawTable, convert
from xlmodel.workbook.cells import param_location, read_table, require_sheet

RULE = "resursramar"
RULE_RESTORATION = "aterstallning"

# bok.toml key of each parameter (the CSV source of a build).
PARAM_META_KEYS = {
    R.P_FIRST_YEAR.name: "first_plan_year",
    R.P_LAST_YEAR.name: "last_plan_year",
    R.P_RATE.name: "reduction_rate",
    R.P_METHOD.name: "reduction_method",
    R.P_FIRST_CUT.name: "first_reduction_year",
    R.P_CENTRAL.name: "central_cost_reductions",
    R.P_ANNOUNCED.name: "announced_net_cost_reductions",
}


# =========================================================================== inputs


@dataclass
class Inputs:
    """The workbook's inputs, wherever they come from (CSV source or a workbook), each
    with its geometry on the sheet so computed cells and findings can be located."""

    params: dict[str, Any]                       # defined name → raw value
    param_cells: dict[str, tuple[str, str]]      # defined name → (sheet, cell)
    planar: RawTable
    frames: RawTable
    footnotes: RawTable
    results: RawTable
    opening: RawTable


def _plan_years(first: Any, last: Any, where: tuple[str, str]) -> tuple[int, int]:
    rr.check_period(first, last, Location(*where, argument=R.P_LAST_YEAR.label))
    return first, last


def inputs_from_cells(cells) -> Inputs:
    """Read the inputs of a resursramar workbook (a file, or Excel itself through xlwings)."""
    raw_params: dict[str, Any] = {}
    where: dict[str, tuple[str, str]] = {}
    for p in R.PARAMS:
        sheet, ref = param_location(cells, p)
        if sheet not in cells.sheet_names():
            require_sheet(cells, sheet, RULE)
        raw_params[p.name] = cells.value(sheet, ref)
        where[p.name] = (sheet, ref)
    first = convert_at(raw_params, where, R.P_FIRST_YEAR)
    last = convert_at(raw_params, where, R.P_LAST_YEAR)
    first, last = _plan_years(first, last, where[R.P_LAST_YEAR.name])
    return Inputs(
        params=raw_params,
        param_cells=where,
        planar=read_table(cells, R.PLANAR_TABLE, RULE),
        frames=read_table(cells, R.resursramar_table(first, last), RULE),
        footnotes=read_table(cells, R.FOOTNOTES_TABLE, RULE),
        results=read_table(cells, R.RESULTS_TABLE, RULE_RESTORATION),
        opening=read_table(cells, R.OPENING_TABLE, RULE_RESTORATION),
    )


def convert_at(raw: dict[str, Any], where: dict[str, tuple[str, str]], p: Param) -> Any:
    """A parameter typed as its layout declares; an error names where it came from."""
    try:
        return convert(raw.get(p.name), p, rule=RULE)
    except InputError as err:
        raise err.at(*where[p.name]) from None


def inputs_from_source(source) -> Inputs:
    """The inputs of a build: bok.toml for the parameters, one CSV per input table. An
    empty "Löne- och prisförändring" in planar.csv is filled from the dated parameter
    ``uplift_series`` of bok.toml (with its reference in "Källa")."""
    from xlmodel.workbook.book import csv_table

    meta = source.meta
    raw_params = {name: meta.get(key) for name, key in PARAM_META_KEYS.items()}
    raw_params = {k: (str(v) if isinstance(v, float) else v) for k, v in raw_params.items()}
    from xlmodel.workbook.book_input import key_location
    from xlmodel.workbook.sources import BOOK_FILE

    where = {name: key_location(source.folder / BOOK_FILE, key) for name, key in PARAM_META_KEYS.items()}
    first = convert_at(raw_params, where, R.P_FIRST_YEAR)
    last = convert_at(raw_params, where, R.P_LAST_YEAR)
    first, last = _plan_years(first, last, where[R.P_LAST_YEAR.name])

    def table(name: str, spec: InputTable, rows_of: tuple[str, str] | None = None) -> RawTable:
        raw = csv_table(source, name, spec, rows_of=rows_of)
        raw.header_row = spec.header_row
        raw.columns = {c.key: spec.first_col + i for i, c in enumerate(spec.columns)}
        raw.sheet = spec.sheet
        return raw

    planar = table("planar", R.PLANAR_TABLE, ("år", "år"))
    series = meta.get("uplift_series")
    for i, row in enumerate(planar.rows):
        if _blank(row.get("index_rate")):
            if not series:
                raise InputError("Löne- och prisförändring saknas och bok.toml anger ingen uplift_series",
                                 rule="bygg").at(*planar.locate(i, "index_rate"))
            try:
                year = convert(row.get("year"), R.PLANAR_TABLE.columns[0], rule=RULE)
                prm = dated.lookup(series, year)
            except InputError as err:
                raise err.at(*planar.locate(i, "year")) from None
            row["index_rate"] = str(prm.decimal)
            rate_source = f"Uppräkning {year}: {prm.reference}"
            row["source"] = rate_source if _blank(row.get("source")) else f"{rate_source}; {row['source']}"
    return Inputs(
        params=raw_params,
        param_cells=where,
        planar=planar,
        frames=table("resursramar", R.resursramar_table(first, last), ("nämnder", "nämnd")),
        footnotes=table("fotnoter", R.FOOTNOTES_TABLE),
        results=table("balanskravsresultat", R.RESULTS_TABLE, ("år", "år")),
        opening=table("underskott", R.OPENING_TABLE),
    )


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


# =========================================================================== geometry


def _col(raw: RawTable, key: str) -> str:
    """Column letter of ``key``: where the workbook has it (inputs may be reordered), else
    the layout's position (computed columns always follow the layout)."""
    if raw.columns and key in raw.columns:
        return get_column_letter(raw.columns[key])
    return raw.spec.col_letter(key)


def _row(raw: RawTable, typed_row: dict[str, Any]) -> int:
    return (raw.header_row or raw.spec.header_row) + 1 + typed_row["_row"]


def _first_data_row(raw: RawTable) -> int:
    return (raw.header_row or raw.spec.header_row) + 1


def _table_end(raw: RawTable) -> int:
    """Last sheet row of the table (an Excel Table always has at least one data row)."""
    return (raw.header_row or raw.spec.header_row) + max(len(raw.rows), 1)


def _sheet(raw: RawTable) -> str:
    return raw.sheet or raw.spec.sheet


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
    """An owned block below an input table (sum rows, check lines, the ledger). When the
    table above shrinks or grows the block moves; rows of its old position that the new
    one does not cover are found by their marker texts and cleared by regenerate."""

    sheet: str
    first_col: str
    last_col: str
    rows: range                                  # rows the block occupies now
    floor: int                                   # first row below the input table(s)
    markers: tuple[tuple[str, frozenset[str]], ...]  # (column, texts): a row showing one is the block's
    name: str = ""                               # its defined name (block_names)

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


def _settings(inp: Inputs) -> Settings:
    values = {p.name: convert_at(inp.params, inp.param_cells, p) for p in R.PARAMS}
    first, last = _plan_years(values[R.P_FIRST_YEAR.name], values[R.P_LAST_YEAR.name],
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
    s = _settings(inp)
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
                        Location(_sheet(raw), raw.spec.top_left, argument="År"))
    rate_of = {r["year"]: r["index_rate"] for r in rows}
    T = R.PLANAR_TABLE
    a, b = _col(raw, "year"), _col(raw, "index_rate")
    ck, cs, cf = T.col_letter("k"), T.col_letter("share"), T.col_letter("factor")
    sheet = _sheet(raw)
    years: dict[int, PlanYear] = {}
    for r in rows:
        y, n = r["year"], _row(raw, r)
        k = max(0, y - s.first_cut + 1)
        try:  # an accumulated cut of the whole frame (e.g. 40 % a year for 3 years) is the rate's fault
            share = cumulative_cut_share(s.rate, k, s.method)  # type: ignore[arg-type]
        except InputError as err:
            raise err.at(*inp.param_cells[R.P_RATE.name]) from None
        factor = uplift.chained_factor([rate_of[t] for t in range(y + 1, s.last + 1)])
        years[y] = PlanYear(y, r["index_rate"], r["published_sum"], n, f"{_col(raw, 'published_sum')}{n}", k, share,
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
    sheet = _sheet(raw)
    rows = raw.typed(RULE)
    all_years = list(range(s.first - 1, s.last + 1))
    plan_years = list(range(s.first, s.last + 1))
    ycol = {y: _col(raw, R.frame_year_key(y)) for y in all_years}
    flag = _col(raw, "reduced")
    cu, cr = spec.col_letter("unreduced"), spec.col_letter("reduction")
    pl = R.PLANAR_TABLE
    on = formula_sheet(_sheet(inp.planar))  # tblPlanar's sheet, as the user has named it
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
        n = _row(raw, r)
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
    _sum_rows(raw, by_id, all_years, ycol, years, out, _sheet(inp.planar))
    return by_id


def _sum_rows(raw: RawTable, by_id: dict[str, FrameRow], years: list[int], ycol: dict[int, str],
              plan: dict[int, PlanYear], out: Computed, plan_sheet: str = R.SHEET_PARAMS) -> None:
    """Summa (the nämnder, not their varav rows), the printed Summa and the difference;
    ``plan_sheet``: tblPlanar's sheet, where the printed Summa is."""
    sheet = _sheet(raw)
    label = _col(raw, "label")
    s = _table_end(raw) + 2
    top = [row for row in by_id.values() if row.parent is None]
    out.blocks.append(Block(sheet, label, ycol[years[-1]], range(s, s + 3), _table_end(raw) + 1, (
        (label, frozenset({R.FRAMES_SUM_LABEL, R.FRAMES_PUBLISHED_LABEL, R.FRAMES_DIFF_LABEL})),),
        block_names.RESURSRAMAR))
    out.add(sheet, f"{label}{s}", R.FRAMES_SUM_LABEL, style="label_sum")
    out.add(sheet, f"{label}{s + 1}", R.FRAMES_PUBLISHED_LABEL, style="label")
    out.add(sheet, f"{label}{s + 2}", R.FRAMES_DIFF_LABEL, style="label")
    for y in years:
        c = ycol[y]
        total = sum((row.frames[y] for row in top), ZERO)
        formula = "+".join(f"{c}{row.row}" for row in top) or "0"
        out.add(sheet, f"{c}{s}", total, formula, "amount_sum")
        published = plan[y].published_sum
        pub_ref = f"{formula_sheet(plan_sheet)}!{plan[y].published_cell}"
        out.add(sheet, f"{c}{s + 1}", published if published is not None else "",
                f'IF({pub_ref}="","",{pub_ref})', "amount")
        out.add(sheet, f"{c}{s + 2}", (total - published) if published is not None else "",
                f'IF({c}{s + 1}="","",{c}{s}-{c}{s + 1})', "amount")
        if published is not None:
            rec = reconcile_total({row.id: row.frames[y] for row in top}, published, subject=str(y),
                                  rule=f"{RULE}.summa")
            if rec.finding is not None:
                out.findings.append(rec.finding.at(plan_sheet, plan[y].published_cell))


# --- Fotnoter ----------------------------------------------------------------------------


def _footnote_cells(inp: Inputs, s: Settings, frames: dict[str, FrameRow], out: Computed) -> None:
    raw = inp.footnotes
    spec = raw.spec
    sheet = _sheet(raw)
    rows = raw.typed(RULE)
    amount, kind_col = _col(raw, "amount"), _col(raw, "kind")
    cc, cs = spec.col_letter("computed"), spec.col_letter("status")
    reduction_col = inp.frames.spec.col_letter("reduction")  # computed columns follow the layout
    frame_sheet = _sheet(inp.frames)

    notes = [rr.Footnote(id=r["id"], footnote=str(r["footnote"] or ""), row=r["row"], kind=str(r["kind"]),
                         amount=r["amount"], where=Locator(partial(raw.location, r))) for r in rows]
    rr.check_footnotes(notes, {rid: row.reduced for rid, row in frames.items()}, R.FRAMES_TABLE_NAME)
    totals = rr.footnote_totals(notes)
    by_kind = totals.by_kind
    transfers_in, transfers_out = totals.transfers_in, totals.transfers_out
    for r, note in zip(rows, notes):
        target = frames[r["row"]]
        n = _row(raw, r)
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

    first, end = _first_data_row(raw), _table_end(raw)
    kinds_rng, amounts_rng = f"{kind_col}{first}:{kind_col}{end}", f"{amount}{first}:{amount}{end}"
    label = _col(raw, "label")
    b = end + 2
    rows_at = {text: b + i for i, text in enumerate(R.CHECK_LABELS)}
    out.blocks.append(Block(sheet, label, amount, range(b, b + len(R.CHECK_LABELS)), end + 1,
                            ((label, frozenset(R.CHECK_LABELS)),), block_names.FOTNOTER))
    for text, r_ in rows_at.items():
        out.add(sheet, f"{label}{r_}", text, style="label_sum" if text == R.CHECK_TOTAL else "label")

    def at(text: str) -> str:
        return f"{amount}{rows_at[text]}"

    net = transfers_in + transfers_out
    central = s.central if s.central is not None else ZERO
    total = by_kind[R.FOOTNOTE_REDUCTION] + by_kind[R.FOOTNOTE_RETURN] + central
    announced = s.announced
    out.add(sheet, at(R.CHECK_TRANSFER_IN), transfers_in,
            f'SUMIFS({amounts_rng},{kinds_rng},"{R.FOOTNOTE_TRANSFER}",{amounts_rng},">0")', "amount")
    out.add(sheet, at(R.CHECK_TRANSFER_OUT), transfers_out,
            f'SUMIFS({amounts_rng},{kinds_rng},"{R.FOOTNOTE_TRANSFER}",{amounts_rng},"<0")', "amount")
    out.add(sheet, at(R.CHECK_TRANSFER_NET), net, f"{at(R.CHECK_TRANSFER_IN)}+{at(R.CHECK_TRANSFER_OUT)}",
            "amount_bold")
    out.add(sheet, at(R.CHECK_REDUCTIONS), by_kind[R.FOOTNOTE_REDUCTION],
            f'SUMIF({kinds_rng},"{R.FOOTNOTE_REDUCTION}",{amounts_rng})', "amount")
    out.add(sheet, at(R.CHECK_RETURNS), by_kind[R.FOOTNOTE_RETURN],
            f'SUMIF({kinds_rng},"{R.FOOTNOTE_RETURN}",{amounts_rng})', "amount")
    out.add(sheet, at(R.CHECK_CENTRAL), central, R.P_CENTRAL.name, "amount")
    out.add(sheet, at(R.CHECK_TOTAL), total,
            f"{at(R.CHECK_REDUCTIONS)}+{at(R.CHECK_RETURNS)}+{at(R.CHECK_CENTRAL)}", "amount_sum")
    out.add(sheet, at(R.CHECK_ANNOUNCED), announced if announced is not None else "",
            f'IF({R.P_ANNOUNCED.name}="","",{R.P_ANNOUNCED.name})', "amount")
    out.add(sheet, at(R.CHECK_DIFF), (total - announced) if announced is not None else "",
            f'IF({at(R.CHECK_ANNOUNCED)}="","",{at(R.CHECK_TOTAL)}-{at(R.CHECK_ANNOUNCED)})', "amount")

    unbalanced = rr.transfers_finding(totals)
    if unbalanced is not None:
        out.findings.append(unbalanced.at(sheet, at(R.CHECK_TRANSFER_NET)))
    if announced is not None:
        rec = reconcile_total(rr.nettokostnadsreduceringar_parts(totals, central), announced,
                              subject="nettokostnadsreduceringar", rule=f"{RULE}.nettokostnadsreduceringar")
        if rec.finding is not None:
            out.findings.append(rec.finding.at(*inp.param_cells[R.P_ANNOUNCED.name]))


# --- Återställning -----------------------------------------------------------------------


def _restoration_cells(inp: Inputs, out: Computed) -> None:
    results, opening = inp.results, inp.opening
    sheet = _sheet(results)
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
        y, n = r["year"], _row(results, r)
        restored = sum((e.amount for d in ledger.deficits for e in d.restorations if e.year == y), ZERO)
        remaining = sum((d.remaining_after(y) for d in ledger.deficits if d.origin_year <= y), ZERO)
        out.add(sheet, f"{spec.col_letter('restored')}{n}", restored, style="amount")
        out.add(sheet, f"{spec.col_letter('remaining')}{n}", remaining, style="amount")
        out.add(sheet, f"{spec.col_letter('unused')}{n}", unused.get(y, ZERO), style="amount")

    title = max(_table_end(results), _table_end(opening)) + R.LEDGER_GAP + 1
    col0 = results.spec.first_col
    letters = [get_column_letter(col0 + i) for i in range(len(R.LEDGER_HEADERS))]
    out.add(sheet, f"{letters[0]}{title}", R.LEDGER_TITLE, style="label")
    for letter, header in zip(letters, R.LEDGER_HEADERS):
        out.add(sheet, f"{letter}{title + 1}", header, style="header")
    statuses = frozenset({STATUS_OPEN, STATUS_OVERDUE, STATUS_RESTORED, STATUS_RESTORED_LATE,
                          STATUS_RESTORED_PART_WRITTEN_OFF, STATUS_WRITTEN_OFF, R.LEDGER_HEADERS[-1]})
    out.blocks.append(Block(sheet, letters[0], letters[-1], range(title, title + 2 + len(ledger.deficits)),
                            title - R.LEDGER_GAP, ((letters[0], frozenset({R.LEDGER_TITLE})), (letters[-1], statuses)),
                            block_names.ATERSTALLNING))
    row_of: dict[str, int] = {}
    for i, d in enumerate(ledger.deficits):
        n = title + 2 + i
        row_of[str(d.origin_year)] = n
        # years as the numbers a cell holds (Decimal, as the cells are compared)
        values = [Decimal(v) if kind == "year" and v is not None else v
                  for v, kind in zip(R.LEDGER_SHAPE.row(d), R.LEDGER_SHAPE.kinds)]
        for letter, value, style in zip(letters, values, R.LEDGER_STYLES):
            out.add(sheet, f"{letter}{n}", value, style=style)
    # A finding about a deficit lies on its row of the ledger above (an output cell, so
    # placed here from the ledger's own rows, not given to the core as an input's place);
    # one about the whole series on the table.
    for f in ledger.findings:
        n = row_of.get(f.subject or "")
        cell = f"{letters[-1]}{n}" if n else results.spec.top_left
        out.findings.append(f.at(sheet, cell) if f.sheet is None else f)


# =========================================================================== public API


def owned_cells(cells) -> list[tuple[str, OwnedCell]]:
    """Every cell this kind computes, as (sheet, cell), from the workbook's inputs read
    through ``cells`` (a CellSource). Deterministic and complete: the builder writes
    exactly these, validate compares exactly these, regenerate writes these."""
    return compute(inputs_from_cells(cells)).cells


# How far below a block regenerate looks for rows of its old position: a table would
# have to shrink by more rows than this in one edit for a stale row to be missed.
STALE_SCAN_ROWS = 500


def stale_ranges(cells, comp: Computed) -> dict[str, list[str]]:
    """Per sheet, the ranges of rows that belonged to an owned block before the table
    above it changed length and that the block's new position does not cover: the rows
    of its defined name (``block_names``) outside its new rows, and any row below the
    table that still shows one of the block's marker texts (a workbook without names)."""
    out: dict[str, list[str]] = {}
    for b in comp.blocks:
        stale: set[int] = set()
        named = block_names.read_block(cells, b.name) if b.name else None
        if named is not None and named.sheet == b.sheet:
            stale |= {r for r in range(named.first_row, named.last_row + 1) if r not in b.rows}
        for r in range(b.floor, b.rows.stop + STALE_SCAN_ROWS):
            if r in b.rows:
                continue
            if any(str(cells.value(b.sheet, f"{col}{r}") or "").strip() in texts for col, texts in b.markers):
                stale.add(r)
        out.setdefault(b.sheet, []).extend(f"{b.first_col}{r}:{b.last_col}{r}" for r in sorted(stale))
    return {sheet: ranges for sheet, ranges in out.items() if ranges}


def sheet_plans(cells) -> list:
    """Every owned cell per sheet, with the rows to clear and the rule findings, for
    ``regenerate`` (``kinds.owned``)."""
    comp = compute(inputs_from_cells(cells))
    clear = stale_ranges(cells, comp)
    plans: dict[str, SheetPlan] = {}
    for sheet, oc in comp.cells:
        plans.setdefault(sheet, SheetPlan(sheet=sheet, cells=[], clear=clear.get(sheet, []))).cells.append(oc)
    for b in comp.blocks:
        if b.name and b.sheet in plans:
            plans[b.sheet].blocks.append(NamedBlock(b.name, b.ref))
    ordered = [plans[s] for s in R.SHEETS if s in plans] + [p for s, p in plans.items() if s not in R.SHEETS]
    pkg = getattr(cells, "pkg", None)
    found = list(comp.findings)
    if pkg is not None:  # charts regenerate cannot make one per panel: said, not silently merged
        found += RC.panel_findings(pkg, _chart_layout_or_none(cells))
    for f in found:
        target = plans.get(f.sheet or "") or ordered[0]
        target.findings.append(f)
    return ordered


def validate_resursramar(cells) -> tuple[list[Finding], int]:
    """Recompute every owned cell from the inputs and compare formula and cached value;
    add the rule findings (source discrepancies, transfers, restoration) on their cells."""
    comp = compute(inputs_from_cells(cells))
    findings = list(comp.findings)
    for sheet, oc in comp.cells:
        f = compare_cell(cells, sheet, oc, RULE)
        if f is not None:
            findings.append(f)
    pkg = getattr(cells, "pkg", None)
    if pkg is not None:
        findings += RC.stale(pkg, _chart_layout_or_none(cells))  # a chart that does not draw every nämnd
    for sheet, ranges in stale_ranges(cells, comp).items():
        for rng in ranges:
            findings.append(Finding(
                rule=f"{RULE}.inaktuell", severity=Severity.ERROR,
                message="Raden hör till en beräknad del som har flyttat när tabellen ovanför ändrade längd; "
                        "kör 'xlmodel regenerera' så tas den bort.",
                sheet=sheet, cell=rng.split(":")[0],
            ))
    return findings, len(comp.cells)


def build_resursramar(source, path: Path) -> None:
    from xlmodel.workbook.book import Book

    meta = source.meta
    inp = inputs_from_source(source)
    comp = compute(inp)
    book = Book(path, title=meta["title"])
    book.styles["factor"] = book.wb.add_format({"font_name": "Calibri", "font_size": 11, "num_format": "0.0000", "valign": "top"})
    for name in R.SHEETS:
        book.sheet(name)
    _info_sheet(book, meta)

    s = R.SHEET_PARAMS
    book.title(s, R.PARAMS_LAYOUT.title, R.PARAMS_LAYOUT.subtitle)
    for p in R.PARAMS:
        book.param(p, inp.params[p.name])
    book.widths(R.PARAMS_LAYOUT)
    book.write(s, f"A{R.PLANAR_LABEL_ROW}", "Uppräkning och reduktion per år", "label")
    book.input_table(R.PLANAR_TABLE, inp.planar.rows)

    frames_spec = inp.frames.spec
    book.input_table(frames_spec, inp.frames.rows)
    flag = frames_spec.first_col - 1 + [c.key for c in frames_spec.columns].index("reduced")
    book.sheet(frames_spec.sheet).data_validation(
        frames_spec.header_row, flag, frames_spec.header_row + 500, flag,
        {"validate": "list", "source": [R.REDUCED_YES, R.REDUCED_NO]},
    )
    book.sheet(frames_spec.sheet).freeze_panes(frames_spec.header_row, 2)

    fspec = R.FOOTNOTES_TABLE
    book.input_table(fspec, inp.footnotes.rows)
    kind = fspec.first_col - 1 + [c.key for c in fspec.columns].index("kind")
    book.sheet(fspec.sheet).data_validation(
        fspec.header_row, kind, fspec.header_row + 500, kind, {"validate": "list", "source": list(R.FOOTNOTE_KINDS)},
    )
    book.input_table(R.RESULTS_TABLE, inp.results.rows)
    book.input_table(R.OPENING_TABLE, inp.opening.rows)

    for sheet, cell in comp.cells:
        book.write(sheet, cell.ref, cell.value, cell.style, cell.formula)
    for b in comp.blocks:
        book.name_block(b.name, b.sheet, b.ref)
    _frames_chart(book, inp)
    book.conf_sheet()
    book.close()




def _frames_chart(book, inp: Inputs) -> None:
    """Frame development per nämnd over the years (a line per nämnd), under the table, in
    two panels on linear axes: the large nämnder, and the small ones beside their own
    scale (a logarithmic axis reads wrongly for money: equal steps are equal ratios).

    It reads the input table's year columns ("Resursram 2019" …) row by row, so it shows
    what the plan decided; ``regenerate`` redraws the series and the number of panels
    after a nämnd is added or removed (``resursramar.charts``), a new year needs
    ``xlmodel bygg`` to widen it."""
    spec = inp.frames.spec
    headers = [c.header for c in spec.columns]
    year_cols = [i for i, h in enumerate(headers) if h.startswith("Resursram ")]
    if not year_cols:
        return
    c_first, c_last = spec.first_col - 1 + year_cols[0], spec.first_col - 1 + year_cols[-1]
    label_col = spec.first_col - 1 + [c.key for c in spec.columns].index("label")
    last_key = spec.columns[year_cols[-1]].key
    hr = spec.header_row - 1
    rows = [(hr + 1 + i, row) for i, row in enumerate(inp.frames.rows) if not str(row.get("parent") or "").strip()]
    if not rows:
        return  # nämnder only; varav rows would double-count

    def size(row) -> Decimal:
        try:
            return abs(parse_amount(row.get(last_key), argument=last_key, blank=ZERO))
        except InputError:
            return ZERO

    # Panels by size, by the rule regenerate redraws them with (resursramar_charts).

    by_row = dict(rows)
    panels = [[(r, by_row[r]) for r in panel] for panel in RC.frame_panels([(r, size(row)) for r, row in rows])]
    top = hr + len(inp.frames.rows) + 10
    for i, panel in enumerate(panels):
        title = RC.TITLE_FIRST if i == 0 else RC.TITLE_SMALLER
        chart = book.wb.add_chart({"type": "line"})
        for r, _row in panel:
            chart.add_series({
                "name": [spec.sheet, r, label_col],
                "categories": [spec.sheet, hr, c_first, hr, c_last],
                "values": [spec.sheet, r, c_first, r, c_last],
                "marker": {"type": "circle"},
            })
        chart.set_title({"name": title})
        chart.set_y_axis({"num_format": "#,##0", "name": "mkr", "major_gridlines": {"visible": True}})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 760, "height": 320})
        book.sheet(spec.sheet).insert_chart(f"B{top}", chart)
        top += 18  # 320 px is 16 rows of 20 px: the next panel below, not on top of it


def _info_sheet(book, meta: dict[str, Any]) -> None:
    s = SHEET_INFO
    book.title(s, meta["title"], meta.get("source", ""))
    lines = [
        "Så här används arbetsboken",
        "Parametrar: planperiod, generell reduktion per år (additiv: 1 %, 2 %, 3 %) och uppräkning per år.",
        "Resursramar: beslutade ramar per nämnd med varav-rader. Kolumnen 'Generell reduktion' anger vilka rader som",
        "   reduceras (verksamheterna utanför vården). Oreducerad ram = ram sista året / (1 − ackumulerad reduktion);",
        "   tidigare års ramar återräknas med uppräkningen. Summaraden stäms av mot planens Summa.",
        "Fotnoter: fotnoternas belopp; reduktionerna stäms av mot regeln, överföringarna ska gå jämnt ut och",
        "   reduktioner + avkastningskrav + centrala kostnadsreduceringar mot planens beslutade nettokostnadsreduceringar.",
        "Återställning: balanskravsresultat per år och ingående underskott; återställningen beräknas per underskott",
        "   (KL 11 kap. 12 §, äldsta först) och skrivs som värden.",
        "Kontrollera med 'xlmodel validera <fil>': varje beräknad cell jämförs med reglerna; planens egna avvikelser",
        "   redovisas som varningar på cellen de gäller.",
        "Belopp i miljoner kronor (mkr), löpande priser. Beräknade celler avrundas inte; jämförelser mot tryckta",
        "   belopp görs med deras antal decimaler (avrundning halvt uppåt, som Excels AVRUNDA).",
    ]
    for i, line in enumerate(lines):
        book.write(s, f"A{4 + i}", line, "label" if i == 0 else "text")
    book.widths(R.INFO_LAYOUT)


def chart_layout(cells: Any) -> RC.Layout | None:
    """The series every chart under the Resursramar table should show, from the table's
    rows (nämnder only: varav rows would count twice). None without the table."""
    if cells.table(R.FRAMES_TABLE_NAME) is None:
        return None
    inp = inputs_from_cells(cells)
    s = _settings(inp)
    raw = inp.frames
    years = list(range(s.first - 1, s.last + 1))
    ycol = [_col(raw, R.frame_year_key(y)) for y in years]
    label_col = _col(raw, "label")
    sheet = _sheet(raw)
    token = formula_sheet(sheet)
    header = (raw.header_row or raw.spec.header_row)
    rows = []
    for r in raw.typed(RULE):
        if str(r.get("parent") or "").strip():
            continue
        n = _row(raw, r)
        values = tuple(r.get(R.frame_year_key(y)) for y in years)
        last = values[-1] if isinstance(values[-1], Decimal) else ZERO
        rows.append((RC.Series(f"{token}!${label_col}${n}", f"{token}!${ycol[0]}${n}:${ycol[-1]}${n}",
                            str(r["label"]), values), abs(last)))
    panels = RC.frame_panels(rows)
    categories = tuple(str(cells.value(sheet, f"{c}{header}") or "") for c in ycol)
    return RC.Layout(sheet, f"{token}!${ycol[0]}${header}:${ycol[-1]}${header}", categories, panels)


def _chart_layout_or_none(cells: Any) -> RC.Layout | None:
    """``chart_layout``, or None for input that cannot be read (validate and regenerate
    report that where it is, so the charts are left as they are)."""
    try:
        return chart_layout(cells)
    except InputError:
        return None


def follow_charts(pkg: Any, cells: Any) -> Any:
    """``pkg`` with each frame chart under the Resursramar table drawing the table's rows."""
    return RC.follow(pkg, _chart_layout_or_none(cells))
