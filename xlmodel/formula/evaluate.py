"""Evaluate a parsed formula from a workbook's cached values, as Excel would.

Values inside the evaluator: ``float`` (every number: Excel's numbers are doubles),
``str``, ``bool``, ``None`` (a blank cell), ``ExcelError``, ``Area`` (a reference, kept
as a rectangle until something needs its values) and ``Grid`` (an array: an array
constant, arithmetic over a range, or a table returned by an xlmodel function).

xlmodel's functions get their arguments as Excel's COM path gives them to xlwings
(``xlmodel.workbook.udf_cells``): a one-cell reference as a scalar, a larger one as a
tuple of row tuples, blanks as None, numbers as floats, error values as their text (the
functions are declared ``err_to_str``), an omitted argument as None. They are called
through ``udf_cells.call``, the one place the headless path calls them.

Arithmetic follows Excel: blanks are 0, TRUE is 1, text that is a number is that
number (other text is #VALUE!), an error operand gives that error, division by zero
#DIV/0!; over a range it works cell by cell (as Excel 365 does in an array context).
The native functions computed are the few that wrap a rule's result in a cell: ROUND
(half away from zero, as Excel), SUM, ABS, MIN, MAX and INDEX. Any other function, an
undefined name, a missing sheet: ``CannotEvaluate``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from xlmodel.formula import parse as P
from xlmodel.formula.parse import CannotEvaluate
from xlmodel.formula.references import Area, Table, a1_area, name_parts, structured_area, structured_parts
from xlmodel.xlsx.refs import get_column_letter
from xlmodel.xlsx.values import ExcelError

_MAX_NAME_DEPTH = 8


@dataclass(frozen=True)
class Grid:
    rows: tuple[tuple[Any, ...], ...]


class Workbook:
    """The reading side of a workbook for the evaluator: cached values, defined names
    (workbook and sheet scope) and Excel Tables, over a ``PackageCells``."""

    def __init__(self, cells) -> None:
        self.cells = cells
        self.sheets = {s.casefold(): s for s in cells.sheet_names()}
        self._names: dict[tuple[str | None, str], str] | None = None
        self._tables: dict[str, Table] | None = None
        self._letters: dict[int, str] = {}
        # (reference text, sheet it is read from) → (sheet, corners, relative flags), or
        # () for a text that is not an A1 reference: the same few texts, once per cell.
        self.a1_refs: dict[tuple[str, str], tuple] = {}

    def sheet(self, name: str) -> str:
        got = self.sheets.get(name.casefold())
        if got is None:
            raise CannotEvaluate(f"bladet '{name}' finns inte i arbetsboken")
        return got

    def value(self, sheet: str, row: int, col: int) -> Any:
        """The cached value as Excel holds it (numbers as doubles)."""
        letters = self._letters.get(col)
        if letters is None:
            letters = self._letters[col] = get_column_letter(col)
        c = self.cells.cell(sheet, f"{letters}{row}")
        if c is None:
            return None
        v = c.value
        if type(v) is Decimal:
            if c.style and c.style in self.cells.date_styles():
                return self.cells.value_of(c)  # a date typed in: a datetime, as xlwings gives it
            return float(v)  # the double the file stores (its text is the double's digits)
        return self.cells.value_of(c)

    def names(self) -> dict[tuple[str | None, str], str]:
        if self._names is None:
            self._names = {}
            for d in self.cells.pkg.defined_names:
                scope = d.local_sheet.casefold() if d.local_sheet else None
                self._names[(scope, d.name.casefold())] = d.value
        return self._names

    def tables(self) -> dict[str, Table]:
        if self._tables is None:
            self._tables = {}
            for s in self.cells.sheet_names():
                for t in self.cells.pkg.tables(s):
                    table = Table(t.display_name, s, t.ref, t.header_row_count, t.totals_row_count, t.columns)
                    self._tables[t.display_name.casefold()] = table
                    self._tables.setdefault(t.name.casefold(), table)
        return self._tables

    def table_at(self, sheet: str, row: int, col: int) -> Table | None:
        from xlmodel.xlsx.refs import range_boundaries

        for t in self.tables().values():
            if t.sheet == sheet:
                c1, r1, c2, r2 = range_boundaries(t.ref)
                if c1 <= col <= c2 and r1 <= row <= r2:
                    return t
        return None


class Evaluation:
    """One cell's formula evaluated; with ``record``, also the arguments of each xlmodel
    call and the cells they read (``calls``, for ``forklara``)."""

    def __init__(self, book: Workbook, sheet: str, row: int, col: int,
                 udf_names: frozenset[str], call: Callable[..., Any], *, shift: tuple[int, int] = (0, 0),
                 record: bool = False) -> None:
        self.book, self.sheet, self.row, self.col = book, sheet, row, col
        # The tree may have been parsed from the same formula at another cell
        # (xlmodel.formula.template): its relative references move by this (rows, cols).
        self.shift = shift
        self.record = record
        self.udf_names = udf_names
        self.call = call
        # For each xlmodel call evaluated: (name, [(argument text, the Areas it reads, value passed, whether it is a reference)])
        self.calls: list[tuple[str, list[tuple[str, Area | None, Any]]]] = []

    # ------------------------------------------------------------------ nodes

    def eval(self, node, depth: int = 0) -> Any:
        kind = type(node)
        if kind is P.Ref:  # the usual argument first: this runs once per argument of every cell
            return self.reference(node.text, self.sheet, depth)
        if kind is P.Call:
            return self.function(node, depth)
        if isinstance(node, P.Lit):
            return node.value
        if isinstance(node, P.Missing):
            return None
        if isinstance(node, P.Ref):
            return self.reference(node.text, self.sheet, depth)
        if isinstance(node, P.Unsupported):
            raise CannotEvaluate(node.reason)
        if isinstance(node, P.Unary):
            x = self.eval(node.operand, depth)
            return _map1(x, lambda v: _arith("-", 0.0, v) if node.op == "-" else _number(v), self.book)
        if isinstance(node, P.Percent):
            return _map1(self.eval(node.operand, depth), lambda v: _arith("/", v, 100.0), self.book)
        if isinstance(node, P.Binary):
            a, b = self.eval(node.left, depth), self.eval(node.right, depth)
            return _map2(a, b, lambda x, y: _binary(node.op, x, y), self.book)
        if isinstance(node, P.Array):
            return Grid(tuple(tuple(_scalar(self.eval(x, depth), self.book) for x in row) for row in node.rows))
        if isinstance(node, P.Call):
            return self.function(node, depth)
        raise CannotEvaluate("formeln kan inte läsas")

    def reference(self, text: str, sheet: str, depth: int) -> Any:
        known = self.book.a1_refs.get((text, sheet))
        if known is None:
            found = _a1(text)
            if found is not None:
                area, relative = found
                known = (self.book.sheet(area.sheet or sheet), area.r1, area.c1, area.r2, area.c2, *relative)
            else:
                known = ()
            self.book.a1_refs[(text, sheet)] = known
        if known:
            home, r1, c1, r2, c2, ra1, ca1, ra2, ca2 = known
            dr, dc = self.shift
            if dr or dc:
                r1, r2 = r1 + dr * ra1, r2 + dr * ra2
                c1, c2 = c1 + dc * ca1, c2 + dc * ca2
            if r1 > r2:
                r1, r2 = r2, r1
            if c1 > c2:
                c1, c2 = c2, c1
            return Area(home, r1, c1, r2, c2)
        parts = structured_parts(text)
        if parts is not None:
            table_name, inner = parts
            if table_name:
                table = self.book.tables().get(table_name.casefold())
                if table is None:
                    raise CannotEvaluate(f"tabellen {table_name} finns inte i arbetsboken")
            else:
                table = self.book.table_at(self.sheet, self.row, self.col)
                if table is None:
                    raise CannotEvaluate(f"{text} står utanför en tabell")
            return structured_area(table, inner, self.row, text)
        named = name_parts(text)
        if named is None:
            raise CannotEvaluate(f"referensen {text} kan inte läsas")
        return self.defined_name(named[0], named[1], text, depth)

    def defined_name(self, qualifier: str | None, name: str, text: str, depth: int) -> Any:
        if depth >= _MAX_NAME_DEPTH:
            raise CannotEvaluate(f"namnet {text} hänvisar till sig självt")
        names = self.book.names()
        key = name.casefold()
        if qualifier is not None:
            definition = names.get((self.book.sheet(qualifier).casefold(), key))
        else:
            definition = names.get((self.sheet.casefold(), key), names.get((None, key)))
        if definition is None:
            table = self.book.tables().get(key) if qualifier is None else None
            if table is not None:
                return structured_area(table, "", self.row, text)
            if key in ("true", "false"):
                return key == "true"
            raise CannotEvaluate(f"namnet {text} finns inte i arbetsboken")
        try:
            tree = P.parse(definition)
        except CannotEvaluate:
            raise CannotEvaluate(f"namnet {text} ({definition}) kan inte läsas") from None
        home = self.book.sheet(qualifier) if qualifier is not None else self.sheet
        inner = Evaluation(self.book, home, self.row, self.col, self.udf_names, self.call, record=self.record)
        inner.calls = self.calls
        return inner.eval(tree, depth + 1)

    def function(self, node: P.Call, depth: int) -> Any:
        if node.name in self.udf_names:
            return self.xlmodel_call(node, depth)
        native = _NATIVE.get(node.name)
        if native is None:
            raise CannotEvaluate(f"funktionen {node.written} är inte en av xlmodels funktioner och räknas inte om här")
        return native(self, [self.eval(a, depth) for a in node.args])

    def xlmodel_call(self, node: P.Call, depth: int) -> Any:
        from xlmodel.formula.show import node_text

        passed, record = [], []
        for a in node.args:
            v = self.eval(a, depth)
            arg = self.argument(v)
            passed.append(arg)
            if self.record:
                record.append((node_text(a), self.areas_read(a, v), arg, isinstance(v, Area)))
        if self.record:
            self.calls.append((node.name, record))
        result = self.call(node.name, *passed)
        if isinstance(result, (list, tuple)):
            rows = [tuple(r) if isinstance(r, (list, tuple)) else (r,) for r in result]
            return Grid(tuple(rows))
        return result

    def areas_read(self, node, value: Any) -> list[Area]:
        """The cells an argument reads: itself if it is a reference, else the references
        inside its expression (B2+100 reads B2)."""
        if isinstance(value, Area):
            return [value]
        out: list[Area] = []
        stack = [node]
        while stack:
            n = stack.pop()
            if isinstance(n, P.Ref):
                try:
                    got = self.reference(n.text, self.sheet, 0)
                except CannotEvaluate:
                    continue
                if isinstance(got, Area):
                    out.append(got)
            elif isinstance(n, P.Call):
                stack.extend(reversed(n.args))
            elif isinstance(n, P.Unary | P.Percent):
                stack.append(n.operand)
            elif isinstance(n, P.Binary):
                stack.extend((n.right, n.left))
        return out

    # ------------------------------------------------------------------ Excel → Python

    def argument(self, v: Any) -> Any:
        """A value as Excel's COM path passes it to an xlwings function."""
        if type(v) is Area:
            if v.r1 == v.r2 and v.c1 == v.c2:
                x = self.book.value(v.sheet, v.r1, v.c1)
                return x if type(x) is float or x is None else _to_udf(x)
            return tuple(tuple(_to_udf(self.book.value(v.sheet, r, c)) for c in range(v.c1, v.c2 + 1))
                         for r in range(v.r1, v.r2 + 1))
        if isinstance(v, Grid):
            if len(v.rows) == 1 and len(v.rows[0]) == 1:
                return _to_udf(v.rows[0][0])
            return tuple(tuple(_to_udf(x) for x in row) for row in v.rows)
        return _to_udf(v)


