"""``xlmodel diff`` through real CLI processes, and as git's diff driver.

Versions of a shipped workbook are made the way a controller's edit reaches a repo:
one input cell patched losslessly (xlmodel.xlsx.patch + atomic.save_package), then
``xlmodel regenerera`` so the computed cells follow. Which cells changed is decided
independently of xlmodel's reader, with openpyxl (formulas and cached values), so the
diff is checked against an oracle and not against itself.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlmodel.diff import CellState, Snapshot, diff_snapshots
from xlmodel.money import excel_precision
from xlmodel.xlsx.atomic import save_package
from xlmodel.xlsx.package import Package
from xlmodel.xlsx.patch import CellWrite, patch_sheet

ROOT = Path(__file__).resolve().parents[1]
REGIONPLAN = ROOT / "workbooks" / "vasterbotten_regionplan_2021.xlsm"
DELARSRAPPORT = ROOT / "workbooks" / "vasterbotten_delarsrapport_2021_08.xlsm"
GIT = shutil.which("git")


def run(*args: str, cwd: Path | None = None):
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("XLMODEL_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "xlmodel", *args], capture_output=True, text=True,
                          encoding="utf-8", cwd=cwd or ROOT, env=env, timeout=300)


def patch(path: Path, sheet: str, writes: list[CellWrite], clear: list[str] | None = None) -> None:
    pkg = Package.open(path)
    save_package(patch_sheet(pkg, sheet, writes, clear), path, expect_sha256=pkg.sha256, backup=False)


def _norm(v):
    """A cell value as Excel holds it (15 significant digits), for the openpyxl oracle."""
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, (int, float)):
        return excel_precision(Decimal(repr(v)))
    return v


def changed_cells(a: Path, b: Path) -> dict[tuple[str, str], str]:
    """Oracle: every (sheet, cell) whose formula or cached value differs, with 'formel' when
    the formula text differs. Read with openpyxl, not with xlmodel's reader."""
    out: dict[tuple[str, str], str] = {}
    books = [(openpyxl.load_workbook(p, data_only=False), openpyxl.load_workbook(p, data_only=True)) for p in (a, b)]
    (fa, va), (fb, vb) = books
    for ws in fb.worksheets:
        name = ws.title
        refs = set()
        for book in (fa, fb):
            if name in book.sheetnames:
                refs |= {c.coordinate for row in book[name].iter_rows() for c in row if c.value is not None}
        for ref in refs:
            def formula(book):
                v = book[name][ref].value if name in book.sheetnames else None
                if isinstance(v, str) and v.startswith("="):
                    return v
                return getattr(v, "text", None)  # ArrayFormula
            before_f, after_f = formula(fa), formula(fb)
            before_v = _norm(va[name][ref].value) if name in va.sheetnames else None
            after_v = _norm(vb[name][ref].value)
            if before_f != after_f:
                out[(name, ref)] = "formel"
            elif before_v != after_v:
                out[(name, ref)] = "värde"
    return out


@pytest.fixture(scope="module")
def versions(tmp_path_factory) -> tuple[Path, Path, Decimal, Decimal]:
    """(v1, v2, old, new): v2 has HSN's prior frame (Ramar!D14) raised and is regenerated."""
    folder = tmp_path_factory.mktemp("versioner")
    v1, v2 = folder / "plan_v1.xlsm", folder / "plan_v2.xlsm"
    shutil.copyfile(REGIONPLAN, v1)
    shutil.copyfile(REGIONPLAN, v2)
    old = Decimal(str(openpyxl.load_workbook(v2)["Ramar"]["D14"].value))
    new = old + 83
    patch(v2, "Ramar", [CellWrite("D14", new)])
    p = run("regenerera", "--ingen-backup", str(v2))
    # Exit 1: the new sum no longer matches the resultatbudget's nettoram (an ERROR finding);
    # the computed cells are written all the same.
    assert p.returncode in (0, 1), p.stdout + p.stderr
    assert "celler ändrade" in p.stdout.splitlines()[0], p.stdout
    return v1, v2, old, new


