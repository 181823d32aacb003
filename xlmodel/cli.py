"""The ``xlmodel`` command line: validera, regenerera, bygg, komplettering.

Thin by design: it parses arguments, calls the workbook layer
(``xlmodel.workbook.validate/regenerate/build``) and prints what
``xlmodel.report`` formats. Importing this module stays cheap (argparse and the
standard library only); the workbook layer, which pulls in openpyxl, is imported
inside the command that needs it, so ``xlmodel --help`` starts fast.

Exit codes (the same for every command, documented in ``--help`` and docs/ci.md):
  0  nothing wrong
  1  the rules found errors (with --strikt also warnings)
  2  a file could not be read, or the command line was wrong (argparse uses 2 too)
  3  internal error in xlmodel: one Swedish line on stderr, a traceback only with
     XLMODEL_DEBUG=1
"""

from __future__ import annotations

import argparse
import glob
import os
import sys
import tempfile
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

from xlmodel import __version__

PROG = "xlmodel"
EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what a shell expects after Ctrl-C
DEBUG_ENV = "XLMODEL_DEBUG"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")

# Progress is shown only for runs over this many files: below it the run is over
# before a progress line would be read.
PROGRESS_MIN_FILES = 4


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


def _install_swedish_argparse() -> None:
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


def _default_jobs() -> int:
    """The CPUs this process may use: os.cpu_count(), narrowed to the CPU affinity
    where the OS has one (a CI container limited to 2 of 64 cores gets 2)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


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

Årets budgetramar blir nästa års utgångsläge på bladet Ramar (tryckta ramar där de
finns), Förändringar och Publicerat töms, budgetåret ökar med ett och standardindex
hämtas ur xlmodels parametrar om året finns där (annars en varning). Ramtabellen räknas
om. Samma logik som makrot RULLA_FRAM i Excel.

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


def _add_write_command(sub, name: str, alias: str, handler, epilog: str, *, help: str, description: str) -> None:
    """A command that rewrites one workbook in place: FIL, --torrkorning, --ingen-backup."""
    p = sub.add_parser(name, aliases=[alias], help=help, description=description, epilog=epilog,
                       formatter_class=_Formatter, add_help=False)
    _add_help(p)
    _completes(p.add_argument("file", metavar="FIL", help="arbetsboken (.xlsx/.xlsm)"), "workbook")
    p.add_argument("-n", "--torrkorning", "--torrkörning", "--dry-run", action="store_true", dest="dry_run",
                   help="visa vad som skulle ändras, men skriv inget")
    p.add_argument("--ingen-backup", "--no-backup", action="store_true", dest="no_backup",
                   help="gör ingen säkerhetskopia före skrivningen")
    p.add_argument("--trots-excel-las", "--trots-excel-lås", "--ignore-excel-lock", action="store_true",
                   dest="ignore_excel_lock",
                   help="skriv även om Excels låsfil (~$FIL) finns, t.ex. kvar efter en krasch")
    _completes(p.add_argument("--vanta", "--vänta", "--wait", type=_seconds, metavar="SEK", dest="lock_wait",
                              default=None,
                              help="hur länge en annan pågående skrivning av samma bok väntas ut (standard: 30)"),
               "none")
    p.set_defaults(handler=handler)


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
    p.set_defaults(handler=cmd_validate)

    _add_write_command(
        sub, "regenerera", "regenerate", cmd_regenerate, REGENERATE_EPILOG,
        help="räkna om och skriv tillbaka verktygets celler (ramtabellen)",
        description="Räkna om en arbetsbok med reglerna och skriv tillbaka de celler verktyget äger.",
    )
    _add_write_command(
        sub, "rulla-fram", "roll-forward", cmd_roll_forward, ROLLFORWARD_EPILOG,
        help="rulla arbetsboken ett år framåt (årets ramar blir nästa års utgångsläge)",
        description="Rulla en regionplan ett år framåt och räkna om ramtabellen.",
    )

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
    p.set_defaults(handler=cmd_build)

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
    p.set_defaults(handler=cmd_diff)

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
    p.set_defaults(handler=cmd_explain)

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
    return parser


def _add_help(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-h", "--help", action="help", help="visa den här hjälpen och avsluta")


# =========================================================================== output helpers


def _configure_streams() -> None:
    """Never die on a character the console cannot show (a cp1252 pipe has no '−' or '→')."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="replace")
            except (ValueError, OSError):  # pragma: no cover - detached or closed stream
                pass


