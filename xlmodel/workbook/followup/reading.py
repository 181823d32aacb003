"""Reading the follow-up part's input tables with each value's origin.

In a workbook a value comes from its cell; when ``xlmodel bygg`` builds the book, the
part reads its sources through ``build.SourceCells`` (the CSV rows put at the cells the
built book will give them), and a value comes from its CSV row. ``read_source_table`` is
``cells.read_table`` with its locations mapped back to that row, so an error the rule
core raises about a value (``rules.followup``: a varav row's parent that is no nämnd)
names "Fil 'drift.csv', rad 8, kolumn 'Förälder'" in ``bygg`` and "Blad
'Driftredovisning', cell D11" in ``validera`` and ``regenerera``.
"""

from __future__ import annotations

from xlmodel.workbook.tables import RawTable


def read_source_table(cells, spec, rule: str, *, optional: bool = False) -> RawTable | None:
    """``read_table``, each value located where the user typed it (see the module docstring)."""
    from xlmodel.workbook.cells import read_table

    raw = read_table(cells, spec, rule, optional=optional)
    origin = getattr(cells, "source_location", None)
    if raw is not None and origin is not None:
        cell_of = raw.locate
        raw.locate = lambda i, key: origin(*cell_of(i, key)) or cell_of(i, key)
    return raw
