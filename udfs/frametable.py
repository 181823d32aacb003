"""=RAMTABELL(): the whole frame table as a live, spilling formula (Excel 365).

``=RAMTABELL(tblRamar[#Alla]; tblForandringar[#Alla]; Budgetar; Standardindex;
tblPublicerat[#Alla]; AviseratIndex; Nettoram)`` gives the header row, one row per
nämnd and varav row, and the sum row: the same cells, value for value, that
``xlmodel regenerera`` and the "Uppdatera ramtabell" macro write into the Ramtabell
sheet. It is the same code: the table arguments become the ``RawTable`` rows the
workbook reader makes (columns matched by header, so a controller may reorder them),
the parameters go through the same conversion as the Parametrar cells, and
``xlmodel.workbook.frametable.frames`` computes the table and lays out its cells. Only where the
rows come from differs.

The tables arrive through xlwings' pandas DataFrame converter (``"df"``, header row
first, no index column); from Python a list of rows with the header row first works
too, with or without pandas.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from xlmodel.errors import InputError

from xlmodel.excel import arguments as c
from udfs import _xw as xw
from udfs.functions import CATEGORY

RULE = "ramtabell"
_TABLE = dict(convert="df", index=False, header=1, err_to_str=True)


def _norm(text: Any) -> str:
    """A header as the workbook reader compares it: case and runs of spaces ignored."""
    return " ".join(str(text if text is not None else "").split()).casefold()


def _plain(x: Any) -> Any:
    """A value as the workbook reader would give it: NaN/NaT → None, numpy scalars →
    Python numbers (repr(np.float64(1.5)) is no number text), pandas timestamps →
    datetime."""
    if x is None:
        return None
    if isinstance(x, float):
        return None if math.isnan(x) else float(x)
    to_py = getattr(x, "to_pydatetime", None)
    if to_py is not None:
        return None if str(x) == "NaT" else to_py()
    item = getattr(x, "item", None)  # numpy scalar
    if item is not None and type(x).__module__ == "numpy":
        return _plain(item())
    return x


def _header_and_rows(value: Any, name: str) -> tuple[list[Any], list[list[Any]]]:
    """(headers, data rows) of a table argument: a DataFrame, or rows with the headers first."""
    columns = getattr(value, "columns", None)
    if columns is not None and hasattr(value, "to_numpy"):
        headers = [_plain(h) for h in columns]
        # One vectorised pass: NaN → None, numpy scalars → Python objects (float, bool, str).
        return headers, value.to_numpy(dtype=object, na_value=None).tolist()
    g = c.grid(value, name, RULE)
    if len(g.rows) < 1:
        raise InputError("tabellen saknar rubrikrad", rule=RULE, argument=name)
    return list(g.rows[0]), [list(r) for r in g.rows[1:]]


def raw_table(value: Any, spec, name: str):
    """A table argument as the ``RawTable`` ``read_table`` makes of the same table in a
    workbook. A missing header is named; a bad cell is located as "rad N, kolumn 'X'"
    of the argument."""
    from xlmodel.workbook.tables import RawTable

    headers, rows = _header_and_rows(value, name)
    for h in headers:
        c.refuse_error(h, name, RULE)
    index = {}
    for i, h in enumerate(headers):
        index.setdefault(_norm(h), i)
    col_of = {}
    for col in spec.inputs:
        i = index.get(_norm(col.header))
        if i is None:
            raise InputError(f"rubriken '{col.header}' saknas i tabellen (ange hela tabellen, {spec.table}[#Alla], "
                             "med rubrikraden)", rule=RULE, argument=name)
        col_of[col.key] = i
    data = [{key: (row[i] if i < len(row) else None) for key, i in col_of.items()} for row in rows]
    header_of = {col.key: col.header for col in spec.inputs}

    def locate(i: int, key: str) -> tuple[str | None, str | None]:
        return name, f"rad {i + 1}, kolumn '{header_of[key]}'"

    return RawTable(spec=spec, rows=data, locate=locate)


def _param(value: Any, name: str, param_name: str):
    from xlmodel.workbook.layout import REGIONPLAN_PARAMS
    from xlmodel.workbook.tables import convert

    spec = next(p for p in REGIONPLAN_PARAMS if p.name == param_name)
    value = c.single(value, name, RULE)
    try:
        return convert(value, spec, rule=RULE)
    except InputError as err:
        raise InputError(err.message, rule=RULE, argument=name) from None


def frame_table_grid(ramar, forandringar, budgetar, standardindex, publicerat=None, aviserat_index=None,
                     nettoram=None) -> list[list[Any]]:
    """The frame table as rows of cell values, header first: exactly the cells
    ``frames.frametable_cells`` gives for the Ramtabell sheet, laid out by their references."""
    from xlmodel.workbook.frametable import frames
    from xlmodel.workbook.layout import CHANGES_TABLE, FRAMES_TABLE, PUBLISHED_TABLE

    src = frames.FrameSources(
        frames=raw_table(ramar, FRAMES_TABLE, "ramar"),
        changes=raw_table(forandringar, CHANGES_TABLE, "forandringar"),
        published=None if c.is_blank(_first(publicerat)) else raw_table(publicerat, PUBLISHED_TABLE, "publicerat"),
        year=_param(budgetar, "budgetar", "Budgetar"),
        default_index_rate=_param(standardindex, "standardindex", "Standardindex"),
        announced_index_total=_param(aviserat_index, "aviserat_index", "AviseratIndex"),
        nettoram=_param(nettoram, "nettoram", "Nettoram"),
    )
    try:
        table = frames.compute(src)
    except InputError as err:
        # Located by RawTable.locate as (argument, "rad N, kolumn 'X'"), or by the
        # core's structure checks as (sheet, None): say where in the argument.
        where = f"{err.cell}: " if err.cell else ""
        argument = err.sheet if err.sheet in ("ramar", "forandringar", "publicerat") else None
        raise InputError(where + err.message, rule=err.rule or RULE, argument=argument or err.argument) from None
    from xlmodel.workbook.frametable.values import frame_table_values

    return frame_table_values(table)


def _as_rows(f):
    """RAMTABELL's result goes to Excel through xlwings' "raw" writer (no per-cell pass
    over 16 000 values; every value is already float, int or text): a message or an
    error value must therefore be given as a 1×1 table itself."""
    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        result = f(*args, **kwargs)
        return result if isinstance(result, list) else [[result]]

    return wrapper


def _first(value: Any) -> Any:
    """The value of an omitted or empty optional table argument (None, [[None]]), else a sentinel."""
    if value is None:
        return None
    if getattr(value, "columns", None) is not None:
        # a blank cell through the DataFrame converter: one column headed None, no rows
        blank = len(value) == 0 and all(c.is_blank(_plain(h)) for h in value.columns)
        return None if blank else value
    if isinstance(value, (list, tuple)) and c.cell_count(value) == 1:
        flat = value[0][0] if isinstance(value[0], (list, tuple)) else value[0]
        return flat
    return value


@xw.func(category=CATEGORY)
@xw.ret("raw")
@xw.arg("ramar", doc="Tabellen Ramar med rubrikraden: tblRamar[#Alla].", **_TABLE)
@xw.arg("forandringar", doc="Tabellen Förändringar med rubrikraden: tblForandringar[#Alla].", **_TABLE)
@xw.arg("budgetar", err_to_str=True, doc="Budgetåret (Parametrar, Budgetår).")
@xw.arg("standardindex", err_to_str=True, doc="Standardindex (LPIK) för rader utan egen indexsats, t.ex. 0,019.")
@xw.arg("publicerat", doc="Valfri: tabellen Publicerat med rubrikraden (tblPublicerat[#Alla]). Ändrar inte talen, bara kontrollerna.", **_TABLE)
@xw.arg("aviserat_index", err_to_str=True, doc="Valfritt: aviserat indexbelopp, mkr (Parametrar).")
@xw.arg("nettoram", err_to_str=True, doc="Valfritt: verksamhetens nettoram enligt resultatbudget, mkr (Parametrar).")
@_as_rows
@c.excel_safe
def RAMTABELL(ramar, forandringar, budgetar, standardindex, publicerat=None, aviserat_index=None, nettoram=None):
    """Hela ramtabellen med rubriker: en rad per nämnd och varav-rad och summaraden, samma värden som Uppdatera ramtabell skriver. Följer indata direkt (Excel 365 spiller)."""
    return frame_table_grid(ramar, forandringar, budgetar, standardindex, publicerat, aviserat_index, nettoram)


__all__ = ["RAMTABELL"]
