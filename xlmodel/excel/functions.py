"""The Excel functions (=BALANSKRAV() and its siblings) as plain Python: thin wrappers
over the rule core.

Each function parses its arguments with ``xlmodel.excel.arguments`` (so a message names
the Excel argument), calls one rule of ``xlmodel.rules`` and returns floats, ints, text or
a list of row lists (a table that spills in Excel 365). Bad input gives one Swedish line
"#XLMODEL: argument '…': …" (``excel_safe``), never a traceback. ``udfs.functions``
gives these very functions to xlwings, with the argument help Excel's wizard shows; the
workbook layer calls them for a workbook's function cells (``workbook.udf_cells``).

Conventions, the same for every function (docs/excel.md):
- amounts in mkr, signed as printed; rates as fractions (0,019) or text "1,9 %";
- a blank cell or an omitted optional argument is "not given" (0 for the optional
  lines of BALANSKRAV);
- the first argument of UPPRAKNING, OMSTALLNING_PROCENT, AVKASTNINGSKRAV and
  TILLFALLIG_REDUCERING may be a whole range: the result has the same shape and a
  blank cell gives a blank result. One call over a column replaces thousands of
  one-cell calls, each of which costs a round trip to Python (xlwings issue #1981);
- nothing is rounded: format the cell, or wrap in AVRUNDA() where a figure is published.

The rule modules are imported inside the functions: ``import udfs`` stays light, see
docs/excel.md for the measured time.
"""

from __future__ import annotations

from decimal import Decimal

from xlmodel.errors import InputError
from xlmodel.money import MAX_ABS_FLOAT, ZERO as _ZERO, fmt_figure

from xlmodel.excel import arguments as c

BALANSKRAV_LINES = (
    "arets_resultat", "realisationsvinster", "undantag_vinster", "undantag_forluster",
    "orealiserade", "aterforing", "reservering", "anvandning",
)
_METHODS = {
    "additiv": "additive", "additive": "additive", "ackumulerad": "additive", "linjar": "additive",
    "sammansatt": "compounding", "ranta": "compounding", "ranta pa ranta": "compounding",
    "compounding": "compounding",
}



def _floats_in_range(values) -> list[Decimal] | None:
    """What COM passes for nearly every cell: numbers (floats) in range. Each as
    ``c.amount`` gives it (``money.parse_amount``'s float path), without a call per value;
    None when any value is something else (a range, blank, text, NaN, too large), which
    then takes the general path."""
    out = []
    for v in values:  # one loop, no generator: eight values in each of thousands of cells
        if type(v) is not float or not -MAX_ABS_FLOAT <= v <= MAX_ABS_FLOAT:
            return None
        out.append(Decimal(repr(v)) + _ZERO)
    return out


def _balanskrav_amounts(values, rule="balanskrav"):
    """The eight lines as Decimals; only årets resultat is required.

    As controllers write them: the first argument may be the utredning's own column
    (or row) of eight amounts, nr 1-8, with the other arguments left out
    (=BALANSKRAV(D5:D12)); and None means "nothing to compute": årets resultat blank
    and every other line blank or 0, as in a future year whose formula is filled down.
    The function then gives blank, as BALANSKRAV_KOLUMN does for such a row. A blank
    årets resultat beside a non-zero line is still an error: half a year's figures."""
    names = BALANSKRAV_LINES
    parsed = _floats_in_range(values)
    if parsed is not None:
        return parsed
    if c.cell_count(values[0]) > 1:
        lines = c.vector(values[0], names[0], rule)
        if len(lines) != len(names):
            raise InputError(f"området har {len(lines)} celler; ange en cell, eller balanskravsutredningens "
                             f"{len(names)} rader (nr 1–{len(names)}) som en kolumn eller en rad",
                             rule=rule, argument=names[0])
        if not all(c.is_blank(v) for v in values[1:]):
            raise InputError(f"arets_resultat är ett område med utredningens {len(names)} rader; "
                             "lämna då de andra argumenten tomma", rule=rule, argument=names[0])
        values = lines.values
        names = [c.element(names[0], i) for i in range(len(names))]
    first = c.single(values[0], names[0], rule)
    if c.is_blank(first) and all(c.is_zero_or_blank(v) for v in values[1:]):
        return None
    out = [c.amount(first, names[0], rule)]
    out += [c.amount(v, n, rule, blank=Decimal(0)) for v, n in zip(values[1:], names[1:])]
    return out


# =========================================================================== balanskrav

