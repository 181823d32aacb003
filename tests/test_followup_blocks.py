"""The delårsrapport's follow-up blocks under their defined names, owned blocks of books
made before the names, and the follow-up core's own messages at the user's cell.

Real CLI processes (``sys.executable -m xlmodel``) on copies of the shipped delårsrapport,
edited the way Excel edits a workbook (the lossless patcher writes the cells, the table
part and workbook.xml as Excel stores them): a nämnd typed under tblDrift grows the
table; a block cut and pasted elsewhere moves its cells, the formulas pointing into it
and its defined name; a row inserted inside a block moves the cells below it down.
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

from xlmodel.workbook import block_names as B
from xlmodel.workbook.cells import PackageCells
from xlmodel.xlsx.atomic import save_package
from xlmodel.xlsx.defined_names import set_defined_names
from xlmodel.xlsx.package import Package
from xlmodel.xlsx.patch import CellWrite, patch_sheet
from xlmodel.xlsx.refs import get_column_letter

ROOT = Path(__file__).resolve().parent.parent
DR = ROOT / "workbooks" / "vasterbotten_delarsrapport_2021_08.xlsm"
PLAN = ROOT / "workbooks" / "vasterbotten_regionplan_2021.xlsm"
VN = ROOT / "workbooks" / "vasternorrland_regionplan_2020_2022.xlsx"
CHART = "Diagram uppföljning"


def _xlmodel(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xlmodel", *args], capture_output=True, text=True)


def _copy(src: Path, tmp_path: Path) -> Path:
    dst = tmp_path / src.name
    shutil.copyfile(src, dst)
    return dst


def _names(path: Path) -> dict[str, str]:
    return {d.name: d.value for d in Package.open(path).defined_names if d.local_sheet is None}


def _save(path: Path, pkg: Package, new: Package) -> None:
    save_package(new, path, expect_sha256=pkg.sha256, backup=False)


def _value(path: Path, sheet: str, ref: str):
    return PackageCells(Package.open(path)).value(sheet, ref)


def _type(path: Path, sheet: str, writes: dict[str, object]) -> None:
    pkg = Package.open(path)
    _save(path, pkg, patch_sheet(pkg, sheet, [CellWrite(ref, v) for ref, v in writes.items()]))


def _findings(proc: subprocess.CompletedProcess) -> list[dict]:
    return [f for r in json.loads(proc.stdout)["files"] for f in r["findings"]]


_REF = re.compile(r"(?<![A-Za-z_!'.])(\$?)([A-Z]{1,3})(\$?)(\d+)(?![\d(])")


def _col(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _shift_refs(formula: str, move) -> str:
    """A same-sheet formula with each reference ``move``d (``move(col, row) -> (col, row)``)."""
    def sub(m: re.Match) -> str:
        c, r = move(_col(m.group(2)), int(m.group(4)))
        return f"{m.group(1)}{get_column_letter(c)}{m.group(3)}{r}"
    return _REF.sub(sub, formula)


def _move_block(path: Path, sheet: str, name: str, to: str) -> str:
    """Cut the block of defined name ``name`` and paste it with its top-left at ``to``, as
    Excel does: its cells move, the formulas on the sheet that point into it follow, and
    the name moves with it. Returns the new extent."""
    pkg = Package.open(path)
    cells = PackageCells(pkg)
    place = B.range_target(_names(path)[name])
    c1, r1, c2, r2 = place.bounds
    tc, tr = _col(re.sub(r"\d", "", to)), int(re.sub(r"\D", "", to))
    dc, dr = tc - c1, tr - r1

    def move(c: int, r: int) -> tuple[int, int]:
        return (c + dc, r + dr) if c1 <= c <= c2 and r1 <= r <= r2 else (c, r)

    writes = []
    for ref in list(cells.cells(sheet)):
        c, r = _col(re.sub(r"\d", "", ref)), int(re.sub(r"\D", "", ref))
        formula, value = cells.formula_and_value(sheet, ref)
        inside = c1 <= c <= c2 and r1 <= r <= r2
        if inside:
            nc, nr = move(c, r)
            writes.append(CellWrite(f"{get_column_letter(nc)}{nr}", value,
                                    formula=_shift_refs(formula, move) if formula else None))
        elif formula and _shift_refs(formula, move) != formula:
            writes.append(CellWrite(ref, value, formula=_shift_refs(formula, move)))
    new = patch_sheet(pkg, sheet, writes, [place.ref])
    extent = B.make_ref(c1 + dc, r1 + dr, c2 + dc, r2 + dr)
    _save(path, pkg, set_defined_names(new, {name: B.name_value(sheet, extent)}))
    return extent


def _add_namnd(path: Path) -> int:
    """A nämnd typed under tblDrift, the table grown over it (as Excel does)."""
    pkg = Package.open(path)
    table = next(t for t in pkg.tables("Driftredovisning") if t.name == "tblDrift")
    first, last = table.ref.split(":")
    row = int(re.sub(r"\D", "", last)) + 1
    new = patch_sheet(pkg, "Driftredovisning", [
        CellWrite(f"A{row}", "KULT"), CellWrite(f"B{row}", "Kulturnämnden"), CellWrite(f"C{row}", "nämnd"),
        CellWrite(f"E{row}", Decimal(-10)), CellWrite(f"F{row}", Decimal(-9)), CellWrite(f"G{row}", Decimal(-15)),
        CellWrite(f"H{row}", Decimal(-10)), CellWrite(f"I{row}", Decimal(-15))])
    grown = f"{first}:{re.sub(r'[0-9]', '', last)}{row}"
    xml = new.part(table.part).decode("utf-8").replace(f'ref="{table.ref}"', f'ref="{grown}"')
    _save(path, pkg, new.with_parts({table.part: xml.encode("utf-8")}))
    return row


def _insert_row(path: Path, sheet: str, at: int, cols: str, last: int) -> None:
    """Insert an empty row at ``at`` in columns ``cols`` (e.g. "A:B") of the block ending
    at row ``last`` as Excel does: its cells below move down one row (into the empty row
    under it), their formulas' references at or below the row too."""
    pkg = Package.open(path)
    cells = PackageCells(pkg)
    a, b = (_col(x) for x in cols.split(":"))
    assert all(cells.value(sheet, f"{get_column_letter(c)}{last + 1}") is None for c in range(a, b + 1))

    def down(c: int, r: int) -> tuple[int, int]:
        return (c, r + 1) if r >= at else (c, r)

    writes = []
    for r in range(last, at - 1, -1):
        for c in range(a, b + 1):
            formula, value = cells.formula_and_value(sheet, f"{get_column_letter(c)}{r}")
            writes.append(CellWrite(f"{get_column_letter(c)}{r + 1}", value,
                                    formula=_shift_refs(formula, down) if formula else None))
    _save(path, pkg, patch_sheet(pkg, sheet, writes, [f"{get_column_letter(a)}{at}:{get_column_letter(b)}{at}"]))


