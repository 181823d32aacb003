"""The command line's parser: argparse in Swedish, every command with its help text and
examples, and the ``komplettering`` command that prints completion for this very parser."""

from __future__ import annotations

import argparse

from xlmodel import __version__
from xlmodel.cli import build, diff, explain, rewrite, validate
from xlmodel.cli.common import EXIT_OK, PROG, add_excel_lock_flag, say
from xlmodel.cli.completion import bash_completion, fish_completion, zsh_completion


# =========================================================================== argparse in Swedish

# argparse's own words (usage, section titles, error messages) come from gettext;
# Python ships no Swedish catalogue, so the ones a user meets are translated here.
_ARGPARSE_SV = {
    "usage: ": "användning: ",
    "positional arguments": "argument",
    "options": "flaggor",
    "show this help message and exit": "visa den här hjälpen och avsluta",
    "%(prog)s: error: %(message)s\n": "%(prog)s: fel: %(message)s\n",
    "the following arguments are required: %s": "följande argument saknas: %s",
    "unrecognized arguments: %s": "okända argument: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "ogiltigt val: %(value)r (välj bland %(choices)s)",
    "invalid %(type)s value: %(value)r": "ogiltigt värde: %(value)r",
    "expected one argument": "flaggan kräver ett värde",
    "expected at most one argument": "flaggan tar högst ett värde",
    "expected at least one argument": "minst ett värde krävs",
    "ambiguous option: %(option)s could match %(matches)s": "tvetydig flagga: %(option)s kan vara %(matches)s",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s: %(message)s",
    "not allowed with argument %s": "kan inte kombineras med %s",
    "one of the arguments %s is required": "ett av argumenten %s krävs",
    "ignored explicit argument %r": "flaggan tar inget värde (%r)",
    "unexpected option string: %s": "oväntad flagga: %s",
}


def install_swedish_argparse() -> None:
    """Make argparse speak Swedish. Process-wide, so only ``main`` calls it: the CLI
    owns its process (pre-commit and CI start it as a program)."""
    original = getattr(argparse, "_", None)
    if getattr(original, "__xlmodel__", False):
        return

    def translate(message: str) -> str:
        return _ARGPARSE_SV.get(message, original(message) if original else message)

    translate.__xlmodel__ = True  # type: ignore[attr-defined]
    argparse._ = translate  # type: ignore[attr-defined]


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the hand-wrapped examples in descriptions and epilogs as written."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=32)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' är inget heltal") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"måste vara minst 1 (fick {value})")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        value = -1.0
    if not 0 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"ogiltigt antal sekunder: {text!r} (0–3600)")
    return value


def _completes(action: argparse.Action, kind: str) -> argparse.Action:
    """Tag an argument with what the shell should complete: 'workbook', 'dir', 'file' or 'none'."""
    action.complete = kind  # type: ignore[attr-defined]
    return action


EXIT_CODES_HELP = """\
Slutkoder:
  0  inga fel
  1  reglerna hittade fel (med --strikt även varningar)
  2  en fil kunde inte läsas, eller kommandoraden var fel
  3  internt fel i xlmodel (kör med XLMODEL_DEBUG=1 för spårning)"""

MAIN_DESCRIPTION = """\
xlmodel – budgetreglerna för regioner (balanskrav, återställning, resultatreserv,
LPIK-uppräkning, omställning och ramtabell) för Excel-arbetsböcker, utan Excel."""

MAIN_EPILOG = f"""\
Exempel:
  xlmodel validera workbooks/*.xlsx
  xlmodel validera --format junit --utfil rapport.xml workbooks/*.xlsx
  xlmodel regenerera --torrkorning workbooks/regionplan_2021.xlsx
  xlmodel rulla-fram workbooks/regionplan_2021.xlsm
  xlmodel bygg workbooks/src --ut workbooks
  xlmodel ny --kommun                              (ny plan: frågar efter nämnder, index, …)
  xlmodel diff gammal.xlsm ny.xlsm
  xlmodel forklara regionplan_2021.xlsm Ramtabell!G14
  xlmodel komplettering bash > ~/.local/share/bash-completion/completions/xlmodel

Skriv 'xlmodel KOMMANDO --help' för kommandots flaggor.

{EXIT_CODES_HELP}"""

VALIDATE_EPILOG = f"""\
Exempel:
  xlmodel validera regionplan_2021.xlsx
  xlmodel validera workbooks/                      (alla .xlsx/.xlsm i katalogen)
  xlmodel validera --strikt --jobb 2 workbooks/*.xlsx
  xlmodel validera --format json workbooks/*.xlsx > rapport.json
  xlmodel validera --format junit --utfil rapport.xml workbooks/*.xlsx

Med --utfil skrivs rapporten i valt format till filen och textrapporten visas
på skärmen. Mönster som *.xlsx expanderas av xlmodel om skalet inte gör det
(Windows cmd). Excels låsfiler (~$bok.xlsx) hoppas över.

{EXIT_CODES_HELP}"""

