"""The main acceptance test: patch a block of cells in the rich workbook and prove
that nothing else changed - part by part, and byte by byte inside the sheet."""

from __future__ import annotations

import re
import warnings
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from fixtures.xlsx_rich_workbook import FRAMES, RATES, expected_d
from xlsx_fixtures import rich_xlsm, rich_xlsm_master  # noqa: F401  (pytest fixtures)
from xlmodel.xlsx import CellWrite, ExcelError, Package, patch_sheet_detailed, read_cells, save_package

SHEET = "xl/worksheets/sheet1.xml"
BOOKKEEPING = {"xl/calcChain.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml", "xl/workbook.xml"}

NEW_B3 = Decimal("650.0")


def _writes() -> list[CellWrite]:
    """A block of writes of every kind; cached values computed from the fixture's inputs."""
    ws = [
        CellWrite("B3", NEW_B3),                                          # number over number (keeps s="2")
        CellWrite("A5", "=inte en formel"),                               # text that looks like a formula
        CellWrite("E3", expected_d(1) - NEW_B3, "=D3-B3"),               # formula over formula
        CellWrite("B12", 42),                                             # a row that did not exist
        CellWrite("C12", " två  mellanslag "),                            # whitespace kept
        CellWrite("D12", True),
        CellWrite("E12", ExcelError("#N/A")),
        CellWrite("F12", "+46 & <b>"),                                    # escaping
        CellWrite("A45", "sist", style=1),                                # after the last row
    ]
    for i in range(7):  # G2:G8: new cells between E and L in existing rows, formulas with cached values
        ws.append(CellWrite(f"G{i + 2}", expected_d(i) * 2, f"=D{i + 2}*2", style=2))
    return ws


CLEAR = ["F10"]  # an unstyled boolean: removed


def _strip(xml: bytes, refs: list[str], rows: list[int]) -> bytes:
    for ref in refs:
        xml = re.sub(rb'<c r="' + ref.encode() + rb'"[^>]*?(?:/>|>.*?</c>)', b"", xml, flags=re.S)
    for r in rows:
        xml = re.sub(rb'<row r="%d"[^>]*>\s*</row>' % r, b"", xml)
    return re.sub(rb'<dimension ref="[^"]*"/>', b"<dimension/>", xml)


def _openpyxl_warnings(path: Path) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        openpyxl.load_workbook(path, keep_vba=True)
    return sorted(str(w.message) for w in caught)


@pytest.fixture()
def patched(rich_xlsm: Path):
    before = Package.open(rich_xlsm)
    result = patch_sheet_detailed(before, "Ramtabell", _writes(), clear=CLEAR)
    saved = save_package(result.package, rich_xlsm, expect_sha256=before.sha256)
    return before, result, saved, rich_xlsm


def test_only_the_sheet_and_documented_bookkeeping_parts_change(patched) -> None:
    before, result, _saved, path = patched
    after = Package.open(path)
    assert result.calc_chain_removed  # formula cells were added
    assert set(result.changed_parts) <= {SHEET} | BOOKKEEPING
    for name in before.names:
        if name in {SHEET} | BOOKKEEPING:
            continue
        assert after.part(name) == before.part(name), name
    assert not after.has("xl/calcChain.xml")
    rel = re.compile(rb'<Relationship Id="rId99"[^>]*/>')
    assert rel.sub(b"", before.part("xl/_rels/workbook.xml.rels")) == after.part("xl/_rels/workbook.xml.rels")
    ov = re.compile(rb'<Override PartName="/xl/calcChain.xml"[^>]*/>')
    assert ov.sub(b"", before.part("[Content_Types].xml")) == after.part("[Content_Types].xml")
    # XlsxWriter already sets fullCalcOnLoad, so workbook.xml stays identical here
    assert after.part("xl/workbook.xml") == before.part("xl/workbook.xml")
    for blob in ("xl/vbaProject.bin", "xl/metadata.xml", "xl/charts/chart1.xml", "xl/drawings/drawing1.xml",
                 "xl/media/image1.png", "xl/sharedStrings.xml", "xl/styles.xml", "xl/tables/table1.xml"):
        assert after.part(blob) == before.part(blob), blob


def test_zip_order_and_entry_metadata_of_unchanged_parts_are_kept(patched) -> None:
    before, _result, _saved, path = patched
    with zipfile.ZipFile(path) as zf:
        infos = {i.filename: i for i in zf.infolist()}
        order = [i.filename for i in zf.infolist()]
    assert order == [n for n in before.names if n != "xl/calcChain.xml"]
    for name in order:
        m = before.meta(name)
        assert infos[name].date_time == m.date_time, name
        assert infos[name].compress_type == m.compress_type, name


