"""``xlmodel forklara``: how one cell was computed."""

from __future__ import annotations

import argparse
import sys

from xlmodel.cli.common import EXIT_FINDINGS, EXIT_OK, EXIT_UNREADABLE, complain, error_text, preflight, say


# =========================================================================== förklara


def cmd_explain(args: argparse.Namespace) -> int:
    from xlmodel.errors import InputError, XlmodelError

    problem = preflight(args.file)
    if problem is not None:
        complain(f"{args.file}: {problem}")
        return EXIT_UNREADABLE
    from xlmodel.workbook.explain import output as E
    from xlmodel.workbook.forklara import explain_file

    try:
        result = explain_file(args.file, args.cell, sheet=args.sheet)
    except InputError as exc:
        complain(str(exc))
        return EXIT_UNREADABLE
    except XlmodelError as exc:
        complain(f"{args.file}: {error_text(exc, args.file)}")
        return EXIT_UNREADABLE
    if args.format == "json":
        say(E.format_json(result))
    else:
        from xlmodel import report

        say(E.format_text(result, colour=report.use_colour(sys.stdout)))
    return EXIT_FINDINGS if result.mismatch else EXIT_OK
