"""``xlmodel ny``: a new plan workbook for a region or a kommun and a year.

The answers come from options, from a TOML file (``--fran``) or, for what is still
missing when stdin is a terminal, from questions asked one by one (each answer checked
at once and asked again when wrong). When stdin is not a terminal nothing is asked:
what is missing is named in one line and the exit code is 2, so a script or a CI job
never waits for input. The answers become ``new_plan.NewPlan`` and then the input of
``xlmodel bygg`` (``new_plan.book_source``): the same schema and builder.
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import date
from pathlib import Path
from typing import Any

from xlmodel.cli.common import EXIT_OK, EXIT_UNREADABLE, add_excel_lock_flag, complain, say

EPILOG = """\
Exempel:
  xlmodel ny                                       (frågar efter allt i terminalen)
  xlmodel ny --kommun --namn "Exempel kommun" --ar 2026 --ramar ramar2025.xlsx \\
      --index "2,9 %" --indexkalla "SKR:s prognos augusti 2025" \\
      --skatteintakter 1300 --statsbidrag 350 --ut budget_2026.xlsx
  xlmodel ny --fran svar.toml --ut regionplan_2026.xlsx
  xlmodel ny --fran svar.toml --spara-indata indata/plan_2026   (även bok.toml och CSV för bygg)

Nämnder: --namnd "Socialnämnden=650" (en per nämnd) eller --ramar FIL (CSV eller xlsx med
en kolumn Post/Nämnd och en kolumn Budgetram föregående år/Budgetram ÅÅÅÅ).
Förändringar: --omstallning "SN=5" (minskar ramen med 5 mkr), --utokning "BUN=10",
--overforing "KS:BUN=2,5" (flyttar 2,5 mkr från KS till BUN). Nämnden anges med Id eller namn.
Index: standardindex för budgetåret med källa krävs (--index och --indexkalla), utom när
xlmodel själv har en sats med källa för året.

