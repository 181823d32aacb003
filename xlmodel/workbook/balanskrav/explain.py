"""Explaining the Balanskrav sheet's restoration ledger (the spill of =ATERSTALLNING()).

Read off ``balanskrav_sheet.ledger_input`` → ``restoration.restoration_ledger``: each
deficit with the years that restored it and how much, the deadline from the dated
parameter ``aterstallning.horisont_ar`` (value, validity period, legal reference) and
any recorded extension or write-off.
"""

from __future__ import annotations

from xlmodel.xlsx.refs import get_column_letter

from xlmodel.workbook import layout as L
from xlmodel.workbook.explain.model import RULE_TEXT, Explanation, addr, inp, num, param_ref, rc, show, sum_expr

# =========================================================================== Balanskrav ledger


_LEDGER_COLUMNS = {
    "underskottsår": "origin", "underskott": "amount", "återställt": "restored",
    "avskrivet (synnerliga skäl)": "written_off", "kvar att återställa": "remaining", "sista år": "deadline",
    "status": "status",
}


def explain_ledger(cells, base: Explanation) -> Explanation | None:
    from xlmodel.rules.restoration import restoration_ledger
    from xlmodel.workbook.balanskrav import sheet as B
    from xlmodel.workbook.cells import read_table

    T = L.BALANSKRAV_TABLE
    if cells.table(T.table) is None:
        return None
    sheet, anchor = B.ledger_place(cells)  # where its defined name puts it
    if base.sheet != sheet:
        return None
    a_row, a_col = rc(anchor)
    row, col = rc(base.cell)
    if row < a_row or col < a_col or col >= a_col + len(_LEDGER_COLUMNS):
        return None
    raw = read_table(cells, T, B.RULE)
    stated = read_table(cells, L.STATED_DEADLINES_TABLE, B.RULE, optional=True)
    inp_model, rows, stated_rows = B.ledger_input(raw, stated)
    ledger = restoration_ledger(inp_model)
    header = cells.value(base.sheet, f"{get_column_letter(col)}{a_row}")
    focus = _LEDGER_COLUMNS.get(str(header or "").strip().casefold())
    text, source = RULE_TEXT["aterstallning"]
    common = {"status": "beräknad", "rule": "aterstallning", "rule_text": text, "source": source}
    if row == a_row:
        return base.model_copy(update={**common, "title": "Rubrik i återställningstabellen",
                                       "arithmetic": [f"{anchor} = ={base.formula or cells.formula(base.sheet, anchor)}"
                                                      " spiller ut tabellen med en rad per underskott."]})
    i = row - a_row - 1
    if i >= len(ledger.deficits):
        return None
    d = ledger.deficits[i]
    by_year = {r["year"]: r for r in rows}
    inputs, arithmetic, notes = [], [], []
    origin_row = by_year.get(d.origin_year)
    if origin_row is not None:
        inputs.append(inp(f"Balanskravsresultat {d.origin_year}", raw.where(origin_row, "result"), origin_row["result"]))
    arithmetic.append(f"Underskott {d.origin_year} = {num(d.amount)}"
                      + (f" ({addr(raw.where(origin_row, 'result'))} = {num(origin_row['result'])})" if origin_row else ""))
    for rest in d.restorations:
        yr = by_year.get(rest.year)
        where = raw.where(yr, "result") if yr else (None, None)
        inputs.append(inp(f"Balanskravsresultat {rest.year}", where, yr["result"] if yr else None))
        late = "" if rest.on_time else " – för sent"
        arithmetic.append(f"{rest.year}: återställer {num(rest.amount)} av överskottet "
                          f"{num(yr['result']) if yr else '?'} ({addr(where)}){late}")
    if not d.restorations:
        arithmetic.append("Inget återställt ännu: inget senare år har ett överskott som räcker till.")
    for w in d.write_offs:
        arithmetic.append(f"{w.year}: avskrivet med synnerliga skäl {num(w.amount)} ({w.reason})")
        if origin_row is not None:
            inputs.append(inp("Synnerliga skäl, avskrivet", raw.where(origin_row, "write_off"), origin_row["write_off"]))
    arithmetic.append(f"Återställt = {sum_expr([r.amount for r in d.restorations]) if d.restorations else '0'}"
                      f" = {num(d.restored)}")
    arithmetic.append(f"Kvar att återställa = {num(d.amount)} − {num(d.restored)} − {num(d.written_off)} = "
                      f"{num(d.remaining)}")
    horizon = param_ref("aterstallning.horisont_ar", d.origin_year)
    arithmetic.append(f"Sista år = {d.origin_year} + {horizon.value} = {d.legal_deadline} "
                      f"(aterstallning.horisont_ar, {_restoration_statute(d.origin_year)})")
    if d.deadline != d.legal_deadline:
        arithmetic.append(f"Förlängt till {d.deadline} genom beslut om synnerliga skäl ({d.extension_reason}); "
                          "KL (2017:725) 11 kap. 13 §")
        if origin_row is not None:
            inputs.append(inp("Förlängt till", raw.where(origin_row, "extended_to"), origin_row["extended_to"]))
    cleared = f", helt återställt {d.cleared_year}" if d.cleared_year else ""
    arithmetic.append(f"Status: {d.status}{cleared}")
    for f in ledger.findings:
        if f.subject == str(d.origin_year):
            notes.append(f"{f.severity.value}: {f.message} ({f.rule})")
    for s in stated_rows:
        if s["origin_year"] == d.origin_year and stated is not None:
            inputs.append(inp(f"Sista år enligt planen för {d.origin_year}", stated.where(s, "last_year"), s["last_year"]))
    titles = {"origin": "Underskottsår", "amount": "Underskott", "restored": "Återställt",
              "written_off": "Avskrivet (synnerliga skäl)", "remaining": "Kvar att återställa",
              "deadline": "Sista år", "status": "Status"}
    shown = show(base.stored_value, year=focus in ("origin", "deadline"))
    return base.model_copy(update={
        **common, "title": f"{titles.get(focus or '', 'Återställning')} för underskottet {d.origin_year}",
        "stored_shown": shown,
        "inputs": inputs, "parameters": [horizon], "arithmetic": arithmetic, "notes": notes,
    })




def _restoration_statute(origin: int) -> str:
    """The restoration rule in the law in force for a deficit of ``origin`` (issue 14)."""
    from xlmodel import params

    chapter = params.text("balanskrav.lagrum", origin)
    return "KL (2017:725) 11 kap. 12 §" if chapter.startswith("KL (2017:725)") else chapter
