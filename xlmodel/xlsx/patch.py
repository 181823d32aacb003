"""Lossless cell patching of one worksheet part by splicing bytes.

``patch_sheet(pkg, sheet, writes, clear)`` returns a new Package in which the
worksheet part differs from the original only inside the ``<c>`` elements written
or cleared, the ``<row>`` elements inserted (and, for an existing row, only its
``spans`` hint when a new cell falls outside it, or its ``/>`` when an empty row
gets cells), and the ``ref`` of ``<dimension>`` when it must widen. Every other
byte of the sheet - other cells, rows' attributes, column widths, conditional
formats, x14 extensions (sparklines, data bars), dynamic-array cells (``cm``) -
is copied from the original. Other parts change only as listed in
``bookkeeping`` (calcChain removal; ``fullCalcOnLoad``).

How cells are written (choices, and why):
- A number is ``<v>`` with the shortest exact text (Decimal in fixed notation,
  float by ``repr``); ``bool`` is ``t="b"``; an ``ExcelError`` is ``t="e"``.
- A string is an **inline string** (``t="inlineStr"``, ``<is><t>…</t></is>``).
  It is the type the standard defines for a literal string in a cell, so
  xl/sharedStrings.xml - shared with every other cell in the workbook - is never
  rewritten, and no reader takes it for a formula result (``t="str"`` is defined
  as "formula string"). Excel converts it to a shared string on its next save.
  Text is never interpreted: '=SUMMA(A1)', '+46', '-5' and '@x' stay text.
- A formula is ``<f>`` (leading '=' removed) **plus** its cached result in
  ``<v>`` (computed by the caller), typed as above (``t="str"`` for a text
  result), so a value-only reader (calamine, pandas, openpyxl ``data_only``)
  sees the number before Excel recalculates. A formula without a cached value is
  refused: a blank cached value is exactly the openpyxl loss we avoid.
- The cell keeps its style ``s`` unless the write gives one; new cells get the
  given style or none. Clearing keeps a styled cell as ``<c r s/>`` (formatting
  stays) and removes an unstyled one.

Formula structures the patch must respect:
- **Shared formulas** (``<f t="shared" si>``): if the master cell is overwritten or
  cleared, each dependent that is *not* also overwritten gets its formula
  expanded in place (``<f>translated</f>``, translated as Excel does, with
  openpyxl's Translator); its cached value and style stay. Those dependent
  cells are therefore also changed bytes, and are reported in
  ``PatchResult.expanded_shared``. Overwriting only a dependent needs nothing.
- **Array, dynamic-array and data-table formulas** (``t="array"``/``"dataTable"``
  with a ``ref``): a write or clear that changes such an array's structure (replaces
  the master's formula, puts a formula in the range, clears part of it) must cover
  the whole range; otherwise it is refused, because half a spilled array is not
  something Excel can open cleanly. Refreshing cached values only - the master with
  ``keep_formula=True``, the other cells with plain values - keeps the array and may
  touch any part of it. Arrays not touched keep
  their ``cm`` attribute, and xl/metadata.xml is never changed. A spilled formula
  whose result changes size (``keep_array`` with a new ``spill``: the utredning of a
  report whose year became 2024 has a line more) keeps its markup with the new range;
  the patch must write every cell of the new range, and clears the old range's cells
  outside it, which held the old array's results and nothing else (what Excel does
  when a spilled result shrinks).
- **Excel table headers**: a write or clear that would change the text of a table's
  header cell is refused (the table part repeats the column names; we never edit it).
- Rows and cells without an ``r`` attribute (legal but never written by Excel) and
  comments/CDATA inside sheetData cannot be spliced safely and are refused.
"""

from __future__ import annotations

import bisect
import math
import operator
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Iterable, NamedTuple, Sequence

from xlmodel.errors import InputError, WorkbookError
from xlmodel.xlsx import bookkeeping
from xlmodel.xlsx.cellref import col_index, format_range, make_ref, parse_range, split_ref
from xlmodel.xlsx.package import Package
from xlmodel.xlsx.sheetxml import (
    ATTRS,
    Patterns,
    attrs,
    content,
    escape_text,
    escape_xstring,
    has_markup_hazards,
    patterns,
    root_prefix,
    sheet_data_span,
    xml_text,
)
from xlmodel.xlsx.values import ERROR_CODES, ExcelError
from xlmodel.xlsx.xmlsafe import local, parse_part

RULE = "xlsx.skriv"
MAX_TEXT = 32_767       # characters in one cell (Excel specifications and limits)
MAX_FORMULA = 8_192     # characters in one formula (Excel specifications and limits)
MAX_DOUBLE = Decimal("1.7976931348623157e308")

WriteValue = Decimal | int | float | bool | str | ExcelError | None

