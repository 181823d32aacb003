"""Page setup of every built workbook: what a controller needs to print a sheet and send it.

Applied once per book, after every sheet is written and before the file is closed
(``Book.close``), from what the sheets actually hold, so no builder has to know it:

- **Column widths from the text.** Each header and label is measured with Calibri's
  advance widths (``font_metrics``, generated from Carlito, its metric twin, which is
  what LibreOffice prints Calibri with). A column is widened until its text fits; a
  header that wraps (table headers do) is widened to its longest word and to at most
  ``MAX_HEADER_LINES`` lines, and its row is made tall enough for the lines. Text
  whose right neighbour is empty may run on into it, as in Excel; a wrapped note is
  given the rows it needs.
- **Print area** over the cells and charts of the sheet, **print titles** (the header
  row of the sheet's tables on every page, and the Id/Post columns when a sheet is
  wider than one page), a **header** with the document and the sheet and a **footer**
  with the date and "Sida x av y".
- **Scale**: one page wide where that fits at ``MIN_PRINT_SCALE`` % or more (an explicit
  scale, the same in Excel and LibreOffice); where it does not with the normal margins,
  with narrow side margins (``NARROW_MARGIN_IN``, Excel's "Smal"); where it does not
  even so, a deliberate split across (``split_columns``): vertical page breaks between
  whole columns, after a gap between two tables where one falls within a page, the title columns
  (Id and Post) repeated, and the largest scale at which the sheet still takes as few
  pages across and down as at ``MIN_PRINT_SCALE`` %. Never below ``MIN_PRINT_SCALE`` %.
- **Charts never across a page break**: the rows are laid out on pages as the printer
  will (row heights, the scale, the repeated header row, with a margin for rounding);
  a chart that would not fit in what is left of its page gets a manual page break
  above it, and is never wider than a page.
- The ``xlwings.conf`` sheet is hidden, so it is never printed. xlwings still reads it:
  the add-in's ``GetConfigFromSheet`` takes ``wb.Sheets("xlwings.conf")`` and reads its
  ranges (no ``Visible`` test; a hidden sheet is in ``Sheets`` and its ranges read as
  usual), and ``xlwings.utils.read_config_sheet`` does ``book.sheets["xlwings.conf"]``.

Page geometry (A4 landscape, XlsxWriter's default margins 0.7"/0.75") and Excel's
column unit (a width of w characters is 7·w + 5 pixels at Calibri 11) are stated below.
"""

from __future__ import annotations

import math
from typing import Any

from xlmodel.workbook import font_metrics as FM
from xlmodel.workbook import layout as L

MIN_PRINT_SCALE = 70           # percent: 11 pt prints as 7.7 pt, the smallest we call readable
MAX_HEADER_LINES = 3
MAX_COLUMN_WIDTH = 120         # characters; a text wider than this wraps or runs on
MAX_NOTE_LINES = 2             # a help note beside a parameter: two lines, so its row stays low
MAX_NOTE_WIDTH = 48
FONT_SIZE_PT = 11
PX_PER_PT = 96 / 72
LINE_HEIGHT_PT = 15            # Calibri 11: Excel's default row height
CELL_PADDING_PX = 7            # Excel leaves ~2 px each side and rounds; a little room more
# A4 landscape 297 × 210 mm, margins left/right 0.7", top/bottom 0.75" (XlsxWriter's
# defaults, also Excel's "Normal"), header/footer 0.3": the printable area in pixels (96/in).
PRINTABLE_WIDTH_PX = (297 / 25.4 - 1.4) * 96
PRINTABLE_HEIGHT_PX = (210 / 25.4 - 1.5) * 96
DEFAULT_ROW_PX = 20
# Excel's "Smal" (narrow) margins left and right: a sheet just too wide for a page gains
# 0.9" (8 %) of width, what takes Resultatbudget's and the balanskravsutredning's table
# onto one page at a readable scale.
NARROW_MARGIN_IN = 0.25
NARROW_PRINTABLE_WIDTH_PX = (297 / 25.4 - 2 * NARROW_MARGIN_IN) * 96
PAGE_FILL = 0.94               # plan pages 6 % short: LibreOffice and Excel round row heights


