"""A Python API for analysts: workbooks as pandas DataFrames.

::

    from xlmodel import analysis
    bok = analysis.open_workbook("vasterbotten_regionplan_2021.xlsm")
    bok.frame_table()      # Ramtabell: the same rows and headers the sheet and =RAMTABELL() show
    bok.restoration()      # the restoration ledger (=ATERSTALLNING() over the Balanskrav table or tblBalanskravAr)
    bok.utredning()        # the balanskravsutredning (delårsrapport) or the years' results (regionplan)
    bok.goals()            # the financial goals, per year or period
    bok.findings()         # what `xlmodel validera` reports, one row per finding
    analysis.validate_many(["a.xlsx", "b.xlsm"])   # every file's findings in one DataFrame
    analysis.overview(["a.xlsx", "b.xlsm"])        # balanskravsresultat, restoration, goals per file and year

Every figure comes from the same code as ``xlmodel validera`` and ``regenerera`` (the
rule core on the workbook's own input tables); nothing is recomputed here. Amounts are
floats in the DataFrames (pandas' number type; the core's Decimals converted once at
the end) and column names are the Swedish headers a controller sees in the workbook.
pandas is imported by this module only, never by ``xlmodel validera``.

``docs/analys.md`` has a worked example; ``xlmodel sammanstall`` writes ``overview`` to
a workbook with a chart (``xlmodel.overview_book``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from xlmodel.errors import InputError
from xlmodel.workbook.body_cells import kind_label

RESTORATION_COLUMNS = ("Underskottsår", "Underskott", "Återställt", "Avskrivet (synnerliga skäl)",
                       "Kvar att återställa", "Sista år", "Status")
FINDING_COLUMNS = ("Fil", "Arbetsbok", "Allvar", "Regel", "Blad", "Cell", "Meddelande", "Förväntat", "Funnet")
GOAL_COLUMNS = ("Mål", "Period", "Belopp", "Skatter och statsbidrag", "Andel", "Lägst", "Högst", "Status")
OVERVIEW_COLUMNS = ("Fil", "Arbetsbok", "År", "Balanskravsresultat", "Underskott kvar att återställa",
                    "Återställning", "Mål uppfyllda", "Mål totalt", "Anmärkning")
LACKS = "arbetsboken saknar "
# The column "Arbetsbok" of findings and overview: the workbook's kind as a title says it,
# "Regionplan", "Kommunplan" (a regionplan whose Organ is kommun), "Delårsrapport",
# "Resursramar"; "Okänd" for none of xlmodel's kinds. ("Typ" was taken for a row's type in
# resultatbudget and forandringar.)
UNKNOWN_KIND = "Okänd"


def _kind_title(label: str | None) -> str:
    return label[:1].upper() + label[1:] if label else UNKNOWN_KIND


def _number(x: Any) -> Any:
    return float(x) if isinstance(x, Decimal) else x


def _frame(rows: Iterable[Iterable[Any]], columns: Iterable[str]) -> pd.DataFrame:
    return pd.DataFrame([[_number(x) for x in row] for row in rows], columns=list(columns))


@dataclass
class Workbook:
    """One workbook, read once (the lossless reader, as ``validera`` reads it).

    Each method reads its part from whichever of xlmodel's parts the workbook holds
    (``xlmodel.workbook.parts``, by the part's Excel Tables), whatever its kind: the
    balanskrav of a regionplan (tblBalanskrav) or of a resursramar plan
    (tblBalanskravsresultat with tblIngaendeUnderskott), the goals where tblMal is. A
    book made by ``xlmodel ny`` has no tblMal, one ``xlmodel anslut`` gave only the
    frame table has neither resultatbudget nor balanskrav: ``goals()`` and
    ``restoration()`` are then empty and ``lacks()`` says what is missing."""

    path: Path
    cells: Any = field(repr=False)
    kind: str | None
    _computed_resursramar: Any = field(default=None, init=False, repr=False)

    # ------------------------------------------------------------------ parts

    def frame_table(self) -> pd.DataFrame:
        """The frame table as its sheet shows it: header row as the columns, one row per
        nämnd and varav row, the sum rows last. The Ramtabell of a regionplan, or the
        Resursramar table of a resursramar plan with its computed columns."""
        from xlmodel.workbook import parts

        if parts.FRAMETABLE.found_in(self.cells):
            from xlmodel.workbook.frametable import frames
            from xlmodel.workbook.frametable.values import frame_table_values

            grid = frame_table_values(frames.computed(self.cells)[1])
            return pd.DataFrame(grid[1:], columns=grid[0])
        if parts.RESURSRAMAR.found_in(self.cells):
            return self._resursramar_frames()
        raise self._absent("ramtabellen")

    def restoration(self) -> pd.DataFrame:
        """One row per deficit: the restoration ledger (KL 11 kap. 12 §) of the workbook's
        balanskrav, as its sheet shows it: a regionplan's Balanskrav table, a resursramar
        plan's, or the ledger a delårsrapport's Prognos sheet spills beside tblBalanskravAr.
        Empty when the workbook holds none of them (a book with only the frame table)."""
        ledger = self._ledger()
        if ledger is None:
            return pd.DataFrame(columns=list(RESTORATION_COLUMNS))
        return _frame(([d.origin_year, d.amount, d.restored, d.written_off, d.remaining, d.deadline, d.status]
                       for d in ledger.deficits), RESTORATION_COLUMNS)

    def utredning(self) -> pd.DataFrame:
        """A delårsrapport's balanskravsutredning (Post, Belopp: the ten lines in the law's
        order); otherwise the balanskravsresultat per year (År, Balanskravsresultat, …:
        the regionplan's Balanskrav table or the resursramar plan's tblBalanskravsresultat)."""
        from xlmodel.workbook import layout as L
        from xlmodel.workbook import parts
        from xlmodel.workbook.cells import read_table

        if parts.UTREDNING.found_in(self.cells):
            from xlmodel.rules.balanskrav import balanskravsutredning_rows
            from xlmodel.workbook.utredning.sheet import RULE, utredning_inputs

            year = self.year()
            values = utredning_inputs(read_table(self.cells, L.UTREDNING_TABLE, RULE), year)
            rows = balanskravsutredning_rows(*(values[k] for k in L.UTREDNING_KEYS), values.get(L.UTREDNING_RUR_KEY),
                                             year=year)
            return _frame(rows, ("Post", "Belopp"))
        if parts.BALANSKRAV.found_in(self.cells):
            from xlmodel.workbook.balanskrav.sheet import RULE

            spec = L.BALANSKRAV_TABLE
        elif parts.RESURSRAMAR.found_in(self.cells):
            from xlmodel.workbook.resursramar import layout as LR
            from xlmodel.workbook.resursramar.reading import RULE_RESTORATION as RULE

            spec = LR.RESULTS_TABLE
        else:
            raise self._absent("balanskravsutredningen och balanskravsresultaten")
        raw = read_table(self.cells, spec, RULE)
        return _frame(([r[c.key] for c in spec.inputs] for r in raw.typed(RULE)), [c.header for c in spec.inputs])

    def goals(self) -> pd.DataFrame:
        """Each financial goal per year (or for its period): the measure, its share of
        skatter och statsbidrag, the bounds and the status. Empty when the workbook has no
        goals table (tblMal) beside its resultatbudget."""
        return _frame(([g.goal, g.period, g.amount, g.base, g.share, g.required_min, g.required_max, g.status]
                       for g in self._goal_results()), GOAL_COLUMNS)

    def findings(self) -> pd.DataFrame:
        """What ``xlmodel validera`` reports for this file, one row per finding."""
        return validate_many([self.path])

    def lacks(self) -> list[str]:
        """What of the overview's parts the workbook does not hold, as a user reads it:
        the balanskrav and the financial goals (empty when it holds both)."""
        from xlmodel.workbook import layout as L
        from xlmodel.workbook import parts

        out = []
        if not self._has_balanskrav():
            out.append(f"balanskrav (tabellen {L.BALANSKRAV_TABLE.table})")
        if not self._has_goals():
            out.append(f"finansiella mål (tabellen {L.GOALS_TABLE.table})" if parts.RESULTATBUDGET.found_in(self.cells)
                       else f"resultatbudget med finansiella mål (tabellerna {L.RESULTBUDGET_TABLE.table}, "
                            f"{L.GOALS_TABLE.table})")
        return out

    # ------------------------------------------------------------------ helpers

    def year(self) -> int | None:
        """The workbook's year: Budgetår (regionplan) or Räkenskapsår (delårsrapport)."""
        from xlmodel.workbook import layout as L
        from xlmodel.workbook.cells import read_param

        params = {"regionplan": (L.REGIONPLAN_PARAMS, "Budgetar"),
                  "delarsrapport": (L.DELARSRAPPORT_PARAMS, "Rakenskapsar")}.get(self.kind or "")
        if params is None:
            return None
        spec = next(p for p in params[0] if p.name == params[1])
        return read_param(self.cells, spec, "analys")

    def _has_balanskrav(self) -> bool:
        from xlmodel.workbook import parts

        return any(p.found_in(self.cells) for p in (parts.BALANSKRAV, parts.RESURSRAMAR, parts.UTREDNING))

    def _has_goals(self) -> bool:
        from xlmodel.workbook import layout as L
        from xlmodel.workbook import parts

        return parts.RESULTATBUDGET.found_in(self.cells) and self.cells.table(L.GOALS_TABLE.table) is not None

    def _goal_results(self) -> list:
        """The core's GoalResult of every goal (each with the years it covers)."""
        if not self._has_goals():
            return []
        from xlmodel.rules.goals import evaluate_goal
        from xlmodel.workbook import layout as L
        from xlmodel.workbook.resultatbudget import sheet as R
        from xlmodel.workbook.cells import read_table

        years, _ = R.years_from(read_table(self.cells, L.RESULTBUDGET_TABLE, R.RULE))
        return [g for _, goal in R.goals_from(read_table(self.cells, L.GOALS_TABLE, R.RULE_GOAL))
                for g in evaluate_goal(goal, years)[0]]

    def _ledger(self):
        """The restoration ledger of whichever balanskrav part the workbook holds, or None."""
        from xlmodel.workbook import parts

        if parts.BALANSKRAV.found_in(self.cells):
            from xlmodel.rules.restoration import restoration_ledger
            from xlmodel.workbook import layout as L
            from xlmodel.workbook.balanskrav.sheet import RULE, ledger_input
            from xlmodel.workbook.cells import read_table

            raw = read_table(self.cells, L.BALANSKRAV_TABLE, RULE)
            stated = read_table(self.cells, L.STATED_DEADLINES_TABLE, RULE, optional=True)
            return restoration_ledger(ledger_input(raw, stated)[0])
        if parts.RESURSRAMAR.found_in(self.cells):
            return self._resursramar().ledger
        if parts.FOLLOWUP.found_in(self.cells):
            from xlmodel.workbook.followup import forecast

            return forecast.ledger(self.cells)
        return None

    def _resursramar(self):
        """The resursramar part computed once (frames, footnotes and restoration together)."""
        if self._computed_resursramar is None:
            from xlmodel.workbook.resursramar.cells import compute
            from xlmodel.workbook.resursramar.reading import inputs_from_cells

            self._computed_resursramar = compute(inputs_from_cells(self.cells))
        return self._computed_resursramar

    def _resursramar_frames(self) -> pd.DataFrame:
        """tblResursramar as the sheet shows it after ``regenerera``: the inputs as typed,
        the computed columns and the sum rows below from the part's computation."""
        from openpyxl.utils import get_column_letter, range_boundaries

        from xlmodel.workbook import block_names
        from xlmodel.workbook.resursramar import layout as LR

        loc = self.cells.table(LR.FRAMES_TABLE_NAME)
        comp = self._resursramar()
        computed = {c.ref: c.value for sheet, c in comp.cells if sheet == loc.sheet}
        min_col, min_row, max_col, max_row = range_boundaries(loc.ref)
        letters = [get_column_letter(c) for c in range(min_col, max_col + 1)]

        def value(ref: str) -> Any:
            v = computed[ref] if ref in computed else self.cells.value(loc.sheet, ref)
            return None if v == "" else v

        rows = [[value(f"{c}{r}") for c in letters] for r in range(min_row + 1, max_row + 1)]
        for b in comp.blocks:
            if b.name != block_names.RESURSRAMAR:
                continue
            if not b.moved:
                rows += [[value(f"{c}{r}") for c in letters] for r in b.rows]
                continue
            # moved by the user (on another sheet, or elsewhere on this one): its rows under the
            # table's columns as if it stood there, each cell from where it stands
            at = b.at
            placed = {c.ref: c.value for sheet, c in comp.cells if sheet == at.sheet}
            for r in b.rows:
                cells_at = (placed.get(at.ref(c, r - at.dr)) for c in letters)
                rows.append([None if v == "" else v for v in cells_at])
        header = [self.cells.value(loc.sheet, f"{c}{min_row}") for c in letters]
        return _frame(iter(rows), header)

    def _absent(self, what: str) -> InputError:
        have = kind_label(self.kind) or "ingen av xlmodels typer"
        return InputError(f"{self.path.name} har inte {what} ({have})")


