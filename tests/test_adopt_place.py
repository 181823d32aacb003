"""``xlmodel anslut --plats resultatbudget=Budget!H2 --plats balanskrav=Budget!A30``: the
parts' input tables and output blocks written on a sheet of the team's own (issue 12,
"Parts anywhere"), in a team book made by XlsxWriter. Every command is a real process.

- the part stands from the cell named; every other part of the package keeps its bytes
  except the bookkeeping parts docs/workbooks.md names (and the team's sheet, whose
  every cell, merged range and column width is kept);
- ``validera`` passes, ``regenerera`` has nothing to write, ``forklara`` explains a cell
  of the placed blocks, ``rulla-fram`` rolls the year with the parts there;
- a place whose area touches the team's filled cells, merged cells, an Excel Table or
  another part's block, or has a filled cell right under or beside a placed table (which
  ``validera`` would read as input outside it), is refused with one message naming sheet
  and cell, and the file keeps every byte.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from fixtures.team_book import TeamBook, saved_by_libreoffice
from test_adopt import BOOKKEEPING, parts_of, run_cli, styles_only_gained, validate_json

PLACE = ("--plats", "resultatbudget=Budget!H2", "--plats", "balanskrav=Budget!A30")


def team_book(path: Path, *, table: str | None = None, note: str | None = None, frames: bool = False) -> None:
    """A controller's book whose sheet 'Budget' has their own notes (A1, B2), a merged
    range (A25:C26), a column width; with ``table`` an Excel Table of theirs there, with
    ``note`` one more filled cell. The parts' inputs on RB, Mål, Balans (and Nämndramar)."""
    with TeamBook(path) as book:
        ws = book.sheet("Budget")
        ws.set_column("A:A", 30)
        ws.write("A1", "Budget 2026, kontrollantens anteckningar")
        ws.write_number("B2", 123)
        ws.merge_range("A25:C26", "Sammanfattning")
        if table:
            ws.add_table(table, {"name": "tblEgen", "columns": [{"header": "Post"}, {"header": "Belopp"}]})
        if note:
            ws.write(note, "min anteckning")
        if frames:
            book.frames()
        book.years()
        book.goals()
        book.balance()


def adopt(path: Path, *extra: str, parts: str = "resultatbudget,balanskrav"):
    return run_cli("anslut", path.name, "--delar", parts, "--resultatbudget", "RB!A2:E5", "--mal", "Mål!A2:G2",
                   "--balanskrav", "Balans!A2:B5", *extra, cwd=path.parent)


def budget_part(path: Path) -> str:
    from xlmodel.workbook.cells import PackageCells

    return next(s.part for s in PackageCells.open(path).pkg.sheets if s.name == "Budget")


def team_cells(path: Path) -> dict[str, object]:
    from xlmodel.workbook.cells import PackageCells

    cells = PackageCells.open(path)
    return {ref: (cells.formula("Budget", ref), cells.value("Budget", ref)) for ref in cells.cells("Budget")}


def test_resultatbudget_and_balanskrav_on_the_teams_own_sheet(tmp_path):
    from xlmodel.workbook.cells import PackageCells

    book = tmp_path / "budget.xlsx"
    team_book(book)
    before = parts_of(book)
    theirs = team_cells(book)
    run = adopt(book, *PLACE)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "resultatbudgeten skrivs på ert blad 'Budget' från H2" in run.stdout
    assert "nya blad: xlwings.conf" in run.stdout  # no sheet of the parts' own

    after = parts_of(book)
    sheet = budget_part(book)
    changed = sorted(n for n in before if n not in BOOKKEEPING | {sheet} and after[n] != before[n])
    assert changed == [], changed
    styles_only_gained(before["xl/styles.xml"], after["xl/styles.xml"])
    # the team's sheet: every cell of theirs as it was, the merged range and width kept
    now = team_cells(book)
    assert {ref: now[ref] for ref in theirs} == theirs
    for keep in (rb"<mergeCells.*?</mergeCells>", rb"<cols>.*?</cols>"):
        assert re.search(keep, before[sheet], re.S).group(0) == re.search(keep, after[sheet], re.S).group(0)

    cells = PackageCells.open(book)
    assert [cells.table(t).sheet for t in ("tblResultatbudget", "tblMal", "tblBalanskrav", "tblFrister")] == ["Budget"] * 4
    assert cells.table("tblResultatbudget").ref.startswith("H2:")
    assert cells.table("tblBalanskrav").ref.startswith("A30:")
    # 2026 (the third year, row 5): resultat = -7200 + 5400 + 2000 = 200
    assert cells.formula("Budget", "U5") == "R5+T5" and cells.value("Budget", "U5") == Decimal("200")
    assert cells.formula("Budget", "G30").startswith("ATERSTALLNING(A31:A")
    assert cells.value("Budget", "G31") == 2023 and cells.value("Budget", "K31") == Decimal("15")
    assert b't="array"' in after[sheet] and b'cm="1"' in after[sheet]  # a dynamic array, as Excel 365 keeps it
    assert cells.value("Budget", "A29") is None and cells.value("Budget", "F1") is None  # nothing above the cell

    code, report = validate_json(book)
    assert code == 0 and report["findings"] == [] and report["parts"] == ["resultatbudget", "balanskrav"], report
    regen = run_cli("regenerera", book.name, cwd=tmp_path)
    assert regen.returncode == 0 and "inga celler behöver ändras" in regen.stdout, regen.stdout + regen.stderr
    explain = run_cli("forklara", book.name, "Budget!U5", cwd=tmp_path)
    assert explain.returncode == 0 and "resultatbudget.resultat" in explain.stdout, explain.stdout + explain.stderr
    assert "Budget!R5" in explain.stdout
    ledger = run_cli("forklara", book.name, "Budget!K31", cwd=tmp_path)
    assert ledger.returncode == 0 and "underskottet 2023" in ledger.stdout, ledger.stdout + ledger.stderr
    assert "Budget!B32" in ledger.stdout

    # an input changed in the placed table: found stale, brought up to date
    from xlmodel.xlsx.patch import CellWrite, patch_sheet
    from xlmodel.xlsx.package import Package

    pkg = Package.open(book)
    book.write_bytes(patch_sheet(pkg, "Budget", [CellWrite("K5", Decimal("5500"))]).to_bytes())
    assert validate_json(book)[0] == 1
    assert run_cli("regenerera", book.name, cwd=tmp_path).returncode == 0
    assert PackageCells.open(book).value("Budget", "U5") == Decimal("300")
    assert validate_json(book)[0] == 0


