"""Cell patching: formula structures, bookkeeping parts, refusals, and a property test."""

from __future__ import annotations

import re
import warnings
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from fixtures.xlsx_rich_workbook import expected_d
from xlsx_fixtures import minimal_xlsx, rich_xlsm, rich_xlsm_master, sheet  # noqa: F401  (pytest fixtures; rich_xlsm needs rich_xlsm_master)
from xlmodel.errors import InputError, WorkbookError
from xlmodel.xlsx import CellWrite, ExcelError, Package, patch_sheet, patch_sheet_detailed, read_cells
from xlmodel.xlsx.bookkeeping import set_full_calc_on_load
from xlmodel.xlsx.patch import cell_xml

SHEET = "xl/worksheets/sheet1.xml"


# ------------------------------------------------------------------ cell XML
def test_strings_are_inline_text_never_formulas() -> None:
    for text in ("=SUMMA(A1)", "+46", "-5", "@x"):
        xml = cell_xml(CellWrite("A1", text), None)
        assert b't="inlineStr"' in xml and b"<f>" not in xml


def test_formula_needs_cached_value_and_strips_equals() -> None:
    with pytest.raises(InputError) as e:
        CellWrite("A1", formula="=B1*2")
    assert e.value.argument == "value" and "cachat" in e.value.message
    assert CellWrite("A1", 2, "=B1*2").formula == "B1*2"
    assert cell_xml(CellWrite("A1", "ja", "=B1"), 4) == b'<c r="A1" s="4" t="str"><f>B1</f><v>ja</v></c>'


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), Decimal("1e400"), object(), ExcelError("#FEL!")])
def test_bad_values_are_refused(bad) -> None:
    with pytest.raises(InputError):
        CellWrite("A1", bad)


@pytest.mark.parametrize("ref", ["A0", "XFE1", "A1048577", "B4:C5", "", "1A"])
def test_bad_refs_are_refused(ref: str) -> None:
    with pytest.raises(InputError):
        CellWrite(ref, 1)


def test_numbers_are_written_exactly() -> None:
    assert cell_xml(CellWrite("A1", Decimal("1021.020")), None) == b'<c r="A1"><v>1021.020</v></c>'
    assert cell_xml(CellWrite("A1", 0.1), None) == b'<c r="A1"><v>0.1</v></c>'
    assert cell_xml(CellWrite("A1", Decimal("-0")), None) == b'<c r="A1"><v>0</v></c>'
    assert cell_xml(CellWrite("A1", Decimal("1E-7")), None) == b'<c r="A1"><v>0.0000001</v></c>'


def test_control_characters_and_xstring_escapes_round_trip() -> None:
    text = "rad1\nrad2\x01 _x000D_ slut"
    pkg = Package.from_bytes(minimal_xlsx(sheet("")))
    out = patch_sheet(pkg, "Blad1", [CellWrite("A1", text)])
    assert read_cells(out, "Blad1")["A1"].value == text


# ------------------------------------------------------- formula structures
def test_overwriting_shared_master_expands_the_dependents(rich_xlsm: Path) -> None:
    pkg = Package.open(rich_xlsm)
    res = patch_sheet_detailed(pkg, "Ramtabell", [CellWrite("D2", Decimal("9000"))])
    assert res.expanded_shared == [f"D{r}" for r in range(3, 9)]
    cells = read_cells(res.package, "Ramtabell")
    for r in range(3, 9):
        assert cells[f"D{r}"].formula == f"B{r}*(1+C{r})"
        assert cells[f"D{r}"].formula_kind == "normal"
        assert cells[f"D{r}"].value == read_cells(pkg, "Ramtabell")[f"D{r}"].value  # cached value kept
    new = res.package.part(SHEET)
    assert b'si="0"' not in new
    assert b'<c r="D5" s="2"><f>B5*(1+C5)</f><v>172.4148</v></c>' in new
    assert res.calc_chain_removed  # D2 turned from formula into value


def test_overwriting_whole_shared_range_or_a_dependent_needs_no_expansion(rich_xlsm: Path) -> None:
    pkg = Package.open(rich_xlsm)
    whole = [CellWrite(f"D{i + 2}", expected_d(i), f"=B{i + 2}*(1+C{i + 2})") for i in range(7)]
    res = patch_sheet_detailed(pkg, "Ramtabell", whole)
    assert res.expanded_shared == [] and not res.calc_chain_removed  # formulas stay formulas
    assert res.changed_parts == [SHEET]
    res = patch_sheet_detailed(pkg, "Ramtabell", [CellWrite("D5", 1, "=B5")])
    assert res.expanded_shared == []
    cells = read_cells(res.package, "Ramtabell")
    assert cells["D6"].formula == "B6*(1+C6)" and cells["D5"].formula == "B5"


