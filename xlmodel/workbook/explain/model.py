"""The explanation model, the rule texts and the display helpers every explainer uses.

Display rounding (documented choice): amounts in the arithmetic are shown exactly; a
result with more than two decimals is also shown at two (money.round_half_up), and a
frame-table figure additionally at its published precision (the row's ``Decimaler``),
which is the only rounding the rules apply.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel

from xlmodel import params
from xlmodel.money import decimal_places, fmt_mkr, round_half_up

RULE = "forklara"

Status = Literal["beräknad", "indata", "formel", "text", "tom"]

# Rule ids of the explanations, with the Swedish description and the source a reader
# can look up. Legal parameters bring their own reference (params.lookup).
RULE_TEXT: dict[str, tuple[str, str]] = {
    "ramtabell.foregaende_ar": (
        "Föregående års budgetram är utgångspunkten och hämtas från indata (tabellen tblRamar).",
        "Seed 000 rad 2724–2729 (ramberäkning); RULES.md A1",
    ),
    "ramtabell.forandring": (
        "Kolumnen är summan av årets budgetförändringar av sin typ på raden och på dess varav-rader "
        "(tabellen tblForandringar); en förändring förs in på den mest specifika raden och summeras uppåt.",
        "Seed 000 rad 2549–2643; RULES.md A3 (omställning), A4 (omfördelning), A5 (utökad budget)",
    ),
    "ramtabell.index": (
        "Löne- och prisindex räknas på föregående års ram, före årets tillskott: radens egen del "
        "(ramen minus varav-radernas ramar) gånger radens indexsats – eller standardindex om raden saknar "
        "egen sats – plus varav-radernas index. Rader som inte indexeras (pensioner, avskrivningar, "
        "kollektivtrafik) får inget index.",
        "Seed 000 rad 2576–2579 och 2731–2735; RULES.md A2",
    ),
    "ramtabell.ram": (
        "Budgetram = föregående års ram + omställning reducering + omfördelning + utökad budget + "
        "löne- och prisindex.",
        "Seed 000 rad 2724–2729 och tabellen rad 2855–2912; RULES.md A1",
    ),
    "ramtabell.summa": (
        "Summaraden adderar nämndraderna; varav-raderna ingår redan i sina nämnder och räknas inte igen.",
        "Seed 000 rad 2912; RULES.md A1",
    ),
    "ramtabell.text": (
        "Id och benämning skrivs av xlmodel från tabellen tblRamar (rubriken från budgetåret).",
        "docs/workbooks.md (celler som xlmodel äger)",
    ),
    "resultatbudget": (
        "Resultatbudgetens delsummor: summa skatter och statsbidrag = skatteintäkter + generella statsbidrag; "
        "verksamhetens resultat = nettoram + summa; finansnetto = finansiella intäkter + finansiella "
        "kostnader + orealiserade vinster; resultat = verksamhetens resultat + finansnetto; andelarna av "
        "summa skatter och statsbidrag.",
        "Seed 000 rad 2759–2763 (resultatbudget); RULES.md A7",
    ),
    "finansiella_mal": (
        "Ett finansiellt mål mäts som en andel av skatteintäkter + generella statsbidrag, per år eller över "
        "perioden (summa mot summa).",
        "Seed 000 rad 2365–2443; RULES.md A7",
    ),
    "aterstallning": (
        "Ett negativt balanskravsresultat ska regleras med positiva balanskravsresultat under de närmast "
        "följande åren; flera underskott återställs äldst först, och bara överskott från åren efter "
        "underskottet räknas. Med synnerliga skäl kan fullmäktige besluta att inte återställa eller att "
        "förlänga tiden.",
        "KL (2017:725) 11 kap. 12 §; synnerliga skäl 11 kap. 13 §",
    ),
    "balanskrav": (
        "Balanskravsutredningen går från årets resultat till balanskravsresultatet; raderna anges med "
        "tecken som i den tryckta utredningen och summorna är rena summor: resultat efter "
        "balanskravsjusteringar = rad 1–6, balanskravsresultat = det + rad 7 + rad 8.",
        "LKBR (2018:597) 11 kap. 10 §; RKR R15",
    ),
}


# =========================================================================== models


Scalar = Decimal | int | bool | str | None


class InputRef(BaseModel):
    label: str
    sheet: str | None = None
    cell: str | None = None
    value: Scalar = None
    shown: str = ""

    @property
    def address(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.cell or self.sheet or ""


class ParameterRef(BaseModel):
    key: str
    value: str
    shown: str
    valid_from: date
    valid_to: date | None
    period: str
    reference: str
    note: str = ""


class Explanation(BaseModel):
    path: str
    sheet: str
    cell: str
    workbook_kind: str | None = None
    status: Status
    title: str
    stored_value: Scalar = None
    stored_shown: str = ""
    formula: str | None = None
    rule: str | None = None
    rule_text: str | None = None
    source: str | None = None
    input_of: str | None = None
    inputs: list[InputRef] = []
    parameters: list[ParameterRef] = []
    arithmetic: list[str] = []
    rounding: str | None = None
    expected: Scalar = None
    mismatch: str | None = None
    notes: list[str] = []


# =========================================================================== display helpers


def num(x: Decimal | int) -> str:
    """An exact amount Swedish-style (8 771,1; −5), trailing zeros dropped."""
    d = Decimal(x)
    if d == d.to_integral_value():
        return fmt_mkr(d.quantize(Decimal(1)))
    return fmt_mkr(d.normalize())


def amount_result(x: Decimal) -> str:
    """A computed amount: at two decimals, with the exact value when it has more
    (display only; the rules keep it exact)."""
    d = Decimal(x)
    if decimal_places(d.normalize()) > 2:
        return f"{fmt_mkr(round_half_up(d, 2))} (exakt {num(d)})"
    return num(d)


def pct(rate: Decimal) -> str:
    return f"{num(rate * 100)} %"


def sum_expr(terms: list[Decimal]) -> str:
    """'3 205 − 1 326 − 169,2' for [3205, -1326, -169.2]: signs as a reader writes them."""
    if not terms:
        return "0"
    out = num(terms[0])
    for t in terms[1:]:
        out += f" − {num(-t)}" if t < 0 else f" + {num(t)}"
    return out


def show(value: Any, *, year: bool = False) -> str:
    """A cell value for a reader; ``year`` shows a whole number as a year (2022, not 2 022)."""
    if value is None:
        return "(tom)"
    if isinstance(value, bool):
        return "SANT" if value else "FALSKT"
    if isinstance(value, Decimal):
        if year and value == value.to_integral_value():
            return str(int(value))
        return num(value)
    return str(value)


def scalar(value: Any) -> Scalar:
    if value is None or isinstance(value, (Decimal, int, bool, str)):
        return value
    return str(value)  # ExcelError, datetime


def inp(label: str, where: tuple[str | None, str | None] | None, value: Any, shown: str | None = None) -> InputRef:
    sheet, cell = where if where else (None, None)
    return InputRef(label=label, sheet=sheet, cell=cell, value=scalar(value),
                    shown=shown if shown is not None else show(value))


def param_ref(key: str, year: int) -> ParameterRef:
    p = params.lookup(key, year)
    shown = pct(p.value) if isinstance(p.value, Decimal) and key.startswith("index.") else str(p.value)
    return ParameterRef(key=p.key, value=str(p.value), shown=shown, valid_from=p.valid_from, valid_to=p.valid_to,
                        period=p.period_sv(), reference=p.reference, note=p.note)




def rc(ref: str) -> tuple[int, int]:
    """'G14' → (14, 7)."""
    from xlmodel.xlsx.cellref import split_ref

    return split_ref(ref)


def addr(w: tuple[str | None, str | None]) -> str:
    """(sheet, cell) → 'Blad!G14'."""
    return f"{w[0]}!{w[1]}" if w[0] else (w[1] or "?")
