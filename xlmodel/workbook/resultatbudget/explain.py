"""Explaining the Resultatbudget sheet: the year table's subtotals and the goal cells.

Read off ``resultatbudget.resultatbudget_cells`` and ``goals.check_resultatbudget`` /
``goals.evaluate_goal`` on the workbook's inputs.
"""

from __future__ import annotations

from xlmodel.xlsx.refs import get_column_letter

from xlmodel.money import ZERO, round_half_up
from xlmodel.workbook import layout as L
from xlmodel.workbook.explain.model import RULE_TEXT, Explanation, addr, inp, num, pct, rc, sum_expr

# =========================================================================== Resultatbudget


# key → (operands, operator) as resultatbudget_cells writes the formulas.
_RB_FORMULAS: dict[str, tuple[tuple[str, ...], str]] = {
    "summa": (("skatteintakter", "generella_statsbidrag"), "+"),
    "verksamhetens_resultat": (("nettoram", "summa"), "+"),
    "verksamhetens_andel": (("verksamhetens_resultat", "summa"), "/"),
    "finansnetto": (("finansiella_intakter", "finansiella_kostnader", "orealiserade"), "+"),
    "resultat": (("verksamhetens_resultat", "finansnetto"), "+"),
    "resultat_andel": (("resultat", "summa"), "/"),
}


def explain_resultatbudget(cells, base: Explanation) -> Explanation | None:
    from xlmodel.rules.goals import check_resultatbudget
    from xlmodel.workbook.resultatbudget import sheet as R
    from xlmodel.workbook.cells import read_table

    from xlmodel.workbook import block_names
    from xlmodel.workbook.block_place import table_letters, table_sheet

    T, G = L.RESULTBUDGET_TABLE, L.GOALS_TABLE
    rb_loc, g_loc = cells.table(T.table), cells.table(G.table)
    if base.sheet not in {loc.sheet for loc in (rb_loc, g_loc) if loc is not None}:
        return None  # the computed columns stand in their tables, wherever those are
    row, col = rc(base.cell)
    letter = get_column_letter(col)
    raw = read_table(cells, T, R.RULE)
    sheet = table_sheet(cells, raw, T, block_names.RESULTATBUDGET, R.RULE)
    letters = table_letters(cells, T, raw)
    _, _, years, row_of = R.resultatbudget_cells(raw, letters)
    key = next((k for k in _RB_FORMULAS if letters[k] == letter), None)
    year_of_row = {n: y for y, n in row_of.items()}
    if key is not None and row in year_of_row and base.sheet == sheet:
        year = year_of_row[row]
        typed = {r["year"]: r for r in raw.typed(R.RULE)}[year]
        y = next(v for v in years if v.year == year)
        chk = next(c for c in check_resultatbudget(years) if c.year == year)
        computed = {"summa": chk.summa_skatter_statsbidrag, "verksamhetens_resultat": chk.verksamhetens_resultat,
                    "finansnetto": chk.finansnetto, "resultat": chk.resultat}
        computed["verksamhetens_andel"] = chk.verksamhetens_resultat / chk.summa_skatter_statsbidrag
        computed["resultat_andel"] = chk.resultat / chk.summa_skatter_statsbidrag
        operands, op = _RB_FORMULAS[key]
        header = {c.key: c.header for c in T.columns}
        inputs, values, addrs = [], [], []
        for k in operands:
            if k in computed:
                where = (sheet, f"{letters[k]}{row}")
                v = computed[k]
                label = f"{header[k]} {year} (beräknad)"
            else:
                where = raw.where(typed, k)
                v = typed[k] if typed[k] is not None else ZERO
                label = f"{header[k]} {year}"
            inputs.append(inp(label, where, v))
            values.append(v)
            addrs.append(where[1] or "?")
        result = computed[key]
        if op == "/":
            arithmetic = [f"{base.cell} = {addrs[0]} / {addrs[1]}",
                          f"= {num(values[0])} / {num(values[1])} = {pct(round_half_up(result, 4))}"]
        else:
            arithmetic = [f"{base.cell} = {' + '.join(addrs)}", f"= {sum_expr(values)} = {num(result)}"]
        notes = []
        if key == "resultat" and y.resultat is not None:
            notes.append(f"Planen trycker resultatet {num(y.resultat)} ({addr(raw.where(typed, 'resultat_publicerat'))});"
                         " en avvikelse på ±1 är avrundning (resultatbudget.avrundning), mer är fel.")
        text, source = RULE_TEXT["resultatbudget"]
        return base.model_copy(update={
            "status": "beräknad", "title": f"{header[key]}, {typed['label']} {year}", "rule": f"resultatbudget.{key}",
            "rule_text": text, "source": source, "inputs": inputs, "arithmetic": arithmetic, "notes": notes,
        })
    graw = read_table(cells, G, R.RULE_GOAL, optional=True)
    if graw is None or base.sheet != graw.sheet:
        return None
    g_letters = table_letters(cells, G, graw)
    if letter not in (g_letters["share"], g_letters["status"]):
        return None
    return _explain_goal(cells, base, graw, years, row_of, row, letter, sheet, letters, g_letters)


