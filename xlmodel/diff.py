"""``xlmodel diff``: what changed between two versions of a workbook, cell by cell.

A workbook is read into a ``Snapshot`` (every cell's value, formula and cached value
from ``xlmodel.xlsx.reader``, the sheets, defined names and Excel tables), and two
snapshots are compared into a ``WorkbookDiff``. Each changed cell gets a type:

- ``formel``: the formula text changed (a formula added, removed or edited);
- ``beräknat``: the formula is the same but its cached value changed, or the cell is
  a constant that xlmodel computes and writes (an owned cell of the workbook kind:
  the Ramtabell's index column, a spilled ledger, …);
- ``indata``: a constant that no rule computes (an input table cell, a parameter,
  a label).

Owned cells come from the workbook kind's parts (``workbook.kinds.detect`` and
``Part.plans``: the same definition ``regenerera`` and ``validera`` use), for both
versions; a workbook of no known kind is classified by its formulas alone. Where a
cell sits in an Excel table or is a named parameter, ``where`` says which (JSON).

Numbers are compared as Excel holds them, at 15 significant digits
(``money.excel_precision``), so 9.779999999999999 written by one tool and 9.78 by
another is no change. Text is compared exactly; an empty cell that only carries a
format is the same as no cell.

Outputs: ``format_text`` (Swedish, a table per sheet: Cell | Typ | Före | Efter),
``format_json`` (schema "xlmodel.diff/1"), and ``textconv`` (a stable one-line-per-
cell dump of one workbook for git's ``textconv``). Ordering everywhere: sheets in the
new version's tab order (sheets only in the old version after them, in its order),
cells row by row, left to right.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from xlmodel import __version__
from xlmodel.money import excel_precision, fmt_figure, fmt_mkr
from xlmodel.textout import Paint, one_line, table

JSON_SCHEMA = "xlmodel.diff/1"
TEXTCONV_HEADER = "# xlmodel textconv/1"

ChangeType = Literal["indata", "beräknat", "formel"]
TYPE_INPUT: ChangeType = "indata"
TYPE_COMPUTED: ChangeType = "beräknat"
TYPE_FORMULA: ChangeType = "formel"
TYPES: tuple[ChangeType, ...] = (TYPE_INPUT, TYPE_COMPUTED, TYPE_FORMULA)


# =========================================================================== snapshot


@dataclass(frozen=True)
class CellState:
    """One cell as compared: value at Excel precision, formula text as stored."""

    value: Any            # Decimal (15 significant digits) | str | bool | ExcelError | None
    formula: str | None   # without '=', None for a constant

    def same_as(self, other: "CellState | None") -> bool:
        if other is None:
            return self.is_blank()
        return _same_formula(self.formula, other.formula) and _same_value(self.value, other.value)

    def is_blank(self) -> bool:
        # An empty text (XlsxWriter writes one, LibreOffice drops it) looks like an empty cell.
        return (self.value is None or self.value == "") and self.formula is None


def _same_formula(a: str | None, b: str | None) -> bool:
    """The same formula however it is spelt ('Ramtabell'!B5 and Ramtabell!B5, sum and
    SUM, _xlfn. prefixes): a LibreOffice save is not a formula change."""
    from xlmodel.xlsx.formula_text import same_formula

    return same_formula(a, b)


def _same_value(a: Any, b: Any) -> bool:
    # An empty text and no value read alike: a formula whose result is "" (=IF(I6="ja";…;""))
    # has no cached value in a book xlmodel or XlsxWriter wrote and an empty one after a
    # LibreOffice save; the cell shows nothing either way.
    if (a is None or a == "") and (b is None or b == ""):
        return True
    # bool is an int subclass and ExcelError a dataclass: compare type first so that
    # TRUE never equals 1 and the text '#N/A' never equals the error #N/A.
    if type(a) is not type(b):
        return False
    return a == b


@dataclass(frozen=True)
class TableState:
    sheet: str
    ref: str
    columns: tuple[str, ...]


@dataclass
class Snapshot:
    """Everything ``diff`` compares in one workbook."""

    path: str
    kind: str | None = None
    sheets: list[str] = field(default_factory=list)                  # tab order, every sheet type
    sheet_types: dict[str, str] = field(default_factory=dict)        # name → worksheet/chartsheet/…
    cells: dict[str, dict[str, CellState]] = field(default_factory=dict)   # worksheet → ref → state
    positions: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)  # (sheet, ref) → (row, col)
    names: dict[str, str] = field(default_factory=dict)             # "Namn" or "Blad!Namn" → refers-to
    tables: dict[str, TableState] = field(default_factory=dict)
    owned: set[tuple[str, str]] = field(default_factory=set)         # cells the kind computes
    where: dict[tuple[str, str], str] = field(default_factory=dict)  # input location, Swedish
    notes: list[str] = field(default_factory=list)

    @classmethod
    def empty(cls, path: str) -> "Snapshot":
        """A file that does not exist in this version (git's /dev/null for an added file)."""
        return cls(path=path)


def _stored(value: Any) -> Any:
    return excel_precision(value) if isinstance(value, Decimal) else value


def _position(ref: str) -> tuple[int, int]:
    from xlmodel.xlsx.cellref import split_ref

    return split_ref(ref)


def snapshot(path: str | Path) -> Snapshot:
    """Read ``path`` (raises WorkbookError if it cannot be read as a workbook)."""
    from xlmodel.workbook.cells import PackageCells
    from xlmodel.xlsx.package import Package

    pkg = Package.open(path)
    cells = PackageCells(pkg)
    snap = Snapshot(path=str(path))
    for s in pkg.sheets:
        snap.sheets.append(s.name)
        snap.sheet_types[s.name] = s.kind
        if s.kind != "worksheet":
            continue
        states: dict[str, CellState] = {}
        for ref, c in cells.cells(s.name).items():
            state = CellState(value=_stored(c.value), formula=c.formula)
            if state.is_blank():
                continue  # a cell with only a format is no content
            states[ref] = state
            snap.positions[(s.name, ref)] = (c.row, c.col)
        snap.cells[s.name] = states
        for t in pkg.tables(s.name):
            snap.tables[t.display_name] = TableState(sheet=s.name, ref=t.ref, columns=t.columns)
            _table_locations(snap, s.name, t)
    for d in pkg.defined_names:
        key = f"{d.local_sheet}!{d.name}" if d.local_sheet else d.name
        snap.names[key] = d.value
        target = _single_cell(d.value)
        if target is not None and not d.name.startswith("_xl"):
            snap.where.setdefault(target, f"parametern {d.name}")
    _classify_owned(snap, cells)
    return snap


def _single_cell(value: str) -> tuple[str, str] | None:
    from xlmodel.workbook.cells import single_cell_target

    return single_cell_target(value)


def _table_locations(snap: Snapshot, sheet: str, table: Any) -> None:
    """Each data cell of an Excel table: 'tabellen tblRamar, kolumnen Budgetram …'."""
    from xlmodel.xlsx.cellref import make_ref, parse_range

    try:
        r1, c1, r2, c2 = parse_range(table.ref)
    except Exception:  # noqa: BLE001 - a damaged table ref only loses the description
        return
    first = r1 + (1 if table.header_row_count else 0)
    last = r2 - table.totals_row_count
    for i, col in enumerate(range(c1, c2 + 1)):
        name = table.columns[i] if i < len(table.columns) else "?"
        for row in range(first, last + 1):
            snap.where[(sheet, make_ref(row, col))] = f"tabellen {table.display_name}, kolumnen '{name}'"


def _classify_owned(snap: Snapshot, cells: Any) -> None:
    """The cells the workbook kind computes (the same plans ``regenerera`` writes)."""
    from xlmodel.errors import XlmodelError
    from xlmodel.xlsx.cellref import make_ref, parse_range

    from xlmodel.workbook.holding import parts_in

    snap.kind, held = parts_in(cells)  # xlmodel's own book: its kind's bundle; any other: the parts it holds
    for part in held:
        try:
            plans = part.plans(cells)
        except XlmodelError as err:
            # Inputs the rules cannot compute: classify by formulas alone for this part.
            snap.notes.append(f"beräknade celler kunde inte bestämmas helt ({err})")
            continue
        except Exception as exc:  # noqa: BLE001 - a diff driver must still show the cells
            # A bug in a rule must not stop `git diff` over a whole repository: the cells
            # are still compared and shown, classified by their formulas, and the note says
            # why. (validera/regenerera report the same bug as an internal error, exit 3.)
            snap.notes.append(f"internt fel när beräknade celler bestämdes ({type(exc).__name__}: {exc}); "
                              "cellerna klassas efter sina formler")
            continue
        for plan in plans:
            for oc in plan.cells:
                snap.owned.add((plan.sheet, oc.ref))
                if oc.spill:
                    r1, c1, r2, c2 = parse_range(oc.spill)
                    snap.owned.update((plan.sheet, make_ref(r, c)) for r in range(r1, r2 + 1)
                                      for c in range(c1, c2 + 1))
            for rng in plan.clear:
                r1, c1, r2, c2 = parse_range(rng)
                snap.owned.update((plan.sheet, make_ref(r, c)) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1))