# Column letters inside Excel's grid (A…XFD), as a pattern: 1–2 letters are always inside,
# 3 letters up to XFD. Used by the fast paths below, which must refuse nothing that
# split_ref accepts in the same form and accept nothing that it refuses.
_GRID_COL = rb"[A-Z]{1,2}|[A-W][A-Z]{2}|X[A-E][A-Z]|XF[A-D]"
# A reference already in the form make_ref gives (upper case, no '$', no blanks, row
# 1…999 999, so inside the grid's 1 048 576 rows): split_ref + make_ref would return it
# unchanged, so CellWrite keeps it without either. Everything else takes split_ref.
_CANONICAL_REF = re.compile("(" + _GRID_COL.decode("ascii") + ")([1-9][0-9]{0,5})")
_FORMULA_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class CellWrite:
    """One cell to write. ``formula`` (with or without a leading '=') needs ``value``,
    its cached result. ``value`` alone is a constant; a str is always text.
    ``style`` is an index into the workbook's cellXfs; None keeps the cell's own."""

    ref: str
    value: WriteValue = None
    formula: str | None = None
    style: int | None = None
    # Refresh only the cached value of an existing formula cell: its <f> element (a
    # dynamic-array anchor with t="array" ref=…, a shared master) and the cell's other
    # attributes (cm, s) are copied byte for byte; only t and <v> change. Used to bring
    # the cached results of xlwings functions up to date without touching the formula.
    keep_formula: bool = False
    # A new dynamic-array formula anchored here (``anslut`` writing the ledger on a sheet
    # of the team's): ``spill`` is its range (``<f t="array" ref=…>``), ``cm`` the cell
    # metadata entry that marks it dynamic (``add_sheets.dynamic_array_cm``), if any.
    spill: str | None = field(default=None, repr=False)
    cm: int | None = field(default=None, repr=False)
    # Replace the formula text of an existing array anchor (a spilled formula) and its
    # cached value, keeping its <f> attributes (t="array", ref, aca) and the cell's (cm,
    # s) byte for byte: the same array over the same range with other arguments (the
    # restoration ledger over a year table that grew by a row, ``rulla-fram``). With
    # ``spill`` the array's range becomes ``spill`` (its ref attribute rewritten, nothing
    # else): the patch must write every cell of the new range, and clears the cells of
    # the old range outside it (the module's docstring).
    keep_array: bool = field(default=False, repr=False)

    def __post_init__(self) -> None:
        if self.spill is not None and self.formula is None:
            raise InputError("ett spillområde kräver en formel", rule=RULE, argument="spill", cell=self.ref)
        if self.keep_formula and self.formula is not None:
            raise InputError("keep_formula och formula kan inte anges samtidigt", rule=RULE, argument="formula",
                             cell=self.ref)
        if self.keep_array and (self.formula is None or self.keep_formula):
            raise InputError("keep_array kräver den nya formeln (och inte keep_formula)", rule=RULE,
                             argument="keep_array", cell=self.ref)
        # The position is parsed once, here, and kept for patch_sheet (``position``). A
        # reference in canonical form (what every layout in xlmodel produces) is checked by
        # one pattern; anything else - '$B$4', 'b4', ' B4', out of the grid, not a str - by
        # split_ref, with its message, and normalised by make_ref.
        m = _CANONICAL_REF.fullmatch(self.ref) if type(self.ref) is str else None
        if m is not None:
            pos = (int(m.group(2)), col_index(m.group(1)))
        else:
            pos = split_ref(self.ref, argument="ref", rule=RULE)
            object.__setattr__(self, "ref", make_ref(*pos))
        object.__setattr__(self, "_position", pos)  # not a field: eq, hash, repr unchanged
        _check_value(self.value, self.ref)
        if self.formula is not None:
            if not isinstance(self.formula, str):
                raise InputError("formeln måste vara text", rule=RULE, argument="formula", cell=self.ref)
            f = self.formula[1:] if self.formula.startswith("=") else self.formula
            if not f.strip():
                raise InputError("formeln är tom", rule=RULE, argument="formula", cell=self.ref)
            if f.startswith("{"):
                raise InputError("matrisformler ({=…}) kan inte skrivas", rule=RULE, argument="formula", cell=self.ref)
            if len(f) > MAX_FORMULA:
                raise InputError(f"formeln är längre än {MAX_FORMULA} tecken", rule=RULE, argument="formula",
                                 cell=self.ref)
            if _FORMULA_CONTROL.search(f):
                raise InputError("formeln innehåller styrtecken", rule=RULE, argument="formula", cell=self.ref)
            if self.value is None:
                raise InputError(
                    "en formel måste skrivas med sitt beräknade värde (cachat värde) så att läsare utan Excel ser det",
                    rule=RULE, argument="value", cell=self.ref,
                )
            object.__setattr__(self, "formula", f)
        if self.style is not None and (isinstance(self.style, bool) or not isinstance(self.style, int)
                                       or self.style < 0):
            raise InputError(f"ogiltigt formatindex {self.style!r}", rule=RULE, argument="style", cell=self.ref)

    @property
    def position(self) -> tuple[int, int]:
        """(row, column) of ``ref``, as split_ref gives it; parsed in __post_init__."""
        return self._position  # type: ignore[attr-defined]


