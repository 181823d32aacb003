"""The frame-table part of a regionplan workbook: table rows → core model → owned cells.

Used by the builder (rows from CSV), by ``regenerate`` and ``validate`` (rows from the
workbook) and by the Excel macro (rows from the live workbook through xlwings): all of
them call ``frame_input`` and ``frametable_cells`` so the numbers and the layout cannot
differ between the Excel path and the headless path.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from xlmodel.xlsx.refs import get_column_letter

from xlmodel.errors import InputError
from xlmodel.findings import Finding, Severity
from xlmodel.location import NOWHERE, Location, Locator
from xlmodel.rules.frametable import (
    FrameChange,
    FrameRow,
    FrameTable,
    COLUMN_OF_FIELD,
    FrameTableInput,
    PublishedRow,
    check_unique_ids,
    compute_frame_table,
)
from xlmodel.workbook.layout import (
    CHANGE_KINDS_SV,
    CHANGES_TABLE,
    FIRST_DATA_ROW,
    FRAMES_TABLE,
    FRAMETABLE_BLOCK,
    FRAMETABLE_SUM_ID,
    FRAMETABLE_SUM_LABEL,
    FRAMETABLE_VALUE_KEYS,
    PUBLISHED_TABLE,
    REGIONPLAN_PARAMS,
    frametable_header,
)
from xlmodel.workbook import block_names
from xlmodel.workbook.owned import NamedBlock, OwnedCell, SheetPlan, compare_cell, owned_cell
from xlmodel.workbook.tables import RawTable
from xlmodel.workbook.cells import read_param, read_table, require_sheet

RULE = "ramtabell"


@dataclass
class FrameSources:
    frames: RawTable
    changes: RawTable
    published: RawTable | None
    year: int
    default_index_rate: Decimal
    announced_index_total: Decimal | None
    nettoram: Decimal | None


def frame_row_of(r: dict[str, Any], table: RawTable | None = None) -> FrameRow:
    """One typed Ramar row as the core's model (an empty parent is a nämnd row, no
    printed precision means one decimal), carrying where its values are when ``table``
    (the RawTable it was typed from) is given, so the core's errors name the cell."""
    return FrameRow(
        id=r["id"],
        label=r["label"],
        parent=r["parent"] or None,
        prior_frame=r["prior_frame"],
        index_rate=r["index_rate"],
        indexed=r["indexed"],
        places=r["places"] if r["places"] is not None else 1,
        where=_locator(table, r),
    )


def change_of(c: dict[str, Any], table: RawTable | None = None) -> FrameChange | None:
    """One typed Förändringar row as the core's model; None if its type is unknown
    (the caller says where)."""
    kind = CHANGE_KINDS_SV.get(str(c["kind"]).strip().lower())
    if kind is None:
        return None
    return FrameChange(id=c["id"], label=c["label"], kind=kind, row=c["row"], amount=c["amount"],
                       where=_locator(table, c))


def published_rows(published: RawTable | None) -> list[PublishedRow]:
    """The Publicerat table's typed rows as the core's models, with their cells."""
    if published is None:
        return []
    return [
        PublishedRow(id=p["id"], omstallning=p["omstallning"], omfordelning=p["omfordelning"],
                     utokad=p["utokad"], index=p["index"], frame=p["frame"], where=_locator(published, p))
        for p in published.typed(RULE)
    ]


def _locator(table: RawTable | None, typed_row: dict[str, Any]) -> Locator:
    """Where ``typed_row``'s values are, for the core (``FrameRow.where``): a figure the
    table has no column for (a published row's prior frame) is at the row's Budgetram."""
    if table is None:
        return NOWHERE

    def where(key: str) -> Location:  # found only when asked: an error or a finding
        return table.location(typed_row, key if table.columns is None or key in table.columns else "frame")

    return Locator(where)


