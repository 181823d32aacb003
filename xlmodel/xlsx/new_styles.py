"""Cell styles appended to an existing workbook's styles part, every old index kept.

``xlmodel anslut`` gives its new sheets the formats of the books xlmodel builds (mkr
with a dash for zero, percentages, bold headers, yellow input cells). A cell's style is
an index into ``<cellXfs>`` of xl/styles.xml, shared by the whole workbook, so the new
styles are **appended**: new ``<numFmt>`` (ids above every id in use and above 163, the
first custom id, ECMA-376 Part 1 §18.8.31), ``<font>``, ``<fill>``, ``<border>`` and
``<xf>`` elements at the end of their lists, with their ``count`` attributes raised.
Every existing element keeps its bytes and position, so every existing index (and every
cell of the team's sheets) means what it meant; ``<numFmts>`` is created (first in
``<styleSheet>``, as CT_Stylesheet orders it) if the part has none. A workbook without
a styles part, or whose part lacks one of the lists, gets no styles: the new cells then
have the default style, and nothing else changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

from xlmodel.xlsx.package import Package
from xlmodel.xlsx.sheetxml import root_prefix

FIRST_CUSTOM_NUMFMT = 164


@dataclass(frozen=True)
class CellStyle:
    """A style as the builder's house styles describe it (``workbook.book``)."""

    num_format: str | None = None
    bold: bool = False
    italic: bool = False
    size: float = 11
    color: str | None = None        # "595959" (RGB)
    fill: str | None = None         # "FFF2CC"
    wrap: bool = False
    top_border: bool = False        # thin top, double bottom: a sum row
    indent: int = 0


def _count_list(data: bytes, prefix: bytes, tag: bytes) -> tuple[re.Match | None, int]:
    """The closing tag of ``<tag>`` and how many children it has (its count attribute)."""
    p = re.escape(prefix)
    open_m = re.search(rb"<" + p + tag + rb"\b([^>]*?)(/?)>", data)
    if open_m is None or open_m.group(2) == b"/":
        return None, 0
    close = re.search(rb"</" + p + tag + rb"\s*>", data[open_m.end():])
    if close is None:
        return None, 0
    inner = data[open_m.end():open_m.end() + close.start()]
    child = {b"fonts": b"font", b"fills": b"fill", b"borders": b"border", b"cellXfs": b"xf",
             b"numFmts": b"numFmt"}[tag]
    n = len(re.findall(rb"<" + p + child + rb"\b", inner))
    return open_m, n


def _append(data: bytes, prefix: bytes, tag: bytes, items: list[bytes]) -> tuple[bytes, int]:
    """``items`` appended to list ``tag``; (new part, index of the first new item)."""
    open_m, n = _count_list(data, prefix, tag)
    if open_m is None:
        raise LookupError(tag)
    p = re.escape(prefix)
    close = re.search(rb"</" + p + tag + rb"\s*>", data[open_m.end():])
    at = open_m.end() + close.start()
    data = data[:at] + b"".join(items) + data[at:]
    head = open_m.group(0)
    new_count = str(n + len(items)).encode()
    if re.search(rb'\bcount="\d*"', head):
        new_head = re.sub(rb'\bcount="\d*"', b'count="' + new_count + b'"', head, count=1)
    else:
        new_head = head[:-1] + b' count="' + new_count + b'">'
    data = data[:open_m.start()] + new_head + data[open_m.end():]
    return data, n