def _check_value(v: object, ref: str) -> None:
    if type(v) is Decimal:  # the usual write (regenerate): no conversion needed, same check as below
        if not v.is_finite() or abs(v) > MAX_DOUBLE:
            raise InputError(f"talet {v} kan inte lagras i Excel", rule=RULE, argument="value", cell=ref)
        return
    if v is None or isinstance(v, (bool, ExcelError)):
        if isinstance(v, ExcelError) and v.code not in ERROR_CODES:
            raise InputError(f"okänt felvärde {v.code!r}", rule=RULE, argument="value", cell=ref)
        return
    if isinstance(v, str):
        if len(v) > MAX_TEXT:
            raise InputError(f"texten är längre än {MAX_TEXT} tecken", rule=RULE, argument="value", cell=ref)
        return
    if isinstance(v, float):
        if not math.isfinite(v):
            raise InputError(f"ogiltigt tal ({v})", rule=RULE, argument="value", cell=ref)
        return
    if isinstance(v, (int, Decimal)):
        d = Decimal(v)
        if not d.is_finite() or abs(d) > MAX_DOUBLE:
            raise InputError(f"talet {v} kan inte lagras i Excel", rule=RULE, argument="value", cell=ref)
        return
    raise InputError(
        f"värdet har typen {type(v).__name__}; skriv tal, text, sant/falskt eller felvärde (datum som serienummer)",
        rule=RULE, argument="value", cell=ref,
    )


@dataclass
class PatchResult:
    package: Package
    sheet: str
    part: str
    written: list[str] = field(default_factory=list)
    cleared: list[str] = field(default_factory=list)
    inserted_rows: list[int] = field(default_factory=list)
    expanded_shared: list[str] = field(default_factory=list)
    calc_chain_removed: bool = False
    full_calc_on_load_set: bool = False
    changed_parts: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- cell XML
def _number_text(v: Decimal | int | float) -> str:
    if isinstance(v, float):
        return "0" if v == 0 else repr(v)
    d = Decimal(v)
    if d == 0:
        return "0"
    # str() is fixed notation, the same text as format(d, "f"), whenever it has no
    # exponent (exponent <= 0 and adjusted exponent >= -6: nearly every amount); it is the
    # cheaper of the two (tested in tests/test_patch_fastpath.py)
    text = str(d)
    return text if "E" not in text else format(d, "f")


def _value_xml(v: WriteValue, P: bytes, *, formula: bool) -> tuple[bytes | None, bytes]:
    """(t attribute, inner XML) for a value; for formula=True the string type is 'str'."""
    if v is None:
        return None, b""
    if isinstance(v, bool):
        return b"b", b"<" + P + b"v>" + (b"1" if v else b"0") + b"</" + P + b"v>"
    if isinstance(v, ExcelError):
        return b"e", b"<" + P + b"v>" + escape_text(v.code).encode() + b"</" + P + b"v>"
    if isinstance(v, str):
        text = escape_text(escape_xstring(v)).encode("utf-8")
        if formula:
            return b"str", b"<" + P + b"v>" + text + b"</" + P + b"v>"
        space = b' xml:space="preserve"' if (v != v.strip() or "\n" in v or "  " in v) else b""
        return b"inlineStr", (b"<" + P + b"is><" + P + b"t" + space + b">" + text + b"</" + P + b"t></" + P + b"is>")
    return None, b"<" + P + b"v>" + _number_text(v).encode("ascii") + b"</" + P + b"v>"


def cell_xml(w: CellWrite, style: int | None, P: bytes = b"") -> bytes:
    """The complete <c> element for a write."""
    t, inner = _value_xml(w.value, P, formula=w.formula is not None)
    if w.formula is not None:
        f_open = b"<" + P + b"f>"
        if w.spill is not None:
            f_open = b"<" + P + b'f t="array" ref="' + w.spill.encode("ascii") + b'">'
        inner = f_open + escape_text(w.formula).encode("utf-8") + b"</" + P + b"f>" + inner
    head = b"<" + P + b'c r="' + w.ref.encode("ascii") + b'"'
    if style:
        head += b' s="' + str(style).encode("ascii") + b'"'
    if w.spill is not None and w.cm:
        head += b' cm="' + str(w.cm).encode("ascii") + b'"'
    if t is not None:
        head += b' t="' + t + b'"'
    if not inner:
        return head + b"/>"
    return head + b">" + inner + b"</" + P + b"c>"


_T_ATTR = re.compile(rb'\s+t\s*=\s*("[^"]*"|\'[^\']*\')')
_ARRAY_REF = re.compile(rb'(\sref\s*=\s*)("[^"]*"|\'[^\']*\')')


def _refresh_cached(old: bytes, w: "CellWrite", P: bytes) -> bytes:
    """``old`` (a whole <c> element with a formula) with its cached value replaced (and,
    for ``keep_array``, the text of its <f> element, the element's attributes kept)."""
    open_end = old.index(b">") + 1
    head = old[:open_end]
    if head.endswith(b"/>"):  # pragma: no cover - a formula cell always has content
        raise InputError("cellen har ingen formel", rule=RULE, argument="keep_formula", cell=w.ref)
    f_start = old.index(b"<" + P + b"f", open_end)
    f_open_end = old.index(b">", f_start) + 1
    if old[f_open_end - 2:f_open_end] == b"/>":
        f_end = f_open_end
    else:
        close = b"</" + P + b"f>"
        f_end = old.index(close, f_open_end) + len(close)
    f_xml = old[f_start:f_end]
    if w.keep_array:
        if f_open_end == f_end or not re.search(rb'\bt\s*=\s*["\']array["\']', old[f_start:f_open_end]):
            raise InputError("cellen är inte huvudcell i en matrisformel", rule=RULE, argument="keep_array",
                             cell=w.ref)
        f_head = old[f_start:f_open_end]
        if w.spill is not None:  # the array over its new range (CellWrite.keep_array)
            f_head = _ARRAY_REF.sub(b'\\1"' + w.spill.encode("ascii") + b'"', f_head, count=1)
        f_xml = f_head + escape_text(w.formula).encode("utf-8") + b"</" + P + b"f>"
    t, inner = _value_xml(w.value, P, formula=True)
    head = head[:-1]
    if b"t" in head:  # else there is no t attribute to remove (the usual number result: r, s only)
        head = _T_ATTR.sub(b"", head)
    head += (b' t="' + t + b'"' if t is not None else b"") + b">"
    return head + f_xml + inner + b"</" + P + b"c>"


