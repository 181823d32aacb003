"""``xlmodel anslut BOK --delar ramtabell``: add xlmodel's parts to a workbook the team
already has (``xlmodel.workbook.adopt``)."""

from __future__ import annotations

import argparse

from xlmodel.cli.common import EXIT_OK, EXIT_UNREADABLE, complain, error_text, preflight, say

EPILOG = """\
Exempel:
  xlmodel anslut budget_2026.xlsx --delar ramtabell --torrkorning
  xlmodel anslut budget_2026.xlsx --delar ramtabell --ramar "Nämndramar!A2:B8" \\
      --budgetar 2026 --index "3,1 %" --indexkalla "SKR cirkulär 25:40, oktober 2025"
  xlmodel anslut budget_2026.xlsx --delar ramtabell --plats ramtabell=Budget!H2
  xlmodel anslut budget_2026.xlsx --delar resultatbudget,balanskrav \\
      --resultatbudget "RB!A2:E6" --mal "Mål!A2:G3" --balanskrav "Balans!A2:B6"
  xlmodel anslut delarsrapport.xlsx --delar balanskravsutredning --rakenskapsar 2025 \\
      --utredning "Utredning!B5:C12"

Delarnas indatatabeller, namngivna parameterceller och utdatablad läggs till på nya blad
efter arbetsbokens sista blad (Parametrar, Ramar, Förändringar, Ramtabell; finns redan ett
blad med namnet får det nya namnet ett nummer, t.ex. "Ramar (2)"). Allt som redan finns i
arbetsboken lämnas orört; med --plats skrivs en del på ert eget blad från cellen, och
bara i dess celler (finns något av ert, sammanfogade celler, en Excel-tabell eller en
annan del där den behöver stå vägras platsen), eller på ett nytt blad med det namn ni
anger. --ramar fyller tabellen tblRamar ur ett område med två kolumner
(nämnd, budgetram föregående år) eller tre (id, nämnd, budgetram föregående år);
--forandringar fyller tblForandringar (beskrivning, typ, rad, belopp). --resultatbudget
fyller tblResultatbudget (år, typ, nettoram, skatteintäkter, generella statsbidrag, och
eventuellt finansiella intäkter, finansiella kostnader, orealiserade vinster och
publicerat resultat), --mal de finansiella målen i tblMal, --balanskrav tblBalanskrav
(år, balanskravsresultat; krävs för delen balanskrav). Delen balanskravsutredning
(delårsrapportens och årsredovisningens utredning, på ett nytt blad Balanskravsutredning)
kräver --rakenskapsar; --utredning fyller tblUtredning med en rad per rad i utredningen
(1–8, och 9 från 2024) och en kolumn (belopp), två (post, belopp) eller tre (nr, post,
belopp). Delen diagram (diagrambladet över ramtabellen och återställningstabellen) kräver
delarna ramtabell och balanskrav, nu eller tidigare, med indata ifyllda. När indata är
ifyllda räknas delarna fram direkt; annars visas vad som ska fyllas i före 'xlmodel
regenerera'.

Slutkoder:
  0  delarna lades till (eller, med --torrkorning, kan läggas till)
  1  delarna lades till men reglerna hittade fel i indata
  2  filen kunde inte läsas eller ändras, en del finns redan, eller kommandoraden var fel"""


