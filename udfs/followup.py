"""The follow-up functions for Excel (xlwings UDFs): budget to date, avvikelse with its
share, kostnadsutveckling and share achieved of an omställning plan.

Thin wrappers over ``xlmodel.rules.followup`` with the conventions of
``udfs.functions`` (arguments parsed by ``udfs._convert``, a bad argument gives one
Swedish line "#XLMODEL: argument '…': …", nothing rounded). Amounts in mkr signed as
the report prints them: net costs negative, so a negative avvikelse is an overrun.
"""

from __future__ import annotations

from xlmodel.errors import InputError

from udfs import _convert as c
from udfs import _xw as xw

CATEGORY = "Budgetregler (xlmodel)"
RULE = "uppfoljning"

__all__ = ["AVVIKELSE", "ANDEL_UPPNADD", "BUDGET_PERIOD", "KOSTNADSUTVECKLING"]


@xw.func(category=CATEGORY)
@xw.arg("arsbudget", err_to_str=True, doc="Årets budget (ram) för nämnden, mkr; nettokostnad negativ.")
@xw.arg("manader", err_to_str=True, doc="Antal månader t.o.m. perioden, 1-12 (8 för januari-augusti).")
@xw.arg("profilandel", err_to_str=True, doc="Valfri: den egna månadsprofilens andel av året t.o.m. perioden, t.ex. 0,65. Tomt = linjärt (månader / 12).")
@c.excel_safe
def BUDGET_PERIOD(arsbudget, manader, profilandel=None):
    """Budget t.o.m. perioden: årsbudget × månader / 12, eller × den egna profilens andel t.o.m. perioden om den anges (delårsrapportens plan t.o.m. augusti: 175 × 8/12 = 117)."""
    from xlmodel.rules.followup import budget_to_date

    annual = c.amount(arsbudget, "arsbudget", RULE)
    months = c.whole_number(manader, "manader", RULE, minimum=1)
    if months > 12:
        raise InputError(f"{months} månader: ange 1-12", rule=RULE, argument="manader")
    return c.to_excel(budget_to_date(annual, months, share=c.optional_rate(profilandel, "profilandel", RULE)))


@xw.func(category=CATEGORY)
@xw.arg("utfall", err_to_str=True, doc="Utfall t.o.m. perioden, mkr; nettokostnad negativ.")
@xw.arg("budget", err_to_str=True, doc="Budget t.o.m. perioden, mkr, med samma tecken som utfallet.")
@c.excel_safe
def AVVIKELSE(utfall, budget):
    """Avvikelse mot budget i mkr och som andel av budgeten, två celler i en rad (spiller åt höger): utfall − budget och avvikelsen / budgetens belopp. Negativt = underskott."""
    from xlmodel.rules.followup import deviation, deviation_share

    u = c.amount(utfall, "utfall", RULE)
    b = c.amount(budget, "budget", RULE)
    avv = deviation(u, b)
    share = deviation_share(avv, b)
    return c.table([[avv, "" if share is None else share]])


@xw.func(category=CATEGORY)
@xw.arg("utfall", err_to_str=True, doc="Utfall t.o.m. perioden i år, mkr.")
@xw.arg("utfall_foregaende", err_to_str=True, doc="Utfall samma period föregående år, mkr, med samma tecken.")
@c.excel_safe
def KOSTNADSUTVECKLING(utfall, utfall_foregaende):
    """Kostnadsutveckling mot samma period föregående år: utfall / utfall föregående år − 1, som andel (Regionstyrelsen 2 008 / 1 901 − 1 = 5,6 %)."""
    from xlmodel.rules.followup import cost_development

    u = c.amount(utfall, "utfall", RULE)
    p = c.amount(utfall_foregaende, "utfall_foregaende", RULE)
    growth = cost_development(u, p)
    if growth is None:
        raise InputError("utfallen har olika tecken eller är 0: ingen utveckling att räkna", rule=RULE,
                         argument="utfall_foregaende")
    return c.to_excel(growth)


@xw.func(category=CATEGORY)
@xw.arg("effekt", err_to_str=True, doc="Uppnådd effekt av omställningen t.o.m. perioden, mkr.")
@xw.arg("plan", err_to_str=True, doc="Planerad effekt t.o.m. perioden, mkr (t.ex. BUDGET_PERIOD av årsplanen).")
@c.excel_safe
def ANDEL_UPPNADD(effekt, plan):
    """Andel uppnådd av omställningsplanen t.o.m. perioden: effekt / plan (delårsrapporten: 94 / 117 = 80 %)."""
    from xlmodel.rules.followup import share_achieved

    share = share_achieved(c.amount(effekt, "effekt", RULE), c.amount(plan, "plan", RULE))
    if share is None:
        raise InputError("planen t.o.m. perioden är 0: ingen andel att räkna", rule="omstallning_uppfoljning",
                         argument="plan")
    return c.to_excel(share)
