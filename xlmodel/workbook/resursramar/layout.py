"""Layout of the resursramar workbook (Region Västernorrland, Regionplan 2020–2022).

The one place for this kind's sheets: the builder, ``owned_cells``, ``validate`` and the
lead's ``regenerate`` all take positions, headers, table names and defined names from
here. Shared conventions (header row 4, data from row 5, ``Col``/``InputTable``/``Param``,
the xlwings.conf sheet) come from ``layout``.

Sheets:
- **Parametrar**: the plan period, the general reduction (rate, method, first year), the
  two amounts of the 194-reconciliation, and the year table ``tblPlanar`` (uppräkning per
  year from the dated parameter, the printed Summa per year) with three computed columns:
  the reduction year k, the accumulated reduction s_k and the uplift factor to the last
  plan year.
- **Resursramar**: ``tblResursramar``, the decided frames per nämnd with varav/därav rows,
  a ja/nej column for the general reduction, and computed columns (unreduced last-year
  frame, its reduction, the back-cast frames of the earlier plan years), then a sum row.
- **Fotnoter**: ``tblFotnoter``, the footnote amounts, with the rule's reduction beside
  each reduction footnote, then the check block (transfers net to zero, the 194).
- **Återställning**: ``tblBalanskravsresultat`` and ``tblIngaendeUnderskott`` (inputs) and
  the ledger per deficit computed by ``xlmodel.rules.restoration`` (values only: there is
  no native formula for it).

The frame table's year columns depend on the plan period, so its spec is made by
``resursramar_table(first, last)`` from the two parameters (headers "Resursram 2019" …).
"""

from __future__ import annotations

from xlmodel.rules.resursramar import (  # noqa: F401 - the layout names them for the sheet
    FOOTNOTE_KINDS,
    FOOTNOTE_REDUCTION,
    FOOTNOTE_RETURN,
    FOOTNOTE_TRANSFER,
    REDUCED_NO,
    REDUCED_YES,
)
from xlmodel.rules import ledger_table
from xlmodel.workbook.layout import (
    CONF_SHEET,
    HEADER_ROW,
    SHEET_INFO,
    Col,
    InputTable,
    Param,
    SheetLayout,
    ledger_styles,
)

KIND = "resursramar"

SHEET_PARAMS = "Parametrar"
SHEET_FRAMES = "Resursramar"
SHEET_FOOTNOTES = "Fotnoter"
SHEET_RESTORATION = "Återställning"

INFO_LAYOUT = SheetLayout(SHEET_INFO, widths=((0, 0, 120),))
PARAMS_LAYOUT = SheetLayout(
    SHEET_PARAMS, "Parametrar", "Planperiod, generell reduktion och uppräkning per år (gula celler är indata).",
    widths=((1, 1, 52), (2, 2, 14), (3, 3, 70)),
)
SHEETS = (SHEET_INFO, SHEET_PARAMS, SHEET_FRAMES, SHEET_FOOTNOTES, SHEET_RESTORATION, CONF_SHEET)

# --- Parametrar -----------------------------------------------------------------------

P_FIRST_YEAR = Param("ForstaPlanar", SHEET_PARAMS, "C5", "Planperiodens första år", "year")
P_LAST_YEAR = Param("SistaPlanar", SHEET_PARAMS, "C6", "Planperiodens sista år", "year")
P_RATE = Param("Reduktionssats", SHEET_PARAMS, "C7", "Generell reduktion per år", "rate",
               help="Andel av den uppräknade (oreducerade) ramen per år, t.ex. 1 %.")
P_METHOD = Param("Reduktionsmetod", SHEET_PARAMS, "C8", "Ackumulering (additiv/sammansatt)", "text",
                 help="additiv: 1 %, 2 %, 3 % (planens 'tre procent ackumulerat för år 2022'); "
                      "sammansatt: 1 − 0,99^k.")
P_FIRST_CUT = Param("ForstaReduktionsar", SHEET_PARAMS, "C9", "Första år med reduktion", "year")
P_CENTRAL = Param("CentralaKostnadsreduceringar", SHEET_PARAMS, "C10",
                  "Centralt hållna kostnadsreduceringar sista planåret, mkr", "amount", required=False,
                  help="Beslutade men ej fördelade kostnadsreduceringar (positivt belopp).")