def frame_input(src: FrameSources) -> FrameTableInput:
    """Typed, located rows → the core model. Errors name sheet and cell."""
    frames = src.frames.typed(RULE)
    changes = src.changes.typed(RULE)
    rows = [frame_row_of(r, src.frames) for r in frames]
    check_unique_ids(rows)  # before the changes' errors, as a reader goes through the sheets
    change_models = []
    for c in changes:
        model = change_of(c, src.changes)
        if model is None:
            sheet, cell = src.changes.where(c, "kind")
            raise InputError(
                f"typen '{c['kind']}' är okänd; använd {', '.join(CHANGE_KINDS_SV)}", rule=RULE, argument="Typ"
            ).at(sheet, cell)
        change_models.append(model)
    published = published_rows(src.published)
    try:
        return FrameTableInput(
            year=src.year,
            default_index_rate=src.default_index_rate,
            rows=rows,
            changes=change_models,
            announced_index_total=src.announced_index_total,
            published=published,
            nettoram=src.nettoram,
        )
    except InputError as err:
        raise err.at(FRAMES_TABLE.sheet, None) from None  # the core located what it could at its cell


def compute(src: FrameSources) -> FrameTable:
    inp = frame_input(src)
    try:
        return compute_frame_table(inp)
    except InputError as err:
        # Structure errors (parents, cycles, change rows) are raised by the core at the
        # cell its rows carry (``FrameRow.where``); anything else is the Ramar sheet's.
        raise err.at(FRAMES_TABLE.sheet, None) from None


# --- the owned output range -------------------------------------------------------


def frame_place(cells) -> Any:
    """Where the frame table stands in a workbook: the layout's ``FRAMETABLE_BLOCK``
    moved to the sheet and top-left cell of its defined name ``xlmodel_Ramtabell``
    (``block_names``) when the workbook has one, so a controller may cut the table and
    paste it anywhere; the layout's place in an older workbook without the name, or, when
    that workbook has no sheet of the layout's name (renamed by the controller), the one
    sheet with the frame table's header row there (``signatures``)."""
    named = block_names.read_block(cells, block_names.FRAMETABLE)
    if named is None:
        if FRAMETABLE_BLOCK.sheet in cells.sheet_names():
            return FRAMETABLE_BLOCK
        from xlmodel.workbook.signatures import FRAMETABLE, find_sheet

        found = find_sheet(cells, FRAMETABLE)
        return FRAMETABLE_BLOCK if found is None else replace(FRAMETABLE_BLOCK, sheet=found)
    first = named.ref.split(":")[0]
    if named.sheet == FRAMETABLE_BLOCK.sheet and first == FRAMETABLE_BLOCK.top_left:
        return FRAMETABLE_BLOCK
    return replace(FRAMETABLE_BLOCK, sheet=named.sheet, top_left=first)


def frametable_ref(n_rows: int, block=FRAMETABLE_BLOCK) -> str:
    """The frame table's extent for ``n_rows`` data rows: header row to sum row."""
    first, last = block.header_row, block.header_row + 1 + n_rows
    return f"{block.col_letter('id')}{first}:{block.col_letter('frame')}{last}"


def ordered_rows(table: FrameTable) -> list:
    """Rows in the order of the input table (parents before their varav rows)."""
    return list(table.rows)


COMPONENT_KEYS = ("prior_frame", "omstallning", "omfordelning", "utokad", "index")


class FrametableCells:
    """The owned cells of the frame table, piece by piece: the header, one row, the sum
    row. ``frametable_cells`` puts them together for a whole table; ``frametable.stream``
    asks for them row by row as each row is complete, so both produce exactly the same cells."""

    def __init__(self, year: int, block=FRAMETABLE_BLOCK) -> None:
        self.block = block
        self.year = year
        self.letter = {c.key: block.col_letter(c.key) for c in block.columns}
        # "C{0}+D{0}+E{0}+F{0}+G{0}": the row's components summed; built once, filled per row
        self._row_sum = "+".join(f"{self.letter[k]}{{0}}" for k in COMPONENT_KEYS)

    def header(self) -> list[OwnedCell]:
        block = self.block
        hr = block.header_row
        return [
            OwnedCell(f"{get_column_letter(block.first_col + i)}{hr}", frametable_header(col, self.year), style="header")
            for i, col in enumerate(block.columns)
        ]

    def row(self, row, r: int) -> list[OwnedCell]:
        """The cells of ``row`` (a FrameTableRow) on sheet row ``r``."""
        letter = self.letter
        is_varav = row.parent is not None
        amount = "amount_varav" if is_varav else "amount"
        # owned_cell: OwnedCell(...) without the frozen dataclass's __init__ (8 cells a row)
        cells = [
            owned_cell(f"{letter['id']}{r}", row.id, style="id"),
            owned_cell(f"{letter['label']}{r}", row.label, style="label_varav" if is_varav else "label"),
        ]
        for key in COMPONENT_KEYS:
            cells.append(owned_cell(f"{letter[key]}{r}", getattr(row, key), style=amount))
        cells.append(owned_cell(f"{letter['frame']}{r}", row.frame, formula=self._row_sum.format(r),
                                style="amount_varav" if is_varav else "amount_bold"))
        return cells

    def sum_row(self, total, r: int, top_level_rows: list[int]) -> list[OwnedCell]:
        """The sum row on sheet row ``r``, adding the nämnd rows ``top_level_rows``."""
        letter = self.letter
        cells = [
            OwnedCell(f"{letter['id']}{r}", FRAMETABLE_SUM_ID, style="id"),
            OwnedCell(f"{letter['label']}{r}", FRAMETABLE_SUM_LABEL, style="label_sum"),
        ]
        for key in FRAMETABLE_VALUE_KEYS:
            col = letter[key]
            formula = "+".join(f"{col}{x}" for x in top_level_rows) if top_level_rows else "0"
            cells.append(OwnedCell(f"{col}{r}", getattr(total, key), formula=formula, style="amount_sum"))
        return cells


