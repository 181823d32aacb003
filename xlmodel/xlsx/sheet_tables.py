"""Excel Tables added to a worksheet that is already in the package (a sheet of the team's).

``xlmodel anslut --plats resultatbudget=Budget!H2`` puts a part's input tables on a sheet
the team made. Its cells are written by ``patch.patch_sheet`` (lossless); this module adds
what an Excel Table needs besides its cells, and changes nothing else:

- the sheet part gains one ``<tablePart>`` per table (inside its ``<tableParts>``, whose
  count is raised, or a new ``<tableParts>`` where the schema puts it: before the sheet's
  ``<extLst>``, else last);
- the sheet's relationship part gains one relationship per table (the part is made if
  the sheet has none);
- ``[Content_Types].xml`` gains one ``Override`` per table (and one for
  ``xl/metadata.xml`` when a dynamic array needs it, with its relationship in
  ``xl/_rels/workbook.xml.rels``);
- new parts: the tables (``xl/tables/tableN.xml``, ids unique in the workbook).

``merged_ranges`` reads the sheet's merged cells, which no cell of a new table may touch.
"""

from __future__ import annotations

import posixpath
import re

from xlmodel.errors import WorkbookError
from xlmodel.xlsx.add_sheets import (
    CT_METADATA,
    CT_TABLE,
    METADATA_XML,
    REL_METADATA,
    REL_TABLE,
    NewTable,
    free_part,
    insert_before_close,
    rels_xml,
    table_ids,
    table_xml,
)
from xlmodel.xlsx.package import CONTENT_TYPES, Package, rels_part_for
from xlmodel.xlsx.sheetxml import rel_id_attr, root_prefix


