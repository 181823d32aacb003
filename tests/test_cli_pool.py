"""``validera --jobb N``: the pool's hand-out order, its report order, and the process
hygiene around it (collector state, the skipped collection at exit).

The end-to-end comparisons of --jobb 1 and --jobb 2 through ``python -m xlmodel`` are
in test_cli.py (unreadable files) and test_cli_workbooks.py (built workbooks); here the
same is checked in-process on the shipped workbooks, whose sizes differ, mixed with
files the pre-flight refuses, so the largest-first hand-out really reorders the work.
"""

from __future__ import annotations

import gc
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from xlmodel.cli import validate as cli

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted(p for p in (ROOT / "workbooks").glob("*.xls[xm]") if not p.name.startswith("~$"))


def test_largest_first_by_size_ties_in_input_order_missing_as_empty(tmp_path):
    sizes = {"a": 10, "b": 300, "c": 10, "d": 50}
    paths = []
    for name, size in sizes.items():
        (tmp_path / name).write_bytes(b"x" * size)
        paths.append(str(tmp_path / name))
    paths.insert(2, str(tmp_path / "saknas"))
    # b(300) d(50) a(10) c(10) saknas(0): a before c because a comes first in the input.
    assert [Path(paths[i]).name for i in cli.largest_first(paths)] == ["b", "d", "a", "c", "saknas"]


def _mixed_inputs(tmp_path: Path) -> list[str]:
    """Shipped workbooks of different sizes in smallest-first order, several copies each,
    between a text file, a missing file and a folder without workbooks."""
    books = sorted(SHIPPED, key=lambda p: p.stat().st_size)
    (tmp_path / "inte_en_bok.xlsx").write_text("inte en zip", encoding="utf-8")
    (tmp_path / "tom_katalog").mkdir()
    out = [str(tmp_path / "saknas.xlsx")]
    for copy in range(3):
        for book in books:
            target = tmp_path / f"{copy}_{book.name}"
            shutil.copyfile(book, target)
            out.append(str(target))
        out.append(str(tmp_path / "inte_en_bok.xlsx") if copy == 0 else str(tmp_path / "tom_katalog"))
    return out


@pytest.mark.skipif(len(SHIPPED) < 2, reason="needs the shipped workbooks")
@pytest.mark.parametrize("jobs", [2, 3])
def test_pool_reports_in_input_order_exactly_as_one_process(tmp_path, jobs):
    paths = _mixed_inputs(tmp_path)
    order = cli.largest_first(paths)
    assert order != sorted(order)  # the hand-out really differs from the input order
    serial = cli.validate_many(paths, jobs=1)
    pooled = cli.validate_many(paths, jobs=jobs)
    assert [r["path"] for r in pooled] == paths
    assert pooled == serial
    assert any(r["error"] for r in pooled) and any(r["kind"] for r in pooled)


@pytest.mark.skipif(not SHIPPED, reason="needs the shipped workbooks")
def test_pool_leaves_the_collector_as_it_found_it(tmp_path):
    paths = []
    for i in range(3):
        target = tmp_path / f"{i}_{SHIPPED[0].name}"
        shutil.copyfile(SHIPPED[0], target)
        paths.append(str(target))
    assert gc.get_freeze_count() == 0
    cli.validate_many(paths, jobs=2)
    assert gc.get_freeze_count() == 0   # frozen only for the fork, then handed back
    assert gc.isenabled()


def test_main_skips_the_final_collection_at_exit():
    # An atexit function registered before main() runs after the one main() registers
    # (last in, first out): by then the survivors are in the permanent generation.
    code = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('frozen' if gc.get_freeze_count() > 0 else 'not frozen'))\n"
        "from xlmodel.cli import main\n"
        "code = main(['validera', '--format', 'json', 'saknas.xlsx'])\n"
        "print('exit', code)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert p.stdout.splitlines()[-2:] == ["exit 2", "frozen"], p.stdout + p.stderr


def test_library_use_of_validate_many_does_not_touch_exit():
    # Only main() (the program) registers the exit-time freeze; importing cli does not.
    code = (
        "import atexit, gc\n"
        "atexit.register(lambda: print('frozen' if gc.get_freeze_count() > 0 else 'not frozen'))\n"
        "from xlmodel.cli import validate as cli\n"
        "cli.validate_many(['saknas.xlsx'], jobs=1)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert p.stdout.strip() == "not frozen", p.stdout + p.stderr