def text_width_px(text: str, *, bold: bool = False, italic: bool = False, size_pt: float = FONT_SIZE_PT) -> float:
    """The printed width of ``text`` in Calibri, in pixels at 96 dpi (no kerning)."""
    table, default = {
        (False, False): (FM.REGULAR, FM.REGULAR_DEFAULT),
        (True, False): (FM.BOLD, FM.BOLD_DEFAULT),
        (False, True): (FM.ITALIC, FM.ITALIC_DEFAULT),
        (True, True): (FM.BOLD_ITALIC, FM.BOLD_ITALIC_DEFAULT),
    }[(bool(bold), bool(italic))]
    units = sum(table.get(ch, default) for ch in text)
    return units / FM.UNITS_PER_EM * size_pt * PX_PER_PT


def column_px(width_chars: float) -> float:
    """Excel's pixel width of a column ``width_chars`` wide (Calibri 11: 7 px a digit + 5)."""
    return 0.0 if width_chars <= 0 else 7 * width_chars + 5


# LibreOffice sizes a column by the font's real digit width (Carlito's 1038/2048 em, 7.43 px
# at 11 pt) instead of Excel's whole 7 px, so the same sheet is ~6 % wider there: the page
# fit is computed with the wider of the two.
PRINT_PX_PER_CHAR = 7.5


def printed_column_px(width_chars: float) -> float:
    return 0.0 if width_chars <= 0 else PRINT_PX_PER_CHAR * (width_chars + 5 / 7)


def chars_for_px(px: float) -> float:
    return max(0.0, (px - 5) / 7)


def wrapped_lines(text: str, width_px: float, *, bold: bool = False, italic: bool = False,
                  size_pt: float = FONT_SIZE_PT) -> int:
    """How many lines ``text`` takes when wrapped at word boundaries in ``width_px``."""
    lines = 0
    for paragraph in text.split("\n"):
        lines += 1
        current = ""
        for word in paragraph.split(" "):
            trial = f"{current} {word}" if current else word
            if current and text_width_px(trial, bold=bold, italic=italic, size_pt=size_pt) + CELL_PADDING_PX > width_px:
                lines += 1
                current = word
            else:
                current = trial
    return lines


def number_text(value: float, num_format: str) -> str:
    """Roughly how a number prints under one of the house formats in a Swedish Excel
    (space thousands, comma decimal): enough to measure its width."""
    fmt = num_format.split(";")[0]
    decimals = len(fmt.split(".")[1].rstrip("%")) if "." in fmt else 0
    percent = fmt.endswith("%")
    v = value * 100 if percent else value
    text = f"{abs(v):,.{decimals}f}".replace(",", " ").replace(".", ",")
    return ("-" if v < 0 else "") + text + (" %" if percent else "")


class _SheetText:
    """The text of each cell of an XlsxWriter worksheet with the format it prints in."""

    def __init__(self, ws: Any) -> None:
        strings = ws.str_table.string_table  # shared strings: text -> index, until close
        by_index = {i: s for s, i in strings.items()}
        self.cells: dict[tuple[int, int], tuple[str, Any, bool]] = {}  # (row, col) -> (text, format, numeric)
        for r, row in ws.table.items():
            for c, cell in row.items():
                kind = type(cell).__name__
                fmt = getattr(cell, "format", None)
                if kind == "String":
                    self.cells[(r, c)] = (by_index.get(cell.string, ""), fmt, False)
                elif kind == "Number":
                    nf = getattr(fmt, "num_format", "") if fmt is not None else ""
                    if isinstance(nf, str) and nf and nf != "General":
                        self.cells[(r, c)] = (number_text(cell.number, nf), fmt, True)
                    else:
                        self.cells[(r, c)] = (f"{cell.number:g}".replace(".", ","), fmt, True)
                elif kind in ("Formula", "ArrayFormula"):
                    value = cell.value
                    if isinstance(value, str):
                        self.cells[(r, c)] = (value, fmt, False)
                    elif isinstance(value, (int, float)):
                        nf = getattr(fmt, "num_format", "") if fmt is not None else ""
                        self.cells[(r, c)] = (number_text(value, nf) if nf else f"{value:g}", fmt, True)
                elif kind == "Boolean":
                    self.cells[(r, c)] = ("SANT" if cell.boolean else "FALSKT", fmt, False)

    def filled(self, r: int, c: int) -> bool:
        cell = self.cells.get((r, c))
        return cell is not None and cell[0] != ""


def _style(fmt: Any) -> tuple[bool, bool, bool, float]:
    if fmt is None:
        return False, False, False, FONT_SIZE_PT
    return bool(fmt.bold), bool(fmt.italic), bool(fmt.text_wrap), float(fmt.font_size or FONT_SIZE_PT)


