"""Where an input value came from, carried with the value into the rule core.

The way beancount keeps each entry's source in its data model: a value the core checks
knows its origin, so the core's own error names what the user typed, not a field path
such as ``series.1.year``. Three kinds of origin, as ``InputError`` shows them:

- a workbook cell: ``Location(sheet="Ramar", cell="B14")`` → "Blad 'Ramar', cell B14";
- a row of a CSV source of ``xlmodel bygg``: ``Location(sheet="ramar.csv",
  cell="rad 3, kolumn 'År'")`` → "Fil 'ramar.csv', rad 3, kolumn 'År'";
- a key of a ``bok.toml``: ``file_key("plan/bok.toml", "uppfoljning.manader", line=14)``
  → "Fil 'plan/bok.toml', rad 14, nyckel 'uppfoljning.manader'" (the line when the key
  is found in the text; a section's key with its section);
- an Excel function's argument and the element of its range:
  ``Location(argument="ar[2]")`` → "Argument 'ar', värde nr 2" (``xlmodel.excel``).

``argument`` may be set beside a cell (the column header): ``validate`` reports it as the
finding's subject of an input error. A location is data, so it never takes part in a
model's arithmetic; rules that have none (a model built in a test) fall back on the
field path, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from xlmodel.errors import InputError


@dataclass(frozen=True)
class Location:
    sheet: str | None = None
    cell: str | None = None
    argument: str | None = None

    def error(self, message: str, *, rule: str | None) -> InputError:
        """An ``InputError`` at this location."""
        return InputError(message, rule=rule, argument=self.argument, sheet=self.sheet, cell=self.cell)


def file_key(file: str, key: str | None, line: int | None = None) -> tuple[str, str | None]:
    """(sheet, cell) of a key of a TOML file, for ``InputError.at``: the file by the name the
    user gave, the line when known, the key dotted with its section."""
    parts = ([f"rad {line}"] if line else []) + ([f"nyckel '{key}'"] if key else [])
    return file, ", ".join(parts) or None


def toml_key_line(text: str, key: str) -> int | None:
    """The line (from 1) where ``key`` ("nettoram", "uppfoljning.manader") is set in a TOML
    text, or where its section begins when the key itself is not there (a missing key); None
    when neither is found. Plain ``key = value`` lines and ``[section]`` headers only,
    which is what a bok.toml holds."""
    *section, name = key.split(".")
    want = ".".join(section)
    current, header_line = "", None
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("[") and not line.startswith("[["):
            current = line.strip("[] \t").split("]")[0].strip()
            if current == want and header_line is None:
                header_line = n
            continue
        if current == want and "=" in line and line.split("=", 1)[0].strip().strip('"\'') == name:
            return n
    return header_line if want else None


def at_field(path: str) -> Location:
    """The location of a value known only by its field path in a model (no source)."""
    return Location(argument=path)


class Locator:
    """Where the values of one input row came from: ``locator(key)`` is the Location of
    the row's value ``key`` (a column key of the layout).

    Not part of the row's value: any two locators compare equal, so a row read from a
    workbook and the same row read from its CSV source are the same row (a model's
    equality, as tests and the roll forward use it, is about figures, not places)."""

    __slots__ = ("_find",)

    def __init__(self, find: Callable[[str], Location]) -> None:
        self._find = find

    def __call__(self, key: str) -> Location:
        return self._find(key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Locator)

    def __hash__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "Locator(…)"


NOWHERE = Locator(lambda key: Location())
"""The locator of a row built without a source (a test, the streaming validation): errors
then name the field only."""
