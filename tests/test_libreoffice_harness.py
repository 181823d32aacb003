"""LibreOffice headless as a recalculating oracle (xlmodel.testing.libreoffice).

Tests that need soffice are marked ``libreoffice``. Without soffice they are skipped
locally but FAIL when CI=true: CI must never pass by silently skipping them. Expected
values are computed here from the inputs written into each workbook.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest
import xlsxwriter

from xlmodel.testing import CellError
from xlmodel.testing import libreoffice as lo

STALE = 999  # a cached value that no formula here can produce
RAM = {"Hälsa och sjukvård": 100, "Regional utveckling": 60, "Kollektivtrafik": 50}


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def _build(path: Path, a1: float) -> Path:
    """A workbook whose every formula has a wrong cached value, as Excel could leave it."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Blad1")
    ws.write_number("A1", a1)
    ws.write_formula("B1", "=A1*2", None, STALE)
    ws.write_formula("C1", "=BALANSKRAV(A1)", None, 123)
    ws.add_table(
        "E1:F4",
        {
            "name": "Tabell1",
            "columns": [{"header": "Nämnd"}, {"header": "Ram"}],
            "data": [[name, ram] for name, ram in RAM.items()],
        },
    )
    ws.write_formula("B2", "=SUM(Tabell1[Ram])", None, STALE)
    wb.define_name("Indexsats", "=Blad1!$A$1")  # a name for a cell
    wb.define_name("Dubbel", "=Blad1!$A$1*2")  # a name for a formula
    ws.write_formula("B3", "=Indexsats*20", None, STALE)
    ws.write_formula("B4", "=Dubbel+1", None, STALE)
    other = wb.add_worksheet("Uppräkning")
    other.write_formula("A1", "=Blad1!A1+Blad1!B2", None, STALE)
    other.write_string("A2", "#NAME?")  # text, not an error
    wb.close()
    return path


def _expected(a1: float) -> dict[str, dict[str, object]]:
    total = sum(RAM.values())
    return {
        "Blad1": {"A1": a1, "B1": a1 * 2, "C1": "#NAME?", "B2": total, "B3": a1 * 20, "B4": a1 * 2 + 1},
        "Uppräkning": {"A1": a1 + total, "A2": "#NAME?"},
    }


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.libreoffice
def test_recalculates_stale_values_and_marks_unknown_functions(soffice, tmp_path):
    a1 = 10
    book = _build(tmp_path / "budget.xlsx", a1)
    before = _digest(book)
    values = lo.recalc_values([book], soffice=soffice)[book]
    for sheet, cells in _expected(a1).items():
        for ref, want in cells.items():
            assert values[sheet][ref] == want, (sheet, ref, values[sheet].get(ref))
    assert isinstance(values["Blad1"]["C1"], CellError)  # an error cell ...
    assert not isinstance(values["Uppräkning"]["A2"], CellError)  # ... not text that reads like one
    assert values["Blad1"]["F2"] == RAM["Hälsa och sjukvård"]
    # the input is untouched and nothing (outputs, lock files) was written beside it
    assert _digest(book) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["budget.xlsx"]


@pytest.mark.libreoffice
def test_batch_of_three_in_one_soffice_call(soffice, tmp_path, monkeypatch):
    # Two inputs share a file name in different folders: their outputs must not collide.
    inputs = {}
    for folder, a1 in (("a", 1), ("b", 2), ("c", 3.5)):
        (tmp_path / folder).mkdir()
        inputs[_build(tmp_path / folder / ("budget.xlsx" if folder != "c" else "annan.xlsx"), a1)] = a1
    calls = []
    real_popen = lo.subprocess.Popen

    def counting_popen(cmd, *args, **kwargs):
        calls.append(cmd)
        return real_popen(cmd, *args, **kwargs)

    monkeypatch.setattr(lo.subprocess, "Popen", counting_popen)
    result = lo.recalc_values(list(inputs), soffice=soffice)
    assert len(calls) == 1
    assert set(result) == set(inputs)
    for path, a1 in inputs.items():
        assert result[path]["Blad1"]["B1"] == a1 * 2
        assert result[path]["Uppräkning"]["A1"] == a1 + sum(RAM.values())


