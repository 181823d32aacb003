"""A reserve line the law of the year has no place for, in a real delårsrapport edited by
openpyxl (another program than xlmodel): one finding at the line's cell, naming the rule;
regenerera refuses naming the same cell and writes nothing.

- FY2011: a surplus could be reserved to a resultatutjämningsreserv, but the reserve could
  be used only from 2013-01-01 (prop. 2011/12:172): line 8 (Balanskravsutredning!C12).
- FY2009: there was no reserve at all: line 7 (C11).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "workbooks" / "vasterbotten_delarsrapport_2021_08.xlsm"


def xlmodel(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xlmodel", *args], capture_output=True, text=True, cwd=ROOT,
                          input="")


@pytest.mark.parametrize("year, line, cell, rule, words", [
    (2011, 8, "C12", "reserv.anvandning_lag", "År 2011 kunde resultatutjämningsreserven inte användas"),
    (2009, 7, "C11", "balanskrav", "År 2009 fanns ingen resultatutjämningsreserv"),
])
def test_a_reserve_line_the_year_has_no_place_for_is_named_at_its_cell(tmp_path, year, line, cell, rule, words):
    import openpyxl

    book = tmp_path / "delarsrapport.xlsm"
    shutil.copy2(BOOK, book)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(book, keep_vba=True)
    ws = wb["Balanskravsutredning"]
    assert ws[f"A{line + 4}"].value == line      # tblUtredning: Nr in A, Belopp in C, line 1 in row 5
    ws["G5"] = year                             # Räkenskapsår
    ws[f"C{line + 4}"] = 5 if line == 8 else -5
    wb.save(book)

    done = xlmodel("validera", "--format", "json", str(book))
    found = [f for f in json.loads(done.stdout)["files"][0]["findings"] if words.casefold() in f["message"].casefold()]
    assert done.returncode == 1
    assert [(f["sheet"], f["cell"], f["rule"], f["severity"]) for f in found] == [
        ("Balanskravsutredning", cell, rule, "fel")], found      # once, at its cell

    data = book.read_bytes()
    done = xlmodel("regenerera", str(book))
    assert done.returncode == 2
    assert f"Blad 'Balanskravsutredning', cell {cell}, regel {rule}: {words}".casefold() in done.stderr.casefold(), \
        done.stderr
    assert book.read_bytes() == data
