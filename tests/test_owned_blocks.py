"""Owned blocks bounded by their defined names (issue 13 point 4): the extent of an owned
block is its name, not the first blank cell; stale rows inside it are cleared and said;
cells a user typed inside or just below a block are refused with one message naming them.

Real CLI processes (``sys.executable -m xlmodel``) on copies of the shipped workbooks,
edited the way Excel edits them: a row inserted inside the Ramtabell moves the rows below
it down one and grows the defined name ``xlmodel_Ramtabell`` by one row (what Excel does
to a name whose range spans the inserted row); a nämnd added under tblRamar grows the
table's ref. The edits are made with the lossless patcher, which writes the cells, the
table part and workbook.xml as Excel stores them.
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

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "workbooks" / "vasterbotten_regionplan_2021.xlsm"
VN = ROOT / "workbooks" / "vasternorrland_regionplan_2020_2022.xlsx"
DR = ROOT / "workbooks" / "vasterbotten_delarsrapport_2021_08.xlsm"


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


_REF = re.compile(r"(?<![A-Za-z_!'])(\$?)([A-Z]{1,3})(\$?)(\d+)")


def _shift_formula(formula: str, at: int) -> str:
    """A formula on the same sheet after a row is inserted at ``at``: refs at or below move down."""
    def move(m: re.Match) -> str:
        row = int(m.group(4))
        return f"{m.group(1)}{m.group(2)}{m.group(3)}{row + 1 if row >= at else row}"
    return _REF.sub(move, formula)


def _insert_row(path: Path, sheet: str, at: int, cols: str = "ABCDEFGH") -> None:
    """Insert an empty row at ``at`` in columns ``cols`` of ``sheet`` as Excel does:
    the cells below move down one row (formulas adjusted), and a defined name spanning
    the row grows by one."""
    pkg = Package.open(path)
    cells = PackageCells(pkg)
    last = max(int(re.sub(r"\D", "", ref)) for ref in cells.cells(sheet))
    writes = []
    for r in range(last, at - 1, -1):
        for c in cols:
            formula, value = cells.formula_and_value(sheet, f"{c}{r}")
            if formula is not None:
                writes.append(CellWrite(f"{c}{r + 1}", value, formula=_shift_formula(formula, at)))
            else:
                writes.append(CellWrite(f"{c}{r + 1}", value))
    new = patch_sheet(pkg, sheet, writes, [f"{cols[0]}{at}:{cols[-1]}{at}"])
    grown = {}
    for name, value in _names(path).items():
        place = B.range_target(value)
        if place is not None and place.sheet == sheet and place.first_row < at <= place.last_row + 1:
            c1, r1, c2, r2 = place.bounds
            grown[name] = B.name_value(sheet, B.make_ref(c1, r1, c2, r2 + 1))
    _save(path, pkg, set_defined_names(new, grown))


def _add_namnd(path: Path, rid: str = "KULT", frame: str = "12.5") -> int:
    """A nämnd typed under tblRamar, the table grown over it (as Excel does)."""
    pkg = Package.open(path)
    table = next(t for t in pkg.tables("Ramar") if t.name == "tblRamar")
    first, last = table.ref.split(":")
    row = int(re.sub(r"\D", "", last)) + 1
    grown = f"{first}:{re.sub(r'[0-9]', '', last)}{row}"
    new = patch_sheet(pkg, "Ramar", [CellWrite(f"A{row}", rid), CellWrite(f"B{row}", "Kulturnämnd"),
                                      CellWrite(f"D{row}", Decimal(frame)), CellWrite(f"F{row}", "ja"),
                                      CellWrite(f"G{row}", Decimal(1))])
    xml = new.part(table.part).decode("utf-8").replace(f'ref="{table.ref}"', f'ref="{grown}"')
    _save(path, pkg, new.with_parts({table.part: xml.encode("utf-8")}))
    return row


def _type(path: Path, sheet: str, writes: dict[str, object]) -> None:
    pkg = Package.open(path)
    _save(path, pkg, patch_sheet(pkg, sheet, [CellWrite(ref, v) for ref, v in writes.items()]))


def _value(path: Path, sheet: str, ref: str):
    return PackageCells(Package.open(path)).value(sheet, ref)


def test_every_shipped_block_is_named_over_its_whole_extent():
    names = _names(PLAN)
    assert names[B.FRAMETABLE] == "'Ramtabell'!$A$4:$H$20"  # header row .. SUMMA row
    assert _value(PLAN, "Ramtabell", "A20") == "SUMMA" and _value(PLAN, "Ramtabell", "A21") is None
    for name in (B.RESULTATBUDGET, B.GOALS, B.BALANSKRAV, B.DIAGRAM_FRAMES, B.DIAGRAM_BURNDOWN):
        assert B.range_target(names[name]) is not None, name
    assert B.UTREDNING in _names(DR)
    vn = _names(VN)
    for name in (B.RESURSRAMAR, B.FOTNOTER, B.ATERSTALLNING):
        place = B.range_target(vn[name])
        cells = PackageCells(Package.open(VN))
        assert cells.value(place.sheet, place.ref.split(":")[0]), name  # the block's first row is written
    assert all(name.isascii() and name.startswith(B.PREFIX) for name in B.ALL)


def test_a_blank_row_inserted_inside_the_ramtabell_leaves_no_old_summa_row(tmp_path):
    """Issue 13: before the name, the first blank id ended the table, the old SUMMA row
    stayed under the new one (12 647,8 under 8 770,7 after a recalculation)."""
    book = _copy(PLAN, tmp_path)
    summa = _value(book, "Ramtabell", "H20")
    _insert_row(book, "Ramtabell", 10)
    assert _names(book)[B.FRAMETABLE] == "'Ramtabell'!$A$4:$H$21"
    assert _value(book, "Ramtabell", "A21") == "SUMMA"

    checked = _xlmodel("validera", "--format", "json", str(book))
    findings = [f for r in json.loads(checked.stdout)["files"] for f in r["findings"]]
    assert checked.returncode == 1
    assert any(f["rule"] == "ramtabell.inaktuell" and f["cell"] == "A21" for f in findings)

    proc = _xlmodel("regenerera", str(book))
    assert proc.returncode == 0, proc.stderr
    assert "A21:H21" in proc.stdout and "rader som inte längre finns" in proc.stdout
    col_a = [_value(book, "Ramtabell", f"A{r}") for r in range(5, 25)]
    assert col_a.count("SUMMA") == 1 and _value(book, "Ramtabell", "A20") == "SUMMA"
    assert all(_value(book, "Ramtabell", f"{c}21") is None for c in "ABCDEFGH")
    assert _value(book, "Ramtabell", "H20") == summa
    assert _names(book)[B.FRAMETABLE] == "'Ramtabell'!$A$4:$H$20"  # the name back to the table's extent
    assert _xlmodel("validera", str(book)).returncode == 0
    # As LibreOffice recalculates it: one sum, the right one, nothing under it.
    from xlmodel.testing.libreoffice import find_soffice, recalc_values

    if find_soffice() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice saknas i CI: `make test` ska installera det (libreoffice-calc-nogui)")
        pytest.skip("LibreOffice is not installed here; `make test` installs it (libreoffice-calc-nogui)")
    ramtabell = recalc_values([book])[book]["Ramtabell"]
    assert round(float(ramtabell["H20"]), 1) == 8770.7
    assert ramtabell.get("H21") in (None, "") and ramtabell.get("A21") in (None, "")


def test_a_note_under_the_ramtabell_is_refused_not_replaced_when_the_table_grows(tmp_path):
    book = _copy(PLAN, tmp_path)
    _type(book, "Ramtabell", {"B21": "Not: ramarna är preliminära"})
    _add_namnd(book)
    before = book.read_bytes()

    proc = _xlmodel("regenerera", str(book))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Ramtabell!B21" in lines[0] and "regenerera.egna_celler" in lines[0]
    assert "skriver inte över" in lines[0] and "Traceback" not in proc.stderr
    assert book.read_bytes() == before  # nothing written
    assert sorted(p.name for p in tmp_path.iterdir()) == [book.name]  # no backup, no temp file

    # The user moves the note further down: the table grows into the freed row.
    _type(book, "Ramtabell", {"B21": None, "B25": "Not: ramarna är preliminära"})
    proc = _xlmodel("regenerera", str(book))
    assert proc.returncode == 1 and "ramtabell.nettoram" in proc.stdout, proc.stderr  # written; the sum now differs
    assert _value(book, "Ramtabell", "A20") == "KULT" and _value(book, "Ramtabell", "A21") == "SUMMA"
    assert _value(book, "Ramtabell", "B25") == "Not: ramarna är preliminära"
    assert _names(book)[B.FRAMETABLE] == "'Ramtabell'!$A$4:$H$21"


def test_text_typed_into_a_row_inserted_inside_the_ramtabell_is_refused(tmp_path):
    book = _copy(PLAN, tmp_path)
    _insert_row(book, "Ramtabell", 10)
    _type(book, "Ramtabell", {"B10": "Kommentar", "H10": Decimal(1)})
    before = book.read_bytes()
    proc = _xlmodel("regenerera", str(book))
    assert proc.returncode == 2
    assert "Ramtabell!B10, Ramtabell!H10" in proc.stderr and "cellerna" in proc.stderr
    assert book.read_bytes() == before


def _without_block_names(path: Path) -> None:
    pkg = Package.open(path)
    xml = pkg.part(pkg.workbook_part).decode("utf-8")
    xml = re.sub(r'<definedName name="xlmodel_[^"]*">[^<]*</definedName>', "", xml)
    _save(path, pkg, pkg.with_parts({pkg.workbook_part: xml.encode("utf-8")}))


def test_an_older_workbook_without_names_falls_back_and_gets_them(tmp_path):
    book = _copy(PLAN, tmp_path)
    _without_block_names(book)
    assert not any(n.startswith(B.PREFIX) for n in _names(book))
    _type(book, "Ramtabell", {"C21": Decimal(5)})
    _add_namnd(book)
    refused = _xlmodel("regenerera", str(book))  # the SUMMA row found as before: C21 is below it, the user's
    assert refused.returncode == 2 and "Ramtabell!C21" in refused.stderr
    _type(book, "Ramtabell", {"C21": None})
    proc = _xlmodel("regenerera", str(book))
    assert proc.returncode == 1 and "säkerhetskopia" in proc.stdout, proc.stderr  # written (the sum now differs)
    names = _names(book)
    assert names[B.FRAMETABLE] == "'Ramtabell'!$A$4:$H$21"
    assert B.DIAGRAM_FRAMES in names and B.RESULTATBUDGET in names


def test_the_frame_table_stands_where_its_name_puts_it(tmp_path):
    """A controller cuts the Ramtabell and pastes it elsewhere: Excel moves the name
    with it. regenerate writes the table there, the Diagram's formulas follow it, and
    validate checks it there."""
    book = _copy(PLAN, tmp_path)
    summa = _value(book, "Ramtabell", "H20")
    pkg = Package.open(book)
    _save(book, pkg, set_defined_names(pkg, {B.FRAMETABLE: "'Ramtabell'!$K$30:$R$46"}))
    stale = _xlmodel("validera", "--format", "json", str(book))
    findings = [f for r in json.loads(stale.stdout)["files"] for f in r["findings"]]
    assert stale.returncode == 1 and any(f["sheet"] == "Ramtabell" and f["cell"] == "K30" for f in findings)

    proc = _xlmodel("regenerera", str(book))
    assert proc.returncode == 0, proc.stderr
    assert _value(book, "Ramtabell", "K30") == "Id" and _value(book, "Ramtabell", "K46") == "SUMMA"
    assert _value(book, "Ramtabell", "R46") == summa
    cells = PackageCells(Package.open(book))
    assert cells.formula("Diagram", "C5").replace("'", "") == "Ramtabell!R31"
    assert cells.formula("Ramtabell", "R31") == "M31+N31+O31+P31+Q31"
    checked = _xlmodel("validera", "--format", "json", str(book))
    errors = [f for r in json.loads(checked.stdout)["files"] for f in r["findings"] if f["severity"] == "error"]
    assert checked.returncode == 0 and errors == []


def test_validate_reports_stale_rows_inside_a_diagram_blocks_name(tmp_path):
    book = _copy(PLAN, tmp_path)
    _type(book, "Diagram", {"A12": "Gammal nämnd", "C12": Decimal(17)})
    pkg = Package.open(book)
    _save(book, pkg, set_defined_names(pkg, {B.DIAGRAM_FRAMES: "'Diagram'!$A$4:$D$12"}))
    checked = _xlmodel("validera", "--format", "json", str(book))
    findings = [f for r in json.loads(checked.stdout)["files"] for f in r["findings"]]
    assert checked.returncode == 1
    assert [f["cell"] for f in findings if f["rule"] == "diagram.inaktuell"] == ["A12"]
    proc = _xlmodel("regenerera", str(book))
    assert proc.returncode == 0 and "A12:D12" in proc.stdout
    assert _value(book, "Diagram", "A12") is None and _value(book, "Diagram", "C12") is None
    assert _names(book)[B.DIAGRAM_FRAMES] == "'Diagram'!$A$4:$D$11"


def _add_resursram(book: Path, rid: str = "KULT", label: str = "Kulturnämnd", frame: int = 20) -> int:
    """A nämnd typed under tblResursramar and the table grown over it (as Excel does)."""
    pkg = Package.open(book)
    table = next(t for t in pkg.tables("Resursramar") if t.name.lower().startswith("tblresursram"))
    first, last = table.ref.split(":")
    row = int(re.sub(r"\D", "", last)) + 1
    cells = PackageCells(pkg)
    header = {cells.value("Resursramar", f"{c}{table.header_row}"): c for c in "ABCDEFGHIJKLMNOP"}
    writes = [CellWrite(f"{header['Id']}{row}", rid), CellWrite(f"{header['Post']}{row}", label)]
    writes += [CellWrite(f"{col}{row}", Decimal(frame)) for h, col in header.items() if str(h).startswith("Resursram ")]
    writes.append(CellWrite(f"{header['Generell reduktion']}{row}", "nej"))
    new = patch_sheet(pkg, "Resursramar", writes)
    grown = f'ref="{first}:{re.sub(r"[0-9]", "", last)}{row}"'
    xml = new.part(table.part).decode("utf-8").replace(f'ref="{table.ref}"', grown)
    _save(book, pkg, new.with_parts({table.part: xml.encode("utf-8")}))
    return row


def test_resursramar_blocks_move_with_the_table_and_their_names_follow(tmp_path):
    book = _copy(VN, tmp_path)
    before = B.range_target(_names(book)[B.RESURSRAMAR])
    _add_resursram(book)
    proc = _xlmodel("regenerera", str(book))
    assert proc.returncode == 0, proc.stderr
    after = B.range_target(_names(book)[B.RESURSRAMAR])
    assert after.first_row == before.first_row + 1 and after.last_row == before.last_row + 1
    assert _value(book, "Resursramar", after.ref.split(":")[0]) == "Summa"
    assert _value(book, "Resursramar", before.ref.split(":")[0]) is None  # the old Summa row cleared
    checked = _xlmodel("validera", "--format", "json", str(book))
    errors = [f for r in json.loads(checked.stdout)["files"] for f in r["findings"] if f["severity"] == "error"]
    assert errors == []


def _series(path: Path) -> dict[str, list[list[str]]]:
    """chart part -> [[label ref, categories ref, values ref] per series]."""
    pkg = Package.open(path)
    out = {}
    for name in sorted(n for n in pkg.names if n.startswith("xl/charts/chart")):
        xml = pkg.part(name).decode("utf-8")
        out[name] = [re.findall(r"<c:f>([^<]+)</c:f>", ser) for ser in re.findall(r"<c:ser>.*?</c:ser>", xml, re.S)]
    return out


def test_vasternorrlands_charts_draw_a_new_namnd_after_regenerate(tmp_path):
    """Issue 13 point 5 / issue 15 point 2: a nämnd added to the Resursramar table is drawn
    after 'regenerera' (not only after 'bygg'), in the panel its size puts it in."""
    book = _copy(VN, tmp_path)
    shown = _series(book)
    assert sum(len(s) for s in shown.values()) >= 5
    row = _add_resursram(book, frame=20)
    new_values = f"Resursramar!$E${row}:$H${row}"
    assert not any(new_values in ser for series in _series(book).values() for ser in series)

    checked = _xlmodel("validera", "--format", "json", str(book))
    findings = [f for r in json.loads(checked.stdout)["files"] for f in r["findings"]]
    stale = [f for f in findings if f["rule"] == "resursramar.diagram"]
    assert checked.returncode == 1 and len(stale) == 1 and "Kulturnämnd" in stale[0]["message"]

    proc = _xlmodel("regenerera", str(book))
    assert proc.returncode == 0, proc.stderr
    after = _series(book)
    drawn = [ser for series in after.values() for ser in series]
    assert [ser[2] for ser in drawn].count(new_values) == 1  # drawn once
    assert [ser for ser in drawn if ser[2] == new_values][0] == [f"Resursramar!$B${row}", "Resursramar!$E$4:$H$4", new_values]
    # every other nämnd still drawn as before, in its chart; 20 mkr joins the small nämnder (6–17 mkr)
    for part, series in shown.items():
        assert all(ser in after[part] for ser in series)
    small = [part for part, series in after.items() if [f"Resursramar!$B${row}", "Resursramar!$E$4:$H$4", new_values] in series]
    assert small and all(len(after[p]) == len(shown[p]) + 1 for p in small)
    pkg = Package.open(book)
    xml = pkg.part(small[0]).decode("utf-8")
    assert "<c:v>Kulturnämnd</c:v>" in xml and "<c:v>20</c:v>" in xml  # cached label and values
    checked = _xlmodel("validera", "--format", "json", str(book))
    assert not [f for r in json.loads(checked.stdout)["files"] for f in r["findings"] if f["rule"] == "resursramar.diagram"]
    again = _xlmodel("regenerera", str(book))
    assert again.returncode == 0 and "inga celler behöver ändras" in again.stdout  # charts and cells stable


def test_an_id_typed_away_inside_the_ramtabell_is_written_back(tmp_path):
    """A row whose first cell is empty counts as typed by the user only where the
    regeneration would change its cells: here the rest of the row is xlmodel's."""
    book = _copy(PLAN, tmp_path)
    rid = _value(book, "Ramtabell", "A7")
    _type(book, "Ramtabell", {"A7": None})
    proc = _xlmodel("regenerera", str(book))
    assert proc.returncode == 0, proc.stderr
    assert "1 cell ändrad" in proc.stdout and _value(book, "Ramtabell", "A7") == rid


