"""Argument coercion for the Excel functions: what Excel (or a Python caller) passes in,
turned into what the rule core accepts; and results turned into what Excel can show.

Why this module exists: the rule core refuses bad values with an ``InputError``; in a
cell, xlwings would show an exception as its whole traceback (as measured with xlwings). So
every UDF is wrapped in ``excel_safe``, which turns an ``InputError`` into one short
Swedish line naming the argument::

    #XLMODEL: argument 'arets_resultat': cellen innehåller felvärdet #N/A

In Excel the cell shows the error value #VÄRDEFEL! (#VALUE!) and =XLMODEL_FEL(cell)
shows the line (``xlmodel.excel.errors``); a Python caller gets the line as text.

How values arrive (xlwings 0.37.8, COM):
- numbers as float (Excel has no integers), text as str, True/False as bool, dates
  as datetime, a blank cell or an omitted optional argument as None;
- an error cell as its text ("#N/A") because every argument is declared with
  ``err_to_str=True``; the error values newer than xlwings' table (#SPILL!, #CALC!,
  #GETTING_DATA) still arrive as the raw COM int, which ``error_text`` recognises;
- a range declared ``ndim=2`` as a list of row lists (a single cell as [[x]]); a
  range passed to an argument declared without ``ndim`` as a list (one row or one
  column) or a list of lists.
A plain Python caller (``from udfs import BALANSKRAV``) may pass ints, Decimals,
Swedish text ("1 234,5", "−716"), 1-D or 2-D lists/tuples: the same functions accept all.

Nothing here rounds: amounts go to the core exact (money.parse_amount) and come back
as float, the only number type Excel has (a Decimal would reach Excel as Currency
with 4 decimals; see xlwings_harness.com_return_problems).
"""

from __future__ import annotations

import functools
import inspect
import logging
import re
import unicodedata
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from xlmodel.errors import InputError
from xlmodel.money import EXCEL_ERRORS, parse_amount, parse_rate

from xlmodel.excel import errors as _excel_errors

ERROR_PREFIX = "#XLMODEL: "
log = logging.getLogger("udfs")

# COM hands an error cell to Python as -2146826288 + (Excel's xlErr code - 2000);
# xlwings translates only the seven classic ones to text, so the newer ones are here.
_COM_ERROR_BASE = -2146826288
_XL_ERROR_CODES = {
    2000: "#NULL!", 2007: "#DIV/0!", 2015: "#VALUE!", 2023: "#REF!", 2029: "#NAME?",
    2036: "#NUM!", 2042: "#N/A", 2043: "#GETTING_DATA", 2045: "#SPILL!", 2050: "#CALC!",
}
# An element of a range named in a message: "ar[3]" is shown as "argument 'ar', värde nr 3".
_INDEXED = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\[(?P<pos>\d+)\]$")


# --------------------------------------------------------------------------- errors

def error_text(value: Any) -> str | None:
    """The Excel error value a cell holds ("#N/A"), or None if ``value`` is no error."""
    if isinstance(value, str):
        text = value.strip().upper()
        return text if text in EXCEL_ERRORS else None
    if isinstance(value, int) and not isinstance(value, bool):
        return _XL_ERROR_CODES.get(value - _COM_ERROR_BASE + 2000)
    return None


def refuse_error(value: Any, name: str, rule: str) -> None:
    err = error_text(value)
    if err is not None:
        raise InputError(f"cellen innehåller felvärdet {err}", rule=rule, argument=name)


def message_for(err: InputError, rename: Mapping[str, str] | None = None) -> str:
    """The one line a cell shows for an InputError."""
    argument = err.argument
    if argument and rename:
        base, sep, rest = argument.partition("[")
        argument = rename.get(argument, rename.get(base, base) + sep + rest)
    if not argument:
        return fit_cell(ERROR_PREFIX + err.message)
    m = _INDEXED.match(argument)
    where = f"argument '{m['name']}', värde nr {m['pos']}" if m else f"argument '{argument}'"
    return fit_cell(f"{ERROR_PREFIX}{where}: {err.message}")


# What Excel's function wizard and a cell's tooltip show of a text without cutting it
# (the UDF docstrings keep to it too); a message quoting a 32 767-character argument
# would otherwise fill the cell with the argument.
CELL_MESSAGE_MAX = 255


