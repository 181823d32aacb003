"""``xlmodel anslut --delar balanskravsutredning``: the delårsrapport's balanskravsutredning
(tblUtredning, Räkenskapsår, the computed block with =BALANSKRAV() and the spilling
=BALANSKRAV_UTREDNING(), and fullmäktige's reserve guidelines) added on a new sheet of a
team's own workbook (XlsxWriter-made, and saved again by a real LibreOffice), filled
from the team's range. Every command is a real process. Checked:

- every part of the package as it was keeps its bytes, except the bookkeeping parts
  docs/workbooks.md names for ``anslut``;
- ``validera`` passes and names the parts, ``regenerera`` has nothing to write,
  ``forklara`` explains the balanskravsresultat from the new table's cells;
- an input changed: ``validera`` finds the stale cells, ``regenerera`` brings them (the
  spill's values too) up to date, ``validera`` passes again;
- without the amounts the lines have the year's wording (9 lines from 2024) and the user
  is told what to fill in; a missing year, a team sheet named Balanskravsutredning, a
  range of the wrong length and an unreadable amount are refused and change nothing.
"""

from __future__ import annotations

import zipfile
from decimal import Decimal
from pathlib import Path

from fixtures.team_book import TeamBook, saved_by_libreoffice
from test_adopt import parts_of, run_cli, validate_json
from test_adopt_parts import check_kept, style_of

# The team's own utredning: Nr, its wording, the amount (blank = 0), as on its sheet 'Utredning'.
LINES = [(1, "Årets resultat", 120.0), (2, "Realisationsvinster", -5.0), (3, "Undantag vinster", None),
         (4, "Undantag förluster", None), (5, "Orealiserade", -30.0), (6, "Återföring", 2.0),
         (7, "Reservering RUR", None), (8, "Användning RUR", None)]


def team_book(path: Path, *, extra_sheet: str | None = None) -> None:
    """A controller's book: the utredning typed on 'Utredning' (A5:C12) with =BALANSKRAV()
    in an ordinary cell (cached value)."""
    with TeamBook(path) as team:
        ws = team.sheet("Utredning")
        ws.write_row(3, 0, ["Nr", "Post", "Belopp"])
        for i, (nr, label, amount) in enumerate(LINES, 5):
            ws.write(f"A{i}", nr)
            ws.write(f"B{i}", label)
            if amount is not None:
                ws.write_number(f"C{i}", amount)
        ws.write_formula("E5", "=BALANSKRAV(C5,C6,C7,C8,C9,C10,C11,C12)", None, 87.0)
        if extra_sheet:
            team.sheet(extra_sheet).write("A1", "teamets eget blad")


def adopt(path: Path, *extra: str):
    return run_cli("anslut", path.name, "--delar", "balanskravsutredning", "--rakenskapsar", "2023",
                   "--utredning", "Utredning!A5:C12", *extra, cwd=path.parent)


