"""``xlmodel rulla-fram`` on a team's own workbook after ``xlmodel anslut`` (issue 12):
the adopted year tables move one year forward as in a built regionplan.

The team's book is XlsxWriter-made (its own sheets 'Nämndramar', 'RB', 'Balans'), once
saved again by a real LibreOffice; every command is a real process. Checked:

- after the roll, tblBalanskrav and tblResultatbudget have the year after their last
  (the resultatbudget's with the last row's Typ), found by their tables wherever
  ``--plats`` put them; the report says what was added;
- ``validera`` passes (exit 0) with one warning per new year to fill in, and after the
  user fills them in ``regenerera`` computes them and ``validera`` has nothing to say;
- the team's own sheets keep every byte;
- a table whose row below holds the user's data is refused, naming sheet and cell,
  and the file keeps its bytes.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from fixtures.team_book import FRAMES_HEADER, TeamBook, saved_by_libreoffice
from test_adopt import parts_of, run_cli, validate_json

TEAM_SHEETS = ("Nämndramar", "RB", "Balans")


def team_book(path: Path) -> None:
    """A controller's book: 7 nämnder with last year's frames on 'Nämndramar' (A1:B8),
    the resultatbudget's years on 'RB', the balanskravsresultat per year on 'Balans'."""
    with TeamBook(path) as book:
        book.frames(header=FRAMES_HEADER)
        book.years(header=True)
        book.balance(header=True)


def adopt(path: Path, *extra: str):
    run = run_cli("anslut", path.name, "--delar", "ramtabell,resultatbudget,balanskrav", "--ramar", "Nämndramar!A2:B8",
                  "--budgetar", "2026", "--index", "3,1 %", "--indexkalla", "SKR", "--resultatbudget", "RB!A2:E5",
                  "--balanskrav", "Balans!A2:B5", *extra, cwd=path.parent)
    assert run.returncode == 0, run.stdout + run.stderr
    return run


def roll(path: Path):
    return run_cli("rulla-fram", path.name, "--index", "2,9 %", "--indexkalla", "SKR", cwd=path.parent)


def team_parts(path: Path) -> dict[str, bytes]:
    """The package parts of the team's own sheets (and their relationships), by sheet name."""
    from xlmodel.xlsx.package import Package, rels_part_for

    pkg = Package.open(path)
    everything = parts_of(path)
    out = {}
    for name in TEAM_SHEETS:
        part = pkg.sheet_part(name)
        out[name] = everything[part]
        out[name + " (rels)"] = everything.get(rels_part_for(part), b"")
    return out


def table_rows(path: Path, name: str) -> tuple[str, str, list[list[object]]]:
    from xlmodel.workbook.cells import PackageCells
    from xlmodel.xlsx.refs import get_column_letter, range_boundaries

    cells = PackageCells.open(path)
    loc = cells.table(name)
    c1, r1, c2, r2 = range_boundaries(loc.ref)
    rows = [[cells.value(loc.sheet, f"{get_column_letter(c)}{r}") for c in range(c1, c2 + 1)] for r in range(r1 + 1, r2 + 1)]
    return loc.sheet, loc.ref, rows


def test_roll_adds_the_new_year_to_the_adopted_tables(tmp_path):
    book = tmp_path / "budget 2026.xlsx"
    team_book(book)
    mine = team_parts(book)
    adopt(book)
    assert validate_json(book)[1]["findings"] == []  # a fresh anslut: nothing to say

    run = roll(book)
    assert run.returncode == 0 and "2026 → 2027" in run.stdout, run.stdout + run.stderr
    # the report says what was added, where
    assert "Året 2026 har lagts till i tabellen tblBalanskrav på bladet 'Balanskrav', rad 9" in run.stdout
    assert "Året 2028 har lagts till i tabellen tblResultatbudget på bladet 'Resultatbudget', rad 9 (tabellen " \
           "utökad med en rad)" in run.stdout

    sheet, ref, rows = table_rows(book, "tblBalanskrav")
    assert (sheet, ref) == ("Balanskrav", "A4:E13")  # the new year in the first of its blank rows
    assert [r[0] for r in rows if r[0] is not None] == [2022, 2023, 2024, 2025, 2026] and rows[4][1] is None
    sheet, ref, rows = table_rows(book, "tblResultatbudget")
    assert (sheet, ref) == ("Resultatbudget", "A4:O9")  # the table grew by the new year's row
    assert [(r[0], r[1]) for r in rows] == [(2024, "Bokslut"), (2025, "Prognos"), (2026, "Budget"), (2027, "Plan"),
                                           (2028, "Plan")]
    assert all(v is None for v in rows[-1][2:])
    assert team_parts(book) == mine  # the team's sheets keep every byte, through anslut and the roll

    code, report = validate_json(book)
    assert code == 0, report
    assert sorted((f["rule"], f["sheet"], f["cell"], f["severity"]) for f in report["findings"]) == [
        ("aterstallning.ar_ej_ifyllt", "Balanskrav", "B9", "varning"),
        ("resultatbudget.ar_ej_ifyllt", "Resultatbudget", "C9", "varning")]

    # The controller fills in the new years: regenerate computes them, validate is quiet.
    from xlmodel.workbook.cells import PackageCells
    from xlmodel.xlsx import CellWrite, Package, patch_sheet

    pkg = Package.open(book)
    pkg = patch_sheet(pkg, "Resultatbudget", [CellWrite("C9", Decimal("-7400")), CellWrite("D9", Decimal("5600")),
                                              CellWrite("E9", Decimal("2100"))])
    pkg = patch_sheet(pkg, "Balanskrav", [CellWrite("B9", Decimal("15"))])  # restores the last 15 of 2023's 45
    book.write_bytes(pkg.to_bytes())
    regen = run_cli("regenerera", book.name, cwd=tmp_path)
    assert regen.returncode == 0, regen.stdout + regen.stderr
    cells = PackageCells.open(book)
    assert cells.value("Resultatbudget", "N9") == Decimal("300") and cells.formula("Resultatbudget", "N9") == "K9+M9"
    assert cells.value("Balanskrav", "G5") == 2023 and cells.value("Balanskrav", "K5") == Decimal("0")  # restored in 2026
    code, report = validate_json(book)
    assert code == 0 and report["findings"] == [], report
    assert team_parts(book) == mine

    # Rolled again: each table moves one more year.
    assert roll(book).returncode == 0
    assert [r[0] for r in table_rows(book, "tblBalanskrav")[2] if r[0] is not None][-1] == 2027
    assert table_rows(book, "tblResultatbudget")[1] == "A4:O10"


