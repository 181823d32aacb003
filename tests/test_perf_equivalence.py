"""The fast paths of issue 6 (bench/EXPLANATION.md) give what the general paths give.

- the reader's one-pattern path for the typical cell equals the tree reader (lxml) on
  generated sheets, including cells that must take the general path;
- ``at_excel_precision`` equals ``money.excel_precision``, value and form;
- ``Package.write_to`` copying the compressed data of unchanged parts writes a zip that
  reads back as the recompressing writer's does, and the save's verification of copied
  data catches a damaged copy;
- ``collector_paused`` restores the collector's state;
- regenerate's ``unchanged`` (diff_sheet's per-cell test with its shortcuts) equals the
  test it replaced (formula and value the same, ``compare_cell`` finds nothing).
The patch's fast paths are in tests/test_patch_fastpath.py.
"""

from __future__ import annotations

import gc
import io
import shutil
import zipfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlsx_fixtures import minimal_xlsx, sheet
from xlmodel.errors import WorkbookError
from xlmodel.money import excel_precision
from xlmodel.workbook.cells import at_excel_precision
from xlmodel.workbook.owned import OwnedCell, compare_cell, normalize_formula
from xlmodel.workbook.regenerate import stored_number, unchanged
from xlmodel.workbook.collector import collector_paused
from xlmodel.xlsx import CellWrite, Package, patch_sheet
from xlmodel.xlsx.atomic import _verify
from xlmodel.xlsx.package import _Source
from xlmodel.xlsx.reader import _iter_bytes, _iter_tree, shared_strings
from xlmodel.xlsx.sheetxml import patterns, root_prefix, sheet_data_span

REPO = Path(__file__).resolve().parent.parent
SHIPPED = sorted((REPO / "workbooks").glob("*.xls[xm]"))

# --------------------------------------------------------------- excel precision

number_texts = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, width=64).map(repr),
    st.floats(allow_nan=False, allow_infinity=False, width=64).map(lambda x: f"{x:.15g}"),
    st.floats(allow_nan=False, allow_infinity=False, width=64).map(lambda x: f"{x:.17g}"),
    st.integers(min_value=-(10**18), max_value=10**18).map(str),
    st.tuples(st.integers(min_value=-(10**16), max_value=10**16), st.integers(min_value=0, max_value=12)).map(
        lambda t: str(Decimal(t[0]).scaleb(-t[1]))),
    st.sampled_from(["0", "-0", "0.0", "100", "1.50", "5.0", "0.05", "1E+3", "1.5E-7", "123456789012345",
                     "1234567890123456", "-99999999999999.9", "0.000001", "158.198996"]),
)


@given(number_texts)
@settings(max_examples=400, deadline=None)
def test_at_excel_precision_is_excel_precision(text: str) -> None:
    d = Decimal(text)
    fast, slow = at_excel_precision(d), excel_precision(d)
    assert fast == slow and str(fast) == str(slow) and fast.as_tuple() == slow.as_tuple()


# --------------------------------------------------------------- reader fast path

_STYLES = st.sampled_from(["", ' s="1"', ' s="12"'])
_cell = st.one_of(
    # typical cells: the first alternative of the scanner
    st.tuples(_STYLES, st.sampled_from(["", ' t="n"']), st.sampled_from(["<v>1.5</v>", "<v>-47.1</v>", "<v>0</v>",
                                                                        "<v>1E+3</v>", "<v></v>", "", None])),
    # on either side of the plain number the scanner tells apart (reader._PLAIN_NUMBER)
    st.tuples(_STYLES, st.sampled_from(["", ' t="n"']), st.sampled_from([
        "<v>5.</v>", "<v>-0</v>", "<v>0012</v>", "<v>1e5</v>", "<v>12345678901234567890</v>",
        "<v>123456789012345678901</v>", "<v>1.123456789012345678901</v>", "<v>-.5</v>", "<v> 7</v>",
        "<f>A1*2</f><v>-0.25</v>", "<f>A1*2</f><v>2.5E-3</v>", "<f>A1*2</f><v>12345678901234567890.5</v>"])),
    st.tuples(_STYLES, st.just(' t="s"'), st.sampled_from(["<v>0</v>", "<v>1</v>"])),
    st.tuples(_STYLES, st.just(' t="str"'), st.sampled_from(["<f>A1&amp;\"x\"</f><v>a&lt;b</v>", "<v>_x000D_x</v>",
                                                              "<f>B1</f><v></v>"])),
    st.tuples(_STYLES, st.just(' t="b"'), st.sampled_from(["<v>1</v>", "<v>0</v>", "<f>TRUE()</f><v>1</v>"])),
    st.tuples(_STYLES, st.just(' t="e"'), st.sampled_from(["<v>#NAME?</v>", "<f>1/0</f><v>#DIV/0!</v>"])),
    st.tuples(_STYLES, st.sampled_from(["", ' t="n"']), st.sampled_from(["<f>C5+D5</f><v>5799.638996</v>",
                                                                        "<f>SUM(A1:A3)</f>", "<f></f><v>2</v>"])),
    # general path: other attributes, shared formulas, inline strings, <v> before <f>
    st.tuples(st.sampled_from([' cm="1"', ' s="1" vm="1"']), st.just(""),
              st.sampled_from(["<f t=\"array\" ref=\"{ref}\">A1:A2</f><v>1</v>", "<v>3</v>"])),
    st.tuples(_STYLES, st.just(' t="inlineStr"'), st.sampled_from(["<is><t>hej</t></is>", "<is/>"])),
    st.tuples(_STYLES, st.just(""), st.sampled_from(["<v>4</v><f>A1</f>", "<f t=\"shared\" si=\"0\" ref=\"{ref}\">A1*2</f><v>2</v>"])),
)


