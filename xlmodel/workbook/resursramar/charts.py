"""Västernorrland's frame charts follow the Resursramar table after ``regenerate``.

The builder draws the frames per nämnd as line charts under the table, one series per
nämnd row (``Resursramar!$E$6:$H$6``, named by the row's label), the nämnder split into
panels by size (``frame_panels``: next to HSN's 5 850 mkr a 6 mkr nämnd would be a flat
line at zero). ``charts.ranges`` makes single-column ranges follow an owned block; these
series are rows of an *input* table, so a nämnd typed under the table (and taken into
it) needs a series of its own, and a removed one must lose its series.

Here the series of each chart are set from the table as it is now, with the same panel
rule as the builder: chart *i* (in the order the charts stand on the sheet, top to
bottom) shows panel *i*. When the nämnder now fall into more panels than the sheet has
charts (a small nämnd added beside large ones), a chart is added for each new panel: a
copy of the last chart (its look and axes), placed below it as the builder spaces
them, titled as the builder titles a panel of smaller nämnder. When they fall into
fewer panels (a nämnd removed or grown), the charts left without a panel are removed
from the sheet with their parts, instead of standing there empty. A chart that holds
more than the builder's chart (pictures or shapes drawn in it: a relationship of its
own) cannot be copied safely: the panels beyond the charts are then drawn in the last
chart and ``panel_findings`` says so, naming the sheet and the chart - never silently.
A chart that already shows exactly its panel's rows is left byte for byte. A rewritten
series copies the look of the chart's first series (marker, line) and caches its label
and values, so a reader that does not recalculate draws the same picture.
``stale`` (``validate``) lists the charts that do not show their rows.
"""

from __future__ import annotations

import posixpath
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
# The builder's titles: the first panel, and each panel of smaller nämnder after it.
TITLE_FIRST = "Resursramar per nämnd, mkr (löpande priser)"
TITLE_SMALLER = "Mindre nämnder, resursram i mkr (egen skala)"
CT_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
REL_CHART = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart"
_ANCHOR = re.compile(r"<xdr:(twoCellAnchor|oneCellAnchor|absoluteAnchor)\b.*?</xdr:\1>", re.S)


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


def _charts_in_order(pkg: Any, sheet: str) -> list[str]:
    """The chart parts drawn on ``sheet``, top to bottom (then left to right)."""
    placed = []
    for rel in pkg.relationships(pkg.sheet_part(sheet)):
        if not rel.is_type("drawing"):
            continue
        targets = {r.id: r.target for r in pkg.relationships(rel.target) if r.is_type("chart")}
        xml = _text(pkg, rel.target, sheet)
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
    texts = [(part, _text(pkg, part, layout.sheet), panel) for part, panel in zip(charts, panels)]
    return [(part, xml, panel) for part, xml, panel in texts if xml is not None], layout


def _text(pkg: Any, part: str, sheet: str) -> str:
    """A drawing or chart part on ``sheet`` as text. A damaged or missing one is refused
    naming the chart and its sheet (``chart_ranges.chart_text``), never decoded into a
    traceback nor skipped silently."""
    from xlmodel.workbook.charts.ranges import chart_text

    return chart_text(pkg, sheet, part)


# --------------------------------------------------------------------------- panel count

def _drawing(pkg: Any, sheet: str) -> str | None:
    return next((r.target for r in pkg.relationships(pkg.sheet_part(sheet)) if r.is_type("drawing")
                 and not r.external and pkg.has(r.target)), None)


def _anchor_of(drawing_xml: str, rel_id: str) -> re.Match | None:
    return next((m for m in _ANCHOR.finditer(drawing_xml) if f'r:id="{rel_id}"' in m.group(0)), None)


def _rel_id(pkg: Any, drawing: str, chart: str) -> str | None:
    return next((r.id for r in pkg.relationships(drawing) if r.is_type("chart") and r.target == chart), None)


def _copyable(pkg: Any, sheet: str, chart: str) -> bool:
    """A chart that can be copied as it is: its XML refers to no part of its own (a
    picture, drawn shapes, embedded data: ``r:id`` in the chart) - the builder's, and
    LibreOffice's save of it, do not."""
    xml = _text(pkg, chart, sheet)
    return xml is not None and "r:id=" not in xml


def _panel_change(pkg: Any, layout: Layout) -> tuple[list[str], int] | None:
    """(the charts under the table, the number of panels), or None without charts."""
    if layout.sheet not in [s.name for s in pkg.sheets]:
        return None
    charts = _charts_in_order(pkg, layout.sheet)
    if not charts:
        return None
    return charts, len([p for p in layout.panels if p])


def _can_redraw(pkg: Any, layout: Layout, charts: list[str], wanted: int) -> bool:
    drawing = _drawing(pkg, layout.sheet)
    xml = _text(pkg, drawing, layout.sheet) if drawing is not None else None
    if xml is None or "</xdr:wsDr>" not in xml or not pkg.has(_rels_name(drawing)):
        return False
    if wanted > len(charts):
        rid = _rel_id(pkg, drawing, charts[-1])
        return rid is not None and _copyable(pkg, layout.sheet, charts[-1]) and _anchor_of(xml, rid) is not None
    return all(_rel_id(pkg, drawing, c) is not None for c in charts[wanted:])


