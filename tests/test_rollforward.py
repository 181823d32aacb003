"""Roll the built Västerbotten workbook 2021 → 2022 headless (xlmodel.workbook.rollforward).

The expected prior frames are read from the workbook's own inputs (its Publicerat sheet,
the frames the plan printed), never from the rolled file: seed 000 prints HSN 5 079 and
RS 3 281 for 2021, and seed 003 starts HSN's 2022 work from the decided 5 079.
"""

from __future__ import annotations

import shutil
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from xlmodel import params
from xlmodel.findings import Severity
from xlmodel.workbook.cells import PackageCells
from xlmodel.workbook.rollforward import plan_roll_forward, rollforward_file

SRC = Path(__file__).parent.parent / "workbooks" / "src"
BOOK = "vasterbotten_regionplan_2021.xlsm"
ROLLED_SHEETS = ("Ramar", "Förändringar", "Publicerat", "Parametrar", "Ramtabell")
# Parts outside the rolled sheets a lossless patch may change (xlmodel.xlsx.bookkeeping).
BOOKKEEPING = {"xl/workbook.xml", "xl/calcChain.xml", "[Content_Types].xml", "xl/_rels/workbook.xml.rels"}


@pytest.fixture()
def built(tmp_path) -> Path:
    from xlmodel.workbook.build import build_books

    src = tmp_path / "src"
    shutil.copytree(SRC / BOOK.removesuffix(".xlsm"), src / BOOK.removesuffix(".xlsm"))
    build_books(src, tmp_path)
    return tmp_path / BOOK


def table_rows(cells: PackageCells, name: str) -> list[dict[str, object]]:
    """The rows of an Excel Table by header (what a controller sees)."""
    from openpyxl.utils.cell import get_column_letter, range_boundaries

    loc = cells.table(name)
    c1, r1, c2, r2 = range_boundaries(loc.ref)
    headers = [cells.value(loc.sheet, f"{get_column_letter(c)}{r1}") for c in range(c1, c2 + 1)]
    return [{h: cells.value(loc.sheet, f"{get_column_letter(c)}{r}") for h, c in zip(headers, range(c1, c2 + 1))}
            for r in range(r1 + 1, r2 + 1)]


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def sheet_parts(path: Path, names) -> set[str]:
    from xlmodel.xlsx.package import Package

    pkg = Package.open(path)
    return {pkg.sheet_part(n) for n in names}


def table_parts(path: Path, names) -> set[str]:
    from xlmodel.xlsx.package import Package

    pkg = Package.open(path)
    return {t.part for s in pkg.sheets if s.kind == "worksheet" for t in pkg.tables(s.name) if t.name in names}