def test_partial_write_into_dynamic_array_is_refused(rich_xlsm: Path) -> None:
    """Changing part of an array's structure is refused: a formula inside the spill, the
    anchor replaced, part of it cleared. (Refreshing cached values is allowed: see
    test_cached_values_of_a_dynamic_array_can_be_refreshed.)"""
    pkg = Package.open(rich_xlsm)
    for kwargs in ({"writes": [CellWrite("L3", 1, "=1")]}, {"writes": [CellWrite("L2", 1)]},
                   {"writes": [], "clear": ["L2:L4"]}):
        with pytest.raises(InputError) as e:
            patch_sheet(pkg, "Ramtabell", **kwargs)
        assert e.value.rule == "xlsx.matrisformel" and e.value.cell == "L2"


def test_whole_dynamic_array_may_be_replaced(rich_xlsm: Path) -> None:
    pkg = Package.open(rich_xlsm)
    out = patch_sheet(pkg, "Ramtabell", [CellWrite(f"L{r}", r) for r in range(2, 9)])
    cells = read_cells(out, "Ramtabell")
    assert not cells["L2"].dynamic and cells["L2"].value == 2
    assert out.part("xl/metadata.xml") == pkg.part("xl/metadata.xml")


def test_untouched_dynamic_array_keeps_cm(rich_xlsm: Path) -> None:
    pkg = Package.open(rich_xlsm)
    out = patch_sheet(pkg, "Ramtabell", [CellWrite("M2", 5)])  # next to the array, inserted after L2
    assert b'<c r="L2" cm="1"><f t="array" ref="L2:L8">' in out.part(SHEET)
    assert b'</c><c r="M2"><v>5</v></c></row>' in out.part(SHEET)


# ------------------------------------------------------- bookkeeping parts
def test_value_only_patch_keeps_calc_chain_and_every_other_part(rich_xlsm: Path) -> None:
    pkg = Package.open(rich_xlsm)
    res = patch_sheet_detailed(pkg, "Ramtabell", [CellWrite("B3", Decimal("700"))])
    assert res.changed_parts == [SHEET] and not res.calc_chain_removed
    for name in pkg.names:
        if name != SHEET:
            assert res.package.part(name) == pkg.part(name)


def test_clearing_a_formula_removes_calc_chain(rich_xlsm: Path) -> None:
    pkg = Package.open(rich_xlsm)
    res = patch_sheet_detailed(pkg, "Ramtabell", [], clear=["E4"])
    assert res.cleared == ["E4"] and res.calc_chain_removed
    assert b'<c r="E4" s="2"/>' in res.package.part(SHEET)  # styled: kept as a blank with its style
    assert not res.package.has("xl/calcChain.xml")


def test_full_calc_on_load_is_added_only_to_calc_pr() -> None:
    pkg = Package.from_bytes(minimal_xlsx(sheet('<row r="1"><c r="A1"><v>1</v></c></row>')))
    before = pkg.part("xl/workbook.xml")
    res = patch_sheet_detailed(pkg, "Blad1", [CellWrite("A1", 2)])
    assert res.full_calc_on_load_set
    after = res.package.part("xl/workbook.xml")
    assert after == before.replace(b'<calcPr calcId="191029"/>', b'<calcPr calcId="191029" fullCalcOnLoad="1"/>')
    res2 = patch_sheet_detailed(pkg, "Blad1", [CellWrite("A1", 2)], full_calc_on_load=False)
    assert res2.package.part("xl/workbook.xml") == before


def test_full_calc_on_load_creates_calc_pr_after_defined_names() -> None:
    pkg = Package.from_bytes(minimal_xlsx(
        sheet(""), workbook_extra='<definedNames><definedName name="x">Blad1!$A$1</definedName></definedNames>',
        calc_pr=""))
    out, changed = set_full_calc_on_load(pkg)
    assert changed
    assert b'</definedNames><calcPr fullCalcOnLoad="1"/></workbook>' in out.part("xl/workbook.xml")
    etree.fromstring(out.part("xl/workbook.xml"))


