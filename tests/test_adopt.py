"""``xlmodel anslut``: xlmodel's frame table added to a workbook made outside the project.

The team's workbook is written by XlsxWriter (its own sheet names and layout, an xlmodel
function in an ordinary cell with its cached value) and, for the second case, saved
again by a real LibreOffice. Every command runs as a real process
(``sys.executable -m xlmodel``). What is checked (issue 12, "Done when"):

- every part of the package as it was stays byte for byte the same, except the
  bookkeeping parts docs/workbooks.md names for ``anslut`` (workbook.xml, its .rels,
  [Content_Types].xml);
- the inputs filled from the team's own range, ``regenerera`` computes the frame table
  (the figures of the core's rule), ``validera`` passes and names the parts it found,
  ``forklara`` explains a frame-table cell, ``rulla-fram`` rolls the year;
- the parts are found by their Excel Tables under any sheet name (a team sheet called
  Ramar pushes xlmodel's to "Ramar (2)"), a part already there is refused and the file
  keeps its bytes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

from fixtures.team_book import COMMITTEES, FRAMES_HEADER, TeamBook, saved_by_libreoffice

ROOT = Path(__file__).resolve().parents[1]
# The parts docs/workbooks.md names as what anslut changes: the package's lists of its
# contents, the styles (which only gain entries: styles_only_gained) and the sheet list
# of the file's properties (app_lists_sheets).
BOOKKEEPING = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml", "xl/styles.xml",
               "docProps/app.xml"}
STYLE_LISTS = ("numFmts", "fonts", "fills", "borders", "cellXfs")


def styles_only_gained(before: bytes, after: bytes) -> None:
    """Every list of styles.xml keeps its old entries, in place, first; nothing else changes."""
    import xml.etree.ElementTree as ET

    def children(root):
        return {el.tag.rsplit("}", 1)[-1]: el for el in root}

    old, new = children(ET.fromstring(before)), children(ET.fromstring(after))
    for tag, el in old.items():
        if tag in STYLE_LISTS:
            old_items = [ET.tostring(c) for c in el]
            assert [ET.tostring(c) for c in new[tag]][:len(old_items)] == old_items, tag
        else:
            assert ET.tostring(el) == ET.tostring(new[tag]), tag
    assert set(new) - set(old) <= {"numFmts"}


def app_lists_sheets(path: Path, before: dict[str, bytes]) -> None:
    """docProps/app.xml, if it lists the sheets, lists every sheet (the new ones too)."""
    after = parts_of(path)
    if b"TitlesOfParts" not in before.get("docProps/app.xml", b""):
        assert after.get("docProps/app.xml") == before.get("docProps/app.xml")
        return
    from xlmodel.workbook.cells import PackageCells

    text = after["docProps/app.xml"].decode("utf-8")
    names = PackageCells.open(path).sheet_names()
    assert all(f"<vt:lpstr>{n}</vt:lpstr>" in text for n in names), text
    assert f"<vt:i4>{len(names)}</vt:i4>" in text


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    env.pop("XLMODEL_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "xlmodel", *args], capture_output=True, text=True,
                          encoding="utf-8", cwd=cwd, env=env, timeout=300)


def team_workbook(path: Path, *, extra_sheet: str | None = None) -> None:
    """A controller's own budget book: committees and last year's frames on 'Nämndramar',
    a balance check with =BALANSKRAV() and its cached value on 'Balans'."""
    with TeamBook(path) as book:
        book.frames(header=FRAMES_HEADER, total=True)
        bal = book.sheet("Balans")
        bal.write("A1", "Balanskravsresultat 2025")
        bal.write_number("B1", -45.0)
        bal.write_formula("B2", "=BALANSKRAV(B1)", None, -45.0)
        if extra_sheet:
            book.sheet(extra_sheet).write("A1", "teamets eget blad")


def parts_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def adopt(path: Path, *extra: str) -> subprocess.CompletedProcess:
    return run_cli("anslut", path.name, "--delar", "ramtabell", "--ramar", "Nämndramar!A2:B8", "--budgetar", "2026",
                   "--index", "3,1 %", "--indexkalla", "SKR:s prognos oktober 2025", *extra, cwd=path.parent)


def validate_json(path: Path) -> tuple[int, dict]:
    run = run_cli("validera", "--format", "json", path.name, cwd=path.parent)
    return run.returncode, json.loads(run.stdout)["files"][0]


def check_adopted(path: Path, before: dict[str, bytes]) -> None:
    after = parts_of(path)
    kept = {n for n in before if n not in BOOKKEEPING}
    changed = sorted(n for n in kept if after.get(n) != before[n])
    assert changed == [], f"parts changed by anslut: {changed}"
    styles_only_gained(before["xl/styles.xml"], after["xl/styles.xml"])
    app_lists_sheets(path, before)
    assert set(before) <= set(after)
    new = set(after) - set(before)
    assert any(n.startswith("xl/tables/") for n in new) and any(n.startswith("xl/worksheets/sheet") for n in new)

    from xlmodel.workbook.cells import PackageCells

    cells = PackageCells.open(path)
    assert cells.sheet_names()[:2] == ["Nämndramar", "Balans"]
    assert {"Parametrar", "Ramar", "Förändringar", "Ramtabell", "xlwings.conf"} <= set(cells.sheet_names())
    # the frame table of the core's rule: last year's frame + index at 3,1 %
    rows = {cells.value("Ramtabell", f"B{r}"): r for r in range(5, 5 + len(COMMITTEES))}
    for name, frame in COMMITTEES:
        r = rows[name]
        assert cells.value("Ramtabell", f"C{r}") == Decimal(frame)
        assert cells.value("Ramtabell", f"G{r}") == Decimal(frame) * Decimal("0.031")
        assert cells.value("Ramtabell", f"H{r}") == Decimal(frame) * Decimal("1.031")
        assert cells.formula("Ramtabell", f"H{r}") == f"C{r}+D{r}+E{r}+F{r}+G{r}"
    total_row = 5 + len(COMMITTEES)
    assert cells.value("Ramtabell", f"A{total_row}") == "SUMMA"

    code, report = validate_json(path)
    assert code == 0, report
    assert report["findings"] == [] and report["kind"] is None
    assert report["parts"] == ["ramtabell", "index"]
    assert report["checked_cells"] > 8 * len(COMMITTEES)  # the frame table and the =BALANSKRAV cell

    regen = run_cli("regenerera", path.name, cwd=path.parent)
    assert regen.returncode == 0 and "inga celler behöver ändras" in regen.stdout, regen.stdout + regen.stderr


def test_adopt_xlsxwriter_workbook_then_every_command_works(tmp_path):
    book = tmp_path / "budget 2026.xlsx"
    team_workbook(book)
    before = parts_of(book)
    run = adopt(book)
    assert run.returncode == 0, run.stderr
    assert "ramtabellen räknad" in run.stdout and "kan inte innehålla makron" in run.stdout
    check_adopted(book, before)

    # An input changed in the team's copy of tblRamar: regenerera follows, validera passes.
    from xlmodel.xlsx import CellWrite, Package, patch_sheet

    pkg = Package.open(book)
    book.write_bytes(patch_sheet(pkg, "Ramar", [CellWrite("D5", Decimal("900"))]).to_bytes())
    code, report = validate_json(book)
    assert code == 1 and {f["sheet"] for f in report["findings"]} == {"Ramtabell"}
    regen = run_cli("regenerera", book.name, cwd=tmp_path)
    assert regen.returncode == 0 and "H5" in regen.stdout
    assert validate_json(book)[0] == 0

    explain = run_cli("forklara", book.name, "Ramtabell!H5", cwd=tmp_path)
    assert explain.returncode == 0 and "ramtabell.ram" in explain.stdout
    assert "bladet Info" not in explain.stdout  # the team's book has no Info sheet to point at
    from test_user_visible_text import offending

    for text in (run.stdout, regen.stdout, explain.stdout, run_cli("validera", book.name, cwd=tmp_path).stdout):
        assert offending(text) == [], text

    roll = run_cli("rulla-fram", book.name, "--index", "2,9 %", "--indexkalla", "SKR:s prognos", cwd=tmp_path)
    assert roll.returncode == 0, roll.stderr
    assert "2026 → 2027" in roll.stdout
    assert validate_json(book)[0] == 0


def test_adopt_workbook_saved_by_libreoffice(tmp_path):
    src = tmp_path / "egen.xlsx"
    team_workbook(src)
    saved = saved_by_libreoffice(src, tmp_path / "sparad av libreoffice.xlsx")
    before = parts_of(saved)
    run = adopt(saved)
    assert run.returncode == 0, run.stderr
    check_adopted(saved, before)


def test_free_sheet_names_and_parts_found_by_their_tables(tmp_path):
    """The team already has a sheet called Ramar: xlmodel's goes on 'Ramar (2)' and the
    frame table is found by its Excel Table there."""
    book = tmp_path / "budget.xlsx"
    team_workbook(book, extra_sheet="Ramar")
    before = parts_of(book)
    run = adopt(book)
    assert run.returncode == 0, run.stderr
    assert "Ramar (2)" in run.stdout
    from xlmodel.workbook.cells import PackageCells

    cells = PackageCells.open(book)
    assert cells.table("tblRamar").sheet == "Ramar (2)"
    assert cells.value("Ramar", "A1") == "teamets eget blad"
    check_adopted(book, before)


def test_team_sheet_named_ramtabell_and_a_place_of_the_teams_choosing(tmp_path):
    """The team has a sheet Ramtabell: xlmodel's output goes on 'Ramtabell (2)', found by
    its defined name. With --plats the frame table stands on the team's own sheet at the
    cell given, and that sheet changes only in the table's cells."""
    from xlmodel.workbook.cells import PackageCells

    book = tmp_path / "budget.xlsx"
    team_workbook(book, extra_sheet="Ramtabell")
    before = parts_of(book)
    run = adopt(book)
    assert run.returncode == 0, run.stderr
    cells = PackageCells.open(book)
    assert "Ramtabell (2)" in cells.sheet_names() and cells.value("Ramtabell", "A1") == "teamets eget blad"
    assert cells.value("Ramtabell (2)", "H5") == Decimal("812.4") * Decimal("1.031")
    after = parts_of(book)
    assert [n for n in before if n not in BOOKKEEPING and after[n] != before[n]] == []
    assert validate_json(book)[0] == 0

    placed = tmp_path / "placerad.xlsx"
    team_workbook(placed)
    old = PackageCells.open(placed)
    old_cells = {ref: (c.formula, c.value) for ref, c in old.cells("Nämndramar").items()}
    run = adopt(placed, "--plats", "ramtabell=Nämndramar!D2")
    assert run.returncode == 0, run.stderr
    assert "ramtabellen skrivs på ert blad 'Nämndramar' från D2" in run.stdout
    cells = PackageCells.open(placed)
    assert "Ramtabell" not in cells.sheet_names()
    assert cells.value("Nämndramar", "D2") == "Id" and cells.value("Nämndramar", "D10") == "SUMMA"
    assert cells.value("Nämndramar", "K3") == Decimal("812.4") * Decimal("1.031")
    now = {ref: (c.formula, c.value) for ref, c in cells.cells("Nämndramar").items()}
    assert {ref: v for ref, v in now.items() if ref in old_cells} == old_cells  # the team's cells as they were
    assert all(ref[0] in "DEFGHIJK" for ref in set(now) - set(old_cells))
    assert validate_json(placed)[0] == 0
    assert run_cli("regenerera", placed.name, cwd=tmp_path).stdout.strip().endswith("inga celler behöver ändras")