REGENERATE_EPILOG = f"""\
Exempel:
  xlmodel regenerera --torrkorning regionplan_2021.xlsx   (visa vad som ändras)
  xlmodel regenerera regionplan_2021.xlsx                 (skriv, med säkerhetskopia)
  xlmodel regenerera --ingen-backup regionplan_2021.xlsx

Bara de celler verktyget äger (ramtabellen) skrivs om; allt annat i arbetsboken
lämnas orört.

{EXIT_CODES_HELP}"""

ROLLFORWARD_EPILOG = f"""\
Exempel:
  xlmodel rulla-fram --torrkorning regionplan_2021.xlsm   (visa vad som ändras)
  xlmodel rulla-fram regionplan_2021.xlsm                 (skriv, med säkerhetskopia)
  xlmodel rulla-fram --index 2,8% --indexkalla "SKR cirkulär 24:12, april 2024" plan.xlsm

Årets budgetramar blir nästa års utgångsläge på bladet Ramar (tryckta ramar där de
finns), Förändringar och Publicerat töms och budgetåret ökar med ett. Standardindex för
det nya året: satsen i --index (skrivs med sin källa i tabellen Index på bladet
Parametrar); utan --index frågar kommandot i en terminal, annars hämtas satsen ur
xlmodels publicerade parametrar om året finns där. Finns ingen står förra årets sats kvar
med en varning, och 'xlmodel validera' rapporterar den som fel tills årets sats skrivs in.
Resultatbudgetens och balanskravets tabeller (tblResultatbudget, tblBalanskrav) får året
efter sitt sista, på vilket blad de än står; beloppen fyller ni i, och 'xlmodel validera'
varnar tills de är ifyllda. Har tabellen ingen tom rad kvar utökas den med en rad, om raden
under den är tom; annars vägrar kommandot och nämner cellen. Ramtabellen räknas om. Samma
logik som makrot RULLA_FRAM i Excel.

{EXIT_CODES_HELP}"""

BUILD_EPILOG = f"""\
Exempel:
  xlmodel bygg workbooks/src --ut workbooks
  xlmodel bygg workbooks/src/vasterbotten_regionplan_2021 --ut /tmp/bocker

KÄLLA är en bokkatalog (med bok.toml och CSV-filer) eller en katalog med sådana.

{EXIT_CODES_HELP}"""

DIFF_EPILOG = """\
Exempel:
  xlmodel diff regionplan_v1.xlsm regionplan_v2.xlsm
  xlmodel diff --format json gammal.xlsx ny.xlsx > skillnader.json
  xlmodel diff --textconv regionplan.xlsm        (hela boken som text, för git)

Varje ändrad cell får en typ: indata (ett fast värde som ingen regel räknar fram),
beräknat (samma formel men nytt sparat värde, eller en cell som xlmodel räknar och
skriver) eller formel (formelns text har ändrats). Tal jämförs med Excels 15
värdesiffror, så flyttalsbrus räknas inte som en ändring.

Som git-drivrutin (se docs/diff-explain.md):
  .gitattributes:  *.xlsx diff=xlmodel
                   *.xlsm diff=xlmodel
  git config diff.xlmodel.textconv "xlmodel diff --textconv"
  eller:  git config diff.xlmodel.command "xlmodel diff --git-extern"
Med --git-extern tas git:s sju argument (sökväg, gammal fil, hash, läge, ny fil,
hash, läge) emot; slutkoden är då 0 även när filerna skiljer sig, eftersom git
avbryter vid en annan slutkod.

Slutkoder:
  0  inga skillnader
  1  arbetsböckerna skiljer sig
  2  en fil kunde inte läsas, eller kommandoraden var fel
  3  internt fel i xlmodel (kör med XLMODEL_DEBUG=1 för spårning)"""

EXPLAIN_EPILOG = """\
Exempel:
  xlmodel forklara regionplan_2021.xlsm Ramtabell!G14     (index för HSN)
  xlmodel forklara regionplan_2021.xlsm H9 --blad Ramtabell
  xlmodel forklara regionplan_2021.xlsm "Balanskrav!K5"
  xlmodel forklara --format json delarsrapport.xlsx Balanskravsutredning!C16

För en beräknad cell visas regeln, indata med sina celler och värden, parametrarna
med giltighetstid och lagrum, och uträkningen steg för steg. För en indatacell
visas vilken tabell och kolumn (eller parameter) den hör till.

Slutkoder:
  0  förklaringen visades
  1  cellens sparade värde stämmer inte med regeln (kör 'xlmodel regenerera')
  2  filen kunde inte läsas, cellreferensen är fel eller kommandoraden var fel
  3  internt fel i xlmodel (kör med XLMODEL_DEBUG=1 för spårning)"""

