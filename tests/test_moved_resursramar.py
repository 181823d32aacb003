"""Västernorrland's three owned blocks where their defined names put them (issue 12, "each
output block is found by a defined name, so it can stand on any sheet"): the Summa rows
under tblResursramar (``xlmodel_Resursramar``), the footnotes' check lines
(``xlmodel_Fotnoter``) and the restoration ledger (``xlmodel_Aterstallning``).

Real CLI processes on copies of the shipped workbook, edited as Excel edits it: a block
cut and pasted moves its cells (its formulas' references to the table's sheet named when
it lands on another), the formulas pointing into it and its name; a nämnd typed in the
blank row under the table grows the table over it, and the names stay where they are.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from test_followup_blocks import (
    VN,
    _copy,
    _findings,
    _move_block,
    _move_block_to_sheet,
    _names,
    _save,
    _type,
    _value,
    _without_block_names,
    _xlmodel,
)
from xlmodel.workbook import block_names as B
from xlmodel.workbook.cells import PackageCells
from xlmodel.xlsx.package import Package
from xlmodel.xlsx.patch import CellWrite, patch_sheet

# name -> (its sheet, its place as shipped)
SHIPPED = {B.RESURSRAMAR: ("Resursramar", "B21:H23"), B.FOTNOTER: ("Fotnoter", "E28:G36"),
           B.ATERSTALLNING: ("Återställning", "A11:I13")}


# the rules of validate's comparison of an owned cell (its value, formula or text)
CELL_RULES = {"resursramar", "resursramar.formel", "resursramar.text", "resursramar.ej_beraknad"}


def _formula(path: Path, sheet: str, ref: str) -> str | None:
    return PackageCells(Package.open(path)).formula(sheet, ref)


def _reference() -> list[tuple[str, str]]:
    return sorted((f["rule"], f["severity"]) for f in _findings(_xlmodel("validera", "--format", "json", str(VN))))


def _move(book: Path, name: str, dst: str, to: str) -> str:
    sheet = SHIPPED[name][0]
    if dst == sheet:
        return _move_block(book, sheet, name, to)
    return _move_block_to_sheet(book, sheet, name, dst, to)


def _grow(path: Path, sheet: str, table: str, row: dict[str, object]) -> int:
    """Values typed in the row under ``table`` and the table grown over it, as Excel does
    when a row is typed directly under a table; the block names are not moved. Returns
    the new row."""
    pkg = Package.open(path)
    loc = next(t for t in pkg.tables(sheet) if t.name == table)
    first, last = loc.ref.split(":")
    n = int(re.sub(r"\D", "", last)) + 1
    new = patch_sheet(pkg, sheet, [CellWrite(f"{col}{n}", v) for col, v in row.items()])
    grown = f"{first}:{re.sub(r'[0-9]', '', last)}{n}"
    xml = new.part(loc.part).decode("utf-8").replace(f'"{loc.ref}"', f'"{grown}"')
    _save(path, pkg, new.with_parts({loc.part: xml.encode("utf-8")}))
    return n


NEW_NAMND = {"A": "ny", "B": "Ny nämnd", "E": Decimal(10), "F": Decimal(11), "G": Decimal(12), "H": Decimal(13),
             "I": "nej"}


# name, where it is pasted (sheet, top-left), a cell of it there with a formula or a value
MOVES = [
    (B.RESURSRAMAR, "Resursramar", "B40", "H40"),   # same columns, further down: moved, not the table shrunk
    (B.RESURSRAMAR, "Info", "A40", "G40"),
    (B.FOTNOTER, "Fotnoter", "L5", "N11"),           # beside the table
    (B.FOTNOTER, "Info", "B30", "D36"),
    (B.ATERSTALLNING, "Återställning", "A30", "I32"),
    (B.ATERSTALLNING, "Info", "C50", "K52"),
    (B.RESURSRAMAR, "Fotnoter", "E45", "K47"),       # its "Differens" in the column of the check lines' markers
]


@pytest.mark.parametrize(("name", "dst", "to", "probe"), MOVES)
def test_a_resursramar_block_cut_and_pasted_elsewhere_is_found_by_its_name(tmp_path, name, dst, to, probe):
    book = _copy(VN, tmp_path)
    sheet, shipped = SHIPPED[name]
    extent = _move(book, name, dst, to)
    assert _value(book, sheet, shipped.split(":")[0]) is None
    checked = _xlmodel("validera", "--format", "json", str(book))
    found = _findings(checked)
    assert checked.returncode == 0, [f for f in found if f["severity"] == "fel"]
    assert sorted((f["rule"], f["severity"]) for f in found) == _reference()
    value = _value(book, dst, probe)
    proc = _xlmodel("regenerera", str(book))
    assert proc.returncode == 0 and "inga celler behöver ändras" in proc.stdout, proc.stdout + proc.stderr
    assert _names(book)[name] == B.name_value(dst, extent)  # the name stays where the block is
    assert _value(book, dst, probe) == value and value is not None
    assert _value(book, sheet, shipped.split(":")[0]) is None  # nothing written back under the table
    told = _xlmodel("forklara", "--blad", dst, "--format", "json", str(book), probe)
    assert told.returncode == 0, told.stdout + told.stderr
    explanation = json.loads(told.stdout)["explanation"]
    assert explanation["status"] == "beräknad" and not explanation.get("mismatch"), explanation


def test_a_block_named_elsewhere_is_written_there_naming_the_tables_sheet(tmp_path):
    """The Summa rows' and the check lines' names pointed at empty cells of Info (as the
    Name Manager does; the cells under the tables stay as they were) and an input changed:
    validate points at Info, regenerate writes the blocks there with their formulas naming
    the tables' sheets, and the rows under the tables are the user's: neither written nor
    cleared nor reported."""
    from xlmodel.xlsx.defined_names import set_defined_names

    book = _copy(VN, tmp_path)
    pkg = Package.open(book)
    _save(book, pkg, set_defined_names(pkg, {B.RESURSRAMAR: B.name_value("Info", "A40:G42"),
                                             B.FOTNOTER: B.name_value("Info", "B30:D38")}))
    _type(book, "Resursramar", {"H5": Decimal("420")})  # NHU 2022 (411,7 as printed)
    _type(book, "Fotnoter", {"G5": Decimal("80")})      # a transfer: the transfers no longer net to zero
    old = {(s, r): (_formula(book, s, r), _value(book, s, r)) for s, r in
           [("Resursramar", "B21"), ("Resursramar", "H21"), ("Resursramar", "H23"), ("Fotnoter", "E28"), ("Fotnoter", "G30")]}
    checked = _xlmodel("validera", "--format", "json", str(book))
    stale = {(f["sheet"], f["cell"]) for f in _findings(checked) if f["rule"] in CELL_RULES}
    assert {("Info", "A40"), ("Info", "G40"), ("Info", "G42"), ("Info", "D30")} <= stale, stale
    assert not {k for k in stale if k in old}, stale
    proc = _xlmodel("regenerera", str(book))
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    assert _value(book, "Info", "A40") == "Summa" and _value(book, "Info", "B38") == "Differens"
    assert _formula(book, "Info", "G40") == "Resursramar!H5+Resursramar!H6+Resursramar!H14+Resursramar!H15+Resursramar!H16"
    assert _value(book, "Info", "G40") == Decimal("8280.9") - Decimal("411.7") + Decimal("420")
    assert _formula(book, "Info", "G41") == 'IF(Parametrar!C18="","",Parametrar!C18)'
    assert _formula(book, "Info", "G42") == 'IF(G41="","",G40-G41)'
    assert _formula(book, "Info", "D30") == \
        'SUMIFS(Fotnoter!G5:G26,Fotnoter!D5:D26,"överföring",Fotnoter!G5:G26,">0")'
    assert _formula(book, "Info", "D32") == "D30+D31"
    assert {k: (_formula(book, *k), _value(book, *k)) for k in old} == old
    after = _findings(_xlmodel("validera", "--format", "json", str(book)))
    assert [(f["sheet"], f["cell"]) for f in after if f["rule"] == "resursramar.overforing_netto"] == [("Info", "D32")]
    assert not [f for f in after if f["rule"] in CELL_RULES or f["rule"].endswith(".inaktuell")], after


def test_the_summa_rows_at_their_place_move_down_when_a_namnd_is_typed_under_the_table(tmp_path):
    """The name at the place under the table (as shipped): the table grown over the blank
    row leaves the name a row above the new place; the block moves down as before, its old
    first row is cleared and the name follows."""
    book = _copy(VN, tmp_path)
    assert _grow(book, "Resursramar", "tblResursramar", NEW_NAMND) == 20
    checked = _xlmodel("validera", "--format", "json", str(book))
    assert ("resursramar.inaktuell", "Resursramar", "B21") in \
        {(f["rule"], f["sheet"], f["cell"]) for f in _findings(checked)}
    proc = _xlmodel("regenerera", str(book))
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    assert _value(book, "Resursramar", "B21") is None and _value(book, "Resursramar", "B22") == "Summa"
    assert _formula(book, "Resursramar", "H22") == "H5+H6+H14+H15+H16+H20"
    assert _names(book)[B.RESURSRAMAR] == "'Resursramar'!$B$22:$H$24"
    assert _xlmodel("validera", str(book)).returncode == 0


@pytest.mark.parametrize(("dst", "to"), [("Resursramar", "B40"), ("Info", "A40")])
def test_a_moved_block_stays_where_it_is_when_the_table_grows(tmp_path, dst, to):
    """Moved away, the Summa rows stay where the user put them when a nämnd is typed under
    the table: the new nämnd is summed there, and the rows under the table are the user's
    (a row of their own labelled "Summa" is neither written over nor cleared)."""
    book = _copy(VN, tmp_path)
    extent = _move(book, B.RESURSRAMAR, dst, to)
    _grow(book, "Resursramar", "tblResursramar", NEW_NAMND)
    _type(book, "Resursramar", {"B22": "Summa", "E22": Decimal("1"), "B23": "Egen anteckning"})
    checked = _xlmodel("validera", "--format", "json", str(book))
    found = _findings(checked)
    assert not [f for f in found if f["rule"].endswith(".inaktuell")], found
    top_left = extent.split(":")[0]
    total = f"{chr(ord(top_left[0]) + 6)}{top_left[1:]}"  # the 2022 column of the Summa row
    assert (dst, total) in {(f["sheet"], f["cell"]) for f in found if f["rule"] in CELL_RULES}
    proc = _xlmodel("regenerera", str(book))
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    assert _names(book)[B.RESURSRAMAR] == B.name_value(dst, extent)
    prefix = "" if dst == "Resursramar" else "Resursramar!"
    assert _formula(book, dst, total) == "+".join(f"{prefix}H{r}" for r in (5, 6, 14, 15, 16, 20))
    assert _value(book, dst, total) == Decimal("8280.9") + 13
    assert [_value(book, "Resursramar", r) for r in ("B21", "B22", "E22", "B23", "B24")] == \
        [None, "Summa", Decimal("1"), "Egen anteckning", None]
    assert _xlmodel("validera", str(book)).returncode == 0


def test_a_moved_ledger_grows_where_it_stands_and_its_name_follows(tmp_path):
    """A deficit added to tblIngaendeUnderskott gives the ledger moved to Info one more row:
    written there, its name over the new extent, nothing under the tables."""
    book = _copy(VN, tmp_path)
    assert _move(book, B.ATERSTALLNING, "Info", "C50") == "C50:K52"
    _grow(book, "Återställning", "tblIngaendeUnderskott", {"I": Decimal(2018), "J": Decimal(10)})
    proc = _xlmodel("regenerera", str(book))
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    assert _names(book)[B.ATERSTALLNING] == "'Info'!$C$50:$K$53"
    assert [_value(book, "Info", f"C{r}") for r in (52, 53)] == [Decimal(2017), Decimal(2018)]
    assert all(_value(book, "Återställning", f"A{r}") is None for r in range(9, 16))
    assert not [f for f in _findings(_xlmodel("validera", "--format", "json", str(book)))
                if f["rule"] in CELL_RULES or f["rule"].endswith(".inaktuell")]


def test_a_book_without_names_has_its_blocks_under_the_tables(tmp_path):
    """A workbook made before the names: each block under its table, as before; regenerate
    adds the names at those places."""
    book = _copy(VN, tmp_path)
    _without_block_names(book)
    assert _xlmodel("validera", str(book)).returncode == 0
    _type(book, "Resursramar", {"E21": Decimal(0)})  # an owned cell typed over: regenerate writes the book
    proc = _xlmodel("regenerera", str(book))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert {n: _names(book)[n] for n in SHIPPED} == {n: B.name_value(s, ref) for n, (s, ref) in SHIPPED.items()}


def test_a_name_on_a_sheet_the_book_lacks_is_reported_not_guessed(tmp_path):
    """The Summa rows' name rewritten to a sheet the book does not have (the sheet renamed
    outside Excel, which left the name behind): validera reports that sheet missing under
    the part's rule and regenerera refuses, writing nothing, as for the other parts' blocks
    (before, the block went back under its table without a word)."""
    from xlmodel.xlsx.defined_names import set_defined_names

    book = _copy(VN, tmp_path)
    pkg = Package.open(book)
    _save(book, pkg, set_defined_names(pkg, {B.RESURSRAMAR: B.name_value("Borta", "A40:G42")}))
    kept = book.read_bytes()
    proc = _xlmodel("validera", "--format", "json", str(book))
    errors = [f for f in _findings(proc) if f["severity"] == "fel"]
    assert proc.returncode == 1 and [(f["rule"], f["sheet"]) for f in errors] == [("resursramar", "Borta")], errors
    assert "Bladet 'Borta' saknas" in errors[0]["message"]
    regen = _xlmodel("regenerera", str(book))
    assert regen.returncode != 0 and "Borta" in regen.stderr, regen.stdout + regen.stderr
    assert book.read_bytes() == kept

