"""=RESERVER(): the two reserve buckets year by year (issue 14, point 2).

Through FY2023 lines 7–8 of the balanskravsutredning move the resultatutjämningsreserv
(RUR); from FY2024 they move the resultatreserv, capped at 5 % of skatteintäkter,
generella statsbidrag and utjämning, while the old RUR is a bucket of its own outside the
cap, only used (line 9). Published figures where there are any; the 2024–2025 case is a
worked example (no published utredning with both buckets has been found, docs/rules.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import udfs

REPO = Path(__file__).resolve().parents[1]
HEAD = ["År", "RUR ingående", "RUR utgående", "Resultatreserv ingående", "Resultatreserv utgående",
        "Tak resultatreserv", "Anmärkning"]


def col(*values):
    return [[v] for v in values]


def test_upplands_bro_2019_2020_rur_in_tkr():
    """Upplands-Bro kommun, balanskravsutredning 2017–2021: RUR 73 690 → 107 087 → 95 379 tkr
    (reservering −33 397 tkr 2019, användning 11 708 tkr 2020)."""
    got = udfs.RESERVER(col(2019, 2020), col(-33397, None), col(None, 11708), None, None, 73690)
    assert got == [HEAD, [2019, 73690.0, 107087.0, 0.0, 0.0, None, None],
                   [2020, 107087.0, 95379.0, 0.0, 0.0, None, None]]


def test_from_2024_two_buckets_and_the_cap_on_the_new_one_only():
    # 2023: RUR 120 + 30 reserved = 150. 2024: nothing more to the RUR; 60 to the
    # resultatreserv (cap 5 % of 1 000 = 50: over it). 2025: 20 used from the old RUR (line 9),
    # 15 from the resultatreserv (line 8): 130 and 45, the RUR above the cap does not count.
    got = udfs.RESERVER(col(2023, 2024, 2025), col(-30, -60, None), col(None, None, 15), col(None, None, 20),
                        col(None, 1000, 1000), 120)
    assert got[0] == HEAD
    assert got[1] == [2023, 120.0, 150.0, 0.0, 0.0, None, None]
    assert got[2][:6] == [2024, 150.0, 150.0, 0.0, 60.0, 50.0]
    assert got[2][6].startswith("Resultatreserven uppgår till 60 mkr vid utgången av 2024, över taket")
    assert "äldre RUR räknas inte in" in got[2][6]
    assert got[3] == [2025, 150.0, 130.0, 60.0, 45.0, 50.0, None]


def test_a_year_without_lines_carries_the_balances_and_blank_rows_at_the_end_are_unused():
    got = udfs.RESERVER(col(2021, 2022, None, None), col(-10, None, None, None), col(None, None, None, None),
                        None, None, 5)
    assert got == [HEAD, [2021, 5.0, 15.0, 0.0, 0.0, None, None], [2022, 15.0, 15.0, 0.0, 0.0, None, None]]


def test_using_more_than_the_bucket_holds_is_noted_on_the_year():
    got = udfs.RESERVER(col(2024, 2025), col(-10, None), col(None, 4), col(None, 50), None, 30, 0)
    assert got[2][:5] == [2025, 30.0, -20.0, 10.0, 6.0]
    assert got[2][6] == ("År 2025 används mer ur resultatutjämningsreserven än den innehåller: ingående 30 mkr, "
                         "utgående −20 mkr.")


@pytest.mark.parametrize("args, message", [
    ((col(2012, 2013), col(-10, None), col(5, None)),
     "argument 'anvandning', värde nr 1: år 2012 kunde resultatutjämningsreserven inte användas"),
    ((col(2009), col(-1), None), "argument 'reservering', värde nr 1: år 2009 fanns ingen resultatutjämningsreserv"),
    ((col(2023), None, None, col(4)), "argument 'anvandning_rur', värde nr 1: år 2023 finns bara"),
    ((col(2024), col(10), None), "argument 'reservering', värde nr 1: raden anges med minustecken"),
    ((col(2024, 2025), col(-1), None), "argument 'reservering': 1 värden men 'ar' har 2"),
])
def test_a_line_the_year_has_no_place_for_is_refused_naming_the_row(args, message):
    got = udfs.RESERVER(*args)
    assert isinstance(got, str) and got.startswith(f"#XLMODEL: {message}"), got


def controllers_workbook(path: Path) -> tuple[int, int]:
    """A workbook XlsxWriter writes (cached values as Excel stores them) with a RESERVER
    spill at F2, its cell J5 (2025's resultatreserv at the end) stale. Returns the
    spill's (rows, columns)."""
    import xlsxwriter

    years, reserved, used = (2023, 2024, 2025), (-30, -40, None), (None, None, 15)
    table = udfs.RESERVER(col(*years), col(*reserved), col(*used), None, col(None, 1000, 1000), 120)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Reserver")
    ws.write_row("A1", ["År", "Reservering", "Användning", "Underlag"])
    for i, (y, r, u) in enumerate(zip(years, reserved, used)):
        ws.write_row(1 + i, 0, [y, r, u, None if y == 2023 else 1000])
    rows, cols = len(table), len(table[0])
    ws.write_dynamic_array_formula(f"F2:L{1 + rows}", "=RESERVER(A2:A4,B2:B4,C2:C4,,D2:D4,120)", None, table[0][0])
    plain = wb.add_format()
    for i, row in enumerate(table):
        for j, v in enumerate(row):
            if i or j:
                stale = (i, j) == (3, 4)          # 2025's resultatreserv at the end: J5
                if v is None:   # a blank in the spill (no cap before 2024, no note): an empty cell
                    ws.write_blank(1 + i, 5 + j, None, plain)
                else:
                    ws.write(1 + i, 5 + j, 999 if stale else v)
    wb.close()
    return rows, cols


def xlmodel(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xlmodel", *args], capture_output=True, text=True, cwd=REPO)


def test_a_reserver_spill_in_a_controllers_workbook_is_checked_cell_by_cell(tmp_path):
    """One spilled cell stale: validera reports exactly that cell, as for the other functions."""
    path = tmp_path / "reserver.xlsx"
    rows, cols = controllers_workbook(path)
    done = xlmodel("validera", "--format", "json", str(path))
    report = json.loads(done.stdout)["files"][0]
    assert done.returncode == 1, done.stdout + done.stderr
    assert [(f["rule"], f["sheet"], f["cell"]) for f in report["findings"]] == [
        ("funktionscell.inaktuell", "Reserver", "J5")]
    assert report["checked_cells"] == rows * cols


def test_forklara_names_the_figure_of_a_spilled_cell_and_its_anchor(tmp_path):
    """forklara on a cell of the spill (no formula of its own): which function's table it
    belongs to, which figure it is (column header, the row's year), what the function
    gives there and that the stored value disagrees; on the anchor, the years as years."""
    path = tmp_path / "reserver.xlsx"
    controllers_workbook(path)
    out = json.loads(xlmodel("forklara", "--format", "json", str(path), "Reserver!J5").stdout)["explanation"]
    assert out["title"] == "Del av tabellen som xlmodels funktion RESERVER i F2 spiller ut"
    assert (out["status"], out["rule"], out["expected"], out["stored_value"]) == ("beräknad", "reserv", "25", "999")
    assert "Resultatreserv utgående för 2025" in out["arithmetic"][0] and "J5: RESERVER i F2 ger 25" in out["mismatch"]
    agreeing = json.loads(xlmodel("forklara", "--format", "json", str(path), "Reserver!H4").stdout)["explanation"]
    assert agreeing["expected"] == agreeing["stored_value"] == "150" and agreeing["mismatch"] is None
    assert "RUR utgående för 2024" in agreeing["arithmetic"][0]
    text = xlmodel("forklara", str(path), "Reserver!F2").stdout
    assert "3 celler: 2023; 2024; 2025" in text, text
    # a value that is not in any spill stays a plain value
    assert json.loads(xlmodel("forklara", "--format", "json", str(path), "Reserver!A3").stdout)[
        "explanation"]["status"] == "text"
