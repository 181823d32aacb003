"""Truthful messages (issue: nothing lost on a shared drive, point 6): each case a user
ran into, through the real CLI on real files written by other programs (openpyxl)."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REGIONPLAN = ROOT / "workbooks" / "vasterbotten_regionplan_2021.xlsm"


def child_env() -> dict[str, str]:
    import os

    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1"}
    env.pop("XLMODEL_DEBUG", None)
    return env


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xlmodel", *args], capture_output=True, text=True,
                          env=child_env(), cwd=cwd, timeout=180)


def openpyxl_saved(tmp_path: Path, edit, name: str = "bok.xlsm") -> Path:
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl: "Sparkline Group extension is not supported"
        wb = openpyxl.load_workbook(REGIONPLAN, keep_vba=True)
        edit(wb)
        out = tmp_path / name
        wb.save(out)
    return out


def test_a_formula_without_a_saved_value_is_named_as_such(tmp_path):
    def formula_in_input(wb):
        wb["Ramar"]["D6"] = "=10+6.86"

    path = openpyxl_saved(tmp_path, formula_in_input)
    for cmd in (["regenerera", str(path)], ["validera", str(path)]):
        proc = cli(*cmd)
        text = proc.stdout + proc.stderr
        assert "saknas (tom cell)" not in text
        assert "D6" in text and "har formeln =10+6.86 men inget sparat värde" in text, text


def test_a_name_left_pointing_at_a_deleted_sheet_names_the_sheet(tmp_path):
    def delete_parameters(wb):
        del wb["Parametrar"]

    path = openpyxl_saved(tmp_path, delete_parameters, "utan.xlsm")
    # Excel rewrites the names of a deleted sheet to #REF!; openpyxl leaves them: do as Excel.
    damaged = tmp_path / "bok.xlsm"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(damaged, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/workbook.xml":
                data = re.sub(rb"'?Parametrar'?!", b"#REF!", data)
            zout.writestr(info, data)
    proc = cli("regenerera", str(damaged))
    assert proc.returncode == 2
    assert "'#REF'" not in proc.stderr
    assert "pekar på #REF!" in proc.stderr and "bladet 'Parametrar'" in proc.stderr and "saknas" in proc.stderr


def test_a_deleted_changes_sheet_names_the_missing_table(tmp_path):
    def delete_changes(wb):
        del wb["Förändringar"]

    path = openpyxl_saved(tmp_path, delete_changes)
    proc = cli("regenerera", str(path))
    assert proc.returncode == 2
    assert "ser ut som en regionplan" in proc.stderr and "tblForandringar" in proc.stderr
    assert "bladet 'Förändringar'" in proc.stderr
    proc = cli("validera", str(path))
    assert proc.returncode == 1 and "tblForandringar saknas" in proc.stdout


# Ctrl-C at a chosen moment of the save: the child patches one step of
# xlmodel.xlsx.atomic (as tests/test_reliability_kill.py does with SIGKILL) to send
# itself SIGINT, the signal a terminal's Ctrl-C sends.
CTRL_C = r"""
import os, signal, sys
import xlmodel.xlsx.atomic as atomic
target, when = sys.argv[1], sys.argv[2]
real = getattr(atomic, target)
def patched(*args, **kwargs):
    if when == "before":
        os.kill(os.getpid(), signal.SIGINT)
    result = real(*args, **kwargs)
    if when == "after":
        os.kill(os.getpid(), signal.SIGINT)
    return result
setattr(atomic, target, patched)
from xlmodel.cli import main
sys.exit(main(["regenerera", sys.argv[3]]))
"""


def changed_book(tmp_path: Path) -> Path:
    from decimal import Decimal

    from xlmodel.xlsx import CellWrite, Package, patch_sheet

    pkg = Package.open(REGIONPLAN)
    path = tmp_path / "bok.xlsm"
    path.write_bytes(patch_sheet(pkg, "Ramar", [CellWrite("B9", "Regionstyrelsen (nytt namn)")]).to_bytes())
    return path


def ctrl_c(tmp_path: Path, target: str, when: str) -> tuple[subprocess.CompletedProcess, bytes, bytes]:
    path = changed_book(tmp_path)
    before = path.read_bytes()
    proc = subprocess.run([sys.executable, "-c", CTRL_C, target, when, str(path)], capture_output=True, text=True,
                          env=child_env(), cwd=ROOT, timeout=180)
    return proc, before, path.read_bytes()


def test_ctrl_c_just_after_the_replace_reports_the_success(tmp_path):
    proc, before, after = ctrl_c(tmp_path, "_put_in_place", "after")
    assert after != before
    assert proc.returncode in (0, 1), proc.stderr
    assert "celler ändrade" in proc.stdout and "avbrutet" not in proc.stderr
    assert "Ctrl-C kom när arbetsboken redan sparades" in proc.stderr


def test_ctrl_c_before_the_replace_interrupts_and_writes_nothing(tmp_path):
    proc, before, after = ctrl_c(tmp_path, "_verify", "before")
    assert proc.returncode == 130 and "avbrutet" in proc.stderr
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bok.xlsm"]


def test_a_file_name_starting_with_a_dash_gets_a_hint(tmp_path):
    (tmp_path / "-bok.xlsm").write_bytes(REGIONPLAN.read_bytes())
    proc = cli("regenerera", "-bok.xlsm", cwd=tmp_path)
    assert proc.returncode == 2
    assert "'./-bok.xlsm'" in proc.stderr and "xlmodel regenerera -- -bok.xlsm" in proc.stderr
    assert cli("regenerera", "--", "-bok.xlsm", cwd=tmp_path).returncode in (0, 1)


def test_a_cell_message_fits_in_255_characters():
    import udfs.functions as f

    message = f.BALANSKRAV("x" * 32767)
    assert message.startswith("#XLMODEL") and len(message) <= 255 and message.endswith("…")


def test_whole_column_ranges_are_refused_before_any_cell_is_read():
    import udfs.functions as f

    column = [[None]] * 1_048_576   # what xlwings passes for A:A with ndim=2
    years = [[2019]] + [[None]] * (1_048_576 - 1)
    for message in (f.ATERSTALLNING(years, column, column, column), f.BALANSKRAV(column)):
        assert "hela kolumner (t.ex. A:A)" in message, message
