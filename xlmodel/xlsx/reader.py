"""Fast reading of worksheet cells: value, formula and cached value in one pass.

``iter_cells`` yields one ``Cell`` per ``<c>`` element of a sheet, in file order
(rows ascending, columns ascending in any file Excel wrote), with:

- ``value``: the stored value, typed - ``Decimal`` for numbers (exact from the XML
  text, so 1021.02 stays 1021.02; the text is what Excel wrote, at most 17
  significant digits), ``str`` for shared, inline and formula strings, ``bool``,
  ``ExcelError`` for error values (``#NAME?`` is ``ExcelError('#NAME?')``, never
  the text '#NAME?'), ``str`` (ISO 8601) for the rare ``t="d"`` cells, ``None``
  for an empty cell or a formula without a cached value;
- ``formula``: the formula text without a leading '=' (as stored in ``<f>``), with
  the cells that share a formula (``t="shared"``) translated from their master the
  way Excel does; ``None`` if the cell has no formula;
- ``kind``: the OOXML cell type (``n``, ``s``, ``str``, ``inlineStr``, ``b``,
  ``e``, ``d``); ``style``: the ``s`` index (0 when absent);
- ``formula_kind`` (``normal``/``shared``/``array``/``dataTable``) and
  ``dynamic`` (the cell carries ``cm``: a dynamic-array formula).

openpyxl needs two loads for formula and cached value (``data_only`` on and off);
this is one scan of the bytes with compiled patterns (see ``sheetxml``), after the
part was found well-formed (``Package.ensure_well_formed``: a malformed sheet or shared
string table is refused naming its line, never read in part). Sheets with
comments/CDATA inside sheetData, which Excel never writes, are read with lxml
``iterparse`` instead; both paths give the same cells (tested). ``xlsx.stream.iter_rows``
runs the same byte scan over a sheet in pieces (row by row, never the whole part).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Iterator, NamedTuple

from lxml import etree

from xlmodel.errors import WorkbookError
from xlmodel.xlsx.cellref import col_index, make_ref, parse_range
from xlmodel.xlsx.package import Package
from xlmodel.xlsx.sheetxml import (
    TYPICAL_CELL_ATTRS,
    Patterns,
    attrs,
    has_markup_hazards,
    patterns,
    rich_text,
    root_prefix,
    sheet_data_span,
    unescape_xstring,
    xml_text,
)
from xlmodel.xlsx.values import ExcelError
from xlmodel.xlsx.xmlsafe import local

Value = Decimal | str | bool | ExcelError | None


class Cell(NamedTuple):
    ref: str
    row: int
    col: int
    value: Value
    formula: str | None
    kind: str
    style: int
    formula_kind: str | None = None
    dynamic: bool = False


def shared_strings(pkg: Package) -> list[str]:
    """The shared string table, each entry's runs joined (phonetic runs left out)."""
    cached = getattr(pkg, "_xlmodel_sst", None)
    if cached is not None:
        return cached
    name = pkg.shared_strings_part
    out: list[str] = []
    if name is not None:
        data = pkg.part(name)
        pat = patterns(root_prefix(data, name, pkg.where))
        pkg.ensure_well_formed(name, data)  # a malformed table is refused, never half read
        # The plain entry <si><t>text</t></si> (most of them) without rich_text's
        # sub-pattern: the same text (one run, no phonetic run).
        t_open, t_close = b"<" + pat.prefix + b"t>", b"</" + pat.prefix + b"t>"
        lo, lc = len(t_open), len(t_close)
        for m in pat.si.finditer(data):
            body = m.group(2)
            if not body:
                out.append("")
            elif body.startswith(t_open) and body.endswith(t_close) and body.count(b"<") == 2:
                out.append(unescape_xstring(xml_text(body[lo:-lc])))
            else:
                out.append(rich_text(body, pat))
    pkg._xlmodel_sst = out  # type: ignore[attr-defined]  # the Package is immutable: safe to memoise
    return out


def _split(ref: str) -> tuple[int, int]:
    i = 0
    while i < len(ref) and ref[i].isalpha():
        i += 1
    return int(ref[i:]), col_index(ref[:i])


