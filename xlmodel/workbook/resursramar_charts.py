"""Västernorrland's frame charts follow the Resursramar table after ``regenerate``.

The builder draws the frames per nämnd as line charts under the table, one series per
nämnd row (``Resursramar!$E$6:$H$6``, named by the row's label), the nämnder split into
panels by size (``frame_panels``: next to HSN's 5 850 mkr a 6 mkr nämnd would be a flat
line at zero). ``chart_ranges`` makes single-column ranges follow an owned block; these
series are rows of an *input* table, so a nämnd typed under the table (and taken into
it) needs a series of its own, and a removed one must lose its series.

Here the series of each chart are set from the table as it is now, with the same panel
rule as the builder: chart *i* (in the order the charts stand on the sheet, top to
bottom) shows panel *i*; panels beyond the number of charts are drawn in the last one.
A chart that already shows exactly its panel's rows is left byte for byte. A rewritten
series copies the look of the chart's first series (marker, line) and caches its label
and values, so a reader that does not recalculate draws the same picture.
``stale`` (``validate``) lists the charts that do not show their rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from xlmodel.findings import Finding, Severity

# A nämnd whose frame is below this share of the largest one of a panel goes to the next
# panel, on its own axis; at most MAX_PANELS panels (the last takes the rest).
SMALL_FRAME_SHARE = Decimal("0.1")
MAX_PANELS = 3

_SER = re.compile(r"<c:ser>.*?</c:ser>", re.S)
_F = re.compile(r"<c:f>([^<]*)</c:f>")


def frame_panels(sizes: list[tuple[Any, Decimal]], max_panels: int = MAX_PANELS) -> list[list[Any]]:
    """Items (key, size) in panels: the largest first, an item joins the next panel when
    its size is below ``SMALL_FRAME_SHARE`` of the largest of the panel before; each
    panel keeps the items' order as given (the table's)."""
    order = {key: i for i, (key, _size) in enumerate(sizes)}
    rest = sorted(sizes, key=lambda ks: ks[1], reverse=True)
    panels: list[list[Any]] = []
    while rest:
        largest = rest[0][1]
        last_panel = len(panels) == max_panels - 1
        keep = rest if last_panel else [ks for ks in rest if ks[1] >= largest * SMALL_FRAME_SHARE]
        panels.append(sorted((k for k, _s in keep), key=order.__getitem__))
        kept = {k for k, _s in keep}
        rest = [ks for ks in rest if ks[0] not in kept]
    return panels


@dataclass(frozen=True)
class Series:
    label_ref: str       # Resursramar!$B$6
    values_ref: str      # Resursramar!$E$6:$H$6
    label: str
    values: tuple[Decimal | None, ...]


@dataclass(frozen=True)
class Layout:
    sheet: str
    categories_ref: str          # Resursramar!$E$4:$H$4
    categories: tuple[str, ...]
    panels: list[list[Series]]


def sheet_token(sheet: str) -> str:
    """A sheet's name as a chart formula writes it (quoted where it must be)."""
    return sheet if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", sheet) else "'" + sheet.replace("'", "''") + "'"


def _charts_in_order(pkg: Any, sheet: str) -> list[str]:
    """The chart parts drawn on ``sheet``, top to bottom (then left to right)."""
    placed = []
    for rel in pkg.relationships(pkg.sheet_part(sheet)):
        if not rel.is_type("drawing"):
            continue
        targets = {r.id: r.target for r in pkg.relationships(rel.target) if r.is_type("chart")}
        xml = _text(pkg, rel.target)
        if xml is None:
            continue
        for m in re.finditer(r"<xdr:from>\s*<xdr:col>(\d+)</xdr:col>.*?<xdr:row>(\d+)</xdr:row>.*?"
                             r"<c:chart\b[^>]*r:id=\"([^\"]+)\"", xml, re.S):
            if m.group(3) in targets:
                placed.append((int(m.group(2)), int(m.group(1)), targets[m.group(3)]))
    return [part for _r, _c, part in sorted(placed)]


def _assigned(layout: Layout, n_charts: int) -> list[list[Series]]:
    panels = [list(p) for p in layout.panels[:n_charts]]
    for extra in layout.panels[n_charts:]:
        panels[-1] += extra  # more panels than charts: the rest in the last chart
    panels += [[] for _ in range(n_charts - len(panels))]
    return panels


def _shown(xml: str) -> list[tuple[str, str]]:
    out = []
    for m in _SER.finditer(xml):
        refs = _F.findall(m.group(0))
        out.append((refs[0] if refs else "", refs[-1] if refs else ""))
    return out


def _number(v: Any) -> str | None:
    if isinstance(v, Decimal):
        return format(v.normalize(), "f") if v == v.to_integral_value() else format(v, "f")
    return None


