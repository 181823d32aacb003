"""The macros' workbook logic against a real workbook, without Excel.

``FakeBook`` is a double of *xlwings* (not of our code): an ``xw.Book``-like object with
exactly the attributes ``udfs.live`` uses, holding values the way
xlwings returns them (floats, str, bool, None; "#N/A" text with err_to_str, None
without; ``.formula`` as Excel's Range.Formula: "=…" or the constant as text). It is
loaded from a built .xlsm, so the macro runs on the real layout, and it records every
write. The same-result tests compare the macro path with the headless path
(``regenerate_file`` / ``rollforward_file``) on the same input change.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from udfs import live as X
from xlmodel.xlsx.cellref import format_range, make_ref, parse_range, split_ref
from xlmodel.xlsx.values import ExcelError

SRC = Path(__file__).parent.parent / "workbooks" / "src"
BOOK = "vasterbotten_regionplan_2021.xlsm"


# =========================================================================== the xlwings double

class FakeRange:
    def __init__(self, sheet: "FakeSheet", ref: str, options: dict | None = None) -> None:
        self.sheet = sheet
        self.bounds = parse_range(ref.replace("$", ""))
        self._options = options or {}

    # -- position
    @property
    def row(self) -> int:
        return self.bounds[0]

    @property
    def column(self) -> int:
        return self.bounds[1]

    @property
    def address(self) -> str:
        r1, c1, r2, c2 = self.bounds
        return "$" + "$".join(_split(make_ref(r1, c1))) + ("" if (r1, c1) == (r2, c2) else
                                                          ":$" + "$".join(_split(make_ref(r2, c2))))

    def _refs(self):
        r1, c1, r2, c2 = self.bounds
        return [[make_ref(r, c) for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)]

    def _single(self) -> str:
        refs = self._refs()
        assert len(refs) == 1 and len(refs[0]) == 1, "the double writes single cells only"
        return refs[0][0]

    def options(self, **options) -> "FakeRange":
        return FakeRange(self.sheet, format_range(*self.bounds), {**self._options, **options})

    @property
    def number_format(self) -> str:
        return self.sheet.number_formats.get(self._single(), "General")

    # -- values
    def _read(self, ref: str):
        v = self.sheet.values.get(ref)
        if isinstance(v, ExcelError):
            return str(v) if self._options.get("err_to_str") else None
        return v

    @property
    def value(self):
        rows = [[self._read(ref) for ref in row] for row in self._refs()]
        if self._options.get("ndim") == 2:
            return rows
        return rows[0][0] if len(rows) == 1 and len(rows[0]) == 1 else rows

    @value.setter
    def value(self, v) -> None:
        ref = self._single()
        if isinstance(v, str) and v.startswith("'"):
            v = v[1:]                                   # Excel's text prefix: stored without it
        elif isinstance(v, str) and v[:1] in "=+-@":
            raise AssertionError(f"{ref}: Excel would take {v!r} as a formula")
        self.sheet.values[ref] = v
        self.sheet.formulas.pop(ref, None)
        self.sheet.book.log.append((self.sheet.name, ref, "value", v))

    # -- formulas
    def _formula(self, ref: str) -> str:
        if ref in self.sheet.formulas:
            return "=" + self.sheet.formulas[ref]
        v = self.sheet.values.get(ref)
        if v is None:
            return ""
        if isinstance(v, float):
            return repr(v).removesuffix(".0") if v.is_integer() else repr(v)
        return str(v).upper() if isinstance(v, bool) else str(v)

    @property
    def formula(self):
        rows = tuple(tuple(self._formula(ref) for ref in row) for row in self._refs())
        return rows[0][0] if len(rows) == 1 and len(rows[0]) == 1 else rows

    @formula.setter
    def formula(self, f: str) -> None:
        ref = self._single()
        assert f.startswith("=")
        self.sheet.formulas[ref] = f[1:]
        self.sheet.values[ref] = None                   # Excel computes it; the double does not
        self.sheet.book.log.append((self.sheet.name, ref, "formula", f))

    @property
    def formula2(self):
        return self.formula

    @formula2.setter
    def formula2(self, f: str) -> None:
        self.formula = f
        self.sheet.book.log[-1] = (self.sheet.name, self._single(), "formula2", f)

    def clear_contents(self) -> None:
        for row in self._refs():
            for ref in row:
                self.sheet.values.pop(ref, None)
                self.sheet.formulas.pop(ref, None)
        self.sheet.book.log.append((self.sheet.name, format_range(*self.bounds), "clear", None))


def _split(ref: str) -> tuple[str, str]:
    i = next(i for i, ch in enumerate(ref) if ch.isdigit())
    return ref[:i], ref[i:]


class FakeTable:
    def __init__(self, sheet: "FakeSheet", name: str, ref: str, show_totals: bool) -> None:
        self.name = name
        self.range = FakeRange(sheet, ref)
        self.show_totals = show_totals

    def resize(self, rng: FakeRange) -> None:
        """``Table.resize(range)`` as xlwings has it (ListObject.Resize)."""
        self.range = rng
        self.range.sheet.book.log.append((self.range.sheet.name, self.name, "resize", rng.address))


class FakeName:
    def __init__(self, name: str, refers_to: str) -> None:
        self.name = name
        self.refers_to = refers_to


class FakeSheet:
    def __init__(self, book: "FakeBook", name: str) -> None:
        self.book = book
        self.name = name
        self.values: dict[str, object] = {}
        self.formulas: dict[str, str] = {}
        self.number_formats: dict[str, str] = {}   # what a test set; Excel's default elsewhere
        self.tables: list[FakeTable] = []

    def range(self, ref: str) -> FakeRange:
        return FakeRange(self, ref)

    @property
    def used_range(self) -> FakeRange:
        refs = [split_ref(r) for r, v in self.values.items() if v is not None] + [split_ref(r) for r in self.formulas]
        if not refs:
            return FakeRange(self, "A1")
        return FakeRange(self, format_range(min(r for r, _ in refs), min(c for _, c in refs),
                                            max(r for r, _ in refs), max(c for _, c in refs)))


class FakeSheets(list):
    def __getitem__(self, key):
        if isinstance(key, str):
            return next(s for s in self if s.name == key)
        return super().__getitem__(key)


class FakeApp:
    def __init__(self, answer: str | None = "ok", available: bool = True) -> None:
        self.answer = answer
        self.available = available
        self.alerts: list[dict] = []

    def alert(self, prompt, title=None, buttons="ok", mode=None, callback=None):
        if not self.available:
            raise AttributeError("alert")
        self.alerts.append({"prompt": prompt, "title": title, "buttons": buttons, "mode": mode})
        return self.answer if buttons == "ok_cancel" else "ok"


class FakeNames(list):
    """``book.names``: iterable of names, and ``add(name, refers_to)`` as xlwings has it
    (Excel replaces a workbook name of the same spelling)."""

    def add(self, name: str, refers_to: str) -> FakeName:
        self[:] = [n for n in self if n.name.casefold() != name.casefold()]
        self.append(FakeName(name, refers_to))
        return self[-1]


class FakeBook:
    def __init__(self, app: FakeApp | None = None) -> None:
        self.sheets = FakeSheets()
        self.names: FakeNames = FakeNames()
        self.app = app or FakeApp()
        self.log: list[tuple] = []

    @classmethod
    def load(cls, path: Path, **kw) -> "FakeBook":
        """The workbook as Excel would show it to xlwings (from the file's cached values)."""
        from xlmodel.workbook.cells import PackageCells

        cells = PackageCells.open(path)
        book = cls(**kw)
        for name in cells.sheet_names():
            ws = FakeSheet(book, name)
            book.sheets.append(ws)
            for ref, cell in cells.cells(name).items():
                v = cell.value
                ws.values[ref] = float(v) if isinstance(v, Decimal) else v
                if cell.formula:
                    ws.formulas[ref] = cell.formula
            for t in cells.pkg.tables(name):
                ws.tables.append(FakeTable(ws, t.display_name, t.ref, t.totals_row_count > 0))
        for d in cells.pkg.defined_names:
            # A sheet-scoped name (the print area and titles every built sheet has) by its sheet.
            sheet = d.local_sheet if isinstance(d.local_sheet, str) or d.local_sheet is None \
                else cells.sheet_names()[d.local_sheet]
            name = d.name if sheet is None else f"{sheet}!{d.name}"
            book.names.append(FakeName(name, "=" + d.value))
        return book

    def writes(self) -> list[tuple]:
        return [entry for entry in self.log]


# =========================================================================== fixtures

@pytest.fixture()
def built(tmp_path) -> Path:
    from xlmodel.workbook.build import build_books

    src = tmp_path / "src"
    shutil.copytree(SRC / BOOK.removesuffix(".xlsm"), src / BOOK.removesuffix(".xlsm"))
    build_books(src, tmp_path)
    return tmp_path / BOOK


def edit(path: Path, sheet: str, values: dict[str, object]) -> None:
    """A controller's edit of input cells, saved (headless, losslessly)."""
    from xlmodel.xlsx.atomic import save_package
    from xlmodel.xlsx.package import Package
    from xlmodel.xlsx.patch import CellWrite, patch_sheet

    pkg = Package.open(path)
    new = patch_sheet(pkg, sheet, [CellWrite(ref=r, value=v) for r, v in values.items()])
    save_package(new, path, expect_sha256=pkg.sha256, backup=False)


def headless_writes(path: Path) -> list[tuple]:
    """What ``xlmodel regenerera`` would write (formula or value) and clear, per cell,
    in the form the macro's writes are logged: the expected macro writes."""
    from xlmodel.workbook.cells import PackageCells
    from xlmodel.workbook.regenerate import diff_sheet, sheet_plans

    cells = PackageCells.open(path)
    out = []
    for d in (diff_sheet(cells, p) for p in sheet_plans(cells)[1]):
        out += [(d.sheet, rng, "clear", None) for rng in d.clear]
        for w in d.writes:
            if w.keep_formula or w.in_spill:  # a spilled cell: Excel fills it from the anchor
                continue
            oc = w.cell
            if oc.formula is not None:
                out.append((d.sheet, oc.ref, "formula", "=" + oc.formula))
            elif oc.value is None:
                out.append((d.sheet, oc.ref, "clear", None))
            else:
                v = oc.value
                out.append((d.sheet, oc.ref, "value", float(v) if isinstance(v, Decimal) else v))
    return out


def file_state(path: Path, sheets) -> dict:
    from xlmodel.workbook.cells import PackageCells

    cells = PackageCells.open(path)
    out = {}
    for s in sheets:
        for ref, c in cells.cells(s).items():
            v = c.value
            if c.formula:
                out[(s, ref)] = ("f", c.formula)
            elif v is not None and v != "":
                out[(s, ref)] = ("v", float(v) if isinstance(v, Decimal) else v)
    return out


def book_state(book: FakeBook, sheets) -> dict:
    out = {}
    for s in sheets:
        ws = book.sheets[s]
        for ref, v in ws.values.items():
            if ref in ws.formulas:
                out[(s, ref)] = ("f", ws.formulas[ref])
            elif v is not None and v != "":
                out[(s, ref)] = ("v", str(v) if isinstance(v, ExcelError) else v)
        for ref, f in ws.formulas.items():
            out[(s, ref)] = ("f", f)
    return out


# =========================================================================== XlwingsCells

def small_book() -> FakeBook:
    book = FakeBook()
    ws = FakeSheet(book, "Blad")
    book.sheets.append(ws)
    ws.values.update({"A1": 9.779999999999999, "A2": 2021.0, "A3": ExcelError("#N/A"), "A4": True,
                      "A5": "text", "B1": 3.0, "C3": "=inte formel"})
    ws.formulas["B1"] = "A1+A2"
    ws.tables.append(FakeTable(ws, "tblX", "A1:C3", True))
    book.names += [FakeName("Budgetar", "='Blad'!$A$2"), FakeName("Blad!Lokal", "=Blad!$A$1"),
                   FakeName("Omrade", "=Blad!$A$1:$A$3"), FakeName("Konstant", "=5")]
    return book


@pytest.mark.parametrize("limit", [X.MAX_SNAPSHOT_CELLS, 0])   # one snapshot, or cell by cell
def test_xlwings_cells_maps_xlwings_types_like_package_cells(limit):
    cells = X.XlwingsCells(small_book(), max_snapshot_cells=limit)
    assert cells.sheet_names() == ["Blad"]
    assert cells.value("Blad", "A1") == Decimal("9.78")          # Excel's 15 digits, as PackageCells
    assert cells.value("Blad", "A2") == Decimal("2021")
    assert cells.value("Blad", "A3") == ExcelError("#N/A")       # an error cell, not the text "#N/A"
    assert cells.value("Blad", "A4") is True
    assert cells.value("Blad", "A5") == "text"
    assert cells.value("Blad", "Z99") is None
    assert cells.formula("Blad", "B1") == "A1+A2"
    assert cells.formula("Blad", "A1") is None and cells.formula("Blad", "Z99") is None
    assert cells.table("TBLX").ref == "A1:C3" and cells.table("tblX").has_totals and cells.table("x") is None
    assert cells.defined_name("budgetar") == ("Blad", "A2")
    assert cells.defined_name("Lokal") is None                    # sheet-scoped
    assert cells.defined_name("Omrade") is None and cells.defined_name("Konstant") is None


def test_write_owned_cells_keeps_text_as_text_and_formulas_as_formulas():
    from xlmodel.workbook.owned import OwnedCell

    book = small_book()
    n = X.write_owned_cells(book, "Blad", [
        OwnedCell("D1", Decimal("17.16")), OwnedCell("D2", "Budgetram 2021"), OwnedCell("D3", "2021"),
        OwnedCell("D4", "=SUMMA(A1)"), OwnedCell("D5", "-5 mkr"), OwnedCell("D6", Decimal(1), formula="A1+B1"),
        OwnedCell("D7", "x", formula="BALANSKRAV_UTREDNING(A1)", spill="D7:E16"), OwnedCell("A5", None),
    ], ["A1:A2"])
    assert n == 8
    assert book.log[0] == ("Blad", "A1:A2", "clear", None)
    assert book.log[1:] == [
        ("Blad", "D1", "value", 17.16), ("Blad", "D2", "value", "Budgetram 2021"), ("Blad", "D3", "value", "2021"),
        ("Blad", "D4", "value", "=SUMMA(A1)"), ("Blad", "D5", "value", "-5 mkr"), ("Blad", "D6", "formula", "=A1+B1"),
        ("Blad", "D7", "formula2", "=BALANSKRAV_UTREDNING(A1)"), ("Blad", "A5", "clear", None),
    ]
    assert X.as_text("2021") == "'2021" and X.as_text("=x") == "'=x" and X.as_text("SANT") == "'SANT"
    assert X.as_text("Budgetram 2021") == "Budgetram 2021"


# =========================================================================== the frame-table macro

def test_macro_on_an_unchanged_workbook_writes_nothing(built):
    book = FakeBook.load(built)
    report = X.run_macro(book, X.regenerate_book)
    assert book.log == [] and report.ok
    assert "inga celler ändrades" in report.lines[0]
    assert book.app.alerts[0]["title"] == "Uppdatera ramtabell"


def test_macro_and_regenerate_write_the_same_cells_after_an_input_change(built):
    from xlmodel.workbook.regenerate import regenerate_file

    # the controller corrects HSN's prior frame and RS's index rate and changes an
    # addition: index, frame and sum-row cells move
    edit(built, "Ramar", {"D14": Decimal(5100), "E9": Decimal("0.012")})
    edit(built, "Förändringar", {"E9": Decimal(12)})
    expected = headless_writes(built)
    assert ("Ramtabell", "C14", "value", 5100.0) in expected and len(expected) >= 5

    book = FakeBook.load(built)
    report = X.regenerate_book(book)
    assert book.log == expected                                     # the same cells, values and formulas
    assert f"{len(expected)} cell(er)" in report.lines[0]

    regenerate_file(built, backup=False)
    sheets = ["Ramtabell", "Ramar", "Förändringar", "Parametrar", "Resultatbudget", "Diagram", "Balanskrav"]
    assert book_state(book, sheets) == file_state(built, sheets)   # and the same workbook afterwards


def test_macro_refuses_a_note_under_the_table_and_sets_the_blocks_name_as_it_grows(built):
    """The macro's side of the named blocks (issue 13 point 4): a nämnd added under
    tblRamar grows the Ramtabell; a note in the row it would cover is refused with the
    cell named and nothing written, and once the note is moved the table is written and
    its name ``xlmodel_Ramtabell`` set to the grown extent (through ``book.names.add``)."""
    import re as _re

    from xlmodel.xlsx.atomic import save_package
    from xlmodel.xlsx.package import Package
    from xlmodel.xlsx.patch import CellWrite, patch_sheet

    pkg = Package.open(built)
    table = next(t for t in pkg.tables("Ramar") if t.name == "tblRamar")
    first, last = table.ref.split(":")
    row = int(_re.sub(r"\D", "", last)) + 1
    new = patch_sheet(pkg, "Ramar", [CellWrite(f"A{row}", "KULT"), CellWrite(f"B{row}", "Kulturnämnd"),
                                      CellWrite(f"D{row}", Decimal("12.5")), CellWrite(f"F{row}", "ja"),
                                      CellWrite(f"G{row}", Decimal(1))])
    xml = new.part(table.part).decode("utf-8").replace(f'ref="{table.ref}"', f'ref="{first}:G{row}"')
    save_package(new.with_parts({table.part: xml.encode("utf-8")}), built, expect_sha256=pkg.sha256, backup=False)
    edit(built, "Ramtabell", {"B21": "Not under tabellen"})

    book = FakeBook.load(built)
    report = X.run_macro(book, X.regenerate_book)
    assert not report.ok and book.log == []
    assert "Ramtabell!B21" in report.lines[0] and "skriver inte över" in report.lines[0]

    edit(built, "Ramtabell", {"B21": None, "B24": "Not under tabellen"})
    book = FakeBook.load(built)
    report = X.run_macro(book, X.regenerate_book)
    assert report.ok, report.lines
    names = {n.name: n.refers_to for n in book.names}
    assert names["xlmodel_Ramtabell"] == "='Ramtabell'!$A$4:$H$21"
    assert book.sheets["Ramtabell"].values["A21"] == "SUMMA" and book.sheets["Ramtabell"].values["B24"] == "Not under tabellen"


def test_bad_input_is_reported_with_its_cell_and_nothing_is_written(built):
    edit(built, "Ramar", {"D9": "tre tusen"})
    book = FakeBook.load(built)
    report = X.run_macro(book, X.regenerate_book)
    assert not report.ok and book.log == []
    assert "Ramar" in report.lines[0] and "D9" in report.lines[0] and "'tre tusen' är inget tal" in report.lines[0]
    assert book.app.alerts[0]["mode"] == "critical"


def test_a_percentage_typed_into_an_mkr_cell_is_refused_by_the_macro(built):
    # "7 %" typed in Excel: the cell holds 0.07 and the format 0%; read as 0,07 mkr before
    book = FakeBook.load(built)
    ramar = book.sheets["Ramar"]
    ramar.values["D9"], ramar.number_formats["D9"] = 0.07, "0%"
    report = X.run_macro(book, X.regenerate_book)
    assert not report.ok and book.log == []
    assert "Ramar" in report.lines[0] and "D9" in report.lines[0], report.lines
    assert "cellen visar 7 % (talformatet är procent)" in report.lines[0], report.lines
    # the same number without the percent format is 0,07 mkr, as the user then typed it
    book = FakeBook.load(built)
    book.sheets["Ramar"].values["D9"] = 0.07
    assert X.run_macro(book, X.regenerate_book).ok


def test_without_a_message_box_the_report_goes_to_the_info_sheet(built):
    edit(built, "Ramar", {"D14": Decimal(5100)})
    book = FakeBook.load(built, app=FakeApp(available=False))
    X.run_macro(book, X.regenerate_book)
    status = book.sheets[X.STATUS_SHEET].values[X.STATUS_CELL]
    assert status.startswith("Uppdatera ramtabell: Ramtabellen uppdaterades:")


def test_the_udfs_macro_is_three_lines_around_book_caller(built, monkeypatch):
    import xlwings as xw

    import udfs

    book = FakeBook.load(built)
    monkeypatch.setattr(xw.Book, "caller", classmethod(lambda cls: book), raising=False)
    edit(built, "Ramar", {"D14": Decimal(5100)})
    book = FakeBook.load(built)
    udfs.RAMTABELL_UPPDATERA()
    assert book.log and all(entry[0] == "Ramtabell" for entry in book.log)
    # the workbook's button runs, through xlwings' RunPython, the command its VBA holds:
    # the same macro, whatever the file is called
    n = len(book.log)
    exec(button_command(built, "UppdateraRamtabell"), {})
    assert len(book.log) == n                         # already current: the second run writes nothing
    assert "redan aktuella" in book.app.alerts[-1]["prompt"]


def button_command(path: Path, macro: str) -> str:
    """The Python command the workbook's VBA macro ``macro`` passes to RunPython."""
    import re
    import zipfile

    from xlmodel.xlsx.cfb import read_streams
    from xlmodel.xlsx.ovba import module_source

    with zipfile.ZipFile(path) as zf:
        streams = read_streams(zf.read("xl/vbaProject.bin"))
    source = module_source(streams, "Module1")
    body = re.search(rf"Sub {macro}\(\)\r\n(.*?)End Sub", source, re.S).group(1)
    (command,) = re.findall(r'RunPython "((?:[^"]|"")*)"', body)
    return command.replace('""', '"')


# =========================================================================== the roll-forward macro

ROLLED_SHEETS = ["Ramar", "Förändringar", "Publicerat", "Parametrar", "Ramtabell", "Diagram", "Balanskrav", "Resultatbudget"]


def test_roll_forward_macro_gives_the_same_workbook_as_headless(built, tmp_path):
    from xlmodel.workbook.rollforward import rollforward_file

    book = FakeBook.load(built)
    report = X.run_macro(book, lambda b: X.roll_forward_book(b, confirm=lambda q: X.ask_user(b, q)))
    assert report.ok and book.app.alerts[0]["buttons"] == "ok_cancel"
    assert "från 2021 till 2022" in book.app.alerts[0]["prompt"]

    result = rollforward_file(built, backup=False)
    assert result.written
    assert book_state(book, ROLLED_SHEETS) == file_state(built, ROLLED_SHEETS)
    assert "framrullad till 2022" in report.lines[0]
    assert any("Ingen indexsats för 2022" in line and "[varning]" in line for line in report.lines)


def test_roll_forward_cancelled_writes_nothing(built):
    book = FakeBook.load(built, app=FakeApp(answer="cancel"))
    report = X.run_macro(book, lambda b: X.roll_forward_book(b, confirm=lambda q: X.ask_user(b, q)))
    assert book.log == [] and report.lines == ["Avbrutet; ingenting ändrades."]
