"""Explaining the Ramtabell: every column of a row, the sum row, the header.

Read off ``frames.compute`` on the workbook's inputs: a ``FrameTableRow`` carries its
rolled-up columns, its own index base and rate; the input cells come from
``RawTable.where`` of tblRamar and tblForandringar and from the parameter cells.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from xlmodel.xlsx.refs import get_column_letter

from xlmodel import params
from xlmodel.money import ZERO, decimals_text, fmt_mkr, round_half_up
from xlmodel.rules.frametable import id_key
from xlmodel.workbook import layout as L
from xlmodel.workbook.explain.model import (
    RULE_TEXT,
    Explanation,
    InputRef,
    ParameterRef,
    addr,
    amount_result,
    inp,
    num,
    param_ref,
    pct,
    rc,
    sum_expr,
)

# =========================================================================== Ramtabell


def explain_frametable(cells, base: Explanation) -> Explanation | None:
    from xlmodel.workbook.frametable import frames as F

    block = F.frame_place(cells)  # where its defined name puts it (a moved table is explained there)
    if base.sheet != block.sheet:
        return None
    row, col = rc(base.cell)
    keys = {block.col_letter(c.key): c.key for c in block.columns}
    key = keys.get(get_column_letter(col))
    if key is None or row < block.header_row:
        return None
    src = F.frame_sources_from_cells(cells)
    table = F.compute(src)
    rows = F.ordered_rows(table)
    if row == block.header_row:
        return base.model_copy(update={
            "status": "beräknad", "title": "Rubrik i ramtabellen", "rule": "ramtabell.text",
            "rule_text": RULE_TEXT["ramtabell.text"][0], "source": RULE_TEXT["ramtabell.text"][1],
            "arithmetic": [f"Rubriken följer budgetåret {table.year} (Parametrar: Budgetar)."],
        })
    index = row - (block.header_row + 1)
    if index > len(rows):
        return None
    ctx = _FrameContext(cells, src, table, block)
    if index == len(rows):
        return ctx.sum_row(base, key, row)
    return ctx.row_cell(base, rows[index], key, row)


class _FrameContext:
    """The frame table of one workbook with the input cells of every row and change."""

    def __init__(self, cells, src, table, block=L.FRAMETABLE_BLOCK) -> None:
        from xlmodel.workbook.frametable import frames as F

        self.cells, self.src, self.table = cells, src, table
        self.rows = F.ordered_rows(table)
        self.frames = {r["id"]: r for r in src.frames.typed(F.RULE)}
        self.changes = src.changes.typed(F.RULE)
        self.sheet_row = {r.id: block.header_row + 1 + i for i, r in enumerate(self.rows)}
        self.children: dict[str, list[str]] = {r.id: [] for r in self.rows}
        for r in self.rows:
            if r.parent is not None:
                self.children[r.parent].append(r.id)
        self.block = block

    def at(self, key: str, row_id: str) -> str:
        return f"{self.block.col_letter(key)}{self.sheet_row[row_id]}"

    def subtree(self, rid: str) -> list[str]:
        out, stack = [], [rid]
        while stack:
            r = stack.pop(0)
            out.append(r)
            stack[0:0] = self.children[r]
        return out

    def where(self, rid: str, key: str) -> tuple[str | None, str | None]:
        return self.src.frames.where(self.frames[rid], key)

    def change_kind(self, c: dict) -> str | None:
        return L.CHANGE_KINDS_SV.get(str(c["kind"]).strip().lower())

    def changes_of(self, rid: str, kind: str) -> list[dict]:
        rows = {id_key(r) for r in self.subtree(rid)}  # 'rs' is the row 'RS', as the rules read it
        return [c for c in self.changes if id_key(c["row"]) in rows and self.change_kind(c) == kind]

    def change_inputs(self, rid: str, kind: str) -> list[InputRef]:
        out = []
        for c in self.changes_of(rid, kind):
            on = "" if id_key(c["row"]) == id_key(rid) else f" (på varav-raden {c['row']})"
            out.append(inp(f"{c['id']}: {c['label']}{on}", self.src.changes.where(c, "amount"), c["amount"]))
        return out

    def rounding(self, fr, key: str) -> str:
        v = getattr(fr, key)
        return (f"Publiceras med {decimals_text(fr.places)}: {fmt_mkr(round_half_up(v, fr.places))} "
                "(avrundning halvt uppåt som Excels AVRUNDA; cellen och reglerna "
                "behåller det exakta värdet).")

    def rule(self, base: Explanation, rule: str, **update: Any) -> Explanation:
        text, source = RULE_TEXT[rule]
        return base.model_copy(update={"status": "beräknad", "rule": rule, "rule_text": text, "source": source,
                                       **update})

    # ------------------------------------------------------------- one row
    def row_cell(self, base: Explanation, fr, key: str, row: int) -> Explanation:
        label = f"{fr.label} ({fr.id})"
        col_label = self._column_label(key)
        title = f"{col_label} för {label}"
        if key in ("id", "label"):
            return self.rule(base, "ramtabell.text", title=title,
                             inputs=[inp(f"{'Id' if key == 'id' else 'Post'}, {fr.id}", self.where(fr.id, key),
                                         getattr(fr, key))],
                             arithmetic=[f"{base.cell} = {addr(self.where(fr.id, key))} = {getattr(fr, key)}"])
        if key == "prior_frame":
            w = self.where(fr.id, "prior_frame")
            return self.rule(base, "ramtabell.foregaende_ar", title=title,
                             inputs=[inp(f"Budgetram föregående år, {fr.id}", w, fr.prior_frame)],
                             arithmetic=[f"{base.cell} = {addr(w)} = {num(fr.prior_frame)}"],
                             rounding=self.rounding(fr, key))
        if key in ("omstallning", "omfordelning", "utokad"):
            return self._change_column(base, fr, key, title)
        if key == "index":
            return self._index(base, fr, title)
        return self._frame(base, fr, title)

    def _column_label(self, key: str) -> str:
        from xlmodel.rules.frametable import COLUMN_LABEL_SV

        if key == "id":
            return "Id"
        if key == "label":
            return "Post"
        if key == "prior_frame":
            return f"Budgetram {self.table.year - 1}"
        if key == "frame":
            return f"Budgetram {self.table.year}"
        return COLUMN_LABEL_SV[key]

    def _change_column(self, base: Explanation, fr, key: str, title: str) -> Explanation:
        changes = self.changes_of(fr.id, key)
        inputs = self.change_inputs(fr.id, key)
        kind_sv = L.CHANGE_KINDS_FROM_CORE[key]
        if changes:
            expr = sum_expr([c["amount"] for c in changes])
            cells_expr = " + ".join(addr(self.src.changes.where(c, "amount")) for c in changes)
            arithmetic = [f"{base.cell} = {cells_expr}", f"= {expr} = {num(getattr(fr, key))}"]
        else:
            arithmetic = [f"{base.cell} = 0: ingen förändring av typen {kind_sv} på raden eller dess varav-rader"]
        return self.rule(base, "ramtabell.forandring", title=title, inputs=inputs, arithmetic=arithmetic,
                         rounding=self.rounding(fr, key))

    def _rate_inputs(self, fr) -> tuple[list[InputRef], list[ParameterRef], list[str]]:
        """Where the row's rate comes from: its own Indexsats, or Standardindex (with the
        dated LPIK parameter it should agree with)."""
        from xlmodel.workbook.cells import param_location

        ir = self.frames[fr.id]
        if ir["index_rate"] is not None:
            std = param_location(self.cells, L.REGIONPLAN_PARAMS[1])
            return ([inp(f"Indexsats, {fr.id}", self.where(fr.id, "index_rate"), ir["index_rate"],
                         pct(ir["index_rate"]))], [],
                    [f"Raden har en egen (differentierad) indexsats; standardindex ({addr(std)}) används inte."])
        from xlmodel.workbook.body_cells import workbook_body

        body = workbook_body(self.cells)  # LPIK for a region, PKV for a kommun
        series = body.index_series
        std_loc = param_location(self.cells, L.REGIONPLAN_PARAMS[1])
        refs = [inp(body.index_label(), std_loc, self.src.default_index_rate, pct(self.src.default_index_rate))]
        prms, notes = [], ["Raden saknar egen indexsats: standardindex används."]
        if params.has(series, self.table.year):
            p = param_ref(series, self.table.year)
            prms.append(p)
            if Decimal(p.value) != self.src.default_index_rate:
                notes.append(f"Arbetsbokens standardindex {pct(self.src.default_index_rate)} skiljer sig från "
                             f"parametern {series} för {self.table.year} ({p.shown}).")
        else:
            notes.append(f"Ingen daterad parameter {series} finns för {self.table.year}; arbetsbokens värde gäller.")
        return refs, prms, notes

    def _not_indexed_reason(self, fr) -> tuple[str, InputRef]:
        r = self.frames[fr.id]
        if not r["indexed"]:
            return (f"Raden indexeras inte ({addr(self.where(fr.id, 'indexed'))} = nej).",
                    inp(f"Indexeras, {fr.id}", self.where(fr.id, "indexed"), "nej"))
        p = fr.parent
        while p is not None and self.frames[p]["indexed"]:
            p = self.frames[p]["parent"] or None
        return (f"Raden ingår i {p}, som inte indexeras ({addr(self.where(p, 'indexed'))} = nej); då "
                "indexeras inte heller dess varav-rader.", inp(f"Indexeras, {p}", self.where(p, "indexed"), "nej"))

    def _index(self, base: Explanation, fr, title: str) -> Explanation:
        kids = self.children[fr.id]
        inputs = [inp(f"Budgetram föregående år, {fr.id}", self.where(fr.id, "prior_frame"), fr.prior_frame)]
        arithmetic: list[str] = []
        prms: list[ParameterRef] = []
        notes: list[str] = []
        own = fr.index_base * fr.index_rate if fr.index_rate is not None else ZERO
        if kids:
            for k in kids:
                inputs.append(inp(f"Budgetram föregående år, varav {k}", self.where(k, "prior_frame"),
                                  self.table.row(k).prior_frame))
            priors = [fr.prior_frame] + [-self.table.row(k).prior_frame for k in kids]
            arithmetic.append(f"Egen bas = {sum_expr(priors)} = {num(fr.index_base)}")
        if fr.index_rate is None:
            reason, ref = self._not_indexed_reason(fr)
            inputs.append(ref)
            notes.append(reason)
            arithmetic.append(f"Eget index = 0 ({reason[:-1]})")
        else:
            rate_inputs, prms, rate_notes = self._rate_inputs(fr)
            inputs += rate_inputs
            notes += rate_notes
            label = "Eget index = " if kids else ""
            arithmetic.append(f"{label}{num(fr.index_base)} × {pct(fr.index_rate)} = {amount_result(own)}")
        if kids:
            kid_index = [self.table.row(k).index for k in kids]
            for k in kids:
                inputs.append(inp(f"Löne- och prisindex, varav {k}", (self.block.sheet, self.at("index", k)),
                                  self.table.row(k).index))
            arithmetic.append(f"{base.cell} = eget index + varav-radernas index ("
                              + ", ".join(self.at("index", k) for k in kids) + ")")
            arithmetic.append(f"= {sum_expr([own] + kid_index)} = {amount_result(fr.index)}")
        elif fr.index_rate is not None:
            pass  # the single line above is the whole computation
        return self.rule(base, "ramtabell.index", title=title, inputs=inputs, parameters=prms,
                         arithmetic=arithmetic, rounding=self.rounding(fr, "index"), notes=notes)

    def _frame(self, base: Explanation, fr, title: str) -> Explanation:
        parts = ("prior_frame", "omstallning", "omfordelning", "utokad", "index")
        r = self.sheet_row[fr.id]
        letters = [f"{self.block.col_letter(k)}{r}" for k in parts]
        inputs = [inp(f"Budgetram föregående år, {fr.id}", self.where(fr.id, "prior_frame"), fr.prior_frame)]
        arithmetic = [f"{base.cell} = {' + '.join(letters)}",
                      f"= {sum_expr([getattr(fr, k) for k in parts])} = {amount_result(fr.frame)}"]
        for k in ("omstallning", "omfordelning", "utokad"):
            changes = self.changes_of(fr.id, k)
            inputs += self.change_inputs(fr.id, k)
            column_cell = f"{self.block.col_letter(k)}{r}"
            if changes:
                ids = ", ".join(f"{c['id']} {num(c['amount'])} ({addr(self.src.changes.where(c, 'amount'))})"
                                for c in changes)
                arithmetic.append(f"{column_cell} {self._column_label(k)} = {num(getattr(fr, k))}: {ids}")
            else:
                arithmetic.append(f"{column_cell} {self._column_label(k)} = 0: inga förändringar")
        rate = f" × {pct(fr.index_rate)}" if fr.index_rate is not None else " (indexeras inte)"
        arithmetic.append(f"{self.block.col_letter('index')}{r} {self._column_label('index')} = "
                          f"{amount_result(fr.index)} (egen bas {num(fr.index_base)}{rate}"
                          + (", plus varav-radernas index" if self.children[fr.id] else "")
                          + f"; förklaras av 'xlmodel forklara … {self.block.sheet}!{self.block.col_letter('index')}{r}')")
        return self.rule(base, "ramtabell.ram", title=title, inputs=inputs, arithmetic=arithmetic,
                         rounding=self.rounding(fr, "frame"))

    # ------------------------------------------------------------- sum row
    def sum_row(self, base: Explanation, key: str, row: int) -> Explanation:
        total = self.table.total
        if key in ("id", "label"):
            return self.rule(base, "ramtabell.summa", title="Summaraden",
                             arithmetic=[f"{base.cell} = {getattr(total, key)} (fast text som xlmodel skriver)"])
        top = [r for r in self.rows if r.parent is None]
        inputs = [inp(f"{self._column_label(key)}, {r.id}", (self.block.sheet, self.at(key, r.id)), getattr(r, key))
                  for r in top]
        arithmetic = [f"{base.cell} = " + " + ".join(self.at(key, r.id) for r in top),
                      f"= {sum_expr([getattr(r, key) for r in top])} = {amount_result(getattr(total, key))}"]
        notes = []
        if key == "index" and self.src.announced_index_total is not None:
            from xlmodel.workbook.cells import param_location

            loc = param_location(self.cells, L.REGIONPLAN_PARAMS[2])
            inputs.append(inp("Aviserat indexbelopp", loc, self.src.announced_index_total))
            notes.append(f"Planen anger {num(self.src.announced_index_total)} mkr ({addr(loc)}); "
                         f"skillnaden {amount_result(self.table.index_residual or ZERO)} mkr redovisas "
                         "(upprakning.residual), raderna justeras inte.")
        if key == "omfordelning":
            notes.append("Omfördelningar flyttar budget mellan nämnder och ska netta till noll "
                         "(ramtabell.omfordelning_netto).")
        return self.rule(base, "ramtabell.summa", title=f"{self._column_label(key)}, summa", inputs=inputs,
                         arithmetic=arithmetic, notes=notes,
                         rounding=(f"Publiceras med {decimals_text(total.places)}: "
                                   f"{fmt_mkr(round_half_up(getattr(total, key), total.places))}."))