def register(sub, formatter, add_help, completes, add_lock_options) -> None:
    p = sub.add_parser("anslut", aliases=["adopt"],
                       help="lägg till xlmodels delar (t.ex. ramtabellen) i en befintlig arbetsbok",
                       description="Lägg till valda delars indatatabeller och utdatablad i en arbetsbok som "
                                   "teamet redan har, och fyll indata ur områden som redan finns i den.",
                       epilog=EPILOG, formatter_class=formatter, add_help=False)
    add_help(p)
    completes(p.add_argument("file", metavar="BOK", help="arbetsboken (.xlsx/.xlsm)"), "workbook")
    completes(p.add_argument("--delar", "--parts", metavar="DELAR", dest="parts", required=True,
                             help="delarna att lägga till, kommaseparerade: ramtabell, resultatbudget, "
                                  "balanskrav, balanskravsutredning, diagram"), "none")
    completes(p.add_argument("--ramar", "--frames", metavar="OMRÅDE", dest="frames_range", default=None,
                             help='nämnderna och förra årets ramar, t.ex. "Nämndramar!A2:B8"'), "none")
    completes(p.add_argument("--forandringar", "--förändringar", "--changes", metavar="OMRÅDE", dest="changes_range",
                             default=None, help='årets förändringar, t.ex. "Beslut!A2:D9"'), "none")
    completes(p.add_argument("--resultatbudget", metavar="OMRÅDE", dest="resultatbudget_range", default=None,
                             help='resultatbudgetens år, t.ex. "RB!A2:E6"'), "none")
    completes(p.add_argument("--mal", "--mål", "--goals", metavar="OMRÅDE", dest="goals_range", default=None,
                             help='de finansiella målen, t.ex. "Mål!A2:G3"'), "none")
    completes(p.add_argument("--balanskrav", metavar="OMRÅDE", dest="balanskrav_range", default=None,
                             help='balanskravsresultat per år, t.ex. "Balans!A2:B6"'), "none")
    completes(p.add_argument("--utredning", metavar="OMRÅDE", dest="utredning_range", default=None,
                             help='balanskravsutredningens belopp i lagens ordning, t.ex. "Utredning!B5:C12"'), "none")
    completes(p.add_argument("--rakenskapsar", "--räkenskapsår", "--fiscal-year", metavar="ÅR", dest="fiscal_year",
                             default=None, help="balanskravsutredningens räkenskapsår, t.ex. 2025"), "none")
    for flag, dest, what in (("--rur-ingaende", "rur_opening", "resultatutjämningsreserven vid årets början"),
                             ("--resultatreserv-ingaende", "rr_opening", "resultatreserven vid årets början (från 2024)"),
                             ("--reservunderlag", "reserve_base", "skatteintäkter, generella statsbidrag och utjämning "
                                                                 "(resultatreservens tak)")):
        completes(p.add_argument(flag, metavar="BELOPP", dest=dest, default=None,
                                 help=f"{what}, mkr: ett belopp eller en cell, t.ex. \"Balans!C12\"; med någon av "
                                      "dem spiller =RESERVER() ut reservernas saldon bredvid utredningen"), "none")
    completes(p.add_argument("--budgetar", "--budgetår", "--year", metavar="ÅR", dest="year", default=None,
                             help="budgetåret, t.ex. 2026"), "none")
    completes(p.add_argument("--index", metavar="SATS", dest="index_rate", default=None,
                             help="standardindex för budgetåret, t.ex. 3,1%% eller 0,031"), "none")
    completes(p.add_argument("--indexkalla", "--indexkälla", "--index-source", metavar="TEXT", dest="index_source",
                             default=None, help="varifrån satsen kommer; skrivs i tabellen Index"), "none")
    completes(p.add_argument("--plats", "--place", metavar="DEL=BLAD!CELL", dest="places", action="append",
                             default=[], help="var delen ska stå, t.ex. ramtabell=Budget!H2 (också på ert "
                                              "eget blad), resultatbudget=Budget!H30 eller balanskrav=Återställning!A4 (ett nytt blad); "
                                              "standard: ett nytt blad med delens namn"), "none")
    add_lock_options(p)
    p.set_defaults(handler=cmd_adopt)


