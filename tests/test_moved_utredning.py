"""The delårsrapport's balanskravsutredning block found by its defined name wherever it
stands (issue 12, "each output block is found by a defined name, so it can stand on any
sheet").

A delårsrapport built by ``xlmodel bygg`` has its computed block (the two totals,
=BALANSKRAV() and the spill of =BALANSKRAV_UTREDNING(), B15:C29) under the name
``xlmodel_Balanskravsutredning``. Here the block is cut and pasted the way Excel does it:
its cells move; its references to cells outside it (the lines C5:C12, the year G5) keep
their cells and, on another sheet, name Balanskravsutredning; its one reference inside
it (C15 in the balanskravsresultat) follows it; the formula that points into it from
another sheet (Prognos' prognos cell, =Balanskravsutredning!C16) follows it too; and the
name is rewritten to the new place. Then every job runs on the copy as a real process.
A book without the name (built before it existed) has the block at the layout's place,
as always.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from xlmodel.workbook import block_names as B
from xlmodel.workbook.cells import PackageCells
from xlmodel.xlsx.atomic import save_package
from xlmodel.xlsx.defined_names import set_defined_names
from xlmodel.xlsx.package import Package
from xlmodel.xlsx.patch import CellWrite, patch_sheet
from xlmodel.xlsx.refs import column_index_from_string, coordinate_from_string, formula_sheet, get_column_letter

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "workbooks" / "src" / "vasterbotten_delarsrapport_2021_08"
HOME = "Balanskravsutredning"


def _xlmodel(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xlmodel", *args], capture_output=True, text=True,
                          encoding="utf-8", cwd=cwd)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bygg")
    proc = _xlmodel("bygg", str(SOURCE), "--ut", str(out), cwd=out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (book,) = out.glob("*.xls*")
    return book


def _copy(book: Path, tmp_path: Path) -> Path:
    dst = tmp_path / book.name
    shutil.copyfile(book, dst)
    return dst


def _names(path: Path) -> dict[str, str]:
    return {d.name: d.value for d in Package.open(path).defined_names if d.local_sheet is None}


def _cr(ref: str) -> tuple[int, int]:
    col, row = coordinate_from_string(ref.replace("$", ""))
    return column_index_from_string(col), row


def _repoint(formula: str, home: str, target_home: str, src: str, dst: str, bounds, dc: int, dr: int) -> str:
    """``formula`` (on sheet ``home``, now on ``target_home``) after a cut of ``bounds`` on
    ``src`` pasted ``dc`` columns and ``dr`` rows away on ``dst``, as Excel rewrites it: a
    reference wholly inside the cut follows it, any other keeps its cell; a reference names
    its sheet when that is not the formula's own."""
    from openpyxl.formula.tokenizer import Tokenizer

    c1, r1, c2, r2 = bounds
    tok = Tokenizer("=" + formula)
    for t in tok.items:
        if t.type != "OPERAND" or t.subtype != "RANGE":
            continue
        sheet, _, ref = t.value.rpartition("!")
        sheet = sheet.strip("'").replace("''", "'") if sheet else home
        try:
            corners = [_cr(x) for x in ref.split(":")]
        except ValueError:
            continue  # a defined name or a table's column: Excel keeps it as it is
        inside = sheet == src and all(c1 <= c <= c2 and r1 <= r <= r2 for c, r in corners)
        if inside:
            sheet = dst
            ref = ":".join(f"{get_column_letter(c + dc)}{r + dr}" for c, r in corners)
        t.value = ref if sheet == target_home else f"{formula_sheet(sheet)}!{ref}"
    return tok.render()[1:]


