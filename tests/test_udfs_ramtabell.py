"""=RAMTABELL(tblRamar[#Alla]; tblForandringar[#Alla]; …) gives, cell for cell, what
``xlmodel regenerera`` writes into the Ramtabell sheet.

The workbook is the shipped regionplan with its Standardindex changed (so the table
really is recomputed, not read back); ``regenerera`` runs as a real CLI process; the
written sheet and the input tables are read back with openpyxl (an independent
reader), and the tables go into RAMTABELL as Excel hands a whole table over, through
xlwings' own pandas DataFrame converter (xlmodel.testing.xlwings_harness)."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from xlmodel.testing import xlwings_harness as h

pytest.importorskip("pandas", reason="pandas is a dependency of xlmodel (pyproject.toml)")

ROOT = Path(__file__).resolve().parents[1]
REGIONPLAN = ROOT / "workbooks" / "vasterbotten_regionplan_2021.xlsm"


@pytest.fixture(scope="module")
def xl():
    module, _ = h.load_udf_module("udfs")
    return module


def _changed_copy(tmp: Path) -> Path:
    """The regionplan with Regionfullmäktige's prior frame (Ramar D5, 16,86) changed to
    20, written with the lossless patch layer: the frame table is now out of date."""
    from xlmodel.xlsx.package import Package
    from xlmodel.xlsx.patch import CellWrite, patch_sheet

    pkg = Package.open(REGIONPLAN)
    out = tmp / REGIONPLAN.name
    out.write_bytes(patch_sheet(pkg, "Ramar", [CellWrite(ref="D5", value=Decimal(20))]).to_bytes())
    return out


def _com(v):
    """A cell value as COM hands it to the function: numbers are doubles."""
    return float(v) if isinstance(v, int) and not isinstance(v, bool) else v


def _table(wb, name):
    for ws in wb.worksheets:
        if name in ws.tables:
            rows = ws[ws.tables[name].ref]
            return tuple(tuple(_com(c.value) for c in row) for row in rows)
    raise AssertionError(name)


def _name(wb, name):
    sheet, ref = next(iter(wb.defined_names[name].destinations))
    return _com(wb[sheet][ref.replace("$", "")].value)


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    path = _changed_copy(tmp_path_factory.mktemp("ramtabell"))
    run = subprocess.run([sys.executable, "-m", "xlmodel", "regenerera", "--ingen-backup", str(path)],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode in (0, 1), run.stderr
    return path


def _written_frame_table(path):
    """The Ramtabell sheet as regenerera left it: header row down to the sum row."""
    from xlmodel.workbook.layout import FIRST_DATA_ROW, FRAMETABLE_BLOCK, FRAMETABLE_SUM_ID

    ws = openpyxl.load_workbook(path, data_only=True)[FRAMETABLE_BLOCK.sheet]
    first, n = FRAMETABLE_BLOCK.first_col, len(FRAMETABLE_BLOCK.columns)
    rows = []
    for r in range(FRAMETABLE_BLOCK.header_row, FIRST_DATA_ROW + 10_000):
        row = [ws.cell(r, first + j).value for j in range(n)]
        rows.append(row)
        if row[0] == FRAMETABLE_SUM_ID:
            return rows
    raise AssertionError("ingen summarad")


def _inputs(path):
    wb = openpyxl.load_workbook(path, data_only=True)
    return (_table(wb, "tblRamar"), _table(wb, "tblForandringar"), _name(wb, "Budgetar"), _name(wb, "Standardindex"),
            _table(wb, "tblPublicerat"), _name(wb, "AviseratIndex"), _name(wb, "Nettoram"))


def _assert_same(got, want):
    assert len(got) == len(want)
    for i, (g_row, w_row) in enumerate(zip(got, want)):
        assert len(g_row) == len(w_row), i
        for j, (g, w) in enumerate(zip(g_row, w_row)):
            if isinstance(w, (int, float)) and not isinstance(w, bool):
                assert isinstance(g, float) and g == pytest.approx(float(w), rel=1e-13, abs=1e-9), (i, j, g, w)
            else:
                assert g == w, (i, j, g, w)


def test_ramtabell_equals_the_regenerated_frame_table(xl, regenerated):
    want = _written_frame_table(regenerated)
    got = h.call_like_excel(xl.RAMTABELL, *_inputs(regenerated))
    assert h.com_return_problems(got) == []
    _assert_same(got, want)
    assert got[0][-1] == "Budgetram 2021" and got[-1][0] == want[-1][0]
    # the changed index really changed the table: not the shipped cached values
    shipped = _written_frame_table(REGIONPLAN)
    assert want[1][2] == 20 and shipped[1][2] == pytest.approx(16.86)
    assert want[-1][-1] != shipped[-1][-1]


@pytest.fixture(scope="module")
def generated_plan(tmp_path_factory):
    """Another regionplan: 3 nämnder with 40 cost centres as varav rows, no Publicerat
    table, built by `xlmodel bygg` (a real process) from a generated source folder, then
    one prior frame changed and `xlmodel regenerera` run on it."""
    from bench.generate import Size, regionplan_source
    from xlmodel.xlsx.package import Package
    from xlmodel.xlsx.patch import CellWrite, patch_sheet

    work = tmp_path_factory.mktemp("genererad")
    src = regionplan_source(work / "src" / "plan", Size(committees=3, cost_centres=40, years=3), seed=11)
    built = subprocess.run([sys.executable, "-m", "xlmodel", "bygg", str(src), "--ut", str(work)],
                           capture_output=True, text=True, cwd=ROOT)
    assert built.returncode == 0, built.stderr
    (path,) = work.glob("*.xlsx")
    pkg = Package.open(path)
    path.write_bytes(patch_sheet(pkg, "Ramar", [CellWrite(ref="D5", value=Decimal("123.4"))]).to_bytes())
    run = subprocess.run([sys.executable, "-m", "xlmodel", "regenerera", "--ingen-backup", str(path)],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode in (0, 1), run.stderr
    return path


def test_ramtabell_equals_the_regenerated_frame_table_of_a_generated_plan(xl, generated_plan):
    wb = openpyxl.load_workbook(generated_plan, data_only=True)
    assert not any("tblPublicerat" in ws.tables for ws in wb.worksheets)
    args = (_table(wb, "tblRamar"), _table(wb, "tblForandringar"), _name(wb, "Budgetar"), _name(wb, "Standardindex"))
    want = _written_frame_table(generated_plan)
    got = h.call_like_excel(xl.RAMTABELL, *args)
    _assert_same(got, want)
    assert len(got) == 1 + 3 + 40 + 1 and want[1][2] == pytest.approx(123.4)


@pytest.fixture(scope="module")
def new_plan(tmp_path_factory):
    """A kommun's plan made by `xlmodel ny` (a real process; a varav row, an omställning and a
    transfer), one prior frame then changed with openpyxl and `xlmodel regenerera` run on it."""
    work = tmp_path_factory.mktemp("ny")
    (work / "svar.toml").write_text(
        'organ = "kommun"\nnamn = "Exempel kommun"\nar = 2026\nindex = "2,9 %"\n'
        'indexkalla = "SKR:s prognos augusti 2025"\nskatteintakter = 2150\ngenerella_statsbidrag = "640,5"\n'
        '[[namnd]]\nnamn = "Kommunstyrelsen"\nram = "182,5"\n'
        '[[namnd]]\nid = "KS_pension"\nnamn = "varav pensioner"\nforalder = "KS"\nram = 40\nindexeras = false\n'
        '[[namnd]]\nnamn = "Barn- och utbildningsnämnden"\nram = 1210\n'
        '[[namnd]]\nnamn = "Socialnämnden"\nram = 845\nindexsats = "3,2 %"\n'
        '[[omstallning]]\nnamnd = "SN"\nbelopp = 6\n'
        '[[overforing]]\nfran = "KS"\ntill = "BUN"\nbelopp = "2,5"\n', encoding="utf-8")
    made = subprocess.run([sys.executable, "-m", "xlmodel", "ny", "--fran", str(work / "svar.toml"), "--ut",
                           str(work / "budget.xlsx")], capture_output=True, text=True, cwd=ROOT,
                          stdin=subprocess.DEVNULL)
    assert made.returncode == 0, made.stderr
    path = work / "budget.xlsx"
    wb = openpyxl.load_workbook(path)
    assert wb["Ramar"]["A7"].value == "BUN"
    wb["Ramar"]["D7"] = 1250
    wb.save(path)
    run = subprocess.run([sys.executable, "-m", "xlmodel", "regenerera", "--ingen-backup", str(path)],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    return path


def test_ramtabell_equals_the_regenerated_frame_table_of_a_plan_made_by_ny(xl, new_plan):
    wb = openpyxl.load_workbook(new_plan, data_only=True)
    args = (_table(wb, "tblRamar"), _table(wb, "tblForandringar"), _name(wb, "Budgetar"), _name(wb, "Standardindex"))
    want = _written_frame_table(new_plan)
    got = h.call_like_excel(xl.RAMTABELL, *args)
    assert h.com_return_problems(got) == []
    _assert_same(got, want)
    assert len(got) == 1 + 4 + 1 and want[3][2] == 1250 and got[0][-1] == "Budgetram 2026"


def test_ramtabell_arguments_are_dataframes_through_xlwings(xl, regenerated):
    import pandas as pd

    args = h.convert_args(xl.RAMTABELL, *_inputs(regenerated))
    assert isinstance(args[0], pd.DataFrame) and isinstance(args[1], pd.DataFrame) and isinstance(args[4], pd.DataFrame)
    assert list(args[0].columns)[:2] == ["Id", "Post"]


def test_ramtabell_takes_columns_in_any_order_and_plain_rows(xl, regenerated):
    ramar, changes, year, rate, published, announced, net = _inputs(regenerated)
    swapped = tuple(tuple(reversed(r)) for r in ramar)
    want = h.call_like_excel(xl.RAMTABELL, *_inputs(regenerated))
    _assert_same(h.call_like_excel(xl.RAMTABELL, swapped, changes, year, rate, published, announced, net), want)
    import udfs  # a Python caller, lists of rows with the header first, no DataFrame

    plain = udfs.RAMTABELL([list(r) for r in ramar], [list(r) for r in changes], year, rate,
                           [list(r) for r in published], announced, net)
    _assert_same(plain, want)
    without_published = udfs.RAMTABELL([list(r) for r in ramar], [list(r) for r in changes], year, rate)
    assert [r[-1] for r in without_published] == [r[-1] for r in want]


def test_a_bad_cell_in_a_table_is_named_by_row_and_column(xl, regenerated):
    ramar, changes, year, rate, *_ = _inputs(regenerated)
    header = ramar[0]
    col = header.index("Budgetram föregående år")
    bad = (header, tuple("abc" if j == col else v for j, v in enumerate(ramar[1])), *ramar[2:])
    got = h.call_like_excel(xl.RAMTABELL, bad, changes, year, rate)
    assert got == [["#XLMODEL: argument 'ramar': rad 1, kolumn 'Budgetram föregående år': 'abc' är inget tal"]]
    missing = (tuple("Något" if v == "Typ" else v for v in changes[0]), *changes[1:])
    got = h.call_like_excel(xl.RAMTABELL, ramar, missing, year, rate)
    assert got[0][0].startswith("#XLMODEL: argument 'forandringar': rubriken 'Typ' saknas i tabellen")
