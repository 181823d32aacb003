"""Dated parameters with their legal reference.

Every threshold, horizon, reserve regime and index value is data in a TOML file
beside this module, valid over a period, so a 2021 plan computes under 2021 rules
and a 2025 plan under 2025 rules. Look-ups are by key and fiscal year; asking for
a year no entry covers is an error, never a silent default.
"""

from __future__ import annotations

import tomllib
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, field_validator

from xlmodel.errors import InputError

_DIR = Path(__file__).parent


class Parameter(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    value: Decimal | str
    valid_from: date
    valid_to: date | None = None
    reference: str
    note: str = ""

    @field_validator("value", mode="before")
    @classmethod
    def _exact(cls, v: object) -> Decimal | str:
        if isinstance(v, str):
            try:
                return Decimal(v)
            except ArithmeticError:
                return v
        raise TypeError("parameter values are written as strings in the TOML files")

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    @property
    def decimal(self) -> Decimal:
        if not isinstance(self.value, Decimal):
            raise TypeError(f"{self.key} is not numeric")
        return self.value

    def period_sv(self) -> str:
        end = self.valid_to.isoformat() if self.valid_to else "tills vidare"
        return f"{self.valid_from.isoformat()} – {end}"


@lru_cache(maxsize=1)
def all_parameters() -> tuple[Parameter, ...]:
    params: list[Parameter] = []
    for path in sorted(_DIR.glob("*.toml")):
        with path.open("rb") as fh:
            for raw in tomllib.load(fh).get("parameter", []):
                params.append(Parameter(**raw))
    _check_no_overlap(params)
    return tuple(params)


@lru_cache(maxsize=1)
def missing_words() -> dict[str, str]:
    """Key → what a look-up says, in words, when no entry covers the year ("ingen
    publicerad LPIK-sats"): each file's table ``saknas``."""
    words: dict[str, str] = {}
    for path in sorted(_DIR.glob("*.toml")):
        with path.open("rb") as fh:
            words.update(tomllib.load(fh).get("saknas", {}))
    return words


def _years_text(entries: list[Parameter]) -> str:
    """The fiscal years the entries cover, in words: "2021", "2019–2022", "2000 och senare"."""
    spans: list[list[int | None]] = []
    for p in sorted(entries, key=lambda p: p.valid_from):
        start, end = p.valid_from.year, (p.valid_to.year if p.valid_to else None)
        if spans and spans[-1][1] is not None and spans[-1][1] + 1 >= start:
            spans[-1][1] = end
        else:
            spans.append([start, end])
    said = [f"{a} och senare" if b is None else (str(a) if a == b else f"{a}–{b}") for a, b in spans]
    return ", ".join(said[:-1]) + " och " + said[-1] if len(said) > 1 else said[0]


def missing_message(key: str, year: int) -> str:
    """Why no parameter ``key`` is in force for ``year``, in words, with the years xlmodel has."""
    what = missing_words().get(key, f"ingen parameter '{key}'")
    entries = [p for p in all_parameters() if p.key == key]
    if not entries:
        return f"{what} för {year} (xlmodel har inga uppgifter ännu)"
    return f"{what} för {year} (xlmodel har uppgifter för {_years_text(entries)})"


def _check_no_overlap(params: list[Parameter]) -> None:
    by_key: dict[str, list[Parameter]] = {}
    for p in params:
        by_key.setdefault(p.key, []).append(p)
    for key, entries in by_key.items():
        entries.sort(key=lambda p: p.valid_from)
        for a, b in zip(entries, entries[1:]):
            if a.valid_to is None or a.valid_to >= b.valid_from:
                raise ValueError(f"parameter {key}: overlapping validity {a.period_sv()} and {b.period_sv()}")


def lookup(key: str, year: int) -> Parameter:
    """The parameter ``key`` in force for fiscal ``year`` (checked on 1 January and 31 December:
    a parameter must cover the whole year, since a fiscal year runs under one set of rules)."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    for p in all_parameters():
        if p.key == key and p.covers(start) and p.covers(end):
            return p
    raise InputError(missing_message(key, year), rule="parametrar", argument="ar")


def value(key: str, year: int) -> Decimal:
    return lookup(key, year).decimal


def text(key: str, year: int) -> str:
    v = lookup(key, year).value
    return str(v)


def has(key: str, year: int) -> bool:
    try:
        lookup(key, year)
    except InputError:
        return False
    return True