def _sheet_xml(rows: list[list[tuple[str, str, str | None]]]) -> str:
    out = []
    for r, cells in enumerate(rows, start=1):
        parts = []
        for c, (style, kind, content) in enumerate(cells):
            ref = f"{'ABCDEFGH'[c]}{r}"
            attrs = f' r="{ref}"{style}{kind}'
            parts.append(f"<c{attrs}/>" if content is None else f"<c{attrs}>{content.replace('{ref}', ref)}</c>")
        out.append(f'<row r="{r}">{"".join(parts)}</row>')
    return sheet("".join(out))


@given(st.lists(st.lists(_cell, min_size=0, max_size=8), min_size=1, max_size=6))
@settings(max_examples=200, deadline=None)
def test_fast_reader_equals_the_tree_reader(rows) -> None:
    sst = "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><si><t>ett</t></si>" \
          "<si><r><t>tv</t></r><r><t>å</t></r></si></sst>"
    pkg = Package.from_bytes(minimal_xlsx(_sheet_xml(rows), shared_strings=sst))
    part = pkg.sheet_part("Blad1")
    data = pkg.part(part)
    pat = patterns(root_prefix(data, part))
    span = sheet_data_span(data, pat, part)
    strings = shared_strings(pkg)
    assert strings == ["ett", "två"]
    fast = list(_iter_bytes(data, span.content_start, span.content_end, pat, strings, None, 10**6))
    slow = list(_iter_tree(data, strings, None, 10**6))
    assert fast == slow
    assert [[type(v) for v in c] for c in fast] == [[type(v) for v in c] for c in slow]


# --------------------------------------------------------------- raw copy on save

def _as_recompressed(pkg: Package) -> bytes:
    """The package written by the recompressing writer (a package without its source)."""
    plain = Package(parts={n: pkg.part(n) for n in pkg.names}, order=pkg.names,
                    meta={n: pkg.meta(n) for n in pkg.names}, sha256=None, path=None, limits=pkg.limits,
                    zip_comment=pkg.zip_comment)
    return plain.to_bytes()


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_raw_copy_writes_what_recompression_writes(path: Path) -> None:
    pkg = Package.open(path)
    sheet_name = pkg.sheets[0].name
    changed = patch_sheet(pkg, sheet_name, [CellWrite(ref="Z99", value=Decimal("1.25"))])
    raw_written, recompressed = changed.to_bytes(), _as_recompressed(changed)
    original = zipfile.ZipFile(path)
    with zipfile.ZipFile(io.BytesIO(raw_written)) as a, zipfile.ZipFile(io.BytesIO(recompressed)) as b:
        assert a.testzip() is None and b.testzip() is None  # every CRC checked
        ia, ib = a.infolist(), b.infolist()
        assert [i.filename for i in ia] == [i.filename for i in ib] == changed.names
        copied = 0
        for x, y in zip(ia, ib):
            assert a.read(x) == b.read(y) == changed.part(x.filename)
            assert (x.date_time, x.compress_type, x.external_attr, x.create_system, x.comment, x.CRC, x.file_size) == (
                y.date_time, y.compress_type, y.external_attr, y.create_system, y.comment, y.CRC, y.file_size)
            if changed.unchanged_entry(x.filename) is not None:
                copied += 1
                src = _Source(raw_written, {x.filename: x}, {})
                assert src.raw(x, None) == changed.raw_entry(x.filename)
                assert x.compress_size == original.getinfo(x.filename).compress_size
        assert copied == len(changed.names) - len(changed.changed_parts())
        assert copied > 0 and changed.changed_parts()
    # and the copy reads back as the same package
    again = Package.from_bytes(raw_written)
    assert all(again.part(n) == changed.part(n) for n in changed.names)


