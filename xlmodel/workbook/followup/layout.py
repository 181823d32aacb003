"""Layout of the follow-up part (uppföljning) of a delårsrapport workbook.

The one place for the part's sheets; shared conventions (title row 1, header row 4,
``Col``/``InputTable``/``Param``) come from ``xlmodel.workbook.layout``.

Sheets:
- **Uppföljning**: the period and how the budget to date is derived (parameters), the
  print precision of the report the inputs come from, the summary lines (verksamhetens
  nettokostnader … totalt) computed from the driftredovisning, and ``tblResultatrakning``
  (the resultaträkning of the same period) with the reconciliation beside each line;
- **Driftredovisning**: ``tblDrift``, one row per nämnd (and varav rows, and the rows of
  skatteintäkter, statsbidrag and finansiella poster), inputs then computed columns;
- **Omställning**: ``tblOmstallningUppf``, the year's plan and the effect to date per
  verksamhet and measure, computed columns, and the total at a fixed place to the right;
- **Prognos**: ``tblPrognos``, the year's resultatbudget lines as budgeted and as
  forecast, the year's resultat from them (flowing into the balanskravsutredning's
  årets resultat as a formula), and ``tblBalanskravAr``: balanskravsresultat per year as
  budget, prognos and utfall, the one the ledger uses, and the restoration ledger
  (=ATERSTALLNING()) over them; the current year's prognos is the utredning's result;
- **Tryckt uppföljning**: the figures the printed report gives, for reconciliation;
- **Diagram uppföljning**: avvikelse per nämnd (a block of formulas and a bar chart).
"""

from __future__ import annotations

from xlmodel.workbook.layout import Col, InputTable, Param, SheetLayout

SHEET_SUMMARY = "Uppföljning"
SHEET_DRIFT = "Driftredovisning"
SHEET_OMST = "Omställning"
SHEET_FORECAST = "Prognos"
SHEET_PRINTED = "Tryckt uppföljning"
SHEET_CHART = "Diagram uppföljning"
SHEETS = (SHEET_SUMMARY, SHEET_DRIFT, SHEET_OMST, SHEET_FORECAST, SHEET_PRINTED, SHEET_CHART)

# --- parameters (Uppföljning) ------------------------------------------------------

P_MONTHS = Param("Manader", SHEET_SUMMARY, "M5", "Period: antal månader t.o.m.", "int",
                 help="8 för januari–augusti (andra tertialet), 12 för helåret.")
P_METHOD = Param("Periodisering", SHEET_SUMMARY, "M6", "Budget t.o.m. perioden", "text",
                 help="'egen periodisering': nämndens periodiserade budget (kolumnen i tblDrift); "
                      "'linjär': årsbudget × månader / 12; 'profil': årsbudget × andelen nedan.")
P_SHARE = Param("Profilandel", SHEET_SUMMARY, "M7", "Andel av årsbudgeten t.o.m. perioden (profil)", "rate",
                required=False, help="Bara för 'profil': den egna månadsprofilens ackumulerade andel.")
P_PLACES = Param("TryckdecimalerBelopp", SHEET_SUMMARY, "M8", "Decimaler i den tryckta rapportens belopp", "int",
                 required=False, help="0 när indata är rapportens belopp i hela mkr; tomt när indata är exakta.")
P_PCT_DRIFT = Param("TryckdecimalerProcentDrift", SHEET_SUMMARY, "M9", "Decimaler i tryckt procent, driftredovisning",
                    "int", required=False)
P_PCT_OMST = Param("TryckdecimalerProcentOmstallning", SHEET_SUMMARY, "M10",
                   "Decimaler i tryckt procent, omställning", "int", required=False)
P_TOLERANCE = Param("Avstamningstolerans", SHEET_SUMMARY, "M11", "Tolerans mot resultaträkningen, mkr", "amount",
                    help="Största tillåtna skillnad per rad mellan driftredovisning och resultaträkning.")
PARAMS = (P_MONTHS, P_METHOD, P_SHARE, P_PLACES, P_PCT_DRIFT, P_PCT_OMST, P_TOLERANCE)

METHODS_SV = {"egen periodisering": "periodiserad", "periodiserad": "periodiserad", "linjar": "linjar",
              "linjär": "linjar", "profil": "profil", "egen profil": "profil"}
