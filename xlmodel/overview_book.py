"""``xlmodel sammanstall``'s workbook: one overview of many bodies' or years'
balanskravsresultat, restoration status and financial goals, with a chart.

Written with XlsxWriter, every formula with its cached value, so that any reader
(calamine, pandas, a mail preview) sees the figures without Excel recalculating; the
file is written under a temporary name beside the target and put in place under the
workbook's write lock, as ``bygg`` and ``ny`` do (``xlsx.lock.write_lock``,
``xlsx.atomic.install_file``): an existing file is only replaced when the caller says
so, and then a write-protected one is refused, its mode, owner and group are kept, a
symlink's target is written (the link stays a link), and a file Excel has open (its
``~$`` owner file) is refused unless ``ignore_excel_lock``. A failed run leaves no half
file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from xlmodel.errors import WorkbookError

SHEET = "Översikt"
GOALS_SHEET = "Mål"
MET = "Balanskravet uppfyllt"


def _cell(x: Any) -> Any:
    """pandas' missing values (NaN, None) as blank cells."""
    try:
        import pandas as pd

        if x is None or (not isinstance(x, str) and pd.isna(x)):
            return None
    except (TypeError, ValueError):
        pass
    return x.item() if hasattr(x, "item") else x


def write_overview(path: Path, rows, goals, *, overwrite: bool = False, ignore_excel_lock: bool = False) -> Path:
    """Write ``rows`` (analysis.overview) and ``goals`` (one DataFrame of every
    regionplan's goals, with a Fil column) to ``path``."""
    import xlsxwriter

    from xlmodel.xlsx.atomic import give_new_file_mode, install_file
    from xlmodel.xlsx.lock import write_lock

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise WorkbookError("sammanställningen skrivs som .xlsx", path=str(path))
    if os.path.lexists(path) and not overwrite:
        raise WorkbookError(EXISTS, path=str(path))
    folder = path.parent if str(path.parent) else Path(".")
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    os.close(fd)
    tmp = Path(name)
    try:
        book = xlsxwriter.Workbook(str(tmp))
        _overview_sheet(book, rows)
        _goals_sheet(book, goals)
        book.close()
        with write_lock(path, ignore_excel_lock=ignore_excel_lock):
            if os.path.lexists(path):
                if not overwrite:  # it appeared while the overview was written
                    raise WorkbookError(EXISTS, path=str(path))
                install_file(tmp, path)
            else:
                give_new_file_mode(tmp)  # not mkstemp's 0600: others in a shared folder can read it
                try:
                    os.link(tmp, path)  # fails if the name exists: never a silent overwrite
                except FileExistsError:
                    raise WorkbookError(EXISTS, path=str(path)) from None
                except OSError:
                    if os.path.lexists(path):
                        raise WorkbookError(EXISTS, path=str(path)) from None
                    os.replace(tmp, path)  # a file system without hard links; checked under the lock
    finally:
        tmp.unlink(missing_ok=True)
    return path


EXISTS = "filen finns redan; ange en ny fil eller --skriv-over"


def _overview_sheet(book, rows) -> None:
    ws = book.add_worksheet(SHEET)
    amount = book.add_format({"num_format": "#,##0.0;-#,##0.0"})
    columns = [*rows.columns, MET]
    n = len(rows)
    result_col = list(rows.columns).index("Balanskravsresultat")
    ws.write(0, 0, "Balanskravsresultat, återställning och finansiella mål", book.add_format({"bold": True, "font_size": 13}))
    first = 2  # header row (0-based)
    data = []
    for _, r in rows.iterrows():
        values = [_cell(r[c]) for c in rows.columns]
        result = values[result_col]
        met = None if result is None else ("ja" if result >= 0 else "nej")
        data.append(values + [met])
    ws.add_table(first, 0, first + max(n, 1), len(columns) - 1, {
        "name": "tblOversikt", "style": "Table Style Light 9",
        "columns": [{"header": c} for c in columns],
        "data": [row[:-1] + [None] for row in data] if n else [[None] * len(columns)],
    })
    letter = chr(ord("A") + result_col)
    for i, row in enumerate(data):
        r = first + 1 + i
        for j, v in enumerate(row[:-1]):
            if isinstance(v, float):
                ws.write_number(r, j, v, amount)
        # a live formula with its cached value: readers without Excel see "ja"/"nej" too
        ws.write_formula(r, len(columns) - 1, f'=IF({letter}{r + 1}="","",IF({letter}{r + 1}>=0,"ja","nej"))',
                         None, row[-1] if row[-1] is not None else "")
    ws.set_column(0, 0, 40)
    ws.set_column(1, len(columns) - 1, 16)
    if n:
        _chart(book, ws, rows, first, result_col)


def _chart(book, ws, rows, first: int, result_col: int) -> None:
    """One column series per file: balanskravsresultat by year. No chart when no file
    has a balanskravsresultat (an empty chart is not a valid one)."""
    year_col = list(rows.columns).index("År")
    series = []
    for name in dict.fromkeys(rows["Fil"]):
        idx = [i for i, f in enumerate(rows["Fil"]) if f == name and _cell(rows.iloc[i, result_col]) is not None]
        if not idx:
            continue
        # contiguous in the table (overview keeps each file's years together)
        r0, r1 = first + 1 + idx[0], first + 1 + idx[-1]
        series.append({
            "name": name,
            "categories": [SHEET, r0, year_col, r1, year_col],
            "values": [SHEET, r0, result_col, r1, result_col],
        })
    if not series:
        return
    chart = book.add_chart({"type": "column"})
    for s in series:
        chart.add_series(s)
    chart.set_title({"name": "Balanskravsresultat per år, mkr"})
    chart.set_y_axis({"name": "mkr"})
    chart.set_legend({"position": "bottom"})
    ws.insert_chart(first + len(rows) + 3, 0, chart, {"x_scale": 1.6, "y_scale": 1.2})


def _goals_sheet(book, goals) -> None:
    ws = book.add_worksheet(GOALS_SHEET)
    ws.write(0, 0, "Finansiella mål per regionplan", book.add_format({"bold": True, "font_size": 13}))
    columns = list(goals.columns)
    data = [[_cell(v) for v in row] for row in goals.itertuples(index=False)]
    ws.add_table(2, 0, 2 + max(len(data), 1), max(len(columns), 1) - 1, {
        "name": "tblMal", "style": "Table Style Light 9",
        "columns": [{"header": c} for c in columns] or [{"header": "Mål"}],
        "data": data or [[None] * max(len(columns), 1)],
    })
    ws.set_column(0, 1, 40)
    ws.set_column(2, max(len(columns), 1), 14)