def _col_width_chars(ws: Any, c: int) -> float:
    info = ws.col_info.get(c)
    px = info.width if info is not None and info.width is not None else ws.default_col_width
    return chars_for_px(px)


def _set_col(ws: Any, c: int, width_chars: float) -> None:
    info = ws.col_info.get(c)
    ws.set_column(c, c, round(width_chars, 2), info.column_format if info is not None else None)


def _row_px(ws: Any, r: int) -> float:
    size = ws.row_sizes.get(r)
    return size[0] if size is not None else ws.default_row_height


def fit_columns(ws: Any, title_rows: int = 2, wrapped_format=None) -> None:
    """Widen columns to their text and give wrapped cells the rows they need.

    Rows 1..``title_rows`` (the sheet title and subtitle) run on across empty cells,
    as they are meant to; every other text cell is fitted. A text that runs past the
    sheet's last column even so (a long source line under a title) is given
    ``wrapped_format(format)``, the same format wrapping, and the rows it then needs."""
    text = _SheetText(ws)
    need: dict[int, float] = {}
    wrapped: list[tuple[int, int, str, Any]] = []
    last_col = ws.dim_colmax if ws.dim_colmax is not None else 0
    for (r, c), (s, fmt, _numeric) in text.cells.items():
        if not s or r < title_rows:
            continue
        bold, italic, wrap, size = _style(fmt)
        indent_px = (fmt.indent if fmt is not None and fmt.indent else 0) * 9
        if wrap:
            longest = max((text_width_px(w, bold=bold, italic=italic, size_pt=size) for w in s.split()), default=0)
            need[c] = max(need.get(c, 0), chars_for_px(longest + indent_px + CELL_PADDING_PX))
            wrapped.append((r, c, s, fmt))
            continue
        if not _numeric and not text.filled(r, c + 1) and c < last_col:
            continue  # runs on into the empty cell to its right, as Excel shows it
        width = text_width_px(s, bold=bold, italic=italic, size_pt=size) + indent_px + CELL_PADDING_PX
        need[c] = max(need.get(c, 0), min(chars_for_px(width), MAX_COLUMN_WIDTH))
    for c, chars in need.items():
        if chars > _col_width_chars(ws, c) + 0.01:
            _set_col(ws, c, math.ceil(chars * 4) / 4)
    # Text that still runs past what it may use (its cell and the empty ones to its right,
    # up to the last column) wraps in its cell.
    if wrapped_format is not None:
        for (r, c), (s, fmt, numeric) in text.cells.items():
            bold, italic, wrap, size = _style(fmt)
            if not s or wrap or numeric:
                continue
            room = column_px(_col_width_chars(ws, c))
            k = c + 1
            while k <= last_col and not text.filled(r, k):
                room += column_px(_col_width_chars(ws, k))
                k += 1
            if text_width_px(s, bold=bold, italic=italic, size_pt=size) + CELL_PADDING_PX > room:
                new = wrapped_format(fmt)
                ws.table[r][c] = ws.table[r][c]._replace(format=new)
                wrapped.append((r, c, s, new))
    # Wrapped headers: widen until the text takes at most MAX_HEADER_LINES lines.
    for r, c, s, fmt in wrapped:
        bold, italic, _wrap, size = _style(fmt)
        if bold:
            max_lines, max_width = MAX_HEADER_LINES, MAX_COLUMN_WIDTH
        elif italic:
            max_lines, max_width = MAX_NOTE_LINES, MAX_NOTE_WIDTH  # a help note beside a parameter
        else:
            continue  # a source text or a goal: it takes the lines it needs in its column
        width = _col_width_chars(ws, c)
        while wrapped_lines(s, column_px(width), bold=bold, italic=italic, size_pt=size) > max_lines \
                and width < max_width:
            width += 1
        if width > _col_width_chars(ws, c):
            _set_col(ws, c, width)
    heights: dict[int, float] = {}
    for r, c, s, fmt in wrapped:
        bold, italic, _wrap, size = _style(fmt)
        lines = wrapped_lines(s, column_px(_col_width_chars(ws, c)), bold=bold, italic=italic, size_pt=size)
        heights[r] = max(heights.get(r, 0), lines * LINE_HEIGHT_PT * size / FONT_SIZE_PT)
    for r, pt in heights.items():
        if pt * PX_PER_PT > _row_px(ws, r) + 0.5:
            info = ws.row_info.get(r) if hasattr(ws, "row_info") else None
            ws.set_row(r, pt, getattr(info, "row_format", None) if info is not None else None)


