"""Safety limits: checked on the zip directory before anything is decompressed, and
again during each bounded read."""

from __future__ import annotations

import io
import struct
import warnings
import zipfile
from pathlib import Path

import pytest

from xlsx_fixtures import minimal_xlsx, rich_xlsm_master, sheet  # noqa: F401  (pytest fixtures)
from xlmodel.errors import WorkbookError
from xlmodel.xlsx import Limits, Package, check_package
from xlmodel.xlsx.limits import OLE_MAGIC

BIG = 3_000_000_000  # 3 GB: fits the 32-bit size field of a plain (non-zip64) entry


def _write(tmp_path: Path, data: bytes, name: str = "bok.xlsx") -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def _zip(entries: list[tuple[str, bytes]], compress: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names warn
        with zipfile.ZipFile(buf, "w", compress) as zf:
            for name, data in entries:
                zf.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), data, compress_type=compress)
    return buf.getvalue()


def _set_declared_size(data: bytes, name: bytes, size: int) -> bytes:
    """Overwrite the uncompressed size an entry declares (central directory and local header)."""
    out = bytearray(data)
    c = out.find(b"PK\x01\x02" + bytes(0))
    while c >= 0:
        n = struct.unpack_from("<H", out, c + 28)[0]
        if bytes(out[c + 46: c + 46 + n]) == name:
            struct.pack_into("<I", out, c + 24, size)
            local = struct.unpack_from("<I", out, c + 42)[0]
            struct.pack_into("<I", out, local + 22, size)
        c = out.find(b"PK\x01\x02", c + 4)
    return bytes(out)


def _set_flag(data: bytes, flag: int) -> bytes:
    out = bytearray(data)
    c = out.find(b"PK\x01\x02")
    while c >= 0:
        struct.pack_into("<H", out, c + 8, struct.unpack_from("<H", out, c + 8)[0] | flag)
        c = out.find(b"PK\x01\x02", c + 4)
    return bytes(out)


def test_real_workbook_passes(rich_xlsm_master: Path) -> None:  # noqa: F811
    check_package(rich_xlsm_master)


def test_password_protected_or_xls_file_gets_a_specific_message(tmp_path: Path) -> None:
    p = _write(tmp_path, OLE_MAGIC + b"\x00" * 600)
    for call in (check_package, Package.open):
        with pytest.raises(WorkbookError, match="lösenordsskyddad"):
            call(p)


def test_not_a_zip_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(WorkbookError, match="ingen Excel-arbetsbok"):
        check_package(_write(tmp_path, b"Namn;Belopp\nA;1\n", "bok.csv"))
    with pytest.raises(WorkbookError, match="finns inte"):
        check_package(tmp_path / "saknas.xlsx")
    with pytest.raises(WorkbookError, match="skadat"):
        check_package(_write(tmp_path, b"PK\x03\x04" + b"\x00" * 100))


def test_file_claiming_gigabytes_is_refused_from_the_directory(tmp_path: Path) -> None:
    data = _set_declared_size(minimal_xlsx(sheet("")), b"xl/worksheets/sheet1.xml", BIG)
    p = _write(tmp_path, data)
    assert p.stat().st_size < 100_000
    with pytest.raises(WorkbookError, match="packas upp till"):
        check_package(p)
    with pytest.raises(WorkbookError, match="packas upp till"):
        Package.open(p)


def test_highly_compressed_part_is_refused_by_ratio(tmp_path: Path) -> None:
    bomb = b"<c/>" * (4 << 20)  # 16 MiB of one repeated tag: deflates about 1000:1
    p = _write(tmp_path, _zip([("[Content_Types].xml", b"<Types/>"), ("xl/worksheets/sheet1.xml", bomb)]))
    with pytest.raises(WorkbookError, match="zip-bomb"):
        check_package(p)


def test_understated_size_is_caught_by_the_bounded_read(tmp_path: Path) -> None:
    big = b"0" * (20 << 20)
    data = _zip([("[Content_Types].xml", b"<Types/>"), ("xl/x.xml", big)])
    data = _set_declared_size(data, b"xl/x.xml", 1000)  # now claims 1000 bytes, ratio looks harmless
    p = _write(tmp_path, data)
    check_package(p)  # the directory alone looks fine
    with pytest.raises(WorkbookError, match="större än arkivet uppger|kan inte packas upp"):
        Package.open(p)


def test_total_and_part_count_limits(rich_xlsm_master: Path) -> None:  # noqa: F811
    with pytest.raises(WorkbookError, match="packas upp till mer än"):
        check_package(rich_xlsm_master, Limits(max_total_uncompressed=10_000))
    with pytest.raises(WorkbookError, match="delar"):
        check_package(rich_xlsm_master, Limits(max_parts=5))
    with pytest.raises(WorkbookError, match="gränsen är"):
        check_package(rich_xlsm_master, Limits(max_file_bytes=1000))


@pytest.mark.parametrize(
    "name, why",
    [("../evil.xml", "sökvägen"), ("/etc/passwd", "absolut"), ("xl\\a.xml", "snedstreck"),
     ("C:/x.xml", "absolut"), ("xl/./a.xml", "sökvägen")],
)
def test_unsafe_part_names(tmp_path: Path, name: str, why: str) -> None:
    p = _write(tmp_path, _zip([("[Content_Types].xml", b"<Types/>"), (name, b"x")]))
    with pytest.raises(WorkbookError, match=why):
        check_package(p)


def test_duplicate_names_also_by_case(tmp_path: Path) -> None:
    for other in ("xl/a.xml", "XL/A.xml"):
        p = _write(tmp_path, _zip([("[Content_Types].xml", b"<Types/>"), ("xl/a.xml", b"1"), (other, b"2")]))
        with pytest.raises(WorkbookError, match="två gånger"):
            check_package(p)


def test_encrypted_entries_compression_and_content_types(tmp_path: Path) -> None:
    p = _write(tmp_path, _set_flag(minimal_xlsx(sheet("")), 0x1))
    with pytest.raises(WorkbookError, match="krypterad"):
        check_package(p)
    p = _write(tmp_path, _zip([("[Content_Types].xml", b"<Types/>")], compress=zipfile.ZIP_BZIP2))
    with pytest.raises(WorkbookError, match="komprimering"):
        check_package(p)
    p = _write(tmp_path, _zip([("xl/workbook.xml", b"<workbook/>")]))
    with pytest.raises(WorkbookError, match="Content_Types"):
        check_package(p)