def test_all_three_parts_on_one_sheet_then_roll_forward(tmp_path):
    """The frame table beside the two parts on the team's sheet, computed in the same
    save; the year rolls forward with all three there."""
    book = tmp_path / "budget.xlsx"
    team_book(book, frames=True)
    run = adopt(book, *PLACE, "--plats", "ramtabell=Budget!N30", "--ramar", "Nämndramar!A2:B8", "--budgetar", "2026",
                "--index", "3,1 %", "--indexkalla", "SKR", parts="ramtabell,resultatbudget,balanskrav")
    assert run.returncode == 0, run.stdout + run.stderr
    code, report = validate_json(book)
    assert [f for f in report["findings"] if f["severity"] == "fel"] == [], report
    assert {"ramtabell", "resultatbudget", "balanskrav"} <= set(report["parts"])
    roll = run_cli("rulla-fram", book.name, "--index", "2,9 %", "--indexkalla", "SKR", cwd=tmp_path)
    assert roll.returncode == 0 and "2026 → 2027" in roll.stdout, roll.stdout + roll.stderr
    assert [f for f in validate_json(book)[1]["findings"] if f["severity"] == "fel"] == []
    assert run_cli("regenerera", book.name, cwd=tmp_path).returncode == 0


@pytest.mark.parametrize("book_kw, place, told", [
    ({}, "resultatbudget=Budget!A1", "cell A1"),                         # their note in the table's corner
    ({}, "resultatbudget=Budget!A2", "cell B2"),                         # their number inside the table
    ({"note": "J13"}, "resultatbudget=Budget!H2", "cell J13"),           # inside the goal table under it
    ({}, "balanskrav=Budget!A20", "sammanfogade cellerna A25:C26"),      # a merged range
    ({"table": "J20:K23"}, "balanskrav=Budget!H19", "Excel-tabellen tblEgen"),  # their own Excel Table
    ({"note": "L31"}, "balanskrav=Budget!A30", "cell L31"),              # where the ledger spills
    ({}, "balanskrav=Budget!H4", "ingår i resultatbudgeten"),            # the other part placed there
    ({"note": "A49"}, "balanskrav=Budget!A30", "direkt under tabellen tblFrister"),  # read as a stray row
    ({"note": "W3"}, "balanskrav=Budget!A30", "direkt bredvid tabellen tblResultatbudget"),
])
def test_a_place_that_is_not_free_is_refused_and_nothing_changes(tmp_path, book_kw, place, told):
    book = tmp_path / "budget.xlsx"
    team_book(book, **book_kw)
    before = book.read_bytes()
    run = adopt(book, "--plats", "resultatbudget=Budget!H2" if place.startswith("balanskrav") else
                "resultatbudget=Budget!H60", "--plats", place)
    assert run.returncode == 2, run.stdout + run.stderr
    assert told in run.stderr and "Blad 'Budget'" in run.stderr and "inget har ändrats" in run.stderr, run.stderr
    assert "Traceback" not in run.stderr and len(run.stderr.strip().splitlines()) == 1
    assert book.read_bytes() == before


