"""Fullmäktige's reserve guidelines as a parameter table (issue 14 point 3): local rules
with the common rule as defaults, the statute's limits as law rows xlmodel owns, a
finding where a local rule contradicts the law, and the delårsrapport's reserve use
(lines 8–9) checked against both.

The core through its public functions; the workbooks built by ``xlmodel bygg`` and
checked by ``xlmodel validera`` / ``regenerera`` as real processes, edited with openpyxl
(another program's writer).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest

from xlmodel.findings import Severity
from xlmodel.rules import reserve_guidelines as R
from xlmodel.rules.reserves import UseGuidelines

REPO = Path(__file__).resolve().parent.parent
SRC = REPO / "workbooks" / "src"


def run(*args) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xlmodel", *map(str, args)], capture_output=True, text=True, cwd=REPO)


# =========================================================================== the core


def test_the_defaults_are_the_common_local_rule_and_the_law_rows_come_from_the_parameters():
    assert R.DEFAULT.use == UseGuidelines()
    assert R.guidelines({}).use.only_when_negative and R.guidelines({}).use.at_most_to_zero
    assert [r.nr for r in R.ROWS if r.local] == [1, 2, 3, 4, 5, 6]
    law = {r.nr: R.law_value(r, 2021) for r in R.ROWS if not r.local}
    assert (law[7].value, law[8].value, law[9].value, law[10].value) == (D("0.01"), D("0.02"), None, None)
    assert "11 kap. 14 §" in law[7].reference and law[9].reference == "gäller inte år 2021"
    assert R.law_value(R.BY_NR[9], 2024).value == D("0.05") and R.law_value(R.BY_NR[10], 2024).value == 2033


def test_a_local_rule_may_be_stricter_than_the_law_but_not_milder():
    assert R.contradictions(R.guidelines({5: D("0.02"), 6: D("0.04")}), 2024) == []
    found = dict(R.contradictions(R.guidelines({5: D("0.005"), 6: D("0.06")}), 2024))
    assert set(found) == {5, 6}
    assert found[5].severity == Severity.ERROR and "överstiger 1 %" in found[5].message
    assert found[6].severity == Severity.ERROR and "lagens 5 %" in found[6].message
    # a cap for the resultatreserv before it exists: noted, not an error
    (nr, f), = R.contradictions(R.guidelines({6: D("0.04")}), 2021)
    assert nr == 6 and f.severity == Severity.WARNING and "från räkenskapsåret 2024" in f.message


def test_reserve_use_is_held_against_the_law_then_the_local_guidelines():
    # 2011: a RUR could be reserved to but not used (rules from 2013-01-01): law, refused by
    # the utredning itself (naming the line), so the guidelines never see it
    from xlmodel.errors import InputError
    from xlmodel.rules.balanskrav import BalanskravInput, balanskravsutredning

    for line in ("anvandning", "anvandning_rur"):
        with pytest.raises(InputError) as exc:
            balanskravsutredning(BalanskravInput(arets_resultat=D(-20), **{line: D(5)}), 2011)
        assert (exc.value.rule, exc.value.argument) == ("reserv.anvandning_lag", line)
        assert "år 2011 kunde resultatutjämningsreserven inte användas" in exc.value.message
    assert R.use_findings(2011, D(-20), D(5), D(0), R.DEFAULT) == []
    balanskravsutredning(BalanskravInput(arets_resultat=D(20), reservering=D(-5)), 2011)   # reserving: allowed
    balanskravsutredning(BalanskravInput(arets_resultat=D(-20), anvandning=D(5)), 2013)    # using: from 2013
    # 2021, adjusted result positive: beyond the common local rule, a warning saying it is local
    (f,) = R.use_findings(2021, D(168), D(10), D(0), R.DEFAULT)
    assert (f.rule, f.severity, f.expected, f.found) == ("reserv.anvandning_riktlinje", Severity.WARNING, 0, 10)
    assert "Lagen sätter inte den gränsen" in f.message and "lokala riktlinjer, inte lag" in f.message
    # up to zero is allowed; beyond it is not (−12 + 12 = 0, Malmö 2014 used 12 of a −205)
    assert R.use_findings(2021, D(-12), D(12), D(0), R.DEFAULT) == []
    (f,) = R.use_findings(2021, D(-12), D(15), D(0), R.DEFAULT)
    assert f.expected == 12
    # the body's own guidelines: use also with a positive result, at most 5 mkr a year
    own = R.guidelines({1: False, 2: False, 3: D(5)})
    assert R.use_findings(2021, D(168), D(5), D(0), own) == []
    (f,) = R.use_findings(2021, D(168), D(6), D(0), own)
    assert f.expected == 5 and "högst 5 mkr per år" in f.message
    # 2024: line 9 (old RUR) counts towards the same guideline; after the assumed end of
    # the transition it is a warning (the last year is unverified)
    assert R.use_findings(2024, D(-26.1), D(0), D("7.5"), R.DEFAULT) == []
    found = R.use_findings(2034, D(-10), D(0), D(5), R.DEFAULT)
    assert [x.rule for x in found] == ["reserv.anvandning_lag"] and "2033 (overifierat)" in found[0].message


# =========================================================================== the workbooks


def delarsrapport_source(tmp_path: Path, line8: str, guidelines_csv: str | None) -> Path:
    src = tmp_path / "src" / "dr"
    shutil.copytree(SRC / "vasterbotten_delarsrapport_2021_08", src)
    text = (src / "utredning.csv").read_text(encoding="utf-8")
    (src / "utredning.csv").write_text(
        text.replace("8,Användning av medel från resultatutjämningsreserv,", f"8,Användning av medel från resultatutjämningsreserv,{line8}"),
        encoding="utf-8")
    toml = src / "bok.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('published_balanskravsresultat = "168"\n', ""),
                    encoding="utf-8")
    if guidelines_csv is not None:
        (src / "reservriktlinjer.csv").write_text(guidelines_csv, encoding="utf-8")
    return tmp_path / "src"


def findings_of(book: Path) -> list[tuple[str, str, str, str]]:
    import json

    done = run("validera", "--format", "json", book)
    data = json.loads(done.stdout)
    return [(f["rule"], f["severity"], f["sheet"], f["cell"]) for f in data["files"][0]["findings"]
            if f["rule"].startswith("reserv")]


def test_the_shipped_books_carry_the_table_with_the_defaults_and_the_years_law():
    plan = openpyxl.load_workbook(REPO / "workbooks" / "vasterbotten_regionplan_2021.xlsm")
    assert "tblReservriktlinjer" in plan["Parametrar"].tables
    report = openpyxl.load_workbook(REPO / "workbooks" / "vasterbotten_delarsrapport_2021_08.xlsm",
                                    data_only=True)["Balanskravsutredning"]
    assert "tblReservriktlinjer" in report.tables
    rows = {report[f"A{n}"].value: (report[f"C{n}"].value, report[f"D{n}"].value) for n in range(35, 45)}
    assert rows[1] == ("Ja", "lokal (inte lag)") and rows[2] == ("Ja", "lokal (inte lag)")
    assert rows[3] == (None, "lokal (inte lag)")
    assert rows[7] == (0.01, "lag") and rows[8] == (0.02, "lag") and rows[9] == (None, "lag")


def test_use_beyond_the_default_rule_is_a_warning_and_the_books_own_rule_removes_it(tmp_path):
    # 10 mkr from the RUR with an adjusted result of 168: beyond the common local rule
    built = run("bygg", delarsrapport_source(tmp_path / "a", "10", None), "--ut", tmp_path / "a" / "ut")
    assert built.returncode == 0, built.stderr
    book = tmp_path / "a" / "ut" / "vasterbotten_delarsrapport_2021_08.xlsm"
    assert findings_of(book) == [("reserv.anvandning_riktlinje", "varning", "Balanskravsutredning", "C12")]
    # the body's guidelines allow use with a positive result (rows 1–2 "Nej"): no finding
    own = ("Nr,Riktlinje,Värde,Källa eller beslut\n"
           "1,Bara vid negativt resultat,Nej,Fullmäktige 2020-06-15 § 92\n"
           "2,Högst till noll,Nej,Fullmäktige 2020-06-15 § 92\n")
    built = run("bygg", delarsrapport_source(tmp_path / "b", "10", own), "--ut", tmp_path / "b" / "ut")
    assert built.returncode == 0, built.stderr
    book = tmp_path / "b" / "ut" / "vasterbotten_delarsrapport_2021_08.xlsm"
    assert findings_of(book) == []
    ws = openpyxl.load_workbook(book)["Balanskravsutredning"]
    assert (ws["C35"].value, ws["E35"].value) == ("Nej", "Fullmäktige 2020-06-15 § 92")
    # and typed back in the workbook (openpyxl), the default rule's warning returns
    wb = openpyxl.load_workbook(book, keep_vba=True)
    wb["Balanskravsutredning"]["C35"] = "Ja"
    wb["Balanskravsutredning"]["C36"] = "Ja"
    wb.save(book)
    assert findings_of(book) == [("reserv.anvandning_riktlinje", "varning", "Balanskravsutredning", "C12")]


def test_a_law_row_cannot_be_set_in_the_source_nor_changed_in_the_workbook(tmp_path):
    law = "Nr,Riktlinje,Värde,Källa eller beslut\n7,Lagens gräns,0.5 %,eget\n"
    built = run("bygg", delarsrapport_source(tmp_path / "a", "", law), "--ut", tmp_path / "a" / "ut")
    assert built.returncode == 2
    assert "reservriktlinjer.csv" in built.stderr and "riktlinje nr 7 är lagens gräns och skrivs av xlmodel" in built.stderr
    book = tmp_path / "plan.xlsm"
    shutil.copyfile(REPO / "workbooks" / "vasterbotten_regionplan_2021.xlsm", book)
    ws_name = "Parametrar"
    wb = openpyxl.load_workbook(book, keep_vba=True)
    ws = wb[ws_name]
    row = next(n for n in range(1, 60) if ws[f"A{n}"].value == 7 and ws[f"D{n}"].value == "lag")
    ws[f"C{row}"] = 0.005          # the law's 1 % typed over
    ws[f"C{row - 2}"] = 0.005      # row 5: a local threshold below the law's
    wb.save(book)
    found = findings_of(book)
    assert ("reserv.lagens_grans", "fel", ws_name, f"C{row}") in found
    assert ("reserv.riktlinje_mot_lag", "fel", ws_name, f"C{row - 2}") in found
    assert run("validera", book).returncode == 1
    run("regenerera", book)
    assert openpyxl.load_workbook(book)[ws_name][f"C{row}"].value == pytest.approx(0.01)
    assert ("reserv.lagens_grans", "fel", ws_name, f"C{row}") not in findings_of(book)


def test_a_book_without_the_table_uses_the_defaults_and_reports_nothing_of_it(tmp_path):
    # As a workbook built before the table existed: the common local rule applies.
    built = run("bygg", delarsrapport_source(tmp_path, "10", None), "--ut", tmp_path / "ut")
    assert built.returncode == 0, built.stderr
    book = tmp_path / "ut" / "vasterbotten_delarsrapport_2021_08.xlsm"
    wb = openpyxl.load_workbook(book, keep_vba=True)
    del wb["Balanskravsutredning"].tables["tblReservriktlinjer"]
    wb.save(book)
    assert findings_of(book) == [("reserv.anvandning_riktlinje", "varning", "Balanskravsutredning", "C12")]
    assert run("validera", book).returncode == 0
