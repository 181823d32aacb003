"""Untrusted files: zip bombs, XML entity attacks, lying dimensions, macros, VBA kept.

A workbook that reaches ``xlmodel`` may be hostile. What must hold:
- defusedxml is installed and openpyxl uses it; our own parser refuses any DTD (so no
  entity expansion and no external entity) in every part it reads;
- the zip directory is checked against ``xlsx.limits`` before anything is decompressed:
  a 4 MB file that expands to 4 GiB is refused (the time it takes is measured and
  recorded in docs/reliability.md; no timed assertion here), and a directory that lies
  about a part's size is caught while reading;
- a sheet whose ``<dimension>`` says A1 is still read in full (our reader never trusts it);
- nothing xlmodel runs can execute a macro: the product starts no process, and the
  LibreOffice test harness starts soffice only with a profile that disables macros;
- an .xlsm keeps its vbaProject.bin byte for byte through ``regenerera``.
Every refusal is a WorkbookError with a Swedish message; the CLI exits 2.
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from decimal import Decimal
from pathlib import Path

import pytest

from xlmodel.errors import WorkbookError
from xlmodel.workbook.regenerate import regenerate_file
from xlmodel.workbook.validate import validate_file
from xlmodel.xlsx import CellWrite, Package, check_package, patch_sheet, read_cells
from xlmodel.xlsx.limits import DEFAULT_LIMITS, MiB
from xlmodel.xlsx.xmlsafe import parse_part

ROOT = Path(__file__).resolve().parents[1]
REGIONPLAN = ROOT / "workbooks" / "vasterbotten_regionplan_2021.xlsm"
RAMAR_PART = "xl/worksheets/sheet3.xml"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1"}
    env.pop("XLMODEL_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "xlmodel", *args], capture_output=True, text=True,
                          encoding="utf-8", cwd=ROOT, env=env, timeout=300)


# ----------------------------------------------------------------------------- zip by hand


def handmade_zip(entries: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip written field by field: (name, payload as stored, method, crc, declared
    uncompressed size). zipfile cannot store pre-deflated data or a lying size."""
    out, central = bytearray(), bytearray()
    for name, payload, method, crc, usize in entries:
        n = name.encode("utf-8")
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, len(payload), usize, len(n), 0)
        out += n + payload
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, crc, len(payload),
                               usize, len(n), 0, 0, 0, 0, 0, offset) + n
    cd_offset = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), cd_offset, 0)
    return bytes(out)


