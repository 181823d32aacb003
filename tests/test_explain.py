"""``xlmodel forklara`` through real CLI processes on the shipped workbooks.

The figures an explanation must show are computed here from the workbook's own input
cells (read with openpyxl, independently of xlmodel) and the dated parameters, never
copied from the explanation or from the published tables.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from xlmodel import params
from xlmodel.money import fmt_mkr, round_half_up
from xlmodel.xlsx.atomic import save_package
from xlmodel.xlsx.package import Package
from xlmodel.xlsx.patch import CellWrite, patch_sheet

ROOT = Path(__file__).resolve().parents[1]
REGIONPLAN = ROOT / "workbooks" / "vasterbotten_regionplan_2021.xlsm"
DELARSRAPPORT = ROOT / "workbooks" / "vasterbotten_delarsrapport_2021_08.xlsm"


def run(*args: str):
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("XLMODEL_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "xlmodel", *args], capture_output=True, text=True,
                          encoding="utf-8", cwd=ROOT, env=env, timeout=300)


def explain(book: Path, cell: str, *more: str) -> str:
    p = run("forklara", str(book), cell, *more)
    assert p.returncode == 0, p.stdout + p.stderr
    return p.stdout


def explain_json(book: Path, cell: str) -> dict:
    p = run("forklara", "--format", "json", str(book), cell)
    assert p.returncode in (0, 1), p.stderr
    doc = json.loads(p.stdout)
    assert doc["schema"] == "xlmodel.explain/1"
    return doc["explanation"]


def d(value) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def sv(x: Decimal) -> str:
    """Swedish number as the explanation prints an exact amount (trailing zeros dropped)."""
    x = Decimal(x)
    return fmt_mkr(x.quantize(Decimal(1)) if x == x.to_integral_value() else x.normalize())


def pct(rate: Decimal) -> str:
    return f"{sv(rate * 100)} %"


@pytest.fixture(scope="module")
def plan():
    return openpyxl.load_workbook(REGIONPLAN)


def patch(path: Path, sheet: str, writes: list[CellWrite], clear: list[str] | None = None) -> None:
    pkg = Package.open(path)
    save_package(patch_sheet(pkg, sheet, writes, clear), path, expect_sha256=pkg.sha256, backup=False)


# ----------------------------------------------------------------------------- Ramtabell


def test_index_cell_shows_base_times_rate_with_its_input_cells(plan):
    ramar = plan["Ramar"]
    assert ramar["A14"].value == "HSN"
    base, rate = d(ramar["D14"].value), d(ramar["E14"].value)
    out = explain(REGIONPLAN, "Ramtabell!G14")
    # The brief's figure, and the same line computed from the input cells.
    assert "5 017 × 1,99 % = 99,84" in out
    assert f"{sv(base)} × {pct(rate)} = {fmt_mkr(round_half_up(base * rate, 2))}" in out
    assert f"exakt {sv(base * rate)}" in out
    assert "Ramar!D14" in out and "Ramar!E14" in out
    assert "Regel: ramtabell.index" in out
    assert "standardindex (Parametrar!C6) används inte" in out  # HSN has its own rate
    assert "index.lpik" not in out


def test_index_cell_without_own_rate_uses_standardindex_and_the_lpik_parameter(tmp_path, plan):
    book = tmp_path / "utan_egen_sats.xlsm"
    shutil.copyfile(REGIONPLAN, book)
    patch(book, "Ramar", [], ["E14"])
    regen = run("regenerera", "--ingen-backup", str(book))
    assert regen.returncode in (0, 1) and "G14" in regen.stdout, regen.stdout + regen.stderr
    base = d(plan["Ramar"]["D14"].value)
    standard = d(plan["Parametrar"]["C6"].value)
    lpik = params.lookup("index.lpik", int(plan["Parametrar"]["C5"].value))
    out = explain(book, "Ramtabell!G14")
    assert f"{sv(base)} × {pct(standard)} = {fmt_mkr(round_half_up(base * standard, 2))}" in out
    assert "Parametrar!C6" in out and "Standardindex (LPIK)" in out
    assert "index.lpik" in out and lpik.reference in out and lpik.period_sv() in out
    assert "Ramar!E14" not in out


def test_parent_index_is_own_base_plus_varav_rows(plan):
    ramar = plan["Ramar"]
    rows = {ramar[f"A{r}"].value: r for r in range(5, 20)}
    kids = [rid for rid in rows if ramar[f"C{rows[rid]}"].value == "RS"]
    own_base = d(ramar[f"D{rows['RS']}"].value) - sum(d(ramar[f"D{rows[k]}"].value) for k in kids)
    out = explain(REGIONPLAN, "Ramtabell!G9")
    assert f"Egen bas = {sv(d(ramar['D9'].value))}" in out and f"= {sv(own_base)}" in out
    for k in kids:
        assert f"Ramar!D{rows[k]}" in out
    assert "Ramar!F12" not in out or "nej" in out


def test_frame_cell_lists_the_changes_of_the_row_and_its_varav_rows(plan):
    ramar, changes = plan["Ramar"], plan["Förändringar"]
    rs_rows = {"RS"} | {ramar[f"A{r}"].value for r in range(5, 20) if ramar[f"C{r}"].value == "RS"}
    expected = [(changes[f"A{r}"].value, f"Förändringar!E{r}", d(changes[f"E{r}"].value), changes[f"C{r}"].value)
                for r in range(5, 23) if changes[f"D{r}"].value in rs_rows]
    assert expected, "RS har inga förändringar i arbetsboken"
    out = explain(REGIONPLAN, "Ramtabell!H9")
    assert "H9 = C9 + D9 + E9 + F9 + G9" in out
    for change_id, cell, amount, _ in expected:
        assert f"{change_id} {sv(amount)} ({cell})" in out
        assert cell in out
    # Each column names its own changes: the omfördelning line holds exactly RS's transfers.
    omf = next(line for line in out.splitlines() if line.strip().startswith("E9 Omfördelning"))
    omf_changes = [(cell, amount) for _, cell, amount, kind in expected if kind == "omfördelning"]
    assert len(omf_changes) > 1
    assert f"= {sv(sum(a for _, a in omf_changes))}:" in omf
    assert all(cell in omf for cell, _ in omf_changes)
    assert not any(cell in omf for _, cell, _, kind in expected if kind != "omfördelning")


def test_sum_row_adds_the_top_level_rows(plan):
    out = explain(REGIONPLAN, "Ramtabell!G20")
    top = [r for r in range(5, 20) if plan["Ramar"][f"C{r}"].value is None]
    assert "G20 = " + " + ".join(f"G{r}" for r in top) in out
    assert "Parametrar!C7" in out  # the announced index total it is reconciled against


# ----------------------------------------------------------------------------- Balanskrav


def test_ledger_cell_shows_deadline_with_legal_reference_and_restorations(plan):
    bk = plan["Balanskrav"]
    origin = int(bk["A5"].value)
    deficit = -d(bk["B5"].value)
    horizon = params.lookup("aterstallning.horisont_ar", origin)
    deadline = origin + int(horizon.value)
    out = explain(REGIONPLAN, "Balanskrav!L5")
    assert deadline == 2022
    assert f"Sista år = {origin} + {horizon.value} = {deadline}" in out
    assert "KL (2017:725) 11 kap. 12 §" in out
    assert horizon.reference in out and horizon.period_sv() in out
    assert "Cellen innehåller: 2022" in out
    # Oldest first: the following years' surpluses restore the deficit until it is gone.
    restored, lines = Decimal(0), []
    for r in range(6, 10):
        result = d(bk[f"B{r}"].value)
        if result > 0 and restored < deficit:
            part = min(result, deficit - restored)
            restored += part
            lines.append(f"{int(bk[f'A{r}'].value)}: återställer {sv(part)} av överskottet {sv(result)} (Balanskrav!B{r})")
    assert restored == deficit
    for line in lines:
        assert line in out
    assert "frist_felaktig" in out  # the plan's own statement (2023) is flagged


# ----------------------------------------------------------------------------- other sheets


def test_resultatbudget_cell_shows_its_operands(plan):
    rb = plan["Resultatbudget"]
    nettoram, skatt, bidrag = (d(rb[c].value) for c in ("C7", "D7", "E7"))
    out = explain(REGIONPLAN, "Resultatbudget!K7")
    assert "K7 = C7 + J7" in out
    assert f"= {sv(nettoram)} + {sv(skatt + bidrag)} = {sv(nettoram + skatt + bidrag)}" in out
    assert "Resultatbudget!C7" in out and "Resultatbudget!J7" in out


def test_delarsrapport_balanskravsresultat_lists_each_line_with_its_cell():
    sheet = openpyxl.load_workbook(DELARSRAPPORT)["Balanskravsutredning"]
    lines = [d(sheet[f"C{r}"].value or 0) for r in range(5, 13)]
    out = explain(DELARSRAPPORT, "Balanskravsutredning!C16")
    for n, r in enumerate(range(5, 13), 1):
        assert f"Balanskravsutredning!C{r}" in out
        assert f"Rad {n}: " in out
    adjusted = sum(lines[:6])
    assert f"= {sv(lines[0])}" in out and f"= {sv(adjusted)}" in out
    assert f"= {sv(adjusted + lines[6] + lines[7])}" in out
    assert params.lookup("balanskrav.uppstallning", 2021).reference in out


# ----------------------------------------------------------------------------- inputs, forms, errors


def test_input_cell_is_reported_as_input_with_table_and_column():
    out = explain(REGIONPLAN, "Ramar!D14")
    assert "Typ: indata" in out
    assert "tabellen tblRamar, kolumnen 'Budgetram föregående år', raden HSN" in out
    doc = explain_json(REGIONPLAN, "Ramar!D14")
    assert doc["status"] == "indata" and doc["rule"] is None
    out = explain(REGIONPLAN, "Parametrar!C6")
    assert "parametern Standardindex" in out and "Typ: indata" in out


def test_cell_given_with_blad_option_and_aliases_give_the_same_explanation():
    a = explain(REGIONPLAN, "Ramtabell!G14")
    assert explain(REGIONPLAN, "G14", "--blad", "Ramtabell") == a
    assert explain(REGIONPLAN, "'ramtabell'!$g$14") == a
    for alias in ("explain", "förklara"):
        p = run(alias, str(REGIONPLAN), "Ramtabell!G14")
        assert p.returncode == 0 and p.stdout == a


def test_json_explanation(plan):
    doc = explain_json(REGIONPLAN, "Ramtabell!G14")
    assert doc["status"] == "beräknad" and doc["rule"] == "ramtabell.index"
    assert doc["sheet"] == "Ramtabell" and doc["cell"] == "G14"
    addresses = {i["address"]: i for i in doc["inputs"]}
    assert Decimal(addresses["Ramar!D14"]["value"]) == d(plan["Ramar"]["D14"].value)
    assert Decimal(addresses["Ramar!E14"]["value"]) == d(plan["Ramar"]["E14"].value)
    assert doc["mismatch"] is None and Decimal(doc["expected"]) == Decimal(doc["stored_value"])
    ledger = explain_json(REGIONPLAN, "Balanskrav!L5")
    (p,) = ledger["parameters"]
    assert p["key"] == "aterstallning.horisont_ar" and p["valid_from"] == "2018-01-01" and p["valid_to"] is None


def test_stored_value_that_disagrees_with_the_rule_exits_1(tmp_path):
    book = tmp_path / "manipulerad.xlsm"
    shutil.copyfile(REGIONPLAN, book)
    patch(book, "Ramtabell", [CellWrite("G14", Decimal("50"))])
    p = run("forklara", str(book), "Ramtabell!G14")
    assert p.returncode == 1, p.stdout + p.stderr
    assert "AVVIKELSE" in p.stdout and "xlmodel regenerera" in p.stdout
    assert "5 017 × 1,99 % = 99,84" in p.stdout  # the explanation is the rule's, not the stored 50


def test_text_and_empty_cells():
    assert "Typ: fast värde" in explain(REGIONPLAN, "Info!A1")
    assert "Typ: tom" in explain(REGIONPLAN, "Ramtabell!Z99")


@pytest.mark.parametrize("cell, extra, message", [
    ("Ramtabell!ZZ0", (), "ingen cellreferens"),
    ("Ramtabell!G14:H14", (), "ett område"),
    ("Finns!G14", (), "bladet 'Finns' finns inte"),
    ("G14", (), "ange bladet"),
    ("Ramtabell!G14", ("--blad", "Ramar"), "--blad anger"),
    ("nonsens", ("--blad", "Ramtabell"), "ingen cellreferens"),
])
def test_bad_cell_reference_gives_a_swedish_message_and_exit_2(cell, extra, message):
    p = run("forklara", str(REGIONPLAN), cell, *extra)
    assert p.returncode == 2, p.stdout
    assert p.stderr.startswith("xlmodel: ") and message in p.stderr
    assert "Traceback" not in p.stderr and p.stdout == ""


def test_unreadable_workbook_exits_2(tmp_path):
    p = run("forklara", str(tmp_path / "saknas.xlsx"), "A1", "--blad", "Blad1")
    assert p.returncode == 2 and "finns inte" in p.stderr


# ----------------------------------------------------------------------------- CLI integration


def test_help_examples_and_completion_know_the_new_commands():
    for sub in ("diff", "forklara"):
        p = run(sub, "--help")
        assert p.returncode == 0 and "Exempel:" in p.stdout and "Slutkoder:" in p.stdout
    for shell in ("bash", "zsh", "fish"):
        p = run("komplettering", shell)
        assert p.returncode == 0
        flags = ("-l textconv", "-l git-extern", "-l blad") if shell == "fish" else ("--textconv", "--git-extern",
                                                                                        "--blad")
        for word in ("diff", "forklara", "explain", *flags):
            assert word in p.stdout, (shell, word)


def test_importing_the_cli_does_not_import_diff_or_explain():
    code = ("import sys, xlmodel.cli; "
            "print([m for m in ('xlmodel.diff', 'xlmodel.workbook.explain', 'openpyxl') if m in sys.modules])")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert p.returncode == 0 and p.stdout.strip() == "[]", p.stdout + p.stderr
