"""Whose plan a workbook is: a region's or a kommun's (``rules.body``), read from the book.

``xlmodel bygg`` (with ``organ`` in bok.toml) and ``xlmodel ny`` write the body into the
named cell ``Organ`` on the Parametrar sheet. The frame rules are the same for both, so
nothing is computed from it; what follows from it is the index's name (LPIK or PKV) and
the dated series xlmodel looks the budget year's rate up in (``index.lpik`` or
``index.pkv``), which ``forklara`` and ``rulla-fram`` use. A workbook without the cell
(every plan made before it existed) is a region's.

``kind_label`` is how a report names the workbook's kind: a kommun's plan is a
"kommunplan", not a "regionplan" (the kind's key, which stays "regionplan").
"""

from __future__ import annotations

from typing import Any

from xlmodel.errors import InputError
from xlmodel.rules.body import REGION, BodyType, body_type
from xlmodel.workbook.cells import param_location, read_param
from xlmodel.workbook.layout import ORGAN_PARAM

RULE = "organ"


def workbook_body(cells: Any) -> BodyType:
    """The body of the workbook behind ``cells``; an unknown word in the Organ cell is an
    InputError naming the cell (never silently a region)."""
    if cells.defined_name(ORGAN_PARAM.name) is None:
        return REGION
    value = read_param(cells, ORGAN_PARAM, RULE)
    if value is None or not str(value).strip():
        return REGION
    try:
        return body_type(str(value))
    except InputError as err:
        raise err.at(*param_location(cells, ORGAN_PARAM)) from None


# The kinds (``kinds.KINDS``) as a report names them, in lower case.
KIND_LABELS = {"regionplan": "regionplan", "delarsrapport": "delårsrapport", "resursramar": "resursramar"}


def kind_label(kind: str | None, cells: Any = None) -> str | None:
    """The workbook's kind as a controller reads it: "kommunplan" for a regionplan whose Organ
    is kommun, else the kind's Swedish name; None for none of xlmodel's kinds. An unreadable
    Organ cell (a finding of its own) names the kind as the region's."""
    if kind is None:
        return None
    if kind == "regionplan" and cells is not None:
        try:
            if workbook_body(cells).key == "kommun":
                return "kommunplan"
        except InputError:
            pass
    return KIND_LABELS.get(kind, kind)
