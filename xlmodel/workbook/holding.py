"""Which parts the jobs run on a workbook: a kind's whole bundle, or the parts it holds.

Two sorts of workbook reach the jobs (validate, regenerate, explain, diff, the macro):

- **xlmodel's own books**, built by ``xlmodel bygg`` (or made from one: rolled forward,
  regenerated, saved again in Excel). Their document properties say so (author
  "xlmodel", comment "Byggd av xlmodel bygg": ``book.Book``; Excel and LibreOffice keep
  both when they save). Such a book is of a kind, and *every* part of the kind's bundle
  belongs in it: a part whose table was renamed or whose sheet was deleted is damage,
  reported as it always was (``recognise``, the parts' own "tabellen … saknas"). A part
  ``xlmodel anslut`` added beyond the bundle is run after it, as in a team's book.
- **Every other workbook**: the team's own book, with its own sheet names and layout,
  into which a controller (or ``xlmodel anslut``) put some of xlmodel's parts. It holds
  the parts whose Excel Tables it has (``parts.found_in``: each part by its own tables,
  on any sheet), and only those are run: a part it does not hold is not an error.

The distinction is needed because a team's book holding the frame table's tables
(tblRamar, tblForandringar) has a regionplan's signature; read as a regionplan, it would
be asked for the resultatbudget and balanskrav sheets it never had (issue 12).
"""

from __future__ import annotations

from typing import Any

from xlmodel.workbook import kinds, parts

# What ``book.Book`` writes into docProps/core.xml of every workbook it builds.
BUILDER_AUTHOR = "xlmodel"
BUILDER_COMMENT = "Byggd av xlmodel bygg"

_CORE_TYPE = "/metadata/core-properties"


def built_by_xlmodel(cells: Any) -> bool:
    """True when the workbook's document properties say xlmodel built it. A source
    without a package (live Excel) cannot tell: it is read by the parts it holds."""
    pkg = getattr(cells, "pkg", None)
    if pkg is None:
        return False
    memo = getattr(cells, "memo", None)
    if memo is not None and "holding.built" in memo:
        return memo["holding.built"]
    found = _core_says_xlmodel(pkg)
    if memo is not None:
        memo["holding.built"] = found
    return found


def _core_says_xlmodel(pkg: Any) -> bool:
    from xlmodel.xlsx.xmlsafe import parse_part

    name = next((r.target for r in pkg.relationships("") if r.type.endswith(_CORE_TYPE) and not r.external), None)
    if name is None or not pkg.has(name):
        return False
    name = pkg.actual_name(name)
    root = parse_part(pkg.part(name), name, pkg.where)
    texts = {el.tag.rsplit("}", 1)[-1]: (el.text or "").strip() for el in root}
    return texts.get("creator") == BUILDER_AUTHOR or texts.get("description", "").startswith(BUILDER_COMMENT)


def parts_in(cells: Any) -> tuple[str | None, tuple[parts.Part, ...]]:
    """(kind, the parts the jobs run): for xlmodel's own book its kind and the kind's
    bundle (none when no kind is recognised: the damaged-book messages follow), then the
    parts it holds beyond the bundle (added by ``xlmodel anslut``); for any other
    workbook no kind and the parts it holds, in registry order."""
    if built_by_xlmodel(cells):
        kind = kinds.detect(cells)
        bundle = kinds.parts_of(kind)
        if not bundle:
            return kind, bundle
        # A part ``xlmodel anslut`` added beyond the bundle (the balanskravsutredning in a
        # regionplan, the frame table in a delårsrapport) is run as in a team's book.
        return kind, bundle + tuple(p for p in _held(cells) if p not in bundle)
    return None, _held(cells)


def _held(cells: Any) -> tuple[parts.Part, ...]:
    """The parts the workbook holds by their tables, in registry order."""
    return tuple(p for p in parts.found_in(cells) if p is not parts.CHARTS or _has_charts(cells))


def _has_charts(cells: Any) -> bool:
    """The chart sheet owns no input table: a team's book with the frame table and the
    balanskrav (``xlmodel anslut``) holds it only if it has its blocks' names, or a sheet
    Diagram with the frames block's header row (a team sheet of that name is the team's)."""
    from xlmodel.workbook import block_names
    from xlmodel.workbook.layout import SHEET_CHARTS
    from xlmodel.workbook.signatures import CHARTS, carries

    return (block_names.read_block(cells, block_names.DIAGRAM_FRAMES) is not None
            or carries(cells, SHEET_CHARTS, CHARTS))
