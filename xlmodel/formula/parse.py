"""A cell's formula as a tree, from openpyxl's tokenizer.

The tokenizer (``openpyxl.formula.tokenizer.Tokenizer``) splits the text the way Excel
stores it: operands (references, numbers, text, logicals, error literals), function
openings ("ROUND(", "_xludf.BALANSKRAV(", "[1]!BALANSKRAV("), separators, operators,
parentheses and array constants. This module only arranges the tokens by Excel's
operator precedence: unary minus binds tighter than ^ (=-2^2 is 4), then %, ^, * and /,
+ and -, &, comparisons. A construct the evaluator cannot compute faithfully (the
space intersection operator, the : range operator between computed references,
unions) becomes an ``Unsupported`` node rather than a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

from xlmodel.errors import XlmodelError

# Prefixes Excel (and other writers) may put before a function name in the file:
# _xludf. (a user-defined function as written by a non-Excel writer), _xlfn./_xlws.
# (newer built-ins), and a workbook or add-in qualifier ending in "!" ([1]! for an
# external link, 'C:\...\xlwings.xlam'! for an add-in by path).
_NAME_PREFIXES = ("_XLUDF.", "_XLFN.", "_XLWS.")


class CannotEvaluate(XlmodelError):
    """A formula (or part of it) that xlmodel does not compute; the text says why, in Swedish."""


@dataclass(frozen=True)
class Lit:
    value: object            # float, str, bool or an ExcelError


@dataclass(frozen=True)
class Missing:
    """An omitted argument: BALANSKRAV(A1,,B1)."""


@dataclass(frozen=True)
class Ref:
    text: str                # as stored: "A1", "'Mitt blad'!$B$2:B4", "Indexsats", "tblRamar[Ram]"


@dataclass(frozen=True)
class Call:
    name: str                # upper case, prefixes removed
    written: str             # as stored, e.g. "_xludf.balanskrav"
    args: tuple


@dataclass(frozen=True)
class Unary:
    op: str
    operand: object


@dataclass(frozen=True)
class Binary:
    op: str
    left: object
    right: object


@dataclass(frozen=True)
class Percent:
    operand: object


@dataclass(frozen=True)
class Array:
    rows: tuple              # tuple of tuples of nodes


@dataclass(frozen=True)
class Unsupported:
    reason: str


_INFIX = {"^": 5, "*": 4, "/": 4, "+": 3, "-": 3, "&": 2,
          "=": 1, "<>": 1, "<": 1, ">": 1, "<=": 1, ">=": 1}
_PREFIX_POWER = 6


def function_name(token_value: str) -> tuple[str, str]:
    """'[1]!_xludf.balanskrav(' → ('BALANSKRAV', '[1]!_xludf.balanskrav')."""
    written = token_value[:-1] if token_value.endswith("(") else token_value
    name = written
    if "!" in name:
        name = name.rpartition("!")[2]
    upper = name.upper()
    for prefix in _NAME_PREFIXES:
        if upper.startswith(prefix):
            upper = upper[len(prefix):]
    return upper, written


def parse(formula: str):
    """The tree of ``formula`` (with or without the leading "="). Raises CannotEvaluate
    when the tokenizer refuses the text."""
    from openpyxl.formula.tokenizer import Tokenizer, TokenizerError

    text = formula if formula.startswith("=") else "=" + formula
    try:
        tokens = Tokenizer(text).items
    except (TokenizerError, IndexError, ValueError) as err:
        raise CannotEvaluate(f"formeln kan inte läsas ({err})") from None
    parser = _Parser(tokens)
    node = parser.expression(0)
    if parser.peek() is not None:
        raise CannotEvaluate(f"formeln kan inte läsas: oväntat '{parser.peek().value}'")
    return node


class _Parser:
    def __init__(self, tokens) -> None:
        # Whitespace is dropped, except between two operands, where Excel reads it as
        # the intersection operator (A1:B5 B2:C3): marked so the parser can refuse it.
        self.tokens = []
        for i, t in enumerate(tokens):
            if t.type == "WHITE-SPACE":
                before = self.tokens[-1] if self.tokens else None
                after = tokens[i + 1] if i + 1 < len(tokens) else None
                if (before is not None and after is not None and _ends_operand(before) and _starts_operand(after)):
                    self.tokens.append(_Intersection())
                continue
            self.tokens.append(t)
        self.i = 0

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self):
        t = self.peek()
        if t is None:
            raise CannotEvaluate("formeln tar slut för tidigt")
        self.i += 1
        return t

    def expression(self, min_power: int):
        left = self.prefix()
        while True:
            t = self.peek()
            if t is None:
                return left
            if isinstance(t, _Intersection):
                self.take()
                self.prefix()
                left = Unsupported("mellanslag som snittoperator mellan två områden")
                continue
            if t.type == "OPERATOR-POSTFIX":
                self.take()
                left = Percent(left)
                continue
            if t.type == "OPERATOR-INFIX":
                if t.value == ":":
                    if min_power >= 9:
                        return left
                    self.take()
                    self.expression(9)
                    left = Unsupported("områdesoperatorn ':' mellan beräknade referenser")
                    continue
                power = _INFIX.get(t.value)
                if power is None:
                    raise CannotEvaluate(f"okänd operator '{t.value}'")
                if power <= min_power:
                    return left
                self.take()
                right = self.expression(power)
                left = Binary(t.value, left, right)
                continue
            return left

    def prefix(self):
        t = self.take()
        if isinstance(t, _Intersection):
            raise CannotEvaluate("formeln kan inte läsas")
        if t.type == "OPERATOR-PREFIX":
            return Unary(t.value, self.expression(_PREFIX_POWER))
        if t.type == "OPERAND":
            return _operand(t)
        if t.type == "FUNC" and t.subtype == "OPEN":
            name, written = function_name(t.value)
            return Call(name, written, self.arguments(("FUNC", "CLOSE")))
        if t.type == "PAREN" and t.subtype == "OPEN":
            inner = self.arguments(("PAREN", "CLOSE"))
            if len(inner) != 1 or isinstance(inner[0], Missing):
                return Unsupported("union av områden inom parentes")
            return inner[0]
        if t.type == "ARRAY" and t.subtype == "OPEN":
            return self.array()
        raise CannotEvaluate(f"formeln kan inte läsas: oväntat '{t.value}'")

    def arguments(self, closing: tuple[str, str]) -> tuple:
        args: list = []
        expecting = True  # an argument may come (an omitted one if a separator follows)
        while True:
            t = self.peek()
            if t is None:
                raise CannotEvaluate("en parentes stängs aldrig")
            if (t.type, t.subtype) == closing:
                self.take()
                if expecting and args:
                    args.append(Missing())  # BALANSKRAV(A1,) : the last one omitted
                return tuple(args)
            if t.type == "SEP" and t.subtype == "ARG":
                self.take()
                if expecting:
                    args.append(Missing())
                expecting = True
                continue
            if not expecting:
                raise CannotEvaluate(f"formeln kan inte läsas: oväntat '{t.value}'")
            args.append(self.expression(0))
            expecting = False

    def array(self) -> Array:
        rows: list[list] = [[]]
        while True:
            t = self.take()
            if t.type == "ARRAY" and t.subtype == "CLOSE":
                return Array(tuple(tuple(r) for r in rows))
            if t.type == "SEP" and t.subtype == "ROW":
                rows.append([])
                continue
            if t.type == "SEP" and t.subtype == "ARG":
                continue
            if t.type == "OPERATOR-PREFIX" and t.value == "-":
                rows[-1].append(Unary("-", _operand(self.take())))
                continue
            if t.type != "OPERAND" or t.subtype == "RANGE":
                raise CannotEvaluate("matriskonstanten kan inte läsas")
            rows[-1].append(_operand(t))


class _Intersection:
    type = "INTERSECTION"
    subtype = ""
    value = " "


def _ends_operand(t) -> bool:
    return t.type == "OPERAND" or (t.subtype == "CLOSE" and t.type in ("FUNC", "PAREN"))


def _starts_operand(t) -> bool:
    return t.type == "OPERAND" or (t.subtype == "OPEN" and t.type in ("FUNC", "PAREN"))


def _operand(t):
    from xlmodel.xlsx.values import ExcelError

    if t.subtype == "NUMBER":
        return Lit(float(t.value))
    if t.subtype == "TEXT":
        return Lit(t.value[1:-1].replace('""', '"'))
    if t.subtype == "LOGICAL":
        return Lit(t.value.upper() == "TRUE")
    if t.subtype == "ERROR":
        return Lit(ExcelError(t.value.upper()))
    return Ref(t.value)


def calls_in(node) -> list[Call]:
    """Every function call in the tree, outermost first."""
    out: list[Call] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Call):
            out.append(n)
            stack.extend(reversed(n.args))
        elif isinstance(n, Unary | Percent):
            stack.append(n.operand)
        elif isinstance(n, Binary):
            stack.extend((n.right, n.left))
        elif isinstance(n, Array):
            stack.extend(x for row in reversed(n.rows) for x in reversed(row))
    return out
