"""Finding what a cell is and dispatching to the explainer of its workbook kind.

Order: an input table's data cell or a named parameter (without a formula) is an
input; otherwise the kind's explainers (Ramtabell, Resultatbudget, Balanskrav ledger,
delårsrapport) are asked in turn; a cell the kind owns but no explainer covers, and a
formula no rule owns, get a generic explanation listing the cells the formula reads;
anything else is a fixed value or empty. Whether a computed cell's stored value agrees
with the rule is checked with ``owned.compare_cell`` against the owned cell
``regenerera`` would write.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from xlmodel.xlsx.refs import get_column_letter

from xlmodel.errors import InputError, XlmodelError
from xlmodel.money import excel_precision
from xlmodel.workbook import layout as L
from xlmodel.workbook.cells import PackageCells
from xlmodel.workbook.explain.model import RULE, Explanation, inp, num, pct, rc, scalar, show

_A1 = re.compile(r"^\$?[A-Za-z]{1,3}\$?[0-9]{1,7}$")


def parse_target(text: str, sheet: str | None, sheet_names: list[str]) -> tuple[str, str]:
    """'Ramtabell!G14', "'Förändringar'!E5" or 'G14' with ``sheet`` → (sheet as in the
    workbook, 'G14'). Bad references raise InputError in Swedish."""
    from xlmodel.xlsx.cellref import make_ref, split_ref

    raw = (text or "").strip()
    named_sheet = None
    ref = raw
    if "!" in raw:
        named_sheet, _, ref = raw.rpartition("!")
        named_sheet = named_sheet.strip()
        if len(named_sheet) >= 2 and named_sheet[0] == named_sheet[-1] == "'":
            named_sheet = named_sheet[1:-1].replace("''", "'")
        if not named_sheet:
            raise InputError(f"'{raw}' saknar bladnamn före '!'", rule=f"{RULE}.cellreferens", argument="CELL")
    if ":" in ref:
        raise InputError(f"'{raw}' är ett område; ange en enda cell, t.ex. Ramtabell!G14",
                         rule=f"{RULE}.cellreferens", argument="CELL")
    if not _A1.match(ref.strip()):
        raise InputError(f"'{raw}' är ingen cellreferens; skriv t.ex. Ramtabell!G14 eller G14 --blad Ramtabell",
                         rule=f"{RULE}.cellreferens", argument="CELL")
    row, col = split_ref(ref.strip(), argument="CELL", rule=f"{RULE}.cellreferens")
    if named_sheet and sheet and named_sheet.casefold() != sheet.casefold():
        raise InputError(f"cellen anger bladet '{named_sheet}' men --blad anger '{sheet}'",
                         rule=f"{RULE}.cellreferens", argument="--blad")
    wanted = named_sheet or sheet
    if not wanted:
        raise InputError(f"ange bladet: BLAD!{ref.upper()} eller {ref.upper()} --blad BLAD",
                         rule=f"{RULE}.cellreferens", argument="CELL")
    for name in sheet_names:
        if name == wanted:
            return name, make_ref(row, col)
    for name in sheet_names:
        if name.casefold() == wanted.casefold():
            return name, make_ref(row, col)
    have = ", ".join(f"'{n}'" for n in sheet_names)
    raise InputError(f"bladet '{wanted}' finns inte; arbetsboken har {have}", rule=f"{RULE}.blad", argument="BLAD")


# =========================================================================== entry points


def explain_file(path: str | Path, target: str, *, sheet: str | None = None) -> Explanation:
    cells = PackageCells.open(path)
    return explain_cells(cells, target, sheet=sheet, path=str(path))


def explain_cells(cells, target: str, *, sheet: str | None = None, path: str = "") -> Explanation:
    sheet_name, ref = parse_target(target, sheet, cells.sheet_names())
    from xlmodel.workbook.holding import parts_in

    kind, held = parts_in(cells)  # xlmodel's own book: its kind's bundle; any other: the parts it holds
    stored = cells.value(sheet_name, ref)
    formula = cells.formula(sheet_name, ref)
    base = Explanation(path=path, sheet=sheet_name, cell=ref, workbook_kind=kind, status="tom", title="",
                       stored_value=scalar(stored), stored_shown=show(stored), formula=formula)

    found = _as_input(cells, base, stored, formula)
    for part in held:
        if found is None and part.explain is not None:
            found = part.explain(cells, base)
    owned = _owned_cell(cells, held, sheet_name, ref)
    if found is None and owned is not None:
        # a cell of an xlmodel function the book owns that no part explains line by line
        # (the delårsrapport's =RESERVER()): the function's own account of it
        from xlmodel.workbook.explain.function_cell import explain_function_cell, explain_spilled_cell

        found = explain_function_cell(cells, base) if formula is not None else explain_spilled_cell(cells, base)
    if found is None and owned is not None:
        found = _generic_formula(cells, base, owned_by_kind=True)
    if found is None and formula is not None:
        from xlmodel.workbook.explain.function_cell import explain_function_cell

        found = explain_function_cell(cells, base)
    if found is None and formula is not None:
        found = _generic_formula(cells, base, owned_by_kind=False)
    if found is None and stored is not None and owned is None:
        from xlmodel.workbook.explain.function_cell import explain_spilled_cell

        found = explain_spilled_cell(cells, base)
    if found is None:
        found = _plain(cells, base, stored)
    if owned is not None and found.status == "beräknad":
        _check_stored(cells, found, owned)
    from xlmodel.workbook.explain.model import cite_own_document

    return cite_own_document(cells, found)


# =========================================================================== inputs


def _layout_specs() -> tuple[dict[str, L.InputTable], dict[str, L.Param]]:
    """Every input table and parameter the layouts declare, by name (for help texts)."""
    from xlmodel.workbook.followup import layout as followup_layout

    modules = [L, followup_layout]
    try:
        from xlmodel.workbook.resursramar import layout as layout_resursramar

        modules.append(layout_resursramar)
    except ImportError:  # pragma: no cover - optional kind
        pass
    tables: dict[str, L.InputTable] = {}
    prms: dict[str, L.Param] = {}
    for m in modules:
        for v in vars(m).values():
            if isinstance(v, L.InputTable):
                tables.setdefault(v.table.casefold(), v)
            elif isinstance(v, L.Param):
                prms.setdefault(v.name.casefold(), v)
            elif isinstance(v, tuple) and v and all(isinstance(p, L.Param) for p in v):
                for p in v:
                    prms.setdefault(p.name.casefold(), p)
    return tables, prms


def _tables_on(cells, sheet: str) -> list:
    pkg = getattr(cells, "pkg", None)
    return pkg.tables(sheet) if pkg is not None else []


def _as_input(cells, base: Explanation, stored: Any, formula: str | None) -> Explanation | None:
    """An input table's data cell or a named parameter cell, if it holds no formula."""
    from xlmodel.xlsx.refs import range_boundaries

    if formula is not None:
        return None
    tables, prms = _layout_specs()
    row, col = rc(base.cell)
    for t in _tables_on(cells, base.sheet):
        c1, r1, c2, r2 = range_boundaries(t.ref)
        if not (c1 <= col <= c2 and r1 <= row <= r2):
            continue
        i = col - c1
        header = t.columns[i] if i < len(t.columns) else "?"
        if t.header_row_count and row == r1:
            return base.model_copy(update={
                "status": "text", "title": f"Rubrik i tabellen {t.display_name}",
                "input_of": f"tabellen {t.display_name}, rubriken för kolumnen '{header}'",
                "notes": ["Rubriken ska stå kvar: xlmodel hittar kolumnen på dess rubrik."],
            })
        spec = tables.get(t.display_name.casefold()) or tables.get(t.name.casefold())
        where = f"tabellen {t.display_name}, kolumnen '{header}', raden {_row_key(cells, base.sheet, t, row)} (rad {row})"
        notes = []
        shown = base.stored_shown
        if spec is not None:
            col_spec = next((c for c in spec.columns if c.header.casefold() == header.casefold()), None)
            if col_spec is not None and col_spec.computed:
                continue  # a computed column of an input table: explained as computed
            if col_spec is not None and col_spec.help:
                notes.append(col_spec.help)
            if col_spec is not None and not col_spec.required:
                notes.append("Frivillig uppgift: en tom cell är tillåten.")
            if col_spec is not None and col_spec.kind == "year":
                shown = show(stored, year=True)
            if col_spec is not None and col_spec.kind == "rate" and isinstance(stored, Decimal):
                shown = f"{pct(stored)} ({num(stored)})"
        return base.model_copy(update={
            "status": "indata", "title": f"Indata: {header}", "input_of": where, "stored_shown": shown,
            "notes": notes + ["Cellen räknas inte fram: den fylls i av controllern och läses av reglerna."],
        })
    # A parameter is found by its defined name; the layout position is the fallback the
    # reader uses too, but only for a parameter of this workbook's kind whose name is gone.
    by_kind = {"regionplan": L.REGIONPLAN_PARAMS, "delarsrapport": L.DELARSRAPPORT_PARAMS}
    own = {q.name.casefold() for q in by_kind.get(base.workbook_kind or "", ())}
    for name, p in prms.items():
        loc = cells.defined_name(p.name) or ((p.sheet, p.cell) if name in own else None)
        if loc and loc[0].casefold() == base.sheet.casefold() and loc[1] == base.cell:
            if p.name == "Standardindex" and base.workbook_kind == "regionplan":
                from dataclasses import replace

                from xlmodel.workbook.body_cells import workbook_body

                p = replace(p, label=workbook_body(cells).index_label())  # PKV in a kommun's plan
            notes = [p.help] if p.help else []
            shown = base.stored_shown
            if p.kind == "year":
                shown = show(stored, year=True)
            elif p.kind == "rate" and isinstance(stored, Decimal):
                shown = f"{pct(stored)} ({num(stored)})"
            return base.model_copy(update={
                "status": "indata", "title": f"Indata: {p.label}", "stored_shown": shown,
                "input_of": f"parametern {p.name} ({p.label})",
                "notes": notes + ["Cellen räknas inte fram: den fylls i av controllern och läses av reglerna."],
            })
    return None