P_ANNOUNCED = Param("BeslutadeNettokostnadsreduceringar", SHEET_PARAMS, "C11",
                    "Beslutade nettokostnadsreduceringar enligt planen, mkr", "amount", required=False,
                    help="Det belopp planen anger; avvikelse mot fotnoterna + centrala reduceringar redovisas.")
PARAMS = (P_FIRST_YEAR, P_LAST_YEAR, P_RATE, P_METHOD, P_FIRST_CUT, P_CENTRAL, P_ANNOUNCED)

# Swedish method names in the sheet → the rule core's CutMethod.
METHODS_SV = {"additiv": "additive", "sammansatt": "compounding"}

PLANAR_TABLE = InputTable(
    sheet=SHEET_PARAMS,
    table="tblPlanar",
    top_left="A14",
    title="",
    columns=(
        Col("year", "År", "year", width=10, help="Basåret (året före planperioden) och varje planår, i följd."),
        Col("index_rate", "Löne- och prisförändring", "rate", width=14,
            help="Uppräkning av ramarna till året från året före."),
        Col("published_sum", "Summa resursramar enligt planen", "amount", required=False, width=16,
            help="Planens tryckta Summa; avvikelse mot summaraden redovisas."),
        Col("source", "Källa", "text", required=False, width=60, style="input_wrap"),
        Col("k", "Reduktionsår (k)", "int", computed=True, style="int"),
        Col("share", "Ackumulerad reduktion", "rate", computed=True, style="rate"),
        Col("factor", "Uppräkning till sista planåret", "rate", computed=True, style="factor"),
    ),
)
PLANAR_LABEL_ROW = 13

# --- Resursramar ------------------------------------------------------------------------

FRAMES_TABLE_NAME = "tblResursramar"
FRAMES_SUM_LABEL = "Summa"
FRAMES_PUBLISHED_LABEL = "Summa enligt planen"
FRAMES_DIFF_LABEL = "Differens"


def frame_year_key(year: int) -> str:
    return f"ram_{year}"


def backcast_key(year: int) -> str:
    return f"backcast_{year}"


def resursramar_table(first_plan_year: int, last_plan_year: int) -> InputTable:
    """The frame table for a plan period: the base year and each plan year as input
    columns, then the computed columns of the general reduction."""
    years = range(first_plan_year - 1, last_plan_year + 1)
    return InputTable(
        sheet=SHEET_FRAMES,
        table=FRAMES_TABLE_NAME,
        title="Resursramar per nämnd med varav- och därav-rader, mkr (löpande priser)",
        columns=(
            Col("id", "Id", "text", width=18, help="Unik nyckel för raden, t.ex. nhu eller rs_tandvard."),
            Col("label", "Post", "text", width=42),
            Col("parent", "Förälder", "text", required=False, width=18,
                help="Id för raden som denna varav/därav-rad ingår i. Tom för en nämnd."),
            Col("footnote", "Fotnot", "text", required=False, width=8),
            *(Col(frame_year_key(y), f"Resursram {y}", "amount", width=12) for y in years),
            Col("reduced", "Generell reduktion", "text", width=12,
                help="ja: raden omfattas av den generella reduktionen per år (verksamheterna utanför vården). "
                     "nej: ingen generell reduktion av nettoramen."),
            Col("unreduced", f"Oreducerad ram {last_plan_year}", "amount", computed=True, style="amount"),
            Col("reduction", f"Reduktion {last_plan_year}", "amount", computed=True, style="amount"),
            *(Col(backcast_key(y), f"Återräknad ram {y}", "amount", computed=True, style="amount")
              for y in range(first_plan_year, last_plan_year)),
        ),
    )


# --- Fotnoter ---------------------------------------------------------------------------

# Footnote kinds (FOOTNOTE_KINDS, Swedish as typed in the sheet) and the reduction flag
# (REDUCED_YES / REDUCED_NO) are the rule core's: xlmodel.rules.resursramar.