# =========================================================================== diff model


class CellValue(BaseModel):
    value: Any = None
    formula: str | None = None


class CellChange(BaseModel):
    sheet: str
    cell: str
    type: ChangeType
    before: CellValue | None      # None: the cell did not exist (or was empty)
    after: CellValue | None
    where: str | None = None      # input table/column or parameter, where known


class NameChange(BaseModel):
    name: str
    before: str | None
    after: str | None


class TableChange(BaseModel):
    name: str
    before: str | None            # "Blad!A4:G19: Id | Post | …"
    after: str | None


class WorkbookDiff(BaseModel):
    old_path: str
    new_path: str
    old_kind: str | None
    new_kind: str | None
    sheets_added: list[str]
    sheets_removed: list[str]
    names: list[NameChange]
    tables: list[TableChange]
    cells: list[CellChange]
    notes: list[str] = []

    @property
    def identical(self) -> bool:
        return not (self.sheets_added or self.sheets_removed or self.names or self.tables or self.cells)

    def count(self, kind: ChangeType) -> int:
        return sum(1 for c in self.cells if c.type == kind)


def _classify(sheet: str, ref: str, before: CellState | None, after: CellState | None,
              old: Snapshot, new: Snapshot) -> ChangeType:
    fb = before.formula if before else None
    fa = after.formula if after else None
    if not _same_formula(fb, fa):
        return TYPE_FORMULA
    if fa is not None:
        return TYPE_COMPUTED  # same formula, another cached value
    if (sheet, ref) in new.owned or (sheet, ref) in old.owned:
        return TYPE_COMPUTED
    return TYPE_INPUT


