"""``xlmodel excel installera``: the workbook made ready for the button in the file itself.

Real workbooks of every sort the button can serve - the built Västernorrland book (a
resursramar .xlsx), a book from ``xlmodel ny``, a team's XlsxWriter book after ``xlmodel
anslut --delar ramtabell``, a rolled/renamed copy with spaces in its name - go through
the file step (``excel_install.write_prepared``, the step Windows runs before Excel's
Import Functions). Checked on the files written: the VBA module's text (the command the
button runs, whatever the file is called), the button's VML shape and the sheet's
``legacyDrawing``, the xlwings.conf sheet, that every other part keeps its bytes, that
``validera`` finds the same as before, and that the button's command regenerates the
workbook (xlwings' ``Book.caller`` stood in for by test_macros' FakeBook); LibreOffice
reads the project and the button. A workbook with nothing the button could regenerate
gets no button and a Swedish sentence saying why. Not run: Excel itself (no Windows).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from fixtures.team_book import TeamBook
from xlmodel import excel_install as ei
from xlmodel.workbook.vba import BUTTON_COMMANDS, ENTRY_MACRO
from xlmodel.xlsx import macro_parts
from xlmodel.xlsx.package import Package

ROOT = Path(__file__).resolve().parents[1]
WORKBOOKS = ROOT / "workbooks"
VASTERNORRLAND = WORKBOOKS / "vasternorrland_regionplan_2020_2022.xlsx"
PYTHON = r"C:\Program Files\Python311\python.exe"  # what Interpreter_Win gets on the controller's PC


def run_cli(*args, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1"}
    env.pop("XLMODEL_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "xlmodel", *map(str, args)], capture_output=True, text=True,
                          encoding="utf-8", cwd=cwd, env=env, timeout=300)


def parts_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def prepare(path: Path) -> tuple[Path, list[str]]:
    p = ei.plan(path, windows=True)
    return p.target, ei.write_prepared(p, python=PYTHON)


def module1(path: Path) -> str:
    from xlmodel.xlsx.cfb import read_streams
    from xlmodel.xlsx.ovba import module_source

    return module_source(read_streams(parts_of(path)["xl/vbaProject.bin"]), "Module1")


def conf(path: Path) -> dict[str, object]:
    from xlmodel.xlsx import read_values

    rows = read_values(Package.open(path), "xlwings.conf", "A1:B20")
    return {r[0]: r[1] for r in rows if r[0]}


def findings(path: Path) -> list[dict]:
    run = run_cli("validera", "--format", "json", path)
    assert run.returncode in (0, 1), run.stderr
    return json.loads(run.stdout)["files"][0]["findings"]


def check_ready(before: Path, after: Path, sheet: str) -> None:
    """The VBA module, the button on ``sheet`` and the conf sheet; every part of
    ``before`` but the bookkeeping, the button's sheet and the conf sheet is kept byte for byte."""
    source = module1(after)
    assert f'Sub {ENTRY_MACRO}()\r\n    RunPython "{BUTTON_COMMANDS[ENTRY_MACRO]}"\r\nEnd Sub' in source
    pkg = Package.open(after)
    buttons = macro_parts.buttons(pkg)
    assert [(b.sheet, b.macro, b.caption) for b in buttons] == [(sheet, ENTRY_MACRO, "Uppdatera ramtabell")]
    sheet_part = pkg.sheet_part(sheet)
    assert re.search(rb"<(\w+:)?legacyDrawing r:id=", pkg.part(sheet_part))
    ct = pkg.part("[Content_Types].xml")
    assert b"application/vnd.ms-excel.sheet.macroEnabled.main+xml" in ct and b"vbaProject" in ct
    assert conf(after)["Interpreter_Win"] == PYTHON and conf(after)["UDF Modules"] == "udfs"
    old, new = parts_of(before), parts_of(after)
    old_pkg = Package.open(before)
    bookkeeping = {s.part for s in old_pkg.sheets if s.name == "xlwings.conf"}
    changed = sorted(n for n in old if new.get(n) != old[n]
                     and n not in bookkeeping | {sheet_part, "xl/workbook.xml", "[Content_Types].xml",
                                                 "xl/_rels/workbook.xml.rels"}
                     and not n.startswith(f"xl/worksheets/_rels/{Path(sheet_part).name}"))
    assert changed == [], changed
    assert findings(after) == findings(before)  # the same findings, rule, cell and message