def test_set_defined_names_changes_only_that_name_and_adds_missing_ones(tmp_path):
    pkg = Package.open(DR)
    xml = pkg.part(pkg.workbook_part)
    new = set_defined_names(pkg, {B.UTREDNING: "'Balanskravsutredning'!$B$15:$C$30",
                                  "xlmodel_Ny": "'Info'!$A$1:$B$2"})
    changed = new.part(new.workbook_part)
    assert changed.replace(b"$C$30", b"$C$29").replace(
        b"<definedName name=\"xlmodel_Ny\">'Info'!$A$1:$B$2</definedName>", b"") == xml
    names = {d.name: d.value for d in new.defined_names}
    assert names[B.UTREDNING] == "'Balanskravsutredning'!$B$15:$C$30" and names["xlmodel_Ny"] == "'Info'!$A$1:$B$2"
    assert set_defined_names(new, {"xlmodel_Ny": "'Info'!$A$1:$B$2"}) is new  # nothing to change: the same package
    # A workbook without any names gets a <definedNames> after <sheets>; a sheet-scoped name is never touched.
    bare = re_sub_names(xml)
    pkg2 = pkg.with_parts({pkg.workbook_part: bare})
    out = set_defined_names(pkg2, {"xlmodel_X": "'Info'!$A$1:$A$1"}).part(pkg.workbook_part)
    assert b"</sheets><definedNames><definedName name=\"xlmodel_X\">'Info'!$A$1:$A$1</definedName></definedNames>" in out
    local = bare.replace(b"</sheets>", b'</sheets><definedNames><definedName name="xlmodel_X" localSheetId="0">'
                         b"Info!$A$1</definedName></definedNames>")
    out = set_defined_names(pkg.with_parts({pkg.workbook_part: local}), {"xlmodel_X": "'Info'!$B$2:$B$2"})
    text = out.part(pkg.workbook_part).decode("utf-8")
    assert 'localSheetId="0">Info!$A$1</definedName>' in text and "'Info'!$B$2:$B$2" in text


