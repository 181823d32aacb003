"""Core checks that used to be copied in the workbook layer, now only in the core.

- Each frame-table row id once, compared as a person reads it ('RF', 'rf', ' RF ' are
  one nämnd): ``xlmodel.rules.frametable.UniqueIds``, used by the whole table, the
  one-pass validation (``fold_frame_rows``) and the workbook's rows. The workbook layer's
  copy (``frames._check_unique_ids``) is gone; the core's error names the cell because
  the rows carry their locations.
- The resultatbudget's years each once and ascending: ``goals.check_years``, the shared
  rule of ``xlmodel.rules.years``, at the cell of the year out of order.

Real copies of the shipped regionplan, real ``xlmodel`` processes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest

from xlmodel.errors import InputError
from xlmodel.location import Location, Locator
from xlmodel.rules import frametable as F
from xlmodel.rules.goals import FinancialGoal, ResultatbudgetYear, check_resultatbudget, evaluate_goal
from xlmodel.xlsx import CellWrite, Package, patch_sheet, read_values

ROOT = Path(__file__).resolve().parents[1]
REGIONPLAN = ROOT / "workbooks" / "vasterbotten_regionplan_2021.xlsm"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1"}
    env.pop("XLMODEL_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "xlmodel", *args], capture_output=True, text=True,
                          encoding="utf-8", cwd=ROOT, env=env, timeout=300)


def at(sheet: str, cell: str) -> Locator:
    return Locator(lambda key: Location(sheet=sheet, cell=cell, argument=key.capitalize()))


def row(rid: str, prior: str = "1", parent: str | None = None, where: Locator | None = None) -> F.FrameRow:
    extra = {"where": where} if where is not None else {}
    return F.FrameRow(id=rid, label=rid, parent=parent, prior_frame=D(prior), **extra)


# ----------------------------------------------------------------------------- core


@pytest.mark.parametrize("second, words", [
    ("A", "id 'A' förekommer två gånger"),
    ("a", "id 'a' är samma som 'A' (stora och små bokstäver räknas inte som olika)"),
    (" A ", "är samma som 'A'"),
])
def test_the_core_refuses_a_repeated_id_at_its_cell(second, words):
    rows = [row("A", where=at("Ramar", "A5")), row(second, where=at("Ramar", "A6"))]
    with pytest.raises(InputError) as err:
        F.compute_frame_table(F.FrameTableInput(year=2021, default_index_rate=D("0.02"), rows=rows))
    assert words in err.value.message
    assert (err.value.sheet, err.value.cell, err.value.rule, err.value.argument) == ("Ramar", "A6", "ramtabell", "Id")


def test_the_one_pass_fold_refuses_the_same_repeat():
    """The streaming validation used to take 'A' and 'a' as two nämnder."""
    rows = [row("A", where=at("Ramar", "A5")), row("a", where=at("Ramar", "A6"))]
    with pytest.raises(InputError) as err:
        list(F.fold_frame_rows(rows, {}, default_index_rate=D("0.02")))
    assert "är samma som 'A'" in err.value.message and err.value.cell == "A6"


def test_a_row_without_location_names_the_field():
    with pytest.raises(InputError) as err:
        F.check_unique_ids([row("A"), row("a")])
    assert err.value.argument == "id" and err.value.sheet is None


def test_varav_ids_are_checked_too():
    with pytest.raises(InputError, match="'a_x' är samma som 'A_X'"):
        F.check_unique_ids([row("A"), row("A_X", parent="A"), row("a_x", parent="A")])


def _year(y: int, where: Locator | None = None) -> ResultatbudgetYear:
    extra = {"where": where} if where is not None else {}
    return ResultatbudgetYear(year=y, nettoram="-100", skatteintakter="80", generella_statsbidrag="30", **extra)


@pytest.mark.parametrize("years, words", [
    ([2021, 2021], "år 2021 förekommer två gånger: åren måste vara unika och i stigande ordning"),
    ([2022, 2021], "år 2021 kommer efter 2022"),
])
def test_resultatbudget_years_use_the_shared_rule_at_the_cell(years, words):
    located = [_year(y, at("Resultatbudget", f"A{5 + i}")) for i, y in enumerate(years)]
    with pytest.raises(InputError) as err:
        check_resultatbudget(located)
    assert words in err.value.message
    assert (err.value.sheet, err.value.cell, err.value.rule) == ("Resultatbudget", "A6", "resultatbudget")
    with pytest.raises(InputError) as err:
        check_resultatbudget([_year(y) for y in years])
    assert words in err.value.message and err.value.argument == "years.1.year"


def test_a_goal_over_a_repeated_year_is_refused_not_collapsed():
    goal = FinancialGoal(name="Resultatmål", measure="resultat", min_share=D("0.01"))
    with pytest.raises(InputError, match="år 2021 förekommer två gånger"):
        evaluate_goal(goal, [_year(2021), _year(2021)])


# ----------------------------------------------------------------------------- workbook


def _copy_with(tmp_path: Path, sheet: str, values: dict[str, object]) -> Path:
    path = tmp_path / "bok med mellanslag.xlsm"
    pkg = Package.open(REGIONPLAN)
    path.write_bytes(patch_sheet(pkg, sheet, [CellWrite(ref, v) for ref, v in values.items()]).to_bytes())
    return path


def _only_error(path: Path) -> dict:
    proc = run_cli("validera", "--format", "json", str(path))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    (doc,) = json.loads(proc.stdout)["files"]
    errors = [f for f in doc["findings"] if f["severity"] == "fel"]
    assert len(errors) == 1, errors
    return errors[0]


def test_validera_names_the_cell_of_an_id_that_differs_only_in_case(tmp_path):
    first = read_values(Package.open(REGIONPLAN), "Ramar", "A5")[0][0]
    path = _copy_with(tmp_path, "Ramar", {"A6": first.lower()})
    err = _only_error(path)
    assert (err["sheet"], err["cell"], err["rule"]) == ("Ramar", "A6", "ramtabell")
    assert f"är samma som '{first}'" in err["message"]
    before = path.read_bytes()
    proc = run_cli("regenerera", str(path))
    assert proc.returncode == 2 and "Ramar" in proc.stderr and "A6" in proc.stderr, proc.stderr
    assert "är samma som" in proc.stderr and path.read_bytes() == before


def test_validera_names_the_cell_of_a_resultatbudget_year_out_of_order(tmp_path):
    path = _copy_with(tmp_path, "Resultatbudget", {"A5": 2020, "A6": 2019})
    err = _only_error(path)
    assert (err["sheet"], err["cell"], err["rule"]) == ("Resultatbudget", "A6", "resultatbudget")
    assert "År 2019 kommer efter 2020" in err["message"]