FOOTNOTES_TABLE = InputTable(
    sheet=SHEET_FOOTNOTES,
    table="tblFotnoter",
    title="Belopp i resursramarnas fotnoter, mkr",
    columns=(
        Col("id", "Id", "text", width=18),
        Col("footnote", "Fotnot", "text", width=8),
        Col("row", "Rad", "text", width=18, help="Id på raden i tblResursramar som beloppet gäller."),
        Col("kind", "Typ", "text", width=16, help=", ".join(FOOTNOTE_KINDS)),
        Col("label", "Beskrivning", "text", width=44, style="input_wrap"),
        Col("year", "Avser år", "text", required=False, width=10),
        Col("amount", "Belopp", "amount", width=12,
            help="mkr. Överföringar med tecken (+ till, − från raden); reduktioner och krav positiva."),
        Col("source", "Källa", "text", required=False, width=16, style="input_wrap"),
        Col("computed", "Beräknat enligt regeln", "amount", computed=True, style="amount"),
        Col("status", "Avstämning", "text", computed=True, style="text"),
    ),
)
# The check block under the table: one line each, label in the Beskrivning column and
# the value in the Belopp column (the sums line up under the amounts they add).
CHECK_TRANSFER_IN = "Överföringar till mottagande rader"
CHECK_TRANSFER_OUT = "Överföringar från lämnande rader"
CHECK_TRANSFER_NET = "Överföringar netto (ska vara 0)"
CHECK_REDUCTIONS = "Generella reduktioner enligt fotnoterna"
CHECK_RETURNS = "Avkastningskrav enligt fotnoterna"
CHECK_CENTRAL = "Centralt hållna kostnadsreduceringar"
CHECK_TOTAL = "Summa nettokostnadsreduceringar"
CHECK_ANNOUNCED = "Beslutade nettokostnadsreduceringar enligt planen"
CHECK_DIFF = "Differens"
CHECK_LABELS = (CHECK_TRANSFER_IN, CHECK_TRANSFER_OUT, CHECK_TRANSFER_NET, CHECK_REDUCTIONS, CHECK_RETURNS,
                CHECK_CENTRAL, CHECK_TOTAL, CHECK_ANNOUNCED, CHECK_DIFF)
STATUS_AGREES = "stämmer"
STATUS_DIFFERS = "avviker"

# --- Återställning ----------------------------------------------------------------------

RESULTS_TABLE = InputTable(
    sheet=SHEET_RESTORATION,
    table="tblBalanskravsresultat",
    title="Återställning av tidigare års underskott (KL 11 kap. 12–13 §), mkr",
    columns=(
        Col("year", "År", "year", width=8),
        Col("label", "Typ", "text", required=False, width=10, help="Bokslut, Budget eller Plan."),
        Col("result", "Balanskravsresultat", "amount", width=14),
        Col("source", "Källa", "text", required=False, width=28, style="input_wrap"),
        Col("restored", "Återställt detta år", "amount", computed=True, style="amount"),
        Col("remaining", "Kvar att återställa vid årets slut", "amount", computed=True, style="amount"),
        Col("unused", "Ej utnyttjat överskott", "amount", computed=True, style="amount"),
    ),
)
OPENING_TABLE = InputTable(
    sheet=SHEET_RESTORATION,
    table="tblIngaendeUnderskott",
    top_left=f"I{HEADER_ROW}",
    title="",
    columns=(
        Col("origin_year", "Underskottsår", "year", width=12),
        Col("amount", "Belopp att återställa", "amount", width=14, help="Ingående ej återställt underskott, positivt."),
        Col("plan_year", "Åtgärdsplan i budget för år", "year", required=False, width=14),
        Col("restore_by", "Återställt senast enligt planen", "year", required=False, width=14),
        Col("source", "Källa", "text", required=False, width=36, style="input_wrap"),
    ),
)
LEDGER_TITLE = "Återställning per underskott (beräknad av xlmodel, KL 11 kap. 12 §)"
LEDGER_SHAPE = ledger_table.SHEET                  # the written ledger: also the year each deficit was cleared
LEDGER_HEADERS = LEDGER_SHAPE.headers
LEDGER_STYLES = ledger_styles(LEDGER_SHAPE, emphasis=(("remaining", "amount_bold"),))
LEDGER_GAP = 2  # blank rows between the lower end of the two input tables and the ledger title
