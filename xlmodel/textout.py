"""Text for a terminal, shared by every text output (``validera``, ``regenerera``, ``diff``,
``forklara``): colour only where it may be shown, one-line cells that a hostile workbook
cannot use to move the cursor, and plain-text tables whose columns colour never shifts.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import TextIO

from xlmodel.findings import Severity


# ------------------------------------------------------------------ colour


def use_colour(stream: TextIO | None) -> bool:
    """ANSI colour only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (ValueError, OSError):  # closed stream
        return False


class Paint:
    """ANSI styles for a terminal; ``Paint(False)`` returns text unchanged."""

    _CODES = {"red": "31", "yellow": "33", "green": "32", "dim": "2", "bold": "1"}

    def __init__(self, on: bool) -> None:
        self.on = on

    def __call__(self, text: str, style: str) -> str:
        if not self.on or not text:
            return text
        return f"\x1b[{self._CODES[style]}m{text}\x1b[0m"

    def severity(self, text: str, severity: Severity) -> str:
        return self(text, {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "dim"}[severity])


# ------------------------------------------------------------------ text


# C0/C1 control characters (ESC starts an ANSI sequence): a sheet name or message from
# a hostile workbook must not be able to move the cursor or recolour a terminal.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def one_line(text: str) -> str:
    """Text for one table cell or header: whitespace runs to one space, controls to U+FFFD."""
    return _CONTROL.sub("\ufffd", " ".join(text.split()))


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, right: frozenset[int] = frozenset(),
           styles: Sequence[Sequence[str | None]] | None = None, paint: Paint | None = None,
           indent: str = "  ") -> list[str]:
    """Plain-text table; the last column is not padded (messages can be long).
    Widths are computed on the uncoloured text so colour never shifts a column."""
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    paint = paint or Paint(False)

    def render(row: Sequence[str], row_styles: Sequence[str | None] | None) -> str:
        cells = []
        last = len(row) - 1
        for i, cell in enumerate(row):
            padded = cell if i == last else (cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]))
            style = row_styles[i] if row_styles else None
            if style:
                padded = padded.replace(cell, paint(cell, style), 1) if cell else padded
            cells.append(padded)
        return (indent + "  ".join(cells)).rstrip()

    lines = [render(headers, ["bold"] * len(headers))]
    for n, row in enumerate(rows):
        lines.append(render(row, styles[n] if styles else None))
    return lines
