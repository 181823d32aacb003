"""``xlmodel excel installera``: the dry run says what would be done on this platform,
the refusals come before anything is done, and the bitness check reads Excel's own
executable. The Windows steps (xlwings addin install, Excel through COM) cannot run
here: docs/excel.md, "Vad som har provats och inte"."""

from __future__ import annotations

import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from xlmodel.errors import WorkbookError
from xlmodel import excel_install as ei

ROOT = Path(__file__).resolve().parents[1]
WORKBOOKS = ROOT / "workbooks"
NOT_WINDOWS = pytest.mark.skipif(sys.platform.startswith("win"), reason="the refusal off Windows")


def xlmodel(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "xlmodel", *map(str, args)], capture_output=True, text=True, cwd=cwd)


def plain_xlsx(tmp_path, name="Budget.xlsx"):
    """The shipped delårsrapport built as a plain .xlsx (no VBA project), as a controller's
    own workbook is before it is made ready: the shipped one is an .xlsm."""
    src = tmp_path / "kalla" / "dr"
    shutil.copytree(WORKBOOKS / "src" / "vasterbotten_delarsrapport_2021_08", src)
    toml = src / "bok.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("vasterbotten_delarsrapport_2021_08.xlsm", name),
                    encoding="utf-8")
    out = tmp_path / "byggd"
    built = xlmodel("bygg", src, "--ut", out)
    assert built.returncode == 0, built.stderr
    book = tmp_path / name
    shutil.move(out / name, book)
    shutil.rmtree(tmp_path / "kalla")
    shutil.rmtree(out)
    return book


def test_dry_run_of_an_xlsx_lists_the_steps_and_changes_nothing(tmp_path):
    book = plain_xlsx(tmp_path)
    before = book.read_bytes()
    run = xlmodel("excel", "installera", "--torrkorning", book)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "delårsrapport" in out
    assert f"{sys.executable} -m xlwings.cli addin install" in out
    assert "Spara Budget.xlsx som Budget.xlsm" in out
    assert f"Interpreter_Win = {sys.executable}" in out and "UDF Modules = udfs" in out
    assert "VBA-referens till xlwings" in out and "Import Functions" in out
    # every workbook with a part the macro regenerates gets the button (issue 18), here the utredning
    assert ('Knappen "Uppdatera ramtabell" på bladet Info (i filen), som kör UppdateraRamtabell och räknar om '
            'balanskravsutredningen') in out
    if not sys.platform.startswith("win"):
        assert f"På den här plattformen ({sys.platform}) körs inget av stegen" in out
    assert book.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["Budget.xlsx"]


def test_dry_run_of_a_regionplan_adds_the_button(tmp_path):
    book = tmp_path / "Plan.xlsm"
    shutil.copyfile(WORKBOOKS / "vasterbotten_regionplan_2021.xlsm", book)
    run = xlmodel("excel", "install", "-n", book)
    assert run.returncode == 0, run.stderr
    assert "regionplan" in run.stdout and "säkerhetskopiemappen" in run.stdout
    assert 'Knappen "Uppdatera ramtabell" finns redan på bladet Info (kör UppdateraRamtabell)' in run.stdout


@NOT_WINDOWS
def test_without_dry_run_off_windows_nothing_is_done(tmp_path):
    book = tmp_path / "Plan.xlsm"
    shutil.copyfile(WORKBOOKS / "vasterbotten_regionplan_2021.xlsm", book)
    run = xlmodel("excel", "installera", book)
    assert run.returncode == 2
    assert "kräver Windows med Excel" in run.stderr and "--torrkorning" in run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Plan.xlsm"]


def test_refusals_before_anything_is_done(tmp_path):
    book = plain_xlsx(tmp_path)
    (tmp_path / "Budget.xlsm").write_bytes(b"someone's file")
    run = xlmodel("excel", "installera", "--torrkorning", book)
    assert run.returncode == 2 and "Budget.xlsm finns redan" in run.stderr
    text = tmp_path / "anteckning.txt"
    text.write_text("x")
    assert xlmodel("excel", "installera", "-n", text).returncode == 2
    missing = xlmodel("excel", "installera", "-n", tmp_path / "saknas.xlsm")
    assert missing.returncode == 2 and "finns inte" in missing.stderr


def _pe(machine: int) -> bytes:
    head = bytearray(512)
    head[:2] = b"MZ"
    struct.pack_into("<I", head, 0x3C, 0x80)
    head[0x80:0x84] = b"PE\0\0"
    struct.pack_into("<H", head, 0x84, machine)
    return bytes(head)


def test_pe_bits_reads_the_machine_field(tmp_path):
    for machine, bits in ((0x8664, 64), (0x014C, 32), (0xAA64, 64)):
        exe = tmp_path / f"EXCEL{machine}.EXE"
        exe.write_bytes(_pe(machine))
        assert ei.pe_bits(exe) == bits
    junk = tmp_path / "x.exe"
    junk.write_bytes(b"not an executable")
    assert ei.pe_bits(junk) is None and ei.pe_bits(tmp_path / "missing.exe") is None


def test_bitness_check_against_excel_s_executable(tmp_path):
    mine = ei.python_bits()
    exe = tmp_path / "EXCEL.EXE"
    exe.write_bytes(_pe(0x8664 if mine == 64 else 0x014C))
    same = {r"SOFTWARE\Microsoft\Windows\CurrentVersion\App Paths\excel.exe": str(exe)}
    assert ei.check_bitness(lambda key, value: same.get(key)).startswith(f"Excel och Python är båda {mine}-bitars")
    other = tmp_path / "EXCEL32.EXE"
    other.write_bytes(_pe(0x014C if mine == 64 else 0x8664))
    with pytest.raises(WorkbookError, match=f"Python .* är {mine}-bitars"):
        ei.check_bitness(lambda key, value: {r"SOFTWARE\Microsoft\Windows\CurrentVersion\App Paths\excel.exe":
                                             f'"{other}"'}.get(key))
    c2r = {r"SOFTWARE\Microsoft\Office\ClickToRun\Configuration": "x64" if mine == 64 else "x86"}
    assert "Klicka-och-kör" in ei.check_bitness(lambda key, value: c2r.get(key) if value == "Platform" else None)
    with pytest.raises(WorkbookError, match="kunde inte avgöra"):
        ei.check_bitness(lambda key, value: None)


