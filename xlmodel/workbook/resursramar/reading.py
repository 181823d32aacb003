"""The resursramar part's inputs: the parameters and the five input tables, read from a
workbook (through a ``CellSource``) or from a build's bok.toml and CSV files, each with its
place on the sheet, so computed cells and findings can be located (``Inputs``); and the
geometry of a read table (which column and row a value stands in, where the table ends).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xlmodel.xlsx.refs import get_column_letter
from xlmodel import params as dated
from xlmodel.errors import InputError
from xlmodel.location import Location
from xlmodel.rules import resursramar as rr
from xlmodel.workbook import block_names
from xlmodel.workbook.resursramar import layout as R
from xlmodel.workbook.layout import InputTable, Param
from xlmodel.workbook.tables import RawTable, convert
from xlmodel.workbook.block_place import named_place
from xlmodel.workbook.cells import param_location, read_table, require_sheet


RULE = "resursramar"
RULE_RESTORATION = "aterstallning"

# bok.toml key of each parameter (the CSV source of a build).
PARAM_META_KEYS = {
    R.P_FIRST_YEAR.name: "first_plan_year",
    R.P_LAST_YEAR.name: "last_plan_year",
    R.P_RATE.name: "reduction_rate",
    R.P_METHOD.name: "reduction_method",
    R.P_FIRST_CUT.name: "first_reduction_year",
    R.P_CENTRAL.name: "central_cost_reductions",
    R.P_ANNOUNCED.name: "announced_net_cost_reductions",
}


# =========================================================================== inputs


@dataclass
class Inputs:
    """The workbook's inputs, wherever they come from (CSV source or a workbook), each
    with its geometry on the sheet so computed cells and findings can be located."""

    params: dict[str, Any]                       # defined name → raw value
    param_cells: dict[str, tuple[str, str]]      # defined name → (sheet, cell)
    planar: RawTable
    frames: RawTable
    footnotes: RawTable
    results: RawTable
    opening: RawTable
    # block name -> where its defined name puts it (``places``); none in a build
    named: dict[str, block_names.BlockPlace] = field(default_factory=dict)


# The part's owned blocks, each under its table unless the user has moved it (``places``).
BLOCKS = (block_names.RESURSRAMAR, block_names.FOTNOTER, block_names.ATERSTALLNING)


def plan_years(first: Any, last: Any, where: tuple[str, str]) -> tuple[int, int]:
    rr.check_period(first, last, Location(*where, argument=R.P_LAST_YEAR.label))
    return first, last


def inputs_from_cells(cells) -> Inputs:
    """Read the inputs of a resursramar workbook (a file, or Excel itself through xlwings)."""
    raw_params: dict[str, Any] = {}
    where: dict[str, tuple[str, str]] = {}
    for p in R.PARAMS:
        sheet, ref = param_location(cells, p)
        if sheet not in cells.sheet_names():
            require_sheet(cells, sheet, RULE)
        raw_params[p.name] = cells.value(sheet, ref)
        where[p.name] = (sheet, ref)
    first = convert_at(raw_params, where, R.P_FIRST_YEAR)
    last = convert_at(raw_params, where, R.P_LAST_YEAR)
    first, last = plan_years(first, last, where[R.P_LAST_YEAR.name])
    # a name left on a sheet renamed outside Excel: that sheet is missing, not guessed
    named = {name: at for name in BLOCKS if (at := named_place(cells, name, RULE)) is not None}
    return Inputs(
        params=raw_params,
        param_cells=where,
        planar=read_table(cells, R.PLANAR_TABLE, RULE),
        frames=read_table(cells, R.resursramar_table(first, last), RULE),
        footnotes=read_table(cells, R.FOOTNOTES_TABLE, RULE),
        results=read_table(cells, R.RESULTS_TABLE, RULE_RESTORATION),
        opening=read_table(cells, R.OPENING_TABLE, RULE_RESTORATION),
        named=named,
    )


def convert_at(raw: dict[str, Any], where: dict[str, tuple[str, str]], p: Param) -> Any:
    """A parameter typed as its layout declares; an error names where it came from."""
    try:
        return convert(raw.get(p.name), p, rule=RULE)
    except InputError as err:
        raise err.at(*where[p.name]) from None


def inputs_from_source(source) -> Inputs:
    """The inputs of a build: bok.toml for the parameters, one CSV per input table. An
    empty "Löne- och prisförändring" in planar.csv is filled from the dated parameter
    ``uplift_series`` of bok.toml (with its reference in "Källa")."""
    from xlmodel.workbook.book import csv_table

    meta = source.meta
    raw_params = {name: meta.get(key) for name, key in PARAM_META_KEYS.items()}
    raw_params = {k: (str(v) if isinstance(v, float) else v) for k, v in raw_params.items()}
    from xlmodel.workbook.book_input import key_location
    from xlmodel.workbook.sources import BOOK_FILE

    where = {name: key_location(source.folder / BOOK_FILE, key) for name, key in PARAM_META_KEYS.items()}
    first = convert_at(raw_params, where, R.P_FIRST_YEAR)
    last = convert_at(raw_params, where, R.P_LAST_YEAR)
    first, last = plan_years(first, last, where[R.P_LAST_YEAR.name])

    def table(name: str, spec: InputTable, rows_of: tuple[str, str] | None = None) -> RawTable:
        raw = csv_table(source, name, spec, rows_of=rows_of)
        raw.header_row = spec.header_row
        raw.columns = {c.key: spec.first_col + i for i, c in enumerate(spec.columns)}
        raw.sheet = spec.sheet
        return raw

    planar = table("planar", R.PLANAR_TABLE, ("år", "år"))
    series = meta.get("uplift_series")
    for i, row in enumerate(planar.rows):
        if is_blank(row.get("index_rate")):
            if not series:
                raise InputError("Löne- och prisförändring saknas och bok.toml anger ingen uplift_series",
                                 rule="bygg").at(*planar.locate(i, "index_rate"))
            try:
                year = convert(row.get("year"), R.PLANAR_TABLE.columns[0], rule=RULE)
                prm = dated.lookup(series, year)
            except InputError as err:
                raise err.at(*planar.locate(i, "year")) from None
            row["index_rate"] = str(prm.decimal)
            rate_source = f"Uppräkning {year}: {prm.reference}"
            row["source"] = rate_source if is_blank(row.get("source")) else f"{rate_source}; {row['source']}"
    return Inputs(
        params=raw_params,
        param_cells=where,
        planar=planar,
        frames=table("resursramar", R.resursramar_table(first, last), ("nämnder", "nämnd")),
        footnotes=table("fotnoter", R.FOOTNOTES_TABLE),
        results=table("balanskravsresultat", R.RESULTS_TABLE, ("år", "år")),
        opening=table("underskott", R.OPENING_TABLE),
    )


def is_blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


# =========================================================================== geometry


def column_letter(raw: RawTable, key: str) -> str:
    """Column letter of ``key``: where the workbook has it (inputs may be reordered), else
    the layout's position (computed columns always follow the layout)."""
    if raw.columns and key in raw.columns:
        return get_column_letter(raw.columns[key])
    return raw.spec.col_letter(key)


def sheet_row(raw: RawTable, typed_row: dict[str, Any]) -> int:
    return (raw.header_row or raw.spec.header_row) + 1 + typed_row["_row"]


def first_data_row(raw: RawTable) -> int:
    return (raw.header_row or raw.spec.header_row) + 1


def table_end(raw: RawTable) -> int:
    """Last sheet row of the table (an Excel Table always has at least one data row)."""
    return (raw.header_row or raw.spec.header_row) + max(len(raw.rows), 1)


def table_sheet(raw: RawTable) -> str:
    return raw.sheet or raw.spec.sheet
