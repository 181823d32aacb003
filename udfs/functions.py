"""The Excel functions as xlwings sees them: each function of ``xlmodel.excel.functions``
with xlwings' decorators (``@xw.func``, one ``@xw.arg`` per argument).

xlwings' importer ("Import Functions") reads what these decorators record, the
functions' names, signatures and docstrings (kept by ``functools.wraps``; xlwings reads
the signature with ``inspect.signature``, which follows ``__wrapped__``) and generates
the VBA module ``xlwings_udfs`` from it. The computation is in ``xlmodel.excel.functions``,
below the shells, where the workbook layer calls the same functions for a workbook's
function cells (``xlmodel.workbook.udf_cells``); here is only what Excel needs to know.

Each UDF is a fresh function object wrapping the one in ``xlmodel.excel.functions``:
xlwings' decorators mark the object they get (``__xlfunc__``), and the test harness
(``xlmodel.testing.xlwings_harness``) imports this module afresh with xlwings' real
decorators, which must not mark the shared implementation.

Rules for the names (checked by tests/test_udfs_xlwings.py with xlwings' own importer):
ASCII, no VBA keywords, nothing that looks like a cell reference (A1, R1C1/R1K1), no
type hints on arguments (they become xlwings converters and break the COM path), no
argument names the generated VBA wrapper uses. Docstrings and argument docs are what
Excel's function wizard shows: Swedish, at most 255 characters.

xlwings is imported only where its decorators do something (``udfs._xw``): ``import
udfs`` stays light, see docs/excel.md for the measured time.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from xlmodel.excel import functions as F
from xlmodel.excel.functions import BALANSKRAV_LINES, OMSTALLNING_HEADERS

from udfs import _xw as xw  # xlwings' decorators; xlwings itself only where they matter

CATEGORY = "Budgetregler (xlmodel)"

# Argument help texts used by more than one function.
DOC_ARETS_RESULTAT = "Årets resultat enligt resultaträkningen, mkr (rad 1 i balanskravsutredningen)."
DOC_REALISATION = "Reducering av samtliga realisationsvinster, mkr, med minustecken. Tomt = 0."
DOC_UNDANTAG_V = "Justering för realisationsvinster enligt undantagsmöjlighet, mkr (+). Tomt = 0."
DOC_UNDANTAG_F = "Justering för realisationsförluster enligt undantagsmöjlighet, mkr (+). Tomt = 0."
DOC_OREALISERADE = "Orealiserade vinster (−) och förluster (+) i värdepapper, mkr. Tomt = 0."
DOC_ATERFORING = "Justering för återföring av orealiserade vinster och förluster, mkr, med motsatt tecken. Tomt = 0."
DOC_RESERVERING = "Reservering av medel till resultatutjämningsreserv (t.o.m. 2023) eller resultatreserv (från 2024), mkr, med minustecken. Tomt = 0."
DOC_ANVANDNING = "Användning av medel från resultatutjämningsreserv (t.o.m. 2023) eller resultatreserv (från 2024), mkr (+). Tomt = 0."
DOC_AR_BALANSKRAV = "Räkenskapsår (valfritt): lydelsen för året (reserven finns från 2010, resultatreserv från 2024). Tomt = ingen årskontroll."
DOC_ANVANDNING_RUR = "Från 2024: användning av medel från äldre resultatutjämningsreserv (RUR), mkr (+), skild från resultatreserven. Tomt = 0."
DOC_SATS = "Sats per år som andel, t.ex. 0,01 eller texten \"1 %\"."
DOC_AR_NUMMER = "Antal år med reduktion hittills: 1 första året, 2 andra året osv. 0 = ingen reduktion."
DOC_METOD = "Tomt eller \"additiv\": k × sats (1 %, 2 %, 3 %). \"sammansatt\" eller \"ränta på ränta\": 1 − (1 − sats)^k."


def _balanskrav_arguments(f):
    """The eight argument docs of the balanskrav functions (same names, same help)."""
    docs = (DOC_ARETS_RESULTAT, DOC_REALISATION, DOC_UNDANTAG_V, DOC_UNDANTAG_F,
            DOC_OREALISERADE, DOC_ATERFORING, DOC_RESERVERING, DOC_ANVANDNING)
    for name, doc in zip(reversed(BALANSKRAV_LINES), reversed(docs)):
        f = xw.arg(name, err_to_str=True, doc=doc)(f)
    return f


def _udf(implementation: Callable[..., Any], *decorators: Callable[[Callable[..., Any]], Callable[..., Any]]):
    """A fresh function for xlwings to mark, calling ``implementation``; ``decorators``
    are applied as if written above it (the last one first)."""

    @functools.wraps(implementation)
    def udf(*args: Any, **kwargs: Any) -> Any:
        return implementation(*args, **kwargs)  # xlwings passes its reserved ``caller`` by keyword

    for decorate in reversed(decorators):
        udf = decorate(udf)
    return udf


BALANSKRAV = _udf(
    F.BALANSKRAV,
    xw.func(category=CATEGORY),
    xw.arg("anvandning_rur", err_to_str=True, doc=DOC_ANVANDNING_RUR),
    xw.arg("ar", err_to_str=True, doc=DOC_AR_BALANSKRAV),
    _balanskrav_arguments,
)


BALANSKRAV_UTREDNING = _udf(
    F.BALANSKRAV_UTREDNING,
    xw.func(category=CATEGORY),
    xw.arg("anvandning_rur", err_to_str=True, doc=DOC_ANVANDNING_RUR),
    xw.arg("ar", err_to_str=True, doc="Räkenskapsår (valfritt): väljer radernas lydelse och reservens namn för året. Tomt = båda namnen."),
    _balanskrav_arguments,
)


BALANSKRAV_KOLUMN = _udf(
    F.BALANSKRAV_KOLUMN,
    xw.func(category=CATEGORY),
    xw.arg("arets_resultat", ndim=2, err_to_str=True, doc="Kolumn med årets resultat, mkr. Tom rad ger tomt resultat."),
    xw.arg("realisationsvinster", ndim=2, err_to_str=True, doc="Kolumn: reducering av realisationsvinster (−). Utelämnad eller tom cell = 0."),
    xw.arg("undantag_vinster", ndim=2, err_to_str=True, doc="Kolumn: realisationsvinster enligt undantagsmöjlighet (+). Utelämnad eller tom = 0."),
    xw.arg("undantag_forluster", ndim=2, err_to_str=True, doc="Kolumn: realisationsförluster enligt undantagsmöjlighet (+). Utelämnad eller tom = 0."),
    xw.arg("orealiserade", ndim=2, err_to_str=True, doc="Kolumn: orealiserade vinster (−) och förluster (+) i värdepapper. Utelämnad eller tom = 0."),
    xw.arg("aterforing", ndim=2, err_to_str=True, doc="Kolumn: återföring av orealiserade vinster och förluster. Utelämnad eller tom = 0."),
    xw.arg("reservering", ndim=2, err_to_str=True, doc="Kolumn: reservering till resultatutjämningsreserv/resultatreserv (−). Utelämnad eller tom = 0."),
    xw.arg("anvandning", ndim=2, err_to_str=True, doc="Kolumn: användning från resultatutjämningsreserv/resultatreserv (+). Utelämnad eller tom = 0."),
    xw.arg("ar", ndim=2, err_to_str=True, doc="Räkenskapsår (valfritt): ett år för alla rader eller en kolumn med ett år per rad; årets lydelse. Tomt = ingen årskontroll."),
    xw.arg("anvandning_rur", ndim=2, err_to_str=True, doc="Kolumn (valfri, från 2024): användning av medel från äldre resultatutjämningsreserv (RUR), mkr (+). Utelämnad eller tom = 0."),
)


ATERSTALLNING = _udf(
    F.ATERSTALLNING,
    xw.func(category=CATEGORY),
    xw.arg("ar", ndim=2, err_to_str=True, doc="Kolumn med år i stigande ordning, ett år per rad."),
    xw.arg("balanskravsresultat", ndim=2, err_to_str=True, doc="Kolumn med balanskravsresultat per år, mkr (utfall, prognos eller budget). Negativt = underskott."),
    xw.arg("synnerliga_skal", ndim=2, err_to_str=True, doc="Valfri kolumn i linje med åren: belopp som enligt beslut om synnerliga skäl inte ska återställas, på underskottsårets rad (eller \"hela\"). Tomt = inget beslut."),
    xw.arg("forlangt_till", ndim=2, err_to_str=True, doc="Valfri kolumn i linje med åren: sista år enligt beslut om förlängd återställning (synnerliga skäl), på underskottsårets rad. Tomt = lagens tre år."),
)


RESERVUTRYMME = _udf(
    F.RESERVUTRYMME,
    xw.func(category=CATEGORY),
    xw.arg("ar", err_to_str=True, doc="Räkenskapsåret; avgör regelverket (resultatutjämningsreserv t.o.m. 2023, resultatreserv med 5 %-tak från 2024)."),
    xw.arg("arets_resultat", err_to_str=True, doc="Årets resultat, mkr."),
    xw.arg("resultat_efter_justeringar", err_to_str=True, doc="Årets resultat efter balanskravsjusteringar, mkr (se BALANSKRAV_UTREDNING). Det lägre av de två resultaten gäller."),
    xw.arg("skatteintakter", err_to_str=True, doc="Skatteintäkter, mkr."),
    xw.arg("statsbidrag_utjamning", err_to_str=True, doc="Generella statsbidrag och kommunalekonomisk utjämning, mkr."),
    xw.arg("eget_kapital", err_to_str=True, doc="Eget kapital inklusive ansvarsförbindelsen för pensioner, mkr. Negativt ger 2 %-gränsen. Tomt = 1 %-gränsen."),
    xw.arg("reserv_saldo", err_to_str=True, doc="Ingående resultatreserv, mkr (från 2024, räknas mot 5 %-taket). Tomt = 0."),
)


RESERVANVANDNING = _udf(
    F.RESERVANVANDNING,
    xw.func(category=CATEGORY),
    xw.arg("ar", err_to_str=True, doc="Räkenskapsåret; avgör regelverket (resultatutjämningsreserv t.o.m. 2023, resultatreserv från 2024)."),
    xw.arg("resultat_efter_justeringar", err_to_str=True, doc="Årets resultat efter balanskravsjusteringar, mkr (före användning av reserven)."),
    xw.arg("rur_saldo", err_to_str=True, doc="Ingående resultatutjämningsreserv (RUR), mkr. Tomt = 0."),
    xw.arg("resultatreserv_saldo", err_to_str=True, doc="Ingående resultatreserv (från 2024), mkr. Tomt = 0."),
    xw.arg("endast_vid_underskott", err_to_str=True, doc="Lokal riktlinje (inte lag): använd bara när resultatet efter balanskravsjusteringar är negativt. Tomt = Ja (vanlig riktlinje); Nej enligt egna riktlinjer."),
    xw.arg("hogst_till_noll", err_to_str=True, doc="Lokal riktlinje (inte lag): högst så mycket att resultatet blir noll. Tomt = Ja (vanlig riktlinje); Nej enligt egna riktlinjer."),
    xw.arg("riktlinjer", ndim=2, err_to_str=True, doc="Arbetsbokens riktlinjer (valfritt): tabellen tblReservriktlinjer[#Alla] eller kolumnerna Nr och Värde. Rad 1–4 är lokala; lagens gränser gäller alltid för året. Tomt = standard."),
)


UPPRAKNING = _udf(
    F.UPPRAKNING,
    xw.func(category=CATEGORY),
    xw.arg("belopp", ndim=2, err_to_str=True, doc="Beloppet som räknas upp (föregående års ram), mkr. En cell eller ett helt område; tomma celler ger tomt."),
    xw.arg("sats", err_to_str=True, doc="Indexsats som andel, t.ex. 0,019 eller \"1,9 %\". Tom = landstingsprisindex (LPIK) för året i argumentet ar."),
    xw.arg("ar", err_to_str=True, doc="Budgetår (valfritt): används bara när sats är tom, för att hämta LPIK ur xlmodels daterade parametrar."),
)


UPPRAKNING_KEDJA = _udf(
    F.UPPRAKNING_KEDJA,
    xw.func(category=CATEGORY),
    xw.arg("belopp", err_to_str=True, doc="Utgångsbeloppet (före första årets uppräkning), mkr."),
    xw.arg("satser", ndim=2, err_to_str=True, doc="Kolumn (eller rad) med en indexsats per år, som andel. Varje års sats räknas på föregående års uppräknade belopp."),
    xw.arg("forsta_ar", err_to_str=True, doc="Första årets årtal (valfritt). Då visas årtal, och tomma satser hämtas som LPIK för året ur xlmodels parametrar."),
)


UPPRAKNING_KEDJA_SLUT = _udf(
    F.UPPRAKNING_KEDJA_SLUT,
    xw.func(category=CATEGORY),
    xw.arg("belopp", err_to_str=True, doc="Utgångsbeloppet (före första årets uppräkning), mkr."),
    xw.arg("satser", ndim=2, err_to_str=True, doc="Kolumn (eller rad) med en indexsats per år, som andel. Varje års sats räknas på föregående års uppräknade belopp."),
    xw.arg("forsta_ar", err_to_str=True, doc="Första årets årtal (valfritt): tomma satser hämtas då som LPIK för året ur xlmodels parametrar."),
)


INDEXSATS_VAGD = _udf(
    F.INDEXSATS_VAGD,
    xw.func(category=CATEGORY),
    xw.arg("loneindex", err_to_str=True, doc="Löneökningstakt som andel, t.ex. 0,03."),
    xw.arg("prisindex", err_to_str=True, doc="Prisökningstakt som andel, t.ex. 0,015."),
    xw.arg("loneandel", err_to_str=True, doc="Lönernas andel av kostnaderna, 0-1 (t.ex. 0,6 eller \"60 %\")."),
    xw.arg("produktivitetsavdrag", err_to_str=True, doc="Produktivitetsavdrag på lönedelen som andel (valfritt, som i statens pris- och löneomräkning). Tomt = 0."),
)


OMSTALLNING = _udf(
    F.OMSTALLNING,
    xw.func(category=CATEGORY),
    xw.arg("budgetreducering", ndim=2, err_to_str=True, doc="Kolumn: den del av omställningen som minskar nämndens ram, mkr: positiva belopp (5) eller med minus som i ramtabellen (−5), inte blandat. Tom = 0."),
    xw.arg("underskottshantering", ndim=2, err_to_str=True, doc="Valfri kolumn i linje: kostnadsminskning för att komma i balans mot ramen, mkr, positiv eller negativ som budgetreducering. Ändrar inte ramen. Tom = 0."),
    xw.arg("namnd", ndim=2, err_to_str=True, doc="Valfri kolumn i linje med nämndernas namn. Tomt = Rad 1, Rad 2 ..."),
)


OMSTALLNING_PROCENT = _udf(
    F.OMSTALLNING_PROCENT,
    xw.func(category=CATEGORY),
    xw.arg("ram", ndim=2, err_to_str=True, doc="Den uppräknade ramen före reduktion, mkr. En cell eller ett område; tomma celler ger tomt."),
    xw.arg("sats", err_to_str=True, doc=DOC_SATS),
    xw.arg("ar_nummer", err_to_str=True, doc=DOC_AR_NUMMER),
    xw.arg("metod", err_to_str=True, doc=DOC_METOD),
)


RESERVER = _udf(
    F.RESERVER,
    xw.func(category=CATEGORY),
    xw.arg("ar", ndim=2, err_to_str=True, doc="Kolumn med räkenskapsår i stigande ordning, ett år per rad."),
    xw.arg("reservering", ndim=2, err_to_str=True, doc="Kolumn: reservering till RUR (t.o.m. 2023) eller resultatreserv (från 2024), mkr, med minustecken (rad 7). Tomt = 0."),
    xw.arg("anvandning", ndim=2, err_to_str=True, doc="Kolumn: användning från RUR (från 2013) eller resultatreserv (från 2024), mkr (+) (rad 8). Tomt = 0."),
    xw.arg("anvandning_rur", ndim=2, err_to_str=True, doc="Valfri kolumn, från 2024: användning av äldre resultatutjämningsreserv, mkr (+) (rad 9). Tomt = 0."),
    xw.arg("underlag", ndim=2, err_to_str=True, doc="Valfri kolumn: skatteintäkter, generella statsbidrag och utjämning, mkr; ger taket 5 % för resultatreserven. Tomt = taket prövas inte."),
    xw.arg("rur_ingaende", err_to_str=True, doc="Resultatutjämningsreserv vid första årets början, mkr. Tomt = 0."),
    xw.arg("resultatreserv_ingaende", err_to_str=True, doc="Resultatreserv vid första årets början, mkr. Tomt = 0."),
)


AVKASTNINGSKRAV = _udf(
    F.AVKASTNINGSKRAV,
    xw.func(category=CATEGORY),
    xw.arg("intakter", ndim=2, err_to_str=True, doc="Verksamhetens intäkter som kravet gäller, mkr. En cell eller ett område; tomma celler ger tomt."),
    xw.arg("sats", err_to_str=True, doc=DOC_SATS),
    xw.arg("ar_nummer", err_to_str=True, doc=DOC_AR_NUMMER),
    xw.arg("metod", err_to_str=True, doc=DOC_METOD),
)


TILLFALLIG_REDUCERING = _udf(
    F.TILLFALLIG_REDUCERING,
    xw.func(category=CATEGORY),
    xw.arg("ram", ndim=2, err_to_str=True, doc="Ramen som andelen hålls inne från, mkr. En cell eller ett område; tomma celler ger tomt."),
    xw.arg("andel", err_to_str=True, doc="Andel som hålls inne centralt vid årets början, t.ex. 0,004 eller \"0,4 %\". Över 10 % ger fel (0,4 betyder 40 %)."),
)


__all__ = [
    "CATEGORY",
    "ATERSTALLNING",
    "AVKASTNINGSKRAV",
    "BALANSKRAV",
    "BALANSKRAV_KOLUMN",
    "BALANSKRAV_UTREDNING",
    "INDEXSATS_VAGD",
    "OMSTALLNING",
    "OMSTALLNING_PROCENT",
    "RESERVANVANDNING",
    "RESERVER",
    "RESERVUTRYMME",
    "TILLFALLIG_REDUCERING",
    "UPPRAKNING",
    "UPPRAKNING_KEDJA",
    "UPPRAKNING_KEDJA_SLUT",
]


def __getattr__(name: str):
    # ATERSTALLNING_HEADERS from xlmodel.excel.functions, which makes it only when asked
    # (the COM server's start need not build the ledger table's classes).
    if name == "ATERSTALLNING_HEADERS":
        return F.ATERSTALLNING_HEADERS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
