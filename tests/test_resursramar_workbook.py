"""The resursramar workbook (Region Västernorrland, Regionplan 2020–2022, seed 002).

Built from workbooks/src/vasternorrland_regionplan_2020_2022 into a temporary folder.
The seed figures in the cells are computed by the workbook from its inputs (decided
frames, the 1 %-a-year rule, the dated 3,0 % uplift, the budgeted results); the printed
figures of the plan appear here only as what they are compared with.
"""

from __future__ import annotations

import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from xlmodel.errors import InputError
from xlmodel.findings import Severity
from xlmodel.money import excel_precision, round_half_up
from xlmodel.workbook.resursramar import sheet as RR
from xlmodel.workbook.build import build_books
from xlmodel.workbook.cells import PackageCells, TableLocation
from xlmodel.workbook.regenerate import regenerate_file
from xlmodel.workbook.validate import validate_file
from xlmodel.xlsx.atomic import save_package
from xlmodel.xlsx.package import Package
from xlmodel.xlsx.patch import CellWrite, patch_sheet

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "workbooks" / "src" / "vasternorrland_regionplan_2020_2022"
NAME = "vasternorrland_regionplan_2020_2022.xlsx"
D = Decimal

# Sheet rows of the built book (the CSV order): tblResursramar from row 5, tblFotnoter from row 5.
NHU, RATTSPSYK, FOLKHALSA, TANDVARD, RLF = 5, 11, 12, 18, 19
SUM_ROW = 21                         # table ends at 19, one blank row, then Summa / enligt planen / Differens
F1_RED, F6_RED, F7_RED, F10_RED, F11_RED = 6, 10, 13, 22, 25
CHECK = {"in": 28, "out": 29, "net": 30, "red": 31, "avk": 32, "central": 33, "total": 34, "announced": 35, "diff": 36}
LEDGER_FIRST = 13                    # title 11, header 12, one deficit

# The source discrepancies of seed 002 the workbook shows on purpose (INDEX.md, seed 002:
# vn_resursramar checks 28–34), each a WARNING on the printed figure it concerns.
EXPECTED_WARNINGS = {
    ("omstallning.publicerad", "Fotnoter", f"G{F6_RED}"),     # 1,6 printed, 3 % of 54,5/0,97 = 1,7
    ("omstallning.publicerad", "Fotnoter", f"G{F7_RED}"),     # 1,3 printed, model 1,2
    ("omstallning.publicerad", "Fotnoter", f"G{F11_RED}"),    # 12,3 printed, model 13,8
    ("omstallning.publicerad", "Resursramar", f"G{NHU}"),     # NHU 2021: 403,8 vs 403,9
    ("omstallning.publicerad", "Resursramar", f"F{TANDVARD}"),  # 199,2 vs 199,3
    ("omstallning.publicerad", "Resursramar", f"G{TANDVARD}"),  # 203,1 vs 203,2
    ("omstallning.publicerad", "Resursramar", f"F{RATTSPSYK}"),  # 52,4 vs 52,5
    ("omstallning.publicerad", "Resursramar", f"F{FOLKHALSA}"),  # 38,9 vs 38,8
    ("omstallning.publicerad", "Resursramar", f"F{RLF}"),     # 429,7 vs 435,7 (base is not the net frame)
    ("omstallning.publicerad", "Resursramar", f"G{RLF}"),     # 438,2 vs 441,6
}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("vn")
    staged = out / "src" / SRC.name
    shutil.copytree(SRC, staged)
    (path,) = build_books(staged, out)
    assert path.name == NAME
    return path


@pytest.fixture
def book(built, tmp_path) -> Path:
    target = tmp_path / NAME
    shutil.copy2(built, target)
    return target


def _set(path: Path, writes: dict[str, list[CellWrite]]) -> None:
    pkg = Package.open(path)
    for sheet, ws in writes.items():
        pkg = patch_sheet(pkg, sheet, ws)
    save_package(pkg, path, expect_sha256=Package.open(path).sha256, backup=False)


def _located(report, severity: Severity) -> set[tuple[str, str | None, str | None]]:
    return {(f.rule, f.sheet, f.cell) for f in report.findings if f.severity is severity}


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