def _cell_value(state: CellState | None) -> CellValue | None:
    if state is None or state.is_blank():
        return None
    return CellValue(value=state.value, formula=state.formula)


def _sheet_order(old: Snapshot, new: Snapshot) -> list[str]:
    return list(new.sheets) + [s for s in old.sheets if s not in new.sheets]


def _table_text(t: TableState | None) -> str | None:
    if t is None:
        return None
    return f"{t.sheet}!{t.ref}: {' | '.join(t.columns)}"


def diff_snapshots(old: Snapshot, new: Snapshot) -> WorkbookDiff:
    changes: list[CellChange] = []
    for sheet in _sheet_order(old, new):
        a = old.cells.get(sheet, {})
        b = new.cells.get(sheet, {})
        refs = set(a) | set(b)
        pos = {**{r: old.positions[(sheet, r)] for r in a}, **{r: new.positions[(sheet, r)] for r in b}}
        for ref in sorted(refs, key=lambda r: pos[r]):
            before, after = a.get(ref), b.get(ref)
            if before is not None and before.same_as(after):
                continue
            if before is None and (after is None or after.is_blank()):
                continue
            changes.append(CellChange(
                sheet=sheet, cell=ref, type=_classify(sheet, ref, before, after, old, new),
                before=_cell_value(before), after=_cell_value(after),
                where=new.where.get((sheet, ref)) or old.where.get((sheet, ref)),
            ))
    names = [NameChange(name=n, before=old.names.get(n), after=new.names.get(n))
             for n in sorted(set(old.names) | set(new.names), key=str.casefold)
             if not _same_formula(old.names.get(n), new.names.get(n))]
    tables = [TableChange(name=n, before=_table_text(old.tables.get(n)), after=_table_text(new.tables.get(n)))
              for n in sorted(set(old.tables) | set(new.tables), key=str.casefold)
              if old.tables.get(n) != new.tables.get(n)]
    notes = [f"{old.path}: {n}" for n in old.notes] + [f"{new.path}: {n}" for n in new.notes]
    return WorkbookDiff(
        old_path=old.path, new_path=new.path, old_kind=old.kind, new_kind=new.kind,
        sheets_added=[s for s in new.sheets if s not in old.sheets],
        sheets_removed=[s for s in old.sheets if s not in new.sheets],
        names=names, tables=tables, cells=changes, notes=notes,
    )