class _SharedFormulas:
    """Masters of shared formulas by si, and translation to dependent cells."""

    def __init__(self) -> None:
        self.masters: dict[str, tuple[str, str]] = {}
        self._translators: dict[str, object] = {}

    def add(self, si: str, ref: str, text: str) -> None:
        self.masters[si] = (ref, text)

    def translate(self, si: str, ref: str, where: str | None) -> str | None:
        if si not in self.masters:
            return None  # a dependent before its master: not valid OOXML; report no formula
        origin, text = self.masters[si]
        if origin == ref:
            return text
        try:
            tr = self._translators.get(si)
            if tr is None:
                from openpyxl.formula.translate import Translator  # only files with shared formulas pay

                # inside the try: the master is tokenized here, and a damaged one makes
                # openpyxl's tokenizer raise (TokenizerError, or IndexError for 'A1)')
                tr = Translator("=" + text, origin=origin)
                self._translators[si] = tr
            return tr.translate_formula(ref)[1:]  # type: ignore[attr-defined]
        except Exception as exc:  # openpyxl raises TranslatorError / TokenizerError / ValueError / IndexError
            raise WorkbookError(f"den delade formeln i {ref} kan inte översättas (openpyxl: {str(exc)[:120]!r})",
                                path=where) from None


class _ScanState:
    """What a byte scan carries from one piece of sheetData to the next when a sheet is
    read in pieces (``xlsx.stream``): the row and column of the last cell (for rows and
    cells without ``r``), the cell count (for ``max_cells``) and the masters of shared
    formulas. A scan of the whole sheet starts from a fresh one."""

    __slots__ = ("row", "col", "count", "shared")

    def __init__(self) -> None:
        self.row = 0
        self.col = 0
        self.count = 0
        self.shared = _SharedFormulas()


# What a number cell may hold: a finite value inside the range of an IEEE double (Excel
# stores doubles; it never writes NaN, INF or 1E+400). Decimal() would also accept
# 'NaN', 'sNaN', 'Infinity' and exponents beyond any double, and those would then break
# arithmetic far from here (an sNaN raises on every operation), so the reader refuses
# them as a damaged cell. Exponent bounds: 1.8e308 is the largest double, 4.9e-324 the
# smallest subnormal.
_PLAIN_NUMBER = re.compile(rb"-?[0-9]{1,20}(?:\.[0-9]{0,20})?")  # always inside a double's range: no check
# A row's attributes as Excel and XlsxWriter write them, ``r`` first (``<row r="5" spans=..``):
# its number without the attribute dict. The part was found well-formed before it is
# scanned, so no second ``r`` can follow.
_ROW_NUMBER = re.compile(rb' r="([0-9]+)"')
_MAX_EXPONENT = 308
_MIN_EXPONENT = -324


def _number(text: str, ref: str, where: str | None) -> Decimal:
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise WorkbookError(f"cell {ref} har ett ogiltigt tal {text!r}", path=where) from None
    if not d.is_finite() or (d and not _MIN_EXPONENT <= d.adjusted() <= _MAX_EXPONENT) or "_" in text:
        raise WorkbookError(
            f"cell {ref} har ett tal som Excel inte kan lagra ({text[:40]!r}); filen är skadad eller manipulerad",
            path=where,
        )
    return d


def _typed(kind: str, raw: str | None, sst: list[str], ref: str, where: str | None) -> Value:
    if raw is None:
        return None
    if kind == "n":
        if raw == "":
            return None
        return _number(raw, ref, where)
    if kind == "s":
        try:
            return sst[int(raw)]
        except (ValueError, IndexError):
            raise WorkbookError(f"cell {ref} pekar på en delad sträng som saknas ({raw!r})", path=where) from None
    if kind == "b":
        return raw.strip() in ("1", "true")
    if kind == "e":
        return ExcelError(raw.strip())
    if kind == "str":
        return unescape_xstring(raw)
    return raw  # 'd': ISO 8601 text