# ------------------------------------------------------------- sheet index
class _Row(NamedTuple):
    r: int
    start: int
    open_end: int
    close_start: int   # == open_end for an empty element
    end: int
    empty: bool
    attrs_start: int
    attrs_end: int


class _CellSpan(NamedTuple):
    """One <c> element of a row: built for every cell of every touched row, so a tuple
    (made with tuple.__new__ in _row_cells, a fraction of a dataclass's cost)."""

    ref: str
    row: int
    col: int
    start: int
    end: int
    style: bytes | None
    has_formula: bool


# A row's attributes as Excel writes them: ``r`` first, then only name="value" pairs, none
# of them another ``r``. ``attrs`` splits such a text into exactly these pairs, so its
# ``r`` is group 1; any other text takes ``attrs``.
_USUAL_ROW_ATTRS = re.compile(rb'\s+r="([0-9]+)"(?:\s+(?!r=)[\w:.-]+="[^"]*")*\s*')


def _index_rows(data: bytes, start: int, end: int, pat: Patterns, part: str, where: str | None, *,
                fast: bool = True) -> list[_Row]:
    """Every <row> of sheetData with its byte offsets, checked (an ``r`` each, increasing).
    ``fast=False``: every row's attributes by ``attrs`` (for the tests)."""
    rows: list[_Row] = []
    pos = start
    last = 0
    row_open, row_close = pat.row_open, pat.row_close
    usual_row = _USUAL_ROW_ATTRS.fullmatch if fast else (lambda raw: None)
    while True:
        m = row_open.search(data, pos, end)
        if not m:
            break
        u = usual_row(m.group(1))
        if u is not None:
            r = int(u.group(1))
        else:
            a = attrs(m.group(1))
            if b"r" not in a:
                raise WorkbookError(f"bladdelen {part!r} har rader utan radnummer (r) och kan inte ändras säkert",
                                    path=where)
            r = int(a[b"r"])
        if r <= last:
            raise WorkbookError(f"bladdelen {part!r} har rader i fel ordning ({r} efter {last})", path=where)
        last = r
        if m.group(2):
            rows.append(_Row(r, m.start(), m.end(), m.end(), m.end(), True, m.start(1), m.end(1)))
            pos = m.end()
        else:
            c = row_close.search(data, m.end(), end)
            if not c:
                raise WorkbookError(f"bladdelen {part!r} är trasig (rad {r} avslutas inte)", path=where)
            rows.append(_Row(r, m.start(), m.end(), c.start(), c.end(), False, m.start(1), m.end(1)))
            pos = c.end()
    return rows


_COLS: dict[bytes, int] = {}


def _col_number(letters: bytes) -> int:
    n = _COLS.get(letters)
    if n is None:
        n = 0
        for ch in letters:
            n = n * 26 + ch - 64
        _COLS[letters] = n
    return n


@lru_cache(maxsize=8)
def _cell_scanner(prefix: bytes) -> re.Pattern[bytes]:
    """``patterns(prefix).cell`` in a group (1: the whole element), with a first
    alternative for the cell as Excel, XlsxWriter and this module write it: ``r`` (column
    inside the grid, row 1…999 999 without a leading zero), optional ``s``, optional
    ``t``, in that order, double quotes; reference, column letters, row digits, style and
    content each in a group (2–6), so that cell needs no attribute dict and no split_ref.
    Anything else matches the second alternative, the general pattern itself (groups 7–8:
    attributes, content).

    Both alternatives match the same span at a given position: the first one's
    attributes contain no '/' or '>', so the general pattern's lazy attribute group stops
    at the same place, and both take their content by ``sheetxml.content``. Tested against the general path
    (``_row_cells(..., fast=False)``) in tests/test_patch_fastpath.py."""
    p = re.escape(prefix)
    body = content(p + b"c")  # never past another <c> (linear on unclosed cells: sheetxml.content)
    return re.compile(
        rb"(<" + p + rb"c(?:\s+r=\"((" + _GRID_COL + rb")([1-9][0-9]{0,5}))\"(?:\s+s=\"([0-9]+)\")?"
        rb"(?:\s+t=\"[a-zA-Z]+\")?\s*(?:/>|>(" + body + rb")</" + p + rb"c\s*>)"
        rb"|\b(" + ATTRS + rb")(?:/>|>(" + body + rb")</" + p + rb"c\s*>)))",
        re.DOTALL,
    )


def _general_cell(raw: bytes, content: bytes | None, row: _Row, tag_f: bytes,
                  where: str | None) -> tuple[str, int, int, bytes | None, bool]:
    """(ref, row, column, style, has formula) of a cell from its raw attributes."""
    a = attrs(raw)
    r = a.get(b"r")
    if r is None:
        raise WorkbookError(f"rad {row.r} har celler utan referens (r) och kan inte ändras säkert", path=where)
    ref = r.decode("ascii")
    rr, cc = split_ref(ref, argument="r", rule=RULE)
    return ref, rr, cc, a.get(b"s"), content is not None and tag_f in content