def diff_json(a: Path, b: Path) -> tuple[int, dict]:
    p = run("diff", "--format", "json", str(a), str(b))
    assert p.returncode in (0, 1), p.stderr
    return p.returncode, json.loads(p.stdout)


# ----------------------------------------------------------------------------- two versions


def test_diff_names_exactly_the_changed_input_and_computed_cells(versions):
    v1, v2, old, new = versions
    code, doc = diff_json(v1, v2)
    assert code == 1 and doc["schema"] == "xlmodel.diff/1" and not doc["identical"]
    got = {(c["sheet"], c["cell"]): c["type"] for c in doc["cells"]}
    oracle = changed_cells(v1, v2)
    assert set(got) == set(oracle), (set(got) ^ set(oracle))
    inputs = {k for k, t in got.items() if t == "indata"}
    assert inputs == {("Ramar", "D14")}
    assert {k for k, t in got.items() if t == "formel"} == set()
    computed = {k for k, t in got.items() if t == "beräknat"}
    # The HSN row of the frame table follows its prior frame, and so does the sum row.
    assert {("Ramtabell", r) for r in ("C14", "G14", "H14", "C20", "G20", "H20")} <= computed
    d14 = next(c for c in doc["cells"] if c["cell"] == "D14")
    assert (d14["before"]["value"], d14["after"]["value"]) == (format(old, "f"), format(new, "f"))
    assert d14["where"] == "tabellen tblRamar, kolumnen 'Budgetram föregående år'"


def test_diff_new_index_value_is_the_rule_applied_to_the_new_input(versions):
    v1, v2, old, new = versions
    rate = Decimal(repr(openpyxl.load_workbook(v2)["Ramar"]["E14"].value))
    _, doc = diff_json(v1, v2)
    g14 = next(c for c in doc["cells"] if (c["sheet"], c["cell"]) == ("Ramtabell", "G14"))
    assert Decimal(g14["before"]["value"]) == excel_precision(old * rate)
    assert Decimal(g14["after"]["value"]) == excel_precision(new * rate)


def test_diff_text_is_a_swedish_table_per_sheet(versions):
    v1, v2, old, new = versions
    p = run("diff", str(v1), str(v2))
    assert p.returncode == 1, p.stderr
    out = p.stdout
    assert "Blad 'Ramar': 1 ändrad cell" in out
    assert "Blad 'Ramtabell':" in out
    header = next(line for line in out.splitlines() if line.strip().startswith("Cell"))
    assert header.split() == ["Cell", "Typ", "Före", "Efter"]
    d14 = next(line for line in out.splitlines() if line.strip().startswith("D14"))
    assert d14.split()[1] == "indata"
    assert "5 017" in d14 and "5 100" in d14  # fmt_mkr: Swedish thousands separator
    assert "1 indata" in out and "0 formler" in out
    assert "\x1b[" not in out  # no colour into a pipe


def test_formula_change_is_reported_as_formel(versions, tmp_path):
    v1 = versions[0]
    v3 = tmp_path / "plan_formel.xlsm"
    shutil.copyfile(v1, v3)
    wb = openpyxl.load_workbook(v1, data_only=True)["Ramtabell"]
    value = sum(Decimal(repr(wb[f"{c}14"].value)) for c in "CDEF")  # the new formula leaves out index
    patch(v3, "Ramtabell", [CellWrite("H14", value, formula="C14+D14+E14+F14")])
    code, doc = diff_json(v1, v3)
    assert code == 1
    assert [(c["sheet"], c["cell"], c["type"]) for c in doc["cells"]] == [("Ramtabell", "H14", "formel")]
    h14 = doc["cells"][0]
    assert h14["before"]["formula"] == "C14+D14+E14+F14+G14"
    assert h14["after"]["formula"] == "C14+D14+E14+F14"
    assert Decimal(h14["after"]["value"]) == excel_precision(value)
    assert changed_cells(v1, v3) == {("Ramtabell", "H14"): "formel"}


