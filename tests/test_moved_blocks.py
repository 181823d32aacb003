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
            elif formula and "!" not in formula:  # references to other sheets stay as Excel keeps them
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


def shift_chart_refs(path: Path, sheet: str, bounds: tuple[int, int, int, int], rows: int) -> int:
    """The charts' references into ``bounds`` on ``sheet`` moved ``rows`` down, as Excel
    moves them with a cut and paste; returns how many were moved."""
    import re

    from xlmodel.xlsx import Package
    from xlmodel.xlsx.refs import column_index_from_string

    c1, r1, c2, r2 = bounds
    pkg = Package.open(path)
    moved = 0
    changes = {}

    def one(m: re.Match) -> str:
        nonlocal moved
        col, row = m.group(1), int(m.group(2))
        if c1 <= column_index_from_string(col) <= c2 and r1 <= row <= r2:
            moved += 1
            return f"${col}${row + rows}"
        return m.group(0)

    for name in pkg.names:
        if name.startswith("xl/charts/chart"):
            text = pkg.part(name).decode("utf-8")
            new = re.sub(r"<c:f>(" + re.escape(sheet) + r"!)([^<]*)</c:f>",
                         lambda f: "<c:f>" + f.group(1) + re.sub(r"\$([A-Z]+)\$(\d+)", one, f.group(2)) + "</c:f>",
                         text)
            if new != text:
                changes[name] = new.encode("utf-8")
    path.write_bytes(pkg.with_parts(changes).to_bytes())
    return moved


def test_chart_data_blocks_followed_in_a_built_plan(tmp_path):
    """The shipped regionplan's two chart data blocks cut from Diagram!A4 and F4 and pasted
    30 rows down (the charts' ranges moved with them, as Excel does): validera gives the
    same findings as for the book as shipped, regenerera has nothing to write."""
    from xlmodel.workbook import block_names
    from xlmodel.workbook.cells import PackageCells

    root = Path(__file__).resolve().parents[1]
    book = tmp_path / "regionplan.xlsm"
    book.write_bytes((root / "workbooks" / "vasterbotten_regionplan_2021.xlsm").read_bytes())
    code, shipped = validate_json(book)
    cells = PackageCells.open(book)
    frames_at = block_names.read_block(cells, block_names.DIAGRAM_FRAMES).bounds
    burn_at = block_names.read_block(cells, block_names.DIAGRAM_BURNDOWN).bounds
    assert move_block(book, block_names.DIAGRAM_FRAMES, ("Diagram", frames_at[0], frames_at[1] + 30)) == "A34"
    assert move_block(book, block_names.DIAGRAM_BURNDOWN, ("Diagram", burn_at[0], burn_at[1] + 30)) == "F34"
    assert shift_chart_refs(book, "Diagram", frames_at, 30) > 0
    assert shift_chart_refs(book, "Diagram", burn_at, 30) > 0
    moved = PackageCells.open(book)
    assert moved.value("Diagram", "A4") is None and moved.value("Diagram", "A34") == "Nämnd"
    assert moved.formula("Diagram", "D35") == 'IF(B35=0,"",C35/B35-1)'

    code_moved, report = validate_json(book)
    assert code_moved == code
    assert [(f["rule"], f["sheet"], f["cell"]) for f in report["findings"]] == \
        [(f["rule"], f["sheet"], f["cell"]) for f in shipped["findings"]]
    assert report["checked_cells"] == shipped["checked_cells"]
    regen = run_cli("regenerera", book.name, cwd=tmp_path)
    assert regen.returncode == 0 and "inga celler behöver ändras" in regen.stdout, regen.stdout + regen.stderr


def test_a_note_where_a_block_moved_to_another_sheet_stood_is_not_written_over(tmp_path):
    """Västernorrland's Summa rows under the resursramar (``xlmodel_Resursramar``, B21:H23)
    cut and pasted on the sheet Info: the block stands where its name says, so
    ``regenerera`` leaves it on Info and writes nothing under the table. A note typed where
    the block stood (Resursramar!B21) is the user's: it stays, and regenerera succeeds
    (before the blocks followed their names, the block was written back under the table,
    and regenerera refused because of the note)."""
    from test_followup_blocks import VN, _copy, _move_block_to_sheet, _names, _type, _value, _xlmodel

    from xlmodel.workbook import block_names

    book = _copy(VN, tmp_path)
    assert _move_block_to_sheet(book, "Resursramar", block_names.RESURSRAMAR, "Info", "A40") == "A40:G42"
    assert _value(book, "Info", "A40") == "Summa" and _value(book, "Resursramar", "B21") is None
    _type(book, "Resursramar", {"B21": "Kontrollerad av revisorerna"})
    proc = _xlmodel("regenerera", str(book))
    assert proc.returncode == 0 and "inga celler behöver ändras" in proc.stdout, proc.stdout + proc.stderr
    assert _value(book, "Resursramar", "B21") == "Kontrollerad av revisorerna"
    assert _value(book, "Resursramar", "B22") is None and _value(book, "Resursramar", "E21") is None
    assert _value(book, "Info", "A40") == "Summa"
    assert _names(book)[block_names.RESURSRAMAR] == "'Info'!$A$40:$G$42"
    assert _xlmodel("validera", str(book)).returncode == 0
