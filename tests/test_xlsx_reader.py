"""The raw cell reader: agrees with openpyxl (both modes) in one pass, and with its
own tree-based fallback; typed values, errors, shared strings, shared formulas."""

from __future__ import annotations

import warnings
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.formula import ArrayFormula

from fixtures.xlsx_rich_workbook import FRAMES, NAMES
from xlsx_fixtures import minimal_xlsx, rich_xlsm_master, sheet  # noqa: F401  (pytest fixtures)
from xlmodel.errors import WorkbookError
from xlmodel.xlsx import ExcelError, Limits, Package, iter_cells, read_cells, read_range, read_values
from xlmodel.xlsx.reader import _iter_bytes, _iter_tree, shared_strings
from xlmodel.xlsx.sheetxml import patterns, root_prefix, sheet_data_span


def _load(path: Path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the fixture's x14 extensions make openpyxl warn
        return openpyxl.load_workbook(path, **kw)


@pytest.mark.parametrize("sheet_name", ["Ramtabell", "Övrigt"])
def test_agrees_with_openpyxl_values_and_formulas(rich_xlsm_master: Path, sheet_name: str) -> None:  # noqa: F811
    ours = read_cells(Package.open(rich_xlsm_master), sheet_name)
    values = _load(rich_xlsm_master, data_only=True)[sheet_name]
    formulas = _load(rich_xlsm_master)[sheet_name]
    seen = 0
    for row in values.iter_rows():
        for c in row:
            if c.value is None and c.coordinate not in ours:
                continue
            mine = ours[c.coordinate]
            seen += 1
            if isinstance(mine.value, ExcelError):
                assert c.value == mine.value.code
            elif isinstance(mine.value, Decimal):
                assert float(mine.value) == c.value
            else:
                assert mine.value == c.value, c.coordinate
            f = formulas[c.coordinate].value
            if isinstance(f, ArrayFormula):
                assert mine.formula == f.text.lstrip("=")
            elif isinstance(f, str) and f.startswith("=") and formulas[c.coordinate].data_type == "f":
                assert mine.formula == f[1:], c.coordinate
            else:
                assert mine.formula is None
    assert seen == len(ours)


def test_typed_values_from_the_fixture(rich_xlsm_master: Path) -> None:  # noqa: F811
    pkg = Package.open(rich_xlsm_master)
    grid = read_values(pkg, "Ramtabell", "A2:B8")
    assert [r[0] for r in grid] == NAMES
    assert [r[1] for r in grid] == FRAMES  # exact Decimals, e.g. 1903.25, not 1903.2499999
    e10, f10 = read_values(pkg, "Ramtabell", "E10:F10")[0]
    assert e10 == ExcelError("#NAME?") and e10 != "#NAME?"
    assert f10 is True
    cell = read_range(pkg, "Ramtabell", "D4:D4")[0][0]
    assert cell.formula == "B4*(1+C4)" and cell.formula_kind == "shared" and cell.value == Decimal("1931.79875")
    l2 = read_range(pkg, "Ramtabell", "L2")[0][0]
    assert l2.dynamic and l2.formula_kind == "array"
    assert read_values(pkg, "Ramtabell", "Z100:Z101") == [[None], [None]]


def test_byte_scan_and_tree_fallback_agree(rich_xlsm_master: Path) -> None:  # noqa: F811
    pkg = Package.open(rich_xlsm_master)
    for s in pkg.sheets:
        data = pkg.part(s.part)
        pat = patterns(root_prefix(data, s.part))
        span = sheet_data_span(data, pat, s.part)
        sst = shared_strings(pkg)
        fast = list(_iter_bytes(data, span.content_start, span.content_end, pat, sst, None, 10**6))
        slow = list(_iter_tree(data, sst, None, 10**6))
        assert fast == slow and fast


SST = ('<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
       '<si><t>enkel</t></si>'
       '<si><r><rPr><b/></rPr><t>fet</t></r><r><t xml:space="preserve"> och vanlig</t></r>'
       '<rPh sb="0" eb="1"><t>FONETISK</t></rPh></si>'
       '<si><t>rad_x000D_ny &amp; &lt;tecken&gt; &#228;</t></si><si/></sst>')


def test_edge_cases_of_cell_encoding() -> None:
    rows = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c>'
        '<c r="D1" t="s"><v>3</v></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>inline &amp; text</t></is></c>'
        "<c r='B2' t='b'><v>0</v></c><c r=\"C2\" t=\"e\"><v>#DIV/0!</v></c>"
        '<c r="D2" t="str"><f>"a"&amp;"b"</f><v>ab</v></c><c r="E2"><f>1/0</f></c>'
        '<c r="F2" t="d"><v>2025-01-31T00:00:00</v></c><c r="G2" s="7"/><c r="H2"><v>1.5E-3</v></c></row>'
        '<row><c><v>1</v></c><c><v>2</v></c></row>'  # row 3 and cells A3, B3 without r (legal)
    )
    pkg = Package.from_bytes(minimal_xlsx(sheet(rows), shared_strings=SST))
    c = read_cells(pkg, "Blad1")
    assert [c[r].value for r in ("A1", "B1", "C1", "D1")] == ["enkel", "fet och vanlig", "rad\rny & <tecken> ä", ""]
    assert c["A2"].value == "inline & text" and c["A2"].kind == "inlineStr"
    assert c["B2"].value is False
    assert c["C2"].value == ExcelError("#DIV/0!")
    assert c["D2"].formula == '"a"&"b"' and c["D2"].value == "ab"
    assert c["E2"].formula == "1/0" and c["E2"].value is None  # formula without a cached value
    assert c["F2"].value == "2025-01-31T00:00:00"
    assert c["G2"].value is None and c["G2"].style == 7
    assert c["H2"].value == Decimal("0.0015")
    assert c["A3"].value == 1 and c["B3"].value == 2


