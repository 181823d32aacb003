"""Owned output blocks found by their defined names wherever they stand (issue 12, "each
output block is found by a defined name, so it can stand on any sheet").

A book made by ``xlmodel anslut`` (frame table, balanskrav) is copied, and in the copy the
frame table is moved from Ramtabell!A4 to the team's sheet Balans!F10 and the restoration
ledger from Balanskrav!G4 to the team's sheet RB!H2: the cells moved (formulas as Excel
moves them: references inside the block follow it, the ledger's references to its table
stay on the table's sheet), the old cells emptied and the defined names
``xlmodel_Ramtabell`` and ``xlmodel_Balanskrav`` rewritten, as a cut and paste in Excel
does. Then every job runs on the copy as a real process: ``validera`` passes,
``regenerera`` has nothing to write, ``forklara`` explains cells of both blocks at their new
places, ``diff`` calls the moved cells computed, an input change is regenerated at the new
place, and ``rulla-fram`` rolls the year there.

The resultatbudget's computed columns are columns of its Excel Table: a team's own
tblResultatbudget from Plan!C3, with tblMal on another sheet, is computed, checked and
explained where the tables stand.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from test_adopt import run_cli, validate_json
from test_adopt_parts import team_book

FRAME_TO = ("Balans", 6, 10)    # F10
LEDGER_TO = ("RB", 8, 2)        # H2


def move_block(path: Path, name: str, to: tuple[str, int, int], *, table_sheet: str | None = None) -> str:
    """Move block ``name`` of the workbook at ``path`` to ``to`` (sheet, column, row) in
    place; returns the new top-left cell. ``table_sheet``: the sheet whose references the
    block's formulas keep (a ledger moved away from its table)."""
    from openpyxl.formula.translate import Translator

    from xlmodel.workbook import block_names
    from xlmodel.workbook.cells import PackageCells
    from xlmodel.xlsx import CellWrite, Package, patch_sheet
    from xlmodel.xlsx.defined_names import set_defined_names
    from xlmodel.xlsx.refs import get_column_letter

    pkg = Package.open(path)
    cells = PackageCells(pkg)
    place = block_names.read_block(cells, name)
    c1, r1, c2, r2 = place.bounds
    sheet, tc, tr = to
    writes = []
    for r in range(r1, r2 + 1):
        for c in range(c1, c2 + 1):
            old = f"{get_column_letter(c)}{r}"
            new = f"{get_column_letter(tc + c - c1)}{tr + r - r1}"
            formula, value = cells.formula(place.sheet, old), cells.value(place.sheet, old)
            if formula and table_sheet:
                formula = formula.replace("(", f"('{table_sheet}'!", 1).replace(",", f",'{table_sheet}'!")
            elif formula:
                formula = Translator("=" + formula, origin=old).translate_formula(new)[1:]
            if value is None and formula is None:
                continue
            writes.append(CellWrite(new, value, formula=formula))
    pkg = patch_sheet(pkg, place.sheet, [], [place.ref])
    pkg = patch_sheet(pkg, sheet, writes)
    last = f"{get_column_letter(tc + c2 - c1)}{tr + r2 - r1}"
    top_left = f"{get_column_letter(tc)}{tr}"
    pkg = set_defined_names(pkg, {name: block_names.name_value(sheet, f"{top_left}:{last}")})
    path.write_bytes(pkg.to_bytes())
    return top_left


