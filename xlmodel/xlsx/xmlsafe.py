"""Safe XML for package parts: the prolog check, well-formedness, and a safe parser.

Three checks, each linear in the part:

- ``check_prolog`` (every part, when a package is opened): the part's encoding is
  found as the XML spec says (XML 1.0 Appendix F: a byte order mark, else the first
  four bytes, else the encoding declaration), and the prolog - everything before the
  root element - is read *in that encoding*. A document type declaration there (any
  ``<!`` other than a comment) is refused: the Open Packaging Conventions forbid a
  DTD in a package part (ECMA-376 Part 2, §8.1.4), so one is a sign of tampering (the
  "billion laughs" and external entities need one). A search for the ASCII bytes
  ``<!DOCTYPE`` would miss a DTD in a UTF-16 part, which lxml reads as UTF-16.
  Encodings: UTF-8 (with or without BOM) is read. UTF-16 (LE or BE, with or without
  BOM) is allowed by the conventions, checked for a DTD like UTF-8, and then refused
  in every part, by every command alike: the reader and the patcher work on UTF-8
  bytes (a patch splices UTF-8 into the part), and no program that writes these
  workbooks (Excel, LibreOffice, openpyxl, XlsxWriter) writes UTF-16. A declared
  US-ASCII is read as the UTF-8 it is a subset of. Any other declared encoding
  (ISO-8859-1, windows-1252 ...), UTF-32 and EBCDIC are not allowed by the conventions
  and are refused: the reader would take their bytes for UTF-8. A part that does
  not begin like XML (a picture, vbaProject.bin) is not looked at.
- ``WellFormed`` / ``check_well_formed`` (the content types and every .rels at open;
  every other part that is read, before it is scanned as bytes;
  ``Package.ensure_well_formed``): libxml2 reads the part with no tree and no Python call per
  element, so a malformed part (an element left open, a stray end tag, an undefined
  entity) is refused with its line and column, in Swedish, in well under the time a
  read of it takes.
- ``parse_part`` (the small parts: workbook, relationships, content types, styles,
  tables): an lxml parser that resolves no entities, loads no DTD, touches no network
  and keeps lxml's default size limits (``huge_tree=False``), after the prolog check.

Sheet parts are never loaded into a tree: the reader and the patcher scan them as
bytes (they expand no entities beyond the five predefined ones and character
references), after ``check_well_formed``.
"""

from __future__ import annotations

import codecs
import re

from lxml import etree

from xlmodel.errors import WorkbookError

UTF8 = "utf-8"
UTF16_LE = "utf-16-le"
UTF16_BE = "utf-16-be"

_WHITESPACE = frozenset(" \t\r\n")
_DECLARED = re.compile(rb"""^<\?xml\s[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._-]*)["']""")
# XML 1.0 Appendix F: the first four bytes without a byte order mark.
_UCS4_STARTS = (b"\x00\x00\x00<", b"<\x00\x00\x00", b"\x00\x00<\x00", b"\x00<\x00\x00")
_EBCDIC_START = b"\x4c\x6f\xa7\x94"  # '<?xm' in EBCDIC
_LEADING_SPACE = {
    UTF8: re.compile(rb"[ \t\r\n]*"),
    UTF16_LE: re.compile(rb"(?:[ \t\r\n]\x00)*"),
    UTF16_BE: re.compile(rb"(?:\x00[ \t\r\n])*"),
}
_UNIT = {UTF8: 1, UTF16_LE: 2, UTF16_BE: 2}


def _part_error(part: str, what: str, path: str | None) -> WorkbookError:
    return WorkbookError(f"delen {part!r} {what}", path=path)


