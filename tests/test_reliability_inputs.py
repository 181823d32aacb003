"""Bad input everywhere it enters: ``regenerera``, ``validera`` and ``bygg``.

Every case is a copy of a shipped workbook damaged the way it happens in practice (a
cell typed over, a sheet or table renamed, a defined name pointing elsewhere), made
with the lossless patcher (``xlmodel.xlsx.patch``) or by editing package parts
(``Package.with_parts``). The table ``CASES`` lists each case with how the workbook is
damaged and the ONE message expected: sheet, cell, rule id and a Swedish text.

For each bad case:
- ``regenerera`` refuses with exit 2 and one line on stderr naming sheet, cell and rule;
  the file keeps its bytes, and no temp file or backup appears. Cases marked ``cli``
  run the real process (``python -m xlmodel regenerera FILE``); the others run the
  Python API (``regenerate_file``), which must raise the same error.
- ``validera`` reports exactly one ERROR finding with that sheet, cell and rule (exit 1)
  - all cases in one real ``python -m xlmodel validera --format json`` process, and
  each through ``validate_file`` too. A damaged *file* (a number Excel cannot store) is
  not an input error but an unreadable file: exit 2 with the sheet and cell named.

Decisions (docs/reliability.md): Swedish number text ("1 234,5", "16,86", "–45",
"1,78 %") in a number cell is ACCEPTED as the number it reads as, as
``money.parse_amount`` accepts it everywhere; cases ``accept_*`` check the number the
rules then use. A defined name that is missing falls back to the layout's cell.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Callable

import pytest

from xlmodel.errors import InputError, WorkbookError, XlmodelError
from xlmodel.findings import Severity
from xlmodel.money import round_half_up
from xlmodel.workbook.regenerate import regenerate_file
from xlmodel.workbook.validate import validate_file
from xlmodel.xlsx import CellWrite, ExcelError, Package, patch_sheet, read_cells, read_values

ROOT = Path(__file__).resolve().parents[1]
REGIONPLAN = ROOT / "workbooks" / "vasterbotten_regionplan_2021.xlsm"
DELARSRAPPORT = ROOT / "workbooks" / "vasterbotten_delarsrapport_2021_08.xlsm"
REGIONPLAN_SRC = ROOT / "workbooks" / "src" / "vasterbotten_regionplan_2021"

Damage = Callable[[Package], Package]


# ----------------------------------------------------------------------------- damage


def cells(sheet: str, values: dict[str, object]) -> Damage:
    """Type values over cells (str is text, ExcelError an error value, None a blank)."""
    return lambda pkg: patch_sheet(pkg, sheet, [CellWrite(ref, v) for ref, v in values.items()])


def table_part(table: str) -> str:
    """The package part of the shipped regionplan's Excel Table ``table`` (its number
    follows the order of the workbook's tables, which changes when a table is added)."""
    import zipfile

    with zipfile.ZipFile(REGIONPLAN) as zf:
        return next(n for n in zf.namelist()
                    if n.startswith("xl/tables/") and f'name="{table}"'.encode() in zf.read(n))


def part_text(part: str, old: str, new: str) -> Damage:
    """Replace text in one package part (renaming a sheet, a table, a defined name)."""

    def apply(pkg: Package) -> Package:
        data = pkg.part(part)
        assert old.encode() in data, f"{old!r} finns inte i {part}"
        return pkg.with_parts({part: data.replace(old.encode(), new.encode())})

    return apply


def raw_number(sheet_part: str, ref: str, text: str) -> Damage:
    """Put a literal into a number cell's <v>: what no patcher writes (NaN, INF, 1E+400)."""

    def apply(pkg: Package) -> Package:
        data = pkg.part(sheet_part)
        new, n = re.subn(rb'(<c r="' + ref.encode() + rb'"[^>]*>)<v>[^<]*</v>', rb"\g<1><v>" + text.encode() + b"</v>", data)
        assert n == 1
        return pkg.with_parts({sheet_part: new})

    return apply


def date_in(sheet: str, ref: str, serial: int) -> Damage:
    """A date typed into a number cell: Excel stores the serial and a date format (id 14)."""

    def apply(pkg: Package) -> Package:
        styles = pkg.part("xl/styles.xml")
        m = re.search(rb'<cellXfs count="(\d+)"', styles)
        count = int(m.group(1))
        styles = styles.replace(m.group(0), b'<cellXfs count="%d"' % (count + 1))
        styles = styles.replace(b"</cellXfs>", b'<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" '
                                               b'applyNumberFormat="1"/></cellXfs>')
        pkg = pkg.with_parts({"xl/styles.xml": styles})
        return patch_sheet(pkg, sheet, [CellWrite(ref, serial, style=count)])

    return apply


