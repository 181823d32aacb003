"""The frame table validated in one pass (``frametable.stream``) reports exactly what the
whole-table validation reports: same findings in the same order, same cell count -
on the shipped workbook, on generated plans, and on copies damaged in the ways a
controller damages them. And it is really used (not silently the fallback) where it
should be, and really not used where it must not be."""

from __future__ import annotations

import shutil
from decimal import Decimal as D
from pathlib import Path

import pytest
from hypothesis import given, settings

from bench.generate import Size, large_regionplan
from xlmodel.errors import InputError
from xlmodel.rules.frametable import (
    FrameTableInput,
    FrameTotals,
    aggregate_changes,
    compute_frame_block,
    compute_frame_table,
    id_key,
)
from xlmodel.workbook.frametable import stream as frames_stream
from xlmodel.workbook.cells import PackageCells
from xlmodel.workbook.validate import validate_cells
from xlmodel.workbook.regenerate import regenerate_file
from xlmodel.xlsx.atomic import save_package
from xlmodel.xlsx.package import Package
from xlmodel.xlsx.patch import CellWrite, patch_sheet

from tests.test_frametable import frame_inputs

ROOT = Path(__file__).resolve().parents[1]
VB = ROOT / "workbooks" / "vasterbotten_regionplan_2021.xlsm"


def _both(path: Path, monkeypatch) -> tuple[tuple, tuple, PackageCells]:
    """(streamed result, whole-table result, the PackageCells the streamed run used)."""
    cells = PackageCells.open(path)
    streamed = validate_cells(cells)
    with monkeypatch.context() as m:
        m.setattr(frames_stream, "validate_frames_streaming", lambda _cells: None)
        whole = validate_cells(PackageCells.open(path))
    return streamed, whole, cells


def _assert_same(path: Path, monkeypatch, *, streamed_used: bool) -> tuple:
    streamed, whole, cells = _both(path, monkeypatch)
    assert streamed == whole
    assert ("frames.committees" in cells.memo) is streamed_used
    if streamed_used:  # and the whole table was never computed
        assert "frames.computed" not in cells.memo
    return streamed


def _patch(path: Path, sheet: str, writes: list[CellWrite]) -> None:
    pkg = Package.open(path)
    save_package(patch_sheet(pkg, sheet, writes), path, expect_sha256=pkg.sha256, backup=False)


@pytest.fixture(scope="module")
def plan(tmp_path_factory) -> Path:
    return large_regionplan(tmp_path_factory.mktemp("plan"), Size(committees=6, cost_centres=120, years=4))


def test_shipped_regionplan_same_findings(monkeypatch):
    kind, findings, checked = _assert_same(VB, monkeypatch, streamed_used=True)
    assert kind == "regionplan" and checked > 200
    # its published-figure warnings are located on the Publicerat sheet, as before
    assert any(f.sheet == "Publicerat" for f in findings)


def test_generated_plan_same_findings(plan, monkeypatch):
    _kind, findings, checked = _assert_same(plan, monkeypatch, streamed_used=True)
    assert checked > 120 * 7


def _copy(src: Path, tmp_path: Path, name: str) -> Path:
    out = tmp_path / name
    shutil.copy2(src, out)
    return out


def test_hand_typed_cells_and_stale_inputs(plan, tmp_path, monkeypatch):
    path = _copy(plan, tmp_path, "stale.xlsx")
    pkg = Package.open(path)
    sheet, ref = PackageCells(pkg).defined_name("Standardindex")
    _patch(path, sheet, [CellWrite(ref=ref, value=D("0.045"))])      # every index cell now stale
    _patch(path, "Ramtabell", [CellWrite("C7", D("1")), CellWrite("B9", "handskriven"),
                               CellWrite("H12", D("5"))])              # a value over a formula
    kind, findings, _n = _assert_same(path, monkeypatch, streamed_used=True)
    cells = {(f.sheet, f.cell) for f in findings}
    assert ("Ramtabell", "C7") in cells and ("Ramtabell", "B9") in cells and ("Ramtabell", "H12") in cells
    assert sum(1 for f in findings if f.sheet == "Ramtabell") > 100


def test_transfers_not_netting_and_published_and_nettoram(tmp_path, monkeypatch):
    path = _copy(VB, tmp_path, "netto.xlsm")
    _patch(path, "Förändringar", [CellWrite("E18", D("20"))])
    regenerate_file(path, backup=False)
    _patch(path, "Ramtabell", [CellWrite("G14", D("120"))])
    _kind, findings, _n = _assert_same(path, monkeypatch, streamed_used=True)
    rules = {(f.rule, f.cell) for f in findings}
    assert ("ramtabell.omfordelning_netto", "E20") in rules and ("ramtabell.nettoram", "H20") in rules