@pytest.mark.libreoffice
def test_a_file_that_does_not_convert_is_named(soffice, tmp_path):
    good = _build(tmp_path / "bra.xlsx", 4)
    broken = tmp_path / "trasig.xlsx"
    broken.write_bytes(b"inte en zip-fil")
    with pytest.raises(lo.LibreOfficeError) as info:
        lo.recalc_values([good, broken], soffice=soffice)
    err = info.value
    assert err.failed == [broken]
    assert str(broken) in str(err)
    assert err.values[good]["Blad1"]["B1"] == 4 * 2  # the good file is still reported


@pytest.mark.libreoffice
def test_render_pdf_and_png(soffice, tmp_path):
    book = _build(tmp_path / "budget.xlsx", 10)
    out = tmp_path / "bilder"
    pdf = lo.render_pdf(book, out, soffice=soffice)
    assert pdf.read_bytes()[:5] == b"%PDF-"
    if lo.shutil.which("pdftoppm") is None:
        if _in_ci():
            pytest.fail("pdftoppm saknas (poppler-utils) i CI")
        pytest.skip("pdftoppm saknas (poppler-utils)")
    pngs = lo.render_png(book, out, soffice=soffice)
    assert pngs and all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    assert [p.name for p in pngs][0] == "budget-1.png"


# --- behaviour that needs no LibreOffice ------------------------------------------------
def test_missing_soffice_has_a_clear_message(monkeypatch, tmp_path):
    monkeypatch.setenv(lo.SOFFICE_ENV, str(tmp_path / "finns-inte" / "soffice"))
    assert lo.find_soffice() is None
    with pytest.raises(lo.LibreOfficeError, match="hittades inte"):
        lo.recalc_values([tmp_path / "x.xlsx"])


def test_missing_input_is_refused_before_starting(tmp_path):
    fake = _fake_soffice(tmp_path, "exit 0")
    with pytest.raises(lo.LibreOfficeError, match="finns inte") as info:
        lo.recalc_values([tmp_path / "saknas.xlsx"], soffice=str(fake))
    assert info.value.failed == [tmp_path / "saknas.xlsx"]


def test_empty_batch_starts_nothing(tmp_path):
    fake = _fake_soffice(tmp_path, 'touch "$0.ran"')
    assert lo.recalc_values([], soffice=str(fake)) == {}
    assert not Path(str(fake) + ".ran").exists()


def test_timeout_kills_the_whole_process_group(tmp_path, monkeypatch):
    pidfile = tmp_path / "child.pid"
    monkeypatch.setenv("XLMODEL_TEST_PIDFILE", str(pidfile))
    # Like soffice -> oosplash -> soffice.bin: the script's child must die too.
    fake = _fake_soffice(tmp_path, 'sleep 300 &\necho $! > "$XLMODEL_TEST_PIDFILE"\nwait')
    book = tmp_path / "in.xlsx"
    book.write_bytes(b"x")
    with pytest.raises(lo.LibreOfficeError, match="svarade inte"):
        lo.recalc_values([book], soffice=str(fake), timeout=1)
    child = int(pidfile.read_text())
    assert not _alive(child)


def test_exit_code_is_reported(tmp_path):
    fake = _fake_soffice(tmp_path, "echo trasig >&2\nexit 3")
    book = tmp_path / "in.xlsx"
    book.write_bytes(b"x")
    with pytest.raises(lo.LibreOfficeError, match="kod 3") as info:
        lo.recalc_values([book], soffice=str(fake))
    assert "trasig" in info.value.output


def _fake_soffice(folder: Path, body: str) -> Path:
    script = folder / "soffice"
    script.write_text("#!/bin/sh\n" + body + "\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def _alive(pid: int) -> bool:
    """True while the process exists and is not a zombie. SIGKILL is delivered at once,
    but the kernel may take a moment to reap, so look a bounded number of times."""
    import time

    for _ in range(200):
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return False
        if state in ("Z", "X"):
            return False
        time.sleep(0.025)
    return True
