"""Parts outside the patched sheet that a cell patch may have to change, and how.

Only these parts ever change besides the patched worksheet (this list belongs in
the user documentation of "lossless regeneration"):

1. ``xl/calcChain.xml`` - Excel's record of the order in which it last calculated
   formula cells. If a patch adds a formula cell, or turns a formula cell into a
   value or blank, the chain no longer matches the sheet and Excel reports the file
   as damaged ("we found a problem with some content") when it meets a chain entry
   for a cell without a formula. We **remove** the part, its relationship in the
   workbook's .rels and its ``Override`` in ``[Content_Types].xml``; Excel rebuilds
   the chain silently on the next calculation (the chain is an optimisation, ECMA-376
   Part 1 §18.6). Rewriting individual entries was rejected: the entries' sheet index
   ``i`` is inherited from the previous entry, so removing one can silently move
   its successors to another sheet. A patch that only replaces formulas by formulas
   or values by values leaves the chain byte-identical.
2. ``xl/workbook.xml`` - only the ``fullCalcOnLoad`` attribute of ``<calcPr>``
   (the element is added if missing), when the caller asks for it (the default of
   ``patch_sheet``). We write cached values only for the cells we own; other formulas
   in the workbook that depend on them still hold old cached values, and Excel
   does not recalculate a file saved by the same Excel version on open. The flag
   makes Excel recalculate everything once on open (Excel clears it when saving).
3. ``xl/_rels/workbook.xml.rels`` and ``[Content_Types].xml`` - only the single
   calcChain relationship / override element, together with case 1.

(``regenerate`` also sets the defined names of its owned blocks in workbook.xml,
``xlsx.defined_names``, and the ranges of charts over them, ``workbook.charts.ranges``.)

Everything else (shared strings, styles, metadata.xml, drawings, VBA, ...) is never
written: strings go in as inline strings, styles are referenced, not created.
"""

from __future__ import annotations

import re

from xlmodel.xlsx.package import CONTENT_TYPES, Package, rels_part_for
from xlmodel.xlsx.sheetxml import ATTRS, attrs, content, root_prefix, xml_text

def _element(name: bytes) -> re.Pattern[bytes]:
    """One element ``name`` (any prefix); its attributes and content never run past the
    next tag of that name (``sheetxml.content``), so the search is linear in the part."""
    n = rb"(?:[\w.-]+:)?" + name
    return re.compile(rb"<" + n + rb"\b" + ATTRS + rb"(?:/>|>" + content(n) + rb"</" + n + rb"\s*>)", re.S)


_REL_EL = _element(b"Relationship")
_OVERRIDE_EL = _element(b"Override")


def _strip_ws_before(data: bytes, start: int) -> int:
    """Take the indentation before a removed element with it (pretty-printed parts)."""
    i = start
    while i > 0 and data[i - 1 : i] in (b" ", b"\t", b"\n", b"\r"):
        i -= 1
    return i


def remove_calc_chain(pkg: Package) -> tuple[Package, list[str]]:
    """Remove xl/calcChain.xml with its relationship and content-type override.
    Returns the new package and the names of the parts changed or removed."""
    target = pkg.workbook_rel_target("calcChain")
    if target is None:
        return pkg, []
    changes: dict[str, bytes | None] = {target: None}
    rels_name = pkg.actual_name(rels_part_for(pkg.workbook_part))
    rels = pkg.part(rels_name)  # parsed (so well-formed) by workbook_rels above
    ids = {r.id for r in pkg.workbook_rels if r.is_type("calcChain")}
    for m in _REL_EL.finditer(rels):
        a = attrs(m.group(0).split(b">", 1)[0])
        if xml_text(a.get(b"Id", b"")) in ids:
            s = _strip_ws_before(rels, m.start())
            rels = rels[:s] + rels[m.end():]
            break
    changes[rels_name] = rels
    if pkg.has(CONTENT_TYPES):
        ct = pkg.part(CONTENT_TYPES)
        pkg.ensure_well_formed(CONTENT_TYPES, ct)  # never write into a malformed part
        want = "/" + target
        for m in _OVERRIDE_EL.finditer(ct):
            a = attrs(m.group(0).split(b">", 1)[0])
            if xml_text(a.get(b"PartName", b"")).casefold() == want.casefold():
                s = _strip_ws_before(ct, m.start())
                changes[CONTENT_TYPES] = ct[:s] + ct[m.end():]
                break
    return pkg.with_parts(changes), sorted(changes)


# Elements of CT_Workbook that may precede calcPr (ECMA-376 Part 1, §18.2.27), last first.
_BEFORE_CALCPR = (b"definedNames", b"externalReferences", b"functionGroups", b"sheets")


def set_full_calc_on_load(pkg: Package) -> tuple[Package, bool]:
    """Make Excel recalculate the whole workbook on open. Returns (package, changed)."""
    name = pkg.workbook_part
    data = pkg.part(name)
    prefix = root_prefix(data, name, pkg.where)
    pkg.ensure_well_formed(name, data)  # never write into a malformed part
    p = re.escape(prefix)
    m = re.search(rb"<" + p + rb"calcPr\b(" + ATTRS + rb")(/?)>", data, re.S)
    if m:
        a = attrs(m.group(1))
        if a.get(b"fullCalcOnLoad") in (b"1", b"true"):
            return pkg, False
        fm = re.search(rb"""\bfullCalcOnLoad\s*=\s*(["'])[^"']*\1""", m.group(1))
        if fm:
            s, e = m.start(1) + fm.start(), m.start(1) + fm.end()
            new = data[:s] + b'fullCalcOnLoad="1"' + data[e:]
        else:
            at = m.end(1)
            new = data[:at] + b' fullCalcOnLoad="1"' + data[at:]
        return pkg.with_parts({name: new}), True
    el = b"<" + prefix + b'calcPr fullCalcOnLoad="1"/>'
    for tag in _BEFORE_CALCPR:
        c = re.search(rb"</" + p + tag + rb"\s*>|<" + p + tag + rb"\b[^<>]*/>", data, re.S)
        if c:
            return pkg.with_parts({name: data[: c.end()] + el + data[c.end():]}), True
    return pkg, False  # a workbook without <sheets> is broken anyway; leave it alone