def run_button(path: Path, monkeypatch) -> object:
    """The command the button's VBA macro hands RunPython, run on the workbook as Excel
    would show it to xlwings."""
    import xlwings as xw

    sys.path.insert(0, str(ROOT / "tests"))
    from test_macros import FakeBook, button_command

    book = FakeBook.load(path)
    monkeypatch.setattr(xw.Book, "caller", classmethod(lambda cls: book), raising=False)
    command = button_command(path, ENTRY_MACRO)
    assert path.stem not in command
    exec(command, {})
    return book


# ----------------------------------------------------------------------------- each sort of workbook


def test_vasternorrland_renamed_with_spaces_gets_project_button_and_conf(tmp_path, monkeypatch):
    book = tmp_path / "Västernorrland plan 2020 (kopia).xlsx"
    shutil.copyfile(VASTERNORRLAND, book)
    dry = run_cli("excel", "installera", "--torrkorning", book)
    assert dry.returncode == 0, dry.stderr
    assert 'Knappen "Uppdatera ramtabell" på bladet Info (i filen), som kör UppdateraRamtabell och räknar om resursramarna' \
        in dry.stdout
    before = book.read_bytes()
    target, done = prepare(book)
    assert target == tmp_path / "Västernorrland plan 2020 (kopia).xlsm" and book.read_bytes() == before
    assert any("knappen" in line and "Info" in line for line in done)
    check_ready(book, target, "Info")
    fake = run_button(target, monkeypatch)
    (alert,) = fake.app.alerts
    assert "fel" not in alert["title"], alert  # the macro ran on the resursramar and reported


def test_a_book_from_ny_gets_the_button_on_its_info_sheet(tmp_path):
    made = run_cli("ny", "--namn", "Region Test", "--ar", "2026", "--namnd", "Regionstyrelsen=800",
                   "--namnd", "Hälso- och sjukvårdsnämnden=6000", "--index", "3 %", "--indexkalla", "SKR",
                   "--skatteintakter", "5000", "--statsbidrag", "2000", "--ut", tmp_path / "Ny plan.xlsx")
    assert made.returncode == 0, made.stderr
    book = tmp_path / "Ny plan.xlsx"
    target, done = prepare(book)
    check_ready(book, target, "Info")
    assert any("ramtabellen" in line for line in done)


def test_a_team_book_after_anslut_gets_the_button_where_the_frame_table_is(tmp_path, monkeypatch):
    sys.path.insert(0, str(ROOT / "tests"))
    from test_adopt import adopt, team_workbook

    book = tmp_path / "teamets budget.xlsx"
    team_workbook(book)
    run = adopt(book)
    assert run.returncode == 0, run.stdout + run.stderr
    plan = ei.plan(book, windows=True)
    assert plan.kind is None and plan.button.sheet == "Ramtabell"
    target, _done = prepare(book)
    check_ready(book, target, "Ramtabell")
    # anslut's conf sheet is kept; only Interpreter_Win is written
    assert list(conf(target))[:2] == ["Interpreter_Win", "Interpreter_Mac"]
    shutil.copyfile(target, tmp_path / "copy.xlsm")
    from test_macros import edit

    edit(target, "Ramar", {"D5": Decimal(900)})
    fake = run_button(target, monkeypatch)
    assert any(entry[0] == "Ramtabell" for entry in fake.log)  # the button rewrote the frame table


