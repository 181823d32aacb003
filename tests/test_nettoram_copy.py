"""One figure, one input: the budget year's verksamhetens nettoram.

The resultatbudget (Resultatbudget C7 in the shipped regionplan) is the input; the
frame table's check figure on Parametrar (C8, "Verksamhetens nettoram enligt
resultatbudget") is a copy of it. A change of only one of the two gives the ERROR
``resultatbudget.nettoram_kopia`` at the copy, through the real ``xlmodel validera``;
a change of both together gives none of it; a copy left empty (as after a roll forward)
is not checked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from xlmodel.xlsx import CellWrite, Package, patch_sheet

ROOT = Path(__file__).resolve().parents[1]
REGIONPLAN = ROOT / "workbooks" / "vasterbotten_regionplan_2021.xlsm"
RULE = "resultatbudget.nettoram_kopia"


def edited(tmp_path: Path, edits: dict[str, dict[str, object]]) -> Path:
    pkg = Package.open(REGIONPLAN)
    for sheet, values in edits.items():
        pkg = patch_sheet(pkg, sheet, [CellWrite(ref=ref, value=v) for ref, v in values.items()])
    path = tmp_path / "regionplan.xlsm"
    path.write_bytes(pkg.to_bytes())
    return path


def copy_findings(path: Path) -> list[dict]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1"}
    run = subprocess.run([sys.executable, "-m", "xlmodel", "validera", "--format", "json", "-j", "1", str(path)],
                         capture_output=True, text=True, encoding="utf-8", cwd=ROOT, env=env, timeout=300)
    assert run.returncode in (0, 1), run.stderr
    (report,) = json.loads(run.stdout)["files"]
    return [f for f in report["findings"] if f["rule"] == RULE]


def test_the_shipped_plan_has_one_figure(tmp_path: Path) -> None:
    assert copy_findings(edited(tmp_path, {})) == []


@pytest.mark.parametrize(("edits", "expected", "found"), [
    ({"Resultatbudget": {"C7": Decimal("-8800")}}, "8800", "8771"),   # the input changed, the copy not
    ({"Parametrar": {"C8": Decimal("9999")}}, "8771", "9999"),        # the copy changed, the input not
])
def test_changing_only_one_of_the_two_is_a_finding_at_the_copy(tmp_path: Path, edits, expected, found) -> None:
    (finding,) = copy_findings(edited(tmp_path, edits))
    assert (finding["sheet"], finding["cell"], finding["severity"]) == ("Parametrar", "C8", "fel")
    assert (Decimal(finding["expected"]), Decimal(finding["found"])) == (Decimal(expected), Decimal(found))
    assert "Resultatbudget!C7" in finding["message"] and "Parametrar!C8" in finding["message"]


def test_changing_both_together_is_no_copy_finding(tmp_path: Path) -> None:
    path = edited(tmp_path, {"Resultatbudget": {"C7": Decimal("-8800")}, "Parametrar": {"C8": Decimal("8800")}})
    assert copy_findings(path) == []


def test_an_empty_copy_is_not_checked(tmp_path: Path) -> None:
    assert copy_findings(edited(tmp_path, {"Parametrar": {"C8": None}})) == []
