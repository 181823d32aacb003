"""The workbook being built (``xlmodel bygg``): XlsxWriter with the house styles, and
a source folder's CSV tables in the shape the built workbook will give them.

XlsxWriter writes every formula together with its computed value (``<f>`` and ``<v>``),
so a reader that does not recalculate (calamine, pandas, a CI job, a person previewing
the file in a mail client) sees the numbers. openpyxl cannot do that (measured on openpyxl
3.1.5: a load and save loses cached formula values).

Builds are reproducible: document properties carry a fixed date, so building twice
gives the same package parts and ``git diff`` of a rebuilt workbook means a real change.
"""

from __future__ import annotations

import io
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from xlmodel.xlsx.refs import coordinate_from_string, column_index_from_string

from xlmodel.errors import InputError
from xlmodel.money import excel_precision, parse_amount
from xlmodel.workbook import layout as L
from xlmodel.workbook.sources import BookSource
from xlmodel.workbook.tables import RawTable

# Reproducible builds: a fixed creation date (the date the format of these books was set).
FIXED_DATE = datetime(2026, 1, 1, tzinfo=timezone.utc).replace(tzinfo=None)


def csv_table(source: BookSource, name: str, spec: L.InputTable, *, optional: bool = False,
              rows_of: tuple[str, str] | None = None) -> RawTable | None:
    """A CSV of the source folder as a RawTable keyed by the layout's column keys, with the
    geometry the table will have in the built workbook (the layout's position), so code that
    computes formulas from a table's cells works the same on a CSV source and on a workbook.
    ``rows_of`` (plural and singular: ("nämnder", "nämnd")): the table must have rows; an
    empty file, or one with only its header, is refused saying so (not with what a later
    rule makes of an empty table)."""
    if optional and name not in source.tables:
        return None
    rows = source.table(name)
    if rows_of and not rows:
        header = source.headers.get(name) or []
        wanted = ", ".join(c.header for c in spec.inputs)
        many, one = rows_of
        what = (f"filen har bara rubrikraden ({', '.join(header)}) och inga {many}: skriv en rad per {one} "
                f"under den" if header else
                f"filen är tom och har inga {many}: den ska ha rubrikraden ({wanted}) och en rad per {one}")
        raise InputError(what, rule="bygg").at(f"{name}.csv")
    by_header = {c.header: c.key for c in spec.inputs}
    if name in source.headers:
        from xlmodel.workbook.book_input import check_columns

        check_columns(f"{name}.csv", source.headers[name], list(by_header))
    if rows:
        missing = [h for h in by_header if h not in rows[0]]
        if missing:
            raise InputError(f"{name}.csv saknar kolumnerna {', '.join(missing)}", rule="bygg")
    keyed = [{by_header[h]: v for h, v in row.items() if h in by_header} for row in rows]

    def locate(i: int, key: str) -> tuple[str | None, str | None]:
        header = next(c.header for c in spec.columns if c.key == key)
        return f"{name}.csv", f"rad {i + 2}, kolumn '{header}'"

    return RawTable(spec=spec, rows=keyed, locate=locate, header_row=spec.header_row,
                    columns={c.key: spec.first_col + i for i, c in enumerate(spec.columns)}, sheet=spec.sheet)


def to_number(v: Any) -> float | int | None:
    if v is None:
        return None
    if isinstance(v, Decimal):
        # Excel's 15 significant digits first (money.excel_precision): the file then holds
        # exactly what a reader takes back, and what regenerate would write.
        v = excel_precision(v)
        return int(v) if v == v.to_integral_value() and abs(v) < 2**53 else float(v)
    return v


def rc_ref(row: int, col: int) -> str:
    """Zero-based (row, col) → 'C5'."""
    from xlmodel.xlsx.refs import get_column_letter

    return f"{get_column_letter(col + 1)}{row + 1}"


def rc(ref: str) -> tuple[int, int]:
    """'C5' → (4, 2) zero-based row, col for XlsxWriter."""
    col, row = coordinate_from_string(ref)
    return row - 1, column_index_from_string(col) - 1