@lru_cache(maxsize=4096)
def _a1(text: str) -> tuple[Area, tuple[int, int, int, int]] | None:
    """An A1 reference as an Area (sheet "" when unqualified, corners as written) and
    which of (first row, first col, last row, last col) are relative (1) or absolute (0)."""
    try:
        area = a1_area(text, "")
    except ValueError:
        raise CannotEvaluate(f"referensen {text} kan inte läsas") from None
    if area is None:
        return None
    corners = text.rpartition("!")[2].split(":")
    first, last = corners[0], corners[-1]

    def flags(corner: str) -> tuple[int, int]:
        letters_end = len(corner) - len(corner.lstrip("$").lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"))
        col_part, row_part = corner[:letters_end], corner[letters_end:]
        return (0 if row_part.startswith("$") else 1), (0 if col_part.startswith("$") else 1)

    (ra1, ca1), (ra2, ca2) = flags(first), flags(last)
    # Corners as written (a1_area orders them; B4:A2 is A2:B4 for Excel too).
    from xlmodel.xlsx.refs import range_boundaries

    c1, r1, _, _ = range_boundaries(_bare(first) + ":" + _bare(first))
    c2, r2, _, _ = range_boundaries(_bare(last) + ":" + _bare(last))
    return Area(area.sheet, r1, c1, r2, c2), (ra1, ca1, ra2, ca2)


def _bare(corner: str) -> str:
    return corner.replace("$", "").upper()


def _to_udf(v: Any) -> Any:
    if isinstance(v, ExcelError):
        return str(v)
    if isinstance(v, int) and not isinstance(v, bool):
        return float(v)
    return v


# ---------------------------------------------------------------------- arithmetic

def values_of(v: Any, book: Workbook) -> list[list[Any]]:
    """A value as rows of scalars (an Area read from the workbook)."""
    if isinstance(v, Area):
        return [[book.value(v.sheet, r, c) for c in range(v.c1, v.c2 + 1)] for r in range(v.r1, v.r2 + 1)]
    if isinstance(v, Grid):
        return [list(r) for r in v.rows]
    return [[v]]


def _scalar(v: Any, book: Workbook) -> Any:
    if isinstance(v, (Area, Grid)):
        rows = values_of(v, book)
        if len(rows) == 1 and len(rows[0]) == 1:
            return rows[0][0]
        raise CannotEvaluate("ett område används där ett enda värde behövs")
    return v


def _map1(x: Any, f: Callable[[Any], Any], book: Workbook) -> Any:
    if isinstance(x, (Area, Grid)):
        rows = values_of(x, book)
        if len(rows) == 1 and len(rows[0]) == 1:
            return f(rows[0][0])
        return Grid(tuple(tuple(f(v) for v in row) for row in rows))
    return f(x)


def _map2(a: Any, b: Any, f: Callable[[Any, Any], Any], book: Workbook) -> Any:
    ra, rb = values_of(a, book), values_of(b, book)
    if len(ra) == 1 and len(ra[0]) == 1 and len(rb) == 1 and len(rb[0]) == 1:
        return f(ra[0][0], rb[0][0])
    height = max(len(ra), len(rb))
    width = max(len(ra[0]), len(rb[0]))

    def at(rows, i, j):
        # Excel broadcasts a single row/column; outside a smaller array it gives #N/A.
        i2 = 0 if len(rows) == 1 else i
        j2 = 0 if len(rows[0]) == 1 else j
        if i2 >= len(rows) or j2 >= len(rows[0]):
            return ExcelError("#N/A")
        return rows[i2][j2]

    return Grid(tuple(tuple(f(at(ra, i, j), at(rb, i, j)) for j in range(width)) for i in range(height)))


def _number(v: Any) -> Any:
    if isinstance(v, ExcelError):
        return v
    if v is None:
        return 0.0
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v.strip())
        except ValueError:
            return ExcelError("#VALUE!")
    return ExcelError("#VALUE!")