@c.excel_safe(rename={"year": "ar"})
def BALANSKRAV(arets_resultat, realisationsvinster=None, undantag_vinster=None, undantag_forluster=None,
               orealiserade=None, aterforing=None, reservering=None, anvandning=None, ar=None, anvandning_rur=None):
    """Balanskravsresultatet enligt balanskravsutredningen (LKBR 11:10, RKR R15): årets resultat plus de justeringar som anges, med tecken som de redovisas. Tomma rader räknas som 0. Med år: årets lydelse."""
    from xlmodel.rules.balanskrav import balanskravsresultat, balanskravsresultat_of_parsed

    values = (arets_resultat, realisationsvinster, undantag_vinster, undantag_forluster,
              orealiserade, aterforing, reservering, anvandning)
    if ar is None and anvandning_rur is None and (parsed := _floats_in_range(values)) is not None:
        # Eight numbers and nothing else, as COM passes a filled-down cell's lines: the
        # figure as below (no year, no RUR) without testing the parsed lines again.
        return c.to_excel(balanskravsresultat_of_parsed(parsed))
    lines = _balanskrav_amounts(values)
    rur = c.amount(anvandning_rur, "anvandning_rur", "balanskrav", blank=Decimal(0))
    if lines is None:
        if rur == 0:
            return None  # a year without figures: blank, as BALANSKRAV_KOLUMN gives
        c.amount(arets_resultat, BALANSKRAV_LINES[0], "balanskrav")  # raises: a line without årets resultat
    year = c.optional_year(ar, "ar", "balanskrav")
    if year is None and rur == 0:
        return c.to_excel(balanskravsresultat(*lines))   # the per-cell path (bench)
    return c.to_excel(balanskravsresultat(*lines, rur, year=year))


@c.excel_safe(rename={"year": "ar"})
def BALANSKRAV_UTREDNING(arets_resultat, realisationsvinster=None, undantag_vinster=None, undantag_forluster=None,
                         orealiserade=None, aterforing=None, reservering=None, anvandning=None, ar=None,
                         anvandning_rur=None):
    """Hela balanskravsutredningen som en tabell (rubrik, belopp) i lagens ordning, med resultat efter balanskravsjusteringar och balanskravsresultat: 10 rader, från 2024 11 (äldre RUR på egen rad). Spiller ut."""
    from xlmodel.rules.balanskrav import balanskravsutredning_rows

    lines = _balanskrav_amounts((arets_resultat, realisationsvinster, undantag_vinster, undantag_forluster,
                                 orealiserade, aterforing, reservering, anvandning))
    rur = c.amount(anvandning_rur, "anvandning_rur", "balanskrav", blank=Decimal(0))
    if lines is None:
        if rur == 0:
            return None  # a year without figures: blank
        c.amount(arets_resultat, BALANSKRAV_LINES[0], "balanskrav")  # raises: a line without årets resultat
    return c.table(balanskravsutredning_rows(*lines, rur, year=c.optional_year(ar, "ar", "balanskrav")))


@c.excel_safe
def BALANSKRAV_KOLUMN(arets_resultat, realisationsvinster=None, undantag_vinster=None, undantag_forluster=None,
                      orealiserade=None, aterforing=None, reservering=None, anvandning=None, ar=None,
                      anvandning_rur=None):
    """Balanskravsresultat för många år eller enheter i ett anrop: kolumner (lika långa) med raderna i balanskravsutredningen ger en kolumn med resultat. Med år: årets lydelse. Snabbare än ett BALANSKRAV per cell."""
    rule = "balanskrav"
    lead = c.vector(arets_resultat, "arets_resultat", rule)
    n = len(lead)
    others = [c.optional_vector(v, name, rule, n, "arets_resultat")
              for v, name in zip((realisationsvinster, undantag_vinster, undantag_forluster, orealiserade,
                                  aterforing, reservering, anvandning), BALANSKRAV_LINES[1:])]
    columns = [lead.values, *others]
    years = _kolumn_years(ar, n, rule)
    rur = c.optional_vector(anvandning_rur, "anvandning_rur", rule, n, "arets_resultat")
    if years is None and all(c.is_zero_or_blank(x) for x in rur):
        # Undated, no old RUR: the fast path (bench: one call over a column costs less
        # than a call per cell), unchanged from before the year argument existed.
        try:
            results = _balanskrav_by_column(columns, rule)
        except c.InputError:
            results = _balanskrav_by_row(columns, rule)  # raises the error, named as before
        return lead.shaped(results)
    return lead.shaped(_balanskrav_by_row(columns, rule, years or [None] * n, rur))


def _kolumn_years(ar, n, rule):
    """BALANSKRAV_KOLUMN's year: omitted (None), one year for every row (a single cell),
    or a column of years as long as the others (a blank row = no year for that row)."""
    if c.cell_count(ar) == 1:
        year = c.optional_year(ar, "ar", rule)
        return None if year is None else [year] * n
    values = c.optional_vector(ar, "ar", rule, n, "arets_resultat")
    return [c.optional_year(v, c.element("ar", i), rule) for i, v in enumerate(values)]