def _sheet_cells(pkg: Package, sheet: str, max_row: int | None) -> Iterator[Cell]:
    """The cells of a sheet, unwrapped: errors of a damaged cell come out as raised by
    the scan (``_sheet_error`` names the sheet). A missing sheet or part, an unsafe root,
    no sheetData: raised here, at once."""
    part = pkg.sheet_part(sheet)
    data = pkg.part(part)
    where = pkg.where
    pat = patterns(root_prefix(data, part, where))  # the prolog check first: a DTD never reaches libxml2
    pkg.ensure_well_formed(part, data)  # a malformed sheet is refused, never half read
    span = sheet_data_span(data, pat, part, where)
    sst = shared_strings(pkg)
    if has_markup_hazards(data, span.content_start, span.content_end):
        return _iter_tree(data, sst, where, pkg.limits.max_cells)
    return _iter_bytes(data, span.content_start, span.content_end, pat, sst, where, pkg.limits.max_cells,
                       max_row=max_row)


def _sheet_error(sheet: str, err: Exception, where: str | None) -> WorkbookError:
    if isinstance(err, WorkbookError):
        # A damaged cell: the message names the cell; add the sheet so a user can find it.
        if err.message.startswith(f"bladet '{sheet}'"):
            return err
        return WorkbookError(f"bladet '{sheet}': {err.message}", path=err.path or where)
    # Attribute bytes that are not ASCII, a row number that is no number ('r="1x"'):
    # int()/decode() raise ValueError (UnicodeDecodeError is one). Excel never writes
    # them; the file is damaged.
    return WorkbookError(f"bladet '{sheet}' har en rad eller cell med ogiltiga attribut; filen är skadad",
                         path=where)


def iter_cells(
    pkg: Package,
    sheet: str,
    *,
    min_row: int = 1,
    max_row: int | None = None,
) -> Iterator[Cell]:
    """Yield the cells of a worksheet (see the module docstring), rows min_row..max_row."""
    it = _sheet_cells(pkg, sheet, max_row)
    try:
        for cell in it:
            if cell.row < min_row:
                continue
            if max_row is not None and cell.row > max_row:
                return  # rows are in ascending order (ECMA-376 Part 1, §18.3.1.73)
            yield cell
    except (WorkbookError, ValueError) as err:
        raised = _sheet_error(sheet, err, pkg.where)
        if raised is err:
            raise
        raise raised from None


@lru_cache(maxsize=8)
def _scanner(prefix: bytes) -> re.Pattern[bytes]:
    """``row_or_cell`` of ``sheetxml.patterns`` with one alternative in front: the cell
    as Excel (and XlsxWriter) write nearly every one of them - attributes ``r``, ``s``,
    ``t`` in that order, content an optional plain ``<f>`` and an optional ``<v>`` - with
    every piece in its own group, so the common cell needs no further pattern.

    Groups: 1 column letters, 2 row digits, 3 ``s``, 4 ``t`` (never ``inlineStr``: its
    content is ``<is>``), 5 formula text, 6 value text when it is a plain number
    (``_PLAIN_NUMBER`` matches it whole), 7 any other value text; then the general
    alternatives of ``row_or_cell``: 8 row attributes, 9 cell attributes, 10 cell
    content. The plain number is told apart by the pattern itself (it must be followed
    by the closing tag, else the other group takes the text), so the usual cached value
    needs no second match. Anything the
    first alternative does not match exactly (other attributes such as ``cm``, a shared
    or array formula, ``<is>``, ``<v>`` before ``<f>``) is matched by the general ones,
    at the same position and with the same extent, and read as before."""
    p = re.escape(prefix)
    typical = (
        rb"<" + p + rb'c r="([A-Z]{1,3})([0-9]{1,7})"(?: s="([0-9]+)")?(?: t="([a-z]{1,3})")?'
        rb"(?:/>|>(?:<" + p + rb"f>([^<]*)</" + p + rb"f>)?(?:<" + p + rb"v>(?:(" + _PLAIN_NUMBER.pattern + rb")|([^<]*))</" + p + rb"v>)?</"
        + p + rb"c>)"
    )
    return re.compile(typical + rb"|" + patterns(prefix).row_or_cell.pattern, re.DOTALL)