def _say(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _complain(text: str) -> None:
    sys.stderr.write(f"{PROG}: {text}\n")
    sys.stderr.flush()


def _write_file_atomically(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder, so a CI
    job never picks up half a report."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or Path("."))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


class _Progress:
    """'validerar 37/200' on stderr, on a terminal only (CI logs and pipes stay clean)."""

    def __init__(self, total: int) -> None:
        self.total = total
        isatty = getattr(sys.stderr, "isatty", None)
        self.on = total >= PROGRESS_MIN_FILES and bool(isatty and isatty())

    def step(self, done: int) -> None:
        if self.on:
            sys.stderr.write(f"\rvaliderar {done}/{self.total} …")
            sys.stderr.flush()

    def close(self) -> None:
        if self.on:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


# =========================================================================== validera


def expand_inputs(names: Sequence[str]) -> list[str]:
    """Command-line names to file paths, in the order given.

    A directory stands for its .xlsx/.xlsm files (sorted, not recursive). A name that
    does not exist but holds a glob pattern is expanded here, because Windows cmd
    passes "*.xlsx" through unexpanded. Excel's lock files (~$name.xlsx) are skipped
    when expanding. A name that matches nothing is kept, so it is reported as missing.
    """
    out: list[str] = []
    seen: set[str] = set()

    def add(path: str) -> None:
        if path not in seen:
            seen.add(path)
            out.append(path)

    for name in names:
        p = Path(name)
        if p.is_dir():
            found = sorted(
                str(c) for c in p.iterdir()
                if c.suffix.lower() in WORKBOOK_SUFFIXES and not c.name.startswith("~$") and c.is_file()
            )
            if found:
                for f in found:
                    add(f)
            else:
                add(name)  # reported as "a directory without workbooks"
        elif not p.exists() and glob.has_magic(name):
            matches = sorted(m for m in glob.glob(name) if not Path(m).name.startswith("~$"))
            for m in matches or [name]:
                add(m)
        else:
            add(name)
    return out


def _unreadable(path: str, message: str) -> dict[str, Any]:
    return {"path": path, "kind": None, "findings": [], "error": message, "checked_cells": 0}


def _error_text(exc: BaseException, path: str) -> str:
    """A WorkbookError names its path; the report already shows the path, so keep the message."""
    message = getattr(exc, "message", None)
    if message and getattr(exc, "path", None) is not None:
        return str(message)
    return str(exc)


def preflight(path: str) -> str | None:
    """Why ``path`` cannot be a workbook (Swedish), or None. Looks only at the file's first
    bytes and the zip directory (``xlmodel.xlsx.limits``), so a missing file, a folder,
    a PDF, an old .xls or an encrypted workbook is reported in milliseconds."""
    from xlmodel.errors import WorkbookError
    from xlmodel.xlsx.limits import check_package

    p = Path(path)
    if p.is_dir():
        return "katalogen innehåller inga .xlsx- eller .xlsm-filer"
    try:
        check_package(p)
    except WorkbookError as exc:
        return _error_text(exc, path)
    return None


def validate_one(path: str, strict: bool = False) -> dict[str, Any]:
    """Validate one file and return its FileReport as a dict.

    This is the unit of work of the process pool: everything for one file happens in
    the worker, and only this plain dict (Decimals and enums pickle as they are)
    travels back. A file that cannot be read becomes a report with ``error`` set;
    any other exception is a bug and propagates (exit 3).
    """
    problem = preflight(path)
    if problem is not None:
        return _unreadable(path, problem)
    from xlmodel.errors import XlmodelError
    from xlmodel.workbook.validate import validate_file

    try:
        report = validate_file(path, strict=strict)
    except XlmodelError as exc:
        return _unreadable(path, _error_text(exc, path))
    return report.model_dump(mode="python")


def _pool_context() -> Any:
    """fork on Linux: workers start in milliseconds and inherit the modules the parent
    already imported (pydantic, lxml, the rules, xlwings: once, not once per worker).
    Elsewhere the platform's default (spawn), which re-imports in each worker."""
    import multiprocessing

    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


# Files per pool task. Each task costs a pickled call and a wake-up of the parent (~0.1 ms);
# a workbook costs 5-60 ms. Tasks go out largest first (see _largest_first), so the last
# ones are the smallest books and the workers finish within about one small book of each
# other; with 16 per task, as before, one worker could idle for a whole chunk of large
# books (~0.3 s) at the end of a 200-file run.
POOL_CHUNK_MAX = 2


def _largest_first(paths: Sequence[str]) -> list[int]:
    """Indexes of ``paths``, largest file first (a missing file counts as empty).

    File size is a good stand-in for validation time (the reader and the rules are
    linear in the cells), and handing out the big books first leaves the small ones to
    even out the workers' finishing times. Ties keep input order (stable sort)."""

    def size(i: int) -> int:
        try:
            return os.stat(paths[i]).st_size
        except (OSError, ValueError):
            return 0

    return sorted(range(len(paths)), key=size, reverse=True)


def validate_many(paths: Sequence[str], *, strict: bool = False, jobs: int | None = None) -> list[dict[str, Any]]:
    """Validate ``paths``; results in input order. ``jobs`` > 1 uses a process pool."""
    jobs = min(jobs or _default_jobs(), len(paths)) or 1
    progress = _Progress(len(paths))
    results: list[dict[str, Any]] = []
    try:
        if jobs == 1:
            for n, path in enumerate(paths, 1):
                results.append(validate_one(path, strict))
                progress.step(n)
            return results
        import gc
        from concurrent.futures import ProcessPoolExecutor

        # Warm-up: validate in the parent up to and including the first file that passes
        # the pre-flight. The first validation imports the workbook layer and what it
        # loads lazily (about 0.3 s, ~30x one small workbook); forked workers inherit all
        # of it instead of each paying it again (see _pool_context).
        for path in paths:
            readable = preflight(path) is None
            results.append(validate_one(path, strict))
            progress.step(len(results))
            if readable:
                break
        first = len(results)
        rest = paths[first:]
        if not rest:
            return results
        jobs = min(jobs, len(rest))
        order = _largest_first(rest)
        chunksize = max(1, min(POOL_CHUNK_MAX, len(rest) // (jobs * 4)))
        pending: list[dict[str, Any] | None] = [None] * len(rest)
        # The pool starts no process yet: with fork it starts all of them at the first
        # submit, inside ``map`` (fork is not started on demand, CPython issue 90622).
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=_pool_context(), initializer=_worker_init)
        try:
            # For that moment, everything the parent holds (modules, the warm-up's
            # caches) goes to the collector's permanent generation: a worker's collections
            # then never walk those objects, which would write to their headers and so
            # copy the pages parent and workers share (copy-on-write). Handed back to the
            # parent's collector as soon as the workers exist.
            gc.freeze()
            try:
                outcomes = pool.map(partial(validate_one, strict=strict), [rest[i] for i in order], chunksize=chunksize)
            finally:
                gc.unfreeze()
            for done, (i, result) in enumerate(zip(order, outcomes), first + 1):
                pending[i] = result
                progress.step(done)
        except BaseException:
            # Ctrl-C or a failing worker: do not wait for the other workbooks to finish.
            pool.shutdown(wait=False, cancel_futures=True)
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                process.terminate()
            raise
        pool.shutdown(wait=True)
        results.extend(pending)  # type: ignore[arg-type]  # every slot was filled above
        return results
    finally:
        progress.close()


def _worker_init() -> None:
    """Workers ignore Ctrl-C: the parent alone handles it (one 'avbrutet' line, not one
    traceback per worker) and stops the workers."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def cmd_validate(args: argparse.Namespace) -> int:
    from xlmodel import report

    paths = expand_inputs(args.files)
    results = [report.FileResult.of(d) for d in validate_many(paths, strict=args.strict, jobs=args.jobs)]
    if args.output:
        text = report.format_reports(results, args.format, strict=args.strict, colour=False)
        try:
            _write_file_atomically(args.output, text)
        except OSError as exc:
            _complain(f"kan inte skriva rapporten till {args.output} ({exc.strerror or exc})")
            return EXIT_UNREADABLE
        if args.format == "text":
            _say(report.summary_line(results, strict=args.strict) + "\n")
        else:
            _say(report.format_text(results, strict=args.strict, colour=report.use_colour(sys.stdout)))
        _say(f"rapport ({args.format}) skriven till {args.output}\n")
    else:
        colour = args.format == "text" and report.use_colour(sys.stdout)
        _say(report.format_reports(results, args.format, strict=args.strict, colour=colour))
    return report.exit_code(results, strict=args.strict)


# =========================================================================== regenerera


def _rewrite(args: argparse.Namespace, job, heading=None) -> int:
    """Run ``job(path, dry_run=, backup=)`` on one workbook and print its cell changes.
    Exit 2 if the file cannot be read or the job refuses (bad input: nothing written),
    1 if the rules report errors, else 0."""
    from xlmodel import report
    from xlmodel.errors import XlmodelError

    problem = preflight(args.file)
    if problem is not None:
        _complain(f"{args.file}: {problem}")
        return EXIT_UNREADABLE
    from xlmodel.xlsx.atomic import interrupts_held_after_commit

    # Once the save puts the new file in place, Ctrl-C no longer interrupts: the write
    # happened, so it is reported as written (not "avbrutet" over a changed file).
    with interrupts_held_after_commit() as hold:
        try:
            result = job(args.file, dry_run=args.dry_run, backup=not args.no_backup,
                         ignore_excel_lock=args.ignore_excel_lock, lock_wait=args.lock_wait)
        except XlmodelError as exc:
            _complain(f"{args.file}: {_error_text(exc, args.file)}")
            return EXIT_UNREADABLE
        if getattr(result, "lock_note", None):
            _complain(f"{args.file}: obs: {result.lock_note}")
        if heading is not None:
            _say(heading(result))
        view = report.RegenerateView.of(result)
        _say(report.format_regenerate(view, dry_run=args.dry_run, colour=report.use_colour(sys.stdout)))
        if hold.pending:
            _complain(f"{args.file}: Ctrl-C kom när arbetsboken redan sparades; ändringarna ovan är skrivna")
    return EXIT_FINDINGS if view.has_errors() else EXIT_OK


def cmd_regenerate(args: argparse.Namespace) -> int:
    from xlmodel.workbook.regenerate import regenerate_file

    return _rewrite(args, regenerate_file)


def cmd_roll_forward(args: argparse.Namespace) -> int:
    from xlmodel.workbook.rollforward import rollforward_file

    return _rewrite(args, rollforward_file, lambda r: f"{args.file}: budgetår {r.year} → {r.next_year}\n")


# =========================================================================== bygg


def cmd_build(args: argparse.Namespace) -> int:
    from xlmodel.errors import XlmodelError

    src, out = Path(args.source), Path(args.out)
    if not src.is_dir():
        _complain(f"{src}: källan finns inte eller är ingen katalog")
        return EXIT_UNREADABLE
    from xlmodel.workbook.build import build_books

    try:
        out.mkdir(parents=True, exist_ok=True)
        written = build_books(src, out)
    except XlmodelError as exc:
        _complain(str(exc))
        return EXIT_UNREADABLE
    except OSError as exc:
        _complain(f"kan inte skriva till {out} ({exc.strerror or exc})")
        return EXIT_UNREADABLE
    for path in written:
        _say(f"skrev {path}\n")
    _say(f"{len(written)} {'arbetsbok byggd' if len(written) == 1 else 'arbetsböcker byggda'}\n")
    return EXIT_OK


# =========================================================================== diff


# git's external-diff calling convention (git(1), GIT_EXTERNAL_DIFF): path old-file
# old-hex old-mode new-file new-hex new-mode, and for a rename two more (new path,
# the rename header).
GIT_EXTERN_ARGS = (7, 9)


def _looks_like_git_extern(files: Sequence[str]) -> bool:
    """Seven arguments whose hex and mode fields look like git's: called as an external
    diff without --git-extern (e.g. GIT_EXTERNAL_DIFF=xlmodel-diff wrappers)."""
    if len(files) not in GIT_EXTERN_ARGS:
        return False
    hexes, modes = (files[2], files[5]), (files[3], files[6])
    is_hex = all(h == "." or (len(h) in (40, 64) and all(ch in "0123456789abcdef" for ch in h)) for h in hexes)
    is_mode = all(m == "." or (m.isdigit() and len(m) == 6) for m in modes)
    return is_hex and is_mode


def _diff_snapshot(path: str, label: str | None = None):
    """(snapshot, None) or (None, Swedish reason). git's /dev/null is an empty workbook."""
    from xlmodel.diff import Snapshot, snapshot
    from xlmodel.errors import XlmodelError

    if path == os.devnull or path == "/dev/null":
        return Snapshot.empty(label or path), None
    problem = preflight(path)
    if problem is not None:
        return None, problem
    try:
        snap = snapshot(path)
    except XlmodelError as exc:
        return None, _error_text(exc, path)
    if label is not None:
        snap.path = label
    return snap, None


def cmd_diff(args: argparse.Namespace) -> int:
    from xlmodel import diff as D
    from xlmodel import report

    files = list(args.files)
    if args.textconv:
        if len(files) != 1:
            _complain("--textconv tar exakt en arbetsbok")
            return EXIT_UNREADABLE
        snap, problem = _diff_snapshot(files[0])
        if snap is None:
            _complain(f"{files[0]}: {problem}")
            return EXIT_UNREADABLE
        _say(D.textconv(snap))
        return EXIT_OK
    if args.git_extern or _looks_like_git_extern(files):
        if len(files) not in GIT_EXTERN_ARGS:
            _complain(f"--git-extern väntar git:s sju argument (sökväg, gammal fil, hash, läge, ny fil, hash, läge), "
                      f"fick {len(files)}")
            return EXIT_UNREADABLE
        return _git_extern(files, args.format)
    if len(files) != 2:
        _complain(f"diff jämför två arbetsböcker (FÖRE EFTER), fick {len(files)}")
        return EXIT_UNREADABLE
    snaps = []
    for path in files:
        snap, problem = _diff_snapshot(path)
        if snap is None:
            _complain(f"{path}: {problem}")
            return EXIT_UNREADABLE
        snaps.append(snap)
    result = D.diff_snapshots(*snaps)
    if args.format == "json":
        _say(D.format_json(result))
    else:
        _say(D.format_text(result, colour=report.use_colour(sys.stdout)))
    return EXIT_OK if result.identical else EXIT_FINDINGS


def _git_extern(files: Sequence[str], fmt: str) -> int:
    """git diff with diff.xlmodel.command: always exit 0 (git stops the whole diff on
    any other code); a version that cannot be read is said in the output instead."""
    from xlmodel import diff as D

    path, old_file, new_file = files[0], files[1], files[4]
    new_path = files[7] if len(files) == 9 else path
    old, problem_old = _diff_snapshot(old_file, f"a/{path}")
    new, problem_new = _diff_snapshot(new_file, f"b/{new_path}")
    header = f"diff --xlmodel a/{path} b/{new_path}"
    if old is None or new is None:
        which = [f"a/{path}: {problem_old}"] if old is None else []
        which += [f"b/{new_path}: {problem_new}"] if new is None else []
        for line in which:
            _complain(line)
        _say(header + "\n" + "\n".join(f"kan inte läsas som arbetsbok: {w}" for w in which) + "\n")
        return EXIT_OK
    result = D.diff_snapshots(old, new)
    if fmt == "json":
        _say(D.format_json(result))
    else:
        _say(D.format_text(result, colour=False, header=header))
    return EXIT_OK


# =========================================================================== förklara


def cmd_explain(args: argparse.Namespace) -> int:
    from xlmodel.errors import InputError, XlmodelError

    problem = preflight(args.file)
    if problem is not None:
        _complain(f"{args.file}: {problem}")
        return EXIT_UNREADABLE
    from xlmodel.workbook import explain as E

    try:
        result = E.explain_file(args.file, args.cell, sheet=args.sheet)
    except InputError as exc:
        _complain(str(exc))
        return EXIT_UNREADABLE
    except XlmodelError as exc:
        _complain(f"{args.file}: {_error_text(exc, args.file)}")
        return EXIT_UNREADABLE
    if args.format == "json":
        _say(E.format_json(result))
    else:
        from xlmodel import report

        _say(E.format_text(result, colour=report.use_colour(sys.stdout)))
    return EXIT_FINDINGS if result.mismatch else EXIT_OK


# =========================================================================== komplettering


def _subcommands(parser: argparse.ArgumentParser) -> list[tuple[list[str], str, argparse.ArgumentParser]]:
    """(names incl. aliases, help, parser) for each subcommand, in definition order."""
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {a.dest: a.help or "" for a in sub._choices_actions}
    by_parser: dict[int, tuple[list[str], str, argparse.ArgumentParser]] = {}
    for name, p in sub.choices.items():
        entry = by_parser.setdefault(id(p), ([], "", p))
        entry[0].append(name)
    out = []
    for names, _, p in by_parser.values():
        out.append((names, helps.get(names[0], ""), p))
    return out


def _options(p: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in p._actions if a.option_strings]


def _positionals(p: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in p._actions if not a.option_strings]


def _takes_value(a: argparse.Action) -> bool:
    return a.nargs != 0


def _kind(a: argparse.Action) -> str:
    return getattr(a, "complete", "none")


def bash_completion(parser: argparse.ArgumentParser) -> str:
    """A bash completion function generated from the parser (subcommands, their flags,
    choices, and workbook/directory/file arguments)."""
    subs = _subcommands(parser)
    top = " ".join([n for names, _, _ in subs for n in names] + [o for a in _options(parser) for o in a.option_strings])
    cases = []
    for names, _, p in subs:
        value_cases = []
        for a in _options(p):
            if not _takes_value(a):
                continue
            pattern = "|".join(a.option_strings)
            if a.choices:
                body = f'_xlmodel_words "{" ".join(map(str, a.choices))}"'
            elif _kind(a) in ("file", "dir", "workbook"):
                body = f"_xlmodel_paths {_kind(a)}"
            else:
                body = ":"
            value_cases.append(f"                {pattern}) {body}; return 0 ;;")
        flags = " ".join(o for a in _options(p) for o in a.option_strings)
        pos = _positionals(p)
        if pos and pos[0].choices:
            positional = f'_xlmodel_words "{" ".join(map(str, pos[0].choices))}"'
        elif pos:
            positional = f"_xlmodel_paths {_kind(pos[0])}"
        else:
            positional = ":"
        value_block = ""
        if value_cases:
            value_block = '            case "$prev" in\n' + "\n".join(value_cases) + "\n            esac\n"
        cases.append(
            f"        {'|'.join(names)})\n"
            f"{value_block}"
            f'            if [[ "$cur" == -* ]]; then _xlmodel_words "{flags}"; else {positional}; fi\n'
            f"            ;;"
        )
    case_block = "\n".join(cases)
    return f"""# bash-komplettering för xlmodel {__version__} (genererad av 'xlmodel komplettering bash').
# Installera: xlmodel komplettering bash > ~/.local/share/bash-completion/completions/xlmodel

_xlmodel_words() {{
    local IFS=$' \\t\\n'
    COMPREPLY=( $(compgen -W "$1" -- "$cur") )
}}

_xlmodel_paths() {{
    # $1: workbook (.xlsx/.xlsm and directories), dir, or file
    local f
    compopt -o filenames 2>/dev/null
    COMPREPLY=()
    while IFS= read -r f; do
        if [[ -d "$f" ]]; then
            COMPREPLY+=( "$f" )
        elif [[ "$1" == file ]]; then
            COMPREPLY+=( "$f" )
        elif [[ "$1" == workbook ]]; then
            case "$f" in *.[xX][lL][sS][xXmM]) COMPREPLY+=( "$f" ) ;; esac
        fi
    done < <(compgen -f -- "$cur")
}}

_xlmodel() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="" sub="" i w
    (( COMP_CWORD > 0 )) && prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    COMPREPLY=()
    for (( i = 1; i < COMP_CWORD; i++ )); do
        w="${{COMP_WORDS[i]}}"
        case "$w" in -*) ;; *) sub="$w"; break ;; esac
    done
    case "$sub" in
        "")
            _xlmodel_words "{top}"
            ;;
{case_block}
    esac
    return 0
}}

complete -F _xlmodel xlmodel
"""


def _zsh_quote(text: str) -> str:
    """Text for a zsh _arguments/_describe description inside single quotes."""
    for ch in "[]:'\\`$":
        text = text.replace(ch, " " if ch in "[]:" else "")
    return " ".join(text.split())


def zsh_completion(parser: argparse.ArgumentParser) -> str:
    """A native zsh completion (_arguments/_describe), usable from fpath or by sourcing."""
    subs = _subcommands(parser)
    describe = "\n".join(f"        '{n}:{_zsh_quote(h)}'" for names, h, _ in subs for n in names)
    cases = []
    for names, _, p in subs:
        specs = []
        for a in _options(p):
            desc = _zsh_quote(a.help or "")
            opts = a.option_strings
            excl = f"({' '.join(opts)})" if len(opts) > 1 else ""
            names_part = f"{{{','.join(opts)}}}" if len(opts) > 1 else opts[0]
            if a.option_strings == ["-h", "--help"]:
                specs.append(f"'(- *)'{{-h,--help}}'[{desc}]'")
                continue
            if not _takes_value(a):
                specs.append(f"'{excl}'{names_part}'[{desc}]'" if excl else f"'{opts[0]}[{desc}]'")
                continue
            if a.choices:
                action = f"({' '.join(map(str, a.choices))})"
            elif _kind(a) == "dir":
                action = "_files -/"
            elif _kind(a) in ("file", "workbook"):
                action = "_files"
            else:
                action = " "
            value = f":{_zsh_quote(a.metavar or a.dest)}:{action}"
            if excl:
                specs.append(f"'{excl}'{names_part}'[{desc}]{value}'")
            else:
                specs.append(f"'{opts[0]}[{desc}]{value}'")
        for a in _positionals(p):
            label = _zsh_quote(a.metavar or a.dest)
            if a.choices:
                action = f"({' '.join(map(str, a.choices))})"
            elif _kind(a) == "dir":
                action = "_files -/"
            elif _kind(a) == "workbook":
                action = "_files -g '*.(xlsx|xlsm|XLSX|XLSM)(-.)'"
            elif _kind(a) == "none":
                action = " "  # free text (a cell reference): nothing to complete
            else:
                action = "_files"
            prefix = "*" if a.nargs in ("+", "*") else ""
            # The action holds single quotes (the glob), so this spec is double-quoted.
            specs.append(f"\"{prefix}:{label}:{action}\"")
        body = " \\\n                ".join(specs)
        cases.append(f"            {'|'.join(names)})\n                _arguments -s {body}\n                ;;")
    case_block = "\n".join(cases)
    return f"""#compdef xlmodel
# zsh-komplettering för xlmodel {__version__} (genererad av 'xlmodel komplettering zsh').
# Installera: xlmodel komplettering zsh > "${{fpath[1]}}/_xlmodel"; starta om zsh (compinit).
# Eller för stunden: autoload -Uz compinit && compinit; source <(xlmodel komplettering zsh)

_xlmodel() {{
    local curcontext="$curcontext" state line
    typeset -A opt_args
    local -a commands
    commands=(
{describe}
    )
    _arguments -C \\
        '(- *)'{{-h,--help}}'[visa hjälpen]' \\
        '(- *)--version[visa versionen]' \\
        '1: :->command' \\
        '*:: :->args'
    case $state in
        command)
            _describe -t commands 'kommando' commands
            ;;
        args)
            case $line[1] in
{case_block}
            esac
            ;;
    esac
}}

if [[ "$funcstack[1]" == "_xlmodel" ]]; then
    _xlmodel "$@"
else
    compdef _xlmodel xlmodel
fi
"""


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def fish_completion(parser: argparse.ArgumentParser) -> str:
    subs = _subcommands(parser)
    all_names = " ".join(n for names, _, _ in subs for n in names)
    lines = [
        f"# fish-komplettering för xlmodel {__version__} (genererad av 'xlmodel komplettering fish').",
        "# Installera: xlmodel komplettering fish > ~/.config/fish/completions/xlmodel.fish",
        "complete -c xlmodel -f",
        "complete -c xlmodel -n '__fish_use_subcommand' -s h -l help -d 'visa hjälpen'",
        "complete -c xlmodel -n '__fish_use_subcommand' -l version -d 'visa versionen'",
    ]
    for names, h, p in subs:
        for n in names:
            lines.append(f"complete -c xlmodel -n 'not __fish_seen_subcommand_from {all_names}' -a {n} -d {_fish_quote(h)}")
    for names, _, p in subs:
        cond = f"-n '__fish_seen_subcommand_from {' '.join(names)}'"
        for a in _options(p):
            parts = [f"complete -c xlmodel {cond}"]
            for o in a.option_strings:
                parts.append(f"-s {o[1:]}" if not o.startswith("--") else f"-l {o[2:]}")
            if _takes_value(a):
                if a.choices:
                    parts.append(f"-x -a {_fish_quote(' '.join(map(str, a.choices)))}")
                elif _kind(a) == "dir":
                    parts.append("-x -a '(__fish_complete_directories)'")
                elif _kind(a) in ("file", "workbook"):
                    parts.append("-r -F")
                else:
                    parts.append("-x")
            parts.append(f"-d {_fish_quote(a.help or '')}")
            lines.append(" ".join(parts))
        for a in _positionals(p):
            if a.choices:
                lines.append(f"complete -c xlmodel {cond} -a {_fish_quote(' '.join(map(str, a.choices)))}")
            elif _kind(a) == "dir":
                lines.append(f"complete -c xlmodel {cond} -a '(__fish_complete_directories)'")
            elif _kind(a) == "workbook":
                lines.append(
                    f"complete -c xlmodel {cond} -a '(__fish_complete_suffix .xlsx; __fish_complete_suffix .xlsm)'"
                )
            elif _kind(a) == "none":
                continue  # free text (a cell reference): nothing to complete
            else:
                lines.append(f"complete -c xlmodel {cond} -F")
    return "\n".join(lines) + "\n"


def cmd_completion(args: argparse.Namespace) -> int:
    generator = {"bash": bash_completion, "zsh": zsh_completion, "fish": fish_completion}[args.shell]
    _say(generator(build_parser()))
    return EXIT_OK


# =========================================================================== main


def _internal_error(exc: BaseException) -> int:
    if os.environ.get(DEBUG_ENV, "") not in ("", "0"):
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    detail = " ".join(str(exc).split())
    name = type(exc).__name__
    _complain(f"internt fel: {name}{': ' + detail if detail else ''} (kör med {DEBUG_ENV}=1 för spårning)")
    return EXIT_INTERNAL


_EXIT_FREEZE_REGISTERED = False


def _skip_final_collection() -> None:
    """Spare the interpreter's last cyclic collection at exit.

    When the program ends, Python runs one more full collection over every object
    still alive: after ``validera`` that is all of the imported code (pydantic, lxml,
    xlwings with pandas and numpy, ~750 modules), walked to find no garbage worth the
    walk, since everything the command made is already written out. Measured: ~0.13 s of
    each run's 0.15 s shutdown, paid in every process and serially, so it also capped what
    ``--jobb`` can gain. ``gc.freeze`` at exit moves the survivors out of the collector's
    sight; reference counting still frees what it frees, the atexit functions registered
    before this one still run (they run last-in, first-out, after it), and the operating
    system takes back the memory. Process-wide, so only ``main`` calls it (it owns its
    process, see _install_swedish_argparse)."""
    global _EXIT_FREEZE_REGISTERED
    if _EXIT_FREEZE_REGISTERED:
        return
    import atexit
    import gc

    atexit.register(gc.freeze)
    _EXIT_FREEZE_REGISTERED = True


def _dash_file_hint(argv: Sequence[str]) -> str | None:
    """After a usage error: a hint when an argument that starts with '-' looks like a
    workbook's name (argparse took it for a flag)."""
    command = next((a for a in argv if not a.startswith("-")), "regenerera")
    for arg in argv:
        if arg == "--":
            return None
        if arg.startswith("-") and not arg.startswith("--") and (
                Path(arg).suffix.lower() in WORKBOOK_SUFFIXES or Path(arg).exists()):
            return (f"tips: '{arg}' togs för en flagga; skriv './{arg}' eller sätt '--' före filnamnen "
                    f"(xlmodel {command} -- {arg})")
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Program entry (``xlmodel`` script and ``python -m xlmodel``); returns the exit code."""
    _install_swedish_argparse()
    _skip_final_collection()
    _configure_streams()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        hint = _dash_file_hint(sys.argv[1:] if argv is None else argv) if exc.code == 2 else None
        if hint:
            _complain(hint)
        raise
    if getattr(args, "handler", None) is None:
        parser.print_help(sys.stderr)
        return EXIT_UNREADABLE
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        _complain("avbrutet")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (xlmodel validera … | head): not our error. Point stdout
        # at devnull so the interpreter's final flush does not complain either.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return EXIT_FINDINGS
    except Exception as exc:  # noqa: BLE001 - the one place every bug ends up
        from xlmodel.errors import XlmodelError

        if isinstance(exc, XlmodelError):
            # Raised on purpose with a Swedish message, but not caught by the command.
            _complain(str(exc))
            return EXIT_UNREADABLE
        return _internal_error(exc)
