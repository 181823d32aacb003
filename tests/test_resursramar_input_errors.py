"""A resursramar workbook with one input typed wrong: ``xlmodel validera`` names the cell.

The resursramar's own checks live in the rule core (``xlmodel/rules/resursramar.py``,
``varav.py``, ``years.py``) and raise at the location the value carries. Each case types
one input over in the shipped workbook (losslessly, as a controller's edit is saved) and
runs the real command line, as a controller would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from xlmodel.xlsx.package import Package
from xlmodel.xlsx.patch import CellWrite, patch_sheet

REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "workbooks" / "vasternorrland_regionplan_2020_2022.xlsx"

# (case, sheet, {cell: value}, (sheet, cell, rule) of the error, words of its message)
CASES = [
    ("dup_id", "Resursramar", {"A6": "nhu"}, ("Resursramar", "A6", "resursramar"), "Id 'nhu' förekommer två gånger"),
    ("parent_missing", "Resursramar", {"C5": "nope"}, ("Resursramar", "C5", "resursramar"),
     "Förälder 'nope' finns inte ovanför raden i tabellen"),
    ("parent_below", "Resursramar", {"C7": "rs"}, ("Resursramar", "C7", "resursramar"),
     "Förälder 'rs' finns inte ovanför raden"),
    ("flag", "Resursramar", {"I5": "kanske"}, ("Resursramar", "I5", "resursramar"), "'kanske' ska vara ja eller nej"),
    ("varav_exceeds", "Resursramar", {"F11": Decimal("6000")}, ("Resursramar", "F6", "resursramar.varav_overstiger"),
     "Varav-raderna under Hälso- och sjukvårdsnämnd summerar till 11 445,8 mkr år 2020, mer än raden själv"),
    ("fn_kind", "Fotnoter", {"D8": "gåva"}, ("Fotnoter", "D8", "resursramar"), "Typen 'gåva' är okänd"),
    ("fn_row", "Fotnoter", {"C8": "xyz"}, ("Fotnoter", "C8", "resursramar"), "Raden 'xyz' finns inte i tblResursramar"),
    ("fn_red_unreduced", "Fotnoter", {"C6": "hsn"}, ("Fotnoter", "C6", "resursramar"),
     "omfattas inte av den generella reduktionen"),
    ("fn_transfer", "Fotnoter", {"G5": Decimal("80")}, ("Fotnoter", "G30", "resursramar.overforing_netto"),
     "Överföringarna i fotnoterna går inte jämnt ut: 80 mkr till mottagande rader men 85,5 mkr"),
    ("planar_year", "Parametrar", {"A16": 2025}, ("Parametrar", "A16", "resursramar"), "År 2025 står där 2020 ska stå"),
    ("first_year", "Parametrar", {"C5": 2021}, ("Parametrar", "A15", "resursramar"), "År 2019 står där 2020 ska stå"),
    ("period", "Parametrar", {"C6": 2018}, ("Parametrar", "C6", "resursramar"),
     "Planperiodens sista år 2018 ligger före första året 2020"),
    ("res_year_dup", "Återställning", {"A6": 2019}, ("Återställning", "A6", "aterstallning"),
     "År 2019 förekommer två gånger: åren måste vara unika och i stigande ordning"),
    ("res_year_order", "Återställning", {"A6": 2018}, ("Återställning", "A6", "aterstallning"),
     "År 2018 kommer efter 2019: åren måste vara unika och i stigande ordning"),
]


@pytest.mark.parametrize(("case", "sheet", "values", "where", "words"), CASES, ids=[c[0] for c in CASES])
def test_a_wrong_input_is_reported_at_its_cell(tmp_path, case, sheet, values, where, words):
    pkg = patch_sheet(Package.open(SHIPPED), sheet, [CellWrite(ref=r, value=v) for r, v in values.items()])
    path = tmp_path / f"{case}.xlsx"
    path.write_bytes(pkg.to_bytes())
    done = subprocess.run([sys.executable, "-m", "xlmodel", "validera", "--format", "json", str(path)],
                          capture_output=True, text=True, cwd=REPO, env={**os.environ, "NO_COLOR": "1"})
    assert done.returncode == 1, done.stderr
    errors = [f for f in json.loads(done.stdout)["files"][0]["findings"] if f["severity"] == "fel"]
    located = [f for f in errors if (f["sheet"], f["cell"], f["rule"]) == where]
    assert located and words in located[0]["message"], errors
