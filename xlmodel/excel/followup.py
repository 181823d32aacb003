"""The follow-up functions for Excel as plain Python, below the shells: budget to date,
avvikelse with its share, kostnadsutveckling and share achieved of an omställning plan.
``udfs.followup`` gives these very functions to xlwings with their argument help.

Thin wrappers over ``xlmodel.rules.followup`` with the conventions of
``xlmodel.excel.functions`` (arguments parsed by ``xlmodel.excel.arguments``, a bad argument gives one
Swedish line "#XLMODEL: argument '…': …", nothing rounded). Amounts in mkr signed as
the report prints them: net costs negative, so a negative avvikelse is an overrun.
"""

from __future__ import annotations

from xlmodel.errors import InputError

from xlmodel.excel import arguments as c

RULE = "uppfoljning"

__all__ = ["AVVIKELSE", "ANDEL_UPPNADD", "BUDGET_PERIOD", "KOSTNADSUTVECKLING"]


@c.excel_safe
def BUDGET_PERIOD(arsbudget, manader, profilandel=None):
    """Budget t.o.m. perioden: årsbudget × månader / 12, eller × den egna profilens andel t.o.m. perioden om den anges (delårsrapportens plan t.o.m. augusti: 175 × 8/12 = 117)."""
    from xlmodel.rules.followup import budget_to_date

    annual = c.amount(arsbudget, "arsbudget", RULE)
    months = c.whole_number(manader, "manader", RULE, minimum=1)
    if months > 12:
        raise InputError(f"{months} månader: ange 1-12", rule=RULE, argument="manader")
    return c.to_excel(budget_to_date(annual, months, share=c.optional_rate(profilandel, "profilandel", RULE)))


@c.excel_safe
def AVVIKELSE(utfall, budget):
    """Avvikelse mot budget i mkr och som andel av budgeten, två celler i en rad (spiller åt höger): utfall − budget och avvikelsen / budgetens belopp. Negativt = underskott."""
    from xlmodel.rules.followup import deviation, deviation_share

    u = c.amount(utfall, "utfall", RULE)
    b = c.amount(budget, "budget", RULE)
    avv = deviation(u, b)
    share = deviation_share(avv, b)
    return c.table([[avv, "" if share is None else share]])


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


@c.excel_safe
def ANDEL_UPPNADD(effekt, plan):
    """Andel uppnådd av omställningsplanen t.o.m. perioden: effekt / plan (delårsrapporten: 94 / 117 = 80 %)."""
    from xlmodel.rules.followup import share_achieved

    share = share_achieved(c.amount(effekt, "effekt", RULE), c.amount(plan, "plan", RULE))
    if share is None:
        raise InputError("planen t.o.m. perioden är 0: ingen andel att räkna", rule="omstallning_uppfoljning",
                         argument="plan")
    return c.to_excel(share)
