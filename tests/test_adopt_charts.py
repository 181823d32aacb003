"""``xlmodel anslut --delar diagram``: the regionplan's chart sheet (the two data blocks and
the three charts over them) added to a team's own workbook with the frame table and the
balanskrav, in the same run or after them. Every command is a real process. Checked:

- every part of the package as it was keeps its bytes, except the bookkeeping parts
  docs/workbooks.md names for ``anslut``; the new sheet has a drawing with three charts
  whose ranges name the new sheet (also "Diagram (2)" beside a team sheet Diagram);
- ``validera`` passes and names the part, ``regenerera`` has nothing to write; an input
  changed: ``validera`` finds the chart block stale, ``regenerera`` follows, ``validera``
  passes again; the same after a save by a real LibreOffice;
- the part without the frame table or the balanskrav, or with the frame table's inputs
  not yet filled in, is refused and changes nothing; a second time too.
"""

from __future__ import annotations

import re
import zipfile
from decimal import Decimal
from pathlib import Path

from fixtures.team_book import TeamBook, saved_by_libreoffice
from test_adopt import parts_of, run_cli, validate_json
from test_adopt_parts import check_kept, team_book

FRAMES = ("--ramar", "Nämndramar!A2:B8", "--budgetar", "2026", "--index", "3,1 %", "--indexkalla", "SKR")


def adopt(path: Path, parts: str = "ramtabell,balanskrav,diagram", *extra: str):
    args = [*(FRAMES if "ramtabell" in parts else ()), *(("--balanskrav", "Balans!A2:B5") if "balanskrav" in parts else ())]
    return run_cli("anslut", path.name, "--delar", parts, *args, *extra, cwd=path.parent)


