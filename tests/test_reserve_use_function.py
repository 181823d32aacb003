"""RESERVANVANDNING with the workbook's own reserve guidelines (issue 14 point 3).

An Excel function sees only its arguments: the table ``tblReservriktlinjer`` reaches it
through the argument ``riktlinjer`` (the whole table, its data, or two columns Nr and
Värde). The statute's limits (KL 11 kap. 14 §: no reserve before 2010, no use before
2013, an old RUR only during the transition) stay law whatever the table says; the local
rules are labelled local. Checked through the function, through xlwings' machinery
(converters as the COM server calls it), and through ``xlmodel validera`` / ``forklara``
as real processes on real files: a workbook XlsxWriter wrote with cached values, the
same file saved by a real LibreOffice, and a delårsrapport built by ``xlmodel bygg``
whose guidelines differ from the defaults, patched with function cells (one correct,
one stale, one that leaves the table out).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest

import udfs
from xlmodel.rules.reserves import ReserveUseInput, UseGuidelines, reserve_use

REPO = Path(__file__).resolve().parent.parent
SRC = REPO / "workbooks" / "src"
NA = "#XLMODEL: "

HEADERS = ("Nr", "Riktlinje", "Värde", "Slag", "Källa eller beslut")
DECISION = "KF 2023-06-12 § 80"


def table(values: dict[int, object], *, headers: bool = True, source: str = DECISION) -> tuple:
    """The guideline table as Excel passes a range: row tuples, numbers as floats; rows
    7–10 hold the law's values for 2025 as xlmodel writes them."""
    law = {7: 0.01, 8: 0.02, 9: 0.05, 10: 2033.0}
    rows = []
    for nr in range(1, 11):
        v = values.get(nr, law.get(nr))
        rows.append((float(nr), f"riktlinje {nr}", float(v) if isinstance(v, int) else v,
                     "lokal (inte lag)" if nr <= 6 else "lag", source if nr in values else None))
    return ((HEADERS,) if headers else ()) + tuple(rows)


OWN = {1: "Nej", 2: "Nej", 3: 25}   # use without a negative result, at most 25 a year


# =========================================================================== the function


def test_the_table_gives_the_bodys_rules_in_every_shape_excel_passes():
    # the common rule: an adjusted result of +10 allows nothing
    assert udfs.RESERVANVANDNING(2025.0, 10.0, 0.0, 100.0) == 0
    # the body's rules from the whole table ([#Alla]), its data ([#Data]) or Nr and Värde
    assert udfs.RESERVANVANDNING(2025.0, 10.0, 0.0, 100.0, None, None, table(OWN)) == 25
    assert udfs.RESERVANVANDNING(2025.0, 10.0, 0.0, 100.0, None, None, table(OWN, headers=False)) == 25
    two = (("Nr", "Värde"), (1.0, "Nej"), (2.0, "nej"), (3.0, 25.0))
    assert udfs.RESERVANVANDNING(2025.0, 10.0, 0.0, 100.0, None, None, two) == 25
    # two columns without headers; no local maximum: up to the balance
    assert udfs.RESERVANVANDNING(2025.0, 10.0, 0.0, 100.0, None, None, ((1.0, "Nej"), (2.0, "Nej"))) == 100
    # blank rows of the table are the defaults: the same as no table
    assert udfs.RESERVANVANDNING(2021.0, -50.0, 80.0, None, None, None, table({})) == 50
    # Ja/Nej arguments that agree with the table are accepted; one that contradicts it is refused
    assert udfs.RESERVANVANDNING(2025.0, 10.0, 0.0, 100.0, "Nej", None, table(OWN)) == 25
    refused = udfs.RESERVANVANDNING(2025.0, 10.0, 0.0, 100.0, "Ja", None, table(OWN))
    assert refused == (f"{NA}argument 'endast_vid_underskott': Ja motsäger riktlinje nr 1 i tabellen (Nej); "
                       "lämna argumentet tomt när riktlinjerna anges")