def fit_cell(text: str) -> str:
    """``text`` cut to ``CELL_MESSAGE_MAX`` characters, the cut marked with '…'."""
    return text if len(text) <= CELL_MESSAGE_MAX else text[:CELL_MESSAGE_MAX - 1] + "…"


def excel_safe(func: Callable[..., Any] | None = None, *, rename: Mapping[str, str] | None = None):
    """Wrap a UDF so that bad input gives one Swedish message instead of a traceback.

    ``rename`` maps argument names the rule core uses in its errors (model field names)
    to the Excel argument names. Any other exception is a bug in xlmodel: the cell
    shows a short line and the traceback goes to the log (the UDF server's console
    with "Show Console" / Debug UDFs), never into the cell.

    Called by Excel (xlwings passes the calling cell in ``caller``) a bad input gives
    the error value #VALUE!, which no total skips, and the message is kept for
    =XLMODEL_FEL(cell) (``xlmodel.excel.errors``). Called from Python (no caller) it
    gives the message as text: "#XLMODEL: argument '…': …".

    The wrapper keeps the function's name and docstring (functools.wraps) and its
    signature plus the optional argument ``caller``, which xlwings reserves for the
    calling range and does not show in Excel (xlwings reads the signature with
    inspect.signature, which takes ``__signature__``). So the xlwings decorators go
    *above* it.
    """

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        sig = inspect.signature(f)
        n_params = len(sig.parameters)

        @functools.wraps(f)
        def wrapper(*args: Any, caller: Any = None) -> Any:
            if len(args) > n_params:  # xlwings passes the caller positionally, last
                *args, caller = args
            try:
                return f(*args)
            except InputError as err:
                return _excel_errors.error_result(message_for(err, rename), caller)
            except Exception as exc:  # noqa: BLE001 - a cell must never show a traceback
                log.exception("%s misslyckades", f.__name__)
                return _excel_errors.error_result(
                    f"{ERROR_PREFIX}internt fel i {f.__name__} ({type(exc).__name__}); se loggen", caller)

        caller_param = inspect.Parameter("caller", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None)
        wrapper.__signature__ = sig.replace(parameters=[*sig.parameters.values(), caller_param])  # type: ignore[attr-defined]
        return wrapper

    return decorate(func) if func is not None else decorate


# --------------------------------------------------------------------------- scalars

def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def is_zero_or_blank(value: Any) -> bool:
    """Blank, or an amount that is 0 (0.0, "0", "0,0", a lone dash "–"). An error
    cell or other text is neither."""
    if is_blank(value):
        return True
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        return False
    try:
        return parse_amount(value, argument="") == 0
    except InputError:
        return False


# Words a controller writes in a decision column for "no decision" (folded: fold()).
_NO_DECISION_WORDS = frozenset({"nej", "ingen", "inget", "inget beslut", "ej", "saknas"})


def no_decision(value: Any) -> bool:
    """A cell of a decision column (synnerliga skäl, förlängd tid) that says "no
    decision" the way controllers write it: blank, 0, "0", a dash, "nej", "inget"."""
    if is_zero_or_blank(value):
        return True
    return isinstance(value, str) and fold(value) in _NO_DECISION_WORDS


def cell_count(value: Any) -> int:
    """How many cells an argument holds: 1 for a value, n for a range (flat or rows)."""
    if not isinstance(value, (list, tuple)):
        return 1
    return sum(len(r) if isinstance(r, (list, tuple)) else 1 for r in value)


def single(value: Any, name: str, rule: str) -> Any:
    """One cell's value. A range of one cell is unwrapped; a larger range is refused
    (the function wants one value here, not a column)."""
    if type(value) is float or value is None:
        return value  # what COM passes for nearly every cell: no range, no error value
    if isinstance(value, (list, tuple)):
        if value:
            _refuse_whole_lines(value, name, rule)
        flat = [x for row in value for x in (row if isinstance(row, (list, tuple)) else [row])]
        if len(flat) != 1:
            raise InputError(f"området har {len(flat)} celler, här krävs en enda cell", rule=rule, argument=name)
        value = flat[0]
    refuse_error(value, name, rule)
    return value


