"""The open workbook in Excel, read and written through xlwings; and the two macros' logic.

``XlwingsCells(book)`` is the ``CellSource`` (xlmodel.workbook.cells) of a live
``xw.Book``, so the Excel macro runs exactly the reading, rule and layout code that
``xlmodel regenerera`` runs on a file (``sheet_plans``, ``diff_sheet``). ``write_owned_cells``
writes a plan's cells back through xlwings. ``regenerate_book`` and
``roll_forward_book`` are the whole macros, taking the book as an argument, so tests
drive them with a small double of xlwings' objects and the functions in
``udfs.macros`` stay a few lines around ``xw.Book.caller()``.

Only these xlwings attributes are used (the double in tests/test_macros.py has exactly
these, and nothing here was run in real Excel - docs/excel.md):
``book.sheets`` (iterable, ``[name]``), ``sheet.name``, ``sheet.range(ref)``,
``sheet.used_range``, ``sheet.tables`` (``.name``, ``.range.address``,
``.show_totals``), ``book.names`` (``.name``, ``.refers_to``), ``range.options(ndim=2,
err_to_str=True).value``, ``range.formula``, ``range.row``, ``range.column``,
``range.value = …``, ``range.formula = …`` (``range.formula2 = …`` for a spilling
formula), ``range.clear_contents()``,
``book.app.alert(prompt, title=…, buttons=…)``.

Reading is a snapshot: each sheet's used range is read in two COM calls (values and
formulas) the first time the sheet is asked for, instead of two calls per cell (the
per-call COM cost is xlwings' known bottleneck). A used range larger
than ``max_snapshot_cells`` (a sheet formatted down to row 1 048 576) is read cell by
cell instead. Write, then read again with a new ``XlwingsCells``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from xlmodel.errors import XlmodelError
from xlmodel.findings import Finding, Severity
from xlmodel.money import EXCEL_ERRORS, excel_precision
from xlmodel.workbook.cells import TableLocation, single_cell_target
from xlmodel.workbook.regenerate import diff_sheet, sheet_plans
from xlmodel.workbook.rollforward import plan_roll_forward, spilled_formulas, spills_to_follow
from xlmodel.xlsx.cellref import make_ref, parse_range, split_ref
from xlmodel.xlsx.numfmt import is_percent_format
from xlmodel.xlsx.values import ExcelError

# Where a macro leaves its report when Excel cannot show a message box (Info sheet,
# the empty row under the title). Belongs to the layout spec; kept here until the
# lead moves it into layout.py.
STATUS_SHEET = "Info"
STATUS_CELL = "A3"

MAX_SNAPSHOT_CELLS = 200_000

# Text Excel would not keep as typed when it is assigned through Range.Value: a
# leading = + - @ makes a formula, and digits, dates, times and percentages become
# numbers or dates (the same as typing them). Such text is written with Excel's text
# prefix, an apostrophe: the cell's value is the text without it and its format
# is untouched (setting the number format to "@" would change the cell's style).
_EXCEL_WOULD_CONVERT = re.compile(r"^(?:[=+\-@']|[\d\s.,:/%\-eE]+$|(?:sant|falskt|true|false)$)", re.IGNORECASE)


# --------------------------------------------------------------------------- reading

class XlwingsCells:
    """CellSource over an open ``xw.Book`` (values as PackageCells gives them)."""

    def __init__(self, book: Any, *, max_snapshot_cells: int = MAX_SNAPSHOT_CELLS) -> None:
        self.book = book
        self.max_snapshot_cells = max_snapshot_cells
        self._snapshots: dict[str, _Snapshot | None] = {}
        self._tables: dict[str, TableLocation] | None = None
        self._names: dict[str, tuple[str, str]] | None = None

    def sheet_names(self) -> list[str]:
        return [s.name for s in self.book.sheets]

    def _snapshot(self, sheet: str) -> "_Snapshot | None":
        if sheet not in self._snapshots:
            self._snapshots[sheet] = _Snapshot.read(self.book.sheets[sheet], self.max_snapshot_cells)
        return self._snapshots[sheet]

    def _raw(self, sheet: str, ref: str) -> tuple[Any, str | None]:
        row, col = split_ref(ref)
        snap = self._snapshot(sheet)
        if snap is not None:
            return snap.get(row, col)
        rng = self.book.sheets[sheet].range(ref)   # fallback: one cell, two COM calls
        return rng.options(err_to_str=True).value, _formula_text(rng.formula)

    def value(self, sheet: str, ref: str) -> Any:
        return from_xlwings(self._raw(sheet, ref)[0])

    def cells(self, sheet: str) -> dict[str, Any]:
        """Every non-empty cell of ``sheet`` (ref → value), as ``PackageCells.cells`` lists
        them (the workbook layer iterates a sheet's refs with it). A sheet too large for a
        snapshot is read in one call anyway: the caller asked for all of it."""
        snap = self._snapshot(sheet)
        if snap is None:
            used = self.book.sheets[sheet].used_range
            snap = _Snapshot.read(self.book.sheets[sheet], limit=10**9) if used is not None else None
        out: dict[str, Any] = {}
        if snap is not None:
            for r, row in enumerate(snap.values):
                for c, v in enumerate(row):
                    f = _formula_text(snap.formulas[r][c])
                    if v is not None or f is not None:
                        out[make_ref(snap.top + r, snap.left + c)] = from_xlwings(v)
        return out

    def formula(self, sheet: str, ref: str) -> str | None:
        return self._raw(sheet, ref)[1]

    def shown_as_percent(self, sheet: str, ref: str) -> bool:
        """Whether Excel shows the cell's number as a percentage ("7 %" typed: the value is
        0.07), as ``PackageCells.shown_as_percent`` reads it from the file. Asked only of the
        amount cells of input tables that hold a number other than 0; one COM call each, so
        only for numbers a typed percentage can give (up to 1 000 %, i.e. |x| <= 10: a
        frame of 10 mkr or more is never asked)."""
        value = self.value(sheet, ref)
        if not isinstance(value, Decimal) or abs(value) > 10:
            return False
        return is_percent_format(self.book.sheets[sheet].range(ref).number_format)

    def table(self, name: str) -> TableLocation | None:
        if self._tables is None:
            self._tables = {}
            for ws in self.book.sheets:
                for t in ws.tables:
                    loc = TableLocation(t.name, ws.name, t.range.address.replace("$", ""), bool(t.show_totals))
                    self._tables[t.name.casefold()] = loc
        return self._tables.get(name.casefold())

    def defined_name(self, name: str) -> tuple[str, str] | None:
        if self._names is None:
            self._names = {}
            for n in self.book.names:
                if "!" in n.name:
                    continue  # sheet-scoped ("Blad!Namn"): the layout's names are workbook-wide
                target = single_cell_target(n.refers_to or "")
                if target:
                    self._names[n.name.casefold()] = target
        return self._names.get(name.casefold())


@dataclass
class _Snapshot:
    top: int
    left: int
    values: list[list[Any]]
    formulas: list[list[Any]]

    @classmethod
    def read(cls, ws: Any, limit: int) -> "_Snapshot | None":
        used = ws.used_range
        min_row, min_col, max_row, max_col = parse_range(used.address.replace("$", ""))
        if (max_row - min_row + 1) * (max_col - min_col + 1) > limit:
            return None
        values = used.options(ndim=2, err_to_str=True).value
        formulas = used.formula
        if isinstance(formulas, str):          # a one-cell used range gives a string
            formulas = [[formulas]]
        return cls(min_row, min_col, [list(r) for r in values], [list(r) for r in formulas])

    def get(self, row: int, col: int) -> tuple[Any, str | None]:
        r, c = row - self.top, col - self.left
        if 0 <= r < len(self.values) and 0 <= c < len(self.values[r]):
            return self.values[r][c], _formula_text(self.formulas[r][c])
        return None, None


def _formula_text(f: Any) -> str | None:
    """Range.Formula gives "=B5+C5" for a formula and the constant as text otherwise."""
    return f[1:] if isinstance(f, str) and f.startswith("=") else None


def from_xlwings(v: Any) -> Any:
    """A cell value as xlwings returns it → as PackageCells returns it: numbers as
    Decimal at Excel's 15 digits, error values as ExcelError, blank as None."""
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, float):
        return excel_precision(Decimal(repr(v)))
    if isinstance(v, int):
        return Decimal(v)
    if isinstance(v, str):
        return ExcelError(v) if v in EXCEL_ERRORS else v
    return v   # datetime (a date cell), passed on for the layout's converter to refuse or use


