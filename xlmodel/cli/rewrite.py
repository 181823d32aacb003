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
    try:
        result = job(args.file, dry_run=args.dry_run, backup=not args.no_backup)
    except XlmodelError as exc:
        complain(f"{args.file}: {error_text(exc, args.file)}")
        return EXIT_UNREADABLE
    if heading is not None:
        say(heading(result))
    view = report.RegenerateView.of(result)
    say(report.format_regenerate(view, dry_run=args.dry_run, colour=report.use_colour(sys.stdout)))
    return EXIT_FINDINGS if view.has_errors() else EXIT_OK


def cmd_regenerate(args: argparse.Namespace) -> int:
    from xlmodel.workbook.regenerate import regenerate_file

    return _rewrite(args, regenerate_file)


def cmd_roll_forward(args: argparse.Namespace) -> int:
    from xlmodel.workbook.rollforward import rollforward_file

    return _rewrite(args, rollforward_file, lambda r: f"{args.file}: budgetår {r.year} → {r.next_year}\n")
