"""The analysts' API (xlmodel.analysis) and `xlmodel sammanstall`, on the shipped
workbooks and on files other programs wrote; figures checked against what the
workbooks themselves store (read with openpyxl, an independent reader)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

pd = pytest.importorskip("pandas", reason="pandas is a dependency of xlmodel (pyproject.toml)")

from xlmodel import analysis  # noqa: E402
from xlmodel.errors import InputError  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
WB = ROOT / "workbooks"
PLAN = WB / "vasterbotten_regionplan_2021.xlsm"
DELAR = WB / "vasterbotten_delarsrapport_2021_08.xlsm"
RESURS = WB / "vasternorrland_regionplan_2020_2022.xlsx"


def test_frame_table_is_the_ramtabell_sheet():
    from xlmodel.workbook.layout import FIRST_DATA_ROW, FRAMETABLE_BLOCK

    df = analysis.open_workbook(PLAN).frame_table()
    ws = openpyxl.load_workbook(PLAN, data_only=True)[FRAMETABLE_BLOCK.sheet]
    first, hr = FRAMETABLE_BLOCK.first_col, FRAMETABLE_BLOCK.header_row
    assert list(df.columns) == [ws.cell(hr, first + j).value for j in range(len(df.columns))]
    for i, row in enumerate(df.itertuples(index=False)):
        stored = [ws.cell(FIRST_DATA_ROW + i, first + j).value for j in range(len(df.columns))]
        assert list(row[:2]) == stored[:2]
        assert list(row[2:]) == pytest.approx(stored[2:], rel=1e-12, abs=1e-9)
    assert df.iloc[-1]["Id"] == "SUMMA" or df.iloc[-1]["Post"].startswith("Summa")


def test_restoration_utredning_and_goals_of_the_regionplan():
    book = analysis.open_workbook(PLAN)
    assert book.kind == "regionplan" and book.year() == 2021
    ledger = book.restoration()
    assert list(ledger.columns) == list(analysis.RESTORATION_COLUMNS)
    assert ledger[["Underskottsår", "Underskott", "Kvar att återställa", "Sista år", "Status"]].values.tolist() == [
        [2019, 333.0, 0.0, 2022, "återställd"], [2020, 203.0, 0.0, 2023, "återställd"]]
    years = book.utredning()
    assert years["År"].tolist() == [2019, 2020, 2021, 2022, 2023]
    assert years["Balanskravsresultat"].tolist() == [-333.0, -203.0, 158.0, 312.0, 284.0]
    goals = book.goals()
    assert goals["Status"].tolist() == ["uppfyllt"] and goals["Period"].tolist() == ["2020–2023"]


def test_utredning_of_the_delarsrapport():
    df = analysis.open_workbook(DELAR).utredning()
    assert len(df) == 10 and df.iloc[-1].tolist() == ["Balanskravsresultat", 168.0]
    with pytest.raises(InputError, match="finns bara i en regionplan; vasterbotten_delarsrapport_2021_08.xlsm är delårsrapport"):
        analysis.open_workbook(DELAR).frame_table()


def test_validate_many_gives_one_dataframe_with_unreadable_files_as_rows(tmp_path):
    from xlmodel.workbook.validate import validate_file

    broken = tmp_path / "trasig.xlsx"
    broken.write_bytes(b"not a zip")
    df = analysis.validate_many([PLAN, DELAR, RESURS, broken])
    assert list(df.columns) == list(analysis.FINDING_COLUMNS)
    for p in (PLAN, DELAR, RESURS):
        assert (df["Fil"] == str(p)).sum() == len(validate_file(p).findings)
    row = df[df["Fil"] == str(broken)]
    assert len(row) == 1 and row.iloc[0]["Allvar"] == "fel" and row.iloc[0]["Regel"] == "läsfel"
    assert analysis.open_workbook(PLAN).findings().equals(df[df["Fil"] == str(PLAN)].reset_index(drop=True))


def test_overview_of_many_books():
    df = analysis.overview([PLAN, DELAR, RESURS])
    assert list(df.columns) == list(analysis.OVERVIEW_COLUMNS)
    delar = df[df["Typ"] == "delårsrapport"].iloc[0]
    assert (delar["År"], delar["Balanskravsresultat"]) == (2021, 168.0)
    plan = df[df["Typ"] == "regionplan"]
    assert plan["År"].tolist() == [2019, 2020, 2021, 2022, 2023]
    assert plan["Återställning"].tolist()[:2] == ["återställd", "återställd"]
    assert df[df["Typ"] == "resursramar"].iloc[0]["Återställning"] == analysis.NO_BALANSKRAV


def test_an_openpyxl_saved_copy_reads_the_same(tmp_path):
    """A file another program wrote: openpyxl's save drops every cached value; the API
    reads the inputs, so the figures are the same."""
    copy = tmp_path / "sparad_av_openpyxl.xlsx"
    wb = openpyxl.load_workbook(DELAR)
    wb.save(copy)
    assert analysis.open_workbook(copy).utredning().equals(analysis.open_workbook(DELAR).utredning())


def xlmodel(*args, cwd):
    return subprocess.run([sys.executable, "-m", "xlmodel", *map(str, args)], capture_output=True, text=True, cwd=cwd)


def test_sammanstall_writes_an_overview_with_a_chart_and_cached_values(tmp_path):
    out = tmp_path / "oversikt.xlsx"
    run = xlmodel("sammanstall", PLAN, DELAR, RESURS, "--ut", out, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "7 rader ur 3 arbetsböcker" in run.stdout and analysis.NO_BALANSKRAV in run.stdout
    with zipfile.ZipFile(out) as zf:
        assert any(n.startswith("xl/charts/chart") for n in zf.namelist())
    ws = openpyxl.load_workbook(out, data_only=True)["Översikt"]
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    header, data = rows[0], rows[1:]
    assert header[:4] == ("Fil", "Typ", "År", "Balanskravsresultat") and header[-1] == "Balanskravet uppfyllt"
    assert [(r[2], r[3], r[-1]) for r in data if r[1] == "regionplan"] == [
        (2019, -333, "nej"), (2020, -203, "nej"), (2021, 158, "ja"), (2022, 312, "ja"), (2023, 284, "ja")]
    formulas = openpyxl.load_workbook(out)["Översikt"]
    assert str(formulas.cell(4, len(header)).value).startswith("=IF(")
    goals = openpyxl.load_workbook(out, data_only=True)["Mål"]
    assert [c.value for c in goals[4]][0] == PLAN.name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["oversikt.xlsx"]  # no temporary file left


def test_sammanstall_never_overwrites_silently_and_reports_unreadable_files(tmp_path):
    out = tmp_path / "oversikt.xlsx"
    out.write_bytes(b"someone's overview")
    run = xlmodel("sammanstall", DELAR, "--ut", out, cwd=tmp_path)
    assert run.returncode == 2 and "finns redan" in run.stderr and out.read_bytes() == b"someone's overview"
    assert xlmodel("sammanstall", DELAR, "--ut", out, "--skriv-over", cwd=tmp_path).returncode == 0
    broken = tmp_path / "trasig.xlsx"
    broken.write_bytes(b"not a zip")
    fresh = tmp_path / "ny.xlsx"
    run = xlmodel("sammanstall", DELAR, broken, "--ut", fresh, cwd=tmp_path)
    assert run.returncode == 2 and "trasig.xlsx" in run.stderr and not fresh.exists()
