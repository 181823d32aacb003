"""The parts of a macro workbook, added to an existing package: the VBA project and a form button.

``xlmodel excel installera`` makes a workbook ready for the macro "Uppdatera ramtabell"
without Excel for what needs no Excel (``xlmodel.workbook.excel_ready``): the package
gets

- a VBA project (``xl/vbaProject.bin``, a relationship from the workbook, its content
  type) and the workbook's content type of a macro-enabled workbook, which is what
  makes an .xlsm an .xlsm (ECMA-376 part 2 does not know VBA; [MS-OFFCRYPTO]/[MS-XLSX]
  2.1: ``application/vnd.ms-excel.sheet.macroEnabled.main+xml`` and the
  ``vbaProject`` relationship);
- a form button (Excel's "Knapp (formulärkontroll)") on a sheet: a shape in the
  sheet's legacy VML drawing with ``<x:ClientData ObjectType="Button">`` and the macro
  it runs in ``<x:FmlaMacro>``, the form XlsxWriter's ``insert_button`` writes and Excel
  itself saves; the sheet gets a ``<legacyDrawing>`` element in its place in the
  worksheet's element order. A sheet that already has a VML drawing (comments, other
  buttons) gets the shape appended to it.

Every other part keeps its bytes. VML is not always well-formed XML as Excel writes
it (comment text holds bare ``<br>``), so it is read and extended as text.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from xlmodel.errors import WorkbookError
from xlmodel.xlsx.package import CONTENT_TYPES, R_NS, Package, rels_part_for
from xlmodel.xlsx.sheetxml import rel_id_attr, root_prefix

REL_VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
REL_VML = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/vmlDrawing"
CT_VBA = "application/vnd.ms-office.vbaProject"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
CT_MAIN_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
CT_MAIN_XLSM = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"

# The worksheet's children that come after <legacyDrawing> (ECMA-376 part 1, 18.3.1.99
# CT_Worksheet): the element goes before the first of them.
_AFTER_LEGACY_DRAWING = (b"legacyDrawingHF", b"drawingHF", b"picture", b"oleObjects", b"controls",
                         b"webPublishItems", b"tableParts", b"extLst")

_BUTTON_SHAPETYPE = (
    '<v:shapetype id="_x0000_t201" coordsize="21600,21600" o:spt="201" path="m,l,21600r21600,l21600,xe">'
    '<v:stroke joinstyle="miter"/><v:path shadowok="f" o:extrusionok="f" strokeok="f" fillok="f" '
    'o:connecttype="rect"/><o:lock v:ext="edit" shapetype="t"/></v:shapetype>'
)


@dataclass(frozen=True)
class Button:
    sheet: str
    macro: str      # as the button names it, without the "[0]!" of this workbook
    caption: str


def vba_project(pkg: Package) -> str | None:
    """The package's VBA project part, or None (an .xlsx)."""
    return pkg.workbook_rel_target("vbaProject")


def with_vba_project(pkg: Package, data: bytes) -> Package:
    """``pkg`` as a macro-enabled workbook with ``data`` as its VBA project. The caller
    has checked that it has none (a team's own macros are never replaced)."""
    if vba_project(pkg) is not None:
        raise WorkbookError("arbetsboken har redan ett VBA-projekt; det ersätts inte", path=pkg.where)
    wb = pkg.workbook_part
    folder = posixpath.dirname(wb)
    part = posixpath.join(folder, "vbaProject.bin")
    if pkg.has(part):
        raise WorkbookError(f"delen {part} finns redan men hör inte till arbetsboken", path=pkg.where)
    rels_name = rels_part_for(wb)
    rels = pkg.part(pkg.actual_name(rels_name)) if pkg.has(rels_name) else None
    if rels is None:
        raise WorkbookError("arbetsboken saknar sina relationer (workbook.xml.rels)", path=pkg.where)
    rid = _free_rel_id(rels)
    rels = _append_rel(rels, rels_name, pkg, rid, REL_VBA, "vbaProject.bin")
    ct = pkg.part(CONTENT_TYPES)
    ct = _ensure_override(ct, f"/{part}", CT_VBA)
    ct = _macro_enabled(ct, f"/{wb}")
    wb_xml = _with_code_name(pkg.part(wb), wb, pkg)
    changes = {part: data, pkg.actual_name(rels_name): rels, CONTENT_TYPES: ct, wb: wb_xml}
    out = pkg.with_parts(changes)
    for name in (pkg.actual_name(rels_name), CONTENT_TYPES, wb):
        out.ensure_well_formed(name, changes[name])
    return out