def adopted_book(tmp_path: Path) -> Path:
    book = tmp_path / "budget.xlsx"
    team_book(book, frames=True)
    run = run_cli("anslut", book.name, "--delar", "ramtabell,balanskrav", "--ramar", "Nämndramar!A2:B8",
                  "--budgetar", "2026", "--index", "3,1 %", "--indexkalla", "SKR:s prognos", "--balanskrav",
                  "Balans!A2:B5", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    return book


def test_every_job_follows_moved_blocks(tmp_path):
    from xlmodel.workbook.cells import PackageCells

    original = adopted_book(tmp_path)
    moved = tmp_path / "flyttad.xlsx"
    moved.write_bytes(original.read_bytes())
    assert move_block(moved, "xlmodel_Ramtabell", FRAME_TO) == "F10"
    assert move_block(moved, "xlmodel_Balanskrav", LEDGER_TO, table_sheet="Balanskrav") == "H2"
    cells = PackageCells.open(moved)
    assert cells.value("Ramtabell", "H5") is None and cells.value("Balanskrav", "G5") is None
    assert cells.value("Balans", "F10") == "Id" and cells.formula("Balans", "M11") == "H11+I11+J11+K11+L11"
    assert cells.formula("RB", "H2").startswith("ATERSTALLNING('Balanskrav'!A5:A")

    code, report = validate_json(moved)
    assert code == 0 and report["findings"] == [], report
    regen = run_cli("regenerera", moved.name, cwd=tmp_path)
    assert regen.returncode == 0 and "inga celler behöver ändras" in regen.stdout, regen.stdout + regen.stderr

    frame = run_cli("forklara", moved.name, "Balans!M11", cwd=tmp_path)
    assert frame.returncode == 0 and "ramtabell.ram" in frame.stdout, frame.stdout + frame.stderr
    assert "Regionstyrelsen" in frame.stdout
    ledger = run_cli("forklara", moved.name, "RB!L3", cwd=tmp_path)
    assert ledger.returncode == 0 and "underskottet 2023" in ledger.stdout, ledger.stdout + ledger.stderr
    old_place = run_cli("forklara", moved.name, "Ramtabell!H5", cwd=tmp_path)
    assert "ramtabell.ram" not in old_place.stdout  # the old place is no longer the table

    # An input changed: validate points at the moved table, regenerate writes it there.
    from xlmodel.xlsx import CellWrite, Package, patch_sheet

    changed = tmp_path / "ändrad.xlsx"
    changed.write_bytes(patch_sheet(Package.open(moved), "Ramar", [CellWrite("D5", Decimal("900"))]).to_bytes())
    code, report = validate_json(changed)
    assert code == 1 and {f["sheet"] for f in report["findings"]} == {"Balans"}, report
    regen = run_cli("regenerera", changed.name, cwd=tmp_path)
    assert regen.returncode == 0 and "Balans" in regen.stdout and "Ramtabell " not in regen.stdout, regen.stdout
    assert PackageCells.open(changed).value("Balans", "M11") == Decimal("900") * Decimal("1.031")
    assert validate_json(changed)[0] == 0
    diff = run_cli("diff", "--format", "json", moved.name, changed.name, cwd=tmp_path)
    doc = json.loads(diff.stdout)
    kinds = {(c["sheet"], c["cell"]): c["type"] for c in doc["cells"]}
    assert kinds[("Ramar", "D5")] == "indata"
    assert kinds[("Balans", "M11")] == "beräknat" and kinds[("Balans", "H11")] == "beräknat"

    roll = run_cli("rulla-fram", moved.name, "--index", "2,9 %", "--indexkalla", "SKR", cwd=tmp_path)
    assert roll.returncode == 0 and "2026 → 2027" in roll.stdout, roll.stdout + roll.stderr
    assert PackageCells.open(moved).value("Balans", "M10") == "Budgetram 2027"
    assert validate_json(moved)[0] == 0


def test_resultatbudget_computed_where_its_tables_stand(tmp_path):
    """tblResultatbudget typed into the team's sheet Plan from C3 and tblMal on the sheet
    Mål 2: the computed columns are written in the table's own columns, the goal's
    formulas name the year table's sheet, and every job finds them there."""
    import xlsxwriter

    from xlmodel.workbook import layout as L
    from xlmodel.workbook.cells import PackageCells

    book = tmp_path / "egen plan.xlsx"
    wb = xlsxwriter.Workbook(str(book))
    ws = wb.add_worksheet("Plan")
    rows = [[y, t, n, s, g, None, None, None, None] + [None] * 6 for y, t, n, s, g in
            [(2025, "Prognos", -7100, 5300, 1950), (2026, "Budget", -7200, 5400, 2000)]]
    ws.add_table(2, 2, 4, 2 + len(L.RESULTBUDGET_TABLE.columns) - 1,
                 {"name": "tblResultatbudget", "columns": [{"header": c.header} for c in L.RESULTBUDGET_TABLE.columns],
                  "data": rows})
    ws2 = wb.add_worksheet("Mål 2")
    ws2.add_table(0, 1, 1, len(L.GOALS_TABLE.columns), {
        "name": "tblMal", "columns": [{"header": c.header} for c in L.GOALS_TABLE.columns],
        "data": [["Resultat 2 %", "resultat", 0.02, None, 2025, 2026, "Nej", None, None]]})
    wb.close()

    regen = run_cli("regenerera", book.name, cwd=tmp_path)
    assert regen.returncode == 0, regen.stdout + regen.stderr
    cells = PackageCells.open(book)
    # Plan!C3 is the table's header: År in C, Resultat (the 14th column) in P, row 5 is 2026
    assert cells.formula("Plan", "P5") == "M5+O5" and cells.value("Plan", "P5") == Decimal("200")
    assert cells.formula("Mål 2", "I2") == "MIN('Plan'!P4/'Plan'!L4,'Plan'!P5/'Plan'!L5)"
    assert cells.value("Mål 2", "J2") == "uppfyllt"  # 2025: 150 / 7 250 = 2,07 %, 2026: 200 / 7 400 = 2,70 %
    code, report = validate_json(book)
    assert code == 0 and report["parts"] == ["resultatbudget"], report
    explain = run_cli("forklara", book.name, "Plan!P5", cwd=tmp_path)
    assert explain.returncode == 0 and "resultatbudget.resultat" in explain.stdout and "Plan!M5" in explain.stdout
    goal = run_cli("forklara", book.name, "'Mål 2'!J2", cwd=tmp_path)
    assert goal.returncode == 0 and "finansiella_mal" in goal.stdout and "Plan!P5" in goal.stdout, goal.stdout