def test_the_statutes_limits_stay_law_whatever_the_table_says():
    allow_all = table({1: "Nej", 2: "Nej"})
    # 2011: reserved to from 2010 results, usable first in 2013 (prop. 2011/12:172)
    assert udfs.RESERVANVANDNING(2011.0, 10.0, 80.0, None, None, None, allow_all) == 0
    # 2008: no reserve at all
    assert udfs.RESERVANVANDNING(2008.0, -10.0, 80.0, None, None, None, allow_all).startswith(f"{NA}argument 'ar'")
    # 2034: the old RUR after the transition counts for nothing; the resultatreserv does
    assert udfs.RESERVANVANDNING(2034.0, 10.0, 80.0, 30.0, None, None, allow_all) == 30
    # the table's law rows are never read: a changed one does not move the result
    changed_law = tuple(r[:2] + ((2040.0,) if r[0] == 10.0 else r[2:3]) + r[3:] for r in allow_all)
    assert udfs.RESERVANVANDNING(2034.0, 10.0, 80.0, 30.0, None, None, changed_law) == 30


def test_a_local_maximum_is_one_for_the_year_not_one_per_bucket():
    own = UseGuidelines(only_when_negative=True, at_most_to_zero=True, max_amount=D(25))
    use = reserve_use(ReserveUseInput(year=2025, resultat_efter_justeringar=-100, rur_balance=40,
                                      resultatreserv_balance=40, guidelines=own))
    assert (use.max_from_rur, use.max_from_resultatreserv, use.max_total) == (25, 25, 25)
    assert "högst 25" in use.rule_text and "inte lag" in use.rule_text


@pytest.mark.parametrize(("riktlinjer", "message"), [
    ((("Nr", "Värde"), (1.0, "kanske")), "rad 2 i området: riktlinje nr 1 ska vara Ja eller Nej (angivet: kanske)"),
    ((("Nr", "Värde"), (3.0, -5.0)), "rad 2 i området: riktlinje nr 3: beloppet ska anges som ett positivt belopp"),
    ((("Nr", "Värde"), (3.0, "#N/A")), "rad 2 i området: cellen innehåller felvärdet #N/A"),
    ((("Nr", "Värde"), (12.0, "Ja")), "rad 2 i området: riktlinje nr 12 finns inte (1–10)"),
    ((("Nr", "Värde"), (3.0, 5.0), (3.0, 6.0)), "rad 3 i området: riktlinje nr 3 förekommer två gånger"),
    ((("Riktlinje", "Värde"), ("x", "Ja")), "tabellens rubriker Nr och Värde saknas i området"),
    (5.0, "ange tabellen Reservriktlinjer (t.ex. tblReservriktlinjer[#Alla]) eller två kolumner Nr och Värde"),
])
def test_a_table_that_cannot_be_read_is_one_message_naming_the_row(riktlinjer, message):
    got = udfs.RESERVANVANDNING(2025.0, 10.0, 0.0, 100.0, None, None, riktlinjer)
    assert got == f"{NA}argument 'riktlinjer': {message}"


def test_called_as_the_com_server_calls_it_with_xlwings_converters():
    from xlmodel.testing import xlwings_harness as h

    xl, _ = h.load_udf_module("udfs")
    result = h.call_like_excel(xl.RESERVANVANDNING, 2025.0, 10.0, 0.0, 100.0, None, None, table(OWN))
    assert h.com_return_problems(result) == [] and result == [[25.0]]
    # one row of a range arrives as a row (ndim=2), not squeezed to a list of values
    result = h.call_like_excel(xl.RESERVANVANDNING, 2025.0, 10.0, 0.0, 100.0, None, None, ((1.0, "Nej"),))
    assert result == [[0.0]]    # row 2 (högst till noll) is still the default


# =========================================================================== real files


def run(*args) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xlmodel", *map(str, args)], capture_output=True, text=True, cwd=REPO)


def report(path: Path) -> tuple[int, list[tuple[str, str, str]]]:
    done = run("validera", "--format", "json", path)
    data = json.loads(done.stdout)
    return done.returncode, [(f["rule"], f["sheet"], f["cell"]) for f in data["files"][0]["findings"]
                             if f["rule"].startswith("funktionscell")]


def own_workbook(path: Path) -> None:
    """A controller's own workbook (XlsxWriter, cached values as Excel stores them): the
    table with the body's rules and three RESERVANVANDNING cells: H2 correct with the
    table, H3 the same formula with the value the defaults give (stale), H4 leaving the
    table out (its value is what the function gives without it)."""
    import xlsxwriter

    rows = table(OWN)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Reserver")
    ws.add_table("A1:E11", {"name": "tblReservriktlinjer", "columns": [{"header": h} for h in HEADERS],
                            "data": [list(r) for r in rows[1:]]})
    formula = "=RESERVANVANDNING(2025,10,0,100,,,tblReservriktlinjer[#All])"
    ws.write_formula("H2", formula, None, udfs.RESERVANVANDNING(2025.0, 10.0, 0.0, 100.0, None, None, rows))
    ws.write_formula("H3", formula, None, udfs.RESERVANVANDNING(2025.0, 10.0, 0.0, 100.0))
    ws.write_formula("H4", "=RESERVANVANDNING(2025,10,0,100)", None, udfs.RESERVANVANDNING(2025.0, 10.0, 0.0, 100.0))
    wb.close()


