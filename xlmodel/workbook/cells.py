"""Where the workbook layer reads cells from: a file on disk, or Excel itself.

``CellSource`` is the one interface the kinds read through. ``PackageCells`` reads an
.xlsx/.xlsm package headless (our streaming reader: formula *and* cached value in one
pass); ``udfs.macros`` provides an xlwings implementation for the live workbook. So the
Excel macro and ``xlmodel regenerera`` run the same reading code.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from collections.abc import Callable
from typing import Any, Protocol

from xlmodel.xlsx.refs import range_boundaries, get_column_letter

from xlmodel.errors import InputError
from xlmodel.money import excel_precision
from xlmodel.workbook.layout import InputTable, Param
from xlmodel.workbook.tables import RawTable, percent_cells


@dataclass(frozen=True)
class TableLocation:
    name: str
    sheet: str
    ref: str                      # "A4:G19" including the header row
    has_totals: bool = False


class CellSource(Protocol):
    def sheet_names(self) -> list[str]: ...
    def value(self, sheet: str, ref: str) -> Any: ...          # cached value of a formula cell
    def formula(self, sheet: str, ref: str) -> str | None: ...  # without "=", None for a constant
    def table(self, name: str) -> TableLocation | None: ...
    def defined_name(self, name: str) -> tuple[str, str] | None: ...  # (sheet, "C5")


def _norm(text: Any) -> str:
    return " ".join(str(text or "").split()).casefold()


def require_sheet(cells: CellSource, sheet: str, rule: str) -> None:
    names = cells.sheet_names()
    if sheet not in names:
        have = ", ".join(f"'{n}'" for n in names)
        raise InputError(f"bladet '{sheet}' saknas (arbetsboken har {have})", rule=rule, sheet=sheet)


def read_table(cells: CellSource, spec: InputTable, rule: str, *, optional: bool = False) -> RawTable | None:
    """An input Table as a RawTable. Columns are matched by header, so a controller may
    reorder them; a missing or renamed header is an error naming its cell."""
    loc = cells.table(spec.table)
    if loc is None:
        if optional:
            return None
        require_sheet(cells, spec.sheet, rule)
        raise InputError(
            f"tabellen '{spec.table}' saknas (väntad på bladet '{spec.sheet}' med rubrikerna "
            f"{', '.join(spec.headers())})",
            rule=rule,
            sheet=spec.sheet,
        )
    min_col, min_row, max_col, max_row = range_boundaries(loc.ref)
    col_of = table_columns(spec, loc, lambda ref: cells.value(loc.sheet, ref), rule)
    last = max_row - (1 if loc.has_totals else 0)
    letters = [(key, get_column_letter(c)) for key, c in col_of.items()]  # once per column, not per cell
    sheet = loc.sheet
    values_at = getattr(cells, "values_at", None)  # a column in one call where the source offers it (PackageCells)
    if values_at is not None and letters:
        keys = [key for key, _letter in letters]
        columns = [values_at(sheet, [f"{letter}{r}" for r in range(min_row + 1, last + 1)]) for _key, letter in letters]
        rows = [dict(zip(keys, row)) for row in zip(*columns)]
    else:
        value = cells.value
        rows = [{key: value(sheet, f"{letter}{r}") for key, letter in letters} for r in range(min_row + 1, last + 1)]

    def locate(i: int, key: str) -> tuple[str | None, str | None]:
        return loc.sheet, f"{get_column_letter(col_of[key])}{min_row + 1 + i}"

    shown_as_percent = getattr(cells, "shown_as_percent", None)  # formats: where the source can see them
    percent = frozenset() if shown_as_percent is None else percent_cells(
        rows, spec, lambda i, key: shown_as_percent(sheet, locate(i, key)[1]))
    return RawTable(spec=spec, rows=rows, locate=locate, header_row=min_row, columns=col_of, sheet=loc.sheet,
                    percent_cells=percent)


def table_columns(spec: InputTable, loc: TableLocation, header_value: Callable[[str], Any], rule: str) -> dict[str, int]:
    """The column of each input column of ``spec``, matched by header (``header_value``
    gives the value at a header cell's reference). A missing or renamed header is an
    error naming the header row's first cell."""
    min_col, min_row, max_col, _max_row = range_boundaries(loc.ref)
    headers = {}
    for c in range(min_col, max_col + 1):
        headers[_norm(header_value(f"{get_column_letter(c)}{min_row}"))] = c
    col_of: dict[str, int] = {}
    for col in spec.inputs:
        c = headers.get(_norm(col.header))
        if c is None:
            first_free = f"{get_column_letter(min_col)}{min_row}"
            raise InputError(
                f"rubriken '{col.header}' saknas i tabellen '{spec.table}' (rubrikraden börjar i {first_free})",
                rule=rule,
                sheet=loc.sheet,
                cell=first_free,
            )
        col_of[col.key] = c
    return col_of


def param_location(cells: CellSource, p: Param) -> tuple[str, str]:
    """A parameter cell: by its defined name if present, else at its layout position."""
    return cells.defined_name(p.name) or (p.sheet, p.cell)


def read_param(cells: CellSource, p: Param, rule: str) -> Any:
    from xlmodel.workbook.tables import convert

    sheet, ref = param_location(cells, p)
    if sheet not in cells.sheet_names():
        if sheet.upper().startswith("#REF"):
            # Excel rewrites a name whose sheet was deleted to #REF!$C$5
            raise InputError(
                f"det definierade namnet '{p.name}' pekar på #REF!: bladet det pekade på har tagits bort "
                f"('{p.label}' ska ligga på bladet '{p.sheet}', cell {p.cell}, och det bladet "
                f"{'finns' if p.sheet in cells.sheet_names() else 'saknas'})",
                rule=rule, argument=p.name,
            )
        if cells.defined_name(p.name) is None:
            # Neither the name nor the layout's sheet: a team's own workbook (holding)
            # that has the part's tables but not its named cells.
            raise InputError(
                f"namnet '{p.name}' ({p.label}) finns inte i arbetsboken, och inte heller bladet '{p.sheet}' där "
                f"cellen annars läses: ge cellen med värdet namnet {p.name} (Formler → Namnhanteraren)",
                rule=rule, argument=p.name,
            )
        require_sheet(cells, sheet, rule)
    try:
        return convert(cells.value(sheet, ref), p, rule=rule, shown_as_percent=shown_as_percent(cells, sheet, ref))
    except InputError as err:
        raise err.at(sheet, ref) from None


def shown_as_percent(cells: CellSource, sheet: str, ref: str) -> bool:
    """Whether the source shows the cell's number as a percentage; False where it cannot
    see formats (xlwings passes values only)."""
    shown = getattr(cells, "shown_as_percent", None)
    return shown is not None and shown(sheet, ref)


class PackageCells:
    """CellSource over an OOXML package read headless (``xlmodel.xlsx``)."""

    def __init__(self, pkg) -> None:
        from xlmodel.xlsx.reader import read_cells

        self.pkg = pkg
        self._read_cells = read_cells
        self._sheets: dict[str, dict] = {}
        self._tables: dict[str, TableLocation] | None = None
        self._names: dict[str, tuple[str, str]] | None = None
        self._date_styles: frozenset[int] | None = None
        self._percent_styles: frozenset[int] | None = None
        # Results derived from this (immutable) package, shared by the validators of a
        # kind: e.g. the frame table, needed by two sheets (frames.computed).
        self.memo: dict[str, Any] = {}

    @classmethod
    def open(cls, path, *, lazy: bool = False) -> "PackageCells":
        """``lazy``: big parts are not kept decompressed (``Package.open``); for
        ``validate``, which reads its big sheets once, as a stream (frames_stream)."""
        from xlmodel.xlsx.package import Package

        return cls(Package.open(path, lazy=lazy))

    def sheet_names(self) -> list[str]:
        return [s.name for s in self.pkg.sheets if s.kind == "worksheet"]

    def cells(self, sheet: str) -> dict:
        got = self._sheets.get(sheet)
        if got is None:
            got = self._sheets[sheet] = self._read_cells(self.pkg, sheet)
        return got

    def read_whole(self, sheet: str) -> bool:
        """Whether the sheet's cells are held (``cells``), rather than streamed when asked."""
        return sheet in self._sheets

    def cells_in_rows(self, sheet: str, min_row: int, max_row: int):
        """The cells of rows ``min_row``..``max_row``, one by one: from the sheet if it has
        been read whole, else streamed (``xlsx.stream``), so a check that looks at a few rows of a
        large input sheet does not hold the sheet (validate's bounded memory)."""
        got = self._sheets.get(sheet)
        if got is not None:
            yield from (c for c in got.values() if min_row <= c.row <= max_row)
            return
        from xlmodel.xlsx.stream import iter_rows

        for _row, row_cells in iter_rows(self.pkg, sheet, min_row=min_row, max_row=max_row):
            yield from row_cells

    def cell(self, sheet: str, ref: str):
        got = self._sheets.get(sheet)  # inlined cells(): called once per cell read
        if got is None:
            got = self.cells(sheet)
        return got.get(ref)

    def value(self, sheet: str, ref: str) -> Any:
        got = self._sheets.get(sheet)  # cell() inlined, as cell inlines cells()
        if got is None:
            got = self.cells(sheet)
        c = got.get(ref)
        return None if c is None else self.value_of(c)

    def values_at(self, sheet: str, refs: list[str]) -> list[Any]:
        """``[value(sheet, ref) for ref in refs]`` with the sheet looked up once and
        ``value_of`` called for numbers only (the rest it returns as they are): a table's
        column (``read_table``, 16 000 cells of a large plan's input tables)."""
        get, value_of = self.cells(sheet).get, self.value_of
        out: list[Any] = []
        append = out.append
        for ref in refs:
            c = get(ref)
            if c is None:
                append(None)
            else:
                v = c.value
                append(value_of(c) if isinstance(v, Decimal) else v)
        return out

    def formula_and_value(self, sheet: str, ref: str) -> tuple[str | None, Any]:
        """``(formula(sheet, ref), value(sheet, ref))`` with one lookup: what an owned
        cell's comparison needs (``owned.compare_cell``)."""
        got = self._sheets.get(sheet)  # cell() inlined: once per owned cell compared
        if got is None:
            got = self.cells(sheet)
        c = got.get(ref)
        return (None, None) if c is None else (c.formula, self.value_of(c))

    def formulas_and_values(self, sheet: str, refs: list[str]) -> list[tuple[str | None, Any]]:
        """``[formula_and_value(sheet, ref) for ref in refs]`` with the sheet looked up
        once: the stored side of every owned cell of a plan (``regenerate.diff_sheet``,
        16 000 cells of a large frame table)."""
        get, value_of = self.cells(sheet).get, self.value_of
        out: list[tuple[str | None, Any]] = []
        append = out.append
        for ref in refs:
            c = get(ref)
            append((None, None) if c is None else (c.formula, value_of(c)))
        return out

    def value_of(self, c) -> Any:
        """The value ``value()`` gives for a ``Cell`` read from this package (a date typed
        into an amount cell as a datetime, numbers at Excel's 15 digits)."""
        v = c.value
        if isinstance(v, Decimal):
            style = c.style
            dates = self._date_styles  # date_styles() without its call once read: once per number read
            if style and style in (dates if dates is not None else self.date_styles()):
                # A date typed into the cell: Excel stores a serial number and marks the
                # date only by its format. Return a datetime, as xlwings does, so an amount
                # cell holding a date is refused on both paths (xlsx.styles).
                from xlmodel.xlsx.styles import serial_to_datetime

                when = serial_to_datetime(v)
                if when is not None:
                    return when
            return at_excel_precision(v)
        return v

    def date_styles(self) -> frozenset[int]:
        if self._date_styles is None:
            from xlmodel.xlsx.styles import date_style_ids

            self._date_styles = date_style_ids(self.pkg)
        return self._date_styles

    def percent_styles(self) -> frozenset[int]:
        if self._percent_styles is None:
            from xlmodel.xlsx.styles import percent_style_ids

            self._percent_styles = percent_style_ids(self.pkg)
        return self._percent_styles

    def shown_as_percent(self, sheet: str, ref: str) -> bool:
        """Whether the cell holds a number its format shows as a percentage ("7 %" typed
        leaves 0.07 and the format "0%"): what an amount cell must refuse (``tables``)."""
        c = self.cell(sheet, ref)
        return c is not None and bool(c.style) and isinstance(c.value, Decimal) and c.style in self.percent_styles()

    def formula(self, sheet: str, ref: str) -> str | None:
        c = self.cell(sheet, ref)
        return None if c is None else c.formula

    def table(self, name: str) -> TableLocation | None:
        if self._tables is None:
            self._tables = {}
            for s in self.sheet_names():
                for t in self.pkg.tables(s):
                    loc = TableLocation(t.display_name, s, t.ref, t.totals_row_count > 0)
                    self._tables[t.display_name.casefold()] = loc
                    self._tables.setdefault(t.name.casefold(), loc)
        return self._tables.get(name.casefold())

    def defined_name(self, name: str) -> tuple[str, str] | None:
        if self._names is None:
            self._names = {}
            for d in self.pkg.defined_names:
                target = single_cell_target(d.value)
                if target and d.local_sheet is None:
                    self._names[d.name.casefold()] = target
        return self._names.get(name.casefold())


def at_excel_precision(v: Decimal) -> Decimal:
    """``money.excel_precision(v)`` (Excel's 15 significant digits), without its
    arithmetic for the numbers that already are at that precision - nearly every number
    a workbook stores (bench/EXPLANATION.md). ``str(v)`` of such a number has no
    exponent, at most 15 characters (so at most 15 digits) and, if it has a decimal
    point, no trailing zero; excel_precision returns it unchanged, in the same form
    (tested against excel_precision in tests/test_perf_equivalence.py). Zero and
    everything else go through excel_precision."""
    s = str(v)
    if v and len(s) <= 15 and "E" not in s and not (s[-1] == "0" and "." in s):
        return v
    return excel_precision(v)


def single_cell_target(value: str) -> tuple[str, str] | None:
    """"'Parametrar'!$C$5" → ("Parametrar", "C5"); None for ranges and formulas."""
    text = value.strip().lstrip("=")
    if "!" not in text:
        return None
    sheet, _, ref = text.rpartition("!")
    sheet = sheet.strip()
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    ref = ref.replace("$", "")
    if ":" in ref or not ref[:1].isalpha():
        return None
    return sheet, ref