def sniff_encoding(data: bytes, part: str, path: str | None = None) -> tuple[str, int] | None:
    """(encoding, length of the byte order mark) of a part that begins like XML; None
    for a part that does not (binary). Refuses (WorkbookError) an encoding the
    conventions do not allow, and a BOM or first bytes that contradict the declaration."""
    if data.startswith(codecs.BOM_UTF8):
        enc, bom = UTF8, 3
    elif data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")) or data.startswith(_UCS4_STARTS):
        raise _part_error(part, "är kodad i UTF-32; Office-filer får bara vara kodade i UTF-8 eller UTF-16", path)
    elif data.startswith(codecs.BOM_UTF16_LE):
        enc, bom = UTF16_LE, 2
    elif data.startswith(codecs.BOM_UTF16_BE):
        enc, bom = UTF16_BE, 2
    elif data.startswith(_EBCDIC_START):
        raise _part_error(part, "är kodad i EBCDIC; Office-filer får bara vara kodade i UTF-8 eller UTF-16", path)
    elif len(data) >= 2 and data[1] == 0 and data[0] != 0:
        enc, bom = UTF16_LE, 0  # '<\0' or ' \0': UTF-16 without a BOM, as libxml2 reads it too
    elif len(data) >= 2 and data[0] == 0 and data[1] != 0:
        enc, bom = UTF16_BE, 0
    else:
        enc, bom = UTF8, 0
    # The first character after any whitespace (however much: whitespace may stand
    # before a DOCTYPE) must be '<', or this is no XML part.
    at = _LEADING_SPACE[enc].match(data, bom).end()
    if data[at:at + _UNIT[enc]] != "<".encode(enc):
        return None  # not XML: nothing here parses it (and a parse of it would fail)
    head = _decode_head(data, enc, bom, 512)
    declared = _DECLARED.match(head.encode(UTF8, "replace"))
    if declared:
        name = declared.group(1).decode("ascii").lower().replace("_", "-")
        # US-ASCII is UTF-8 restricted to 7 bits: read as UTF-8 (a byte above 127 is then
        # malformed for libxml2 as for the reader), although the conventions name only two.
        if name in ("utf-8", "utf8", "us-ascii", "ascii"):
            if enc != UTF8:
                raise _part_error(part, "anger UTF-8 men är kodad i UTF-16; filen är skadad eller manipulerad", path)
        elif name in ("utf-16", "utf-16le", "utf-16be", "utf16"):
            if enc == UTF8:
                raise _part_error(part, "anger UTF-16 men är inte kodad så; filen är skadad eller manipulerad", path)
        else:
            raise _part_error(
                part, f"anger teckenkodningen {declared.group(1).decode('ascii')!r}; Office-filer får bara vara "
                      "kodade i UTF-8 eller UTF-16 (spara om filen i Excel)", path)
    return enc, bom


def _decode_head(data: bytes, enc: str, bom: int, size: int) -> str:
    """The first ``size`` bytes after the BOM as text (a cut character is dropped)."""
    return codecs.getincrementaldecoder(enc)("replace").decode(data[bom:bom + size], final=False)


def _prolog_end(text: str) -> tuple[str, int]:
    """Scan the prolog: ('root', offset of the root's '<'), ('dtd', offset of the '<!'),
    or ('more', -1) when ``text`` ends inside the prolog."""
    i = 0
    n = len(text)
    while True:
        while i < n and text[i] in _WHITESPACE:
            i += 1
        if i >= n:
            return "more", -1
        if text[i] != "<":
            return "root", i  # text before the root: not XML, the parser says so
        if text.startswith("<?", i):
            k = text.find("?>", i + 2)
            if k < 0:
                return "more", -1
            i = k + 2
        elif text.startswith("<!--", i):
            k = text.find("-->", i + 4)
            if k < 0:
                return "more", -1
            i = k + 3
        elif n - i < 4 and "<!--".startswith(text[i:]):
            return "more", -1  # '<', '<!' or '<!-' at the end: a comment may begin here
        elif text.startswith("<!", i):
            return "dtd", i  # '<!DOCTYPE', '<!ENTITY' or any other declaration
        else:
            return "root", i


def check_prolog(data: bytes, part: str, path: str | None = None) -> str | None:
    """Refuse a part with a DTD (in any encoding XML allows) or in an encoding xlmodel
    does not read; return the encoding of an XML part, None for a part that is not XML.
    Reads only the prolog: decoded in growing pieces, so the cost is linear in its
    length however long it is."""
    found = sniff_encoding(data, part, path)
    if found is None:
        return None
    enc, bom = found
    size = 4096
    while True:
        text = _decode_head(data, enc, bom, size)
        state, _at = _prolog_end(text)
        if state == "dtd":
            raise _part_error(part, "innehåller en DTD (dokumenttypdeklaration), vilket Office-filer inte får ha; "
                                    "filen är skadad eller manipulerad", path)
        if state == "root" or bom + size >= len(data):
            break
        size *= 2
    if enc != UTF8:
        raise _part_error(part, "är kodad i UTF-16, som xlmodel inte läser; Excel och LibreOffice skriver UTF-8: "
                                "öppna filen och spara den igen", path)
    return enc


