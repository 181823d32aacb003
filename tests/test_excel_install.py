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


def test_dry_run_of_an_xlsx_lists_the_steps_and_changes_nothing(tmp_path):
    book = tmp_path / "Budget.xlsx"
    shutil.copyfile(WORKBOOKS / "vasterbotten_delarsrapport_2021_08.xlsx", book)
    before = book.read_bytes()
    run = xlmodel("excel", "installera", "--torrkorning", book)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "delårsrapport" in out
    assert f"{sys.executable} -m xlwings.cli addin install" in out
    assert "Spara Budget.xlsx som Budget.xlsm" in out
    assert f"Interpreter_Win = {sys.executable}" in out and "UDF Modules = udfs" in out
    assert "VBA-referens till xlwings" in out and "Import Functions" in out
    assert "Uppdatera ramtabell" not in out  # the button is for a regionplan
    if not sys.platform.startswith("win"):
        assert f"På den här plattformen ({sys.platform}) körs inget av stegen" in out
    assert book.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["Budget.xlsx"]


def test_dry_run_of_a_regionplan_adds_the_button(tmp_path):
    book = tmp_path / "Plan.xlsm"
    shutil.copyfile(WORKBOOKS / "vasterbotten_regionplan_2021.xlsm", book)
    run = xlmodel("excel", "install", "-n", book)
    assert run.returncode == 0, run.stderr
    assert "regionplan" in run.stdout and "säkerhetskopiemappen" in run.stdout
    assert 'Knappen "Uppdatera ramtabell" på bladet Info, som kör RAMTABELL_UPPDATERA' in run.stdout


@NOT_WINDOWS
def test_without_dry_run_off_windows_nothing_is_done(tmp_path):
    book = tmp_path / "Plan.xlsm"
    shutil.copyfile(WORKBOOKS / "vasterbotten_regionplan_2021.xlsm", book)
    run = xlmodel("excel", "installera", book)
    assert run.returncode == 2
    assert "kräver Windows med Excel" in run.stderr and "--torrkorning" in run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Plan.xlsm"]


def test_refusals_before_anything_is_done(tmp_path):
    book = tmp_path / "Budget.xlsx"
    shutil.copyfile(WORKBOOKS / "vasterbotten_delarsrapport_2021_08.xlsx", book)
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
