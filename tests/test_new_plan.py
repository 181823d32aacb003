"""``xlmodel ny``: a new plan for a kommun (6 nämnder) and a region (12), both 2026.

Every run is a real CLI process (``sys.executable -m xlmodel``): the option form, the
``--fran`` file form with the frames in an .xlsx written by openpyxl, and the questions
answered on a pseudo-terminal. Each new workbook must validate clean, and after one frame
is changed by another writer (openpyxl) ``regenerera`` must carry the change into the
Ramtabell sheet and ``validera`` pass again. Mistakes are one Swedish line and exit 2;
an existing file is never replaced without ``--skriv-over``.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

ROOT = Path(__file__).resolve().parents[1]

KOMMUN = [("Kommunstyrelsen", "182,5"), ("Barn- och utbildningsnämnden", "1 210"), ("Socialnämnden", "845"),
          ("Kultur- och fritidsnämnden", "64,2"), ("Samhällsbyggnadsnämnden", "118"), ("Miljö- och byggnadsnämnden", "21,4")]
REGION = [("Regionstyrelsen", 3100), ("Hälso- och sjukvårdsnämnden", 5200), ("Regional utvecklingsnämnd", 380),
          ("Kulturnämnden", 95), ("Kollektivtrafiknämnden", 410), ("Tandvårdsnämnden", 260),
          ("Folkhögskolestyrelsen", 12.5), ("Patientnämnden", 6.2), ("Revisionen", 8.1),
          ("Regionfullmäktige", 17.3), ("Servicenämnden", 140), ("Digitaliseringsnämnden", 75)]


def run(*args: str, cwd: Path, stdin=subprocess.DEVNULL):
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("XLMODEL_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "xlmodel", *args], capture_output=True, text=True,
                          encoding="utf-8", cwd=cwd, env=env, stdin=stdin, timeout=600)


def kommun_options(out: str) -> list[str]:
    args = ["ny", "--kommun", "--namn", "Exempel kommun", "--ar", "2026", "--index", "2,9 %",
            "--indexkalla", "SKR:s prognos för PKV, augusti 2025", "--skatteintakter", "2 150",
            "--statsbidrag", "640,5", "--finansiella-intakter", "12", "--finansiella-kostnader", "-18",
            "--omstallning", "SN=6", "--overforing", "KS:BUN=2,5", "--utokning", "Socialnämnden=10", "--ut", out]
    for name, frame in KOMMUN:
        args += ["--namnd", f"{name}={frame}"]
    return args


def frame_table(path: Path) -> dict[str, list]:
    """Ramtabell rows by Id, as an independent reader (openpyxl, cached values) sees them."""
    ws = openpyxl.load_workbook(path, data_only=True)["Ramtabell"]
    rows = {}
    for row in ws.iter_rows(min_row=5, values_only=True):
        if row[0]:
            rows[row[0]] = list(row[1:8])
    return rows


def change_prior_frame(path: Path, row_id: str, value: float) -> None:
    """Another writer (openpyxl) changes one prior frame in tblRamar and saves."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Ramar"]
    header = [c.value for c in ws[4]]
    col = header.index("Budgetram föregående år") + 1
    for r in range(5, ws.max_row + 1):
        if ws.cell(r, 1).value == row_id:
            ws.cell(r, col).value = value
            break
    else:
        raise AssertionError(row_id)
    wb.save(path)


def assert_regenerates_after_a_change(path: Path, row_id: str, value: float, rate: Decimal) -> None:
    before = frame_table(path)
    change_prior_frame(path, row_id, value)
    regen = run("regenerera", "--ingen-backup", str(path), cwd=path.parent)
    assert regen.returncode == 0, regen.stdout + regen.stderr
    check = run("validera", str(path), cwd=path.parent)
    assert check.returncode == 0, check.stdout + check.stderr
    after = frame_table(path)
    assert after[row_id][1] == pytest.approx(value) and before[row_id][1] != pytest.approx(value)
    old_frame, new_frame = before[row_id][6], after[row_id][6]
    assert new_frame - old_frame == pytest.approx((value - before[row_id][1]) * (1 + float(rate)))
    assert after["SUMMA"][6] - before["SUMMA"][6] == pytest.approx(new_frame - old_frame)