class Book:
    """A thin wrapper over an XlsxWriter workbook with the house styles."""

    def __init__(self, path: Path, *, title: str, vba_project: bytes | None = None) -> None:
        self.path = path
        self.document_title = title  # the page header of every printed sheet (print_setup)
        self.wb = xlsxwriter.Workbook(
            str(path),
            {
                # Text stays text: never turn a string starting with "=" into a formula,
                # nor "1 234" into a number (reliability: inputs are stored as typed).
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        self.wb.set_properties(
            {"title": title, "author": "xlmodel", "company": "", "created": FIXED_DATE, "comments": "Byggd av xlmodel bygg"}
        )
        self.wb.set_calc_mode("auto")
        if vba_project is not None:
            self.wb.add_vba_project(io.BytesIO(vba_project), is_stream=True)
        self._format_props: dict[int, dict[str, Any]] = {}  # id(format) -> its properties
        self._wrapped: dict[int, Any] = {}

        def f(props: dict[str, Any]):
            fmt = self.wb.add_format(props)
            self._format_props[id(fmt)] = props
            return fmt

        # Top-aligned: a row grown for a wrapped source text or header keeps its figures
        # on the first line, beside the start of the text they belong to.
        base = {"font_name": "Calibri", "font_size": 11, "valign": "top"}
        self.styles = {
            "title": f({**base, "bold": True, "font_size": 14}),
            "subtitle": f({**base, "italic": True, "font_color": "#595959"}),
            "header": f({**base, "bold": True, "bg_color": "#DDEBF7", "bottom": 1, "text_wrap": True, "valign": "top"}),
            # An Excel Table's header cells: the table style colours them; this only wraps.
            "table_header": f({**base, "bold": True, "text_wrap": True, "valign": "top"}),
            "text": f(base),
            "id": f({**base, "font_color": "#808080"}),
            "label": f({**base, "bold": True}),
            "label_varav": f({**base, "indent": 1, "italic": True}),
            "label_sum": f({**base, "bold": True, "top": 1, "bottom": 6}),
            "amount": f({**base, "num_format": L.MKR_FORMAT}),
            "amount2": f({**base, "num_format": L.MKR2_FORMAT}),
            "amount_bold": f({**base, "num_format": L.MKR_FORMAT, "bold": True}),
            "amount_varav": f({**base, "num_format": L.MKR_FORMAT, "italic": True}),
            "amount_sum": f({**base, "num_format": L.MKR_FORMAT, "bold": True, "top": 1, "bottom": 6}),
            "rate": f({**base, "num_format": L.PCT_FORMAT}),
            "pct1": f({**base, "num_format": L.PCT1_FORMAT}),
            "year": f({**base, "num_format": L.YEAR_FORMAT}),
            "int": f({**base, "num_format": "0"}),
            "input_amount": f({**base, "num_format": L.MKR_FORMAT, "bg_color": "#FFF2CC"}),
            "input_rate": f({**base, "num_format": L.PCT_FORMAT, "bg_color": "#FFF2CC"}),
            "input_pct1": f({**base, "num_format": L.PCT1_FORMAT, "bg_color": "#FFF2CC"}),
            "input_year": f({**base, "num_format": L.YEAR_FORMAT, "bg_color": "#FFF2CC"}),
            "input_text": f({**base, "bg_color": "#FFF2CC"}),
            # Long free text (sources, goal names): wraps in its column, the row grows.
            "input_wrap": f({**base, "bg_color": "#FFF2CC", "text_wrap": True, "valign": "top"}),
            "note": f({**base, "italic": True, "font_color": "#595959", "text_wrap": True, "valign": "top"}),
            "ok": f({**base, "font_color": "#006100", "bg_color": "#C6EFCE"}),
            "bad": f({**base, "font_color": "#9C0006", "bg_color": "#FFC7CE"}),
        }
        self.sheets: dict[str, Any] = {}

    def wrapped_format(self, fmt):
        """``fmt`` (one of the house styles, or None) with text wrapping: for a text that
        would run past the last column (print_setup)."""
        key = id(fmt)
        if key not in self._wrapped:
            props = dict(self._format_props.get(key, {"font_name": "Calibri", "font_size": 11}))
            self._wrapped[key] = self.wb.add_format({**props, "text_wrap": True, "valign": "top"})
        return self._wrapped[key]

    def sheet(self, name: str):
        if name not in self.sheets:
            ws = self.wb.add_worksheet(name)
            # Printed as a controller prints a budget table: A4 landscape; the scale, print
            # area, titles, header and footer are set from the content (print_setup).
            ws.set_paper(9)
            ws.set_landscape()
            self.sheets[name] = ws
        return self.sheets[name]

    # -- writing -----------------------------------------------------------------
    def write(self, sheet: str, ref: str, value: Any, style: str = "text", formula: str | None = None) -> None:
        ws = self.sheet(sheet)
        r, c = rc(ref)
        fmt = self.styles[style]
        if formula is not None:
            ws.write_formula(r, c, "=" + formula, fmt, to_number(value) if not isinstance(value, str) else value)
        elif value is None:
            ws.write_blank(r, c, None, fmt)
        elif isinstance(value, bool):
            ws.write_boolean(r, c, value, fmt)
        elif isinstance(value, (int, float, Decimal)):
            ws.write_number(r, c, to_number(value), fmt)
        else:
            ws.write_string(r, c, str(value), fmt)

    def spill(self, sheet: str, rng: str, cells: list) -> None:
        """A dynamic-array formula (Excel 365 spill) with every spilled value cached: the
        anchor carries the formula and its first value, the other cells plain values, as
        Excel itself stores a spilled range."""
        ws = self.sheet(sheet)
        first, last = rng.split(":")
        r1, c1 = rc(first)
        r2, c2 = rc(last)
        anchor = next(c for c in cells if c.formula is not None)
        ws.write_dynamic_array_formula(
            r1, c1, r2, c2, "=" + anchor.formula, self.styles[anchor.style],
            to_number(anchor.value) if not isinstance(anchor.value, str) else anchor.value,
        )
        for c in cells:
            if c is not anchor:
                self.write(sheet, c.ref, c.value, c.style)

    def title(self, sheet: str, title: str, subtitle: str = "") -> None:
        self.write(sheet, "A1", title, "title")
        if subtitle:
            self.write(sheet, "A2", subtitle, "subtitle")

    def widths(self, layout: L.SheetLayout) -> None:
        """The column widths of ``layout``'s sheet, in the layout's order."""
        ws = self.sheet(layout.sheet)
        for first, last, width in layout.widths:
            ws.set_column(first, last, width)

    def input_table(self, spec: L.InputTable, rows: list[dict[str, Any]]) -> None:
        """An Excel Table with the layout's headers; rows keyed by column key (raw values)."""
        ws = self.sheet(spec.sheet)
        if spec.title:
            self.title(spec.sheet, spec.title, "Indata: gula celler fylls i av controllern.")
        hr = spec.header_row - 1
        c0 = spec.first_col - 1
        last_row = hr + max(len(rows), 1)
        ws.set_row(hr, 32)  # room for two-line headers
        ws.add_table(
            hr, c0, last_row, c0 + len(spec.columns) - 1,
            {
                "name": spec.table,
                "style": "Table Style Light 9",
                "columns": [{"header": c.header, "header_format": self.styles["table_header"]} for c in spec.columns],
                "autofilter": True,
            },
        )
        for j, col in enumerate(spec.columns):
            ws.set_column(c0 + j, c0 + j, col.width)
            if col.computed:
                continue
            if col.help:
                ws.data_validation(hr + 1, c0 + j, last_row, c0 + j, {"validate": "any", "input_title": col.header[:32], "input_message": col.help[:255]})
        for i, row in enumerate(rows):
            for j, col in enumerate(spec.columns):
                if col.computed:
                    continue  # formula columns are written by the kind's builder
                v = row.get(col.key)
                style = col.style or {"amount": "input_amount", "rate": "input_rate", "year": "input_year", "int": "int", "places": "int"}.get(col.kind, "input_text")
                self._write_raw(ws, hr + 1 + i, c0 + j, v, col.kind, self.styles[style])
        if spec.header_row == L.HEADER_ROW:
            ws.freeze_panes(spec.header_row, 0)

    def _write_raw(self, ws, r: int, c: int, v: Any, kind: str, fmt) -> None:
        if v is None or (isinstance(v, str) and v.strip() == ""):
            ws.write_blank(r, c, None, fmt)
            return
        if kind in ("amount", "rate", "int", "places", "year") and not isinstance(v, (bool, int, float, Decimal)):
            # The same conversion the rules read the value with (money.parse_amount), so
            # "1 234,5", "−5" and "1,9 %" land in the sheet as the number the rules used.
            # The rules have typed every input before anything is written, so this is
            # not where a bad value is reported; the argument names the cell regardless.
            v = parse_amount(v, argument=f"{ws.name}!{rc_ref(r, c)}", rule="bygg")
        if isinstance(v, bool):
            ws.write_boolean(r, c, v, fmt)
        elif isinstance(v, (int, float, Decimal)):
            ws.write_number(r, c, to_number(v), fmt)
        else:
            ws.write_string(r, c, str(v), fmt)

    def param(self, p: L.Param, value: Any) -> None:
        ws = self.sheet(p.sheet)
        r, c = rc(p.cell)
        ws.write_string(r, c - 1, p.label, self.styles["label"])
        style = {"amount": "input_amount", "rate": "input_rate", "year": "input_year"}.get(p.kind, "input_text")
        self._write_raw(ws, r, c, value, p.kind, self.styles[style])
        if p.help:
            ws.write_string(r, c + 1, p.help, self.styles["note"])
        self.wb.define_name(p.name, f"='{p.sheet}'!${coordinate_from_string(p.cell)[0]}${r + 1}")

    def name_block(self, name: str, sheet: str, ref: str | None) -> None:
        """The defined name bounding an owned block (``block_names``), e.g.
        ``xlmodel_Ramtabell`` = ``'Ramtabell'!$A$4:$H$20``; nothing for an empty block."""
        if ref is not None:
            from xlmodel.workbook.block_names import name_value

            self.wb.define_name(name, "=" + name_value(sheet, ref))

    def conf_sheet(self) -> None:
        ws = self.sheet(L.CONF_SHEET)
        for i, (k, v) in enumerate(L.CONF_ROWS):
            ws.write_string(i, 0, k, self.styles["text"])
            if v:
                ws.write_string(i, 1, v, self.styles["text"])
        self.widths(L.CONF_LAYOUT)

    def close(self) -> None:
        from xlmodel.workbook import print_setup

        print_setup.finish(self)
        self.wb.close()
