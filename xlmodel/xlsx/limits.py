"""Safety limits for an .xlsx/.xlsm package, checked before any XML is parsed.

A workbook that reaches us may be damaged, hostile (a zip bomb) or not a workbook
at all (a password-protected file is an OLE compound file, not a zip). Everything
here looks only at the file's first bytes and at the zip central directory, so a
100 KB file that claims or expands to gigabytes is refused in milliseconds, before
a single part is decompressed. The sizes the directory declares are then enforced
again while reading (``read_part_bounded``): a directory can lie, and Python's
zipfile would only notice at the end of a part (size/CRC check).

Default limits and why (the finance team's budget workbooks are 0.2-5 MB on disk;
XML compresses 5-20x, so even the largest expands to well under 100 MB):

- ``max_file_bytes`` 100 MB on disk: 20x the largest workbook we expect.
- ``max_parts`` 10 000: a workbook with 50 sheets, drawings, charts, comments and
  tables has a few hundred parts; tens of thousands only come from generators
  gone wrong or attacks on per-part overhead.
- ``max_total_uncompressed`` 200 MiB: about 4x the expanded size of a 5 MB
  workbook; openpyxl needs about 25x that in RAM for a full load (measured on openpyxl 3.1.5:
  29 MiB of sheet XML took 717 MB), so this keeps a full load within a CI box.
- ``max_part_uncompressed`` 100 MiB: one sheet of about 7 million cells.
- ``max_ratio`` 100 for parts above ``ratio_min_bytes`` (1 MiB): real sheet XML
  compresses 5-30x (repetitive styled blank cells reach about 50x); the zip bomb
  measured with openpyxl 3.1.5 was 230x. Small parts are exempt because a 4 KB part of zeros
  can legitimately compress 500x and harms no one.
- ``max_cells`` 10 million per sheet read: Excel's practical ceiling for a
  workbook that still opens on a 16 GB laptop; the reader stops beyond it.

All limits are per call and can be raised by a caller that knows better (e.g. a
batch job on a big machine): ``Limits(max_total_uncompressed=1 << 30)``.
"""

from __future__ import annotations

import errno
import os
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from xlmodel.errors import WorkbookError
from xlmodel.xlsx.formats import (
    ODF_OTHER_MESSAGE,
    ODS_MESSAGE,
    ODS_MIMETYPE,
    OLE_MESSAGES,
    XLSB_MESSAGE,
    ole_kind,
)

MiB = 1 << 20

# First bytes of an OLE2 compound file (CFB): legacy .xls, and every password-
# protected (encrypted) .xlsx/.xlsm - Office wraps the encrypted package in CFB.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")  # local file header / empty archive

# OOXML (ECMA-376 Part 2, §10.1.2 / Annex) allows only stored and deflated parts.
ALLOWED_COMPRESSION = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})


@dataclass(frozen=True)
class Limits:
    """Upper bounds for one package; see the module docstring for each default."""

    max_file_bytes: int = 100 * 1000 * 1000
    max_parts: int = 10_000
    max_total_uncompressed: int = 200 * MiB
    max_part_uncompressed: int = 100 * MiB
    max_ratio: float = 100.0
    ratio_min_bytes: int = 1 * MiB
    max_cells: int = 10_000_000


DEFAULT_LIMITS = Limits()


_OS_REASONS = {
    errno.EACCES: "behörighet saknas",
    errno.EPERM: "behörighet saknas",
    errno.EIO: "läsfel på disken",
    errno.ENAMETOOLONG: "sökvägen är för lång",
    errno.ELOOP: "sökvägen går i cirkel (symboliska länkar)",
    errno.EEXIST: "det finns redan en fil med det namnet",
    errno.ENOTDIR: "en del av sökvägen är en fil, inte en mapp",
    errno.ENOSPC: "disken är full",
    errno.EROFS: "filsystemet är skrivskyddat",
}


def os_reason(exc: OSError) -> str:
    """Why a file cannot be read, in Swedish; the system's own (English) text only quoted."""
    reason = _OS_REASONS.get(exc.errno or 0)
    return reason if reason else f"systemet säger {str(exc.strerror or exc)[:120]!r}"


def write_reason(exc: OSError) -> str:
    """Why a file or folder cannot be written, in Swedish (``os_reason``, with the
    words the lock's and the save's messages use for a refused write)."""
    return "åtkomst nekad" if isinstance(exc, PermissionError) else os_reason(exc)


