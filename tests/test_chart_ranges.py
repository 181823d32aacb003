"""The Diagram's charts follow the Ramtabell: a nämnd added to tblRamar is drawn after
`xlmodel regenerera`, and `xlmodel validera` says so before (rule diagram.intervall).
Real CLI processes on a copy of the shipped workbook, grown the way Excel grows a table
(a new row under it and the table's ref one row longer)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from xlmodel.xlsx.atomic import save_package
from xlmodel.xlsx.package import Package
from xlmodel.xlsx.patch import CellWrite, patch_sheet

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "workbooks" / "vasterbotten_regionplan_2021.xlsm"


def _add_namnd(path: Path) -> None:
    pkg = Package.open(path)
    table = next(t for t in pkg.tables("Ramar") if t.name == "tblRamar")
    first, last = table.ref.split(":")
    row = int(re.sub(r"\D", "", last)) + 1
    last_col = re.sub(r"\d", "", last)
    grown = f"{first}:{last_col}{row}"
    new = patch_sheet(pkg, "Ramar", [CellWrite(f"A{row}", "KULT"), CellWrite(f"B{row}", "Kulturnämnd"),
                                      CellWrite(f"D{row}", Decimal("12.5")), CellWrite(f"F{row}", "ja"),
                                      CellWrite(f"G{row}", Decimal(1))])
    xml = new.part(table.part).decode("utf-8").replace(f'ref="{table.ref}"', f'ref="{grown}"')
    save_package(new.with_parts({table.part: xml.encode("utf-8")}), path, expect_sha256=pkg.sha256, backup=False)


def _chart_refs(path: Path) -> set[str]:
    pkg = Package.open(path)
    return {ref for name in pkg.names if name.startswith("xl/charts/chart")
            for ref in re.findall(r"<c:f>([^<]+)</c:f>", pkg.part(name).decode("utf-8"))}


def _xlmodel(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xlmodel", *args], capture_output=True, text=True)


def test_a_new_namnd_is_drawn_after_regenerate_and_validate_says_so_before(tmp_path):
    book = tmp_path / PLAN.name
    shutil.copyfile(PLAN, book)
    before = _chart_refs(book)
    assert "Diagram!$A$5:$A$11" in before and "Diagram!$B$5:$B$11" in before  # seven nämnder
    _add_namnd(book)

    checked = _xlmodel("validera", "--format", "json", str(book))
    findings = [f for r in json.loads(checked.stdout)["files"] for f in r["findings"]]
    stale = [f for f in findings if f["rule"] == "diagram.intervall"]
    assert checked.returncode == 1 and {f["found"] for f in stale} >= {"A5:A11", "B5:B11", "C5:C11", "D5:D11"}
    assert all(f["expected"].endswith("12") for f in stale)

    done = _xlmodel("regenerera", "--ingen-backup", str(book))
    # 1: the new frame makes the sum differ from the resultatbudget's nettoram (a finding),
    # which does not keep regenerate from writing.
    assert done.returncode in (0, 1) and "celler ändrade" in done.stdout, done.stdout + done.stderr
    after = _chart_refs(book)
    assert {"Diagram!$A$5:$A$12", "Diagram!$B$5:$B$12", "Diagram!$C$5:$C$12", "Diagram!$D$5:$D$12"} <= after
    assert not any(r.endswith("$11") and r.startswith("Diagram!$") and "$5:" in r for r in after - before)
    # The cached points are rewritten from the new block: the chart part lists eight nämnder.
    pkg = Package.open(book)
    frames = next(pkg.part(n).decode("utf-8") for n in pkg.names
                  if n.startswith("xl/charts/chart") and b"Diagram!$A$5:$A$12" in pkg.part(n)
                  and "Budgetram per nämnd" in pkg.part(n).decode("utf-8"))
    assert '<c:ptCount val="8"/>' in frames and "Kulturnämnd" in frames

    again = _xlmodel("validera", "--format", "json", str(book))
    rules = {f["rule"] for r in json.loads(again.stdout)["files"] for f in r["findings"]}
    assert "diagram.intervall" not in rules