def _without_block_names(path: Path) -> None:
    """The workbook as a version of xlmodel before the block names wrote it."""
    pkg = Package.open(path)
    xml = pkg.part(pkg.workbook_part).decode("utf-8")
    xml = re.sub(r'<definedName name="xlmodel_[^"]*">[^<]*</definedName>', "", xml)
    _save(path, pkg, pkg.with_parts({pkg.workbook_part: xml.encode("utf-8")}))


# --------------------------------------------------------------------------- point 1: the names


def test_every_followup_block_is_named_over_its_whole_extent():
    names = _names(DR)
    cells = PackageCells(Package.open(DR))
    for name in B.FOLLOWUP:
        place = B.range_target(names[name])
        assert place is not None, name
        c1, r1, c2, r2 = place.bounds
        assert any(cells.formula(place.sheet, f"{get_column_letter(c)}{r}") or cells.value(place.sheet, f"{get_column_letter(c)}{r}")
                   is not None for c in range(c1, c2 + 1) for r in (r1, r2)), name
        assert name.isascii() and name.startswith(B.PREFIX) and name in B.ALL and name in B.DESCRIPTION
    assert names[B.FU_SUMMARY] == "'Uppföljning'!$A$13:$J$21"              # header .. totalt
    assert names[B.FU_CHART] == f"'{CHART}'!$A$4:$B$10"                    # header + six nämnder
    assert names[B.FU_OMST_TOTAL] == "'Omställning'!$N$4:$S$6"
    assert names[B.FU_DRIFT] == "'Driftredovisning'!$K$5:$O$20"            # tblDrift's computed columns
    assert names[B.UTREDNING] == "'Balanskravsutredning'!$B$15:$C$29"


