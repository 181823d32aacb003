"""A delårsrapport whose year is typed over from 2021 to 2024 (and back), as a controller
reuses last year's report: the utredning needs line 9 from 2024, and its spilled
=BALANSKRAV_UTREDNING() grows by that line.

- With lines 1–8 only, ``validera`` and ``regenerera`` name the missing line at the cell
  where it goes (A13, the table's next row), say what to type there, and nothing is written.
- With line 9 added, ``regenerera`` writes the spilled formula anew over its new range
  (B20:C30, its dynamic-array markup kept), and the next ``validera`` passes; back in
  2021 the range shrinks and the old last row is cleared. The Prognos sheet's year table,
  whose computed block shrinks when the report's year is not in it, keeps every figure
  the controller typed (Budget, Prognos, Utfall); 2021's Prognos, still a link to the
  utredning that now is 2024's, is an error at its cell until the controller types 2021's
  figure there.
- The Excel macro writes the anchor only (Excel spills it), never a value into the range.

Real CLI processes on a report built by ``xlmodel bygg`` from the shipped source; line 9
added the way a program other than xlmodel does it (openpyxl, and a LibreOffice save).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xlmodel.xlsx.atomic import save_package
from xlmodel.xlsx.package import Package
from xlmodel.xlsx.patch import CellWrite, patch_sheet

REPO = Path(__file__).resolve().parent.parent
SRC = REPO / "workbooks" / "src" / "vasterbotten_delarsrapport_2021_08"
BOOK = "vasterbotten_delarsrapport_2021_08.xlsm"
US = "Balanskravsutredning"
RUR_LABEL = "Användning av medel från resultatutjämningsreserv (RUR)"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xlmodel", *args], capture_output=True, text=True, cwd=REPO)


@pytest.fixture()
def report(tmp_path) -> Path:
    shutil.copytree(SRC, tmp_path / "src" / SRC.name)
    done = run("bygg", str(tmp_path / "src"), "--ut", str(tmp_path / "ut"))
    assert done.returncode == 0, done.stderr
    return tmp_path / "ut" / BOOK


def set_cell(path: Path, sheet: str, ref: str, value) -> None:
    """The controller types a value (written losslessly: only that cell changes)."""
    pkg = Package.open(path)
    save_package(patch_sheet(pkg, sheet, [CellWrite(ref, value)]), path, expect_sha256=pkg.sha256, backup=False)


def set_year(path: Path, year: int) -> None:
    set_cell(path, US, "G5", year)


def add_line_9(path: Path, amount: float | None = None) -> None:
    """Row 9 typed under row 8, the table extended over it, as Excel does when a row is
    typed under a table: only those cells and the table's range change."""
    from xlmodel.xlsx.table_ref import resize_table

    pkg = Package.open(path)
    new = patch_sheet(pkg, US, [CellWrite("A13", 9), CellWrite("B13", RUR_LABEL), CellWrite("C13", amount)])
    save_package(resize_table(new, US, "tblUtredning", "A4:C13"), path, expect_sha256=pkg.sha256, backup=False)


def add_year_row(path: Path, year: int, budget: float) -> None:
    """A year typed under tblBalanskravAr's last (A20), the table extended over it."""
    from xlmodel.xlsx.table_ref import resize_table

    pkg = Package.open(path)
    new = patch_sheet(pkg, "Prognos", [CellWrite("A20", year), CellWrite("B20", budget)])
    save_package(resize_table(new, "Prognos", "tblBalanskravAr", "A14:G20"), path, expect_sha256=pkg.sha256,
                 backup=False)


def remove_line_9(path: Path) -> None:
    """Row 9 deleted and the table shrunk over it: saved by openpyxl (another program)."""
    wb = openpyxl.load_workbook(path, keep_vba=True)
    wb[US].tables["tblUtredning"].ref = "A4:C12"
    for ref in ("A13", "B13", "C13"):
        wb[US][ref] = None
    wb.save(path)


def sheet_xml(path: Path, sheet: str) -> str:
    wb = openpyxl.load_workbook(path, read_only=True)
    index = wb.sheetnames.index(sheet) + 1
    wb.close()
    with zipfile.ZipFile(path) as z:
        return z.read(f"xl/worksheets/sheet{index}.xml").decode("utf-8")


def anchor_xml(path: Path) -> str:
    return re.search(r'<c r="B20"[^>]*>.*?</c>', sheet_xml(path, US), re.S).group(0)


def forecast_inputs(path: Path) -> dict[str, object]:
    ws = openpyxl.load_workbook(path)["Prognos"]
    return {ref: ws[ref].value for ref in ("B17", "B18", "B19", "C16", "D15")}


def test_a_report_typed_over_to_2024_names_the_missing_line_9_and_writes_nothing(report):
    set_year(report, 2024)
    before = report.read_bytes()
    checked = run("validera", str(report), "--format", "json")
    assert checked.returncode == 1
    assert '"cell": "A13"' in checked.stdout and "Rad 9 saknas i balanskravsutredningen för 2024" in checked.stdout
    done = run("regenerera", str(report))
    assert done.returncode == 2
    assert "Blad 'Balanskravsutredning', cell A13" in done.stderr
    assert (f"Lägg till raden i tabellen tblUtredning: Nr 9, Post '{RUR_LABEL}' och Belopp (tomt = 0) "
            "i A13, B13 och C13, direkt under rad 8") in done.stderr
    assert report.read_bytes() == before