def _with_panel_count(pkg: Any, layout: Layout) -> Any:
    """``pkg`` with one chart under the table per panel: the last chart copied below
    itself for each panel more, the charts past the last panel removed. Unchanged when
    the count is right or cannot be made right (``panel_findings`` reports that)."""
    found = _panel_change(pkg, layout)
    if found is None:
        return pkg
    charts, wanted = found
    if wanted == len(charts) or wanted == 0 or not _can_redraw(pkg, layout, charts, wanted):
        return pkg
    if wanted > len(charts):
        return _add_charts(pkg, layout.sheet, charts[-1], wanted - len(charts))
    return _remove_charts(pkg, layout.sheet, charts[wanted:])


def _free(pkg: Any, pattern: str, taken: set[str]) -> str:
    n = 1
    while pattern.format(n).casefold() in taken:
        n += 1
    name = pattern.format(n)
    taken.add(name.casefold())
    return name


def _add_charts(pkg: Any, sheet: str, template: str, count: int) -> Any:
    drawing = _drawing(pkg, sheet)
    drawing_xml = _text(pkg, drawing, sheet)
    rels_name = _rels_name(drawing)
    rels = pkg.part(rels_name).decode("utf-8")
    anchor = _anchor_of(drawing_xml, _rel_id(pkg, drawing, template)).group(0)
    chart_xml = _title_set(_text(pkg, template, sheet), TITLE_SMALLER)
    folder = template.rsplit("/", 1)[0]
    taken = {n.casefold() for n in pkg.names}
    used_ids = set(re.findall(r'Id="([^"]+)"', rels))
    next_shape = max((int(n) for n in re.findall(r'<xdr:cNvPr\b[^>]*\bid="(\d+)"', drawing_xml)), default=1) + 1
    rows = [int(n) for n in re.findall(r"<xdr:row>(\d+)</xdr:row>", anchor)]
    step = (rows[1] - rows[0] + 2) if len(rows) == 2 else 18  # the builder's spacing: the chart's height + 2 rows
    changes: dict[str, bytes | None] = {}
    ct = pkg.part("[Content_Types].xml").decode("utf-8")
    new_anchors, new_rels, overrides = [], [], []
    for k in range(1, count + 1):
        part = _free(pkg, folder + "/chart{}.xml", taken)
        n = 1
        while f"rId{n}" in used_ids:
            n += 1
        rid = f"rId{n}"
        used_ids.add(rid)
        changes[part] = chart_xml.encode("utf-8")
        target = posixpath.relpath(part, posixpath.dirname(drawing))
        new_rels.append(f'<Relationship Id="{rid}" Type="{REL_CHART}" Target="{escape(target)}"/>')
        overrides.append(f'<Override PartName="/{part}" ContentType="{CT_CHART}"/>')
        moved = re.sub(r"<xdr:row>(\d+)</xdr:row>", lambda m: f"<xdr:row>{int(m.group(1)) + step * k}</xdr:row>", anchor)
        moved = re.sub(r'(<xdr:cNvPr\b[^>]*\bid=")\d+(")', lambda m: f"{m.group(1)}{next_shape}{m.group(2)}", moved)
        moved = re.sub(r'(<xdr:cNvPr\b[^>]*\bname=")[^"]*(")', lambda m: f"{m.group(1)}Chart {next_shape - 1}{m.group(2)}", moved)
        moved = re.sub(r'r:id="[^"]+"', f'r:id="{rid}"', moved)
        next_shape += 1
        new_anchors.append(moved)
    end = drawing_xml.rfind("</xdr:wsDr>")
    changes[drawing] = (drawing_xml[:end] + "".join(new_anchors) + drawing_xml[end:]).encode("utf-8")
    end = rels.rfind("</Relationships>")
    changes[rels_name] = (rels[:end] + "".join(new_rels) + rels[end:]).encode("utf-8")
    end = ct.rfind("</Types>")
    changes["[Content_Types].xml"] = (ct[:end] + "".join(overrides) + ct[end:]).encode("utf-8")
    return pkg.with_parts(changes)


def _remove_charts(pkg: Any, sheet: str, charts: list[str]) -> Any:
    drawing = _drawing(pkg, sheet)
    drawing_xml = _text(pkg, drawing, sheet)
    rels_name = _rels_name(drawing)
    rels = pkg.part(rels_name).decode("utf-8")
    ct = pkg.part("[Content_Types].xml").decode("utf-8")
    changes: dict[str, bytes | None] = {}
    for chart in charts:
        rid = _rel_id(pkg, drawing, chart)
        anchor = _anchor_of(drawing_xml, rid)
        if anchor is not None:
            drawing_xml = drawing_xml[:anchor.start()] + drawing_xml[anchor.end():]
        rels = re.sub(r'<Relationship\b[^>]*\bId="' + re.escape(rid) + r'"[^>]*/>', "", rels)
        gone = [chart]
        own_rels = _rels_name(chart)
        if pkg.has(own_rels):  # the chart's own style and colour parts go with it
            gone += [r.target for r in pkg.relationships(chart) if not r.external and pkg.has(r.target)]
            gone.append(own_rels)
        for name in gone:
            changes[name] = None
            ct = re.sub(r'<Override\b[^>]*PartName="/' + re.escape(name) + r'"[^>]*/>', "", ct)
    changes[drawing] = drawing_xml.encode("utf-8")
    changes[rels_name] = rels.encode("utf-8")
    changes["[Content_Types].xml"] = ct.encode("utf-8")
    return pkg.with_parts(changes)