# =========================================================================== owned / mismatch


def _owned_cell(cells, held, sheet: str, ref: str):
    """The OwnedCell ``regenerera`` would write at sheet!ref, or None (``held``: the
    workbook's parts, ``holding.parts_in``)."""
    for part in held:
        try:
            plans = part.plans(cells)
        except XlmodelError:
            continue
        for plan in plans:
            if plan.sheet != sheet:
                continue
            for oc in plan.cells:
                if oc.ref == ref:
                    return oc
    return None


def _check_stored(cells, e: Explanation, owned) -> None:
    from xlmodel.workbook.owned import compare_cell

    e.expected = scalar(excel_precision(owned.value) if isinstance(owned.value, Decimal) else owned.value)
    finding = compare_cell(cells, e.sheet, owned, "forklara")
    if finding is not None:
        e.mismatch = (f"{finding.message} Kör 'xlmodel regenerera' för att skriva regelns värde, eller "
                      "'xlmodel validera' för alla avvikelser.")


# =========================================================================== generic


_REF_IN_FORMULA = re.compile(
    r"(?:(?P<sheet>'(?:[^']|'')+'|[A-Za-z0-9_.\u00c0-\u024f]+)!)?"
    r"(?P<a>\$?[A-Z]{1,3}\$?[0-9]{1,7})(?::(?P<b>\$?[A-Z]{1,3}\$?[0-9]{1,7}))?(?![0-9A-Za-z_(])"
)
_MAX_LISTED = 60