def cut_paste(path: Path, name: str, dst: str, to: str) -> str:
    """Cut block ``name`` and paste it with its top-left at ``dst``!``to``, as Excel does
    (see the module docstring); returns the new extent."""
    pkg = Package.open(path)
    cells = PackageCells(pkg)
    place = B.range_target(_names(path)[name])
    src, bounds = place.sheet, place.bounds
    c1, r1, c2, r2 = bounds
    tc, tr = _cr(to)
    dc, dr = tc - c1, tr - r1
    writes: dict[str, list[CellWrite]] = {sheet: [] for sheet in cells.sheet_names()}
    for sheet in cells.sheet_names():
        for ref in list(cells.cells(sheet)):
            formula, value = cells.formula_and_value(sheet, ref)
            c, r = _cr(ref)
            if sheet == src and c1 <= c <= c2 and r1 <= r <= r2:
                moved = _repoint(formula, src, dst, src, dst, bounds, dc, dr) if formula else None
                writes[dst].append(CellWrite(f"{get_column_letter(c + dc)}{r + dr}", value, formula=moved))
            elif formula:
                again = _repoint(formula, sheet, sheet, src, dst, bounds, dc, dr)
                if again != formula:
                    writes[sheet].append(CellWrite(ref, value, formula=again))
    new = pkg
    for sheet, ws in writes.items():
        if ws or sheet == src:
            # the old place emptied (its cells a new write does not cover)
            new = patch_sheet(new, sheet, ws, [place.ref] if sheet == src else None)
    extent = B.make_ref(c1 + dc, r1 + dr, c2 + dc, r2 + dr)
    save_package(set_defined_names(new, {name: B.name_value(dst, extent)}), path, expect_sha256=pkg.sha256,
                 backup=False)
    return extent


def _without_name(path: Path, name: str) -> None:
    """The workbook as a version of xlmodel before the block's name wrote it."""
    pkg = Package.open(path)
    xml = pkg.part(pkg.workbook_part).decode("utf-8")
    xml = re.sub(rf'<definedName name="{name}">[^<]*</definedName>', "", xml)
    save_package(pkg.with_parts({pkg.workbook_part: xml.encode("utf-8")}), path, expect_sha256=pkg.sha256,
                 backup=False)


def _type(path: Path, sheet: str, writes: dict[str, object]) -> None:
    pkg = Package.open(path)
    save_package(patch_sheet(pkg, sheet, [CellWrite(ref, v) for ref, v in writes.items()]), path,
                 expect_sha256=pkg.sha256, backup=False)


def _validate(path: Path) -> tuple[int, dict]:
    proc = _xlmodel("validera", "--format", "json", path.name, cwd=path.parent)
    return proc.returncode, json.loads(proc.stdout)["files"][0]


def _where(report: dict) -> list[tuple[str, str, str]]:
    return [(f["rule"], f["sheet"], f["cell"]) for f in report["findings"]]


@pytest.mark.parametrize(("dst", "to", "result"), [
    ("Info", "C10", "D11"),        # another sheet: its references name Balanskravsutredning
    (HOME, "E15", "F16"),          # the same sheet, beside the old place
    ("Prognos", "A30", "B31"),     # the sheet of tblBalanskravAr, whose prognos cell points into it
])
def test_a_moved_utredning_block_is_validated_and_regenerated_where_it_stands(built, tmp_path, dst, to, result):
    code, as_built = _validate(built)
    book = _copy(built, tmp_path)
    extent = cut_paste(book, B.UTREDNING, dst, to)
    cells = PackageCells.open(book)
    assert cells.value(HOME, "C16") is None and cells.value(dst, result) is not None
    on = "" if dst == HOME else f"{HOME}!"
    col, row = _cr(result)
    assert cells.formula(dst, result) == f"{get_column_letter(col)}{row - 1}+{on}C11+{on}C12"
    prognos = "B31" if dst == "Prognos" else f"{formula_sheet(dst)}!{result}"
    assert cells.formula("Prognos", "C17") == prognos  # the prognos cell followed the block

    moved_code, report = _validate(book)
    assert moved_code == code and _where(report) == _where(as_built), report["findings"]
    assert report["checked_cells"] == as_built["checked_cells"]
    regen = _xlmodel("regenerera", book.name, cwd=tmp_path)
    assert regen.returncode == 0 and "inga celler behöver ändras" in regen.stdout, regen.stdout + regen.stderr
    assert _names(book)[B.UTREDNING] == B.name_value(dst, extent)


