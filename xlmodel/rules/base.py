"""Shared plumbing of the rule input models.

``RuleModel`` is the base of every rule's pydantic input model: frozen, no unknown
fields, and every validation problem raised as an ``InputError`` in Swedish naming the
rule and the field path, never a pydantic ``ValidationError``. The annotated field types
(``Amount``, ``Year`` …) parse cell values the way ``xlmodel.money`` does (Swedish text,
en-dash minus, blank handling), so a rule never sees a float or a string.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, ValidationInfo

from xlmodel.errors import InputError
from xlmodel.money import ZERO, parse_amount

# Years outside this range are typos (a date serial, a two-digit year), not fiscal years.
_MIN_YEAR, _MAX_YEAR = 1900, 2200


# ---------------------------------------------------------------------------
# Input plumbing shared by the balance-requirement rules
# ---------------------------------------------------------------------------


def parse_year(value: Any, *, argument: str, rule: str | None = None) -> int:
    """A fiscal year from a cell or Python value: 2021, 2021.0, "2021". Booleans,
    fractions and anything outside 1900..2200 raise InputError naming ``argument``."""
    if isinstance(value, bool) or value is None or (isinstance(value, str) and not value.strip()):
        raise InputError(f"'{value}' är inget årtal", rule=rule, argument=argument)
    if isinstance(value, int):
        year = value
    else:
        try:
            number = parse_amount(value, argument=argument, rule=rule, dash_is_zero=False)
        except InputError:
            raise InputError(f"'{value}' är inget årtal", rule=rule, argument=argument) from None
        if number != number.to_integral_value():
            raise InputError(f"'{value}' är inget helt årtal", rule=rule, argument=argument)
        year = int(number)
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        raise InputError(f"årtalet {year} är orimligt", rule=rule, argument=argument)
    return year


def _amount(value: Any, info: ValidationInfo) -> Decimal:
    return parse_amount(value, argument=info.field_name or "belopp")


def _amount_blank_zero(value: Any, info: ValidationInfo) -> Decimal:
    return parse_amount(value, argument=info.field_name or "belopp", blank=ZERO)


def _amount_or_none(value: Any, info: ValidationInfo) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_amount(value, argument=info.field_name or "belopp")


def _year_or_none(value: Any, info: ValidationInfo) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_year(value, argument=info.field_name or "ar")


def _year(value: Any, info: ValidationInfo) -> int:
    return parse_year(value, argument=info.field_name or "ar")


Amount = Annotated[Decimal, BeforeValidator(_amount)]
"""A required amount in mkr, parsed with money.parse_amount (Swedish text accepted)."""
AmountOrZero = Annotated[Decimal, BeforeValidator(_amount_blank_zero)]
"""An amount where a blank cell / None means 0 (an empty line of a printed table)."""
OptionalAmount = Annotated[Decimal | None, BeforeValidator(_amount_or_none)]
"""An amount that may be absent (None / blank cell = not given)."""
Year = Annotated[int, BeforeValidator(_year)]
OptionalYear = Annotated[int | None, BeforeValidator(_year_or_none)]


def input_error_from(exc: ValidationError, rule: str) -> InputError:
    """The first problem of a pydantic ValidationError as an InputError (Swedish)."""
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err.get("loc", ())) or None
    original = (err.get("ctx") or {}).get("error")
    if isinstance(original, InputError):
        # The location pydantic knows (e.g. "serie.2.balanskravsresultat") is more precise
        # than the field name a validator put in; a model-level validator adds its own
        # argument under the location of the nested model it belongs to.
        argument = original.argument
        if where and argument and not where.endswith(argument):
            argument = f"{where}.{argument}"
        elif where:
            argument = where
        # a location the value carried (xlmodel.location) is kept: it is where the user typed it
        return InputError(original.message, rule=original.rule or rule, argument=argument, sheet=original.sheet,
                          cell=original.cell)
    kind = err.get("type", "")
    if kind == "missing":
        message = "värde saknas"
    elif kind == "extra_forbidden":
        message = "okänt fält"
    elif isinstance(original, Exception):
        message = str(original)
    else:
        message = f"ogiltigt värde ({err.get('input')!r})"
    return InputError(message, rule=rule, argument=where)


class RuleModel(BaseModel):
    """Base of the rule input models: frozen, no unknown fields, and every validation
    problem raised as ``InputError`` (rule = ``rule_id``, argument = field path)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    rule_id: ClassVar[str] = "regel"  # each subclass names its rule (e.g. "balanskrav")

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise input_error_from(exc, type(self).rule_id) from None
