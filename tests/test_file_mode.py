"""A file xlmodel writes gets the mode any program's new file gets (0666 less the
user's umask), not the private 0600 of the temporary file it is written through; a file
it writes over keeps its mode (issue: nothing lost on a shared drive, point 3). Real CLI
processes under a umask of 002 (a shared folder's), checked with os.stat."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "workbooks" / "src" / "vasterbotten_regionplan_2021"
PLAN = ROOT / "workbooks" / "vasterbotten_regionplan_2021.xlsm"
UMASK = 0o002
NEW_MODE = 0o666 & ~UMASK  # 0664: what `touch` gives under this umask

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes and umask are POSIX")

NEW_PLAN_ARGS = ("--namn", "Testregion", "--ar", "2026", "--namnd", "Regionstyrelsen=100",
                 "--namnd", "Hälso- och sjukvårdsnämnden=500", "--index", "2,9 %",
                 "--indexkalla", "SKR:s prognos augusti 2025", "--skatteintakter", "400", "--statsbidrag", "300")


def xlmodel(*args, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xlmodel", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=300, preexec_fn=lambda: os.umask(UMASK))


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_plan_gets_the_mode_of_a_new_file(tmp_path):
    out = tmp_path / "ny.xlsx"
    run = xlmodel("ny", *NEW_PLAN_ARGS, "--ut", out, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert oct(mode(out)) == oct(NEW_MODE)


def test_a_plan_written_over_keeps_the_mode_of_the_file_it_replaces(tmp_path):
    out = tmp_path / "ny.xlsx"
    assert xlmodel("ny", *NEW_PLAN_ARGS, "--ut", out, cwd=tmp_path).returncode == 0
    os.chmod(out, 0o640)
    run = xlmodel("ny", *NEW_PLAN_ARGS, "--ut", out, "--skriv-over", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert oct(mode(out)) == oct(0o640)


def test_built_workbooks_get_the_mode_of_a_new_file(tmp_path):
    out = tmp_path / "byggt"
    run = xlmodel("bygg", SOURCE, "--ut", out, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    (book,) = out.glob("*.xls[xm]")
    assert oct(mode(book)) == oct(NEW_MODE)


def test_a_report_file_gets_the_mode_of_a_new_file_and_keeps_its_mode_when_written_over(tmp_path):
    report = tmp_path / "rapport.json"
    run = xlmodel("validera", PLAN, "--format", "json", "--utfil", report, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert oct(mode(report)) == oct(NEW_MODE)
    os.chmod(report, 0o640)
    assert xlmodel("validera", PLAN, "--format", "json", "--utfil", report, cwd=tmp_path).returncode == 0
    assert oct(mode(report)) == oct(0o640)


def test_a_new_overview_gets_the_mode_of_a_new_file(tmp_path):
    out = tmp_path / "oversikt.xlsx"
    run = xlmodel("sammanstall", PLAN, "--ut", out, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert oct(mode(out)) == oct(NEW_MODE)


def test_install_file_onto_a_name_that_is_gone_gives_the_mode_of_a_new_file(tmp_path):
    # install_file is called when the target existed a moment ago; if it is gone by then
    # the file is new, and gets a new file's mode rather than the temporary file's 0600
    from xlmodel.xlsx.atomic import install_file

    tmp = tmp_path / ".bok.xlsx.tmp"
    tmp.write_bytes(b"x")
    os.chmod(tmp, 0o600)
    old = os.umask(UMASK)
    try:
        install_file(tmp, tmp_path / "bok.xlsx")
    finally:
        os.umask(old)
    assert oct(mode(tmp_path / "bok.xlsx")) == oct(NEW_MODE)
