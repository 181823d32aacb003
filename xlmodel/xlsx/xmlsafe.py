"""Safe XML parsing for package parts.

Every small XML part (workbook, relationships, content types, tables) goes through
``parse_part``: an lxml parser that resolves no entities, loads no DTD, touches
no network and keeps lxml's default size limits (``huge_tree=False``). A DOCTYPE
is refused outright: OPC forbids DTDs in package XML (ECMA-376 Part 2, §8.1.4,
M1.17), so one is a sign of tampering (the "billion laughs" needs a DTD).

Sheet parts are never loaded into a tree: the reader and the patcher scan them as
bytes (they expand no entities beyond the five predefined ones and character
references), and ``refuse_doctype`` applies the same DTD rule to them.
"""

from __future__ import annotations

import re

from lxml import etree

from xlmodel.errors import WorkbookError

_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


def _parser() -> etree.XMLParser:
    # A fresh parser per call: lxml parser objects are not safe to share across threads.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )


def refuse_doctype(data: bytes, part: str, path: str | None = None) -> None:
    """A DTD may only stand before the root element; look in the prolog only."""
    root_at = _first_element(data)
    if _DOCTYPE.search(data, 0, root_at if root_at >= 0 else len(data)):
        raise WorkbookError(f"delen {part!r} innehåller en DTD, vilket Office-filer inte får ha", path=path)


def _first_element(data: bytes) -> int:
    """Offset of the root element's '<' (skipping declaration, PIs, comments, DOCTYPE)."""
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
            return len(data)  # a DOCTYPE or similar: scan the whole prolog to the end
        else:
            return j
        if k < 0:
            return -1
        i = k + 2
    return -1


def parse_part(data: bytes, part: str, path: str | None = None) -> etree._Element:
    """Parse one XML part safely; WorkbookError (Swedish) if it is not well-formed."""
    refuse_doctype(data, part, path)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise WorkbookError(f"delen {part!r} är inte giltig XML ({exc})", path=path) from None
    return root


def local(tag: object) -> str:
    """Local name of an lxml tag ('{ns}name' -> 'name'); '' for comments/PIs."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]