_OPS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "^": operator.pow}


def _arith(op: str, a: Any, b: Any) -> Any:
    x, y = _number(a), _number(b)
    if isinstance(x, ExcelError):
        return x
    if isinstance(y, ExcelError):
        return y
    if op == "/" and y == 0:
        return ExcelError("#DIV/0!")
    try:
        return float(_OPS[op](x, y))
    except (OverflowError, ZeroDivisionError, ValueError, TypeError):
        return ExcelError("#NUM!")


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    return str(v)


def _binary(op: str, a: Any, b: Any) -> Any:
    if op in _OPS:
        return _arith(op, a, b)
    for v in (a, b):
        if isinstance(v, ExcelError):
            return v
    if op == "&":
        return _text(a) + _text(b)
    # Comparisons: a blank is "" next to text and 0 otherwise; text case-insensitively;
    # numbers < text < logicals.
    def key(v, other):
        if v is None:
            v = "" if isinstance(other, str) else 0.0
        if isinstance(v, bool):
            return (2, v)
        if isinstance(v, str):
            return (1, v.casefold())
        return (0, float(v))
    ka, kb = key(a, b), key(b, a)
    return {"=": ka == kb, "<>": ka != kb, "<": ka < kb, ">": ka > kb, "<=": ka <= kb, ">=": ka >= kb}[op]