def _iter_bytes(
    data: bytes, start: int, end: int, pat: Patterns, sst: list[str], where: str | None, max_cells: int,
    *, max_row: int | None = None, state: _ScanState | None = None,
) -> Iterator[Cell]:
    # Hot loop: locals bound once; the common cell (<c r=".." s=".." t=".."><f>..</f><v>..</v></c>)
    # is matched with all its parts by the first alternative of ``_scanner`` and takes a
    # fast path without an attribute dict or sub-patterns. ``state``: where the scan of the
    # previous piece of the same sheetData ended (a sheet read in pieces); written back
    # when this scan reaches ``end`` or stops after ``max_row`` (a scan abandoned by its
    # consumer, or one that raised, leaves it as it was).
    if state is None:
        state = _ScanState()
    shared = state.shared
    row = state.row
    col = state.col
    count = state.count
    tag_f, v_open, v_close = pat.tag_f, pat.v_open, pat.v_close
    lv, lvc = len(pat.v_open), len(pat.v_close)
    v_re, f_re, is_re = pat.v, pat.f, pat.is_
    dec = Decimal
    plain_number = _PLAIN_NUMBER.fullmatch
    row_number = _ROW_NUMBER.match
    # A Cell built by tuple.__new__ directly: the same tuple as Cell(...) without the
    # Python-level __new__ that NamedTuple generates (a third of this loop's time on a
    # large sheet, bench/RESULTS.md). Column numbers by letters, styles and types by
    # their bytes: cached per sheet (the same ints and strs as computing them per cell).
    # The typical cell's reference is its column's letters as text and its row's digits
    # as text, each decoded once (a row's cells follow one another): the same str as
    # decoding the two together.
    make = tuple.__new__
    C = Cell
    col_of: dict[bytes, int] = {}
    typical_col: dict[bytes, tuple[int, str]] = {}
    row_b = None  # the row digits of the last typical cell, and them as int and text
    row_i, row_s = 0, ""
    style_of: dict[bytes | None, int] = {None: 0}
    kind_of: dict[bytes | None, str] = {None: "n"}
    for m in _scanner(pat.prefix).finditer(data, start, end):
        letters, digits, s_raw, t_raw, f_raw, plain_b, raw_b, row_attrs, c_attrs_raw, content = m.groups()
        if letters is not None:  # the typical cell, every part in a group
            count += 1
            if count > max_cells:
                raise WorkbookError(f"bladet har fler än {max_cells} celler", path=where)
            if digits != row_b:
                row_b, row_i, row_s = digits, int(digits), digits.decode("ascii")
            row = row_i
            known = typical_col.get(letters)
            if known is None:
                text = letters.decode("ascii")
                known = typical_col[letters] = (col_index(text), text)
            col = known[0]
            ref = known[1] + row_s
            style = style_of.get(s_raw)
            if style is None:
                style = style_of[s_raw] = int(s_raw)
            kind = kind_of.get(t_raw)
            if kind is None:
                kind = kind_of[t_raw] = t_raw.decode("ascii")
            if plain_b is not None:
                if kind == "n":
                    # a plain number (nearly every value): what the branches below give for it
                    value = dec(plain_b.decode("ascii"))
                    if f_raw is None:
                        yield make(C, (ref, row, col, value, None, kind, style, None, False))
                    else:
                        yield make(C, (ref, row, col, value, xml_text(f_raw) if f_raw else "", kind, style,
                                       "normal", False))
                    continue
                raw_b = plain_b  # a shared string's index, a boolean: read below as any other text
            if f_raw is None:
                if raw_b is None:
                    yield make(C, (ref, row, col, None, None, kind, style, None, False))
                    continue
                # the same reading as the general path's "<v> only" branch below
                if kind == "n":
                    try:
                        value = dec(raw_b.decode("ascii")) if raw_b else None
                    except (InvalidOperation, UnicodeDecodeError):
                        raise WorkbookError(f"cell {ref} har ett ogiltigt tal {raw_b!r}", path=where) from None
                    if value is not None and not plain_number(raw_b):
                        value = _number(raw_b.decode("ascii"), ref, where)  # exponent, NaN, INF: check the range
                elif kind == "s":
                    # a shared string's index (nearly every text cell): int() takes the
                    # ASCII digits as _typed takes their text; anything else (an entity,
                    # a bad index) goes to _typed, which reads it or names the error
                    try:
                        value = sst[int(raw_b)]
                    except (ValueError, IndexError):
                        value = _typed(kind, xml_text(raw_b), sst, ref, where)
                else:
                    value = _typed(kind, xml_text(raw_b), sst, ref, where)
                yield make(C, (ref, row, col, value, None, kind, style, None, False))
                continue
            # a normal formula (``<f>`` without attributes) and its cached value, if any:
            # the same reading as the general path below
            formula = xml_text(f_raw) if f_raw else ""
            if kind == "n" and raw_b and plain_number(raw_b):
                # a plain number (the usual cached value): what _typed gives for it, as above
                yield make(C, (ref, row, col, dec(raw_b.decode("ascii")), formula, kind, style, "normal", False))
                continue
            raw = None if raw_b is None else (xml_text(raw_b) if raw_b else "")
            yield make(C, (ref, row, col, _typed(kind, raw, sst, ref, where), formula, kind, style, "normal", False))
            continue
        if c_attrs_raw is None:  # a <row>
            rm = row_number(row_attrs)
            if rm is not None:  # r first, as every writer puts it: the value attrs() would give
                row = int(rm.group(1))
            else:
                a = attrs(row_attrs)
                r = a.get(b"r")
                row = int(r) if r is not None else row + 1
            col = 0
            if max_row is not None and row > max_row:
                state.row, state.col, state.count = row, col, count
                return  # rows ascend: nothing further is wanted, and nothing further is decoded
            continue
        count += 1
        if count > max_cells:
            raise WorkbookError(f"bladet har fler än {max_cells} celler", path=where)
        fast = TYPICAL_CELL_ATTRS.fullmatch(c_attrs_raw)
        if fast is not None:
            letters, digits, s_raw, t_raw = fast.groups()
            row = int(digits)
            col = col_of.get(letters)
            if col is None:
                col = col_of[letters] = col_index(letters.decode("ascii"))
            ref = (letters + digits).decode("ascii")
            style = int(s_raw) if s_raw else 0
            kind = t_raw.decode("ascii") if t_raw else "n"
            dynamic = False
        else:
            a = attrs(c_attrs_raw)
            r = a.get(b"r")
            if r is not None:
                ref = r.decode("ascii")
                row, col = _split(ref)
            else:
                col += 1
                ref = make_ref(row, col)
            kind = a.get(b"t", b"n").decode("ascii")
            style = int(a.get(b"s", b"0"))
            dynamic = b"cm" in a
        if not content:
            yield make(C, (ref, row, col, None, None, kind, style, None, dynamic))
            continue
        if content.startswith(v_open) and content.endswith(v_close) and content.count(b"<") == 2:
            raw_b = content[lv:-lvc]
            if kind == "n":
                try:
                    value: Value = dec(raw_b.decode("ascii")) if raw_b else None
                except (InvalidOperation, UnicodeDecodeError):
                    raise WorkbookError(f"cell {ref} har ett ogiltigt tal {raw_b!r}", path=where) from None
                if value is not None and not plain_number(raw_b):
                    value = _number(raw_b.decode("ascii"), ref, where)  # exponent, NaN, INF: check the range
            else:
                value = _typed(kind, xml_text(raw_b), sst, ref, where)
            yield make(C, (ref, row, col, value, None, kind, style, None, dynamic))
            continue
        formula = None
        fkind = None
        raw = None
        if tag_f in content:
            fm = f_re.search(content)
            if fm:
                fa = attrs(fm.group(1))
                fkind = fa.get(b"t", b"normal").decode("ascii")
                text = xml_text(fm.group(2)) if fm.group(2) else None
                if fkind == "shared":
                    si = fa.get(b"si", b"").decode("ascii")
                    if text:
                        shared.add(si, ref, text)
                        formula = text
                    else:
                        formula = shared.translate(si, ref, where)
                else:
                    formula = text if text is not None else ""
        if kind == "inlineStr":
            im = is_re.search(content)
            value = rich_text(im.group(1), pat) if im and im.group(1) else ("" if im else None)
            yield Cell(ref, row, col, value, formula, kind, style, fkind, dynamic)
            continue
        vm = v_re.search(content)
        if vm:
            raw = xml_text(vm.group(2)) if vm.group(2) else ""
        yield make(C, (ref, row, col, _typed(kind, raw, sst, ref, where), formula, kind, style, fkind, dynamic))
    state.row, state.col, state.count = row, col, count


