"""New worksheets, with Excel Tables and defined names, added to an existing package.

``xlmodel anslut`` puts xlmodel's input tables and output sheets into a workbook the
team already has. Everything already in the package keeps its bytes except the
bookkeeping parts that list the package's contents (this list belongs in the user
documentation of ``anslut``, docs/workbooks.md):

1. ``xl/workbook.xml`` - one ``<sheet>`` element per new sheet at the end of
   ``<sheets>`` (a new ``sheetId``), and one ``<definedName>`` per new name at the end
   of ``<definedNames>`` (the element is added after ``<sheets>`` if the workbook has
   none);
2. ``xl/_rels/workbook.xml.rels`` - one relationship per new sheet (and one for
   ``xl/metadata.xml`` when it is added);
3. ``[Content_Types].xml`` - one ``Override`` per new sheet, table part (and metadata);
4. ``docProps/app.xml`` - the new sheets' names in ``TitlesOfParts`` after the last
   worksheet and the worksheet count of ``HeadingPairs`` raised
   (``app_properties_with``), so the file's properties stay true; a file whose app.xml
   lists no sheets (LibreOffice's) keeps it as it was.

(``xl/styles.xml`` only gains entries, through ``new_styles.add_styles``, called by the
caller before this.)

New parts are the sheets (``xl/worksheets/sheetN.xml`` with free numbers), their
relationship parts and their tables (``xl/tables/tableN.xml``, ids unique in the
workbook), and, for a dynamic-array formula (``NewFormula.spill``) in a workbook without
a metadata part, ``xl/metadata.xml`` with the one entry that marks a dynamic array
(``dynamic_array_cm``). Strings are inline strings, so the shared strings are never
written (as for ``patch``); a cell's style is an index the caller has (``new_styles``).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from xlmodel.errors import WorkbookError
from xlmodel.xlsx.package import CONTENT_TYPES, R_NS, Package, rels_part_for
from xlmodel.xlsx.refs import get_column_letter, range_boundaries
from xlmodel.xlsx.sheetxml import ATTRS, rel_id_attr, root_prefix

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_WORKSHEET = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
REL_TABLE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/table"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_TABLE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"

REL_DRAWING = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/drawing"
REL_CHART = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart"
CT_DRAWING = "application/vnd.openxmlformats-officedocument.drawing+xml"
CT_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
REL_METADATA = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sheetMetadata"
CT_METADATA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml"
# The cell metadata that marks a formula as a dynamic array (Excel 365), as Excel and
# XlsxWriter write it when a workbook has none: cm="1" on the anchor cell refers to it.
METADATA_XML = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<metadata xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:xda="http://schemas.microsoft.com/office/spreadsheetml/2017/dynamicarray"><metadataTypes count="1">'
    b'<metadataType name="XLDAPR" minSupportedVersion="120000" copy="1" pasteAll="1" pasteValues="1" merge="1" '
    b'splitFirst="1" rowColShift="1" clearFormats="1" clearComments="1" assign="1" coerce="1" cellMeta="1"/>'
    b'</metadataTypes><futureMetadata name="XLDAPR" count="1"><bk><extLst>'
    b'<ext uri="{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}"><xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/>'
    b'</ext></extLst></bk></futureMetadata><cellMetadata count="1"><bk><rc t="1" v="0"/></bk></cellMetadata>'
    b'</metadata>'
)

# Excel's limits on a sheet name (the characters it refuses, 31 characters).
SHEET_NAME_MAX = 31
SHEET_NAME_FORBIDDEN = set('[]:*?/\\')

Value = str | int | Decimal | None


@dataclass(frozen=True)
class NewTable:
    name: str                     # Excel Table name (name and displayName)
    ref: str                      # "A4:G10", header row included
    columns: tuple[str, ...]      # the header texts, as in the header row's cells


@dataclass(frozen=True)
class NewFormula:
    """A formula cell of a new sheet with its cached result; ``spill``: the range of a
    dynamic-array formula (Excel 365's spill) anchored at the cell, whose other cells the
    sheet holds as plain values, as Excel stores a spilled range."""

    formula: str
    value: Value
    spill: str | None = None


@dataclass
class NewDrawing:
    """The charts of a new sheet: its drawing part as XlsxWriter writes it (anchors and
    frames, each naming its chart by a relationship id) and each chart's XML by that id."""

    drawing: bytes
    charts: dict[str, bytes] = field(default_factory=dict)   # relationship id in the drawing -> chart XML


@dataclass
class NewSheet:
    name: str
    cells: dict[str, Value | NewFormula] = field(default_factory=dict)   # "A1" -> value
    tables: list[NewTable] = field(default_factory=list)
    widths: dict[int, float] = field(default_factory=dict)  # 1-based column -> width
    # "A1" -> cellXfs index (``new_styles.add_styles``); a caller may hold its own style
    # names here until it has the indexes, and passes only ints to ``add_sheets``.
    styles: dict[str, int | str] = field(default_factory=dict)
    drawing: NewDrawing | None = None


def check_sheet_name(name: str) -> str | None:
    """Why Excel would refuse ``name`` as a sheet name, in Swedish, or None."""
    if not name.strip():
        return "ett bladnamn får inte vara tomt"
    if len(name) > SHEET_NAME_MAX:
        return f"bladnamnet '{name}' är längre än {SHEET_NAME_MAX} tecken"
    bad = sorted(set(name) & SHEET_NAME_FORBIDDEN)
    if bad:
        return f"bladnamnet '{name}' innehåller {' '.join(bad)}, som Excel inte tillåter i bladnamn"
    if name.startswith("'") or name.endswith("'"):
        return f"bladnamnet '{name}' får inte börja eller sluta med apostrof"
    return None


def free_sheet_name(wanted: str, taken: set[str]) -> str:
    """``wanted``, or ``wanted (2)``, ``(3)``…: the first Excel accepts beside ``taken``
    (sheet names compare case-insensitively in Excel)."""
    folded = {t.casefold() for t in taken}
    if wanted.casefold() not in folded:
        return wanted
    n = 2
    while True:
        suffix = f" ({n})"
        name = wanted[: SHEET_NAME_MAX - len(suffix)] + suffix
        if name.casefold() not in folded:
            return name
        n += 1


# --------------------------------------------------------------------------- part texts


def _cell_xml(ref: str, value: Value | NewFormula, style: int | str | None = None, cm: int | None = None) -> str:
    s = f' s="{style}"' if isinstance(style, int) and style else ""
    if isinstance(value, NewFormula):
        f = escape(value.formula.lstrip("="))
        if value.spill:
            # cm: the cell-metadata entry that makes it a dynamic array (xl/metadata.xml);
            # without one it is an array formula over the range, as older Excel writes it.
            f_el = f'<f t="array" ref="{value.spill}">{f}</f>'
            s += f' cm="{cm}"' if cm else ""
        else:
            f_el = f"<f>{f}</f>"
        v = value.value
        if v is None:
            return f'<c r="{ref}"{s}>{f_el}</c>'
        if isinstance(v, bool):
            return f'<c r="{ref}"{s} t="b">{f_el}<v>{int(v)}</v></c>'
        if isinstance(v, (int, Decimal)):
            text = format(v, "f") if isinstance(v, Decimal) else str(v)
            return f'<c r="{ref}"{s}>{f_el}<v>{text}</v></c>'
        return f'<c r="{ref}"{s} t="str">{f_el}<v>{escape(str(v))}</v></c>'
    if value is None:
        return f'<c r="{ref}"{s}/>' if s else ""
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, Decimal)):
        text = format(value, "f") if isinstance(value, Decimal) else str(value)
        return f'<c r="{ref}"{s}><v>{text}</v></c>'
    text = str(value)
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>'


