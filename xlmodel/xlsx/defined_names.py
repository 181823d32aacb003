"""Set workbook-scoped defined names in ``xl/workbook.xml``, losslessly.

The one change to workbook.xml besides ``fullCalcOnLoad`` (``bookkeeping``) that a
regeneration makes: the defined names that bound xlmodel's owned blocks
(``workbook.block_names``) are set to the blocks' new extents, or added to a workbook
written before they existed. Only the text of the named ``<definedName>`` is replaced,
or one element is added at the end of ``<definedNames>`` (the element is created after
``<sheets>``, ``<functionGroups>`` or ``<externalReferences>`` if the workbook has no
names, as ECMA-376 Part 1 §18.2.27 orders CT_Workbook). Every other byte is kept; a
sheet-scoped name of the same spelling (``localSheetId``) is never touched.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

from xlmodel.xlsx.package import Package
from xlmodel.xlsx.sheetxml import ATTRS, attrs, content, root_prefix, xml_text

# Elements of CT_Workbook that may precede definedNames, last first.
_BEFORE_DEFINED_NAMES = (b"externalReferences", b"functionGroups", b"sheets")


def set_defined_names(pkg: Package, names: dict[str, str]) -> Package:
    """``pkg`` with each workbook-scoped name of ``names`` (name -> ``'Sheet'!$A$1:$B$2``)
    set to its value. Returns ``pkg`` itself when nothing changes."""
    if not names:
        return pkg
    part = pkg.workbook_part
    data = pkg.part(part)
    prefix = root_prefix(data, part, pkg.where)
    pkg.ensure_well_formed(part, data)  # never write into a malformed part
    p = re.escape(prefix)
    tag = rb"<" + p + rb"definedName\b(" + ATTRS + rb")(?:/>|>(" + content(p + b"definedName") + rb")</" + p \
        + rb"definedName\s*>)"
    pending = dict(names)
    out, pos = [], 0
    for m in re.finditer(tag, data, re.S):
        a = attrs(m.group(1))
        if b"localSheetId" in a:
            continue
        name = xml_text(a.get(b"name", b""))
        key = next((k for k in pending if k.casefold() == name.casefold()), None)
        if key is None:
            continue
        value = pending.pop(key)
        if xml_text(m.group(2) or b"") == value:
            continue
        out += [data[pos:m.start()], b"<" + prefix + b"definedName" + m.group(1) + b">",
                escape(value).encode("utf-8"), b"</" + prefix + b"definedName>"]
        pos = m.end()
    out.append(data[pos:])
    new = b"".join(out)
    if pending:
        added = b"".join(
            b"<" + prefix + b'definedName name="' + escape(k, {'"': "&quot;"}).encode("utf-8") + b'">'
            + escape(v).encode("utf-8") + b"</" + prefix + b"definedName>"
            for k, v in pending.items())
        close = re.search(rb"</" + p + rb"definedNames\s*>", new)
        empty = re.search(rb"<" + p + rb"definedNames\b" + ATTRS + rb"/>", new)
        if close:
            new = new[:close.start()] + added + new[close.start():]
        elif empty:
            new = (new[:empty.start()] + b"<" + prefix + b"definedNames>" + added + b"</" + prefix
                   + b"definedNames>" + new[empty.end():])
        else:
            for before in _BEFORE_DEFINED_NAMES:
                c = re.search(rb"</" + p + before + rb"\s*>|<" + p + before + rb"\b[^<>]*/>", new, re.S)
                if c:
                    new = (new[:c.end()] + b"<" + prefix + b"definedNames>" + added + b"</" + prefix
                           + b"definedNames>" + new[c.end():])
                    break
            else:
                return pkg  # a workbook without <sheets> is broken anyway; leave it alone
    return pkg if new == data else pkg.with_parts({part: new})
