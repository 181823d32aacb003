"""Hostile and malformed workbooks, built from a real one (for tests/ and bench/).

Each builder takes the bytes of a workbook (a shipped one in the tests) and returns the
bytes of a copy with exactly one construct an attacker or a broken generator could put
there; every other part is left as it is. The classes (docs/reliability.md, "Fientliga
filer"):

- ``with_dtd``: a document type declaration (billion laughs, or an external entity) in
  one part, in UTF-8, UTF-16 LE or BE, with or without a byte order mark;
- ``unclosed_cells``: thousands of ``<c>`` start tags never closed in one sheet;
- ``unclosed_strings``: thousands of ``<si>`` never closed in the shared strings;
- ``malformed_sheet``: one end tag of a cell removed (the smallest damage that makes a
  part malformed), as a hand edit or a broken generator leaves it;
- ``declared_encoding``: a part re-encoded in another encoding and declared so.
"""

from __future__ import annotations

import re

from xlmodel.xlsx.package import Package

LAUGHS = "".join(f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10 if i else "lol"}">' for i in range(10))
BILLION_LAUGHS = f"<!DOCTYPE lolz [{LAUGHS}]>"
XXE = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'

_DECLARATION = re.compile(rb"^(?:\xef\xbb\xbf)?<\?xml[^>]*\?>\s*")


def _replace(book: bytes, part: str, data: bytes) -> bytes:
    pkg = Package.from_bytes(book)
    return pkg.with_parts({part: data}).to_bytes()


def with_dtd(book: bytes, part: str, *, encoding: str = "utf-8", bom: bool = False, doctype: str = BILLION_LAUGHS,
             entity: str = "&lol9;") -> bytes:
    """``part`` with a DTD before its root and ``entity`` referenced in its first text,
    encoded in ``encoding`` ('utf-8', 'utf-16-le', 'utf-16-be'), declared as UTF-16 when
    it is, with a byte order mark when ``bom``."""
    data = Package.from_bytes(book).part(part)
    body = _DECLARATION.sub(b"", data).decode("utf-8")
    body = re.sub(r">([^<>]+)<", lambda m: ">" + m.group(1) + entity + "<", body, count=1)
    declared = "UTF-8" if encoding == "utf-8" else "UTF-16"
    text = f'<?xml version="1.0" encoding="{declared}" standalone="yes"?>\n{doctype}\n{body}'
    out = text.encode(encoding)
    if bom:
        out = {"utf-8": b"\xef\xbb\xbf", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[encoding] + out
    return _replace(book, part, out)


def unclosed_cells(book: bytes, part: str, n: int = 20_000) -> bytes:
    """``n`` cells opened and never closed in a new last row of a sheet's sheetData."""
    data = Package.from_bytes(book).part(part)
    row = b'<row r="1048000">' + b'<c r="A1048000">' * n + b"</row>"
    return _replace(book, part, data.replace(b"</sheetData>", row + b"</sheetData>", 1))


def unclosed_strings(book: bytes, part: str = "xl/sharedStrings.xml", n: int = 20_000) -> bytes:
    """``n`` shared string entries opened and never closed at the end of the table."""
    data = Package.from_bytes(book).part(part)
    at = data.rindex(b"</sst>")
    return _replace(book, part, data[:at] + b"<si><t>x</t>" * n + data[at:])


def malformed_sheet(book: bytes, part: str) -> bytes:
    """One cell end tag removed from the middle of a sheet's sheetData."""
    data = Package.from_bytes(book).part(part)
    ends = [m.start() for m in re.finditer(rb"</c>", data)]
    if not ends:
        raise ValueError(f"{part} has no cell to damage")
    at = ends[len(ends) // 2]
    return _replace(book, part, data[:at] + data[at + len(b"</c>"):])


def declared_encoding(book: bytes, part: str, encoding: str = "ISO-8859-1") -> bytes:
    """``part`` re-encoded in ``encoding`` (text it cannot carry as character
    references) and declared so."""
    data = Package.from_bytes(book).part(part)
    body = _DECLARATION.sub(b"", data).decode("utf-8")
    text = f'<?xml version="1.0" encoding="{encoding}"?>\n{body}'
    return _replace(book, part, text.encode(encoding, "xmlcharrefreplace"))


def padded_sheet(book: bytes, part: str, size: int) -> bytes:
    """A well-formed sheet of about ``size`` bytes: rows of plain number cells appended to
    its sheetData (the baseline the malformed sheets of the same size are compared with)."""
    data = Package.from_bytes(book).part(part)
    rows = []
    total = 0
    r = 1_000_000
    while total < size:
        row = f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}"><v>1.5</v></c></row>'.encode()
        rows.append(row)
        total += len(row)
        r += 1
    return _replace(book, part, data.replace(b"</sheetData>", b"".join(rows) + b"</sheetData>", 1))


def padded_strings(book: bytes, part: str = "xl/sharedStrings.xml", size: int = 100_000) -> bytes:
    """A well-formed shared string table about ``size`` bytes longer: plain entries
    appended (the baseline for ``unclosed_strings`` of the same size)."""
    data = Package.from_bytes(book).part(part)
    at = data.rindex(b"</sst>")
    n = size // len(b"<si><t>x0000000</t></si>") + 1
    extra = b"".join(b"<si><t>x%07d</t></si>" % i for i in range(n))
    return _replace(book, part, data[:at] + extra + data[at:])