def check_adopted(path: Path, before: dict[str, bytes]) -> None:
    from xlmodel.workbook import layout as L
    from xlmodel.workbook.cells import PackageCells

    check_kept(path, before)
    cells = PackageCells.open(path)
    assert cells.sheet_names()[0] == "Utredning"
    assert cells.table("tblUtredning").sheet == "Balanskravsutredning"
    assert cells.table("tblReservriktlinjer").sheet == "Balanskravsutredning"
    assert cells.value("Balanskravsutredning", "B5") == "Årets resultat"   # the team's wording kept
    assert cells.value("Balanskravsutredning", "G5") == 2023
    # 120 − 5 − 30 + 2 = 87 after the adjustments; no reserve lines: the balanskravsresultat 87
    assert cells.formula("Balanskravsutredning", "C15") == "SUM(C5:C10)"
    assert cells.value("Balanskravsutredning", "C16") == Decimal("87")
    assert cells.formula("Balanskravsutredning", "C17") == "BALANSKRAV(C5,C6,C7,C8,C9,C10,C11,C12,G5)"
    assert cells.formula("Balanskravsutredning", "B20").startswith("BALANSKRAV_UTREDNING(C5,")
    assert cells.value("Balanskravsutredning", "C29") == Decimal("87")
    from xlmodel.workbook import block_names

    block = block_names.read_block(cells, block_names.UTREDNING)
    assert (block.sheet, block.ref) == ("Balanskravsutredning", "B15:C29")
    assert style_of(path, "Balanskravsutredning", "C16") == (L.MKR_FORMAT, True, None)     # a total: bold
    assert style_of(path, "Balanskravsutredning", "C9") == (L.MKR_FORMAT, False, "FFF2CC")  # an input: yellow
    with zipfile.ZipFile(path) as zf:
        sheet = next(n for n in zf.namelist() if b"BALANSKRAV_UTREDNING" in zf.read(n) and "worksheets" in n)
        assert b'cm="1"' in zf.read(sheet) and b't="array"' in zf.read(sheet)  # a dynamic array, as Excel 365 keeps it

    code, report = validate_json(path)
    assert code == 0, report
    assert report["findings"] == [] and report["parts"] == ["balanskravsutredning", "reservriktlinjer"]
    regen = run_cli("regenerera", path.name, cwd=path.parent)
    assert regen.returncode == 0 and "inga celler behöver ändras" in regen.stdout, regen.stdout + regen.stderr
    explain = run_cli("forklara", path.name, "Balanskravsutredning!C16", cwd=path.parent)
    assert explain.returncode == 0 and "LKBR" in explain.stdout, explain.stdout + explain.stderr
    assert "Balanskravsutredning!C5" in explain.stdout and "120" in explain.stdout
    from test_user_visible_text import offending

    assert offending(explain.stdout) == [], explain.stdout


def test_adopt_the_utredning_into_an_xlsxwriter_book(tmp_path):
    book = tmp_path / "delår 2023.xlsx"
    team_book(book)
    before = parts_of(book)
    run = adopt(book)
    assert run.returncode == 0, run.stderr
    assert "tblUtredning: 8 rader ur Utredning!A5:C12" in run.stdout
    assert "balanskravsutredningen räknad" in run.stdout
    assert "räknas de beräknade cellerna om med 'xlmodel regenerera" in run.stdout   # no frame table here
    check_adopted(book, before)

    # An input changed in the adopted table: validate finds it, regenerate follows.
    from xlmodel.workbook.cells import PackageCells
    from xlmodel.xlsx import CellWrite, Package, patch_sheet

    pkg = Package.open(book)
    pkg = patch_sheet(pkg, "Balanskravsutredning", [CellWrite("C9", Decimal("-50"))])  # orealiserade −50
    book.write_bytes(pkg.to_bytes())
    code, report = validate_json(book)
    assert code == 1 and {f["cell"] for f in report["findings"]} >= {"C15", "C16", "C17"}, report
    regen = run_cli("regenerera", book.name, cwd=tmp_path)
    assert regen.returncode == 0 and "C16" in regen.stdout and "C29" in regen.stdout, regen.stdout + regen.stderr
    cells = PackageCells.open(book)
    assert cells.value("Balanskravsutredning", "C16") == Decimal("67")
    assert cells.value("Balanskravsutredning", "C29") == Decimal("67")   # the spill's last line
    assert validate_json(book)[0] == 0


def test_adopt_the_utredning_into_a_book_saved_by_libreoffice(tmp_path):
    from xlmodel.testing.libreoffice import convert

    src = tmp_path / "egen.xlsx"
    team_book(src)
    saved = saved_by_libreoffice(src, tmp_path / "sparad av libreoffice.xlsx")
    before = parts_of(saved)
    run = adopt(saved)
    assert run.returncode == 0, run.stderr
    check_adopted(saved, before)
    # LibreOffice opens what anslut wrote and saves it again; it cannot compute xlmodel's
    # functions (#NAME?: a warning, no error).
    again = convert([saved], tmp_path / "lo2", recalc=False)[saved]
    code, report = validate_json(again)
    assert [f for f in report["findings"] if f["severity"] == "fel"] == [], report
    assert report["parts"] == ["balanskravsutredning", "reservriktlinjer"]