# --- the clean book ------------------------------------------------------------------


def test_validates_with_exactly_the_documented_warnings(built):
    report = validate_file(built)
    assert report.error is None and report.kind == "resursramar"
    assert _located(report, Severity.ERROR) == set()
    assert _located(report, Severity.WARNING) == EXPECTED_WARNINGS
    assert _located(report, Severity.INFO) == set()
    assert report.checked_cells == len(RR.owned_cells(PackageCells.open(built)))
    nhu_2021 = next(f for f in report.findings if f.cell == f"G{NHU}")
    assert (nhu_2021.expected, nhu_2021.found) == (D("403.9"), D("403.8"))
    rlf = next(f for f in report.findings if f.cell == f"G{F11_RED}")
    assert (rlf.expected, rlf.found) == (D("12.3"), D("13.8"))


def test_reductions_reproduce_footnotes_1_and_10(built):
    cells = PackageCells.open(built)
    nhu = cells.value("Resursramar", f"K{NHU}")
    tandvard = cells.value("Resursramar", f"K{TANDVARD}")
    # 411,7 / 0,97 × 3 % = 12,733 and 207,1 / 0,97 × 3 % = 6,405 (RULES.md B2)
    assert round_half_up(nhu, 1) == D("12.7") and round_half_up(nhu, 3) == D("12.733")
    assert round_half_up(tandvard, 1) == D("6.4") and round_half_up(tandvard, 3) == D("6.405")
    assert round_half_up(cells.value("Resursramar", f"J{NHU}"), 2) == D("424.43")
    assert round_half_up(cells.value("Resursramar", f"L{NHU}"), 1) == D("396.1")    # back-cast 2020 = printed
    assert round_half_up(cells.value("Resursramar", f"M{NHU}"), 1) == D("403.8")    # printed 403,9
    assert cells.formula("Resursramar", f"J{NHU}") == 'IF(I5="ja",H5/(1-Parametrar!$F$18),"")'
    # the footnote sheet refers to those cells and agrees on 12,7 and 6,4 only
    assert cells.formula("Fotnoter", f"I{F1_RED}") == f"Resursramar!K{NHU}"
    status = {r: cells.value("Fotnoter", f"J{r}") for r in (F1_RED, F6_RED, F7_RED, F10_RED, F11_RED)}
    assert status == {F1_RED: "stämmer", F6_RED: "avviker", F7_RED: "avviker", F10_RED: "stämmer",
                      F11_RED: "avviker"}
    # rows outside the general reduction get no reduction
    assert cells.value("Resursramar", "K6") in (None, "")


def test_parameters_come_from_the_dated_index_and_the_additive_rule(built):
    cells = PackageCells.open(built)
    rates = [cells.value("Parametrar", f"B{r}") for r in range(15, 19)]
    assert rates == [D("0.028"), D("0.03"), D("0.03"), D("0.03")]
    # The source cell names the document the dated parameter comes from, not its internal key.
    source = cells.value("Parametrar", "D16")
    assert source.startswith("Uppräkning 2020: Region Västernorrland, Regionplan 2020–2022, avsnitt 3.3")
    assert "index." not in source
    assert [cells.value("Parametrar", f"F{r}") for r in range(15, 19)] == [0, D("0.01"), D("0.02"), D("0.03")]
    assert cells.value("Parametrar", "G16") == D("1.0609")


def test_sum_row_reconciles_to_the_printed_summa(built):
    cells = PackageCells.open(built)
    sums = [cells.value("Resursramar", f"{c}{SUM_ROW}") for c in "EFGH"]
    assert sums == [D("7605.9"), D("7816.1"), D("8043.5"), D("8280.9")]
    assert cells.formula("Resursramar", f"H{SUM_ROW}") == "H5+H6+H14+H15+H16"   # the nämnder, not their varav rows
    assert [cells.value("Resursramar", f"{c}{SUM_ROW + 2}") for c in "EFGH"] == [0, 0, 0, 0]


