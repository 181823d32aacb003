"""Cells in any workbook that call xlmodel's Excel functions, recomputed and compared.

A controller's own workbook (own sheets, own layout) may hold ``=BALANSKRAV(C5;C6)``,
``=ROUND(UPPRAKNING(Ramar!B2;"1,9 %");1)`` or ``=ATERSTALLNING(tblBkr[År];tblBkr[Res])``
in ordinary cells. ``xlmodel validera`` finds every such cell on every sheet (the
function name in any letter case, with the prefixes a file may store: ``_xludf.``, an
add-in or external-link qualifier such as ``[1]!`` or ``'…\\xlwings.xlam'!``), evaluates
its formula from the workbook's cached values (``xlmodel.formula``), calls the same
function the cell calls, through ``udf_cells.call``, with the arguments shaped as Excel
passes them, and compares the result with the value the file stores: the whole spill
for a table result in an array formula, the top-left value otherwise (what a cell
shows of an array).

What is reported, each naming sheet!cell, the function, expected and found:
- ``funktionscell.inaktuell`` (fel): the stored value is not what the function gives
  for the workbook's inputs (a value left over from before an input changed);
- ``funktionscell.felvarde`` (fel): the cell stores an error (``#NAME?``, ``#VALUE!``)
  or the function's own error text, or the function refuses the cell's inputs;
- ``funktionscell.ej_beraknad`` (varning, as for the cells xlmodel owns): the formula
  has no stored value (a writer that does not calculate, e.g. openpyxl), so there is
  nothing to compare;
- ``funktionscell.ej_kontrollerad`` (info): the formula contains something xlmodel does
  not compute (another add-in's function, a whole-column reference, …): a note naming
  the cell and the reason, never a guess and never a silent pass.

LibreOffice: it does not know xlmodel's functions. Saved by LibreOffice, a formula's
function name is lower case (``balanskrav(A1)``, recognised here like any other case)
and, if LibreOffice recalculated the file, the stored value is ``#NAME?``: then the
file holds no result of the rule, and every such cell is reported as
``funktionscell.felvarde`` with that explanation. With LibreOffice's default settings
for .xlsx (no recalculation on load) the stored values survive a save and are checked
as usual.

Numbers agree when they differ by at most 1e-9 relative (at least 1e-9 absolute): the
stored value is the same double the function returned, written with 15-17 significant
digits; a changed input moves the result by far more.

The cells that a recognised workbook kind computes itself (the regionplan's restoration
ledger, the delårsrapport's two function cells) are compared by that kind's validator
with the formula it must have; they are left out here so nothing is reported twice.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from functools import lru_cache
from typing import Any

from xlmodel.errors import InputError
from xlmodel.findings import Finding, Severity
from xlmodel.formula.evaluate import Evaluation, Grid, plan_call
from xlmodel.formula.parse import CannotEvaluate, calls_in, parse
from xlmodel.xlsx.refs import get_column_letter
from xlmodel.xlsx.values import ExcelError

RULE = "funktionscell"
_RELATIVE = Decimal("1e-9")

# Rule id, description and source of each function, for messages and ``forklara``.
_RULE_OF: dict[str, str] = {
    "BALANSKRAV": "balanskrav", "BALANSKRAV_UTREDNING": "balanskrav", "BALANSKRAV_KOLUMN": "balanskrav",
    "ATERSTALLNING": "aterstallning",
    "RESERVUTRYMME": "reserv", "RESERVANVANDNING": "reserv", "RESERVER": "reserv",
    "UPPRAKNING": "upprakning", "UPPRAKNING_KEDJA": "upprakning", "UPPRAKNING_KEDJA_SLUT": "upprakning",
    "INDEXSATS_VAGD": "upprakning.sammanvagd",
    "OMSTALLNING": "omstallning.plan", "OMSTALLNING_PROCENT": "omstallning.procent",
    "AVKASTNINGSKRAV": "omstallning.procent", "TILLFALLIG_REDUCERING": "omstallning.tillfallig",
}
SOURCES: dict[str, str] = {
    "balanskrav": "LKBR (2018:597) 11 kap. 10 §; RKR R15 (uppställning av balanskravsutredningen)",
    "aterstallning": "KL (2017:725) 11 kap. 12 § (återställning inom tre år); 11 kap. 13 § (synnerliga skäl)",
    "reserv": "KL (2017:725) 11 kap. 14 § (resultatutjämningsreserv; resultatreserv från 2024, prop. 2022/23:119)",
    "upprakning": "Ingen lagregel: uppräkning med löne- och prisindex (LPIK) enligt planens budgetprinciper; "
                  "LPIK-värdena med källa i xlmodels daterade parametrar",
    "upprakning.sammanvagd": "Ingen lagregel: vägd indexsats som statens pris- och löneomräkning",
    "omstallning.plan": "Ingen lagregel: omställning enligt fullmäktiges budgetbeslut",
    "omstallning.procent": "Ingen lagregel: procentuell omställning enligt fullmäktiges budgetbeslut",
    "omstallning.tillfallig": "Ingen lagregel: tillfällig reducering enligt fullmäktiges budgetbeslut",
}


@lru_cache(maxsize=1)
def function_names() -> frozenset[str]:
    """The Excel functions of xlmodel's add-in (``xlmodel.excel``), not its macros: those
    computed headless and those only Excel computes (a note names their cells)."""
    from xlmodel.excel import EXCEL_ONLY, by_name

    return frozenset(by_name()) | frozenset(EXCEL_ONLY)


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[bytes]]:
    names = "|".join(sorted(function_names(), key=len, reverse=True))
    # A name followed by "(", after anything but a letter, digit or _ (so the prefixes
    # "_xludf." and "[1]!" match, and XBALANSKRAV does not).
    text = re.compile(rf"(?<![A-Za-z0-9_])(?:{names})\s*\(", re.IGNORECASE)
    return text, re.compile(text.pattern.encode(), re.IGNORECASE)


def calls_xlmodel(formula: str | None) -> bool:
    """Does the formula text mention one of xlmodel's functions (a quick test; the
    tokenizer decides, e.g. a name inside a text literal is not a call)."""
    return formula is not None and _patterns()[0].search(formula) is not None


def owned_by_parts(parts, cells=None) -> frozenset[tuple[str, str]]:
    """The function cells the given parts compare themselves (``Part.function_cells``,
    and with ``cells`` ``Part.placed_function_cells``: where a moved block stands now)."""
    fixed = {at for part in parts for at in part.function_cells}
    if cells is not None:
        for part in parts:
            if part.placed_function_cells is not None:
                try:
                    fixed |= set(part.placed_function_cells(cells))
                except InputError:
                    pass  # the part's own validation reports what cannot be read
    return frozenset(fixed)


# =========================================================================== finding the cells


@lru_cache(maxsize=1)
def _lower_names() -> tuple[bytes, ...]:
    """The names to search a sheet's bytes for: a name that contains another one
    (``BALANSKRAV_KOLUMN``, ``UPPRAKNING_KEDJA``) is found whenever that one is, so only
    the shortest of each family is searched for (the same answer, fewer passes)."""
    names = {n.lower().encode() for n in function_names()}
    return tuple(sorted(n for n in names if not any(m != n and m in n for m in names)))


def _sheet_may_call(pkg, sheet: str) -> bool:
    """Whether a sheet's XML mentions a function name at all (in any case), read in
    pieces so a big sheet is never held whole (the frame table of a large plan has
    none). A plain search of the lower-cased bytes: a case-insensitive pattern over
    megabytes of XML costs more than reading the sheet.

    Names are searched for from the piece where the first formula element may open
    (``<f`` or a prefixed ``:f``, a superset): a formula's text follows its opening tag,
    so a name before it is in no formula, and a sheet of plain values (the inputs a
    team's function cells read) is passed over without lowering its bytes. A sheet that
    mentions a name only outside formulas yields no function cell either way."""
    names = _lower_names()
    keep = max(len(n) for n in names)  # a name (or a tag) split between two pieces is still found
    tail = b""
    formulas = False
    for chunk in pkg.iter_part(pkg.sheet_part(sheet)):
        data = tail + chunk
        if not formulas:
            formulas = b"<f" in data or b":f" in data
        if formulas:
            lowered = data.lower()
            if any(n in lowered for n in names):
                return True
        tail = data[-keep:]
    return False


def function_cells(cells, skip: frozenset[tuple[str, str]] = frozenset()):
    """(sheet, Cell) of every formula cell on the sheets that mention an xlmodel
    function; whether a formula calls one is decided by its parsed tree
    (``check_cell``), once per formula template."""
    pkg = getattr(cells, "pkg", None)
    if pkg is None:
        return  # live Excel: Excel itself computes these cells
    for sheet in cells.sheet_names():
        if not _sheet_may_call(pkg, sheet):
            continue
        for ref, c in cells.cells(sheet).items():
            if c.formula is not None and "(" in c.formula and (sheet, ref) not in skip:
                yield sheet, c


# =========================================================================== checking


class Checked:
    """One function cell: what the function gives, and how the stored values compare."""

    def __init__(self, sheet: str, cell, name: str | None, expected: list[list[Any]] | None,
                 evaluation, findings: list[Finding], compared: int, note: str | None = None) -> None:
        self.sheet, self.cell, self.name = sheet, cell, name
        self.expected = expected          # rows of values as the cells would store them
        self.evaluation = evaluation      # the Evaluation (arguments and their cells)
        self.findings = findings
        self.compared = compared          # cells compared (anchor + spill)
        self.note = note


def check(cells, skip: frozenset[tuple[str, str]] = frozenset()) -> tuple[list[Finding], int]:
    """Findings and the number of cells compared, over every function cell."""
    findings: list[Finding] = []
    compared = 0
    book = None
    from xlmodel.formula.template import FilledDown

    parsed = FilledDown()
    for sheet, c in function_cells(cells, skip):
        if book is None:
            from xlmodel.formula.evaluate import Workbook

            book = Workbook(cells)
        result = check_cell(cells, book, sheet, c, parsed=parsed, quick=True)
        if result is None:
            compared += 1  # planned, and the stored number is the function's double
            continue
        findings.extend(result.findings)
        compared += result.compared
    return findings, compared


def check_cell(cells, book, sheet: str, c, *, parsed: dict | None = None, record: bool = False,
               quick: bool = False) -> Checked | None:
    """One function cell. ``parsed``: the formulas already parsed in this workbook
    (``template.FilledDown``), so a formula filled down a column is parsed once.

    ``quick`` (``check``, which needs only the findings and the count): None for a
    planned call whose result is a finite double and whose cell stores a number (no
    date format, no array formula) that reads as that very double. The comparison
    would find nothing: the stored number is within half a unit in the last place of
    the double, ``repr`` of it (the expected value) too, and Excel's 15 digits move it
    by at most 5e-15 relative, far inside ``_close``'s 1e-9. Nearly every cell of a
    team's workbook is such a cell; the expected rows, the stored value at Excel's
    precision and the ``Checked`` are then not made."""
    names = function_names()
    hit = parsed.find(c.formula, c.row, c.col) if parsed is not None else None
    plans = None  # the formula's CallPlan per sheet, kept with its tree in ``parsed``
    if hit is not None:
        (tree, called, plans), row0 = hit
    else:
        row0 = c.row
        if not calls_xlmodel(c.formula):
            tree, called = None, ()  # no xlmodel function named: nothing to parse
        else:
            try:
                tree = parse(c.formula)
            except CannotEvaluate as err:
                return _note(sheet, c, None, str(err))
            called = tuple(x.name for x in calls_in(tree) if x.name in names)
        if parsed is not None:
            plans = {}
            parsed.add(c.formula, c.row, c.col, (tree, called, plans))
    if not called:
        return Checked(sheet, c, None, None, None, [], 0)  # e.g. the name inside a text
    name = called[0]
    plan = None
    if plans is not None and not record:
        plan = plans.get(sheet, False)
        if plan is False:
            plan = plans[sheet] = plan_call(book, sheet, tree, names, _resolved)
    # A planned call needs no Evaluation (what it keeps, the arguments and their cells,
    # is read only by ``forklara``, which records and so never plans): made only for
    # the tree's own evaluation, or for the note of a planned call that cannot be made.
    ev = None if plan is not None else Evaluation(book, sheet, c.row, c.col, names, _call,
                                                  shift=(c.row - row0, 0), record=record)
    try:
        result = ev.eval(tree) if plan is None else plan.run(book, c.row - row0)
    except CannotEvaluate as err:
        if ev is None:
            ev = Evaluation(book, sheet, c.row, c.col, names, _call, shift=(c.row - row0, 0), record=record)
        return _note(sheet, c, name, str(err), ev)
    if (quick and ev is None and type(result) is float and math.isfinite(result)
            and c.formula_kind != "array" and "RESERVANVANDNING" not in called):
        v = c.value
        if type(v) is Decimal and float(v) == result and not (c.style and c.style in cells.date_styles()):
            return None
    expected = _rows(result, book) if isinstance(result, (tuple, Grid)) else [[_as_stored(result)]]
    stored = cells.value_of(c)
    found = _compare(cells, sheet, c, name, expected, stored)
    if "RESERVANVANDNING" in called:
        found += _guidelines(cells, book, sheet, c, tree, row0, ev if record else None)
    compared = 1 + (_spill_size(expected) - 1 if c.formula_kind == "array" and stored is not None else 0)
    return Checked(sheet, c, name, expected, ev, found, compared)


def _guidelines(cells, book, sheet: str, c, tree, row0: int, ev) -> list[Finding]:
    """A RESERVANVANDNING cell that leaves out the workbook's own guideline table
    (``function_cell_guidelines``); its arguments evaluated again, with a record, for
    these few cells only."""
    from xlmodel.workbook import function_cell_guidelines as G

    if G.table_guidelines(cells, book) is None:
        return []
    if ev is None:
        ev = Evaluation(book, sheet, c.row, c.col, function_names(), _call, shift=(c.row - row0, 0), record=True)
        try:
            ev.eval(tree)
        except CannotEvaluate:
            return []
    return G.findings(cells, book, ev.calls, sheet, c.ref)


@lru_cache(maxsize=None)
def _arity(name: str) -> tuple[int, int]:
    """(required, at most) positional arguments of an xlmodel function."""
    import inspect

    from xlmodel.excel import by_name

    params = list(inspect.signature(by_name()[name]).parameters.values())
    required = sum(1 for p in params if p.default is inspect.Parameter.empty)
    return required, len(params)


def _call(name: str, *args: Any) -> Any:
    """``udf_cells.call``, the one place the headless path calls the functions, with a
    wrong number of arguments reported as a note (Excel would show an error; the
    function is not called)."""
    from xlmodel.excel import EXCEL_ONLY
    from xlmodel.workbook.udf_cells import call

    if name in EXCEL_ONLY:
        raise CannotEvaluate(EXCEL_ONLY[name])
    least, most = _arity(name)
    if not least <= len(args) <= most:
        raise CannotEvaluate(f"{name} anropas med {len(args)} argument men tar {least}–{most}")
    return call(name, *args)


def _resolved(name: str, n_args: int):
    """The function ``_call`` would call for ``name`` with ``n_args`` arguments (what
    ``udf_cells.call`` calls), or None where ``_call`` raises (a function only Excel
    computes, a wrong number of arguments): for a formula planned once
    (``formula.evaluate.plan_call``)."""
    from xlmodel.excel import EXCEL_ONLY
    from xlmodel.workbook.udf_cells import function

    if name in EXCEL_ONLY:
        return None
    least, most = _arity(name)
    if not least <= n_args <= most:
        return None
    return function(name)


def _note(sheet: str, c, name: str | None, why: str, ev=None) -> Checked:
    what = f"{name}-cellen" if name else "Cellen"
    finding = Finding(
        rule=f"{RULE}.ej_kontrollerad", severity=Severity.INFO,
        message=f"{what} kontrolleras inte: {why}.", subject=name, found="=" + c.formula,
        sheet=sheet, cell=c.ref,
    )
    return Checked(sheet, c, name, None, ev, [finding], 0, note=why)


def _rows(result: Any, book) -> list[list[Any]]:
    from xlmodel.formula.evaluate import values_of

    return [[_as_stored(v) for v in row] for row in values_of(result, book)]


def _as_stored(v: Any) -> Any:
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, float):
        d = Decimal(repr(v))
        return d.quantize(Decimal(1)) if d == d.to_integral_value() and abs(d) < 10**15 else d
    if isinstance(v, int):
        return Decimal(v)
    return v


def _spill_size(rows: list[list[Any]]) -> int:
    return len(rows) * max(len(r) for r in rows)


def _is_error(v: Any) -> bool:
    return isinstance(v, ExcelError) or (isinstance(v, str) and v.startswith("#XLMODEL"))


def _close(a: Decimal, b: Decimal) -> bool:
    return abs(a - b) <= _RELATIVE * max(Decimal(1), abs(a), abs(b))


def _same(want: Any, got: Any) -> bool:
    if want is None or want == "":
        return got is None or got == ""
    if isinstance(want, bool) or isinstance(got, bool):
        return want is got or want == got and type(want) is type(got)
    if isinstance(want, Decimal):
        return isinstance(got, Decimal) and _close(want, got)
    return str(want).strip() == ("" if got is None else str(got).strip())


def _shown(v: Any) -> str:
    from xlmodel.money import fmt_mkr

    if v is None:
        return "(tom)"
    if isinstance(v, bool):
        return "SANT" if v else "FALSKT"
    if isinstance(v, Decimal):
        return fmt_mkr(v.normalize()) if v != v.to_integral_value() else fmt_mkr(v.quantize(Decimal(1)))
    return str(v)


def _found(v: Any) -> Decimal | str:
    return v if isinstance(v, Decimal) else _shown(v)


def _compare(cells, sheet: str, c, name: str, expected: list[list[Any]], stored: Any) -> list[Finding]:
    want = expected[0][0] if expected and expected[0] else None
    if (c.formula_kind != "array" and type(want) is Decimal and type(stored) is Decimal
            and _close(want, stored)):
        return []  # nearly every cell: a number, the same as stored (what _same finds below)
    formula = "=" + c.formula
    base = {"subject": name, "sheet": sheet, "cell": c.ref}
    if _is_error(want):
        return [Finding(rule=f"{RULE}.felvarde", severity=Severity.ERROR,
                        message=f"{name} ger ett fel för cellens indata: {want}. Rätta indata som formeln {formula} läser.",
                        expected=str(want), found=_found(stored), **base)]
    if stored is None:
        return [Finding(rule=f"{RULE}.ej_beraknad", severity=Severity.WARNING,
                        message=(f"Formeln {formula} saknar sparat beräknat värde (filen har sparats av ett program som "
                                 f"inte räknar om); värdet kan inte kontrolleras. {name} ger {_shown(want)}."),
                        expected=_found(want), **base)]
    if _is_error(stored):
        hint = (" Programmet som senast räknade filen saknade xlmodels funktioner (t.ex. LibreOffice, eller Excel "
                "utan xlwings): filen innehåller inget resultat av regeln." if str(stored) == "#NAME?" else "")
        return [Finding(rule=f"{RULE}.felvarde", severity=Severity.ERROR,
                        message=f"Cellen visar felet {stored} men {name} ger {_shown(want)} med arbetsbokens indata.{hint}",
                        expected=_found(want), found=str(stored), **base)]
    findings = []
    if not _same(want, stored):
        findings.append(Finding(
            rule=f"{RULE}.inaktuell", severity=Severity.ERROR,
            message=(f"{name} ger {_shown(want)} med arbetsbokens indata men cellen har det sparade värdet "
                     f"{_shown(stored)}: värdet är inaktuellt (räkna om i Excel, eller rätta indata)."),
            expected=_found(want), found=_found(stored), **base))
    if c.formula_kind != "array":
        return findings
    width = max(len(r) for r in expected)
    for i, row in enumerate(expected):
        for j in range(width):
            if i == 0 and j == 0:
                continue
            ref = f"{get_column_letter(c.col + j)}{c.row + i}"
            value = row[j] if j < len(row) else None
            got = cells.value(sheet, ref)
            if not _same(value, got):
                findings.append(Finding(
                    rule=f"{RULE}.inaktuell", severity=Severity.ERROR,
                    message=(f"{name} i {c.ref} ger {_shown(value)} på den här platsen i sin tabell men cellen har "
                             f"det sparade värdet {_shown(got)}: värdet är inaktuellt."),
                    expected=_found(value), found=_found(got), subject=name, sheet=sheet, cell=ref))
    return findings