def merged_ranges(pkg: Package, sheet_name: str) -> list[str]:
    """The merged ranges of a worksheet ("A1:C2"), as its part lists them."""
    data = pkg.part(pkg.sheet(sheet_name).part)
    return [m.decode("ascii", "replace") for m in
            re.findall(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([^\"]+)\"", data)]


def _top_level_ext_lst(data: bytes, prefix: bytes) -> int | None:
    """Where the worksheet's own ``<extLst>`` (its last child) opens, or None."""
    p = re.escape(prefix)
    close = re.search(rb"</" + p + rb"extLst>\s*</" + p + rb"worksheet>\s*$", data)
    if close is None:
        return None
    depth, pos = 0, close.start()
    tags = list(re.finditer(rb"<(/?)" + p + rb"extLst\b[^>]*?(/?)>", data[:close.end()]))
    for m in reversed(tags):
        if m.group(2):          # <extLst/>: neither opens nor closes
            continue
        depth += 1 if m.group(1) else -1
        if depth == 0:
            return m.start()
    return pos  # pragma: no cover - unbalanced markup is refused by the well-formedness check


def add_tables(pkg: Package, sheet_name: str, tables: list[NewTable], *, add_metadata: bool = False) -> Package:
    """``pkg`` with ``tables`` on the existing worksheet ``sheet_name`` (their cells are
    already written), and ``xl/metadata.xml`` when ``add_metadata``
    (``add_sheets.dynamic_array_cm`` said one is needed). The caller has checked that
    the names are free and the ranges are the sheet's empty cells."""
    sheet = pkg.sheet(sheet_name)
    if sheet.kind != "worksheet":
        raise WorkbookError(f"bladet {sheet.name!r} är inget kalkylblad", path=pkg.where)
    part = sheet.part
    data = pkg.part(part)
    pkg.ensure_well_formed(part, data)
    prefix = root_prefix(data, part, pkg.where)
    p = prefix.decode()
    rels_name = rels_part_for(part)
    rels = pkg.part(pkg.actual_name(rels_name)) if pkg.has(rels_name) else rels_xml([])
    rel_ids = set(re.findall(rb'\bId="([^"]+)"', rels))
    ct = pkg.part(CONTENT_TYPES)
    changes: dict[str, bytes | None] = {}
    overrides, new_rels, parts_els = [], [], []
    taken: set[str] = set()
    next_id = max(table_ids(pkg), default=0) + 1
    wb_dir = posixpath.dirname(pkg.workbook_part)
    for table in tables:
        tpart = free_part(pkg, taken, f"{wb_dir}/tables" if wb_dir else "tables", "table")
        changes[tpart] = table_xml(table, next_id)
        next_id += 1
        n = 1
        while f"rId{n}".encode() in rel_ids:
            n += 1
        rel_ids.add(f"rId{n}".encode())
        new_rels.append(f'<Relationship Id="rId{n}" Type="{REL_TABLE}" '
                        f'Target="{posixpath.relpath(tpart, posixpath.dirname(part))}"/>')
        overrides.append(f'<Override PartName="/{tpart}" ContentType="{CT_TABLE}"/>')
        rattr = rel_id_attr(data, f"rId{n}", part, pkg.where)
        parts_els.append(f"<{p}tablePart {rattr}/>")

    els = "".join(parts_els).encode("utf-8")
    existing = re.search(rb"<" + re.escape(prefix) + rb"tableParts\b[^>]*?(/?)>", data)
    if existing is not None:
        count = len(re.findall(rb"<" + re.escape(prefix) + rb"tablePart\b", data)) + len(tables)
        with_parts = insert_before_close(data, b"tableParts", prefix, els)
        head = re.search(rb"<" + re.escape(prefix) + rb"tableParts\b[^>]*>", with_parts)
        opened = re.sub(rb'\scount="\d+"', b"", head.group(0)[:-1].rstrip(b"/")) + b' count="' + \
            str(count).encode() + b'">'
        new_sheet = with_parts[:head.start()] + opened + with_parts[head.end():]
    else:
        block = f'<{p}tableParts count="{len(tables)}">'.encode() + els + f"</{p}tableParts>".encode()
        at = _top_level_ext_lst(data, prefix)
        if at is None:
            close = re.search(rb"</" + re.escape(prefix) + rb"worksheet>\s*$", data)
            if close is None:
                raise WorkbookError(f"bladet {sheet.name!r} kan inte läsas: inga tabeller kan läggas till",
                                    path=pkg.where)
            at = close.start()
        new_sheet = data[:at] + block + data[at:]
    changes[part] = new_sheet
    closed = insert_before_close(rels, b"Relationships", root_prefix(rels, rels_name, pkg.where),
                                 "".join(new_rels).encode("utf-8"))
    changes[pkg.actual_name(rels_name) if pkg.has(rels_name) else rels_name] = closed
    if add_metadata:
        meta = f"{wb_dir}/metadata.xml" if wb_dir else "metadata.xml"
        if pkg.has(meta):
            meta = free_part(pkg, taken, wb_dir or ".", "metadata")
        changes[meta] = METADATA_XML
        wb_rels_name = pkg.actual_name(rels_part_for(pkg.workbook_part))
        wb_rels = pkg.part(wb_rels_name)
        ids = {x.id for x in pkg.workbook_rels}
        n = 1
        while f"rId{n}" in ids:
            n += 1
        rel = (f'<Relationship Id="rId{n}" Type="{REL_METADATA}" '
               f'Target="{posixpath.relpath(meta, wb_dir or ".")}"/>').encode()
        changes[wb_rels_name] = insert_before_close(wb_rels, b"Relationships",
                                                    root_prefix(wb_rels, wb_rels_name, pkg.where), rel)
        overrides.append(f'<Override PartName="/{meta}" ContentType="{CT_METADATA}"/>')
    new_ct = insert_before_close(ct, b"Types", root_prefix(ct, CONTENT_TYPES, pkg.where),
                                 "".join(overrides).encode("utf-8"))
    if new_ct is None or closed is None:
        raise WorkbookError("paketets innehållsförteckning kan inte läsas: inga tabeller kan läggas till",
                            path=pkg.where)
    changes[CONTENT_TYPES] = new_ct
    out = pkg.with_parts(changes)
    for name, body in changes.items():
        if body is not None:
            out.ensure_well_formed(name, body)
    return out
