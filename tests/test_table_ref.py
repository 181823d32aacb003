"""The two package edits ``rulla-fram`` makes when a year table grows by a row: the
Excel Table's range (``xlsx.table_ref.resize_table``) and a spilled formula's text with
its array kept (``CellWrite.keep_array``). Files written by XlsxWriter; every other
byte of the parts stays."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from xlmodel.errors import InputError
from xlmodel.xlsx import CellWrite, Package, patch_sheet
from xlmodel.xlsx.table_ref import resize_table


def book(path: Path) -> Package:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Årstabell")
    ws.add_table("A1:B3", {"name": "tblAr", "columns": [{"header": "År"}, {"header": "Belopp"}],
                           "data": [[2024, 1], [2025, 2]]})
    ws.write_dynamic_array_formula("D1:D2", "=_xlfn.SORT(B2:B3)", None, 1)
    ws.write("A10", "annat")
    wb.close()
    return Package.open(path)


def test_resize_table_changes_only_the_two_ranges(tmp_path):
    pkg = book(tmp_path / "b.xlsx")
    info = pkg.tables("Årstabell")[0]
    old = pkg.part(info.part)
    new = resize_table(pkg, "Årstabell", "tblAr", "A1:B4")
    data = new.part(info.part)
    assert new.tables("Årstabell")[0].ref == "A1:B4"
    assert re.sub(rb'ref="[^"]*"', b'ref=""', data) == re.sub(rb'ref="[^"]*"', b'ref=""', old)
    assert b'<autoFilter ref="A1:B4"' in data
    assert all(new.part(n) == pkg.part(n) for n in pkg.names if n != info.part)
    with pytest.raises(InputError, match="inte flyttas"):
        resize_table(pkg, "Årstabell", "tblAr", "B1:C4")


def test_keep_array_replaces_the_formula_text_and_keeps_the_array(tmp_path):
    pkg = book(tmp_path / "b.xlsx")
    part = pkg.sheet_part("Årstabell")
    old = pkg.part(part)
    new = patch_sheet(pkg, "Årstabell", [CellWrite("D1", 1, formula="_xlfn.SORT(B2:B4)", keep_array=True)])
    data = new.part(part)
    cell = re.search(rb'<c r="D1".*?</c>', data).group(0)
    assert b't="array"' in cell and b'ref="D1:D2"' in cell and b'cm="1"' in cell and b"SORT(B2:B4)" in cell
    assert data.replace(b"B2:B4", b"B2:B3") == old  # nothing else of the sheet changed
    with pytest.raises(InputError, match="ingen formel"):  # a constant is no array to keep
        patch_sheet(pkg, "Årstabell", [CellWrite("A10", "x", formula="1+1", keep_array=True)])
    plain = patch_sheet(pkg, "Årstabell", [CellWrite("F1", 2, formula="1+1")])
    with pytest.raises(InputError, match="matrisformel"):  # an ordinary formula neither
        patch_sheet(plain, "Årstabell", [CellWrite("F1", 3, formula="1+2", keep_array=True)])