def _row_cells(data: bytes, row: _Row, pat: Patterns, part: str, where: str | None, *,
               fast: bool = True) -> list[_CellSpan]:
    """The cells of one row, in order, checked (each has an ``r`` in the grid, in this row,
    columns increasing). ``fast=False``: every cell by the general path (for the tests).

    The fast path takes all matches of ``_cell_scanner`` at once (``findall``: no match
    objects) and places each cell by adding up their lengths; that is right only when the
    cells lie back to back, which the sum checks (it reaches the end of the row exactly
    when nothing lies between them). A row with blanks or other markup between its cells
    is placed by ``finditer``. Both see the same matches in the same order, so the checks
    (and their errors) are the same."""
    out: list[_CellSpan] = []
    if row.empty:
        return out
    rnum = row.r
    tag_f = pat.tag_f
    make = tuple.__new__
    append = out.append
    cols = _COLS
    if fast:
        scanner = _cell_scanner(pat.prefix)
        last = 0
        pos = row.open_end
        # groups that take no part in a match are b"" in findall (None in a match object)
        for whole, ref_b, letters, digits, style, content, raw, general_content in scanner.findall(
                data, row.open_end, row.close_start):
            if ref_b:  # the usual cell
                ref, rr, cc = ref_b.decode("ascii"), int(digits), cols.get(letters) or _col_number(letters)
                style, has_f = style or None, tag_f in content
            else:
                ref, rr, cc, style, has_f = _general_cell(raw, general_content, row, tag_f, where)
            if rr != rnum or cc <= last:
                raise WorkbookError(f"cell {ref} ligger fel i rad {rnum} i {part!r}", path=where)
            last = cc
            end = pos + len(whole)
            append(make(_CellSpan, (ref, rr, cc, pos, end, style, has_f)))
            pos = end
        if pos == row.close_start:
            return out
        # not back to back: the same cells, placed by their match objects
        spans = [m.span() for m in scanner.finditer(data, row.open_end, row.close_start)]
        return [make(_CellSpan, (c.ref, c.row, c.col, start, end, c.style, c.has_formula))
                for c, (start, end) in zip(out, spans)]
    last = 0
    for m in pat.cell.finditer(data, row.open_end, row.close_start):
        ref, rr, cc, style, has_f = _general_cell(m.group(1), m.group(2), row, tag_f, where)
        if rr != rnum or cc <= last:
            raise WorkbookError(f"cell {ref} ligger fel i rad {rnum} i {part!r}", path=where)
        last = cc
        append(_CellSpan(ref, rr, cc, m.start(), m.end(), style, has_f))
    return out


@dataclass
class _Formula:
    ref: str
    row: int
    col: int
    cell_start: int
    cell_end: int
    f_start: int
    f_end: int
    kind: str
    si: str | None
    range: tuple[int, int, int, int] | None
    text: str | None


_SPECIAL_F = re.compile(rb"""\bt\s*=\s*["'](shared|array|dataTable)["']""")


def _formula_structures(data: bytes, start: int, end: int, pat: Patterns) -> list[_Formula]:
    """Shared, array and data-table formulas in sheetData (found without a full scan
    when the sheet has none: one bytes.find per kind). Linear in the sheet: the search
    back from a formula to its cell's start tag never goes behind the formula before
    it, and a cell holding several formulas is matched once."""
    if not any(data.find(k, start, end) >= 0 for k in (b"shared", b"array", b"dataTable")):
        return []
    out: list[_Formula] = []
    tag_c = pat.tag_c
    lo = start  # no cell start tag before this is looked for again
    cm = None   # the cell of the last formula found, its reference and position
    ref, row, col = "", 0, 0
    for fm in pat.f.finditer(data, start, end):
        km = _SPECIAL_F.search(fm.group(1))
        if not km:
            continue
        if cm is None or not (cm.start() < fm.start() and cm.end() >= fm.end()):
            cstart = data.rfind(tag_c, lo, fm.start())
            while cstart >= 0 and data[cstart + len(tag_c): cstart + len(tag_c) + 1] not in (b" ", b"\t", b"\n", b"\r", b">", b"/"):
                cstart = data.rfind(tag_c, lo, cstart)
            lo = fm.start()
            cm = pat.cell.match(data, cstart) if cstart >= 0 else None
            if not cm or cm.end() < fm.end():
                cm = None
                continue
            ref = (attrs(cm.group(1)).get(b"r") or b"").decode("ascii")
            if ref:
                row, col = split_ref(ref, argument="r", rule=RULE)
        if not ref:
            continue
        fa = attrs(fm.group(1))
        rng = fa.get(b"ref")
        out.append(
            _Formula(
                ref=ref, row=row, col=col, cell_start=cm.start(), cell_end=cm.end(),
                f_start=fm.start(), f_end=fm.end(), kind=km.group(1).decode(),
                si=fa[b"si"].decode() if b"si" in fa else None,
                range=parse_range(rng.decode("ascii")) if rng else None,
                text=xml_text(fm.group(2)) if fm.group(2) else None,
            )
        )
    return out