def test_adopting_twice_is_refused_and_changes_nothing(tmp_path):
    book = tmp_path / "budget.xlsx"
    team_workbook(book)
    assert adopt(book).returncode == 0
    before = book.read_bytes()
    again = adopt(book)
    assert again.returncode == 2
    assert "har redan delen ramtabell" in again.stderr
    assert book.read_bytes() == before


def test_inputs_left_to_fill_then_regenerate(tmp_path):
    """Without --ramar and the parameters the sheets come empty, the output is not yet
    computed, and the command says what to fill in; filled in, regenerera computes."""
    book = tmp_path / "budget.xlsx"
    team_workbook(book)
    run = run_cli("anslut", book.name, "--delar", "ramtabell", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "att fylla i" in run.stdout and "tblRamar" in run.stdout and "Budgetar" in run.stdout
    from xlmodel.workbook.cells import PackageCells
    from xlmodel.xlsx import CellWrite, Package, patch_sheet

    cells = PackageCells.open(book)
    year_sheet, year_cell = cells.defined_name("Budgetar")
    rate_sheet, rate_cell = cells.defined_name("Standardindex")
    pkg = Package.open(book)
    pkg = patch_sheet(pkg, year_sheet, [CellWrite(year_cell, 2026), CellWrite(rate_cell, Decimal("0.031")),
                                        CellWrite("A12", 2026), CellWrite("B12", "LPIK"),
                                        CellWrite("C12", Decimal("0.031")), CellWrite("D12", "SKR")])
    frames = cells.table("tblRamar")
    pkg = patch_sheet(pkg, frames.sheet, [CellWrite("A5", "RS"), CellWrite("B5", "Regionstyrelsen"),
                                          CellWrite("D5", Decimal("100")), CellWrite("F5", "Ja"),
                                          CellWrite("G5", 1)])
    book.write_bytes(pkg.to_bytes())
    regen = run_cli("regenerera", book.name, cwd=tmp_path)
    assert regen.returncode == 0, regen.stderr
    assert PackageCells.open(book).value("Ramtabell", "H5") == Decimal("103.1")
    assert validate_json(book)[0] == 0


def test_unknown_part_and_bad_range_are_one_swedish_message(tmp_path):
    book = tmp_path / "budget.xlsx"
    team_workbook(book)
    before = book.read_bytes()
    bad = run_cli("anslut", book.name, "--delar", "ramtabel", cwd=tmp_path)
    assert bad.returncode == 2 and "delen 'ramtabel' finns inte" in bad.stderr
    bad = run_cli("anslut", book.name, "--delar", "ramtabell", "--ramar", "Nope!A2:B8", cwd=tmp_path)
    assert bad.returncode == 2 and "bladet 'Nope'" in bad.stderr
    bad = run_cli("anslut", book.name, "--delar", "ramtabell", "--ramar", "Nämndramar!A1:B8", cwd=tmp_path)
    assert bad.returncode == 2 and "B1" in bad.stderr and "Nämndramar" in bad.stderr  # the header is no amount
    assert book.read_bytes() == before
    assert not (tmp_path / ".xlmodel-backup").exists()


def test_team_tables_on_own_sheets_are_validated_without_xlmodel_sheet_names(tmp_path):
    """The issue's second try: tblRamar and tblForandringar typed into the team's own
    book, on its own sheets, columns in its own order with an extra column. Only the part
    it holds is checked; a missing required header is one finding naming table, sheet and
    header; no sheet of xlmodel's other parts is asked for."""
    def write(path: Path, headers: list[str]) -> None:
        with TeamBook(path) as book:
            book.frame_table(headers=headers, first=(3, 1))
            book.changes_table()
            book.sheet("Ramtabell").write("A1", "utdata")
            book.assumptions()

    good = tmp_path / "egen.xlsx"
    write(good, ["Kommentar", "Post", "Id", "Budgetram föregående år", "Indexeras", "Decimaler", "Förälder",
                 "Indexsats"])
    regen = run_cli("regenerera", good.name, cwd=tmp_path)
    assert regen.returncode == 0, regen.stderr
    code, report = validate_json(good)
    messages = " ".join(f["message"] for f in report["findings"])
    assert "Resultatbudget" not in messages and "Balanskrav" not in messages
    assert report["parts"] == ["ramtabell", "index"]
    assert {f["rule"] for f in report["findings"]} <= {"index.saknas"}  # 3,1 % for 2026 has no source yet

    bad = tmp_path / "utan rubrik.xlsx"
    write(bad, ["Kommentar", "Post", "Id", "Indexeras", "Decimaler", "Förälder", "Indexsats"])
    code, report = validate_json(bad)
    assert code == 1
    errors = [f for f in report["findings"] if f["severity"] == "fel" and f["rule"] == "ramtabell"]
    assert len(errors) == 1
    assert errors[0]["sheet"] == "Våra ramar" and errors[0]["cell"] == "B4"
    assert "'Budgetram föregående år'" in errors[0]["message"] and "tblRamar" in errors[0]["message"]


def test_team_tables_without_named_cells_are_told_which_name_is_missing(tmp_path):
    """tblRamar and tblForandringar typed in, but no named cells and no Parametrar sheet:
    one finding naming the missing name, not a demand for xlmodel's sheet."""
    path = tmp_path / "utan namn.xlsx"
    with TeamBook(path) as book:
        book.frame_table()
        book.changes_table()
    code, report = validate_json(path)
    assert code == 1 and report["parts"] == ["ramtabell", "index"]
    (finding,) = report["findings"]
    assert "Namnet 'Budgetar' (Budgetår) finns inte" in finding["message"]


def test_adopt_an_xlsm_keeps_its_vba_project(tmp_path):
    """A macro-enabled team book: its VBA project is one of the parts kept byte for byte,
    and the command says how the button gets there (excel installera)."""
    with zipfile.ZipFile(ROOT / "workbooks" / "vasterbotten_regionplan_2021.xlsm") as zf:
        vba = zf.read("xl/vbaProject.bin")
    book = tmp_path / "budget.xlsm"
    (tmp_path / "vba.bin").write_bytes(vba)
    with TeamBook(book) as team:
        team.workbook.add_vba_project(str(tmp_path / "vba.bin"))
        team.frames()
    before = parts_of(book)
    run = adopt(book)
    assert run.returncode == 0, run.stderr
    assert "xlmodel excel installera budget.xlsm" in run.stdout
    after = parts_of(book)
    assert after["xl/vbaProject.bin"] == before["xl/vbaProject.bin"] == vba
    assert [n for n in before if n not in BOOKKEEPING and after[n] != before[n]] == []
    assert validate_json(book)[0] == 0
    plan = run_cli("excel", "installera", "--torrkorning", book.name, cwd=tmp_path)
    assert plan.returncode == 0, plan.stderr
    assert "egen arbetsbok" in plan.stdout and "med xlmodels delar ramtabell, index" in plan.stdout
    assert 'Knappen "Uppdatera ramtabell" på bladet Ramtabell' in plan.stdout