def deflated_zeros(mib: int) -> tuple[bytes, int]:
    """Raw deflate of ``mib`` MiB of zero bytes, and its CRC-32, made in well under a
    second: each MiB is compressed once, flushed to a byte boundary with the history
    reset (Z_FULL_FLUSH), so the same 1 037 bytes decode to one more MiB every time."""
    zeros = bytes(MiB)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
    assert c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH) == block  # the steady state repeats
    final = zlib.compressobj(9, zlib.DEFLATED, -15).flush()  # an empty final block
    crc = 0
    big = bytes(64 * MiB)
    for _ in range(mib // 64):
        crc = zlib.crc32(big, crc)
    for _ in range(mib % 64):
        crc = zlib.crc32(zeros, crc)
    return block * mib + final, crc


def package_with(part: str, payload: bytes, crc: int, usize: int, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """The shipped regionplan with one part replaced by a hand-made entry."""
    pkg = Package.open(REGIONPLAN)
    entries = []
    for name in pkg.names:
        if name == part:
            entries.append((name, payload, method, crc, usize))
        else:
            data = pkg.part(name)
            entries.append((name, data, zipfile.ZIP_STORED, zlib.crc32(data), len(data)))
    return handmade_zip(entries)


@pytest.fixture(scope="module")
def bombs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bomber")
    out = {}
    four_gib, crc4 = deflated_zeros(4095)                  # 4 095 MiB (no zip64 needed)
    out["4gib"] = folder / "bomb_4gib.xlsm"
    out["4gib"].write_bytes(package_with(RAMAR_PART, four_gib, crc4, 4095 * MiB))
    ninety, crc90 = deflated_zeros(90)                     # under the part limit, ratio ~1000:1
    out["ratio"] = folder / "bomb_ratio.xlsm"
    out["ratio"].write_bytes(package_with(RAMAR_PART, ninety, crc90, 90 * MiB))
    # The directory says 4 KiB (small parts are exempt from the ratio check), the data
    # expands to 4 GiB: only a bounded read catches it.
    out["liar"] = folder / "bomb_liar.xlsm"
    out["liar"].write_bytes(package_with(RAMAR_PART, four_gib, crc4, 4096))
    return out


def test_the_bomb_is_real(bombs):
    """The 4 GiB bomb is a few MB on disk and really inflates (first 8 MiB checked)."""
    size = bombs["4gib"].stat().st_size
    assert size < 5_000_000
    with zipfile.ZipFile(bombs["4gib"]) as zf:
        info = zf.getinfo(RAMAR_PART)
        assert info.file_size == 4095 * MiB and info.file_size / size > 900
        with zf.open(info) as fh:
            assert fh.read(8 * MiB) == bytes(8 * MiB)


@pytest.mark.parametrize("which,why", [
    ("4gib", "packas upp till 4095 MiB, gränsen är 100 MiB"),
    ("ratio", "zip-bomb"),
])
def test_zip_bomb_is_refused_from_the_directory_alone(bombs, which, why, record_property):
    path = bombs[which]
    t0 = time.perf_counter()
    with pytest.raises(WorkbookError, match=why):
        check_package(path)
    t1 = time.perf_counter()
    with pytest.raises(WorkbookError, match=why):
        Package.open(path)
    t2 = time.perf_counter()
    record_property(f"refuse_{which}_check_package_s", round(t1 - t0, 4))  # recorded, not asserted
    record_property(f"refuse_{which}_package_open_s", round(t2 - t1, 4))
    report = validate_file(path)
    assert report.error and why.split(",")[0] in report.error


def test_a_directory_that_lies_about_a_size_is_caught_while_reading(bombs, record_property):
    """The directory says 4 KiB: zipfile stops inflating at the declared size and the
    CRC of those 4 KiB does not match; our bounded read would stop one byte later."""
    t0 = time.perf_counter()
    with pytest.raises(WorkbookError, match="kontrollsumman stämmer inte"):
        Package.open(bombs["liar"])
    record_property("refuse_liar_package_open_s", round(time.perf_counter() - t0, 4))


@pytest.mark.parametrize("command", ["regenerera", "validera"])
def test_cli_refuses_bombs_with_exit_2_and_leaves_the_file(bombs, command):
    for which in ("4gib", "liar"):
        path = bombs[which]
        before = path.stat().st_mtime_ns, path.stat().st_size
        proc = run_cli(command, str(path))
        assert proc.returncode == 2, proc.stdout + proc.stderr
        out = proc.stdout + proc.stderr
        assert ("gränsen är" in out) or ("kontrollsumman stämmer inte" in out), out
        assert "Traceback" not in out
        assert (path.stat().st_mtime_ns, path.stat().st_size) == before
        assert not list(path.parent.glob(f".~{path.name}*"))


def test_limit_defaults_are_the_documented_ones():
    """docs/reliability.md states these numbers and why; keep them in step."""
    assert DEFAULT_LIMITS.max_part_uncompressed == 100 * MiB
    assert DEFAULT_LIMITS.max_total_uncompressed == 200 * MiB
    assert DEFAULT_LIMITS.max_ratio == 100
    assert DEFAULT_LIMITS.max_parts == 10_000
    assert DEFAULT_LIMITS.max_file_bytes == 100_000_000
    assert DEFAULT_LIMITS.max_cells == 10_000_000


# ----------------------------------------------------------------------------- XML attacks

LAUGHS = "".join(
    f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10 if i else "lol"}">' for i in range(10)
)
BILLION_LAUGHS = f'<?xml version="1.0"?>\n<!DOCTYPE lolz [{LAUGHS}]>\n'
XXE = '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'


def with_doctype(pkg: Package, part: str, doctype: str, entity: str) -> Package:
    """Put a DTD in front of the part's root and an entity reference into its first text."""
    data = pkg.part(part)
    body = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", data)
    body = re.sub(rb">([^<>]+)<", lambda m: b">" + m.group(1) + entity.encode() + b"<", body, count=1)
    return pkg.with_parts({part: doctype.encode() + body})


PARTS = ["xl/workbook.xml", RAMAR_PART, "xl/sharedStrings.xml", "xl/tables/table1.xml", "xl/styles.xml",
         "xl/_rels/workbook.xml.rels", "[Content_Types].xml"]


@pytest.mark.parametrize("attack,doctype,entity", [("billion_laughs", BILLION_LAUGHS, "&lol9;"), ("xxe", XXE, "&xxe;")])
@pytest.mark.parametrize("part", PARTS)
def test_entity_attacks_are_refused_in_every_part(attack, doctype, entity, part, tmp_path):
    path = tmp_path / f"{attack}.xlsm"
    path.write_bytes(with_doctype(Package.open(REGIONPLAN), part, doctype, entity).to_bytes())
    report = validate_file(path)
    regenerate_error = None
    try:
        regenerate_file(path)
    except WorkbookError as err:
        regenerate_error = str(err)
    # A DTD in any part refuses the file when it is opened, before any part is parsed:
    # the content types too (OPC forbids a DTD in every part).
    assert report.error and "DTD" in report.error and repr(part) in report.error, report
    assert regenerate_error and "DTD" in regenerate_error
    assert not list(tmp_path.glob(".~*")) and not (tmp_path / ".xlmodel-backup").exists()


@pytest.mark.parametrize("part", ["xl/workbook.xml", RAMAR_PART])
def test_entity_attacks_exit_2_from_the_cli(part, tmp_path):
    path = tmp_path / "lol.xlsm"
    path.write_bytes(with_doctype(Package.open(REGIONPLAN), part, BILLION_LAUGHS, "&lol9;").to_bytes())
    before = path.read_bytes()
    for command in ("regenerera", "validera"):
        proc = run_cli(command, str(path))
        assert proc.returncode == 2 and "DTD" in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    assert path.read_bytes() == before


def test_our_parser_never_expands_or_fetches_entities():
    for doc in (BILLION_LAUGHS + "<a>&lol9;</a>", XXE + "<a>&xxe;</a>"):
        with pytest.raises(WorkbookError, match="DTD"):
            parse_part(doc.encode(), "x.xml")
    # An entity without a DTD is not defined: refused as invalid XML, never looked up.
    with pytest.raises(WorkbookError, match="inte giltig XML"):
        parse_part(b"<a>&xxe;</a>", "x.xml")


def test_defusedxml_is_installed_and_openpyxl_uses_it(tmp_path):
    import defusedxml  # noqa: F401  (a declared dependency: pyproject.toml)
    import openpyxl
    import openpyxl.xml

    import openpyxl.worksheet._reader

    assert openpyxl.xml.DEFUSEDXML is True
    # Sheets are parsed with defusedxml's iterparse; the small parts with lxml and
    # resolve_entities=False (openpyxl.xml.functions), which libxml2 also bounds.
    assert openpyxl.worksheet._reader.iterparse.__module__.startswith("defusedxml")
    pkg = Package.open(REGIONPLAN)
    sheet_bomb = tmp_path / "lol_sheet.xlsx"
    sheet_bomb.write_bytes(with_doctype(pkg, RAMAR_PART, BILLION_LAUGHS, "&lol9;").to_bytes())
    with pytest.raises(ValueError) as info:  # openpyxl wraps the parser's exception
        openpyxl.load_workbook(sheet_bomb)
    cause = info.value.__cause__ or info.value.__context__
    assert type(cause).__module__.startswith("defusedxml"), type(cause)  # EntitiesForbidden
    book_bomb = tmp_path / "lol_book.xlsx"
    book_bomb.write_bytes(with_doctype(pkg, "xl/workbook.xml", BILLION_LAUGHS, "&lol9;").to_bytes())
    with pytest.raises(Exception, match="amplification|[Ee]ntit"):
        openpyxl.load_workbook(book_bomb)


# ----------------------------------------------------------------------------- dimension lies


def test_a_sheet_that_lies_about_its_dimension_is_read_in_full(tmp_path):
    pkg = Package.open(REGIONPLAN)
    data = pkg.part(RAMAR_PART)
    lying = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1"/>', data)
    assert lying != data
    path = tmp_path / "dim.xlsm"
    path.write_bytes(pkg.with_parts({RAMAR_PART: lying}).to_bytes())
    truth = read_cells(pkg, "Ramar")
    assert read_cells(Package.open(path), "Ramar") == truth and "G19" in truth
    # openpyxl's read-only mode believes the tag: why our reader never uses it.
    import openpyxl

    ws = openpyxl.load_workbook(path, read_only=True)["Ramar"]
    assert ws.max_row == 1
    ws.reset_dimensions()
    assert sum(1 for _ in ws.iter_rows()) >= 19
    assert regenerate_file(path).changes == []
    assert not [f for f in validate_file(path).findings if f.is_error()]


# ----------------------------------------------------------------------------- macros


def test_the_product_starts_no_process_and_no_office_application():
    """Nothing under xlmodel/ (except the test harnesses in xlmodel/testing) or udfs/
    spawns a process or opens an Office application, so no macro can run through us."""
    pattern = re.compile(r"\bsubprocess\b|\bPopen\b|os\.system|os\.startfile|os\.exec|xw\.App\(|xlwings\.App\(|"
                         r"\.App\(|win32com|Dispatch\(")
    # The deliberate exceptions, line by line, each with its reason:
    allowed = {
        # the type of the #VALUE! result (xlmodel/excel/errors.py); no COM object is made
        ("xlmodel/excel/errors.py", "from win32com.client import VARIANT"),
        # `xlmodel excel installera`, run by hand by the user: xlwings' own add-in
        # installer in the same Python, and Excel with the workbook's macros force-disabled
        # (FORCE_DISABLE_MACROS before the book is opened; tests/test_excel_install.py)
        ("xlmodel/excel_install.py", "import subprocess"),
        ("xlmodel/excel_install.py", 'run = subprocess.run([python, "-m", "xlwings.cli", "addin", "install"], '
                                     "capture_output=True, text=True)"),
        ("xlmodel/excel_install.py", "app = xw.App(visible=False, add_book=False)"),
    }
    hits = []
    for folder in (ROOT / "xlmodel", ROOT / "udfs"):
        for path in folder.rglob("*.py"):
            if "testing" in path.relative_to(ROOT).parts:
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                code = line.split("#", 1)[0]
                if pattern.search(code) and (path.relative_to(ROOT).as_posix(), line.strip()) not in allowed:
                    hits.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert hits == []


def test_libreoffice_is_started_only_with_macros_disabled(monkeypatch, tmp_path):
    """The harness's soffice command always carries its own profile; that profile
    disables macro execution and sets the highest macro security level."""
    from xlmodel.testing import libreoffice

    seen = {}

    def fake_run(cmd, *, timeout):
        env = next(a for a in cmd if a.startswith("-env:UserInstallation="))
        profile = Path(env.split("=", 1)[1].removeprefix("file://"))
        seen["xcu"] = (profile / "user" / "registrymodifications.xcu").read_text(encoding="utf-8")
        seen["cmd"] = cmd
        return ""

    monkeypatch.setattr(libreoffice, "_run", fake_run)
    src = tmp_path / "bok.xlsm"
    src.write_bytes(REGIONPLAN.read_bytes())
    with pytest.raises(libreoffice.LibreOfficeError):  # nothing converted: the fake ran nothing
        libreoffice.convert([src], tmp_path / "ut", soffice=sys.executable)
    xcu = seen["xcu"]
    assert re.search(r'oor:name="DisableMacrosExecution"[^>]*><value>true</value>', xcu)
    assert re.search(r'oor:name="MacroSecurityLevel"[^>]*><value>3</value>', xcu)
    assert "--headless" in seen["cmd"]


# ----------------------------------------------------------------------------- .xlsm keeps VBA


def test_xlsm_is_accepted_and_vba_is_kept_byte_for_byte(tmp_path):
    path = tmp_path / "bok.xlsm"
    pkg = Package.open(REGIONPLAN)
    assert pkg.has("xl/vbaProject.bin")
    path.write_bytes(patch_sheet(pkg, "Ramar", [CellWrite("D5", Decimal("20"))]).to_bytes())
    result = regenerate_file(path, backup=False)
    assert result.written and result.changes
    after = Package.open(path)
    assert after.part("xl/vbaProject.bin") == pkg.part("xl/vbaProject.bin")
    assert after.meta("xl/vbaProject.bin") == pkg.meta("xl/vbaProject.bin")
    assert after.part("[Content_Types].xml") == pkg.part("[Content_Types].xml")  # still macro-enabled
    with zipfile.ZipFile(path) as zf:
        assert zf.read("xl/vbaProject.bin") == zipfile.ZipFile(REGIONPLAN).read("xl/vbaProject.bin")
