"""The rows' own index rates of the Ramar sheet across a roll (issue 14): real CLI processes
on real files.

Region Västerbotten's plan 2021 gives 12 nämnder and varav rows their own (differentiated)
rate. Rolled into 2022 without new rates, each is last year's rate without a decision:
``rulla-fram`` notes them in the new year's row of the Index table, and ``validera``
reports each at its Ramar cell (``index.overford``) until the rate is changed or the note
is replaced by the decision. ``--radindex ID=SATS`` gives the new rates in the roll.
The controller's edits are made with openpyxl (another program than xlmodel).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from xlmodel.workbook.cells import PackageCells

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "workbooks" / "vasterbotten_regionplan_2021.xlsm"
# Ramar rows with an own rate in the shipped plan → the cell holding it.
OWN = {"RF": "E5", "RF_ber_sodra_lappland": "E6", "RF_ber_skelleftea_norsjo": "E7", "RF_ber_umearegionen": "E8",
       "RS": "E9", "RS_primarvard": "E10", "RS_tandvard": "E11", "HSN": "E14", "RUN": "E15", "FHS": "E17",
       "PN": "E18", "REV": "E19"}
INDEX = ("--index", "2,8%", "--indexkalla", "SKR:s prognos februari 2021")


def xlmodel(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xlmodel", *args], capture_output=True, text=True, cwd=ROOT,
                          input="")


def overford(path: Path) -> tuple[int, dict[str, dict]]:
    """validera's exit code and its index.overford findings by cell ('Ramar!E5')."""
    done = xlmodel("validera", "--format", "json", str(path))
    found = json.loads(done.stdout)["files"][0]["findings"]
    errors = [f for f in found if f["severity"] == "fel"]
    assert all(f["rule"] == "index.overford" for f in errors), errors
    return done.returncode, {f"{f['sheet']}!{f['cell']}": f for f in errors}


def edit_with_openpyxl(path: Path, edit) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(path, keep_vba=True)
    edit(wb)
    wb.save(path)
    # openpyxl drops formula caches; xlmodel rewrites its own cells (as Excel would recalculate)
    assert xlmodel("regenerera", "--ingen-backup", str(path)).returncode in (0, 1)


@pytest.fixture()
def book(tmp_path) -> Path:
    path = tmp_path / "regionplan.xlsm"
    shutil.copy2(BOOK, path)
    return path


def test_carried_rates_are_noted_and_each_is_a_finding_at_its_cell(book):
    done = xlmodel("rulla-fram", "--ingen-backup", *INDEX, str(book))
    assert done.returncode == 0, done.stderr
    assert "12 rad(er) på bladet Ramar har en egen indexsats för 2021 som står kvar 2022" in done.stdout
    assert "HSN 1,99 % (E14)" in done.stdout

    cells = PackageCells.open(book)
    # row 12 is 2021's LPIK, row 13 the --index rate, row 14 the note on the Ramar rates
    assert [cells.value("Parametrar", f"{c}14") for c in "ABC"] == [2022, "Egna indexsatser (bladet Ramar)", None]
    note = cells.value("Parametrar", "D14")
    assert note.startswith("Överförda från 2021 utan beslut: RF=1,78 %;") and "REV=1,79 %" in note
    assert cells.value("Ramar", "E14") == Decimal("0.0199")          # the rate itself stays

    code, found = overford(book)
    assert code == 1 and sorted(found) == sorted(f"Ramar!{c}" for c in OWN.values())
    hsn = found["Ramar!E14"]
    assert hsn["found"] == "0.0199" or Decimal(str(hsn["found"])) == Decimal("0.0199")
    assert "1,99 % för HSN (Hälso- och sjukvårdsnämnd) är 2021 års sats" in hsn["message"]
    assert "rulla-fram" not in hsn["message"]        # the book is rolled: rolling again is not the remedy


def test_a_changed_rate_clears_its_finding_and_the_decision_clears_the_rest(book):
    assert xlmodel("rulla-fram", "--ingen-backup", *INDEX, str(book)).returncode == 0
    edit_with_openpyxl(book, lambda wb: wb["Ramar"].__setitem__("E14", 0.021))   # HSN's 2022 rate
    code, found = overford(book)
    assert code == 1 and len(found) == 11 and "Ramar!E14" not in found

    # a rate edited back to the carried one is carried again
    edit_with_openpyxl(book, lambda wb: wb["Ramar"].__setitem__("E14", 0.0199))
    assert len(overford(book)[1]) == 12

    def decide(wb):   # the decision in place of the note
        wb["Parametrar"]["D14"] = "RF 2021-06-15 § 80: nämndernas egna indexsatser gäller även 2022"
    edit_with_openpyxl(book, decide)
    assert overford(book) == (0, {})