# --------------------------------------------------------------------------- the Windows steps, on stand-ins

class _Cell:
    def __init__(self, sheet, key):
        self.sheet, self.key = sheet, key

    @property
    def value(self):
        return self.sheet.values.get(self.key)

    @value.setter
    def value(self, v):
        self.sheet.values[self.key] = v


class _Buttons(list):
    def Add(self, left, top, width, height):  # noqa: N802 - Excel's name
        button = type("Button", (), {"OnAction": "", "Caption": ""})()
        self.append(button)
        return button


class _Sheet:
    def __init__(self, name):
        self.name, self.values = name, {}
        buttons = _Buttons()
        self.api = type("SheetApi", (), {"Buttons": lambda _self: buttons})()

    def range(self, key):
        return _Cell(self, key)


class _Sheets(list):
    def __getitem__(self, key):
        if isinstance(key, str):
            return next(s for s in self if s.name == key)
        return list.__getitem__(self, key)

    def add(self, name, after=None):
        sheet = _Sheet(name)
        self.append(sheet)
        return sheet


class _References(list):
    def AddFromFile(self, path):  # noqa: N802
        self.append(type("Ref", (), {"Name": "xlwings", "FullPath": path})())


class _Book:
    def __init__(self, log, sheets):
        self.log = log
        self.sheets = _Sheets(_Sheet(n) for n in sheets)
        refs = _References()
        self.api = type("BookApi", (), {"VBProject": type("Project", (), {"References": refs})(),
                                        "SaveAs": lambda _self, path, fmt: log.append(("SaveAs", path, fmt))})()

    def save(self):
        self.log.append(("save",))


def _fake_xlwings(monkeypatch, tmp_path, sheets):
    import types

    log, books = [], []

    class App:
        def __init__(self, visible=True, add_book=True):
            log.append(("App", visible, add_book))
            outer = self

            class Api:
                def __setattr__(self, name, value):
                    log.append(("api", name, value))
                    object.__setattr__(self, name, value)

            self.api = Api()

            class Books:
                def open(self, path):
                    log.append(("open", path, getattr(outer.api, "AutomationSecurity", None)))
                    books.append(_Book(log, sheets))
                    return books[-1]

            self.books = Books()

        def quit(self):
            log.append(("quit",))

    xw = types.ModuleType("xlwings")
    xw.App = App
    xw.__path__ = []
    udfs_mod = types.ModuleType("xlwings.udfs")
    udfs_mod.import_udfs = lambda modules, book_api: log.append(("import_udfs", modules))
    cli_mod = types.ModuleType("xlwings.cli")
    cli_mod.get_addin_dir = lambda: str(tmp_path / "XLSTART")
    xw.udfs, xw.cli = udfs_mod, cli_mod
    for name, mod in (("xlwings", xw), ("xlwings.udfs", udfs_mod), ("xlwings.cli", cli_mod)):
        monkeypatch.setitem(sys.modules, name, mod)
    return log, books


def test_the_excel_steps_on_the_prepared_xlsm_with_macros_disabled(monkeypatch, tmp_path):
    book_path = tmp_path / "Plan.xlsm"
    shutil.copyfile(WORKBOOKS / "vasterbotten_regionplan_2021.xlsm", book_path)
    p = ei.plan(book_path, windows=True)
    log, books = _fake_xlwings(monkeypatch, tmp_path, ["Info", "Ramar"])
    done = ei.prepare_workbook(p)
    opened = next(e for e in log if e[0] == "open")
    assert opened[1] == str(p.target)
    assert opened[2] == ei.FORCE_DISABLE_MACROS  # set before the workbook was opened
    assert log.index(("api", "AutomationSecurity", 3)) < log.index(opened)
    book = books[0]
    assert [r.FullPath for r in book.api.VBProject.References] == [str(tmp_path / "XLSTART" / "xlwings.xlam")]
    assert ("import_udfs", "udfs") in log
    assert book.sheets["Info"].api.Buttons() == []  # the button is in the file already (write_prepared)
    assert not any(e[0] == "SaveAs" for e in log)
    assert log[-2:] == [("save",), ("quit",)]
    assert done[-1] == f"sparad: {book_path}"


def test_an_xlsx_is_prepared_as_a_new_xlsm_then_opened_in_excel(monkeypatch, tmp_path):
    book_path = plain_xlsx(tmp_path)
    before = book_path.read_bytes()
    p = ei.plan(book_path, windows=True)
    done = ei.write_prepared(p)
    assert book_path.read_bytes() == before and (tmp_path / "Budget.xlsm").exists()
    assert done[0] == f"sparad som {tmp_path / 'Budget.xlsm'} (Budget.xlsx orörd)"
    log, _books = _fake_xlwings(monkeypatch, tmp_path, ["Info", "xlwings.conf"])
    ei.prepare_workbook(p)
    assert next(e for e in log if e[0] == "open")[1] == str(tmp_path / "Budget.xlsm")
    again = xlmodel("excel", "installera", "-n", book_path)
    assert again.returncode == 2 and "Budget.xlsm finns redan" in again.stderr