def _balanskrav_by_column(columns, rule):
    """BALANSKRAV_KOLUMN's results, parsed a column at a time. A float (what Excel passes
    for every number) goes straight to money.parse_amount, which is what c.amount does
    with it. Any InputError here is re-raised by ``_balanskrav_by_row``, which names the
    element ("arets_resultat[3]") and the first bad cell in row order, as the function
    always has. Why: a call over a column must cost less than a call per cell (bench)."""
    from xlmodel.money import parse_amount
    from xlmodel.rules.balanskrav import balanskravsresultat

    n = len(columns[0])
    blank_rows = {i for i in range(n) if _no_figures([col[i] for col in columns])}
    parsed = []
    for j, (col, name) in enumerate(zip(columns, BALANSKRAV_LINES)):
        blank = None if j == 0 else Decimal(0)
        parsed.append([
            None if i in blank_rows else
            parse_amount(x, argument=name, rule=rule, blank=blank) if type(x) is float else
            c.amount(x, name, rule, blank=blank)
            for i, x in enumerate(col)
        ])
    return [None if i in blank_rows else c.to_excel(balanskravsresultat(*lines))
            for i, lines in enumerate(zip(*parsed))]


def _no_figures(row):
    """A row of BALANSKRAV_KOLUMN with nothing to compute: årets resultat blank and
    every other line blank or 0 (a future year; the same rule as BALANSKRAV)."""
    return c.is_blank(row[0]) and all(c.is_zero_or_blank(x) for x in row[1:])


def _balanskrav_by_row(columns, rule, years=None, rur=None):
    """BALANSKRAV_KOLUMN row by row, each argument named by its element; with ``years``
    (one per row, None = undated) and ``rur`` (line 9) each row under its year's wording,
    as BALANSKRAV(...; ar; anvandning_rur) gives it."""
    from xlmodel.rules.balanskrav import balanskravsresultat

    results = []
    for i in range(len(columns[0])):
        row = [col[i] for col in columns]
        rur_i = c.amount(rur[i], c.element("anvandning_rur", i), rule, blank=Decimal(0)) if rur else Decimal(0)
        if _no_figures(row) and rur_i == 0:
            results.append(None)  # an unused row of the range: blank in, blank out
            continue
        lines = [c.amount(row[0], c.element("arets_resultat", i), rule)]
        lines += [c.amount(x, c.element(n, i), rule, blank=Decimal(0))
                  for x, n in zip(row[1:], BALANSKRAV_LINES[1:])]
        year = years[i] if years else None
        if year is None and rur_i == 0:
            results.append(c.to_excel(balanskravsresultat(*lines)))
            continue
        try:
            results.append(c.to_excel(balanskravsresultat(*lines, rur_i, year=year)))
        except InputError as err:
            # The core names the line ("reservering"); the row is what the user must find.
            raise InputError(err.message, rule=err.rule,
                             argument=c.element(err.argument or "arets_resultat", i)) from None
    return results


# =========================================================================== återställning

_WHOLE_DEFICIT = {"hela": "hela", "allt": "hela", "hela underskottet": "hela"}
_DECISION_REASON = "Fullmäktiges beslut om synnerliga skäl, angivet i kalkylbladet (ATERSTALLNING)"