# --------------------------------------------------------------------------- writing

def as_text(text: str) -> str:
    """Text as it must be assigned to Range.Value to stay that text (see _EXCEL_WOULD_CONVERT)."""
    return "'" + text if text and _EXCEL_WOULD_CONVERT.match(text) else text


def _excel_value(v: Any) -> Any:
    if isinstance(v, bool):
        return v
    if isinstance(v, (Decimal, int, float)):
        return float(v)
    if isinstance(v, str):
        return as_text(v)
    if isinstance(v, (date, datetime)):
        return v
    raise TypeError(f"värdet {v!r} kan inte skrivas till en cell")


def write_owned_cells(book: Any, sheet: str, owned_cells: Iterable[Any], clear_ranges: Sequence[str] = ()) -> int:
    """Write ``owned_cells`` (anything with ``.ref``, ``.value``, ``.formula``, e.g.
    frames.OwnedCell) into ``sheet`` and clear ``clear_ranges`` (contents only: the
    cells keep their formatting, as the headless patch keeps their style). A formula
    is written as a formula (Excel computes its value), a number as a float, text as
    text (``as_text``), None clears. Returns the number of cells written."""
    ws = book.sheets[sheet]
    for rng in clear_ranges:
        ws.range(rng).clear_contents()
    n = 0
    for oc in owned_cells:
        target = ws.range(oc.ref)
        if oc.formula is not None and getattr(oc, "spill", None):
            target.formula2 = "=" + oc.formula   # a dynamic array: Formula would add an implicit "@"
        elif oc.formula is not None:
            target.formula = "=" + oc.formula
        elif oc.value is None:
            target.clear_contents()
        else:
            target.value = _excel_value(oc.value)
        n += 1
    return n


