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


def test_keep_array_with_a_new_range_moves_the_array_and_clears_what_it_left(tmp_path):
    """A spilled formula whose result grows or shrinks (``regenerera`` on a delårsrapport
    whose year became 2024): the same array markup (cm kept) over the new range; every
    cell of the new range must be written; the old range's cells outside it are cleared."""
    from xlmodel.xlsx import read_cells

    pkg = book(tmp_path / "b.xlsx")
    grown = patch_sheet(pkg, "Årstabell", [CellWrite("D1", 1, formula="_xlfn.SORT(B2:B4)", keep_array=True, spill="D1:D3"),
                                           CellWrite("D2", 2), CellWrite("D3", 3)])
    cell = re.search(rb'<c r="D1".*?</c>', grown.part(grown.sheet_part("Årstabell"))).group(0)
    assert b'ref="D1:D3"' in cell and b'cm="1"' in cell and b"SORT(B2:B4)" in cell
    assert read_cells(grown, "Årstabell")["D3"].value == 3
    with pytest.raises(InputError) as e:  # D3 of the new range not written: half an array
        patch_sheet(pkg, "Årstabell", [CellWrite("D1", 1, formula="_xlfn.SORT(B2:B4)", keep_array=True, spill="D1:D3"),
                                       CellWrite("D2", 2)])
    assert e.value.rule == "xlsx.matrisformel" and "D3" in e.value.message
    with pytest.raises(InputError, match="huvudcell"):  # the range starts at the anchor
        patch_sheet(pkg, "Årstabell", [CellWrite("D1", 1, formula="1", keep_array=True, spill="E1:E2"),
                                       CellWrite("E2", 1)])
    shrunk = patch_sheet(grown, "Årstabell", [CellWrite("D1", 1, formula="_xlfn.SORT(B2:B2)", keep_array=True,
                                                        spill="D1:D1")])
    cells = read_cells(shrunk, "Årstabell")
    assert b'ref="D1:D1"' in re.search(rb'<c r="D1".*?</c>', shrunk.part(shrunk.sheet_part("Årstabell"))).group(0)
    assert all(cells.get(ref) is None or cells[ref].value is None for ref in ("D2", "D3"))
    assert cells["A10"].value == "annat"