def test_roll_2021_to_2022(built):
    before = PackageCells.open(built)
    printed_2021 = {r["Id"]: r["Budgetram"] for r in table_rows(before, "tblPublicerat")}
    assert printed_2021["HSN"] == 5079 and printed_2021["RS"] == 3281          # seed 000, as entered
    frames_before = table_rows(before, "tblRamar")
    original = parts(built)
    original_bytes = [built.read_bytes()]

    result = rollforward_file(built, backup=True)
    assert (result.year, result.next_year, result.written) == (2021, 2022, True)
    assert result.backup and Path(result.backup).read_bytes() == b"".join(original_bytes)

    after = PackageCells.open(built)
    assert after.value("Parametrar", "C5") == 2022
    # Ramar: 2021's printed frames are 2022's prior frames; structure and rates are kept
    frames_after = table_rows(after, "tblRamar")
    assert [r["Id"] for r in frames_after] == [r["Id"] for r in frames_before]
    for old, new in zip(frames_before, frames_after):
        assert new["Budgetram föregående år"] == printed_2021[old["Id"]], old["Id"]
        assert (new["Indexsats"], new["Indexeras"], new["Decimaler"]) == (old["Indexsats"], old["Indexeras"],
                                                                         old["Decimaler"])
    # Förändringar emptied, the Table keeps its size; Publicerat keeps its ids only
    assert before.table("tblForandringar").ref == after.table("tblForandringar").ref
    assert all(v is None for r in table_rows(after, "tblForandringar") for v in r.values())
    published = table_rows(after, "tblPublicerat")
    assert [r["Id"] for r in published] == list(printed_2021)
    assert all(v is None for r in published for k, v in r.items() if k != "Id")
    # AviseratIndex and Nettoram emptied; Standardindex kept with a warning (no LPIK 2022 in params)
    assert after.value("Parametrar", "C7") is None and after.value("Parametrar", "C8") is None
    assert after.value("Parametrar", "C6") == before.value("Parametrar", "C6") == Decimal("0.019")
    warning = next(f for f in result.findings if f.rule == "rullning.standardindex")
    assert (warning.severity, warning.sheet, warning.cell) == (Severity.WARNING, "Parametrar", "C6")
    assert "2022" in warning.message and "1,9 %" in warning.message

    # the Ramtabell is regenerated: 2022 headers, prior = 2021 frames, no changes yet
    assert after.value("Ramtabell", "C4") == "Budgetram 2021" and after.value("Ramtabell", "H4") == "Budgetram 2022"
    assert after.value("Ramtabell", "C14") == 5079 and after.value("Ramtabell", "D14") == 0
    from xlmodel.workbook.validate import validate_file

    report = validate_file(built)
    # the errors: 2021's rates carried into 2022 without a decision (issue 14), the
    # Standardindex and each row's own rate on Ramar (noted in tblIndex's row 2022)
    own = [r for r in frames_before if r["Indexsats"] is not None]
    assert [(f.rule, f.sheet, f.cell) for f in report.findings if f.severity is Severity.ERROR] == [
        ("index.overford", "Parametrar", "C6")] + [("index.overford", "Ramar", f"E{5 + frames_before.index(r)}")
                                                   for r in own]
    assert len(own) == 12 and after.value("Parametrar", "B13") == "Egna indexsatser (bladet Ramar)"

    # lossless: only the sheets the result reports (the rolled inputs, the Ramtabell and the
    # other cells the kind owns that follow it, e.g. the Diagram data) and the documented
    # bookkeeping parts differ; every other part is byte-identical
    reported = {c.sheet for c in result.changes}
    assert set(ROLLED_SHEETS) <= reported
    rolled = parts(built)
    changed = {n for n in set(original) | set(rolled) if original.get(n) != rolled.get(n)}
    # ... and the two year tables' parts, whose range grew by the new year's row
    assert changed - BOOKKEEPING == sheet_parts(built, reported) | table_parts(built, ("tblResultatbudget",
                                                                                        "tblBalanskrav"))
    # the year tables moved one year forward: each has the year after its last, to be filled in
    assert before.table("tblResultatbudget").ref == "A4:O10" and after.table("tblResultatbudget").ref == "A4:O11"
    assert after.value("Resultatbudget", "A11") == 2025 and after.value("Resultatbudget", "B11") == "Plan"
    assert before.table("tblBalanskrav").ref == "A4:E9" and after.table("tblBalanskrav").ref == "A4:E10"
    assert after.value("Balanskrav", "A10") == 2024 and after.value("Balanskrav", "B10") is None
    assert after.formula("Balanskrav", "G4") == "ATERSTALLNING(A5:A10,B5:B10,C5:C10,D5:D10)"
    assert {(f.rule, f.cell) for f in report.findings if f.rule.endswith("ar_ej_ifyllt")} == {
        ("resultatbudget.ar_ej_ifyllt", "C11"), ("aterstallning.ar_ej_ifyllt", "B10")}


def test_dry_run_writes_nothing_and_reports_the_same(built):
    data = built.read_bytes()
    dry = rollforward_file(built, dry_run=True)
    assert not dry.written and built.read_bytes() == data
    assert {c.sheet for c in dry.changes} >= set(ROLLED_SHEETS)


def test_roll_twice_gives_2023(built):
    rollforward_file(built, backup=False)
    second = rollforward_file(built, backup=False)
    assert (second.year, second.next_year) == (2022, 2023)
    assert not any(c.sheet == "Förändringar" for c in second.changes)     # already empty
    assert PackageCells.open(built).value("Parametrar", "C5") == 2023


def test_a_dated_index_for_the_new_year_is_written(built, monkeypatch):
    lpik_2022 = params.Parameter(key="index.lpik", value="0.0158", valid_from=date(2022, 1, 1),
                                 valid_to=date(2022, 12, 31), reference="test")
    known = params.all_parameters()
    monkeypatch.setattr(params, "all_parameters", lambda: (*known, lpik_2022))
    plan = plan_roll_forward(PackageCells.open(built))
    assert not any(f.rule == "rullning.standardindex" for f in plan.findings)
    assert any(c.sheet == "Parametrar" and c.cell == "C6" and c.new == "0,0158" for c in plan.changes)
    assert plan.next_input.default_index_rate == Decimal("0.0158")