def test_radindex_gives_the_new_rates_and_only_the_rest_are_carried(book):
    done = xlmodel("rulla-fram", "--ingen-backup", *INDEX, "--radindex", "HSN=2,1%", "--radindex", "RS=0,02",
                   str(book))
    assert done.returncode == 0, done.stderr
    assert "10 rad(er)" in done.stdout
    cells = PackageCells.open(book)
    assert cells.value("Ramar", "E14") == Decimal("0.021") and cells.value("Ramar", "E9") == Decimal("0.02")
    note = cells.value("Parametrar", "D14")
    assert "HSN=" not in note and "RS=" not in note and "RS_primarvard=1,89 %" in note
    code, found = overford(book)
    assert code == 1 and len(found) == 10 and "Ramar!E14" not in found and "Ramar!E9" not in found

    # every row given: nothing is carried, no note is written, validera passes
    fresh = book.with_name("alla.xlsm")
    shutil.copy2(BOOK, fresh)
    every = [a for i in OWN for a in ("--radindex", f"{i}=2,5%")]
    done = xlmodel("rulla-fram", "--ingen-backup", *INDEX, *every, str(fresh))
    assert done.returncode == 0 and "rullning.indexsatser" not in done.stdout, done.stdout
    assert PackageCells.open(fresh).value("Parametrar", "A14") is None
    assert overford(fresh) == (0, {})


@pytest.mark.parametrize("option, words", [
    ("XYZ=2%", "raden XYZ finns inte i tabellen"),
    ("RS_pension=2%", "raden RS_pension indexeras inte"),
    ("HSN", "ska skrivas ID=SATS"),
    ("HSN=två", "--radindex"),
])
def test_a_bad_radindex_is_refused_and_nothing_is_written(book, option, words):
    data = book.read_bytes()
    done = xlmodel("rulla-fram", *INDEX, "--radindex", option, str(book))
    assert done.returncode == 2, done.stdout
    assert words in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert book.read_bytes() == data
    assert not (book.parent / ".xlmodel-backup").exists()


def test_a_row_given_twice_is_refused(book):
    data = book.read_bytes()
    done = xlmodel("rulla-fram", *INDEX, "--radindex", "HSN=2%", "--radindex", "HSN=2,1%", str(book))
    assert done.returncode == 2 and "raden HSN anges två gånger" in done.stderr
    assert book.read_bytes() == data


def test_a_full_index_table_refuses_the_roll_that_would_carry_rates(book):
    def fill(wb):   # three of the table's four empty rows used for earlier years: one left, for --index
        ws = wb["Parametrar"]
        for r, year in zip(range(13, 16), range(2018, 2021)):
            ws[f"A{r}"], ws[f"B{r}"], ws[f"C{r}"], ws[f"D{r}"] = year, "LPIK", 0.02, f"Regionplan {year}"
    edit_with_openpyxl(book, fill)
    data = book.read_bytes()
    done = xlmodel("rulla-fram", "--ingen-backup", "--index", "2,8%", str(book))
    assert done.returncode == 2
    assert "tabellen Index har ingen tom rad kvar för de egna indexsatserna" in done.stderr, done.stderr
    assert "Parametrar" in done.stderr and "--radindex" in done.stderr
    assert book.read_bytes() == data


def test_the_note_is_read_back_item_by_item():
    from xlmodel.workbook.index_year import carried_note, carried_rates

    rates = {"RF": Decimal("0.0178"), "HSN": Decimal("0.0199")}
    assert carried_rates(carried_note(2021, rates)) == rates
    # an item edited into no rate is no longer carried; any other text is a decision
    assert carried_rates("Överförda från 2021 utan beslut: RF=1,78 %; HSN=se beslut") == {"RF": Decimal("0.0178")}
    assert carried_rates("RF 2021-06-15 § 80: satserna behålls") == {}
    assert carried_rates(None) == {}


def test_roll_forward_takes_the_rows_new_rates_in_the_core():
    from xlmodel.errors import InputError
    from xlmodel.rules.frametable import compute_frame_table, roll_forward
    from xlmodel.workbook.frametable import frames as F

    inp = F.frame_input(F.frame_sources_from_cells(PackageCells.open(BOOK)))
    table = compute_frame_table(inp)
    nxt = roll_forward(table, inp, next_default_index_rate=Decimal("0.028"),
                       next_index_rates={"HSN": Decimal("0.021")})
    rates = {r.id: r.index_rate for r in nxt.rows}
    assert rates["HSN"] == Decimal("0.021") and rates["RS"] == Decimal("0.0169")
    with pytest.raises(InputError, match="raden NOPE finns inte"):
        roll_forward(table, inp, next_default_index_rate=Decimal("0.028"), next_index_rates={"NOPE": Decimal("0.02")})


@pytest.mark.libreoffice
def test_the_note_and_the_findings_survive_a_libreoffice_save(book, tmp_path, soffice):
    """The rolled book opened and saved by a real LibreOffice: the note in tblIndex is
    still read, each carried rate is still reported at its Ramar cell; the decision
    written in place of the note (openpyxl, on LibreOffice's file) clears them."""
    from xlmodel.testing.libreoffice import convert

    assert xlmodel("rulla-fram", "--ingen-backup", *INDEX, str(book)).returncode == 0
    saved = convert([book], tmp_path / "lo", soffice=soffice, recalc=False)[book]
    code, found = overford(saved)
    assert code == 1 and sorted(found) == sorted(f"Ramar!{c}" for c in OWN.values())

    def decide(wb):
        wb["Parametrar"]["D14"] = "RF 2021-06-15 § 80: nämndernas egna indexsatser gäller även 2022"
    edit_with_openpyxl(saved, decide)
    assert overford(saved) == (0, {})