def test_identical_files_exit_0(versions):
    v1 = versions[0]
    p = run("diff", str(v1), str(v1))
    assert p.returncode == 0, p.stderr
    assert "inga skillnader" in p.stdout
    code, doc = diff_json(v1, REGIONPLAN)
    assert code == 0 and doc["identical"] and doc["cells"] == [] and doc["summary"]["cells"] == 0


def test_float_noise_is_not_a_change(tmp_path):
    """9.609999999999999 (as XlsxWriter wrote FHS' prior frame) and 9.61 are one number
    at Excel's 15 significant digits."""
    a, b = tmp_path / "a.xlsm", tmp_path / "b.xlsm"
    shutil.copyfile(REGIONPLAN, a)
    shutil.copyfile(REGIONPLAN, b)
    raw = openpyxl.load_workbook(a)["Ramar"]["D17"].value
    assert isinstance(raw, float)
    patch(b, "Ramar", [CellWrite("D17", excel_precision(Decimal(repr(raw))))])
    assert Package.open(a).sha256 != Package.open(b).sha256
    p = run("diff", str(a), str(b))
    assert p.returncode == 0, p.stdout
    patch(b, "Ramar", [CellWrite("D17", Decimal("9.62"))])
    assert run("diff", str(a), str(b)).returncode == 1


def test_json_is_sorted_stable_and_exact(versions):
    v1, v2, _, _ = versions
    first = run("diff", "--format", "json", str(v1), str(v2)).stdout
    assert first == run("diff", "--format", "json", str(v1), str(v2)).stdout
    doc = json.loads(first)
    assert list(doc) == sorted(doc)
    sheets = Package.open(v2).sheets
    order = {s.name: i for i, s in enumerate(sheets)}
    from xlmodel.xlsx.cellref import split_ref

    keys = [(order[c["sheet"]], split_ref(c["cell"])) for c in doc["cells"]]
    assert keys == sorted(keys)
    for c in doc["cells"]:
        for side in (c["before"], c["after"]):
            if side and side["value_type"] == "number":
                assert isinstance(side["value"], str) and "E" not in side["value"]
                Decimal(side["value"])
    s = doc["summary"]
    assert s["cells"] == s["indata"] + s["beräknat"] + s["formel"] == len(doc["cells"])


def test_sheets_names_and_tables_between_two_kinds(versions):
    """A regionplan against a delårsrapport: sheets, defined names and tables differ."""
    code, doc = diff_json(DELARSRAPPORT, versions[0])
    assert code == 1
    assert doc["old"]["kind"] == "delarsrapport" and doc["new"]["kind"] == "regionplan"
    assert "Ramtabell" in doc["sheets"]["added"] and "Balanskravsutredning" in doc["sheets"]["removed"]
    names = {n["name"]: n for n in doc["names"]}
    assert names["Standardindex"]["before"] is None and names["Standardindex"]["after"] == "'Parametrar'!$C$6"
    assert names["Rakenskapsar"]["after"] is None
    tables = {t["name"]: t for t in doc["tables"]}
    assert tables["tblRamar"]["before"] is None and tables["tblRamar"]["after"].startswith("Ramar!A4:")
    assert tables["tblUtredning"]["after"] is None


def test_workbook_of_unknown_kind_is_classified_by_formulas(tmp_path):
    import xlsxwriter

    paths = []
    for n, a1 in enumerate((2, 3)):
        path = tmp_path / f"okand_{n}.xlsx"
        wb = xlsxwriter.Workbook(str(path))
        ws = wb.add_worksheet("Blad1")
        ws.write_number("A1", a1)
        ws.write_formula("B1", "=A1*2", None, a1 * 2)
        ws.write_string("C1", "etikett")
        wb.close()
        paths.append(path)
    code, doc = diff_json(*paths)
    assert code == 1 and doc["new"]["kind"] is None
    assert [(c["cell"], c["type"]) for c in doc["cells"]] == [("A1", "indata"), ("B1", "beräknat")]


