"""Chart ranges that follow the owned block they draw.

A chart keeps the cell ranges it was drawn with (``<c:f>Diagram!$B$5:$B$11</c:f>``).
When a nämnd is added to the inputs, ``regenerate`` writes one row more into the
Diagram block, and the chart would go on drawing the old rows: the new nämnd silently
missing. Here every single-column range of a chart on a sheet that a kind owns, which
starts on an owned cell, is set to the run of owned cells in that column from its first
row down (longer or shorter), and its cached points are rewritten from the owned values,
so a reader that does not recalculate shows the same picture.

``stale`` lists what would change (``validate`` reports it); ``follow`` changes it
(``regenerate``). Nothing else in a chart part is touched.

A chart part is read as text only when it is well-formed XML in UTF-8 (``chart_text``):
a damaged one (bytes that are not UTF-8, a part cut short, not XML at all) is refused
with one Swedish ``WorkbookError`` naming the chart as Excel names it, its sheet and the
part - the file is unreadable (exit 2), as any other damaged part is - instead of being
decoded into a traceback, or read by the range patterns as if it were whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from xlmodel.errors import WorkbookError
from xlmodel.xlsx.refs import coordinate_from_string

_REF = re.compile(r"<c:f>(?P<sheet>'[^']+'|[^!<]+)!\$(?P<col>[A-Z]+)\$(?P<r1>\d+):\$(?P=col)\$(?P<r2>\d+)</c:f>")
_CACHE = re.compile(r"<c:(?P<kind>numCache|strCache)>.*?</c:(?P=kind)>", re.S)


@dataclass(frozen=True)
class StaleRange:
    sheet: str
    chart_part: str
    old: str          # "B5:B11"
    new: str          # "B5:B12"


def chart_text(pkg: Any, sheet: str, part: str) -> str:
    """The chart (or drawing) part ``part`` drawn on ``sheet`` as text, or a
    ``WorkbookError`` naming the chart, the sheet and the part when it is not
    well-formed XML in UTF-8."""
    from xlmodel.xlsx.xmlsafe import check_prolog, check_well_formed

    if not pkg.has(part):
        raise WorkbookError(f"{_chart_name(pkg, sheet, part)} på bladet {sheet!r} saknar sin del {part!r} i filen; "
                            "filen är skadad", path=pkg.where)
    data = pkg.part(part)
    try:
        check_prolog(data, part, pkg.where)  # refuses a DTD and UTF-16 (xlmodel reads UTF-8 only)
        check_well_formed(data, part, pkg.where)
        return data.decode("utf-8")
    except UnicodeDecodeError:
        why = f"delen {part!r} innehåller byte som inte är giltig UTF-8; filen är skadad eller manipulerad"
    except WorkbookError as err:
        why = err.message
    raise WorkbookError(f"{_chart_name(pkg, sheet, part)} på bladet {sheet!r} kan inte läsas: {why}",
                        path=pkg.where) from None


def _chart_name(pkg: Any, sheet: str, part: str) -> str:
    """'diagrammet 'Diagram 2'' as Excel names the chart in the sheet's drawing (its
    selection pane), or 'ritningen' for the drawing part itself."""
    for rel in pkg.relationships(pkg.sheet_part(sheet)):
        if not rel.is_type("drawing") or not pkg.has(rel.target):
            continue
        if rel.target == part:
            return "ritningen med diagrammen"
        rid = next((r.id for r in pkg.relationships(rel.target) if r.target == part), None)
        if rid is None:
            continue
        drawing = pkg.part(rel.target).decode("utf-8", "replace")
        for anchor in re.finditer(r"<xdr:(\w+Anchor)\b.*?</xdr:\1>", drawing, re.S):
            if f'r:id="{rid}"' in anchor.group(0):
                name = re.search(r'<xdr:cNvPr\b[^>]*\bname="([^"]*)"', anchor.group(0))
                if name:
                    return f"diagrammet {name.group(1)!r}"
    return "ett diagram"


def _charts_on(pkg: Any, sheet: str) -> list[str]:
    sheet_part = pkg.sheet_part(sheet)
    charts = []
    for rel in pkg.relationships(sheet_part):
        if rel.is_type("drawing"):
            charts += [r.target for r in pkg.relationships(rel.target) if r.is_type("chart")]
    return charts


class _Runs:
    """(column, first row) -> the owned cells from there down, while rows follow on.

    The contiguous blocks of each column are found once, in one pass over the sorted
    rows, and a run is sliced from its block only when a chart asks for it: listing every
    run up front cost the square of a block's length (a frame table of 2 000 rows is four
    million cells walked, 10 s of a regenerate that takes 1 s)."""

    def __init__(self, cells: list) -> None:
        by_col: dict[str, dict[int, Any]] = {}
        for oc in cells:
            col, row = coordinate_from_string(oc.ref)
            by_col.setdefault(col, {})[row] = oc
        self._at: dict[tuple[str, int], tuple[list, int]] = {}
        for col, rows in by_col.items():
            block: list = []
            previous = None
            for r in sorted(rows):
                if previous is None or r != previous + 1:
                    block = []
                block.append(rows[r])
                self._at[(col, r)] = (block, len(block) - 1)  # the block grows as later rows join it
                previous = r

    def get(self, key: tuple[str, int]) -> list | None:
        hit = self._at.get(key)
        if hit is None:
            return None
        block, i = hit
        return block[i:]


def _cache(kind: str, old: str, run: list) -> str:
    fmt = re.search(r"<c:formatCode>.*?</c:formatCode>", old)
    points = []
    for i, oc in enumerate(run):
        v = oc.value
        if v is None or v == "":
            continue
        text = format(v, "f") if isinstance(v, Decimal) else str(v)
        points.append(f'<c:pt idx="{i}"><c:v>{escape(text)}</c:v></c:pt>')
    head = (fmt.group(0) if fmt and kind == "numCache" else "")
    return f"<c:{kind}>{head}<c:ptCount val=\"{len(run)}\"/>{''.join(points)}</c:{kind}>"


def _rewrite(xml: str, sheet: str, runs: _Runs) -> tuple[str, list[tuple[str, str]]]:
    changes: list[tuple[str, str]] = []
    out, pos = [], 0
    for m in _REF.finditer(xml):
        name = m.group("sheet").strip("'").replace("''", "'")
        col, r1, r2 = m.group("col"), int(m.group("r1")), int(m.group("r2"))
        run = runs.get((col, r1)) if name == sheet else None
        if not run or r1 + len(run) - 1 == r2:
            continue
        new_r2 = r1 + len(run) - 1
        changes.append((f"{col}{r1}:{col}{r2}", f"{col}{r1}:{col}{new_r2}"))
        out.append(xml[pos:m.start()])
        out.append(f"<c:f>{m.group('sheet')}!${col}${r1}:${col}${new_r2}</c:f>")
        pos = m.end()
        cache = _CACHE.match(xml, pos)
        if cache is not None:
            out.append(_cache(cache.group("kind"), cache.group(0), run))
            pos = cache.end()
    out.append(xml[pos:])
    return "".join(out), changes


def _rewrites(pkg: Any, plans: list) -> Iterator[tuple[str, str, str, list[tuple[str, str]]]]:
    """(sheet, chart part, its text with every range set to its owned block, the ranges
    changed) for each chart on a sheet that a plan owns: what ``stale`` reports and
    ``follow`` writes is the same walk, so the two cannot drift apart."""
    for plan in plans:
        if not plan.cells or plan.sheet not in [s.name for s in pkg.sheets]:
            continue
        charts = _charts_on(pkg, plan.sheet)
        runs = _Runs(plan.cells) if charts else None
        for part in charts:
            xml, changes = _rewrite(chart_text(pkg, plan.sheet, part), plan.sheet, runs)
            yield plan.sheet, part, xml, changes


def stale(pkg: Any, plans: list) -> list[StaleRange]:
    """The chart ranges on owned sheets that do not cover their owned block."""
    return [StaleRange(sheet, part, old, new)
            for sheet, part, _xml, changes in _rewrites(pkg, plans) for old, new in changes]


def follow(pkg: Any, plans: list) -> Any:
    """``pkg`` with every stale chart range set to its owned block (``stale``)."""
    updates = {part: xml.encode("utf-8") for _sheet, part, xml, changes in _rewrites(pkg, plans) if changes}
    return pkg.with_parts(updates) if updates else pkg
