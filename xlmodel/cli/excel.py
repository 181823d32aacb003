"""``xlmodel excel installera [--torrkorning] BOK``: the command line of
``xlmodel.excel_install`` (its own module, so that the parser only registers it)."""

from __future__ import annotations

import argparse
from pathlib import Path

EPILOG = """\
Exempel:
  xlmodel excel installera --torrkorning Budget.xlsx   (visa vad som skulle göras)
  xlmodel excel installera Budget.xlsm                 (på Windows med Excel)

Stegen: samma antal bitar i Excel och Python; xlwings tillägg i samma Python;
arbetsboken som .xlsm med bladet xlwings.conf, VBA-referensen till xlwings,
Import Functions och knappen Uppdatera ramtabell i varje arbetsbok med en del som
makrot räknar om (annars säger kommandot att ingen knapp läggs till). Se docs/excel.md.

Slutkoder:
  0  klart (eller torrkörningen visad)
  2  filen kunde inte läsas, fel plattform, olika antal bitar eller kommandoraden var fel"""


def register(sub, formatter, add_help, completes) -> None:
    p = sub.add_parser("excel", help="förbered Excel och en arbetsbok för xlmodels funktioner",
                       description="Förbered Excel på den här datorn och en arbetsbok för xlmodels funktioner.",
                       formatter_class=formatter, add_help=False)
    add_help(p)
    actions = p.add_subparsers(dest="excel_command", metavar="ÅTGÄRD", title="åtgärder")
    inst = actions.add_parser("installera", aliases=["install"], help="installera tillägget och förbered en arbetsbok",
                              description="Installera xlwings tillägg i den här Pythonen och förbered en arbetsbok.",
                              epilog=EPILOG, formatter_class=formatter, add_help=False)
    add_help(inst)
    completes(inst.add_argument("file", metavar="BOK", help="arbetsboken (.xlsx eller .xlsm)"), "workbook")
    inst.add_argument("-n", "--torrkorning", "--torrkörning", "--dry-run", action="store_true", dest="dry_run",
                      help="visa vad som skulle göras på den här datorn, men gör inget")
    inst.set_defaults(handler=cmd_install)
    p.set_defaults(handler=lambda args: _usage(p))


def _usage(parser: argparse.ArgumentParser) -> int:
    import sys

    parser.print_help(sys.stderr)
    return 2


def cmd_install(args: argparse.Namespace) -> int:
    from xlmodel.excel_install import install

    for line in install(Path(args.file), dry_run=args.dry_run):
        print(line)
    return 0