# ----------------------------------------------------------------------------- errors


def test_unreadable_file_exits_2(versions, tmp_path):
    text = tmp_path / "inte_en_bok.xlsx"
    text.write_text("hej", encoding="utf-8")
    for other in (tmp_path / "saknas.xlsx", text):
        p = run("diff", str(versions[0]), str(other))
        assert p.returncode == 2
        assert p.stderr.startswith("xlmodel: ") and str(other) in p.stderr
        assert "Traceback" not in p.stderr


def test_wrong_number_of_files_exits_2(versions):
    p = run("diff", str(versions[0]))
    assert p.returncode == 2 and "två arbetsböcker" in p.stderr
    p = run("diff", "--textconv", str(versions[0]), str(versions[1]))
    assert p.returncode == 2 and "exakt en" in p.stderr
    p = run("diff", "--git-extern", "a", "b", "c")
    assert p.returncode == 2 and "sju argument" in p.stderr


# ----------------------------------------------------------------------------- git


def test_textconv_is_one_stable_line_per_cell(versions):
    v1, v2, old, new = versions
    p = run("diff", "--textconv", str(v1))
    assert p.returncode == 0, p.stderr
    assert p.stdout == run("diff", "--textconv", str(v1)).stdout
    lines = p.stdout.splitlines()
    assert lines[0] == "# xlmodel textconv/1" and lines[1] == "typ: regionplan"
    assert f"Ramar!D14 [indata] {old}" in lines
    assert "[namn] Standardindex = 'Parametrar'!$C$6" in lines
    assert any(line.startswith("Ramtabell!H14 [beräknat] =C14+D14+E14+F14+G14 → ") for line in lines)
    assert any(line.startswith("Ramtabell!G14 [beräknat] ") for line in lines)  # owned constant


def test_git_extern_calling_convention(versions):
    """git's seven arguments: path old-file old-hex old-mode new-file new-hex new-mode."""
    v1, v2, _, _ = versions
    args = ["plan.xlsm", str(v1), "a" * 40, "100644", str(v2), "b" * 40, "100644"]
    explicit = run("diff", "--git-extern", *args)
    detected = run("diff", *args)
    for p in (explicit, detected):
        assert p.returncode == 0, p.stderr  # git stops the whole diff on another exit code
        assert p.stdout.startswith("diff --xlmodel a/plan.xlsm b/plan.xlsm\n")
        assert "Blad 'Ramar': 1 ändrad cell" in p.stdout
    assert explicit.stdout == detected.stdout
    added = run("diff", "--git-extern", "ny.xlsm", "/dev/null", ".", ".", str(v1), "c" * 40, "100644")
    assert added.returncode == 0 and "blad tillagt: 'Ramtabell'" in added.stdout


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HOME": str(repo), "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
           "GIT_PAGER": "cat", "PYTHONIOENCODING": "utf-8", "LC_ALL": "C.UTF-8"}
    cmd = [GIT, "-c", "user.name=xlmodel-test", "-c", "user.email=test@example.invalid", "-c", "core.autocrlf=false",
           *args]
    return subprocess.run(cmd, cwd=repo, capture_output=True, text=True, encoding="utf-8", env=env, timeout=300)