def open_workbook(path: str | Path) -> Workbook:
    """Read a workbook (.xlsx/.xlsm) the way ``xlmodel validera`` does. A file that
    cannot be read raises WorkbookError with the reason."""
    from xlmodel.workbook.cells import PackageCells
    from xlmodel.workbook.kinds import detect

    path = Path(path)
    cells = PackageCells.open(path)
    return Workbook(path=path, cells=cells, kind=detect(cells))


def validate_many(paths: Iterable[str | Path], *, strict: bool = False) -> pd.DataFrame:
    """Every file's findings in one DataFrame (columns ``FINDING_COLUMNS``). A file that
    cannot be read gives one row with Allvar "fel" and the reason, as ``validera`` reports it."""
    from xlmodel.workbook.validate import validate_file

    rows = []
    for p in paths:
        rep = validate_file(p, strict=strict)
        kind = _kind_title(rep.label or kind_label(rep.kind))
        if rep.error:
            rows.append([str(p), kind, "fel", "läsfel", None, None, rep.error, None, None])
        for f in rep.findings:
            rows.append([str(p), kind, f.severity.value, f.rule, f.sheet, f.cell, f.message,
                         _number(f.expected), _number(f.found)])
    return pd.DataFrame(rows, columns=list(FINDING_COLUMNS))