def _explain_goal(cells, base, graw, years, row_of, row: int, letter: str, sheet: str,
                  letters: dict[str, str], g_letters: dict[str, str]) -> Explanation | None:
    from xlmodel.rules.goals import check_resultatbudget, evaluate_goal
    from xlmodel.workbook.resultatbudget import sheet as R

    T, G = L.RESULTBUDGET_TABLE, L.GOALS_TABLE
    first = graw.header_row or G.header_row
    for r, goal in R.goals_from(graw):
        if first + 1 + r["_row"] != row:
            continue
        results, _ = evaluate_goal(goal, years)
        checks = {c.year: c for c in check_resultatbudget(years)}
        measure_col = {"verksamhetens_resultat": "verksamhetens_resultat", "resultat": "resultat",
                       "arets_resultat": "resultat"}[goal.measure]
        m, s = letters[measure_col], letters["summa"]
        measure_label = next(c.header for c in T.columns if c.key == measure_col)
        inputs = []
        for y in goal.years:
            n = row_of[y]
            chk = checks[y]
            inputs.append(inp(f"{measure_label} {y} (beräknad)", (sheet, f"{m}{n}"), getattr(chk, measure_col)))
            inputs.append(inp(f"Summa skatter och statsbidrag {y} (beräknad)", (sheet, f"{s}{n}"),
                              chk.summa_skatter_statsbidrag))
        limits = []
        if goal.min_share is not None:
            inputs.append(inp("Lägsta andel", graw.where(r, "min_share"), goal.min_share, pct(goal.min_share)))
            limits.append(("≥", goal.min_share))
        if goal.max_share is not None:
            inputs.append(inp("Högsta andel", graw.where(r, "max_share"), goal.max_share, pct(goal.max_share)))
            limits.append(("≤", goal.max_share))
        arithmetic = []
        for res in results:
            arithmetic.append(f"{res.period}: {num(res.amount)} / {num(res.base)} = {pct(round_half_up(res.share, 4))}"
                              + "".join(f"; {op} {pct(lim)}" for op, lim in limits) + f" → {res.status}")
        if not goal.over_period and len(results) > 1:
            arithmetic.append("Målet gäller varje år för sig: uppfyllt bara om alla år uppfyller det; "
                              "andelen i cellen är det lägsta årets.")
        status_key = "share" if letter == g_letters["share"] else "status"
        text, source = RULE_TEXT["finansiella_mal"]
        return base.model_copy(update={
            "status": "beräknad", "title": f"{'Utfall, andel' if status_key == 'share' else 'Status'}: {goal.name}",
            "rule": "finansiella_mal", "rule_text": text, "source": source, "inputs": inputs,
            "arithmetic": arithmetic,
            "notes": ["Målets gränser är fullmäktiges beslut (indata), inte lag."],
        })
    return None