# --------------------------------------------------------------------------- kommun, options


@pytest.fixture(scope="module")
def kommun(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    work = tmp_path_factory.mktemp("kommun")
    p = run(*kommun_options("budget_2026.xlsx"), "--spara-indata", "indata", cwd=work)
    return work / "budget_2026.xlsx", p


def test_a_kommun_plan_from_options_validates_clean(kommun):
    path, p = kommun
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""
    assert f"skrev {path.name}" in p.stdout and "Exempel kommun – Budget och flerårsplan 2026" in p.stdout
    check = run("validera", str(path), cwd=path.parent)
    assert check.returncode == 0, check.stdout
    assert "0 fel, 0 varningar" in check.stdout


def test_validera_names_a_kommun_plan_a_kommunplan_and_a_region_plan_a_regionplan(kommun, region):
    """The text report's label is the body's plan, not always "regionplan"; the JSON's "kind"
    stays the kind's key (what scripts match on)."""
    path, _ = kommun
    check = run("validera", path.name, str(region), cwd=path.parent)
    assert check.returncode == 0, check.stdout
    assert f"{path.name} (kommunplan, " in check.stdout and "regionplan" not in check.stdout.split("\n")[0]
    assert f"{region.name} (regionplan, " in check.stdout, check.stdout
    as_json = run("validera", path.name, "--format", "json", cwd=path.parent)
    assert '"kind": "regionplan"' in as_json.stdout


def _index_rows(wb) -> list[tuple]:
    """The filled rows of tblIndex (other tables stand below it on Parametrar)."""
    ws = wb["Parametrar"]
    return [tuple(c.value for c in row) for row in ws[ws.tables["tblIndex"].ref][1:] if row[0].value is not None]


def test_the_kommun_plan_speaks_of_kommunstyrelse_nämnder_and_pkv(kommun):
    path, _ = kommun
    wb = openpyxl.load_workbook(path, data_only=True)
    assert wb["Parametrar"]["B6"].value == "Standardindex (PKV)"
    assert wb["Parametrar"]["C6"].value == pytest.approx(0.029)
    info = " ".join(str(c.value) for row in wb["Info"].iter_rows() for c in row if c.value)
    assert "kommunfullmäktige" in info and "kommunstyrelsen och nämnder" in info and "region" not in info.lower()
    assert "skatteintäkter, generella statsbidrag och utjämning" in info
    index = _index_rows(wb)
    assert index == [(2026, "PKV", pytest.approx(0.029), "SKR:s prognos för PKV, augusti 2025")]
    ids = [r[0] for r in wb["Ramar"].iter_rows(min_row=5, values_only=True) if r[0]]
    assert ids == ["KS", "BUN", "SN", "KFN", "SN2", "MBN"]
    table = frame_table(path)
    assert table["SN"][2:5] == [pytest.approx(-6), 0, pytest.approx(10)]      # omställning, omfördelning, utökad
    assert table["KS"][3] == pytest.approx(-2.5) and table["BUN"][3] == pytest.approx(2.5)
    # the resultatbudget's base: skatteintäkter + generella statsbidrag och utjämning; nettoram = the frames' sum
    rb = next(wb["Resultatbudget"].iter_rows(min_row=5, max_row=5, values_only=True))
    assert rb[0] == 2026 and rb[2] == pytest.approx(-table["SUMMA"][6]) and rb[3] == 2150 and rb[4] == 640.5


def test_the_kommun_plan_regenerates_after_a_frame_is_changed_with_openpyxl(kommun, tmp_path):
    path = tmp_path / "andrad.xlsx"
    path.write_bytes(kommun[0].read_bytes())
    assert_regenerates_after_a_change(path, "BUN", 1250.0, Decimal("0.029"))


def test_the_saved_inputs_build_the_same_workbook_with_bygg(kommun, tmp_path):
    path, _ = kommun
    folder = path.parent / "indata"
    assert sorted(p.name for p in folder.iterdir()) == ["balanskrav.csv", "bok.toml", "forandringar.csv",
                                                         "index.csv", "ramar.csv", "resultatbudget.csv"]
    assert 'organ = "kommun"' in (folder / "bok.toml").read_text(encoding="utf-8")
    p = run("bygg", str(folder), "--ut", str(tmp_path), cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / path.name).read_bytes() == path.read_bytes()


# --------------------------------------------------------------------------- region, --fran file + xlsx


@pytest.fixture(scope="module")
def region(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("region")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Nämndramar"
    ws.append(["Region Exempel: budgetramar 2025 per nämnd, mkr"])
    ws.append([])
    ws.append(["Nämnd", "Budgetram 2025", "Kommentar"])
    for name, frame in REGION:
        ws.append([name, frame, ""])
    ws.append(["Summa", sum(f for _, f in REGION), ""])
    wb.save(work / "ramar2025.xlsx")
    (work / "svar.toml").write_text(
        'organ = "region"\n'
        'namn = "Region Exempel"\n'
        'ar = 2026\n'
        'index = "3,1 %"\n'
        'indexkalla = "SKR:s prognos för LPIK exkl. läkemedel, april 2025"\n'
        'skatteintakter = "7 400"\n'
        'generella_statsbidrag = "2 350"\n'
        'finansiella_kostnader = "-160"\n'
        'ramfil = "ramar2025.xlsx"\n'
        '[[omstallning]]\nnamnd = "HSN"\nbelopp = "40"\nbeskrivning = "Omställning till hållbar ekonomi"\n'
        '[[overforing]]\nfran = "RS"\ntill = "Hälso- och sjukvårdsnämnden"\nbelopp = "12,5"\n',
        encoding="utf-8")
    p = run("ny", "--fran", "svar.toml", "--ut", "regionplan_2026.xlsx", cwd=work)
    assert p.returncode == 0, p.stderr
    assert "obs: ramar2025.xlsx, bladet Nämndramar, rad 16: summaraden 'Summa' hoppades över" in p.stdout
    assert "obs: ramar2025.xlsx, bladet Nämndramar: kolumnen 'Kommentar' används inte" in p.stdout
    return work / "regionplan_2026.xlsx"


def test_a_region_plan_with_12_nämnder_from_a_file_validates_clean(region):
    check = run("validera", str(region), cwd=region.parent)
    assert check.returncode == 0, check.stdout
    table = frame_table(region)
    assert len([k for k in table if k != "SUMMA"]) == 12
    assert table["HSN"][2] == pytest.approx(-40) and table["HSN"][3] == pytest.approx(12.5)
    wb = openpyxl.load_workbook(region, data_only=True)
    assert wb["Parametrar"]["B6"].value == "Standardindex (LPIK)"
    assert wb["Info"]["A1"].value == "Region Exempel – Regionplan 2026"


def test_the_region_plan_regenerates_after_a_frame_is_changed_with_openpyxl(region, tmp_path):
    path = tmp_path / region.name
    path.write_bytes(region.read_bytes())
    assert_regenerates_after_a_change(path, "KN", 101.0, Decimal("0.031"))


# --------------------------------------------------------------------------- questions on a terminal


def answer_on_terminal(args: list[str], answers: list[str], cwd: Path) -> tuple[int, str]:
    """Run ``xlmodel`` with a pseudo-terminal as stdin/stdout/stderr; each answer is typed when a
    question (a line ending in ':') is waiting."""
    master, slave = os.openpty()
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.Popen([sys.executable, "-m", "xlmodel", *args], stdin=slave, stdout=slave, stderr=slave,
                            cwd=cwd, env=env, close_fds=True)
    os.close(slave)
    out = b""
    pending = list(answers)
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                out += chunk
                if pending and out.rstrip().endswith(b":"):
                    os.write(master, (pending.pop(0) + "\n").encode("utf-8"))
                    out += b"\n"  # so the next question is told apart from this one
            elif proc.poll() is not None:
                break
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    assert not pending, out.decode("utf-8", "replace")
    return proc.returncode, out.decode("utf-8", "replace").replace("\r\n", "\n")


needs_pty = pytest.mark.skipif(not hasattr(os, "openpty"), reason="pseudo-terminals exist only on POSIX systems")


@needs_pty
def test_the_questions_on_a_terminal_make_a_kommun_plan(tmp_path):
    answers = ["kommun", "Exempel kommun", "2026", "",  # no file: the frames are typed
               "", "tjugo", KOMMUN[0][1]]                # Enter takes the suggested Kommunstyrelsen
    for name, frame in KOMMUN[1:]:
        answers += [name, frame]
    answers += ["",                                      # no more nämnder
                "2,9", "2,9 %", "SKR:s prognos augusti 2025",  # '2,9' without % is refused, asked again
                "2150", "640,5", "", "",                 # skatter, statsbidrag, finansiella poster = 0
                "XYZ", "SN", "6", "",                    # an unknown nämnd is said and asked again
                "KS", "BUN", "2,5", ""]
    code, out = answer_on_terminal(["ny", "--ut", "fragad.xlsx"], answers, tmp_path)
    assert code == 0, out
    assert "Nämnd 1 [Kommunstyrelsen]:" in out
    assert "'tjugo' är inget tal" in out
    assert "ingen nämnd 'XYZ'" in out
    assert "Nämnderna: KS = Kommunstyrelsen, BUN = Barn- och utbildningsnämnden" in out
    assert "skrev fragad.xlsx" in out
    check = run("validera", "fragad.xlsx", cwd=tmp_path)
    assert check.returncode == 0, check.stdout
    table = frame_table(tmp_path / "fragad.xlsx")
    assert table["SN"][2] == pytest.approx(-6) and table["BUN"][3] == pytest.approx(2.5)
    assert table["KS"][1] == pytest.approx(182.5)


# --------------------------------------------------------------------------- mistakes: one line, exit 2


def test_without_a_terminal_nothing_is_asked_and_what_is_missing_is_named(tmp_path):
    p = run("ny", "--kommun", "--namn", "Exempel kommun", cwd=tmp_path)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.splitlines() == ["xlmodel: uppgifter saknas: --ar, --namnd eller --ramar, --skatteintakter, "
                                     "--statsbidrag (eller --fran FIL; i en terminal frågar 'xlmodel ny' efter dem)"]
    assert list(tmp_path.iterdir()) == []


def test_an_index_the_package_cannot_cite_is_required_with_its_source(tmp_path):
    args = [a for a in kommun_options("x.xlsx")]
    i = args.index("--index")
    del args[i:i + 4]   # --index and --indexkalla
    p = run(*args, cwd=tmp_path)
    assert p.returncode == 2
    assert p.stderr == ("xlmodel: standardindex (PKV) för 2026 saknas och xlmodel har ingen PKV-sats för 2026 att "
                        "hänvisa till: ange --index SATS och --indexkalla TEXT\n")
    j = args.index("--ut")
    p = run(*args[:j], "--index", "2,9 %", *args[j:], cwd=tmp_path)
    assert p.returncode == 2 and "ange varifrån indexet 2,9 % kommer" in p.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_is_refused_and_replaced_only_with_skriv_over(kommun, tmp_path):
    target = tmp_path / "budget.xlsx"
    target.write_bytes(b"controllerns egen fil")
    p = run(*kommun_options(str(target)), cwd=tmp_path)
    assert p.returncode == 2 and target.read_bytes() == b"controllerns egen fil"
    assert p.stderr.count("\n") == 1 and "finns redan" in p.stderr and "--skriv-over" in p.stderr
    assert sorted(x.name for x in tmp_path.iterdir()) == ["budget.xlsx"]  # no temporary file left
    p = run(*kommun_options(str(target)), "--skriv-over", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert target.read_bytes() == kommun[0].read_bytes()


@pytest.mark.parametrize("content, expected", [
    ('namn = "K"\nar = 2026\nskatteintakter = 1\ngenerella_statsbidrag = 1\nindx = "3 %"\n',
     "okänd nyckel 'indx' – menade du 'index'?"),
    ('namn = "K"\nar = 2026\nskatteintakter = "tio"\ngenerella_statsbidrag = 1\n', "'skatteintakter'"),
    ('namn = "K"\nar = "nästa år"\nskatteintakter = 1\ngenerella_statsbidrag = 1\n', "'ar' ska vara ett årtal"),
    ('namn = "K"\nar = 2026\nskatteintakter = 1\ngenerella_statsbidrag = 1\n[[namnd]]\nnamn = "KS"\nrm = 5\n',
     "okänd nyckel 'namnd.rm' – menade du 'ram'?"),
    ('namn = "K\n[[namnd]]', "svar.toml', rad 1, kolumn"),
])
def test_a_mistake_in_the_answers_file_is_one_swedish_line_and_exit_2(tmp_path, content, expected):
    if "[[namnd]]" not in content:
        content += '[[namnd]]\nnamn = "Kommunstyrelsen"\nram = 5\n'
    (tmp_path / "svar.toml").write_text(content, encoding="utf-8")
    p = run("ny", "--fran", "svar.toml", "--index", "3 %", "--indexkalla", "beslut", cwd=tmp_path)
    assert p.returncode == 2, p.stdout + p.stderr
    assert expected in p.stderr and p.stderr.count("\n") == 1 and "internt fel" not in p.stderr


@pytest.mark.parametrize("extra, expected", [
    (["--omstallning", "XYZ=5"], "omställning 2: ingen nämnd 'XYZ'"),
    (["--overforing", "KS=5"], "--overforing 'KS=5' ska skrivas FRÅN:TILL=BELOPP"),
    (["--namnd", "Nämnd utan belopp"], "--namnd 'Nämnd utan belopp' ska skrivas NAMN=BELOPP"),
    (["--overforing", "KS:KS=5"], "från och till ska vara olika nämnder"),
    (["--ramar", "saknas.xlsx"], "saknas.xlsx finns inte"),
    (["--ar", "nästa"], "xlmodel: --ar ska vara ett årtal, t.ex. 2026 (fick 'nästa')"),
    (["--index", "3"], "xlmodel: --index: andelen 3 (= 300 %) ligger utanför"),
])
def test_a_mistake_in_the_options_is_one_swedish_line_and_exit_2(tmp_path, extra, expected):
    p = run(*kommun_options("x.xlsx"), *extra, cwd=tmp_path)
    assert p.returncode == 2, p.stdout + p.stderr
    assert expected in p.stderr and p.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- the body after ny


def test_forklara_names_the_kommuns_index_pkv(kommun):
    path, _ = kommun
    p = run("forklara", str(path), "Ramtabell!G7", cwd=path.parent)  # BUN's index
    assert p.returncode == 0, p.stdout + p.stderr
    assert "Standardindex (PKV)" in p.stdout and "index.pkv" in p.stdout
    assert "LPIK" not in p.stdout and "lpik" not in p.stdout
    p = run("forklara", str(path), "Parametrar!C9", cwd=path.parent)
    assert p.returncode == 0 and "Cellen innehåller: kommun" in p.stdout


def test_rulla_fram_of_a_kommun_plan_writes_the_next_pkv_row(kommun, tmp_path):
    path = tmp_path / "budget_2027.xlsx"
    path.write_bytes(kommun[0].read_bytes())
    p = run("rulla-fram", "--ingen-backup", "--index", "2,7 %", "--indexkalla", "SKR:s prognos april 2026",
            str(path), cwd=tmp_path)
    assert p.returncode in (0, 1), p.stdout + p.stderr
    wb = openpyxl.load_workbook(path, data_only=True)
    rows = _index_rows(wb)
    assert rows[-1] == (2027, "PKV", pytest.approx(0.027), "SKR:s prognos april 2026")
    assert wb["Parametrar"]["C9"].value == "kommun"


def test_forklara_names_the_regions_index_lpik(region):
    p = run("forklara", str(region), "Ramtabell!G6", cwd=region.parent)  # HSN's index
    assert p.returncode == 0, p.stdout + p.stderr
    assert "Standardindex (LPIK)" in p.stdout and "index.lpik" in p.stdout and "PKV" not in p.stdout


def test_the_answers_file_reference_names_every_key():
    from xlmodel.workbook import new_plan

    doc = (ROOT / "docs" / "indata.md").read_text(encoding="utf-8")
    section = doc[doc.index("## Svarsfilen till `xlmodel ny`"):]
    for model in (new_plan.NewPlan, new_plan.Committee, new_plan.Change, new_plan.Transfer):
        for key in model.model_fields:
            assert f"`{key}`" in section or f"`[[{key}]]`" in section, (model.__name__, key)


@needs_pty
def test_input_ending_on_the_terminal_is_one_line_and_exit_2(tmp_path):
    code, out = answer_on_terminal(["ny", "--kommun", "--ut", "x.xlsx"], ["Exempel kommun", "\x04"], tmp_path)
    assert code == 2, out
    assert "xlmodel: inmatningen tog slut innan alla frågor var besvarade" in out
    assert list(tmp_path.iterdir()) == []


def test_an_index_xlmodel_can_cite_is_taken_with_its_source(tmp_path):
    p = run("ny", "--namn", "Region Exempel", "--ar", "2021", "--namnd", "Regionstyrelsen=3205",
            "--namnd", "Hälso- och sjukvårdsnämnden=5017", "--skatteintakter", "6750", "--statsbidrag", "2203",
            "--ut", "plan_2021.xlsx", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "standardindex LPIK 1,9 %" in p.stdout
    wb = openpyxl.load_workbook(tmp_path / "plan_2021.xlsx", data_only=True)
    rows = _index_rows(wb)
    assert rows == [(2021, "LPIK", pytest.approx(0.019),
                     "SKR:s prognos för landstingsprisindex (LPIK) 2021, aprilscenariot 2020")]
    assert run("validera", "plan_2021.xlsx", cwd=tmp_path).returncode == 0


@pytest.mark.libreoffice
def test_the_kommun_plan_regenerates_after_a_change_saved_by_libreoffice(kommun, tmp_path):
    """The frame changed (openpyxl) and the file then saved by LibreOffice, as a controller
    without Excel would: regenerera and validera work on LibreOffice's package."""
    from xlmodel.testing.libreoffice import convert, find_soffice

    if find_soffice() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice saknas i CI: `make test` ska installera det (libreoffice-calc-nogui)")
        pytest.skip("LibreOffice is not installed here; `make test` installs it (libreoffice-calc-nogui)")
    edited = tmp_path / "budget.xlsx"
    edited.write_bytes(kommun[0].read_bytes())
    change_prior_frame(edited, "BUN", 1250.0)
    (saved,) = convert([edited], tmp_path / "lo", fmt="xlsx", recalc=False).values()
    path = tmp_path / "sparad_av_libreoffice.xlsx"
    path.write_bytes(saved.read_bytes())
    with zipfile.ZipFile(path) as z:
        assert b"LibreOffice" in z.read("docProps/app.xml")  # really LibreOffice's package, not ours
    regen = run("regenerera", "--ingen-backup", str(path), cwd=tmp_path)
    assert regen.returncode == 0, regen.stdout + regen.stderr
    check = run("validera", str(path), cwd=tmp_path)
    assert check.returncode == 0, check.stdout
    before, after = frame_table(kommun[0]), frame_table(path)
    assert after["BUN"][1] == 1250 and after["BUN"][6] - before["BUN"][6] == pytest.approx(40 * 1.029)