def _chart_extent(ws: Any, entry: list) -> tuple[int, int, int, int]:
    """(first row, first col, last row, last col) a chart covers, zero-based."""
    row, col, chart, x_off, y_off, x_scale, y_scale = entry[:7]
    height = chart.height * y_scale + y_off
    width = chart.width * x_scale + x_off
    r, acc = row, 0.0
    while acc + _row_px(ws, r) < height:
        acc += _row_px(ws, r)
        r += 1
    c, acc = col, 0.0
    while acc + column_px(_col_width_chars(ws, c)) < width:
        acc += column_px(_col_width_chars(ws, c))
        c += 1
    return row, col, r, c


def _header_text(s: str) -> str:
    return s.replace("&", "&&")


def chart_breaks(ws: Any, charts: list[tuple[int, float]], scale: int, *, repeated_px: float = 0) -> list[int]:
    """Rows above which a manual page break keeps each chart on one page.

    ``charts``: (anchor row, height in pixels). Rows are put on pages in order; a page
    holds ``PRINTABLE_HEIGHT_PX`` at ``scale`` (less the repeated header row after the
    first page), planned ``PAGE_FILL`` full. A chart that does not fit in what is left
    of the page it starts on starts a new page."""
    capacity = PRINTABLE_HEIGHT_PX * PAGE_FILL * 100 / scale
    anchors = sorted(charts)
    breaks: list[int] = []
    used, page_first = 0.0, True
    row = 0
    for anchor, height in anchors:
        while row < anchor:  # the rows above the chart
            h = _row_px(ws, row)
            if used + h > capacity:
                used, page_first = (repeated_px + h), False
            else:
                used += h
            row += 1
        if used + height > capacity and anchor > 0:
            breaks.append(anchor)
            used, page_first = repeated_px, False
        # The chart's own rows: it covers them; the next chart starts below it.
        covered = 0.0
        while covered < height:
            covered += _row_px(ws, row)
            row += 1
        used += covered
    return sorted(set(breaks))


def _fit_charts_across(ws: Any, scale: int, printable_px: float = PRINTABLE_WIDTH_PX) -> None:
    """Narrow a chart that would run past the right edge of the first page across."""
    capacity = printable_px * PAGE_FILL * 100 / scale
    for entry in ws.charts:
        _row, col, chart, x_off, _y_off, x_scale = entry[:6]
        start = sum(printed_column_px(_col_width_chars(ws, c)) for c in range(col)) + x_off
        if start + chart.width * x_scale > capacity:
            chart.width = max(200, int((capacity - start) / x_scale))


def split_columns(widths: list[float], title_cols: int, capacity: float, gaps: set[int]) -> list[int] | None:
    """Columns before which a page across begins, so that every page (with the
    ``title_cols`` first columns repeated on the pages after the first) fits in
    ``capacity`` pixels; None when a single column does not fit. A page ends after a
    gap column (``gaps``: between two tables) when one lies in its second half, so a
    table is not cut in its middle where a natural boundary is near; the gap column then
    ends its page (it never begins one)."""
    repeated = sum(widths[:title_cols])
    breaks: list[int] = []
    start, used = 0, 0.0
    c = 0
    while c < len(widths):
        if used + widths[c] <= capacity:
            used += widths[c]
            c += 1
            continue
        if c == start:
            return None  # one column wider than a page
        cut = c
        gap = max((g for g in gaps if start < g < c), default=None)
        if gap is not None and sum(widths[start:gap + 1]) >= capacity / 2 - (repeated if breaks else 0):
            cut = gap + 1  # the page ends with the empty gap column, the next begins with content
        breaks.append(cut)
        start, used, c = cut, repeated, cut
    return breaks


def _pages_down(ws: Any, last_row: int, scale: int, charts: list[tuple[int, float]], repeated_px: float) -> int:
    capacity = PRINTABLE_HEIGHT_PX * PAGE_FILL * 100 / scale
    height = sum(_row_px(ws, r) for r in range(last_row + 1))
    breaks = chart_breaks(ws, charts, scale, repeated_px=repeated_px)
    return math.ceil(height / capacity) + len(breaks)