def sheet_xml(sheet: NewSheet, table_rel_ids: list[str], cm: int | None = None,
              drawing_rel_id: str | None = None) -> bytes:
    by_row: dict[int, list[tuple[int, str, Value | NewFormula]]] = {}
    for ref in {**sheet.styles, **sheet.cells}:
        col, row, _c, _r = range_boundaries(ref)
        by_row.setdefault(row, []).append((col, ref, sheet.cells.get(ref)))
    rows = []
    for r in sorted(by_row):
        cells = "".join(_cell_xml(ref, v, sheet.styles.get(ref), cm) for _col, ref, v in
                        sorted(by_row[r], key=lambda t: t[0]))
        if cells:
            rows.append(f'<row r="{r}">{cells}</row>')
    refs = [range_boundaries(ref) for ref in {**sheet.styles, **sheet.cells}]
    dim = "A1"
    if refs:
        dim = (f"{get_column_letter(min(c for c, *_ in refs))}{min(r for _c, r, *_ in refs)}:"
               f"{get_column_letter(max(c for c, *_ in refs))}{max(r for _c, r, *_ in refs)}")
    cols = ""
    if sheet.widths:
        cols = "<cols>" + "".join(f'<col min="{c}" max="{c}" width="{w}" customWidth="1"/>'
                                  for c, w in sorted(sheet.widths.items())) + "</cols>"
    parts = f'<drawing r:id="{drawing_rel_id}"/>' if drawing_rel_id else ""   # before tableParts, as the schema orders them
    if table_rel_ids:
        parts += (f'<tableParts count="{len(table_rel_ids)}">'
                 + "".join(f'<tablePart r:id="{rid}"/>' for rid in table_rel_ids) + "</tableParts>")
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{R_NS}"><dimension ref="{dim}"/>'
            f'<sheetViews><sheetView workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
            f'{cols}<sheetData>{"".join(rows)}</sheetData>'
            f'<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
            f'{parts}</worksheet>').encode("utf-8")


