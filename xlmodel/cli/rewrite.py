"""``xlmodel regenerera`` and ``xlmodel rulla-fram``: the two commands that rewrite a workbook."""

from __future__ import annotations

import argparse
import sys

from xlmodel.cli.common import EXIT_FINDINGS, EXIT_OK, EXIT_UNREADABLE, complain, error_text, preflight, say


# =========================================================================== regenerera


def _rewrite(args: argparse.Namespace, job, heading=None) -> int:
    """Run ``job(path, dry_run=, backup=)`` on one workbook and print its cell changes.
    Exit 2 if the file cannot be read or the job refuses (bad input: nothing written),
    1 if the rules report errors, else 0."""
    from xlmodel import report
    from xlmodel.errors import XlmodelError

    problem = preflight(args.file)
    if problem is not None:
        complain(f"{args.file}: {problem}")
        return EXIT_UNREADABLE
    from xlmodel.xlsx.atomic import interrupts_held_after_commit

    # Once the save puts the new file in place, Ctrl-C no longer interrupts: the write
    # happened, so it is reported as written (not "avbrutet" over a changed file).
    with interrupts_held_after_commit() as hold:
        try:
            result = job(args.file, dry_run=args.dry_run, backup=not args.no_backup,
                         ignore_excel_lock=args.ignore_excel_lock, lock_wait=args.lock_wait)
        except XlmodelError as exc:
            complain(f"{args.file}: {error_text(exc, args.file)}")
            return EXIT_UNREADABLE
        if getattr(result, "lock_note", None):
            complain(f"{args.file}: obs: {result.lock_note}")
        if heading is not None:
            say(heading(result))
        view = report.RegenerateView.of(result)
        say(report.format_regenerate(view, dry_run=args.dry_run, colour=report.use_colour(sys.stdout)))
        if hold.pending:
            complain(f"{args.file}: Ctrl-C kom när arbetsboken redan sparades; ändringarna ovan är skrivna")
    return EXIT_FINDINGS if view.has_errors() else EXIT_OK


def cmd_regenerate(args: argparse.Namespace) -> int:
    from xlmodel.workbook.regenerate import regenerate_file

    return _rewrite(args, regenerate_file)


def cmd_roll_forward(args: argparse.Namespace) -> int:
    from functools import partial

    from xlmodel.errors import InputError
    from xlmodel.money import parse_rate
    from xlmodel.workbook.rollforward import rollforward_file

    text = args.index_rate
    if text is None and sys.stdin.isatty() and not args.dry_run:
        from xlmodel.workbook.index_year import pct
        from xlmodel.workbook.rollforward import index_in_table

        decided = index_in_table(args.file)
        if decided is None:
            text = _prompt_index_rate(args.file)
        else:
            say(f"{args.file}: standardindex {decided[0]}: {pct(decided[1])}, från tabellen Index ({decided[2]})\n")
    rate = None
    if text is not None and text.strip():
        try:
            rate = parse_rate(text, argument="--index", rule="rullning")
        except InputError as exc:
            complain(f"--index: {exc.message}")
            return EXIT_UNREADABLE
    source = args.index_source
    if rate is not None and source is None and args.index_rate is None:
        source = "angiven i terminalen vid rulla-fram"
    row_rates = {}
    for item in args.row_rates or []:
        ident, eq, text = item.partition("=")
        ident = ident.strip()
        try:
            if not eq or not ident or not text.strip():
                raise InputError(f"'{item}' ska skrivas ID=SATS, t.ex. RF=2,1%", rule="rullning")
            if ident in row_rates:
                raise InputError(f"raden {ident} anges två gånger", rule="rullning")
            row_rates[ident] = parse_rate(text, argument="--radindex", rule="rullning")
        except InputError as exc:
            complain(f"--radindex: {exc.message}")
            return EXIT_UNREADABLE
    if args.row_rates is None and sys.stdin.isatty() and not args.dry_run:
        row_rates = _prompt_row_rates(args.file)
    job = partial(rollforward_file, index_rate=rate, index_source=source, row_rates=row_rates)
    return _rewrite(args, job, lambda r: f"{args.file}: budgetår {r.year} → {r.next_year}\n")


def _prompt_row_rates(path: str) -> dict:
    """On a terminal without --radindex: the new year's rate for each row of the Ramar
    table with an own rate, asked row by row (blank = carried over: the roll and the next
    ``validera`` report it until a rate or the decision to keep it is written in). A rate
    that cannot be read is asked again with what was wrong; at the end of input (Ctrl-D)
    the rows not yet answered are carried over, as blank answers."""
    from xlmodel.errors import InputError
    from xlmodel.money import parse_rate
    from xlmodel.workbook.index_year import pct
    from xlmodel.workbook.rollforward import own_rate_rows

    found = own_rate_rows(path)
    if found is None or not found[1]:
        return {}
    year, rows = found
    say(f"{path}: {len(rows)} rad(er) på bladet Ramar har en egen indexsats för {year}. Ange {year + 1} års sats "
        f"för varje rad (tomt = {year} års sats förs över och rapporteras av 'xlmodel validera' tills ett beslut "
        "skrivs in).\n")
    out = {}
    for row in rows:
        while True:
            try:
                text = input(f"  {row.id} ({row.label}), {row.cell}: {year}: {pct(row.rate)}; {year + 1}: ")
            except EOFError:
                say("\n")
                return out
            if not text.strip():
                break
            try:
                out[row.id] = parse_rate(text, argument=row.id, rule="rullning")
                break
            except InputError as exc:
                say(f"  {exc.message}; försök igen (tomt = för över {pct(row.rate)})\n")
    return out


def _prompt_index_rate(path: str) -> str | None:
    """Ask for the new year's rate on a terminal; blank = none given (the default rules)."""
    try:
        return input(f"{path}: standardindex för det nya året (t.ex. 2,8 %; tomt = xlmodels parameter eller "
                     "förra årets sats): ")
    except EOFError:
        return None
