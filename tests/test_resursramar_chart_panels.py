"""Issue 13, "every chart range follows its table": Västernorrland's frame charts keep one
chart per panel when the nämnder change.

The builder splits the nämnder into panels by size (``resursramar_charts.frame_panels``)
and draws one chart per panel. Changing the frames so that the nämnder fall into fewer
panels must remove the chart left without one (not leave it standing empty), into more
panels must add one (not draw a 6 mkr nämnd on a 5 000 mkr scale), and where xlmodel
cannot copy the last chart it says so, naming the sheet and the chart. Checked on the
shipped book and on a LibreOffice-saved copy, by the chart XML's references (every
nämnd's row drawn exactly once) and by LibreOffice's rendering of the result.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from xlmodel.workbook.resursramar.charts import TITLE_SMALLER
from xlmodel.xlsx import CellWrite, Package, patch_sheet, read_values

ROOT = Path(__file__).resolve().parents[1]
VN = ROOT / "workbooks" / "vasternorrland_regionplan_2020_2022.xlsx"
SMALL = (14, 15)  # Patientnämnd-Etisk nämnd 5,7 mkr and Regionens revisorer 7,9 mkr: the third panel


def run_cli(*args) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1"}
    env.pop("XLMODEL_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "xlmodel", *map(str, args)], capture_output=True, text=True,
                          encoding="utf-8", cwd=ROOT, env=env, timeout=300)


@pytest.fixture(scope="module")
def lo_saved(tmp_path_factory, soffice) -> Path:
    """The shipped book opened and saved again by LibreOffice (its own chart and drawing XML)."""
    from xlmodel.testing.libreoffice import convert

    folder = tmp_path_factory.mktemp("lo")
    src = folder / "vn.xlsx"
    shutil.copyfile(VN, src)
    return convert([src], folder / "ut", fmt="xlsx", soffice=soffice, recalc=False)[src]


def frames(book: Path, rows: tuple[int, ...], value: int) -> None:
    pkg = Package.open(book)
    writes = [CellWrite(f"{c}{r}", Decimal(value)) for c in "EFGH" for r in rows]
    book.write_bytes(patch_sheet(pkg, "Resursramar", writes).to_bytes())


def charts(book: Path) -> list[tuple[str, str, list[str]]]:
    """(chart part, title, values refs) of the charts on the Resursramar sheet, top to bottom."""
    from xlmodel.workbook.resursramar.charts import _charts_in_order

    pkg = Package.open(book)
    out = []
    for part in _charts_in_order(pkg, "Resursramar"):
        xml = pkg.part(part).decode("utf-8")
        title = re.search(r"<c:title>.*?<a:t>([^<]*)</a:t>", xml, re.S)
        values = [re.findall(r"<c:f>([^<]+)</c:f>", s)[-1] for s in re.findall(r"<c:ser>.*?</c:ser>", xml, re.S)]
        out.append((part, title.group(1) if title else "", values))
    return out


def committee_rows(book: Path) -> list[int]:
    rows = read_values(Package.open(book), "Resursramar", "A5:C40")
    return [5 + i for i, (rid, _label, parent) in enumerate(rows) if rid and not parent]


def assert_every_committee_drawn_once(book: Path) -> None:
    drawn = [ref for _p, _t, refs in charts(book) for ref in refs]
    want = [f"Resursramar!$E${r}:$H${r}" for r in committee_rows(book)]
    assert sorted(drawn) == sorted(want), (drawn, want)


def diagram_findings(book: Path) -> tuple[int, list[dict]]:
    run = run_cli("validera", "--format", "json", book)
    found = json.loads(run.stdout)["files"][0]["findings"]
    return run.returncode, [f for f in found if f["rule"].startswith("resursramar.diagram")]


def check_package_consistent(book: Path) -> None:
    """Every chart the content types name exists and is drawn; no chart is orphaned."""
    pkg = Package.open(book)
    ct = pkg.part("[Content_Types].xml").decode("utf-8")
    listed = set(re.findall(r'PartName="/(xl/charts/chart\d+\.xml)"', ct))
    present = {n for n in pkg.names if re.fullmatch(r"xl/charts/chart\d+\.xml", n)}
    drawn = {p for p, _t, _r in charts(book)}
    assert listed == present == drawn


@pytest.mark.parametrize("source", ["shipped", "libreoffice"])
def test_panels_follow_the_committees_both_ways(tmp_path, source, request):
    src = VN if source == "shipped" else request.getfixturevalue("lo_saved")
    book = tmp_path / "Västernorrland (kopia).xlsx"
    shutil.copyfile(src, book)
    assert len(charts(book)) == 3
    assert_every_committee_drawn_once(book)

    # The two small nämnder grow to 500 mkr: they join NHU, two panels; the third chart would stand empty.
    frames(book, SMALL, 500)
    code, found = diagram_findings(book)
    assert code == 1 and [(f["sheet"], f["rule"]) for f in found] == [("Resursramar", "resursramar.diagram")]
    assert "3 diagram" in found[0]["message"] and "2 paneler" in found[0]["message"]
    run = run_cli("regenerera", book)
    assert run.returncode == 0, run.stderr
    assert len(charts(book)) == 2
    assert_every_committee_drawn_once(book)
    check_package_consistent(book)
    assert diagram_findings(book)[1] == []

    # One shrinks back to 5 mkr: three panels again, the third chart drawn anew below the second.
    frames(book, SMALL[:1], 5)
    run = run_cli("regenerera", book)
    assert run.returncode == 0, run.stderr
    after = charts(book)
    assert len(after) == 3 and after[2][1] == TITLE_SMALLER and after[2][2] == ["Resursramar!$E$14:$H$14"]
    assert_every_committee_drawn_once(book)
    check_package_consistent(book)
    assert diagram_findings(book)[1] == []
    again = run_cli("regenerera", book)
    assert again.returncode == 0 and "inga celler behöver ändras" in again.stdout  # stable


def test_a_chart_xlmodel_cannot_copy_is_reported_naming_the_sheet(tmp_path):
    book = tmp_path / "plan.xlsx"
    shutil.copyfile(VN, book)
    frames(book, SMALL, 500)
    assert run_cli("regenerera", book).returncode == 0
    # The controller drew a shape into the last chart (a chart part of its own, c:userShapes).
    pkg = Package.open(book)
    last = charts(book)[-1][0]
    xml = pkg.part(last).decode("utf-8").replace("</c:chartSpace>", '<c:userShapes r:id="rId1"/></c:chartSpace>')
    rels = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.'
            b'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
            b'openxmlformats.org/officeDocument/2006/relationships/chartUserShapes" Target="../drawings/'
            b'drawing9.xml"/></Relationships>')
    shapes = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<c:userShapes xmlns:c="http://schemas.'
              b'openxmlformats.org/drawingml/2006/chart"/>')
    name = last.rsplit("/", 1)[1]
    book.write_bytes(pkg.with_parts({last: xml.encode("utf-8"), f"xl/charts/_rels/{name}.rels": rels,
                                     "xl/drawings/drawing9.xml": shapes}).to_bytes())
    frames(book, SMALL[:1], 5)  # three panels wanted, two charts, the last one not copyable
    code, found = diagram_findings(book)
    (panel,) = [f for f in found if f["rule"] == "resursramar.diagram_paneler"]
    assert panel["sheet"] == "Resursramar" and panel["severity"] == "varning" and panel["cell"] == "B46"
    assert "3 paneler" in panel["message"] and "2 diagram" in panel["message"]
    run = run_cli("regenerera", book)
    assert run.returncode == 0, run.stderr
    assert "Resursramar" in run.stdout + run.stderr and "paneler" in run.stdout + run.stderr
    assert len(charts(book)) == 2
    assert_every_committee_drawn_once(book)  # drawn in the last chart, and the user told so


def test_a_new_committee_is_drawn_and_rendered(tmp_path, soffice):
    sys.path.insert(0, str(ROOT / "tests"))
    from test_owned_blocks import _add_resursram
    from xlmodel.testing.libreoffice import convert

    book = tmp_path / "plan.xlsx"
    shutil.copyfile(VN, book)
    frames(book, SMALL, 500)
    assert run_cli("regenerera", book).returncode == 0
    row = _add_resursram(book, rid="kult", label="Kulturnämnd", frame=3)  # a small nämnd: a third panel again
    assert run_cli("regenerera", book).returncode == 0
    assert_every_committee_drawn_once(book)
    last = charts(book)[-1]
    assert last[1] == TITLE_SMALLER and last[2] == [f"Resursramar!$E${row}:$H${row}"]
    pdf = convert([book], tmp_path / "pdf", fmt="pdf", soffice=soffice)[book]
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert text.count(TITLE_SMALLER) >= 2 and "Kulturnämnd" in text  # a chart cut by a page break prints twice
