"""A percentage in an mkr cell is refused, not read as mkr (issue: nothing lost on a shared
drive, point 5: "a percent in an amount cell is refused").

Typing "7 %" into a cell makes Excel store the number 0.07 and give the cell a percent
number format; the file holds no "%" character. Read as an amount that is 0,07 mkr, a
frame of 1 000 mkr silently becoming 0,07. Each case writes exactly that (0.07 with one
of the book's own percent styles) into an amount cell of a shipped workbook's input
tables, of a book ``anslut`` adopted, and of a team's range ``anslut`` reads, and runs the
real CLI: the cell is named with the rule, and nothing is written. A rate cell shown as a
percentage stays what it is, a rate.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures.team_book import TeamBook
from test_adopt import FRAMES_HEADER, adopt, run_cli, team_workbook
from xlmodel.workbook.cells import PackageCells
from xlmodel.xlsx import CellWrite, Package, patch_sheet
from xlmodel.xlsx.styles import percent_style_ids

ROOT = Path(__file__).resolve().parents[1]
BOOKS = ROOT / "workbooks"

# (book, sheet, table, header of an amount column): one amount cell per input table kind
CASES = [
    ("vasterbotten_regionplan_2021.xlsm", "Ramar", "tblRamar", "Budgetram föregående år"),
    ("vasterbotten_regionplan_2021.xlsm", "Förändringar", "tblForandringar", "Belopp"),
    ("vasterbotten_regionplan_2021.xlsm", "Resultatbudget", "tblResultatbudget", "Skatteintäkter"),
    ("vasternorrland_regionplan_2020_2022.xlsx", "Resursramar", "tblResursramar", "Resursram 2019"),
    ("vasternorrland_regionplan_2020_2022.xlsx", "Återställning", "tblBalanskravsresultat", "Balanskravsresultat"),
    ("vasterbotten_delarsrapport_2021_08.xlsm", "Driftredovisning", "tblDrift", "Utfall t.o.m. perioden"),
    ("vasterbotten_delarsrapport_2021_08.xlsm", "Balanskravsutredning", "tblUtredning", "Belopp"),
]


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "xlmodel", *args], capture_output=True, text=True,
                          encoding="utf-8", cwd=cwd, env=env, timeout=300)


def first_amount_cell(pkg: Package, table: str, header: str) -> tuple[str, str]:
    """(sheet, cell) of the first data cell of ``header`` in ``table`` that holds a number
    other than 0 (what a controller would overwrite with "7 %")."""
    cells = PackageCells(pkg)
    loc = cells.table(table)
    assert loc is not None, table
    sheet_cells = cells.cells(loc.sheet)
    first, last = loc.ref.split(":")
    header_row = int(first.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    column = next(c.ref.rstrip("0123456789") for c in sheet_cells.values()
                  if c.row == header_row and c.value == header)
    for row in range(header_row + 1, int(last.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) + 1):
        c = sheet_cells.get(f"{column}{row}")
        if c is not None and c.formula is None and c.value:
            return loc.sheet, c.ref
    raise AssertionError(f"no amount in {table}.{header}")


def typed_percent(src: Path, dest: Path, table: str, header: str) -> tuple[str, str]:
    """``dest``: ``src`` with 7 % typed, as Excel stores it, into the first amount cell of
    ``header``; returns that cell."""
    pkg = Package.open(src)
    sheet, ref = first_amount_cell(pkg, table, header)
    style = min(percent_style_ids(pkg))
    dest.write_bytes(patch_sheet(pkg, sheet, [CellWrite(ref, 0.07, style=style)]).to_bytes())
    return sheet, ref


@pytest.mark.parametrize("book, sheet, table, header", CASES, ids=[f"{c[0][:12]}-{c[2]}" for c in CASES])
def test_seven_percent_typed_in_an_mkr_cell_is_refused(tmp_path, book, sheet, table, header):
    path = tmp_path / book
    at_sheet, ref = typed_percent(BOOKS / book, path, table, header)
    assert at_sheet == sheet
    before = path.read_bytes()

    checked = cli("validera", "--format", "json", path.name, cwd=tmp_path)
    assert checked.returncode in (1, 2), checked.stdout + checked.stderr
    report = json.loads(checked.stdout)["files"][0]
    hits = [f for f in report["findings"] if (f["sheet"], f["cell"]) == (sheet, ref)]
    assert hits and "talformatet är procent" in hits[0]["message"], report["findings"]
    assert "7 %" in hits[0]["message"] and "mkr" in hits[0]["message"], hits[0]
    assert hits[0]["severity"] == "fel"

    written = cli("regenerera", path.name, cwd=tmp_path)
    assert written.returncode == 2, written.stdout + written.stderr
    assert f"cell {ref}" in written.stderr and "talformatet är procent" in written.stderr, written.stderr
    assert sheet in written.stderr
    assert path.read_bytes() == before  # nothing written


def test_a_rate_shown_as_a_percentage_is_still_a_rate():
    # Västernorrland's Löne- och prisförändring cells are percent-formatted rates (2,8 %):
    # they are read as rates, and the shipped book validates.
    path = BOOKS / "vasternorrland_regionplan_2020_2022.xlsx"
    cells = PackageCells.open(path)
    assert cells.shown_as_percent("Parametrar", "B15")
    checked = cli("validera", path.name, cwd=BOOKS)
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize("typed", ["shown as 7 %", "the text 7 %"])
def test_anslut_refuses_a_team_frame_typed_as_a_percentage(tmp_path, typed):
    book = tmp_path / "team.xlsx"
    with TeamBook(book) as team:
        ws = team.frames(header=FRAMES_HEADER, total=True)
        if typed == "shown as 7 %":
            ws.write_number("B3", 0.07, team.workbook.add_format({"num_format": "0%"}))
        else:
            ws.write_string("B3", "7 %")
    before = book.read_bytes()
    run = adopt(book)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "Nämndramar" in run.stderr and "cell B3" in run.stderr and "procent" in run.stderr, run.stderr
    assert book.read_bytes() == before


def test_a_percentage_typed_into_an_adopted_frame_table_is_refused(tmp_path):
    book = tmp_path / "team.xlsx"
    team_workbook(book)
    assert adopt(book).returncode == 0
    pkg = Package.open(book)
    cells = PackageCells(pkg)
    table = next(name for name in ("tblRamar",) if cells.table(name) is not None)
    sheet, ref = typed_percent(book, book, table, "Budgetram föregående år")
    checked = run_cli("validera", "--format", "json", book.name, cwd=tmp_path)
    assert checked.returncode in (1, 2), checked.stdout + checked.stderr
    findings = json.loads(checked.stdout)["files"][0]["findings"]
    assert [f["severity"] for f in findings if (f["sheet"], f["cell"]) == (sheet, ref)
            and "talformatet är procent" in f["message"]] == ["fel"], findings


def test_anslut_refuses_a_balance_result_shown_as_a_percentage(tmp_path):
    # the balanskrav part's years (Balans!A2:B5) come through the reading every adopted table has
    from test_adopt_parts import adopt as adopt_parts

    book = tmp_path / "team.xlsx"
    with TeamBook(book) as team:
        team.years(header=True)
        team.goals()
        ws = team.balance(check=True)
        ws.write_number("B3", 0.07, team.workbook.add_format({"num_format": "0%"}))  # over the year's result
    before = book.read_bytes()
    run = adopt_parts(book)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "Balans" in run.stderr and "cell B3" in run.stderr and "talformatet är procent" in run.stderr, \
        run.stderr
    assert book.read_bytes() == before