def formula_refs(formula: str, sheet: str) -> list[tuple[str, str]]:
    """The cells a formula reads, in order (ranges expanded, text literals skipped)."""
    from xlmodel.xlsx.cellref import make_ref, parse_range

    out: list[tuple[str, str]] = []
    outside = re.sub(r'"(?:[^"]|"")*"', lambda m: " " * len(m.group(0)), formula)
    for m in _REF_IN_FORMULA.finditer(outside):
        s = m.group("sheet")
        if s and s.startswith("'"):
            s = s[1:-1].replace("''", "'")
        rng = m.group("a").replace("$", "") + (":" + m.group("b").replace("$", "") if m.group("b") else "")
        r1, c1, r2, c2 = parse_range(rng)
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                item = (s or sheet, make_ref(r, c))
                if item not in out:
                    out.append(item)
    return out


def _row_key(cells, sheet: str, table, row: int) -> str:
    """The value that names a table row (its first column): 'HSN', or a year as 2019."""
    from xlmodel.xlsx.refs import range_boundaries

    tables, _ = _layout_specs()
    spec = tables.get(table.display_name.casefold()) or tables.get(table.name.casefold())
    key_is_year = spec is not None and spec.columns[0].kind == "year"
    c1 = range_boundaries(table.ref)[0]
    return show(cells.value(sheet, f"{get_column_letter(c1)}{row}"), year=key_is_year)