def test_without_amounts_the_years_lines_are_laid_out_and_the_user_told(tmp_path):
    """2024: nine lines (line 9, an old RUR's use), the year's wording; the amounts typed
    in later and ``regenerera`` computes the block (the spill's values too)."""
    from xlmodel.workbook.cells import PackageCells
    from xlmodel.xlsx import CellWrite, Package, patch_sheet

    book = tmp_path / "delår.xlsx"
    team_book(book)
    before = parts_of(book)
    run = run_cli("anslut", book.name, "--delar", "balanskravsutredning", "--rakenskapsar", "2024", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "beloppen på raderna 1–9 i tabellen tblUtredning" in run.stdout, run.stdout
    check_kept(book, before)
    cells = PackageCells.open(book)
    assert cells.table("tblUtredning").ref == "A4:C13"
    assert cells.value("Balanskravsutredning", "B5") == "Årets resultat enligt resultaträkningen"
    assert cells.value("Balanskravsutredning", "A13") == 9
    code, report = validate_json(book)
    assert code == 1 and "rad 1" in report["findings"][0]["message"], report

    pkg = Package.open(book)
    pkg = patch_sheet(pkg, "Balanskravsutredning", [CellWrite("C5", Decimal("-20")), CellWrite("C13", Decimal("20"))])
    book.write_bytes(pkg.to_bytes())
    regen = run_cli("regenerera", book.name, cwd=tmp_path)
    assert regen.returncode == 0, regen.stdout + regen.stderr
    cells = PackageCells.open(book)
    assert cells.formula("Balanskravsutredning", "C16") == "C15+C11+C12+C13"
    assert cells.value("Balanskravsutredning", "C15") == Decimal("-20")
    assert cells.value("Balanskravsutredning", "C16") == Decimal("0")
    code, report = validate_json(book)
    assert code == 0 and [f for f in report["findings"] if f["severity"] == "fel"] == [], report


def test_what_cannot_be_adopted_is_refused_and_changes_nothing(tmp_path):
    book = tmp_path / "delår.xlsx"
    team_book(book)
    before = book.read_bytes()
    bad = run_cli("anslut", book.name, "--delar", "balanskravsutredning", cwd=tmp_path)
    assert bad.returncode == 2 and "--rakenskapsar" in bad.stderr and "inget har ändrats" in bad.stderr, bad.stderr
    bad = run_cli("anslut", book.name, "--delar", "balanskravsutredning", "--rakenskapsar", "1990", cwd=tmp_path)
    assert bad.returncode == 2 and "--rakenskapsar 1990" in bad.stderr, bad.stderr   # no parameters for that year
    bad = adopt(book, "--utredning", "Utredning!A5:C11")   # argparse: the last one counts
    assert bad.returncode == 2 and "8 rader" in bad.stderr and "inte 7" in bad.stderr, bad.stderr
    bad = run_cli("anslut", book.name, "--delar", "balanskravsutredning", "--rakenskapsar", "2024", "--utredning",
                  "Utredning!A5:C12", cwd=tmp_path)
    assert bad.returncode == 2 and "9 rader" in bad.stderr, bad.stderr   # 2024 has line 9
    bad = adopt(book, "--utredning", "Utredning!A4:C11")   # the header row: "Nr" is no line number
    assert bad.returncode == 2 and "A4" in bad.stderr, bad.stderr
    bad = adopt(book, "--utredning", "Utredning!B5:B12")   # the wording alone: no amount
    assert bad.returncode == 2 and "B" in bad.stderr, bad.stderr
    bad = run_cli("anslut", book.name, "--delar", "resultatbudget", "--rakenskapsar", "2023", cwd=tmp_path)
    assert bad.returncode == 2 and "--rakenskapsar fyller delen balanskravsutredning" in bad.stderr, bad.stderr
    bad = adopt(book, "--plats", "balanskravsutredning=Utredning!H2")
    assert bad.returncode == 2 and "delar som kan placeras" in bad.stderr, bad.stderr
    assert book.read_bytes() == before

    taken = tmp_path / "taken.xlsx"
    team_book(taken, extra_sheet="Balanskravsutredning")
    kept = taken.read_bytes()
    bad = adopt(taken)
    assert bad.returncode == 2 and "redan ett blad som heter Balanskravsutredning" in bad.stderr, bad.stderr
    assert taken.read_bytes() == kept

    assert adopt(book).returncode == 0
    again = adopt(book)
    assert again.returncode == 2 and "har redan delen balanskravsutredning" in again.stderr, again.stderr


def test_with_the_frame_table_in_the_same_run(tmp_path):
    """The utredning and the frame table together: the reserve guidelines follow the
    workbook's first year (a Budgetår), so the utredning's table leaves them out and uses
    the defaults; both parts validate."""
    book = tmp_path / "bok.xlsx"
    with TeamBook(book) as team:
        team.frames()
        ut = team.sheet("Utredning")
        for i, (_nr, _label, amount) in enumerate(LINES, 5):
            if amount is not None:
                ut.write_number(f"C{i}", amount)
        ut.write("D5", "egen anteckning")
    before = parts_of(book)
    run = run_cli("anslut", book.name, "--delar", "ramtabell,balanskravsutredning", "--ramar", "Nämndramar!A2:B8",
                  "--budgetar", "2026", "--index", "3,1 %", "--indexkalla", "SKR", "--rakenskapsar", "2023",
                  "--utredning", "Utredning!C5:C12", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "tblReservriktlinjer" not in run.stdout
    check_kept(book, before)
    code, report = validate_json(book)
    assert code == 0, report
    assert report["parts"] == ["ramtabell", "index", "balanskravsutredning"]


def test_the_reserves_balances_adopted_from_the_teams_cells(tmp_path):
    """--rur-ingaende and --reservunderlag (a cell of the team's, an amount): the new sheet
    has them as named parameters and =RESERVER() beside the utredning; the book passes. A
    value that is no amount, or the option without the part, is refused and changes nothing."""
    from xlmodel.workbook.cells import PackageCells

    book = tmp_path / "delår.xlsx"
    with TeamBook(book) as team:
        ws = team.sheet("Utredning")
        for i, (nr, label, amount) in enumerate(LINES, 5):
            ws.write_row(f"A{i}", [nr, label] + ([amount] if amount is not None else []))
        balans = team.sheet("Balans")
        balans.write_row("A3", ["Resultatutjämningsreserv 1 jan", 64.0, "se not 12"])
    before = book.read_bytes()
    bad = adopt(book, "--rur-ingaende", "Balans!C3")
    assert bad.returncode == 2 and "--rur-ingaende (Balans!C3)" in bad.stderr and "inget har ändrats" in bad.stderr
    bad = run_cli("anslut", book.name, "--delar", "resultatbudget", "--rur-ingaende", "10", cwd=tmp_path)
    assert bad.returncode == 2 and "--rur-ingaende fyller delen balanskravsutredning" in bad.stderr, bad.stderr
    assert book.read_bytes() == before
    run = adopt(book, "--rur-ingaende", "Balans!B3", "--reservunderlag", "900")
    assert run.returncode == 0, run.stderr
    assert "RUR vid årets början: 64 mkr ur Balans!B3" in run.stdout
    cells = PackageCells.open(book)
    assert cells.defined_name("ReservRurIngaende") == ("Balanskravsutredning", "G8")
    assert cells.formula("Balanskravsutredning", "F15") == "RESERVER(G5,C11,C12,,G10,G8,G9)"
    # 2023: one bucket, no reserve lines: the RUR stays 64
    assert [cells.value("Balanskravsutredning", f"{c}16") for c in "FGH"] == [2023, Decimal("64"), Decimal("64")]
    code, report = validate_json(book)
    assert code == 0 and report["findings"] == [], report
