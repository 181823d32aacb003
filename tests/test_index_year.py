"""The index of the budget year must be decided (issue 14): real CLI processes on real files.

A 2022 plan rolled from 2021 without a new index fails ``xlmodel validera`` (a finding,
exit 1) until the rate is given; with it, it passes. The rate is given either with
``rulla-fram --index`` or by the controller in the workbook's Index table (here written
by openpyxl, another program than xlmodel).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "workbooks" / "vasterbotten_regionplan_2021.xlsm"
# The rows of the shipped plan's Ramar sheet with an own (differentiated) index rate.
OWN_RATES = ("RF", "RF_ber_sodra_lappland", "RF_ber_skelleftea_norsjo", "RF_ber_umearegionen", "RS",
             "RS_primarvard", "RS_tandvard", "HSN", "RUN", "FHS", "PN", "REV")
# rulla-fram options giving each of them a 2022 rate: what is left is the Standardindex.
NEW_ROW_RATES = tuple(a for i in OWN_RATES for a in ("--radindex", f"{i}=2,7%"))


def xlmodel(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xlmodel", *args], capture_output=True, text=True, cwd=ROOT,
                          input=stdin if stdin is not None else "")


def rules_of(path: Path) -> tuple[int, list[str]]:
    done = xlmodel("validera", "--format", "json", str(path))
    report = json.loads(done.stdout)
    return done.returncode, [f["rule"] for f in report["files"][0]["findings"] if f["severity"] == "fel"]


def save_with_openpyxl(path: Path, edit) -> None:
    """Edit the file with openpyxl (another program), then let xlmodel regenerate its own
    cells: openpyxl drops the cached values of formula cells, which validate would report."""
    import openpyxl

    wb = openpyxl.load_workbook(path, keep_vba=True)
    edit(wb["Parametrar"])
    wb.save(path)
    assert xlmodel("regenerera", "--ingen-backup", str(path)).returncode in (0, 1)


@pytest.fixture()
def book(tmp_path) -> Path:
    path = tmp_path / "regionplan.xlsm"
    shutil.copy2(BOOK, path)
    return path


def test_the_shipped_2021_plan_has_its_index_with_a_source():
    code, errors = rules_of(BOOK)
    assert (code, errors) == (0, [])


def test_rolled_without_a_new_index_fails_validera_until_the_rate_is_given(book):
    done = xlmodel("rulla-fram", str(book))
    assert done.returncode == 0, done.stderr
    assert "standardindex 1,9 % från 2021 står kvar" in done.stdout      # says what it carried over
    assert "12 rad(er) på bladet Ramar har en egen indexsats" in done.stdout
    code, errors = rules_of(book)
    # the Standardindex and each of the 12 rows' own rates carried over
    assert (code, errors) == (1, ["index.overford"] * 13)
    text = xlmodel("validera", str(book)).stdout
    assert "Parametrar" in text and "C6" in text and "2021 års sats" in text

    # The controller enters 2022's rate and its source in the Index table (row 13 holds the
    # roll's note on the Ramar rates, so the message points at row 14), and the decision to
    # keep the rows' own rates in place of the note (openpyxl writes the file).
    def enter_2022(ws):
        ws["C6"] = 0.028
        ws["A14"], ws["B14"], ws["C14"], ws["D14"] = 2022, "LPIK", 0.028, "SKR:s prognos februari 2021"
        ws["D13"] = "RF 2021-06-15 § 80: de egna indexsatserna behålls 2022"

    save_with_openpyxl(book, enter_2022)
    assert rules_of(book) == (0, [])


def test_rolled_with_index_option_passes_and_records_the_source(book):
    done = xlmodel("rulla-fram", "--index", "2,8%", "--indexkalla", "SKR cirkulär, april 2021",
                   *NEW_ROW_RATES, str(book))
    assert done.returncode == 0, done.stderr
    assert "rullning.standardindex" not in done.stdout and "rullning.indexsatser" not in done.stdout
    assert rules_of(book) == (0, [])
    from xlmodel.workbook.cells import PackageCells

    cells = PackageCells.open(book)
    assert cells.value("Parametrar", "C6") == Decimal("0.028")
    assert [cells.value("Parametrar", f"{c}13") for c in "ABCD"] == [2022, "LPIK", Decimal("0.028"),
                                                                   "SKR cirkulär, april 2021"]
    # a second roll without rates: 2022's 2,8 % and 2,7 % carried into 2023 are findings again
    assert xlmodel("rulla-fram", str(book)).returncode == 0
    assert rules_of(book) == (1, ["index.overford"] * 13)


def test_a_rate_that_differs_from_the_years_row_and_a_year_with_no_source(book):
    save_with_openpyxl(book, lambda ws: ws.__setitem__("C6", 0.02))   # the table says 1,9 % for 2021
    assert rules_of(book) == (1, ["index.avviker"])

    def plan_2023(ws):                      # a 2023 plan, and the only row now says 2020
        ws["C5"], ws["A12"] = 2023, 2020

    save_with_openpyxl(book, plan_2023)
    assert "index.saknas" in rules_of(book)[1]


def test_bad_index_option_is_refused_and_nothing_is_written(book):
    data = book.read_bytes()
    done = xlmodel("rulla-fram", "--index", "två procent", str(book))
    assert done.returncode == 2 and "--index" in done.stderr
    assert book.read_bytes() == data


def on_a_terminal(book: Path, answers: list[str]) -> tuple[int, str]:
    """``xlmodel rulla-fram BOOK`` with a pseudo-terminal as its terminal, each prompt
    answered in turn (the Standardindex, then one per row with an own rate): its exit
    code and everything it showed. A prompt that does not come within 60 s fails."""
    import pty
    import select
    import signal

    pid, fd = pty.fork()
    if pid == 0:   # the child: xlmodel with the pty as its terminal
        os.chdir(ROOT)
        os.execv(sys.executable, [sys.executable, "-m", "xlmodel", "rulla-fram", "--ingen-backup", str(book)])
    out, given = b"", 0
    while True:
        ready, _, _ = select.select([fd], [], [], 60)
        if not ready:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail("rulla-fram väntar utan fråga: " + out.decode(errors="replace"))
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
        asked = out.count("standardindex för det nya året".encode()) + out.count(b"; 2022: ")
        while given < min(asked, len(answers)):
            os.write(fd, (answers[given] + "\n").encode())
            given += 1
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), out.decode(errors="replace")


@pytest.mark.skipif(os.name != "posix", reason="the prompt is tested through a pseudo-terminal (POSIX pty)")
def test_prompt_on_a_terminal(book):
    """Without --index on a terminal, rulla-fram asks for the rate, then for each row's
    own rate; blank answers carry the rows' rates over, which validate reports."""
    code, shown = on_a_terminal(book, ["2,5 %"] + [""] * len(OWN_RATES))
    assert code == 0, shown
    assert "12 rad(er) på bladet Ramar har en egen indexsats för 2021" in shown
    assert "RF (Regionfullmäktige), Ramar!E5: 2021: 1,78 %; 2022: " in shown
    assert rules_of(book) == (1, ["index.overford"] * 12)
    from xlmodel.workbook.cells import PackageCells

    cells = PackageCells.open(book)
    assert cells.value("Parametrar", "C6") == Decimal("0.025")
    assert cells.value("Parametrar", "D13") == "angiven i terminalen vid rulla-fram"