@c.excel_safe
def ATERSTALLNING(ar, balanskravsresultat, synnerliga_skal=None, forlangt_till=None):
    """Återställning av negativa balanskravsresultat (KL 11:12-13), äldst först: en rad per underskott med år, underskott, återställt, avskrivet, kvar, sista år och status. Spiller ut."""
    from xlmodel.rules import ledger_table
    from xlmodel.rules.restoration import Extension, WriteOff, ledger_from_columns
    from xlmodel.location import Location
    from xlmodel.rules.years import check_ascending

    rule = "aterstallning"
    years_v = c.vector(ar, "ar", rule)
    n = len(years_v)
    results_v = c.vector(balanskravsresultat, "balanskravsresultat", rule)
    c.same_length(results_v, "balanskravsresultat", n, "ar", rule)
    write_offs_raw = c.optional_vector(synnerliga_skal, "synnerliga_skal", rule, n, "ar")
    extended_raw = c.optional_vector(forlangt_till, "forlangt_till", rule, n, "ar")

    # Rows at the end of the ranges that are blank in every column are unused rows; so are
    # those with a year and nothing else, years not yet filled in (rulla-fram adds the
    # new year's row so; validera warns until its result is entered).
    while n and all(c.is_blank(col[n - 1]) for col in (results_v.values, write_offs_raw, extended_raw)):
        n -= 1
    if n == 0:
        raise InputError("inga år angivna", rule=rule, argument="ar")
    years = [c.year(years_v.values[i], c.element("ar", i), rule) for i in range(n)]
    results = [c.amount(results_v.values[i], c.element("balanskravsresultat", i), rule) for i in range(n)]
    check_ascending(years, lambda i: Location(argument=c.element("ar", i)), rule=rule)

    write_offs, extensions = [], []
    for i in range(n):
        w, e = write_offs_raw[i], extended_raw[i]
        # 0, "0", "–", "nej" ... in a decision column is a controller's "no decision"
        # (the column is often filled for every year); an error cell is still reported.
        w = None if c.no_decision(w) else w
        e = None if c.no_decision(e) else e
        if c.is_blank(w) and c.is_blank(e):
            continue
        for value, name in ((w, "synnerliga_skal"), (e, "forlangt_till")):
            if c.is_blank(value):
                continue
            c.single(value, c.element(name, i), rule)  # an error cell is reported as such
            if results[i] >= 0:
                raise InputError(f"år {years[i]} har inget underskott (balanskravsresultat {fmt_figure(results[i])} mkr)",
                                   rule=rule, argument=c.element(name, i))
        if not c.is_blank(w):
            whole = isinstance(w, str) and c.fold(w) in _WHOLE_DEFICIT
            amount = None if whole else c.amount(w, c.element("synnerliga_skal", i), rule)
            if amount is not None and amount <= 0:
                raise InputError("ange det avskrivna beloppet som ett positivt belopp (eller \"hela\")",
                                   rule=rule, argument=c.element("synnerliga_skal", i))
            write_offs.append(WriteOff(origin_year=years[i], amount=amount, reason=_DECISION_REASON))
        if not c.is_blank(e):
            to_year = c.year(e, c.element("forlangt_till", i), rule)
            if to_year <= years[i]:
                raise InputError(f"{to_year} ligger inte efter underskottsåret {years[i]}",
                                   rule=rule, argument=c.element("forlangt_till", i))
            extensions.append(Extension(origin_year=years[i], to_year=to_year, reason=_DECISION_REASON))

    ledger = ledger_from_columns(years, results, write_offs=tuple(write_offs), extensions=tuple(extensions),
                                 check_atgardsplan=False)
    _refuse_capped_write_offs(ledger, years, rule)
    rows = [ledger_table.FUNCTION.headers]
    rows += [ledger_table.FUNCTION.row(d) for d in ledger.deficits]
    return c.table(rows)


def _refuse_capped_write_offs(ledger, years, rule):
    """A write-off larger than what was left of the deficit: the core caps it and warns
    (aterstallning.avskrivning); a function has no place for the warning, and 400
    written off a deficit of 333 is almost surely a wrong cell, so it is refused."""
    from xlmodel.money import fmt_mkr

    for f in ledger.findings:
        if f.rule == "aterstallning.avskrivning":
            origin = int(f.subject)
            raise InputError(
                f"beslutet skriver av {fmt_mkr(f.found.normalize())} mkr men bara {fmt_mkr(f.expected.normalize())} mkr var kvar av "
                f"underskottet från {origin}; ange högst det beloppet, eller \"hela\"",
                rule=rule, argument=c.element("synnerliga_skal", years.index(origin)))


# =========================================================================== reserves

@c.excel_safe(rename={"year": "ar", "generella_statsbidrag": "statsbidrag_utjamning",
                      "eget_kapital_inkl_ansvarsforbindelse": "eget_kapital", "resultatreserv_balance": "reserv_saldo"})
def RESERVUTRYMME(ar, arets_resultat, resultat_efter_justeringar, skatteintakter, statsbidrag_utjamning,
                  eget_kapital=None, reserv_saldo=None):
    """Högsta belopp som får reserveras till resultatutjämningsreserv/resultatreserv (KL 11:14): det lägre resultatet över 1 % (2 %) av skatter och statsbidrag, från 2024 högst till 5 %-taket."""
    from xlmodel.rules.reserves import ReserveRoomInput, reserve_room

    rule = "reserv"
    inp = ReserveRoomInput(
        year=c.year(ar, "ar", rule),
        arets_resultat=c.amount(arets_resultat, "arets_resultat", rule),
        resultat_efter_justeringar=c.amount(resultat_efter_justeringar, "resultat_efter_justeringar", rule),
        skatteintakter=c.amount(skatteintakter, "skatteintakter", rule),
        generella_statsbidrag=c.amount(statsbidrag_utjamning, "statsbidrag_utjamning", rule),
        eget_kapital_inkl_ansvarsforbindelse=c.optional_amount(eget_kapital, "eget_kapital", rule),
        resultatreserv_balance=c.amount(reserv_saldo, "reserv_saldo", rule, blank=Decimal(0)),
    )
    return c.to_excel(reserve_room(inp).room)


@c.excel_safe(rename={"year": "ar", "rur_balance": "rur_saldo", "resultatreserv_balance": "resultatreserv_saldo",
                      "only_when_negative": "endast_vid_underskott", "at_most_to_zero": "hogst_till_noll"})
