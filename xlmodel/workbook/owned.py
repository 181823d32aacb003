"""Cells a workbook kind owns: computed outputs with their formula and value.

Each kind declares its owned cells once (a function of the workbook's inputs); the
builder writes them, ``validate`` compares them with what the file stores, and
``regenerate`` writes the ones that differ. One definition, three uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from xlmodel.findings import Finding, Severity
from xlmodel.workbook.cells import at_excel_precision


@dataclass(frozen=True)
class OwnedCell:
    ref: str                   # "C5"
    value: Any                 # Decimal | str | None
    formula: str | None = None  # without the leading "="
    style: str = "text"        # builder style key: "text", "header", "amount", "amount_bold", "label_varav", ...
    spill: str | None = None   # for a dynamic-array anchor: the spilled range ("B20:C29")


_new_object = object.__new__
_set_attr = object.__setattr__


def owned_cell(ref: str, value: Any, formula: str | None = None, style: str = "text") -> OwnedCell:
    """``OwnedCell(ref, value, formula, style)``: the same frozen instance (its
    ``__dict__`` in field order, no spill) without the frozen dataclass's ``__init__``,
    which sets each field through ``object.__setattr__``; a large frame table has 16 000
    owned cells (bench/EXPLANATION.md). Tested against the constructor in
    tests/test_perf_equivalence_s10.py."""
    c = _new_object(OwnedCell)
    _set_attr(c, "__dict__", {"ref": ref, "value": value, "formula": formula, "style": style, "spill": None})
    return c


@dataclass(frozen=True)
class NamedBlock:
    """An owned block and the defined name that bounds it (``block_names``): ``ref`` is
    its extent as computed now; ``detected`` where the part's own detection finds it in
    a workbook without the name (None when the part has none)."""

    name: str
    ref: str
    detected: str | None = None


@dataclass
class SheetPlan:
    """Every cell a kind owns on one sheet, in its computed state (what ``regenerate``
    compares with the file and writes where it differs)."""

    sheet: str
    cells: list[OwnedCell]
    clear: list[str] = field(default_factory=list)     # ranges of old rows that no longer exist
    findings: list[Finding] = field(default_factory=list)
    styles: dict[str, int | None] = field(default_factory=dict)  # style for cells whose row changes level
    blocks: list[NamedBlock] = field(default_factory=list)       # the named blocks on this sheet


# Stored numbers are compared at 50 kr (0.00005 mkr): far below any printed precision,
# far above the 1e-12 noise of a double written as text, so a hand-edited figure is
# always caught and a faithfully written one never is.
TOLERANCE = Decimal("0.00005")



def normalize_formula(f: str | None) -> str | None:
    """The formula in one form whichever program wrote it (quotes, case, ``_xlfn.``,
    ``$``, spaces: ``xlsx.formula_text.canonical_formula``)."""
    from xlmodel.xlsx.formula_text import canonical_formula

    return canonical_formula(f)


def stored(cells, sheet: str, ref: str) -> tuple[str | None, Any]:
    """(formula, value) of a cell as the CellSource gives them: in one lookup where the
    source offers it (``PackageCells.formula_and_value``), else by its two methods
    (live Excel through xlwings)."""
    both = getattr(cells, "formula_and_value", None)
    if both is not None:
        return both(sheet, ref)
    return cells.formula(sheet, ref), cells.value(sheet, ref)


def compare_cell(cells, sheet: str, expected: OwnedCell, rule: str, *,
                 found_cell: tuple[str | None, Any] | None = None) -> Finding | None:
    """One owned cell against what the workbook stores: formula and (cached) value.
    ``found_cell``: the stored (formula, value) when the caller has read them already."""
    found_formula, found = found_cell if found_cell is not None else stored(cells, sheet, expected.ref)
    want = expected.value
    if (found_formula == expected.formula and isinstance(want, Decimal) and isinstance(found, Decimal)
            and abs(found - want) <= TOLERANCE):
        # Nearly every cell of a large table: the same formula text (or no formula on
        # either side) and a number within the tolerance, where each test below passes.
        return None
    if expected.formula is not None and normalize_formula(found_formula) != normalize_formula(expected.formula):
        what = f"formeln ={found_formula}" if found_formula else "ett fast värde"
        return Finding(
            rule=f"{rule}.formel",
            severity=Severity.ERROR,
            message=f"Cellen ska innehålla formeln ={expected.formula} men innehåller {what}.",
            expected="=" + expected.formula,
            found=("=" + found_formula) if found_formula else _as_text(found),
            sheet=sheet,
            cell=expected.ref,
        )
    if expected.formula is None and found_formula is not None:
        return Finding(
            rule=f"{rule}.formel",
            severity=Severity.ERROR,
            message=f"Cellen ska innehålla ett värde som xlmodel skriver, men innehåller formeln ={found_formula}.",
            expected=_as_text(expected.value),
            found="=" + found_formula,
            sheet=sheet,
            cell=expected.ref,
        )
    if _unknown_function_error(found):
        # The cached #NAME? of a formula calling xlmodel's functions (or a cell it spills
        # into), saved by a program without the xlwings add-in (LibreOffice recalculates
        # it on load): the formula is right, only its value could not be computed there.
        return Finding(
            rule=f"{rule}.ej_beraknad",
            severity=Severity.WARNING,
            message="Cellen visar #NAME?: programmet som senast sparade filen känner inte xlmodels funktioner "
                    "(de finns i Excel med xlwings-tillägget), så värdet kan inte kontrolleras; öppna boken i Excel "
                    "eller kör 'xlmodel regenerera'.",
            expected=want if isinstance(want, Decimal) else _as_text(want),
            found="#NAME?",
            sheet=sheet,
            cell=expected.ref,
        )
    if (found is None and expected.formula is not None and found_formula is not None
            and (isinstance(want, Decimal) or str(want if want is not None else "").strip())):
        # A formula saved without its value (openpyxl writes formulas uncalculated)
        return Finding(
            rule=f"{rule}.ej_beraknad",
            severity=Severity.WARNING,
            message="Formeln saknar sparat beräknat värde (filen har sparats av ett program som inte räknar om); värdet kan inte kontrolleras.",
            expected=want if isinstance(want, Decimal) else _as_text(want),
            sheet=sheet,
            cell=expected.ref,
        )
    if isinstance(want, Decimal):
        if not isinstance(found, Decimal) or abs(found - want) > TOLERANCE:
            return Finding(
                rule=rule,
                severity=Severity.ERROR,
                message=(f"Värdet ska vara {_as_text(want, expected.style)} enligt regeln men cellen innehåller "
                         f"{_as_text(found, expected.style)}."),
                expected=want,
                found=found if isinstance(found, Decimal) else _as_text(found),
                sheet=sheet,
                cell=expected.ref,
            )
        return None
    want_text = "" if want is None else str(want)
    found_text = "" if found is None else str(found)
    if want_text.strip() != found_text.strip():
        return Finding(
            rule=f"{rule}.text",
            severity=Severity.ERROR,
            message=f"Cellen ska innehålla '{want_text}' men innehåller '{found_text}'.",
            expected=want_text,
            found=found_text,
            sheet=sheet,
            cell=expected.ref,
        )
    return None


def _unknown_function_error(found: Any) -> bool:
    from xlmodel.xlsx.values import ExcelError

    return isinstance(found, ExcelError) and found.code == "#NAME?"


# Styles of owned cells that hold rates (fractions): their values read as percent.
RATE_STYLES = frozenset({"rate", "pct1", "input_rate", "input_pct1"})


def _as_text(v: Any, style: str = "") -> str:
    from xlmodel.money import fmt_figure, fmt_percent

    if v is None:
        return "(tom)"
    if isinstance(v, Decimal):
        # Four decimals: the tolerance is 50 kr, so two values that differ show different.
        return fmt_percent(v, 4) if style in RATE_STYLES else fmt_figure(v, max_places=4)
    return str(v)


def unchanged(cells, sheet: str, oc: OwnedCell, stored_formula: str | None, stored_value: Any) -> bool:
    """True when ``oc`` needs no write: stored formula and value are the same as computed
    and ``compare_cell`` finds nothing - exactly that, with three shortcuts: identical
    formula texts are the same formula without normalising them; for a number stored as a
    number, once formula and value are the same, compare_cell's only remaining test is
    the tolerance; for text, once the texts are the same, compare_cell agrees unless the
    stored value is a 0 or False. Tested against the unshortened test in
    tests/test_perf_equivalence.py."""
    formula, want = oc.formula, oc.value
    if stored_formula != formula and normalize_formula(stored_formula) != normalize_formula(formula):
        return False
    if isinstance(want, Decimal):
        if stored_value != at_excel_precision(want):
            return False
        if type(stored_value) is Decimal:
            # compare_cell from here on: its formula tests pass (the same formula, or none on
            # both sides) and the value is a Decimal, so its answer is the tolerance test alone
            return abs(stored_value - want) <= TOLERANCE
    else:
        if str(stored_value or "").strip() != str(want if want is not None else "").strip():
            return False
        if stored_value is None or stored_value:
            # compare_cell's text test is then the test just made (it differs only for a
            # stored 0 or False, whose text is not empty: those go to compare_cell)
            return True
    return compare_cell(cells, sheet, oc, "regenerera", found_cell=(stored_formula, stored_value)) is None
