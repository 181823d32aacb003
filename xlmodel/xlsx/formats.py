"""What a file that is not an .xlsx/.xlsm package is, so a refusal can say so.

The formats users actually send instead of an .xlsx, and how each is told apart:

- **a password-protected workbook**: Office wraps the encrypted OOXML package in an OLE
  compound file (MS-OFFCRYPTO §2.3.4), whose directory has the streams
  ``EncryptionInfo`` and ``EncryptedPackage``;
- **.xls** (Excel 97-2003, BIFF8; BIFF5 before it): an OLE compound file with a
  ``Workbook`` (``Book``) stream (MS-XLS §2.1.2);
- **.xlsb**: a zip package like .xlsx, but its workbook part is ``xl/workbook.bin``
  (binary records, MS-XLSB) - found from the zip directory;
- **.ods**: a zip whose first entry ``mimetype`` names
  ``application/vnd.oasis.opendocument.spreadsheet`` (ODF 1.2 Part 3, §3.3).

``ole_kind`` reads the directory of a compound file (MS-CFB §2.6) with every offset
bounded by the file: a damaged or hostile directory gives "other", never an exception
or a loop (and an unreadable directory gives "unknown": the message then names both
likely causes).
"""

from __future__ import annotations

import struct

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_END_OF_CHAIN = 0xFFFFFFFE
_DIR_ENTRY = 128
_HEADER_DIFAT = 109


def ole_kind(data: bytes) -> str:
    """'encrypted', 'xls' or 'other' for a compound file's bytes (by its stream names);
    'unknown' when its directory cannot be read."""
    names = _ole_names(data)
    if not names:
        return "unknown"
    if {"encryptioninfo", "encryptedpackage"} <= names:
        return "encrypted"
    if names & {"workbook", "book"}:
        return "xls"
    return "other"


def _ole_names(data: bytes) -> set[str]:
    """The names in a compound file's directory, case-folded; empty if unreadable."""
    if len(data) < 512 or not data.startswith(OLE_MAGIC):
        return set()
    shift = struct.unpack_from("<H", data, 0x1E)[0]
    if shift not in (9, 12):  # 512- or 4096-byte sectors (MS-CFB §2.2)
        return set()
    size = 1 << shift
    n_sectors = (len(data) - 512) // size + 1

    def sector(n: int) -> bytes:
        at = (n + 1) << shift
        return data[at:at + size] if 0 <= n < n_sectors else b""

    fat: list[int] = []
    for i in range(_HEADER_DIFAT):  # the FAT sectors listed in the header (enough for 7 MB / 450 MB files)
        n = struct.unpack_from("<I", data, 0x4C + 4 * i)[0]
        if n >= n_sectors:
            continue
        chunk = sector(n)
        fat.extend(struct.unpack_from(f"<{len(chunk) // 4}I", chunk))
    names: set[str] = set()
    n = struct.unpack_from("<I", data, 0x30)[0]
    seen: set[int] = set()
    while n != _END_OF_CHAIN and n < n_sectors and n not in seen and len(seen) < n_sectors:
        seen.add(n)
        chunk = sector(n)
        for at in range(0, len(chunk) - _DIR_ENTRY + 1, _DIR_ENTRY):
            length = struct.unpack_from("<H", chunk, at + 0x40)[0]
            if 2 <= length <= 64:
                raw = chunk[at:at + length - 2]  # without the terminating NUL
                names.add(raw.decode("utf-16-le", "replace").casefold())
        n = fat[n] if n < len(fat) else _END_OF_CHAIN
    return names


OLE_MESSAGES = {
    "unknown": "filen är lösenordsskyddad (krypterad) eller i det gamla .xls-formatet; "
               "spara den i Excel som .xlsx/.xlsm utan lösenord och försök igen",
    "encrypted": "filen är lösenordsskyddad (krypterad); ta bort lösenordet i Excel och spara den igen som "
                 ".xlsx eller .xlsm",
    "xls": "filen är i det gamla binära Excel-formatet .xls (BIFF); spara den i Excel som .xlsx eller .xlsm",
    "other": "filen är ett äldre Office-dokument (OLE-format) men ingen Excel-arbetsbok som kan läsas; "
             "spara arbetsboken i Excel som .xlsx eller .xlsm",
}
XLSB_MESSAGE = "filen är i Excels binära format (.xlsb); spara den i Excel som .xlsx eller .xlsm"
ODS_MESSAGE = "filen är ett OpenDocument-kalkylblad (.ods); spara den som .xlsx i LibreOffice eller Excel"
ODF_OTHER_MESSAGE = "filen är ett OpenDocument-dokument men inget kalkylblad, och ingen Excel-arbetsbok"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
