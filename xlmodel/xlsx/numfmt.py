"""Number formats that show a date or time: the rule openpyxl uses, without openpyxl.

``xlmodel.xlsx.styles`` needs two things from ``openpyxl.styles.numbers``: the built-in
number formats and ``is_date_format``. Importing that module imports all of openpyxl
(its package ``__init__`` loads the workbook, reader and writer, and numpy), ~0.1 s of
every ``xlmodel validera`` start. The table and the rule are copied here instead;
``tests/test_numfmt.py`` checks both against openpyxl's.

Source: openpyxl 3.1 ``openpyxl/styles/numbers.py`` (MIT), which follows ECMA-376 Part 1,
§18.8.30 (built-in formats) and §18.8.31 (a format is up to four sections separated by
";": positive;negative;zero;text, and only the first decides whether it is a date).
"""

from __future__ import annotations

import re

__all__ = ["BUILTIN_FORMATS", "is_date_format", "is_percent_format"]

# ECMA-376 Part 1, §18.8.30: the ids Excel does not write into styles.xml.
BUILTIN_FORMATS: dict[int, str] = {
    0: "General",
    1: "0",
    2: "0.00",
    3: "#,##0",
    4: "#,##0.00",
    5: '"$"#,##0_);("$"#,##0)',
    6: '"$"#,##0_);[Red]("$"#,##0)',
    7: '"$"#,##0.00_);("$"#,##0.00)',
    8: '"$"#,##0.00_);[Red]("$"#,##0.00)',
    9: "0%",
    10: "0.00%",
    11: "0.00E+00",
    12: "# ?/?",
    13: "# ??/??",
    14: "mm-dd-yy",
    15: "d-mmm-yy",
    16: "d-mmm",
    17: "mmm-yy",
    18: "h:mm AM/PM",
    19: "h:mm:ss AM/PM",
    20: "h:mm",
    21: "h:mm:ss",
    22: "m/d/yy h:mm",
    37: "#,##0_);(#,##0)",
    38: "#,##0_);[Red](#,##0)",
    39: "#,##0.00_);(#,##0.00)",
    40: "#,##0.00_);[Red](#,##0.00)",
    41: r'_(* #,##0_);_(* \(#,##0\);_(* "-"_);_(@_)',
    42: r'_("$"* #,##0_);_("$"* \(#,##0\);_("$"* "-"_);_(@_)',
    43: r'_(* #,##0.00_);_(* \(#,##0.00\);_(* "-"??_);_(@_)',
    44: r'_("$"* #,##0.00_)_("$"* \(#,##0.00\)_("$"* "-"??_)_(@_)',
    45: "mm:ss",
    46: "[h]:mm:ss",
    47: "mmss.0",
    48: "##0.0E+0",
    49: "@",
}

# What does not count when looking for date letters: text in quotes ("kr"), and anything
# in square brackets (a colour, a locale such as [$-41D]) except the elapsed-time
# markers [h], [hh], [m], [mm], [s], [ss].
_IGNORED = re.compile(r'".*?"|\[(?!hh?\]|mm?\]|ss?\])[^\]]*\]')
# A date or time letter that is not escaped (\d) or a padding width (_d).
_DATE_LETTER = re.compile(r"(?<![_\\])[dmhysDMHYS]")


def is_date_format(fmt: str | None) -> bool:
    """True when the format's first section shows the number as a date or time."""
    if fmt is None:
        return False
    first = fmt.split(";")[0]
    return _DATE_LETTER.search(_IGNORED.sub("", first)) is not None


# A "%" that is not text in quotes and not escaped (\%) or a padding width (_%).
_QUOTED = re.compile(r'".*?"')
_PERCENT = re.compile(r"(?<![_\\])%")


def is_percent_format(fmt: str | None) -> bool:
    """True when the format's first section shows the number as a percentage: Excel then
    shows 0,07 as "7 %" (ECMA-376 Part 1, §18.8.31: a "%" multiplies by 100)."""
    if fmt is None:
        return False
    first = fmt.split(";")[0]
    return _PERCENT.search(_QUOTED.sub("", first)) is not None