def RESERVANVANDNING(ar, resultat_efter_justeringar, rur_saldo=None, resultatreserv_saldo=None,
                     endast_vid_underskott=None, hogst_till_noll=None, riktlinjer=None):
    """Högsta belopp som får användas från reserverna: lagens gränser för året och inom dem fullmäktiges riktlinjer (lokala, inte lag), ur tabellen i riktlinjer eller standard: bara vid negativt resultat och högst till noll."""
    return c.to_excel(reserve_use_of(ar, resultat_efter_justeringar, rur_saldo, resultatreserv_saldo,
                                     endast_vid_underskott, hogst_till_noll, riktlinjer).max_total)


def reserve_use_of(ar, resultat_efter_justeringar, rur_saldo=None, resultatreserv_saldo=None,
                   endast_vid_underskott=None, hogst_till_noll=None, riktlinjer=None):
    """RESERVANVANDNING's whole result (``rules.reserves.ReserveUse``: the limit, the
    rule text with the local guidelines marked as local, the parameters of the law
    used), for ``forklara``; not an Excel function. The law (KL 11:14: the reserve must
    exist and be usable in ``ar``; an old RUR only during the transition) comes from
    xlmodel's dated parameters; the use within it from the body's guidelines: the table
    in ``riktlinjer`` (``excel.reserve_guidelines``), else the two Ja/Nej arguments,
    else the common local rule. An argument that contradicts the table is refused:
    which of the two fullmäktige decided cannot be told."""
    from xlmodel.rules.reserves import ReserveUseInput, reserve_use

    rule = "reserv"
    guidelines = use_guidelines_of(endast_vid_underskott, hogst_till_noll, riktlinjer)
    inp = ReserveUseInput(
        year=c.year(ar, "ar", rule),
        resultat_efter_justeringar=c.amount(resultat_efter_justeringar, "resultat_efter_justeringar", rule),
        rur_balance=c.amount(rur_saldo, "rur_saldo", rule, blank=Decimal(0)),
        resultatreserv_balance=c.amount(resultatreserv_saldo, "resultatreserv_saldo", rule, blank=Decimal(0)),
        guidelines=guidelines,
    )
    return reserve_use(inp)


RESERVER_HEADERS = ("År", "RUR ingående", "RUR utgående", "Resultatreserv ingående", "Resultatreserv utgående",
                    "Tak resultatreserv", "Anmärkning")


@c.excel_safe
def RESERVER(ar, reservering, anvandning, anvandning_rur=None, underlag=None, rur_ingaende=None,
             resultatreserv_ingaende=None):
    """Reservernas saldon år för år: resultatutjämningsreserv (RUR) och från 2024 resultatreserv var för sig, med taket 5 % bara på resultatreserven. En rad per år; anmärkning vid övertrasserad reserv eller tak. Spiller ut."""
    from xlmodel.rules.reserve_ledger import ReserveYear, reserve_ledger
    from xlmodel.location import Location
    from xlmodel.rules.years import check_ascending

    rule = "reserv"
    years_v = c.vector(ar, "ar", rule)
    n = len(years_v)
    columns = {"reservering": c.optional_vector(reservering, "reservering", rule, n, "ar"),
               "anvandning": c.optional_vector(anvandning, "anvandning", rule, n, "ar"),
               "anvandning_rur": c.optional_vector(anvandning_rur, "anvandning_rur", rule, n, "ar"),
               "base": c.optional_vector(underlag, "underlag", rule, n, "ar")}
    names = {"reservering": "reservering", "anvandning": "anvandning", "anvandning_rur": "anvandning_rur",
             "base": "underlag"}
    # Trailing rows blank in every column but the year are years not yet filled in.
    while n and c.is_blank(years_v.values[n - 1]) and all(c.is_blank(col[n - 1]) for col in columns.values()):
        n -= 1
    if n == 0:
        raise InputError("inga år angivna", rule=rule, argument="ar")
    years = [c.year(years_v.values[i], c.element("ar", i), rule) for i in range(n)]
    check_ascending(years, lambda i: Location(argument=c.element("ar", i)), rule=rule)
    series = []
    for i in range(n):
        values = {}
        for key, col in columns.items():
            name = c.element(names[key], i)
            if key == "base":
                values[key] = c.optional_amount(col[i], name, rule)
            else:
                values[key] = c.amount(col[i], name, rule, blank=_ZERO)
        try:
            series.append(ReserveYear(year=years[i], **values))
        except InputError as err:   # name the row: 'anvandning', värde nr 2
            raise InputError(err.message, rule=err.rule,
                             argument=c.element(names.get(err.argument or "", "ar"), i)) from None
    openings = {name: c.amount(value, name, rule, blank=_ZERO)
                for name, value in (("rur_ingaende", rur_ingaende), ("resultatreserv_ingaende", resultatreserv_ingaende))}
    for name, value in openings.items():
        if value < 0:
            raise InputError(f"ingående reserv ska anges som ett positivt belopp (angivet: {fmt_figure(value)})",
                             rule=rule, argument=name)
    ledger = reserve_ledger(series, rur_opening=openings["rur_ingaende"],
                            resultatreserv_opening=openings["resultatreserv_ingaende"])
    notes: dict[str, list[str]] = {}
    for f in ledger.findings:
        notes.setdefault(f.subject or "", []).append(f.message)
    rows = [RESERVER_HEADERS]
    rows += [(y.year, y.rur_opening, y.rur_closing, y.resultatreserv_opening, y.resultatreserv_closing, y.cap,
              " ".join(notes.get(str(y.year), [])) or None) for y in ledger.years]
    return c.table(rows)


