"""The program entry: ``main`` parses the command line and runs one command."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from pathlib import Path

from xlmodel.cli.common import (DEBUG_ENV, EXIT_FINDINGS, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_UNREADABLE,
                                WORKBOOK_SUFFIXES, complain, configure_streams)
from xlmodel.cli.parser import build_parser, install_swedish_argparse


# =========================================================================== main


def _internal_error(exc: BaseException) -> int:
    if os.environ.get(DEBUG_ENV, "") not in ("", "0"):
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    detail = " ".join(str(exc).split())
    name = type(exc).__name__
    complain(f"internt fel: {name}{': ' + detail if detail else ''} (kör med {DEBUG_ENV}=1 för spårning)")
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
    process, see install_swedish_argparse)."""
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
    install_swedish_argparse()
    _skip_final_collection()
    configure_streams()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        hint = _dash_file_hint(sys.argv[1:] if argv is None else argv) if exc.code == 2 else None
        if hint:
            complain(hint)
        raise
    if getattr(args, "handler", None) is None:
        parser.print_help(sys.stderr)
        return EXIT_UNREADABLE
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        complain("avbrutet")
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
            complain(str(exc))
            return EXIT_UNREADABLE
        return _internal_error(exc)
