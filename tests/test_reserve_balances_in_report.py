"""The reserves' balances in a delårsrapport: the old RUR and the resultatreserv side by
side, the cap on the resultatreserv only (issue 14, point 2), on the sheet.

A report built with the balances at the start of the year (``bok.toml``: rur_ingaende,
resultatreserv_ingaende, reservunderlag) has them as named parameters under the year and
=RESERVER() spilled beside the utredning over the year's reserve lines (7, 8 and from
2024 line 9). ``validera`` checks the spill and reports the ledger's errors at the line
that moves the bucket; ``regenerera`` brings the spill up to date. A report built without
them (the shipped one) has neither. Real CLI processes on books built by ``xlmodel bygg``,
read back with openpyxl; one saved by LibreOffice.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from xlmodel.xlsx.atomic import save_package
from xlmodel.xlsx.package import Package
from xlmodel.xlsx.patch import CellWrite, patch_sheet

REPO = Path(__file__).resolve().parent.parent
US = "Balanskravsutredning"
HEADERS = ["År", "RUR ingående", "RUR utgående", "Resultatreserv ingående", "Resultatreserv utgående",
           "Tak resultatreserv", "Anmärkning"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xlmodel", *args], capture_output=True, text=True, cwd=REPO)


def build(tmp_path: Path, year: int, lines: dict[int, str], reserves: str) -> Path:
    folder = tmp_path / "src" / f"r{year}"
    folder.mkdir(parents=True)
    (folder / "bok.toml").write_text(
        f'kind = "delarsrapport"\nfile = "r{year}.xlsm"\ntitle = "Delårsrapport {year}"\nfiscal_year = {year}\n'
        + reserves, encoding="utf-8")
    rows = "".join(f"{n},Rad {n},{lines.get(n, '')}\n" for n in range(1, 10 if year >= 2024 else 9))
    (folder / "utredning.csv").write_text("Nr,Post,Belopp\n" + rows, encoding="utf-8")
    done = run("bygg", str(tmp_path / "src"), "--ut", str(tmp_path / "ut"))
    assert done.returncode == 0, done.stderr
    return tmp_path / "ut" / f"r{year}.xlsm"


def spilled(path: Path) -> list[list]:
    ws = openpyxl.load_workbook(path, data_only=True)[US]
    return [[ws.cell(r, c).value for c in range(6, 13)] for r in (15, 16)]


def errors(path: Path) -> tuple[int, list[tuple[str, str]]]:
    done = run("validera", str(path), "--format", "json")
    found = json.loads(done.stdout)["files"][0]["findings"]
    return done.returncode, [(f["cell"], f["rule"]) for f in found if f["severity"] == "fel"]


# 2024: årets resultat 40, 20 reserved to the resultatreserv, 7,5 taken from the old RUR
LINES_2024 = {1: "40", 7: "-20", 9: "7.5"}
RESERVES_2024 = "rur_ingaende = 50\nresultatreserv_ingaende = 0\nreservunderlag = 1000\n"


def test_a_2024_report_shows_both_buckets_and_passes(tmp_path):
    book = build(tmp_path, 2024, LINES_2024, RESERVES_2024)
    ws = openpyxl.load_workbook(book)[US]
    assert ws["F15"].value.text == "=RESERVER(G5,C11,C12,C13,G10,G8,G9)"
    assert ws["F15"].value.ref == "F15:L16"
    assert (ws["F8"].value, ws["G8"].value) == ("RUR vid årets början, mkr", 50)
    # the old RUR 50 → 42,5 (line 9, outside the cap); the resultatreserv 0 → 20, cap 5 % of 1 000
    assert spilled(book) == [HEADERS, [2024, 50, 42.5, 0, 20, 50, None]]
    assert errors(book) == (0, [])


def test_a_use_larger_than_the_bucket_and_the_cap_passed_are_errors_at_their_lines(tmp_path):
    book = build(tmp_path, 2024, LINES_2024, RESERVES_2024)
    pkg = Package.open(book)   # the controller lowers the RUR's opening and reserves 80
    save_package(patch_sheet(pkg, US, [CellWrite("G8", 5), CellWrite("C11", -80)]), book,
                 expect_sha256=pkg.sha256, backup=False)
    code, found = errors(book)
    assert code == 1
    assert ("C13", "reserv.saldo_negativt") in found and ("C11", "reserv.tak") in found
    assert ("G16", "balanskrav") in found                  # the stored balance is stale
    done = run("regenerera", str(book))
    assert done.returncode == 1, done.stdout + done.stderr  # written; the two rule errors stay
    assert spilled(book)[1][:6] == [2024, 5, -2.5, 0, 80, 50]
    assert errors(book) == (1, [("C11", "reserv.tak"), ("C13", "reserv.saldo_negativt")])
    explained = run("forklara", str(book), f"{US}!J16")
    assert "Resultatreserv utgående för 2024" in explained.stdout and "RESERVER i F15" in explained.stdout


def test_before_2024_one_bucket_and_no_line_9(tmp_path):
    book = build(tmp_path, 2021, {1: "-10", 8: "12"}, "rur_ingaende = 100\n")
    ws = openpyxl.load_workbook(book)[US]
    assert ws["F15"].value.text == "=RESERVER(G5,C11,C12,,G10,G8,G9)"   # line 9 left out before 2024
    assert spilled(book) == [HEADERS, [2021, 100, 88, 0, 0, None, None]]
    assert errors(book) == (0, [])


def test_a_report_without_the_balances_has_no_block():
    from xlmodel.workbook.cells import PackageCells

    cells = PackageCells.open(REPO / "workbooks" / "vasterbotten_delarsrapport_2021_08.xlsm")
    assert cells.defined_name("ReservRurIngaende") is None
    assert cells.formula(US, "F15") is None


def test_the_block_survives_a_libreoffice_save(tmp_path, soffice):
    from xlmodel.testing.libreoffice import convert

    book = build(tmp_path, 2024, LINES_2024, RESERVES_2024)
    saved = convert([book], tmp_path / "lo", soffice=soffice, recalc=False)[book]
    assert openpyxl.load_workbook(saved)[US]["F15"].value.ref == "F15:L16"
    done = run("regenerera", str(saved))       # LibreOffice's #NAME? caches brought back
    assert done.returncode == 0, done.stdout + done.stderr
    assert spilled(saved) == [HEADERS, [2024, 50, 42.5, 0, 20, 50, None]]
    assert errors(saved) == (0, [])


def test_the_macro_reads_the_balances_by_their_names_and_leaves_the_spill_to_excel(tmp_path):
    """The Excel macro (the xlwings double of test_macros) on a report whose RUR opening
    was lowered: it finds the parameters by their defined names, writes nothing into the
    spill (Excel recalculates =RESERVER() itself) and reports the ledger's error."""
    from test_macros import FakeBook
    from udfs import live as X

    book = build(tmp_path, 2024, LINES_2024, RESERVES_2024)
    pkg = Package.open(book)
    save_package(patch_sheet(pkg, US, [CellWrite("G8", 5)]), book, expect_sha256=pkg.sha256, backup=False)
    fake = FakeBook.load(book)
    report = X.regenerate_book(fake)
    assert not [entry for entry in fake.log if entry[0] == US and entry[1][0] in "FGHIJKL"
                and entry[1][1:] in ("15", "16")]
    assert any("reserv.saldo_negativt" in line or "mer ur resultatutjämningsreserven" in line for line in report.lines)


def test_a_parameter_moved_by_its_name_is_read_and_referenced_where_it_stands(tmp_path):
    """The RUR's opening cut and pasted to G12 (Excel moves the value and the defined name):
    =RESERVER() is expected to read G12, regenerate writes that, and the balances follow."""
    from xlmodel.xlsx.defined_names import set_defined_names

    book = build(tmp_path, 2024, LINES_2024, RESERVES_2024)
    pkg = Package.open(book)
    moved = patch_sheet(pkg, US, [CellWrite("G8", None), CellWrite("G12", 30)])
    moved = set_defined_names(moved, {"ReservRurIngaende": "'Balanskravsutredning'!$G$12"})
    save_package(moved, book, expect_sha256=pkg.sha256, backup=False)
    code, found = errors(book)
    assert code == 1 and ("F15", "balanskrav.formel") in found, found
    done = run("regenerera", str(book))
    assert done.returncode == 0, done.stdout + done.stderr
    assert openpyxl.load_workbook(book)[US]["F15"].value.text == "=RESERVER(G5,C11,C12,C13,G10,G12,G9)"
    assert spilled(book)[1][:3] == [2024, 30, 22.5]
    assert errors(book) == (0, [])
