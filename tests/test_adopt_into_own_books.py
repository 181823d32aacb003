"""``xlmodel anslut`` into one of xlmodel's own books (a shipped workbook, copied): the
part added beyond the book's kind is validated and regenerated as in a team's book, and
the book keeps its kind (a delårsrapport given the frame table is still a delårsrapport,
not a regionplan missing its Resultatbudget and Balanskrav sheets). Real files, every
command a real process.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

from test_adopt import run_cli, validate_json

ROOT = Path(__file__).resolve().parents[1]
REGIONPLAN = ROOT / "workbooks" / "vasterbotten_regionplan_2021.xlsm"
DELARSRAPPORT = ROOT / "workbooks" / "vasterbotten_delarsrapport_2021_08.xlsm"


def _copy(src: Path, tmp_path: Path) -> Path:
    book = tmp_path / src.name
    shutil.copyfile(src, book)
    return book


def _type_in(book: Path, sheet: str, values: dict[str, object]) -> None:
    """The user types values into cells (the package patched losslessly, as Excel keeps it)."""
    from xlmodel.xlsx import CellWrite, Package, patch_sheet

    pkg = patch_sheet(Package.open(book), sheet, [CellWrite(ref, v) for ref, v in values.items()])
    book.write_bytes(pkg.to_bytes())


def _on_sheet(report: dict, sheet: str) -> list[dict]:
    return [f for f in report["findings"] if f["sheet"] == sheet]


def test_utredning_added_to_a_shipped_regionplan_is_validated_and_regenerated(tmp_path):
    from xlmodel.workbook.cells import PackageCells

    book = _copy(REGIONPLAN, tmp_path)
    run = run_cli("anslut", book.name, "--delar", "balanskravsutredning", "--rakenskapsar", "2021",
                  "--ingen-backup", cwd=tmp_path)
    assert run.returncode in (0, 1), run.stderr
    _type_in(book, "Balanskravsutredning", {"C5": Decimal("120"), "C9": Decimal("-30")})

    # the utredning's own rule sees the stale block (not only the function cells)
    code, report = validate_json(book)
    assert code == 1 and report["kind"] == "regionplan"
    stale = {f["cell"] for f in _on_sheet(report, "Balanskravsutredning") if f["rule"] != "funktionscell.inaktuell"}
    assert "C16" in stale, report["findings"]

    run = run_cli("regenerera", book.name, "--ingen-backup", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    cells = PackageCells.open(book)
    assert cells.value("Balanskravsutredning", "C16") == Decimal("90")   # 120 − 30
    assert cells.value("Balanskravsutredning", "C29") == Decimal("90")
    code, report = validate_json(book)
    assert _on_sheet(report, "Balanskravsutredning") == [], report["findings"]
    assert report["kind"] == "regionplan"


def test_frame_table_added_to_a_shipped_delarsrapport_keeps_its_kind_and_is_computed(tmp_path):
    from xlmodel.workbook.cells import PackageCells

    book = _copy(DELARSRAPPORT, tmp_path)
    _code, before = validate_json(book)
    run = run_cli("anslut", book.name, "--delar", "ramtabell", "--ingen-backup", cwd=tmp_path)
    assert run.returncode in (0, 1), run.stderr

    code, report = validate_json(book)
    assert report["kind"] == "delarsrapport", report
    # the delårsrapport's own findings are all still there, and nothing asks for a regionplan's sheets
    assert all(f in report["findings"] for f in before["findings"])
    assert not any("saknas (arbetsboken har" in f["message"] for f in report["findings"]), report["findings"]
    assert any(f["sheet"] == "Parametrar" and f["cell"] == "C5" for f in report["findings"])  # Budgetår to fill

    _type_in(book, "Parametrar", {"C5": 2022, "C6": Decimal("0.03")})
    _type_in(book, "Ramar", {"A5": "N1", "B5": "Nämnd 1", "D5": Decimal("100"), "G5": 1})
    run = run_cli("regenerera", book.name, "--ingen-backup", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    cells = PackageCells.open(book)
    frame = [r for r in range(1, 40) if cells.value("Ramtabell", f"A{r}") == "N1"]
    assert frame, "the frame table's row was not written"
    code, report = validate_json(book)
    assert report["kind"] == "delarsrapport"
    assert _on_sheet(report, "Ramtabell") == [], report["findings"]
