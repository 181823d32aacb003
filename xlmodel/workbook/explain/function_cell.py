"""``forklara`` of a cell that calls one of xlmodel's functions in any workbook.

The explanation is read off the same evaluation ``validera`` makes
(``function_cells.check_cell``): each argument of each xlmodel call with the cells it
reads and the value the function got, the rule with its description and legal
reference, what the function gives and whether the stored value agrees.
"""

from __future__ import annotations

from typing import Any

from xlmodel.workbook.explain.model import RULE_TEXT, Explanation, InputRef, scalar, show

_MAX_SHOWN = 6


def explain_function_cell(cells, base: Explanation) -> Explanation | None:
    import inspect

    from xlmodel.excel import by_name

    from xlmodel.formula.evaluate import Workbook
    from xlmodel.workbook import function_cells as F

    if not F.calls_xlmodel(base.formula) or not hasattr(cells, "pkg"):
        return None
    c = cells.cell(base.sheet, base.cell)
    checked = F.check_cell(cells, Workbook(cells), base.sheet, c, record=True)
    if checked.name is None:
        return None
    rule = F._RULE_OF.get(checked.name, checked.name.lower())
    text = RULE_TEXT.get(rule, (None, None))[0] or (inspect.getdoc(by_name().get(checked.name)) or "")
    inputs: list[InputRef] = []
    arithmetic: list[str] = []
    if checked.evaluation is not None:
        for name, args in checked.evaluation.calls:
            params = list(inspect.signature(by_name()[name]).parameters)
            for i, (written, areas, passed, is_reference) in enumerate(args):
                param = params[i] if i < len(params) else f"argument {i + 1}"
                label = f"{name}: {param} = {written}"
                years = param in _YEAR_ARGUMENTS   # shown as years (2024), not amounts (2 024)
                if is_reference:
                    inputs.append(_input(label, areas[0], passed, years=years))
                    continue
                inputs.append(_input(label, None, passed, years=years))
                for area in areas:
                    inputs.append(_input(f"  läses av {written}", area, checked.evaluation.argument(area),
                                         years=years))
    notes = []
    update: dict[str, Any] = {}
    for name, args in (checked.evaluation.calls if checked.evaluation is not None else ()):
        detail = _DETAILS.get(name)
        if detail is not None:
            lines, parameters = detail([passed for _, _, passed, _ in args])
            arithmetic.extend(lines)
            update.setdefault("parameters", []).extend(parameters)
    if checked.expected is not None:
        top = checked.expected[0][0] if checked.expected[0] else None
        update["expected"] = scalar(top)
        size = F._spill_size(checked.expected)
        shown = show(top) + (f" (första värdet av en tabell med {len(checked.expected)} rader)" if size > 1 else "")
        arithmetic.append(f"{base.cell} = ={base.formula} = {shown} (xlmodels beräkning med arbetsbokens värden)")
        arithmetic.append(f"Sparat värde i cellen: {base.stored_shown}")
    if checked.note:
        notes.append(f"Cellen kan inte räknas om: {checked.note}.")
    problems = [f for f in checked.findings if f.rule != f"{F.RULE}.ej_kontrollerad"]
    if problems:
        update["mismatch"] = " ".join(f"{f.cell}: {f.message}" for f in problems[:3])
    notes.append("Cellen anropar en av xlmodels funktioner; 'xlmodel validera' räknar om den med samma funktion "
                 "som Excel anropar och jämför med det sparade värdet.")
    return base.model_copy(update={
        "status": "beräknad", "title": f"xlmodels funktion {checked.name}",
        "rule": rule, "rule_text": text, "source": F.SOURCES.get(rule),
        "inputs": inputs, "arithmetic": arithmetic, "notes": notes, **update,
    })


