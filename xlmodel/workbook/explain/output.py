"""An explanation as Swedish text and as JSON (schema "xlmodel.explain/1")."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from xlmodel import __version__
from xlmodel.textout import Paint, one_line, table
from xlmodel.workbook.explain.model import Explanation

JSON_SCHEMA = "xlmodel.explain/1"

_STATUS_SV = {"beräknad": "beräknad av en regel", "indata": "indata", "formel": "formel i arbetsboken",
              "text": "fast värde", "tom": "tom"}


def format_text(e: Explanation, *, colour: bool = False) -> str:
    paint = Paint(colour)
    where = f"{e.sheet}!{e.cell}"
    lines = [paint(where, "bold") + f" i {one_line(e.path)}" + (f" ({e.workbook_kind})" if e.workbook_kind else "")]
    lines.append(one_line(e.title))
    lines.append(f"Typ: {_STATUS_SV[e.status]}")
    value = e.stored_shown
    if e.formula is not None:
        value = f"={e.formula} → {value}"
    lines.append(f"Cellen innehåller: {one_line(value)}")
    if e.input_of:
        lines.append(f"Hör till: {one_line(e.input_of)}")
    if e.rule:
        lines.append(f"Regel: {e.rule} – {one_line(e.rule_text or '')}")
    if e.source:
        lines.append(f"Källa/lagrum: {one_line(e.source)}")
    if e.inputs:
        lines.append("")
        lines.append("Indata:")
        rows = [[one_line(i.address), one_line(i.shown), one_line(i.label)] for i in e.inputs]
        lines.extend(table(("Cell", "Värde", "Vad"), rows, right=frozenset({1}), paint=paint))
    if e.parameters:
        lines.append("")
        lines.append("Parametrar:")
        for p in e.parameters:
            lines.append(f"  {p.key} = {p.shown} (gäller {p.period})")
            lines.append(f"    lagrum/källa: {one_line(p.reference)}")
            if p.note:
                lines.append(f"    not: {one_line(p.note)}")
    if e.arithmetic:
        lines.append("")
        lines.append("Uträkning:")
        lines.extend(f"  {one_line(a)}" for a in e.arithmetic)
    if e.rounding:
        lines.append(f"Avrundning: {one_line(e.rounding)}")
    for n in e.notes:
        lines.append(f"Obs: {one_line(n)}")
    if e.mismatch:
        lines.append(paint(f"AVVIKELSE: {one_line(e.mismatch)}", "red"))
    return "\n".join(lines) + "\n"


def to_json_document(e: Explanation) -> dict[str, Any]:
    doc = e.model_dump(mode="json")
    # Decimals as plain-notation strings (pydantic's JSON mode may use exponents).
    for key in ("stored_value", "expected"):
        v = getattr(e, key)
        if isinstance(v, Decimal):
            doc[key] = format(v, "f")
    for i, ref in enumerate(e.inputs):
        if isinstance(ref.value, Decimal):
            doc["inputs"][i]["value"] = format(ref.value, "f")
        doc["inputs"][i]["address"] = ref.address
    return {"schema": JSON_SCHEMA, "xlmodel_version": __version__, "explanation": doc}


def format_json(e: Explanation) -> str:
    return json.dumps(to_json_document(e), sort_keys=True, ensure_ascii=False, indent=2) + "\n"