def test_a_note_under_the_followup_chart_data_is_refused_when_a_namnd_is_added(tmp_path):
    book = _copy(DR, tmp_path)
    _type(book, CHART, {"A11": "Not: augusti, före revision"})
    _add_namnd(book)
    before = book.read_bytes()

    proc = _xlmodel("regenerera", str(book))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and f"'{CHART}'!A11" in lines[0] and "regenerera.egna_celler" in lines[0], proc.stderr
    assert "skriver inte över" in lines[0] and "Traceback" not in proc.stderr
    assert book.read_bytes() == before  # nothing written
    assert sorted(p.name for p in tmp_path.iterdir()) == [book.name]

    # The note moved further down: the chart data grows into the freed row, its name with it.
    _type(book, CHART, {"A11": None, "A14": "Not: augusti, före revision"})
    proc = _xlmodel("regenerera", str(book))
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr  # written (the reconciliation now differs)
    cells = PackageCells(Package.open(book))
    assert cells.value(CHART, "A11") == "Kulturnämnden" and cells.value(CHART, "A14") == "Not: augusti, före revision"
    assert _names(book)[B.FU_CHART] == f"'{CHART}'!$A$4:$B$11"
    assert _names(book)[B.FU_DRIFT] == "'Driftredovisning'!$K$5:$O$21"


def test_validate_reports_and_regenerate_clears_rows_a_followup_block_no_longer_covers(tmp_path):
    book = _copy(DR, tmp_path)
    _type(book, CHART, {"A11": "Kulturnämnden", "B11": Decimal(-3)})  # a nämnd's old row, left
    pkg = Package.open(book)
    _save(book, pkg, set_defined_names(pkg, {B.FU_CHART: f"'{CHART}'!$A$4:$B$11"}))
    checked = _xlmodel("validera", "--format", "json", str(book))
    stale = [f for f in _findings(checked) if f["rule"] == "uppfoljning.inaktuell"]
    assert checked.returncode == 1 and [(f["sheet"], f["cell"]) for f in stale] == [(CHART, "A11")]
    assert "xlmodel_Diagram_Uppfoljning" in stale[0]["message"]
    proc = _xlmodel("regenerera", str(book))
    assert proc.returncode == 0 and "A11:B11" in proc.stdout, proc.stdout + proc.stderr
    assert _value(book, CHART, "A11") is None and _value(book, CHART, "B11") is None
    assert _names(book)[B.FU_CHART] == f"'{CHART}'!$A$4:$B$10"


@pytest.mark.parametrize(("sheet", "name", "to", "probe"), [
    ("Uppföljning", B.FU_SUMMARY, "A40", ("B41", "D26")),     # the reconciliation reads the moved utfall
    ("Omställning", B.FU_OMST_TOTAL, "N20", ("O21", None)),
    ("Prognos", B.FU_FORECAST, "Q4", ("S8", None)),
    (CHART, B.FU_CHART, "G30", ("H31", None)),
    ("Prognos", B.FU_LEDGER, "Q14", ("R15", None)),  # the =ATERSTALLNING() ledger beside tblBalanskravAr
])
def test_a_followup_block_cut_and_pasted_elsewhere_is_found_by_its_name(tmp_path, sheet, name, to, probe):
    book = _copy(DR, tmp_path)
    reference = _findings(_xlmodel("validera", "--format", "json", str(DR)))
    old_first = B.range_target(_names(book)[name]).ref.split(":")[0]
    extent = _move_block(book, sheet, name, to)
    checked = _xlmodel("validera", "--format", "json", str(book))
    found = _findings(checked)
    assert checked.returncode == 0, [f for f in found if f["severity"] == "fel"]
    assert sorted((f["rule"], f["severity"]) for f in found) == sorted((f["rule"], f["severity"]) for f in reference)

    cell, reader = probe
    value = _value(book, sheet, cell)
    proc = _xlmodel("regenerera", str(book))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _names(book)[name] == B.name_value(sheet, extent)  # the name stays where the block is
    assert _value(book, sheet, cell) == value and value is not None
    assert _value(book, sheet, old_first) is None  # nothing written back at the layout's place
    if reader is not None:
        assert PackageCells(Package.open(book)).formula(sheet, reader).replace("$", "") == f"{cell}"
    assert _xlmodel("validera", str(book)).returncode == 0
    told = _xlmodel("forklara", "--blad", sheet, "--format", "json", str(book), cell)  # explained where it is
    assert told.returncode == 0 and json.loads(told.stdout)["explanation"]["status"] == "beräknad", told.stdout + told.stderr


