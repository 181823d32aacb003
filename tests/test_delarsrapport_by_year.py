"""The delårsrapport's balanskravsutredning follows its fiscal year: the rows are the
lines the year's wording has (1–8; 9, use of an old RUR, from 2024), and =BALANSKRAV()
and =BALANSKRAV_UTREDNING() get the year (and line 9) as their last arguments.

Real CLI processes on workbooks built by ``xlmodel bygg`` from source folders written
here, read back with openpyxl (another program's reader).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

REPO = Path(__file__).resolve().parent.parent
SHIPPED_SRC = REPO / "workbooks" / "src" / "vasterbotten_delarsrapport_2021_08"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xlmodel", *args], capture_output=True, text=True, cwd=REPO)


def source(tmp_path: Path, year: int, lines: dict[int, str]) -> Path:
    folder = tmp_path / "src" / f"d{year}"
    folder.mkdir(parents=True)
    (folder / "bok.toml").write_text(
        f'kind = "delarsrapport"\nfile = "d{year}.xlsm"\ntitle = "Delårsrapport {year}"\nfiscal_year = {year}\n',
        encoding="utf-8")
    rows = "".join(f"{n},Rad {n},{amount}\n" for n, amount in sorted(lines.items()))
    (folder / "utredning.csv").write_text("Nr,Post,Belopp\n" + rows, encoding="utf-8")
    return tmp_path / "src"


def build(tmp_path: Path, year: int, lines: dict[int, str]) -> subprocess.CompletedProcess[str]:
    return run("bygg", str(source(tmp_path, year, lines)), "--ut", str(tmp_path / "ut"))


# Sjöbo kommun, Budget 2024 (tests/test_law_by_year.py): −26,1 and 7,5 from the old RUR on line 9.
SJOBO_2024 = {1: "-26.1", 2: "", 3: "", 4: "", 5: "", 6: "", 7: "", 8: "", 9: "7.5"}


def test_a_2024_report_has_line_9_and_passes_the_year_and_line_9(tmp_path):
    done = build(tmp_path, 2024, SJOBO_2024)
    assert done.returncode == 0, done.stderr
    book = tmp_path / "ut" / "d2024.xlsm"
    ws = openpyxl.load_workbook(book)["Balanskravsutredning"]
    assert ws["C13"].value == 7.5                                    # row 9 of the table
    assert ws["C16"].value == "=C15+C11+C12+C13"                     # the native total takes line 9
    assert ws["C17"].value == "=BALANSKRAV(C5,C6,C7,C8,C9,C10,C11,C12,G5,C13)"
    cached = openpyxl.load_workbook(book, data_only=True)["Balanskravsutredning"]
    assert cached["C16"].value == pytest.approx(-18.6)
    assert cached["C17"].value == pytest.approx(-18.6)
    # the spilled utredning: 11 lines, line 9 with its label, the result last
    assert cached["B29"].value == "Användning av medel från resultatutjämningsreserv (RUR)"
    assert cached["C29"].value == 7.5
    assert (cached["B30"].value, cached["C30"].value) == ("Balanskravsresultat", pytest.approx(-18.6))
    checked = run("validera", str(book))
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_2021_report_passes_the_year_and_has_no_line_9(tmp_path):
    done = build(tmp_path, 2021, {n: v for n, v in {1: "869", 5: "-716", 6: "15"}.items()} | {2: "", 3: "", 4: "", 7: "", 8: ""})
    assert done.returncode == 0, done.stderr
    ws = openpyxl.load_workbook(tmp_path / "ut" / "d2021.xlsm")["Balanskravsutredning"]
    assert ws["C13"].value is None
    assert ws["C16"].value == "=C15+C11+C12"
    assert ws["C17"].value == "=BALANSKRAV(C5,C6,C7,C8,C9,C10,C11,C12,G5)"


def test_rows_that_do_not_follow_the_year_are_refused_naming_the_row(tmp_path):
    # line 9 in a 2021 report: the old RUR's use is line 8 before 2024
    done = build(tmp_path / "a", 2021, {n: "" for n in range(2, 9)} | {1: "10", 9: "1"})
    assert done.returncode == 2
    assert "rad 9 (användning av medel från äldre resultatutjämningsreserv) finns i utredningen från " \
           "räkenskapsåret 2024" in done.stderr
    # a 2024 report without line 9
    done = build(tmp_path / "b", 2024, {n: "" for n in range(2, 9)} | {1: "10"})
    assert done.returncode == 2
    assert "Rad 9 saknas i balanskravsutredningen för 2024" in done.stderr
    assert "Lägg till raden i utredning.csv: Nr 9" in done.stderr


def test_validate_names_an_old_report_whose_balanskrav_call_has_no_year(tmp_path):
    # A report built before the call took the year: the cell is named, regenerate fixes it.
    done = build(tmp_path, 2021, {n: "" for n in range(2, 9)} | {1: "10"})
    assert done.returncode == 0, done.stderr
    book = tmp_path / "ut" / "d2021.xlsm"
    wb = openpyxl.load_workbook(book, keep_vba=True)
    wb["Balanskravsutredning"]["C17"].value = "=BALANSKRAV(C5,C6,C7,C8,C9,C10,C11,C12)"
    wb.save(book)
    checked = run("validera", str(book))
    assert checked.returncode == 1
    assert "balanskrav.formel" in checked.stdout and "C17" in checked.stdout
    fixed = run("regenerera", str(book))
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert openpyxl.load_workbook(book)["Balanskravsutredning"]["C17"].value == \
        "=BALANSKRAV(C5,C6,C7,C8,C9,C10,C11,C12,G5)"


def test_the_shipped_source_is_a_2021_report_with_eight_lines():
    rows = (SHIPPED_SRC / "utredning.csv").read_text(encoding="utf-8").splitlines()
    assert [r.split(",")[0] for r in rows[1:]] == [str(n) for n in range(1, 9)]