def use_guidelines_of(endast_vid_underskott=None, hogst_till_noll=None, riktlinjer=None):
    """The guidelines for use RESERVANVANDNING applies (``rules.reserves.UseGuidelines``,
    local rules): the table in ``riktlinjer``, else the two Ja/Nej arguments, else the
    common local rule. An argument that contradicts the table is refused."""
    from xlmodel.excel import reserve_guidelines as table_argument
    from xlmodel.rules.reserves import UseGuidelines

    rule = "reserv"
    explicit = {"endast_vid_underskott": endast_vid_underskott, "hogst_till_noll": hogst_till_noll}
    given = {k: _yes_no(v, k, rule) for k, v in explicit.items() if not c.is_blank(c.single(v, k, rule))}
    from_table = table_argument.parse(riktlinjer, "riktlinjer", rule)
    if from_table is None:
        return UseGuidelines(
            only_when_negative=given.get("endast_vid_underskott", True),
            at_most_to_zero=given.get("hogst_till_noll", True),
            source="riktlinjer angivna i kalkylbladet (RESERVANVANDNING)" if given
            else "vanlig lokal riktlinje (standard i xlmodel)",
        )
    g = from_table.use
    for key, field, nr in (("endast_vid_underskott", "only_when_negative", 1), ("hogst_till_noll", "at_most_to_zero", 2)):
        if key in given and given[key] != getattr(g, field):
            raise InputError(f"{'Ja' if given[key] else 'Nej'} motsäger riktlinje nr {nr} i tabellen "
                             f"({'Ja' if getattr(g, field) else 'Nej'}); lämna argumentet tomt när "
                             "riktlinjerna anges", rule=rule, argument=key)
    return g


_YES_NO = {"ja": "ja", "sant": "ja", "true": "ja", "nej": "nej", "falskt": "nej", "false": "nej"}


def _yes_no(value, name, rule):
    """Ja/Nej (or Excel's SANT/FALSKT, which arrives as a bool); blank = Ja."""
    if isinstance(value, bool):
        return value
    return c.choice(value, name, rule, _YES_NO, "ja") == "ja"


# =========================================================================== index uplift

def _elementwise(block, name, rule, compute):
    """``compute(Decimal, element name)`` over every non-blank cell of ``block``; blank → blank."""
    g = c.grid(block, name, rule)
    out = []
    for i, x in enumerate(v for row in g.rows for v in row):
        out.append(None if c.is_blank(x) else c.to_excel(compute(c.amount(x, c.element(name, i), rule))))
    return g.reshape(out)


@c.excel_safe
def UPPRAKNING(belopp, sats, ar=None):
    """Löne- och prisindex för ett belopp: belopp × sats, på föregående års ram före årets tillskott. Ger uppräkningen (inte den nya ramen); ett område ger ett område."""
    import xlmodel.rules.uplift as uplift  # not "from xlmodel.rules import": that form runs importlib's Python code on every call

    rule = "upprakning"
    r = c.optional_rate(sats, "sats", rule)
    if r is None:
        year = c.optional_year(ar, "ar", rule)
        if year is None:
            raise InputError("sats saknas; ange en sats eller ett budgetår i argumentet ar", rule=rule, argument="sats")
        r = uplift.resolve_rate(None, year, argument="sats")
    if type(belopp) is float:
        # One cell (a number, never blank): what ``_elementwise`` gives for its 1×1 grid,
        # the element named as there, without building the grid.
        return c.to_excel(uplift.uplift_amount(c.amount(belopp, "belopp[1]", rule), r))
    return _elementwise(belopp, "belopp", rule, lambda base: uplift.uplift_amount(base, r))


