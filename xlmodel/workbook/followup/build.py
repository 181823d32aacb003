"""Building the follow-up part into a delårsrapport (``xlmodel bygg``).

The source folder holds ``drift.csv`` (tblDrift), ``resultatrakning.csv``,
``omstallning_uppfoljning.csv``, ``drift_tryckt.csv`` and ``omstallning_tryckt.csv``,
and a ``[uppfoljning]`` section in ``bok.toml`` with the parameters. The builder puts
the inputs where the workbook will hold them (``SourceCells``, an in-memory CellSource
at the layout's positions), computes the part with the very ``part.compute`` that
``validera`` and ``regenerera`` use, and writes inputs and owned cells: one definition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xlmodel.errors import InputError
from xlmodel.workbook import layout as L
from xlmodel.workbook.cells import TableLocation
from xlmodel.workbook.followup import layout as F
from xlmodel.workbook.followup import part as P
from xlmodel.workbook.tables import convert
from xlmodel.xlsx.refs import get_column_letter

CSV = {  # table → csv file name (without .csv) in the source folder
    F.DRIFT_TABLE.table: "drift",
    F.RESULTATRAKNING_TABLE.table: "resultatrakning",
    F.OMST_TABLE.table: "omstallning_uppfoljning",
    F.PRINTED_DRIFT_TABLE.table: "drift_tryckt",
    F.PRINTED_OMST_TABLE.table: "omstallning_tryckt",
    F.FORECAST_TABLE.table: "prognos",
    F.YEARS_TABLE.table: "balanskrav_ar",
    L.UTREDNING_TABLE.table: "utredning",
}
ROWS_OF = {  # table → what its file must hold rows of, when it is there (csv_table rows_of)
    F.DRIFT_TABLE.table: ("poster", "post"),
    F.FORECAST_TABLE.table: ("poster", "post (nettoram, skatteintakter, statsbidrag)"),
}
SPECS = F.TABLES
READ_ONLY = (L.UTREDNING_TABLE,)  # another part's table the follow-up reads (the delårsrapport builder writes it)
PARAM_KEYS = {  # bok.toml [uppfoljning] key → parameter
    "manader": F.P_MONTHS, "periodisering": F.P_METHOD, "profilandel": F.P_SHARE,
    "tryckdecimaler_belopp": F.P_PLACES, "tryckdecimaler_procent_drift": F.P_PCT_DRIFT,
    "tryckdecimaler_procent_omstallning": F.P_PCT_OMST, "avstamningstolerans": F.P_TOLERANCE,
}


def has_followup(source) -> bool:
    return "drift" in source.tables


@dataclass
class SourceCells:
    """The part's inputs at the positions the built workbook will give them."""

    values: dict[tuple[str, str], Any] = field(default_factory=dict)
    tables: dict[str, TableLocation] = field(default_factory=dict)
    names: dict[str, tuple[str, str]] = field(default_factory=dict)
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Each input cell's origin in the source folder: (sheet, cell) -> ("drift.csv", "rad 3, kolumn 'Förälder'").
    origins: dict[tuple[str, str], tuple[str | None, str | None]] = field(default_factory=dict)

    def source_location(self, sheet: str, ref: str) -> tuple[str | None, str | None] | None:
        """Where the value at ``sheet``!``ref`` came from in the source folder (a CSV row),
        so an error in it names the file and row the user edits (``part.read_source_table``)."""
        return self.origins.get((sheet, ref))

    def sheet_names(self) -> list[str]:
        return [*F.SHEETS, L.UTREDNING_TABLE.sheet]

    def value(self, sheet: str, ref: str) -> Any:
        return self.values.get((sheet, ref))

    def formula(self, sheet: str, ref: str) -> str | None:
        return None

    def table(self, name: str) -> TableLocation | None:
        return self.tables.get(name.casefold())

    def defined_name(self, name: str) -> tuple[str, str] | None:
        return self.names.get(name.casefold())


def source_cells(source) -> SourceCells:
    from xlmodel.workbook.book import csv_table

    sc = SourceCells()
    for spec in (*SPECS, *READ_ONLY):
        raw = csv_table(source, CSV[spec.table], spec, optional=spec is not F.DRIFT_TABLE,
                        rows_of=ROWS_OF.get(spec.table))
        if raw is None:
            continue
        sc.rows[spec.table] = raw.rows
        for j, col in enumerate(spec.columns):
            sc.values[(spec.sheet, f"{get_column_letter(spec.first_col + j)}{spec.header_row}")] = col.header
        for i, row in enumerate(raw.rows):
            for j, col in enumerate(spec.columns):
                if col.computed:
                    continue
                v = row.get(col.key)
                try:
                    typed = convert(v, _optional(col), rule="bygg")
                except InputError:
                    typed = v  # reported by the part, at the cell, when it reads the table
                at = (spec.sheet, f"{get_column_letter(spec.first_col + j)}{spec.header_row + 1 + i}")
                sc.values[at] = typed
                sc.origins[at] = raw.locate(i, col.key)
        last_row = spec.header_row + max(len(raw.rows), 1)
        ref = f"{get_column_letter(spec.first_col)}{spec.header_row}:{get_column_letter(spec.first_col + len(spec.columns) - 1)}{last_row}"
        sc.tables[spec.table.casefold()] = TableLocation(spec.table, spec.sheet, ref)
    year = L.DELARSRAPPORT_PARAMS[0]
    sc.names[year.name.casefold()] = (year.sheet, year.cell)
    sc.values[(year.sheet, year.cell)] = int(source.meta["fiscal_year"])
    params = source.meta.get("uppfoljning", {})
    for key, p in PARAM_KEYS.items():
        sc.names[p.name.casefold()] = (p.sheet, p.cell)
        v = params.get(key)
        sc.values[(p.sheet, p.cell)] = convert(v if not isinstance(v, float) else str(v), _optional(p), rule="bygg") if v not in (None, "") else None
    return sc


