"""A Python API for analysts: workbooks as pandas DataFrames.

::

    from xlmodel import analysis
    bok = analysis.open_workbook("vasterbotten_regionplan_2021.xlsm")
    bok.frame_table()      # Ramtabell: the same rows and headers the sheet and =RAMTABELL() show
    bok.restoration()      # the restoration ledger (=ATERSTALLNING() over the Balanskrav table)
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

RESTORATION_COLUMNS = ("Underskottsår", "Underskott", "Återställt", "Avskrivet (synnerliga skäl)",
                       "Kvar att återställa", "Sista år", "Status")
FINDING_COLUMNS = ("Fil", "Typ", "Allvar", "Regel", "Blad", "Cell", "Meddelande", "Förväntat", "Funnet")
OVERVIEW_COLUMNS = ("Fil", "Typ", "År", "Balanskravsresultat", "Underskott kvar att återställa",
                    "Återställning", "Mål uppfyllda", "Mål totalt")
NO_BALANSKRAV = "inga balanskravsuppgifter i arbetsboken"
KIND_NAMES = {"regionplan": "regionplan", "delarsrapport": "delårsrapport", "resursramar": "resursramar"}


def _number(x: Any) -> Any:
    return float(x) if isinstance(x, Decimal) else x


def _frame(rows: Iterable[Iterable[Any]], columns: Iterable[str]) -> pd.DataFrame:
    return pd.DataFrame([[_number(x) for x in row] for row in rows], columns=list(columns))


@dataclass
class Workbook:
    """One workbook, read once (the lossless reader, as ``validera`` reads it)."""

    path: Path
    cells: Any = field(repr=False)
    kind: str | None

    # ------------------------------------------------------------------ parts

    def frame_table(self) -> pd.DataFrame:
        """The frame table as the Ramtabell sheet shows it: header row as the columns,
        one row per nämnd and varav row, the sum row last. Regionplans only."""
        from xlmodel.workbook import frames
        from xlmodel.workbook.frame_values import frame_table_values

        self._require("regionplan", "ramtabellen")
        grid = frame_table_values(frames.computed(self.cells)[1])
        return pd.DataFrame(grid[1:], columns=grid[0])

    def restoration(self) -> pd.DataFrame:
        """One row per deficit: the ledger the Balanskrav sheet spills. Regionplans only."""
        from xlmodel.rules.restoration import restoration_ledger

        self._require("regionplan", "återställningen")
        return _frame(([d.origin_year, d.amount, d.restored, d.written_off, d.remaining, d.deadline, d.status]
                       for d in restoration_ledger(self._ledger_input()).deficits), RESTORATION_COLUMNS)

    def utredning(self) -> pd.DataFrame:
        """A delårsrapport's balanskravsutredning (Post, Belopp: the ten lines in the law's
        order); a regionplan's balanskravsresultat per year (År, Balanskravsresultat,
        synnerliga skäl, förlängt till, källa: the Balanskrav table)."""
        from xlmodel.workbook import layout as L
        from xlmodel.workbook.cells import read_table

        if self.kind == "delarsrapport":
            from xlmodel.rules.balanskrav import balanskravsutredning_rows
            from xlmodel.workbook.delarsrapport import RULE, utredning_inputs

            year = self.year()
            values = utredning_inputs(read_table(self.cells, L.UTREDNING_TABLE, RULE), year)
            rows = balanskravsutredning_rows(*(values[k] for k in L.UTREDNING_KEYS), values.get(L.UTREDNING_RUR_KEY),
                                             year=year)
            return _frame(rows, ("Post", "Belopp"))
        self._require("regionplan", "balanskravsutredningen")
        from xlmodel.workbook.balanskrav_sheet import RULE

        raw = read_table(self.cells, L.BALANSKRAV_TABLE, RULE)
        cols = L.BALANSKRAV_TABLE.inputs
        return _frame(([r[c.key] for c in cols] for r in raw.typed(RULE)), [c.header for c in cols])

    def goals(self) -> pd.DataFrame:
        """Each financial goal per year (or for its period): the measure, its share of
        skatter och statsbidrag, the bounds and the status. Regionplans only."""
        from xlmodel.rules.goals import evaluate_goal
        from xlmodel.workbook import layout as L
        from xlmodel.workbook import resultatbudget as R
        from xlmodel.workbook.cells import read_table

        self._require("regionplan", "de finansiella målen")
        years, _ = R.years_from(read_table(self.cells, L.RESULTBUDGET_TABLE, R.RULE))
        rows = []
        for _, goal in R.goals_from(read_table(self.cells, L.GOALS_TABLE, R.RULE_GOAL)):
            for g in evaluate_goal(goal, years)[0]:
                rows.append([g.goal, g.period, g.amount, g.base, g.share, g.required_min, g.required_max, g.status])
        return _frame(rows, ("Mål", "Period", "Belopp", "Skatter och statsbidrag", "Andel", "Lägst", "Högst",
                             "Status"))

    def findings(self) -> pd.DataFrame:
        """What ``xlmodel validera`` reports for this file, one row per finding."""
        return validate_many([self.path])

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

    def _ledger_input(self):
        from xlmodel.workbook import layout as L
        from xlmodel.workbook.balanskrav_sheet import RULE, ledger_input
        from xlmodel.workbook.cells import read_table

        raw = read_table(self.cells, L.BALANSKRAV_TABLE, RULE)
        stated = read_table(self.cells, L.STATED_DEADLINES_TABLE, RULE, optional=True)
        return ledger_input(raw, stated)[0]

    def _require(self, kind: str, what: str) -> None:
        if self.kind != kind:
            have = KIND_NAMES.get(self.kind or "", "ingen av xlmodels typer")
            raise InputError(f"{what} finns bara i en {KIND_NAMES[kind]}; {self.path.name} är {have}")


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
        kind = KIND_NAMES.get(rep.kind or "", rep.kind)
        if rep.error:
            rows.append([str(p), kind, "fel", "läsfel", None, None, rep.error, None, None])
        for f in rep.findings:
            rows.append([str(p), kind, f.severity.value, f.rule, f.sheet, f.cell, f.message,
                         _number(f.expected), _number(f.found)])
    return pd.DataFrame(rows, columns=list(FINDING_COLUMNS))


def overview(paths: Iterable[str | Path]) -> pd.DataFrame:
    """One row per file and year: balanskravsresultat, what is left of that year's deficit
    and its status, and how many financial goals for that year are met. A regionplan
    gives its years (the Balanskrav table), a delårsrapport its fiscal year."""
    rows: list[list[Any]] = []
    for p in paths:
        book = open_workbook(p)
        kind = KIND_NAMES.get(book.kind or "", "okänd")
        if book.kind == "delarsrapport":
            result = book.utredning()["Belopp"].iloc[-1]
            rows.append([book.path.name, kind, book.year(), result, None, None, None, None])
        elif book.kind == "regionplan":
            rows += _regionplan_rows(book, kind)
        else:  # a resursramar book (or another): listed, not dropped, but it has no balanskrav
            rows.append([book.path.name, kind, book.year(), None, None, NO_BALANSKRAV, None, None])
    return pd.DataFrame(rows, columns=list(OVERVIEW_COLUMNS))


def _regionplan_rows(book: Workbook, kind: str) -> list[list[Any]]:
    results = book.utredning()
    ledger = book.restoration().set_index("Underskottsår")
    goals = book.goals()
    out = []
    for year, result in zip(results["År"], results["Balanskravsresultat"]):
        deficit = ledger.loc[year] if year in ledger.index else None
        year_goals = goals[goals["Period"] == str(year)]
        out.append([
            book.path.name, kind, int(year), result,
            None if deficit is None else deficit["Kvar att återställa"],
            None if deficit is None else deficit["Status"],
            int((year_goals["Status"] == "uppfyllt").sum()) if len(year_goals) else None,
            len(year_goals) if len(year_goals) else None,
        ])
    return out


__all__ = ["Workbook", "open_workbook", "overview", "validate_many"]