METHOD_LABEL = {"periodiserad": "egen periodisering", "linjar": "linjär", "profil": "profil"}

# --- summary block (Uppföljning, fixed position) --------------------------------------

SUMMARY_HEADER_ROW = 13
SUMMARY_COLUMNS = (  # (key, header, style)
    ("label", "Post", "label"),
    ("utfall", "Utfall t.o.m. perioden", "amount"),
    ("utfall_foregaende", "Utfall samma period fg år", "amount"),
    ("kostnadsutveckling", "Kostnadsutveckling", "pct1"),
    ("budget_period", "Budget t.o.m. perioden", "amount"),
    ("avvikelse", "Avvikelse", "amount_bold"),
    ("avvikelse_andel", "Avvikelse, andel", "pct1"),
    ("budget_ar", "Budget helår", "amount"),
    ("prognos_ar", "Prognos helår", "amount"),
    ("prognosavvikelse", "Prognosavvikelse", "amount_bold"),
)


def summary_letter(key: str) -> str:
    from xlmodel.xlsx.refs import get_column_letter

    return get_column_letter(1 + [k for k, _, _ in SUMMARY_COLUMNS].index(key))


# --- Driftredovisning ---------------------------------------------------------------

KINDS_SV = {"nämnd": "namnd", "namnd": "namnd", "varav": "varav", "skatteintäkter": "skatteintakter",
            "skatteintakter": "skatteintakter", "statsbidrag": "statsbidrag",
            "generella statsbidrag": "statsbidrag", "finansiella intäkter": "finansiella_intakter",
            "finansiella intakter": "finansiella_intakter", "finansiella kostnader": "finansiella_kostnader"}

DRIFT_TABLE = InputTable(
    sheet=SHEET_DRIFT,
    table="tblDrift",
    title="Driftredovisning per nämnd, mkr (utfall, budget och avvikelse t.o.m. perioden)",
    columns=(
        Col("id", "Id", "text", width=12, help="Unik nyckel för raden, t.ex. RS eller HSN_intakter."),
        Col("label", "Post", "text", width=36),
        Col("kind", "Typ", "text", width=14,
            help="nämnd, varav, skatteintäkter, statsbidrag, finansiella intäkter eller finansiella kostnader."),
        Col("parent", "Förälder", "text", required=False, width=10, help="För en varav-rad: nämndens Id."),
        Col("utfall", "Utfall t.o.m. perioden", "amount", required=False, width=18, help="Nettokostnader negativa."),
        Col("utfall_foregaende", "Utfall samma period fg år", "amount", required=False, width=18),
        Col("budget_ar", "Budget helår", "amount", required=False),
        Col("budget_periodiserad", "Budget t.o.m. perioden (egen periodisering)", "amount", required=False, width=22,
            help="Nämndens egen periodiserade budget; används när Periodisering = 'egen periodisering'."),
        Col("prognos_ar", "Prognos helår", "amount", required=False),
        Col("avvikelse_angiven", "Avvikelse (angiven)", "amount", required=False, width=16,
            help="För en varav-rad som bara redovisar sin avvikelse (t.ex. intäkter +14, kostnader −155)."),
        Col("budget_period", "Budget t.o.m. perioden", "amount", computed=True, style="amount", width=20),
        Col("avvikelse", "Avvikelse", "amount", computed=True, style="amount_bold"),
        Col("avvikelse_andel", "Avvikelse, andel", "rate", computed=True, style="pct1", width=16),
        Col("kostnadsutveckling", "Kostnadsutveckling", "rate", computed=True, style="pct1", width=18),
        Col("prognosavvikelse", "Prognosavvikelse", "amount", computed=True, style="amount_bold", width=16),
    ),
)

RESULTATRAKNING_TABLE = InputTable(
    sheet=SHEET_SUMMARY,
    table="tblResultatrakning",
    top_left="A25",
    columns=(
        Col("id", "Rad", "text", width=30,
            help="verksamhetens_nettokostnader, skatteintakter, statsbidrag, finansiella_intakter, "
                 "finansiella_kostnader, finansnetto, verksamhetens_resultat eller totalt."),
        Col("label", "Post i resultaträkningen", "text", width=36),
        Col("amount", "Belopp t.o.m. perioden", "amount"),
        Col("drift", "Enligt driftredovisningen", "amount", computed=True, style="amount"),
        Col("difference", "Skillnad", "amount", computed=True, style="amount_bold"),
    ),
)