def header_renamed(table_part: str, old: str, new: str) -> Damage:
    """Rename a table column the way Excel does: the header cell and the table part."""

    def apply(pkg: Package) -> Package:
        sst = pkg.part("xl/sharedStrings.xml").replace(f">{old}<".encode(), f">{new}<".encode())
        tbl = pkg.part(table_part).replace(f'"{old}"'.encode(), f'"{new}"'.encode())
        return pkg.with_parts({"xl/sharedStrings.xml": sst, table_part: tbl})

    return apply


def defined_names_removed(pkg: Package) -> Package:
    wb = pkg.part("xl/workbook.xml")
    return pkg.with_parts({"xl/workbook.xml": re.sub(rb"<definedNames>.*</definedNames>", b"", wb)})


def both(*damages: Damage) -> Damage:
    def apply(pkg: Package) -> Package:
        for d in damages:
            pkg = d(pkg)
        return pkg

    return apply


# ----------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class Case:
    id: str
    how: str                 # how the workbook is damaged (for the reader of this table)
    damage: Damage
    sheet: str | None        # the message names this sheet …
    cell: str | None         # … and this cell (None: a whole sheet or table is missing)
    rule: str | None         # rule id (None: a damaged file, not an input error)
    text: str                # Swedish message substring
    via: str = "api"         # "cli": regenerera through the real process
    book: Path = REGIONPLAN


RAMAR, PARAMS, CHANGES, RB, BK, PUB = "Ramar", "Parametrar", "Förändringar", "Resultatbudget", "Balanskrav", "Publicerat"
SHEET_RAMAR = "xl/worksheets/sheet3.xml"

