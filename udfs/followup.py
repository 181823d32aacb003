"""The follow-up functions as xlwings sees them: each function of
``xlmodel.excel.followup`` with xlwings' decorators (see ``udfs.functions`` for why each
is a fresh function wrapping the implementation)."""

from __future__ import annotations

from xlmodel.excel import followup as F

from udfs import _xw as xw
from udfs.functions import CATEGORY, _udf

__all__ = ["AVVIKELSE", "ANDEL_UPPNADD", "BUDGET_PERIOD", "KOSTNADSUTVECKLING"]


BUDGET_PERIOD = _udf(
    F.BUDGET_PERIOD,
    xw.func(category=CATEGORY),
    xw.arg("arsbudget", err_to_str=True, doc="Årets budget (ram) för nämnden, mkr; nettokostnad negativ."),
    xw.arg("manader", err_to_str=True, doc="Antal månader t.o.m. perioden, 1-12 (8 för januari-augusti)."),
    xw.arg("profilandel", err_to_str=True, doc="Valfri: den egna månadsprofilens andel av året t.o.m. perioden, t.ex. 0,65. Tomt = linjärt (månader / 12)."),
)


AVVIKELSE = _udf(
    F.AVVIKELSE,
    xw.func(category=CATEGORY),
    xw.arg("utfall", err_to_str=True, doc="Utfall t.o.m. perioden, mkr; nettokostnad negativ."),
    xw.arg("budget", err_to_str=True, doc="Budget t.o.m. perioden, mkr, med samma tecken som utfallet."),
)


KOSTNADSUTVECKLING = _udf(
    F.KOSTNADSUTVECKLING,
    xw.func(category=CATEGORY),
    xw.arg("utfall", err_to_str=True, doc="Utfall t.o.m. perioden i år, mkr."),
    xw.arg("utfall_foregaende", err_to_str=True, doc="Utfall samma period föregående år, mkr, med samma tecken."),
)


ANDEL_UPPNADD = _udf(
    F.ANDEL_UPPNADD,
    xw.func(category=CATEGORY),
    xw.arg("effekt", err_to_str=True, doc="Uppnådd effekt av omställningen t.o.m. perioden, mkr."),
    xw.arg("plan", err_to_str=True, doc="Planerad effekt t.o.m. perioden, mkr (t.ex. BUDGET_PERIOD av årsplanen)."),
)