def table_xml(table: NewTable, table_id: int) -> bytes:
    columns = "".join(f'<tableColumn id="{i}" name={quoteattr(name)}/>' for i, name in enumerate(table.columns, 1))
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<table xmlns="{MAIN_NS}" id="{table_id}" name={quoteattr(table.name)} '
            f'displayName={quoteattr(table.name)} ref="{table.ref}" totalsRowShown="0">'
            f'<autoFilter ref="{table.ref}"/><tableColumns count="{len(table.columns)}">{columns}</tableColumns>'
            f'<tableStyleInfo name="TableStyleLight9" showFirstColumn="0" showLastColumn="0" '
            f'showRowStripes="1" showColumnStripes="0"/></table>').encode("utf-8")


def rels_xml(rels: list[tuple[str, str, str]]) -> bytes:
    body = "".join(f'<Relationship Id="{i}" Type="{t}" Target={quoteattr(target)}/>' for i, t, target in rels)
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{body}'
            f'</Relationships>').encode("utf-8")


# --------------------------------------------------------------------------- the package


def dynamic_array_cm(pkg: Package) -> tuple[int | None, bool]:
    """(the ``cm`` index that marks a dynamic array in this workbook, whether
    xl/metadata.xml must be added for it). A workbook without a metadata part gets
    ``METADATA_XML`` (index 1); one with a part that already has the dynamic-array entry
    uses its index, and the part is not changed; one whose part has no such entry gets
    no index (the formula is then an ordinary array formula over its range)."""
    name = pkg.workbook_rel_target("sheetMetadata")
    if name is None:
        return 1, True
    data = pkg.part(name)
    types = re.findall(rb"<(?:\w+:)?metadataType\b[^>]*\bname=\"([^\"]*)\"", data)
    if b"XLDAPR" not in types:
        return None, False
    t = types.index(b"XLDAPR") + 1
    cell = re.search(rb"<(?:\w+:)?cellMetadata\b[^>]*>(.*?)</(?:\w+:)?cellMetadata>", data, re.S)
    if cell is None or b"fDynamic=\"1\"" not in data:
        return None, False
    for i, bk in enumerate(re.findall(rb"<(?:\w+:)?bk\b[^>]*>(.*?)</(?:\w+:)?bk>", cell.group(1), re.S), 1):
        if re.search(rb"<(?:\w+:)?rc\b[^>]*\bt=\"" + str(t).encode() + rb"\"", bk):
            return i, False
    return None, False


