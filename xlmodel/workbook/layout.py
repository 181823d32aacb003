"""The one place that defines each sheet's layout.

The builder, the reader, ``regenerate``, ``validate`` and the Excel macro all take
positions, headers, table names and defined names from here, so a sheet cannot be
laid out one way and read another.

Conventions of every workbook (a Swedish controller's expectations):
- inputs are Excel Tables (``tbl…``) under a title row, header on row 4, data from row 5;
- single parameters are labelled cells with a defined name (``Budgetar``, ``Standardindex``);
- amounts are mkr with the number format ``MKR_FORMAT`` (space thousands separator in a
  Swedish Excel, a dash for zero as the printed plans do);
- outputs the tool owns (the Ramtabell) are plain ranges, not Tables, so that rewriting
  them never has to touch a table part.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from xlmodel.rules import ledger_table
from xlmodel.xlsx.refs import column_index_from_string, coordinate_from_string, get_column_letter

Kind = Literal["text", "amount", "rate", "int", "places", "bool", "year"]

MKR_FORMAT = '#,##0.0;-#,##0.0;"–"'
MKR2_FORMAT = '#,##0.00;-#,##0.00;"–"'
PCT_FORMAT = "0.00%"
PCT1_FORMAT = "0.0%"
YEAR_FORMAT = "0"

TITLE_ROW = 1
HEADER_ROW = 4
FIRST_DATA_ROW = HEADER_ROW + 1


@dataclass(frozen=True)
class Col:
    key: str                 # field of the core model
    header: str              # Swedish header as the controller sees it
    kind: Kind = "text"
    required: bool = True
    width: float = 14
    help: str = ""           # input message (data validation prompt), Swedish
    computed: bool = False   # a formula column inside an input table (checked, not read as input)
    style: str = ""          # builder style key for computed columns


class _Block:
    """Position helpers shared by input tables and output blocks (header row, columns)."""

    columns: tuple[Col, ...]
    top_left: str

    @property
    def header_row(self) -> int:
        return coordinate_from_string(self.top_left)[1]

    @property
    def first_col(self) -> int:
        return column_index_from_string(coordinate_from_string(self.top_left)[0])

    def col_letter(self, key: str) -> str:
        for i, c in enumerate(self.columns):
            if c.key == key:
                return get_column_letter(self.first_col + i)
        raise KeyError(key)


@dataclass(frozen=True)
class InputTable(_Block):
    sheet: str
    table: str               # Excel Table name
    columns: tuple[Col, ...]
    top_left: str = f"A{HEADER_ROW}"
    title: str = ""
    # A table with one row a year: the columns ``rulla-fram`` fills in a new year's row
    # (the year first). Such rows at the end of the table, with nothing else filled in,
    # are years not yet entered: the rules skip them and ``validera`` warns
    # (``tables.RawTable.unfilled_years``).
    year_keys: tuple[str, ...] = ()

    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    @cached_property
    def inputs(self) -> tuple[Col, ...]:
        # Cached: asked for every cell of every row (tables.RawTable.typed). A frozen
        # dataclass is fine: cached_property writes the instance __dict__ directly.
        return tuple(c for c in self.columns if not c.computed)


@dataclass(frozen=True)
class Param:
    name: str                # defined name
    sheet: str
    cell: str                # value cell; the label is in the column to its left
    label: str
    kind: Kind = "amount"
    required: bool = True
    help: str = ""


@dataclass(frozen=True)
class OutputBlock(_Block):
    """A range the tool owns and rewrites: header row + one row per item (+ a sum row)."""

    sheet: str
    columns: tuple[Col, ...]
    top_left: str = f"A{HEADER_ROW}"
    title: str = ""


@dataclass(frozen=True)
class SheetLayout:
    """What a builder sets on a sheet besides its tables: the title and subtitle it
    writes in A1:A2 (empty: the book's own, from bok.toml, or none) and the column widths
    in characters as (first column, last column, width), 0-based as XlsxWriter counts,
    set in this order (a later one wins, and ``print_setup`` may widen a column to fit)."""

    sheet: str
    title: str = ""
    subtitle: str = ""
    widths: tuple[tuple[int, int, float], ...] = ()

    def column_widths(self, shift: int = 0) -> dict[int, float]:
        """``widths`` as a width per 1-based column (a sheet's ``<cols>``, ``xlmodel
        anslut``), in the layout's order (a later one wins), each ``shift`` columns right."""
        out: dict[int, float] = {}
        for first, last, width in self.widths:
            for c in range(first + 1, last + 2):
                out[c + shift] = width
        return out


CONF_SHEET = "xlwings.conf"
# Keys in the order xlwings' quickstart template lists them (excel-facts §1.2); values
# are what a controller on Windows with the pinned xlwings needs. "UDF Modules" names
# our package; the workbook folder is on PYTHONPATH so a workbook-named module (the
# macro entry point) is found next to the file.
CONF_ROWS: tuple[tuple[str, str], ...] = (
    ("Interpreter_Win", "python"),
    ("Interpreter_Mac", ""),
    ("PYTHONPATH", ""),
    ("Conda Path", ""),
    ("Conda Env", ""),
    ("UDF Modules", "udfs"),
    ("Debug UDFs", "False"),
    ("Use UDF Server", "True"),
    ("Show Console", "False"),
)
CONF_LAYOUT = SheetLayout(CONF_SHEET, widths=((0, 0, 22), (1, 1, 30)))

# ---------------------------------------------------------------------------
# Regionplan (Region Västerbotten, Regionplan 2021): ramtabell + resultatbudget + balanskrav
# ---------------------------------------------------------------------------

SHEET_INFO = "Info"
SHEET_PARAMS = "Parametrar"
SHEET_FRAMES = "Ramar"
SHEET_CHANGES = "Förändringar"
SHEET_PUBLISHED = "Publicerat"
SHEET_FRAMETABLE = "Ramtabell"
SHEET_RESULTBUDGET = "Resultatbudget"
SHEET_BALANSKRAV = "Balanskrav"

REGIONPLAN_INFO_LAYOUT = SheetLayout(SHEET_INFO, widths=((0, 0, 110),))
# The parameters' labels, values and help; set again after the Index table below them,
# whose widths they win over.
REGIONPLAN_PARAMS_LAYOUT = SheetLayout(
    SHEET_PARAMS, "Parametrar", "Indata för året: budgetår, standardindex och avstämningsbelopp.",
    # Column A is the index table's År and the reserve guidelines' Nr.
    widths=((0, 0, 8), (1, 1, 48), (2, 2, 14), (3, 3, 60)),
)
FRAMETABLE_SUBTITLE = ("Utdata: skrivs av makrot 'Uppdatera ramtabell' eller 'xlmodel regenerera'. "
                       "Ändra indata, inte denna tabell.")

CHANGE_KINDS_SV = {"omställning": "omstallning", "omfördelning": "omfordelning", "utökad": "utokad",
                   "engångs": "engangs", "tillfällig": "tillfallig"}
CHANGE_KINDS_FROM_CORE = {v: k for k, v in CHANGE_KINDS_SV.items()}

FRAMES_TABLE = InputTable(
    sheet=SHEET_FRAMES,
    table="tblRamar",
    title="Budgetramar föregående år per nämnd, med varav-rader",
    columns=(
        Col("id", "Id", "text", width=22, help="Unik nyckel för raden, t.ex. HSN eller RS_tandvard."),
        Col("label", "Post", "text", width=48),
        Col("parent", "Förälder", "text", required=False, width=14,
            help="Id för raden som denna varav-rad ingår i. Tom för en nämnd."),
        Col("prior_frame", "Budgetram föregående år", "amount", width=16),
        Col("index_rate", "Indexsats", "rate", required=False, width=11,
            help="Differentierad sats för raden. Tom = standardindex."),
        Col("indexed", "Indexeras", "bool", width=10, help="Ja/Nej. Nej för pensioner, avskrivningar m.m."),
        Col("places", "Decimaler", "places", width=10, help="Antal decimaler raden publiceras med."),
    ),
)

CHANGES_TABLE = InputTable(
    sheet=SHEET_CHANGES,
    table="tblForandringar",
    title="Budgetförändringar: omställning, omfördelning och utökad budget",
    columns=(
        Col("id", "Id", "text", width=22),
        Col("label", "Beskrivning", "text", width=70),
        Col("kind", "Typ", "text", width=14,
            help="omställning, omfördelning, utökad, engångs (ingår inte i nästa års ram) eller tillfällig (reducering som återförs ett senare år)"),
        Col("row", "Rad", "text", width=18, help="Id på raden i Ramar som förändringen gäller."),
        Col("amount", "Belopp", "amount", width=12, help="mkr; minskningar negativa."),
    ),
)

PUBLISHED_TABLE = InputTable(
    sheet=SHEET_PUBLISHED,
    table="tblPublicerat",
    title="Publicerade belopp i den beslutade planen (för avstämning)",
    columns=(
        Col("id", "Id", "text", width=22),
        Col("omstallning", "Omställning reducering", "amount", required=False),
        Col("omfordelning", "Omfördelning", "amount", required=False),
        Col("utokad", "Utökad budget", "amount", required=False),
        Col("index", "Löne- och prisindex", "amount", required=False),
        Col("frame", "Budgetram", "amount", required=False),
    ),
)

REGIONPLAN_PARAMS = (
    Param("Budgetar", SHEET_PARAMS, "C5", "Budgetår", "year"),
    Param("Standardindex", SHEET_PARAMS, "C6", "Standardindex (LPIK)", "rate",
          help="Uppräkning för rader utan egen indexsats."),
    Param("AviseratIndex", SHEET_PARAMS, "C7", "Aviserat indexbelopp, mkr", "amount", required=False,
          help="Beloppet planen anger för löne- och prisindex; avvikelsen redovisas."),
    Param("Nettoram", SHEET_PARAMS, "C8", "Verksamhetens nettoram enligt resultatbudget, mkr", "amount",
          required=False),
)

# The body whose plan it is (region or kommun, ``rules.body``): a named cell written only
# when bok.toml (or ``xlmodel ny``) names the body; a workbook without it is a region's.
# Not among REGIONPLAN_PARAMS: the frame rules do not read it, only the words and the
# index series that explain, roll-forward and the builder use (``body_cells``).
ORGAN_PARAM = Param("Organ", SHEET_PARAMS, "C9", "Organisation", "text", required=False,
                    help="region eller kommun: väljer indexets namn (LPIK eller PKV) och ordvalet.")

# Index per year (issue 14): the rates the plan decided or cites, with their source, one
# row per year and index. Validate requires the budget year's Standardindex to be here
# (or among xlmodel's published parameters); rulla-fram writes next year's row.
INDEX_TABLE = InputTable(
    sheet=SHEET_PARAMS,
    table="tblIndex",
    top_left="A11",
    columns=(
        Col("year", "År", "year", width=8, help="Budgetåret satsen gäller."),
        Col("series", "Index", "text", width=48,
            help="T.ex. LPIK inkl. läkemedel, LPIK exkl. läkemedel, PKV eller ett eget vägt index."),
        Col("rate", "Sats", "rate", width=14, help="Indexsats som andel (0,019) eller procent (1,9 %)."),
        Col("source", "Källa eller beslut", "text", width=60,
            help="Var satsen kommer ifrån: SKR:s prognos (månad, år) eller fullmäktiges beslut."),
    ),
)
INDEX_TABLE_SPARE_ROWS = 4   # blank rows the builder leaves for the coming years

FRAMETABLE_BLOCK = OutputBlock(
    sheet=SHEET_FRAMETABLE,
    title="Ramtabell: fördelning av budget per nämnd och styrelse, mkr",
    columns=(
        Col("id", "Id", "text", width=20),
        Col("label", "Post", "text", width=48),
        Col("prior_frame", "Budgetram {prior}", "amount"),
        Col("omstallning", "Omställning reducering", "amount"),
        Col("omfordelning", "Omfördelning", "amount"),
        Col("utokad", "Utökad budget", "amount"),
        Col("index", "Löne- och prisindex", "amount"),
        Col("frame", "Budgetram {year}", "amount"),
    ),
)
FRAMETABLE_SUM_LABEL = "Summa verksamhetens nettokostnad"
FRAMETABLE_SUM_ID = "SUMMA"
FRAMETABLE_VALUE_KEYS = ("prior_frame", "omstallning", "omfordelning", "utokad", "index", "frame")


def frametable_header(col: Col, year: int) -> str:
    return col.header.format(prior=year - 1, year=year)

REGIONPLAN_SHEETS = (
    SHEET_INFO,
    SHEET_PARAMS,
    SHEET_FRAMES,
    SHEET_CHANGES,
    SHEET_PUBLISHED,
    SHEET_FRAMETABLE,
    SHEET_RESULTBUDGET,
    SHEET_BALANSKRAV,
    "Diagram",
    CONF_SHEET,
)

# ---------------------------------------------------------------------------
# Delårsrapport (Region Västerbotten, delårsrapport augusti 2021): balanskravsutredning
# ---------------------------------------------------------------------------

SHEET_UTREDNING = "Balanskravsutredning"
DELARSRAPPORT_SHEETS = (SHEET_INFO, SHEET_UTREDNING, CONF_SHEET)
DELARSRAPPORT_INFO_LAYOUT = SheetLayout(SHEET_INFO, widths=((0, 0, 120),))
UTREDNING_LAYOUT = SheetLayout(SHEET_UTREDNING, widths=((5, 5, 36), (6, 6, 12)))

UTREDNING_TABLE = InputTable(
    sheet=SHEET_UTREDNING,
    table="tblUtredning",
    title="Balanskravsutredning (LKBR 11 kap. 10 §, RKR R15)",
    columns=(
        Col("nr", "Nr", "int", width=6, help="Radens nummer i utredningen (1–8), i lagens ordning."),
        Col("label", "Post", "text", width=78),
        Col("amount", "Belopp", "amount", required=False, width=14,
            help="mkr med tecken som i den tryckta utredningen: avdrag negativa. Tom = 0."),
    ),
)
UTREDNING_KEYS = (  # Nr 1..8 → the argument of BALANSKRAV
    "arets_resultat", "realisationsvinster", "undantag_vinster", "undantag_forluster",
    "orealiserade", "aterforing", "reservering", "anvandning",
)
UTREDNING_RUR_KEY = "anvandning_rur"   # Nr 9, from FY2024: BALANSKRAV's last argument
DELARSRAPPORT_PARAMS = (
    Param("Rakenskapsar", SHEET_UTREDNING, "G5", "Räkenskapsår", "year"),
    Param("PubliceratBalanskravsresultat", SHEET_UTREDNING, "G6", "Publicerat balanskravsresultat, mkr", "amount",
          required=False, help="Det belopp rapporten anger; avvikelse redovisas."),
)
# The reserves' balances (optional: a report built with them, or given them): the two
# buckets' balances at the start of the year and the base of the resultatreserv's cap,
# under the year; =RESERVER() spills their year beside the utredning (rules.reserve_ledger).
RESERVE_PARAMS = (
    Param("ReservRurIngaende", SHEET_UTREDNING, "G8", "RUR vid årets början, mkr", "amount", required=False,
          help="Resultatutjämningsreserven (från 2024 den äldre RUR, utanför taket) vid årets början."),
    Param("ReservResultatreservIngaende", SHEET_UTREDNING, "G9", "Resultatreserv vid årets början, mkr", "amount",
          required=False, help="Från 2024; tom före 2024."),
    Param("ReservUnderlag", SHEET_UTREDNING, "G10", "Underlag för resultatreservens tak, mkr", "amount",
          required=False, help="Skatteintäkter, generella statsbidrag och utjämning; tom = taket prövas inte."),
)
RESERVE_TITLE_ROW = 14
RESERVE_TITLE = "Reservernas saldon enligt =RESERVER()"
RESERVE_ANCHOR = "F15"           # =RESERVER(...) spills a header row and the year's row, 7 columns
RESERVE_STYLES = ("year", "amount", "amount", "amount", "amount", "amount", "text")
# The computed block under the table (sheet rows): native formulas, then the xlwings functions.
UTREDNING_ADJUSTED_ROW = 15      # Årets resultat efter balanskravsjusteringar = SUM(rad 1–6)
UTREDNING_RESULT_ROW = 16        # Balanskravsresultat = justerat + rad 7 + rad 8 (+ rad 9 från 2024)
UTREDNING_UDF_ROW = 17           # =BALANSKRAV(...)
UTREDNING_SPILL_TITLE_ROW = 19
UTREDNING_SPILL_ROW = 20         # =BALANSKRAV_UTREDNING(...) spills 10 × 2 from B20 (11 × 2 from 2024)

# --- Resultatbudget and financial goals (regionplan) ------------------------------

RESULTBUDGET_TABLE = InputTable(
    sheet=SHEET_RESULTBUDGET,
    table="tblResultatbudget",
    title="Resultatbudget och finansiella mål, mkr",
    columns=(
        Col("year", "År", "year", width=8),
        Col("label", "Typ", "text", width=10, help="Bokslut, Budget, Prognos eller Plan."),
        Col("nettoram", "Verksamhetens nettoram", "amount", width=11, help="Negativ: nettokostnad."),
        Col("skatteintakter", "Skatteintäkter", "amount", width=11),
        Col("generella_statsbidrag", "Generella statsbidrag", "amount", width=11, help="Inklusive utjämning."),
        Col("finansiella_intakter", "Finansiella intäkter", "amount", width=11, required=False),
        Col("finansiella_kostnader", "Finansiella kostnader", "amount", width=11, required=False, help="Negativa."),
        Col("orealiserade", "Orealiserade vinster", "amount", width=11, required=False),
        Col("resultat_publicerat", "Publicerat resultat", "amount", width=11, required=False,
            help="Resultat inklusive finansnetto som planen trycker; avvikelse redovisas."),
        Col("summa", "Summa skatter och statsbidrag", "amount", width=11, computed=True, style="amount"),
        Col("verksamhetens_resultat", "Verksamhetens resultat", "amount", width=11, computed=True, style="amount_bold"),
        Col("verksamhetens_andel", "Verksamhetens resultat, andel", "rate", width=11, computed=True, style="pct1"),
        Col("finansnetto", "Finansnetto", "amount", width=11, computed=True, style="amount"),
        Col("resultat", "Resultat", "amount", width=11, computed=True, style="amount_bold"),
        Col("resultat_andel", "Resultat, andel", "rate", width=11, computed=True, style="pct1"),
    ),
    year_keys=("year", "label"),
)

GOALS_TABLE = InputTable(
    sheet=SHEET_RESULTBUDGET,
    table="tblMal",
    top_left="A14",
    title="",
    columns=(
        Col("name", "Mål", "text", width=28, style="input_wrap"),
        Col("measure", "Mått", "text", width=12, style="input_wrap", help="verksamhetens resultat, resultat eller årets resultat"),
        Col("min_share", "Lägsta andel", "rate", required=False, width=11, style="input_pct1"),
        Col("max_share", "Högsta andel", "rate", required=False, width=11, style="input_pct1"),
        Col("from_year", "Från år", "year", width=11),
        Col("to_year", "Till år", "year", width=11),
        Col("over_period", "Över perioden", "bool", width=11, help="Ja: perioden som helhet. Nej: varje år för sig."),
        Col("share", "Utfall, andel", "rate", width=11, computed=True, style="pct1"),
        Col("status", "Status", "text", width=11, computed=True, style="text"),
    ),
)
GOAL_MEASURES = {"verksamhetens resultat": "verksamhetens_resultat", "resultat": "resultat", "årets resultat": "arets_resultat"}

# --- Balanskrav with the restoration ledger (regionplan) ---------------------------

BALANSKRAV_TABLE = InputTable(
    sheet=SHEET_BALANSKRAV,
    table="tblBalanskrav",
    title="Balanskravsresultat per år och återställning av underskott (KL 11 kap. 12–13 §)",
    columns=(
        Col("year", "År", "year", width=8),
        Col("result", "Balanskravsresultat", "amount", width=16,
            help="mkr: utfall, prognos, budget eller plan. Negativt = underskott som ska återställas."),
        Col("write_off", "Synnerliga skäl, avskrivet", "text", required=False, width=16,
            help="På underskottsårets rad: belopp som fullmäktige med synnerliga skäl beslutat inte återställa, eller 'hela'."),
        Col("extended_to", "Förlängt till", "year", required=False, width=12,
            help="På underskottsårets rad: sista år enligt beslut om förlängd återställning (synnerliga skäl)."),
        Col("source", "Källa", "text", required=False, width=24, style="input_wrap"),
    ),
    year_keys=("year",),
)
STATED_DEADLINES_TABLE = InputTable(
    sheet=SHEET_BALANSKRAV,
    table="tblFrister",
    top_left="A20",
    columns=(
        Col("origin_year", "Underskottsår", "year", width=8),
        Col("last_year", "Sista år enligt planen", "year", width=16),
        Col("source", "Källa", "text", required=False, width=20, style="input_wrap"),
    ),
)
LEDGER_ANCHOR = "G4"          # =ATERSTALLNING(...) spills from here
LEDGER_LABEL = ("G3", "Återställning enligt =ATERSTALLNING() – spiller ut")


def ledger_styles(shape: ledger_table.Shape, emphasis: tuple[tuple[str, str], ...] = ()) -> tuple[str, ...]:
    """The house style of each column of a ledger shape: its kind's ("year", "amount",
    "text"), or the one ``emphasis`` gives it (column key, style)."""
    named = dict(emphasis)
    return tuple(named.get(c.key, c.kind) for c in shape.columns)


LEDGER_FUNCTION_STYLES = ledger_styles(ledger_table.FUNCTION)   # what =ATERSTALLNING() spills
BALANSKRAV_LAYOUT = SheetLayout(SHEET_BALANSKRAV, widths=(
    (5, 5, 2),     # the gap between the input table and the ledger
    (6, 11, 11),   # years and amounts; the headers wrap (print_setup widens to a word)
    (12, 12, 14),
))

# --- Diagram (regionplan): chart data blocks the charts read ---------------------------

SHEET_CHARTS = "Diagram"
CHART_FRAMES_TOP_LEFT = "A4"      # Nämnd | Budgetram föregående år | Budgetram året (formulas → Ramtabell)
CHART_BURNDOWN_TOP_LEFT = "F4"    # År | kvar att återställa per underskott (values from the ledger)
CHARTS_LAYOUT = SheetLayout(
    SHEET_CHARTS, "Diagram",
    "Budgetram per nämnd och återställning av underskott. Data: cellerna till vänster (skrivs av xlmodel).",
    widths=((0, 0, 30), (1, 3, 14), (5, 5, 8)),
)
CHART_DEFICIT_WIDTH = 22          # the burndown's columns, one per deficit (as many as the ledger has)