def test_with_line_9_regenerate_writes_the_grown_spill_and_keeps_the_controllers_figures(report):
    typed = forecast_inputs(report)
    assert typed["D15"] == -333 and typed["C16"] == -203       # Utfall 2019, Prognos 2020: the controller's
    assert 'ref="B20:C29"' in anchor_xml(report)
    cm = re.search(r'\scm="(\d+)"', anchor_xml(report)).group(1)
    set_year(report, 2024)
    add_line_9(report, 7.5)
    done = run("regenerera", str(report))
    assert done.returncode == 1, done.stdout + done.stderr        # written; the one error below remains
    anchor = anchor_xml(report)
    assert 'ref="B20:C30"' in anchor and f'cm="{cm}"' in anchor     # the same dynamic array, one line longer
    assert "BALANSKRAV_UTREDNING(C5,C6,C7,C8,C9,C10,C11,C12,G5,C13)" in anchor
    cached = openpyxl.load_workbook(report, data_only=True)[US]
    assert (cached["B29"].value, cached["C29"].value) == (RUR_LABEL, 7.5)
    assert (cached["B30"].value, cached["C30"].value) == ("Balanskravsresultat", pytest.approx(175.5))
    assert forecast_inputs(report) == typed                       # not one typed figure cleared
    # 2021's row still links to the utredning, which is 2024's now, and 2024 has no row
    # in the year table: an error at each, saying what to type where
    checked = run("validera", str(report), "--format", "json")
    assert checked.returncode == 1
    errors = [(f["sheet"], f["cell"], f["rule"]) for f in json.loads(checked.stdout)["files"][0]["findings"]
              if f["severity"] == "fel"]
    assert errors == [("Prognos", "C17", "uppfoljning.prognos_lank"),
                      ("Prognos", "A20", "uppfoljning.rakenskapsar_saknas")]
    assert "Skriv 2021 års prognos som ett belopp i C17" in checked.stdout
    assert "Lägg till raden År 2024 i tabellen tblBalanskravAr, från A20 direkt under 2023" in checked.stdout
    # the controller does what they say: 2021's figure typed, 2024's row added with its budget
    set_cell(report, "Prognos", "C17", 168)
    add_year_row(report, 2024, 250)
    done = run("regenerera", str(report))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "=ATERSTALLNING(A15:A20,F15:F20)" in done.stdout        # the ledger's spill over the grown table
    assert "J15 " not in done.stdout                               # its unchanged cells are not listed
    ws = openpyxl.load_workbook(report)["Prognos"]
    assert ws["C20"].value == "=Balanskravsutredning!C16"         # 2024's prognos: the utredning's result
    checked = run("validera", str(report))
    assert checked.returncode == 0, checked.stdout
    assert "godkänd" in checked.stdout

    # back to 2021: line 9 removed, the spill one line shorter and its old last row cleared
    set_year(report, 2021)
    remove_line_9(report)
    done = run("validera", str(report))      # 2024's row, a later year now, still links to the utredning
    assert done.returncode == 1 and "Skriv 2024 års prognos som ett belopp i C20" in done.stdout
    set_cell(report, "Prognos", "C20", None)
    done = run("regenerera", str(report))
    assert done.returncode == 0, done.stdout + done.stderr
    assert 'ref="B20:C29"' in anchor_xml(report)
    cached = openpyxl.load_workbook(report, data_only=True)[US]
    assert (cached["B29"].value, cached["C29"].value) == ("Balanskravsresultat", pytest.approx(168))
    assert (cached["B30"].value, cached["C30"].value) == (None, None)
    assert forecast_inputs(report) == typed
    checked = run("validera", str(report))
    assert checked.returncode == 0, checked.stdout


def test_the_grown_spill_survives_a_libreoffice_save(report, tmp_path, soffice):
    from xlmodel.testing.libreoffice import convert

    set_year(report, 2024)
    add_line_9(report, 7.5)
    set_cell(report, "Prognos", "C17", 168)
    add_year_row(report, 2024, 250)
    assert run("regenerera", str(report)).returncode == 0
    saved = convert([report], tmp_path / "lo", soffice=soffice, recalc=False)[report]
    ws = openpyxl.load_workbook(saved)[US]
    assert ws["B20"].value.ref == "B20:C30"
    assert "C13" in ws["B20"].value.text
    # LibreOffice has no BALANSKRAV_UTREDNING: it caches #NAME? over the range, which
    # regenerate brings back to the rule core's figures, after which the book passes
    done = run("regenerera", str(saved))
    assert done.returncode == 0, done.stdout + done.stderr
    cached = openpyxl.load_workbook(saved, data_only=True)[US]
    assert (cached["B30"].value, cached["C30"].value) == ("Balanskravsresultat", pytest.approx(175.5))
    checked = run("validera", str(saved))
    assert checked.returncode == 0, checked.stdout


def test_the_macro_writes_the_anchor_only_and_excel_spills_it(report):
    from test_macros import FakeBook
    from udfs import live as X

    set_year(report, 2024)
    add_line_9(report)
    book = FakeBook.load(report)
    X.regenerate_book(book)
    on_sheet = [(ref, kind, f) for sheet, ref, kind, f in book.log if sheet == US]
    assert ("B20", "formula2", "=BALANSKRAV_UTREDNING(C5,C6,C7,C8,C9,C10,C11,C12,G5,C13)") in on_sheet
    inside = [(ref, kind) for ref, kind, _f in on_sheet
              if re.fullmatch(r"[BC](2\d|30)", ref) and ref != "B20"]
    assert inside == []                          # a value in the range would block the spill (#SPILL!)
    prognos = book.sheets["Prognos"]
    assert prognos.values["D15"] == -333 and prognos.values["C16"] == -203