def test_comments_in_sheet_data_use_the_tree_path() -> None:
    rows = '<row r="1"><!-- <c r="Z1"><v>9</v></c> --><c r="A1"><v>1</v></c></row>'
    c = read_cells(Package.from_bytes(minimal_xlsx(sheet(rows))), "Blad1")
    assert list(c) == ["A1"]


def test_prefixed_sheet_is_read() -> None:
    xml = sheet('<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>hej</x:t></x:is></x:c>'
                '<x:c r="B1"><x:f>A1</x:f><x:v>3</x:v></x:c></x:row>', prefix="x")
    c = read_cells(Package.from_bytes(minimal_xlsx(xml)), "Blad1")
    assert c["A1"].value == "hej" and c["B1"].formula == "A1" and c["B1"].value == 3


def test_cell_limit_and_bad_content_are_refused() -> None:
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 11))
    pkg = Package.from_bytes(minimal_xlsx(sheet(rows)), limits=Limits(max_cells=5))
    with pytest.raises(WorkbookError, match="fler än 5 celler"):
        list(iter_cells(pkg, "Blad1"))
    bad = Package.from_bytes(minimal_xlsx(sheet('<row r="1"><c r="A1"><v>tolv</v></c></row>')))
    with pytest.raises(WorkbookError, match="ogiltigt tal"):
        read_cells(bad, "Blad1")
    missing = Package.from_bytes(minimal_xlsx(sheet('<row r="1"><c r="A1" t="s"><v>4</v></c></row>')))
    with pytest.raises(WorkbookError, match="delad sträng"):
        read_cells(missing, "Blad1")


def test_doctype_in_sheet_is_refused() -> None:
    xml = sheet("").replace("\n", '\n<!DOCTYPE x [<!ENTITY a "aaaa">]>\n', 1)
    with pytest.raises(WorkbookError, match="DTD"):
        read_cells(Package.from_bytes(minimal_xlsx(xml)), "Blad1")


def test_range_reading_stops_after_the_last_row() -> None:
    rows = '<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>tolv</v></c></row>'
    pkg = Package.from_bytes(minimal_xlsx(sheet(rows)))
    assert read_values(pkg, "Blad1", "A1") == [[1]]  # row 2 (bad number) is never decoded