def diff_files(old: str | Path, new: str | Path) -> WorkbookDiff:
    """Compare two workbooks on disk (raises WorkbookError if one cannot be read)."""
    return diff_snapshots(snapshot(old), snapshot(new))


# =========================================================================== display


# Decimals a changed number is shown with; more only where two values would read alike.
SHOWN_PLACES = 4


def show_value(value: Any, *, places: int = SHOWN_PLACES) -> str:
    """A cell value as a Swedish reader reads it: 5 017, 0,0199, "ja", SANT, #N/A.
    Numbers at their own decimals, at most ``places``."""
    if value is None:
        return "(tom)"
    if isinstance(value, bool):
        return "SANT" if value else "FALSKT"
    if isinstance(value, Decimal):
        return fmt_figure(value, max_places=places)
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)  # ExcelError: its code


def show_cell(cv: CellValue | None, *, places: int = SHOWN_PLACES) -> str:
    if cv is None:
        return "(tom)"
    if cv.formula is not None:
        return f"={cv.formula} → {show_value(cv.value, places=places)}"
    return show_value(cv.value, places=places)


def show_change(before: CellValue | None, after: CellValue | None) -> tuple[str, str]:
    """Before and after as shown, with just enough decimals (from ``SHOWN_PLACES`` up to
    Excel's 15 digits) that two different values do not read alike."""
    places = SHOWN_PLACES
    old, new = show_cell(before, places=places), show_cell(after, places=places)
    while old == new and places < 15:
        places += 1
        old, new = show_cell(before, places=places), show_cell(after, places=places)
    return old, new