def test_a_typed_over_cell_of_the_moved_block_is_reported_and_restored_there(built, tmp_path):
    """The block pasted at Info!C10 (C10:D24: the balanskravsresultat in D11, =BALANSKRAV()
    in D12, the spill from C15) and its balanskravsresultat typed over with a constant:
    validera names Info!D11, regenerera writes the formula back there and nothing on
    Balanskravsutredning, forklara explains Info!D11 and a line of the moved spill, and
    diff calls the moved cells computed when a line changes."""
    book = _copy(built, tmp_path)
    assert cut_paste(book, B.UTREDNING, "Info", "C10") == "C10:D24"
    clean = tmp_path / "flyttad.xlsm"
    shutil.copyfile(book, clean)
    before = PackageCells.open(book)
    result = before.value("Info", "D11")
    _type(book, "Info", {"D11": Decimal("123")})

    code, report = _validate(book)
    assert code == 1, report
    errors = [(f["rule"], f["sheet"], f["cell"]) for f in report["findings"] if f["severity"] == "fel"]
    assert ("balanskrav.formel", "Info", "D11") in errors, report["findings"]
    assert not any(s == HOME for _, s, _ in errors), errors

    home_before = {ref: before.formula_and_value(HOME, ref) for ref in before.cells(HOME)}
    regen = _xlmodel("regenerera", book.name, cwd=tmp_path)
    assert regen.returncode == 0, regen.stdout + regen.stderr
    assert "1 cell ändrad" in regen.stdout and re.search(r"^\s+Info\s+D11\s", regen.stdout, re.M), regen.stdout
    after = PackageCells.open(book)
    assert after.formula("Info", "D11") == "D10+Balanskravsutredning!C11+Balanskravsutredning!C12"
    assert after.value("Info", "D11") == result
    assert {ref: after.formula_and_value(HOME, ref) for ref in after.cells(HOME)} == home_before
    assert after.value(HOME, "C16") is None and after.value(HOME, "B20") is None
    assert _validate(book)[0] == 0

    told = _xlmodel("forklara", "--format", "json", book.name, "Info!D11", cwd=tmp_path)
    assert told.returncode == 0, told.stdout + told.stderr
    explained = json.loads(told.stdout)["explanation"]
    assert explained["status"] == "beräknad" and explained["rule"] == "balanskrav", explained
    assert explained["title"] == "Balanskravsresultat"
    assert any("D10 + Balanskravsutredning!C11" in line for line in explained["arithmetic"]), explained
    line = _xlmodel("forklara", "--format", "json", book.name, "Info!D16", cwd=tmp_path)
    assert line.returncode == 0, line.stdout + line.stderr
    spilled = json.loads(line.stdout)["explanation"]
    assert spilled["status"] == "beräknad" and "från C15" in " ".join(spilled["notes"]), spilled
    old = _xlmodel("forklara", "--format", "json", book.name, f"{HOME}!C16", cwd=tmp_path)
    assert json.loads(old.stdout)["explanation"]["status"] != "beräknad"  # the old place is no longer the block

    # A line changed (realisationsvinster, C6) and regenerated: diff calls the line input
    # and the moved block's cells computed; nothing of the block's old place changed.
    changed = tmp_path / "ändrad.xlsm"
    shutil.copyfile(clean, changed)
    _type(changed, HOME, {"C6": Decimal("-20")})
    regen = _xlmodel("regenerera", changed.name, cwd=tmp_path)
    assert regen.returncode == 0, regen.stdout + regen.stderr
    diff = _xlmodel("diff", "--format", "json", clean.name, changed.name, cwd=tmp_path)
    kinds = {(c["sheet"], c["cell"]): c["type"] for c in json.loads(diff.stdout)["cells"]}
    assert kinds[(HOME, "C6")] == "indata"
    assert kinds[("Info", "D10")] == kinds[("Info", "D11")] == kinds[("Info", "D12")] == "beräknat", kinds
    assert not [at for at in kinds if at[0] == HOME and at != (HOME, "C6")], kinds


