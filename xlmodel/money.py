"""Amounts: exact decimals, Swedish number text, and the rounding rules.

Rounding rules (each used by name, never ad hoc):
- ``round_half_up(x, places)``: round half away from zero, as Excel's ROUND and
  as the published plans' tables evidently do (e.g. Region Västerbottens Regionplan 2021, tabellen
  under Ekonomiska ramar per nämnd: 169,2 × 1,9 % = 3,2148 printed 3,2; Region
  Västernorrlands Regionplan 2020–2022, avsnitt 7.4 Resursramar: 424,43 × 3 % = 12,73
  printed 12,7). The plans do not state a method; half-up is also what Swedish public
  accounts (RKR) use in practice, and it is what a controller's =AVRUNDA() gives, so the
  sheet and the rule agree.
- The core never rounds an intermediate amount: rounding happens only where a
  figure is *published* (a frame table cell at its printed precision) and the
  precision is part of the input (``places``).

Amounts in the core are ``decimal.Decimal`` in mkr (miljoner kronor) unless a
model says otherwise. Floats from Excel are converted through their shortest
repr, so 1.9 becomes Decimal("1.9"), not 1.899999...
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from functools import lru_cache
from decimal import MAX_EMAX, MIN_EMIN, ROUND_HALF_UP, Context, Decimal, InvalidOperation, getcontext
from typing import Any

from xlmodel.errors import InputError

ZERO = Decimal(0)

# Excel error values as openpyxl / xlwings hand them to us (strings).
EXCEL_ERRORS = frozenset(
    {"#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!", "#SPILL!", "#CALC!", "#GETTING_DATA"}
)

# Characters a Swedish document or a pasted PDF uses for minus and for spaces.
_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2014": "-", "\u2010": "-", "\u2011": "-"})
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007']")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_DASH_ONLY = {"-", "\u2013", "\u2014", "\u2212"}

# Largest magnitude accepted as an amount: far above any region's budget in kronor
# (Region Stockholm's is about 1e11 kr), so anything larger is a typo or a date serial
# gone wrong, not money.
MAX_ABS = Decimal("1e15")
MAX_ABS_FLOAT = float(MAX_ABS)  # exactly 1e15: a double holds it, so the float test is the same test


def parse_amount(
    value: Any,
    *,
    argument: str,
    rule: str | None = None,
    blank: Decimal | None = None,
    dash_is_zero: bool = True,
) -> Decimal:
    """Convert a cell value or Python number to an exact Decimal.

    Accepts int, Decimal, finite float, and text as printed in Swedish reports:
    "1 234,5", "−716", "– 5", "12,7 ", "1.9". A lone dash ("–") is zero, as in the
    published plans' tables. ``blank`` is returned for None / "" (if ``blank`` is None, a
    blank is an error). Everything else raises InputError naming ``argument``.
    """
    # Fast paths for what nearly every call gets: a float from Excel (COM passes every
    # number as a float) or a Decimal already parsed. Same result as the general path
    # below; anything unusual (NaN, ±inf, out of range) falls through to it for its
    # message. Why: =BALANSKRAV() in thousands of cells (bench/RESULTS.md, ≤ 20 µs a call).
    kind = type(value)
    if kind is float:
        if -MAX_ABS_FLOAT <= value <= MAX_ABS_FLOAT:  # False for NaN
            return Decimal(repr(value)) + ZERO
    elif kind is Decimal:
        if value.is_finite() and abs(value) <= MAX_ABS:
            return value + ZERO
    if value is None or (isinstance(value, str) and value.strip() == ""):
        if blank is not None:
            return blank
        raise InputError("värde saknas (tom cell), ett belopp krävs", rule=rule, argument=argument)
    if isinstance(value, bool):
        raise InputError(f"sant/falskt ({value}) är inget belopp", rule=rule, argument=argument)
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise InputError(f"ogiltigt tal ({value})", rule=rule, argument=argument)
        result = Decimal(repr(value))
    elif isinstance(value, (date, datetime)):
        raise InputError(f"ett datum ({value:%Y-%m-%d}) är inget belopp", rule=rule, argument=argument)
    elif isinstance(value, str):
        result = _parse_text(value, argument=argument, rule=rule, dash_is_zero=dash_is_zero)
    else:
        raise InputError(f"oväntad typ {type(value).__name__}, ett belopp krävs", rule=rule, argument=argument)
    if not result.is_finite():
        raise InputError(f"ogiltigt tal ({value})", rule=rule, argument=argument)
    if abs(result) > MAX_ABS:
        raise InputError(f"orimligt stort belopp ({value})", rule=rule, argument=argument)
    return result + ZERO  # normalises -0 to 0


def _parse_text(text: str, *, argument: str, rule: str | None, dash_is_zero: bool) -> Decimal:
    raw = text.strip()
    if raw.upper() in EXCEL_ERRORS:
        raise InputError(f"cellen innehåller felvärdet {raw.upper()}", rule=rule, argument=argument)
    if raw in _DASH_ONLY and dash_is_zero:
        return ZERO
    s = _SPACES.sub("", raw.translate(_MINUS))
    percent = s.endswith("%")
    if percent:
        s = s[:-1]
    if "," in s and "." in s:
        # "1.234,5" (dot thousands) or "1,234.5" (comma thousands): the last one is the decimal mark.
        if s.rfind(",") > s.rfind("."):
            s = s.replace(".", "").replace(",", ".")
        else:
            s = s.replace(",", "")
    else:
        s = s.replace(",", ".")
    if not _NUMBER.match(s):
        raise InputError(f"'{raw}' är inget tal", rule=rule, argument=argument)
    try:
        d = Decimal(s)
    except InvalidOperation:  # pragma: no cover - guarded by the regex
        raise InputError(f"'{raw}' är inget tal", rule=rule, argument=argument) from None
    return d / 100 if percent else d


def parse_rate(value: Any, *, argument: str, rule: str | None = None, blank: Decimal | None = None) -> Decimal:
    """A rate as a fraction. Text "1,9 %" gives 0.019; a number is taken as a fraction
    (Excel stores 1,9 % as 0.019). Rates outside -100 %..+100 % are refused: an index or
    a cut of more than the whole frame is a typo (1.9 typed for 1,9 %)."""
    if type(value) is str:
        # The same text in thousands of cells (=UPPRAKNING(B2;"3,1 %") filled down):
        # parsed once. A Decimal is immutable; a refused text raises every time.
        return _text_rate(value, argument, rule, blank)
    return _rate(value, argument, rule, blank)


def _rate(value: Any, argument: str, rule: str | None, blank: Decimal | None) -> Decimal:
    r = parse_amount(value, argument=argument, rule=rule, blank=blank)
    if r <= -1 or r >= 1:
        as_percent = _swedish(r * 100) + " %"
        if isinstance(value, str) and value.strip().endswith("%"):
            # Typed as a percentage: no "did you mean" - the user wrote what they meant.
            hint = f"andelen {as_percent} går inte: en andel ska vara större än -100 % och mindre än 100 %"
        else:
            typed = _swedish(r)
            hint = (f"andelen {typed} (= {as_percent}) ligger utanför -100 %..100 % "
                    f"(skrev du {typed} i stället för {typed} %?)")
        raise InputError(hint, rule=rule, argument=argument)
    return r


_text_rate = lru_cache(maxsize=256)(_rate)


def _swedish(x: Decimal) -> str:
    """A number in a message as a Swedish reader writes it: 1,9 and 100, not 1.9 and 1E+2."""
    return format(x.normalize(), "f").replace(".", ",")


def round_half_up(x: Decimal, places: int = 0) -> Decimal:
    """Round half away from zero to ``places`` decimals (Excel ROUND / AVRUNDA)."""
    q = Decimal(1).scaleb(-places)
    # quantize needs as many digits as the result has; the default context's 28 would
    # raise InvalidOperation for, say, a printed figure with 100 decimals. Enough
    # precision is exact here, never a second rounding.
    digits = max(x.adjusted(), 0) + 1 + max(places, 0) + 1 if x.is_finite() and x else 0
    if digits <= getcontext().prec:
        return x.quantize(q, rounding=ROUND_HALF_UP) + ZERO
    ctx = Context(prec=digits, Emax=MAX_EMAX, Emin=MIN_EMIN)
    return ctx.add(x.quantize(q, rounding=ROUND_HALF_UP, context=ctx), ZERO)


def decimal_places(x: Decimal) -> int:
    """How many decimals a printed figure has: Decimal('336.0') -> 1, Decimal('8598') -> 0."""
    exp = x.as_tuple().exponent
    return max(0, -exp) if isinstance(exp, int) else 0


def fmt_mkr(x: Decimal | None, places: int | None = None) -> str:
    """Swedish display: 8 771,1 with a thin-space-free ordinary space and a minus sign."""
    if x is None:
        return "–"
    if places is not None:
        x = round_half_up(x, places)
    sign = "−" if x < 0 else ""
    txt = f"{abs(x):,f}".replace(",", " ").replace(".", ",")
    return sign + txt


# Decimals shown for a figure that carries more than it was printed or decided with (a
# computed sum, an exact product): two, the most any plan prints mkr with; a figure
# below 1 keeps up to four, so that 0,0055 does not show as 0,01.
SHOWN_PLACES = 2
SHOWN_PLACES_SMALL = 4


def fmt_figure(x: Any, places: int | None = None, *, max_places: int | None = None) -> str:
    """A number as a Swedish controller reads it, the one helper for every number the CLI
    and the messages print: space thousands, decimal comma, minus sign (``fmt_mkr``).
    ``places`` given: exactly that many decimals (round half up). Otherwise the figure's
    own decimals, at most ``SHOWN_PLACES`` (``SHOWN_PLACES_SMALL`` below 1), trailing
    zeros dropped; ``max_places`` raises or lowers that limit (a comparison that must show
    a difference of 0,001 mkr asks for 4). Floats and ints (as Excel hands them over) are taken by their
    shortest repr; text and None are returned as text ("" for None)."""
    if type(x) is Decimal and places is None and max_places is None:
        fast = _figure_at_shown_places(x)
        if fast is not None:
            return fast
    if x is None:
        return ""
    if isinstance(x, bool) or not isinstance(x, (int, float, Decimal)):
        return str(x)
    if isinstance(x, float) and x.is_integer() and abs(x) < 2**53:
        x = int(x)  # Excel hands every number over as a float: 158.0 is the figure 158
    d = x if isinstance(x, Decimal) else Decimal(repr(x)) if isinstance(x, float) else Decimal(x)
    if not d.is_finite():
        return str(x)
    if places is None:
        if d.as_tuple().exponent > 0:
            d = round_half_up(d, 0)  # 1E+3 -> 1000 (exact at any size)
        limit = SHOWN_PLACES if abs(d) >= 1 or d == 0 else SHOWN_PLACES_SMALL
        if max_places is not None:
            limit = max_places
        if decimal_places(d) > limit:
            d = round_half_up(d, limit).normalize()
            if d.as_tuple().exponent > 0:
                d = round_half_up(d, 0)
        return fmt_mkr(d)
    return fmt_mkr(d, places)


_SHOWN_QUANTUM = {places: Decimal(1).scaleb(-places) for places in (SHOWN_PLACES, SHOWN_PLACES_SMALL)}


def _figure_at_shown_places(d: Decimal) -> str | None:
    """``fmt_figure(d)`` for a finite Decimal whose ``str`` has no exponent (the text of
    nearly every amount), the same steps read off that text instead of ``as_tuple`` and
    comparisons with ints, which cost more than the rest (the change list of a large
    regenerate formats ~6 000 figures; bench/EXPLANATION.md): its decimals are the digits
    after the point, ``|d| >= 1`` is ``adjusted() >= 0``, and below 1 000 the text with
    a decimal comma is what ``format(d, ",f")`` gives. None for every other number,
    which takes the general path. Tested against it in tests/test_perf_equivalence_s5.py."""
    if not d.is_finite():
        return None
    text = str(d)
    if "E" in text:
        return None  # an exponent (above zero, or a tiny number): the general path
    point = text.find(".")
    places = 0 if point < 0 else len(text) - point - 1
    limit = SHOWN_PLACES if not d or d.adjusted() >= 0 else SHOWN_PLACES_SMALL
    if places > limit:
        if max(d.adjusted(), 0) + limit + 2 > getcontext().prec:
            return None  # round_half_up's wide-context branch
        d = (d.quantize(_SHOWN_QUANTUM[limit], rounding=ROUND_HALF_UP) + ZERO).normalize()
        text = str(d)
        if "E" in text and d.as_tuple().exponent > 0:
            d = round_half_up(d, 0)
            text = str(d)
    negative = d.is_signed() and not d.is_zero()  # d < 0
    body = text[1:] if text.startswith("-") else text  # str(abs(d))
    if "E" in body or (d and d.adjusted() >= 3):
        return ("−" if negative else "") + f"{abs(d):,f}".replace(",", " ").replace(".", ",")  # fmt_mkr(d)
    return ("−" if negative else "") + body.replace(".", ",")  # no thousands to group: str is format(d, "f")


def fmt_percent(rate: Any, places: int | None = None) -> str:
    """A rate (a fraction: 0.019) as percent, "1,9 %", at ``places`` decimals of the percent
    or the rate's own, at most two."""
    if rate is None:
        return ""
    if isinstance(rate, bool) or not isinstance(rate, (int, float, Decimal)):
        return str(rate)
    d = rate if isinstance(rate, Decimal) else Decimal(repr(rate)) if isinstance(rate, float) else Decimal(rate)
    pct = d * 100
    if places is None:
        pct = pct.normalize()  # 0.0199 -> 1.99, 0.01 -> 1 (not 1.00)
        if pct.as_tuple().exponent > 0:
            pct = round_half_up(pct, 0)
        if decimal_places(pct) > SHOWN_PLACES:
            places = SHOWN_PLACES
    return fmt_figure(pct, places) + " %"