def _move_block_to_sheet(path: Path, sheet: str, name: str, dst: str, to: str) -> str:
    """Cut the block of ``name`` on ``sheet`` and paste it on sheet ``dst`` at ``to``, as
    Excel does: its references to cells of ``sheet`` outside it get the sheet's name, the
    formulas on ``sheet`` that point into it get ``dst``'s, and the name moves with it."""
    pkg = Package.open(path)
    cells = PackageCells(pkg)
    place = B.range_target(_names(path)[name])
    c1, r1, c2, r2 = place.bounds
    tc, tr = _col(re.sub(r"\d", "", to)), int(re.sub(r"\D", "", to))
    dc, dr = tc - c1, tr - r1

    def inside(c: int, r: int) -> bool:
        return c1 <= c <= c2 and r1 <= r <= r2

    def in_block(formula: str) -> str:  # a formula of the moved block, now on dst
        def sub(m: re.Match) -> str:
            c, r = _col(m.group(2)), int(m.group(4))
            if inside(c, r):
                return f"{m.group(1)}{get_column_letter(c + dc)}{m.group(3)}{r + dr}"
            return f"'{sheet}'!{m.group(0)}"
        # a range outside the block is qualified once, as Excel writes it: 'Prognos'!A15:A19
        return _REF.sub(sub, formula).replace(f":'{sheet}'!", ":")

    def pointing_in(formula: str) -> str:  # a formula left on sheet
        def sub(m: re.Match) -> str:
            c, r = _col(m.group(2)), int(m.group(4))
            return f"'{dst}'!{get_column_letter(c + dc)}{r + dr}" if inside(c, r) else m.group(0)
        return _REF.sub(sub, formula)

    moved, left = [], []
    for ref in list(cells.cells(sheet)):
        c, r = _col(re.sub(r"\d", "", ref)), int(re.sub(r"\D", "", ref))
        formula, value = cells.formula_and_value(sheet, ref)
        if inside(c, r):
            moved.append(CellWrite(f"{get_column_letter(c + dc)}{r + dr}", value,
                                   formula=in_block(formula) if formula else None))
        elif formula and pointing_in(formula) != formula:
            left.append(CellWrite(ref, value, formula=pointing_in(formula)))
    new = patch_sheet(patch_sheet(pkg, sheet, left, [place.ref]), dst, moved)
    extent = B.make_ref(c1 + dc, r1 + dr, c2 + dc, r2 + dr)
    _save(path, pkg, set_defined_names(new, {name: B.name_value(dst, extent)}))
    return extent


@pytest.mark.parametrize(("sheet", "name", "dst", "to", "probe"), [
    ("Uppföljning", B.FU_SUMMARY, "Prognos", "A40", "B41"),
    ("Omställning", B.FU_OMST_TOTAL, "Tryckt uppföljning", "A30", "B31"),
    ("Prognos", B.FU_FORECAST, "Omställning", "A30", "C34"),
    ("Prognos", B.FU_LEDGER, "Omställning", "A30", "B31"),  # its formula names Prognos' table
])
def test_a_followup_block_moved_to_another_sheet_is_found_there(tmp_path, sheet, name, dst, to, probe):
    book = _copy(DR, tmp_path)
    old_first = B.range_target(_names(book)[name]).ref.split(":")[0]
    extent = _move_block_to_sheet(book, sheet, name, dst, to)
    checked = _xlmodel("validera", "--format", "json", str(book))
    assert checked.returncode == 0, [f for f in _findings(checked) if f["severity"] == "fel"]
    value = _value(book, dst, probe)
    proc = _xlmodel("regenerera", str(book))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _names(book)[name] == B.name_value(dst, extent)
    assert _value(book, dst, probe) == value and value is not None
    assert _value(book, sheet, old_first) is None
    told = _xlmodel("forklara", "--blad", dst, "--format", "json", str(book), probe)
    assert told.returncode == 0 and json.loads(told.stdout)["explanation"]["status"] == "beräknad", told.stdout


def test_libreoffice_keeps_the_followup_block_names_and_their_check(tmp_path):
    from xlmodel.testing.libreoffice import convert, find_soffice

    if find_soffice() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice saknas i CI: `make test` ska installera det (libreoffice-calc-nogui)")
        pytest.skip("LibreOffice is not installed here; `make test` installs it (libreoffice-calc-nogui)")
    saved = convert([DR], tmp_path / "lo")[DR]
    ours, theirs = _names(DR), _names(saved)
    for name in (*B.FOLLOWUP, B.UTREDNING):
        assert B.range_target(theirs[name]) == B.range_target(ours[name]), (name, theirs.get(name))

    book = tmp_path / "lo_sparad.xlsx"
    shutil.copyfile(saved, book)
    _type(book, CHART, {"B11": "Not"})
    _add_namnd(book)
    proc = _xlmodel("regenerera", str(book))
    assert proc.returncode == 2 and f"'{CHART}'!B11" in proc.stderr, proc.stdout + proc.stderr