def test_footnote_checks_transfers_and_the_194(built):
    cells = PackageCells.open(built)
    v = {k: cells.value("Fotnoter", f"G{r}") for k, r in CHECK.items()}
    assert (v["in"], v["out"], v["net"]) == (D("85.5"), D("-85.5"), 0)   # 72,8 + 8,7 + 3,0 + 0,6 + 0,3 + 0,1
    assert (v["red"], v["avk"], v["central"]) == (D("34.3"), D("41.6"), D("118.1"))
    assert v["total"] == D("194") and v["diff"] == 0


def test_restoration_of_146_by_2020(built):
    cells = PackageCells.open(built)
    ledger = [cells.value("Återställning", f"{c}{LEDGER_FIRST}") for c in "ABCDEFGHI"]
    assert ledger == [2017, 146, 146, 0, 0, 0, 2020, 2020, "återställd"]
    per_year = [[cells.value("Återställning", f"{c}{r}") for c in "EFG"] for r in range(5, 9)]
    assert per_year == [[97, 49, 0], [49, 0, 5], [0, 0, 12], [0, 0, 51]]


def test_up_to_date_book_regenerates_nothing(book):
    before = book.read_bytes()
    result = regenerate_file(book)
    assert result.changes == [] and not result.written
    assert book.read_bytes() == before


# --- changed inputs ------------------------------------------------------------------------


def test_changed_frame_makes_the_computed_cells_stale_and_regenerate_fixes_them(book):
    _set(book, {"Resursramar": [CellWrite(f"H{NHU}", D("420"))]})
    report = validate_file(book)
    stale = {(f.sheet, f.cell): f for f in report.findings if f.rule == "resursramar"}
    assert set(stale) == {
        ("Resursramar", f"J{NHU}"), ("Resursramar", f"K{NHU}"), ("Resursramar", f"L{NHU}"),
        ("Resursramar", f"M{NHU}"), ("Resursramar", f"H{SUM_ROW}"), ("Resursramar", f"H{SUM_ROW + 2}"),
        ("Fotnoter", f"I{F1_RED}"),
    }
    unreduced = D(420) / (1 - D("0.03"))
    assert stale[("Resursramar", f"J{NHU}")].expected == unreduced
    assert stale[("Resursramar", f"K{NHU}")].expected == unreduced * D("0.03")
    assert stale[("Resursramar", f"H{SUM_ROW}")].expected == D("8280.9") - D("411.7") + D(420)
    assert stale[("Resursramar", f"H{SUM_ROW}")].found == D("8280.9")
    texts = {(f.sheet, f.cell) for f in report.findings if f.rule == "resursramar.text"}
    assert texts == {("Fotnoter", f"J{F1_RED}")}   # 12,7 no longer agrees: "stämmer" is stale
    # and the plan's own figures are now contradicted: 2022 Summa and footnote 1
    warnings = _located(report, Severity.WARNING) - EXPECTED_WARNINGS
    assert warnings == {("resursramar.summa", "Parametrar", "C18"), ("omstallning.publicerad", "Fotnoter", f"G{F1_RED}"),
                        ("omstallning.publicerad", "Resursramar", f"F{NHU}")}

    before = _parts(book)
    result = regenerate_file(book)
    assert result.written
    assert {(c.sheet, c.cell) for c in result.changes} == set(stale) | texts
    after = _parts(book)
    pkg = Package.open(book)
    changed = {n for n in before if before[n] != after.get(n)} | (set(after) - set(before))
    assert changed <= {pkg.sheet_part("Resursramar"), pkg.sheet_part("Fotnoter"), "xl/workbook.xml"}
    again = validate_file(book)
    assert _located(again, Severity.ERROR) == set()
    cells = PackageCells.open(book)
    assert cells.value("Resursramar", f"K{NHU}") == excel_precision(unreduced * D("0.03"))  # 15 digits, as Excel
    assert cells.value("Fotnoter", f"J{F1_RED}") == "avviker"