def decimals_text(places: int) -> str:
    """ "1 decimal", "0 decimaler", "2 decimaler"."""
    return f"{places} decimal" if places == 1 else f"{places} decimaler"


# Excel's 15 significant digits, rounded half up (``excel_precision``). A constant: its
# flags (Inexact, Rounded) are set by each rounding and read by nothing.
_EXCEL_DIGITS = Context(prec=15, rounding=ROUND_HALF_UP)


def excel_precision(x: Decimal) -> Decimal:
    """A number as Excel holds it: 15 significant digits.

    Excel stores doubles and writes up to 17 significant digits into the file
    (XlsxWriter writes %.16g: 9.78 becomes "9.779999999999999"), but it computes and
    shows 15 (Excel specification and limits: "Number precision 15 digits"). Reading
    a workbook, we take numbers at that precision, so 9.779999999999999 is 9.78 again.
    """
    if not x.is_finite() or not x:
        return x + ZERO
    # Rounded to 15 significant digits, half up: the quantize to 15 - (adjusted() + 1)
    # places that this was, in one operation (a third of its time; read ~11 000 times
    # by a large regenerate, bench/EXPLANATION.md). The two differ only in trailing
    # zeros (quantize pads a shorter number, and a carry 9,99…5 -> 10,0… has one
    # more), which normalize() removes. Tested against the quantize in
    # tests/test_perf_equivalence_s10.py.
    y = _EXCEL_DIGITS.plus(x)
    return y.normalize() + ZERO if y == y.to_integral_value() else y.normalize()
