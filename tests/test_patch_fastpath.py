"""The fast paths of the lossless patch (issue 6, bench/EXPLANATION.md) give exactly what
the general paths give: the same cells and rows with the same byte offsets, the same
errors, the same written bytes.

- ``_row_cells``: one pattern whose first alternative reads the usual cell (``findall``,
  cells placed by their lengths when they lie back to back, else ``finditer``) against
  ``fast=False`` (``attrs`` + ``split_ref`` for every cell);
- ``_index_rows``: the usual row attributes by one pattern against ``attrs``;
- ``CellWrite``: a reference in canonical form kept as it is against split_ref + make_ref;
- ``_number_text``: ``str`` of a Decimal against ``format(d, "f")``;
- ``patch_sheet`` as a whole with the fast paths against the same with the general ones.
"""

from __future__ import annotations

from decimal import Decimal
from unittest import mock

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from xlsx_fixtures import minimal_xlsx, sheet
from xlmodel.errors import InputError
from xlmodel.xlsx import CellWrite, Package, patch_sheet
from xlmodel.xlsx import patch as P
from xlmodel.xlsx.cellref import make_ref, split_ref
from xlmodel.xlsx.sheetxml import patterns, root_prefix, sheet_data_span


def _outcome(fn, *args, **kwargs):
    """A call's result, or its exception as (type, message): two paths must agree on either."""
    try:
        return ("ok", fn(*args, **kwargs))
    except Exception as exc:  # noqa: BLE001 - the exception itself is what is compared
        return ("error", type(exc).__name__, str(exc))


# ------------------------------------------------------------------ generated rows

_LETTERS = st.sampled_from(["A", "B", "C", "H", "Z", "AA", "AZ", "XFD", "XFC", "WZZ", "XEZ", "XFE", "XGA", "ZZZ", "b"])
_CELL_CONTENT = st.sampled_from([None, "", "<v>1</v>", "<v>-47.1</v>", "<f>A1+B1</f><v>2</v>", "<f>SUM(A1:A3)</f>",
                                 "<is><t>hej</t></is>", '<f t="shared" si="0" ref="A1:A3">B1</f><v>0</v>',
                                 "<v>a&lt;b</v>", "<f/><v>3</v>"])


@st.composite
def _cells(draw, row: int, prefix: str) -> str:
    """A row's cells: mostly as Excel writes them, with every kind of deviation mixed in."""
    p = f"{prefix}:" if prefix else ""
    n = draw(st.integers(min_value=0, max_value=6))
    out = []
    for _ in range(n):
        letters = draw(_LETTERS)
        digits = draw(st.sampled_from([str(row), str(row), str(row), f"0{row}", str(row + 1), "1000000", "0"]))
        ref = letters + digits
        style = draw(st.sampled_from(["", ' s="3"', ' s="12"', " s='4'", ' s=""']))
        kind = draw(st.sampled_from(["", ' t="n"', ' t="s"', ' t="str"', ' t="inlineStr"', " t='b'"]))
        form = draw(st.sampled_from(["usual", "usual", "usual", "style first", "single r", "extra", "blanks",
                                     "no r", "newline"]))
        if form == "usual":
            attrs = f' r="{ref}"{style}{kind}'
        elif form == "style first":
            attrs = (style or ' s="1"') + f' r="{ref}"{kind}'
        elif form == "single r":
            attrs = f" r='{ref}'{style}{kind}"
        elif form == "extra":
            attrs = f' r="{ref}"{style}{kind} cm="1"'
        elif form == "blanks":
            attrs = f'  r="{ref}" {style}{kind} '
        elif form == "newline":
            attrs = f'\n r="{ref}"\n{style}{kind}\n'
        else:
            attrs = f"{style}{kind}"
        content = draw(_CELL_CONTENT)
        cell = f"<{p}c{attrs}/>" if content is None else f"<{p}c{attrs}>{content}</{p}c>"
        if prefix and content:
            cell = cell.replace("<v>", f"<{p}v>").replace("</v>", f"</{p}v>").replace("<f", f"<{p}f").replace(
                "</f>", f"</{p}f>").replace("<is><t>", f"<{p}is><{p}t>").replace("</t></is>", f"</{p}t></{p}is>")
        out.append(cell)
        out.append(draw(st.sampled_from(["", "", "", " ", "\n  "])))
    return "".join(out)