def _label_for(cells, sheet: str, ref: str) -> str:
    """A cell's meaning as a reader finds it: its table header, else the text to its left."""
    from xlmodel.xlsx.refs import range_boundaries

    row, col = rc(ref)
    if sheet in cells.sheet_names():
        for t in _tables_on(cells, sheet):
            c1, r1, c2, r2 = range_boundaries(t.ref)
            if c1 <= col <= c2 and r1 <= row <= r2 and t.header_row_count:
                return f"{t.columns[col - c1]}, {_row_key(cells, sheet, t, row)}"
        for c in range(col - 1, 0, -1):
            v = cells.value(sheet, f"{get_column_letter(c)}{row}")
            if isinstance(v, str) and v.strip():
                return v.strip()
    return ""


def _generic_formula(cells, base: Explanation, *, owned_by_kind: bool) -> Explanation:
    refs = formula_refs(base.formula or "", base.sheet) if base.formula else []
    inputs = []
    for s, r in refs[:_MAX_LISTED]:
        v = cells.value(s, r) if s in cells.sheet_names() else None
        inputs.append(inp(_label_for(cells, s, r), (s, r), v))
    arithmetic = []
    if base.formula:
        arithmetic.append(f"{base.cell} = ={base.formula} = {show(base.stored_value)} (sparat värde)")
    notes = []
    if len(refs) > _MAX_LISTED:
        notes.append(f"Formeln läser {len(refs)} celler; de första {_MAX_LISTED} visas.")
    if owned_by_kind:
        title = "Beräknad cell som xlmodel skriver"
        notes.append("xlmodel räknar fram och skriver cellen (se 'xlmodel regenerera'); en regelvis förklaring "
                     "finns ännu inte för den här celltypen.")
    else:
        title = "Formel i arbetsboken"
        notes.append("Ingen regel i xlmodel äger cellen: värdet är Excels beräkning av formeln.")
    return base.model_copy(update={"status": "beräknad" if owned_by_kind else "formel", "title": title,
                                   "inputs": inputs, "arithmetic": arithmetic, "notes": notes})


def _plain(cells, base: Explanation, stored: Any) -> Explanation:
    if stored is None:
        return base.model_copy(update={"status": "tom", "title": "Tom cell",
                                       "notes": ["Cellen är tom: ingen regel läser eller skriver den."]})
    return base.model_copy(update={
        "status": "text", "title": "Fast värde",
        "notes": ["Cellen innehåller ett fast värde som ingen regel räknar fram eller läser "
                  "(en rubrik eller förklarande text)."],
    })
