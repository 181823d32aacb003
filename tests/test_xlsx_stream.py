"""The streaming sheet reader (``xlsx.stream.iter_rows``) and the lazy package
(``Package.open(..., lazy=True)``) of issue 6 give what the whole-part reader and the
eager package give.

- ``iter_rows``, flattened, is ``iter_cells`` (and keyed by reference, ``read_cells``)
  on every sheet of the shipped workbooks, of a generated large regionplan, of the rich
  fixture (shared formulas, dynamic arrays) and of hand-made sheets with inline
  strings, shared formulas, a namespace prefix, rows and cells without ``r`` and empty
  rows; with pieces of 1 to a few hundred bytes so that rows are cut everywhere, and
  on hypothesis-generated sheets (the generator of test_perf_equivalence);
- sheets the byte scan cannot trust piece by piece (comments, CDATA, a cell left open
  across a row end) fall back to the whole-part read and still give the same cells;
- a damaged cell or sheet gives the same error, with the same message, both ways;
- ``max_row`` stops reading: the rest of the part is never inflated;
- a lazy package raises at open what an eager one raises (fuzzed and hand-made
  damaged files, bombs), holds no big part, and gives the same ``part`` bytes,
  ``changed_parts`` and ``write_to`` output; the re-inflation keeps its checks.
Nothing here measures time or memory; ``retained_bytes`` shows what is held.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import xlmodel.xlsx.package as package_module
from test_perf_equivalence import _cell, _sheet_xml  # the sheet generator of the fast-path tests
from test_reliability_files import deflated_zeros, handmade_zip
from xlsx_fixtures import minimal_xlsx, rich_xlsm_master, sheet  # noqa: F401  (pytest fixtures)
from xlmodel.errors import WorkbookError
from xlmodel.xlsx import Limits, Package, iter_cells, read_cells
from xlmodel.xlsx.limits import MiB
from xlmodel.xlsx.package import LAZY_KEEP_BYTES, NOT_KEPT, _Source
from xlmodel.xlsx.stream import CHUNK_BYTES, iter_rows

REPO = Path(__file__).resolve().parent.parent
SHIPPED = sorted(p for p in (REPO / "workbooks").glob("*.xls[xm]") if not p.name.startswith("~$"))
SMALL_CHUNKS = (1, 7, 97, 1000)


def flat(pkg: Package, sheet_name: str, **kw) -> list:
    return [c for _, cells in iter_rows(pkg, sheet_name, **kw) for c in cells]


def assert_same_cells(pkg: Package, sheet_name: str, chunks=(CHUNK_BYTES, 97)) -> list:
    want = list(iter_cells(pkg, sheet_name))
    for chunk in chunks:
        rows = list(iter_rows(pkg, sheet_name, chunk_size=chunk))
        got = [c for _, cells in rows for c in cells]
        assert got == want, (sheet_name, chunk)
        assert [[type(v) for v in c] for c in got] == [[type(v) for v in c] for c in want]
        # one entry per row, ascending, each holding the cells of that row only
        numbers = [r for r, _ in rows]
        assert numbers == sorted(set(numbers))
        assert all(c.row == r for r, cells in rows for c in cells)
        assert {c.ref: c for c in got} == read_cells(pkg, sheet_name)
    return want


def worksheets(pkg: Package) -> list[str]:
    return [s.name for s in pkg.sheets if s.kind == "worksheet"]


@pytest.fixture(scope="module")
def large_plan(tmp_path_factory) -> Path:
    from bench.generate import Size, large_regionplan

    return large_regionplan(tmp_path_factory.mktemp("stor"), Size(15, 300, 6))


# ----------------------------------------------------------------- equivalence


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_sheet_of_the_shipped_workbooks(path: Path) -> None:
    eager = Package.open(path)
    lazy = Package.open(path, lazy=True)
    total = 0
    for name in worksheets(eager):
        want = assert_same_cells(eager, name)
        assert flat(lazy, name) == want
        total += len(want)
    assert total > 50


def test_the_generated_large_plan_eager_and_lazy(large_plan: Path) -> None:
    eager = Package.open(large_plan)
    lazy = Package.open(large_plan, lazy=True)
    big = [n for n in lazy.names if not lazy.is_kept(n)]
    assert big, "the generated plan has parts above the threshold"
    sheets_read_in_pieces = 0
    for name in worksheets(eager):
        want = assert_same_cells(eager, name, chunks=(CHUNK_BYTES, 97, 4096))
        assert flat(lazy, name) == want and flat(lazy, name, chunk_size=97) == want
        sheets_read_in_pieces += not lazy.is_kept(lazy.sheet_part(name))
    assert sheets_read_in_pieces >= 2


def test_the_rich_fixture_shared_formulas_and_dynamic_arrays(rich_xlsm_master: Path) -> None:  # noqa: F811
    pkg = Package.open(rich_xlsm_master)
    for name in worksheets(pkg):
        want = assert_same_cells(pkg, name, chunks=(CHUNK_BYTES,) + SMALL_CHUNKS)
        if name == "Ramtabell":
            shared = [c for c in want if c.formula_kind == "shared"]
            assert len(shared) == 7 and shared[-1].formula == "B8*(1+C8)"  # translated across pieces
            assert any(c.dynamic for c in want)


MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SST = (f'<sst xmlns="{MAIN_NS}"><si><t>ett</t></si><si><r><t>tv</t></r><r><t>å</t></r></si></sst>')
HANDMADE_ROWS = (
    '<row r="1" spans="1:4"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
    '<c r="C1" t="inlineStr"><is><r><rPr><b/><color rgb="FF0000"/></rPr><t>röd</t></r><r><t xml:space="preserve">'
    ' text &amp; mer</t></r><rPh sb="0" eb="1"><t>X</t></rPh></is></c><c r="D1" s="3"/></row>'
    '<row r="2"><c r="A2"><v>10</v></c><c r="B2"><f t="shared" ref="B2:B6" si="0">A2*2</f><v>20</v></c>'
    '<c r="C2"><f t="shared" ref="C2:C6" si="1">B2+$A$2</f><v>30</v></c></row>'
    '<row r="3"><c r="A3"><v>11</v></c><c r="B3"><f t="shared" si="0"/><v>22</v></c>'
    '<c r="C3"><f t="shared" si="1"/><v>32</v></c></row >'
    '<row r="4"/>'
    '<row r="5" ht="20" customHeight="1"><c r="A5"><v>12</v></c><c r="B5"><f t="shared" si="0"/><v>24</v></c>'
    '<c r="C5" cm="1"><f t="array" ref="C5:C6">B5:B6</f><v>24</v></c></row>'
    '<row><c><v>1.5E-3</v></c><c t="b"><v>1</v></c><c t="e"><v>#N/A</v></c></row>'  # row 6, cells A6.. without r
    '<row r="8"><c r="A8" t="str"><f>"a"&amp;"b"</f><v>ab_x000D_</v></c><c r="B8"><f t="shared" si="0"/></c>'
    '<c r="C8" t="inlineStr"><is><t>inline</t></is></c><c r="D8" t="d"><v>2025-01-31T00:00:00</v></c></row>'
    '<row r="9"/>'
)


@pytest.mark.parametrize("prefix", ["", "x"])
def test_handmade_sheet_cut_at_every_position(prefix: str) -> None:
    rows = HANDMADE_ROWS
    if prefix:
        rows = rows.replace("<", "<x:").replace("<x:/", "</x:")
    pkg = Package.from_bytes(minimal_xlsx(sheet(rows, prefix=prefix), shared_strings=SST))
    want = list(iter_cells(pkg, "Blad1"))
    assert len(want) == 20
    assert want[2].value == "röd text & mer" and want[-3].formula == "A8*2" and want[9].formula == "B3+$A$2"
    assert [c.ref for c in want[13:16]] == ["A6", "B6", "C6"]
    for chunk in range(1, len(pkg.part("xl/worksheets/sheet1.xml")) + 2):
        assert flat(pkg, "Blad1", chunk_size=chunk) == want, chunk


def test_inline_string_cells_written_by_regenerate_are_read_in_pieces(large_plan: Path) -> None:
    """The regenerate path writes Ramtabell labels as inline strings (reliability §4)."""
    from decimal import Decimal

    from xlmodel.xlsx import CellWrite, patch_sheet

    pkg = Package.open(large_plan, lazy=True)
    changed = patch_sheet(pkg, "Ramtabell", [CellWrite(ref="B7", value="=HYPERLINK(\"x\")"),
                                             CellWrite(ref="C9", value=Decimal("1.25"))])
    assert not changed.is_kept(changed.sheet_part("Ramar"))  # untouched big part: still not held
    assert changed.is_kept(changed.sheet_part("Ramtabell"))  # the patched part: its new bytes
    want = assert_same_cells(changed, "Ramtabell")
    b7 = next(c for c in want if c.ref == "B7")
    assert b7.kind == "inlineStr" and b7.formula is None and b7.value == '=HYPERLINK("x")'


@given(rows=st.lists(st.lists(_cell, min_size=0, max_size=8), min_size=1, max_size=6),
       chunk=st.integers(min_value=1, max_value=400))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_generated_sheets_any_piece_size(rows, chunk) -> None:
    pkg = Package.from_bytes(minimal_xlsx(_sheet_xml(rows), shared_strings=SST))
    assert flat(pkg, "Blad1", chunk_size=chunk) == list(iter_cells(pkg, "Blad1"))


# ----------------------------------------------------------------- fallbacks


# Each hides markup the byte scan would read as cells; lxml reads none of it.
@pytest.mark.parametrize("hazard", ['<!-- </row><row r="99"><c r="Z99"><v>5</v></c> -->',
                                    '<![CDATA[<row r="98"><c r="Z98"><v>5</v></c></row>]]>',
                                    '<?pi <c r="Z97"><v>5</v></c>?>'])
def test_markup_hazards_fall_back_to_the_whole_part_read(hazard: str) -> None:
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}" t="s"><v>0</v></c></row>'
                   for r in range(1, 30))
    rows = rows.replace('<row r="20">', hazard + '<row r="20">')
    pkg = Package.from_bytes(minimal_xlsx(sheet(rows), shared_strings=SST))
    want = list(iter_cells(pkg, "Blad1"))
    assert [c.row for c in want] == [r for r in range(1, 30) for _ in "AB"]
    for chunk in SMALL_CHUNKS + (CHUNK_BYTES,):
        assert flat(pkg, "Blad1", chunk_size=chunk) == want, chunk
        assert flat(pkg, "Blad1", chunk_size=chunk, min_row=5, max_row=25) == \
            [c for c in want if 5 <= c.row <= 25]


def test_a_cell_left_open_across_a_row_end_is_refused_by_both_reads() -> None:
    """Damaged XML: the whole-part read refuses it (naming the line), and so does the
    stream, cut anywhere, with the same message."""
    rows = ('<row r="1"><c r="A1"><v>1</v></row><row r="2"><c r="A2"><v>2</v></c></row>'
            '<row r="3"><c r="A3"><v>3</v></c></row>')
    pkg = Package.from_bytes(minimal_xlsx(sheet(rows)))
    want = error_of(lambda: list(iter_cells(pkg, "Blad1")))
    assert "inte giltig XML på rad 2" in want
    for chunk in range(1, 200):
        fresh = Package.from_bytes(minimal_xlsx(sheet(rows)))  # nothing remembered from another read
        assert error_of(lambda: flat(fresh, "Blad1", chunk_size=chunk)) == want, chunk


# ----------------------------------------------------------------- errors


def error_of(call) -> str:
    with pytest.raises(WorkbookError) as info:
        call()
    return str(info.value)


BAD_SHEETS = {
    "bad number": '<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2" s="1"><v>tolv</v></c></row>',
    "bad number, general path": '<row r="1"><c r="A1" cm="1"><v>1E+400</v></c></row>',
    "missing shared string": '<row r="1"><c r="A1" t="s"><v>7</v></c></row>',
    "bad row attribute": '<row r="1"><c r="A1"><v>1</v></c></row><row r="2x"><c><v>2</v></c></row>',
    "non-ASCII attribute": '<row r="1"><c r="A1" s="\u00e5"><v>1</v></c></row>',
    "NaN": '<row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>NaN</v></c></row>',
    "untranslatable shared formula": '<row r="1"><c r="A1"><f t="shared" ref="A1:A2" si="0">A1)</f><v>1</v></c>'
                                     '</row><row r="2"><c r="A2"><f t="shared" si="0"/><v>1</v></c></row>',
}


@pytest.mark.parametrize("case", sorted(BAD_SHEETS))
def test_a_damaged_cell_gives_the_same_error(case: str) -> None:
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(10, 40))
    pkg = Package.from_bytes(minimal_xlsx(sheet(BAD_SHEETS[case] + rows), shared_strings=SST))
    want = error_of(lambda: read_cells(pkg, "Blad1"))
    assert want.startswith("bladet 'Blad1'")
    assert error_of(lambda: list(iter_cells(pkg, "Blad1"))) == want
    for chunk in SMALL_CHUNKS + (CHUNK_BYTES,):
        assert error_of(lambda: list(iter_rows(pkg, "Blad1", chunk_size=chunk))) == want, chunk


STRUCTURE = {
    "no sheetData": sheet("").replace("<sheetData></sheetData>", ""),
    "sheetData never closed": sheet('<row r="1"><c r="A1"><v>1</v></c></row>').replace("</sheetData>", ""),
    "cell left open": sheet('<row r="1"><c r="A1"><v>1</v></row><row r="2"><c r="A2"><v>2</v></c></row>'),
    "stray end tag": sheet('<row r="1"><c r="A1"><v>1</v></c></c></row>'),
    "bad character reference": sheet('<row r="1"><c r="A1" t="str"><v>&#xD800;</v></c></row>'),
    "no root": '<?xml version="1.0" encoding="UTF-8"?>\n<!-- only a comment -->',
    "cell limit": sheet("".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 12))),
}


@pytest.mark.parametrize("case", sorted(STRUCTURE))
def test_a_damaged_sheet_gives_the_same_error(case: str) -> None:
    limits = Limits(max_cells=10)
    pkg = Package.from_bytes(minimal_xlsx(STRUCTURE[case]), limits=limits)
    want = error_of(lambda: read_cells(pkg, "Blad1"))
    for chunk in SMALL_CHUNKS + (CHUNK_BYTES,):
        assert error_of(lambda: list(iter_rows(pkg, "Blad1", chunk_size=chunk))) == want, chunk


@pytest.mark.parametrize("case,why", [
    ("DTD", "innehåller en DTD"),
    ("UTF-16 declared, UTF-8 bytes", "anger UTF-16"),
])
def test_a_sheet_with_a_dtd_or_a_wrong_encoding_is_refused_at_open(case: str, why: str) -> None:
    """A DTD, or an encoding not read, refuses the package before any part is read
    (xmlsafe.check_prolog), so neither reader ever sees it."""
    text = {
        "DTD": sheet('<row r="1"><c r="A1"><v>1</v></c></row>').replace(
            "\n", '\n<!DOCTYPE x [<!ENTITY a "aaaa">]>\n', 1),
        "UTF-16 declared, UTF-8 bytes": sheet("").replace('encoding="UTF-8"', 'encoding="UTF-16"'),
    }[case]
    message = error_of(lambda: Package.from_bytes(minimal_xlsx(text)))
    assert "'xl/worksheets/sheet1.xml'" in message and why in message


def test_an_empty_sheet_data_and_a_missing_sheet() -> None:
    pkg = Package.from_bytes(minimal_xlsx(sheet("").replace("<sheetData></sheetData>", "<sheetData/>")))
    assert list(iter_rows(pkg, "Blad1")) == [] == list(iter_cells(pkg, "Blad1"))
    assert error_of(lambda: list(iter_rows(pkg, "Saknas"))) == error_of(lambda: read_cells(pkg, "Saknas"))


# ----------------------------------------------------------------- max_row


def test_rows_are_filtered_and_reading_stops_after_max_row(large_plan: Path, monkeypatch) -> None:
    pkg = Package.open(large_plan, lazy=True)
    part = pkg.sheet_part("Ramtabell")
    everything = list(iter_cells(pkg, "Ramtabell"))
    assert flat(pkg, "Ramtabell", min_row=3, max_row=12) == [c for c in everything if 3 <= c.row <= 12]
    assert flat(pkg, "Ramtabell", min_row=10**6) == []

    served: list[int] = []
    real = Package.iter_part

    def counting(self, name, chunk_size=CHUNK_BYTES):
        for piece in real(self, name, chunk_size):
            served.append(len(piece))
            yield piece

    monkeypatch.setattr(Package, "iter_part", counting)
    rows = list(iter_rows(pkg, "Ramtabell", max_row=6, chunk_size=4096))
    assert [r for r, _ in rows] == sorted({c.row for c in everything if c.row <= 6})
    assert sum(served) < len(pkg.part(part)) // 10  # the rest of the part was never inflated
    # a bad cell after max_row is never decoded (as with read_range)
    damaged = pkg.with_parts({part: pkg.part(part).replace(
        b"</sheetData>", b'<row r="99999"><c r="A99999"><v>tolv</v></c></row></sheetData>')})
    with pytest.raises(WorkbookError, match="ogiltigt tal"):
        read_cells(damaged, "Ramtabell")
    assert flat(damaged, "Ramtabell", max_row=5, chunk_size=97) == [c for c in everything if c.row <= 5]


# ----------------------------------------------------------------- the lazy package


def assert_same_package(eager: Package, lazy: Package) -> None:
    assert lazy.names == eager.names and lazy.sha256 == eager.sha256 and lazy.lazy and not eager.lazy
    for name in eager.names:
        assert lazy.part(name) == eager.part(name)
        assert b"".join(lazy.iter_part(name, 1000)) == eager.part(name)
        assert lazy.meta(name) == eager.meta(name)
        assert (lazy.unchanged_entry(name) is None) == (eager.unchanged_entry(name) is None)
    assert lazy.changed_parts() == eager.changed_parts()
    assert lazy.to_bytes() == eager.to_bytes()
    assert [s for s in lazy.sheets] == [s for s in eager.sheets]
    assert lazy.defined_names == eager.defined_names
    assert [lazy.tables(s.name) for s in lazy.sheets] == [eager.tables(s.name) for s in eager.sheets]


def test_a_lazy_package_holds_no_big_part_and_is_the_same_package(large_plan: Path) -> None:
    eager = Package.open(large_plan)
    lazy = Package.open(large_plan, lazy=True)
    sizes = {n: len(eager.part(n)) for n in eager.names}
    assert eager.retained_bytes() == sum(sizes.values())
    assert lazy.retained_bytes() == sum(s for s in sizes.values() if s <= LAZY_KEEP_BYTES)
    assert lazy.retained_bytes() < eager.retained_bytes() // 2
    assert {n for n in lazy.names if not lazy.is_kept(n)} == {n for n, s in sizes.items() if s > LAZY_KEEP_BYTES}
    assert all(d is NOT_KEPT or len(d) <= LAZY_KEEP_BYTES for d in lazy._parts.values())
    big = lazy.sheet_part("Ramtabell")
    assert lazy.part(big) is not lazy.part(big) and lazy.part(big) == eager.part(big)  # inflated, not cached
    assert_same_package(eager, lazy)


def test_with_parts_on_a_lazy_package(large_plan: Path) -> None:
    eager = Package.open(large_plan)
    lazy = Package.open(large_plan, lazy=True)
    ramar = eager.sheet_part("Ramar")
    ramtabell = eager.sheet_part("Ramtabell")
    new = eager.part(ramar).replace(b"</sheetData>", b'<row r="9999"><c r="A9999"><v>1</v></c></row></sheetData>')
    same = bytes(bytearray(eager.part(ramtabell)))  # equal bytes, another object
    changes = {ramar: new, ramtabell: same, "xl/calcChain.xml": None, "customXml/item1.xml": b"<a/>"}
    e2, l2 = eager.with_parts(changes), lazy.with_parts(changes)
    assert not lazy.is_kept(ramar) and not lazy.is_kept(ramtabell)
    assert l2.is_kept(ramar) and l2.is_kept(ramtabell) and l2.retained_bytes() > lazy.retained_bytes()
    assert l2.retained_bytes() == lazy.retained_bytes() + len(new) + len(same) + 4
    assert l2.changed_parts() == e2.changed_parts() == {ramar: "ändrad", "customXml/item1.xml": "ny"}
    assert_same_package(e2, l2)
    assert_same_package(eager, lazy)  # the originals are untouched
    back = Package.from_bytes(l2.to_bytes(), lazy=True)
    assert all(back.part(n) == e2.part(n) for n in e2.names)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_part_lazy_on_the_shipped_workbooks(path: Path, monkeypatch) -> None:
    """With a threshold of 0 every part of a small workbook is inflated on demand."""
    eager = Package.open(path)
    monkeypatch.setattr(package_module, "LAZY_KEEP_BYTES", 0)
    lazy = Package.open(path, lazy=True)
    assert lazy.retained_bytes() == 0
    assert_same_package(eager, lazy)
    for name in worksheets(lazy):
        assert flat(lazy, name, chunk_size=97) == list(iter_cells(eager, name))


def open_outcome(data: bytes, lazy: bool) -> tuple[str, object]:
    try:
        pkg = Package.from_bytes(data, lazy=lazy)
    except WorkbookError as err:
        return "error", str(err)
    return "ok", pkg


def assert_same_outcome(data: bytes) -> None:
    e_kind, eager = open_outcome(data, False)
    l_kind, lazy = open_outcome(data, True)
    assert (e_kind, eager if e_kind == "error" else None) == (l_kind, lazy if l_kind == "error" else None)
    if e_kind == "ok":
        assert all(lazy.part(n) == eager.part(n) for n in eager.names)  # type: ignore[union-attr]
        assert lazy.to_bytes() == eager.to_bytes()  # type: ignore[union-attr]


FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
ORIGINAL = {p.name: p.read_bytes() for p in SHIPPED}


@FUZZ
@given(book=st.sampled_from(sorted(ORIGINAL)), data=st.data())
def test_fuzzed_files_give_the_same_errors_when_opened_lazily(book, data) -> None:
    raw = bytearray(ORIGINAL[book])
    how = data.draw(st.sampled_from(["bytes", "truncate"]), label="how")
    if how == "truncate":
        raw = raw[:data.draw(st.integers(min_value=0, max_value=len(raw) - 1), label="cut")]
    else:
        for _ in range(data.draw(st.integers(min_value=1, max_value=6), label="n")):
            at = data.draw(st.integers(min_value=0, max_value=len(raw) - 1), label="at")
            raw[at] = data.draw(st.integers(min_value=0, max_value=255), label="byte")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(package_module, "LAZY_KEEP_BYTES", 0)  # every part lazy
        assert_same_outcome(bytes(raw))


def test_damaged_and_hostile_files_give_the_same_errors_when_opened_lazily(large_plan: Path) -> None:
    pkg = Package.open(large_plan)
    big = pkg.sheet_part("Ramtabell")

    def with_entry(payload: bytes, crc: int, usize: int, method: int = zipfile.ZIP_DEFLATED) -> bytes:
        entries = []
        for name in pkg.names:
            data = pkg.part(name)
            if name == big:
                entries.append((name, payload, method, crc, usize))
            else:
                entries.append((name, data, zipfile.ZIP_STORED, zlib.crc32(data), len(data)))
        return handmade_zip(entries)

    data = pkg.part(big)
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    deflated = c.compress(data) + c.flush()
    zeros, zeros_crc = deflated_zeros(8)
    cases = {
        "good, deflated": with_entry(deflated, zlib.crc32(data), len(data)),
        "good, stored": with_entry(data, zlib.crc32(data), len(data), zipfile.ZIP_STORED),
        "bad CRC": with_entry(deflated, zlib.crc32(data) ^ 1, len(data)),
        "size understated": with_entry(deflated, zlib.crc32(data), len(data) - 10),
        "size overstated": with_entry(deflated, zlib.crc32(data), len(data) + 10),
        "truncated data": with_entry(deflated[: len(deflated) // 2], zlib.crc32(data), len(data)),
        "garbage data": with_entry(bytes(len(deflated)), zlib.crc32(data), len(data)),
        "liar bomb": with_entry(zeros, zeros_crc, 4096),
        "ratio bomb": with_entry(zeros, zeros_crc, 8 * MiB),
    }
    outcomes = {}
    for name, raw in cases.items():
        assert_same_outcome(raw)
        outcomes[name] = open_outcome(raw, True)[0]
    assert outcomes["good, deflated"] == outcomes["good, stored"] == "ok"
    assert [k for k, v in outcomes.items() if v == "error"] == [
        "bad CRC", "size understated", "size overstated", "truncated data", "garbage data", "liar bomb",
        "ratio bomb"]
    lazy = Package.from_bytes(cases["good, stored"], lazy=True)
    assert not lazy.is_kept(big) and flat(lazy, "Ramtabell", chunk_size=5000) == list(iter_cells(pkg, "Ramtabell"))


def test_the_re_inflation_keeps_its_checks(large_plan: Path) -> None:
    """The bytes of a lazy part cannot change after open; if they did, the checks of the
    bounded read at open would still catch it, whole or in pieces."""
    lazy = Package.open(large_plan, lazy=True)
    name = lazy.sheet_part("Ramtabell")
    src = lazy._source
    info = src.infos[name]
    start = src.data.index(src.raw(info, None))

    def tampered(change) -> _Source:
        data = bytearray(src.data)
        change(data)
        return _Source(bytes(data), src.infos, src.meta)

    def flip(data: bytearray) -> None:
        data[start + info.compress_size - 40] ^= 0x01

    def zero_tail(data: bytearray) -> None:
        data[start + info.compress_size // 2:start + info.compress_size] = bytes(info.compress_size - info.compress_size // 2)

    for change in (flip, zero_tail):
        bad = tampered(change)
        with pytest.raises(WorkbookError, match="kan inte packas upp|fel storlek|större än"):
            bad.inflate(info, None)
        with pytest.raises(WorkbookError, match="kan inte packas upp|fel storlek|större än"):
            for _ in bad.inflate_chunks(info, 4096, None):
                pass
    assert b"".join(src.inflate_chunks(info, 333, None)) == src.inflate(info, None) == lazy.part(name)