def frametable_cells(table: FrameTable, block=FRAMETABLE_BLOCK) -> list[OwnedCell]:
    """Every cell the frame table owns, header to sum row, in sheet order (at ``block``:
    the layout's place, or where the workbook's name puts it, ``frame_place``)."""
    parts = FrametableCells(table.year, block)
    cells = parts.header()
    top_level_rows: list[int] = []
    r = block.header_row + 1
    for row in ordered_rows(table):
        if row.parent is None:
            top_level_rows.append(r)
        cells += parts.row(row, r)
        r += 1
    cells += parts.sum_row(table.total, r, top_level_rows)
    return cells


def frametable_extent(n_rows: int) -> tuple[int, int]:
    """First and last sheet row the frame table occupies for ``n_rows`` data rows."""
    return FRAMETABLE_BLOCK.header_row, FIRST_DATA_ROW + n_rows  # the sum row is FIRST + n


def finding_cells(table: FrameTable, findings: list[Finding]) -> list[Finding]:
    """Locate the core's findings (subject = row id, field = column key) on the Ramtabell sheet."""
    row_of = {row.id: FIRST_DATA_ROW + i for i, row in enumerate(ordered_rows(table))}
    row_of[FRAMETABLE_SUM_ID] = FIRST_DATA_ROW + len(table.rows)
    out = []
    for f in findings:
        r = row_of.get(f.subject or "")
        col = None
        if f.field:
            try:
                col = FRAMETABLE_BLOCK.col_letter(f.field)
            except KeyError:
                col = None
        cell = f"{col or FRAMETABLE_BLOCK.col_letter('label')}{r}" if r else None
        out.append(f.at(FRAMETABLE_BLOCK.sheet, cell) if f.sheet is None else f)
    return out


def frame_sources_from_cells(cells) -> FrameSources:
    """Read the frame-table inputs of a regionplan workbook (file or live Excel)."""
    params = {p.name: read_param(cells, p, RULE) for p in REGIONPLAN_PARAMS}
    return FrameSources(
        frames=read_table(cells, FRAMES_TABLE, RULE),
        changes=read_table(cells, CHANGES_TABLE, RULE),
        published=read_table(cells, PUBLISHED_TABLE, RULE, optional=True),
        year=params["Budgetar"],
        default_index_rate=params["Standardindex"],
        announced_index_total=params["AviseratIndex"],
        nettoram=params["Nettoram"],
    )


def computed(cells) -> tuple[FrameSources, FrameTable]:
    """The frame-table inputs of a workbook and the table computed from them, once per
    open package: ``validate`` and ``regenerate`` need the table for the Ramtabell and
    again for the Diagram sheet, and computing it is most of their time on a large plan
    (bench/RESULTS.md). Memoised only on a CellSource with a ``memo`` dict (PackageCells:
    an immutable package); a live Excel workbook is read afresh every time."""
    memo = getattr(cells, "memo", None)
    if memo is not None and "frames.computed" in memo:
        return memo["frames.computed"]
    src = frame_sources_from_cells(cells)
    result = (src, compute(src))
    if memo is not None:
        memo["frames.computed"] = result
    return result