def test_a_sheet_with_comments_keeps_them_and_gets_the_button_in_the_same_drawing(tmp_path):
    book = tmp_path / "med kommentarer.xlsx"
    with TeamBook(book) as team:
        frames = team.frames(header=("Nämnd", "Ram"), committees=(("Regionstyrelsen", 800), ("Kulturnämnden", 64)))
        frames.write_comment("B2", "ram enligt beslut i juni")
    run = run_cli("anslut", book.name, "--delar", "ramtabell", "--ramar", "Nämndramar!A2:B3", "--budgetar", "2026",
                  "--index", "3 %", "--indexkalla", "SKR", "--plats", "ramtabell=Nämndramar!E2", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    target, _done = prepare(book)
    pkg = Package.open(target)
    (vml,) = [n for n in pkg.names if n.endswith(".vml")]
    text = pkg.part(vml).decode("utf-8")
    assert 'ObjectType="Note"' in text  # the comment's shape is still there, and its text:
    comments = [n for n in pkg.names if "comments" in n and n.endswith(".xml")]
    assert comments and all(pkg.part(n) == parts_of(book)[n] for n in comments)
    assert b"ram enligt beslut i juni" in pkg.part(comments[0])
    assert [(b.sheet, b.macro) for b in macro_parts.buttons(pkg)] == [("Nämndramar", ENTRY_MACRO)]
    assert len(set(re.findall(r'id="(_x0000_s\d+)"', text))) == 2  # the note's shape and the button's


def test_nothing_to_regenerate_is_said_and_no_button_added(tmp_path):
    import xlsxwriter

    book = tmp_path / "bara siffror.xlsx"
    wb = xlsxwriter.Workbook(str(book))
    wb.add_worksheet("Blad1").write("A1", 42)
    wb.close()
    dry = run_cli("excel", "installera", "-n", book)
    assert dry.returncode == 0, dry.stderr
    assert "Ingen knapp: arbetsboken har ingen del som knappen kan räkna om" in dry.stdout
    assert "xlmodel anslut --delar ramtabell" in dry.stdout
    target, done = prepare(book)
    assert macro_parts.buttons(Package.open(target)) == []
    assert any(line.startswith("Ingen knapp:") for line in done)
    assert conf(target)["UDF Modules"] == "udfs"  # the functions still get their settings


def test_a_second_run_adds_nothing_twice(tmp_path):
    book = tmp_path / "Plan.xlsx"
    shutil.copyfile(VASTERNORRLAND, book)
    target, _ = prepare(book)
    once = parts_of(target)
    plan = ei.plan(target, windows=True)
    assert plan.button.existing is not None and plan.button.sheet is None
    dry = run_cli("excel", "installera", "-n", target)
    assert 'Knappen "Uppdatera ramtabell" finns redan på bladet Info' in dry.stdout
    _, done = ei.plan(target, windows=True), ei.write_prepared(plan, python=PYTHON)
    twice = parts_of(target)
    assert twice["xl/vbaProject.bin"] == once["xl/vbaProject.bin"]
    assert len(macro_parts.buttons(Package.open(target))) == 1
    assert any(line.startswith("säkerhetskopia") for line in done)


def test_a_team_s_own_vba_project_is_kept_and_the_button_runs_the_imported_macro(tmp_path):
    from xlmodel.xlsx.cfb import read_streams, write_streams
    from xlmodel.xlsx.ovba import replace_module_source

    book = tmp_path / "Plan.xlsx"
    shutil.copyfile(VASTERNORRLAND, book)
    target, _ = prepare(book)
    # The team's own macros in Module1 and no button yet
    streams = replace_module_source(read_streams(parts_of(target)["xl/vbaProject.bin"]), "Module1",
                                    'Attribute VB_Name = "Module1"\r\nSub Teamets()\r\n    MsgBox "hej"\r\nEnd Sub\r\n')
    own = write_streams(streams)
    pkg = Package.open(VASTERNORRLAND)
    own_book = tmp_path / "Egen.xlsm"
    own_book.write_bytes(macro_parts.with_vba_project(pkg, own).to_bytes())
    plan = ei.plan(own_book, windows=True)
    assert plan.button.own_vba and plan.button.macro == "RAMTABELL_UPPDATERA"
    ei.write_prepared(plan, python=PYTHON)
    assert parts_of(own_book)["xl/vbaProject.bin"] == own  # never replaced
    assert [b.macro for b in macro_parts.buttons(Package.open(own_book))] == ["RAMTABELL_UPPDATERA"]


# ----------------------------------------------------------------------------- an independent reader


def test_libreoffice_reads_the_prepared_project_and_button(tmp_path, soffice):
    from xlmodel.testing.libreoffice import convert

    book = tmp_path / "Min plan 2026.xlsx"
    shutil.copyfile(VASTERNORRLAND, book)
    target, _ = prepare(book)
    out = convert([target], tmp_path / "ods", fmt="ods", soffice=soffice, recalc=False)[target]
    with zipfile.ZipFile(out) as zf:
        module = zf.read("Basic/VBAProject/Module1.xml").decode("utf-8")
        content = zf.read("content.xml").decode("utf-8")
    assert "RunPython &quot;import udfs; udfs.RAMTABELL_UPPDATERA()&quot;" in module
    assert 'form:label="Uppdatera ramtabell"' in content
    assert "VBAProject.Module1.UppdateraRamtabell" in content