# ---------------------------------------------------------------------- native functions

def _numbers(args: list[Any], book: Workbook) -> list[float] | ExcelError:
    out: list[float] = []
    for a in args:
        if isinstance(a, (Area, Grid)):
            for row in values_of(a, book):
                for v in row:
                    if isinstance(v, ExcelError):
                        return v
                    if isinstance(v, (int, float)) and not isinstance(v, bool):
                        out.append(float(v))  # a range's text, logicals and blanks are skipped
        else:
            n = _number(a)
            if isinstance(n, ExcelError):
                return n
            out.append(n)
    return out


def _sum(ev: Evaluation, args: list[Any]) -> Any:
    got = _numbers(args, ev.book)
    return got if isinstance(got, ExcelError) else float(sum(got))


def _min(ev: Evaluation, args: list[Any]) -> Any:
    got = _numbers(args, ev.book)
    return got if isinstance(got, ExcelError) else (min(got) if got else 0.0)


def _max(ev: Evaluation, args: list[Any]) -> Any:
    got = _numbers(args, ev.book)
    return got if isinstance(got, ExcelError) else (max(got) if got else 0.0)


def _abs(ev: Evaluation, args: list[Any]) -> Any:
    if len(args) != 1:
        raise CannotEvaluate("ABS ska ha ett argument")
    return _map1(args[0], lambda v: v if isinstance(_number(v), ExcelError) else abs(_number(v)), ev.book)


