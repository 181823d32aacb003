"""Shared fixtures of the xlsx tests (imported by the test modules, not conftest,
so other test suites' conftest files cannot clash with these)."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest

from fixtures.xlsx_rich_workbook import build_rich_workbook

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@pytest.fixture(scope="session")
def rich_xlsm_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The rich fixture workbook, built once per session (never modify this copy)."""
    return build_rich_workbook(tmp_path_factory.mktemp("rich") / "Ramverk.xlsm")


@pytest.fixture()
def rich_xlsm(rich_xlsm_master: Path, tmp_path: Path) -> Path:
    """A private copy of the rich workbook for one test."""
    dst = tmp_path / "Ramverk.xlsm"
    shutil.copyfile(rich_xlsm_master, dst)
    return dst


def minimal_xlsx(
    sheet_xml: bytes | str,
    *,
    shared_strings: bytes | str | None = None,
    workbook_extra: str = "",
    calc_pr: str = '<calcPr calcId="191029"/>',
) -> bytes:
    """A minimal valid workbook around one hand-written sheet part (bytes of a zip)."""
    if isinstance(sheet_xml, str):
        sheet_xml = sheet_xml.encode("utf-8")
    ct = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        + ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
           if shared_strings is not None else "")
        + "</Types>"
    )
    root_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    )
    wb = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<workbook xmlns="{MAIN_NS}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Blad1" sheetId="1" r:id="rId1"/></sheets>' + workbook_extra + calc_pr + "</workbook>"
    )
    wb_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        + ('<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
           if shared_strings is not None else "")
        + "</Relationships>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", ct)
        zf.writestr("_rels/.rels", root_rels)
        zf.writestr("xl/workbook.xml", wb)
        zf.writestr("xl/_rels/workbook.xml.rels", wb_rels)
        zf.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        if shared_strings is not None:
            zf.writestr("xl/sharedStrings.xml", shared_strings)
    return buf.getvalue()


def sheet(rows: str, *, prefix: str = "", dimension: str | None = "A1") -> str:
    """Worksheet XML with the given sheetData content."""
    p = f"{prefix}:" if prefix else ""
    ns = f'xmlns:{prefix}="{MAIN_NS}"' if prefix else f'xmlns="{MAIN_NS}"'
    dim = f'<{p}dimension ref="{dimension}"/>' if dimension else ""
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<{p}worksheet {ns}>{dim}'
            f"<{p}sheetData>{rows}</{p}sheetData></{p}worksheet>")