def _chain(belopp, satser, forsta_ar):
    from xlmodel.rules import uplift

    rule = "upprakning"
    base = c.amount(belopp, "belopp", rule)
    rates_v = c.vector(satser, "satser", rule)
    first = c.optional_year(forsta_ar, "forsta_ar", rule)
    rates = {}
    for i, x in enumerate(rates_v.values):
        if c.is_blank(x) and first is None:
            raise InputError("satsen saknas; fyll i den eller ange forsta_ar så hämtas LPIK för året",
                               rule=rule, argument=c.element("satser", i))
        # Without a first year the steps are numbered 1..n (the core keys them by year).
        rates[(first if first is not None else 1) + i] = (
            None if c.is_blank(x) else c.rate(x, c.element("satser", i), rule))
    return uplift.chained_uplift(base, rates), first is not None


@c.excel_safe
def UPPRAKNING_KEDJA(belopp, satser, forsta_ar=None):
    """Uppräkning över flera år i kedja: en rad per år med sats, ingående belopp, uppräkning och utgående belopp (belopp × (1+r1) × (1+r2) …). Spiller ut."""
    chain, has_years = _chain(belopp, satser, forsta_ar)
    rows = [("År" if has_years else "Steg", "Sats", "Ingående", "Uppräkning", "Utgående")]
    rows += [(y.year, y.rate, y.opening, y.uplift, y.closing) for y in chain.years]
    return c.table(rows)


@c.excel_safe
def UPPRAKNING_KEDJA_SLUT(belopp, satser, forsta_ar=None):
    """Beloppet efter uppräkning i kedja över flera år: belopp × (1+r1) × (1+r2) … Samma beräkning som UPPRAKNING_KEDJA men bara slutbeloppet."""
    chain, _ = _chain(belopp, satser, forsta_ar)
    return c.to_excel(chain.closing)


@c.excel_safe
def INDEXSATS_VAGD(loneindex, prisindex, loneandel, produktivitetsavdrag=None):
    """Vägd indexsats: löneandel × (löneindex − produktivitetsavdrag) + (1 − löneandel) × prisindex, som statens pris- och löneomräkning."""
    from xlmodel.rules import uplift

    rule = "upprakning.sammanvagd"
    # A share, not a rate: 1 (all wages) is allowed, so parse_amount ("60 %" is 0,6 there too).
    share = c.amount(loneandel, "loneandel", rule)
    return c.to_excel(uplift.composite_rate(
        wage_index=c.rate(loneindex, "loneindex", rule),
        price_index=c.rate(prisindex, "prisindex", rule),
        wage_share=share,
        productivity_deduction=c.rate(produktivitetsavdrag, "produktivitetsavdrag", rule, blank=Decimal(0)),
    ))


# =========================================================================== omställning

OMSTALLNING_HEADERS = ("Nämnd", "Budgetreducering", "Underskottshantering", "Summa omställning", "Ramförändring")


@c.excel_safe
def OMSTALLNING(budgetreducering, underskottshantering=None, namnd=None):
    """Omställningsplanen per nämnd: budgetreducering (minskar ramen) och underskottshantering (minskar inte ramen), summa och ramförändring, med summarad. Spiller ut."""
    from xlmodel.rules.omstallning import OmstallningPart, OmstallningPlan, summarize_omstallning

    rule = "omstallning.plan"
    cuts = c.vector(budgetreducering, "budgetreducering", rule)
    n = len(cuts)
    deficits = c.optional_vector(underskottshantering, "underskottshantering", rule, n, "budgetreducering")
    names = c.optional_vector(namnd, "namnd", rule, n, "budgetreducering")
    used = [i for i in range(n) if not all(c.is_blank(x) for x in (cuts.values[i], deficits[i], names[i]))]
    cut_amounts = _savings(cuts.values, used, "budgetreducering", rule)
    deficit_amounts = _savings(deficits, used, "underskottshantering", rule)
    parts = []
    for i in used:
        label = names[i]
        c.refuse_error(label, c.element("namnd", i), rule)
        parts.append(OmstallningPart(
            row=str(i + 1),
            label=f"Rad {i + 1}" if c.is_blank(label) else str(label).strip(),
            budgetreducering=cut_amounts[i],
            underskottshantering=deficit_amounts[i],
        ))
    if not parts:
        raise InputError("inga belopp angivna", rule=rule, argument="budgetreducering")
    res = summarize_omstallning(OmstallningPlan(year=0, parts=parts))  # the year only names changes
    rows = [OMSTALLNING_HEADERS]
    rows += [(r.label, r.budgetreducering, r.underskottshantering, r.total, -r.budgetreducering) for r in res.rows]
    rows.append(("Summa", res.budgetreducering, res.underskottshantering, res.total, -res.budgetreducering))
    return c.table(rows)


