"""A formula filled down a column is planned once (``formula.evaluate.plan_call``) and
then evaluated per cell by reading its argument cells: the same expected values,
findings and notes as evaluating the parsed tree cell by cell (``check_cell`` without
the shared parse, which never plans)."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from xlmodel.formula.evaluate import Workbook
from xlmodel.formula.template import FilledDown
from xlmodel.workbook import function_cells as F
from xlmodel.workbook.cells import PackageCells

ROWS = 12


def _book(path: Path) -> Path:
    """Inputs of every kind a cell holds (numbers, blanks, text, text numbers, booleans,
    error values, dates) and function cells filled down over them in the forms the
    plan takes on (relative and absolute rows, other sheets, constants, an omitted
    argument) and in forms it leaves to the tree (nested calls, ranges, names, a wrong
    number of arguments, a function only Excel computes)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    data = wb.add_worksheet("Utfall data")
    date_format = wb.add_format({"num_format": "yyyy-mm-dd"})
    for r in range(1, ROWS + 1):
        kind = r % 7
        if kind == 0:
            data.write_blank(r - 1, 0, None)
        elif kind == 1:
            data.write_string(r - 1, 0, "12,5")
        elif kind == 2:
            data.write_boolean(r - 1, 0, True)
        elif kind == 3:
            data.write_formula(r - 1, 0, "=1/0", None, "#DIV/0!")
        elif kind == 4:
            data.write_datetime(r - 1, 0, datetime.datetime(2024, 1, r), date_format)
        elif kind == 5:
            data.write_string(r - 1, 0, "inte ett tal")
        else:
            data.write_number(r - 1, 0, 100.5 * r)
        data.write_number(r - 1, 1, -3.25 * r)
        data.write_number(r - 1, 2, 0.031)
    wb.define_name("Sats", "='Utfall data'!$C$1")
    ws = wb.add_worksheet("Kontroll")
    ws.write_number("H1", 7.0)
    for r in range(2, ROWS + 2):
        i = r - 1
        ws.write_number(f"G{r}", 10.0 * r)
        formulas = [
            f"=BALANSKRAV('Utfall data'!A{i},'Utfall data'!B{i},,G{r},$H$1)",
            f'=UPPRAKNING(G{r},"3,1 %")',
            f"=UPPRAKNING('Utfall data'!A{i},'Utfall data'!$C$1)",
            f"=UPPRAKNING(G{r},Sats)",
            f"=ROUND(UPPRAKNING(G{r},0.02),1)",
            f"=BALANSKRAV(G{r}:G{r + 1})",
            f"=UPPRAKNING(G{r})",
            f"=RAMTABELL(G{r})",
            f"=BALANSKRAV('Utfall data'!B{i},TRUE,\"x\")",
        ]
        for j, text in enumerate(formulas):
            # a cached value that is right for some rows and stale for others
            ws.write_formula(r - 1, j, text, None, 1.0 if r % 3 else 0)
    wb.close()
    return path


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    return _book(tmp_path_factory.mktemp("planned") / "egen.xlsx")


def _outcome(checked: F.Checked):
    return (checked.name, checked.expected, [f.model_dump() for f in checked.findings], checked.compared,
            checked.note)


def test_planned_cells_give_what_the_tree_gives(book):
    cells = PackageCells.open(book)
    wb = Workbook(cells)
    parsed = FilledDown()
    compared = 0
    for sheet, c in F.function_cells(cells):
        planned = F.check_cell(cells, wb, sheet, c, parsed=parsed)
        alone = F.check_cell(cells, Workbook(cells), sheet, c)
        assert _outcome(planned) == _outcome(alone), c.ref
        compared += 1
    assert compared == ROWS * 9
    # the plan was taken for the plain forms (columns A-C, I), and not for the others
    planned_cols = {col for (col, _parts), ((_tree, _called, by_sheet), *_rest) in parsed._known.items()
                    if by_sheet.get("Kontroll") is not None}
    assert planned_cols == {1, 2, 3, 9}


def test_the_validation_of_a_whole_book_is_unchanged_by_planning(book, monkeypatch):
    planned = F.check(PackageCells.open(book))
    monkeypatch.setattr("xlmodel.workbook.function_cells.plan_call", lambda *a, **k: None)
    unplanned = F.check(PackageCells.open(book))
    assert [f.model_dump() for f in planned[0]] == [f.model_dump() for f in unplanned[0]]
    assert planned[1] == unplanned[1]
    assert any(f.rule == "funktionscell.inaktuell" for f in planned[0])