def amount(value: Any, name: str, rule: str, *, blank: Decimal | None = None) -> Decimal:
    """An amount in mkr (blank → ``blank``, or an error if ``blank`` is None)."""
    return parse_amount(single(value, name, rule), argument=name, rule=rule, blank=blank)


def optional_amount(value: Any, name: str, rule: str) -> Decimal | None:
    value = single(value, name, rule)
    return None if is_blank(value) else parse_amount(value, argument=name, rule=rule)


def rate(value: Any, name: str, rule: str, *, blank: Decimal | None = None) -> Decimal:
    """A rate as a fraction: 0,019 or the text "1,9 %" (money.parse_rate)."""
    return parse_rate(single(value, name, rule), argument=name, rule=rule, blank=blank)


def optional_rate(value: Any, name: str, rule: str) -> Decimal | None:
    value = single(value, name, rule)
    return None if is_blank(value) else parse_rate(value, argument=name, rule=rule)


def year(value: Any, name: str, rule: str) -> int:
    from xlmodel.rules.base import parse_year  # pydantic: imported on first call, not with udfs

    return parse_year(single(value, name, rule), argument=name, rule=rule)


def optional_year(value: Any, name: str, rule: str) -> int | None:
    value = single(value, name, rule)
    return None if is_blank(value) else year(value, name, rule)


def whole_number(value: Any, name: str, rule: str, *, minimum: int = 0) -> int:
    """A count such as "år nummer 3": a whole number ≥ ``minimum`` (3.0 from Excel is 3)."""
    d = parse_amount(single(value, name, rule), argument=name, rule=rule)
    if d != d.to_integral_value():
        raise InputError(f"{d} är inget heltal", rule=rule, argument=name)
    if d < minimum:
        raise InputError(f"{d} är mindre än {minimum}", rule=rule, argument=name)
    return int(d)


def fold(text: str) -> str:
    """Case and diacritics folded, spaces collapsed: "Ränta på ränta" → "ranta pa ranta"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(ascii_text.lower().split())


def choice(value: Any, name: str, rule: str, words: Mapping[str, str], default: str) -> str:
    """A keyword argument as a controller types it ("sammansatt", "Ränta på ränta");
    ``words`` maps folded words to the core's value. Blank = ``default``."""
    value = single(value, name, rule)
    if is_blank(value):
        return default
    if not isinstance(value, str):
        raise InputError(f"ange ett av orden {', '.join(_distinct(words))}, inte {value!r}", rule=rule, argument=name)
    key = fold(value)
    if key not in words:
        raise InputError(f"okänt val '{value}' (ange {' eller '.join(_distinct(words))})", rule=rule, argument=name)
    return words[key]


def _distinct(words: Mapping[str, str]) -> list[str]:
    """The first word for each core value, for the message (not every alias)."""
    seen: dict[str, str] = {}
    for word, target in words.items():
        seen.setdefault(target, word)
    return list(seen.values())


# --------------------------------------------------------------------------- ranges

class Grid:
    """A rectangular block of cell values, as it came from Excel or from Python.

    ``scalar`` says the caller passed a single value rather than a range, so a 1×1
    result is given back as a plain value (Excel shows both the same way).
    """

    __slots__ = ("rows", "scalar")

    def __init__(self, rows: list[list[Any]], scalar: bool) -> None:
        self.rows = rows
        self.scalar = scalar

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.rows), len(self.rows[0]) if self.rows else 0

    def reshape(self, values: list[Any]) -> Any:
        """``values`` (in row order) in this grid's shape, ready for Excel."""
        n_rows, n_cols = self.shape
        if self.scalar or (n_rows, n_cols) == (1, 1):
            return values[0]
        return [values[r * n_cols:(r + 1) * n_cols] for r in range(n_rows)]


# Excel's sheet is 1 048 576 rows by 16 384 columns: a range that long is a whole column
# (A:A) or row (5:5). Refused before a single cell is looked at: converting a million
# blanks took 5-40 s before the message came.
SHEET_ROWS, SHEET_COLUMNS = 1_048_576, 16_384