# ------------------------------------------------------------- row handling
def test_rows_and_cells_are_inserted_in_order_and_empty_rows_filled() -> None:
    rows = ('<row r="2" spans="2:3"><c r="B2"><v>1</v></c><c r="D2"><v>3</v></c></row>'
            '<row r="5" spans="1:1" ht="20" customHeight="1"/><row r="9"><c r="A9"><v>9</v></c></row>')
    pkg = Package.from_bytes(minimal_xlsx(sheet(rows, dimension="B2:D9")))
    out = patch_sheet(pkg, "Blad1", [CellWrite("C2", 2), CellWrite("A2", 0), CellWrite("E2", 4),
                                      CellWrite("C5", 5), CellWrite("A1", "först"), CellWrite("A7", 7),
                                      CellWrite("A10", 10)], full_calc_on_load=False)
    data = out.part(SHEET).decode()
    body = data[data.index("<sheetData>"):]
    assert body == (
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>först</t></is></c></row>'
        '<row r="2" spans="1:5"><c r="A2"><v>0</v></c><c r="B2"><v>1</v></c><c r="C2"><v>2</v></c>'
        '<c r="D2"><v>3</v></c><c r="E2"><v>4</v></c></row>'
        '<row r="5" spans="1:3" ht="20" customHeight="1"><c r="C5"><v>5</v></c></row>'
        '<row r="7"><c r="A7"><v>7</v></c></row>'
        '<row r="9"><c r="A9"><v>9</v></c></row><row r="10"><c r="A10"><v>10</v></c></row></sheetData></worksheet>'
    )
    assert '<dimension ref="A1:E10"/>' in data


def test_empty_sheet_data_element_gets_rows() -> None:
    xml = sheet("").replace("<sheetData></sheetData>", "<sheetData/>")
    pkg = Package.from_bytes(minimal_xlsx(xml))
    out = patch_sheet(pkg, "Blad1", [CellWrite("B2", 1)])
    assert b'<sheetData><row r="2"><c r="B2"><v>1</v></c></row></sheetData>' in out.part(SHEET)


def test_prefixed_namespace_sheet_is_patched_with_the_prefix() -> None:
    xml = sheet('<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row>', prefix="x")
    pkg = Package.from_bytes(minimal_xlsx(xml))
    out = patch_sheet(pkg, "Blad1", [CellWrite("B1", "två"), CellWrite("A3", 3)])
    root = etree.fromstring(out.part(SHEET))
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    assert [c.get("r") for c in root.findall(".//m:c", ns)] == ["A1", "B1", "A3"]
    cells = read_cells(out, "Blad1")
    assert cells["B1"].value == "två" and cells["A3"].value == 3


@pytest.mark.parametrize(
    "rows",
    ['<row><c r="A1"><v>1</v></c></row>', '<row r="1"><c><v>1</v></c></row>',
     '<row r="1"><!-- x --><c r="A1"><v>1</v></c></row>', '<row r="2"/><row r="1"/>'],
)
def test_unsafe_sheets_are_refused(rows: str) -> None:
    pkg = Package.from_bytes(minimal_xlsx(sheet(rows)))
    with pytest.raises(WorkbookError):
        patch_sheet(pkg, "Blad1", [CellWrite("A1", 2)])


def test_request_errors() -> None:
    pkg = Package.from_bytes(minimal_xlsx(sheet("")))
    with pytest.raises(InputError):
        patch_sheet(pkg, "Blad1", [CellWrite("A1", 1), CellWrite("a1", 2)])
    with pytest.raises(WorkbookError, match="finns inte"):
        patch_sheet(pkg, "Saknas", [CellWrite("A1", 1)])


def test_unknown_style_index_is_refused(rich_xlsm: Path) -> None:
    with pytest.raises(InputError) as e:
        patch_sheet(Package.open(rich_xlsm), "Ramtabell", [CellWrite("A1", 1, style=999)])
    assert e.value.argument == "style"


def test_writes_override_a_clear_of_the_same_range(rich_xlsm: Path) -> None:
    pkg = Package.open(rich_xlsm)
    res = patch_sheet_detailed(pkg, "Ramtabell", [CellWrite("B3", 1)], clear=["B2:B8"])
    cells = read_cells(res.package, "Ramtabell")
    assert cells["B3"].value == 1 and cells["B2"].value is None and cells["B2"].style == 2
    assert sorted(res.cleared) == sorted(f"B{r}" for r in (2, 4, 5, 6, 7, 8))