def _quick_book(path: Path) -> Path:
    """A formula filled down with the cached values a reader of the quick comparison
    must not take for agreeing: a date-formatted cell (its value is a date), an array
    formula, a value a little off the double (close, not equal), a
    stale value, a text; and plain agreeing cells around them."""
    import xlsxwriter

    import udfs

    wb = xlsxwriter.Workbook(str(path))
    date_format = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws = wb.add_worksheet("Blad1")
    for r in range(1, ROWS + 1):
        # halves and quarters: every sum is exact, so a writer's digits read back as the double
        ws.write_number(r - 1, 0, 100.5 * r)
        ws.write_number(r - 1, 1, -3.25 * r)
        right = udfs.BALANSKRAV(100.5 * r, -3.25 * r)
        cached = {3: right + 1, 4: right * (1 + 1e-12), 5: "text"}.get(r, right)
        fmt = date_format if r == 6 else None
        if r == 7:
            ws.write_array_formula(r - 1, 2, r - 1, 2, f"{{=BALANSKRAV(A{r},B{r})}}", None, right)
        else:
            ws.write_formula(r - 1, 2, f"=BALANSKRAV(A{r},B{r})", fmt, cached)
    wb.close()
    return path


def test_the_quick_comparison_is_taken_only_where_it_would_find_nothing(tmp_path, monkeypatch):
    path = _quick_book(tmp_path / "snabb.xlsx")
    cells = PackageCells.open(path)
    wb = Workbook(cells)
    parsed = FilledDown()
    quick = set()
    for sheet, c in F.function_cells(cells):
        got = F.check_cell(cells, wb, sheet, c, parsed=parsed, quick=True)
        full = F.check_cell(cells, Workbook(cells), sheet, c)
        if got is None:
            assert full.findings == [] and full.compared == 1, c.ref
            quick.add(c.row)
        else:
            assert _outcome(got) == _outcome(full), c.ref
    # 3 (stale), 4 (a little off), 5 (text), 6 (a date), 7 (an array formula) are compared in full
    assert quick == set(range(1, ROWS + 1)) - {3, 4, 5, 6, 7}
    found = F.check(PackageCells.open(path))
    monkeypatch.setattr("xlmodel.workbook.function_cells.plan_call", lambda *a, **k: None)
    assert found == F.check(PackageCells.open(path))
    assert [f.cell for f in found[0]] == ["C3", "C5", "C6"] and found[1] == ROWS


def _one_sheet(tmp_path: Path, rows: str, prefix: str) -> PackageCells:
    from xlsx_fixtures import minimal_xlsx, sheet

    path = tmp_path / "blad.xlsx"
    path.write_bytes(minimal_xlsx(sheet(rows, prefix=prefix)))
    return PackageCells.open(path, lazy=True)


@pytest.mark.parametrize("prefix", ["", "x"])
def test_a_sheet_is_searched_for_names_from_its_first_formula(tmp_path, prefix):
    """A name in a cell's text is in no formula; a formula calling a function far down
    the sheet (past the pieces it is read in) is found, in any case of its name."""
    p = f"{prefix}:" if prefix else ""
    values = "".join(
        f'<{p}row r="{r}"><{p}c r="A{r}" t="inlineStr"><{p}is><{p}t>BALANSKRAV(B{r})</{p}t></{p}is></{p}c>'
        f'<{p}c r="B{r}"><{p}v>{r}.5</{p}v></{p}c></{p}row>' for r in range(1, 3000))
    assert len(values) > 4 * 64 * 1024
    last = '<{p}row r="3000"><{p}c r="C3000"><{p}f>{f}</{p}f><{p}v>{v}</{p}v></{p}c></{p}row>'
    plain = _one_sheet(tmp_path, values, prefix)
    assert not F._sheet_may_call(plain.pkg, "Blad1") and F.check(plain) == ([], 0)
    other = _one_sheet(tmp_path, values + last.format(p=p, f="SUM(B1:B2)", v="3"), prefix)
    assert F.check(other) == ([], 0)  # (its last piece, with a formula, is searched: text there is a name too)
    call = _one_sheet(tmp_path, values + last.format(p=p, f="_xludf.balanskrav(B2999)", v="2999.5"), prefix)
    assert F._sheet_may_call(call.pkg, "Blad1") and F.check(call) == ([], 1)
    stale = _one_sheet(tmp_path, values + last.format(p=p, f="BALANSKRAV(B2999)", v="1"), prefix)
    assert [(f.rule, f.cell) for f in F.check(stale)[0]] == [("funktionscell.inaktuell", "C3000")]
