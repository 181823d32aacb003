"""The Ramtabell or Diagram sheet renamed in a book without xlmodel's defined names (an
older built book, or one saved by a program that dropped them; issue 12, "parts
anywhere"). Neither sheet holds an Excel Table, so without the names they were found by
the sheet's name only: a renamed Ramtabell was "Bladet 'Ramtabell' saknas" and 20 errors
on the Diagram's formulas, a renamed Diagram was not checked at all (silence). Now each
is found by its header row (``signatures``); where that is gone too, the message says
what to do. Real CLI processes on the shipped regionplan, renamed at the package level
as Excel renames (``test_renamed_sheets.rename_sheet``).
"""

from __future__ import annotations

import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from test_adopt import run_cli, validate_json
from test_renamed_sheets import REGIONPLAN, WORKBOOKS, rename_sheet

SHIPPED = WORKBOOKS / REGIONPLAN


def _names() -> tuple[str, ...]:
    text = zipfile.ZipFile(SHIPPED).read("xl/workbook.xml").decode("utf-8")
    return tuple(re.findall(r'definedName name="(xlmodel_[^"]+)"', text))


def _counts(path: Path) -> tuple[int, dict]:
    code, report = validate_json(path)
    return report["checked_cells"], report["counts"]


@pytest.mark.parametrize("old, new", [("Ramtabell", "Ramtabell 2021"), ("Diagram", "Grafer")])
def test_a_renamed_output_sheet_without_names_is_found_by_its_header_row(tmp_path, old, new):
    book = tmp_path / "plan.xlsm"
    rename_sheet(SHIPPED, book, old, new, drop_names=_names())
    code, report = validate_json(book)
    assert code == 0 and report["counts"]["errors"] == 0, report
    assert _counts(book) == _counts(SHIPPED)          # every cell checked, as in the shipped book
    regen = run_cli("regenerera", book.name, cwd=tmp_path)
    assert regen.returncode == 0 and "inga celler behöver ändras" in regen.stdout, regen.stdout + regen.stderr


def test_a_changed_cell_on_the_renamed_diagram_is_found(tmp_path):
    from xlmodel.xlsx import CellWrite, Package, patch_sheet

    book = tmp_path / "plan.xlsm"
    rename_sheet(SHIPPED, book, "Diagram", "Grafer", drop_names=_names())
    pkg = patch_sheet(Package.open(book), "Grafer", [CellWrite("G5", Decimal("99"))])  # the burndown's first amount
    book.write_bytes(pkg.to_bytes())
    code, report = validate_json(book)
    assert code == 1 and any(f["sheet"] == "Grafer" and f["cell"] == "G5" for f in report["findings"]), report
    assert run_cli("regenerera", book.name, cwd=tmp_path).returncode == 0
    assert validate_json(book)[0] == 0


def test_a_renamed_ramtabell_without_its_header_says_what_to_do(tmp_path):
    from xlmodel.xlsx import CellWrite, Package, patch_sheet

    book = tmp_path / "plan.xlsm"
    rename_sheet(SHIPPED, book, "Ramtabell", "Ramtabell 2021", drop_names=_names())
    pkg = patch_sheet(Package.open(book), "Ramtabell 2021", [CellWrite("B4", "Nämnd")])  # its header typed over
    book.write_bytes(pkg.to_bytes())
    code, report = validate_json(book)
    messages = " ".join(f["message"] for f in report["findings"])
    assert code == 1 and "döp tillbaka det till 'Ramtabell'" in messages and "xlmodel_Ramtabell" in messages, report
    regen = run_cli("regenerera", book.name, cwd=tmp_path)
    assert regen.returncode != 0 and "Namnhanteraren" in regen.stderr and "Traceback" not in regen.stderr