def test_sheet_differs_only_inside_written_cells_and_inserted_rows(patched) -> None:
    before, result, _saved, path = patched
    old = before.part(SHEET)
    new = Package.open(path).part(SHEET)
    refs = result.written + result.cleared
    assert result.inserted_rows == [12, 45]
    assert _strip(new, refs, result.inserted_rows) == _strip(old, refs, [])
    assert b'<dimension ref="A1:L45"/>' in new
    # untouched special cells keep their exact bytes
    for frag in (rb'<c r="L2" cm="1"><f t="array" ref="L2:L8">_xlfn._xlws.SORT(B2:B8)</f><v>12.6</v></c>',
                 rb'<c r="D3" s="2"><f t="shared" si="0"/><v>625.2604</v></c>',
                 rb'<c r="E10" t="e"><f>BALANSKRAV(B2:B8)</f><v>#NAME?</v></c>'):
        assert frag in old and frag in new
    tail = old[old.index(b"</sheetData>"):]
    assert new.endswith(tail)  # data bar, validation, drawing, table parts, sparklines: untouched
    head = old[: old.index(b"<dimension")]
    assert new.startswith(head)


def test_written_cells_read_back_in_our_reader(patched) -> None:
    _before, _result, _saved, path = patched
    cells = read_cells(Package.open(path), "Ramtabell")
    assert cells["B3"].value == NEW_B3 and cells["B3"].style == 2
    assert cells["A5"].value == "=inte en formel" and cells["A5"].formula is None
    assert cells["E3"].formula == "D3-B3" and cells["E3"].value == expected_d(1) - NEW_B3
    assert cells["B12"].value == 42
    assert cells["C12"].value == " två  mellanslag "
    assert cells["D12"].value is True
    assert cells["E12"].value == ExcelError("#N/A")
    assert cells["F12"].value == "+46 & <b>"
    assert cells["A45"].value == "sist" and cells["A45"].style == 1
    for i in range(7):
        g = cells[f"G{i + 2}"]
        assert g.formula == f"D{i + 2}*2"
        assert g.value == FRAMES[i] * (1 + RATES[i]) * 2
        assert g.style == 2
    assert "F10" not in cells
    assert cells["L2"].dynamic and cells["L2"].formula_kind == "array"
    assert cells["D8"].formula == "B8*(1+C8)"  # shared dependents still resolve


@pytest.mark.filterwarnings("ignore:.*extension is not supported")
def test_written_cells_read_back_in_openpyxl_and_calamine(patched) -> None:
    _before, _result, _saved, path = patched
    values = openpyxl.load_workbook(path, data_only=True)["Ramtabell"]
    formulas = openpyxl.load_workbook(path)["Ramtabell"]
    assert values["B3"].value == pytest.approx(650.0)
    assert values["A5"].value == "=inte en formel"
    assert formulas["A5"].data_type == "s"
    assert values["E3"].value == pytest.approx(float(expected_d(1) - NEW_B3))
    assert formulas["E3"].value == "=D3-B3"
    assert values["C12"].value == " två  mellanslag "
    assert values["D12"].value is True
    assert values["E12"].value == "#N/A"
    assert values["F12"].value == "+46 & <b>"
    assert values["F10"].value is None
    for i in range(7):
        assert values[f"G{i + 2}"].value == pytest.approx(float(expected_d(i) * 2))
        assert formulas[f"G{i + 2}"].value == f"=D{i + 2}*2"
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Ramtabell").to_python()
    assert rows[1][6] == pytest.approx(float(expected_d(0) * 2))  # G2 cached value visible without Excel


def test_openpyxl_sees_no_new_warnings(patched, rich_xlsm_master: Path) -> None:  # noqa: F811
    _before, _result, _saved, path = patched
    # The fixture's sparklines and x14 data bar already make openpyxl warn ("will be
    # removed" - on its own save); the patch must not add a single warning.
    assert _openpyxl_warnings(path) == _openpyxl_warnings(rich_xlsm_master)


def test_backup_and_no_temp_files(patched) -> None:
    before, _result, saved, path = patched
    assert saved.backup is not None and saved.backup.read_bytes() != path.read_bytes()
    assert Package.open(saved.backup).sha256 == before.sha256
    leftovers = [p.name for p in path.parent.iterdir() if p.name.startswith(".~")]
    assert leftovers == []
