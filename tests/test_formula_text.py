"""Equivalent formulas are equal: the same formula written by Excel, LibreOffice,
XlsxWriter or openpyxl compares equal in validate, regenerate and diff; a changed
formula still differs. The LibreOffice case saves the shipped regionplan with real
LibreOffice (a throw-away profile, xlmodel.testing.libreoffice)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from xlmodel.testing.libreoffice import convert, find_soffice
from xlmodel.workbook.validate import validate_file
from xlmodel.xlsx.formula_text import canonical_formula, same_formula

ROOT = Path(__file__).resolve().parents[1]
REGIONPLAN = ROOT / "workbooks" / "vasterbotten_regionplan_2021.xlsm"
DELARSRAPPORT = ROOT / "workbooks" / "vasterbotten_delarsrapport_2021_08.xlsm"
VASTERNORRLAND = ROOT / "workbooks" / "vasternorrland_regionplan_2020_2022.xlsx"

SAME = [
    ("='Ramtabell'!B5", "=Ramtabell!B5"),
    ("Ramtabell!$B$5", "ramtabell!b5"),
    ("SUM(C5:C19)", "sum( C5 : C19 )"),
    ("_xlfn.XLOOKUP(A1,B:B,C:C)", "XLOOKUP(A1,B:B,C:C)"),
    ("_xlws.SORT(A1:A9)", "SORT(A1:A9)"),
    ("ATERSTALLNING(A5:A9,B5:B9)", "aterstallning(A5:A9,B5:B9)"),
    ("C5*1.5", "C5*1.50"),
    ("C5*150", "C5*1.5E+2"),
    ("IF(A1,TRUE,#N/A)", "if(a1,true,#n/a)"),
    ("'Bo''s blad'!A1", "'BO''S BLAD'!A1"),
]

DIFFERENT = [
    ("Ramtabell!B5", "Ramtabell!B6"),
    ("Ramtabell!B5", "Ramar!B5"),
    ('IF(A1,"ja","nej")', 'IF(A1,"JA","nej")'),   # text constants keep their case
    ("C5*1.5", "C5*1.6"),
    ("SUM(C5:C19)", "SUM(C5:C20)"),
    ("A1-B1", "A1+B1"),
]


@pytest.mark.parametrize("a,b", SAME)
def test_equivalent_spellings_are_one_formula(a, b):
    assert same_formula(a, b) and canonical_formula(a) == canonical_formula(b)


@pytest.mark.parametrize("a,b", DIFFERENT)
def test_different_formulas_stay_different(a, b):
    assert not same_formula(a, b)


def test_damaged_text_is_still_compared():
    assert canonical_formula('"unterminated') == canonical_formula('"UNTERMINATED')
    assert same_formula(None, None) and not same_formula(None, "A1")


@pytest.fixture(scope="module")
def saved_by_libreoffice(tmp_path_factory):
    if find_soffice() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) saknas i CI: `make test` ska installera det")
        pytest.skip("LibreOffice (soffice) is not installed here; `make test` installs it")
    out = tmp_path_factory.mktemp("lo")
    # recalc=False: LibreOffice's default for files from Excel ("never recalculate")
    return convert([REGIONPLAN, DELARSRAPPORT, VASTERNORRLAND], out, recalc=False)


@pytest.mark.libreoffice
@pytest.mark.parametrize("original", [REGIONPLAN, DELARSRAPPORT], ids=lambda p: p.stem)
def test_a_libreoffice_save_validates_without_errors(saved_by_libreoffice, original):
    saved = saved_by_libreoffice[original]
    report = validate_file(saved)
    errors = [f for f in report.findings if f.is_error()]
    assert errors == []
    # Its only new findings: cells of xlmodel's functions that LibreOffice could not
    # compute (#NAME?), named as such - no formula findings.
    before = {(f.rule, f.sheet, f.cell) for f in validate_file(original).findings}
    new = [f for f in report.findings if (f.rule, f.sheet, f.cell) not in before]
    assert new and all(f.rule.endswith(".ej_beraknad") and f.found == "#NAME?" for f in new), new


@pytest.mark.libreoffice
def test_diff_after_a_libreoffice_save_shows_no_formula_or_name_changes(saved_by_libreoffice):
    saved = saved_by_libreoffice[REGIONPLAN]
    proc = subprocess.run([sys.executable, "-m", "xlmodel", "diff", "--format", "json", str(REGIONPLAN), str(saved)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr
    d = json.loads(proc.stdout)
    assert d["summary"]["formel"] == 0 and d["names"] == [] and d["summary"]["indata"] == 0, d["summary"]
    # What remains is true: the cached values LibreOffice gave xlmodel's functions (#NAME?).
    cells = d["cells"]
    assert cells and all(c["type"] == "beräknat" and c["after"]["value"] == "#NAME?" for c in cells), cells


@pytest.mark.libreoffice
def test_regenerate_after_a_libreoffice_save_rewrites_only_the_values_it_could_not_compute(saved_by_libreoffice,
                                                                                           tmp_path):
    saved = tmp_path / "bok.xlsx"
    saved.write_bytes(saved_by_libreoffice[REGIONPLAN].read_bytes())
    from xlmodel.workbook.regenerate import regenerate_file

    result = regenerate_file(saved)
    assert result.changes and {c.sheet for c in result.changes} == {"Balanskrav"}
    assert not [f for f in validate_file(saved).findings if f.rule.endswith(".ej_beraknad") or f.is_error()]


@pytest.mark.libreoffice
def test_vasternorrland_after_a_libreoffice_save_has_no_differences(saved_by_libreoffice):
    # Its Resursramar has 40 formulas =IF(I6="ja";…;"") whose result is "": no cached value
    # as xlmodel writes them, an empty one after LibreOffice's save. The cells show nothing
    # either way, so diff finds nothing (it found 40 "(tom) → \"\"" changes), and validera
    # finds what it finds in the original, no more.
    saved = saved_by_libreoffice[VASTERNORRLAND]
    proc = subprocess.run([sys.executable, "-m", "xlmodel", "diff", "--format", "json", str(VASTERNORRLAND),
                           str(saved)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    d = json.loads(proc.stdout)
    assert d["cells"] == [] and d["names"] == [], d["summary"]
    findings = {(f.rule, f.sheet, f.cell, f.message) for f in validate_file(saved).findings}
    assert findings == {(f.rule, f.sheet, f.cell, f.message) for f in validate_file(VASTERNORRLAND).findings}