@pytest.mark.skipif(os.name != "posix", reason="the prompt is tested through a pseudo-terminal (POSIX pty)")
def test_the_rows_rates_given_at_the_prompt_pass_validera(book):
    """Each row's new rate typed at its prompt (one typed wrong, asked again): the roll
    takes them all and the 2022 plan passes."""
    code, shown = on_a_terminal(book, ["2,5 %", "två"] + ["2,7 %"] * len(OWN_RATES))
    assert code == 0, shown
    assert "försök igen (tomt = för över" in shown
    assert rules_of(book) == (0, [])
    from xlmodel.workbook.cells import PackageCells
    from xlmodel.workbook.frametable import frames as F

    rows = F.frame_sources_from_cells(PackageCells.open(book)).frames.typed(F.RULE)
    assert {r["id"]: r["index_rate"] for r in rows if r["index_rate"] is not None} == \
        {i: Decimal("0.027") for i in OWN_RATES}


def _overford_message(path: Path) -> str:
    done = xlmodel("validera", "--format", "json", str(path))
    found = [f for f in json.loads(done.stdout)["files"][0]["findings"] if f["rule"] == "index.overford"]
    assert done.returncode == 1 and len(found) == 1, done.stdout
    return found[0]["message"]


def _follow(message: str, rate: float, source: str, *, extend_table: bool = False):
    """An edit doing what the message says, cell by cell, read from the message itself."""
    import re

    rate_cell = re.search(r"Skriv 2022 års sats i Parametrar!([A-Z]+\d+) och", message)
    row = re.search(r"rad (\d+): År 2022 i ([A-Z]+\d+), indexets namn i ([A-Z]+\d+), samma sats i ([A-Z]+\d+) "
                    r"och dess källa eller beslut i ([A-Z]+\d+)", message)
    assert rate_cell and row, message

    def edit(ws):
        ws[rate_cell.group(1)] = rate
        year_at, name_at, rate_at, source_at = row.groups()[1:]
        ws[year_at], ws[name_at], ws[rate_at], ws[source_at] = 2022, "LPIK", rate, source
        if extend_table:   # as the message says when the table has no empty row (Excel does it itself)
            table = ws.tables["tblIndex"]
            table.ref = re.sub(r"\d+$", row.group(1), table.ref)
    return edit


