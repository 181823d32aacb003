"""``xlmodel bygg``: workbooks from their versioned inputs."""

from __future__ import annotations

import argparse
from pathlib import Path

from xlmodel.cli.common import EXIT_OK, EXIT_UNREADABLE, complain, say


# =========================================================================== bygg


def cmd_build(args: argparse.Namespace) -> int:
    from xlmodel.errors import XlmodelError

    src, out = Path(args.source), Path(args.out)
    if not src.is_dir():
        complain(f"{src}: källan finns inte eller är ingen katalog")
        return EXIT_UNREADABLE
    from xlmodel.workbook.build import build_books

    try:
        out.mkdir(parents=True, exist_ok=True)
        written = build_books(src, out, ignore_excel_lock=args.ignore_excel_lock)
    except XlmodelError as exc:
        complain(str(exc))
        return EXIT_UNREADABLE
    except OSError as exc:
        complain(f"kan inte skriva till {out} ({exc.strerror or exc})")
        return EXIT_UNREADABLE
    for path in written:
        say(f"skrev {path}\n")
    say(f"{len(written)} {'arbetsbok byggd' if len(written) == 1 else 'arbetsböcker byggda'}\n")
    return EXIT_OK