def _options(args: argparse.Namespace):
    from xlmodel.errors import InputError
    from xlmodel.money import parse_rate
    from xlmodel.workbook.adopt import AdoptOptions, parse_parts
    from xlmodel.workbook.layout import Param
    from xlmodel.workbook.tables import convert

    parts = parse_parts(args.parts)
    year = None
    if args.year is not None:
        year = convert(args.year, Param("Budgetar", "", "", "--budgetar", "year"), rule="anslut")
    fiscal_year = None
    if args.fiscal_year is not None:
        fiscal_year = convert(args.fiscal_year, Param("Rakenskapsar", "", "", "--rakenskapsar", "year"), rule="anslut")
    rate = parse_rate(args.index_rate, argument="--index", rule="anslut") if args.index_rate is not None else None
    source = args.index_source
    if rate is not None and not (source or "").strip():
        raise InputError("ange varifrån standardindex kommer med --indexkalla (t.ex. SKR:s prognos eller "
                         "fullmäktiges beslut); den skrivs i tabellen Index", rule="anslut", argument="--indexkalla")
    if rate is not None and year is None:
        raise InputError("ange budgetåret med --budgetar när --index anges", rule="anslut", argument="--budgetar")
    places = {}
    if args.places:
        from xlmodel.workbook.adopt import parse_place
        from xlmodel.workbook.cells import PackageCells

        sheets = PackageCells.open(args.file).sheet_names()
        for text in args.places:
            part, where = parse_place(text, sheets)
            if part not in parts:
                raise InputError(f"--plats {text}: delen {part} finns inte i --delar", rule="anslut",
                                 argument="--plats")
            places[part] = where
    for option, value, part in (("--ramar", args.frames_range, "ramtabell"),
                                 ("--forandringar", args.changes_range, "ramtabell"),
                                 ("--resultatbudget", args.resultatbudget_range, "resultatbudget"),
                                 ("--mal", args.goals_range, "resultatbudget"),
                                 ("--balanskrav", args.balanskrav_range, "balanskrav"),
                                 ("--utredning", args.utredning_range, "balanskravsutredning"),
                                 ("--rakenskapsar", args.fiscal_year, "balanskravsutredning"),
                                 ("--rur-ingaende", args.rur_opening, "balanskravsutredning"),
                                 ("--resultatreserv-ingaende", args.rr_opening, "balanskravsutredning"),
                                 ("--reservunderlag", args.reserve_base, "balanskravsutredning")):
        if value is not None and part not in parts:
            raise InputError(f"{option} fyller delen {part}, som inte finns i --delar", rule="anslut", argument=option)
    return AdoptOptions(places=places, parts=parts, frames_range=args.frames_range, changes_range=args.changes_range,
                        year=year, index_rate=rate, index_source=source,
                        resultatbudget_range=args.resultatbudget_range, goals_range=args.goals_range,
                        balanskrav_range=args.balanskrav_range, fiscal_year=fiscal_year,
                        utredning_range=args.utredning_range,
                        reserves={name: value for name, value in (("ReservRurIngaende", args.rur_opening),
                                                                  ("ReservResultatreservIngaende", args.rr_opening),
                                                                  ("ReservUnderlag", args.reserve_base))
                                  if value is not None})


def cmd_adopt(args: argparse.Namespace) -> int:
    from xlmodel import report
    from xlmodel.errors import XlmodelError
    from xlmodel.findings import Severity
    from xlmodel.workbook.adopt import adopt_file

    problem = preflight(args.file)
    if problem is not None:
        complain(f"{args.file}: {problem}")
        return EXIT_UNREADABLE
    try:
        opts = _options(args)
        result = adopt_file(args.file, opts, dry_run=args.dry_run, backup=not args.no_backup,
                            ignore_excel_lock=args.ignore_excel_lock, lock_wait=args.lock_wait)
    except XlmodelError as exc:
        complain(f"{args.file}: {error_text(exc, args.file)}")
        return EXIT_UNREADABLE
    if result.lock_note:
        complain(f"{args.file}: obs: {result.lock_note}")
    verb = "skulle få" if args.dry_run else "har fått"
    lines = [f"{args.file} {verb} {'delen' if len(opts.parts) == 1 else 'delarna'} {', '.join(opts.parts)}:"]
    lines.append("  nya blad: " + ", ".join(result.sheets))
    if result.tables:  # the chart sheet alone adds none
        lines.append("  tabeller: " + ", ".join(result.tables))
    lines.append("  namngivna celler: " + ", ".join(result.names))
    lines += [f"  ifyllt: {f}" for f in result.filled]
    lines += [f"  {n}" for n in result.todo_notes]
    if result.todo:
        lines.append("  att fylla i, sedan 'xlmodel regenerera " + args.file + "':")
        lines += [f"    - {t}" for t in result.todo]
    words = {"ramtabell": "ramtabellen", "resultatbudget": "resultatbudgeten", "balanskrav": "återställningstabellen",
             "balanskravsutredning": "balanskravsutredningen", "diagram": "diagrammen"}
    what = [words[p] for p in opts.parts]
    what_text = " och ".join([", ".join(what[:-1]), what[-1]] if len(what) > 1 else what)
    if result.todo:
        pass  # what to fill in is listed above; nothing was computed yet
    elif args.dry_run:
        lines.append(f"  {what_text} räknas fram när boken sparas")
    else:
        plural = len(what) > 1 or what == ["diagrammen"]
        lines.append(f"  {what_text} {'räknade' if plural else 'räknad'}: {result.computed} celler skrivna")
    if result.backup:
        lines.append(f"  säkerhetskopia: {result.backup}")
    lines.append("  " + result.excel_note)
    say("\n".join(lines) + "\n")
    if result.findings:
        import sys

        say("\n".join(report.findings_table(result.findings, colour=report.use_colour(sys.stdout))) + "\n")
    return 1 if any(f.severity is Severity.ERROR for f in result.findings) else EXIT_OK
