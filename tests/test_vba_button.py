"""The button and the macros work whatever the workbook's file is called (issue 12).

The .xlsm carries xlwings' quickstart VBA project with its Module1 replaced: the macros
run a fixed Python command on the ``udfs`` package through xlwings' RunPython, instead of
importing a module named after the file. Checked here: the container and the MS-OVBA
compression round-trip; an independent reader (LibreOffice's VBA import) reads the new
source from a renamed copy with spaces in its name; the command the button runs updates
the frame table of a renamed, rolled-forward and a built workbook (xlwings' Book.caller
stands in for Excel, as in test_macros). Not run: Excel itself.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlmodel.xlsx import ovba
from xlmodel.xlsx.cfb import read_streams, write_streams

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "workbooks" / "vasterbotten_regionplan_2021.xlsm"


def vba_streams(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return read_streams(zf.read("xl/vbaProject.bin"))


@given(st.binary(max_size=9000) | st.text(alphabet="Sub RunPython\"import udfs;()\r\n ", max_size=9000).map(str.encode))
@settings(max_examples=60, deadline=None)
def test_ovba_compression_round_trips(data):
    packed = ovba.compress(data)
    assert ovba.decompress(packed) == data


@given(st.dictionaries(st.sampled_from(["PROJECT", "PROJECTwm", "VBA/dir", "VBA/Module1", "VBA/Sheet1", "VBA/a",
                                        "VBA/_VBA_PROJECT", "Other/x/y", "z"]),
                       st.binary(max_size=6000), min_size=1))
@settings(max_examples=40, deadline=None)
def test_compound_file_round_trips(streams):
    # a name cannot be both a stream and a storage
    streams = {k: v for k, v in streams.items() if not any(o.startswith(k + "/") for o in streams)}
    assert read_streams(write_streams(streams)) == streams


def test_shipped_button_runs_a_fixed_command_and_no_stale_compilation():
    from xlmodel.workbook.vba import BUTTON_COMMANDS, ENTRY_MACRO, quickstart_vba_project

    streams = vba_streams(SHIPPED)
    source = ovba.module_source(streams, "Module1")
    assert "ThisWorkbook.Name" not in source and ".main()" not in source
    for macro, command in BUTTON_COMMANDS.items():
        assert f'Sub {macro}()\r\n    RunPython "{command}"\r\nEnd Sub' in source
    assert streams["VBA/_VBA_PROJECT"] == ovba.VBA_PROJECT_NO_CACHE  # Excel compiles the new source
    original = read_streams(quickstart_vba_project())
    for module in ("ThisWorkbook", "Sheet1", "Sheet2"):  # the document modules are xlwings' own
        assert ovba.module_source(streams, module) == ovba.module_source(original, module)
    assert streams["PROJECT"] == original["PROJECT"]
    with zipfile.ZipFile(SHIPPED) as zf:
        drawing = b"".join(zf.read(n) for n in zf.namelist() if n.endswith(".vml"))
    assert f"[0]!{ENTRY_MACRO}".encode() in drawing  # the form button calls it


def test_libreoffice_reads_the_vba_project_of_a_renamed_copy(tmp_path, soffice):
    """An independent reader of the container and the compression: LibreOffice imports
    the VBA modules of the workbook (saved under a name with spaces) into its Basic."""
    from xlmodel.testing.libreoffice import convert

    copy = tmp_path / "min plan 2026.xlsm"
    shutil.copyfile(SHIPPED, copy)
    out = convert([copy], tmp_path / "ods", fmt="ods", soffice=soffice, recalc=False)[copy]
    with zipfile.ZipFile(out) as zf:
        module = zf.read("Basic/VBAProject/Module1.xml").decode("utf-8")
        names = zf.namelist()
    assert "RunPython &quot;import udfs; udfs.RAMTABELL_UPPDATERA()&quot;" in module
    assert "Sub UppdateraRamtabell()" in module and "Sub RullaFram()" in module
    assert {"Basic/VBAProject/ThisWorkbook.xml", "Basic/VBAProject/Sheet1.xml"} <= set(names)


@pytest.mark.parametrize("name", ["vasterbotten_regionplan_2022.xlsm", "Regionplan 2026 (kopia).xlsm",
                                  "budget-förslag.xlsm"])
def test_the_button_updates_a_workbook_whatever_its_name(tmp_path, monkeypatch, name):
    import xlwings as xw

    from test_macros import FakeBook, button_command, edit
    from xlmodel.workbook.rollforward import rollforward_file

    book_path = tmp_path / name
    shutil.copyfile(SHIPPED, book_path)
    if "2022" in name:
        rollforward_file(book_path)  # rolled forward, as the roll-forward macro leaves it
    edit(book_path, "Ramar", {"D14": Decimal(5100)})
    book = FakeBook.load(book_path)
    monkeypatch.setattr(xw.Book, "caller", classmethod(lambda cls: book), raising=False)
    command = button_command(book_path, "UppdateraRamtabell")
    assert name.rsplit(".", 1)[0] not in command
    exec(command, {})
    assert book.log and all(entry[0] in ("Ramtabell", "Diagramdata", "Resultatbudget", "Balanskrav")
                            for entry in book.log)
    assert any(entry[0] == "Ramtabell" for entry in book.log)


def test_a_built_workbook_has_the_same_button(tmp_path):
    from xlmodel.workbook.build import build_books

    src = tmp_path / "src" / "egen"
    shutil.copytree(REPO / "workbooks" / "src" / "vasterbotten_regionplan_2021", src)
    toml = src / "bok.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'file = "vasterbotten_regionplan_2021.xlsm"', 'file = "Region Exempel plan 2026.xlsm"'), encoding="utf-8")
    (built,) = build_books(src, tmp_path / "ut")
    assert built.name == "Region Exempel plan 2026.xlsm"
    assert vba_streams(built) == vba_streams(SHIPPED)


DELARSRAPPORT = REPO / "workbooks" / "vasterbotten_delarsrapport_2021_08.xlsm"


def test_the_delarsrapport_ships_as_xlsm_with_the_regionplans_vba_project_and_button(tmp_path, monkeypatch):
    """It holds =BALANSKRAV(): only a macro workbook keeps the module "Import Functions"
    writes. Same project, same button macro, which regenerates what the kind owns."""
    import xlwings as xw

    from test_macros import FakeBook, button_command, edit
    from xlmodel.workbook.vba import ENTRY_MACRO

    assert vba_streams(DELARSRAPPORT) == vba_streams(SHIPPED)
    with zipfile.ZipFile(DELARSRAPPORT) as zf:
        content_types = zf.read("[Content_Types].xml")
        drawing = b"".join(zf.read(n) for n in zf.namelist() if n.endswith(".vml"))
    assert b"application/vnd.ms-excel.sheet.macroEnabled.main+xml" in content_types
    assert f"[0]!{ENTRY_MACRO}".encode() in drawing and "Uppdatera beräknade celler".encode() in drawing
    book_path = tmp_path / "Delårsrapport augusti (kopia).xlsm"
    shutil.copyfile(DELARSRAPPORT, book_path)
    edit(book_path, "Balanskravsutredning", {"C9": Decimal(-700)})   # line 5 retyped
    book = FakeBook.load(book_path)
    monkeypatch.setattr(xw.Book, "caller", classmethod(lambda cls: book), raising=False)
    exec(button_command(book_path, ENTRY_MACRO), {})
    # The utredning's cells are all formulas (the totals, =BALANSKRAV(), the spill): the
    # macro leaves them to Excel's recalculation, writes no value into the spill (that
    # would block it) and says so.
    assert not [entry for entry in book.log if entry[0] == "Balanskravsutredning"]
    shown = " ".join(a["prompt"] for a in book.app.alerts)
    assert "Excel räknar om dem" in shown, shown