def test_the_carried_over_index_message_names_the_cells_and_following_it_passes(book):
    assert xlmodel("rulla-fram", "--ingen-backup", *NEW_ROW_RATES, str(book)).returncode == 0
    message = _overford_message(book)
    assert "Parametrar!C6" in message and "rad 13" in message, message
    save_with_openpyxl(book, _follow(message, 0.019, "Fullmäktiges beslut: 2021 års sats gäller 2022"))
    assert rules_of(book) == (0, [])


def test_a_full_index_table_is_told_to_take_in_the_row_under_it(book):
    def fill_table(ws):   # the table's empty rows 13-16 used for earlier years
        for r, year in zip(range(13, 17), range(2017, 2021)):
            ws[f"A{r}"], ws[f"B{r}"], ws[f"C{r}"], ws[f"D{r}"] = year, "LPIK", 0.02, f"Regionplan {year}"

    save_with_openpyxl(book, fill_table)
    assert xlmodel("rulla-fram", "--ingen-backup", *NEW_ROW_RATES, str(book)).returncode == 0
    message = _overford_message(book)
    assert "direkt under tabellen Index" in message and "rad 17" in message and "utökas" in message, message
    save_with_openpyxl(book, _follow(message, 0.028, "SKR:s prognos februari 2021", extend_table=True))
    assert rules_of(book) == (0, [])


def type_index_rows(path: Path, rows: list[tuple]) -> None:
    """The controller types the new year's rows into the Index table (A13 on), before
    rolling: written losslessly, only those cells change."""
    from xlmodel.xlsx.atomic import save_package
    from xlmodel.xlsx.package import Package
    from xlmodel.xlsx.patch import CellWrite, patch_sheet

    writes = [CellWrite(f"{col}{13 + i}", v) for i, row in enumerate(rows) for col, v in zip("ABCD", row)]
    pkg = Package.open(path)
    save_package(patch_sheet(pkg, "Parametrar", writes), path, expect_sha256=pkg.sha256, backup=False)