def add_styles(pkg: Package, styles: dict[str, CellStyle]) -> tuple[Package, dict[str, int]]:
    """(``pkg`` with ``styles`` appended to its styles part, each key's cellXfs index).
    Without a usable styles part: (``pkg`` unchanged, {})."""
    name = pkg.styles_part
    if name is None or not styles:
        return pkg, {}
    data = pkg.part(name)
    pkg.ensure_well_formed(name, data)
    prefix = root_prefix(data, name, pkg.where)
    pre = prefix.decode()
    try:
        for tag in (b"fonts", b"fills", b"borders", b"cellXfs"):
            if _count_list(data, prefix, tag)[0] is None:
                return pkg, {}
        used = [int(x) for x in re.findall(rb"<(?:\w+:)?numFmt\b[^>]*\bnumFmtId=\"(\d+)\"", data)]
        next_id = max([FIRST_CUSTOM_NUMFMT - 1, *used]) + 1
        fmt_ids: dict[str, int] = {}
        numfmts = []
        for st in styles.values():
            if st.num_format and st.num_format not in fmt_ids:
                fmt_ids[st.num_format] = next_id
                code = escape(st.num_format, {'"': "&quot;"})
                numfmts.append(f"<{pre}numFmt numFmtId=\"{next_id}\" formatCode=\"{code}\"/>".encode())
                next_id += 1
        if numfmts:
            if _count_list(data, prefix, b"numFmts")[0] is None:
                root = re.search(rb"<" + re.escape(prefix) + rb"styleSheet\b[^>]*>", data)
                data = data[:root.end()] + f"<{pre}numFmts count=\"0\"></{pre}numFmts>".encode() + data[root.end():]
            data, _ = _append(data, prefix, b"numFmts", numfmts)
        fonts = [(f"<{pre}font>" + (f"<{pre}b/>" if st.bold else "") + (f"<{pre}i/>" if st.italic else "")
                  + f"<{pre}sz val=\"{st.size:g}\"/>"
                  + (f"<{pre}color rgb=\"FF{st.color}\"/>" if st.color else f"<{pre}color theme=\"1\"/>")
                  + f"<{pre}name val=\"Calibri\"/><{pre}family val=\"2\"/><{pre}scheme val=\"minor\"/></{pre}font>")
                 for st in styles.values()]
        data, font0 = _append(data, prefix, b"fonts", [f.encode() for f in fonts])
        fills = [f"<{pre}fill><{pre}patternFill patternType=\"solid\"><{pre}fgColor rgb=\"FF{st.fill}\"/>"
                 f"<{pre}bgColor indexed=\"64\"/></{pre}patternFill></{pre}fill>" for st in styles.values() if st.fill]
        fill0 = 0
        if fills:
            data, fill0 = _append(data, prefix, b"fills", [f.encode() for f in fills])
        border0 = 0
        if any(st.top_border for st in styles.values()):
            sum_border = (f"<{pre}border><{pre}left/><{pre}right/><{pre}top style=\"thin\"><{pre}color auto=\"1\"/>"
                          f"</{pre}top><{pre}bottom style=\"double\"><{pre}color auto=\"1\"/></{pre}bottom>"
                          f"<{pre}diagonal/></{pre}border>")
            data, border0 = _append(data, prefix, b"borders", [sum_border.encode()])
        xfs, fill_i = [], fill0
        for i, st in enumerate(styles.values()):
            fmt = fmt_ids.get(st.num_format or "", 0)
            fill = 0
            if st.fill:
                fill, fill_i = fill_i, fill_i + 1
            border = border0 if st.top_border else 0
            attrs = (f'numFmtId="{fmt}" fontId="{font0 + i}" fillId="{fill}" borderId="{border}" xfId="0"'
                     + (' applyNumberFormat="1"' if fmt else "") + ' applyFont="1"'
                     + (' applyFill="1"' if fill else "") + (' applyBorder="1"' if border else "")
                     + (' applyAlignment="1"' if st.wrap or st.indent else ""))
            align = ""
            if st.wrap or st.indent:
                align = (f"<{pre}alignment" + (' vertical="top" wrapText="1"' if st.wrap else "")
                         + (f' indent="{st.indent}"' if st.indent else "") + "/>")
            xfs.append((f"<{pre}xf {attrs}>{align}</{pre}xf>" if align else f"<{pre}xf {attrs}/>").encode())
        data, xf0 = _append(data, prefix, b"cellXfs", xfs)
    except LookupError:
        return pkg, {}
    out = pkg.with_parts({name: data})
    out.ensure_well_formed(name, data)
    return out, {key: xf0 + i for i, key in enumerate(styles)}
