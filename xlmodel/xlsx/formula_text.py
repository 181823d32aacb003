"""One text per formula, whichever program wrote it.

Excel, LibreOffice, XlsxWriter and openpyxl write the same formula in different ways:
``'Ramtabell'!B5`` or ``Ramtabell!B5`` (quotes around a sheet name that needs none),
``SUM`` or ``sum``, ``_xlfn.XLOOKUP`` or ``XLOOKUP`` (the prefix Excel stores for a
function newer than 2007), ``$B$5`` or ``B5`` as far as the cell is concerned, ``1.5``
or ``1.50E+0``, spaces between tokens. ``canonical_formula`` maps them to one text, so
comparing formulas (``workbook.owned.compare_cell``, ``diff``) finds a changed formula
and never a changed spelling.

The formula is split with openpyxl's tokenizer (openpyxl.formula.tokenizer, a
port of the tokenizer Excel's own formula grammar is usually described by) rather than
a tokenizer of our own; each token is then written in one form:

- a reference: ``$`` dropped, the sheet name unquoted (a doubled quote inside becomes one)
  and upper-cased (Excel's sheet and defined names are case-insensitive), the cell or
  range upper-cased;
- a function: prefixes ``_xlfn.``, ``_xlws.`` and ``_xludf.`` dropped, name upper-cased;
- a number: as a decimal (``1.50E+2`` and ``150`` are one number);
- TRUE/FALSE and error constants upper-cased; text constants exactly as written;
- whitespace dropped. (Whitespace is also Excel's range intersection operator; a
  formula that uses it would compare equal to its juxtaposed form. None of the
  formulas xlmodel owns does.)

A text the tokenizer cannot split is compared in the old way (whitespace and ``$``
dropped, upper-cased), so a damaged formula is still compared, never an error here.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import lru_cache

_FUNCTION_PREFIXES = ("_XLFN.", "_XLWS.", "_XLUDF.")


def _plain(text: str) -> str:
    return "".join(text.lstrip("=").split()).replace("$", "").upper()


def _reference(text: str) -> str:
    text = text.replace("$", "")
    sheet, bang, ref = text.rpartition("!")
    if not bang:
        return text.upper()
    if len(sheet) >= 2 and sheet[0] == "'" and sheet[-1] == "'":
        sheet = sheet[1:-1].replace("''", "'")
    return f"{sheet.upper()}!{ref.upper()}"


def _number(text: str) -> str:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return text.upper()
    return format(value.normalize(), "f")


@lru_cache(maxsize=65536)
def canonical_formula(text: str | None) -> str | None:
    """The formula ``text`` (with or without its leading '=') in the one form
    described in the module docstring; None for None."""
    if text is None:
        return None
    body = text[1:] if text.startswith("=") else text
    if not body.strip():
        return ""
    from openpyxl.formula.tokenizer import Token, Tokenizer

    try:
        tokens = Tokenizer("=" + body).items
    except Exception:  # noqa: BLE001 - openpyxl raises TokenizerError or ValueError on damaged text
        return _plain(body)
    out = []
    for tok in tokens:
        kind, sub, value = tok.type, tok.subtype, tok.value
        if kind == Token.WSPACE:
            continue
        if kind == Token.OPERAND:
            if sub == Token.RANGE:
                out.append(_reference(value))
            elif sub == Token.NUMBER:
                out.append(_number(value))
            elif sub == Token.TEXT:
                out.append(value)
            else:  # LOGICAL, ERROR
                out.append(value.upper())
        elif kind == Token.FUNC and sub == Token.OPEN:
            name = value.upper()
            for prefix in _FUNCTION_PREFIXES:
                if name.startswith(prefix):
                    name = name[len(prefix):]
                    break
            out.append(name)
        else:
            out.append(value.strip() if kind != Token.OPERAND else value)
    return "".join(out)


def same_formula(a: str | None, b: str | None) -> bool:
    """True when ``a`` and ``b`` are the same formula written two ways (or both None)."""
    if a == b:
        return True
    if a is None or b is None:
        return False
    return canonical_formula(a) == canonical_formula(b)
