"""A damaged chart part (issue 13, hostile files): not UTF-8, cut short, not XML at all, or
missing. ``validera`` and ``regenerera`` read the charts that follow their tables
(``charts.ranges``, ``resursramar.charts``); such a part must give ONE Swedish line naming
the chart as Excel names it and its sheet, exit 2 (an unreadable file), the workbook
unchanged - never a traceback, "internt fel", or a chart silently skipped.

The regionplan's Diagram sheet and Västernorrland's Resursramar sheet, hand-damaged copies,
real ``xlmodel`` processes.
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
BOOKS = {
    "regionplan": (ROOT / "workbooks" / "vasterbotten_regionplan_2021.xlsm", "Diagram", ("Ramar", "D14", 5100)),
    "resursramar": (ROOT / "workbooks" / "vasternorrland_regionplan_2020_2022.xlsx", "Resursramar",
                    ("Resursramar", "E14", 6)),
}
CHART = "xl/charts/chart1.xml"


def damage(kind: str, data: bytes) -> bytes | None:
    if kind == "not_utf8":
        at = data.index(b"<c:plotArea>")
        return data[:at] + b"<!-- \xe5r 2021 \xff -->" + data[at:]
    if kind == "cut_short":
        return data[: len(data) // 2]
    if kind == "not_xml":
        return b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    return None  # missing


def run_cli(*args) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1"}
    env.pop("XLMODEL_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "xlmodel", *map(str, args)], capture_output=True, text=True,
                          encoding="utf-8", cwd=ROOT, env=env, timeout=300)


@pytest.mark.parametrize("kind", ["not_utf8", "cut_short", "not_xml", "missing"])
@pytest.mark.parametrize("book_kind", list(BOOKS))
def test_a_damaged_chart_is_one_swedish_line_naming_sheet_and_chart(tmp_path, book_kind, kind):
    src, sheet, (input_sheet, cell, value) = BOOKS[book_kind]
    pkg = Package.open(src)
    # an input changed, so that regenerate has cells to write and reads the charts
    pkg = patch_sheet(pkg, input_sheet, [CellWrite(cell, Decimal(value))])
    book = tmp_path / f"skadad {kind}{src.suffix}"
    book.write_bytes(pkg.with_parts({CHART: damage(kind, pkg.part(CHART))}).to_bytes())
    before = book.read_bytes()

    checked = run_cli("validera", "--format", "json", book)
    assert checked.returncode == 2, checked.stdout + checked.stderr
    (report,) = json.loads(checked.stdout)["files"]
    assert f"'Chart 1' på bladet '{sheet}'" in report["error"], report["error"]

    for args in (("validera", book), ("regenerera", book)):
        run = run_cli(*args)
        text = run.stdout + run.stderr
        assert run.returncode == 2, text
        assert "Traceback" not in text and "internt fel" not in text
        lines = [line for line in run.stderr.splitlines() if line.strip()] if args[0] == "regenerera" else \
            [line for line in text.splitlines() if "kunde inte läsas –" in line]
        assert len(lines) == 1 and f"diagrammet 'Chart 1' på bladet '{sheet}'" in lines[0], text
        assert ("saknar sin del" if kind == "missing" else "kan inte läsas") in lines[0]
    assert book.read_bytes() == before  # nothing written, no backup made
    assert sorted(p.name for p in tmp_path.iterdir()) == [book.name]