def test_an_openpyxl_save_keeps_the_followup_block_names_and_their_check(tmp_path):
    import warnings

    import openpyxl

    book = tmp_path / "openpyxl_sparad.xlsm"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns of the parts it does not read (the chart drawing)
        openpyxl.load_workbook(DR, keep_vba=True).save(book)
    ours, theirs = _names(DR), _names(book)
    assert {n: B.range_target(theirs[n]) for n in B.FOLLOWUP} == {n: B.range_target(ours[n]) for n in B.FOLLOWUP}
    _type(book, CHART, {"A11": "Not"})
    _add_namnd(book)
    proc = _xlmodel("regenerera", str(book))
    assert proc.returncode == 2 and f"'{CHART}'!A11" in proc.stderr, proc.stdout + proc.stderr


# --------------------------------------------------------------------------- point 2: books before the names


@pytest.mark.parametrize(("src", "name"), [
    (DR, B.FU_CHART),
    (DR, B.UTREDNING),
    (PLAN, B.DIAGRAM_FRAMES),
    (VN, B.RESURSRAMAR),
])
def test_a_row_typed_into_inside_a_block_of_a_book_without_names_is_refused(tmp_path, src, name):
    """A workbook made before the block names: the block's extent as computed is its
    place, so a row inserted into it and typed into is refused, as with the names.
    (The regionplan's balanskrav ledger is a legacy array formula: Excel inserts no row
    inside it.)"""
    book = _copy(src, tmp_path)
    place = B.range_target(_names(book)[name])
    c1, r1, c2, r2 = place.bounds
    at = r1 + 2
    assert at <= r2, name
    _without_block_names(book)
    _insert_row(book, place.sheet, at, f"{get_column_letter(c1)}:{get_column_letter(c2)}", r2)
    typed = f"{get_column_letter(c2)}{at}"
    _type(book, place.sheet, {typed: "Kommentar"})
    before = book.read_bytes()
    proc = _xlmodel("regenerera", str(book))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"!{typed}" in proc.stderr and "regenerera.egna_celler" in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert book.read_bytes() == before


def test_a_note_where_a_grown_block_of_a_book_without_names_writes_a_formula_is_refused(tmp_path):
    """Without the name the chart data's old extent is unknown; a constant in its first
    column where xlmodel writes a formula (=Driftredovisning!B21) is not xlmodel's."""
    book = _copy(DR, tmp_path)
    _without_block_names(book)
    _type(book, CHART, {"A11": "Not: augusti, före revision"})
    _add_namnd(book)
    before = book.read_bytes()
    proc = _xlmodel("regenerera", str(book))
    assert proc.returncode == 2 and f"'{CHART}'!A11" in proc.stderr, proc.stdout + proc.stderr
    assert book.read_bytes() == before


def test_a_book_without_names_regenerates_as_before_and_gets_the_followup_names(tmp_path):
    book = _copy(DR, tmp_path)
    _without_block_names(book)
    assert not any(n.startswith(B.PREFIX) for n in _names(book))
    _type(book, CHART, {"B5": Decimal(0)})  # an owned cell typed over: regenerate writes the book
    proc = _xlmodel("regenerera", str(book))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert {n: B.range_target(v) for n, v in _names(book).items() if n.startswith(B.PREFIX)} == \
        {n: B.range_target(v) for n, v in _names(DR).items() if n.startswith(B.PREFIX)}


# --------------------------------------------------------------------------- point 3: the core names the cell