def _savings(values, used, name, rule):
    """A column of savings as positive amounts, whichever sign convention it is written
    in: positive as in an omställningsplan (5; 45), or negative as the frame table and
    Förändringar write the same cuts (−5; −45). Both signs in one column are refused:
    one of them is almost surely a typo, and which one cannot be told."""
    amounts = {i: c.amount(values[i], c.element(name, i), rule, blank=Decimal(0)) for i in used}
    positive = next((i for i in used if amounts[i] > 0), None)
    negative = next((i for i in used if amounts[i] < 0), None)
    if positive is not None and negative is not None:
        later = max(positive, negative)
        raise InputError(
            f"blandade tecken i kolumnen: värde nr {positive + 1} är positivt och värde nr {negative + 1} negativt; "
            "skriv besparingarna antingen som positiva belopp eller alla med minustecken (som i ramtabellen)",
            rule=rule, argument=c.element(name, later))
    return {i: abs(a) for i, a in amounts.items()}


def _cut_args(sats, ar_nummer, metod, rule):
    return (c.rate(sats, "sats", rule), c.whole_number(ar_nummer, "ar_nummer", rule),
            c.choice(metod, "metod", rule, _METHODS, "additive"))


@c.excel_safe(rename={"reduktionssats": "sats"})
def OMSTALLNING_PROCENT(ram, sats, ar_nummer, metod=None):
    """Ackumulerad procentuell reduktion av en ram: ram × k × sats (additiv, standard) eller ram × (1 − (1 − sats)^k) (sammansatt), där k är år nummer. Ger reduktionens belopp."""
    from xlmodel.rules.omstallning import cut_amount

    rule = "omstallning.procent"
    r, k, method = _cut_args(sats, ar_nummer, metod, rule)
    return _elementwise(ram, "ram", rule, lambda frame: cut_amount(frame, r, k, method))


@c.excel_safe(rename={"reduktionssats": "sats"})
def AVKASTNINGSKRAV(intakter, sats, ar_nummer, metod=None):
    """Avkastningskrav på intäkter för intäktsfinansierad verksamhet: intäkter × ackumulerad sats efter k år (additiv eller sammansatt), i stället för en reduktion av nettoramen."""
    from xlmodel.rules.omstallning import avkastningskrav

    rule = "omstallning.procent"
    r, k, method = _cut_args(sats, ar_nummer, metod, rule)
    return _elementwise(intakter, "intakter", rule, lambda revenue: avkastningskrav(revenue, r, k, method))


# A temporary withholding is money held back centrally at the start of the year and
# returned within it: the plans withhold a few per mille (Region Västerbotten 2022:
# 0,4 %). A share of more than 10 % of a frame is not such a withholding; it is the
# number 0,4 typed for 0,4 % (= 40 %), which used to give 2 111,6 on a frame of 5 279.
MAX_TILLFALLIG_ANDEL = Decimal("0.10")


def _num(x):
    """A number as Swedish text, without trailing zeros: 0,4 / 40 / 0,004."""
    text = format(x.normalize(), "f")
    return text.replace(".", ",")


def _pct(x):
    return f"{_num(x * 100)} %"


@c.excel_safe
def TILLFALLIG_REDUCERING(ram, andel):
    """Tillfällig reducering: belopp som hålls inne centralt vid årets början och återförs under året (ram × andel). Påverkar varken årets totala ram eller nästa års bas."""
    from xlmodel.rules.omstallning import temporary_withholding

    rule = "omstallning.tillfallig"
    share = c.rate(andel, "andel", rule)
    if share > MAX_TILLFALLIG_ANDEL:
        raise InputError(
            f"andelen {_pct(share)} är orimligt stor för en tillfällig reducering (högst {_pct(MAX_TILLFALLIG_ANDEL)}); "
            f"menade du {_num(share)} %? Skriv \"{_num(share)} %\" eller {_num(share / 100)}",
            rule=rule, argument="andel")
    return _elementwise(ram, "ram", rule, lambda frame: temporary_withholding(frame, share).withheld)


def __getattr__(name: str):
    """``ATERSTALLNING_HEADERS`` (the ledger table's function shape), read only when asked:
    the COM server's ``import udfs`` need not build the ledger table's classes
    (``rules.ledger_table``) for a function that is perhaps never called (PEP 562)."""
    if name == "ATERSTALLNING_HEADERS":
        from xlmodel.rules import ledger_table

        return ledger_table.FUNCTION.headers
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ATERSTALLNING",
    "ATERSTALLNING_HEADERS",
    "AVKASTNINGSKRAV",
    "BALANSKRAV",
    "BALANSKRAV_KOLUMN",
    "BALANSKRAV_LINES",
    "BALANSKRAV_UTREDNING",
    "INDEXSATS_VAGD",
    "OMSTALLNING",
    "OMSTALLNING_HEADERS",
    "OMSTALLNING_PROCENT",
    "RESERVANVANDNING",
    "RESERVER",
    "RESERVER_HEADERS",
    "RESERVUTRYMME",
    "TILLFALLIG_REDUCERING",
    "UPPRAKNING",
    "UPPRAKNING_KEDJA",
    "UPPRAKNING_KEDJA_SLUT",
]
