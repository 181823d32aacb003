"""xlmodel's functions in a workbook made outside the project: every function cell is
recomputed with the same function and compared with its cached value (issue 12).

The workbooks are written by XlsxWriter (which stores cached formula values, as Excel
does) and saved again by a real LibreOffice; cached values are what the functions
themselves return for the inputs, as Excel would have stored them, except in the one
cell that is deliberately stale.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from decimal import Decimal

import udfs

REPO = Path(__file__).resolve().parents[1]

LINES = [869.0, 0.0, -716.0, 15.0, 0.0, 0.0, 0.0, 0.0]
YEARS = [2019.0, 2020.0, 2021.0, 2022.0]
RESULTS = [-333.0, 100.0, 150.0, 200.0]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xlmodel", *args], capture_output=True, text=True, cwd=REPO)


def own_workbook(path: Path, *, stale: bool = True, extra=None, spill: bool = True) -> dict[str, int]:
    """A controller's own workbook: own sheet names and layout, xlmodel's functions in
    ordinary cells (in the forms a file may store them), cached values as Excel would
    have stored them; ``Kontroll!C9`` is stale when ``stale``. Returns how many cells
    ``validera`` should compare."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    data = wb.add_worksheet("Utfall 2025")
    data.write_row("A1", ["Post", "Belopp"])
    for i, v in enumerate(LINES):
        data.write(1 + i, 0, f"rad {i + 1}")
        data.write(1 + i, 1, v)
    wb.define_name("Arets_resultat", "='Utfall 2025'!$B$2")

    frames = wb.add_worksheet("Nämndramar")
    frames.add_table("A1:C4", {"name": "tblNamnd", "columns": [
        {"header": "Nämnd"}, {"header": "Ram 2025"}, {"header": "Index"}],
        "data": [["Barn och utbildning", 812.5], ["Vård och omsorg", 640.0], ["Teknik", 120.25]]})
    index_cells = 0
    for r, ram in enumerate((812.5, 640.0, 120.25), start=2):
        frames.write_formula(f"C{r}", '=UPPRAKNING(tblNamnd[[#This Row],[Ram 2025]],"3,1 %")', None,
                             udfs.UPPRAKNING(ram, "3,1 %"))
        index_cells += 1

    ws = wb.add_worksheet("Kontroll")
    wb.define_name("Kontroll!Tillagg", "=100")  # a sheet-scope name with a constant
    bk = udfs.BALANSKRAV(*LINES)
    ws.write("A1", "Kontroller av budgeten")
    ws.write_formula("C2", "=BALANSKRAV('Utfall 2025'!B2,'Utfall 2025'!B3,'Utfall 2025'!B4,'Utfall 2025'!B5)",
                     None, udfs.BALANSKRAV(*LINES[:4]))
    ws.write_formula("C3", "=_xludf.BALANSKRAV('Utfall 2025'!$B$2,,'Utfall 2025'!$B$4,'Utfall 2025'!$B$5)",
                     None, udfs.BALANSKRAV(869.0, None, -716.0, 15.0))
    ws.write_formula("C4", "=balanskrav(Arets_resultat)", None, udfs.BALANSKRAV(869.0))
    ws.write_formula("C5", "=ROUND(BALANSKRAV(Arets_resultat+Tillagg)/3,1)", None,
                     round(udfs.BALANSKRAV(969.0) / 3, 1))
    ws.write_formula("C6", "=SUM(UPPRAKNING(tblNamnd[Ram 2025],0.031))", None,
                     sum(r[0] for r in udfs.UPPRAKNING(((812.5,), (640.0,), (120.25,)), 0.031)))
    ws.write_formula("C7", "=RESERVUTRYMME(2026,182,170,6500,2453)", None,
                     udfs.RESERVUTRYMME(2026.0, 182.0, 170.0, 6500.0, 2453.0))
    ws.write_formula("C8", '=INDEXSATS_VAGD(0.03,0.015,"60 %")', None, udfs.INDEXSATS_VAGD(0.03, 0.015, "60 %"))
    ws.write_formula("C9", "=BALANSKRAV('Utfall 2025'!B2:B2*2)", None, 999 if stale else udfs.BALANSKRAV(1738.0))
    ws.write_formula("C10", "=-BALANSKRAV(-'Utfall 2025'!B4)%", None, -udfs.BALANSKRAV(716.0) / 100)
    if not spill:
        if extra:
            extra(wb, ws)
        wb.close()
        return {"function_cells": index_cells + 9, "compared": index_cells + 9}
    # A table result in a dynamic array formula: the whole spill is compared.
    ws.write_column("A13", YEARS)
    ws.write_column("B13", RESULTS)
    ledger = udfs.ATERSTALLNING(tuple((y,) for y in YEARS), tuple((r,) for r in RESULTS))
    last_col = chr(ord("D") + len(ledger[0]) - 1)
    ws.write_dynamic_array_formula(f"D13:{last_col}{12 + len(ledger)}", "=ATERSTALLNING(A13:A16,B13:B16)",
                                   None, ledger[0][0])
    for i, row in enumerate(ledger):
        for j, v in enumerate(row):
            if i or j:
                ws.write(12 + i, 3 + j, v)
    if extra:
        extra(wb, ws)
    wb.close()
    return {"function_cells": index_cells + 9 + 1, "compared": index_cells + 9 + len(ledger) * len(ledger[0])}


