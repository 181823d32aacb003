"""The Resultatbudget sheet of a regionplan: the year table and the financial goals.

Inputs are the printed lines per year (an Excel Table, one row a year); the subtotals
are native formulas inside the same table, each stored with its cached value; the goal
table's share and status are native formulas too. ``validate`` recomputes them with
``xlmodel.rules.goals`` and checks formula and value of every computed cell, plus the
plan's own printed resultat against the identity (the published plans' ±1 rounding → INFO).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from xlmodel.xlsx.refs import get_column_letter, quote_sheet

from xlmodel.errors import InputError
from xlmodel.findings import Finding
from xlmodel.money import ZERO
from xlmodel.rules.goals import (
    FinancialGoal,
    ResultatbudgetYear,
    check_resultatbudget,
    evaluate_goal,
    nettoram_copy_finding,
)
from xlmodel.location import Locator
from xlmodel.workbook import layout as L
from xlmodel.workbook import block_names
from xlmodel.workbook.owned import NamedBlock, OwnedCell, SheetPlan, compare_cell
from xlmodel.workbook.tables import RawTable
from xlmodel.workbook.cells import param_location, read_param, read_table
from xlmodel.workbook.year_rows import unfilled_findings

RULE = "resultatbudget"
RULE_GOAL = "finansiella_mal"
T = L.RESULTBUDGET_TABLE
G = L.GOALS_TABLE


def _letter(table: L.InputTable, key: str, raw: RawTable | None = None) -> str:
    """Column letter of ``key``: where the workbook has it (inputs may be reordered), else
    the layout's position (computed columns always follow the layout)."""
    if raw is not None and raw.columns and key in raw.columns:
        return get_column_letter(raw.columns[key])
    return table.col_letter(key)


def years_from(raw: RawTable) -> tuple[list[ResultatbudgetYear], list[dict[str, Any]]]:
    rows = raw.typed(RULE)
    years = [ResultatbudgetYear(
        year=r["year"], label=f"{r['label']} {r['year']}", nettoram=r["nettoram"], skatteintakter=r["skatteintakter"],
        generella_statsbidrag=r["generella_statsbidrag"],
        finansiella_intakter=r["finansiella_intakter"] or ZERO, finansiella_kostnader=r["finansiella_kostnader"] or ZERO,
        orealiserade=r["orealiserade"] or ZERO, resultat=r["resultat_publicerat"],
        where=_locator(raw, r),
    ) for r in rows]
    # Years unique and ascending: the core checks them where they are used
    # (goals.check_years), at the cell of the year out of order.
    return years, rows


def _locator(raw: RawTable, typed_row: dict[str, Any]) -> Locator:
    return Locator(lambda key: raw.location(typed_row, key))  # made only for an error


def resultatbudget_cells(raw: RawTable, letters: dict[str, str] | None = None) \
        -> tuple[list[OwnedCell], list[Finding], list[ResultatbudgetYear], dict[int, int]]:
    """Computed cells of the year table; also the years and the sheet row of each year.
    ``letters``: each column's letter where the workbook's table has it
    (``block_place.table_letters``); the layout's (inputs where ``raw`` has them) else."""
    years, rows = years_from(raw)
    checks = check_resultatbudget(years)
    first = raw.header_row or T.header_row
    col = letters or {c.key: _letter(T, c.key, raw) for c in T.columns}
    out = col
    cells: list[OwnedCell] = []
    row_of: dict[int, int] = {}
    findings: list[Finding] = []
    for r, y, chk in zip(rows, years, checks):
        n = first + 1 + r["_row"]
        row_of[y.year] = n
        summa = y.skatteintakter + y.generella_statsbidrag
        cells += [
            OwnedCell(f"{out['summa']}{n}", summa, f"{col['skatteintakter']}{n}+{col['generella_statsbidrag']}{n}", "amount"),
            OwnedCell(f"{out['verksamhetens_resultat']}{n}", chk.verksamhetens_resultat, f"{col['nettoram']}{n}+{out['summa']}{n}", "amount_bold"),
            OwnedCell(f"{out['verksamhetens_andel']}{n}", chk.verksamhetens_resultat / summa, f"{out['verksamhetens_resultat']}{n}/{out['summa']}{n}", "pct1"),
            OwnedCell(f"{out['finansnetto']}{n}", chk.finansnetto, f"{col['finansiella_intakter']}{n}+{col['finansiella_kostnader']}{n}+{col['orealiserade']}{n}", "amount"),
            OwnedCell(f"{out['resultat']}{n}", chk.resultat, f"{out['verksamhetens_resultat']}{n}+{out['finansnetto']}{n}", "amount_bold"),
            OwnedCell(f"{out['resultat_andel']}{n}", chk.resultat / summa, f"{out['resultat']}{n}/{out['summa']}{n}", "pct1"),
        ]
        where = raw.where(r, "resultat_publicerat")
        findings += [f.at(*where) for f in chk.findings]
    return cells, findings, years, row_of


