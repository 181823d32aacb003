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
                label = f"{name}: {params[i] if i < len(params) else f'argument {i + 1}'} = {written}"
                if is_reference:
                    inputs.append(_input(label, areas[0], passed))
                    continue
                inputs.append(_input(label, None, passed))
                for area in areas:
                    inputs.append(_input(f"  läses av {written}", area, checked.evaluation.argument(area)))
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


def _input(label: str, area, passed: Any) -> InputRef:
    from xlmodel.xlsx.refs import get_column_letter

    if area is None:
        return InputRef(label=label, value=scalar(passed) if not isinstance(passed, tuple) else None,
                        shown=_shown(passed))
    first = f"{get_column_letter(area.c1)}{area.r1}"
    ref = first if area.single else f"{first}:{get_column_letter(area.c2)}{area.r2}"
    return InputRef(label=label, sheet=area.sheet, cell=ref,
                    value=scalar(passed) if not isinstance(passed, tuple) else None, shown=_shown(passed))


def _shown(passed: Any) -> str:
    from decimal import Decimal

    def one(v):
        return show(Decimal(repr(v)).normalize() if isinstance(v, float) else v)

    if not isinstance(passed, tuple):
        return one(passed)
    flat = [v for row in passed for v in row]
    head = "; ".join(one(v) for v in flat[:_MAX_SHOWN])
    return f"{len(flat)} celler: {head}" + (" …" if len(flat) > _MAX_SHOWN else "")