def findings_of(path: Path) -> tuple[int, dict]:
    p = run_cli("validera", "--format", "json", str(path))
    doc = json.loads(p.stdout)
    return p.returncode, doc["files"][0] if "files" in doc else doc


def test_every_function_cell_checked_and_exactly_the_stale_one_reported(tmp_path):
    path = tmp_path / "egen budget 2026.xlsx"
    expected = own_workbook(path)
    before = path.read_bytes()
    p = run_cli("validera", "--format", "json", str(path))
    assert p.returncode == 1, p.stdout + p.stderr
    report = json.loads(p.stdout)["files"][0]
    assert report["checked_cells"] == expected["compared"]
    assert [(f["rule"], f["sheet"], f["cell"], f["subject"]) for f in report["findings"]] == [
        ("funktionscell.inaktuell", "Kontroll", "C9", "BALANSKRAV")]
    f = report["findings"][0]
    assert (f["expected"], f["found"]) == ("1738", "999")
    assert path.read_bytes() == before  # validera never writes


def test_clean_workbook_passes_and_text_report_names_the_cell(tmp_path):
    path = tmp_path / "egen.xlsx"
    own_workbook(path, stale=False)
    p = run_cli("validera", str(path))
    assert p.returncode == 0, p.stdout + p.stderr
    assert "känns inte igen" not in p.stdout
    stale = tmp_path / "stale.xlsx"
    own_workbook(stale)
    p = run_cli("validera", str(stale))
    assert p.returncode == 1
    line = next(x for x in p.stdout.splitlines() if "funktionscell.inaktuell" in x)
    assert "Kontroll" in line and "C9" in line and "1 738" in line and "999" in line


def test_a_spilled_value_that_is_stale_is_reported_at_its_cell(tmp_path):
    def edit(wb, ws):
        ws.write("J13", "fel status")  # the ledger's status column, first row

    path = tmp_path / "spill.xlsx"
    own_workbook(path, stale=False, extra=edit)
    code, report = findings_of(path)
    assert code == 1
    assert [(f["rule"], f["cell"]) for f in report["findings"]] == [("funktionscell.inaktuell", "J13")]


def test_what_is_not_computed_is_a_note_naming_the_cell(tmp_path):
    def edit(wb, ws):
        ws.write_formula("E2", "=ANNATTILLAGG(C2)+BALANSKRAV(C2)", None, 5)
        ws.write_formula("E3", "=BALANSKRAV(SUM(A:A))", None, 0)
        ws.write_formula("E4", "=BALANSKRAV([1]Blad1!A1)", None, 0)

    path = tmp_path / "notes.xlsx"
    own_workbook(path, stale=False, extra=edit)
    code, report = findings_of(path)
    assert code == 0  # notes are not errors, but they are shown
    notes = {f["cell"]: f for f in report["findings"]}
    assert set(notes) == {"E2", "E3", "E4"}
    assert all(f["rule"] == "funktionscell.ej_kontrollerad" and f["severity"] == "info" for f in notes.values())
    assert "ANNATTILLAGG" in notes["E2"]["message"]
    assert "hela kolumner" in notes["E3"]["message"]
    assert "annan arbetsbok" in notes["E4"]["message"]