# --- validation of a workbook's frame table ----------------------------------------

# A frame table never runs on this far below its first row: old_extent's bound.
MAX_EXTENT = 100_000


def extent_step(id_value: Any) -> tuple[bool, bool]:
    """(this row belongs to the table, the table goes on below it), from the row's id:
    an empty id ends the table before the row, the sum row's id ends it with the row."""
    if id_value is None or str(id_value).strip() == "":
        return False, False
    return True, str(id_value).strip() != FRAMETABLE_SUM_ID


def old_extent(cells, block=None) -> int:
    """The last row the frame table occupies now: the last row of its defined name
    (``xlmodel_Ramtabell``, which Excel grows and shrinks as rows are inserted or
    deleted inside it: a blank row inside the table does not end it), or further down
    where rows with ids run on past the name without a sum row (``detected_extent``:
    rows of an older, longer table whose sum row's id was typed over). In an older
    workbook without the name the detection alone: the first empty id ends the table."""
    block = block or FRAMETABLE_BLOCK
    detected = detected_extent(cells, block)
    named = block_names.read_block(cells, block_names.FRAMETABLE)
    return max(named.last_row, detected) if named is not None else detected


def detected_extent(cells, block=FRAMETABLE_BLOCK) -> int:
    """The frame table's last row as found without its name: down the id column to the
    sum row's id or the first empty id."""
    sheet = block.sheet
    col = block.col_letter("id")
    first = block.header_row + 1
    r = first
    last = first - 1
    while r < first + MAX_EXTENT:
        belongs, goes_on = extent_step(cells.value(sheet, f"{col}{r}"))
        if belongs:
            last = r
        if not goes_on:
            break
        r += 1
    return last


def locate_findings(table: FrameTable, findings: list[Finding], published: RawTable | None,
                    block=FRAMETABLE_BLOCK) -> list[Finding]:
    """Core findings on cells: published-figure findings on the Publicerat sheet, the
    rest on the Ramtabell row (subject = row id) and column (field)."""
    first = block.header_row + 1
    ram_row = {row.id: first + i for i, row in enumerate(ordered_rows(table))}
    ram_row[FRAMETABLE_SUM_ID] = first + len(table.rows)
    return locate_findings_at(ram_row, findings, published, block)


def locate_findings_at(ram_row: dict[str, int], findings: list[Finding], published: RawTable | None,
                       block=FRAMETABLE_BLOCK) -> list[Finding]:
    """``locate_findings`` with the Ramtabell row of each subject given (``ram_row``:
    row id -> sheet row; the streaming validation knows only the rows it needs). A
    finding the core located at its input (a published figure, at its Publicerat cell)
    keeps that cell."""
    out = []
    for f in findings:
        if f.sheet is not None:
            out.append(f)
            continue
        key = COLUMN_OF_FIELD.get(f.field or "")
        r = ram_row.get(f.subject or "")
        col = block.col_letter(key) if key else block.col_letter("label")
        out.append(f.at(block.sheet, f"{col}{r}" if r else None))
    return out


def committee_rows(cells) -> tuple[int, list[tuple[int, Any]]]:
    """(budget year, [(Ramtabell sheet row, FrameTableRow) of each nämnd row]): what the
    Diagram sheet shows. The streaming validation (frames_stream) leaves it in the
    package's memo, having never held the whole table; otherwise from ``computed``."""
    memo = getattr(cells, "memo", None)
    if memo is not None and "frames.committees" in memo:
        return memo["frames.committees"]
    table = computed(cells)[1]
    first = frame_place(cells).header_row + 1
    return table.year, [(first + i, row) for i, row in enumerate(table.rows) if row.parent is None]


def inactual_finding(last_found: int, last_expected: int, block=FRAMETABLE_BLOCK) -> Finding | None:
    """The frame table runs on below its sum row: rows from a larger, older table."""
    if last_found <= last_expected:
        return None
    return Finding(
        rule=f"{RULE}.inaktuell",
        severity=Severity.ERROR,
        message=f"Ramtabellen har {last_found - last_expected} rad(er) mer än indata ger; kör 'Uppdatera ramtabell'.",
        sheet=block.sheet,
        cell=f"{block.col_letter('id')}{last_expected + 1}",
    )