def chart_refs(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        charts = sorted(n for n in zf.namelist() if n.startswith("xl/charts/chart"))
        return [f for n in charts for f in re.findall(r"<c:f>([^<]*)</c:f>", zf.read(n).decode("utf-8"))]


def check_charts(path: Path, sheet: str = "Diagram") -> None:
    from xlmodel.workbook.cells import PackageCells

    cells = PackageCells.open(path)
    # the frames block: a formula to the frame table per nämnd, the burndown: 2023's deficit of 45
    assert cells.formula(sheet, "A5") == "Ramtabell!B5" or cells.formula(sheet, "A5").endswith("!B5")
    assert cells.value(sheet, "A4") == "Nämnd" and cells.value(sheet, "F4") == "År"
    assert cells.value(sheet, "G4") == "Underskott 2023 (sista år 2026)"
    refs = chart_refs(path)
    assert len([r for r in refs if r.endswith("$A$5:$A$11")]) == 3, refs   # three charts over seven nämnder
    quoted = f"'{sheet}'" if " " in sheet else sheet
    assert all(r.startswith(f"{quoted}!") for r in refs), refs
    with zipfile.ZipFile(path) as zf:
        sheet_part = next(s.part for s in cells.pkg.sheets if s.name == sheet)
        assert b"<drawing r:id=" in zf.read(sheet_part)
        ct = zf.read("[Content_Types].xml")
        assert ct.count(b"drawingml.chart+xml") == 3 and b"drawing+xml" in ct


def test_adopt_the_charts_with_both_parts_into_an_xlsxwriter_book(tmp_path):
    from xlmodel.workbook.cells import PackageCells
    from xlmodel.xlsx import CellWrite, Package, patch_sheet

    book = tmp_path / "budget.xlsx"
    team_book(book, frames=True)
    before = parts_of(book)
    run = adopt(book)
    assert run.returncode == 0, run.stderr
    assert "Diagram" in run.stdout and "diagrammen räknade" in run.stdout, run.stdout
    check_kept(book, before)
    check_charts(book)
    code, report = validate_json(book)
    assert code == 0, report
    assert report["parts"] == ["ramtabell", "balanskrav", "diagram", "index"]
    regen = run_cli("regenerera", book.name, cwd=tmp_path)
    assert regen.returncode == 0 and "inga celler behöver ändras" in regen.stdout, regen.stdout + regen.stderr

    # Kulturnämnden's last year's frame changed: the chart block's prior frame follows.
    cells = PackageCells.open(book)
    table = cells.table("tblRamar")
    row = next(r for r in range(5, 12) if cells.value(table.sheet, f"B{r}") == "Kulturnämnden")
    col = "D"
    assert cells.value(table.sheet, f"{col}{row}") == Decimal("64.2")
    pkg = Package.open(book)
    pkg = patch_sheet(pkg, table.sheet, [CellWrite(f"{col}{row}", Decimal("70"))])
    book.write_bytes(pkg.to_bytes())
    code, report = validate_json(book)
    assert code == 1 and "Diagram" in {f["sheet"] for f in report["findings"]}, report
    regen = run_cli("regenerera", book.name, cwd=tmp_path)
    assert regen.returncode == 0 and "Diagram" in regen.stdout, regen.stdout + regen.stderr
    assert validate_json(book)[0] == 0
    assert any(PackageCells.open(book).value("Diagram", f"B{r}") == Decimal("70") for r in range(5, 12))

    # A nämnd added to tblRamar (the table one row longer): the charts' ranges grow with the block.
    table = PackageCells.open(book).table("tblRamar")
    last = int(re.search(r"(\d+)$", table.ref).group(1))
    pkg = Package.open(book)
    part = next(n for n in pkg.names if n.startswith("xl/tables/") and b'name="tblRamar"' in pkg.part(n))
    longer = re.sub(r"\d+$", str(last + 1), table.ref)
    pkg = pkg.with_parts({part: pkg.part(part).replace(f'ref="{table.ref}"'.encode(), f'ref="{longer}"'.encode())})
    r = last + 1
    pkg = patch_sheet(pkg, table.sheet, [CellWrite(f"A{r}", "NY"), CellWrite(f"B{r}", "Ny nämnd"),
                                         CellWrite(f"D{r}", Decimal("50")), CellWrite(f"F{r}", "Ja"),
                                         CellWrite(f"G{r}", Decimal("1"))])
    book.write_bytes(pkg.to_bytes())
    code, report = validate_json(book)
    assert code == 1 and "diagram.intervall" in {f["rule"] for f in report["findings"]}, report
    assert run_cli("regenerera", book.name, cwd=tmp_path).returncode == 0
    assert validate_json(book)[0] == 0
    refs = chart_refs(book)
    assert len([x for x in refs if x.endswith("$A$5:$A$12")]) == 3 and not any(x.endswith("$A$11") for x in refs), refs


def test_the_charts_after_the_parts_and_beside_a_team_sheet_named_diagram(tmp_path):
    book = tmp_path / "budget.xlsx"
    with TeamBook(book) as team:
        team.frames()
        team.balance()
        team.sheet("Diagram").write("A1", "teamets egna diagram")
    assert adopt(book, "ramtabell,balanskrav").returncode == 0
    before = parts_of(book)
    run = adopt(book, "diagram")
    assert run.returncode == 0, run.stderr
    assert "nya blad: Diagram (2)" in run.stdout and "tabeller:" not in run.stdout, run.stdout
    check_kept(book, before)
    check_charts(book, "Diagram (2)")
    code, report = validate_json(book)
    assert code == 0 and "diagram" in report["parts"], report
    again = adopt(book, "diagram")
    assert again.returncode == 2 and "har redan delen diagram" in again.stderr, again.stderr


def test_the_charts_without_their_parts_are_refused_and_change_nothing(tmp_path):
    book = tmp_path / "budget.xlsx"
    team_book(book, frames=True)
    kept = book.read_bytes()
    bad = adopt(book, "diagram")
    assert bad.returncode == 2 and "inte delarna ramtabell och balanskrav" in bad.stderr, bad.stderr
    assert "--delar ramtabell,balanskrav,diagram" in bad.stderr and "inget har ändrats" in bad.stderr
    bad = adopt(book, "ramtabell,diagram")
    assert bad.returncode == 2 and "inte delen balanskrav" in bad.stderr, bad.stderr
    bad = run_cli("anslut", book.name, "--delar", "ramtabell,balanskrav,diagram", "--balanskrav", "Balans!A2:B5",
                  cwd=tmp_path)   # the frame table's inputs left to fill in
    assert bad.returncode == 2 and "måste vara ifyllda" in bad.stderr and "inget har ändrats" in bad.stderr, bad.stderr
    assert book.read_bytes() == kept


def test_the_charts_in_a_book_saved_by_libreoffice(tmp_path):
    from xlmodel.testing.libreoffice import convert

    src = tmp_path / "egen.xlsx"
    team_book(src, frames=True)
    saved = saved_by_libreoffice(src, tmp_path / "sparad av libreoffice.xlsx")
    before = parts_of(saved)
    run = adopt(saved)
    assert run.returncode == 0, run.stderr
    check_kept(saved, before)
    check_charts(saved)
    assert validate_json(saved)[0] == 0
    # LibreOffice opens the charts and saves them again (its own chart XML); the blocks stay right.
    again = convert([saved], tmp_path / "lo2", recalc=False)[saved]
    with zipfile.ZipFile(again) as zf:
        assert len([n for n in zf.namelist() if n.startswith("xl/charts/chart")]) == 3
    code, report = validate_json(again)
    assert [f for f in report["findings"] if f["severity"] == "fel"] == [], report
    assert "diagram" in report["parts"]
