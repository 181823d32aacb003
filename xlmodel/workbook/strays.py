"""Input typed just outside an input table: a finding, never silently ignored.

The rules read an input table by its Excel Table (ListObject) range. A nämnd typed in
the row after a blank row below the table, or a figure typed in the column just right
of it, is outside that range: Excel does not grow a table across a blank row. Read
silently it is simply not there, and ``validera`` passed. ``stray_findings`` reports
each non-blank cell in the ``BELOW`` rows under an input table (within its columns and
the one to its right) and in the column right of it, unless the cell belongs to another
table.

The commands that write a workbook (``regenerera``, ``rulla-fram``, ``anslut``, through
``regenerate.regenerate_package``) compute from the table as it stands and report the same
findings as warnings (``stray_warnings``): the write goes ahead, the row is named, and
``validera`` still fails on it.
"""

from __future__ import annotations

from xlmodel.findings import Finding, Severity
from xlmodel.xlsx.refs import range_boundaries

RULE = "indata.utanfor_tabell"
# A blank row and then up to two rows of input: what a user who "adds a row at the end"
# after leaving a gap types. Further down is room for notes, which are not input.
BELOW = 3


def _filled(c) -> bool:
    value = getattr(c, "value", None)
    return not (value is None or (isinstance(value, str) and not value.strip()))


def stray_findings(cells, specs) -> list[Finding]:
    """``specs``: the input tables to check (``parts.input_tables()``: every part's; the
    job passes them, so this module stays below the part registry). One ERROR finding per row that looks like a row of an input table (its first
    column and at least one more filled) within ``BELOW`` rows under the table, and per
    filled cell in the column right of a table's rows. Headings and computed summaries
    a builder puts under a table fill one cell or leave the first column empty."""
    in_rows = getattr(cells, "cells_in_rows", None)
    if in_rows is None:
        return []  # a live workbook through xlwings: Excel shows the table's extent itself
    found: list[Finding] = []
    tables = _tables(cells, specs)
    watches = getattr(cells, "memo", {}).get(_MEMO, {})
    for loc in tables:
        min_col, min_row, max_col, max_row = range_boundaries(loc.ref)
        others = [range_boundaries(t.ref) for t in tables if t.sheet == loc.sheet and t is not loc]
        rows_below: dict[int, list[tuple[int, str, object]]] = {}
        seen = None
        if loc.sheet in watches and not cells.read_whole(loc.sheet):
            seen = next((got for w in watches[loc.sheet] if (got := w.seen(loc)) is not None), None)
        beside = max_col + 1
        for c in in_rows(loc.sheet, min_row + 1, max_row + BELOW) if seen is None else seen:
            row, col = c.row, c.col
            if row <= max_row and col != beside:
                continue  # inside the table's rows and not beside them: neither test below can hold
            if not _filled(c):
                continue
            ref = c.ref
            if any(a <= col <= c2 and b <= row <= d for a, b, c2, d in others):
                continue
            if max_row < row <= max_row + BELOW and min_col <= col <= max_col:
                rows_below.setdefault(row, []).append((col, ref, c.value))
            elif col == max_col + 1 and min_row < row <= max_row:
                found.append(_finding(loc, ref, c.value, "bredvid"))
        for row in sorted(rows_below):
            filled = sorted(rows_below[row])
            if filled[0][0] == min_col and len(filled) >= 2:
                _, ref, value = filled[0]
                found.append(_finding(loc, ref, value, "under", row_cells=[r for _, r, _ in filled]))
    return found


def stray_warnings(cells, specs) -> list[Finding]:
    """``stray_findings`` as warnings, for a command that writes the computed cells from
    the tables as they stand: it says which input it left out instead of passing over it."""
    return [f.model_copy(update={"severity": Severity.WARNING}) for f in stray_findings(cells, specs)]


def _tables(cells, specs) -> list:
    return [loc for spec in specs if (loc := cells.table(spec.table)) is not None]


# --------------------------------------------------------------------------- one pass

# cells.memo key: {sheet: [_Watch, ...]} of the sheets a pass streamed with ``watched_rows``.
_MEMO = "strays.watch"
# cells.memo key: the input tables a pass should watch (``watch_tables``).
_MEMO_SPECS = "strays.specs"


def watch_tables(cells, specs) -> None:
    """Tell the passes that stream a sheet anyway (``watched_rows``) which input tables
    the stray check will look at: the job that runs the check says so before the parts
    read the workbook. Without it a pass watches nothing and the check streams the
    sheets itself (the same findings, one more read)."""
    memo = getattr(cells, "memo", None)
    if memo is not None:
        memo[_MEMO_SPECS] = list(specs)


