"""The explanation model, the rule texts and the display helpers every explainer uses.

Display rounding (documented choice): amounts in the arithmetic are shown with their own
decimals, at most four (``SHOWN_PLACES``; the JSON output keeps them exact); a
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
from xlmodel.money import decimal_places, fmt_figure, fmt_mkr, round_half_up

RULE = "forklara"

Status = Literal["beräknad", "indata", "formel", "text", "tom"]

# A rule that is the budget's own method (not law) is cited by the workbook's own
# document: the source line the workbook states under its title (Info!A2, written by
# ``xlmodel bygg`` from bok.toml), so a region's workbook never cites another region's
# plan. ``cite_own_document`` puts it in.
OWN_DOCUMENT = "{dokument}"
OWN_DOCUMENT_CELL = ("Info", "A2")
OWN_DOCUMENT_MISSING = "arbetsbokens eget underlag (ingen källa angiven under rubriken på bladet Info)"
# A workbook without an Info sheet (the team's own, with parts added by xlmodel anslut).
OWN_DOCUMENT_NO_INFO = "arbetsbokens eget underlag (budgetens egen metod; arbetsboken anger ingen källa)"

# Rule ids of the explanations, with the Swedish description and the source a reader
# can look up. Legal parameters bring their own reference (params.lookup).
RULE_TEXT: dict[str, tuple[str, str]] = {
    "ramtabell.foregaende_ar": (
        "Föregående års budgetram är utgångspunkten och hämtas från indata (tabellen tblRamar).",
        OWN_DOCUMENT,
    ),
    "ramtabell.forandring": (
        "Kolumnen är summan av årets budgetförändringar av sin typ på raden och på dess varav-rader "
        "(tabellen tblForandringar); en förändring förs in på den mest specifika raden och summeras uppåt.",
        OWN_DOCUMENT,
    ),
    "ramtabell.index": (
        "Löne- och prisindex räknas på föregående års ram, före årets tillskott: radens egen del "
        "(ramen minus varav-radernas ramar) gånger radens indexsats – eller standardindex om raden saknar "
        "egen sats – plus varav-radernas index. Rader som inte indexeras (pensioner, avskrivningar, "
        "kollektivtrafik) får inget index.",
        OWN_DOCUMENT,
    ),
    "ramtabell.ram": (
        "Budgetram = föregående års ram + omställning reducering + omfördelning + utökad budget + "
        "löne- och prisindex.",
        OWN_DOCUMENT,
    ),
    "ramtabell.summa": (
        "Summaraden adderar nämndraderna; varav-raderna ingår redan i sina nämnder och räknas inte igen.",
        OWN_DOCUMENT,
    ),
    "ramtabell.text": (
        "Id och benämning skrivs av xlmodel från tabellen tblRamar (rubriken från budgetåret).",
        "Arbetsbokens tabell tblRamar (bladet Ramar)",
    ),
    "resultatbudget": (
        "Resultatbudgetens delsummor: summa skatter och statsbidrag = skatteintäkter + generella statsbidrag; "
        "verksamhetens resultat = nettoram + summa; finansnetto = finansiella intäkter + finansiella "
        "kostnader + orealiserade vinster; resultat = verksamhetens resultat + finansnetto; andelarna av "
        "summa skatter och statsbidrag.",
        OWN_DOCUMENT,
    ),
    "finansiella_mal": (
        "Ett finansiellt mål mäts som en andel av skatteintäkter + generella statsbidrag, per år eller över "
        "perioden (summa mot summa).",
        OWN_DOCUMENT,
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
        "balanskravsjusteringar = rad 1–6, balanskravsresultat = det + rad 7 + rad 8 (från 2024 även + rad 9, användning av äldre RUR).",
        "LKBR (2018:597) 11 kap. 10 §; RKR R15",
    ),
}


def cite_own_document(cells, explanation: "Explanation") -> "Explanation":
    """The explanation with ``OWN_DOCUMENT`` in its source replaced by the document this
    workbook names (Info!A2), or by a plain statement that it names none."""
    if OWN_DOCUMENT not in (explanation.source or ""):
        return explanation
    sheet, cell = OWN_DOCUMENT_CELL
    stated = cells.value(sheet, cell) if sheet in cells.sheet_names() else None
    missing = OWN_DOCUMENT_MISSING if sheet in cells.sheet_names() else OWN_DOCUMENT_NO_INFO
    document = str(stated).strip() if isinstance(stated, str) and stated.strip() else missing
    return explanation.model_copy(update={"source": explanation.source.replace(OWN_DOCUMENT, document)})


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


# Decimals an amount is shown with in the text (the JSON output keeps every one): four,
# enough to follow any sum of printed figures, and never a 30-digit quotient.
SHOWN_PLACES = 4


def num(x: Decimal | int) -> str:
    """An amount Swedish-style (8 771,1; −5), trailing zeros dropped, at most
    ``SHOWN_PLACES`` decimals (money.fmt_figure)."""
    d = Decimal(x)
    if d == d.to_integral_value():
        return fmt_mkr(d.quantize(Decimal(1)))
    return fmt_figure(d.normalize(), max_places=SHOWN_PLACES)


def amount_result(x: Decimal) -> str:
    """A computed amount: at two decimals, with the exact value when it has more (up to
    four) or its value at four decimals (display only; the rules keep it exact)."""
    d = Decimal(x)
    places = decimal_places(d.normalize())
    if places > SHOWN_PLACES:
        return f"{fmt_mkr(round_half_up(d, 2))} (med fyra decimaler {num(d)})"
    if places > 2:
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
