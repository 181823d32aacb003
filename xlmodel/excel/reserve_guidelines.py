"""RESERVANVANDNING's argument ``riktlinjer``: a workbook's reserve guideline table as a range.

An Excel function sees only its arguments, so a workbook's own rules for using the
reserves (fullmäktige's guidelines, the table ``tblReservriktlinjer``) reach
RESERVANVANDNING as a range: the whole table with its header row
(``tblReservriktlinjer[#Alla]``, stored as ``[#All]``), only its data
(``tblReservriktlinjer[#Data]``) or any two columns Nr and Värde.

Read as the workbook part reads the table (``workbook.reserve_guidelines``): rows 1–6 are
local rules (blank = xlmodel's default, the common local rule), and of them only rows
1–4 concern use (row 3 a local maximum per year, row 4 the trigger, recorded as text);
rows 5–6 concern reservation and are checked by ``validera`` on the table itself. Rows
7–10 are the statute's limits, which the function never takes from the table: it applies
the law of the year in its argument ``ar`` from xlmodel's dated parameters (the table's
law rows are for the workbook's own year, and a changed law row is ``validera``'s error).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from xlmodel.errors import InputError
from xlmodel.excel import arguments as c
from xlmodel.rules import reserve_guidelines as R

_YES_NO = {"ja": True, "sant": True, "true": True, "nej": False, "falskt": False, "false": False}
_HEADERS = {"nr": "nr", "varde": "value", "kalla eller beslut": "source"}
SOURCE_GIVEN = "riktlinjer i tabellen Reservriktlinjer"


def parse(value: Any, name: str = "riktlinjer", rule: str = "reserv") -> R.Guidelines | None:
    """The guidelines of the range ``value`` (rows as Excel passes them), or None when the
    argument is omitted or blank (the caller's defaults apply)."""
    if not isinstance(value, (list, tuple)) and c.is_blank(value):
        return None
    g = c.grid(value, name, rule)
    rows = g.rows
    columns = _columns(rows[0], name, rule)
    if columns is None:
        width = len(rows[0])
        if width < 2:
            raise InputError("ange tabellen Reservriktlinjer (t.ex. tblReservriktlinjer[#Alla]) eller två kolumner "
                             "Nr och Värde", rule=rule, argument=name)
        # Without headers: the table's own order (Nr, Riktlinje, Värde, Slag, Källa eller
        # beslut), or the two columns Nr and Värde.
        columns = {"nr": 0, "value": 1} if width == 2 else {"nr": 0, "value": 2, **({"source": 4} if width >= 5 else {})}
        data = list(enumerate(rows))
    else:
        data = list(enumerate(rows))[1:]
    local: dict[int, Any] = {}
    sources: list[str] = []
    seen: set[int] = set()
    for i, row in data:
        if all(c.is_blank(v) for v in row):
            continue   # an empty row of the range
        try:
            nr, value, src = _row(row, columns, seen, rule)
        except InputError as err:
            # The row of the range, as the user counts it (the header row is row 1).
            raise InputError(f"rad {i + 1} i området: {err.message}", rule=rule, argument=name) from None
        if nr is None:
            continue   # the law's limit: applied from xlmodel's parameters for the year in 'ar'
        local[nr] = value
        if src and nr <= 4 and src not in sources:
            sources.append(src)
    given = any(local.get(nr) not in (None, "") for nr in (1, 2, 3, 4))
    return R.guidelines(local, "; ".join(sources) or (SOURCE_GIVEN if given else ""))


def _row(row: list[Any], columns: dict[str, int], seen: set[int], rule: str) -> tuple[int | None, Any, str]:
    """(nr, typed value, source) of one local row; nr None for a law row."""
    nr_value = row[columns["nr"]]
    if c.is_blank(nr_value):
        raise InputError("raden saknar riktlinjens nummer (Nr)", rule=rule)
    nr = c.whole_number(nr_value, "Nr", rule, minimum=1)
    spec = R.BY_NR.get(nr)
    if spec is None:
        raise InputError(f"riktlinje nr {nr} finns inte (1–{len(R.ROWS)})", rule=rule)
    if nr in seen:
        raise InputError(f"riktlinje nr {nr} förekommer två gånger", rule=rule)
    seen.add(nr)
    if not spec.local:
        return None, None, ""
    v = row[columns["value"]]
    c.refuse_error(v, "Värde", rule)
    src = row[columns["source"]] if "source" in columns else None
    c.refuse_error(src, "Källa eller beslut", rule)
    try:
        value = _typed(spec, v, nr, rule)
    except InputError as err:
        if err.message.startswith("riktlinje nr"):
            raise
        raise InputError(f"riktlinje nr {nr}: {err.message}", rule=rule) from None
    return nr, value, src.strip() if isinstance(src, str) else ""


def _columns(header: list[Any], name: str, rule: str) -> dict[str, int] | None:
    """Column positions from a header row (the table's own headers), or None when the
    first row is not a header row."""
    found = {}
    for j, v in enumerate(header):
        if isinstance(v, str) and c.fold(v) in _HEADERS:
            found[_HEADERS[c.fold(v)]] = j
    if not found:
        return None
    if "nr" not in found or "value" not in found:
        raise InputError("tabellens rubriker Nr och Värde saknas i området", rule=rule, argument=name)
    return found


def _typed(spec: R.GuidelineRow, v: Any, nr: int, rule: str) -> Any:
    """One local row's value: Ja/Nej, an amount in mkr, a share, or text; blank = None."""
    if c.is_blank(v):
        return None
    what = f"riktlinje nr {nr}"
    if spec.kind == "bool":
        if isinstance(v, bool):
            return v
        if isinstance(v, str) and c.fold(v) in _YES_NO:
            return _YES_NO[c.fold(v)]
        raise InputError(f"{what} ska vara Ja eller Nej (angivet: {v})", rule=rule)
    if spec.kind == "amount":
        amount = c.amount(v, "Värde", rule)
        if amount < 0:
            raise InputError(f"{what}: beloppet ska anges som ett positivt belopp", rule=rule)
        return amount
    if spec.kind == "rate":
        share = c.rate(v, "Värde", rule)
        if share < 0:
            raise InputError(f"{what}: andelen ska ligga mellan 0 % och 100 %", rule=rule)
        return share
    if isinstance(v, float):
        return format(Decimal(repr(v)).normalize(), "f")
    return str(v).strip()