def test_a_year_not_yet_filled_in_gets_no_second_one(tmp_path):
    book = tmp_path / "budget.xlsx"
    team_book(book)
    adopt(book)
    assert roll(book).returncode == 0
    again = roll(book)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Tabellen tblResultatbudget slutar med ett år som ännu inte är ifyllt (Resultatbudget!A9)" in again.stdout
    assert table_rows(book, "tblResultatbudget")[1] == "A4:O9"
    assert [r[0] for r in table_rows(book, "tblBalanskrav")[2] if r[0] is not None][-1] == 2026


def test_parts_placed_with_plats_are_rolled_where_they_stand(tmp_path):
    book = tmp_path / "budget.xlsx"
    team_book(book)
    mine = team_parts(book)
    adopt(book, "--plats", "resultatbudget=Plan!C3", "--plats", "balanskrav=Återställning!B2",
          "--plats", "ramtabell=Nämndramar!E1")
    run = roll(book)
    assert run.returncode == 0, run.stdout + run.stderr
    sheet, ref, rows = table_rows(book, "tblResultatbudget")
    assert (sheet, ref) == ("Plan", "C3:Q8") and (rows[-1][0], rows[-1][1]) == (2028, "Plan")
    sheet, ref, rows = table_rows(book, "tblBalanskrav")
    assert (sheet, ref) == ("Återställning", "B2:F11") and rows[4][0] == 2026
    from xlmodel.workbook.cells import PackageCells

    assert PackageCells.open(book).value("Återställning", "B7") == 2026
    code, report = validate_json(book)
    assert code == 0, report
    assert {(f["sheet"], f["cell"]) for f in report["findings"]} == {("Plan", "E8"), ("Återställning", "C7")}
    # the frame table stands on the team's sheet Nämndramar: only its cells there changed
    after = team_parts(book)
    assert {k: v for k, v in after.items() if not k.startswith("Nämndramar")} == \
        {k: v for k, v in mine.items() if not k.startswith("Nämndramar")}


def test_the_users_data_under_a_full_table_is_refused_by_sheet_and_cell(tmp_path):
    book = tmp_path / "budget.xlsx"
    team_book(book)
    adopt(book)
    from xlmodel.xlsx import CellWrite, Package, patch_sheet

    pkg = Package.open(book)  # the controller's note right under the year table
    book.write_bytes(patch_sheet(pkg, "Resultatbudget", [CellWrite("C9", "Not: 2028 enligt SKR")]).to_bytes())
    before = book.read_bytes()
    run = roll(book)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "Resultatbudget" in run.stderr and "C9" in run.stderr and "Not: 2028 enligt SKR" in run.stderr
    assert "inget har ändrats" in run.stderr and "Traceback" not in run.stderr
    assert book.read_bytes() == before


def test_roll_an_adopted_book_saved_by_libreoffice(tmp_path):
    src = tmp_path / "egen.xlsx"
    team_book(src)
    adopt(src)
    saved = saved_by_libreoffice(src, tmp_path / "sparad av libreoffice.xlsx")
    mine = team_parts(saved)
    run = roll(saved)
    assert run.returncode in (0, 1), run.stdout + run.stderr
    rows = table_rows(saved, "tblResultatbudget")[2]
    assert (rows[-1][0], rows[-1][1]) == (2028, "Plan")
    assert 2026 in [r[0] for r in table_rows(saved, "tblBalanskrav")[2]]
    assert team_parts(saved) == mine
    code, report = validate_json(saved)
    assert [f for f in report["findings"] if f["severity"] == "fel"] == [], report
