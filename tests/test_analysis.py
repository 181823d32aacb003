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

from fixtures.team_book import TeamBook  # noqa: E402
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
    with pytest.raises(InputError, match=r"vasterbotten_delarsrapport_2021_08.xlsm har inte ramtabellen \(delårsrapport\)"):
        analysis.open_workbook(DELAR).frame_table()
    assert analysis.open_workbook(DELAR).goals().empty


def test_restoration_of_the_delarsrapport_is_the_ledger_its_prognos_sheet_spills():
    """The delårsrapport follows its deficits on the Prognos sheet (=ATERSTALLNING() over
    tblBalanskravAr's used balanskravsresultat): restoration() gives that ledger, equal to
    the values the shipped file caches in the spill."""
    df = analysis.open_workbook(DELAR).restoration()
    assert df["Underskottsår"].tolist() == [2019, 2020]
    ws = openpyxl.load_workbook(DELAR, data_only=True)["Prognos"]
    header = next(r for r in ws.iter_rows(values_only=True) if "Underskottsår" in r)
    start = header.index("Underskottsår")
    spilled = [r[start:start + len(analysis.RESTORATION_COLUMNS)] for r in ws.iter_rows(values_only=True)
               if isinstance(r[start], int)]
    assert tuple(header[start:start + len(analysis.RESTORATION_COLUMNS)]) == analysis.RESTORATION_COLUMNS
    assert [tuple(x) for x in df.itertuples(index=False)] == [tuple(r) for r in spilled]


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
    delar = df[df["Arbetsbok"] == "Delårsrapport"]
    # tblBalanskravAr's years with the figure each uses; the fiscal year's is the utredning's
    assert delar["År"].tolist() == [2019, 2020, 2021, 2022, 2023]
    assert delar["Balanskravsresultat"].tolist() == [-333.0, -203.0, 168.0, 312.0, 284.0]
    assert delar["Återställning"].tolist()[:2] == ["återställd", "återställd"]
    plan = df[df["Arbetsbok"] == "Regionplan"]
    assert plan["År"].tolist() == [2019, 2020, 2021, 2022, 2023]
    assert plan["Återställning"].tolist()[:2] == ["återställd", "återställd"]
    resurs = df[df["Arbetsbok"] == "Resursramar"]
    assert resurs["År"].tolist() == [2017, 2019, 2020, 2021, 2022]
    assert resurs["Balanskravsresultat"].tolist()[1:] == [97.0, 54.0, 12.0, 51.0]
    assert resurs.iloc[0]["Återställning"] == "återställd" and resurs.iloc[0]["Underskott kvar att återställa"] == 0.0
    # the goal over 2020–2023 counts in each year it covers, not in 2019
    assert plan["Mål totalt"].tolist()[1:] == [1, 1, 1, 1] and pd.isna(plan["Mål totalt"].iloc[0])
    assert plan["Mål uppfyllda"].tolist()[1:] == [1, 1, 1, 1] and plan["Anmärkning"].isna().all()
    assert resurs["Anmärkning"].iloc[0] == ("arbetsboken saknar resultatbudget med finansiella mål "
                                            "(tabellerna tblResultatbudget, tblMal)")


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
    assert "15 rader ur 3 arbetsböcker" in run.stdout
    assert f"{RESURS.name}: arbetsboken saknar resultatbudget med finansiella mål" in run.stdout
    with zipfile.ZipFile(out) as zf:
        assert any(n.startswith("xl/charts/chart") for n in zf.namelist())
    ws = openpyxl.load_workbook(out, data_only=True)["Översikt"]
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    header, data = rows[0], rows[1:]
    assert header[:4] == ("Fil", "Arbetsbok", "År", "Balanskravsresultat") and header[-1] == "Balanskravet uppfyllt"
    assert [(r[2], r[3], r[-1]) for r in data if r[1] == "Regionplan"] == [
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


# --------------------------------------------------------------- books other commands made (issue 18)

NEW_PLAN_ARGS = ("--namn", "Testregion", "--ar", "2026", "--namnd", "Regionstyrelsen=100",
                 "--namnd", "Hälso- och sjukvårdsnämnden=500", "--index", "2,9 %",
                 "--indexkalla", "SKR:s prognos augusti 2025", "--skatteintakter", "400", "--statsbidrag", "300")


def _team_book_with_frame_table(tmp_path: Path) -> Path:
    """A team's own book (XlsxWriter) given the frame table by `xlmodel anslut`."""
    team = tmp_path / "team.xlsx"
    with TeamBook(team) as book:
        book.sheet("Ekonomi").write_row("A1", ["Resultat", 120])
        book.frames(header=("Nämnd", "Ram 2025"), committees=[("Kommunstyrelsen", 210.5), ("Socialnämnden", 540.2)])
    run = xlmodel("anslut", team, "--delar", "ramtabell", "--ramar", "Nämndramar!A2:B3", "--budgetar", "2026",
                  "--index", "3,1 %", "--indexkalla", "SKR:s prognos augusti 2025", "--ingen-backup", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    return team


def test_sammanstall_reads_books_from_ny_and_anslut_and_says_what_they_lack(tmp_path):
    """`validera` passes a book from `ny` (no tblMal) and a team's book after `anslut`
    (no resultatbudget, no balanskrav); `sammanstall` failed on both with exit 2. Now the
    missing part is absent: no goals, no restoration, and a note naming what is missing."""
    new = tmp_path / "ny.xlsx"
    run = xlmodel("ny", *NEW_PLAN_ARGS, "--ut", new, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    team = _team_book_with_frame_table(tmp_path)
    for book in (new, team):
        assert xlmodel("validera", book, cwd=tmp_path).returncode == 0
    out = tmp_path / "oversikt.xlsx"
    run = xlmodel("sammanstall", new, team, PLAN, "--ut", out, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "ny.xlsx: arbetsboken saknar finansiella mål (tabellen tblMal)" in run.stdout
    assert ("team.xlsx: arbetsboken saknar balanskrav (tabellen tblBalanskrav) och resultatbudget med finansiella "
            "mål (tabellerna tblResultatbudget, tblMal)") in run.stdout
    assert PLAN.name not in run.stdout  # the shipped plan has every part: no note

    ws = openpyxl.load_workbook(out, data_only=True)["Översikt"]
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    header, data = rows[0], [r for r in rows[1:] if r[0]]
    col = {h: i for i, h in enumerate(header)}
    by_file = {}
    for r in data:
        by_file.setdefault(r[col["Fil"]], []).append(r)
    (ny_row,) = by_file["ny.xlsx"]
    assert (ny_row[col["År"]], ny_row[col["Mål totalt"]]) == (2026, None)
    assert ny_row[col["Balanskravsresultat"]] == pytest.approx(82.6)  # the year's result in tblBalanskrav
    (team_row,) = by_file["team.xlsx"]
    assert team_row[col["År"]] == 2026 and team_row[col["Balanskravsresultat"]] is None
    assert team_row[col["Anmärkning"]].startswith("arbetsboken saknar balanskrav")
    assert [r[col["Mål totalt"]] for r in by_file[PLAN.name]] == [None, 1, 1, 1, 1]

    new_book, team_book = analysis.open_workbook(new), analysis.open_workbook(team)
    assert new_book.goals().empty and list(new_book.goals().columns) == list(analysis.GOAL_COLUMNS)
    assert team_book.goals().empty and team_book.restoration().empty
    assert team_book.lacks() and not analysis.open_workbook(PLAN).lacks()
    assert len(team_book.frame_table()) == 3  # its own two nämnder and the sum row


def test_vasternorrland_balanskrav_and_frames_are_read_from_its_own_tables():
    """The resursramar plan holds tblBalanskravsresultat (97/54/12/51) and the 146 mkr
    deficit from 2017 restored by 2020: restoration(), utredning() and frame_table() read
    them (they raised "finns bara i en regionplan"), checked against the sheet as stored."""
    book = analysis.open_workbook(RESURS)
    stored = openpyxl.load_workbook(RESURS, data_only=True)
    ledger = book.restoration()
    assert ledger[["Underskottsår", "Underskott", "Återställt", "Kvar att återställa", "Sista år", "Status"]
                  ].values.tolist() == [[2017, 146.0, 146.0, 0.0, 2020, "återställd"]]
    sheet_ledger = [r[:9] for r in stored["Återställning"].iter_rows(values_only=True) if r[0] == 2017 and r[1] == 146]
    assert sheet_ledger == [(2017, 146, 146, 0, 0, 0, 2020, 2020, "återställd")]
    years = book.utredning()
    assert years[["År", "Balanskravsresultat"]].values.tolist() == [[2019, 97.0], [2020, 54.0], [2021, 12.0],
                                                                    [2022, 51.0]]
    frames = book.frame_table()
    ws = stored["Resursramar"]
    assert list(frames.columns) == [c.value for c in ws[4]]
    sheet_rows = [r for r in ws.iter_rows(min_row=5, values_only=True) if any(v is not None for v in r)]
    assert len(sheet_rows) == len(frames) == 15 + 3  # the table's rows, then Summa, Summa enligt planen, Differens
    for row, sheet_row in zip(frames.itertuples(index=False), sheet_rows):
        for got, want in zip(row, sheet_row):
            got = None if not isinstance(got, str) and pd.isna(got) else got
            assert got == (pytest.approx(want, rel=1e-12) if isinstance(want, float) else want)
    assert frames.iloc[-3]["Post"] == "Summa" and frames.iloc[-3]["Resursram 2022"] == pytest.approx(8280.9)


def test_sammanstall_of_vasternorrland_alone(tmp_path):
    """It printed "inga balanskravsuppgifter" (and alone failed with an internal error
    about an empty chart): its years and restoration are now in the overview."""
    out = tmp_path / "oversikt.xlsx"
    run = xlmodel("sammanstall", RESURS, "--ut", out, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "inga balanskravsuppgifter" not in run.stdout and "5 rader ur 1 arbetsböcker" in run.stdout
    ws = openpyxl.load_workbook(out, data_only=True)["Översikt"]
    data = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[0]]
    assert [(r[2], r[3], r[5]) for r in data] == [(2017, None, "återställd"), (2019, 97, None), (2020, 54, None),
                                                  (2021, 12, None), (2022, 51, None)]
    with zipfile.ZipFile(out) as zf:
        assert any(n.startswith("xl/charts/chart") for n in zf.namelist())


# --------------------------------------------------------------- the shared drive (issue 13 p1-3)


def test_sammanstall_skriv_over_keeps_the_shared_drive_protections(tmp_path):
    """--skriv-over wrote over a chmod 444 file (mode came back 600), replaced a symlink
    with a regular file and ignored Excel's ~$ owner file. It now writes as bygg and ny
    do: refused, the link's target written with its mode, refused while Excel has it."""
    import os
    import stat

    protected = tmp_path / "skyddad.xlsx"
    protected.write_bytes(b"a colleague's overview")
    protected.chmod(0o444)
    run = xlmodel("sammanstall", DELAR, "--ut", protected, "--skriv-over", cwd=tmp_path)
    assert run.returncode == 2 and "skrivskyddad" in run.stderr
    assert protected.read_bytes() == b"a colleague's overview" and stat.S_IMODE(protected.stat().st_mode) == 0o444

    (tmp_path / "delad").mkdir()
    target = tmp_path / "delad" / "oversikt.xlsx"
    target.write_bytes(b"old")
    target.chmod(0o640)
    link = tmp_path / "lank.xlsx"
    link.symlink_to(target)
    run = xlmodel("sammanstall", DELAR, "--ut", link, "--skriv-over", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert zipfile.is_zipfile(target) and stat.S_IMODE(target.stat().st_mode) == 0o640

    opened = tmp_path / "oppen.xlsx"
    opened.write_bytes(b"open in Excel")
    (tmp_path / "~$oppen.xlsx").write_bytes(b"\x05Karin")
    run = xlmodel("sammanstall", DELAR, "--ut", opened, "--skriv-over", cwd=tmp_path)
    assert run.returncode == 2 and "öppen i Excel av Karin" in run.stderr and "--trots-excel-las" in run.stderr
    assert opened.read_bytes() == b"open in Excel"
    run = xlmodel("sammanstall", DELAR, "--ut", opened, "--skriv-over", "--trots-excel-las", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert zipfile.is_zipfile(opened)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == ["delad", "lank.xlsx", "oppen.xlsx", "skyddad.xlsx", "~$oppen.xlsx"]  # no temp or lock file


def test_sammanstall_new_file_is_readable_by_others_and_a_dangling_link_is_not_replaced(tmp_path):
    import os
    import stat

    out = tmp_path / "ny.xlsx"
    assert xlmodel("sammanstall", DELAR, "--ut", out, cwd=tmp_path).returncode == 0
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~mask  # not the temporary file's 0600
    dangling = tmp_path / "borta.xlsx"
    dangling.symlink_to(tmp_path / "finns-inte.xlsx")
    run = xlmodel("sammanstall", DELAR, "--ut", dangling, cwd=tmp_path)
    assert run.returncode == 2 and "finns redan" in run.stderr and dangling.is_symlink()
    run = xlmodel("sammanstall", DELAR, "--ut", dangling, "--skriv-over", cwd=tmp_path)
    assert run.returncode == 2 and "länken pekar på" in run.stderr and dangling.is_symlink()


def test_ny_and_bygg_accept_the_flag_their_excel_refusal_names(tmp_path):
    """ny --skriv-over and bygg refused a book with a ~$ file and told the user to run with
    --trots-excel-las, which they did not accept ("okända argument")."""
    out = tmp_path / "plan.xlsx"
    assert xlmodel("ny", *NEW_PLAN_ARGS, "--ut", out, cwd=tmp_path).returncode == 0
    (tmp_path / "~$plan.xlsx").write_bytes(b"\x05Karin")
    run = xlmodel("ny", *NEW_PLAN_ARGS, "--ut", out, "--skriv-over", cwd=tmp_path)
    assert run.returncode == 2 and "--trots-excel-las" in run.stderr
    run = xlmodel("ny", *NEW_PLAN_ARGS, "--ut", out, "--skriv-over", "--trots-excel-las", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    src = WB / "src" / "vasternorrland_regionplan_2020_2022"
    assert xlmodel("bygg", src, "--ut", tmp_path, cwd=tmp_path).returncode == 0
    (tmp_path / "~$vasternorrland_regionplan_2020_2022.xlsx").write_bytes(b"\x05Karin")
    run = xlmodel("bygg", src, "--ut", tmp_path, cwd=tmp_path)
    assert run.returncode == 2 and "--trots-excel-las" in run.stderr
    assert xlmodel("bygg", src, "--ut", tmp_path, "--trots-excel-las", cwd=tmp_path).returncode == 0


def test_sammanstall_names_each_books_kind_in_the_column_arbetsbok(tmp_path):
    """The column says what the file is, "Kommunplan" for a kommun's plan (issue 12 item 5)."""
    made = xlmodel("ny", "--kommun", "--namn", "Exempel kommun", "--ar", "2026", "--index", "2,9 %",
                   "--indexkalla", "SKR", "--skatteintakter", "500", "--statsbidrag", "100",
                   "--namnd", "Kommunstyrelsen=100", "--namnd", "Barn- och utbildningsnämnden=300",
                   "--ut", "kommun.xlsx", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    run = xlmodel("sammanstall", "kommun.xlsx", PLAN, DELAR, RESURS, "--ut", "oversikt.xlsx", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    ws = openpyxl.load_workbook(tmp_path / "oversikt.xlsx", data_only=True)["Översikt"]
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert rows[0][:2] == ("Fil", "Arbetsbok") and "Typ" not in rows[0]
    kinds = {r[0]: r[1] for r in rows[1:] if r[0]}
    assert kinds == {"kommun.xlsx": "Kommunplan", PLAN.name: "Regionplan", DELAR.name: "Delårsrapport",
                     RESURS.name: "Resursramar"}