def _iter_tree(data: bytes, sst: list[str], where: str | None, max_cells: int) -> Iterator[Cell]:
    """The same cells via lxml iterparse (safe settings), for sheets the byte scan
    cannot trust (comments, CDATA or PIs inside sheetData)."""
    import io

    shared = _SharedFormulas()
    row = 0
    col = 0
    count = 0
    ctx = etree.iterparse(
        io.BytesIO(data), events=("start", "end"), resolve_entities=False, no_network=True,
        load_dtd=False, huge_tree=False, remove_comments=True,
    )
    try:
        for event, el in ctx:
            name = local(el.tag)
            if event == "start":
                if name == "row":
                    r = el.get("r")
                    row = int(r) if r is not None else row + 1
                    col = 0
                continue
            if name != "c":
                if name == "row":
                    el.clear()
                continue
            count += 1
            if count > max_cells:
                raise WorkbookError(f"bladet har fler än {max_cells} celler", path=where)
            r = el.get("r")
            if r is not None:
                ref = r
                row, col = _split(ref)
            else:
                col += 1
                ref = make_ref(row, col)
            kind = el.get("t", "n")
            style = int(el.get("s", "0"))
            formula = fkind = None
            raw = None
            value: Value = None
            for child in el:
                cname = local(child.tag)
                if cname == "f":
                    fkind = child.get("t", "normal")
                    text = child.text
                    if fkind == "shared":
                        si = child.get("si", "")
                        if text:
                            shared.add(si, ref, text)
                            formula = text
                        else:
                            formula = shared.translate(si, ref, where)
                    else:
                        formula = text or ""
                elif cname == "v":
                    raw = child.text or ""
                elif cname == "is" and kind == "inlineStr":
                    runs = [t.text or "" for t in child.iter() if local(t.tag) == "t"
                            and local(t.getparent().tag) != "rPh"]
                    value = unescape_xstring("".join(runs))
            if kind != "inlineStr":
                value = _typed(kind, raw, sst, ref, where)
            yield Cell(ref, row, col, value, formula, kind, style, fkind, el.get("cm") is not None)
            el.clear()
    except etree.XMLSyntaxError as exc:
        raise WorkbookError(f"bladet är inte giltig XML på rad {exc.lineno} (libxml2: {exc.msg!r})", path=where) from None


