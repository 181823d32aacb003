"""``xlmodel forklara`` for the follow-up part: every owned cell's rule, inputs with
their cells and the arithmetic, read off the same ``part.compute`` that ``validera``
and ``regenerera`` use (its ``Why`` per owned cell). Cells of the part's input tables
and parameters are explained as inputs by the generic code before this is asked."""

from __future__ import annotations

from xlmodel.workbook.explain.model import Explanation, inp
from xlmodel.workbook.followup import layout as F


def explain_followup(cells, base: Explanation) -> Explanation | None:
    from xlmodel.workbook.followup import part as P

    from xlmodel.workbook.followup.blocks import moved_to

    if not P.present(cells) or (base.sheet not in F.SHEETS and not moved_to(cells, base.sheet)
                                and base.sheet not in _table_sheets(cells)):
        return None
    why = P.compute(cells).why.get((base.sheet, base.cell))
    if why is None:
        return None
    return base.model_copy(update={
        "status": "beräknad", "title": why.title, "rule": why.rule, "rule_text": why.text, "source": why.source,
        "inputs": [inp(label, where, value) for label, where, value in why.inputs],
        "arithmetic": why.arithmetic,
    })


def _table_sheets(cells) -> set[str]:
    """The sheets the part's input tables stand on (a renamed Driftredovisning: its table's sheet)."""
    return {loc.sheet for loc in (cells.table(t.table) for t in F.TABLES) if loc is not None}
