"""A blank that is not blank: a formula saved without its value.

openpyxl (and other programs that write formulas without calculating them) save a
formula cell with no cached value. Read headless, such a cell has no value, and the
input check said "'Budgetram föregående år' saknas (tom cell)" about a cell the user
sees a formula in. ``explain_uncomputed`` turns that error into one that says what the
cell holds and what to do.
"""

from __future__ import annotations

from xlmodel.errors import InputError

_BLANK = "saknas (tom cell)"


def explain_uncomputed(err: InputError, cells) -> InputError:
    """``err`` itself, or, when it calls a formula cell without a saved value empty, an
    error saying so (same rule, sheet and cell)."""
    if not (err.sheet and err.cell and _BLANK in err.message):
        return err
    try:
        formula = cells.formula(err.sheet, err.cell)
    except Exception:  # noqa: BLE001 - the original error is the better answer then
        return err
    if not formula:
        return err
    return InputError(
        f"cellen har formeln ={formula} men inget sparat värde: filen har sparats av ett program som inte räknar "
        "om formler (t.ex. openpyxl); öppna och spara den i Excel eller LibreOffice så att värdet räknas fram",
        rule=err.rule, argument=err.argument, sheet=err.sheet, cell=err.cell,
    )