def _max_style(pkg: Package) -> int | None:
    """Number of cell formats (cellXfs) in styles.xml; None if unknown."""
    name = pkg.styles_part
    if name is None:
        return None
    root = parse_part(pkg.part(name), name, pkg.where)  # well-formed first (a regex here could be quadratic)
    for el in root:
        if local(el.tag) == "cellXfs":
            return sum(1 for xf in el if local(xf.tag) == "xf")
    return None


def _in(rect: tuple[int, int, int, int], row: int, col: int) -> bool:
    return rect[0] <= row <= rect[2] and rect[1] <= col <= rect[3]


def _widen_spans(raw: bytes, cols: Iterable[int]) -> bytes | None:
    """New value for a row's ``spans`` hint ("lo:hi [lo:hi]...") when a new column falls
    outside it; None when the hint is absent, unreadable or already covers them."""
    spans = attrs(raw).get(b"spans")
    if not spans:
        return None
    try:
        ranges = [tuple(int(x) for x in part.split(b":")) for part in spans.split()]
    except ValueError:
        return None
    cols = list(cols)
    if all(any(rg[0] <= c <= rg[-1] for rg in ranges) for c in cols):
        return None
    lo = min([rg[0] for rg in ranges] + cols)
    hi = max([rg[-1] for rg in ranges] + cols)
    return f"{lo}:{hi}".encode("ascii")


def _replace_attr(raw: bytes, name: bytes, value: bytes) -> bytes:
    return re.sub(rb"(\b" + name + rb"\s*=\s*)([\"'])[^\"']*\2", lambda m: m.group(1) + b'"' + value + b'"', raw, count=1)


# -------------------------------------------------------------------- patch
_first = operator.itemgetter(0)
_splice_order = operator.itemgetter(0, 1, 2)  # (start, end, order key)


def patch_sheet(
    pkg: Package,
    sheet_name: str,
    writes: Sequence[CellWrite],
    clear: Sequence[str] | None = None,
    *,
    full_calc_on_load: bool = True,
) -> Package:
    """Write cells into one sheet losslessly; see the module docstring. Returns a new Package."""
    return patch_sheet_detailed(pkg, sheet_name, writes, clear, full_calc_on_load=full_calc_on_load).package