def buttons(pkg: Package) -> list[Button]:
    """The form buttons of every worksheet, with the macro each runs."""
    out: list[Button] = []
    for sheet in pkg.sheets:
        for rel in pkg.relationships(sheet.part):
            if rel.external or not rel.type.endswith("/vmlDrawing") or not pkg.has(rel.target):
                continue
            text = pkg.part(pkg.actual_name(rel.target)).decode("utf-8", "replace")
            for shape in re.finditer(r"<v:shape\b.*?</v:shape>", text, re.S):
                body = shape.group(0)
                if not re.search(r'ObjectType\s*=\s*"Button"', body):
                    continue
                macro = re.search(r"<x:FmlaMacro>(.*?)</x:FmlaMacro>", body, re.S)
                box = re.search(r"<v:textbox\b.*?</v:textbox>", body, re.S)
                caption = re.sub(r"<[^>]+>", "", box.group(0)).strip() if box else ""
                # "[0]!Macro" (this workbook), "'Budget.xlsm'!Macro" or "Macro": the macro's name
                name = macro.group(1).strip().rsplit("!", 1)[-1] if macro else ""
                out.append(Button(sheet=sheet.name, macro=name, caption=caption))
    return out


def with_button(pkg: Package, sheet_name: str, *, caption: str, macro: str,
                anchor: tuple[int, int, int, int]) -> Package:
    """``pkg`` with a form button on ``sheet_name`` that runs ``macro`` (a macro of this
    workbook). ``anchor``: (first column, first row, last column, last row), 0-based, of
    the cells the button spans (Excel's ``x:Anchor`` without the offsets)."""
    sheet = pkg.sheet(sheet_name)
    if sheet.kind != "worksheet":
        raise WorkbookError(f"bladet {sheet.name!r} är inget kalkylblad och kan inte få en knapp", path=pkg.where)
    part = sheet.part
    xml = pkg.part(part)
    pkg.ensure_well_formed(part, xml)
    rels_name = rels_part_for(part)
    have_rels = pkg.has(rels_name)
    rels = pkg.part(pkg.actual_name(rels_name)) if have_rels else None
    existing = next((r for r in pkg.relationships(part) if r.type.endswith("/vmlDrawing") and not r.external
                     and pkg.has(r.target)), None)
    changes: dict[str, bytes | None] = {}
    c1, r1, c2, r2 = anchor
    if existing is not None:  # comments or other controls: one more shape in the same drawing
        vml_name = pkg.actual_name(existing.target)
        vml = pkg.part(vml_name).decode("utf-8")
        ids = [int(n) for n in re.findall(r'id="_x0000_s(\d+)"', vml)]
        idmap = _idmaps(vml) or [max(ids, default=1024) // 1024]
        spid = max(ids, default=idmap[0] * 1024) + 1
        shapes = ("" if "_x0000_t201" in vml else _BUTTON_SHAPETYPE) + _button_shape(spid, caption, macro, c1, r1, c2, r2)
        end = vml.rfind("</xml>")
        if end < 0:
            raise WorkbookError(f"bladet {sheet.name!r} har en ritning (VML) som inte kan läsas", path=pkg.where)
        changes[vml_name] = (vml[:end] + shapes + vml[end:]).encode("utf-8")
    else:
        n = max((m for name in pkg.names for m in _vml_ids_in(pkg, name)), default=0) + 1
        vml_name = _free_name(pkg, "xl/drawings/vmlDrawing{}.vml")
        changes[vml_name] = _vml(n, _button_shape(n * 1024 + 1, caption, macro, c1, r1, c2, r2)).encode("utf-8")
        base = rels if rels is not None else (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                                             b'<Relationships xmlns="http://schemas.openxmlformats.org/package/'
                                             b'2006/relationships"></Relationships>')
        rid = _free_rel_id(base)
        target = posixpath.relpath(vml_name, posixpath.dirname(part))
        changes[pkg.actual_name(rels_name) if have_rels else rels_name] = _append_rel(base, rels_name, pkg, rid,
                                                                                      REL_VML, target)
        changes[part] = _with_legacy_drawing(xml, part, pkg, rid)
        ct = pkg.part(CONTENT_TYPES)
        if not re.search(rb'<(?:\w+:)?Default\b[^>]*Extension="vml"', ct, re.I):
            ct = _insert(ct, f'<Default Extension="vml" ContentType="{CT_VML}"/>'.encode())
            changes[CONTENT_TYPES] = ct
    out = pkg.with_parts(changes)
    for name, data in changes.items():
        if data is not None and not name.endswith(".vml"):
            out.ensure_well_formed(name, data)
    return out


# --------------------------------------------------------------------------- helpers

def _vml(idmap: int, shapes: str) -> str:
    return ('<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
            'xmlns:x="urn:schemas-microsoft-com:office:excel">'
            f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{idmap}"/></o:shapelayout>'
            f"{_BUTTON_SHAPETYPE}{shapes}</xml>")


def _button_shape(spid: int, caption: str, macro: str, c1: int, r1: int, c2: int, r2: int) -> str:
    # The style's position is what VML renderers use before they read the anchor; Excel
    # and LibreOffice place the control by x:Anchor (columns and rows), so the button
    # stays beside the same cells whatever the column widths are.
    return (f'<v:shape id="_x0000_s{spid}" type="#_x0000_t201" style="position:absolute;margin-left:0;'
            f'margin-top:0;width:135pt;height:24pt;z-index:{spid % 1024};mso-wrap-style:tight" o:button="t" '
            'fillcolor="buttonFace [67]" strokecolor="windowText [64]" o:insetmode="auto">'
            '<v:fill color2="buttonFace [67]" o:detectmouseclick="t"/><o:lock v:ext="edit" rotation="t"/>'
            '<v:textbox style="mso-direction-alt:auto" o:singleclick="f"><div style="text-align:center">'
            f'<font face="Calibri" size="220" color="#000000">{escape(caption)}</font></div></v:textbox>'
            f'<x:ClientData ObjectType="Button"><x:Anchor>{c1}, 0, {r1}, 0, {c2}, 0, {r2}, 0</x:Anchor>'
            '<x:PrintObject>False</x:PrintObject><x:AutoFill>False</x:AutoFill>'
            f"<x:FmlaMacro>[0]!{escape(macro)}</x:FmlaMacro>"
            "<x:TextHAlign>Center</x:TextHAlign><x:TextVAlign>Center</x:TextVAlign></x:ClientData></v:shape>")


def _idmaps(vml: str) -> list[int]:
    m = re.search(r'<o:idmap\b[^>]*\bdata="([\d, ]+)"', vml)
    return [int(x) for x in re.split(r"[, ]+", m.group(1).strip()) if x] if m else []


def _vml_ids_in(pkg: Package, name: str) -> list[int]:
    """The idmap blocks a VML part uses (each drawing of a workbook has its own)."""
    if not name.lower().endswith(".vml"):
        return []
    return _idmaps(pkg.part(name).decode("utf-8", "replace"))


def _free_name(pkg: Package, pattern: str) -> str:
    taken = {n.casefold() for n in pkg.names}
    n = 1
    while pattern.format(n).casefold() in taken:
        n += 1
    return pattern.format(n)


def _free_rel_id(rels: bytes) -> str:
    used = set(re.findall(rb'\bId="([^"]*)"', rels))
    n = 1
    while f"rId{n}".encode() in used:
        n += 1
    return f"rId{n}"


def _insert(root_xml: bytes, text: bytes) -> bytes:
    """``text`` just before the closing tag of the document's root element."""
    end = root_xml.rfind(b"</")
    if end < 0:  # a root written as <Relationships .../>
        m = re.search(rb"/>\s*$", root_xml)
        if m is None:
            raise WorkbookError("paketets innehållsförteckning kan inte läsas")
        start = root_xml.rfind(b"<", 0, m.start())
        tag = re.match(rb"<([\w:.-]+)", root_xml[start:]).group(1)
        return root_xml[:m.start()] + b">" + text + b"</" + tag + b">" + root_xml[m.end():]
    return root_xml[:end] + text + root_xml[end:]


def _append_rel(rels: bytes, rels_name: str, pkg: Package, rid: str, rel_type: str, target: str) -> bytes:
    prefix = root_prefix(rels, rels_name, pkg.where).decode()
    return _insert(rels, f"<{prefix}Relationship Id=\"{rid}\" Type=\"{rel_type}\" Target={quoteattr(target)}/>"
                   .encode("utf-8"))


def _ensure_override(ct: bytes, part_name: str, content_type: str) -> bytes:
    if re.search(rb'PartName="' + re.escape(part_name.encode()) + rb'"', ct, re.I):
        return ct
    prefix = root_prefix(ct, CONTENT_TYPES, None).decode()
    return _insert(ct, f'<{prefix}Override PartName={quoteattr(part_name)} ContentType="{content_type}"/>'.encode())


def _macro_enabled(ct: bytes, wb_part: str) -> bytes:
    """The workbook's content type as a macro-enabled workbook's."""
    pattern = rb'(<(?:\w+:)?Override\b[^>]*PartName="' + re.escape(wb_part.encode()) + rb'"[^>]*>)'
    m = re.search(pattern, ct, re.I)
    if m is None:
        prefix = root_prefix(ct, CONTENT_TYPES, None).decode()
        return _insert(ct, f'<{prefix}Override PartName={quoteattr(wb_part)} ContentType="{CT_MAIN_XLSM}"/>'.encode())
    el = re.sub(rb'ContentType="[^"]*"', f'ContentType="{CT_MAIN_XLSM}"'.encode(), m.group(1))
    return ct[:m.start()] + el + ct[m.end():]


def _with_code_name(xml: bytes, part: str, pkg: Package) -> bytes:
    """workbook.xml naming its VBA document module (``<workbookPr codeName="ThisWorkbook"/>``,
    as XlsxWriter and Excel write it beside a project whose module is ThisWorkbook)."""
    prefix = root_prefix(xml, part, pkg.where)
    p = re.escape(prefix)
    m = re.search(rb"<" + p + rb"workbookPr\b([^>]*?)(/?)>", xml)
    if m is not None:
        if re.search(rb"\bcodeName=", m.group(1)):
            return xml
        return xml[:m.start(1)] + b' codeName="ThisWorkbook"' + xml[m.start(1):]
    element = b"<" + prefix + b'workbookPr codeName="ThisWorkbook"/>'
    for tag in (b"fileSharing", b"fileVersion"):  # workbookPr follows them (CT_Workbook)
        found = re.search(rb"<" + p + tag + rb"\b[^>]*?(/>|>.*?</" + p + tag + rb"\s*>)", xml, re.S)
        if found:
            return xml[:found.end()] + element + xml[found.end():]
    opening = re.search(rb"<" + p + rb"workbook\b[^>]*>", xml)
    if opening is None:
        raise WorkbookError(f"arbetsbokens del {part} kan inte läsas", path=pkg.where)
    return xml[:opening.end()] + element + xml[opening.end():]


def _with_legacy_drawing(xml: bytes, part: str, pkg: Package, rid: str) -> bytes:
    prefix = root_prefix(xml, part, pkg.where)
    rattr = rel_id_attr(xml, rid, part, pkg.where).encode("utf-8")
    element = b"<" + prefix + b"legacyDrawing " + rattr + b"/>"
    p = re.escape(prefix)
    for tag in _AFTER_LEGACY_DRAWING:
        found = re.search(rb"<" + p + tag + rb"\b", xml)
        if found:
            return xml[:found.start()] + element + xml[found.start():]
    close = re.search(rb"</" + p + rb"worksheet\s*>", xml)
    if close is None:
        raise WorkbookError(f"bladets del {part} kan inte läsas", path=pkg.where)
    return xml[:close.start()] + element + xml[close.start():]