Slutkoder:
  0  arbetsboken skapades
  2  ett svar saknas eller är fel, filen finns redan (se --skriv-over) eller kunde inte skrivas
  3  internt fel i xlmodel (kör med XLMODEL_DEBUG=1 för spårning)"""


def register(sub, formatter, add_help, completes) -> None:
    p = sub.add_parser("ny", aliases=["new"], help="skapa en ny plan (region eller kommun) för ett år",
                       description="Skapa en ny planarbetsbok för en region eller kommun och ett budgetår: "
                                   "ramtabell, resultatbudget, balanskrav och diagram.",
                       epilog=EPILOG, formatter_class=formatter, add_help=False)
    add_help(p)
    body = p.add_mutually_exclusive_group()
    body.add_argument("--kommun", action="store_const", const="kommun", dest="organ",
                      help="en kommuns plan: kommunstyrelse och nämnder, PKV")
    body.add_argument("--region", action="store_const", const="region", dest="organ",
                      help="en regions plan: regionstyrelse och nämnder, LPIK (standard)")
    completes(p.add_argument("--fran", "--från", metavar="FIL", dest="answers_file",
                             help="svaren i en TOML-fil: samma uppgifter som flaggorna (organ, namn, ar, namnd, …)"), "file")
    completes(p.add_argument("--namn", metavar="TEXT", help="regionens eller kommunens namn"), "none")
    completes(p.add_argument("--ar", "--år", metavar="ÅR", dest="year", help="budgetåret, t.ex. 2026"), "none")
    completes(p.add_argument("--namnd", "--nämnd", metavar="NAMN=BELOPP", action="append", dest="committees",
                             help="en nämnd och föregående års ram i mkr (upprepas)"), "none")
    completes(p.add_argument("--ramar", metavar="FIL", dest="frames_file",
                             help="CSV- eller xlsx-fil med föregående års ramar per nämnd"), "file")
    completes(p.add_argument("--index", metavar="SATS", help="standardindex för budgetåret, t.ex. 2,9%%"), "none")
    completes(p.add_argument("--indexkalla", "--indexkälla", metavar="TEXT", dest="index_source",
                             help="varifrån indexet kommer (SKR:s prognos, fullmäktiges beslut)"), "none")
    completes(p.add_argument("--skatteintakter", "--skatteintäkter", metavar="BELOPP", dest="taxes",
                             help="skatteintäkter budgetåret, mkr"), "none")
    completes(p.add_argument("--statsbidrag", metavar="BELOPP", dest="grants",
                             help="generella statsbidrag och utjämning budgetåret, mkr"), "none")
    completes(p.add_argument("--finansiella-intakter", "--finansiella-intäkter", metavar="BELOPP", dest="fin_income",
                             help="finansiella intäkter budgetåret, mkr"), "none")
    completes(p.add_argument("--finansiella-kostnader", metavar="BELOPP", dest="fin_costs",
                             help="finansiella kostnader budgetåret, mkr (negativt)"), "none")
    completes(p.add_argument("--omstallning", "--omställning", metavar="NÄMND=BELOPP", action="append",
                             dest="cuts", help="omställning: minska nämndens ram med BELOPP mkr (upprepas)"), "none")
    completes(p.add_argument("--utokning", "--utökning", metavar="NÄMND=BELOPP", action="append", dest="additions",
                             help="utökad budget för nämnden, mkr (upprepas)"), "none")
    completes(p.add_argument("--overforing", "--överföring", metavar="FRÅN:TILL=BELOPP", action="append",
                             dest="transfers", help="flytta BELOPP mkr från en nämnd till en annan (upprepas)"),
              "none")
    completes(p.add_argument("--kalla", "--källa", metavar="TEXT", dest="source",
                             help="varifrån indata kommer (visas under rubriken)"), "none")
    completes(p.add_argument("--ut", "--out", metavar="FIL", dest="out",
                             help="arbetsboken att skapa (.xlsx, eller .xlsm med knappen Uppdatera ramtabell)"),
              "file")
    p.add_argument("--skriv-over", "--skriv-över", "--overwrite", action="store_true", dest="overwrite",
                   help="ersätt filen om den redan finns")
    add_excel_lock_flag(p)
    completes(p.add_argument("--spara-indata", metavar="KATALOG", dest="save_source",
                             help="skriv också indata (bok.toml och CSV) som 'xlmodel bygg' läser"), "dir")
    p.set_defaults(handler=cmd_new)


# =========================================================================== options → raw answers


def _pair(text: str, what: str, sep: str = "=") -> tuple[str, str]:
    left, found, right = text.rpartition(sep)
    if not found or not left.strip() or not right.strip():
        raise _Usage(f"{what} '{text}' ska skrivas NAMN{sep}BELOPP")
    return left.strip(), right.strip()


class _Usage(Exception):
    """A wrong option or answer: one Swedish line, exit 2."""


# The answer keys (NewPlan) as the options that give them, for messages about an option's value.
OPTION_OF = {"organ": "--kommun/--region", "namn": "--namn", "ar": "--ar", "index": "--index",
             "indexkalla": "--indexkalla", "skatteintakter": "--skatteintakter", "generella_statsbidrag": "--statsbidrag",
             "finansiella_intakter": "--finansiella-intakter", "finansiella_kostnader": "--finansiella-kostnader",
             "kalla": "--kalla", "ramfil": "--ramar", "namnd": "--namnd", "omstallning": "--omstallning",
             "utokning": "--utokning", "overforing": "--overforing"}


def option_keys(args: argparse.Namespace) -> set[str]:
    """The answer keys the options gave (they win over the file's)."""
    given = {"organ": args.organ, "namn": args.namn, "ar": args.year, "index": args.index,
             "indexkalla": args.index_source, "skatteintakter": args.taxes, "generella_statsbidrag": args.grants,
             "finansiella_intakter": args.fin_income, "finansiella_kostnader": args.fin_costs, "kalla": args.source,
             "ramfil": args.frames_file, "namnd": args.committees, "omstallning": args.cuts,
             "utokning": args.additions, "overforing": args.transfers}
    return {k for k, v in given.items() if v}


def _as_options(message: str, keys: set[str]) -> str:
    """A message about answer keys, with the keys the options gave named as those options."""
    for key in sorted(keys, key=len, reverse=True):
        # Not the nearest-name hint ("menade du 'index'?"): that names the file's key to write.
        message = re.sub(rf"(?<!menade du )'{re.escape(key)}'", OPTION_OF[key], message)
        message = message.replace(f"'{key}.", f"'{OPTION_OF[key]} ")
    return message


def answers_from_args(args: argparse.Namespace) -> dict[str, Any]:
    from xlmodel.workbook.new_plan import answers_from_toml

    data: dict[str, Any] = answers_from_toml(Path(args.answers_file)) if args.answers_file else {}
    simple = {"organ": args.organ, "namn": args.namn, "ar": args.year, "index": args.index,
              "indexkalla": args.index_source, "skatteintakter": args.taxes, "generella_statsbidrag": args.grants,
              "finansiella_intakter": args.fin_income, "finansiella_kostnader": args.fin_costs,
              "kalla": args.source, "ramfil": args.frames_file}
    data.update({k: v for k, v in simple.items() if v is not None})
    if args.committees:
        data["namnd"] = [dict(zip(("namn", "ram"), _pair(t, "--namnd"))) for t in args.committees]
    if args.cuts:
        data["omstallning"] = [dict(zip(("namnd", "belopp"), _pair(t, "--omstallning"))) for t in args.cuts]
    if args.additions:
        data["utokning"] = [dict(zip(("namnd", "belopp"), _pair(t, "--utokning"))) for t in args.additions]
    if args.transfers:
        rows = []
        for t in args.transfers:
            pair, amount = _pair(t, "--overforing")
            src, found, dst = pair.partition(":")
            if not found or not src.strip() or not dst.strip():
                raise _Usage(f"--overforing '{t}' ska skrivas FRÅN:TILL=BELOPP")
            rows.append({"fran": src.strip(), "till": dst.strip(), "belopp": amount})
        data["overforing"] = rows
    return data


# =========================================================================== questions


REQUIRED = ("namn", "ar", "namnd", "skatteintakter", "generella_statsbidrag")
WHAT = {"namn": "--namn", "ar": "--ar", "namnd": "--namnd eller --ramar", "index": "--index",
        "indexkalla": "--indexkalla", "skatteintakter": "--skatteintakter",
        "generella_statsbidrag": "--statsbidrag"}


def _missing(data: dict[str, Any]) -> list[str]:
    missing = [k for k in REQUIRED if k not in data and not (k == "namnd" and data.get("ramfil"))]
    return missing


class Asker:
    """Questions on the terminal, one answer a line; a wrong answer is said and asked again."""

    def __init__(self) -> None:
        self.body = None

    def ask(self, question: str, default: str | None = None, *, check=None, optional: bool = False) -> str:
        shown = f"{question} [{default}]: " if default else f"{question}: "
        while True:
            try:
                answer = input(shown).strip()
            except EOFError:
                raise _Usage("inmatningen tog slut innan alla frågor var besvarade") from None
            if not answer and default is not None:
                answer = default
            if not answer:
                if optional:
                    return ""
                say("  svar krävs\n")
                continue
            if check is None:
                return answer
            try:
                check(answer)
                return answer
            except Exception as exc:  # noqa: BLE001 - shown to the user, then asked again
                say(f"  {_short(exc)}\n")


def _short(exc: Exception) -> str:
    from xlmodel.errors import XlmodelError

    if isinstance(exc, XlmodelError):
        return str(getattr(exc, "message", None) or exc)
    return str(exc).removeprefix("Value error, ")


def _check_amount(text: str) -> None:
    from xlmodel.money import parse_amount

    parse_amount(text, argument="belopp", rule="ny")


def _check_rate(text: str) -> None:
    from xlmodel.money import parse_rate

    parse_rate(text, argument="index", rule="ny")


def _check_year(text: str) -> None:
    from xlmodel.workbook.book_input import _year

    _year(text)


def _check_frames_file(year_text: str):
    def check(text: str) -> None:
        from xlmodel.workbook.new_plan import committees_from_file

        committees_from_file(Path(text), int(year_text))
    return check


def ask_missing(data: dict[str, Any]) -> dict[str, Any]:
    """Ask for what the options and file left open (stdin is a terminal)."""
    from xlmodel import params
    from xlmodel.rules.body import body_type

    a = Asker()
    say("Ny plan: svara på frågorna (Enter ger förslaget inom hakparentes).\n")
    if "organ" not in data:
        data["organ"] = a.ask("Kommun eller region", "region", check=lambda t: body_type(t))
        data["organ"] = body_type(data["organ"]).key
    body = body_type(data["organ"])
    if "namn" not in data:
        example = "Exempel kommun" if body.key == "kommun" else "Region Exempel"
        data["namn"] = a.ask(f"{body.name.capitalize()}ens namn (t.ex. {example})")
    if "ar" not in data:
        data["ar"] = a.ask("Budgetår", str(date.today().year + 1), check=_check_year)
    year = int(str(data["ar"]).strip())
    if "namnd" not in data and not data.get("ramfil"):
        path = a.ask(f"Fil med {year - 1} års ramar per nämnd (CSV eller xlsx; Enter = skriv in dem här)",
                     optional=True, check=_check_frames_file(str(year)))
        if path:
            data["ramfil"] = path
        else:
            say(f"Skriv in nämnderna och deras budgetram {year - 1} i mkr; en tom rad avslutar.\n")
            committees = []
            while True:
                suggestion = body.styrelse.capitalize() if not committees else None
                name = a.ask(f"  Nämnd {len(committees) + 1}", suggestion, optional=True)
                if not name:
                    if committees:
                        break
                    say("  minst en nämnd krävs\n")
                    continue
                frame = a.ask(f"  Budgetram {year - 1} för {name}, mkr", check=_check_amount)
                committees.append({"namn": name, "ram": frame})
            data["namnd"] = committees
    known = _committee_check(data, year)
    if "index" not in data:
        if params.has(body.index_series, year):
            p = params.lookup(body.index_series, year)
            say(f"Standardindex {year}: {body.index_name} enligt {p.reference}.\n")
        else:
            data["index"] = a.ask(f"Standardindex {year} ({body.index_name}), t.ex. 2,9 %", check=_check_rate)
    if data.get("index") and not str(data.get("indexkalla", "")).strip():
        data["indexkalla"] = a.ask("Källa för indexet (t.ex. SKR:s prognos med månad och år, eller fullmäktiges "
                                   "beslut)")
    if "skatteintakter" not in data:
        data["skatteintakter"] = a.ask(f"Skatteintäkter {year}, mkr", check=_check_amount)
    if "generella_statsbidrag" not in data:
        data["generella_statsbidrag"] = a.ask(f"Generella statsbidrag och utjämning {year}, mkr", check=_check_amount)
    if "finansiella_intakter" not in data:
        data["finansiella_intakter"] = a.ask(f"Finansiella intäkter {year}, mkr", "0", check=_check_amount)
    if "finansiella_kostnader" not in data:
        data["finansiella_kostnader"] = a.ask(f"Finansiella kostnader {year}, mkr (negativt)", "0",
                                              check=_check_amount)
    if "omstallning" not in data:
        data["omstallning"] = _ask_changes(a, "Omställning: nämnd som får minskad ram (Id eller namn; tom rad = "
                                              "ingen fler)", "  Minskning, mkr", known)
    if "overforing" not in data:
        data["overforing"] = _ask_transfers(a, known)
    return data


def _committee_check(data: dict[str, Any], year: int):
    """A check that an answer names one of the plan's nämnder (by Id or name)."""
    from xlmodel.rules.body import body_type
    from xlmodel.workbook import new_plan

    if data.get("ramfil"):
        raw, _ = new_plan.committees_from_file(Path(data["ramfil"]), year)
    else:
        raw = [dict(c) for c in data["namnd"]]
    committees = new_plan.checked_committees(raw)
    ids = new_plan.row_ids(committees, body_type(data.get("organ")))
    say("Nämnderna: " + ", ".join(f"{i} = {c.namn}" for i, c in zip(ids, committees)) + "\n")
    return lambda text: new_plan.lookup_committee(text, ids, committees, "nämnd")


def _ask_changes(a: Asker, question: str, amount_question: str, known) -> list[dict[str, str]]:
    rows = []
    while True:
        who = a.ask(question, optional=True, check=known)
        if not who:
            return rows
        rows.append({"namnd": who, "belopp": a.ask(amount_question, check=_check_amount)})


def _ask_transfers(a: Asker, known) -> list[dict[str, str]]:
    rows = []
    while True:
        src = a.ask("Överföring mellan nämnder: från nämnd (Id eller namn; tom rad = ingen fler)", optional=True,
                    check=known)
        if not src:
            return rows
        dst = a.ask("  till nämnd", check=known)
        rows.append({"fran": src, "till": dst, "belopp": a.ask("  belopp, mkr", check=_check_amount)})


# =========================================================================== the command


def _interactive() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def cmd_new(args: argparse.Namespace) -> int:
    from xlmodel.errors import XlmodelError
    from xlmodel.workbook import new_plan

    try:
        data = answers_from_args(args)
        missing = _missing(data)
        if missing and _interactive():
            data = ask_missing(data)
        elif missing:
            raise _Usage("uppgifter saknas: " + ", ".join(WHAT[k] for k in missing)
                         + " (eller --fran FIL; i en terminal frågar 'xlmodel ny' efter dem)")
        notes: list[str] = []
        if data.get("ramfil"):
            from xlmodel.workbook.book_input import _year

            try:
                year = _year(data.get("ar"))
            except ValueError as exc:
                raise _Usage(f"{OPTION_OF['ar'] if args.year else 'ar'} {exc}") from None
            raw, notes = new_plan.committees_from_file(Path(data.pop("ramfil")), year)
            data["namnd"] = raw
            committees = new_plan.checked_committees([dict(r) for r in raw])
            data["namnd"] = [c.model_dump(exclude_none=True) for c in committees]
        try:
            plan = new_plan.parse_answers(data, "")
        except XlmodelError as exc:
            message = _as_options(exc.message, option_keys(args))
            raise _Usage(f"{args.answers_file}: {message}" if args.answers_file else message) from None
        source = new_plan.book_source(plan)
        out = Path(args.out) if args.out else Path(plan.fil or new_plan.default_file_name(plan))
        if args.save_source:
            folder = Path(args.save_source)
            if (folder / "bok.toml").exists():
                raise _Usage(f"{folder / 'bok.toml'} finns redan; välj en tom katalog för --spara-indata")
        written = new_plan.write_workbook(source, out, overwrite=args.overwrite,
                                           ignore_excel_lock=args.ignore_excel_lock)
        saved = new_plan.write_source(source, Path(args.save_source)) if args.save_source else []
    except _Usage as exc:
        complain(str(exc))
        return EXIT_UNREADABLE
    except XlmodelError as exc:
        # ny's own messages speak of the answers; a builder's also name where in its input
        # (without "regel ny", but with the file, line and column of a TOML syntax error).
        if getattr(exc, "rule", None) == new_plan.RULE:
            from xlmodel.errors import InputError

            sheet, cell = getattr(exc, "sheet", None), getattr(exc, "cell", None)
            complain(str(InputError(exc.message, sheet=sheet, cell=cell)) if sheet else exc.message)
        else:
            complain(str(exc))
        return EXIT_UNREADABLE
    except OSError as exc:
        complain(f"kan inte skriva {getattr(exc, 'filename', '') or ''} ({exc.strerror or exc})".replace("  ", " "))
        return EXIT_UNREADABLE
    for note in notes:
        say(f"obs: {note}\n")
    say(_summary(plan, source, written))
    if saved:
        say(f"indata för 'xlmodel bygg': {saved[0].parent}\n")
    return EXIT_OK


def _summary(plan, source, path: Path) -> str:
    from xlmodel.money import fmt_mkr, round_half_up
    from xlmodel.workbook.index_year import pct
    from decimal import Decimal

    body = plan.body
    frames = source.tables["ramar"]
    total = -Decimal(source.tables["resultatbudget"][0]["Verksamhetens nettoram"])
    result = Decimal(source.tables["resultatbudget"][0]["Verksamhetens nettoram"]) + Decimal(plan.skatteintakter) \
        + Decimal(plan.generella_statsbidrag)
    return (f"skrev {path}\n"
            f"  {source.meta['title']}\n"
            f"  {len(frames)} {'rad' if len(frames) == 1 else 'rader'} på bladet Ramar, "
            f"{len(source.tables['forandringar'])} förändringar; standardindex {body.index_name} "
            f"{pct(Decimal(source.meta['default_index_rate']))}\n"
            f"  budgetram {plan.ar}: {fmt_mkr(round_half_up(total, 1))} mkr; verksamhetens resultat "
            f"{fmt_mkr(round_half_up(result, 1))} mkr (avrundat till 0,1 mkr; arbetsboken räknar exakt)\n"
            f"nästa steg: xlmodel validera {path}\n")