def re_sub_names(xml: bytes) -> bytes:
    return re.sub(rb"<definedNames>.*?</definedNames>", b"", xml, flags=re.S)


def test_a_name_that_is_no_block_falls_back_to_the_detection():
    cells = PackageCells(Package.open(PLAN))
    for value in ("#REF!", "'Ramtabell'!#REF!", "'Ramtabell'!$A$1:$XFD$1048576", "'Finns inte'!$A$4:$H$20"):
        pkg = set_defined_names(Package.open(PLAN), {B.FRAMETABLE: value})
        assert B.read_block(PackageCells(pkg), B.FRAMETABLE) is None, value
    assert B.read_block(cells, B.FRAMETABLE) == B.BlockPlace("Ramtabell", "A4:H20")


def test_a_stale_range_leaves_out_the_input_columns_it_spans():
    """``without_inputs``: C15:D19 less Prognos (C16:C19) and Utfall (D15:D19) of a table
    whose data rows are 15–19 is nothing; a range beside them is kept whole, and one that
    runs past the table's last row keeps the rows below it."""
    from xlmodel.workbook.owned_blocks import without_inputs

    inputs = [(3, 15, 3, 19), (4, 15, 4, 19)]          # (c1, r1, c2, r2): columns C and D, rows 15-19
    assert without_inputs("C15:D19", inputs) == []
    assert without_inputs("E15:F19", inputs) == ["E15:F19"]
    assert without_inputs("C18:E21", inputs) == ["C20:C21", "D20:D21", "E18:E21"]