def _rels_name(part: str) -> str:
    folder, name = part.rsplit("/", 1)
    return f"{folder}/_rels/{name}.rels"


def _title_set(xml: str, title: str) -> str:
    m = re.search(r"<c:title>.*?</c:title>", xml, re.S)
    if m is None or "<a:t>" not in m.group(0):
        return xml
    head = m.group(0)
    new = re.sub(r"<a:t>[^<]*</a:t>", f"<a:t>{escape(title)}</a:t>", head, count=1)
    return xml[:m.start()] + new + xml[m.end():]


def panel_findings(pkg: Any, layout: Layout | None) -> list[Finding]:
    """A finding when the nämnder fall into another number of panels than the sheet has
    charts and xlmodel cannot redraw the charts (``_copyable``): the panels past the last
    chart are then drawn in it, which the user is told, naming the sheet and the chart."""
    if layout is None:
        return []
    found = _panel_change(pkg, layout)
    if found is None:
        return []
    charts, wanted = found
    if wanted == len(charts) or wanted == 0 or _can_redraw(pkg, layout, charts, wanted):
        return []
    last = charts[-1] if wanted > len(charts) else charts[wanted]
    title = re.search(r"<a:t>([^<]*)</a:t>", _text(pkg, last, layout.sheet) or "")
    what = (f"nämnderna hör efter storlek till {wanted} paneler men bladet har {len(charts)} diagram, och "
            f"diagrammet '{title.group(1) if title else last.rsplit('/', 1)[-1]}' har bilder eller former i sig som "
            "xlmodel inte kan kopiera: de mindre nämnderna ritas i det sista diagrammet, på de störres skala"
            if wanted > len(charts) else
            f"nämnderna hör efter storlek till {wanted} paneler men bladet har {len(charts)} diagram, och "
            "xlmodel kan inte ta bort de överblivna")
    return [Finding(
        rule="resursramar.diagram_paneler", severity=Severity.WARNING, sheet=layout.sheet,
        cell=_anchor_cell(pkg, layout.sheet, last),
        message=f"Diagrammen på bladet {layout.sheet}: {what}; lägg till eller ta bort ett diagram i Excel.",
        expected=f"{wanted} diagram", found=f"{len(charts)} diagram",
    )]


def _anchor_cell(pkg: Any, sheet: str, chart: str) -> str | None:
    from xlmodel.xlsx.refs import get_column_letter

    drawing = _drawing(pkg, sheet)
    xml = _text(pkg, drawing, sheet) if drawing else None
    rid = _rel_id(pkg, drawing, chart) if drawing else None
    anchor = _anchor_of(xml, rid) if xml and rid else None
    m = re.search(r"<xdr:from>\s*<xdr:col>(\d+)</xdr:col>.*?<xdr:row>(\d+)</xdr:row>", anchor.group(0), re.S) \
        if anchor else None
    return f"{get_column_letter(int(m.group(1)) + 1)}{int(m.group(2)) + 1}" if m else None


# --------------------------------------------------------------------------- the jobs

def stale(pkg: Any, layout: Layout | None) -> list[Finding]:
    """A finding per chart under the Resursramar table that does not draw its rows, and
    one when the charts are not one per panel (``regenerate`` redraws them)."""
    if layout is not None:
        found = _panel_change(pkg, layout)
        if found is not None:
            charts, wanted = found
            if wanted and wanted != len(charts):
                if not _can_redraw(pkg, layout, charts, wanted):
                    return panel_findings(pkg, layout) + _series_stale(pkg, layout)
                return [Finding(
                    rule="resursramar.diagram", severity=Severity.ERROR, sheet=layout.sheet,
                    cell=_anchor_cell(pkg, layout.sheet, charts[-1]),
                    message=(f"Bladet {layout.sheet} har {len(charts)} diagram över resursramarna men nämnderna hör "
                             f"efter storlek till {wanted} paneler; kör 'xlmodel regenerera' så ritas diagrammen om."),
                    expected=f"{wanted} diagram", found=f"{len(charts)} diagram",
                )]
    return _series_stale(pkg, layout)


def _series_stale(pkg: Any, layout: Layout | None) -> list[Finding]:
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
    """``pkg`` with one chart per panel under the Resursramar table, each set to its rows
    (``stale``)."""
    if layout is not None:
        pkg = _with_panel_count(pkg, layout)
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