def test_error_values_and_missing_cached_values(tmp_path):
    def edit(wb, ws):
        ws.write_formula("E2", "=BALANSKRAV(C2)", None, "#NAME?")
        ws.write_formula("E3", '=BALANSKRAV("tre")', None, udfs.BALANSKRAV("tre"))
        ws.write_formula("E4", "=BALANSKRAV(C2)", None, "#XLMODEL: gammalt fel")

    path = tmp_path / "errors.xlsx"
    own_workbook(path, stale=False, extra=edit)
    code, report = findings_of(path)
    assert code == 1
    by_cell = {f["cell"]: f for f in report["findings"]}
    assert set(by_cell) == {"E2", "E3", "E4"}
    assert by_cell["E2"]["rule"] == "funktionscell.felvarde" and "LibreOffice" in by_cell["E2"]["message"]
    assert by_cell["E3"]["rule"] == "funktionscell.felvarde" and "arets_resultat" in by_cell["E3"]["message"]
    assert by_cell["E4"]["rule"] == "funktionscell.felvarde"


def test_openpyxl_save_loses_cached_values_which_is_a_warning_per_cell(tmp_path):
    import openpyxl

    path = tmp_path / "egen.xlsx"
    expected = own_workbook(path, stale=False)
    wb = openpyxl.load_workbook(path)
    wb.save(path)
    code, report = findings_of(path)
    rules = {f["rule"] for f in report["findings"]}
    assert rules == {"funktionscell.ej_beraknad"}
    assert len(report["findings"]) == expected["function_cells"]
    assert code == 0
    assert run_cli("validera", "--strikt", str(path)).returncode == 1


def test_libreoffice_save_keeps_cached_values_and_lowercases_names(tmp_path, soffice):
    """A real LibreOffice save with its default settings for .xlsx (cached values kept):
    the names come back lower case; every function cell is still checked and only the
    stale one is reported."""
    from xlmodel.testing.libreoffice import convert
    from xlmodel.xlsx.package import Package

    src = tmp_path / "egen.xlsx"
    expected = own_workbook(src, spill=False)
    out = convert([src], tmp_path / "lo", recalc=False, soffice=soffice)[src]
    saved = tmp_path / "sparad av libreoffice.xlsx"
    saved.write_bytes(out.read_bytes())
    pkg = Package.open(saved)
    sheet_xml = b"".join(pkg.part(n) for n in pkg.names if n.startswith("xl/worksheets/sheet"))
    assert b"balanskrav(" in sheet_xml and b"BALANSKRAV(" not in sheet_xml  # LibreOffice lowercased them
    before = saved.read_bytes()
    code, report = findings_of(saved)
    assert code == 1
    assert [(f["rule"], f["sheet"], f["cell"]) for f in report["findings"]] == [
        ("funktionscell.inaktuell", "Kontroll", "C9")]
    assert report["checked_cells"] == expected["compared"]
    assert saved.read_bytes() == before


def test_libreoffice_recalculates_array_formulas_even_by_default(tmp_path, soffice):
    """LibreOffice computes an array formula on load whatever its settings: saved by it,
    the =ATERSTALLNING ledger holds #NAME?, which is reported at the formula's cell
    (the file no longer holds the rule's result)."""
    from xlmodel.testing.libreoffice import convert

    src = tmp_path / "egen.xlsx"
    own_workbook(src, stale=False)
    out = convert([src], tmp_path / "lo", recalc=False, soffice=soffice)[src]
    code, report = findings_of(out)
    assert code == 1
    assert [(f["rule"], f["cell"], f["found"]) for f in report["findings"]] == [
        ("funktionscell.felvarde", "D13", "#NAME?")]
    assert "LibreOffice" in report["findings"][0]["message"]


def test_libreoffice_recalculation_caches_name_errors_which_are_reported(tmp_path, soffice):
    """Recalculated by LibreOffice (which has no xlmodel functions) a function cell holds
    #NAME?: the file has no result of the rule, and each such cell says so."""
    from xlmodel.testing.libreoffice import convert

    src = tmp_path / "egen.xlsx"
    expected = own_workbook(src, stale=False)
    out = convert([src], tmp_path / "lo", recalc=True, soffice=soffice)[src]
    code, report = findings_of(out)
    assert code == 1
    assert {f["rule"] for f in report["findings"]} == {"funktionscell.felvarde"}
    assert all("#NAME?" in f["message"] for f in report["findings"])
    assert len(report["findings"]) == expected["function_cells"]


