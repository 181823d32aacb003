"""A workbook with deliberate errors gives exactly those findings, cells named, exit 1.

The damaged workbook is made the way it happens in practice: a controller edits inputs
and the computed cells are brought up to date (here by `xlmodel regenerera`, in Excel by
recalculation and the macro), and someone types over a computed frame cell by hand.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from xlmodel.findings import Severity
from xlmodel.workbook.regenerate import regenerate_file
from xlmodel.workbook.validate import validate_file
from xlmodel.xlsx.atomic import save_package
from xlmodel.xlsx.package import Package
from xlmodel.xlsx.patch import CellWrite, patch_sheet

ROOT = Path(__file__).resolve().parent.parent
VB = ROOT / "workbooks" / "vasterbotten_regionplan_2021.xlsm"


def _patch(path: Path, sheet: str, writes: list[CellWrite]) -> None:
    pkg = Package.open(path)
    save_package(patch_sheet(pkg, sheet, writes), path, expect_sha256=pkg.sha256, backup=False)


def broken_workbook(tmp_path: Path) -> Path:
    path = tmp_path / "trasig_regionplan.xlsm"
    shutil.copy2(VB, path)
    # 1. A transfer whose halves disagree: HSN receives 20,0 of the 22,6 RS gives away.
    _patch(path, "Förändringar", [CellWrite("E18", Decimal("20"))])
    # 2. A deficit restored after its deadline: no surplus in 2021 (B7), so part of the
    #    2019 deficit is restored only in 2023, one year after the legal 2022.
    _patch(path, "Balanskrav", [CellWrite("B7", Decimal("0"))])
    regenerate_file(path, backup=False)             # computed cells follow the inputs
    # 3. A frame cell typed over by hand: HSN's index 99,84 → 120.
    _patch(path, "Ramtabell", [CellWrite("G14", Decimal("120"))])
    return path


# The errors, each with its cell. The nettoram finding is the transfer error's own
# consequence: 2,6 mkr that leave RS and arrive nowhere make the frame total 2,6 below the
# resultatbudget's nettoram, and the check of the sum row says so on H20.
EXPECTED_ERRORS = {
    ("ramtabell", "Ramtabell", "G14"),                         # the hand-typed frame cell
    ("ramtabell.omfordelning_netto", "Ramtabell", "E20"),      # transfers do not net to zero
    ("ramtabell.nettoram", "Ramtabell", "H20"),                # … so the sum misses the nettoram
    ("aterstallning.forsenad", "Balanskrav", "B5"),            # 2019 deficit, restored in 2023
}


def test_exactly_the_deliberate_errors_are_found(tmp_path):
    report = validate_file(broken_workbook(tmp_path))
    errors = {(f.rule, f.sheet, f.cell) for f in report.findings if f.severity is Severity.ERROR}
    assert errors == EXPECTED_ERRORS
    by_rule = {f.rule: f for f in report.findings if f.severity is Severity.ERROR}
    assert by_rule["ramtabell"].expected == Decimal("99.8383") and by_rule["ramtabell"].found == Decimal("120")
    assert by_rule["ramtabell.omfordelning_netto"].found == Decimal("-2.6")


def test_cli_exit_code_1_and_every_cell_named(tmp_path):
    path = broken_workbook(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "xlmodel", "validera", "--format", "json", str(path)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    findings = doc["files"][0]["findings"]
    errors = {(f["rule"], f["sheet"], f["cell"]) for f in findings if f["severity"] == "fel"}
    assert errors == EXPECTED_ERRORS
    text = subprocess.run([sys.executable, "-m", "xlmodel", "validera", str(path)], capture_output=True, text=True,
                          cwd=ROOT)
    assert text.returncode == 1
    for _rule, sheet, cell in EXPECTED_ERRORS:
        assert sheet in text.stdout and cell in text.stdout