def _sniff(path: Path) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(8)
    except FileNotFoundError:
        raise WorkbookError("filen finns inte", path=str(path)) from None
    except IsADirectoryError:
        raise WorkbookError("sökvägen är en mapp, inte en arbetsbok", path=str(path)) from None
    except OSError as exc:
        raise WorkbookError(f"filen kan inte läsas ({os_reason(exc)})", path=str(path)) from None


def check_magic(head: bytes, path: str | None, whole: bytes | None = None) -> None:
    """Refuse anything that is not a zip. An OLE compound file is named for what it is
    (a password-protected workbook, an .xls, another Office document) from its
    directory when ``whole`` (the file's bytes) is given (``formats.ole_kind``)."""
    if head.startswith(OLE_MAGIC):
        message = OLE_MESSAGES[ole_kind(whole) if whole is not None else "unknown"]
        raise WorkbookError(message, path=path)
    if not head.startswith(ZIP_MAGICS):
        raise WorkbookError("filen är ingen Excel-arbetsbok (.xlsx/.xlsm är zip-arkiv)", path=path)


def _bad_name(name: str) -> str | None:
    """Why a zip member name is unsafe or not an OPC part name, or None if fine."""
    if not name or "\x00" in name:
        return "tomt namn eller NUL-tecken"
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "absolut sökväg"
    if "\\" in name:
        return "omvänt snedstreck"
    segments = name.rstrip("/").split("/")  # a trailing '/' marks a folder entry
    if any(seg in ("..", ".") for seg in segments):
        return "'..' eller '.' i sökvägen"
    if any(seg == "" for seg in segments):
        return "tomt led i sökvägen"
    return None


def check_zip_directory(zf: zipfile.ZipFile, limits: Limits, path: str | None) -> list[zipfile.ZipInfo]:
    """Check the central directory of an open zip; return its entries in order."""
    infos = zf.infolist()
    if len(infos) > limits.max_parts:
        raise WorkbookError(
            f"arkivet har {len(infos)} delar, gränsen är {limits.max_parts}", path=path
        )
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        why = _bad_name(name)
        if why:
            raise WorkbookError(f"otillåtet delnamn {name!r} i arkivet ({why})", path=path)
        folded = name.casefold()  # OPC part names are compared case-insensitively
        if folded in seen:
            raise WorkbookError(f"delen {name!r} förekommer två gånger i arkivet", path=path)
        seen.add(folded)
        if info.flag_bits & 0x1:
            raise WorkbookError(f"delen {name!r} är krypterad i zip-arkivet", path=path)
        if info.compress_type not in ALLOWED_COMPRESSION:
            raise WorkbookError(
                f"delen {name!r} använder en komprimering som Office inte tillåter", path=path
            )
        if info.file_size > limits.max_part_uncompressed:
            raise WorkbookError(
                f"delen {name!r} packas upp till {info.file_size // MiB} MiB, "
                f"gränsen är {limits.max_part_uncompressed // MiB} MiB",
                path=path,
            )
        if info.file_size >= limits.ratio_min_bytes:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_ratio:
                raise WorkbookError(
                    f"delen {name!r} är misstänkt hårt packad ({ratio:.0f}:1, gränsen är "
                    f"{limits.max_ratio:.0f}:1); filen kan vara en zip-bomb",
                    path=path,
                )
        total += info.file_size
        if total > limits.max_total_uncompressed:
            raise WorkbookError(
                f"arkivet packas upp till mer än {limits.max_total_uncompressed // MiB} MiB",
                path=path,
            )
    if "xl/workbook.bin" in seen and "xl/workbook.xml" not in seen:
        raise WorkbookError(XLSB_MESSAGE, path=path)
    if "[content_types].xml" not in seen:
        if "mimetype" in seen:  # an OpenDocument file (ODF 1.2 Part 3, §3.3)
            info = next(i for i in infos if i.filename.casefold() == "mimetype")
            head = b""
            if info.file_size <= 200 and info.compress_type in ALLOWED_COMPRESSION:
                try:
                    head = zf.read(info)
                except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError):
                    head = b""
            raise WorkbookError(ODS_MESSAGE if head.strip() == ODS_MIMETYPE else ODF_OTHER_MESSAGE, path=path)
        raise WorkbookError("arkivet saknar [Content_Types].xml och är ingen Office-fil", path=path)
    return infos


