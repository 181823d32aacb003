"""A real spreadsheet program opens every shipped workbook and agrees with xlmodel.

LibreOffice (Debian's headless Calc, installed by `make test`) opens each workbook in
workbooks/ with recalculation forced on load, in one batch. Every native formula must
give the value xlmodel stored as its cached value; only the cells that call an xlwings
function (BALANSKRAV, ATERSTALLNING, ...) may show #NAME? there, and they must.
"""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path

import pytest

from xlmodel.testing import CellError
from xlmodel.testing.libreoffice import find_soffice, recalc_values
from xlmodel.workbook.cells import PackageCells

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "workbooks").glob("*.xls[xm]"))

pytestmark = pytest.mark.libreoffice

# Functions that only exist through xlwings (udfs/): LibreOffice cannot know them.
UDF_CALL = re.compile(r"^\s*(BALANSKRAV|BALANSKRAV_UTREDNING|ATERSTALLNING|RESERVUTRYMME|UPPRAKNING\w*|OMSTALLNING\w*|INDEXSATS\w*|AVKASTNINGSKRAV\w*)\s*\(", re.I)


@pytest.fixture(scope="module")
def recalculated():
    if find_soffice() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) saknas i CI: `make test` ska installera det")
        pytest.skip("LibreOffice (soffice) is not installed here; `make test` installs it")
    return recalc_values(SHIPPED)


def test_there_are_workbooks():
    assert len(SHIPPED) >= 2


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_native_formulas_agree_and_only_udf_cells_are_name_errors(recalculated, path):
    lo = recalculated[path]
    cells = PackageCells.open(path)
    native = udf = 0
    for sheet in cells.sheet_names():
        for ref, cell in cells.cells(sheet).items():
            if cell.formula is None:
                continue
            got = lo.get(sheet, {}).get(ref)
            if UDF_CALL.match(cell.formula):
                udf += 1
                assert isinstance(got, CellError) and got == "#NAME?", (sheet, ref, got)
                continue
            native += 1
            want = cells.value(sheet, ref)
            assert not isinstance(got, CellError), (sheet, ref, cell.formula, got)
            if isinstance(want, Decimal):
                assert got == pytest.approx(float(want), rel=1e-12, abs=1e-9), (sheet, ref, cell.formula)
            else:
                assert str(got) == str(want), (sheet, ref, cell.formula)
    assert native > 0
