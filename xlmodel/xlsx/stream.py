"""A worksheet read row by row, without holding the sheet (issue 6: validate's memory).

``iter_rows(pkg, sheet)`` yields ``(row number, [Cell, ...])`` for every row that has
cells, in sheet order. Flattened, the cells are exactly those ``reader.iter_cells``
yields (and so the values of ``reader.read_cells``): the same values, formulas (shared
formulas translated), styles, types, and the same errors with the same messages naming
the sheet.

How: the part comes in pieces of ``chunk_size`` bytes (``Package.iter_part``; the big
part of a lazy package is inflated piece by piece, so neither it nor its decompressed
text is ever held whole). Each piece is appended to what was left over from the last
one; everything up to the last complete row end tag (``</row>``, with the root's
namespace prefix) is scanned by the reader's own byte scanner (``reader._iter_bytes``),
which carries its state from piece to piece (row and column of the last cell for rows
and cells without ``r``, the cell count for ``max_cells``, the masters of shared
formulas); the rest (part of a row, an empty ``<row/>``, a split ``</sheetData>``) is
carried into the next piece. What is held at a time: one piece, one carried row, the
current row's cells, and (for an eager package, or a part replaced by ``with_parts``)
the part's bytes the package holds anyway. Reading stops as soon as a row after
``max_row`` is seen; the rest of the part is never decompressed.

Before any byte is scanned, libxml2 has read it (``_Checked``: each piece is fed to
``xmlsafe.WellFormed`` once the head passed the prolog check; after ``</sheetData>`` the
rest of the part is fed too, before the last rows are scanned). A malformed part is
refused with the message of the whole-part read (``Package.ensure_well_formed``), after
the rows before the damage were yielded; a part read to its end is recorded as
well-formed in the package. A long row is searched for its end again only once the text
held has doubled, so no input makes the search quadratic.

The same limits hold as for a whole-part read: the cell count (``Limits.max_cells``,
same message), and the inflated size of the part (at most its declared size, which was
checked against ``Limits`` when the package was opened; ``Package.iter_part``).

Falls back to the whole-part reader (``reader._sheet_cells``: the sheet's bytes held as
today, the results right) when the byte scan cannot be trusted piece by piece:

- comments, CDATA or processing instructions inside sheetData (what
  ``sheetxml.has_markup_hazards`` detects; the whole-part reader then takes its lxml
  path), found in the piece about to be scanned;
- a row end tag inside a cell that is not closed before it (a row nested in a cell,
  which is well-formed but no worksheet: the whole-part scan reads such a cell across
  the row end, so a cut there would differ);
- a prolog that cannot be judged from its beginning (anything ``<!`` before the root
  element other than a comment: a DOCTYPE, which the whole-part read refuses).

In a fallback the rows already yielded are not yielded again: the whole-part reading is
resumed after the cells already scanned.

Where the two reads can differ, on damaged sheets only, and only in when an error is
raised: a malformed part, or a sheetData that is never closed, raises its error (the
same message) when the stream reaches the damage, after the rows before it, while
``read_cells`` raises before any cell; and when both a damaged cell and a
markup hazard after it are present, the cell's error comes from the byte scan (which
quotes a bad number as ``b'x'``), while ``read_cells`` reads such a sheet with lxml
(which quotes it as ``'x'``). Broken shared strings in a sheet whose sheetData is also
unclosed raise the shared-strings error first.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import islice
from typing import Iterator

from xlmodel.errors import WorkbookError
from xlmodel.xlsx.package import Package
from xlmodel.xlsx.reader import Cell, _iter_bytes, _ScanState, _sheet_cells, _sheet_error, shared_strings
from xlmodel.xlsx.sheetxml import _ROOT, Patterns, has_markup_hazards, patterns, root_prefix, sheet_data_span
from xlmodel.xlsx.xmlsafe import WellFormed, _first_element

# Bytes per piece of the part. 32 KiB: the scan's cost per piece (a regex search for
# the last row end, one concatenation of the carried row) is negligible next to
# scanning 32 KiB of cells (about 125 cells), and 32 KiB is a small fraction of the
# sheets this is for (150-700 KiB in the 2,000-cost-centre plan). Validate streams three
# sheets at once, each holding a piece and the carried bytes: at 64 KiB that was ~0,2 MB
# more at its memory peak (bench/EXPLANATION.md). Tests pass a few dozen bytes to cut
# rows at every position.
CHUNK_BYTES = 32 * 1024

# The prolog check reads the encoding declaration from the first bytes of a part: judge
# the head only once it has this many (or is the whole part).
_ENCODING_WINDOW = 100
_WORD_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


class _Fallback(Exception):
    """The byte scan cannot go on piece by piece: read the whole part."""


@lru_cache(maxsize=8)
def _cell_close(prefix: bytes) -> re.Pattern[bytes]:
    return re.compile(rb"</" + re.escape(prefix) + rb"c\s*>")


def iter_rows(
    pkg: Package,
    sheet: str,
    *,
    min_row: int = 1,
    max_row: int | None = None,
    chunk_size: int = CHUNK_BYTES,
) -> Iterator[tuple[int, list[Cell]]]:
    """Yield ``(row, cells)`` for the rows min_row..max_row of a worksheet that have
    cells, reading the part piece by piece (see the module docstring)."""
    if chunk_size < 1:
        raise ValueError("chunk_size must be positive")
    cells = _cells(pkg, sheet, max_row, chunk_size)
    current: list[Cell] = []
    current_row = 0
    try:
        for cell in cells:
            r = cell[1]
            if r < min_row:
                continue
            if max_row is not None and r > max_row:
                break  # rows are in ascending order (ECMA-376 Part 1, §18.3.1.73)
            if current and r == current_row:
                current.append(cell)
                continue
            if current:
                yield current_row, current
            current_row, current = r, [cell]
        if current:
            yield current_row, current
    finally:
        cells.close()  # stop inflating the rest of the part


def _raise_wrapped(sheet: str, err: Exception, where: str | None) -> None:
    """Raise a scan error as ``reader.iter_cells`` does (naming the sheet)."""
    raised = _sheet_error(sheet, err, where)
    if raised is err:
        raise err
    raise raised from None


class _Checked:
    """The pieces of a part, each fed to the well-formedness check (``xmlsafe.WellFormed``)
    before any byte of it is scanned. Feeding starts once the head has passed the prolog
    check (``arm``, after the sheetData start tag was found: a DTD never reaches libxml2);
    the pieces read before are fed then. When the part is used up the check is closed
    and the part recorded as well-formed in the package. A part already checked in this
    package is passed through unchecked."""

    __slots__ = ("_pieces", "_pkg", "_part", "_check", "_held", "_done")

    def __init__(self, pkg: Package, part: str, pieces: Iterator[bytes]) -> None:
        self._pieces = pieces
        self._pkg = pkg
        self._part = part
        known = pkg.known_well_formed(part)
        self._check = None if known else WellFormed(part, pkg.where)
        self._held: list[bytes] | None = [] if not known else None  # read before arm()
        self._done = False

    def __iter__(self) -> "_Checked":
        return self

    def __next__(self) -> bytes:
        piece = next(self._pieces, None)
        if piece is None:
            if not self._done and self._check is not None and self._held is None:
                self._done = True
                self._check.close()
                self._pkg.mark_well_formed(self._part)
            raise StopIteration
        if self._check is not None:
            if self._held is not None:
                self._held.append(piece)
            else:
                self._check.feed(piece)
        return piece

    def arm(self) -> None:
        """The prolog passed: feed what was read so far, and every piece from now on."""
        if self._check is None or self._held is None:
            return
        held, self._held = self._held, None
        for piece in held:
            self._check.feed(piece)


def _cells(pkg: Package, sheet: str, max_row: int | None, chunk_size: int) -> Iterator[Cell]:
    """The cells of a sheet in file order, as ``reader._sheet_cells`` gives them, with
    scan errors already named by sheet. Structural errors (no root, a DTD, no or an
    unclosed sheetData, a malformed part) are raised as they are, as by ``read_cells``."""
    part = pkg.actual_name(pkg.sheet_part(sheet))
    where = pkg.where
    scanned = 0  # cells given so far: a fallback skips as many of the whole-part read
    try:
        pieces = _Checked(pkg, part, pkg.iter_part(part, chunk_size))
        head = bytearray()
        ended = False
        look_at = 0  # judge the head again once it has this many bytes (doubling: linear)
        while True:  # the head: prolog, root element and the sheetData start tag
            piece = next(pieces, None)
            if piece is None:
                ended = True
            else:
                head += piece
                if len(head) < look_at:
                    continue
            found = _sheet_data_start(head, ended, part, where)
            if found is not None:
                break
            look_at = 2 * len(head)
        pat, content_start, empty = found
        pieces.arm()  # the prolog passed: libxml2 reads the head and every piece from here on
        sst = shared_strings(pkg)
        if empty:
            for _ in pieces:  # the rest of the part: checked, not scanned
                pass
            return  # <sheetData/>: no cells
        buf = bytes(head[content_start:])
        del head
        state = _ScanState()
        max_cells = pkg.limits.max_cells
        close_re = pat.sheet_data_close
        row_end = b"</" + pat.prefix + b"row"
        tag_c = pat.tag_c
        cell_close = _cell_close(pat.prefix)
        pending: list[bytes] = []  # pieces read since buf was last searched
        while True:
            close = close_re.search(buf)
            if close is not None:
                tag_at, cut, final = close.start(), close.start(), True
            else:
                tag_at, cut = _last_row_end(buf, row_end, pat)
                final = False
                if tag_at < 0:  # not one complete row yet: read on, and search again once
                    # the text has doubled (a search per piece of a long row would be quadratic)
                    grown = 0
                    while not pending or grown < len(buf):
                        piece = next(pieces, None)
                        if piece is None:
                            break
                        pending.append(piece)
                        grown += len(piece)
                    if not pending:
                        raise WorkbookError(f"delen {part!r} är trasig (sheetData avslutas inte)", path=where)
                    buf = b"".join([buf, *pending])
                    pending.clear()
                    piece = None
                    continue
            if final:
                for _ in pieces:  # the rest of the part is checked (not scanned) before the last rows
                    pass
            if has_markup_hazards(buf, 0, cut) or (not final and _cell_left_open(buf, tag_at, tag_c, cell_close)):
                raise _Fallback
            try:
                for cell in _iter_bytes(buf, 0, cut, pat, sst, where, max_cells, max_row=max_row, state=state):
                    scanned += 1
                    yield cell
            except (WorkbookError, ValueError) as err:
                _raise_wrapped(sheet, err, where)
            if final or (max_row is not None and state.row > max_row):
                return  # the end of sheetData, or past the last row wanted: nothing more is inflated
            piece = next(pieces, None)
            if piece is None:  # the part ends inside sheetData
                raise WorkbookError(f"delen {part!r} är trasig (sheetData avslutas inte)", path=where)
            buf = buf[cut:] + piece
            piece = None  # only buf refers to the piece's bytes now
    except _Fallback:
        pass
    # The whole-part read, after the cells already given (the same cells: the pieces
    # scanned so far had no hazard and no cell across their end).
    rest = _sheet_cells(pkg, sheet, max_row)
    try:
        yield from islice(rest, scanned, None)
    except (WorkbookError, ValueError) as err:
        _raise_wrapped(sheet, err, where)


def _sheet_data_start(
    head: bytearray, ended: bool, part: str, where: str | None
) -> tuple[Patterns, int, bool] | None:
    """From the beginning of a sheet part: its patterns (by the root's prefix), where
    the content of sheetData starts, and whether sheetData is an empty element; None if
    more of the part is needed. The checks and errors are the whole-part read's
    (``root_prefix``, ``sheet_data_span``), applied once the head holds everything they
    look at; ``_Fallback`` for a prolog they must see whole."""
    if not ended and len(head) < _ENCODING_WINDOW:
        return None
    at = _first_element(head)
    if at < 0:  # the prolog goes on (or the part has no root: the whole-part read says so)
        if ended:
            raise _Fallback
        return None
    if at >= len(head):  # '<!' other than a comment before the root: judged on the whole part
        raise _Fallback
    m = _ROOT.match(head, at)
    if m is None or (m.end() == len(head) and not ended):  # the root's name may go on
        if ended:
            raise _Fallback
        return None
    data = bytes(head)
    pat = patterns(root_prefix(data, part, where))
    found = pat.sheet_data_open.search(data)
    if found is None:
        if not ended:
            return None
        sheet_data_span(data, pat, part, where)  # raises: no sheetData
        raise _Fallback  # (cannot happen: it raised)
    return pat, found.end(), bool(found.group(2))


def _last_row_end(buf: bytes, row_end: bytes, pat: Patterns) -> tuple[int, int]:
    """(start, end) of the last complete row end tag in ``buf``; (-1, -1) if none."""
    hi = len(buf)
    while True:
        at = buf.rfind(row_end, 0, hi)
        if at < 0:
            return -1, -1
        m = pat.row_close.match(buf, at)
        if m is not None:
            return at, m.end()
        hi = at  # '</row' cut off at the end of the piece (or '</rows'): look further back


def _cell_left_open(buf: bytes, limit: int, tag_c: bytes, cell_close: re.Pattern[bytes]) -> bool:
    """Whether the last cell start tag before ``limit`` (where the row end tag starts)
    is not closed before it: then the whole-part scan would read that cell on past the
    row end, and a cut there would not give the same cells. Only the last one needs a
    look: a cell read past the cut has no cell end tag between its start and the cut,
    so neither has any cell start after it."""
    hi = limit
    while True:
        at = buf.rfind(tag_c, 0, hi)
        if at < 0:
            return False
        after = at + len(tag_c)
        if after < len(buf) and buf[after] in _WORD_BYTES:  # '<color', '<cols'...: not a cell
            hi = at
            continue
        gt = buf.find(b">", after, limit)
        if gt < 0:
            return True  # the start tag itself runs into the row end
        if buf[gt - 1] == 0x2F:  # '/>': an empty cell
            return False
        return cell_close.search(buf, gt, limit) is None