def _round(ev: Evaluation, args: list[Any]) -> Any:
    if len(args) != 2:
        raise CannotEvaluate("ROUND (AVRUNDA) ska ha två argument")
    digits = _number(_scalar(args[1], ev.book))
    if isinstance(digits, ExcelError):
        return digits

    def one(v: Any) -> Any:
        n = _number(v)
        if isinstance(n, ExcelError):
            return n
        # Excel rounds the decimal it shows (15 significant digits), half away from zero.
        d = Decimal(format(n, ".15g"))
        return float(d.quantize(Decimal(1).scaleb(-int(digits)), rounding=ROUND_HALF_UP))

    return _map1(args[0], one, ev.book)


def _index(ev: Evaluation, args: list[Any]) -> Any:
    if len(args) not in (2, 3):
        raise CannotEvaluate("INDEX (INDEX) stöds med två eller tre argument")
    rows = values_of(args[0], ev.book)
    r = _number(_scalar(args[1], ev.book))
    c = _number(_scalar(args[2], ev.book)) if len(args) == 3 and args[2] is not None else 1.0
    if isinstance(r, ExcelError) or isinstance(c, ExcelError):
        return r if isinstance(r, ExcelError) else c
    if len(args) == 2 and len(rows) == 1:  # INDEX(one row; k) picks the k-th column
        r, c = 1.0, r
    i, j = int(r), int(c)
    if i < 1 or j < 1:
        raise CannotEvaluate("INDEX med rad eller kolumn 0 (en hel rad/kolumn) stöds inte")
    if i > len(rows) or j > len(rows[0]):
        return ExcelError("#REF!")
    return rows[i - 1][j - 1]