def _sheet_rows(prefix: str, rows: list[tuple[int, str, str]]) -> bytes:
    p = f"{prefix}:" if prefix else ""
    xml = "".join(f"<{p}row{attrs}/>" if cells is None else f"<{p}row{attrs}>{cells}</{p}row>"
                  for _r, attrs, cells in rows)
    return sheet(xml, prefix=prefix).encode("utf-8")


def _parts(data: bytes):
    pat = patterns(root_prefix(data, "x"))
    span = sheet_data_span(data, pat, "x")
    return pat, span


@given(st.data(), st.sampled_from(["", "x"]), st.integers(min_value=1, max_value=999_998))
@settings(max_examples=400, deadline=None)
def test_row_cells_fast_path_equals_the_general_path(data, prefix: str, row: int) -> None:
    cells = data.draw(_cells(row, prefix))
    xml = _sheet_rows(prefix, [(row, f' r="{row}" spans="1:8"', cells)])
    pat, span = _parts(xml)
    (r,) = P._index_rows(xml, span.content_start, span.content_end, pat, "x", None)
    fast = _outcome(P._row_cells, xml, r, pat, "x", None)
    general = _outcome(P._row_cells, xml, r, pat, "x", None, fast=False)
    assert fast == general
    if fast[0] == "ok":  # the offsets are those of the elements themselves
        for c in fast[1]:
            assert xml[c.start:c.end].startswith(f"<{prefix + ':' if prefix else ''}c".encode())
            assert xml[c.end - 1:c.end] == b">"


def test_row_cells_fast_path_takes_both_placements() -> None:
    """Back to back (placed by lengths) and with blanks between (placed by finditer)."""
    pieces = ['<c r="A3" s="1"><v>1</v></c>', '<c r="B3"/>', '<c r="C3" t="s"><v>0</v></c>',
              '<c s="2" r="D3"><f>A3</f><v>1</v></c>']
    for sep in ("", " ", "\n"):
        xml = _sheet_rows("", [(3, ' r="3"', sep.join(pieces))])
        pat, span = _parts(xml)
        (r,) = P._index_rows(xml, span.content_start, span.content_end, pat, "x", None)
        fast = P._row_cells(xml, r, pat, "x", None)
        assert fast == P._row_cells(xml, r, pat, "x", None, fast=False)
        assert [(c.ref, c.col, c.style, c.has_formula) for c in fast] == [
            ("A3", 1, b"1", False), ("B3", 2, None, False), ("C3", 3, None, False), ("D3", 4, b"2", True)]
        assert [xml[c.start:c.end] for c in fast] == [x.encode() for x in pieces]


_ROW_ATTRS = st.sampled_from([
    ' r="{r}"', ' r="{r}" spans="1:8"', ' r="{r}" spans="1:8" ht="32.25" customHeight="1"', ' spans="1:8" r="{r}"',
    " r='{r}'", ' r="{r}" x14ac:dyDescent="0.25"', ' r="{r}" r="{s}"', ' r="{r}" x:r="{s}"', ' r="0{r}"',
    ' r="{r}" note="a\'b"', ' ht="12"', ' r="{r}"  ', '\n r="{r}"\n spans="2:3"', ' r="{r}" rx="{s}"', ' r=""',
])


@given(st.lists(st.tuples(st.integers(min_value=0, max_value=40), _ROW_ATTRS, st.booleans()), min_size=0,
                max_size=8))
@settings(max_examples=300, deadline=None)
def test_index_rows_fast_path_equals_the_general_path(rows) -> None:
    spec, r = [], 0
    for step, attrs, empty in rows:
        r += step
        spec.append((r, attrs.format(r=r, s=r + 7), None if empty else f'<c r="A{r}"><v>1</v></c>'))
    xml = _sheet_rows("", spec)
    pat, span = _parts(xml)
    fast = _outcome(P._index_rows, xml, span.content_start, span.content_end, pat, "x", None)
    general = _outcome(P._index_rows, xml, span.content_start, span.content_end, pat, "x", None, fast=False)
    assert fast == general


# ------------------------------------------------------------------ CellWrite refs

_REF_TEXT = st.one_of(
    st.from_regex(r"\$?[A-Za-z]{1,4}\$?[0-9]{1,8}", fullmatch=True),
    st.tuples(st.sampled_from(["A", "Z", "AA", "XFD", "XFE", "XEZ", "WZZ", "ZZZ", "AAAA", "xfd", "b"]),
              st.sampled_from(["1", "9", "10", "999999", "1000000", "1048576", "1048577", "0", "01", "12x"]),
              st.sampled_from(["", " ", "\n"])).map(lambda t: t[2] + t[0] + t[1] + t[2]),
    st.text(max_size=8),
    st.sampled_from([None, 5, b"A1", "A1:B2", "", "$A$1", "A$1"]),
)