def _series_xml(k: int, s: Series, template: str, layout: Layout) -> str:
    look = re.search(r"</c:tx>(.*?)<c:cat>", template, re.S)
    tail = re.search(r"</c:val>(.*?)</c:ser>", template, re.S)
    cats = "".join(f'<c:pt idx="{i}"><c:v>{escape(c)}</c:v></c:pt>' for i, c in enumerate(layout.categories))
    points = "".join(f'<c:pt idx="{i}"><c:v>{text}</c:v></c:pt>' for i, v in enumerate(s.values)
                     if (text := _number(v)) is not None)
    return (f'<c:ser><c:idx val="{k}"/><c:order val="{k}"/><c:tx><c:strRef><c:f>{escape(s.label_ref)}</c:f>'
            f'<c:strCache><c:ptCount val="1"/><c:pt idx="0"><c:v>{escape(s.label)}</c:v></c:pt></c:strCache>'
            f'</c:strRef></c:tx>{look.group(1) if look else ""}'
            f'<c:cat><c:strRef><c:f>{escape(layout.categories_ref)}</c:f><c:strCache>'
            f'<c:ptCount val="{len(layout.categories)}"/>{cats}</c:strCache></c:strRef></c:cat>'
            f'<c:val><c:numRef><c:f>{escape(s.values_ref)}</c:f><c:numCache><c:formatCode>General</c:formatCode>'
            f'<c:ptCount val="{len(s.values)}"/>{points}</c:numCache></c:numRef></c:val>'
            f'{tail.group(1) if tail else ""}</c:ser>')


def _plan(pkg: Any, layout: Layout | None) -> tuple[list[tuple[str, str, list[Series]]], Layout] | None:
    """([(chart part, its XML, the series it should show)] for each chart under the
    table, the layout), or None when the workbook has no such charts. ``layout``: what the
    charts should show (``resursramar.chart_layout``), None without the table or with
    input that cannot be read (validate and regenerate report that where it is)."""
    if layout is None or layout.sheet not in [s.name for s in pkg.sheets]:
        return None
    charts = _charts_in_order(pkg, layout.sheet)
    if not charts:
        return None
    panels = _assigned(layout, len(charts))
    texts = [(part, _text(pkg, part), panel) for part, panel in zip(charts, panels)]
    return [(part, xml, panel) for part, xml, panel in texts if xml is not None], layout


def _text(pkg: Any, part: str) -> str | None:
    """A drawing or chart part as text; None for one that is not UTF-8 (a damaged part
    is left as it is: not read, not rewritten)."""
    try:
        return pkg.part(part).decode("utf-8")
    except (UnicodeDecodeError, KeyError):
        return None


def stale(pkg: Any, layout: Layout | None) -> list[Finding]:
    """A finding per chart under the Resursramar table that does not draw its rows."""
    planned = _plan(pkg, layout)
    if planned is None:
        return []
    charts, layout = planned
    out = []
    for _part, xml, panel in charts:
        shown = _shown(xml)
        want = [(s.label_ref, s.values_ref) for s in panel]
        if shown == want:
            continue
        missing = [s for s in panel if (s.label_ref, s.values_ref) not in shown]
        title = re.search(r"<a:t>([^<]*)</a:t>", xml)
        first = (missing[0].label_ref if missing else (shown[0][0] if shown else layout.categories_ref))
        cell = first.split("!")[-1].replace("$", "").split(":")[0]
        what = (f"ritar inte {', '.join(s.label for s in missing)}" if missing else
                "ritar rader som inte längre är nämnder i tabellen")
        out.append(Finding(
            rule="resursramar.diagram", severity=Severity.ERROR, sheet=layout.sheet, cell=cell,
            message=(f"Diagrammet '{title.group(1) if title else 'Resursramar'}' {what}; "
                     "kör 'xlmodel regenerera' så följer diagrammet tabellen."),
            expected=", ".join(s.label for s in panel), found=str(len(shown)) + " serier",
        ))
    return out


def follow(pkg: Any, layout: Layout | None) -> Any:
    """``pkg`` with each chart under the Resursramar table set to its rows (``stale``)."""
    planned = _plan(pkg, layout)
    if planned is None:
        return pkg
    charts, layout = planned
    template = next((m.group(0) for _p, xml, _s in charts for m in [_SER.search(xml)] if m), None)
    if template is None:
        return pkg
    updates: dict[str, bytes] = {}
    for part, xml, panel in charts:
        if _shown(xml) == [(s.label_ref, s.values_ref) for s in panel]:
            continue
        first = _SER.search(xml)
        own = first.group(0) if first else template
        body = "".join(_series_xml(k, s, own, layout) for k, s in enumerate(panel))
        sers = list(_SER.finditer(xml))
        if sers:
            new = xml[:sers[0].start()] + body + xml[sers[-1].end():]
        else:
            at = re.search(r"<c:lineChart>\s*<c:grouping\b[^>]*/>", xml)
            if at is None:
                continue
            new = xml[:at.end()] + body + xml[at.end():]
        updates[part] = new.encode("utf-8")
    return pkg.with_parts(updates) if updates else pkg