def free_part(pkg: Package, taken: set[str], folder: str, stem: str) -> str:
    n = 1
    while True:
        name = f"{folder}/{stem}{n}.xml"
        if not pkg.has(name) and name.casefold() not in taken:
            taken.add(name.casefold())
            return name
        n += 1


def table_ids(pkg: Package) -> set[int]:
    ids = set()
    for name in pkg.names:
        if name.startswith("xl/tables/") and name.endswith(".xml"):
            m = re.search(rb'<(?:\w+:)?table\b[^>]*?\bid="(\d+)"', pkg.part(name))
            if m:
                ids.add(int(m.group(1)))
    return ids


def insert_before_close(data: bytes, tag: bytes, prefix: bytes, text: bytes) -> bytes | None:
    """``text`` just before ``</prefix:tag>``, or the self-closed ``<prefix:tag/>`` opened; None if absent."""
    p = re.escape(prefix)
    close = re.search(rb"</" + p + tag + rb"\s*>", data)
    if close:
        return data[: close.start()] + text + data[close.start():]
    empty = re.search(rb"<" + p + tag + rb"\b(" + ATTRS + rb")/>", data, re.S)
    if empty:
        return data[: empty.start()] + b"<" + prefix + tag + empty.group(1) + b">" + text + b"</" + prefix + tag + b">" + data[empty.end():]
    return None