def test_verify_catches_damaged_copied_data(tmp_path: Path) -> None:
    path = SHIPPED[0]
    pkg = Package.open(path)
    changed = patch_sheet(pkg, pkg.sheets[0].name, [CellWrite(ref="Z99", value=Decimal("2"))])
    good = tmp_path / "good.xlsx"
    good.write_bytes(changed.to_bytes())
    _verify(good, changed)  # passes
    # flip one byte inside the compressed data of a copied (unchanged) part
    with zipfile.ZipFile(good) as zf:
        info = next(i for i in zf.infolist() if changed.unchanged_entry(i.filename) is not None and i.compress_size > 8)
    data = bytearray(good.read_bytes())
    src = _Source(bytes(data), {info.filename: info}, {})
    start = bytes(data).find(src.raw(info, None))
    data[start + info.compress_size // 2] ^= 0xFF
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(bytes(data))
    with pytest.raises(WorkbookError):
        _verify(bad, changed)


def test_a_new_package_has_no_raw_entries() -> None:
    pkg = Package.from_bytes(minimal_xlsx(sheet('<row r="1"><c r="A1"><v>1</v></c></row>')))
    assert all(pkg.unchanged_entry(n) is not None for n in pkg.names)
    changed = pkg.with_parts({"xl/new.xml": b"<x/>"})
    assert changed.unchanged_entry("xl/new.xml") is None
    with pytest.raises(ValueError):
        changed.raw_entry("xl/new.xml")


def test_save_with_raw_copy_round_trips(tmp_path: Path) -> None:
    from xlmodel.xlsx.atomic import save_package

    target = tmp_path / SHIPPED[0].name
    shutil.copyfile(SHIPPED[0], target)
    pkg = Package.open(target)
    changed = patch_sheet(pkg, pkg.sheets[0].name, [CellWrite(ref="Z99", value=Decimal("3"))])
    save_package(changed, target, expect_sha256=pkg.sha256, backup=False)
    back = Package.open(target)
    assert back.names == changed.names and all(back.part(n) == changed.part(n) for n in back.names)


# --------------------------------------------------------------- the collector

def test_collector_paused_restores_the_previous_state() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        with collector_paused():
            raise RuntimeError("x")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # a caller that disabled it keeps it disabled
    finally:
        gc.enable()


# --------------------------------------------------------------- regenerate's diff


def _unchanged_reference(oc: OwnedCell, stored_formula, stored_value) -> bool:
    """diff_sheet's test before the shortcuts (bench/EXPLANATION.md): same formula, same
    value, and compare_cell finds nothing."""
    same_formula = normalize_formula(stored_formula) == normalize_formula(oc.formula)
    same_value = (
        stored_value == at_excel_precision(oc.value) if isinstance(oc.value, Decimal) else
        (str(stored_value or "").strip() == str(oc.value if oc.value is not None else "").strip())
    )
    return same_formula and same_value and compare_cell(
        None, "Ramtabell", oc, "regenerera", found_cell=(stored_formula, stored_value)) is None


_FORMULAS = st.sampled_from([None, None, "C5+D5+E5+F5+G5", "c5 + d5+E5+F5+G5", "$C$5+D5+E5+F5+G5", "=C5+D5+E5+F5+G5",
                             "SUM(A1:A3)", "", " "])
_AMOUNTS = number_texts.map(Decimal)


@st.composite
def _stored_and_wanted(draw):
    want = draw(st.one_of(_AMOUNTS, _AMOUNTS, st.sampled_from([None, "", "Summa", " Summa ", "0", "False", "1"]),
                          st.sampled_from([Decimal("0"), Decimal("123456789012.345678"), Decimal("1E+20")])))
    how = draw(st.sampled_from(["same", "same", "near", "other", "literal"]))
    if how == "same":  # what a faithfully written file holds
        stored = at_excel_precision(want) if isinstance(want, Decimal) else want
    elif how == "near" and isinstance(want, Decimal):
        stored = at_excel_precision(want + draw(st.sampled_from([Decimal("0.00004"), Decimal("0.00006"),
                                                                  Decimal("-0.0001"), Decimal("1E-12")])))
    else:
        stored = draw(st.sampled_from([None, "", " ", "Summa", Decimal("0"), Decimal("-0"), False, True, 0, 1.0,
                                       datetime(2021, 1, 1), Decimal("1"), "1", "0"]))
    formula = draw(_FORMULAS)
    stored_formula = formula if draw(st.booleans()) else draw(_FORMULAS)
    return OwnedCell(ref="G5", value=want, formula=formula), stored_formula, stored


@given(_stored_and_wanted())
@settings(max_examples=1500, deadline=None)
def test_diff_unchanged_equals_compare_cell(case) -> None:
    oc, stored_formula, stored = case
    assert unchanged(None, "Ramtabell", oc, stored_formula, stored) == _unchanged_reference(oc, stored_formula, stored)


@pytest.mark.parametrize("want, stored, expected", [
    (Decimal("5799.638996"), Decimal("5799.638996"), True),
    (Decimal("123456789012.345678"), Decimal("123456789012.346"), False),   # same at 15 digits, beyond tolerance
    (Decimal("1.000000000000001"), Decimal("1.00000000000000"), True),
    ("", Decimal("0"), False),                                               # compare_cell: '0' is not empty
    ("", None, True),
    (Decimal("1"), True, False),                                             # True == 1, but not a number
])
def test_diff_unchanged_examples(want, stored, expected) -> None:
    oc = OwnedCell(ref="G5", value=want)
    assert unchanged(None, "Ramtabell", oc, None, stored) is expected
    assert _unchanged_reference(oc, None, stored) is expected


@given(number_texts)
@settings(max_examples=300, deadline=None)
def test_stored_number_is_excel_precision(text: str) -> None:
    d = Decimal(text)
    assert stored_number(d) == excel_precision(d) and str(stored_number(d)) == str(excel_precision(d))