def test_a_rate_already_in_the_index_table_is_the_new_standardindex(book):
    """The way to give the rate in Excel, where the macro asks nothing: the new year's row
    typed into the Index table first. The roll takes it (and says so), writes no second row,
    and with the rows' rates given the 2022 plan passes."""
    type_index_rows(book, [(2022, "LPIK", 0.026, "SKR:s prognos, cirkulär 21:10")])
    done = xlmodel("rulla-fram", "--ingen-backup", *NEW_ROW_RATES, str(book))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Standardindex 2022: 2,6 % från tabellen Index (Parametrar!C13)" in done.stdout
    assert "Ingen indexsats för 2022" not in done.stdout
    from xlmodel.workbook.cells import PackageCells

    cells = PackageCells.open(book)
    assert cells.value("Parametrar", "C6") == Decimal("0.026")
    assert cells.value("Parametrar", "A14") is None           # no second row for the same year
    assert rules_of(book) == (0, [])


def test_with_several_rates_for_the_year_the_roll_takes_the_series_of_this_years(book, tmp_path):
    type_index_rows(book, [(2022, "LPIK inkl. läkemedel", 0.029, "SKR"), (2022, "LPIK", 0.026, "SKR")])
    done = xlmodel("rulla-fram", "--ingen-backup", *NEW_ROW_RATES, str(book))
    assert done.returncode == 0, done.stdout + done.stderr
    from xlmodel.workbook.cells import PackageCells

    assert PackageCells.open(book).value("Parametrar", "C6") == Decimal("0.026")   # 2021's LPIK
    # two rates and neither of 2021's series: refused, nothing written
    other = tmp_path / "other.xlsm"
    shutil.copy2(BOOK, other)
    type_index_rows(other, [(2022, "KPI", 0.02, "SCB"), (2022, "Egen vägd", 0.022, "beslut")])
    data = other.read_bytes()
    done = xlmodel("rulla-fram", str(other))
    assert done.returncode == 2
    assert "tabellen Index har flera satser för 2022 (2 % (KPI), 2,2 % (Egen vägd))" in done.stderr
    assert "--index SATS (en av dem)" in done.stderr
    assert other.read_bytes() == data
    # --index naming one of them chooses it: no second row for the year, the plan passes
    done = xlmodel("rulla-fram", "--ingen-backup", "--index", "2,2%", *NEW_ROW_RATES, str(other))
    assert done.returncode == 0, done.stdout + done.stderr
    cells = PackageCells.open(other)
    assert cells.value("Parametrar", "C6") == Decimal("0.022")
    assert cells.value("Parametrar", "A15") is None
    assert rules_of(other) == (0, [])
    # one that is neither is refused: the year's rows are the table's decision
    shutil.copy2(BOOK, other)
    type_index_rows(other, [(2022, "KPI", 0.02, "SCB")])
    done = xlmodel("rulla-fram", "--index", "2,9%", str(other))
    assert done.returncode == 2 and "har redan en rad för 2022 med en annan sats" in done.stderr, done.stderr


@pytest.mark.skipif(os.name != "posix", reason="the prompt is tested through a pseudo-terminal (POSIX pty)")
def test_on_a_terminal_a_rate_in_the_table_is_not_asked_for(book):
    type_index_rows(book, [(2022, "LPIK", 0.026, "SKR:s prognos")])
    code, shown = on_a_terminal(book, ["2,7 %"] * len(OWN_RATES))
    assert code == 0, shown
    assert "standardindex för det nya året" not in shown
    assert "standardindex 2022: 2,6 %, från tabellen Index (Parametrar!C13)" in shown
    assert rules_of(book) == (0, [])


def test_the_excel_macro_takes_the_rate_in_the_table(book):
    """The roll-forward macro (the xlwings double of test_macros) on the same book: the
    Standardindex typed into the Index table is the new year's."""
    from test_macros import FakeBook
    from udfs import live as X

    type_index_rows(book, [(2022, "LPIK", 0.026, "SKR:s prognos")])
    fake = FakeBook.load(book)
    report = X.roll_forward_book(fake)
    assert report.ok
    assert fake.sheets["Parametrar"].values["C6"] == pytest.approx(0.026)
    assert any("Standardindex 2022: 2,6 % från tabellen Index" in line for line in report.lines)
