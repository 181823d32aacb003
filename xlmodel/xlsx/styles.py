"""Which cell styles show a number as a date or time, or as a percentage.

Excel stores a date as a plain number (days since 1899-12-30) and says it is a date
only through the cell's number format. A controller who types 2021-01-01 into an
amount cell therefore leaves the number 44197 in the file. Through xlwings the same
cell arrives as a ``datetime`` and ``money.parse_amount`` refuses it; read headless it
would be 44 197 mkr. ``date_style_ids`` lets the headless reader tell the two apart so
both paths refuse the date (``workbook.cells.PackageCells.value``).

Built-in ids: ECMA-376 Part 1, §18.8.30 lists 14-22 and 45-47 as date/time formats;
27-36 and 50-58 are the East Asian locales' built-in date formats (same section,
"implied" formats). Custom formats are classified with openpyxl's ``is_date_format``
(the same rule openpyxl uses to return datetimes).

A percentage is the same kind of trap: "7 %" typed into a cell leaves 0.07 and the
format "0%"; read as an amount it would be 0,07 mkr. ``percent_style_ids`` lets the
readers of amount cells refuse it (``workbook.tables.percent_in_amount``); rate cells
take it as the 7 % the user meant.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from xlmodel.xlsx.numfmt import BUILTIN_FORMATS, is_date_format, is_percent_format

from xlmodel.xlsx.package import Package
from xlmodel.xlsx.xmlsafe import local, parse_part

_BUILTIN_DATE_IDS = frozenset(
    {i for i, code in BUILTIN_FORMATS.items() if is_date_format(code)} | set(range(27, 37)) | set(range(50, 59))
)
_BUILTIN_PERCENT_IDS = frozenset(i for i, code in BUILTIN_FORMATS.items() if is_percent_format(code))  # 9, 10
_EPOCH = datetime(1899, 12, 30)  # Excel's 1900 date system (serial 1 = 1900-01-01, after the 1900 leap-day bug)
_MAX_SERIAL = Decimal(2958466)   # 10000-01-01: Excel's last date is 9999-12-31


def date_style_ids(pkg: Package) -> frozenset[int]:
    """Indexes into cellXfs whose number format is a date or time."""
    return _style_ids(pkg, is_date_format, _BUILTIN_DATE_IDS)


def percent_style_ids(pkg: Package) -> frozenset[int]:
    """Indexes into cellXfs whose number format shows a percentage: 0,07 in such a cell is
    what the user sees and typed as "7 %" (built-in 9 and 10, or a custom format with "%"),
    so an amount cell holding it is refused rather than read as 0,07 mkr."""
    return _style_ids(pkg, is_percent_format, _BUILTIN_PERCENT_IDS)


def _style_ids(pkg: Package, is_kind: Callable[[str], bool], builtin_ids: frozenset[int]) -> frozenset[int]:
    """Indexes into cellXfs whose number format ``is_kind`` accepts (a custom format by its
    code, a built-in one by its id)."""
    name = pkg.styles_part
    if name is None:
        return frozenset()
    root = parse_part(pkg.part(name), name, pkg.where)
    custom: dict[str, str] = {}
    xfs: list[str] = []
    for el in root:
        tag = local(el.tag)
        if tag == "numFmts":
            for nf in el:
                if local(nf.tag) == "numFmt":
                    custom[nf.get("numFmtId", "")] = nf.get("formatCode", "")
        elif tag == "cellXfs":
            xfs = [xf.get("numFmtId", "0") for xf in el if local(xf.tag) == "xf"]
    out = set()
    for index, fmt_id in enumerate(xfs):
        if fmt_id in custom:
            if is_kind(custom[fmt_id]):
                out.add(index)
        elif fmt_id.isdigit() and int(fmt_id) in builtin_ids:
            out.add(index)
    return frozenset(out)


def serial_to_datetime(serial: Decimal) -> datetime | None:
    """An Excel date serial as a datetime; None if it is no date Excel can show (negative,
    or after 9999-12-31: Excel shows ##### and so do we, by keeping the number)."""
    if not 0 <= serial < _MAX_SERIAL:
        return None
    return _EPOCH + timedelta(days=float(serial))