def check_package(path: str | os.PathLike[str], limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse (WorkbookError, Swedish) a file that is not a safe-looking OOXML package.

    Reads only the first bytes and the zip central directory; never decompresses.
    """
    p = Path(path)
    head = _sniff(p)
    size = p.stat().st_size
    whole = None
    if head.startswith(OLE_MAGIC) and size <= limits.max_file_bytes:
        try:
            whole = p.read_bytes()  # its directory says what it is (formats.ole_kind)
        except OSError:
            whole = None
    check_magic(head, str(p), whole)
    if size > limits.max_file_bytes:
        raise WorkbookError(
            f"filen är {size // 1_000_000} MB, gränsen är {limits.max_file_bytes // 1_000_000} MB",
            path=str(p),
        )
    try:
        with zipfile.ZipFile(p) as zf:
            check_zip_directory(zf, limits, str(p))
    except zipfile.BadZipFile as exc:
        raise WorkbookError(bad_zip_message(exc), path=str(p)) from None


# zipfile's messages for a damaged archive (CPython 3.11 Lib/zipfile.py), in Swedish.
_BAD_ZIP = {
    "File is not a zip file": "zip-arkivet är skadat (dess innehållsförteckning saknas eller är avkortad)",
    "Truncated central directory": "zip-arkivet är skadat (innehållsförteckningen är avkortad)",
    "Bad magic number for central directory": "zip-arkivet är skadat (innehållsförteckningen är trasig)",
    "Truncated file header": "zip-arkivet är skadat (ett filhuvud är avkortat)",
    "Bad magic number for file header": "zip-arkivet är skadat (ett filhuvud är trasigt)",
}


def bad_zip_message(exc: BaseException) -> str:
    """A Swedish line for zipfile's BadZipFile; its own English text only as a quoted detail."""
    text = str(exc)
    for english, swedish in _BAD_ZIP.items():
        if text.startswith(english):
            return swedish
    return f"zip-arkivet är skadat (zipfile: {text[:120]!r})"


def read_part_bounded(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, path: str | None) -> bytes:
    """Decompress one part, never producing more than its declared size (+1 byte to
    detect a lie) nor more than ``limits.max_part_uncompressed``."""
    return b"".join(bounded_pieces(zf, info, limits, path))


def read_part_bounded_into(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, path: str | None,
                           piece: int) -> bytearray:
    """``read_part_bounded`` (the same checks, the same errors) into one bytearray,
    inflated ``piece`` bytes at a time: a part that is checked and then dropped (a lazy
    package's big parts) is then held once, not also as zlib's output blocks and their
    join (validate's memory peak at open, bench/EXPLANATION.md)."""
    out = bytearray()
    for chunk in bounded_pieces(zf, info, limits, path, piece):
        out += chunk
    return out


def bounded_pieces(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, path: str | None,
                   piece: int = 1 << 20) -> Iterator[bytes]:
    """The decompressed pieces of one part (at most ``piece`` bytes each), with the bounds
    and checks of ``read_part_bounded``; its errors are raised while they are produced."""
    bound = min(info.file_size, limits.max_part_uncompressed)
    got = 0
    try:
        with zf.open(info) as fh:
            while True:
                chunk = fh.read(min(piece, bound + 1 - got))
                if not chunk:
                    break
                got += len(chunk)
                if got > bound:
                    raise WorkbookError(
                        f"delen {info.filename!r} är större än arkivet uppger; filen är skadad eller manipulerad",
                        path=path,
                    )
                yield chunk
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        # BadZipFile: CRC or size mismatch found by zipfile at the end of the part (it
        # never inflates past the declared size). The messages of zipfile and zlib are
        # English; say in Swedish what they mean.
        if isinstance(exc, zipfile.BadZipFile) and "CRC" in str(exc):
            why = "kontrollsumman stämmer inte; filen är skadad eller manipulerad"
        elif isinstance(exc, (zlib.error, EOFError)):
            why = "de komprimerade data är skadade eller tar slut för tidigt"
        else:
            why = "arkivet är skadat"
        raise WorkbookError(f"delen {info.filename!r} kan inte packas upp ({why})", path=path) from None
    if got != info.file_size:
        raise WorkbookError(
            f"delen {info.filename!r} har fel storlek ({got} i stället för {info.file_size} byte)", path=path
        )
