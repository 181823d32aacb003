"""Parts found by their tables on a sheet the user has renamed (issue 12, "parts anywhere").

A controller renames a sheet in Excel: Balanskrav becomes "Balanskrav 2026", Resultatbudget
"RB", Driftredovisning "Drift 2021". Excel then rewrites every reference to the sheet:
cell formulas, defined names (the ``xlmodel_`` block names among them), chart series,
the list of sheets in docProps/app.xml. ``rename_sheet`` does the same to a shipped
workbook at the package level, leaving every other byte of each part as it was (a save
by openpyxl or LibreOffice would rewrite the whole file and change findings of its own:
LibreOffice lower-cases xlmodel's functions and caches #NAME?).

For each shipped workbook and renamed sheet: ``validera`` gives the same findings as
the shipped file, with the new name where a finding names the sheet; ``regenerera`` has
nothing to write; and with the formulas that name the renamed sheet from another sheet
removed (left as their cached values), ``regenerera`` writes them back naming the sheet as
Excel does (``formula_sheet``: quoted where the name needs it) and the file validates
as the shipped one. Older books without the ``xlmodel_`` names find the block on the
table's sheet. LibreOffice recalculates the rewritten formulas to the same values (they
are valid references to the renamed sheet, not #REF! or #NAME?).
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from xlmodel.xlsx.refs import formula_sheet, quote_sheet

ROOT = Path(__file__).resolve().parents[1]
WORKBOOKS = ROOT / "workbooks"
REGIONPLAN = "vasterbotten_regionplan_2021.xlsm"
DELARSRAPPORT = "vasterbotten_delarsrapport_2021_08.xlsm"
RESURSRAMAR = "vasternorrland_regionplan_2020_2022.xlsx"

# Elements whose text is a formula (cells, charts, defined names, validations, conditional formats).
_FORMULA_ELEMENT = re.compile(
    r"(<(f|c:f|definedName|formula|formula1|formula2)(?:\s[^>]*)?>)(.*?)(</\2>)", re.S)


def _sheet_ref(name: str) -> re.Pattern[str]:
    """A reference to sheet ``name`` in formula text as the XML stores it: bare or quoted, then "!"."""
    quoted = re.escape(escape(quote_sheet(name))).replace("'", "(?:'|&apos;)")
    return re.compile(r"(?<![\w.'])(?:%s|%s)!" % (re.escape(escape(name)), quoted))


def rename_sheet(src: Path, dst: Path, old: str, new: str, *, drop_names: tuple[str, ...] = ()) -> None:
    """Copy ``src`` to ``dst`` with sheet ``old`` renamed ``new`` as Excel renames it;
    ``drop_names``: defined names left out (a book built before the block names)."""
    ref = _sheet_ref(old)
    to = escape(formula_sheet(new)) + "!"

    def fix(m: re.Match[str]) -> str:
        return m.group(1) + ref.sub(lambda _m: to, m.group(3)) + m.group(4)

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            name = info.filename
            if name.startswith("xl/") and name.endswith(".xml") and name != "xl/sharedStrings.xml":
                text = _FORMULA_ELEMENT.sub(fix, data.decode("utf-8"))
                text = re.sub(r'(location=")([^"]*)(")', lambda m: m.group(1) + ref.sub(lambda _m: to, m.group(2)) + m.group(3), text)
                if name == "xl/workbook.xml":
                    tag = f'<sheet name="{escape(old)}"'
                    assert tag in text
                    text = text.replace(tag, f'<sheet name="{escape(new, {chr(34): "&quot;"})}"')
                    for dropped in drop_names:
                        text, n = re.subn(r'<definedName name="%s"[^>]*>[^<]*</definedName>' % re.escape(dropped), "", text)
                        assert n == 1, dropped
                data = text.encode("utf-8")
            elif name == "docProps/app.xml":
                data = data.replace(f"<vt:lpstr>{escape(old)}</vt:lpstr>".encode(),
                                    f"<vt:lpstr>{escape(new)}</vt:lpstr>".encode())
            zout.writestr(info, data)


def strip_references(path: Path, sheet: str) -> int:
    """Remove, in place, every plain cell formula on another sheet that names ``sheet``
    (the cell keeps its cached value): regenerate must write them back. Returns how many."""
    ref = _sheet_ref(sheet)
    simple = re.compile(r"<f>([^<]*)</f>")
    count = 0
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.startswith("xl/worksheets/sheet"):
                def drop(m: re.Match[str]) -> str:
                    nonlocal count
                    if ref.search(m.group(1)):
                        count += 1
                        return ""
                    return m.group(0)
                data = simple.sub(drop, data.decode("utf-8")).encode("utf-8")
            zout.writestr(info, data)
    tmp.replace(path)
    return count


def findings(path: Path, old: str | None = None, new: str | None = None) -> tuple[int, list[str]]:
    """(cells checked, the findings) of ``validera`` on ``path``, the findings as comparable
    text with sheet ``new`` written ``old``."""
    from xlmodel.workbook.validate import validate_file

    report = validate_file(path)
    assert report.error is None, report.error
    out = []
    for f in report.findings:
        d = f.model_dump(mode="json")
        if new is not None and d.get("sheet") == new:
            d["sheet"] = old
        out.append(json.dumps(d, sort_keys=True, ensure_ascii=False))
    return report.checked_cells, sorted(out)


def regenerate(path: Path):
    from xlmodel.workbook.regenerate import regenerate_file

    return regenerate_file(path, backup=False)


# (workbook, sheet, new name, defined names dropped, cross-sheet formulas that name the sheet)
CASES = [
    (REGIONPLAN, "Balanskrav", "Balanskrav 2026", ()),
    (REGIONPLAN, "Balanskrav", "BK", ("xlmodel_Balanskrav",)),
    (REGIONPLAN, "Resultatbudget", "RB", ()),
    (REGIONPLAN, "Resultatbudget", "2026", ("xlmodel_Resultatbudget", "xlmodel_Finansiella_mal")),
    (DELARSRAPPORT, "Driftredovisning", "Drift 2021", ()),
    (DELARSRAPPORT, "Driftredovisning", "Augustis drift", ()),
    (DELARSRAPPORT, "Driftredovisning", "O'Neil", ()),
    (DELARSRAPPORT, "Balanskravsutredning", "BKU 2021", ()),
    (DELARSRAPPORT, "Omställning", "Omst", ()),
    (DELARSRAPPORT, "Uppföljning", "Uppf 2021", ("xlmodel_Uppfoljning_Summering", "xlmodel_Uppfoljning_Avstamning")),
    (DELARSRAPPORT, "Prognos", "2026", ("xlmodel_Prognos", "xlmodel_Prognos_Aterstallning", "xlmodel_Prognos_Balanskrav",
                                        "xlmodel_Prognos_Diff")),
    (REGIONPLAN, "Ramtabell", "Ramtabell O'Neil", ()),   # the Diagram's formulas name it, apostrophe doubled
    (RESURSRAMAR, "Resursramar", "Resursramar 2020", ()),
    (RESURSRAMAR, "Parametrar", "Param 2020", ()),
]


def _sheets(book: str) -> list[str]:
    text = zipfile.ZipFile(WORKBOOKS / book).read("xl/workbook.xml").decode()
    return [s for s in re.findall(r'<sheet name="([^"]+)"', text) if s != "xlwings.conf"]


# Every sheet of every shipped workbook, renamed as Excel renames it (the block names follow).
EVERY_SHEET = [(book, sheet, f"{sheet} 2026", ()) for book in (REGIONPLAN, DELARSRAPPORT, RESURSRAMAR)
               for sheet in _sheets(book)]
CASES += [c for c in EVERY_SHEET if c[1] not in {x[1] for x in CASES if x[0] == c[0]}]


@pytest.fixture(scope="module")
def shipped() -> dict[str, list[str]]:
    return {name: findings(WORKBOOKS / name) for name in (REGIONPLAN, DELARSRAPPORT, RESURSRAMAR)}


@pytest.mark.parametrize(("book", "old", "new", "dropped"), CASES,
                         ids=[f"{c[1]}->{c[2]}" + ("-utan-namn" if c[3] else "") for c in CASES])
def test_renamed_sheet_validates_and_regenerates(tmp_path, shipped, book, old, new, dropped):
    path = tmp_path / book
    rename_sheet(WORKBOOKS / book, path, old, new, drop_names=dropped)
    assert findings(path, old, new) == shipped[book]
    before = path.read_bytes()
    regenerate(path)
    assert path.read_bytes() == before  # nothing to write: every owned cell is where the tables say
    removed = strip_references(path, new)
    regenerate(path)
    assert findings(path, old, new) == shipped[book]
    if removed:
        text = zipfile.ZipFile(path).read("xl/workbook.xml").decode()
        assert f'name="{escape(new, {chr(34): "&quot;"})}"' in text
        formulas = "".join(zipfile.ZipFile(path).read(n).decode() for n in zipfile.ZipFile(path).namelist()
                           if n.startswith("xl/worksheets/sheet"))
        assert len(_sheet_ref(new).findall(formulas)) >= removed


def test_cross_sheet_formulas_exist_for_the_renames_that_need_them(tmp_path):
    """The renames whose regenerate path writes formulas naming the sheet really have them
    (so the test above checks formula_sheet there, not an empty list)."""
    counts = {}
    for book, old, new in ((RESURSRAMAR, "Resursramar", "Resursramar 2020"), (RESURSRAMAR, "Parametrar", "Param 2020"),
                           (DELARSRAPPORT, "Driftredovisning", "O'Neil"), (DELARSRAPPORT, "Balanskravsutredning", "BKU 2021")):
        path = tmp_path / f"{old}_{book}"
        rename_sheet(WORKBOOKS / book, path, old, new)
        counts[old] = strip_references(path, new)
    assert all(n > 0 for n in counts.values()), counts


def test_without_rename_the_helper_changes_nothing(tmp_path, shipped):
    path = tmp_path / REGIONPLAN
    rename_sheet(WORKBOOKS / REGIONPLAN, path, "Balanskrav", "Balanskrav")
    assert findings(path) == shipped[REGIONPLAN]


@pytest.mark.parametrize(("book", "old", "new", "cell", "title"), [
    (DELARSRAPPORT, "Driftredovisning", "Drift 2021", "L5", "Avvikelse: Regionstyrelsen"),
    (DELARSRAPPORT, "Balanskravsutredning", "BKU 2021", "C16", "Balanskravsresultat"),
    (REGIONPLAN, "Resultatbudget", "RB", "K5", "Verksamhetens resultat, Bokslut 2019"),
])
def test_forklara_on_a_renamed_sheet(tmp_path, book, old, new, cell, title):
    """``forklara`` explains a computed cell on the renamed sheet as on the shipped one."""
    from xlmodel.workbook.forklara import explain_file

    path = tmp_path / book
    rename_sheet(WORKBOOKS / book, path, old, new)
    shipped = explain_file(WORKBOOKS / book, f"{formula_sheet(old)}!{cell}")
    renamed = explain_file(path, f"{formula_sheet(new)}!{cell}")
    assert shipped.title == renamed.title == title
    assert renamed.rule == shipped.rule and renamed.rule
    assert [i.cell for i in renamed.inputs] == [i.cell for i in shipped.inputs]
    assert {i.sheet for i in renamed.inputs} - {i.sheet for i in shipped.inputs} <= {new}


def test_cli_on_a_renamed_sheet(tmp_path):
    """The two commands as a user runs them, on a delårsrapport whose Driftredovisning is
    now 'Drift 2021': validera reads it (it used to say the sheet is missing) and names
    the new sheet; regenerera writes the summary's formulas with the name quoted."""
    from test_adopt import run_cli

    path = tmp_path / DELARSRAPPORT
    rename_sheet(WORKBOOKS / DELARSRAPPORT, path, "Driftredovisning", "Drift 2021")
    run = run_cli("validera", "--format", "json", path.name, cwd=tmp_path)
    report = json.loads(run.stdout)["files"][0]
    assert report["error"] is None and report["status"] == "ok", run.stdout
    assert {f["sheet"] for f in report["findings"]} >= {"Drift 2021"}
    assert "Driftredovisning" not in {f["sheet"] for f in report["findings"]}
    assert strip_references(path, "Drift 2021") > 0
    run = run_cli("regenerera", "--ingen-backup", path.name, cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "'Drift 2021'!" in run.stdout
    run = run_cli("validera", path.name, cwd=tmp_path)
    assert run.returncode == 0, run.stdout


def test_regenerated_references_compute_in_libreoffice(tmp_path, soffice):
    """The formulas regenerate wrote on the renamed sheets are references LibreOffice
    resolves: recalculated, each has the value xlmodel cached (no #REF!, no #NAME?)."""
    from xlmodel.testing import CellError
    from xlmodel.testing.libreoffice import recalc_values
    from xlmodel.workbook.cells import PackageCells

    books = {}
    for book, old, new in ((RESURSRAMAR, "Resursramar", "Resursramar 2020"),
                           (DELARSRAPPORT, "Driftredovisning", "O'Neil")):
        path = tmp_path / book
        rename_sheet(WORKBOOKS / book, path, old, new)
        assert strip_references(path, new) > 0
        regenerate(path)
        books[path] = new
    values = recalc_values(list(books), soffice=soffice)
    checked = 0
    for path, new in books.items():
        cells = PackageCells.open(path)
        ref = _sheet_ref(new)
        for sheet in cells.sheet_names():
            if sheet == new:
                continue
            for at in cells.cells(sheet):
                formula = cells.formula(sheet, at)
                if not formula or not re.search(re.escape(formula_sheet(new)) + "!", formula):
                    continue
                got = values[path][sheet].get(at)
                assert not isinstance(got, CellError), (sheet, at, formula, got)
                want = cells.value(sheet, at)
                if isinstance(want, Decimal):
                    assert abs(Decimal(str(got)) - want) < Decimal("0.0001"), (sheet, at, formula, got, want)
                else:
                    assert str(got or "") == str(want or ""), (sheet, at, formula, got, want)
                checked += 1
        del ref
    assert checked >= 10


@pytest.mark.parametrize(("name", "written"), [
    ("Balanskrav", "Balanskrav"),
    ("Förändringar", "Förändringar"),
    ("Återställning", "Återställning"),
    ("xlwings.conf", "xlwings.conf"),
    ("_tmp", "_tmp"),
    ("BK", "BK"),
    ("Balanskrav 2026", "'Balanskrav 2026'"),
    ("O'Neil", "'O''Neil'"),
    ("2026", "'2026'"),
    ("2026 plan", "'2026 plan'"),
    ("Drift-2021", "'Drift-2021'"),
    (".dold", "'.dold'"),
    ("A1", "'A1'"),          # a cell reference
    ("XFD1048576", "'XFD1048576'"),
    ("R1C1", "'R1C1'"),      # a row-column reference
    ("R", "'R'"),
    ("c", "'c'"),
    ("TRUE", "'TRUE'"),
])
def test_formula_sheet_quotes_where_excel_does(name, written):
    assert formula_sheet(name) == written
    assert quote_sheet(name).startswith("'")  # the always-quoted form stays for defined names