def explain_spilled_cell(cells, base: Explanation) -> Explanation | None:
    """A cell inside the table an xlmodel function spills from an array formula above or
    to the left of it (=RESERVER(), =ATERSTALLNING() in a team's own workbook): what the
    function gives at this place, from the anchor's evaluation, and whether the stored
    value agrees. None when no such anchor's table covers the cell."""
    from xlmodel.formula.evaluate import Workbook
    from xlmodel.workbook import function_cells as F
    from xlmodel.xlsx.refs import coordinate_from_string, column_index_from_string

    if base.formula is not None or not hasattr(cells, "pkg"):
        return None
    col_letter, row = coordinate_from_string(base.cell)
    col = column_index_from_string(col_letter)
    anchors = [c for c in cells.cells(base.sheet).values()
               if c.formula_kind == "array" and c.row <= row and c.col <= col and F.calls_xlmodel(c.formula)]
    book = None
    for c in sorted(anchors, key=lambda c: (row - c.row) + (col - c.col)):
        book = book or Workbook(cells)
        checked = F.check_cell(cells, book, base.sheet, c, record=True)
        if checked is None or checked.name is None or not checked.expected:
            continue
        i, j = row - c.row, col - c.col
        if i >= len(checked.expected) or j >= max(len(r) for r in checked.expected):
            continue
        value = checked.expected[i][j] if j < len(checked.expected[i]) else None
        # A table with a header row (RESERVER, ATERSTALLNING): the column's header and the
        # row's first value (its year) say which figure this is.
        header = checked.expected[0][j] if i and j < len(checked.expected[0]) else None
        key = checked.expected[i][0] if i and checked.expected[i] else None
        where = f"rad {i + 1}, kolumn {j + 1}"
        if isinstance(header, str) and header:
            where += f": {header}" + (f" för {_row_key(key)}" if key is not None and j else "")
        rule = F._RULE_OF.get(checked.name, checked.name.lower())
        import inspect

        from xlmodel.excel import by_name

        text = RULE_TEXT.get(rule, (None, None))[0] or (inspect.getdoc(by_name().get(checked.name)) or "")
        mismatch = [f for f in checked.findings if f.cell == base.cell and f.rule != f"{F.RULE}.ej_kontrollerad"]
        update: dict[str, Any] = {"expected": scalar(value)}
        if mismatch:
            update["mismatch"] = f"{base.cell}: {mismatch[0].message}"
        return base.model_copy(update={
            "status": "beräknad", "title": f"Del av tabellen som xlmodels funktion {checked.name} i {c.ref} spiller ut",
            "rule": rule, "rule_text": text, "source": F.SOURCES.get(rule),
            "arithmetic": [f"{c.ref} = ={c.formula}: {where} i tabellen = {show(value)} (xlmodels beräkning med "
                           "arbetsbokens värden)", f"Sparat värde i cellen: {base.stored_shown}"],
            "notes": [f"Cellen ingår i resultatet av {checked.name} i {c.ref}; 'xlmodel forklara {base.sheet}!{c.ref}' "
                      "visar funktionens indata. 'xlmodel validera' jämför hela tabellen med de sparade värdena."],
            **update,
        })
    return None


def _row_key(key: Any) -> str:
    """A table row's first value as its name: a whole number (a year) without the
    thousands space amounts get."""
    from decimal import Decimal

    if isinstance(key, (int, Decimal)) and not isinstance(key, bool) and key == int(key):
        return str(int(key))
    return show(key)


def _reserve_use(passed: list[Any]):
    """RESERVANVANDNING's limit split into what is law and what is local: the law's
    parameters for the year (KL 11:14) and the guidelines the cell used (its table in
    ``riktlinjer``, its Ja/Nej arguments or the common local rule), each labelled."""
    from xlmodel import params
    from xlmodel.errors import InputError
    from xlmodel.excel.functions import reserve_use_of, use_guidelines_of
    from xlmodel.workbook.explain.model import param_ref

    try:
        use = reserve_use_of(*passed)
        g = use_guidelines_of(*passed[4:7])
    except (InputError, TypeError):
        return [], []   # the function's own error is the cell's explanation
    y = use.year
    if params.text("reserv.anvandning", y) != "ja":
        law = f"Lag (KL 11 kap. 14 §): år {y} kunde reserven inte användas (reglerna gäller från 2013-01-01)."
    else:
        law = (f"Lag (KL 11 kap. 14 §): år {y} gäller {use.regime_label}; reserven får användas, och hur mycket "
               "avgörs av fullmäktiges riktlinjer.")
        if params.has("reserv.rur_overgang_sista_ar", y):
            last = int(params.value("reserv.rur_overgang_sista_ar", y))
            law += (f" Äldre resultatutjämningsreserv får användas till och med {last} (övergångstid, overifierat)."
                    if y <= last else f" Övergångstiden för äldre resultatutjämningsreserv slutade {last} (overifierat).")
    lines = [law, f"Riktlinjer: {g.text_sv()}.",
             f"Högst ur resultatutjämningsreserven {show(use.max_from_rur)}, ur resultatreserven "
             f"{show(use.max_from_resultatreserv)}, sammanlagt {show(use.max_total)}."]
    return lines, [param_ref(p.key, y) for p in use.parameters]


_DETAILS = {"RESERVANVANDNING": _reserve_use}


# The functions' arguments that hold years (ATERSTALLNING's forlangt_till too).
_YEAR_ARGUMENTS = frozenset({"ar", "forsta_ar", "forlangt_till"})


def _input(label: str, area, passed: Any, *, years: bool = False) -> InputRef:
    from xlmodel.xlsx.refs import get_column_letter

    if area is None:
        return InputRef(label=label, value=scalar(passed) if not isinstance(passed, tuple) else None,
                        shown=_shown(passed, years=years))
    first = f"{get_column_letter(area.c1)}{area.r1}"
    ref = first if area.single else f"{first}:{get_column_letter(area.c2)}{area.r2}"
    return InputRef(label=label, sheet=area.sheet, cell=ref,
                    value=scalar(passed) if not isinstance(passed, tuple) else None,
                    shown=_shown(passed, years=years))


def _shown(passed: Any, *, years: bool = False) -> str:
    from decimal import Decimal

    def one(v):
        if years and isinstance(v, (int, float)) and not isinstance(v, bool) and v == int(v):
            return str(int(v))
        return show(Decimal(repr(v)).normalize() if isinstance(v, float) else v)

    if not isinstance(passed, tuple):
        return one(passed)
    flat = [v for row in passed for v in row]
    head = "; ".join(one(v) for v in flat[:_MAX_SHOWN])
    return f"{len(flat)} celler: {head}" + (" …" if len(flat) > _MAX_SHOWN else "")