EXPECTED = [("funktionscell.inaktuell", "Reserver", "H3"), ("funktionscell.riktlinjer", "Reserver", "H4")]


def test_validera_finds_the_stale_cell_and_the_cell_without_the_table(tmp_path):
    path = tmp_path / "egen.xlsx"
    own_workbook(path)
    code, found = report(path)
    assert code == 1 and found == EXPECTED
    text = run("validera", path).stdout
    assert "RESERVANVANDNING ger 25 med arbetsbokens indata men cellen har det sparade värdet 0" in text
    assert "tblReservriktlinjer[#Alla]" in text and f"inte lag: {DECISION}" in text


def test_forklara_labels_the_law_and_the_local_rules(tmp_path):
    path = tmp_path / "egen.xlsx"
    own_workbook(path)
    done = run("forklara", path, "Reserver!H2")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Lag (KL 11 kap. 14 §): år 2025 gäller resultatreserv" in out
    assert f"Riktlinjer: högst 25,0 mkr per år (lokala riktlinjer, inte lag: {DECISION})" in out
    assert "sammanlagt 25" in out and "reserv.rur_overgang_sista_ar = 2033" in out


def test_a_libreoffice_save_is_checked_the_same(tmp_path):
    from xlmodel.testing.libreoffice import convert, find_soffice

    soffice = find_soffice()
    assert soffice is not None, "LibreOffice (soffice) saknas: kör scripts/setup.sh"
    src = tmp_path / "egen.xlsx"
    own_workbook(src)
    saved = convert([src], tmp_path / "lo", recalc=False, soffice=soffice)[src]
    from xlmodel.xlsx.package import Package

    pkg = Package.open(saved)
    assert b"reservanvandning(2025,10,0,100,,,tblReservriktlinjer[#all])" in pkg.part(pkg.sheet_part("Reserver"))
    code, found = report(saved)
    assert code == 1 and found == EXPECTED


def test_a_built_delarsrapport_with_its_own_guidelines(tmp_path):
    """``xlmodel bygg`` with reservriktlinjer.csv (use without a negative result, at most
    40 a year): cells that pass the table agree with it, a stale one and one that leaves
    the table out are reported, and nothing else changes in the book's findings."""
    from xlmodel.xlsx.package import Package
    from xlmodel.xlsx.patch import CellWrite, patch_sheet

    src = tmp_path / "src" / "dr"
    shutil.copytree(SRC / "vasterbotten_delarsrapport_2021_08", src)
    (src / "reservriktlinjer.csv").write_text(
        "Nr,Riktlinje,Värde,Källa eller beslut\n"
        "1,Bara vid negativt resultat,Nej,Fullmäktige 2020-06-15 § 92\n"
        "2,Högst till noll,Nej,Fullmäktige 2020-06-15 § 92\n"
        "3,Högsta användning per år,40,Fullmäktige 2020-06-15 § 92\n", encoding="utf-8")
    built = run("bygg", tmp_path / "src", "--ut", tmp_path / "ut")
    assert built.returncode == 0, built.stderr
    book = tmp_path / "ut" / "vasterbotten_delarsrapport_2021_08.xlsm"
    _, before = report(book)
    sheet = "Balanskravsutredning"
    # G5 is Räkenskapsår (2021), C15 the adjusted result (168); 100 in the RUR
    with_table = "RESERVANVANDNING(G5,C15,100,,,,tblReservriktlinjer[#All])"
    pkg = patch_sheet(Package.open(book), sheet, [
        CellWrite("J5", D(40), formula=with_table),
        CellWrite("J6", D(0), formula=with_table),
        CellWrite("J7", D(0), formula="RESERVANVANDNING(G5,C15,100)"),
        CellWrite("J8", D(40), formula="RESERVANVANDNING(G5,C15,100,,,,tblReservriktlinjer[#Data])"),
    ], full_calc_on_load=False)
    book.write_bytes(pkg.to_bytes())
    code, found = report(book)
    assert code == 1
    assert [f for f in found if f not in before] == [("funktionscell.inaktuell", sheet, "J6"),
                                                      ("funktionscell.riktlinjer", sheet, "J7")]