def add_sheets(pkg: Package, sheets: list[NewSheet], names: dict[str, str]) -> Package:
    """``pkg`` with ``sheets`` appended after its last sheet and the workbook-scoped
    defined ``names`` (name -> formula text, e.g. ``'Parametrar'!$C$5``) added. The
    caller has checked that sheet, table and defined names are free."""
    wb_name = pkg.workbook_part
    wb = pkg.part(wb_name)
    pkg.ensure_well_formed(wb_name, wb)
    prefix = root_prefix(wb, wb_name, pkg.where)
    rels_name = pkg.actual_name(rels_part_for(wb_name))
    rels = pkg.part(rels_name) if pkg.has(rels_name) else rels_xml([])
    ct = pkg.part(CONTENT_TYPES)
    for part, data in ((rels_name, rels), (CONTENT_TYPES, ct)):
        pkg.ensure_well_formed(part, data)

    wb_dir = posixpath.dirname(wb_name)
    rel_ids = {x.id for x in pkg.workbook_rels}
    sheet_ids = [s.sheet_id for s in pkg.sheets]
    next_sheet_id = max(sheet_ids, default=0) + 1
    existing_ids = table_ids(pkg)
    next_table_id = max(existing_ids, default=0) + 1
    taken_parts: set[str] = set()
    changes: dict[str, bytes | None] = {}
    sheet_els, rel_els, overrides = [], [], []

    cm = None
    if any(isinstance(v, NewFormula) and v.spill for sheet in sheets for v in sheet.cells.values()):
        cm, add_metadata = dynamic_array_cm(pkg)
        if add_metadata:
            meta = f"{wb_dir}/metadata.xml" if wb_dir else "metadata.xml"
            if pkg.has(meta):
                meta = free_part(pkg, taken_parts, wb_dir or ".", "metadata")
            changes[meta] = METADATA_XML
            n = 1
            while f"rId{n}" in rel_ids:
                n += 1
            rel_ids.add(f"rId{n}")
            rel_els.append(f'<Relationship Id="rId{n}" Type="{REL_METADATA}" '
                           f'Target={quoteattr(posixpath.relpath(meta, wb_dir or "."))}/>')
            overrides.append(f'<Override PartName="/{meta}" ContentType="{CT_METADATA}"/>')
    for sheet in sheets:
        part = free_part(pkg, taken_parts, f"{wb_dir}/worksheets" if wb_dir else "worksheets", "sheet")
        table_rels = []
        for i, table in enumerate(sheet.tables, 1):
            tpart = free_part(pkg, taken_parts, f"{wb_dir}/tables" if wb_dir else "tables", "table")
            changes[tpart] = table_xml(table, next_table_id)
            next_table_id += 1
            table_rels.append((f"rId{i}", REL_TABLE, posixpath.relpath(tpart, posixpath.dirname(part))))
            overrides.append(f'<Override PartName="/{tpart}" ContentType="{CT_TABLE}"/>')
        sheet_rels = list(table_rels)
        drawing_rid = None
        if sheet.drawing is not None:
            drawing_rid = f"rId{len(sheet_rels) + 1}"
            dpart = free_part(pkg, taken_parts, f"{wb_dir}/drawings" if wb_dir else "drawings", "drawing")
            chart_rels = []
            for crid, chart in sheet.drawing.charts.items():
                cpart = free_part(pkg, taken_parts, f"{wb_dir}/charts" if wb_dir else "charts", "chart")
                changes[cpart] = chart
                chart_rels.append((crid, REL_CHART, posixpath.relpath(cpart, posixpath.dirname(dpart))))
                overrides.append(f'<Override PartName="/{cpart}" ContentType="{CT_CHART}"/>')
            changes[dpart] = sheet.drawing.drawing
            changes[rels_part_for(dpart)] = rels_xml(chart_rels)
            overrides.append(f'<Override PartName="/{dpart}" ContentType="{CT_DRAWING}"/>')
            sheet_rels.append((drawing_rid, REL_DRAWING, posixpath.relpath(dpart, posixpath.dirname(part))))
        changes[part] = sheet_xml(sheet, [rid for rid, _t, _target in table_rels], cm, drawing_rid)
        if sheet_rels:
            changes[rels_part_for(part)] = rels_xml(sheet_rels)
        n = 1
        while f"rId{n}" in rel_ids:
            n += 1
        rid = f"rId{n}"
        rel_ids.add(rid)
        rel_els.append(f'<Relationship Id="{rid}" Type="{REL_WORKSHEET}" '
                       f'Target={quoteattr(posixpath.relpath(part, wb_dir or "."))}/>')
        overrides.append(f'<Override PartName="/{part}" ContentType="{CT_WORKSHEET}"/>')
        rattr = rel_id_attr(wb, rid, wb_name, pkg.where)
        p = prefix.decode()
        sheet_els.append(f"<{p}sheet name={quoteattr(sheet.name)} sheetId=\"{next_sheet_id}\" {rattr}/>")
        next_sheet_id += 1

    new_wb = insert_before_close(wb, b"sheets", prefix, "".join(sheet_els).encode("utf-8"))
    if new_wb is None:
        raise WorkbookError("arbetsboken har inget <sheets>-element: den kan inte få nya blad", path=pkg.where)
    if names:
        p = prefix.decode()
        els = "".join(f"<{p}definedName name={quoteattr(n)}>{escape(v)}</{p}definedName>" for n, v in names.items())
        with_names = insert_before_close(new_wb, b"definedNames", prefix, els.encode("utf-8"))
        if with_names is None:
            block = f"<{p}definedNames>{els}</{p}definedNames>".encode("utf-8")
            for tag in (b"externalReferences", b"functionGroups", b"sheets"):
                m = re.search(rb"</" + re.escape(prefix) + tag + rb"\s*>", new_wb)
                if m:
                    with_names = new_wb[: m.end()] + block + new_wb[m.end():]
                    break
        new_wb = with_names
    changes[wb_name] = new_wb
    new_rels = insert_before_close(rels, b"Relationships", root_prefix(rels, rels_name, pkg.where),
                                    "".join(rel_els).encode("utf-8"))
    new_ct = insert_before_close(ct, b"Types", root_prefix(ct, CONTENT_TYPES, pkg.where),
                                  "".join(overrides).encode("utf-8"))
    if new_rels is None or new_ct is None:
        raise WorkbookError("paketets innehållsförteckning kan inte läsas: inga nya blad kan läggas till", path=pkg.where)
    changes[rels_name] = new_rels
    changes[CONTENT_TYPES] = new_ct
    app = app_properties_with(pkg, [s.name for s in sheets])
    if app is not None:
        changes[app[0]] = app[1]
    out = pkg.with_parts(changes)
    for name, data in changes.items():
        if data is not None:
            out.ensure_well_formed(name, data)
    return out


