"""Validate a regionplan's frame table in one pass over its rows, holding one chain of rows.

Why: ``frames.validate_frames_whole`` reads every cell of Ramar, Förändringar and Ramtabell
into dicts and builds a model of every row: on a plan of 2 000 cost centres that is
about 13 × the workbook's XML, and issue 6 asks for validation within 2 × (bench/).
Here the three sheets are read row by row as they are decompressed
(``xlmodel.xlsx.stream``). Förändringar is summed per row first. Then each Ramar row is
computed by the core's ``fold_frame_rows`` as soon as its varav rows are done (the
same ``frame_row`` the whole table uses), its Ramtabell row - read when the pass went
by it - is compared with the same owned cells (``frames.FrametableCells``) and the same
``compare_cell``, and both are dropped. Only the chain of unfinished parents is held,
so memory does not grow with the plan or with a nämnd's size. What must be seen whole -
the sum row, omfördelning netting to zero, nettoram, the published figures, the
announced index - is added up row by row (``FrameTotals``).

Nothing here decides anything the whole-table path does not: whatever this path does
not take on - an input error of any kind, a varav row that does not follow its
parent's chain, an id used twice, live Excel - makes it give up (``None``), and the
whole table is validated as before (``validate_frames`` falls back to it), which reports the error at its cell.
tests/test_frames_stream.py checks that both paths give identical findings and counts
on the shipped workbook, generated plans, deeper varav trees and damaged copies.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from xlmodel.xlsx.refs import get_column_letter, range_boundaries

from xlmodel.errors import InputError, WorkbookError
from xlmodel.findings import Finding
from xlmodel.rules.frametable import (
    FrameChange,
    FrameRow,
    FrameTableInput,
    FrameTotals,
    OutOfOrder,
    aggregate_changes,
    fold_frame_rows,
)
from xlmodel.workbook.layout import (
    CHANGES_TABLE,
    FIRST_DATA_ROW,
    FRAMES_TABLE,
    FRAMETABLE_BLOCK,
    FRAMETABLE_SUM_ID,
    PUBLISHED_TABLE,
    REGIONPLAN_PARAMS,
    InputTable,
)
from xlmodel.workbook.frametable.frames import (
    MAX_EXTENT,
    FrametableCells,
    change_of,
    extent_step,
    frame_row_of,
    inactual_finding,
    locate_findings_at,
    published_rows,
    validate_frames_whole,
)
from xlmodel.workbook.block_names import FRAMETABLE as FRAMETABLE_NAME, read_block
from xlmodel.workbook.frametable.frames import frame_place
from xlmodel.workbook import strays
from xlmodel.workbook.owned import compare_cell
from xlmodel.workbook.tables import RawTable
from xlmodel.xlsx.cellref import col_index
from xlmodel.workbook.cells import read_param, read_table, table_columns

RULE = "ramtabell"
# Rows typed at a time (Förändringar, Ramar): bounds what is held between typing and use.
# A chunk of each table is held at once, at validate's memory peak: 128 rows hold half
# of what 256 did (~0,13 MB less on a 2 000-row plan) for a few more calls of typed().
CHUNK_ROWS = 128


class _GiveUp(Exception):
    """This workbook is validated whole instead (see the module docstring)."""


class _AnyRow:
    """Every row id: a change's row is checked against the rows as they come (fold_frame_rows)."""

    def __contains__(self, _item: object) -> bool:
        return True


def _row_stream(pkg, sheet: str, min_row: int, max_row: int | None = None) -> Iterator[tuple[int, list]]:
    from xlmodel.xlsx.stream import iter_rows

    return iter_rows(pkg, sheet, min_row=min_row, max_row=max_row)