def test_shipped_workbooks_function_cells_are_not_reported_twice(tmp_path):
    """The regionplan's =ATERSTALLNING ledger is compared by its own validator; a stale
    cached value there is one finding, not two."""
    from xlmodel.workbook import function_cells
    from xlmodel.workbook.cells import PackageCells
    shipped = REPO / "workbooks" / "vasterbotten_regionplan_2021.xlsm"
    code, report = findings_of(shipped)
    assert not [f for f in report["findings"] if f["rule"].startswith("funktionscell")]
    cells = PackageCells.open(shipped)
    found = [(s, c.ref) for s, c in function_cells.function_cells(cells) if function_cells.calls_xlmodel(c.formula)]
    assert found == [("Balanskrav", "G4")]
    from xlmodel.workbook import kinds
    assert function_cells.owned_by_parts(kinds.parts_of("regionplan")) == frozenset(found)


def test_forklara_explains_a_function_cell(tmp_path):
    path = tmp_path / "egen.xlsx"
    own_workbook(path)
    p = run_cli("forklara", str(path), "Kontroll!C9")
    assert p.returncode == 1, p.stderr  # the stored value disagrees with the rule
    out = p.stdout
    assert "xlmodels funktion BALANSKRAV" in out
    assert "LKBR (2018:597) 11 kap. 10 §" in out
    assert "Utfall 2025!B2" in out and "869" in out
    assert "1 738" in out and "AVVIKELSE" in out
    p = run_cli("forklara", str(path), "Nämndramar!C3", "--format", "json")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)["explanation"]
    assert doc["rule"] == "upprakning" and doc["status"] == "beräknad"
    assert doc["inputs"][0]["address"] == "Nämndramar!B3"
    assert doc["mismatch"] is None


def test_formulas_filled_down_or_copied_are_each_evaluated_at_their_own_cells(tmp_path):
    """A formula is parsed once per column and moved to each cell; a same-looking
    formula that is NOT its filled-down copy (same text one row lower, an absolute row,
    a different constant) must be read as written."""
    import xlsxwriter

    path = tmp_path / "fyllda.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Blad1")
    values = [100.0, 200.0, 300.0, 400.0]
    ws.write_column("A1", values)
    cases = [
        ("C1", "=BALANSKRAV(A1)", 100.0),
        ("C2", "=BALANSKRAV(A2)", 200.0),     # filled down
        ("C3", "=BALANSKRAV(A2)", 200.0),     # same text one row lower: still A2
        ("C4", "=BALANSKRAV($A$1)", 100.0),
        ("C5", "=BALANSKRAV($A$2)", 200.0),   # absolute rows differ: read as written
        ("C6", "=BALANSKRAV(A6+1)", 1.0),     # A6 is blank
        ("C7", "=BALANSKRAV(A7+2)", 2.0),     # the constant differs from the filled-down copy
        ("C8", "=BALANSKRAV(A$4)", 400.0),
        ("C9", "=BALANSKRAV(A$4)", 400.0),
    ]
    for ref, formula, value in cases:
        ws.write_formula(ref, formula, None, value)
    wb.close()
    code, report = findings_of(path)
    assert (code, report["findings"], report["checked_cells"]) == (0, [], len(cases))
    # The same workbook with each cached value off by one: each cell is found.
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Blad1")
    ws.write_column("A1", values)
    for ref, formula, value in cases:
        ws.write_formula(ref, formula, None, value + 1)
    wb.close()
    code, report = findings_of(path)
    assert code == 1
    assert [f["cell"] for f in report["findings"]] == [ref for ref, _, _ in cases]


def test_the_benchmark_workbook_is_checked_clean(tmp_path):
    """bench's workbook of function cells (validate:funktionsceller_N) validates clean,
    every cell checked, through the CLI; one changed input makes its cell stale."""
    from bench.generate import function_cell_workbook

    path = function_cell_workbook(tmp_path, 60)
    code, report = findings_of(path)
    assert (code, report["findings"], report["checked_cells"]) == (0, [], 60)
    from xlmodel.xlsx.atomic import save_package
    from xlmodel.xlsx.package import Package
    from xlmodel.xlsx.patch import CellWrite, patch_sheet

    pkg = Package.open(path)
    save_package(patch_sheet(pkg, "Utfall", [CellWrite(ref="A5", value=Decimal("1000"))]), path,
                 expect_sha256=pkg.sha256, backup=False)
    code, report = findings_of(path)
    assert code == 1
    assert [(f["sheet"], f["cell"]) for f in report["findings"]] == [("Kontroll", "A5")]