COMPLETION_EPILOG = """\
Exempel:
  bash:  xlmodel komplettering bash > ~/.local/share/bash-completion/completions/xlmodel
         (eller för stunden: source <(xlmodel komplettering bash))
  zsh:   xlmodel komplettering zsh > "${fpath[1]}/_xlmodel"   (sedan: compinit)
  fish:  xlmodel komplettering fish > ~/.config/fish/completions/xlmodel.fish"""


def _add_write_command(sub, name: str, alias: str, handler, epilog: str, *, help: str,
                       description: str) -> argparse.ArgumentParser:
    """A command that rewrites one workbook in place: FIL, --torrkorning, --ingen-backup."""
    p = sub.add_parser(name, aliases=[alias], help=help, description=description, epilog=epilog,
                       formatter_class=_Formatter, add_help=False)
    _add_help(p)
    _completes(p.add_argument("file", metavar="FIL", help="arbetsboken (.xlsx/.xlsm)"), "workbook")
    _add_write_options(p)
    p.set_defaults(handler=handler)
    return p


def _add_write_options(p: argparse.ArgumentParser) -> None:
    """--torrkorning, --ingen-backup, --trots-excel-las, --vanta: every command that writes a workbook."""
    p.add_argument("-n", "--torrkorning", "--torrkörning", "--dry-run", action="store_true", dest="dry_run",
                   help="visa vad som skulle ändras, men skriv inget")
    p.add_argument("--ingen-backup", "--no-backup", action="store_true", dest="no_backup",
                   help="gör ingen säkerhetskopia före skrivningen")
    add_excel_lock_flag(p)
    _completes(p.add_argument("--vanta", "--vänta", "--wait", type=_seconds, metavar="SEK", dest="lock_wait",
                              default=None,
                              help="hur länge en annan pågående skrivning av samma bok väntas ut (standard: 30)"),
               "none")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=MAIN_DESCRIPTION,
        epilog=MAIN_EPILOG,
        formatter_class=_Formatter,
        add_help=False,
    )
    _add_help(parser)
    parser.add_argument(
        "--version", action="version", version=f"{PROG} {__version__}", help="visa versionen och avsluta"
    )
    sub = parser.add_subparsers(dest="command", metavar="KOMMANDO", title="kommandon")

    p = sub.add_parser(
        "validera",
        aliases=["validate"],
        help="kontrollera arbetsböcker mot budgetreglerna",
        description="Kontrollera en eller flera arbetsböcker mot budgetreglerna och rapportera avvikelser.",
        epilog=VALIDATE_EPILOG,
        formatter_class=_Formatter,
        add_help=False,
    )
    _add_help(p)
    _completes(p.add_argument("files", nargs="+", metavar="FIL", help="arbetsböcker (.xlsx/.xlsm) eller kataloger"),
               "workbook")
    _completes(p.add_argument("--format", choices=("text", "json", "junit"), default="text",
                              help="rapportformat (standard: text)"), "none")
    _completes(p.add_argument("-o", "--utfil", "--output", metavar="SÖKVÄG", dest="output",
                              help="skriv rapporten till en fil i stället för till skärmen"), "file")
    p.add_argument("--strikt", "--strict", action="store_true", dest="strict",
                   help="räkna varningar som fel (slutkod 1)")
    _completes(p.add_argument("-j", "--jobb", "--jobs", type=_positive_int, metavar="N", dest="jobs", default=None,
                              help="antal parallella processer (standard: antal processorer; 1 = i samma process)"),
               "none")
    p.set_defaults(handler=validate.cmd_validate)

    _add_write_command(
        sub, "regenerera", "regenerate", rewrite.cmd_regenerate, REGENERATE_EPILOG,
        help="räkna om och skriv tillbaka verktygets celler (ramtabellen)",
        description="Räkna om en arbetsbok med reglerna och skriv tillbaka de celler verktyget äger.",
    )
    p = _add_write_command(
        sub, "rulla-fram", "roll-forward", rewrite.cmd_roll_forward, ROLLFORWARD_EPILOG,
        help="rulla arbetsboken ett år framåt (årets ramar blir nästa års utgångsläge)",
        description="Rulla en regionplan ett år framåt och räkna om ramtabellen.",
    )
    p.add_argument("--index", metavar="SATS", dest="index_rate", default=None,
                   help="standardindex för det nya året, t.ex. 2,8%% eller 0,028")
    p.add_argument("--indexkalla", "--indexkälla", "--index-source", metavar="TEXT", dest="index_source", default=None,
                   help="varifrån satsen kommer (SKR:s prognos, fullmäktiges beslut); skrivs i tabellen Index")
    p.add_argument("--radindex", "--row-index", metavar="ID=SATS", dest="row_rates", action="append", default=None,
                   help="egen indexsats för det nya året för en rad på bladet Ramar, t.ex. RF=2,1%%; kan upprepas "
                        "(en rad med egen sats som inte anges behåller sin sats och rapporteras av validera "
                        "tills den ändras eller beslutet skrivs in i tabellen Index)")

    p = sub.add_parser(
        "bygg",
        aliases=["build"],
        help="bygg arbetsböcker från versionerade indata",
        description="Bygg arbetsböcker (.xlsx/.xlsm) från versionerade indata (bok.toml och CSV).",
        epilog=BUILD_EPILOG,
        formatter_class=_Formatter,
        add_help=False,
    )
    _add_help(p)
    _completes(p.add_argument("source", metavar="KÄLLA", help="bokkatalog eller katalog med bokkataloger"), "dir")
    _completes(p.add_argument("--ut", "--out", metavar="KATALOG", dest="out", default=".",
                              help="katalog att skriva arbetsböckerna i (standard: aktuell katalog)"), "dir")
    add_excel_lock_flag(p)
    p.set_defaults(handler=build.cmd_build)

    p = sub.add_parser(
        "diff",
        help="visa vad som ändrats mellan två versioner av en arbetsbok",
        description="Jämför två versioner av en arbetsbok cell för cell: indata, beräknade värden och formler, "
                    "per blad, samt tillagda och borttagna blad, namn och tabeller.",
        epilog=DIFF_EPILOG,
        formatter_class=_Formatter,
        add_help=False,
    )
    _add_help(p)
    _completes(p.add_argument("files", nargs="+", metavar="FIL",
                              help="två arbetsböcker (FÖRE EFTER); en med --textconv; git:s sju med --git-extern"),
               "workbook")
    _completes(p.add_argument("--format", choices=("text", "json"), default="text",
                              help="rapportformat (standard: text)"), "none")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--textconv", action="store_true",
                      help="skriv en arbetsbok som stabil text, en rad per cell (git textconv)")
    mode.add_argument("--git-extern", action="store_true", dest="git_extern",
                      help="anropas av git som extern diff med sju argument (diff.xlmodel.command)")
    p.set_defaults(handler=diff.cmd_diff)

    p = sub.add_parser(
        "forklara",
        aliases=["förklara", "explain"],
        help="förklara hur en cell har räknats fram: regel, indata, parametrar och lagrum",
        description="Förklara en cell: regeln som räknar fram den, dess indata med celler och värden, "
                    "parametrarna med giltighetstid och lagrum, och uträkningen.",
        epilog=EXPLAIN_EPILOG,
        formatter_class=_Formatter,
        add_help=False,
    )
    _add_help(p)
    _completes(p.add_argument("file", metavar="BOK", help="arbetsboken (.xlsx/.xlsm)"), "workbook")
    _completes(p.add_argument("cell", metavar="CELL", help="cellen, t.ex. Ramtabell!G14 eller G14 med --blad"),
               "none")
    _completes(p.add_argument("--blad", "--sheet", metavar="BLAD", dest="sheet", default=None,
                              help="bladet, om CELL inte anger det"), "none")
    _completes(p.add_argument("--format", choices=("text", "json"), default="text",
                              help="rapportformat (standard: text)"), "none")
    p.set_defaults(handler=explain.cmd_explain)

    p = sub.add_parser(
        "komplettering",
        aliases=["completion"],
        help="skriv ut ett skript för tab-komplettering i skalet",
        description="Skriv ut ett skript som ger tab-komplettering av xlmodel i bash, zsh eller fish.",
        epilog=COMPLETION_EPILOG,
        formatter_class=_Formatter,
        add_help=False,
    )
    _add_help(p)
    p.add_argument("shell", choices=("bash", "zsh", "fish"), metavar="SKAL", help="bash, zsh eller fish")
    p.set_defaults(handler=cmd_completion)

    from xlmodel.cli import excel as cli_excel  # commands that live in their own modules
    from xlmodel.cli import new as cli_new
    from xlmodel.cli import sammanstall as cli_sammanstall

    cli_excel.register(sub, _Formatter, _add_help, _completes)
    cli_sammanstall.register(sub, _Formatter, _add_help, _completes)
    from xlmodel.cli import adopt as cli_adopt

    cli_adopt.register(sub, _Formatter, _add_help, _completes, _add_write_options)
    cli_new.register(sub, _Formatter, _add_help, _completes)
    return parser


def _add_help(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-h", "--help", action="help", help="visa den här hjälpen och avsluta")



def cmd_completion(args: argparse.Namespace) -> int:
    generator = {"bash": bash_completion, "zsh": zsh_completion, "fish": fish_completion}[args.shell]
    say(generator(build_parser()))
    return EXIT_OK
