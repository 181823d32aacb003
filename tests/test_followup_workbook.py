"""The follow-up part of the shipped delårsrapport, through the real CLI.

- the workbook reproduces the delårsrapport augusti 2021's driftredovisning and
  omställning follow-up from its inputs (tests/data/seed004: the printed tables), each
  printed figure reproduced or reported with its cause (the 88 %);
- rolling the period forward (new outcome in the input columns, 8 → 12 months) and
  ``xlmodel regenerera`` update every derived cell, and the file validates clean;
- a deliberately broken reconciliation with the resultaträkning gives exactly its
  finding (``xlmodel validera``, exit 1, sheet!cell and rule);
- ``xlmodel forklara`` explains a computed follow-up cell.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

from xlmodel.money import excel_precision
from xlmodel.workbook.cells import PackageCells
from xlmodel.xlsx.atomic import save_package
from xlmodel.xlsx.package import Package
from xlmodel.xlsx.patch import CellWrite, patch_sheet

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "workbooks" / "vasterbotten_delarsrapport_2021_08.xlsm"
DATA = Path(__file__).parent / "data" / "seed004"
# tblDrift rows of the shipped workbook (Driftredovisning), by the print's row ids.
DRIFT_ROW = {"rs": 5, "hsn": 10, "run": 13, "fhs": 14, "pn": 15, "rev": 16, "skatteintakter": 17, "gen_sb": 18,
             "fin_intakter": 19, "fin_kostnader": 20}
SUMMARY_ROW = {"nettokostnader": 14, "skatteintakter": 15, "gen_sb": 16, "verks_resultat": 17,
               "fin_intakter": 18, "fin_kostnader": 19, "finansnetto": 20, "totalt": 21}


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xlmodel", *args], capture_output=True, text=True, cwd=ROOT)


def patch(path: Path, sheet: str, writes: dict[str, object]) -> None:
    pkg = Package.open(path)
    cells = [CellWrite(ref, D(str(v)) if isinstance(v, (int, float)) else v) for ref, v in writes.items()]
    save_package(patch_sheet(pkg, sheet, cells), path, expect_sha256=pkg.sha256, backup=False)


def printed(name: str) -> dict[str, dict[str, str]]:
    with (DATA / name).open(encoding="utf-8") as fh:
        return {r["row_id"]: r for r in csv.DictReader(fh)}


def findings(path: Path) -> tuple[int, list[dict]]:
    run = cli("validera", "--format", "json", str(path))
    return run.returncode, json.loads(run.stdout)["files"][0]["findings"]


def test_shipped_workbook_reproduces_the_driftredovisning_within_the_prints_rounding():
    cells = PackageCells.open(BOOK)
    table = printed("dr2021_driftredovisning.csv")
    for rid, r in table.items():
        if rid in DRIFT_ROW:
            n, sheet, avv_col, ku_col = DRIFT_ROW[rid], "Driftredovisning", "L", "N"
        else:
            n, sheet, avv_col, ku_col = SUMMARY_ROW[rid], "Uppföljning", "F", "D"
            assert abs(cells.value(sheet, f"B{n}") - D(r["utfall_2021_08"])) <= 1, rid
            assert abs(cells.value(sheet, f"E{n}") - D(r["budget_2021_08"])) <= 1, rid
        # Avvikelse: each input printed to ±0,5, so the difference of two is within 1.
        assert abs(cells.value(sheet, f"{avv_col}{n}") - D(r["budgetavvikelse"])) <= 1, rid
        if r["kostnadsutveckling_pct"] and rid in ("rs", "hsn", "nettokostnader"):
            # The large rows reproduce the printed percentage to its decimal.
            assert round(cells.value(sheet, f"{ku_col}{n}") * 100, 1) == D(r["kostnadsutveckling_pct"]), rid
    assert cells.value("Driftredovisning", "L5") == -97          # Regionstyrelsen −2 008 against −1 911
    assert cells.formula("Driftredovisning", "L5") == "E5-K5"
    assert cells.value("Uppföljning", "E26") == 0                 # nettokostnader −5 877 = resultaträkningen
    code, found = findings(BOOK)
    assert code == 0
    assert not [f for f in found if f["severity"] == "fel"]
    # Every printed figure that differs from the computed one is reported, on its cell:
    # rounding (info), or a source discrepancy with its cause (varning).
    rounding = {(f["subject"], f["field"]) for f in found if f["rule"] == "uppfoljning.tryckt_avrundning"}
    assert {("HSN", "avvikelse"), ("verksamhetens_nettokostnader", "utfall"), ("PN", "kostnadsutveckling")} <= rounding


def test_shipped_workbook_flags_the_88_percent_against_94_of_117():
    cells = PackageCells.open(BOOK)
    omst = printed("dr2021_omstallning_uppfoljning.csv")
    assert cells.value("Omställning", "O5") == D(omst["region"]["arsplan_2021"])          # 175
    assert round(cells.value("Omställning", "P5")) == D(omst["region"]["plan_tom_aug"])  # 116,7 ≈ 117
    assert cells.value("Omställning", "Q5") == D(omst["region"]["effekt_tom_aug"])        # 94 = 29 + 65
    assert cells.value("Omställning", "Q6") == 68                  # 20 + 48 in another verksamhet, kept apart
    assert round(cells.value("Omställning", "J7") * 100) == D(omst["hsf"]["effekt_pct_stated"])  # 60 %
    _, found = findings(BOOK)
    (flag,) = [f for f in found if f["severity"] == "varning"]
    assert (flag["rule"], flag["sheet"], flag["cell"]) == ("omstallning_uppfoljning.publicerad", "Tryckt uppföljning", "L5")
    assert "88,0 %" in flag["message"] and "94 mkr / planen t.o.m. perioden 117 mkr = 80,3 %" in flag["message"]


def test_a_broken_reconciliation_gives_exactly_its_finding(tmp_path):
    path = tmp_path / "delarsrapport.xlsm"
    shutil.copy2(BOOK, path)
    patch(path, "Uppföljning", {"C26": -5900})     # the resultaträkning's nettokostnader mistyped
    regen = cli("regenerera", str(path))           # writes the difference, and reports it (exit 1)
    assert regen.returncode == 1 and "uppfoljning.resultatrakning" in regen.stdout, regen.stdout
    run = cli("validera", str(path))
    assert run.returncode == 1, run.stdout
    assert "Uppföljning" in run.stdout and "E26" in run.stdout and "uppfoljning.resultatrakning" in run.stdout
    code, found = findings(path)
    errors = [(f["rule"], f["sheet"], f["cell"]) for f in found if f["severity"] == "fel"]
    assert code == 1 and errors == [("uppfoljning.resultatrakning", "Uppföljning", "E26")]
    assert PackageCells.open(path).value("Uppföljning", "E26") == 23


def test_a_computed_cell_typed_over_is_found(tmp_path):
    path = tmp_path / "delarsrapport.xlsm"
    shutil.copy2(BOOK, path)
    patch(path, "Omställning", {"R5": D("0.88")})   # someone types the report's 88 % over the formula
    code, found = findings(path)
    errors = [(f["rule"], f["sheet"], f["cell"]) for f in found if f["severity"] == "fel"]
    assert code == 1 and errors == [("uppfoljning.formel", "Omställning", "R5")]


def test_rolling_to_the_full_year_updates_every_derived_cell(tmp_path):
    path = tmp_path / "delarsrapport.xlsm"
    shutil.copy2(BOOK, path)
    # The year-end outcome (made up): utfall, same period last year and the periodised budget.
    new = {"rs": (-3050, -2890, -2940), "hsn": (-5420, -5310, -5220), "run": (-380, -372, -400),
           "fhs": (-2, -5, -6), "pn": (-5, -5, -6), "rev": (-6, -6, -7),
           "skatteintakter": (6935, 6605, 6750), "gen_sb": (2337, 2317, 2337), "fin_intakter": (734, 207, 120),
           "fin_kostnader": (-93, -500, -143)}
    writes: dict[str, object] = {}
    for rid, (u, f, b) in new.items():
        n = DRIFT_ROW[rid]
        writes |= {f"E{n}": u, f"F{n}": f, f"H{n}": b}
    patch(path, "Driftredovisning", writes)
    nettokostnad = sum(v[0] for k, v in new.items() if k in ("rs", "hsn", "run", "fhs", "pn", "rev"))
    patch(path, "Uppföljning", {"M5": 12, "C26": nettokostnad, "C27": 6935, "C28": 2337, "C29": 734, "C30": -93})
    patch(path, "Omställning", {"H5": 40, "H7": 120})
    run = cli("regenerera", str(path))
    assert run.returncode == 0, run.stdout + run.stderr
    cells = PackageCells.open(path)
    assert cells.value("Driftredovisning", "L5") == -3050 - (-2940)
    assert cells.value("Driftredovisning", "N10") == excel_precision(D(-5420) / D(-5310) - 1)
    assert cells.value("Driftredovisning", "M13") == excel_precision(D(20) / D(400))
    assert cells.value("Uppföljning", "B14") == nettokostnad
    assert cells.value("Uppföljning", "F21") == (nettokostnad + 6935 + 2337 + 734 - 93) - (-2940 - 5220 - 400 - 6 - 6 - 7 + 6750 + 2337 + 120 - 143)
    assert cells.value("Uppföljning", "E26") == 0
    assert cells.value("Omställning", "I5") == 12 and cells.value("Omställning", "I7") == 163   # plan × 12/12
    assert cells.value("Omställning", "R5") == excel_precision(D(160) / D(175))
    assert cells.value("Omställning", "K7") == 43
    assert cells.value("Diagram uppföljning", "B5") == -110
    code, found = findings(path)
    assert code == 0 and not [f for f in found if f["severity"] == "fel"]
    assert cli("regenerera", "--torrkorning", str(path)).stdout.count("inga celler behöver ändras") == 1


def test_switching_to_linear_budget_to_date_rewrites_the_formulas(tmp_path):
    path = tmp_path / "delarsrapport.xlsm"
    shutil.copy2(BOOK, path)
    patch(path, "Uppföljning", {"M6": "linjär"})
    patch(path, "Driftredovisning", {"G5": -2900, "G10": -5310})
    # Only RS and HSN have a year's budget: the other rows have no budget to date now,
    # so the sum rows have none either, and the reconciliation is unaffected (utfall).
    assert cli("regenerera", str(path)).returncode == 0
    cells = PackageCells.open(path)
    assert cells.formula("Driftredovisning", "K5") == "G5*Manader/12"
    assert cells.value("Driftredovisning", "K5") == excel_precision(D(-2900) * 8 / 12)
    assert cells.value("Driftredovisning", "L10") == excel_precision(D(-3609) - D(-5310) * 8 / 12)
    assert cells.value("Driftredovisning", "K13") is None
    assert cells.value("Uppföljning", "E14") is None
    code, found = findings(path)
    assert code == 0


def test_forklara_a_followup_cell():
    run = cli("forklara", str(BOOK), "Driftredovisning!L10")
    assert run.returncode == 0, run.stderr
    assert "uppfoljning.avvikelse" in run.stdout and "Driftredovisning!E10" in run.stdout
    assert "−3 609 − (−3 469) = −140" in run.stdout
    run = cli("forklara", str(BOOK), "Omställning!Q6")
    assert "omstallning_uppfoljning.annan_verksamhet" in run.stdout and "ingår inte i summan" in run.stdout
    run = cli("forklara", str(BOOK), "Uppföljning!M5")
    assert "Indata" in run.stdout and "Manader" in run.stdout


def test_the_forecast_flows_into_the_balance_requirement(tmp_path):
    cells = PackageCells.open(BOOK)
    assert cells.value("Prognos", "K8") == 869 and cells.value("Prognos", "L8") == 711   # resultat, diff
    assert cells.value("Balanskravsutredning", "C5") == cells.value("Prognos", "K8")
    # The fiscal year's prognos in the ledger is the utredning's balanskravsresultat …
    assert cells.formula("Prognos", "C17") == "Balanskravsutredning!C16" and cells.value("Prognos", "C17") == 168
    assert [cells.value("Prognos", f"E{n}") for n in range(15, 20)] == ["utfall", "prognos", "prognos", "budget", "budget"]
    # … and the ledger (=ATERSTALLNING over what is used) restores 2019's −333 with it.
    assert cells.formula("Prognos", "I14") == "ATERSTALLNING(A15:A19,F15:F19)"
    assert cells.value("Prognos", "O15") == "återställd" and cells.value("Prognos", "N15") == 2022
    # A forecast that no longer gives the utredning's årets resultat: exactly that finding.
    path = tmp_path / "delarsrapport.xlsm"
    shutil.copy2(BOOK, path)
    patch(path, "Prognos", {"D9": 700})            # finansiella intäkter 734 → 700: resultat 835
    cli("regenerera", str(path))
    code, found = findings(path)
    errors = [(f["rule"], f["sheet"], f["cell"]) for f in found if f["severity"] == "fel"]
    assert code == 1 and errors == [("uppfoljning.prognos_utredning", "Balanskravsutredning", "C5")]
    assert PackageCells.open(path).value("Prognos", "K8") == 835


def test_a_bad_input_is_one_located_swedish_message(tmp_path):
    path = tmp_path / "delarsrapport.xlsm"
    shutil.copy2(BOOK, path)
    patch(path, "Driftredovisning", {"C13": "styrelse"})          # RUN's Typ: no such kind
    run = cli("validera", str(path))
    assert run.returncode == 1, run.stdout
    code, found = findings(path)
    errors = [f for f in found if f["severity"] == "fel"]
    assert [(f["rule"], f["sheet"], f["cell"]) for f in errors] == [("uppfoljning", "Driftredovisning", "C13")]
    assert "typen 'styrelse' är okänd" in errors[0]["message"].lower()
    assert "internt fel" not in run.stdout + run.stderr
    # regenerera refuses and leaves the file as it was.
    before = path.read_bytes()
    regen = cli("regenerera", str(path))
    assert regen.returncode != 0 and path.read_bytes() == before


def test_a_delarsrapport_without_the_followup_part_is_unchanged(tmp_path):
    src = tmp_path / "src" / "dr"
    shutil.copytree(ROOT / "workbooks" / "src" / "vasterbotten_delarsrapport_2021_08", src)
    for name in ("drift", "resultatrakning", "omstallning_uppfoljning", "drift_tryckt", "omstallning_tryckt",
                 "prognos", "balanskrav_ar"):
        (src / f"{name}.csv").unlink()
    out = tmp_path / "out"
    assert cli("bygg", str(src), "--ut", str(out)).returncode == 0
    (book,) = out.glob("*.xlsm")
    cells = PackageCells.open(book)
    assert cells.sheet_names() == ["Info", "Balanskravsutredning", "xlwings.conf"]
    code, found = findings(book)
    assert code == 0 and not [f for f in found if f["rule"].startswith(("uppfoljning", "omstallning_uppfoljning"))]


def test_a_period_outside_1_to_12_months_is_named_at_its_cell(tmp_path):
    path = tmp_path / "delarsrapport.xlsm"
    shutil.copy2(BOOK, path)
    patch(path, "Uppföljning", {"M5": 13})
    code, found = findings(path)
    errors = [(f["rule"], f["sheet"], f["cell"]) for f in found if f["severity"] == "fel"]
    assert code == 1 and errors == [("uppfoljning", "Uppföljning", "M5")]
