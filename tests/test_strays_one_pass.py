"""The stray-input check on a regionplan's big input sheets is fed by the frame table's
streamed pass (``strays.watched_rows``) instead of a second read of Ramar and
Förändringar: the findings must be those of the check's own read, cell for cell."""

from __future__ import annotations

from pathlib import Path

import pytest

from xlmodel.workbook import strays
from xlmodel.workbook.cells import PackageCells
from xlmodel.workbook.parts import input_tables
from xlmodel.workbook.validate import validate_cells
from xlmodel.xlsx.package import Package
from xlmodel.xlsx.patch import CellWrite, patch_sheet
from xlmodel.xlsx.refs import range_boundaries

ROOT = Path(__file__).resolve().parents[1]
REGIONPLAN = ROOT / "workbooks" / "vasterbotten_regionplan_2021.xlsm"


def _table_end(pkg: Package, name: str) -> tuple[str, int, int]:
    loc = PackageCells(pkg).table(name)
    _c1, _r1, c2, r2 = range_boundaries(loc.ref)
    return loc.sheet, c2, r2


def _letter(col: int) -> str:
    from xlmodel.xlsx.refs import get_column_letter

    return get_column_letter(col)


def _edited(tmp_path: Path, table: str, writes) -> Path:
    pkg = Package.open(REGIONPLAN)
    sheet, max_col, max_row = _table_end(pkg, table)
    path = tmp_path / f"{table}.xlsm"
    path.write_bytes(patch_sheet(pkg, sheet, writes(max_col, max_row)).to_bytes())
    return path


CASES = {
    "rad_under_ramar": ("tblRamar", lambda c, r: [CellWrite(f"A{r + 2}", "NY"), CellWrite(f"B{r + 2}", "Ny"),
                                                  CellWrite(f"D{r + 2}", 5)]),
    "tal_bredvid_ramar": ("tblRamar", lambda c, r: [CellWrite(f"{_letter(c + 1)}{r - 1}", 12),
                                                    CellWrite(f"{_letter(c + 1)}{r}", "x")]),
    "sista_raden_under": ("tblRamar", lambda c, r: [CellWrite(f"A{r + 3}", "NY"), CellWrite(f"C{r + 3}", 1)]),
    "under_forandringar": ("tblForandringar", lambda c, r: [CellWrite(f"A{r + 1}", "X"), CellWrite(f"B{r + 1}", 2),
                                                            CellWrite(f"{_letter(c + 1)}{r}", 4)]),
    "langre_ned_an_tre": ("tblRamar", lambda c, r: [CellWrite(f"A{r + 4}", "NY"), CellWrite(f"B{r + 4}", "Ny")]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_check_fed_by_the_frame_pass_finds_what_its_own_read_finds(tmp_path, case):
    table, writes = CASES[case]
    path = _edited(tmp_path, table, writes)
    own_read = strays.stray_findings(PackageCells.open(path, lazy=True), input_tables())  # nothing watched: streams itself
    cells = PackageCells.open(path, lazy=True)
    _kind, findings, _n = validate_cells(cells)
    # the big sheets were seen by the frame pass, and the check used what it saw
    assert {"Ramar", "Förändringar"} <= set(cells.memo.get("strays.watch", {}))
    assert not cells.read_whole("Ramar")
    assert [f for f in findings if f.rule == strays.RULE] == own_read
    if case != "langre_ned_an_tre":
        assert own_read, "the edit should be reported"
    else:
        assert own_read == []


def test_a_shipped_plan_has_no_strays_either_way():
    cells = PackageCells.open(REGIONPLAN, lazy=True)
    _kind, findings, _n = validate_cells(cells)
    assert [f for f in findings if f.rule == strays.RULE] == strays.stray_findings(PackageCells.open(REGIONPLAN), input_tables()) == []
