"""Byte-level scanning of worksheet XML, shared by the reader and the patcher.

Why bytes and regular expressions instead of a tree: a worksheet is a flat list of
``<row>`` elements holding ``<c>`` elements, neither of which can nest, and no
``<``/``&`` may appear unescaped in text or attribute values. So the element
boundaries inside ``<sheetData>`` are found exactly by a scan for ``<row``/``<c``
and their end tags, as long as there are no comments, CDATA sections or processing
instructions inside sheetData (Excel never writes them; ``has_markup_hazards``
detects them and the callers then take a tree-based path or refuse). Scanning bytes
lets the patcher splice the original bytes back unchanged around the cells it
writes, and lets the reader skip the cost of building elements.

A namespace prefix on the main namespace (``<x:worksheet>``, written by some SDK
based tools) is honoured: every pattern is built for the prefix the root uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from xlmodel.errors import WorkbookError
from xlmodel.xlsx.package import R_NS
from xlmodel.xlsx.xmlsafe import _first_element, check_prolog

_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
# An attribute name only where a name can begin (not inside a run of name characters):
# else a long run without '=' is tried from each of its bytes, quadratically.
_ATTR = re.compile(rb'(?<![\w:.-])([\w:.-]+)="([^"]*)"')
_ATTR_ANY = re.compile(rb"""(?<![\w:.-])([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|lt|gt|amp|quot|apos);")
_XSTRING = re.compile(r"_x([0-9A-Fa-f]{4})_")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


@dataclass(frozen=True)
class Patterns:
    prefix: bytes
    row_open: re.Pattern[bytes]      # <row ...> or <row .../>; group 1 attrs, group 2 '/' if empty
    row_close: re.Pattern[bytes]
    cell: re.Pattern[bytes]          # one <c>; group 1 attrs, group 2 content (None if empty)
    row_or_cell: re.Pattern[bytes]   # alternation for one pass readers
    f: re.Pattern[bytes]             # group 1 attrs, group 2 text
    v: re.Pattern[bytes]
    is_: re.Pattern[bytes]
    t: re.Pattern[bytes]
    rph: re.Pattern[bytes]
    sheet_data_open: re.Pattern[bytes]
    sheet_data_close: re.Pattern[bytes]
    dimension: re.Pattern[bytes]
    si: re.Pattern[bytes]
    tag_f: bytes
    tag_c: bytes
    v_open: bytes
    v_close: bytes


def content(name: bytes) -> bytes:
    """The content of an element ``name`` (with the prefix) up to its end tag, as an
    "unrolled loop" (runs of non-'<' bytes; several times faster in Python's regex
    engine than a lazy '.*?'), which never runs past another start or end tag of the
    same name. Why: a lazy '.*?</c>' from an unclosed ``<c>`` runs to the next ``</c>``
    however far it is, and a search that restarts at every unclosed start tag makes the
    scan quadratic (20 000 unclosed ``<c>`` in a 40 KB sheet took over a minute). Here
    a failed attempt stops at the next tag of that name, so every byte is looked at by
    at most two attempts. In a worksheet neither ``<c>`` nor ``<si>``, ``<f>``, ``<v>``,
    ``<is>``, ``<t>`` nests, so well-formed parts match exactly as with '.*?'."""
    return rb"[^<]*(?:<(?!/?" + name + rb"\b)[^<]*)*"


# Attributes of a start tag: no '<' (XML 1.0 forbids it in attribute values), so an
# attempt from an unclosed tag stops at the next tag instead of running on.
ATTRS = rb"[^<>]*?"


@lru_cache(maxsize=8)
def patterns(prefix: bytes = b"") -> Patterns:
    p = re.escape(prefix)
    S = re.DOTALL

    def el(name: bytes) -> re.Pattern[bytes]:
        n = p + name
        return re.compile(rb"<" + n + rb"\b(" + ATTRS + rb")(?:/>|>(" + content(n) + rb")</" + n + rb"\s*>)", S)

    c = p + b"c"
    return Patterns(
        prefix=prefix,
        row_open=re.compile(rb"<" + p + rb"row\b(" + ATTRS + rb")(/?)>", S),
        row_close=re.compile(rb"</" + p + rb"row\s*>"),
        cell=el(b"c"),
        row_or_cell=re.compile(
            rb"<" + p + rb"row\b(" + ATTRS + rb")/?>|<" + c + rb"\b(" + ATTRS + rb")(?:/>|>(" + content(c)
            + rb")</" + c + rb"\s*>)", S
        ),
        f=el(b"f"),
        v=el(b"v"),
        is_=re.compile(rb"<" + p + rb"is\b" + ATTRS + rb"(?:/>|>(" + content(p + b"is") + rb")</" + p + rb"is\s*>)",
                       S),
        t=el(b"t"),
        rph=re.compile(rb"<" + p + rb"rPh\b" + ATTRS + rb"(?:/>|>" + content(p + b"rPh") + rb"</" + p
                       + rb"rPh\s*>)", S),
        sheet_data_open=re.compile(rb"<" + p + rb"sheetData\b(" + ATTRS + rb")(/?)>", S),
        sheet_data_close=re.compile(rb"</" + p + rb"sheetData\s*>"),
        dimension=re.compile(rb"<" + p + rb"dimension\b(" + ATTRS + rb")/?>", S),
        si=el(b"si"),
        tag_f=b"<" + prefix + b"f",
        tag_c=b"<" + prefix + b"c",
        v_open=b"<" + prefix + b"v>",
        v_close=b"</" + prefix + b"v>",
    )


def root_prefix(data: bytes, part: str, path: str | None = None) -> bytes:
    """The namespace prefix of the root element ('' or e.g. 'x:'), after the prolog
    check (``xmlsafe.check_prolog``: no DTD, UTF-8 only, as at open)."""
    check_prolog(data, part, path)
    at = _first_element(data)
    m = _ROOT.match(data, at) if at >= 0 else None
    if not m:
        raise WorkbookError(f"delen {part!r} har inget rotelement", path=path)
    return m.group(1) or b""


# The root element's start tag: its name, then its attributes (either quote; a '>' may
# stand inside a value), up to the '>' that closes it.
_ROOT_START = re.compile(rb"""<[A-Za-z_][\w.:-]*((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*/?>""")
_XMLNS_ATTR = re.compile(rb"""xmlns:([A-Za-z_][\w.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def rel_id_attr(data: bytes, rid: str, part: str, path: str | None = None) -> str:
    """The attribute naming relationship ``rid`` on a new element of the part
    (``<sheet>``, ``<tablePart>``, ``<legacyDrawing>``): ``r:id="rId5"`` with the prefix
    the root element's own start tag binds to the relationships namespace, the only
    declaration in scope wherever the element goes; else the element declares it
    itself. A declaration further in is not in scope for a new element: openpyxl writes
    ``xmlns:r`` on each ``<sheet>`` and ``<hyperlink>`` instead of on the root."""
    check_prolog(data, part, path)
    at = _first_element(data)
    m = _ROOT_START.match(data, at) if at >= 0 else None
    if not m:
        raise WorkbookError(f"delen {part!r} har inget rotelement", path=path)
    for decl in _XMLNS_ATTR.finditer(m.group(1)):
        if (decl.group(2) if decl.group(2) is not None else decl.group(3)).decode("utf-8") == R_NS:
            return f'{decl.group(1).decode("ascii")}:id="{rid}"'
    return f'xmlns:r="{R_NS}" r:id="{rid}"'


@dataclass(frozen=True)
class SheetDataSpan:
    open_start: int     # '<sheetData'
    content_start: int  # just after the open tag ('>'), == close for an empty element
    content_end: int    # start of '</sheetData>' (== content_start for <sheetData/>)
    close_end: int      # after '</sheetData>' or after '<sheetData/>'
    empty_element: bool


def sheet_data_span(data: bytes, pat: Patterns, part: str, path: str | None = None) -> SheetDataSpan:
    m = pat.sheet_data_open.search(data)
    if not m:
        raise WorkbookError(f"delen {part!r} saknar sheetData och är inget kalkylblad", path=path)
    if m.group(2):
        return SheetDataSpan(m.start(), m.end(), m.end(), m.end(), True)
    c = pat.sheet_data_close.search(data, m.end())
    if not c:
        raise WorkbookError(f"delen {part!r} är trasig (sheetData avslutas inte)", path=path)
    return SheetDataSpan(m.start(), m.end(), c.start(), c.end(), False)


def has_markup_hazards(data: bytes, start: int, end: int) -> bool:
    """Comments, CDATA or processing instructions inside sheetData defeat the byte scan."""
    return data.find(b"<!", start, end) >= 0 or data.find(b"<?", start, end) >= 0


# The attributes of a cell as Excel writes them (r, then s, then t), for a fast path.
TYPICAL_CELL_ATTRS = re.compile(rb' r="([A-Z]{1,3})([0-9]{1,7})"(?: s="([0-9]+)")?(?: t="([a-zA-Z]+)")?')


def attrs(raw: bytes) -> dict[bytes, bytes]:
    """Attributes of a start tag (raw bytes, values not unescaped)."""
    if b"'" in raw:
        return {m.group(1): (m.group(2) if m.group(2) is not None else m.group(3)) for m in _ATTR_ANY.finditer(raw)}
    return dict(_ATTR.findall(raw))


def _entity(m: re.Match[str]) -> str:
    e = m.group(1)
    if e[0] == "#":
        cp = int(e[2:], 16) if e[1] in "xX" else int(e[1:])
        if cp > 0x10FFFF or 0xD800 <= cp <= 0xDFFF:  # no such character (XML 1.0 §2.2)
            raise WorkbookError(f"teckenreferensen &{e}; pekar inte på något tecken; filen är skadad")
        return chr(cp)
    return _NAMED[e]


def xml_text(raw: bytes) -> str:
    """Decode element text or an attribute value: UTF-8, predefined entities, char refs.
    Bytes that are not UTF-8 and character references to no character are a damaged
    file (WorkbookError), never a UnicodeDecodeError or ValueError."""
    try:
        s = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise WorkbookError("texten är inte giltig UTF-8; filen är skadad") from None
    if "&" in s:
        s = _ENTITY.sub(_entity, s)
    if "\r" in s:
        s = s.replace("\r\n", "\n").replace("\r", "\n")  # XML end-of-line normalisation
    return s


def unescape_xstring(s: str) -> str:
    """OOXML ST_Xstring escapes: '_x000D_' is a carriage return, '_x005F_' an underscore."""
    if "_x" not in s:
        return s
    return _XSTRING.sub(lambda m: chr(int(m.group(1), 16)), s)


def escape_text(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attr(s: str) -> str:
    return escape_text(s).replace('"', "&quot;")


_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def escape_xstring(s: str) -> str:
    """Inverse of ``unescape_xstring`` for text we write: a literal '_xHHHH_' gets its
    underscore escaped, characters XML 1.0 cannot carry become '_xHHHH_', as Excel does."""
    if "_x" in s:
        s = _XSTRING.sub(lambda m: "_x005F" + m.group(0), s)
    if _ILLEGAL_XML.search(s):
        s = _ILLEGAL_XML.sub(lambda m: f"_x{ord(m.group(0)):04X}_", s)
    return s


def rich_text(raw: bytes, pat: Patterns) -> str:
    """Text of an <is> or <si> body: all <t> runs, phonetic runs (<rPh>) left out."""
    if b"rPh" in raw:
        raw = pat.rph.sub(b"", raw)
    parts = [xml_text(m.group(2)) for m in pat.t.finditer(raw) if m.group(2)]
    return unescape_xstring("".join(parts))