def validate_frames_whole(cells) -> tuple[list[Finding], int]:
    """Recompute the whole frame table from the workbook's inputs and compare every owned
    cell. Returns the findings and the number of cells checked.

    ``frames_stream.validate_frames`` validates a file in one pass over its rows and comes
    here for whatever that path does not take on (bad input, a varav row out of its
    parent's order, live Excel), which this locates at its cell."""
    src, table = computed(cells)
    block = frame_place(cells)
    require_sheet(cells, block.sheet, RULE)  # the output sheet: a clear message, not a read error
    findings = locate_findings(table, list(table.findings), src.published, block)
    expected = frametable_cells(table, block)
    sheet = block.sheet
    for oc in expected:
        f = compare_cell(cells, sheet, oc, RULE)
        if f is not None:
            findings.append(f)
    extra = inactual_finding(old_extent(cells, block), block.header_row + 1 + len(table.rows), block)
    if extra is not None:
        findings.append(extra)
    return findings, len(expected)


# --- the frame table's owned cells, for regenerate ---------------------------------


def frametable_sheet_plan(cells) -> SheetPlan:
    src, table = computed(cells)
    block = frame_place(cells)
    require_sheet(cells, block.sheet, RULE)  # the output sheet: a clear message, not a read error
    owned = frametable_cells(table, block)
    first = block.header_row + 1
    last_new = first + len(table.rows)
    last_old = old_extent(cells, block)
    clear = []
    if last_old > last_new:
        clear.append(f"{block.col_letter('id')}{last_new + 1}:{block.col_letter('frame')}{last_old}")
    levels = {first + i: ("varav" if row.parent else "namnd") for i, row in enumerate(table.rows)}
    levels[last_new] = "summa"
    varav_ids = frozenset(row.id for row in table.rows if row.parent)
    detected = f"{block.col_letter('id')}{block.header_row}:{block.col_letter('frame')}{max(last_old, block.header_row)}"
    return SheetPlan(
        sheet=block.sheet,
        cells=owned,
        clear=clear,
        findings=locate_findings(table, list(table.findings), src.published, block),
        styles=frame_styles(cells, owned, levels, varav_ids, last_old, block),
        blocks=[NamedBlock(block_names.FRAMETABLE, frametable_ref(len(table.rows), block), detected)],
    )


def frame_styles(cells, owned: list[OwnedCell], levels: dict[int, str], varav_ids: frozenset[str],
                  last_old: int, block=FRAMETABLE_BLOCK) -> dict[str, int | None]:
    """Style of each frame-table cell whose row changes level (nämnd / varav / summa) or
    is new: borrowed from a row of that level in the stored table, same column. Cells
    whose row keeps its level keep their own style (absent from the map). ``last_old``:
    the stored table's last row (``old_extent``, computed once by the caller)."""
    sheet = block.sheet
    id_col = block.col_letter("id")
    old_level: dict[int, str] = {}
    for row_num in range(block.header_row + 1, last_old + 1):
        stored = str(cells.value(sheet, f"{id_col}{row_num}") or "").strip()
        old_level[row_num] = "summa" if stored == FRAMETABLE_SUM_ID else ("varav" if stored in varav_ids else "namnd")
    changed = {row_num: lvl for row_num, lvl in levels.items() if old_level.get(row_num) != lvl}
    if not changed:
        return {}  # the usual regeneration (inputs' values changed, not the rows): nothing to restyle
    wanted = set(changed.values())
    by_level: dict[tuple[str, str], int] = {}
    cell_of = getattr(cells, "cell", None)
    if cell_of is not None:
        letters = [block.col_letter(col.key) for col in block.columns]
        for row_num, lvl in old_level.items():
            if lvl not in wanted:
                continue  # no row becomes this level: its styles are not borrowed
            for letter in letters:
                if (lvl, letter) in by_level:
                    continue  # the first row of the level with a cell in this column gives the style
                c = cell_of(sheet, f"{letter}{row_num}")
                if c is not None:
                    by_level[(lvl, letter)] = c.style
    out: dict[str, int | None] = {}
    for oc in owned:
        letter = oc.ref.rstrip("0123456789")
        new_level = changed.get(int(oc.ref[len(letter):]))
        if new_level is not None:
            out[oc.ref] = by_level.get((new_level, letter))
    return out
