"""The follow-up part of a delårsrapport: read its inputs, compute its owned cells,
validate them, and say for each computed cell how it came about (``forklara``).

One function, ``compute(cells)``, reads the part's inputs (through the same
``read_table``/``read_param`` as every sheet) and returns every owned cell together
with its explanation and the part's findings; ``validate``, ``sheet_plans`` (for
``regenerera``) and ``explain`` are views of it, and the builder writes the same
cells. The rules are ``xlmodel.rules.followup``; formulas are native Excel
(SUM, ABS, the defined names ``Manader`` and ``Profilandel``), so LibreOffice and any
reader computes the sheets without xlwings.

Where findings go: a reconciliation with the resultaträkning on its "Skillnad" cell; a
printed figure the inputs do not give on the printed figure's cell; what varav rows
leave unexplained on the nämnd's avvikelse cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from xlmodel.findings import Finding
from xlmodel.location import Location, Locator
from xlmodel.rules import followup as R
from xlmodel.workbook import block_names as B
from xlmodel.workbook.followup import layout as F
from xlmodel.workbook.followup.blocks import Origins, origins
from xlmodel.workbook.followup.reading import read_source_table
from xlmodel.workbook.owned import OwnedCell, compare_cell
from xlmodel.workbook.tables import RawTable
from xlmodel.xlsx.refs import formula_sheet, get_column_letter, quote_sheet

RULE = R.RULE
RULE_OMST = R.RULE_OMST
SOURCE_DRIFT = "Delårsrapport augusti 2021 (Region Västerbotten), avsnitt 3 Driftredovisning"
SOURCE_OMST = "Delårsrapport augusti 2021 (Region Västerbotten), Omställning till hållbar ekonomi (175 × 8/12 = 117)"


@dataclass
class Why:
    """What ``forklara`` says about one owned cell."""

    rule: str
    title: str
    text: str
    source: str
    inputs: list[tuple[str, tuple[str, str], Any]] = field(default_factory=list)  # (label, (sheet, ref), value)
    arithmetic: list[str] = field(default_factory=list)


@dataclass
class Part:
    plans: dict[str, list[OwnedCell]]          # sheet → owned cells
    why: dict[tuple[str, str], Why]
    findings: list[Finding]
    spills: dict[str, list[OwnedCell]] = field(default_factory=dict)  # sheet → cells of a spilled function
    # Each owned block's cells under its defined name (``block_names.FOLLOWUP``): name → (sheet, cells);
    # ``block`` is the one the cells being added belong to.
    blocks: dict[str, tuple[str, list[OwnedCell]]] = field(default_factory=dict)
    block: str | None = None

    def add(self, sheet: str, oc: OwnedCell) -> None:
        self.plans.setdefault(sheet, []).append(oc)  # a block moved to a sheet of its own too
        if self.block is not None:
            self.blocks.setdefault(self.block, (sheet, []))[1].append(oc)

    def extents(self) -> list[tuple[str, str, str]]:
        """(name, sheet, extent) of every block that has cells, in the order they were made."""
        from xlmodel.workbook.block_names import extent_of

        return [(name, sheet, extent_of(owned)) for name, (sheet, owned) in self.blocks.items() if owned]


@dataclass
class Inputs:
    months: int
    method: str
    share: Decimal | None
    places: int | None
    pct_drift: int | None
    pct_omst: int | None
    tolerance: Decimal
    drift: RawTable
    drift_rows: list[dict[str, Any]]
    rr: RawTable | None
    omst: RawTable | None
    printed_drift: RawTable | None
    printed_omst: RawTable | None
    origins: Origins = field(default_factory=Origins)
    params: dict[str, Location] = field(default_factory=dict)  # parameter name → its cell
    # Uppföljning, or the name the user has given it (the reconciliation's computed cells).
    summary_sheet: str = F.SHEET_SUMMARY

    def param(self, p) -> Location:
        return self.params.get(p.name) or Location(sheet=p.sheet, cell=p.cell, argument=p.label)


def drift_sheet(inp: "Inputs") -> str:
    """The sheet tblDrift stands on: Driftredovisning as built, or whatever the user has
    renamed it to (the table, not the sheet's name, identifies the driftredovisning)."""
    return inp.drift.sheet or F.SHEET_DRIFT


def present(cells) -> bool:
    """Whether the workbook has the follow-up part (its driftredovisning table)."""
    return cells.table(F.DRIFT_TABLE.table) is not None


# =========================================================================== reading


def read_inputs(cells) -> Inputs:
    from xlmodel.workbook.block_place import home_sheet
    from xlmodel.workbook.cells import read_param, require_sheet

    drift = read_source_table(cells, F.DRIFT_TABLE, RULE)
    found = origins(cells)
    require_sheet(cells, found.summary.sheet, RULE)
    params = {p.name: param_at(cells, p) for p in F.PARAMS}
    method = _method(read_param(cells, F.P_METHOD, RULE), params[F.P_METHOD.name])
    return Inputs(
        months=read_param(cells, F.P_MONTHS, RULE), method=method, share=read_param(cells, F.P_SHARE, RULE),
        params=params,
        places=read_param(cells, F.P_PLACES, RULE), pct_drift=read_param(cells, F.P_PCT_DRIFT, RULE),
        pct_omst=read_param(cells, F.P_PCT_OMST, RULE), tolerance=read_param(cells, F.P_TOLERANCE, RULE),
        drift=drift, drift_rows=drift.typed(RULE),
        rr=read_source_table(cells, F.RESULTATRAKNING_TABLE, RULE, optional=True),
        omst=read_source_table(cells, F.OMST_TABLE, RULE_OMST, optional=True),
        printed_drift=read_source_table(cells, F.PRINTED_DRIFT_TABLE, RULE, optional=True),
        printed_omst=read_source_table(cells, F.PRINTED_OMST_TABLE, RULE_OMST, optional=True),
        origins=found,
        summary_sheet=home_sheet(cells, F.RESULTATRAKNING_TABLE),
    )


def param_at(cells, p) -> Location:
    """Where parameter ``p`` is read: its defined name's cell, else the layout's."""
    from xlmodel.workbook.cells import param_location

    sheet, cell = param_location(cells, p)
    return Location(sheet=sheet, cell=cell, argument=p.label)


def row_locator(raw: RawTable, spec, r: dict[str, Any]) -> Locator:
    """Where the values of typed row ``r`` of ``raw`` are, by column key: an input
    column's cell as read, a computed column's cell in the row (where the part writes it,
    and a finding about it is shown)."""
    def find(key: str) -> Location:
        if raw.columns and key in raw.columns:
            return raw.location(r, key)
        header = next((c.header for c in spec.columns if c.key == key), None)
        return Location(sheet=raw.sheet or spec.sheet, cell=f"{_letter(raw, spec, key)}{_row_of(raw, spec, r)}",
                        argument=header)
    return Locator(find)


def _params_locator(inp: Inputs) -> Locator:
    """Where the period, the method and the profile share are (a DriftInput's keys)."""
    by_key = {"months": F.P_MONTHS, "method": F.P_METHOD, "profile_share": F.P_SHARE}
    return Locator(lambda key: inp.param(by_key[key]) if key in by_key else Location())


def _method(text: str, where: Location) -> str:
    key = " ".join(str(text).strip().lower().split())
    if key not in F.METHODS_SV:
        raise where.error(f"periodiseringen '{text}' är okänd; ange egen periodisering, linjär eller profil", rule=RULE)
    return F.METHODS_SV[key]


def drift_input(inp: Inputs) -> R.DriftInput:
    lines = []
    for r in inp.drift_rows:
        kind = F.KINDS_SV.get(" ".join(str(r["kind"]).lower().split()))
        if kind is None:
            raise inp.drift.location(r, "kind").error(
                f"typen '{r['kind']}' är okänd; ange nämnd, varav, skatteintäkter, statsbidrag, finansiella intäkter "
                "eller finansiella kostnader", rule=RULE)
        lines.append(R.DriftLine(id=r["id"], label=r["label"], kind=kind, parent=r["parent"] or None,
                                 where=row_locator(inp.drift, F.DRIFT_TABLE, r),
                                 **{k: r[k] for k in ("utfall", "utfall_foregaende", "budget_ar",
                                                      "budget_periodiserad", "prognos_ar", "avvikelse_angiven")}))
    return R.DriftInput(months=inp.months, method=inp.method, profile_share=inp.share, lines=tuple(lines),
                        where=_params_locator(inp))


def omst_input(inp: Inputs) -> tuple[R.OmstallningFollowupInput, list[dict[str, Any]]]:
    rows = inp.omst.typed(RULE_OMST)
    measures = tuple(
        R.Measure(id=r["id"], label=r["label"], planned_by=r["planned_by"], booked_in=r["booked_in"] or None,
                  parent=r["parent"] or None, plan_ar=r["plan_ar"], plan_period=r["plan_period_angiven"],
                  effekt=r["effekt"], where=row_locator(inp.omst, F.OMST_TABLE, r))
        for r in rows)
    return R.OmstallningFollowupInput(months=inp.months, measures=measures, where=_params_locator(inp)), rows


# =========================================================================== computing


def _letter(raw: RawTable, spec, key: str) -> str:
    if raw.columns and key in raw.columns and not next(c for c in spec.columns if c.key == key).computed:
        return get_column_letter(raw.columns[key])
    return spec.col_letter(key)


def _row_of(raw: RawTable, spec, r: dict[str, Any]) -> int:
    return (raw.header_row or spec.header_row) + 1 + r["_row"]


def compute(cells) -> Part:
    inp = read_inputs(cells)
    part = Part(plans={s: [] for s in F.SHEETS}, why={}, findings=[])
    drift_cells(inp, part)
    if inp.omst is not None:
        omst_cells(inp, part)
    from xlmodel.workbook.followup import forecast

    if forecast.present(cells):
        forecast.forecast_cells(cells, part, lambda *a: _own(part, *a), Why, _mkr, inp.origins.forecast)
    return part


def _own(part: Part, sheet: str, ref: str, value: Any, formula: str | None, style: str, why: Why | None = None) -> None:
    part.add(sheet, OwnedCell(ref, value, formula, style))
    if why is not None:
        part.why[(sheet, ref)] = why


def _mkr(x: Decimal | None) -> str:
    from xlmodel.workbook.explain.model import amount_result

    return "(tom)" if x is None else amount_result(x)


def _pct(x: Decimal | None) -> str:
    from xlmodel.money import fmt_mkr, round_half_up

    return "(tom)" if x is None else f"{fmt_mkr(round_half_up(x * 100, 2))} %"


TEXT_BUDGET = {
    "periodiserad": "Budget t.o.m. perioden = nämndens egen periodiserade budget (Periodisering = egen periodisering).",
    "linjar": "Budget t.o.m. perioden = årsbudget × månader / 12 (Periodisering = linjär).",
    "profil": "Budget t.o.m. perioden = årsbudget × den egna profilens andel t.o.m. perioden (Periodisering = profil).",
}
TEXT_AVV = "Avvikelse = utfall − budget t.o.m. perioden; nettokostnader är negativa, så en negativ avvikelse är ett underskott."
TEXT_ANDEL = "Avvikelse, andel = avvikelsen / budgetens belopp (utan tecken)."
TEXT_KU = "Kostnadsutveckling = utfall / utfall samma period föregående år − 1."
TEXT_PROGNOS = "Prognosavvikelse = prognos för helåret − budget för helåret."


def drift_cells(inp: Inputs, part: Part) -> None:
    T, raw, S = F.DRIFT_TABLE, inp.drift, drift_sheet(inp)
    d_inp = drift_input(inp)
    result = R.driftredovisning(d_inp)
    col = {k: _letter(raw, T, k) for k in [c.key for c in T.columns]}
    where_row: dict[str, int] = {}
    months_ref, share_ref = (F.P_MONTHS.sheet, F.P_MONTHS.cell), (F.P_SHARE.sheet, F.P_SHARE.cell)
    part.block = B.FU_DRIFT
    for r, line, row in zip(inp.drift_rows, d_inp.lines, result.rows):
        n = _row_of(raw, T, r)
        where_row[line.id] = n
        c = {k: f"{v}{n}" for k, v in col.items()}
        name = line.label
        # Budget t.o.m. perioden
        if row.budget_period is None:
            formula, ins = None, []
        elif inp.method == "periodiserad":
            formula, ins = c["budget_periodiserad"], [("Budget t.o.m. perioden (egen periodisering)", (S, c["budget_periodiserad"]), line.budget_periodiserad)]
        elif inp.method == "linjar":
            formula = f"{c['budget_ar']}*{F.P_MONTHS.name}/12"
            ins = [("Budget helår", (S, c["budget_ar"]), line.budget_ar), ("Månader", months_ref, inp.months)]
        else:
            formula = f"{c['budget_ar']}*{F.P_SHARE.name}"
            ins = [("Budget helår", (S, c["budget_ar"]), line.budget_ar), ("Profilandel", share_ref, inp.share)]
        _own(part, S, c["budget_period"], row.budget_period, formula, "amount",
             Why(f"{RULE}.budget_period", f"Budget t.o.m. perioden: {name}", TEXT_BUDGET[inp.method], SOURCE_DRIFT, ins,
                 [f"{c['budget_period']} = {_mkr(row.budget_period)}"]))
        # Avvikelse
        if line.utfall is not None and row.budget_period is not None:
            formula = f"{c['utfall']}-{c['budget_period']}"
            ins = [("Utfall t.o.m. perioden", (S, c["utfall"]), line.utfall), ("Budget t.o.m. perioden", (S, c["budget_period"]), row.budget_period)]
            arith = [f"{_mkr(line.utfall)} − ({_mkr(row.budget_period)}) = {_mkr(row.avvikelse)}"]
        elif row.avvikelse is not None:
            formula = c["avvikelse_angiven"]
            ins = [("Avvikelse (angiven)", (S, c["avvikelse_angiven"]), line.avvikelse_angiven)]
            arith = [f"{c['avvikelse']} = {_mkr(row.avvikelse)} (raden redovisar bara sin avvikelse)"]
        else:
            formula, ins, arith = None, [], []
        _own(part, S, c["avvikelse"], row.avvikelse, formula, "amount_bold",
             Why(f"{RULE}.avvikelse", f"Avvikelse: {name}", TEXT_AVV, SOURCE_DRIFT, ins, arith))
        # Andel
        ok = row.avvikelse_andel is not None
        _own(part, S, c["avvikelse_andel"], row.avvikelse_andel, f"{c['avvikelse']}/ABS({c['budget_period']})" if ok else None,
             "pct1", Why(f"{RULE}.avvikelse_andel", f"Avvikelse, andel: {name}", TEXT_ANDEL, SOURCE_DRIFT,
                         [("Avvikelse", (S, c["avvikelse"]), row.avvikelse), ("Budget t.o.m. perioden", (S, c["budget_period"]), row.budget_period)],
                         [f"{_mkr(row.avvikelse)} / {_mkr(abs(row.budget_period))} = {_pct(row.avvikelse_andel)}"] if ok else []))
        ok = row.kostnadsutveckling is not None
        _own(part, S, c["kostnadsutveckling"], row.kostnadsutveckling, f"{c['utfall']}/{c['utfall_foregaende']}-1" if ok else None,
             "pct1", Why(f"{RULE}.kostnadsutveckling", f"Kostnadsutveckling: {name}", TEXT_KU, SOURCE_DRIFT,
                         [("Utfall t.o.m. perioden", (S, c["utfall"]), line.utfall),
                          ("Utfall samma period fg år", (S, c["utfall_foregaende"]), line.utfall_foregaende)],
                         [f"{_mkr(line.utfall)} / {_mkr(line.utfall_foregaende)} − 1 = {_pct(row.kostnadsutveckling)}"] if ok else []))
        ok = row.prognosavvikelse is not None
        _own(part, S, c["prognosavvikelse"], row.prognosavvikelse, f"{c['prognos_ar']}-{c['budget_ar']}" if ok else None,
             "amount_bold", Why(f"{RULE}.prognosavvikelse", f"Prognosavvikelse: {name}", TEXT_PROGNOS,
                                "Delårsrapport augusti 2021 (Region Västerbotten), avsnitt 2.6 Prognos",
                                [("Prognos helår", (S, c["prognos_ar"]), line.prognos_ar), ("Budget helår", (S, c["budget_ar"]), line.budget_ar)],
                                [f"{_mkr(line.prognos_ar)} − ({_mkr(line.budget_ar)}) = {_mkr(row.prognosavvikelse)}"] if ok else []))
    part.findings += result.findings  # each at its nämnd's Avvikelse cell (the rows' locators)
    part.block = B.FU_SUMMARY
    summary_cells(inp, part, result, where_row, col)
    part.block = B.FU_CHART
    chart_cells(part, d_inp, result, where_row, col, inp.origins.chart, drift_sheet(inp))
    part.block = B.FU_RECONCILIATION
    if inp.rr is not None:
        rr_cells(inp, part, result)
    part.block = None
    if inp.printed_drift is not None:
        printed_drift(inp, part, d_inp, result)


def summary_row(key: str, origin=None) -> int:
    """The row of summary line ``key`` in the summary block standing at ``origin``
    (its header cell; the layout's place when None)."""
    return (origin.row if origin is not None else F.SUMMARY_HEADER_ROW) + 1 + R.TOTAL_KEYS.index(key)


def summary_letter(key: str, origin=None) -> str:
    """The column of ``key`` in the summary block standing at ``origin``."""
    if origin is None:
        return F.summary_letter(key)
    return get_column_letter(origin.col + [k for k, _, _ in F.SUMMARY_COLUMNS].index(key))


TOTAL_TEXT = (
    "Summeringen: verksamhetens nettokostnader = nämndernas rader (varav-rader ingår redan i sin nämnd); "
    "verksamhetens resultat = nettokostnader + skatteintäkter + generella statsbidrag och utjämning; "
    "finansnetto = finansiella intäkter + finansiella kostnader; totalt = verksamhetens resultat + finansnetto."
)


def summary_cells(inp: Inputs, part: Part, result: R.Driftredovisning, where_row: dict[str, int], col: dict[str, str]) -> None:
    o = inp.origins.summary
    S, D = o.sheet, drift_sheet(inp)
    DF = formula_sheet(D)
    h = o.row
    for key, header, _style in F.SUMMARY_COLUMNS:
        _own(part, S, f"{summary_letter(key, o)}{h}", header, None, "header")
    letters = {k: summary_letter(k, o) for k, _, _ in F.SUMMARY_COLUMNS}
    source_col = {"utfall": col["utfall"], "utfall_foregaende": col["utfall_foregaende"], "budget_period": col["budget_period"],
                  "budget_ar": col["budget_ar"], "prognos_ar": col["prognos_ar"]}
    for t in result.totals:
        n = summary_row(t.key, o)
        _own(part, S, f"{letters['label']}{n}", t.label, None, "label_sum" if t.key == "totalt" else "label")
        for fld, src in source_col.items():
            v = getattr(t, fld)
            ref = f"{letters[fld]}{n}"
            if v is None:
                _own(part, S, ref, None, None, "amount")
                continue
            if t.rows:
                refs = [f"{DF}!{src}{where_row[i]}" for i in t.rows]
                label_of = {r["id"]: r["label"] for r in inp.drift_rows}
                terms = [(label_of[i], (D, f"{src}{where_row[i]}"), _row_value(inp, result, i, fld)) for i in t.rows]
            else:
                refs = [f"{letters[fld]}{summary_row(p, o)}" for p in t.parts]
                terms = [(R.TOTAL_LABELS[p], (S, f"{letters[fld]}{summary_row(p, o)}"), getattr(result.total(p), fld)) for p in t.parts]
            formula = f"SUM({','.join(refs)})"
            _own(part, S, ref, v, formula, "amount_sum" if t.key == "totalt" else "amount",
                 Why(f"{RULE}.summa", f"{t.label}: {dict((k, h_) for k, h_, _ in F.SUMMARY_COLUMNS)[fld].lower()}", TOTAL_TEXT,
                     SOURCE_DRIFT, terms, [" + ".join(_mkr(x[2]) for x in terms) + f" = {_mkr(v)}"]))
        c = {k: f"{letters[k]}{n}" for k in letters}
        derived = (
            ("avvikelse", t.avvikelse, f"{c['utfall']}-{c['budget_period']}", TEXT_AVV,
             [("Utfall", c["utfall"], t.utfall), ("Budget t.o.m. perioden", c["budget_period"], t.budget_period)],
             lambda: f"{_mkr(t.utfall)} − ({_mkr(t.budget_period)}) = {_mkr(t.avvikelse)}"),
            ("avvikelse_andel", t.avvikelse_andel, f"{c['avvikelse']}/ABS({c['budget_period']})", TEXT_ANDEL,
             [("Avvikelse", c["avvikelse"], t.avvikelse), ("Budget t.o.m. perioden", c["budget_period"], t.budget_period)],
             lambda: f"{_mkr(t.avvikelse)} / {_mkr(abs(t.budget_period))} = {_pct(t.avvikelse_andel)}"),
            ("kostnadsutveckling", t.kostnadsutveckling, f"{c['utfall']}/{c['utfall_foregaende']}-1", TEXT_KU,
             [("Utfall", c["utfall"], t.utfall), ("Utfall samma period fg år", c["utfall_foregaende"], t.utfall_foregaende)],
             lambda: f"{_mkr(t.utfall)} / {_mkr(t.utfall_foregaende)} − 1 = {_pct(t.kostnadsutveckling)}"),
            ("prognosavvikelse", t.prognosavvikelse, f"{c['prognos_ar']}-{c['budget_ar']}", TEXT_PROGNOS,
             [("Prognos helår", c["prognos_ar"], t.prognos_ar), ("Budget helår", c["budget_ar"], t.budget_ar)],
             lambda: f"{_mkr(t.prognos_ar)} − ({_mkr(t.budget_ar)}) = {_mkr(t.prognosavvikelse)}"),
        )
        for fld, v, formula, text, ins, arith in derived:
            style = dict((k, s) for k, _, s in F.SUMMARY_COLUMNS)[fld]
            _own(part, S, c[fld], v, formula if v is not None else None, style,
                 Why(f"{RULE}.{fld}", f"{t.label}: {fld.replace('_', ' ')}", text, SOURCE_DRIFT,
                     [(a, (S, b), x) for a, b, x in ins], [arith()] if v is not None else []))


def _row_value(inp: Inputs, result: R.Driftredovisning, row_id: str, fld: str) -> Any:
    if fld == "budget_period":
        return result.row(row_id).budget_period
    return next(r for r in inp.drift_rows if r["id"] == row_id)[fld]


def rr_cells(inp: Inputs, part: Part, result: R.Driftredovisning) -> None:
    T, raw, S = F.RESULTATRAKNING_TABLE, inp.rr, inp.summary_sheet
    rows = raw.typed(RULE)
    lines: dict[str, Decimal] = {}
    for r in rows:
        key = str(r["id"]).strip().lower()
        if key not in R.TOTAL_KEYS or key in lines:
            raise raw.location(r, "id").error(
                f"raden '{r['id']}' är ingen (eller en upprepad) rad i summeringen; ange en av {', '.join(R.TOTAL_KEYS)}",
                rule=f"{RULE}.resultatrakning")
        lines[key] = r["amount"]
    recon, findings = R.reconcile(result, lines, inp.tolerance,
                                  where={str(r["id"]).strip().lower(): row_locator(raw, T, r) for r in rows},
                                  tolerance_at=inp.param(F.P_TOLERANCE))
    amount_col = _letter(raw, T, "amount")
    by_key = {rl.key: rl for rl in recon}
    for r in rows:
        rl = by_key[str(r["id"]).strip().lower()]
        n = _row_of(raw, T, r)
        o = inp.origins.summary
        at = f"{summary_letter('utfall', o)}{summary_row(rl.key, o)}"
        src = f"{quote_sheet(o.sheet)}!{at}" if o.sheet != S else at
        d, diff = f"{T.col_letter('drift')}{n}", f"{T.col_letter('difference')}{n}"
        label = R.TOTAL_LABELS[rl.key]
        _own(part, S, d, rl.driftredovisning, src if rl.driftredovisning is not None else None, "amount",
             Why(f"{RULE}.resultatrakning", f"{label} enligt driftredovisningen", TOTAL_TEXT, SOURCE_DRIFT,
                 [(label, (o.sheet, at), rl.driftredovisning)], [f"{d} = {src} = {_mkr(rl.driftredovisning)}"]))
        _own(part, S, diff, rl.difference, f"{d}-{amount_col}{n}" if rl.difference is not None else None, "amount_bold",
             Why(f"{RULE}.resultatrakning", f"Avstämning mot resultaträkningen: {label}",
                 "Driftredovisningens summering ska stämma med resultaträkningen för samma period; skillnaden "
                 "= driftredovisningen − resultaträkningen och får inte vara större än toleransen.", SOURCE_DRIFT,
                 [("Enligt driftredovisningen", (S, d), rl.driftredovisning),
                  ("Resultaträkningen", (S, f"{amount_col}{n}"), rl.resultatrakning),
                  ("Tolerans", (F.P_TOLERANCE.sheet, F.P_TOLERANCE.cell), inp.tolerance)],
                 [f"{_mkr(rl.driftredovisning)} − ({_mkr(rl.resultatrakning)}) = {_mkr(rl.difference)}"]))
    part.findings += findings  # each at its line's Skillnad cell


def _printed_places(places: int | None, default: int) -> int:
    return default if places is None else places


def printed_drift(inp: Inputs, part: Part, d_inp: R.DriftInput, result: R.Driftredovisning) -> None:
    raw = inp.printed_drift
    half = R.half_unit(inp.places)
    intervals = R.drift_intervals(d_inp, half)
    amount_places = _printed_places(inp.places, 0)
    pct_places = _printed_places(inp.pct_drift, 1)
    labels = {ln.id: ln.label for ln in d_inp.lines} | R.TOTAL_LABELS
    causes = {"utfall": "summan av raderna (för en nämnd: indata)", "utfall_foregaende": "summan av raderna (för en nämnd: indata)",
              "budget_period": "summan av raderna", "avvikelse": "utfall − budget t.o.m. perioden",
              "kostnadsutveckling": "utfall / utfall samma period fg år − 1"}
    for r in raw.typed(RULE):
        key = str(r["id"]).strip()
        if key in R.TOTAL_KEYS:
            figure = result.total(key)
        elif key in labels:
            figure = result.row(key)
        else:
            raise raw.location(r, "id").error(f"'{r['id']}' finns varken i tblDrift eller bland summaraderna",
                                              rule=f"{RULE}.publicerad")
        line = next((ln for ln in d_inp.lines if ln.id == key), None)
        for fld in ("utfall", "utfall_foregaende", "budget_period", "avvikelse", "kostnadsutveckling"):
            if r[fld] is None:
                continue
            # A row's own utfall is an input: the printed one must be the same.
            computed = getattr(line, fld) if line is not None and fld in ("utfall", "utfall_foregaende") else getattr(figure, fld)
            head = next(c.header for c in F.PRINTED_DRIFT_TABLE.columns if c.key == fld)
            f = R.check_printed(what=f"{head}, {labels[key]}", computed=computed, possible=intervals.get((key, fld)),
                                printed=r[fld], places=pct_places if fld == "kostnadsutveckling" else amount_places,
                                percent=fld == "kostnadsutveckling", cause=causes[fld], subject=key, field=fld,
                                where=raw.location(r, fld))
            if f is not None:
                part.findings.append(f)


def chart_cells(part: Part, d_inp: R.DriftInput, result: R.Driftredovisning, where_row: dict[str, int], col: dict[str, str],
                origin, drift: str = F.SHEET_DRIFT) -> None:
    S, D = origin.sheet, drift
    DF = formula_sheet(D)
    r0 = origin.row
    a, b = origin.letter(0), origin.letter(1)
    _own(part, S, f"{a}{r0}", "Nämnd", None, "header")
    _own(part, S, f"{b}{r0}", "Avvikelse mot budget t.o.m. perioden, mkr", None, "header")
    for i, ln in enumerate(x for x in d_inp.lines if x.kind == "namnd"):
        n, src = r0 + 1 + i, where_row[ln.id]
        _own(part, S, f"{a}{n}", ln.label, f"{DF}!{col['label']}{src}", "text")
        avv = result.row(ln.id).avvikelse
        _own(part, S, f"{b}{n}", avv, f"{DF}!{col['avvikelse']}{src}", "amount",
             Why(f"{RULE}.diagram", f"Diagrammets avvikelse: {ln.label}", "Diagrammets data hämtas från driftredovisningens "
                 "avvikelsekolumn (formel), så diagrammet följer varje ny period.", SOURCE_DRIFT,
                 [("Avvikelse", (D, f"{col['avvikelse']}{src}"), avv)], [f"{b}{n} = {DF}!{col['avvikelse']}{src} = {_mkr(avv)}"]))


def chart_rows(part: Part) -> int:
    """The nämnder in the chart data (its rows below the header)."""
    owned = part.blocks.get(B.FU_CHART, ("", []))[1]
    return len({oc.ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for oc in owned}) - 1


# --- omställning ---------------------------------------------------------------------

TEXT_OMST = (
    "Plan t.o.m. perioden = årsplanen × månader / 12 om den inte anges; andel uppnådd = effekt / plan t.o.m. "
    "perioden; kvar = årsplan − effekt. En effekt som bokförs i en annan verksamhet än den som planerade den "
    "hålls utanför summan: den finns redan i den verksamhetens utfall och räknas annars två gånger."
)


def omst_cells(inp: Inputs, part: Part) -> None:
    T, raw, S = F.OMST_TABLE, inp.omst, inp.omst.sheet or F.SHEET_OMST
    o_inp, rows = omst_input(inp)
    result = R.omstallning_followup(o_inp)
    col = {k: _letter(raw, T, k) for k in [c.key for c in T.columns]}
    where_row: dict[str, int] = {}
    part.block = B.FU_OMST
    for r, m, row in zip(rows, o_inp.measures, result.rows):
        n = _row_of(raw, T, r)
        where_row[m.id] = n
        c = {k: f"{v}{n}" for k, v in col.items()}
        if m.plan_period is not None:
            formula, ins = c["plan_period_angiven"], [("Plan t.o.m. perioden (angiven)", (S, c["plan_period_angiven"]), m.plan_period)]
        elif m.plan_ar is not None:
            formula = f"{c['plan_ar']}*{F.P_MONTHS.name}/12"
            ins = [("Årsplan", (S, c["plan_ar"]), m.plan_ar), ("Månader", (F.P_MONTHS.sheet, F.P_MONTHS.cell), inp.months)]
        else:
            formula, ins = None, []
        _own(part, S, c["plan_period"], row.plan_period, formula, "amount",
             Why(f"{RULE_OMST}.plan", f"Plan t.o.m. perioden: {m.label}", TEXT_OMST, SOURCE_OMST, ins,
                 [f"{c['plan_period']} = {_mkr(row.plan_period)}"]))
        ok = row.andel is not None
        _own(part, S, c["andel"], row.andel, f"{c['effekt']}/{c['plan_period']}" if ok else None, "pct1",
             Why(f"{RULE_OMST}.andel", f"Andel uppnådd: {m.label}", TEXT_OMST, SOURCE_OMST,
                 [("Effekt t.o.m. perioden", (S, c["effekt"]), m.effekt), ("Plan t.o.m. perioden", (S, c["plan_period"]), row.plan_period)],
                 [f"{_mkr(m.effekt)} / {_mkr(row.plan_period)} = {_pct(row.andel)}"] if ok else []))
        ok = row.kvar is not None
        _own(part, S, c["kvar"], row.kvar, f"{c['plan_ar']}-{c['effekt']}" if ok else None, "amount",
             Why(f"{RULE_OMST}.kvar", f"Kvar av årsplanen: {m.label}", TEXT_OMST, SOURCE_OMST,
                 [("Årsplan", (S, c["plan_ar"]), m.plan_ar), ("Effekt t.o.m. perioden", (S, c["effekt"]), m.effekt)],
                 [f"{_mkr(m.plan_ar)} − {_mkr(m.effekt)} = {_mkr(row.kvar)}"] if ok else []))
        _own(part, S, c["counted"], F.COUNTED_SV[row.counted], None, "text",
             Why(f"{RULE_OMST}.summa", f"Räknas i summan: {m.label}", TEXT_OMST, SOURCE_OMST,
                 [("Effekt bokförd i", (S, c["booked_in"]), m.booked_in), ("Planerad av", (S, c["planned_by"]), m.planned_by),
                  ("Förälder", (S, c["parent"]), m.parent)], [f"{c['counted']} = {F.COUNTED_SV[row.counted]}"]))
    part.findings += result.findings  # each at its row's Effekt cell
    # The total, at a fixed place to the right of the table (or where its name has moved it).
    part.block = B.FU_OMST_TOTAL
    o = inp.origins.omst_total
    h, T_ = o.row, S       # the block's header row; the table's sheet (the block's own, unless moved)
    S = o.sheet

    def L_(key: str) -> str:
        return o.letter([k for k, _, _ in F.OMST_TOTAL_COLUMNS].index(key))

    for key, header, _ in F.OMST_TOTAL_COLUMNS:
        _own(part, S, f"{L_(key)}{h}", header, None, "header")
    t = result.total
    n, e = h + 1, h + 2
    _own(part, S, f"{L_('label')}{n}", "Summa i egen verksamhet", None, "label_sum")
    _own(part, S, f"{L_('label')}{e}", "Effekt i annan verksamhet (ingår inte i summan)", None, "label")
    for key, src in (("plan_ar", "plan_ar"), ("plan_period", "plan_period"), ("effekt", "effekt")):
        refs = [o.ref_from(T_, f"{col[src]}{where_row[i]}") for i in t.rows]
        v = getattr(t, key)
        _own(part, S, f"{L_(key)}{n}", v, f"SUM({','.join(refs)})" if refs else None, "amount_sum",
             Why(f"{RULE_OMST}.summa", f"Summa i egen verksamhet: {key.replace('_', ' ')}", TEXT_OMST, SOURCE_OMST,
                 [(i, (T_, f"{col[src]}{where_row[i]}"), None) for i in t.rows], [f"{L_(key)}{n} = {_mkr(v)}"]))
    _own(part, S, f"{L_('andel')}{n}", t.andel, f"{L_('effekt')}{n}/{L_('plan_period')}{n}" if t.andel is not None else None, "pct1",
         Why(f"{RULE_OMST}.andel", "Andel uppnådd, summa", TEXT_OMST, SOURCE_OMST,
             [("Effekt", (S, f"{L_('effekt')}{n}"), t.effekt), ("Plan t.o.m. perioden", (S, f"{L_('plan_period')}{n}"), t.plan_period)],
             [f"{_mkr(t.effekt)} / {_mkr(t.plan_period)} = {_pct(t.andel)}"]))
    _own(part, S, f"{L_('kvar')}{n}", t.kvar, f"{L_('plan_ar')}{n}-{L_('effekt')}{n}", "amount_sum",
         Why(f"{RULE_OMST}.kvar", "Kvar av årsplanen, summa", TEXT_OMST, SOURCE_OMST,
             [("Årsplan", (S, f"{L_('plan_ar')}{n}"), t.plan_ar), ("Effekt", (S, f"{L_('effekt')}{n}"), t.effekt)],
             [f"{_mkr(t.plan_ar)} − {_mkr(t.effekt)} = {_mkr(t.kvar)}"]))
    refs = [o.ref_from(T_, f"{col['effekt']}{where_row[i]}") for i in t.elsewhere_rows]
    _own(part, S, f"{L_('effekt')}{e}", t.elsewhere_effekt if refs else None, f"SUM({','.join(refs)})" if refs else None, "amount",
         Why(f"{RULE_OMST}.annan_verksamhet", "Effekt i annan verksamhet", TEXT_OMST, SOURCE_OMST,
             [(i, (T_, f"{col['effekt']}{where_row[i]}"), None) for i in t.elsewhere_rows],
             [f"{L_('effekt')}{e} = {_mkr(t.elsewhere_effekt)} (ingår inte i summan)"]))
    part.block = None
    if inp.printed_omst is not None:
        printed_omst(inp, part, o_inp, result)


def printed_omst(inp: Inputs, part: Part, o_inp: R.OmstallningFollowupInput, result: R.OmstallningFollowup) -> None:
    raw = inp.printed_omst
    intervals = R.omstallning_intervals(o_inp, R.half_unit(inp.places))
    amount_places = _printed_places(inp.places, 0)
    pct_places = _printed_places(inp.pct_omst, 0)
    labels = {m.id: m.label for m in o_inp.measures} | {F.OMST_TOTAL_ID: "regionen totalt (summa i egen verksamhet)"}
    for r in raw.typed(RULE_OMST):
        key = str(r["id"]).strip()
        if key not in labels:
            raise raw.location(r, "id").error(
                f"'{r['id']}' finns inte i tblOmstallningUppf (eller ange '{F.OMST_TOTAL_ID}')", rule=f"{RULE_OMST}.publicerad")
        if key == F.OMST_TOTAL_ID:
            t = result.total
            values = {"plan_ar": t.plan_ar, "plan_period": t.plan_period, "effekt": t.effekt, "andel": t.andel}
        else:
            m, row = next(m for m in o_inp.measures if m.id == key), result.row(key)
            # A row's year plan and effect are inputs: the printed ones must be the same.
            values = {"plan_ar": m.plan_ar, "plan_period": row.plan_period, "effekt": m.effekt, "andel": row.andel}
        for fld in ("plan_ar", "plan_period", "effekt", "andel"):
            if r[fld] is None:
                continue
            computed = values[fld]
            cause = ("årsplanen × månader / 12" if fld == "plan_period" else
                     "summan av raderna" if key == F.OMST_TOTAL_ID else "indata i tblOmstallningUppf")
            if fld == "andel" and values["effekt" if key == F.OMST_TOTAL_ID else "andel"] is not None:
                effekt = values["effekt"] if key == F.OMST_TOTAL_ID else next(m for m in o_inp.measures if m.id == key).effekt
                plan = r["plan_period"] if r["plan_period"] is not None else values["plan_period"]
                # The report's own figures against each other: its effect over its own plan to date.
                computed = R.share_achieved(effekt, plan) if effekt is not None and plan else computed
                cause = f"effekten {_mkr(effekt)} mkr / planen t.o.m. perioden {_mkr(plan)} mkr"
            head = next(c.header for c in F.PRINTED_OMST_TABLE.columns if c.key == fld)
            f = R.check_printed(what=f"{head}, {labels[key]}", computed=computed, possible=intervals.get((key, fld)),
                                printed=r[fld], places=pct_places if fld == "andel" else amount_places,
                                percent=fld == "andel", cause=cause, subject=key, field=fld, rule=RULE_OMST,
                                where=raw.location(r, fld))
            if f is not None:
                part.findings.append(f)


# =========================================================================== the three uses


def validate(cells) -> tuple[list[Finding], int]:
    """``validera``: the part's findings, every owned cell against the file, and the
    rows of a block's defined name that the block no longer covers."""
    from xlmodel.workbook.owned_blocks import stale_findings

    if not present(cells):
        return [], 0
    part = compute(cells)
    findings = list(part.findings)
    n = 0
    for sheet, owned in part.plans.items():
        for oc in owned:
            n += 1
            f = compare_cell(cells, sheet, oc, RULE)
            if f is not None:
                findings.append(f)
    findings += stale_findings(cells, _plans(part), RULE, F.TABLES)  # the part's input columns are never stale
    return findings, n


def _plans(part: Part) -> list:
    from xlmodel.workbook.owned import NamedBlock, SheetPlan

    plans = [SheetPlan(sheet=s, cells=owned) for s, owned in part.plans.items() if owned]
    for name, sheet, extent in part.extents():
        next(p for p in plans if p.sheet == sheet).blocks.append(NamedBlock(name, extent))
    return plans


def sheet_plans(cells) -> list:
    """``regenerera``: every owned cell of the part, per sheet, with its named blocks
    (``owned_blocks``: stale rows cleared, the user's cells refused, the names set)."""
    if not present(cells):
        return []
    part = compute(cells)
    plans = _plans(part)
    if plans:
        plans[0].findings = list(part.findings)
    return plans