class _Watch:
    """What ``stray_findings`` looks at on one sheet, taken from a pass that streams the
    sheet anyway (the frame table's, ``frametable.stream``), so that the check does not
    stream a large input sheet a second time. For each input table on the sheet it keeps,
    in sheet order, the filled cells the check can report - in the ``BELOW`` rows under
    the table within its columns, and in the column right of its rows - of exactly the
    rows ``cells_in_rows(sheet, min_row + 1, max_row + BELOW)`` would give: from the
    first of them to the first row after the last (rows ascend; that row ends the
    table's watch, as it ends ``iter_rows``). A table's cells are used only once its
    watch has ended so, or the sheet ended; a stream that raised is never used (the
    check then streams the sheet itself, and meets the same error)."""

    __slots__ = ("_first_row", "_open", "_ended", "broken")

    def __init__(self, cells, sheet: str, first_row: int) -> None:
        self._first_row = first_row
        self.broken = False
        # per table still watched: [loc, first row, last row, min_col, max_col, max_row, cells kept]
        self._open: list[list] = []
        self._ended: dict[str, list] = {}
        for loc in _tables(cells, getattr(cells, "memo", {}).get(_MEMO_SPECS, ())):
            if loc.sheet != sheet:
                continue
            min_col, min_row, max_col, max_row = range_boundaries(loc.ref)
            self._open.append([loc, min_row + 1, max_row + BELOW, min_col, max_col, max_row, []])

    def see(self, row: int, row_cells: list) -> None:
        if not self._open:
            return
        still = []
        for t in self._open:
            loc, lo, hi, min_col, max_col, max_row, kept = t
            if row > hi:
                self._ended[loc.name] = kept
                continue
            still.append(t)
            if row < lo:
                continue
            if row > max_row:
                kept.extend(c for c in row_cells if min_col <= c.col <= max_col and _filled(c))
            else:
                right = max_col + 1
                kept.extend(c for c in row_cells if c.col == right and _filled(c))
        self._open = still

    def end(self) -> None:
        """The sheet has no more rows: every table's watch is complete."""
        for loc, *_rest, kept in self._open:
            self._ended[loc.name] = kept
        self._open = []

    def wants_more(self) -> bool:
        return bool(self._open) and not self.broken

    def seen(self, loc) -> list | None:
        """The cells of ``loc`` the check looks at, or None if this pass did not see them all."""
        if self.broken or range_boundaries(loc.ref)[1] + 1 < self._first_row:
            return None
        return self._ended.get(loc.name)


class _Watched:
    """A sheet's row stream (``xlsx.stream.iter_rows``) that shows every row to its ``_Watch``."""

    __slots__ = ("_stream", "_watch")

    def __init__(self, stream, watch: _Watch) -> None:
        self._stream = stream
        self._watch = watch

    def __iter__(self) -> "_Watched":
        return self

    def __next__(self):
        try:
            item = next(self._stream)
        except StopIteration:
            self._watch.end()
            raise
        except BaseException:
            self._watch.broken = True
            raise
        self._watch.see(*item)
        return item

    def finish(self) -> None:
        """Read on just far enough for the watch (the rows under the tables): called by
        the pass when it is done with the sheet. An error there is left for the check's
        own read of those rows to meet, as before."""
        from xlmodel.errors import WorkbookError

        try:
            while self._watch.wants_more():
                next(self)
        except StopIteration:
            pass
        except (WorkbookError, ValueError):
            pass  # broken: the check streams these rows itself


def watched_rows(cells, sheet: str, first_row: int, stream):
    """``stream`` (the rows of ``sheet`` from ``first_row`` on, as ``iter_rows`` gives them)
    with what the stray check needs recorded on the way (``_Watch``); call ``finish()``
    when the pass is done. Only for a package read headless (``cells.memo``)."""
    watch = _Watch(cells, sheet, first_row)
    cells.memo.setdefault(_MEMO, {}).setdefault(sheet, []).append(watch)
    return _Watched(stream, watch)


def _finding(loc, ref: str, value, where: str, row_cells: list[str] | None = None) -> Finding:
    shown = str(value)[:40]
    what = f"Raden {', '.join(row_cells)}" if row_cells else f"Cellen {ref}"
    return Finding(
        rule=RULE,
        severity=Severity.ERROR,
        message=(f"{what} {where} tabellen {loc.name} har värden ({shown} …) men hör inte till tabellen "
                 f"({loc.ref}), så reglerna läser dem inte; utöka tabellen så att raden kommer med "
                 "(Tabelldesign → Ändra storlek på tabell) eller flytta värdena."),
        found=shown,
        sheet=loc.sheet,
        cell=ref,
    )