def patch_sheet_detailed(
    pkg: Package,
    sheet_name: str,
    writes: Sequence[CellWrite],
    clear: Sequence[str] | None = None,
    *,
    full_calc_on_load: bool = True,
) -> PatchResult:
    """``patch_sheet`` with a report of what changed (cells, rows, bookkeeping parts)."""
    sheet = pkg.sheet(sheet_name)
    where = pkg.where
    if sheet.kind != "worksheet":
        raise WorkbookError(f"bladet {sheet.name!r} är inget kalkylblad ({sheet.kind})", path=where)
    part = sheet.part
    data = pkg.part(part)
    pat = patterns(root_prefix(data, part, where))
    # Never write into a malformed part (the output would be malformed too), and scan
    # only well-formed bytes: libxml2 checks the part once per package, linearly.
    pkg.ensure_well_formed(part, data)
    P = pat.prefix
    span = sheet_data_span(data, pat, part, where)
    if has_markup_hazards(data, span.content_start, span.content_end):
        raise WorkbookError(
            f"bladet {sheet.name!r} innehåller XML-kommentarer eller CDATA i celldata och kan inte ändras säkert",
            path=where,
        )

    # --- the request
    by_pos: dict[tuple[int, int], CellWrite] = {}
    for w in writes:
        if not isinstance(w, CellWrite):
            raise InputError("varje skrivning måste vara en CellWrite", rule=RULE, argument="writes")
        pos = w.position
        if pos in by_pos:
            raise InputError("cellen skrivs två gånger i samma ändring", rule=RULE, argument="writes",
                             sheet=sheet.name, cell=w.ref)
        by_pos[pos] = w
    clear_rects = [parse_range(c, argument="clear", rule=RULE) for c in (clear or [])]
    n_styles = _max_style(pkg)
    if n_styles is not None:
        for w in by_pos.values():
            if w.style is not None and w.style >= n_styles:
                raise InputError(f"formatindex {w.style} finns inte (arbetsboken har {n_styles} cellformat)",
                                 rule=RULE, argument="style", sheet=sheet.name, cell=w.ref)

    def covered(row: int, col: int) -> bool:
        return (row, col) in by_pos or any(_in(r, row, col) for r in clear_rects)

    # --- Excel tables: a header cell must keep its column's name (table XML repeats it;
    # a mismatch makes Excel "repair" the file and rename the column)
    for table in pkg.tables(sheet.name):
        hr = table.header_row
        if hr is None:
            continue
        _r1, tc1, _r2, tc2 = parse_range(table.ref)
        for col in range(tc1, tc2 + 1):
            name = table.columns[col - tc1] if col - tc1 < len(table.columns) else None
            w = by_pos.get((hr, col))
            cleared = w is None and any(_in(rc, hr, col) for rc in clear_rects)
            if cleared or (w is not None and (w.formula is not None or w.value != name)):
                raise InputError(
                    f"cellen är rubrik i tabellen {table.display_name} (kolumn {name!r}); "
                    "rubriken kan inte ändras eller tömmas här",
                    rule="xlsx.tabellrubrik", argument="writes", sheet=sheet.name, cell=make_ref(hr, col),
                )

    # --- formula structures that constrain the patch
    formulas = _formula_structures(data, span.content_start, span.content_end, pat)
    for f in formulas:  # a spilled formula over a new range (CellWrite.keep_array with spill)
        w = by_pos.get((f.row, f.col))
        if w is None or not (w.keep_array and w.spill is not None) or f.kind != "array" or f.range is None:
            continue
        new_range = parse_range(w.spill, argument="spill", rule=RULE)
        if new_range[:2] != (f.row, f.col):
            raise InputError(f"spillområdet {w.spill} börjar inte i matrisformelns huvudcell {f.ref}", rule=RULE,
                             argument="spill", sheet=sheet.name, cell=f.ref)
        unwritten = [make_ref(r, c) for r in range(new_range[0], new_range[2] + 1)
                     for c in range(new_range[1], new_range[3] + 1) if (r, c) not in by_pos]
        if unwritten:
            raise InputError(f"matrisformeln får området {w.spill}; cellerna {', '.join(unwritten[:5])} i det skrivs "
                             "inte", rule="xlsx.matrisformel", argument="writes", sheet=sheet.name, cell=f.ref)
        if f.range != new_range:
            clear_rects.append(f.range)  # the old results outside the new range; writes win over clears
    for f in formulas:
        if f.kind in ("array", "dataTable") and f.range is not None:
            r1, c1, r2, c2 = f.range
            # Refreshing cached values inside an array (the anchor with keep_formula, the other
            # cells with plain values) leaves the array as it is, so it may be partial; a write
            # that replaces the anchor's formula, puts a formula in the range, or clears part of
            # it changes the array's structure and must cover all of it.
            anchor = (r1, c1)
            touched = any(
                _in(f.range, r, c) and ((w.formula is not None and not ((r, c) == anchor and w.keep_array))
                                        or ((r, c) == anchor and not (w.keep_formula or w.keep_array)))
                for (r, c), w in by_pos.items()
            ) or any(not (rc[2] < r1 or rc[0] > r2 or rc[3] < c1 or rc[1] > c2) for rc in clear_rects)
            if touched and not all(covered(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)):
                raise InputError(
                    f"området {format_range(*f.range)} är en matrisformel (huvudcell {f.ref}); "
                    "skriv eller töm hela området eller inget av det",
                    rule="xlsx.matrisformel", argument="writes", sheet=sheet.name, cell=f.ref,
                )

    rows = _index_rows(data, span.content_start, span.content_end, pat, part, where)
    row_nums = [r.r for r in rows]
    splices: list[tuple[int, int, int, bytes]] = []  # (start, end, order key, bytes)
    result = PatchResult(package=pkg, sheet=sheet.name, part=part)
    formula_set_changed = False

    # rows touched: by writes, and existing rows inside clear rectangles
    wanted_rows: dict[int, list[tuple[int, CellWrite]]] = {}
    for (r, c), w in by_pos.items():
        wanted_rows.setdefault(r, []).append((c, w))
    clear_rows: set[int] = set()
    for r1, _c1, r2, _c2 in clear_rects:
        lo = bisect.bisect_left(row_nums, r1)
        hi = bisect.bisect_right(row_nums, r2)
        clear_rows.update(row_nums[lo:hi])

    new_rows: dict[int, list[bytes]] = {}
    affected_formula_cells: set[str] = set()
    for rnum in sorted(set(wanted_rows) | clear_rows):
        i = bisect.bisect_left(row_nums, rnum)
        row = rows[i] if i < len(rows) and row_nums[i] == rnum else None
        targets = sorted(wanted_rows.get(rnum, ()), key=_first)
        if row is None:
            if any(w.keep_formula or w.keep_array for _c, w in targets):
                raise InputError("raden finns inte; ett cachat värde kan bara uppdateras i en befintlig formelcell",
                                 rule=RULE, argument="keep_formula", sheet=sheet.name, cell=targets[0][1].ref)
            new_rows[rnum] = [cell_xml(w, w.style, P) for _c, w in targets]
            formula_set_changed |= any(w.formula is not None for _c, w in targets)
            result.written += [w.ref for _c, w in targets]
            continue
        cells = _row_cells(data, row, pat, part, where)
        by_col = {c.col: c for c in cells}
        inserts: list[tuple[int, bytes]] = []
        for col, w in targets:
            old = by_col.get(col)
            if old is not None and (w.keep_formula or w.keep_array):
                if not old.has_formula:
                    raise InputError("cellen har ingen formel vars värde kan uppdateras", rule=RULE,
                                     argument="keep_formula", sheet=sheet.name, cell=w.ref)
                splices.append((old.start, old.end, col, _refresh_cached(data[old.start:old.end], w, P)))
            elif old is not None:
                style = w.style if w.style is not None else (int(old.style) if old.style else None)
                splices.append((old.start, old.end, col, cell_xml(w, style, P)))
                formula_set_changed |= old.has_formula != (w.formula is not None)
                if old.has_formula:
                    affected_formula_cells.add(old.ref)
            elif w.keep_formula or w.keep_array:
                raise InputError("cellen finns inte; ett cachat värde kan bara uppdateras i en befintlig formelcell",
                                 rule=RULE, argument="keep_formula", sheet=sheet.name, cell=w.ref)
            else:
                inserts.append((col, cell_xml(w, w.style, P)))
                formula_set_changed |= w.formula is not None
            result.written.append(w.ref)
        for cell in cells if clear_rects else ():  # without clears no cell of the row is cleared
            if (rnum, cell.col) in by_pos or not any(_in(rc, rnum, cell.col) for rc in clear_rects):
                continue
            blank = (b"<" + P + b'c r="' + cell.ref.encode() + b'" s="' + cell.style + b'"/>') if cell.style else b""
            if data[cell.start:cell.end] != blank:
                splices.append((cell.start, cell.end, cell.col, blank))
                result.cleared.append(cell.ref)
                formula_set_changed |= cell.has_formula
                if cell.has_formula:
                    affected_formula_cells.add(cell.ref)
        if not inserts:
            continue
        if row.empty:
            tag = data[row.start:row.open_end]
            tag = tag[: tag.rfind(b"/")].rstrip() + b">"
            nsp = _widen_spans(data[row.attrs_start:row.attrs_end], [c for c, _ in inserts])
            if nsp is not None:
                tag = _replace_attr(tag, b"spans", nsp)
            body = b"".join(x for _c, x in inserts)
            splices.append((row.start, row.end, 0, tag + body + b"</" + P + b"row>"))
            continue
        nsp = _widen_spans(data[row.attrs_start:row.attrs_end], [c for c, _ in inserts])
        if nsp is not None:
            raw = data[row.attrs_start:row.attrs_end]
            splices.append((row.attrs_start, row.attrs_end, 0, _replace_attr(raw, b"spans", nsp)))
        cols_sorted = [c.col for c in cells]
        for col, xml in inserts:
            j = bisect.bisect_right(cols_sorted, col)
            at = cells[j].start if j < len(cells) else row.close_start
            splices.append((at, at, col, xml))

    # new rows: before the first existing row with a higher number, or at the end of sheetData
    if new_rows:
        if span.empty_element:
            tag = data[span.open_start:span.content_start]
            tag = tag[: tag.rfind(b"/")].rstrip() + b">"
            body = b"".join(b"<" + P + b'row r="' + str(r).encode() + b'">' + b"".join(cs) + b"</" + P + b"row>"
                            for r, cs in sorted(new_rows.items()))
            splices.append((span.open_start, span.close_end, 0, tag + body + b"</" + P + b"sheetData>"))
        else:
            for r, cs in new_rows.items():
                j = bisect.bisect_right(row_nums, r)
                at = rows[j].start if j < len(rows) else span.content_end
                splices.append((at, at, r, b"<" + P + b'row r="' + str(r).encode() + b'">' + b"".join(cs)
                                + b"</" + P + b"row>"))
        result.inserted_rows = sorted(new_rows)

    # shared formulas whose master is overwritten: expand the dependents left behind
    masters = {f.si: f for f in formulas if f.kind == "shared" and f.text and f.ref in affected_formula_cells}
    if masters:
        from openpyxl.formula.translate import Translator

        for f in formulas:
            if f.kind != "shared" or f.text or f.si not in masters or covered(f.row, f.col):
                continue
            m = masters[f.si]
            try:
                text = Translator("=" + m.text, origin=m.ref).translate_formula(f.ref)[1:]
            except Exception as exc:
                raise WorkbookError(f"den delade formeln i {f.ref} kan inte skrivas ut (openpyxl: {str(exc)[:120]!r})",
                                    path=where) from None
            new_f = b"<" + P + b"f>" + escape_text(text).encode("utf-8") + b"</" + P + b"f>"
            splices.append((f.f_start, f.f_end, 0, new_f))
            result.expanded_shared.append(f.ref)

    # dimension: widen to cover the written cells
    if by_pos:
        dm = pat.dimension.search(data, 0, span.open_start)
        if dm:
            a = attrs(dm.group(1))
            old_ref = a.get(b"ref")
            rects = [parse_range(old_ref.decode("ascii"))] if old_ref else []
            rws = [r for r, _ in by_pos]
            cls = [c for _, c in by_pos]
            rects.append((min(rws), min(cls), max(rws), max(cls)))
            new_ref = format_range(min(x[0] for x in rects), min(x[1] for x in rects),
                                   max(x[2] for x in rects), max(x[3] for x in rects))
            if old_ref is None or new_ref.encode() != old_ref:
                raw = data[dm.start(1):dm.end(1)]
                new_raw = _replace_attr(raw, b"ref", new_ref.encode()) if old_ref else raw + b' ref="' + new_ref.encode() + b'"'
                splices.append((dm.start(1), dm.end(1), 0, new_raw))

    # assemble: one pass, splices sorted and non-overlapping
    splices.sort(key=_splice_order)
    pieces: list[bytes] = []
    pos = 0
    for s, e, _k, xml in splices:
        if s < pos:
            raise WorkbookError(f"internt fel: överlappande ändringar i {part!r} vid byte {s}", path=where)
        pieces.append(data[pos:s])
        pieces.append(xml)
        pos = e
    pieces.append(data[pos:])
    new_data = b"".join(pieces)

    out = pkg.with_parts({part: new_data}) if new_data != data else pkg
    changed = [part] if new_data != data else []
    if formula_set_changed:
        out, parts = bookkeeping.remove_calc_chain(out)
        result.calc_chain_removed = bool(parts)
        changed += parts
    if full_calc_on_load and new_data != data:
        out, did = bookkeeping.set_full_calc_on_load(out)
        result.full_calc_on_load_set = did
        if did:
            changed.append(out.workbook_part)
    result.package = out
    result.changed_parts = sorted(set(changed))
    return result