class _Cursor:
    """The cells of one sheet, row by row in ascending order, held one row at a time."""

    def __init__(self, pkg, sheet: str, first_row: int, watch=None) -> None:
        self._rows = _row_stream(pkg, sheet, first_row)
        if watch is not None:  # an input sheet: the stray-input check sees its rows on the way
            self._rows = watch(self._rows)
        self._pending: tuple[int, list] | None = None
        self._done = False
        self._last = first_row - 1

    def row(self, r: int) -> dict[int, Any]:
        """Cells of sheet row ``r`` by column number (empty if the row has none)."""
        if r <= self._last:
            raise AssertionError("rows are read in ascending order")
        self._last = r
        while not self._done:
            if self._pending is None:
                try:
                    self._pending = next(self._rows)
                except StopIteration:
                    self._done = True
                    break
            at, cells = self._pending
            if at < r:
                self._pending = None
                continue
            if at == r:
                self._pending = None
                return {c.col: c for c in cells}
            break
        return {}

    def finish(self) -> None:
        """Done with the sheet: let the stray-input check's watch read the few rows it
        still needs (``strays.watched_rows``)."""
        finish = getattr(self._rows, "finish", None)
        if finish is not None:
            self._done = True
            self._pending = None
            finish()


_Row = tuple[int, dict[str, Any], tuple[str, ...]]  # sheet row, raw row, amount keys shown as a percentage


def _table_rows(cells, spec: InputTable) -> tuple[Any, dict[str, int], int, Iterator[_Row]]:
    """(location, column of each key, first data row, iterator of (sheet row, raw row,
    amount keys whose number is shown as a percentage)) over an input table's data rows,
    every row of its range (blank ones too, as ``read_table`` gives them)."""
    loc = cells.table(spec.table)
    if loc is None:
        raise _GiveUp
    min_col, min_row, max_col, max_row = range_boundaries(loc.ref)
    last = max_row - (1 if loc.has_totals else 0)
    cursor = _Cursor(cells.pkg, loc.sheet, min_row,
                     watch=lambda rows: strays.watched_rows(cells, loc.sheet, min_row, rows))
    header = cursor.row(min_row)
    value_of = cells.value_of

    def header_value(ref: str) -> Any:
        col = range_boundaries(ref)[0]
        c = header.get(col)
        return None if c is None else value_of(c)

    col_of = table_columns(spec, loc, header_value, RULE)
    keyed = list(col_of.items())
    amounts = [(c.key, col_of[c.key]) for c in spec.inputs if c.kind == "amount"]
    percent_styles = cells.percent_styles()

    def shown_as_percent(got: dict[int, Any]) -> tuple[str, ...]:  # as tables.percent_cells decides
        return tuple(key for key, c in amounts
                     if c in got and got[c].style in percent_styles and isinstance(got[c].value, Decimal)
                     and got[c].value)

    def rows() -> Iterator[_Row]:
        for r in range(min_row + 1, last + 1):
            got = cursor.row(r)
            yield r, {key: (value_of(got[c]) if c in got else None) for key, c in keyed}, \
                shown_as_percent(got) if percent_styles else ()
        cursor.finish()

    return loc, col_of, min_row + 1, rows()


def _typed(spec: InputTable, loc, col_of: dict[str, int], rows: list[_Row]) -> list[dict]:
    """``RawTable.typed`` over some rows of a table (errors located at their cells)."""
    letters = {key: get_column_letter(c) for key, c in col_of.items()}
    table = RawTable(
        spec=spec,
        rows=[raw for _r, raw, _percent in rows],
        locate=lambda i, key: (loc.sheet, f"{letters[key]}{rows[i][0]}"),
        columns=col_of,
        sheet=loc.sheet,
        percent_cells=frozenset((i, key) for i, (_r, _raw, percent) in enumerate(rows) for key in percent),
    )
    return table.typed(RULE)


