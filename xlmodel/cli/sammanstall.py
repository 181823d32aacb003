"""``xlmodel sammanstall FILER… --ut oversikt.xlsx``: one overview of many workbooks
(``xlmodel.analysis.overview``) written with a chart (``xlmodel.overview_book``)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from xlmodel.cli.common import add_excel_lock_flag

EPILOG = """\
Exempel:
  xlmodel sammanstall workbooks/*.xls[xm] --ut oversikt.xlsx
  xlmodel sammanstall plan_2024.xlsm plan_2025.xlsm delar_2025_08.xlsx --ut oversikt.xlsx --skriv-over

Bladet Översikt: en rad per fil och år med balanskravsresultat, vad som är kvar att
återställa av årets underskott och dess status, och hur många finansiella mål för året
som är uppfyllda, samt ett diagram. Bladet Mål: varje regionplans mål per år eller period.

Slutkoder:
  0  sammanställningen skrevs
  2  en fil kunde inte läsas, utfilen finns redan (utan --skriv-over), är skrivskyddad
     eller öppen i Excel (utan --trots-excel-las), eller kommandoraden var fel"""


def register(sub, formatter, add_help, completes) -> None:
    p = sub.add_parser("sammanstall", aliases=["sammanställ", "overview"],
                       help="sammanställ balanskrav, återställning och mål ur många arbetsböcker",
                       description="Skriv en översikt över många arbetsböckers balanskravsresultat, "
                                   "återställning och finansiella mål, med diagram, till en ny arbetsbok.",
                       epilog=EPILOG, formatter_class=formatter, add_help=False)
    add_help(p)
    completes(p.add_argument("files", nargs="+", metavar="FIL", help="arbetsböcker (.xlsx/.xlsm)"), "workbook")
    completes(p.add_argument("--ut", "--out", metavar="SÖKVÄG", dest="out", required=True,
                             help="översikten att skriva (.xlsx)"), "file")
    p.add_argument("--skriv-over", "--overwrite", action="store_true", dest="overwrite",
                   help="ersätt utfilen om den finns")
    add_excel_lock_flag(p)
    p.set_defaults(handler=cmd_overview)


def cmd_overview(args: argparse.Namespace) -> int:
    import pandas as pd

    from xlmodel import analysis
    from xlmodel.errors import InputError
    from xlmodel.overview_book import write_overview

    out = Path(args.out)
    if os.path.lexists(out):  # before reading anything (write_overview checks again under the lock)
        from xlmodel.errors import WorkbookError
        from xlmodel.overview_book import EXISTS
        from xlmodel.xlsx.lock import check_not_open_in_excel

        if not args.overwrite:
            raise WorkbookError(EXISTS, path=str(out))
        if not args.ignore_excel_lock:
            check_not_open_in_excel(out)
    goals = []
    for f in args.files:
        book = analysis.open_workbook(f)
        try:
            g = book.goals()
        except InputError as err:
            raise err.at(None, None) if err.sheet else err
        if len(g):
            g.insert(0, "Fil", book.path.name)
            goals.append(g)
    rows = analysis.overview(args.files)
    goal_frame = pd.concat(goals, ignore_index=True) if goals else pd.DataFrame(columns=["Fil", "Mål"])
    write_overview(out, rows, goal_frame, overwrite=args.overwrite, ignore_excel_lock=args.ignore_excel_lock)
    print(f"{out}: {len(rows)} rader ur {len(args.files)} arbetsböcker")
    for name, note in dict(zip(rows["Fil"], rows["Anmärkning"])).items():
        if isinstance(note, str):
            print(f"  {name}: {note}")
    return 0