def goals_from(raw: RawTable) -> list[tuple[dict[str, Any], FinancialGoal]]:
    out = []
    for r in raw.typed(RULE_GOAL):
        measure = L.GOAL_MEASURES.get(str(r["measure"]).strip().lower())
        if measure is None:
            sheet, cell = raw.where(r, "measure")
            raise InputError(f"måttet '{r['measure']}' är okänt; använd {', '.join(L.GOAL_MEASURES)}",
                             rule=RULE_GOAL, argument="Mått").at(sheet, cell)
        if r["to_year"] < r["from_year"]:
            sheet, cell = raw.where(r, "to_year")
            raise InputError("'Till år' är före 'Från år'", rule=RULE_GOAL, argument="Till år").at(sheet, cell)
        try:
            goal = FinancialGoal(name=r["name"], measure=measure, min_share=r["min_share"], max_share=r["max_share"],
                                 years=tuple(range(r["from_year"], r["to_year"] + 1)), over_period=r["over_period"])
        except InputError as err:
            raise err.at(*raw.where(r, "min_share")) from None
        out.append((r, goal))
    return out


def goal_cells(raw: RawTable, years: list[ResultatbudgetYear], row_of: dict[int, int],
               rb_letters: dict[str, str] | None = None, g_letters: dict[str, str] | None = None,
               rb_sheet: str | None = None) -> tuple[list[OwnedCell], list[Finding]]:
    """The goals' share and status. ``rb_letters``/``g_letters``: the two tables' column
    letters (``block_place.table_letters``); ``rb_sheet``: the year table's sheet when
    the goal table stands on another (the formulas then name it)."""
    first = raw.header_row or G.header_row
    rb = rb_letters or {c.key: T.col_letter(c.key) for c in T.columns}
    gl = g_letters or {c.key: _letter(G, c.key, raw) for c in G.columns}
    on = f"{quote_sheet(rb_sheet)}!" if rb_sheet else ""
    measure_col = {"verksamhetens_resultat": on + rb["verksamhetens_resultat"],
                   "resultat": on + rb["resultat"], "arets_resultat": on + rb["resultat"]}
    summa = on + rb["summa"]
    cells, findings = [], []
    for r, goal in goals_from(raw):
        try:
            results, goal_findings = evaluate_goal(goal, years)
        except InputError as err:
            raise err.at(*raw.where(r, "from_year")) from None
        n = first + 1 + r["_row"]
        rows = [row_of[y] for y in goal.years]
        if rows != list(range(rows[0], rows[0] + len(rows))):
            raise InputError("målets år står inte i följd i resultatbudgeten", rule=RULE_GOAL).at(*raw.where(r, "from_year"))
        m = measure_col[goal.measure]
        if goal.over_period:
            share_f = (f"SUM({m}{rows[0]}:{m.rpartition('!')[2]}{rows[-1]})"
                       f"/SUM({summa}{rows[0]}:{summa.rpartition('!')[2]}{rows[-1]})")
            share = results[0].share
        else:
            share_f = "MIN(" + ",".join(f"{m}{x}/{summa}{x}" for x in rows) + ")"
            share = min(res.share for res in results)
        min_c, max_c = gl["min_share"], gl["max_share"]
        tests = []
        if goal.min_share is not None:
            tests.append(f"{gl['share']}{n}>={min_c}{n}")
        if goal.max_share is not None:
            tests.append(f"{gl['share']}{n}<={max_c}{n}")
        if goal.over_period:
            status_f = f'IF(AND({",".join(tests)}),"uppfyllt","ej uppfyllt")'
        else:  # every year must meet the goal: test each year's share, not the minimum only
            per_year = []
            for x in rows:
                s = f"{m}{x}/{summa}{x}"
                if goal.min_share is not None:
                    per_year.append(f"{s}>={min_c}{n}")
                if goal.max_share is not None:
                    per_year.append(f"{s}<={max_c}{n}")
            status_f = f'IF(AND({",".join(per_year)}),"uppfyllt","ej uppfyllt")'
        status = "uppfyllt" if all(res.status == "uppfyllt" for res in results) else "ej uppfyllt"
        cells += [
            OwnedCell(f"{gl['share']}{n}", share, share_f, "pct1"),
            OwnedCell(f"{gl['status']}{n}", status, status_f, "text"),
        ]
        findings += [f.at(raw.sheet or G.sheet, f"{gl['status']}{n}") for f in goal_findings]
    return cells, findings