# --- Omställning ---------------------------------------------------------------------

OMST_TABLE = InputTable(
    sheet=SHEET_OMST,
    table="tblOmstallningUppf",
    title="Omställning till hållbar ekonomi: plan och effekt t.o.m. perioden, mkr",
    columns=(
        Col("id", "Id", "text", width=14),
        Col("label", "Verksamhet eller åtgärd", "text", width=48),
        Col("planned_by", "Planerad av", "text", width=12, help="Nämnden eller förvaltningen vars plan åtgärden hör till."),
        Col("booked_in", "Effekt bokförd i", "text", required=False, width=16,
            help="Tomt = i den egna verksamheten. Annars där effekten syns: den räknas då inte i summan."),
        Col("parent", "Förälder", "text", required=False, width=10, help="För en åtgärd inom en verksamhets rad."),
        Col("plan_ar", "Årsplan", "amount", required=False),
        Col("plan_period_angiven", "Plan t.o.m. perioden (angiven)", "amount", required=False,
            help="Tomt = årsplan × månader / 12."),
        Col("effekt", "Effekt t.o.m. perioden", "amount", required=False),
        Col("plan_period", "Plan t.o.m. perioden", "amount", computed=True, style="amount"),
        Col("andel", "Andel uppnådd", "rate", computed=True, style="pct1"),
        Col("kvar", "Kvar av årsplanen", "amount", computed=True, style="amount"),
        Col("counted", "I summan", "text", computed=True, style="text"),
    ),
)
COUNTED_SV = {"summa": "ja", "varav": "varav (ingår i sin rad)",
              "annan_verksamhet": "nej: effekt i annan verksamhet"}
# The total, at a fixed place to the right of the table.
OMST_TOTAL_COL = 14          # column N
OMST_TOTAL_HEADER_ROW = 4
OMST_TOTAL_COLUMNS = (("label", "Summa", "label"), ("plan_ar", "Årsplan", "amount"),
                      ("plan_period", "Plan t.o.m. perioden", "amount"), ("effekt", "Effekt t.o.m. perioden", "amount"),
                      ("andel", "Andel uppnådd", "pct1"), ("kvar", "Kvar av årsplanen", "amount"))


def omst_total_letter(key: str) -> str:
    from xlmodel.xlsx.refs import get_column_letter

    return get_column_letter(OMST_TOTAL_COL + [k for k, _, _ in OMST_TOTAL_COLUMNS].index(key))


# --- Tryckt uppföljning ------------------------------------------------------------------

PRINTED_DRIFT_TABLE = InputTable(
    sheet=SHEET_PRINTED,
    table="tblDriftTryckt",
    title="Den tryckta rapportens siffror (för avstämning; ändra inte när du följer upp en ny period)",
    columns=(
        Col("id", "Id", "text", width=28, help="Id i tblDrift eller en summarad (verksamhetens_nettokostnader …)."),
        Col("utfall", "Utfall t.o.m. perioden", "amount", required=False),
        Col("utfall_foregaende", "Utfall samma period fg år", "amount", required=False),
        Col("kostnadsutveckling", "Kostnadsutveckling", "rate", required=False),
        Col("avvikelse", "Avvikelse", "amount", required=False),
        Col("budget_period", "Budget t.o.m. perioden", "amount", required=False),
    ),
)
PRINTED_OMST_TABLE = InputTable(
    sheet=SHEET_PRINTED,
    table="tblOmstallningTryckt",
    top_left="H4",
    columns=(
        Col("id", "Id (omställning)", "text", width=18, help="Id i tblOmstallningUppf, eller 'totalt'."),
        Col("plan_ar", "Årsplan", "amount", required=False),
        Col("plan_period", "Plan t.o.m. perioden", "amount", required=False),
        Col("effekt", "Effekt t.o.m. perioden", "amount", required=False),
        Col("andel", "Andel uppnådd", "rate", required=False),
    ),
)
OMST_TOTAL_ID = "totalt"

# --- Diagram uppföljning ---------------------------------------------------------------------