@given(_REF_TEXT)
@settings(max_examples=600, deadline=None)
def test_cell_write_ref_fast_path_equals_split_ref(ref) -> None:
    def reference():
        pos = split_ref(ref, argument="ref", rule=P.RULE)
        return make_ref(*pos), pos

    def fast():
        w = CellWrite(ref=ref, value=Decimal("1"))
        return w.ref, w.position

    assert _outcome(fast) == _outcome(reference)


def test_cell_write_keeps_equality_hash_and_repr() -> None:
    a, b = CellWrite(ref="$b$4", value=Decimal("1")), CellWrite(ref="B4", value=Decimal("1"))
    assert a == b and hash(a) == hash(b) and repr(a) == repr(b) == "CellWrite(ref='B4', value=Decimal('1'), " \
        "formula=None, style=None, keep_formula=False)"
    assert a.position == b.position == (4, 2)
    with pytest.raises(InputError):
        CellWrite(ref="XFE1", value=1)


# ------------------------------------------------------------------ number text

@given(st.decimals(allow_nan=False, allow_infinity=False))
@settings(max_examples=1000, deadline=None)
def test_number_text_equals_fixed_notation(d: Decimal) -> None:
    assert P._number_text(d) == ("0" if d == 0 else format(d, "f"))


@pytest.mark.parametrize("text, expected", [("1E+3", "1000"), ("1E-7", "0.0000001"), ("1.50", "1.50"),
                                            ("-0.000001", "-0.000001"), ("-0.0", "0"), ("5799.638996", "5799.638996")])
def test_number_text_examples(text: str, expected: str) -> None:
    assert P._number_text(Decimal(text)) == expected


# ------------------------------------------------------------------ patch_sheet as a whole

def _general_paths():
    """patch_sheet with every fast path of the row and cell scans switched off."""
    row_cells, index_rows = P._row_cells, P._index_rows
    return mock.patch.multiple(
        P,
        _row_cells=lambda *a, **k: row_cells(*a, **{**k, "fast": False}),
        _index_rows=lambda *a, **k: index_rows(*a, **{**k, "fast": False}),
    )


_WRITE = st.tuples(
    st.sampled_from(["A", "B", "C", "D", "E", "H", "Z"]),
    st.integers(min_value=1, max_value=12),
    st.sampled_from(["value", "text", "formula", "keep", "style"]),
)


@given(st.data(), st.sampled_from(["", "x"]))
@settings(max_examples=200, deadline=None)
def test_patch_with_fast_paths_writes_what_the_general_paths_write(data, prefix: str) -> None:
    rows, r = [], 0
    for _ in range(data.draw(st.integers(min_value=0, max_value=6))):
        r += data.draw(st.integers(min_value=1, max_value=3))
        cells = data.draw(_cells(r, prefix))
        rows.append((r, f' r="{r}" spans="1:4"', cells if data.draw(st.booleans()) or cells else None))
    xml = _sheet_rows(prefix, rows)
    pkg = Package.from_bytes(minimal_xlsx(xml))
    writes: dict[str, CellWrite] = {}
    for letters, row, kind in data.draw(st.lists(_WRITE, max_size=8)):
        ref = f"{letters}{row}"
        if kind == "value":
            writes[ref] = CellWrite(ref=ref, value=Decimal(row) / 8)
        elif kind == "text":
            writes[ref] = CellWrite(ref=ref, value=f" t{row} ")
        elif kind == "formula":
            writes[ref] = CellWrite(ref=ref, value=Decimal(row), formula=f"=A{row}*2")
        elif kind == "keep":
            writes[ref] = CellWrite(ref=ref, value=Decimal(row) + 1, keep_formula=True)
        else:
            writes[ref] = CellWrite(ref=ref, value=True, style=0)
    clear = data.draw(st.sampled_from([[], ["C2:D3"], ["A1:Z1"]]))
    assume(writes or clear)

    def run():
        out = patch_sheet(pkg, "Blad1", list(writes.values()), clear)
        return {n: out.part(n) for n in out.names}

    fast = _outcome(run)
    with _general_paths():
        general = _outcome(run)
    assert fast == general