CASES: list[Case] = [
    # --- blanks, text, errors, booleans, dates, NaN/inf, huge numbers
    Case("blank_amount", "Ramar D5 (föregående års ram) tömd", cells(RAMAR, {"D5": None}),
         RAMAR, "D5", "ramtabell", "'Budgetram föregående år' saknas (tom cell)", "cli"),
    Case("text_in_amount", "Ramar D5 = text 'abc'", cells(RAMAR, {"D5": "abc"}),
         RAMAR, "D5", "ramtabell", "'abc' är inget tal", "cli"),
    Case("text_in_param", "Parametrar C5 (Budgetår) = 'tjugo'", cells(PARAMS, {"C5": "tjugo"}),
         PARAMS, "C5", "ramtabell", "'tjugo' är inget tal"),
    Case("text_in_change", "Förändringar E5 (Belopp) = '5 mkr'", cells(CHANGES, {"E5": "5 mkr"}),
         CHANGES, "E5", "ramtabell", "'5 mkr' är inget tal", "cli"),
    Case("error_na", "Ramar D5 = #N/A (felvärde)", cells(RAMAR, {"D5": ExcelError("#N/A")}),
         RAMAR, "D5", "ramtabell", "felvärdet #N/A", "cli"),
    Case("error_value", "Förändringar E5 = #VALUE!", cells(CHANGES, {"E5": ExcelError("#VALUE!")}),
         CHANGES, "E5", "ramtabell", "felvärdet #VALUE!"),
    Case("error_name_param", "Parametrar C6 (Standardindex) = #NAME?", cells(PARAMS, {"C6": ExcelError("#NAME?")}),
         PARAMS, "C6", "ramtabell", "felvärdet #NAME?", "cli"),
    Case("error_as_text", "Ramar D6 = texten '#N/A' (inklistrad)", cells(RAMAR, {"D6": "#N/A"}),
         RAMAR, "D6", "ramtabell", "felvärdet #N/A"),
    Case("error_in_text_column", "Ramar B5 (Post) = #REF!", cells(RAMAR, {"B5": ExcelError("#REF!")}),
         RAMAR, "B5", "ramtabell", "felvärdet #REF!"),
    Case("bool_in_amount", "Ramar D5 = SANT", cells(RAMAR, {"D5": True}),
         RAMAR, "D5", "ramtabell", "sant/falskt (True) är inget belopp", "cli"),
    Case("bool_in_text", "Ramar B5 (Post) = FALSKT", cells(RAMAR, {"B5": False}),
         RAMAR, "B5", "ramtabell", "'Post' ska vara text, inte FALSKT"),
    Case("date_in_amount", "Ramar D5 = 2021-01-01 (datum, serie 44197 med datumformat)", date_in(RAMAR, "D5", 44197),
         RAMAR, "D5", "ramtabell", "ett datum (2021-01-01) är inget belopp", "cli"),
    Case("date_in_year", "Resultatbudget A5 (År) = 2019-01-01 som datum", date_in(RB, "A5", 43466),
         RB, "A5", "resultatbudget", "ett datum (2019-01-01) är inget belopp"),
    Case("date_as_text", "Förändringar E5 = texten '2021-01-01'", cells(CHANGES, {"E5": "2021-01-01"}),
         CHANGES, "E5", "ramtabell", "'2021-01-01' är inget tal"),
    Case("nan_in_file", "Ramar D5 <v>NaN</v> (skadad fil)", raw_number(SHEET_RAMAR, "D5", "NaN"),
         RAMAR, "D5", None, "tal som Excel inte kan lagra", "cli"),
    Case("inf_in_file", "Ramar D5 <v>INF</v> (skadad fil)", raw_number(SHEET_RAMAR, "D5", "INF"),
         RAMAR, "D5", None, "tal som Excel inte kan lagra"),
    Case("beyond_double", "Ramar D5 <v>1E+400</v> (skadad fil)", raw_number(SHEET_RAMAR, "D5", "1E+400"),
         RAMAR, "D5", None, "tal som Excel inte kan lagra"),
    Case("snan_in_file", "Ramar D5 <v>sNaN</v> (skadad fil)", raw_number(SHEET_RAMAR, "D5", "sNaN"),
         RAMAR, "D5", None, "tal som Excel inte kan lagra"),
    Case("huge_amount", "Ramar D5 = 1E+300", cells(RAMAR, {"D5": Decimal("1e300")}),
         RAMAR, "D5", "ramtabell", "orimligt stort belopp", "cli"),
    Case("rate_typed_as_percent", "Ramar E5 (Indexsats) = 1,9 i stället för 1,9 %", cells(RAMAR, {"E5": Decimal("1.9")}),
         RAMAR, "E5", "ramtabell", "ligger utanför -100 %..100 %"),
    Case("year_out_of_range", "Parametrar C5 (Budgetår) = 1066", cells(PARAMS, {"C5": 1066}),
         PARAMS, "C5", "ramtabell", "1066 är inget rimligt budgetår"),
    Case("places_not_integer", "Ramar G5 (Decimaler) = 1,5", cells(RAMAR, {"G5": Decimal("1.5")}),
         RAMAR, "G5", "ramtabell", "ska vara ett heltal"),
    Case("yes_no_unclear", "Ramar F5 (Indexeras) = 'kanske'", cells(RAMAR, {"F5": "kanske"}),
         RAMAR, "F5", "ramtabell", "'kanske' är varken ja eller nej"),
    Case("change_kind_unknown", "Förändringar C5 (Typ) = 'besparing'", cells(CHANGES, {"C5": "besparing"}),
         CHANGES, "C5", "ramtabell", "typen 'besparing' är okänd", "cli"),
    # --- identities and structure of the rows
    Case("duplicate_committee", "Ramar A6 = 'RF' (samma id som rad 5)", cells(RAMAR, {"A6": "RF"}),
         RAMAR, "A6", "ramtabell", "id 'RF' förekommer två gånger", "cli"),
    Case("committee_id_is_sum", "Ramar A19 = 'SUMMA' (summaradens id)", cells(RAMAR, {"A19": "SUMMA"}),
         RAMAR, "A19", "ramtabell.struktur", "samma id som summaraden"),
    Case("varav_parent_missing", "Ramar C6 (Förälder) = 'NOPE'", cells(RAMAR, {"C6": "NOPE"}),
         RAMAR, "C6", "ramtabell.struktur", "överordnad rad 'NOPE' som inte finns", "cli"),
    Case("varav_cycle", "Ramar C5 = RF_ber_sodra_lappland, vars förälder är RF", cells(RAMAR, {"C5": "RF_ber_sodra_lappland"}),
         RAMAR, "C5", "ramtabell.struktur", "raden 'RF' ingår i en cirkel", "cli"),
    Case("varav_own_parent", "Ramar C9 (RS) = 'RS'", cells(RAMAR, {"C9": "RS"}),
         RAMAR, "C9", "ramtabell.struktur", "raden 'RS' ingår i en cirkel"),
    Case("change_row_missing", "Förändringar D5 (Rad) = 'XYZ'", cells(CHANGES, {"D5": "XYZ"}),
         CHANGES, "D5", "ramtabell.forandring", "pekar på raden 'XYZ' som inte finns", "cli"),
    Case("duplicate_change", "Förändringar A6 = 'omst_rs' (samma id som rad 5)", cells(CHANGES, {"A6": "omst_rs"}),
         CHANGES, "A6", "ramtabell.forandring", "'omst_rs' förekommer två gånger"),
    Case("published_unknown_row", "Publicerat A5 = 'XYZ'", cells(PUB, {"A5": "XYZ"}),
         PUB, "A5", "ramtabell.publicerad", "raden 'XYZ' som inte finns"),
    # --- years out of order or repeated
    Case("rb_year_repeated", "Resultatbudget A6 = 2019 (som A5)", cells(RB, {"A6": 2019}),
         RB, "A6", "resultatbudget", "år 2019 förekommer två gånger: åren måste vara unika och i stigande ordning", "cli"),
    Case("rb_year_order", "Resultatbudget A5 = 2020, A6 = 2019", cells(RB, {"A5": 2020, "A6": 2019}),
         RB, "A6", "resultatbudget", "år 2019 kommer efter 2020"),
    Case("rb_year_as_text", "Resultatbudget A7 = texten '2021 '", cells(RB, {"A7": "tjugotjugoett"}),
         RB, "A7", "resultatbudget", "'tjugotjugoett' är inget tal"),
    Case("bk_year_repeated", "Balanskrav A6 = 2019 (som A5)", cells(BK, {"A6": 2019}),
         BK, "A6", "aterstallning", "år 2019 förekommer två gånger: åren måste vara unika och i stigande ordning", "cli"),
    Case("bk_year_order", "Balanskrav A6 = 2018", cells(BK, {"A6": 2018}),
         BK, "A6", "aterstallning", "år 2018 kommer efter 2019"),
    Case("bk_result_text", "Balanskrav B5 = 'underskott'", cells(BK, {"B5": "underskott"}),
         BK, "B5", "aterstallning", "'underskott' är inget tal"),
    # --- missing or renamed sheets, tables, headers, defined names
    # A renamed Ramtabell sheet is no damage any more: it is found by its header row
    # (tests/test_renamed_output_sheets.py, also the case where that row is gone too).
    Case("param_sheet_renamed", "bladet Parametrar omdöpt (namnen pekar kvar på 'Parametrar')",
         part_text("xl/workbook.xml", 'name="Parametrar"', 'name="Param"'),
         PARAMS, None, "ramtabell", "bladet 'Parametrar' saknas"),
    Case("rb_sheet_renamed", "bladet Resultatbudget omdöpt till 'RB'",
         part_text("xl/workbook.xml", 'name="Resultatbudget"', 'name="RB"'),
         RB, None, "resultatbudget", "bladet 'Resultatbudget' saknas"),
    Case("input_table_renamed", "tabellen tblResultatbudget omdöpt till tblRB",
         part_text(table_part("tblResultatbudget"), '"tblResultatbudget"', '"tblRB"'),
         RB, None, "resultatbudget", "tabellen 'tblResultatbudget' saknas", "cli"),
    Case("kind_table_renamed", "tabellen tblRamar omdöpt: arbetsboken känns inte igen, den saknade tabellen nämns",
         part_text(table_part("tblRamar"), '"tblRamar"', '"tblRamar2"'),
         None, None, "struktur.okand_typ", "tabellen tblRamar saknas på bladet 'Ramar' (har tabellen bytt namn?)"),
    Case("header_renamed", "rubriken 'Budgetram föregående år' omdöpt till 'Ram i fjol'",
         header_renamed(table_part("tblRamar"), "Budgetram föregående år", "Ram i fjol"),
         RAMAR, "A4", "ramtabell", "rubriken 'Budgetram föregående år' saknas", "cli"),
    Case("defined_name_to_blank", "namnet Budgetar pekar på Parametrar!Z99 (tom)",
         part_text("xl/workbook.xml", "'Parametrar'!$C$5", "'Parametrar'!$Z$99"),
         PARAMS, "Z99", "ramtabell", "'Budgetår' saknas (tom cell)"),
    Case("defined_name_to_missing_sheet", "namnet Budgetar pekar på bladet 'Nope'",
         part_text("xl/workbook.xml", "'Parametrar'!$C$5", "'Nope'!$C$5"),
         "Nope", None, "ramtabell", "bladet 'Nope' saknas", "cli"),
    # --- the delårsrapport (balanskravsutredning)
    Case("utredning_nr_repeated", "Balanskravsutredning A6 (Nr) = 1", cells("Balanskravsutredning", {"A6": 1}),
         "Balanskravsutredning", "A6", "balanskrav", "rad 1 förekommer två gånger", "cli", DELARSRAPPORT),
    Case("utredning_amount_text", "Balanskravsutredning C5 = 'åttahundra'", cells("Balanskravsutredning", {"C5": "åttahundra"}),
         "Balanskravsutredning", "C5", "balanskrav", "'åttahundra' är inget tal", "api", DELARSRAPPORT),
    Case("utredning_year_error", "Balanskravsutredning G5 (Räkenskapsår) = #N/A",
         cells("Balanskravsutredning", {"G5": ExcelError("#N/A")}),
         "Balanskravsutredning", "G5", "balanskrav", "felvärdet #N/A", "api", DELARSRAPPORT),
]