CHART_TOP_LEFT = "A4"        # Nämnd | Avvikelse, mkr (formulas → Driftredovisning)

# --- Prognos -----------------------------------------------------------------------------

FORECAST_TABLE = InputTable(
    sheet=SHEET_FORECAST,
    table="tblPrognos",
    title="Prognos för helåret: resultatbudgetens rader, budget och prognos, mkr",
    columns=(
        Col("id", "Rad", "text", width=22,
            help="nettoram, skatteintakter, statsbidrag, finansiella_intakter eller finansiella_kostnader."),
        Col("label", "Post", "text", width=34),
        Col("budget", "Budget helår", "amount"),
        Col("prognos", "Prognos helår", "amount"),
        Col("diff", "Diff", "amount", computed=True, style="amount_bold"),
    ),
)
FORECAST_BLOCK_COL = 9           # column I: Post | Budget helår | Prognos helår | Diff
FORECAST_BLOCK_HEADER_ROW = 4
FORECAST_BLOCK_LABELS = {"summa_skatter_statsbidrag": "Summa skatter och statsbidrag",
                         "verksamhetens_resultat": "Verksamhetens resultat", "finansnetto": "Summa finansnetto",
                         "resultat": "Resultat inkl. finansnetto (årets resultat)"}

YEARS_TABLE = InputTable(
    sheet=SHEET_FORECAST,
    table="tblBalanskravAr",
    top_left="A14",
    columns=(
        Col("year", "År", "year", width=8),
        Col("budget", "Budget", "amount", required=False, help="Balanskravsresultat enligt budget eller plan."),
        Col("prognos", "Prognos", "amount", required=False,
            help="Räkenskapsårets prognos skrivs av xlmodel: balanskravsutredningens resultat."),
        Col("utfall", "Utfall", "amount", required=False, help="Balanskravsresultat enligt bokslut."),
        Col("basis", "Underlag", "text", computed=True, style="text"),
        Col("used", "Balanskravsresultat som används", "amount", computed=True, style="amount_bold"),
        Col("source", "Källa", "text", required=False, width=30),
    ),
)
LEDGER_ANCHOR = "I14"              # =ATERSTALLNING(år; använt balanskravsresultat) spills from here

# --- each sheet's title and column widths (the builder sets them) -----------------------

SUMMARY_LAYOUT = SheetLayout(
    SHEET_SUMMARY, "Uppföljning: period, summering och avstämning mot resultaträkningen",
    "Parametrarna styr perioden och hur budgeten t.o.m. perioden räknas; summeringen och avstämningen skrivs av xlmodel.",
    widths=((0, 0, 34), (1, 1, 36), (2, 9, 15),
            (11, 11, 44), (12, 12, 18), (13, 13, 60)),   # the parameters' labels, values and help (L, M, N)
)
# One set of widths for the three blocks that share the columns (A–G: the two tables; I–O).
FORECAST_LAYOUT = SheetLayout(SHEET_FORECAST, widths=(
    (0, 0, 24), (1, 1, 36), (2, 5, 14), (6, 6, 50), (7, 7, 3), (8, 8, 42), (9, 14, 14),
))
# The Summa block beside the table (its label, then its amounts) and the table's last column.
OMST_LAYOUT = SheetLayout(SHEET_OMST, widths=(
    (OMST_TOTAL_COL - 1, OMST_TOTAL_COL - 1, 40),
    (OMST_TOTAL_COL, OMST_TOTAL_COL - 1 + len(OMST_TOTAL_COLUMNS) - 1, 14),
    (len(OMST_TABLE.columns) - 1, len(OMST_TABLE.columns) - 1, 30),
))
CHART_LAYOUT = SheetLayout(
    SHEET_CHART, "Avvikelse mot budget per nämnd",
    "Data: cellerna till vänster (formler mot bladet Driftredovisning, skrivs av xlmodel).",
    widths=((0, 0, 34), (1, 1, 24)),
)

# The part's input tables, in the order the builder writes them: its signature in the
# part registry (``parts.FOLLOWUP``), the builder's and ``forklara``'s list.
TABLES = (DRIFT_TABLE, RESULTATRAKNING_TABLE, OMST_TABLE, FORECAST_TABLE, YEARS_TABLE, PRINTED_DRIFT_TABLE,
          PRINTED_OMST_TABLE)