def test_differentiated_rates_are_kept_with_a_warning(built):
    plan = plan_roll_forward(PackageCells.open(built))
    f = next(f for f in plan.findings if f.rule == "rullning.indexsatser")
    assert f.severity is Severity.WARNING and f.sheet == "Ramar"


def test_bad_input_leaves_the_file_untouched(built):
    from xlmodel.errors import InputError
    from xlmodel.xlsx.atomic import save_package
    from xlmodel.xlsx.package import Package
    from xlmodel.xlsx.patch import CellWrite, patch_sheet

    pkg = Package.open(built)
    save_package(patch_sheet(pkg, "Ramar", [CellWrite(ref="D9", value="tre tusen")]), built,
                 expect_sha256=pkg.sha256, backup=False)
    data = built.read_bytes()
    with pytest.raises(InputError) as err:
        rollforward_file(built)
    assert (err.value.sheet, err.value.cell) == ("Ramar", "D9")
    assert built.read_bytes() == data


def test_cli_rulla_fram_then_validera(tmp_path):
    """The headless command controllers and bots use: `xlmodel rulla-fram`, a real process."""
    import shutil
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    book = tmp_path / "regionplan.xlsm"
    shutil.copy2(root / "workbooks" / "vasterbotten_regionplan_2021.xlsm", book)
    dry = subprocess.run([sys.executable, "-m", "xlmodel", "rulla-fram", "--torrkorning", str(book)],
                         capture_output=True, text=True, cwd=root)
    assert dry.returncode == 0, dry.stderr
    assert "budgetår 2021 → 2022" in dry.stdout and "inget skrevs" in dry.stdout
    before = book.read_bytes()
    done = subprocess.run([sys.executable, "-m", "xlmodel", "rulla-fram", str(book)], capture_output=True, text=True,
                          cwd=root)
    assert done.returncode == 0, done.stderr
    assert book.read_bytes() != before and "säkerhetskopia:" in done.stdout
    assert "Standardindex" in done.stdout or "standardindex" in done.stdout.lower()
    check = subprocess.run([sys.executable, "-m", "xlmodel", "validera", str(book)], capture_output=True, text=True,
                           cwd=root)
    assert check.returncode == 1 and "index.overford" in check.stdout, check.stdout   # no 2022 rate given


def test_cli_one_off_2021_grant_is_not_in_the_2022_base(built):
    """Issue 14: a change typed 'engångs' on the Förändringar sheet (here the 10 mkr for
    tandvård made one-off) is in the 2021 frame and out of the 2022 base; rulla-fram (a real
    process) says so."""
    import subprocess
    import sys

    from xlmodel.xlsx.atomic import save_package
    from xlmodel.xlsx.package import Package
    from xlmodel.xlsx.patch import CellWrite, patch_sheet

    cells = PackageCells.open(built)
    loc = cells.table("tblForandringar")
    row = next(r for r in range(5, 60) if cells.value(loc.sheet, f"A{r}") == "tandvard")
    pkg = Package.open(built)
    save_package(patch_sheet(pkg, loc.sheet, [CellWrite(ref=f"C{row}", value="engångs")]), built,
                 expect_sha256=pkg.sha256, backup=False)
    root = Path(__file__).resolve().parent.parent
    assert subprocess.run([sys.executable, "-m", "xlmodel", "regenerera", "--ingen-backup", str(built)],
                          capture_output=True, text=True, cwd=root).returncode == 0
    before = {r["Id"]: r for r in table_rows(PackageCells.open(built), "tblPublicerat")}
    frame_2021 = {r["Id"]: r["Budgetram"] for r in before.values()}
    done = subprocess.run([sys.executable, "-m", "xlmodel", "rulla-fram", "--index", "2%", "--ingen-backup",
                           str(built)], capture_output=True, text=True, cwd=root)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Engångsbelopp och tillfälliga förändringar 2021 ingår inte" in done.stdout and "RS 10" in done.stdout
    prior = {r["Id"]: r["Budgetram föregående år"] for r in table_rows(PackageCells.open(built), "tblRamar")}
    assert prior["RS"] == frame_2021["RS"] - 10
    assert prior["HSN"] == frame_2021["HSN"]
