"""What a controller reads never shows the project's internals or Python's reprs.

Every string cell of every shipped workbook (and of one built by `xlmodel bygg`), and
the text output of every command on the shipped books (real CLI processes), is searched
for: research-file references ("seed", "rad 2706"), repository paths and file names
("shared/", ".md", "RULES"), Python reprs ("Decimal(", "None)", "(None"), English
number text ("3281.1724", "158.0") and long unrounded decimals ("136,539518").

Text that reaches a user by other ways is held to the same rule: the docstrings of the
Python API and of the Excel functions (help(), the function wizard, `forklara`), the
dated parameters' notes, and the Swedish user docs cite the user's documents and the
law, never the project's research files or their line numbers.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "workbooks").glob("*.xls[xm]"))

INTERNALS = {
    "research file": re.compile(r"\bseed\b|seed-tables|\brad \d{3,}|\brader? \d{3,}–\d{3,}", re.I),
    "repository path or file": re.compile(r"shared/|\.md\b|RULES|INDEX\.md|docs/|xlmodel/|money\.\w+|params/"),
    "Python repr": re.compile(r"Decimal\(|\bNone\)|\(None\b|\bTrue\)|\bFalse\)|\[\]|\{\}"),
    "English number": re.compile(r"(?<![\w.,/:-])-?\d+\.\d+(?![\w.]*\w*\.(?:xlsx|xlsm|toml|csv))(?![\w-])"),
    "long unrounded decimals": re.compile(r"\d,\d{5,}"),
}
# Text that carries version numbers, file names or a document's section numbers, not figures.
NOT_FIGURES = re.compile(r"\b\d+\.\d+\.\d+\b|[\w.-]+\.(?:xlsx|xlsm|toml|csv|bak)\b|\b\d{8}-\d{6}\b"
                         r"|\b[Aa]vsnitt(?:en)?\s+\d+(?:\.\d+)*(?:\s*(?:och|,)\s*\d+(?:\.\d+)*)*")


def offending(text: str, *, skip: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    cleaned = NOT_FIGURES.sub(" ", text)
    found = []
    for what, pattern in INTERNALS.items():
        if what in skip:
            continue
        for m in pattern.finditer(cleaned):
            line = cleaned[max(0, cleaned.rfind("\n", 0, m.start()) + 1): cleaned.find("\n", m.end()) % (len(cleaned) + 1)]
            found.append((what, line.strip()[:200]))
    return found


def test_the_patterns_catch_what_the_issue_saw():
    for bad in ("Bokslut 2019 (seed 000 rad 2706–2710)", "rad 1562–1565", "shared/reference/seed-tables/x.csv",
                "se docs/excel.md", "RULES.md A2", "(None)", "(3281.1724)", "andelen 3.1", "balanskravsresultat 158.0",
                "0,005503144654088050314465408805", "136,539518", "Decimal('1.5')"):
        assert offending(bad), bad
    for good in ("Avsnitt 7.4", "KL 11 kap. 12 §", "8 598,2", "1,99 %", "xlmodel 0.1.0", "vasterbotten_regionplan_2021.xlsm",
                 "rad 5", "Fotnot 6 (rättspsykiatrisk regionklinik)", "0,0055", "136,54"):
        assert not offending(good), (good, offending(good))


def _xlmodel(*args: str, cwd: Path) -> str:
    done = subprocess.run([sys.executable, "-m", "xlmodel", *args], capture_output=True, text=True, cwd=cwd)
    assert done.returncode in (0, 1), (args, done.returncode, done.stderr)
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> list[Path]:
    out = tmp_path_factory.mktemp("built")
    _xlmodel("bygg", str(ROOT / "workbooks" / "src"), "--ut", str(out), cwd=ROOT)
    return sorted(out.glob("*.xls[xm]"))


def test_no_cell_of_any_workbook_shows_internals(built):
    checked = 0
    for path in [*SHIPPED, *built]:
        wb = load_workbook(path, data_only=True)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str):
                        # Cell text is stored as typed: numbers in a cell are the workbook's own
                        # (a formula like =C5/B5-1 is not text), so only words are checked here.
                        found = offending(cell.value, skip=("English number",))
                        assert not found, (path.name, ws.title, cell.coordinate, found)
                        checked += 1
    assert checked > 300


# Cells to explain in each shipped book: one of every kind of rule the books have.
EXPLAIN = {
    "vasterbotten_regionplan_2021.xlsm": ("Ramtabell!G14", "Ramtabell!H20", "Ramtabell!C5", "Ramtabell!E9",
                                          "Ramtabell!D9", "Ramtabell!F9", "Ramtabell!B5", "Resultatbudget!J5",
                                          "Resultatbudget!L5", "Resultatbudget!H15", "Balanskrav!G5",
                                          "Diagram!D5", "Parametrar!C6", "Ramar!D5"),
    "vasterbotten_delarsrapport_2021_08.xlsm": ("Balanskravsutredning!C15", "Balanskravsutredning!C16",
                                                "Balanskravsutredning!C17", "Balanskravsutredning!C20"),
    "vasternorrland_regionplan_2020_2022.xlsx": ("Resursramar!K5", "Fotnoter!I6", "Återställning!F5",
                                                 "Parametrar!D16"),
}


def test_no_command_output_on_the_shipped_books_shows_internals(tmp_path):
    for path in SHIPPED:
        shutil.copyfile(path, tmp_path / path.name)
    books = [tmp_path / p.name for p in SHIPPED]
    outputs: list[tuple[str, str, tuple[str, ...]]] = []

    def run(*args: str, skip: tuple[str, ...] = ()) -> None:
        outputs.append((" ".join(args), _xlmodel(*args, cwd=tmp_path), skip))

    run("validera", *map(str, books))
    run("validera", "--strikt", *map(str, books))
    for book in books:
        run("regenerera", "--torrkorning", str(book))
        for cell in EXPLAIN[book.name]:
            run("forklara", str(book), cell)
    rolled = tmp_path / "rullad.xlsm"
    shutil.copyfile(tmp_path / "vasterbotten_regionplan_2021.xlsm", rolled)
    run("rulla-fram", str(rolled))
    run("regenerera", "--torrkorning", str(rolled))
    run("validera", str(rolled))
    run("regenerera", str(rolled))
    # diff shows just enough decimals to tell two different values apart (0,0179957 →
    # 0,0179958): the one output where more than four decimals can be the figure itself.
    run("diff", str(tmp_path / "vasterbotten_regionplan_2021.xlsm"), str(rolled), skip=("long unrounded decimals",))
    for command, text, skip in outputs:
        found = offending(text, skip=skip)
        assert not found, (command, found[:5])
    assert len(outputs) > 20


# References to the project's research material: what a docstring or a user doc may not cite.
RESEARCH_REFS = re.compile(r"\bseeds?\b|seed-tables|shared/|(?-i:RULES\.md)|INDEX\.md|law\.md|excel-facts"
                           r"|\blines? \d{3,}|\brad(?:er)? \d{3,}|\b00[0-4] (?:rad|tabellen|fotnot)\w* \d", re.I)
# Docs written for the project's own developers (English), not for users.
DEVELOPER_DOCS = {"architecture.md", "development.md", "reliability.md"}


def _docstrings(path: Path) -> list[tuple[str, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in [tree, *ast.walk(tree)]:
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = ast.get_docstring(node)
            if doc:
                found.append((getattr(node, "name", "module"), doc))
    return found


def test_the_research_pattern_catches_what_the_issue_saw():
    for bad in ("(shared/reference/law.md §2)", "RULES.md A1, seed 000 lines 2724–2729", "seed 002 footnotes",
                "the seeds' tables", "004 rad 2373–2402", "000 tabellen 2855–2912"):
        assert RESEARCH_REFS.search(bad), bad
    for good in ("KL 11 kap. 12–13 §§", "Region Västerbottens Regionplan 2021, avsnitt Balanskravsutredning",
                 "lines 1..6", "lines 7–8", "rad 9", "avsnitt 7.4 Resursramar", "12 000 tkr",
                 "2 000 rader mellan Excel och Python", "se rules.md"):
        assert not RESEARCH_REFS.search(good), good


def test_no_docstring_a_user_can_read_cites_research_files():
    sources = [p for p in sorted((ROOT / "xlmodel").rglob("*.py")) if "testing" not in p.relative_to(ROOT).parts]
    sources += sorted((ROOT / "udfs").rglob("*.py"))
    checked = 0
    for path in sources:
        for name, doc in _docstrings(path):
            m = RESEARCH_REFS.search(doc)
            assert not m, (str(path.relative_to(ROOT)), name, doc[max(0, m.start() - 60): m.end() + 60])
            checked += 1
    assert checked > 500


def test_no_parameter_note_or_user_doc_cites_research_files():
    texts = [*sorted((ROOT / "xlmodel" / "params").glob("*.toml")), ROOT / "README.md",
             *(p for p in sorted((ROOT / "docs").glob("*.md")) if p.name not in DEVELOPER_DOCS)]
    assert len(texts) > 8
    for path in texts:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = RESEARCH_REFS.search(line)
            assert not m, (str(path.relative_to(ROOT)), number, line[:200])
