"""Fuzz: mutated real workbooks never crash ``validate_file`` or ``regenerate_file``.

Hypothesis mutates the shipped workbooks (workbooks/*.xlsx, *.xlsm) five ways: bytes of
the zip file, bytes of one XML part (with XML-ish tokens: '<', '&', a DOCTYPE, a cell),
truncation, removal of a part, and cell values replaced by random text, numbers, error
values, booleans and blanks. The only allowed outcomes are a result (a FileReport, with
``.error`` set if the file is unreadable; a RegenerateResult) or an xlmodel
``InputError``/``WorkbookError`` with a message; any other exception is a crash and
fails the test (hypothesis shrinks it to a minimal case). ``regenerate_file`` runs on a
copy; when it writes, the written file must open and validate again without a crash.

Short in CI: ``XLMODEL_FUZZ_EXAMPLES`` examples per mutation kind (default 30, so 150 in
all). The long run is ``scripts/fuzz.sh`` (docs/reliability.md records its length,
case count and outcome).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlmodel.errors import XlmodelError
from xlmodel.workbook.regenerate import regenerate_file
from xlmodel.workbook.validate import FileReport, validate_file
from xlmodel.xlsx import CellWrite, ExcelError, Package, patch_sheet, read_cells
from xlmodel.xlsx.values import ERROR_CODES

ROOT = Path(__file__).resolve().parents[1]
BOOKS = sorted(p for p in (ROOT / "workbooks").glob("*.xls[xm]") if not p.name.startswith("~$"))
EXAMPLES = int(os.environ.get("XLMODEL_FUZZ_EXAMPLES", "30"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=os.environ.get("XLMODEL_FUZZ_RANDOM") != "1",
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], database=None)

# Shipped workbooks, read once: raw bytes and the parsed package.
ORIGINAL = {p.name: p.read_bytes() for p in BOOKS}
PACKAGES = {p.name: Package.open(p) for p in BOOKS}
XML_PARTS = {name: [n for n in pkg.names if n.endswith((".xml", ".rels"))] for name, pkg in PACKAGES.items()}
# Cells holding inputs and outputs, per book and sheet (the cells a controller types over).
CELLS = {
    name: [(s.name, ref) for s in pkg.sheets if s.kind == "worksheet" for ref in read_cells(pkg, s.name)]
    for name, pkg in PACKAGES.items()
}

TOKENS = [b"<", b">", b"&", b'"', b"'", b"/>", b"</c>", b"<c r=\"A1\" t=\"e\"><v>#REF!</v></c>", b"<v>NaN</v>",
          b"<!DOCTYPE x [<!ENTITY a \"b\">]>", b"&a;", b"&#0;", b"&#xD800;", b"<![CDATA[x]]>", b"<!-- -->",
          b"<?pi x?>", b"t=\"s\"", b"t=\"inlineStr\"", b"r=\"XFD1048577\"", b"<f t=\"shared\" si=\"0\"/>",
          b"9" * 40, b"1E+400", b"-", b"\x00", b"\xff\xfe", "å".encode(), b" ", b"\n"]

books = st.sampled_from(sorted(ORIGINAL))


def exercise(data: bytes, suffix: str) -> None:
    """Write ``data`` to a file and run validate and regenerate on it; only results or
    xlmodel errors are allowed."""
    with tempfile.TemporaryDirectory(prefix="xlmodel-fuzz-") as tmp:
        path = Path(tmp) / f"fuzz{suffix}"
        path.write_bytes(data)
        report = validate_file(path)
        assert isinstance(report, FileReport)
        assert report.error is None or report.error.strip()
        try:
            result = regenerate_file(path, backup=False)
        except XlmodelError as err:
            assert str(err).strip()
            assert path.read_bytes() == data  # a refusal writes nothing
            return
        if result.written:  # what we wrote must read back
            Package.open(path)
            assert isinstance(validate_file(path), FileReport)


def mutate(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """Apply (position, bytes to delete, bytes to insert) edits, positions wrapped."""
    buf = bytearray(data)
    for pos, delete, insert in edits:
        at = pos % (len(buf) + 1)
        buf[at:at + delete] = insert
    return bytes(buf)


edit_lists = st.lists(
    st.tuples(st.integers(min_value=0, max_value=1 << 24), st.integers(min_value=0, max_value=8),
              st.one_of(st.binary(max_size=8), st.sampled_from(TOKENS))),
    min_size=1, max_size=6,
)


@FUZZ
@given(book=books, edits=edit_lists)
def test_fuzz_zip_bytes(book, edits):
    exercise(mutate(ORIGINAL[book], edits), Path(book).suffix)


@FUZZ
@given(book=books, data=st.data(), edits=edit_lists)
def test_fuzz_xml_part_bytes(book, data, edits):
    pkg = PACKAGES[book]
    part = data.draw(st.sampled_from(XML_PARTS[book]), label="part")
    changed = pkg.with_parts({part: mutate(pkg.part(part), edits)})
    exercise(changed.to_bytes(), Path(book).suffix)


@FUZZ
@given(book=books, data=st.data())
def test_fuzz_truncation(book, data):
    raw = ORIGINAL[book]
    cut = data.draw(st.integers(min_value=0, max_value=len(raw) - 1), label="cut")
    exercise(raw[:cut], Path(book).suffix)


@FUZZ
@given(book=books, data=st.data())
def test_fuzz_part_removal(book, data):
    pkg = PACKAGES[book]
    gone = data.draw(st.lists(st.sampled_from(pkg.names), min_size=1, max_size=3, unique=True), label="parts")
    exercise(pkg.with_parts({name: None for name in gone}).to_bytes(), Path(book).suffix)


cell_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(lambda d: abs(d) < Decimal("1e300")),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.sampled_from(["1 234,5", "–45", "−5", "1,9 %", "#N/A", "=SUMMA(A1)", "+46", "@x", "ja", "nej", "SUMMA",
                     "RF", "2019", "2021-01-01", "", " ", "NaN", "inf"]),
    st.sampled_from(sorted(ERROR_CODES)).map(ExcelError),
)


@FUZZ
@given(book=books, data=st.data())
def test_fuzz_cell_values(book, data):
    pkg = PACKAGES[book]
    targets = data.draw(st.lists(st.sampled_from(CELLS[book]), min_size=1, max_size=4, unique=True), label="cells")
    by_sheet: dict[str, list[CellWrite]] = {}
    for sheet, ref in targets:
        value = data.draw(cell_values, label=f"{sheet}!{ref}")
        try:
            write = CellWrite(ref, value)
        except XlmodelError:
            continue  # a value the patcher refuses (text > 32 767 characters …) never reaches a file
        by_sheet.setdefault(sheet, []).append(write)
    changed = pkg
    for sheet, writes in by_sheet.items():
        try:
            changed = patch_sheet(changed, sheet, writes)
        except XlmodelError:
            return  # e.g. a table header the patcher must not rename: refused before any file exists
    exercise(changed.to_bytes(), Path(book).suffix)


# Hostile constructs (xlmodel.testing.hostile; docs/reliability.md, "Fientliga filer"):
# a DTD in any part and encoding, or start tags never closed, thousands at a time.
UNCLOSED_TAGS = [b"c", b'c r="A1"', b"si", b"row", b'row r="1"', b"f", b"v", b"t", b"is", b"r", b"sheetData",
                 b"Relationship", b"Override", b"cellXfs", b"xf", b"definedName", b"sheet"]


def both_refuse_alike(data: bytes, suffix: str) -> str | None:
    """Run validate and regenerate (on a copy); if either refuses, both must, with the same
    message, and the file must be as it was. The message, or None if neither refused."""
    with tempfile.TemporaryDirectory(prefix="xlmodel-fuzz-") as tmp:
        path = Path(tmp) / f"fuzz{suffix}"
        path.write_bytes(data)
        error = validate_file(path).error
        try:
            regenerate_file(path, backup=False)
            regenerate_error = None
        except XlmodelError as err:
            regenerate_error = getattr(err, "message", str(err))
        assert error == regenerate_error, (error, regenerate_error)
        if error is not None:
            assert path.read_bytes() == data
        return error


@FUZZ
@given(book=books, data=st.data())
def test_fuzz_hostile_constructs(book, data):
    from xlmodel.testing import hostile as H

    pkg = PACKAGES[book]
    part = data.draw(st.sampled_from(XML_PARTS[book]), label="part")
    suffix = Path(book).suffix
    if data.draw(st.booleans(), label="dtd"):
        encoding, bom = data.draw(st.sampled_from([("utf-8", False), ("utf-8", True), ("utf-16-le", False),
                                                   ("utf-16-le", True), ("utf-16-be", False), ("utf-16-be", True)]),
                                  label="encoding")
        doctype, entity = data.draw(st.sampled_from([(H.BILLION_LAUGHS, "&lol9;"), (H.XXE, "&xxe;")]), label="dtd")
        hostile = H.with_dtd(ORIGINAL[book], part, encoding=encoding, bom=bom, doctype=doctype, entity=entity)
        error = both_refuse_alike(hostile, suffix)
        assert error is not None and f"{part!r} innehåller en DTD" in error
        return
    tag = data.draw(st.sampled_from(UNCLOSED_TAGS), label="tag")
    n = data.draw(st.integers(min_value=1, max_value=20_000), label="n")
    raw = pkg.part(part)
    at = data.draw(st.integers(min_value=0, max_value=len(raw)), label="at")
    hostile = pkg.with_parts({part: raw[:at] + (b"<" + tag + b">") * n + raw[at:]}).to_bytes()
    both_refuse_alike(hostile, suffix)


def test_fuzz_corpus_is_the_shipped_workbooks():
    assert len(BOOKS) >= 2 and any(p.suffix == ".xlsm" for p in BOOKS)
    assert all(CELLS[name] for name in ORIGINAL)