@pytest.mark.skipif(GIT is None, reason="git saknas")
def test_git_diff_shows_cell_level_changes(versions, tmp_path):
    v1, v2, old, new = versions
    repo = tmp_path / "repo"
    repo.mkdir()
    assert _git(repo, "init", "-q", ".").returncode == 0
    (repo / ".gitattributes").write_text("*.xlsx diff=xlmodel\n*.xlsm diff=xlmodel\n", encoding="utf-8")
    xlmodel_cmd = f"{shlex.quote(sys.executable)} -m xlmodel diff"
    # The documented set-up, as repository-local config (never the user's global config).
    assert _git(repo, "config", "diff.xlmodel.textconv", f"{xlmodel_cmd} --textconv").returncode == 0
    shutil.copyfile(v1, repo / "plan.xlsm")
    assert _git(repo, "add", ".").returncode == 0
    assert _git(repo, "commit", "-q", "-m", "v1").returncode == 0
    shutil.copyfile(v2, repo / "plan.xlsm")
    assert _git(repo, "commit", "-q", "-am", "v2").returncode == 0

    p = _git(repo, "diff", "HEAD~1", "HEAD")
    assert p.returncode == 0, p.stderr
    assert f"-Ramar!D14 [indata] {old}" in p.stdout.splitlines()
    assert f"+Ramar!D14 [indata] {new}" in p.stdout.splitlines()
    assert any(line.startswith("+Ramtabell!G14 [beräknat] ") for line in p.stdout.splitlines())
    assert "Binary files" not in p.stdout

    p = _git(repo, "-c", f"diff.xlmodel.command={xlmodel_cmd} --git-extern", "diff", "--ext-diff", "HEAD~1", "HEAD")
    assert p.returncode == 0, p.stderr
    assert "diff --xlmodel a/plan.xlsm b/plan.xlsm" in p.stdout
    assert "Blad 'Ramar': 1 ändrad cell" in p.stdout
    d14 = next(line for line in p.stdout.splitlines() if line.strip().startswith("D14"))
    assert d14.split()[1] == "indata"


# ----------------------------------------------------------------------------- properties (in process)

_values = st.one_of(
    st.none(),
    st.booleans(),
    st.decimals(min_value=-10**6, max_value=10**6, places=4, allow_nan=False).map(excel_precision),
    st.sampled_from(["ja", "nej", "", "HSN"]),
)
_cells = st.dictionaries(
    st.sampled_from([f"{c}{r}" for c in "ABC" for r in (1, 2, 3)]),
    st.tuples(_values, st.sampled_from([None, "A1+B1", "SUM(A1:A3)"])),
    max_size=9,
)


def _snapshot(name: str, cells: dict) -> Snapshot:
    from xlmodel.xlsx.cellref import split_ref

    snap = Snapshot(path=name, sheets=["Blad1"], sheet_types={"Blad1": "worksheet"})
    states = {ref: CellState(v, f) for ref, (v, f) in cells.items() if not (v is None and f is None)}
    snap.cells["Blad1"] = states
    snap.positions.update({("Blad1", ref): split_ref(ref) for ref in states})
    return snap


@settings(max_examples=200, deadline=None)
@given(_cells, _cells)
def test_diff_is_symmetric_and_names_exactly_the_differing_cells(a_cells, b_cells):
    a, b = _snapshot("a", a_cells), _snapshot("b", b_cells)
    assert diff_snapshots(a, a).identical
    ab, ba = diff_snapshots(a, b), diff_snapshots(b, a)
    assert [(c.cell, c.type) for c in ab.cells] == [(c.cell, c.type) for c in ba.cells]
    for x, y in zip(ab.cells, ba.cells):
        assert (x.before, x.after) == (y.after, y.before)
    changed = {c.cell for c in ab.cells}
    for ref in set(a.cells["Blad1"]) | set(b.cells["Blad1"]):
        sa, sb = a.cells["Blad1"].get(ref), b.cells["Blad1"].get(ref)
        same = (sa.same_as(sb) if sa is not None else sb is None or sb.is_blank())  # '' looks like a blank
        assert (ref not in changed) == same
    for c in ab.cells:
        fa = c.before.formula if c.before else None
        fb = c.after.formula if c.after else None
        assert (c.type == "formel") == (fa != fb)
        if c.type != "formel":
            assert c.type == ("beräknat" if fa is not None else "indata")