# --------------------------------------------------------------------------- the macros

@dataclass
class MacroReport:
    """What a macro tells the controller: a title and a few Swedish lines."""

    title: str
    lines: list[str] = field(default_factory=list)
    ok: bool = True

    def text(self) -> str:
        return "\n".join(self.lines)


def _finding_line(f: Finding) -> str:
    where = f"{f.sheet}!{f.cell}: " if f.sheet and f.cell else (f"{f.sheet}: " if f.sheet else "")
    return f"[{f.severity.value}] {where}{f.message}"


def _summary(changes: Sequence[Any], findings: Sequence[Finding], *, shown: int = 8) -> list[str]:
    lines = []
    for ch in changes[:shown]:
        lines.append(f"  {ch.sheet}!{ch.cell}: {ch.old or '(tom)'} → {ch.new or '(tom)'}")
    if len(changes) > shown:
        lines.append(f"  … och {len(changes) - shown} till.")
    if findings:
        counts = {s: sum(1 for f in findings if f.severity is s) for s in Severity}
        lines.append("Kontroller: " + ", ".join(f"{n} {s.value}" for s, n in counts.items() if n))
        lines += ["  " + _finding_line(f) for f in findings[:shown]]
        if len(findings) > shown:
            lines.append(f"  … och {len(findings) - shown} till (kör 'xlmodel validera' för alla).")
    return lines


def regenerate_report(diffs: Sequence[Any]) -> MacroReport:
    """What the macro wrote. ``diff_sheet`` lists the writes' changes (``Write.change``;
    none for a cell of a rewritten spill that keeps its value), in order, then the
    cleared ranges; writes that only refresh a formula's cached value are not made in
    Excel (Excel computes its own values), so they are not counted as written."""
    written, stale = [], 0
    for d in diffs:
        listed = [w for w in d.writes if w.change is not None]
        for w in listed:
            if w.in_spill:
                continue  # Excel's own result of the anchor's new formula
            if w.keep_formula:
                stale += 1
            else:
                written.append(w.change)
        written += d.changes[len(listed):]  # the cleared ranges, after the writes
    findings = [f for d in diffs for f in d.findings]
    head = ("Ramtabellen och övriga beräknade celler är redan aktuella; inga celler ändrades." if not written
            else f"Ramtabellen uppdaterades: {len(written)} cell(er)/område(n) ändrades.")
    lines = [head] + _summary(written, findings)
    if stale:
        lines.append(f"{stale} formel(er) visar ännu gamla värden; Excel räknar om dem "
                     "(tryck F9 om beräkningen står på manuell).")
    return MacroReport("Uppdatera ramtabell", lines)