# Swedish number text where a number is expected: accepted as the number it reads as.
# (case id, sheet, cell, text typed, the number the workbook held there)
ACCEPTED: list[tuple[str, str, str, str, Decimal]] = [
    ("accept_decimal_comma", RAMAR, "D5", "16,86", Decimal("16.86")),
    ("accept_thousands_space", RAMAR, "D14", "5 017", Decimal("5017")),
    ("accept_thousands_nbsp_comma", RAMAR, "D9", "3\u00a0205,0", Decimal("3205")),
    ("accept_en_dash_minus", CHANGES, "E6", "–45", Decimal("-45")),
    ("accept_unicode_minus", CHANGES, "E5", "\u22125", Decimal("-5")),
    ("accept_percent_text", RAMAR, "E5", "1,78 %", Decimal("0.0178")),
    ("accept_year_as_text", PARAMS, "C5", " 2021 ", Decimal("2021")),
]


# ----------------------------------------------------------------------------- helpers


def damaged_copy(case: Case, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{case.id}{case.book.suffix}"
    path.write_bytes(case.damage(Package.open(case.book)).to_bytes())
    return path


def listing(folder: Path) -> dict[str, bytes]:
    """Every file in the folder (and its backup folder) with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1"}
    env.pop("XLMODEL_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "xlmodel", *args], capture_output=True, text=True,
                          encoding="utf-8", cwd=ROOT, env=env, timeout=300)


def where(case: Case) -> str:
    """The location prefix InputError.__str__ gives: "Blad 'Ramar', cell D5, regel ramtabell"."""
    parts = []
    if case.sheet:
        parts.append(f"blad '{case.sheet}'")
    if case.cell:
        parts.append(f"cell {case.cell}")
    if case.rule:
        parts.append(f"regel {case.rule}")
    text = ", ".join(parts)
    return text[:1].upper() + text[1:]


def damaged_file_text(case: Case) -> str:
    return f"bladet '{case.sheet}': cell {case.cell} har ett {case.text}"


BAD_INPUT = [c for c in CASES if c.rule is not None and c.rule != "struktur.okand_typ"]


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("trasiga")


@pytest.fixture(scope="module")
def regenerate_runs(workdir: Path) -> dict[str, tuple[subprocess.CompletedProcess, dict, dict]]:
    """Each 'cli' case in its own folder through `xlmodel regenerera` (2 at a time):
    (process, folder listing before, folder listing after)."""

    def one(case: Case):
        folder = workdir / "regenerera" / case.id
        path = damaged_copy(case, folder)
        before = listing(folder)
        proc = run_cli("regenerera", str(path))
        return case.id, (proc, before, listing(folder))

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(one, [c for c in CASES if c.via == "cli"]))


@pytest.fixture(scope="module")
def validate_json(workdir: Path) -> tuple[subprocess.CompletedProcess, dict[str, dict]]:
    """All cases in one real `xlmodel validera --format json` process."""
    folder = workdir / "validera"
    paths = [damaged_copy(c, folder) for c in CASES]
    proc = run_cli("validera", "--format", "json", "--jobb", "1", *map(str, paths))
    doc = json.loads(proc.stdout)
    return proc, {Path(f["path"]).stem: f for f in doc["files"]}


# ----------------------------------------------------------------------------- tests


def test_the_case_table_is_complete():
    """Every kind of bad input the issue lists has at least one case (guards the table)."""
    ids = {c.id for c in CASES}
    for needed in ("blank_amount", "text_in_amount", "error_na", "error_value", "error_name_param", "bool_in_amount",
                   "date_in_amount", "nan_in_file", "inf_in_file", "huge_amount",
                   "input_table_renamed", "header_renamed", "duplicate_committee", "varav_parent_missing",
                   "varav_cycle", "rb_year_repeated", "rb_year_order", "bk_year_repeated", "bk_year_order",
                   "defined_name_to_blank"):
        assert needed in ids
    assert len(ids) == len(CASES)
    assert sum(c.via == "cli" for c in CASES) >= len(CASES) // 3


@pytest.mark.parametrize("case", [c for c in CASES if c.via == "cli"], ids=lambda c: c.id)
def test_regenerera_cli_refuses_with_one_swedish_line_and_writes_nothing(case: Case, regenerate_runs):
    proc, before, after = regenerate_runs[case.id]
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    line = lines[0]
    assert "Traceback" not in line and "internt fel" not in line
    assert case.text in line, line
    if case.rule is None:
        assert damaged_file_text(case) in line, line
    elif case.rule == "struktur.okand_typ":
        assert "känns inte igen" in line or "ser ut som en" in line  # the latter names the missing table
    else:
        assert where(case) + ":" in line, line
    assert after == before, "regenerera ändrade eller lämnade filer trots fel indata"


@pytest.mark.parametrize("case", [c for c in CASES if c.via == "api"], ids=lambda c: c.id)
def test_regenerate_api_refuses_with_the_located_error_and_writes_nothing(case: Case, tmp_path: Path):
    path = damaged_copy(case, tmp_path / "bok")
    before = listing(path.parent)
    with pytest.raises(XlmodelError) as info:
        regenerate_file(path)
    err = info.value
    text = str(err)
    assert case.text in text
    if case.rule is None:
        assert isinstance(err, WorkbookError) and damaged_file_text(case) in text
    elif case.rule == "struktur.okand_typ":
        assert isinstance(err, InputError) and ("känns inte igen" in text or "ser ut som en" in text)
    else:
        assert isinstance(err, InputError)
        assert (err.sheet, err.cell, err.rule) == (case.sheet, case.cell, case.rule)
        assert text.startswith(where(case) + ": ")
    assert listing(path.parent) == before


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_validera_reports_exactly_one_located_error(case: Case, validate_json, tmp_path: Path):
    proc, by_file = validate_json
    assert proc.returncode == 2  # the damaged-file cases make the whole run exit 2
    entry = by_file[case.id]
    if case.rule is None:  # not a workbook we can read: exit 2, the cell named
        assert entry["error"] and damaged_file_text(case) in entry["error"]
        assert entry["status"] != "ok"
    else:
        errors = [f for f in entry["findings"] if f["severity"] == Severity.ERROR.value]
        assert entry["error"] is None
        assert len(errors) == 1, errors
        (f,) = errors
        assert (f["sheet"], f["cell"], f["rule"]) == (case.sheet, case.cell, case.rule)
        assert case.text.lower() in f["message"].lower()
    # the same through the API, one file at a time, with its own exit code
    path = damaged_copy(case, tmp_path)
    before = path.read_bytes()
    report = validate_file(path)
    assert path.read_bytes() == before
    if case.rule is None:
        assert report.error and damaged_file_text(case) in report.error
    else:
        errs = [f for f in report.findings if f.is_error()]
        assert [(f.sheet, f.cell, f.rule) for f in errs] == [(case.sheet, case.cell, case.rule)]


def test_validera_exit_codes_of_a_bad_input_and_a_damaged_file(tmp_path: Path):
    """Alone, a workbook with bad input exits 1 (the rules found an error) and one that
    holds a number Excel cannot store exits 2 (the file cannot be read)."""
    by_id = {c.id: c for c in CASES}
    bad = damaged_copy(by_id["text_in_amount"], tmp_path)
    proc = run_cli("validera", str(bad))
    assert proc.returncode == 1 and "'abc' är inget tal" in proc.stdout and "Ramar" in proc.stdout
    damaged = damaged_copy(by_id["nan_in_file"], tmp_path)
    proc = run_cli("validera", str(damaged))
    assert proc.returncode == 2 and damaged_file_text(by_id["nan_in_file"]) in proc.stdout + proc.stderr


def test_the_whole_validera_run_names_every_bad_file(validate_json):
    proc, by_file = validate_json
    assert set(by_file) == {c.id for c in CASES}
    assert "Traceback" not in proc.stderr


# ----------------------------------------------------------------------------- accepted


def _frame_value(path: Path, ref: str) -> Decimal:
    return read_cells(Package.open(path), "Ramtabell")[ref].value


@pytest.mark.parametrize("case_id,sheet,ref,typed,number", ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_swedish_number_text_is_accepted_as_that_number(case_id, sheet, ref, typed, number, tmp_path: Path):
    """Text that reads as the number already in the cell changes nothing: regenerate has
    no cell to write, validate finds no error. Proves the text is read as ``number``."""
    path = tmp_path / "bok.xlsm"
    pkg = Package.open(REGIONPLAN)
    assert read_values(pkg, sheet, ref)[0][0] == number  # the case table matches the workbook
    path.write_bytes(cells(sheet, {ref: typed})(pkg).to_bytes())
    assert read_values(Package.open(path), sheet, ref)[0][0] == typed  # stored as text
    result = regenerate_file(path)
    assert result.changes == [] and not result.written
    assert not [f for f in validate_file(path).findings if f.is_error()]


def test_thousands_text_changes_the_frame_by_exactly_that_number(tmp_path: Path):
    """'1 234,5' typed as RF's prior frame: regenerate writes 1234.5 to Ramtabell C5, and
    RF's index H5 - C5 is its own part at its rate (Ramar E5) plus its varav rows (rows
    6-8) at theirs: (1234,5 - 3 × 2,75) × 1,78 % + 3 × 2,75 × 1,82 % = 21,9774."""
    path = tmp_path / "bok.xlsm"
    pkg = Package.open(REGIONPLAN)
    inputs = read_values(pkg, RAMAR, "C5:E8")   # Förälder, föregående ram, indexsats
    path.write_bytes(cells(RAMAR, {"D5": "1 234,5"})(pkg).to_bytes())
    regenerate_file(path, backup=False)
    assert _frame_value(path, "C5") == Decimal("1234.5")
    varav = [(prior, rate) for parent, prior, rate in inputs[1:] if parent == "RF"]
    own = (Decimal("1234.5") - sum(p for p, _ in varav)) * inputs[0][2]
    expected_index = own + sum(p * r for p, r in varav)
    assert expected_index == Decimal("21.9774")
    assert _frame_value(path, "H5") - _frame_value(path, "C5") == expected_index


def test_seed_000_rf_frame_from_swedish_text_inputs(tmp_path: Path):
    """Seed 000 (Regionplan 2021, ramtabell): Regionfullmäktige 16,86 + index 1,78 % gives
    17,16 printed. Typed as Swedish text, the inputs reproduce the printed frame."""
    path = tmp_path / "bok.xlsm"
    pkg = cells(RAMAR, {"D5": "16,86", "E5": "1,78 %"})(Package.open(REGIONPLAN))
    path.write_bytes(pkg.to_bytes())
    regenerate_file(path, backup=False)
    printed = read_values(Package.open(path), PUB, "F5")[0][0]  # the plan's printed 17,16
    assert printed == Decimal("17.16")
    assert round_half_up(_frame_value(path, "H5"), 2) == printed


def test_missing_defined_names_fall_back_to_the_layout_cells(tmp_path: Path):
    path = tmp_path / "bok.xlsm"
    path.write_bytes(defined_names_removed(Package.open(REGIONPLAN)).to_bytes())
    assert Package.open(path).defined_names == []
    assert regenerate_file(path).changes == []
    assert not [f for f in validate_file(path).findings if f.is_error()]


# ----------------------------------------------------------------------------- bygg (CSV)


def _edit_csv(folder: Path, name: str, row: int, column: str, value: str) -> None:
    path = folder / f"{name}.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[row][rows[0].index(column)] = value
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)


# (case id, csv, data row (1 = first), column, value, file:line named, rule, message)
BUILD_CASES = [
    ("csv_text_amount", "ramar", 1, "Budgetram föregående år", "abc", "rad 2, kolumn 'Budgetram föregående år'",
     "ramtabell", "'abc' är inget tal"),
    ("csv_error_value", "ramar", 1, "Budgetram föregående år", "#N/A", "rad 2, kolumn 'Budgetram föregående år'",
     "ramtabell", "felvärdet #N/A"),
    ("csv_nan", "ramar", 1, "Budgetram föregående år", "NaN", "rad 2, kolumn 'Budgetram föregående år'",
     "ramtabell", "'NaN' är inget tal"),
    ("csv_duplicate_id", "ramar", 2, "Id", "RF", "rad 3, kolumn 'Id'", "ramtabell", "id 'RF' förekommer två gånger"),
    ("csv_parent_missing", "ramar", 2, "Förälder", "NOPE", "rad 3, kolumn 'Förälder'", "ramtabell.struktur",
     "överordnad rad 'NOPE' som inte finns"),
    ("csv_year_repeated", "resultatbudget", 2, "År", "2019", "rad 3, kolumn 'År'", "resultatbudget",
     "år 2019 förekommer två gånger: åren måste vara unika och i stigande ordning"),
    ("csv_bk_year_order", "balanskrav", 2, "År", "2018", "rad 3, kolumn 'År'", "aterstallning",
     "år 2018 kommer efter 2019"),
]


@pytest.fixture()
def source_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "src" / REGIONPLAN_SRC.name
    shutil.copytree(REGIONPLAN_SRC, folder)
    return folder


@pytest.mark.parametrize("case", BUILD_CASES, ids=[c[0] for c in BUILD_CASES])
def test_bygg_refuses_bad_csv_naming_file_line_and_column(case, source_copy: Path, tmp_path: Path):
    cid, name, row, column, value, line, rule, text = case
    _edit_csv(source_copy, name, row, column, value)
    out = tmp_path / "ut"
    out.mkdir()
    (out / "befintlig.xlsx").write_bytes(b"orord")
    proc = run_cli("bygg", str(source_copy.parent), "--ut", str(out))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    msg = proc.stderr.strip()
    assert len(msg.splitlines()) == 1 and "Traceback" not in msg
    assert f"Fil '{name}.csv', {line}, regel {rule}: " in msg and text in msg, msg
    assert sorted(p.name for p in out.iterdir()) == ["befintlig.xlsx"]  # nothing written, no temp file


def test_bygg_accepts_swedish_number_text_and_writes_the_number(source_copy: Path, tmp_path: Path):
    """'16,86', '1,78 %' and '–5' in the CSVs are read by the rules as numbers, and the
    builder writes those numbers (it used to crash on Decimal('16,86'))."""
    _edit_csv(source_copy, "ramar", 1, "Budgetram föregående år", "16,86")
    _edit_csv(source_copy, "ramar", 1, "Indexsats", "1,78 %")
    _edit_csv(source_copy, "forandringar", 1, "Belopp", "–5")
    out = tmp_path / "ut"
    proc = run_cli("bygg", str(source_copy.parent), "--ut", str(out))
    assert proc.returncode == 0, proc.stderr
    book = out / "vasterbotten_regionplan_2021.xlsm"
    pkg = Package.open(book)
    assert read_values(pkg, RAMAR, "D5:E5") == [[Decimal("16.86"), Decimal("0.0178")]]
    assert read_values(pkg, CHANGES, "E5")[0][0] == Decimal("-5")
    assert not [f for f in validate_file(book).findings if f.is_error()]


def test_bygg_stores_a_label_starting_with_equals_as_text(source_copy: Path, tmp_path: Path):
    label = '=HYPERLINK("http://example.invalid","klicka")'
    _edit_csv(source_copy, "ramar", 1, "Post", label)
    out = tmp_path / "ut"
    assert run_cli("bygg", str(source_copy.parent), "--ut", str(out)).returncode == 0
    book = out / "vasterbotten_regionplan_2021.xlsm"
    import openpyxl

    wb = openpyxl.load_workbook(book, data_only=False)
    for sheet, ref in ((RAMAR, "B5"), ("Ramtabell", "B5")):
        cell = wb[sheet][ref]
        assert cell.data_type == "s" and cell.value == label, (sheet, ref, cell.data_type, cell.value)
        ours = read_cells(Package.open(book), sheet)[ref]
        assert ours.formula is None and ours.value == label


def test_bygg_refuses_a_broken_bok_toml_and_non_utf8_csv(source_copy: Path, tmp_path: Path):
    (source_copy / "bok.toml").write_text('kind = "regionplan"\nfile = \n', encoding="utf-8")
    proc = run_cli("bygg", str(source_copy.parent), "--ut", str(tmp_path / "ut1"))
    assert proc.returncode == 2 and "ogiltig TOML" in proc.stderr and "rad 2, kolumn" in proc.stderr
    assert "Traceback" not in proc.stderr
    shutil.copy(REGIONPLAN_SRC / "bok.toml", source_copy / "bok.toml")
    # Windows-1252 is what Swedish Excel's "CSV (semikolonavgränsad)" writes: read (issue 12);
    # UTF-16 ("Unicode-text") is not, and is refused rather than misread.
    (source_copy / "ramar.csv").write_bytes((REGIONPLAN_SRC / "ramar.csv").read_text(encoding="utf-8").encode("cp1252"))
    proc = run_cli("bygg", str(source_copy.parent), "--ut", str(tmp_path / "ut2"))
    assert proc.returncode == 0, proc.stderr
    (source_copy / "ramar.csv").write_bytes((REGIONPLAN_SRC / "ramar.csv").read_text(encoding="utf-8").encode("utf-16"))
    proc = run_cli("bygg", str(source_copy.parent), "--ut", str(tmp_path / "ut3"))
    assert proc.returncode == 2 and "inte sparad som UTF-8" in proc.stderr, proc.stderr