_APP_TYPE = "/extended-properties"
_VT = rb"(?:[\w.-]+:)?"


def app_properties_with(pkg: Package, names: list[str]) -> tuple[str, bytes] | None:
    """docProps/app.xml with the new sheets' ``names`` added to its list of sheet names
    (``TitlesOfParts``, after the last worksheet) and the worksheet count of
    ``HeadingPairs`` raised, so the file's properties stay true; None when the package
    has no such list (LibreOffice writes none), or one that does not count exactly the
    workbook's worksheets (then it is left as it was)."""
    part = next((r.target for r in pkg.relationships("") if r.type.endswith(_APP_TYPE) and not r.external), None)
    if part is None or not pkg.has(part) or not names:
        return None
    part = pkg.actual_name(part)
    data = pkg.part(part)
    pairs = re.search(rb"<(?:\w+:)?HeadingPairs\b[^>]*>(.*?)</(?:\w+:)?HeadingPairs>", data, re.S)
    titles = re.search(rb"<(?:\w+:)?TitlesOfParts\b[^>]*>(.*?)</(?:\w+:)?TitlesOfParts>", data, re.S)
    if pairs is None or titles is None:
        return None
    groups = re.findall(rb"<" + _VT + rb"lpstr>([^<]*)</" + _VT + rb"lpstr>\s*</" + _VT + rb"variant>\s*<" + _VT
                        + rb"variant>\s*<" + _VT + rb"i4>(\d+)</" + _VT + rb"i4>", pairs.group(1))
    sheets = sum(1 for s in pkg.sheets if s.kind == "worksheet")
    at, first = None, 0
    for i, (_label, count) in enumerate(groups):
        if int(count) == sheets:
            at = i
            break
        first += int(count)
    if at is None:
        return None
    lpstrs = list(re.finditer(rb"<(" + _VT + rb")lpstr>[^<]*</" + _VT + rb"lpstr>", titles.group(1)))
    if len(lpstrs) < first + sheets or sheets == 0:
        return None
    last = lpstrs[first + sheets - 1]
    vt = last.group(1)
    added = b"".join(b"<" + vt + b"lpstr>" + escape(n).encode("utf-8") + b"</" + vt + b"lpstr>" for n in names)
    end = titles.start(1) + last.end()
    new = data[:end] + added + data[end:]
    # the vector's size, then the group's count (HeadingPairs comes before TitlesOfParts)
    vec = re.compile(rb"(<" + _VT + rb"vector\b[^>]*\bsize=\")(\d+)(\")")
    head = vec.search(new, titles.start())
    if head is None:
        return None
    new = new[:head.start(2)] + str(int(head.group(2)) + len(names)).encode() + new[head.end(2):]
    counts = list(re.finditer(rb"<" + _VT + rb"i4>(\d+)</", new[pairs.start(1):pairs.end(1)]))
    c = counts[at]
    start = pairs.start(1) + c.start(1)
    new = new[:start] + str(sheets + len(names)).encode() + new[pairs.start(1) + c.end(1):]
    return part, new


def workbook_sheet_names(pkg: Package) -> set[str]:
    return {s.name for s in pkg.sheets}


def taken_names(pkg: Package) -> tuple[set[str], set[str]]:
    """(table names, workbook defined names) already in the package, case-folded."""
    tables: set[str] = set()
    for s in pkg.sheets:
        if s.kind == "worksheet":
            for t in pkg.tables(s.name):
                tables.add(t.name.casefold())
                tables.add(t.display_name.casefold())
    names = {d.name.casefold() for d in pkg.defined_names if d.local_sheet is None}
    return tables, names