def overview(paths: Iterable[str | Path]) -> pd.DataFrame:
    """One row per file and year: balanskravsresultat, what is left of that year's deficit
    and its status, and how many financial goals for that year are met. A regionplan or a
    resursramar plan gives the years of its balanskrav table and of its deficits (an
    opening deficit from before the plan, Västernorrland's 146 mkr from 2017, is a row of
    its own), a delårsrapport its fiscal year, a workbook without balanskrav one row with
    its year. A goal over a period ("2020–2023") counts in every year the period covers,
    with the period's status; a yearly goal in its year. "Anmärkning" says which part a
    workbook lacks (balanskrav, financial goals), so an empty column is never unexplained."""
    rows: list[list[Any]] = []
    for p in paths:
        rows += _book_rows(open_workbook(p))
    return pd.DataFrame(rows, columns=list(OVERVIEW_COLUMNS))


def _book_rows(book: Workbook) -> list[list[Any]]:
    from xlmodel.rules.goals import STATUS_MET
    from xlmodel.workbook import parts

    kind = _kind_title(kind_label(book.kind, book.cells))
    lacks = book.lacks()
    note = LACKS + " och ".join(lacks) if lacks else None
    goals = book._goal_results()
    results: dict[int, Any] = {}
    ledger = book.restoration().set_index("Underskottsår")
    if parts.UTREDNING.found_in(book.cells):
        if parts.FOLLOWUP.found_in(book.cells):
            from xlmodel.workbook.followup import forecast

            results = {y: _number(used) for y, used in forecast.balance_results(book.cells) or () if used is not None}
        results[book.year()] = book.utredning()["Belopp"].iloc[-1]
    elif book._has_balanskrav():
        years = book.utredning()
        results = dict(zip((int(y) for y in years["År"]), years["Balanskravsresultat"]))
    out = []
    for year in sorted(set(results) | {int(y) for y in ledger.index}) or [book.year()]:
        deficit = ledger.loc[year] if year in ledger.index else None
        covering = [g for g in goals if year in g.years]
        out.append([
            book.path.name, kind, year, results.get(year),
            None if deficit is None else deficit["Kvar att återställa"],
            None if deficit is None else deficit["Status"],
            sum(g.status == STATUS_MET for g in covering) if covering else None,
            len(covering) if covering else None,
            note,
        ])
    return out


__all__ = ["Workbook", "open_workbook", "overview", "validate_many"]