_NATIVE: dict[str, Callable[[Evaluation, list[Any]], Any]] = {
    "SUM": _sum, "MIN": _min, "MAX": _max, "ABS": _abs, "ROUND": _round, "INDEX": _index,
}


# ---------------------------------------------------------------------- one call, planned once

class CallPlan:
    """A formula that is one call of an xlmodel function whose arguments are single
    cells (A1 references) and constants - ``=BALANSKRAV(Utfall!A2,…)``,
    ``=UPPRAKNING(B2;"3,1 %")``, the formula filled down a column of a team's workbook -
    resolved once per formula and sheet: the function, each reference's sheet, corner
    and whether its row is relative, each constant as it is passed. ``run`` evaluates it
    for the cell ``dr`` rows below the one it was planned at: exactly what
    ``Evaluation.eval`` does for such a tree (the same cells read in the same order, the
    same values passed, the same result), without walking the tree and resolving each
    reference again for every cell (issue 12: 5 000 function cells)."""

    __slots__ = ("fn", "args")

    def __init__(self, fn: Callable[..., Any], args: tuple) -> None:
        self.fn = fn
        # (home sheet, row, col, row is relative, constant, column letters): home None
        # for a constant
        self.args = args

    def run(self, book: Workbook, dr: int) -> Any:
        sheet_cells = book.cells.cells  # the sheet's cells by reference: ``cell(s, ref)`` is ``cells(s).get(ref)``
        passed = []
        last_home = on_home = None
        for home, r, c, relative, constant, letters in self.args:
            if home is None:
                passed.append(constant)
                continue
            row = r + dr * relative
            # ``book.value`` inlined for what nearly every argument cell is: missing (None)
            # or a number without a date format (its double); anything else through it.
            # A Cell's value is its item 3, its style item 6 (xlsx.reader.Cell).
            if home is not last_home:  # the arguments of a filled-down call are mostly on one sheet
                on_home, last_home = sheet_cells(home), home
            found = on_home.get(f"{letters}{row}")
            if found is None:
                passed.append(None)
                continue
            v = found[3]
            if type(v) is Decimal and not (found[6] and found[6] in book.cells.date_styles()):
                passed.append(float(v))
                continue
            x = book.value(home, row, c)
            passed.append(x if type(x) is float or x is None else _to_udf(x))
        result = self.fn(*passed)
        if isinstance(result, (list, tuple)):
            return Grid(tuple(tuple(r) if isinstance(r, (list, tuple)) else (r,) for r in result))
        return result


def plan_call(book: Workbook, sheet: str, tree, udf_names: frozenset[str],
              resolve: Callable[[str, int], Callable[..., Any] | None]) -> CallPlan | None:
    """The ``CallPlan`` of ``tree`` read on ``sheet``, or None when the tree is anything
    else (a nested or native function, a range, a name, a structured reference, a
    reference that cannot be read) or ``resolve(name, number of arguments)`` gives no
    function (one only Excel computes, a wrong number of arguments): such formulas are
    evaluated by ``Evaluation.eval``, which says why where it cannot."""
    if type(tree) is not P.Call or tree.name not in udf_names:
        return None
    ev = Evaluation(book, sheet, 0, 0, udf_names, lambda *_a: None)
    args = []
    for a in tree.args:
        kind = type(a)
        if kind is P.Ref:
            try:
                ev.reference(a.text, sheet, 0)
            except CannotEvaluate:
                return None
            known = book.a1_refs.get((a.text, sheet))
            if not known:
                return None
            home, r1, c1, r2, c2, ra1, ca1, ra2, ca2 = known
            if r1 != r2 or c1 != c2 or ra1 != ra2:
                return None
            args.append((home, r1, c1, ra1, None, get_column_letter(c1)))
        elif kind is P.Lit and not isinstance(a.value, (Grid, Area)):
            args.append((None, 0, 0, 0, _to_udf(a.value), None))
        elif kind is P.Missing:
            args.append((None, 0, 0, 0, None, None))
        else:
            return None
    fn = resolve(tree.name, len(args))
    return None if fn is None else CallPlan(fn, tuple(args))