def _typed_rows(cells, spec: InputTable) -> Iterator[dict]:
    """An input table's typed rows in order (blank rows skipped, as ``RawTable.typed``
    does), typed ``CHUNK_ROWS`` at a time so that only a chunk is held."""
    loc, col_of, _first, rows = _table_rows(cells, spec)
    chunk: list[_Row] = []
    for item in rows:
        chunk.append(item)
        if len(chunk) >= CHUNK_ROWS:
            typed = _typed(spec, loc, col_of, chunk)
            chunk = []
            yield from typed
    yield from _typed(spec, loc, col_of, chunk)


def _changes(cells) -> Iterator[FrameChange]:
    for c in _typed_rows(cells, CHANGES_TABLE):
        change = change_of(c)
        if change is None:
            raise _GiveUp  # the whole-table path names the cell
        yield change


def _frame_rows(cells) -> Iterator[FrameRow]:
    for t in _typed_rows(cells, FRAMES_TABLE):
        yield frame_row_of(t)


def validate_frames(cells) -> tuple[list[Finding], int]:
    """Recompute the frame table from the workbook's inputs and compare every owned cell.
    Returns the findings and the number of cells checked.

    A file is validated in one pass over its rows (``validate_frames_streaming``: the same
    core function and cells, a fraction of the memory); whatever that path does not take
    on - bad input, a varav row out of its parent's order, live Excel - is validated
    whole (``frames.validate_frames_whole``)."""
    streamed = validate_frames_streaming(cells)
    if streamed is not None:
        return streamed
    return validate_frames_whole(cells)


def validate_frames_streaming(cells) -> tuple[list[Finding], int] | None:
    """``validate_frames`` for a workbook file in one pass over its rows; None when the
    whole-table path must do it (see the module docstring)."""
    if getattr(cells, "pkg", None) is None or not hasattr(cells, "memo"):
        return None  # live Excel: read afresh through xlwings, whole
    if "frames.computed" in cells.memo:
        return None  # already computed whole: nothing to save
    try:
        return _validate(cells)
    except (_GiveUp, OutOfOrder, InputError, WorkbookError):
        return None


def _validate(cells) -> tuple[list[Finding], int]:
    params = {p.name: read_param(cells, p, RULE) for p in REGIONPLAN_PARAMS}
    published_raw = read_table(cells, PUBLISHED_TABLE, RULE, optional=True)
    published = published_rows(published_raw)
    header = FrameTableInput(
        year=params["Budgetar"],
        default_index_rate=params["Standardindex"],
        rows=[],
        announced_index_total=params["AviseratIndex"],
        published=published,
        nettoram=params["Nettoram"],
    )
    totals = FrameTotals(header)
    rate = header.default_index_rate
    sheet = FRAMETABLE_BLOCK.sheet
    if sheet not in cells.sheet_names() or frame_place(cells) is not FRAMETABLE_BLOCK:
        raise _GiveUp  # no Ramtabell, or the table moved by its name: validated whole
    # Each row's own changes, summed per kind; a change on a row that never comes is
    # left over at the end.
    own = aggregate_changes(_changes(cells), _AnyRow())

    parts = FrametableCells(header.year)
    out = _Ramtabell(cells, sheet)
    out.compare(FRAMETABLE_BLOCK.header_row, out.take(FRAMETABLE_BLOCK.header_row), parts.header())
    row_of: dict[str, int] = {}
    wanted = {p.id for p in published}
    top_level_rows: list[int] = []
    committees: list[tuple[int, Any]] = []
    # The Ramtabell row of each row is read as the pass reaches it and held until the
    # row is complete (after its varav rows): one row per unfinished parent.
    stored: dict[int, dict[int, Any]] = {}

    def rows_reading_ramtabell() -> Iterator[FrameRow]:
        for i, row in enumerate(_frame_rows(cells)):
            stored[i] = out.take(FIRST_DATA_ROW + i)
            yield row

    n = 0
    for i, result, found in fold_frame_rows(rows_reading_ramtabell(), own, default_index_rate=rate,
                                            total_id=FRAMETABLE_SUM_ID):
        at = FIRST_DATA_ROW + i
        totals.add_row(result, found)  # children before their parent, as the whole table gives them
        if found or result.id in wanted:
            row_of[result.id] = at
        if result.parent is None:
            top_level_rows.append(at)
            committees.append((at, result))
        out.compare(at, stored.pop(i), parts.row(result, at))
        n += 1
    r = FIRST_DATA_ROW + n
    if own:
        raise _GiveUp  # a change on a row that does not exist: named at its cell there
    total, core_findings, _residual = totals.finish()
    row_of[FRAMETABLE_SUM_ID] = r
    out.compare(r, out.take(r), parts.sum_row(total, r, top_level_rows))
    named = read_block(cells, FRAMETABLE_NAME)  # as frames.old_extent: the name's extent, or further where ids run on
    last_found = max(out.extent_end(), named.last_row if named is not None else 0)
    findings = locate_findings_at(row_of, core_findings, published_raw) + out.sorted_findings()
    extra = inactual_finding(last_found, r)
    if extra is not None:
        findings.append(extra)
    cells.memo["frames.committees"] = (header.year, committees)
    return findings, out.checked