def nettoram_copy_findings(cells, raw: RawTable, years: list[ResultatbudgetYear], row_of: dict[int, int],
                           letters: dict[str, str] | None = None) -> list[Finding]:
    """The nettoram on Parametrar (the frame table's check figure) is a copy of the
    resultatbudget's for the budget year (``goals.nettoram_copy_finding``), located at the
    copy. A parameter that cannot be read is reported by the frame table, at its cell."""
    params = {p.name: p for p in L.REGIONPLAN_PARAMS}
    try:
        year = read_param(cells, params["Budgetar"], RULE)
        copy = read_param(cells, params["Nettoram"], RULE)
    except InputError:
        return []
    sheet, ref = param_location(cells, params["Nettoram"])
    row = row_of.get(year)
    letter = (letters or {}).get("nettoram") or _letter(T, "nettoram", raw)
    input_at = f"{raw.sheet or T.sheet}!{letter}{row}" if row is not None else None
    found = nettoram_copy_finding(copy, year, years, copy_at=f"{sheet}!{ref}", input_at=input_at)
    return [found.at(sheet, ref)] if found is not None else []


def validate_resultatbudget(cells) -> tuple[list[Finding], int]:
    findings: list[Finding] = []
    checked = 0
    for plan in sheet_plans(cells):
        findings += plan.findings
        for oc in plan.cells:
            f = compare_cell(cells, plan.sheet, oc, RULE)
            if f is not None:
                findings.append(f)
        checked += len(plan.cells)
    return findings, checked


def build_resultatbudget(book, source) -> None:
    from xlmodel.workbook.book import csv_table

    raw = csv_table(source, "resultatbudget", T, rows_of=("år", "år"))
    book.input_table(T, raw.rows)
    computed, _, years, row_of = resultatbudget_cells(raw)
    for c in computed:
        book.write(T.sheet, c.ref, c.value, c.style, c.formula)
    book.name_block(block_names.RESULTATBUDGET, T.sheet, block_names.extent_of(computed))
    # Sparklines under the year table: the trend of each result line at a glance.
    if row_of:
        first, last = min(row_of.values()), max(row_of.values())
        ws = book.sheet(T.sheet)
        spark_row = last + 1
        book.write(T.sheet, f"{T.col_letter('label')}{spark_row + 1}", "Trend", "note")
        ws.set_row(spark_row, 30)  # room for the sparklines to be read, on screen and printed
        for key in ("verksamhetens_resultat", "resultat"):
            col = T.col_letter(key)
            ws.add_sparkline(f"{col}{spark_row + 1}", {"range": f"'{T.sheet}'!{col}{first}:{col}{last}",
                                                       "markers": True, "type": "line"})
    graw = csv_table(source, "mal", G, optional=True)
    if graw is not None:
        book.write(G.sheet, f"A{G.header_row - 1}", "Finansiella mål", "label")
        book.input_table(G, graw.rows)
        g_cells, _ = goal_cells(graw, years, row_of)
        for c in g_cells:
            book.write(G.sheet, c.ref, c.value, c.style, c.formula)
        book.name_block(block_names.GOALS, G.sheet, block_names.extent_of(g_cells))


def sheet_plans(cells) -> list:
    """The owned cells of the year table and the goal table, for regenerate: each on the
    sheet its table stands on, in the columns the table has them (``block_place``), so
    a table moved to another sheet or column is computed where it is."""
    from xlmodel.workbook.block_place import table_letters, table_sheet

    raw = read_table(cells, T, RULE)
    sheet = table_sheet(cells, raw, T, block_names.RESULTATBUDGET, RULE)
    letters = table_letters(cells, T, raw)
    owned, findings, years, row_of = resultatbudget_cells(raw, letters)
    findings += unfilled_findings(raw, RULE)  # a year rulla-fram added, not yet filled in
    named = [NamedBlock(block_names.RESULTATBUDGET, ref) for ref in [block_names.extent_of(owned)] if ref]
    plans = [SheetPlan(sheet=sheet, cells=owned, findings=findings, blocks=named)]
    graw = read_table(cells, G, RULE_GOAL, optional=True)
    if graw is not None:
        g_sheet = table_sheet(cells, graw, G, block_names.GOALS, RULE_GOAL)
        g_cells, g_findings = goal_cells(graw, years, row_of, letters, table_letters(cells, G, graw),
                                         rb_sheet=sheet if g_sheet != sheet else None)
        g_named = [NamedBlock(block_names.GOALS, ref) for ref in [block_names.extent_of(g_cells)] if ref]
        if g_sheet == sheet:
            owned += g_cells
            findings += g_findings
            named += g_named
        else:
            plans.append(SheetPlan(sheet=g_sheet, cells=g_cells, findings=g_findings, blocks=g_named))
    findings += nettoram_copy_findings(cells, raw, years, row_of, letters)
    return plans