def read_range(pkg: Package, sheet: str, rng: str) -> list[list[Cell | None]]:
    """The cells of a rectangle, row by row; None where the sheet has no cell."""
    r1, c1, r2, c2 = parse_range(rng)
    grid: list[list[Cell | None]] = [[None] * (c2 - c1 + 1) for _ in range(r2 - r1 + 1)]
    for cell in iter_cells(pkg, sheet, min_row=r1, max_row=r2):
        if c1 <= cell.col <= c2:
            grid[cell.row - r1][cell.col - c1] = cell
    return grid


def read_values(pkg: Package, sheet: str, rng: str) -> list[list[Value]]:
    """Like ``read_range`` but only the values (None for missing cells)."""
    return [[c.value if c else None for c in row] for row in read_range(pkg, sheet, rng)]


def read_cells(pkg: Package, sheet: str) -> dict[str, Cell]:
    """Every cell of a sheet by reference (what ``iter_cells`` yields, without its
    per-cell row filter: this is the reading of every sheet that ``validate`` does)."""
    it = _sheet_cells(pkg, sheet, None)
    try:
        return {c[0]: c for c in it}
    except (WorkbookError, ValueError) as err:
        raised = _sheet_error(sheet, err, pkg.where)
        if raised is err:
            raise
        raise raised from None