def test_compounding_method_changes_every_share_and_loses_footnote_1(book):
    _set(book, {"Parametrar": [CellWrite("C8", "sammansatt")]})
    stale = {f.cell for f in validate_file(book).findings if f.sheet == "Parametrar" and f.rule == "resursramar"}
    assert stale == {"F17", "F18"}   # k = 2, 3: 1 − 0,99^k differs from k %; k = 0, 1 do not
    regenerate_file(book)
    report = validate_file(book)
    assert _located(report, Severity.ERROR) == set()
    cells = PackageCells.open(book)
    # 411,7 / 0,99³ × (1 − 0,99³) = 12,60: the seed's 12,7 is additive, not compounding
    assert round_half_up(cells.value("Resursramar", f"K{NHU}"), 2) == D("12.60")
    assert ("omstallning.publicerad", "Fotnoter", f"G{F1_RED}") in _located(report, Severity.WARNING)


def test_transfer_that_does_not_net_to_zero_is_an_error(book):
    _set(book, {"Fotnoter": [CellWrite("G5", D("80"))]})     # NHU receives 80, the others give 85,5
    regenerate_file(book)
    report = validate_file(book)
    errors = [f for f in report.findings if f.is_error()]
    assert [(f.rule, f.sheet, f.cell, f.found) for f in errors] == [
        ("resursramar.overforing_netto", "Fotnoter", f"G{CHECK['net']}", D("-5.5"))]


def test_restoration_that_misses_its_deadline_is_an_error_on_the_ledger(book):
    _set(book, {"Återställning": [CellWrite("C6", D("40"))]})   # 2020: 40 instead of 54 → 9 left after 2020
    regenerate_file(book)
    report = validate_file(book)
    errors = _located(report, Severity.ERROR)
    assert errors == {("aterstallning.forsenad", "Återställning", f"I{LEDGER_FIRST}")}
    assert ("aterstallning.mal_ej_uppnatt", "Återställning", f"I{LEDGER_FIRST}") in _located(report, Severity.WARNING)
    cells = PackageCells.open(book)
    assert cells.value("Återställning", f"I{LEDGER_FIRST}") == "återställd för sent"
    assert cells.value("Återställning", f"D{LEDGER_FIRST}") == 146 - 97 - 40


@pytest.mark.parametrize("sheet, ref, value, where", [
    ("Resursramar", f"I{NHU}", "kanske", ("Resursramar", f"I{NHU}")),          # ja/nej
    ("Fotnoter", f"C{F1_RED}", "okänd_rad", ("Fotnoter", f"C{F1_RED}")),      # no such frame row
    ("Fotnoter", f"D{F1_RED}", "besparing", ("Fotnoter", f"D{F1_RED}")),      # unknown footnote kind
    ("Resursramar", f"I{TANDVARD}", "nej", ("Fotnoter", f"C{F10_RED}")),       # reduction footnote on a row not reduced
    ("Parametrar", "C8", "geometrisk", ("Parametrar", "C8")),                 # unknown method
    ("Parametrar", "C7", "1", ("Parametrar", "C7")),                          # 1 typed for 1 %: 100 % is refused
])
def test_bad_inputs_are_errors_at_their_cell(book, sheet, ref, value, where):
    _set(book, {sheet: [CellWrite(ref, value)]})
    errors = [f for f in validate_file(book).findings if f.is_error()]
    assert [(f.sheet, f.cell) for f in errors] == [where]
    with pytest.raises(InputError) as exc:
        RR.owned_cells(PackageCells.open(book))
    assert (exc.value.sheet, exc.value.cell) == where


class _ShorterFootnotes(PackageCells):
    """The workbook as it reads after a controller made tblFotnoter one row shorter with
    Resize Table: the table ends a row higher, the cells under it (and the defined names)
    stay where they were."""

    def table(self, name: str) -> TableLocation | None:
        loc = super().table(name)
        if loc is not None and loc.name == "tblFotnoter":
            return TableLocation(loc.name, loc.sheet, loc.ref.replace(str(F11_RED + 1), str(F11_RED)), loc.has_totals)
        return loc


def _without_block_names(path: Path, to: Path) -> Path:
    """A copy of the workbook at ``path`` as xlmodel wrote it before the block names."""
    import re

    pkg = Package.open(path)
    xml = pkg.part(pkg.workbook_part).decode("utf-8")
    xml = re.sub(r'<definedName name="xlmodel_[^"]*">[^<]*</definedName>', "", xml)
    to.write_bytes(pkg.with_parts({pkg.workbook_part: xml.encode("utf-8")}).to_bytes())
    return to


