"""Errors a user can see. Messages are Swedish; identifiers English.

A rule raises ``InputError`` naming the argument (or model field) and the rule;
the workbook layer adds the sheet and cell with ``InputError.at``. The text of
``str(err)`` is what a controller reads in a cell, a CLI line or a CI log, so it
is one sentence or two, never a traceback.
"""

from __future__ import annotations


# The files a location may name instead of a sheet (the sources of ``xlmodel bygg``).
FILE_SUFFIXES = (".csv", ".toml")


class XlmodelError(Exception):
    """Base class of every error xlmodel raises on purpose."""


class InputError(XlmodelError, ValueError):
    """Bad input to a rule: names where it is, which rule, and what is wrong."""

    def __init__(
        self,
        message: str,
        *,
        rule: str | None = None,
        argument: str | None = None,
        sheet: str | None = None,
        cell: str | None = None,
    ) -> None:
        self.message = message
        self.rule = rule
        self.argument = argument
        self.sheet = sheet
        self.cell = cell
        super().__init__(self.__str__())

    def at(self, sheet: str | None = None, cell: str | None = None) -> "InputError":
        """A copy of this error located at a sheet and cell (keeps what is already set)."""
        return InputError(
            self.message,
            rule=self.rule,
            argument=self.argument,
            sheet=self.sheet or sheet,
            cell=self.cell or cell,
        )

    def with_rule(self, rule: str) -> "InputError":
        return InputError(
            self.message, rule=self.rule or rule, argument=self.argument, sheet=self.sheet, cell=self.cell
        )

    def location(self) -> str:
        parts = []
        # A source file of ``xlmodel bygg`` is located as sheet "name.csv", cell "rad 2,
        # kolumn 'Belopp'", or sheet "…/bok.toml", cell "rad 9, nyckel 'nettoram'"
        # (``location.file_key``): say "fil", "rad" and "nyckel", not "blad" and "cell".
        is_file = bool(self.sheet) and self.sheet.lower().endswith(FILE_SUFFIXES)
        if self.sheet:
            parts.append(f"{'fil' if is_file else 'blad'} '{self.sheet}'")
        if self.cell:
            as_is = self.cell.startswith("rad ") or (is_file and self.cell.startswith("nyckel "))
            parts.append(self.cell if as_is else f"cell {self.cell}")
        if self.argument and not self.cell:
            parts.append(f"argument '{self.argument}'")
        if self.rule:
            parts.append(f"regel {self.rule}")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.location()
        return f"{where[0].upper()}{where[1:]}: {self.message}" if where else self.message


class WorkbookError(XlmodelError):
    """A workbook cannot be read or written (missing, damaged, too large, changed on disk)."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        self.message = message
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)