def setup_page(ws: Any, document_title: str) -> int:
    """Print area, titles, header and footer, scale and chart page breaks of one sheet.
    Returns the print scale chosen (percent)."""
    last_row = ws.dim_rowmax or 0
    last_col = ws.dim_colmax or 0
    charts = []
    for entry in ws.charts:
        r1, _c1, r2, c2 = _chart_extent(ws, entry)
        last_row, last_col = max(last_row, r2), max(last_col, c2)
        charts.append((r1, entry[2].height * entry[6] + entry[4]))
    for entry in ws.images:
        last_col = max(last_col, getattr(entry, "_col", 0))
    ws.print_area(0, 0, last_row, last_col)
    widths = [printed_column_px(_col_width_chars(ws, c)) for c in range(last_col + 1)]
    width_px = sum(widths)
    printable = PRINTABLE_WIDTH_PX
    scale = min(100, math.floor(printable / width_px * 100)) if width_px else 100
    if scale < MIN_PRINT_SCALE:  # just too wide: the narrow side margins first
        printable = NARROW_PRINTABLE_WIDTH_PX
        ws.set_margins(left=NARROW_MARGIN_IN, right=NARROW_MARGIN_IN)
        scale = min(100, math.floor(printable / width_px * 100))
    text = _SheetText(ws)
    header_row = L.HEADER_ROW - 1
    if sum(1 for c in range(last_col + 1) if text.filled(header_row, c)) >= 2:
        ws.repeat_rows(header_row)
    if scale < MIN_PRINT_SCALE:
        # The two leading columns (Id and Post, År and Typ) on every page across.
        title_cols = 2 if text.filled(header_row, 0) and text.filled(header_row, 1) else 0
        if title_cols:
            ws.repeat_columns(0, title_cols - 1)
        scale = _split_across(ws, widths, title_cols, printable, last_row, charts, text, header_row)
    ws.fit_page = False  # an explicit scale: the same page in Excel and LibreOffice
    ws.set_print_scale(scale)
    _fit_charts_across(ws, scale, printable)
    breaks = chart_breaks(ws, charts, scale, repeated_px=_row_px(ws, header_row) if ws.repeat_row_range else 0)
    if breaks:
        ws.set_h_pagebreaks(breaks)
    ws.set_header(f"&L{_header_text(document_title)}&R&A")
    ws.set_footer("&LUtskrivet &D&RSida &P av &N")
    return scale


def _split_across(ws: Any, widths: list[float], title_cols: int, printable: float, last_row: int,
                  charts: list[tuple[int, float]], text: "_SheetText", header_row: int) -> int:
    """The deliberate split of a sheet too wide for one page at ``MIN_PRINT_SCALE`` %:
    its vertical page breaks (``split_columns``) and the largest scale that needs no more
    pages across or down than ``MIN_PRINT_SCALE`` % does. Returns the scale."""
    # A gap: a column empty in the tables' header row (between two tables side by side,
    # where a page may end without cutting either) or empty altogether.
    gaps = {c for c in range(len(widths)) if not text.filled(header_row, c)
            or not any(text.filled(r, c) for r in range(last_row + 1))}
    repeated_px = _row_px(ws, header_row) if ws.repeat_row_range else 0

    def pages(scale: int) -> tuple[list[int] | None, int]:
        breaks = split_columns(widths, title_cols, printable * 100 / scale, gaps)
        return breaks, _pages_down(ws, last_row, scale, charts, repeated_px)

    least, down = pages(MIN_PRINT_SCALE)
    if least is None:
        return MIN_PRINT_SCALE  # a column wider than a page: the printer's own breaks
    best, breaks = MIN_PRINT_SCALE, least
    for scale in range(100, MIN_PRINT_SCALE, -1):
        got, got_down = pages(scale)
        if got is not None and len(got) <= len(least) and got_down <= down:
            best, breaks = scale, got
            break
    if breaks:
        ws.set_v_pagebreaks(breaks)
    return best


def finish(book: Any) -> dict[str, int]:
    """Fit, set up and (for ``xlwings.conf``) hide every sheet of ``book`` (a build.Book).
    Returns each printed sheet's print scale."""
    scales: dict[str, int] = {}
    for ws in book.wb.worksheets():
        if ws.name == L.CONF_SHEET:
            ws.hide()
            continue
        fit_columns(ws, wrapped_format=book.wrapped_format)
        scales[ws.name] = setup_page(ws, book.document_title)
    return scales