def _refuse_whole_lines(value: Any, name: str, rule: str) -> None:
    first = value[0]
    width = len(first) if isinstance(first, (list, tuple)) else 1
    if len(value) >= SHEET_ROWS or (len(value) == 1 and width >= SHEET_COLUMNS):
        what = "hela kolumner (t.ex. A:A)" if len(value) >= SHEET_ROWS else "hela rader (t.ex. 5:5)"
        raise InputError(f"området är {what}; markera bara cellerna med data, t.ex. A5:A9", rule=rule,
                         argument=name)


def grid(value: Any, name: str, rule: str) -> Grid:
    """Any argument as a rectangular block: a value is 1×1, a flat list is one column
    (Python callers) or one row/column as xlwings squeezed it, a list of lists is rows."""
    if not isinstance(value, (list, tuple)):
        return Grid([[value]], scalar=True)
    if not value:
        raise InputError("området är tomt", rule=rule, argument=name)
    _refuse_whole_lines(value, name, rule)
    if all(isinstance(r, (list, tuple)) for r in value):
        rows = [list(r) for r in value]
        width = len(rows[0])
        if width == 0 or any(len(r) != width for r in rows):
            raise InputError("raderna i området har olika längd", rule=rule, argument=name)
        return Grid(rows, scalar=False)
    if any(isinstance(r, (list, tuple)) for r in value):
        raise InputError("området blandar enskilda värden och rader", rule=rule, argument=name)
    return Grid([[x] for x in value], scalar=False)


class Vector:
    """One column (or one row) of values, with the orientation to give results back in."""

    __slots__ = ("values", "horizontal", "scalar")

    def __init__(self, values: list[Any], horizontal: bool, scalar: bool) -> None:
        self.values = values
        self.horizontal = horizontal
        self.scalar = scalar

    def __len__(self) -> int:
        return len(self.values)

    def shaped(self, results: list[Any]) -> Any:
        """Results as a column of rows (or one row), as the input was laid out."""
        if self.scalar and len(results) == 1:
            return results[0]
        return [list(results)] if self.horizontal else [[x] for x in results]


def vector(value: Any, name: str, rule: str) -> Vector:
    """A column (or a single row) of cells; a block of several rows *and* columns is refused."""
    g = grid(value, name, rule)
    n_rows, n_cols = g.shape
    if n_rows > 1 and n_cols > 1:
        raise InputError(
            f"området har {n_rows} rader och {n_cols} kolumner; ange en kolumn (eller en rad)",
            rule=rule, argument=name,
        )
    horizontal = n_rows == 1 and n_cols > 1
    values = g.rows[0] if horizontal else [r[0] for r in g.rows]
    return Vector(values, horizontal=horizontal, scalar=g.scalar)


def optional_vector(value: Any, name: str, rule: str, length: int, lead: str) -> list[Any]:
    """An optional column aligned with the argument ``lead``. Omitted (None, or the [[None]]
    xlwings makes of an empty argument with ndim=2) → ``length`` blanks. A single value is
    not repeated down the rows: one cell selected instead of a column is a mistake to
    report, not a figure to apply to every nämnd or year."""
    v = vector(value, name, rule)
    if len(v) == 1 and is_blank(v.values[0]):
        return [None] * length
    same_length(v, name, length, lead, rule)
    return v.values


def same_length(v: Vector, name: str, length: int, lead: str, rule: str) -> None:
    if len(v) != length:
        raise InputError(
            f"{len(v)} värden men '{lead}' har {length}; områdena måste vara lika långa",
            rule=rule, argument=name,
        )


def element(name: str, i: int) -> str:
    """The argument name of element ``i`` (0-based) of a range, for messages."""
    return f"{name}[{i + 1}]"


# --------------------------------------------------------------------------- results

def to_excel(value: Any) -> Any:
    """A result cell for Excel: Decimal → float; int, str, bool, None pass."""
    if isinstance(value, Decimal):
        return float(value) + 0.0   # + 0.0: no "-0" from a negated zero
    return value


def table(rows: list[tuple[Any, ...]] | list[list[Any]]) -> list[list[Any]]:
    """A spilled table: list of row lists, every value through ``to_excel``."""
    return [[to_excel(x) for x in row] for row in rows]