def _first_element(data: bytes) -> int:
    """Offset of the root element's '<' in a UTF-8 part (skipping declaration, PIs,
    comments); ``len(data)`` at a '<!' that is not a comment (a DOCTYPE, refused by
    ``check_prolog``); -1 if the prolog does not end within ``data``."""
    i = 0
    n = len(data)
    while i < n:
        j = data.find(b"<", i)
        if j < 0 or j + 1 >= n:
            return -1
        nxt = data[j + 1 : j + 2]
        if nxt == b"?":
            k = data.find(b"?>", j)
        elif data.startswith(b"<!--", j):
            k = data.find(b"-->", j)
        elif nxt == b"!":
            return len(data)
        else:
            return j
        if k < 0:
            return -1
        i = k + 2
    return -1


# ----------------------------------------------------------------- well-formedness

# libxml2's error codes (xmlParserErrors) for what a damaged or hand-edited part most
# often has, said in Swedish; any other code keeps libxml2's text as a quoted detail.
_WHY = {
    4: "delen är tom",
    5: "det finns innehåll efter rotelementet",
    9: "en teckenreferens pekar på ett tecken som XML inte tillåter",
    26: "en entitet som inte är definierad används",
    38: "ett attributvärde innehåller '<'",
    39: "ett attributvärde avslutas inte",
    41: "ett attribut saknar värde",
    64: "XML-deklarationen står inte först",
    73: "en tagg avslutas inte med '>'",
    76: "en sluttagg passar inte till elementet som är öppet",
    77: "ett element avslutas aldrig (delen tar slut för tidigt)",
    81: "delen innehåller byte som inte är giltig UTF-8",
}
_LOCATION_SUFFIX = re.compile(r",\s*line \d+, column \d+$")


class _NoTree:
    """A parser target without element callbacks: libxml2 checks the XML, builds nothing,
    and calls no Python code per element."""

    def close(self) -> None:
        return None


def _safe_options() -> dict:
    return dict(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False)


def _syntax_error(exc: etree.XMLSyntaxError, part: str, path: str | None) -> WorkbookError:
    line, column = (exc.position if exc.position and exc.position[0] else (exc.lineno or 0, 0))
    why = _WHY.get(exc.code)
    if why is None:
        detail = _LOCATION_SUFFIX.sub("", exc.msg or "").strip()
        why = f"den är inte välformad (libxml2: {detail!r})" if detail else "den är inte välformad"
    where = f"rad {line}, kolumn {column}" if column else f"rad {line}"
    return WorkbookError(f"delen {part!r} är inte giltig XML på {where}: {why}; filen är skadad eller manipulerad",
                         path=path)


class WellFormed:
    """An incremental well-formedness check of one part: ``feed`` its bytes in order,
    then ``close``; either raises the Swedish refusal naming the part, line and column."""

    __slots__ = ("_parser", "part", "path")

    def __init__(self, part: str, path: str | None = None) -> None:
        self.part = part
        self.path = path
        # A fresh parser per part: lxml parser objects are not safe to share across threads.
        self._parser = etree.XMLParser(target=_NoTree(), **_safe_options())

    def feed(self, data: bytes) -> None:
        try:
            self._parser.feed(data)
        except etree.XMLSyntaxError as exc:
            raise _syntax_error(exc, self.part, self.path) from None

    def close(self) -> None:
        try:
            self._parser.close()
        except etree.XMLSyntaxError as exc:
            raise _syntax_error(exc, self.part, self.path) from None


def check_well_formed(data: bytes, part: str, path: str | None = None) -> None:
    """Refuse a part that is not well-formed XML (WorkbookError naming part, line, column)."""
    check = WellFormed(part, path)
    if data:
        check.feed(data)
    check.close()


# ----------------------------------------------------------------- small parts


def _parser() -> etree.XMLParser:
    # A fresh parser per call: lxml parser objects are not safe to share across threads.
    return etree.XMLParser(remove_blank_text=False, **_safe_options())


def parse_part(data: bytes, part: str, path: str | None = None) -> etree._Element:
    """Parse one XML part safely; WorkbookError (Swedish) if it is not well-formed."""
    check_prolog(data, part, path)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(exc, part, path) from None
    return root


def local(tag: object) -> str:
    """Local name of an lxml tag ('{ns}name' -> 'name'); '' for comments/PIs."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]