def test_a_shorter_table_moves_its_check_block_and_the_old_row_is_cleared(built, tmp_path):
    """A workbook without the block names: the check block stands under the table, so it
    moves up a row, and its old last row is found by its text and cleared."""
    cells = _ShorterFootnotes(Package.open(_without_block_names(built, tmp_path / NAME)))
    plans = {p.sheet: p for p in RR.sheet_plans(cells)}
    last = CHECK["diff"]
    assert plans["Fotnoter"].clear == [f"E{last}:G{last}"]          # the old "Differens" row
    assert plans["Resursramar"].clear == [] and plans["Återställning"].clear == []
    labels = {oc.ref: oc.value for oc in plans["Fotnoter"].cells if oc.ref.startswith("E")}
    assert labels[f"E{CHECK['in'] - 1}"] == "Överföringar till mottagande rader"
    # the 26,7 avkastningskrav is gone: 34,3 + 14,9 + 118,1 no longer gives 194
    report_rules = {f.rule for f in plans["Fotnoter"].findings} | {f.rule for f in plans["Parametrar"].findings}
    assert "resursramar.nettokostnadsreduceringar" in report_rules
    findings, _ = RR.validate_resursramar(cells)
    assert ("resursramar.inaktuell", "Fotnoter", f"E{last}") in {(f.rule, f.sheet, f.cell) for f in findings}


def test_a_table_shortened_under_its_named_check_block_leaves_the_block_where_its_name_is(built):
    """With the block names (as built): the name still points a row further down than the
    place under the shortened table, which is where a block moved by the user would be, so
    the block stays there (one blank row more above it) and nothing is cleared; its sums
    cover the shortened table."""
    cells = _ShorterFootnotes(Package.open(built))
    plans = {p.sheet: p for p in RR.sheet_plans(cells)}
    assert plans["Fotnoter"].clear == []
    owned = {oc.ref: oc for oc in plans["Fotnoter"].cells}
    assert owned[f"E{CHECK['in']}"].value == "Överföringar till mottagande rader"
    assert owned[f"E{CHECK['diff']}"].value == "Differens" and f"E{CHECK['in'] - 1}" not in owned
    assert owned[f"G{CHECK['in']}"].formula.startswith(f"SUMIFS(G5:G{F11_RED},D5:D{F11_RED},")
    findings, _ = RR.validate_resursramar(cells)
    assert not [f for f in findings if f.rule == "resursramar.inaktuell"]


def _edit_source(tmp_path: Path, name: str, old: str, new: str) -> Path:
    staged = tmp_path / "src" / SRC.name
    shutil.copytree(SRC, staged)
    path = staged / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return staged


@pytest.mark.parametrize("name, old, new, where", [
    ("fotnoter.csv", "nhu,reduktion", "nhu,besparing", ("fotnoter.csv", "rad 3, kolumn 'Typ'")),
    ("resursramar.csv", "411.7,ja", "411.7,x", ("resursramar.csv", "rad 2, kolumn 'Generell reduktion'")),
    # 2023 is past the dated index parameter: no silent default
    ("planar.csv", "2022,,8280.9", "2023,,8280.9", ("planar.csv", "rad 5, kolumn 'År'")),
    # a key of bok.toml: the file as given (here the staged path), its line and the key
    ("bok.toml", 'reduction_method = "additiv"', 'reduction_method = "linjär"', ("bok.toml", "reduction_method")),
])
def test_a_bad_source_is_refused_naming_file_and_line(tmp_path, name, old, new, where):
    staged = _edit_source(tmp_path, name, old, new)
    if name == "bok.toml":
        lines = (staged / name).read_text(encoding="utf-8").splitlines()
        line = next(n for n, x in enumerate(lines, 1) if x.startswith(where[1] + " "))
        where = (str(staged / name), f"rad {line}, nyckel '{where[1]}'")
    with pytest.raises(InputError) as exc:
        build_books(staged, tmp_path / "out")
    assert (exc.value.sheet, exc.value.cell) == where
    assert not (tmp_path / "out" / NAME).exists()
