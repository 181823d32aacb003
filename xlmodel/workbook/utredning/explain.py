"""Explaining the delårsrapport's balanskravsutredning: the two totals, =BALANSKRAV()
and each spilled line of =BALANSKRAV_UTREDNING().

Read off ``delarsrapport.utredning_inputs`` → ``balanskrav.balanskravsutredning``.
"""

from __future__ import annotations

from xlmodel.xlsx.refs import get_column_letter

from xlmodel import params
from xlmodel.workbook import layout as L
from xlmodel.workbook.explain.model import RULE_TEXT, Explanation, InputRef, inp, num, param_ref, rc, sum_expr

# =========================================================================== Delårsrapport


def explain_utredning(cells, base: Explanation) -> Explanation | None:
    from xlmodel.errors import InputError
    from xlmodel.rules.balanskrav import BalanskravInput, balanskravsutredning
    from xlmodel.workbook.utredning import sheet as D
    from xlmodel.workbook.cells import read_param, read_table

    T = L.UTREDNING_TABLE
    if cells.table(T.table) is None:
        return None
    try:
        at = D.utredning_place(cells)  # where its defined name puts it, else the layout's place
    except InputError:
        return None  # its name points at a sheet the book lacks: no cell is the block's (validera says so)
    sheet = at.inputs  # the lines' sheet: Balanskravsutredning, or the name the user has given it
    if base.sheet != at.sheet:
        return None
    layout_cell = at.layout_ref(base.cell)  # the cell as the layout has it (B15 … C30)
    if layout_cell is None:
        return None
    row, col = rc(layout_cell)
    amount_col = T.col_letter("amount")
    label_col = T.col_letter("label")
    spill_rows = range(L.UTREDNING_SPILL_ROW, L.UTREDNING_SPILL_ROW + 11)  # 11 lines from 2024
    letter = get_column_letter(col)
    in_block = letter == amount_col and row in (L.UTREDNING_ADJUSTED_ROW, L.UTREDNING_RESULT_ROW, L.UTREDNING_UDF_ROW)
    in_spill = letter in (label_col, amount_col) and row in spill_rows
    if not (in_block or in_spill):
        return None
    table = read_table(cells, T, D.RULE)
    year = read_param(cells, L.DELARSRAPPORT_PARAMS[0], D.RULE)
    values = D.utredning_inputs(table, year)
    utr = balanskravsutredning(BalanskravInput(**values), year)
    line_keys = D.line_keys(len(values))   # 1–8, and 9 (old RUR) from 2024
    ref_of = {k: f"{amount_col}{T.header_row + i + 1}" for i, k in enumerate(line_keys)}
    label_of = {ln.key: ln.label for ln in utr.lines}
    prms = [param_ref("balanskrav.uppstallning", year)] if year and params.has("balanskrav.uppstallning", year) else []

    def line_input(key: str) -> InputRef:
        n = line_keys.index(key) + 1
        return inp(f"Rad {n}: {label_of.get(key, key)}", (sheet, ref_of[key]), values[key])

    first6, last2 = line_keys[:6], line_keys[6:]   # last2: the reserve lines 7–8 (and 9)
    adjusted = at.ref(f"{amount_col}{L.UTREDNING_ADJUSTED_ROW}")
    shown = {k: at.arg(ref) for k, ref in ref_of.items()}  # as the block's formulas write them

    def adjusted_lines() -> list[str]:
        return [f"Resultat efter balanskravsjusteringar = {' + '.join(shown[k] for k in first6)}",
                f"= {sum_expr([values[k] for k in first6])} = {num(utr.resultat_efter_justeringar)}"]

    def result_lines() -> list[str]:
        return [f"Balanskravsresultat = {adjusted} + {' + '.join(shown[k] for k in last2)}",
                f"= {sum_expr([utr.resultat_efter_justeringar] + [values[k] for k in last2])} = "
                f"{num(utr.balanskravsresultat)}"]

    text, source = RULE_TEXT["balanskrav"]
    common = {"status": "beräknad", "rule": "balanskrav", "rule_text": text, "source": source, "parameters": prms}
    if in_block and row == L.UTREDNING_ADJUSTED_ROW:
        return base.model_copy(update={**common, "title": "Årets resultat efter balanskravsjusteringar",
                                       "inputs": [line_input(k) for k in first6], "arithmetic": adjusted_lines()})
    if in_block:
        inputs = [line_input(k) for k in line_keys]
        notes = []
        if row == L.UTREDNING_UDF_ROW:
            notes.append("=BALANSKRAV() räknar samma regel i Python (xlwings); utan xlwings visas det sparade värdet.")
        return base.model_copy(update={**common, "title": "Balanskravsresultat", "inputs": inputs,
                                       "arithmetic": adjusted_lines() + result_lines(), "notes": notes})
    i = row - L.UTREDNING_SPILL_ROW
    if i >= len(utr.lines):
        return None
    line = utr.lines[i]
    what = "Benämning" if letter == label_col else "Belopp"
    note = [f"Rad {i + 1} av =BALANSKRAV_UTREDNING() som spiller ut från {at.ref(f'{label_col}{L.UTREDNING_SPILL_ROW}')}."]
    if not line.is_total:
        key = line.key
        return base.model_copy(update={**common, "title": f"{what}: {line.label}", "inputs": [line_input(key)],
                                       "arithmetic": [f"{base.cell} = {shown[key]} = {num(values[key])}"],
                                       "notes": note})
    lines = adjusted_lines() if line.key != "balanskravsresultat" else adjusted_lines() + result_lines()
    keys = first6 if line.key != "balanskravsresultat" else line_keys
    return base.model_copy(update={**common, "title": f"{what}: {line.label}",
                                   "inputs": [line_input(k) for k in keys], "arithmetic": lines, "notes": note})


