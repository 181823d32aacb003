"""xlwings (and with it pandas and numpy) is imported only where its decorators do
something: not by ``import udfs`` on Linux, not by ``xlmodel validera`` computing a
workbook's =BALANSKRAV() cells - but the functions are the same, and xlwings' own
importer still sees their metadata (tests/test_udfs_xlwings.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DELARSRAPPORT = ROOT / "workbooks" / "vasterbotten_delarsrapport_2021_08.xlsm"


def _run(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_udfs_does_not_import_xlwings_on_linux():
    """pandas is installed (a dependency since =RAMTABELL), and still not loaded."""
    got = _run(
        "import importlib.util, json, sys, udfs\n"
        "r = udfs.BALANSKRAV(869, 0, None, None, -716, 15)\n"
        "print(json.dumps({'r': r, 'xlwings': 'xlwings' in sys.modules, 'pandas': 'pandas' in sys.modules,\n"
        "                  'installed': importlib.util.find_spec('pandas') is not None}))"
    )
    assert got == {"r": 168.0, "xlwings": False, "pandas": False, "installed": True}


def test_validate_with_udf_cells_does_not_import_xlwings():
    got = _run(
        "import json, sys\n"
        "from xlmodel.workbook.validate import validate_file\n"
        f"rep = validate_file({str(DELARSRAPPORT)!r})\n"
        "print(json.dumps({'kind': rep.kind, 'errors': rep.has_errors, 'checked': rep.checked_cells,\n"
        "                  'xlwings': 'xlwings' in sys.modules, 'pandas': 'pandas' in sys.modules}))"
    )
    assert got["kind"] == "delarsrapport" and not got["errors"] and got["checked"] > 0
    assert got["xlwings"] is False and got["pandas"] is False


def test_with_xlwings_imported_first_the_decorators_are_xlwings_own():
    """As in the COM server, which imports xlwings before udfs: xlwings' decorators are
    called (on Linux they are no-ops that return the function itself)."""
    got = _run(
        "import json, sys, xlwings\n"
        "calls = []\n"
        "real = xlwings.func\n"
        "xlwings.func = lambda *a, **k: (calls.append(k), real(*a, **k))[1]\n"
        "import udfs\n"
        "print(json.dumps({'calls': len(calls), 'r': udfs.BALANSKRAV(869, 0, None, None, -716, 15)}))"
    )
    assert got["r"] == 168.0
    assert got["calls"] >= 14  # every function went through xlwings.func


def test_the_com_start_leaves_what_only_a_call_needs_for_the_call():
    """The COM server's ``import xlwings, udfs``: the restoration ledger's table classes
    (``rules.ledger_table``) and the rule core are imported by the first =ATERSTALLNING(),
    not at start; the function's headers and result are the same."""
    got = _run(
        "import json, sys, xlwings, udfs\n"
        "start = sorted(m for m in sys.modules if m.startswith('xlmodel.rules'))\n"
        "r = udfs.ATERSTALLNING([2019, 2020, 2021], [-10, 5, 6])\n"
        "print(json.dumps({'start': start, 'headers': list(udfs.functions.ATERSTALLNING_HEADERS), 'r': r,\n"
        "                  'after': 'xlmodel.rules.ledger_table' in sys.modules}))"
    )
    assert got["start"] == []  # before: xlmodel.rules and xlmodel.rules.ledger_table
    assert got["headers"] == ["Underskottsår", "Underskott", "Återställt", "Avskrivet (synnerliga skäl)",
                              "Kvar att återställa", "Sista år", "Status"]
    assert got["r"][0] == got["headers"] and got["r"][1][:3] == [2019, 10.0, 10.0]
    assert got["after"] is True