def regenerate_book(book: Any) -> MacroReport:
    """The frame-table macro: exactly the plans of ``xlmodel regenerera`` (the frame
    table and every other cell the workbook kind owns), written through xlwings.

    A formula that is already right is left alone: its value is Excel's own (the
    headless path only refreshes the value the file caches for readers without Excel).
    """
    from xlmodel.workbook import owned_blocks
    from xlmodel.workbook.parts import input_tables

    cells = XlwingsCells(book)
    _kind, plans = sheet_plans(cells)
    plans = owned_blocks.prepare(cells, plans, input_tables())  # stale rows; input columns and the user's cells kept
    diffs = [diff_sheet(cells, p) for p in plans]
    for d in diffs:
        # a spilled formula written anew: its anchor only, Excel spills it (a value in its range would block it)
        write_owned_cells(book, d.sheet, [w.cell for w in d.writes if not (w.keep_formula or w.in_spill)], d.clear)
    if any(d.writes or d.clear for d in diffs):
        for name, value in owned_blocks.name_updates(cells, plans).items():
            book.names.add(name, "=" + value)  # each block's defined name to its new extent
    return regenerate_report(diffs)


def roll_forward_book(book: Any, confirm: Callable[[str], bool] | None = None) -> MacroReport:
    """The roll-forward macro: the same plan as ``xlmodel rulla``, written through
    xlwings, then the frame table regenerated from the rolled inputs. ``confirm`` is
    asked first (the macro cannot be undone with Ctrl+Z)."""
    plan = plan_roll_forward(XlwingsCells(book))
    question = (f"Rulla fram arbetsboken från {plan.year} till {plan.next_year}? Budgetramarna {plan.year} blir "
                f"föregående års ramar, bladen Förändringar och Publicerat töms. Det går inte att ångra; "
                f"spara en kopia först.")
    if confirm is not None and not confirm(question):
        return MacroReport("Rulla fram", ["Avbrutet; ingenting ändrades."], ok=True)
    grown = [n for n in plan.new_years if n.grow_to]
    before = spilled_formulas(XlwingsCells(book)) if grown else None
    for new in grown:  # the year table grows by the new year's row (its ListObject resized)
        ws = book.sheets[new.sheet]
        next(t for t in ws.tables if t.name.casefold() == new.table.casefold()).resize(ws.range(new.grow_to))
    for sheet in plan.sheets():
        write_owned_cells(book, sheet, plan.writes.get(sheet, []), plan.clear.get(sheet, []))
    if grown:  # the ledger's spilled formula over the grown table, as headless (rollforward.spills_to_follow)
        for sheet, owned in spills_to_follow(before, XlwingsCells(book)).items():
            write_owned_cells(book, sheet, owned)
    frame = regenerate_book(book)
    lines = [f"Arbetsboken är framrullad till {plan.next_year}: {len(plan.changes)} ändring(ar) i indata."]
    lines += _summary(plan.changes, plan.findings)
    lines += frame.lines
    return MacroReport("Rulla fram", lines)


def run_macro(book: Any, action: Callable[[Any], MacroReport]) -> MacroReport:
    """Run a macro's logic and report to the controller. A problem in the workbook
    (an InputError naming sheet and cell) becomes the report, not a VBA error box
    with a Python traceback."""
    try:
        report = action(book)
    except XlmodelError as err:
        report = MacroReport("xlmodel: fel i arbetsboken", [str(err), "Ingenting skrevs i arbetsboken."], ok=False)
    tell_user(book, report)
    return report


def ask_user(book: Any, question: str) -> bool:
    """OK/Avbryt in a message box; True without a box when Excel cannot show one."""
    try:
        return book.app.alert(question, title="xlmodel", buttons="ok_cancel") == "ok"
    except Exception:  # noqa: BLE001 - no message box (not Excel on Windows/Mac): go on
        return True


def tell_user(book: Any, report: MacroReport) -> None:
    """A message box (App.alert, xlwings ≥ 0.27.13 on Windows and Mac); if there is
    none, the first line goes into the status cell of the Info sheet."""
    try:
        book.app.alert(report.text(), title=report.title, mode=None if report.ok else "critical")
    except Exception:  # noqa: BLE001 - no message box available: leave a status line instead
        try:
            book.sheets[STATUS_SHEET].range(STATUS_CELL).value = as_text(f"{report.title}: {report.lines[0]}")
        except Exception:  # noqa: BLE001 - no Info sheet either: nothing more to do
            pass