def test_rows_below_the_sum_row_are_reported(tmp_path, monkeypatch):
    path = _copy(VB, tmp_path, "lang.xlsm")
    _patch(path, "Ramtabell", [CellWrite("A21", "GAMMAL"), CellWrite("A22", "GAMMAL2")])
    _patch(path, "Ramtabell", [CellWrite("A20", "X")])  # the sum row's id overwritten: table runs on
    _kind, findings, _n = _assert_same(path, monkeypatch, streamed_used=True)
    assert any(f.rule == "ramtabell.inaktuell" for f in findings)


def test_missing_frametable_rows(plan, tmp_path, monkeypatch):
    path = _copy(plan, tmp_path, "kort.xlsx")
    _patch(path, "Ramtabell", [CellWrite(f"{c}{r}", None) for r in (30, 31) for c in "BCDEFGHI"])
    _assert_same(path, monkeypatch, streamed_used=True)


@pytest.mark.parametrize("writes, why", [
    ([CellWrite("D7", "tretton")], "text in an amount cell"),
    ([CellWrite("A8", "HSN")], "an id used twice"),
    ([CellWrite("C9", "FINNS_INTE")], "a parent that does not exist"),
])
def test_bad_input_falls_back_to_the_located_error(tmp_path, monkeypatch, writes, why):
    path = _copy(VB, tmp_path, "fel.xlsm")
    _patch(path, "Ramar", writes)
    cells = PackageCells.open(path)
    assert frames_stream.validate_frames_streaming(cells) is None, why
    _assert_same(path, monkeypatch, streamed_used=False)


def test_varav_row_under_another_namnd_falls_back(tmp_path, monkeypatch):
    """A varav row whose parent stands in another block: the whole table is computed."""
    path = _copy(VB, tmp_path, "flyttad.xlsm")
    pkg = PackageCells.open(path)
    ids = [pkg.value("Ramar", f"A{r}") for r in range(5, 20)]
    parents = [pkg.value("Ramar", f"C{r}") for r in range(5, 20)]
    top = [i for i, p in zip(ids, parents) if i and not p]
    varav = [r for r, (i, p) in zip(range(5, 20), zip(ids, parents)) if i and p]
    assert len(top) >= 2 and varav
    row = varav[-1]
    other = next(t for t in top if t != parents[row - 5])
    _patch(path, "Ramar", [CellWrite(f"C{row}", other)])
    assert frames_stream.validate_frames_streaming(PackageCells.open(path)) is None
    _assert_same(path, monkeypatch, streamed_used=False)


def test_not_used_for_a_source_without_a_package():
    class Live:  # what the xlwings CellSource looks like to the workbook layer: no package
        memo = None

    assert frames_stream.validate_frames_streaming(Live()) is None


# ----------------------------------------------------------------- the core, in blocks

def _blocks_of(inp: FrameTableInput):
    """Split the rows into blocks at each top-level row (the order a sheet lists them)."""
    blocks, cur = [], []
    for r in inp.rows:
        if r.parent is None and cur:
            blocks.append(cur)
            cur = []
        cur.append(r)
    if cur:
        blocks.append(cur)
    return blocks


@settings(max_examples=150, deadline=None)
@given(inp=frame_inputs())
def test_blocks_sum_to_the_whole_table(inp):
    """Any tree whose varav rows follow their nämnd: computing nämnd by nämnd and adding
    up gives the whole table's rows, sum row and findings, to the last digit."""
    whole = compute_frame_table(inp)
    blocks = _blocks_of(inp)
    ids_in = [{r.id for r in b} for b in blocks]
    if any(r.parent is not None and r.parent not in ids for b, ids in zip(blocks, ids_in) for r in b):
        with pytest.raises(InputError):  # a parent in another block: the block cannot be computed
            for b in blocks:
                compute_frame_block(b, {}, default_index_rate=inp.default_index_rate)
        return
    own = aggregate_changes(inp.changes, {r.id for r in inp.rows})
    # keyed by id_key (aggregate_changes): a block takes the changes of its rows
    totals = FrameTotals(inp)
    rows = []
    for b, ids in zip(blocks, ids_in):
        block = compute_frame_block(b, {k: v for k, v in own.items() if k in {id_key(i) for i in ids}},
                                    default_index_rate=inp.default_index_rate)
        totals.add(block)
        rows += block.rows
    total, findings, residual = totals.finish()
    assert rows == whole.rows
    assert total == whole.total
    assert findings == whole.findings
    assert residual == whole.index_residual