class _Ramtabell:
    """The Ramtabell sheet read once, top to bottom. ``take`` reads a row as the pass
    reaches it (and follows the id column as ``frames.old_extent`` does: down to the sum
    row's id or the first empty id); ``compare`` checks a row's owned cells once its
    values are known, which for a row with varav rows is after them; the findings are
    put back in sheet order at the end."""

    def __init__(self, cells, sheet: str) -> None:
        self.cells = cells
        self.sheet = sheet
        self._findings: list[tuple[int, int, Finding]] = []
        self.checked = 0
        self._cursor = _Cursor(cells.pkg, sheet, FRAMETABLE_BLOCK.header_row)
        self._id_col = range_boundaries(f"{FRAMETABLE_BLOCK.col_letter('id')}1")[0]
        self._extent_last = FIRST_DATA_ROW - 1
        self._extent_open = True
        self._next_row = FIRST_DATA_ROW

    def take(self, r: int) -> dict[int, Any]:
        got = self._cursor.row(r)
        if r >= FIRST_DATA_ROW:
            self._follow_extent(r, got)
        return got

    def compare(self, r: int, got: dict[int, Any], expected: list) -> None:
        value_of = self.cells.value_of
        for i, oc in enumerate(expected):
            c = got.get(_col_number(oc.ref))
            found = (None, None) if c is None else (c.formula, value_of(c))
            self.checked += 1
            f = compare_cell(self.cells, self.sheet, oc, RULE, found_cell=found)
            if f is not None:
                self._findings.append((r, i, f))

    def sorted_findings(self) -> list[Finding]:
        """In sheet order: row, then the order of the row's owned cells."""
        return [f for _r, _i, f in sorted(self._findings, key=lambda t: (t[0], t[1]))]

    def _follow_extent(self, r: int, got: dict[int, Any]) -> None:
        if r != self._next_row:
            raise AssertionError("the frame table's rows are read in order")
        self._next_row = r + 1
        if not self._extent_open:
            return
        c = got.get(self._id_col)
        belongs, self._extent_open = extent_step(None if c is None else self.cells.value_of(c))
        if belongs:
            self._extent_last = r

    def extent_end(self) -> int:
        """The last row of the table as ``frames.old_extent`` finds it."""
        while self._extent_open and self._next_row < FIRST_DATA_ROW + MAX_EXTENT:
            r = self._next_row
            self._follow_extent(r, self._cursor.row(r))
        return self._extent_last


_COL_CACHE: dict[str, int] = {}


def _col_number(ref: str) -> int:
    """The column number of an owned cell's reference, cached per letters (16 000 cells,
    a handful of columns)."""
    letters = ref.rstrip("0123456789")
    n = _COL_CACHE.get(letters)
    if n is None:
        n = _COL_CACHE[letters] = col_index(letters)
    return n
