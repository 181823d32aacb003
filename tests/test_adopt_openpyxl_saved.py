"""``xlmodel anslut`` on books saved by openpyxl. openpyxl declares the relationships
namespace (``xmlns:r``) on each ``<sheet>`` of workbook.xml and on each ``<hyperlink>`` of
a sheet, not on the root element; a new ``<sheet>`` or ``<tablePart>`` written with the
prefix seen there had an unbound ``r:`` (anslut refused its own result, or wrote a sheet
openpyxl and Excel cannot read). Real files, every command a real process; the result is
read back by openpyxl, a namespace-aware reader.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl

from test_adopt import run_cli, validate_json

ROOT = Path(__file__).resolve().parents[1]
REGIONPLAN = ROOT / "workbooks" / "vasterbotten_regionplan_2021.xlsm"


def _team_book(path: Path) -> None:
    """A controller's book made by openpyxl: committees and frames, and a hyperlink."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Nämndramar"
    ws["A1"], ws["B1"] = "Nämnd", "Ram 2025"
    for r, (name, frame) in enumerate((("Regionstyrelsen", 900), ("Hälso- och sjukvårdsnämnden", 5000)), 2):
        ws[f"A{r}"], ws[f"B{r}"] = name, frame
    ws["A10"] = "Budgetanvisningar"
    ws["A10"].hyperlink = "https://example.se/anvisningar"
    wb.save(path)


def test_shipped_book_saved_by_openpyxl_gets_a_part(tmp_path):
    book = tmp_path / REGIONPLAN.name
    wb = openpyxl.load_workbook(REGIONPLAN, keep_vba=True)
    wb.save(book)
    run = run_cli("anslut", book.name, "--delar", "balanskravsutredning", "--rakenskapsar", "2021",
                  "--ingen-backup", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Balanskravsutredning" in openpyxl.load_workbook(book, keep_vba=True).sheetnames
    code, report = validate_json(book)
    assert report.get("error") is None and report["kind"] == "regionplan", report


def test_team_book_made_by_openpyxl_gets_the_frame_table(tmp_path):
    book = tmp_path / "budget.xlsx"
    _team_book(book)
    run = run_cli("anslut", book.name, "--delar", "ramtabell", "--ramar", "Nämndramar!A2:B3", "--budgetar", "2026",
                  "--index", "3,1 %", "--indexkalla", "SKR:s prognos oktober 2025", "--ingen-backup", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert {"Ramar", "Ramtabell"} <= set(openpyxl.load_workbook(book).sheetnames)
    code, report = validate_json(book)
    assert code == 0 and "ramtabell" in report["parts"], report


def test_tables_placed_on_an_openpyxl_sheet_with_a_hyperlink(tmp_path):
    book = tmp_path / "budget.xlsx"
    _team_book(book)
    run = run_cli("anslut", book.name, "--delar", "resultatbudget", "--plats", "resultatbudget=Nämndramar!H2",
                  "--ingen-backup", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    ws = openpyxl.load_workbook(book)["Nämndramar"]   # read with its namespaces: every r: bound
    assert set(ws.tables) == {"tblResultatbudget", "tblMal"}
    assert ws["A10"].hyperlink.target == "https://example.se/anvisningar"


def test_the_relationship_attribute_uses_only_the_roots_declaration():
    from xlmodel.xlsx.package import R_NS
    from xlmodel.xlsx.sheetxml import rel_id_attr

    excel = f'<workbook xmlns="m" xmlns:r="{R_NS}"><sheets/></workbook>'.encode()
    other = f"<x:workbook xmlns:x='m' xmlns:rel = '{R_NS}'><x:sheets/></x:workbook>".encode()
    openpyxl_style = f'<workbook xmlns="m"><sheets><sheet xmlns:r="{R_NS}" r:id="rId1"/></sheets></workbook>'.encode()
    assert rel_id_attr(excel, "rId5", "wb") == 'r:id="rId5"'
    assert rel_id_attr(other, "rId5", "wb") == 'rel:id="rId5"'
    assert rel_id_attr(openpyxl_style, "rId5", "wb") == f'xmlns:r="{R_NS}" r:id="rId5"'