def _optional(col):
    """The column with ``required`` off: a blank here is reported by the part, at its cell."""
    from dataclasses import replace

    return replace(col, required=False)


def build_followup(book, source) -> None:
    sc = source_cells(source)
    part = P.compute(sc)
    params = source.meta.get("uppfoljning", {})
    s = F.SHEET_SUMMARY
    book.title(s, F.SUMMARY_LAYOUT.title, F.SUMMARY_LAYOUT.subtitle)
    for key, p in PARAM_KEYS.items():
        book.param(p, sc.values.get((p.sheet, p.cell)))
    ws = book.sheet(s)
    book.widths(F.SUMMARY_LAYOUT)
    ws.set_row(F.SUMMARY_HEADER_ROW - 1, 32)
    book.write(s, "L4", "Parametrar", "label")
    book.write(s, f"A{F.SUMMARY_HEADER_ROW - 1}", "Summering av driftredovisningen (räknas från bladet Driftredovisning)", "label")
    book.write(s, f"A{F.RESULTATRAKNING_TABLE.header_row - 1}",
               "Resultaträkningen för samma period och avstämningen mot driftredovisningen", "label")
    if params.get("kalla"):
        book.write(s, "A3", str(params["kalla"]), "subtitle")
    for spec in SPECS:
        if spec.table in sc.rows:
            book.input_table(spec, sc.rows[spec.table])
    if F.SHEET_OMST not in book.sheets:
        book.sheet(F.SHEET_OMST)
    for sheet, owned in part.plans.items():
        book.sheet(sheet)
        spilled = part.spills.get(sheet, [])
        for oc in owned:
            if oc not in spilled:
                book.write(sheet, oc.ref, oc.value, oc.style, oc.formula)
        if spilled:
            anchor = next(c for c in spilled if c.spill)
            book.spill(sheet, anchor.spill, spilled)
    for name, sheet, extent in part.extents():  # each owned block's defined name (``followup.blocks``)
        book.name_block(name, sheet, extent)
    _forecast_layout(book, part)
    _omst_widths(book)
    book.title(F.SHEET_CHART, F.CHART_LAYOUT.title, F.CHART_LAYOUT.subtitle)
    _chart(book, part)


def _forecast_layout(book, part) -> None:
    if not part.plans[F.SHEET_FORECAST]:
        return
    s = F.SHEET_FORECAST
    book.write(s, f"A{F.YEARS_TABLE.header_row - 1}",
               "Balanskravsresultat per år: budget, prognos och utfall, och återställningen av underskott", "label")
    book.write(s, f"{F.LEDGER_ANCHOR[0]}{F.YEARS_TABLE.header_row - 1}",
               "Återställning enligt =ATERSTALLNING() på det balanskravsresultat som används – spiller ut", "label")
    ws = book.sheet(s)
    book.widths(F.FORECAST_LAYOUT)
    ws.set_row(F.YEARS_TABLE.header_row - 1, 32)


def _omst_widths(book) -> None:
    book.widths(F.OMST_LAYOUT)


def _chart(book, part) -> None:
    from xlmodel.workbook.charts.sheet import _origin

    s = F.SHEET_CHART
    ws = book.sheet(s)
    book.widths(F.CHART_LAYOUT)
    c0, r0 = _origin(F.CHART_TOP_LEFT)
    ws.set_row(r0 - 1, 32)
    n = P.chart_rows(part)
    chart = book.wb.add_chart({"type": "bar"})
    chart.add_series({
        "name": [s, r0 - 1, c0],
        "categories": [s, r0, c0 - 1, r0 + n - 1, c0 - 1],
        "values": [s, r0, c0, r0 + n - 1, c0],
        "fill": {"color": "#2E75B6"},
        "invert_if_negative": False,
        "data_labels": {"value": True, "num_format": "#,##0"},
    })
    chart.set_title({"name": "Avvikelse mot budget t.o.m. perioden per nämnd, mkr"})
    chart.set_x_axis({"num_format": "#,##0", "major_gridlines": {"visible": True}})
    chart.set_y_axis({"reverse": True})
    chart.set_legend({"none": True})
    chart.set_size({"width": 720, "height": 380})
    ws.insert_chart(f"D{r0}", chart)
