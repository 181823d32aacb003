"""Package structure: sheets, defined names, tables, safe XML, immutability."""

from __future__ import annotations

from pathlib import Path

import pytest

from xlsx_fixtures import minimal_xlsx, rich_xlsm_master, sheet  # noqa: F401  (pytest fixtures)
from xlmodel.errors import WorkbookError
from xlmodel.xlsx import Package


def test_sheets_names_and_tables(rich_xlsm_master: Path) -> None:  # noqa: F811
    pkg = Package.open(rich_xlsm_master)
    assert [(s.name, s.part, s.kind) for s in pkg.sheets] == [
        ("Ramtabell", "xl/worksheets/sheet1.xml", "worksheet"),
        ("Övrigt", "xl/worksheets/sheet2.xml", "worksheet"),
    ]
    assert pkg.sheet_part("ÖVRIGT") == "xl/worksheets/sheet2.xml"  # Excel: case-insensitive
    names = {(d.name, d.local_sheet): d.value for d in pkg.defined_names}
    assert names == {("Indexsats", None): "Ramtabell!$C$2", ("Lokal", "Övrigt"): "Övrigt!$A$1"}
    (table,) = pkg.tables("Ramtabell")
    assert (table.name, table.ref, table.header_row, table.columns) == (
        "Fordelning", "A20:C24", 20, ("Post", "Belopp", "Dubbelt"))
    assert pkg.tables("Övrigt") == []
    assert pkg.shared_strings_part == "xl/sharedStrings.xml" and pkg.styles_part == "xl/styles.xml"
    assert len(pkg.sha256) == 64


def test_unknown_sheet_lists_the_sheets(rich_xlsm_master: Path) -> None:  # noqa: F811
    with pytest.raises(WorkbookError, match="'Ramtabell', 'Övrigt'"):
        Package.open(rich_xlsm_master).sheet("Budget")


def test_with_parts_is_a_new_package(rich_xlsm_master: Path) -> None:  # noqa: F811
    pkg = Package.open(rich_xlsm_master)
    new = pkg.with_parts({"xl/styles.xml": b"<x/>", "xl/calcChain.xml": None, "customXml/item1.xml": b"<a/>"})
    assert pkg.part("xl/styles.xml") != b"<x/>" and pkg.has("xl/calcChain.xml")
    assert new.changed_parts() == {"xl/styles.xml": "ändrad", "xl/calcChain.xml": "borttagen",
                                   "customXml/item1.xml": "ny"}
    assert new.names[-1] == "customXml/item1.xml" and new.sha256 == pkg.sha256
    assert pkg.changed_parts() == {}


def test_dtd_in_workbook_xml_is_refused() -> None:
    data = minimal_xlsx(sheet(""))
    pkg = Package.from_bytes(data)
    wb = pkg.part("xl/workbook.xml").replace(
        b"?>", b'?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>', 1)
    with pytest.raises(WorkbookError, match="'xl/workbook.xml' innehåller en DTD"):  # refused at open
        Package.from_bytes(pkg.with_parts({"xl/workbook.xml": wb}).to_bytes())
    with pytest.raises(WorkbookError, match="DTD"):  # and by the parser, for a package built in memory
        pkg.with_parts({"xl/workbook.xml": wb}).sheets


def test_workbook_found_through_package_relationships() -> None:
    pkg = Package.from_bytes(minimal_xlsx(sheet("")))
    rels = pkg.part("_rels/.rels").replace(b"xl/workbook.xml", b"/xl/workbook.xml")  # absolute target
    assert Package.from_bytes(pkg.with_parts({"_rels/.rels": rels}).to_bytes()).workbook_part == "xl/workbook.xml"
    broken = pkg.with_parts({"_rels/.rels": b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>'})
    with pytest.raises(WorkbookError, match="officeDocument"):
        broken.sheets