def test_a_book_without_the_name_has_the_block_at_the_layouts_place(built, tmp_path):
    """The name removed (a book built before it existed): validera gives the built book's
    findings, a typed-over C16 is reported and restored at Balanskravsutredning!C16, and
    regenerera adds the name there."""
    code, as_built = _validate(built)
    book = _copy(built, tmp_path)
    _without_name(book, B.UTREDNING)
    assert B.UTREDNING not in _names(book)
    assert _validate(book)[0] == code and _where(_validate(book)[1]) == _where(as_built)

    _type(book, HOME, {"C16": Decimal("123")})
    code, report = _validate(book)
    assert code == 1 and ("balanskrav.formel", HOME, "C16") in _where(report), report["findings"]
    regen = _xlmodel("regenerera", book.name, cwd=tmp_path)
    assert regen.returncode == 0, regen.stdout + regen.stderr
    assert PackageCells.open(book).formula(HOME, "C16") == "C15+C11+C12"
    assert _names(book)[B.UTREDNING] == B.name_value(HOME, "B15:C29")
    assert _validate(book)[0] == 0


def test_a_note_where_the_moved_block_stood_is_the_users(built, tmp_path):
    """After the block is moved to Info, Balanskravsutredning!C16 is no longer xlmodel's: a
    note typed there is kept by regenerera, and validera does not report it."""
    book = _copy(built, tmp_path)
    cut_paste(book, B.UTREDNING, "Info", "C10")
    _type(book, HOME, {"C16": "Kontrollerad av revisorerna"})
    code, report = _validate(book)
    assert not any(f["sheet"] == HOME and f["cell"] == "C16" for f in report["findings"]), report["findings"]
    regen = _xlmodel("regenerera", book.name, cwd=tmp_path)
    assert regen.returncode == 0, regen.stdout + regen.stderr
    assert PackageCells.open(book).value(HOME, "C16") == "Kontrollerad av revisorerna"


def test_the_function_cells_of_the_moved_block_are_the_parts(built, tmp_path):
    """=BALANSKRAV() and the spill's anchor at their new places are compared by the part
    (``Part.placed_function_cells``), so the generic check of function cells does not
    report them a second time."""
    from xlmodel.workbook.function_cells import owned_by_parts
    from xlmodel.workbook.parts import UTREDNING

    book = _copy(built, tmp_path)
    cut_paste(book, B.UTREDNING, "Info", "C10")
    assert {("Info", "D12"), ("Info", "C15")} <= owned_by_parts([UTREDNING], PackageCells.open(book))
    assert re.fullmatch(r"BALANSKRAV\(Balanskravsutredning!C5,.*Balanskravsutredning!G5\)",
                        PackageCells.open(book).formula("Info", "D12"))


def test_a_name_on_a_sheet_the_book_lacks_is_reported_and_the_rest_checked(built, tmp_path):
    """The name rewritten to a sheet the book does not have (renamed outside Excel, which
    left the name behind): validera reports that sheet missing under the utredning's rule,
    once, and still checks the follow-up (whose prognos cell reads the utredning's result);
    forklara on the old place gives no computed explanation on a guess."""
    code, as_built = _validate(built)
    book = _copy(built, tmp_path)
    pkg = Package.open(book)
    save_package(set_defined_names(pkg, {B.UTREDNING: B.name_value("Borta", "B15:C29")}), book,
                 expect_sha256=pkg.sha256, backup=False)
    code, report = _validate(book)
    errors = [f for f in report["findings"] if f["severity"] == "fel"]
    assert code == 1 and [(f["rule"], f["sheet"]) for f in errors] == [("balanskrav", "Borta")], errors
    assert "Bladet 'Borta' saknas" in errors[0]["message"]
    assert report["checked_cells"] > as_built["checked_cells"] // 2, report["checked_cells"]
    told = _xlmodel("forklara", "--format", "json", book.name, f"{HOME}!C16", cwd=tmp_path)
    assert told.returncode == 0 and json.loads(told.stdout)["explanation"]["status"] != "beräknad", told.stdout