def _n(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def summary_line(d: WorkbookDiff) -> str:
    if d.identical:
        return "inga skillnader"
    parts = [
        _n(len(d.cells), "ändrad cell", "ändrade celler")
        + f" ({d.count(TYPE_INPUT)} indata, {d.count(TYPE_COMPUTED)} beräknade, {d.count(TYPE_FORMULA)} formler)"
    ]
    if d.sheets_added:
        parts.append(_n(len(d.sheets_added), "blad tillagt", "blad tillagda"))
    if d.sheets_removed:
        parts.append(_n(len(d.sheets_removed), "blad borttaget", "blad borttagna"))
    if d.names:
        parts.append(_n(len(d.names), "namn ändrat", "namn ändrade"))
    if d.tables:
        parts.append(_n(len(d.tables), "tabell ändrad", "tabeller ändrade"))
    return "; ".join(parts)


_TYPE_STYLE = {TYPE_INPUT: "yellow", TYPE_COMPUTED: "dim", TYPE_FORMULA: "red"}


def format_text(d: WorkbookDiff, *, colour: bool = False, header: str | None = None) -> str:
    """Swedish text: sheets, names and tables that changed, then a table per sheet."""
    paint = Paint(colour)
    kinds = d.new_kind or d.old_kind
    lines = [header] if header else []
    lines.append(paint(f"{one_line(d.old_path)} → {one_line(d.new_path)}", "bold")
                 + (f" ({kinds})" if kinds else ""))
    for s in d.sheets_added:
        lines.append(f"  blad tillagt: '{one_line(s)}'")
    for s in d.sheets_removed:
        lines.append(f"  blad borttaget: '{one_line(s)}'")
    if d.names:
        lines.append("Definierade namn:")
        rows = [[one_line(n.name), one_line(n.before or "(saknas)"), one_line(n.after or "(saknas)")]
                for n in d.names]
        lines.extend(table(("Namn", "Före", "Efter"), rows, paint=paint))
    if d.tables:
        lines.append("Tabeller:")
        rows = [[one_line(t.name), one_line(t.before or "(saknas)"), one_line(t.after or "(saknas)")]
                for t in d.tables]
        lines.extend(table(("Tabell", "Före", "Efter"), rows, paint=paint))
    by_sheet: dict[str, list[CellChange]] = {}
    for c in d.cells:
        by_sheet.setdefault(c.sheet, []).append(c)
    for sheet, changes in by_sheet.items():
        lines.append("")
        lines.append(f"Blad '{one_line(sheet)}': {_n(len(changes), 'ändrad cell', 'ändrade celler')}")
        rows = [[c.cell, c.type, *map(one_line, show_change(c.before, c.after))] for c in changes]
        styles = [[None, _TYPE_STYLE[c.type], None, None] for c in changes]
        lines.extend(table(("Cell", "Typ", "Före", "Efter"), rows, styles=styles, paint=paint))
    for note in d.notes:
        lines.append(f"obs: {one_line(note)}")
    lines.append("")
    lines.append(paint(summary_line(d), "green" if d.identical else "yellow"))
    return "\n".join(lines) + "\n"


def _json_scalar(value: Any) -> tuple[Any, str | None]:
    if value is None:
        return None, None
    if isinstance(value, bool):
        return value, "bool"
    if isinstance(value, Decimal):
        return format(value, "f"), "number"
    if isinstance(value, str):
        return value, "text"
    return str(value), "error"


def _json_cell(cv: CellValue | None) -> dict[str, Any] | None:
    if cv is None:
        return None
    value, vtype = _json_scalar(cv.value)
    return {"value": value, "value_type": vtype, "formula": cv.formula}


def to_json_document(d: WorkbookDiff) -> dict[str, Any]:
    return {
        "schema": JSON_SCHEMA,
        "xlmodel_version": __version__,
        "old": {"path": d.old_path, "kind": d.old_kind},
        "new": {"path": d.new_path, "kind": d.new_kind},
        "identical": d.identical,
        "summary": {
            "cells": len(d.cells),
            "indata": d.count(TYPE_INPUT),
            "beräknat": d.count(TYPE_COMPUTED),
            "formel": d.count(TYPE_FORMULA),
            "sheets_added": len(d.sheets_added),
            "sheets_removed": len(d.sheets_removed),
            "names": len(d.names),
            "tables": len(d.tables),
        },
        "sheets": {"added": d.sheets_added, "removed": d.sheets_removed},
        "names": [n.model_dump() for n in d.names],
        "tables": [t.model_dump() for t in d.tables],
        "cells": [
            {"sheet": c.sheet, "cell": c.cell, "type": c.type, "where": c.where,
             "before": _json_cell(c.before), "after": _json_cell(c.after)}
            for c in d.cells
        ],
        "notes": d.notes,
    }


def format_json(d: WorkbookDiff) -> str:
    """Schema "xlmodel.diff/1" (docs/diff-explain.md): sorted keys, Decimals as strings."""
    return json.dumps(to_json_document(d), sort_keys=True, ensure_ascii=False, indent=2) + "\n"


# =========================================================================== textconv


def textconv(snap: Snapshot) -> str:
    """One workbook as stable text, one line per cell, for ``git diff`` (textconv).

    Every line names its sheet and cell, so a changed cell is a changed line and git's
    hunk shows where it is. Numbers at Excel precision in plain notation (no thousands
    separator: a line must not change because of the display), text quoted.
    """
    def value(v: Any) -> str:
        if isinstance(v, Decimal):
            return format(v, "f")
        if isinstance(v, str):
            return json.dumps(v, ensure_ascii=False)
        if isinstance(v, bool):
            return "SANT" if v else "FALSKT"
        return "(tom)" if v is None else str(v)

    lines = [TEXTCONV_HEADER, f"typ: {snap.kind or 'okänd'}"]
    for s in snap.sheets:
        kind = snap.sheet_types.get(s, "worksheet")
        lines.append(f"[blad {s}]" + ("" if kind == "worksheet" else f" ({kind})"))
    for name in sorted(snap.names, key=str.casefold):
        lines.append(f"[namn] {name} = {snap.names[name]}")
    for name in sorted(snap.tables, key=str.casefold):
        lines.append(f"[tabell] {name} = {_table_text(snap.tables[name])}")
    for s in snap.sheets:
        states = snap.cells.get(s, {})
        for ref in sorted(states, key=lambda r: snap.positions[(s, r)]):
            st = states[ref]
            if st.formula is not None:
                kind = TYPE_COMPUTED
                body = f"={st.formula} → {value(st.value)}"
            else:
                kind = TYPE_COMPUTED if (s, ref) in snap.owned else TYPE_INPUT
                body = value(st.value)
            lines.append(f"{s}!{ref} [{kind}] {body}")
    for note in snap.notes:
        lines.append(f"# obs: {note}")
    return "\n".join(line.replace("\n", "\\n").replace("\r", "\\r") for line in lines) + "\n"