def test_blocks_with_published_and_announced_index():
    """The seed-000 shaped table in two blocks: the published and index checks agree."""
    from xlmodel.rules.frametable import PublishedRow
    from tests.test_frametable import change, small_table

    inp = small_table(
        changes=small_table().changes + [change("c6", "omfordelning", "B", 1)],   # nets to +1
        published=[PublishedRow(id="A", frame=D("1300"), omstallning=D("-5"), omfordelning=D("-7"),
                                utokad=D("13"), index=D("13")),
                   PublishedRow(id="A11", frame=D("999")),
                   PublishedRow(id="B", index=D("7")),
                   PublishedRow(id="SUMMA", frame=D("1")), ],
        announced_index_total=D("25"),
        nettoram=D("1700"),
    )
    rules = {f.rule for f in compute_frame_table(inp).findings}
    assert {"ramtabell.publicerad", "ramtabell.radidentitet", "ramtabell.omfordelning_netto",
            "ramtabell.nettoram", "upprakning.residual"} <= rules  # the case has findings to agree on
    own = aggregate_changes(inp.changes, {r.id for r in inp.rows})
    totals = FrameTotals(inp)
    for b in _blocks_of(inp):
        ids = {r.id for r in b}
        totals.add(compute_frame_block(b, {k: v for k, v in own.items() if k in {id_key(i) for i in ids}},
                                       default_index_rate=inp.default_index_rate))
    whole = compute_frame_table(inp)
    total, findings, residual = totals.finish()
    assert (total, findings, residual) == (whole.total, whole.findings, whole.index_residual)


def _depth_first_compatible(rows) -> bool:
    """Each row's parent is the row before it or one of that row's parents."""
    parent = {r.id: r.parent for r in rows}
    for prev, r in zip(rows, rows[1:]):
        if r.parent is None:
            continue
        chain, p = set(), prev.id
        while p is not None:
            chain.add(p)
            p = parent[p]
        if r.parent not in chain:
            return False
    return not rows or rows[0].parent is None


@settings(max_examples=200, deadline=None)
@given(inp=frame_inputs())
def test_one_pass_fold_equals_the_whole_table(inp):
    """The one-pass fold (what validate uses) gives every row, the sum row and every
    finding of the whole table - or refuses, exactly when the order is not depth first."""
    from xlmodel.rules.frametable import OutOfOrder, fold_frame_rows

    whole = compute_frame_table(inp)
    own = aggregate_changes(inp.changes, {r.id for r in inp.rows})
    totals = FrameTotals(inp)
    got = {}
    try:
        for i, row, found in fold_frame_rows(inp.rows, own, default_index_rate=inp.default_index_rate):
            totals.add_row(row, found)
            got[i] = row
    except OutOfOrder:
        assert not _depth_first_compatible(inp.rows)
        return
    assert _depth_first_compatible(inp.rows)
    assert own == {}  # every change was taken by its row
    assert [got[i] for i in range(len(inp.rows))] == whole.rows
    total, findings, residual = totals.finish()
    assert (total, findings, residual) == (whole.total, whole.findings, whole.index_residual)


def test_deeper_varav_rows_in_a_workbook(tmp_path, monkeypatch):
    """Varav rows under varav rows (depth 3) and back up again, in a real workbook: the
    one-pass path is used and agrees with the whole table; an order it cannot take
    (a varav row after its parent's chain closed) falls back and agrees too."""
    path = _copy(VB, tmp_path, "djup.xlsm")
    # RS (9): primärvård (10) > tandvård (11) > pension (12); avskrivningar (13) back under RS
    _patch(path, "Ramar", [CellWrite("C11", "RS_primarvard"), CellWrite("C12", "RS_tandvard")])
    _kind, findings, _n = _assert_same(path, monkeypatch, streamed_used=True)
    assert any(f.rule == "ramtabell.varav_overstiger" for f in findings)  # pension 1 008 under tandvård 169,2
    path2 = _copy(VB, tmp_path, "oordning.xlsm")
    # avskrivningar (13) under primärvård (10), after pension (12) closed primärvård's chain
    _patch(path2, "Ramar", [CellWrite("C13", "RS_primarvard")])
    assert frames_stream.validate_frames_streaming(PackageCells.open(path2)) is None
    _assert_same(path2, monkeypatch, streamed_used=False)