# ----------------------------------------------------------- property test
values = st.one_of(
    st.integers(min_value=-10**12, max_value=10**12),
    st.decimals(min_value=-10**9, max_value=10**9, places=4, allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), max_size=20),
    st.sampled_from([ExcelError("#N/A"), ExcelError("#NAME?")]),
)
refs = st.tuples(st.integers(1, 30), st.integers(1, 12)).map(lambda rc: f"{'ABCDEFGHIJKL'[rc[1] - 1]}{rc[0]}")


def _normal(v):
    return Decimal(v) if isinstance(v, (int, Decimal)) and not isinstance(v, bool) else v


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(initial=st.dictionaries(refs, values, max_size=25), writes=st.dictionaries(refs, values, max_size=15),
       formula_refs=st.sets(refs, max_size=4))
def test_patch_then_read_gives_writes_over_initial(initial, writes, formula_refs) -> None:
    base = patch_sheet(Package.from_bytes(minimal_xlsx(sheet(""))), "Blad1",
                       [CellWrite(r, v) for r, v in initial.items()], full_calc_on_load=False)
    ws = [CellWrite(r, v, "=1+1" if r in formula_refs else None) for r, v in writes.items()]
    out = patch_sheet(base, "Blad1", ws)
    got = read_cells(out, "Blad1")
    expect = {**initial, **writes}
    assert {r: c.value for r, c in got.items()} == {r: _normal(v) for r, v in expect.items()}
    for r in writes:
        assert got[r].formula == ("1+1" if r in formula_refs else None)
    # cells not written keep their exact bytes
    old_bytes = base.part(SHEET)
    for r in set(initial) - set(writes):
        m = re.search(rb'<c r="' + r.encode() + rb'"[^>]*?(?:/>|>.*?</c>)', old_bytes, re.S)
        assert m and m.group(0) in out.part(SHEET)
    # a standard reader agrees
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import io
        wb = openpyxl.load_workbook(io.BytesIO(out.to_bytes()), data_only=True)["Blad1"]
    for r, v in expect.items():
        ov = wb[r].value
        if isinstance(v, ExcelError):
            assert ov == v.code
        elif isinstance(v, bool):
            assert ov is v
        elif isinstance(v, str):
            # openpyxl does not undo the OOXML '_xHHHH_' escape in inline strings (Excel does;
            # our reader does, checked above), so compare only text that needs no escape.
            if "_x" not in v and not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", v):
                # a formula whose cached result is "" is read back by openpyxl as None
                assert ov == v or (v == "" and ov is None and r in formula_refs)
        else:
            assert ov == pytest.approx(float(v))


def test_table_header_cells_are_protected(rich_xlsm: Path) -> None:
    pkg = Package.open(rich_xlsm)
    for kwargs in ({"writes": [CellWrite("B20", "Summa")]}, {"writes": [], "clear": ["A19:C21"]}):
        with pytest.raises(InputError) as e:
            patch_sheet(pkg, "Ramtabell", **kwargs)
        assert e.value.rule == "xlsx.tabellrubrik"
    # writing the same name, or into the table body, is fine
    out = patch_sheet(pkg, "Ramtabell", [CellWrite("B20", "Belopp"), CellWrite("B21", 10)])
    assert read_cells(out, "Ramtabell")["B21"].value == 10
    assert out.part("xl/tables/table1.xml") == pkg.part("xl/tables/table1.xml")


def test_cached_values_of_a_dynamic_array_can_be_refreshed(rich_xlsm: Path) -> None:
    """keep_formula on the anchor plus plain values in the spill: the array markup (t="array",
    ref, cm) and the formula stay byte for byte; only the cached values change."""
    pkg = Package.open(rich_xlsm)
    before = read_cells(pkg, "Ramtabell")
    anchor = next(c for c in before.values() if c.dynamic)
    below = f"{anchor.ref[0]}{anchor.row + 1}"
    res = patch_sheet_detailed(pkg, "Ramtabell", [CellWrite(anchor.ref, 4242, keep_formula=True), CellWrite(below, 4343)])
    after = read_cells(res.package, "Ramtabell")
    assert after[anchor.ref].formula == anchor.formula and after[anchor.ref].dynamic
    assert after[anchor.ref].formula_kind == "array"
    assert after[anchor.ref].value == 4242 and after[below].value == 4343
    assert not res.calc_chain_removed
    with pytest.raises(InputError):
        patch_sheet(pkg, "Ramtabell", [CellWrite("A1", 1, keep_formula=True)] if before.get("A1") and before["A1"].formula is None else [CellWrite("ZZ999", 1, keep_formula=True)])
