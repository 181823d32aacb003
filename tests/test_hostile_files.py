"""Hostile and malformed workbooks through the real CLI: refused, exit 2, file untouched.

Built from the shipped regionplan by ``xlmodel.testing.hostile`` (one construct each):
- a DTD (billion laughs) in workbook.xml, a .rels, a table part and [Content_Types].xml,
  in UTF-16 LE without a BOM, UTF-16 LE with one and UTF-16 BE with one (a byte search
  for ASCII '<!DOCTYPE' misses all of them);
- 20 000 unclosed ``<c>`` in a sheet and 20 000 unclosed ``<si>`` in the shared strings
  (the scans were quadratic: 39-60 s and more);
- a malformed sheet: the sheet ``regenerera`` writes into, and an input sheet;
- an encoding the conventions do not allow (ISO-8859-1), and UTF-16 without a DTD
  (refused alike by both commands);
- the formats users send instead: .xlsb, .xls and .ods (written by LibreOffice), and a
  password-protected workbook (an OLE compound file with EncryptionInfo).

For each: ``validera`` and ``regenerera`` exit 2 with one Swedish line that names the file
once and the part, and the folder is byte for byte as before (no backup, no temp file).
The subprocess timeout is only a guard against a hang; speed is measured in bench/
(``fientlig:*``), not asserted here.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from xlmodel.errors import WorkbookError
from xlmodel.testing import hostile as H
from xlmodel.workbook.regenerate import regenerate_file
from xlmodel.workbook.validate import validate_file
from xlmodel.xlsx import CellWrite, Package, patch_sheet
from xlmodel.xlsx.formats import ole_kind

ROOT = Path(__file__).resolve().parents[1]
REGIONPLAN = ROOT / "workbooks" / "vasterbotten_regionplan_2021.xlsm"
BOOK = REGIONPLAN.read_bytes()
PKG = Package.from_bytes(BOOK)
RAMAR = PKG.sheet_part("Ramar")          # an input sheet
RAMTABELL = PKG.sheet_part("Ramtabell")  # the sheet regenerera writes
TABLE = next(t.part for s in PKG.sheets if s.kind == "worksheet" for t in PKG.tables(s.name))
HANG_GUARD = 120  # seconds: only so that a hang fails instead of blocking CI


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1"}
    env.pop("XLMODEL_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "xlmodel", *args], capture_output=True, text=True,
                          encoding="utf-8", cwd=ROOT, env=env, timeout=HANG_GUARD)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_refused(path: Path, *words: str) -> None:
    """Both commands exit 2 with one Swedish line naming the file once and saying
    ``words``; nothing in the folder changes."""
    before = snapshot(path.parent)
    for command in ("validera", "regenerera"):
        proc = run_cli(command, str(path))
        out = proc.stdout + proc.stderr
        assert proc.returncode == 2, (command, out)
        assert "Traceback" not in out and "internt fel" not in out, out
        lines = [line for line in out.splitlines() if all(w in line for w in words)]
        assert len(lines) == 1, (command, words, out)
        assert lines[0].count(path.name) == 1, lines[0]  # the file named once
        assert snapshot(path.parent) == before, command


UTF16_FORMS = [("utf-16-le", False), ("utf-16-le", True), ("utf-16-be", True)]
DTD_PARTS = ["xl/workbook.xml", "xl/_rels/workbook.xml.rels", TABLE, "[Content_Types].xml"]


@pytest.mark.parametrize("encoding,bom", UTF16_FORMS, ids=["le", "le-bom", "be-bom"])
@pytest.mark.parametrize("part", DTD_PARTS)
def test_a_utf16_dtd_in_any_part_is_refused(part, encoding, bom, tmp_path):
    path = tmp_path / "bok.xlsm"
    path.write_bytes(H.with_dtd(BOOK, part, encoding=encoding, bom=bom))
    raw = zipfile.ZipFile(path).read(part)
    assert b"<!DOCTYPE" not in raw and "<!DOCTYPE".encode(encoding) in raw  # not findable as ASCII
    assert_refused(path, f"'{part}'", "innehåller en DTD")


@pytest.mark.parametrize("part", ["_rels/.rels", "docProps/core.xml", RAMAR, "xl/sharedStrings.xml",
                                  "xl/styles.xml"])
def test_a_dtd_in_any_other_part_is_refused_at_open(part, tmp_path):
    """Every part is checked when the file is opened, including parts xlmodel never reads."""
    for encoding, bom in UTF16_FORMS + [("utf-8", False), ("utf-8", True)]:
        data = H.with_dtd(BOOK, part, encoding=encoding, bom=bom, doctype=H.XXE, entity="&xxe;")
        with pytest.raises(WorkbookError, match=f"'{part}' innehåller en DTD"):
            Package.from_bytes(data)


def test_20000_unclosed_cells_are_refused(tmp_path):
    path = tmp_path / "celler.xlsm"
    path.write_bytes(H.unclosed_cells(BOOK, RAMAR, 20_000))
    assert_refused(path, f"'{RAMAR}'", "inte giltig XML på rad")


def test_20000_unclosed_shared_strings_are_refused(tmp_path):
    path = tmp_path / "strangar.xlsm"
    path.write_bytes(H.unclosed_strings(BOOK, n=20_000))
    assert_refused(path, "'xl/sharedStrings.xml'", "inte giltig XML på rad")


@pytest.mark.parametrize("part", [RAMTABELL, RAMAR], ids=["written-sheet", "input-sheet"])
def test_a_malformed_sheet_is_refused_and_never_written_into(part, tmp_path):
    # An input the frame table depends on is changed first, so that regenerera would write.
    changed = patch_sheet(Package.from_bytes(BOOK), "Ramar", [CellWrite("D5", Decimal("20"))]).to_bytes()
    (tmp_path / "andrad.xlsm").write_bytes(changed)
    assert regenerate_file(tmp_path / "andrad.xlsm", dry_run=True).changes  # it would write
    (tmp_path / "andrad.xlsm").unlink()
    path = tmp_path / "trasig.xlsm"
    path.write_bytes(H.malformed_sheet(changed, part))
    assert_refused(path, f"'{part}'", "inte giltig XML på rad")


def test_an_encoding_the_conventions_do_not_allow_is_refused(tmp_path):
    path = tmp_path / "latin1.xlsm"
    path.write_bytes(H.declared_encoding(BOOK, "xl/workbook.xml", "ISO-8859-1"))
    assert_refused(path, "'xl/workbook.xml'", "teckenkodningen 'ISO-8859-1'")


@pytest.mark.parametrize("part", ["xl/workbook.xml", RAMAR])
def test_utf16_without_a_dtd_is_refused_alike_by_both_commands(part, tmp_path):
    """Point 3 of the issue: validera read a UTF-16 workbook.xml that regenerera refused."""
    pkg = Package.from_bytes(BOOK)
    text = pkg.part(part).decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"', 1)
    path = tmp_path / "utf16.xlsm"
    path.write_bytes(pkg.with_parts({part: b"\xff\xfe" + text.encode("utf-16-le")}).to_bytes())
    assert_refused(path, f"'{part}'", "UTF-16")


def test_validate_and_regenerate_give_the_same_message(tmp_path):
    """In process: the same refusal, word for word, from both jobs for each construct."""
    books = {
        "dtd": H.with_dtd(BOOK, "xl/workbook.xml", encoding="utf-16-be"),
        "cells": H.unclosed_cells(BOOK, RAMAR, 2_000),
        "strings": H.unclosed_strings(BOOK, n=2_000),
        "sheet": H.malformed_sheet(BOOK, RAMTABELL),
        "latin1": H.declared_encoding(BOOK, "xl/_rels/workbook.xml.rels"),
    }
    for name, data in books.items():
        path = tmp_path / f"{name}.xlsm"
        path.write_bytes(data)
        error = validate_file(path).error
        with pytest.raises(WorkbookError) as info:
            regenerate_file(path)
        assert error and info.value.message == error, name
        assert path.read_bytes() == data


# ----------------------------------------------------------------- other formats


def compound_file(streams: list[str]) -> bytes:
    """A minimal OLE compound file (MS-CFB, version 3): one FAT sector, one directory
    sector with a root entry and empty streams of these names."""
    free, end, fat_sect = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIII", header, 0x2C, 1, 1, 0, 4096, end, 0, end, 0)
    struct.pack_into("<I", header, 0x4C, 0)  # the FAT is sector 0
    for i in range(1, 109):
        struct.pack_into("<I", header, 0x4C + 4 * i, free)
    fat = struct.pack("<128I", fat_sect, end, *([free] * 126))
    directory = bytearray()
    for i, name in enumerate(["Root Entry", *streams]):
        entry = bytearray(128)
        raw = name.encode("utf-16-le") + b"\x00\x00"
        entry[0:len(raw)] = raw
        struct.pack_into("<HBB", entry, 0x40, len(raw), 5 if i == 0 else 2, 1)
        struct.pack_into("<III", entry, 0x44, free, free, 1 if i == 0 and streams else free)
        struct.pack_into("<II", entry, 0x74, end if i == 0 else 0, 0)
        directory += entry
    directory += bytes(512 - len(directory) % 512) if len(directory) % 512 else b""
    return bytes(header) + fat + bytes(directory)


def test_compound_files_are_told_apart():
    assert ole_kind(compound_file(["EncryptionInfo", "EncryptedPackage", "\x06DataSpaces"])) == "encrypted"
    assert ole_kind(compound_file(["Workbook", "\x05SummaryInformation"])) == "xls"
    assert ole_kind(compound_file(["WordDocument"])) == "other"
    assert ole_kind(compound_file(["Workbook"])[:600]) == "unknown"  # a directory that is cut off
    assert ole_kind(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\xff" * 2000) == "unknown"


def test_a_password_protected_workbook_is_named_so(tmp_path):
    path = tmp_path / "skyddad.xlsx"
    path.write_bytes(compound_file(["EncryptionInfo", "EncryptedPackage", "\x06DataSpaces"]))
    assert_refused(path, "lösenordsskyddad (krypterad)")


def test_an_xlsb_is_named_so(tmp_path):
    """An .xlsb is a zip like .xlsx, with binary records in xl/workbook.bin."""
    path = tmp_path / "bok.xlsb"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                    'package/2006/content-types"><Override PartName="/xl/workbook.bin" ContentType="application/'
                    'vnd.ms-excel.sheet.binary.macroEnabled.main"/></Types>')
        zf.writestr("_rels/.rels", "<Relationships/>")
        zf.writestr("xl/workbook.bin", b"\x83\x01\x00\x80\x01\x00")
    assert_refused(path, "binära format (.xlsb)", "spara den i Excel som .xlsx")


@pytest.mark.libreoffice
@pytest.mark.parametrize("fmt,words", [("xls", "gamla binära Excel-formatet .xls (BIFF)"),
                                       ("ods", "OpenDocument-kalkylblad (.ods)")])
def test_xls_and_ods_written_by_libreoffice_are_named_so(soffice, fmt, words, tmp_path):
    from xlmodel.testing import libreoffice as lo

    src = tmp_path / "in" / "bok.xlsx"
    src.parent.mkdir()
    src.write_bytes((ROOT / "workbooks" / "vasterbotten_delarsrapport_2021_08.xlsm").read_bytes())
    made = lo.convert([src], tmp_path / "ut", fmt=fmt, soffice=soffice, recalc=False)[src]
    assert made.suffix == f".{fmt}"
    assert_refused(made, words)


# ----------------------------------------------------------------- the prolog check itself

DTD = '<!DOCTYPE a [<!ENTITY e "x">]>'


@pytest.mark.parametrize("text", [
    DTD + "<a>&e;</a>",
    '<?xml version="1.0"?>' + DTD + "<a/>",
    '<?xml version="1.0"?>\n<!-- a comment -->\n<?pi x?>\n' + DTD + "<a/>",
    "<!--" + "x" * 20_000 + "-->" + DTD + "<a/>",  # past the first decoded piece (doubling)
    "\n" * 9000 + DTD + "<a/>",
    "<!doctype a><a/>",  # any case: no '<!' but a comment may stand before the root
    "<!ENTITY e 'x'><a/>",
])
@pytest.mark.parametrize("encoding,bom", [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b""),
                                          ("utf-16-le", b"\xff\xfe"), ("utf-16-be", b""), ("utf-16-be", b"\xfe\xff")])
def test_a_dtd_is_found_in_any_encoding_and_anywhere_in_the_prolog(text, encoding, bom):
    from xlmodel.xlsx.xmlsafe import check_prolog

    if encoding != "utf-8" and text.startswith("<?xml"):
        text = text.replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>', 1)
    with pytest.raises(WorkbookError, match="'x.xml' innehåller en DTD"):
        check_prolog(bom + text.encode(encoding), "x.xml")


@pytest.mark.parametrize("data,why", [
    ('<?xml version="1.0" encoding="UTF-16"?><a/>'.encode("utf-8"), "anger UTF-16 men"),
    (b"\xff\xfe" + '<?xml version="1.0" encoding="UTF-8"?><a/>'.encode("utf-16-le"), "anger UTF-8 men"),
    ('<?xml version="1.0" encoding="windows-1252"?><a/>'.encode("cp1252"), "teckenkodningen 'windows-1252'"),
    ("<a/>".encode("utf-32-le"), "UTF-32"),
    (b"\x00\x00\xfe\xff" + "<a/>".encode("utf-32-be"), "UTF-32"),
    ('<?xml version="1.0"?><a/>'.encode("cp500"), "EBCDIC"),
    (b"\xfe\xff" + "<a/>".encode("utf-16-be"), "kodad i UTF-16"),
    ("<a/>".encode("utf-16-le"), "kodad i UTF-16"),
])
def test_encodings_that_are_not_read_are_refused(data, why):
    from xlmodel.xlsx.xmlsafe import check_prolog

    with pytest.raises(WorkbookError, match=why):
        check_prolog(data, "x.xml")


@pytest.mark.parametrize("data", [
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<a>&amp;</a>',
    b"\xef\xbb\xbf<?xml version='1.0' encoding='utf-8'?><a/>",
    b"<!-- <!DOCTYPE in a comment --><a/>",
    b"  \n<a><![CDATA[<!DOCTYPE x>]]></a>",  # after the root: the parser's business, not a DTD
    b"\x89PNG\r\n\x1a\n\x00\x00",            # not XML: not looked at
    b"",
])
def test_what_is_not_a_dtd_passes(data):
    from xlmodel.xlsx.xmlsafe import check_prolog

    check_prolog(data, "x.xml")


def test_a_malformed_part_is_named_with_line_and_column_in_swedish():
    from xlmodel.xlsx.xmlsafe import check_well_formed

    with pytest.raises(WorkbookError) as info:
        check_well_formed(b"<a>\n<b>\n</a>", "xl/worksheets/sheet1.xml")
    assert str(info.value) == ("delen 'xl/worksheets/sheet1.xml' är inte giltig XML på rad 3, kolumn 5: en sluttagg "
                               "passar inte till elementet som är öppet; filen är skadad eller manipulerad")
    with pytest.raises(WorkbookError, match="rad 1.*en entitet som inte är definierad"):
        check_well_formed(b"<a>&nej;</a>", "x.xml")