@pytest.mark.parametrize(("sheet", "writes", "cell", "text"), [
    # a varav row whose parent is no nämnd: DriftInput's own check, at the Förälder cell
    ("Driftredovisning", {"D11": "SKATT"}, "D11", "varav-raden 'HSN_intakter' anger förälder 'SKATT'"),
    # a nämnd given a parent: DriftLine's own check
    ("Driftredovisning", {"D13": "RS"}, "D13", "bara en varav-rad har förälder"),
    # the same id twice
    ("Driftredovisning", {"A14": "RUN"}, "A14", "id 'RUN' förekommer flera gånger"),
    # thirteen months: the core's period check, at the parameter's cell
    ("Uppföljning", {"M5": 13}, "M5", "perioden ska vara 1–12 månader, inte 13"),
    # an omställning measure under a parent that is not in the table
    ("Omställning", {"E8": "HSX"}, "E8", "raden 'HSF_pks' anger förälder 'HSX'"),
    # a negative tolerance: reconcile's own check, at the tolerance's cell
    ("Uppföljning", {"M11": Decimal(-1)}, "M11", "avstämningstoleransen kan inte vara negativ"),
])
def test_a_bad_followup_input_gives_one_message_naming_its_cell(tmp_path, sheet, writes, cell, text):
    book = _copy(DR, tmp_path)
    _type(book, sheet, writes)
    proc = _xlmodel("validera", str(book))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    said = [ln for ln in proc.stdout.splitlines() if text.casefold() in ln.casefold()]
    assert len(said) == 1, proc.stdout
    assert re.search(rf"\b{re.escape(sheet)}\s+{cell}\b", said[0]), said[0]
    assert "Traceback" not in proc.stdout + proc.stderr
    checked = _xlmodel("validera", "--format", "json", str(book))
    at = [(f["sheet"], f["cell"]) for f in _findings(checked) if text.casefold() in f["message"].casefold()]
    assert at == [(sheet, cell)]

    before = book.read_bytes()
    proc = _xlmodel("regenerera", str(book))
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stdout + proc.stderr
    assert text.casefold() in proc.stderr.casefold() and f"cell {cell}" in proc.stderr, proc.stderr
    assert f"'{sheet}'" in proc.stderr and "Traceback" not in proc.stderr
    assert book.read_bytes() == before


@pytest.mark.parametrize(("old", "new", "where", "text"), [
    ("HSN_intakter,varav intäkter,varav,HSN,", "HSN_intakter,varav intäkter,varav,SKATT,",
     "Fil 'drift.csv', rad 8, kolumn 'Förälder'", "anger förälder 'SKATT', som inte är en nämnd"),
    ("HSN,Hälso- och sjukvårdsnämnden,nämnd,,-3609,", "HSN,Hälso- och sjukvårdsnämnden,nämnd,,tre,",
     "Fil 'drift.csv', rad 7, kolumn 'Utfall t.o.m. perioden'", "'tre' är inget tal"),
])
def test_a_bad_followup_source_row_is_named_by_its_file_and_row_in_bygg(tmp_path, old, new, where, text):
    src = tmp_path / "dr"
    shutil.copytree(ROOT / "workbooks" / "src" / "vasterbotten_delarsrapport_2021_08", src)
    csv = src / "drift.csv"
    assert old in csv.read_text(encoding="utf-8")
    csv.write_text(csv.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    proc = _xlmodel("bygg", str(src), "--ut", str(tmp_path / "ut"))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and where in lines[0] and text in lines[0], proc.stderr
    assert not any((tmp_path / "ut").glob("*.xls*"))  # nothing half-built


def test_the_cores_findings_carry_the_cell_without_the_part_placing_them():
    """The rule core makes its findings at the cells its inputs carry: a varav row's
    rest on the nämnd's Avvikelse cell, a printed figure on its own cell."""
    from xlmodel.location import Location, Locator
    from xlmodel.rules import followup as R

    def at(row: int) -> Locator:
        return Locator(lambda key: Location(sheet="Driftredovisning", cell=f"{'L' if key == 'avvikelse' else 'D'}{row}"))

    inp = R.DriftInput(months=8, lines=(
        R.DriftLine(id="RS", label="Regionstyrelsen", utfall=Decimal(-2008), budget_periodiserad=Decimal(-1911), where=at(5)),
        R.DriftLine(id="RS_a", label="varav a", kind="varav", parent="RS", avvikelse_angiven=Decimal(-40), where=at(6)),
    ))
    (f,) = R.driftredovisning(inp).findings
    assert (f.rule, f.sheet, f.cell) == ("uppfoljning.varav_rest", "Driftredovisning", "L5")
    printed = R.check_printed(what="Avvikelse, RS", computed=Decimal(-97), possible=None, printed=Decimal(-90), places=0,
                              percent=False, cause="utfall − budget", subject="RS", field="avvikelse",
                              where=Location(sheet="Tryckt uppföljning", cell="E5"))
    assert (printed.sheet, printed.cell) == ("Tryckt uppföljning", "E5")
    with pytest.raises(Exception) as err:
        R.DriftInput(months=8, lines=(R.DriftLine(id="x", label="x", kind="varav", parent="RS", where=at(9)),))
    assert (err.value.sheet, err.value.cell) == ("Driftredovisning", "D9")