def test_the_frame_tables_block_is_not_covered(tmp_path):
    """The frame table placed on the team's sheet in the same run: a part placed where the
    table's rows will stand is refused."""
    book = tmp_path / "budget.xlsx"
    team_book(book, frames=True)
    before = book.read_bytes()
    run = adopt(book, "--plats", "ramtabell=Budget!H40", "--plats", "resultatbudget=Budget!H44", "--ramar",
                "Nämndramar!A2:B8", "--budgetar", "2026", "--index", "3,1 %", "--indexkalla", "SKR",
                parts="ramtabell,resultatbudget,balanskrav")
    assert run.returncode == 2 and "ramtabellen" in run.stderr and "inget har ändrats" in run.stderr, run.stderr
    assert book.read_bytes() == before


def test_the_help_texts_last_example_continues_its_line():
    run = run_cli("anslut", "--help", cwd=Path(__file__).parent)
    assert "--delar resultatbudget,balanskrav \\\n" in run.stdout, run.stdout


def test_placed_on_a_sheet_of_a_book_saved_by_libreoffice(tmp_path):
    """The team's book saved by a real LibreOffice (its own sheet XML, no app.xml sheet
    list) gets the parts on its sheet; LibreOffice opens the result with the tables there."""
    from xlmodel.testing.libreoffice import convert
    from xlmodel.workbook.cells import PackageCells

    src = tmp_path / "egen.xlsx"
    team_book(src)
    book = saved_by_libreoffice(src, tmp_path / "sparad.xlsx")
    before = parts_of(book)
    theirs = team_cells(book)
    run = adopt(book, *PLACE)
    assert run.returncode == 0, run.stdout + run.stderr
    after = parts_of(book)
    sheet = budget_part(book)
    assert sorted(n for n in before if n not in BOOKKEEPING | {sheet, "xl/calcChain.xml"} and after.get(n) != before[n]) == []
    now = team_cells(book)
    assert {ref: now[ref] for ref in theirs} == theirs
    code, report = validate_json(book)
    assert code == 0 and report["findings"] == [], report
    again = convert([book], tmp_path / "lo2", recalc=False)[book]
    cells = PackageCells.open(again)
    assert cells.table("tblResultatbudget").sheet == "Budget" and cells.table("tblBalanskrav").ref.startswith("A30:")
    assert cells.value("Budget", "A1") == "Budget 2026, kontrollantens anteckningar"


def test_a_sheet_with_its_own_table_data_bar_and_sparkline_keeps_them(tmp_path):
    """The team's sheet already has an Excel Table (its tableParts) and x14 extensions
    (a data bar, a sparkline: its extLst): the new tables join its tableParts, before
    the extLst, and what the team had stays."""
    from xlmodel.workbook.cells import PackageCells

    book = tmp_path / "budget.xlsx"
    with TeamBook(book) as team:
        ws = team.sheet("Budget")
        ws.write_column("A60", [1, 2, 3])
        ws.conditional_format("A60:A62", {"type": "data_bar", "bar_solid": True})
        ws.add_table("C60:D62", {"name": "tblEgen", "columns": [{"header": "Post"}, {"header": "Belopp"}]})
        ws.add_sparkline("F60", {"range": "Budget!A60:A62"})
        team.years()
        team.balance()
    before = parts_of(book)
    run = run_cli("anslut", book.name, "--delar", "resultatbudget,balanskrav", "--resultatbudget", "RB!A2:E5",
                  "--balanskrav", "Balans!A2:B5", *PLACE, cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    after = parts_of(book)
    sheet = budget_part(book)
    rels = sheet.replace("worksheets/", "worksheets/_rels/") + ".rels"
    assert sorted(n for n in before if n not in BOOKKEEPING | {sheet, rels} and after[n] != before[n]) == []
    old_rel = re.search(rb"<Relationship [^>]*/>", before[rels]).group(0)
    assert old_rel in after[rels] and after[rels].count(b"<Relationship ") == 5  # the team's table's relation kept
    xml = after[sheet]
    assert xml.count(b"<tablePart ") == 5 and b'<tableParts count="5">' in xml
    assert b"</tableParts><extLst>" in xml and xml.rstrip().endswith(b"</extLst></worksheet>")  # schema order
    for kept in (rb"</tableParts>(<extLst>.*</extLst>)", rb"<conditionalFormatting.*?</conditionalFormatting>"):
        assert re.search(kept, before[sheet], re.S).group(0) == re.search(kept, xml, re.S).group(0)
    cells = PackageCells.open(book)
    assert cells.table("tblEgen").ref == "C60:D62" and cells.table("tblBalanskrav").sheet == "Budget"
    code, report = validate_json(book)
    assert code == 0 and report["findings"] == [], report
