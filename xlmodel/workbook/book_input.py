"""The input format of ``xlmodel bygg``: ``bok.toml`` and its CSV files, strictly.

One pydantic model (``BookToml``, one variant per workbook kind, chosen by ``kind``)
says which keys a ``bok.toml`` may have, which are required and what each holds; the
reference for controllers is docs/indata.md (a test checks that it names every key and
every column). What it guarantees, so that no user mistake ends as "internt fel":

- an unknown key is refused with the nearest valid one ("netoram" → "menade du
  nettoram?"): a misspelt optional key would otherwise switch a check off silently;
- a missing key is named, with what it should hold;
- Swedish forms are accepted where a number is expected: "3,1 %", "0,031", "8 771",
  decimal comma, the minus sign "−" (``money.parse_rate`` / ``parse_amount``);
- the values are handed to the builders in one canonical form (rates and amounts as
  plain decimal text, years as integers), so the builders need not know the forms.

CSV files (``read_csv``): UTF-8 with or without BOM, or Windows-1252 (what Swedish
Excel's "CSV (semikolonavgränsad)" writes); comma or semicolon as separator (Swedish
Excel uses semicolon, and then writes decimal commas, which the amount columns accept).
A CSV file the kind does not read, and a column its table does not have, are refused
with the nearest valid name (``check_csv_names``, ``check_columns``).
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, RootModel, ValidationError

from xlmodel.errors import InputError
from xlmodel.location import file_key, toml_key_line

RULE = "bygg"


def _rate(v: Any) -> str:
    from xlmodel.money import parse_rate

    if isinstance(v, bool):
        raise ValueError("ska vara en andel, t.ex. \"3,1 %\" eller 0.031")
    return _plain(parse_rate(v, argument="värde", rule=RULE))


def _amount(v: Any) -> str:
    from xlmodel.money import parse_amount

    if isinstance(v, bool):
        raise ValueError("ska vara ett belopp i mkr, t.ex. 8771 eller \"8 771,5\"")
    return _plain(parse_amount(v, argument="värde", rule=RULE))


def _year(v: Any) -> int:
    text = str(v).strip() if not isinstance(v, bool) else ""
    if isinstance(v, float) and v.is_integer():
        text = str(int(v))
    if not text.isdigit() or not 1900 <= int(text) <= 2200:
        raise ValueError(f"ska vara ett årtal, t.ex. 2026 (fick {v!r})")
    return int(text)


def _text(v: Any) -> str:
    if not isinstance(v, str):
        raise ValueError(f"ska vara en text inom citattecken (fick {v!r})")
    return v


def _nonblank(v: Any) -> str:
    if not isinstance(v, str) or not v.strip():
        raise ValueError("ska vara en text som inte är tom")
    return v


def _plain(d: Decimal) -> str:
    text = format(d, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _file_name(v: Any) -> str:
    name = _nonblank(v)
    if "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"filnamnet '{name}' får inte innehålla en sökväg")
    if not name.endswith((".xlsx", ".xlsm")):
        raise ValueError(f"filnamnet '{name}' ska sluta på .xlsx eller .xlsm")
    return name


Rate = Annotated[str, BeforeValidator(_rate)]
Amount = Annotated[str, BeforeValidator(_amount)]
Year = Annotated[int, BeforeValidator(_year)]
Text = Annotated[str, BeforeValidator(_text)]
Title = Annotated[str, BeforeValidator(_nonblank)]
FileName = Annotated[str, BeforeValidator(_file_name)]


class _Book(BaseModel):
    model_config = ConfigDict(extra="forbid")

    file: FileName = Field(description="arbetsbokens filnamn, .xlsx (eller .xlsm, med VBA-projekt och knapp, för en regionplan eller delårsrapport)")
    title: Title = Field(description="rubriken överst på varje blad")
    source: Text = Field("", description="varifrån indata kommer (visas under rubriken)")


class RegionplanBook(_Book):
    kind: Literal["regionplan"] = Field(description="regionplan: ramtabell, resultatbudget och balanskrav")
    budget_year: Year = Field(description="budgetåret, t.ex. 2026")
    default_index_rate: Rate = Field(description="standardindex (LPIK eller PKV) för rader utan egen sats, "
                                                 "t.ex. \"3,1 %\" eller 0.031")
    announced_index_total: Amount | None = Field(None, description="aviserad summa löne- och prisindex, mkr "
                                                                   "(avstäms mot ramtabellen)")
    nettoram: Amount | None = Field(None, description="verksamhetens nettoram enligt resultatbudgeten, mkr "
                                                      "(avstäms mot ramtabellens summa)")
    index_note: Text = Field("", description="en rad om hur indexsatserna valts (visas på bladet Info)")
    organ: Literal["region", "kommun"] | None = Field(None, description="region eller kommun: väljer indexets namn "
                                                                        "(LPIK eller PKV) och ordvalet på bladen "
                                                                        "Info och Parametrar; tom = region")


def _months(v: Any) -> int:
    text = str(v).strip() if not isinstance(v, bool) else ""
    if not text.isdigit() or not 1 <= int(text) <= 12:
        raise ValueError(f"ska vara ett antal månader 1–12 (fick {v!r})")
    return int(text)


def _places(v: Any) -> int:
    text = str(v).strip() if not isinstance(v, bool) else ""
    if not text.isdigit() or int(text) > 6:
        raise ValueError(f"ska vara ett antal decimaler 0–6 (fick {v!r})")
    return int(text)


Months = Annotated[int, BeforeValidator(_months)]
Places = Annotated[int, BeforeValidator(_places)]


class FollowupSection(BaseModel):
    """``[uppfoljning]`` of a delårsrapport: the follow-up's parameters (the Uppföljning sheet)."""

    model_config = ConfigDict(extra="forbid")

    manader: Months = Field(description="perioden: antal månader t.o.m., t.ex. 8 för januari–augusti")
    periodisering: Literal["egen periodisering", "periodiserad", "linjär", "linjar", "profil"] = Field(
        description="hur budgeten t.o.m. perioden räknas: 'egen periodisering' (nämndens periodiserade budget i "
                    "drift.csv), 'linjär' (årsbudget × månader / 12) eller 'profil' (årsbudget × profilandel)")
    profilandel: Rate | None = Field(None, description="bara för 'profil': den egna månadsprofilens ackumulerade "
                                                       "andel t.o.m. perioden, t.ex. \"64 %\"")
    tryckdecimaler_belopp: Places | None = Field(None, description="decimaler i den tryckta rapportens belopp "
                                                                   "(0 när indata är hela mkr)")
    tryckdecimaler_procent_drift: Places | None = Field(None, description="decimaler i tryckt procent i "
                                                                          "driftredovisningen")
    tryckdecimaler_procent_omstallning: Places | None = Field(None, description="decimaler i tryckt procent i "
                                                                                "omställningens uppföljning")
    avstamningstolerans: Amount = Field(description="största tillåtna skillnad per rad mot resultaträkningen, mkr")
    kalla: Text = Field("", description="varifrån uppföljningens indata kommer (visas under rubriken)")


class DelarsrapportBook(_Book):
    kind: Literal["delarsrapport"] = Field(description="delårsrapport: balanskravsutredning och uppföljning")
    fiscal_year: Year = Field(description="räkenskapsåret, t.ex. 2026")
    published_balanskravsresultat: Amount | None = Field(None, description="publicerat balanskravsresultat, mkr "
                                                                           "(avstäms)")
    rur_ingaende: Amount | None = Field(None, description="resultatutjämningsreserven vid årets början, mkr "
                                                          "(med någon av de tre reservnycklarna: reservernas saldon "
                                                          "enligt =RESERVER() bredvid utredningen)")
    resultatreserv_ingaende: Amount | None = Field(None, description="resultatreserven vid årets början, mkr "
                                                                     "(från 2024)")
    reservunderlag: Amount | None = Field(None, description="skatteintäkter, generella statsbidrag och utjämning, "
                                                            "mkr: underlaget för resultatreservens tak")
    uppfoljning: FollowupSection | None = Field(None, description="uppföljningens parametrar (avsnittet "
                                                                 "[uppfoljning]; krävs när drift.csv finns)")


class ResursramarBook(_Book):
    kind: Literal["resursramar"] = Field(description="resursramar för flera planår med generell reduktion")
    first_plan_year: Year = Field(description="första planåret")
    last_plan_year: Year = Field(description="sista planåret")
    reduction_rate: Rate = Field(description="generell reduktion per år, t.ex. \"1 %\"")
    reduction_method: Literal["additiv", "sammansatt"] = Field(description="additiv (1 %, 2 %, 3 %) eller "
                                                                           "sammansatt (1 − 0,99^k)")
    first_reduction_year: Year = Field(description="första år med reduktion")
    uplift_series: Text | None = Field(None, description="daterad parameter för löne- och prisförändring när "
                                                         "planar.csv lämnar den tom")
    central_cost_reductions: Amount | None = Field(None, description="centralt beslutade, ej fördelade "
                                                                     "kostnadsreduceringar, mkr")
    announced_net_cost_reductions: Amount | None = Field(None, description="aviserad summa "
                                                                           "nettokostnadsreduceringar, mkr")


class BookToml(RootModel[Annotated[Union[RegionplanBook, DelarsrapportBook, ResursramarBook],
                                   Field(discriminator="kind")]]):
    """A ``bok.toml``: the variant of its ``kind``."""


MODELS: dict[str, type[_Book]] = {"regionplan": RegionplanBook, "delarsrapport": DelarsrapportBook,
                                  "resursramar": ResursramarBook}

# The CSV files each kind reads (file stem → required).
CSV_FILES: dict[str, dict[str, bool]] = {
    "regionplan": {"ramar": True, "forandringar": True, "publicerat": False, "resultatbudget": True,
                   "mal": False, "balanskrav": True, "frister": False, "index": False, "reservriktlinjer": False},
    "delarsrapport": {"utredning": True, "drift": False, "resultatrakning": False, "omstallning_uppfoljning": False,
                      "drift_tryckt": False, "omstallning_tryckt": False, "prognos": False, "balanskrav_ar": False,
                      "reservriktlinjer": False},
    "resursramar": {"planar": True, "resursramar": True, "fotnoter": True, "balanskravsresultat": True,
                    "underskott": True},
}


def _nearest(word: str, choices: list[str]) -> str:
    near = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if not near:
        near = difflib.get_close_matches(word.casefold(), [c.casefold() for c in choices], n=1, cutoff=0.6)
        near = [next(c for c in choices if c.casefold() == near[0])] if near else []
    return f" – menade du '{near[0]}'?" if near else ""


def checked_meta(meta: dict[str, Any], path: Path) -> dict[str, Any]:
    """``bok.toml`` validated against its kind's model; the values in canonical form.
    Every problem is named in one InputError (key, what is wrong, what is allowed)."""
    kind = meta.get("kind")
    if kind not in MODELS:
        got = f"'{kind}'" if isinstance(kind, str) else "ingen"
        hint = _nearest(kind, list(MODELS)) if isinstance(kind, str) else ""
        raise InputError(f"nyckeln 'kind' anger {got} arbetsbokstyp{hint} (tillåtna: "
                         f"{', '.join(MODELS)})", rule=RULE, argument="kind").at(*key_location(path, "kind"))
    model = MODELS[kind]
    try:
        book = BookToml.model_validate(meta).root
    except ValidationError as exc:
        # An unknown key first: a misspelt key is what also makes its right name "missing".
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        key = _first_key(errors)
        raise InputError("; ".join(_problem(e, model) for e in errors), rule=RULE,
                         argument=key).at(*key_location(path, key)) from None
    return book.model_dump(exclude_none=True)


def key_location(path: Path, key: str | None) -> tuple[str, str | None]:
    """(sheet, cell) of a key of ``path`` for ``InputError.at``: "Fil 'plan/bok.toml', rad 9,
    nyckel 'nettoram'" (the path as the user gave it; the line when the file has the key)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    return file_key(str(path), key, toml_key_line(text, key) if key else None)


# tomllib's messages (Python 3.11–3.13) in Swedish; the text after the known start is kept.
_TOML_MESSAGES = [
    ("Invalid value", "ogiltigt värde: en text, och ett tal med decimalkomma eller procent, skrivs inom "
                      "citattecken, t.ex. \"3,1 %\""),
    ("Invalid statement", "ogiltig rad: skriv nyckel = värde eller [avsnitt]"),
    ("Expected '=' after a key in a key/value pair", "'=' saknas efter nyckeln"),
    ("Expected newline or end of document after a statement",
     "mer text efter värdet på samma rad (en text, och ett tal med decimalkomma eller procent, skrivs inom "
     "citattecken; en kommentar börjar med #)"),
    ("Expected ']' at the end of a table declaration", "']' saknas i slutet av avsnittets rubrik"),
    ("Expected ']]' at the end of an array declaration", "']]' saknas i slutet av rubriken"),
    ("Expected", "ett tecken saknas:"),
    ("Invalid initial character for a key part", "en nyckel får inte börja med det tecknet"),
    ("Unterminated string", "en text saknar sitt avslutande citattecken"),
    ("Unclosed array", "en lista saknar sin avslutande ']'"),
    ("Unclosed inline table", "en tabell saknar sin avslutande '}'"),
    ("Cannot overwrite a value", "nyckeln är redan satt"),
    ("Cannot declare", "anges två gånger:"),
    ("Cannot mutate immutable namespace", "kan inte ändras här:"),
    ("Cannot redefine namespace", "avsnittet anges två gånger:"),
    ("Duplicate inline table key", "nyckeln anges två gånger:"),
    ("Invalid date or datetime", "ogiltigt datum"),
    ("Invalid hex value", "ogiltig \\u-kod i en text"),
    ("Escaped character is not a Unicode scalar value", "ogiltig \\u-kod i en text"),
    ("Unescaped '\\' in a string", "ett '\\' i en text ska skrivas '\\\\' (eller använd enkla citattecken)"),
    ("Illegal character", "otillåtet tecken"),
    ("Found invalid character", "otillåtet tecken"),
]


def toml_error(path: Path | str, exc: Exception, rule: str = RULE) -> InputError:
    """A TOML file that cannot be read, as one Swedish line naming the file, line and column:
    "Fil 'plan/bok.toml', rad 8, kolumn 15, regel bygg: ogiltig TOML: ogiltigt värde …"."""
    if isinstance(exc, UnicodeDecodeError):
        return InputError("filen är inte sparad som UTF-8; spara om den som UTF-8", rule=rule).at(str(path))
    if not isinstance(exc, tomllib.TOMLDecodeError):
        return InputError(f"filen kan inte läsas ({getattr(exc, 'strerror', None) or exc})", rule=rule).at(str(path))
    text = str(exc)
    found = re.search(r"\s*\(at line (\d+), column (\d+)\)\s*$", text)
    line = getattr(exc, "lineno", None) or (int(found.group(1)) if found else None)
    column = getattr(exc, "colno", None) or (int(found.group(2)) if found else None)
    english = getattr(exc, "msg", None) or (text[:found.start()] if found else text)
    what = "ogiltigt innehåll"
    if english.startswith("Illegal character") and english.endswith(repr("\n")):
        english = "Unterminated string"  # a newline inside a string: its closing quote is missing
    for start, swedish in _TOML_MESSAGES:
        if english.startswith(start):
            rest = english[len(start):].strip()
            what = f"{swedish} {rest}".strip() if swedish.endswith(":") else swedish
            break
    where = ", ".join(([f"rad {line}"] if line else []) + ([f"kolumn {column}"] if column else []))
    return InputError(f"ogiltig TOML: {what}", rule=rule).at(str(path), where or None)


def _first_key(errors: list[Any]) -> str | None:
    """The dotted key of the first problem ("uppfoljning.manader")."""
    for e in errors:
        loc = [x for x in e["loc"] if isinstance(x, str) and x not in MODELS]
        if loc:
            return ".".join(loc)
    return None


def _problem(error: dict[str, Any], model: type[_Book]) -> str:
    loc = [x for x in error["loc"] if isinstance(x, str) and x not in MODELS]
    # A key of a section ([uppfoljning]) is named with its section, and its neighbours are the section's keys.
    section: type[BaseModel] = model
    for part in loc[:-1]:
        annotation = section.model_fields[part].annotation if part in section.model_fields else None
        inner = [a for a in getattr(annotation, "__args__", (annotation,)) if isinstance(a, type) and issubclass(a, BaseModel)]
        if not inner:
            break
        section = inner[0]
    name = loc[-1] if loc else "?"
    key = ".".join(loc) if loc else "?"
    allowed = list(section.model_fields)
    if error["type"] == "extra_forbidden":
        return f"okänd nyckel '{key}'{_nearest(name, allowed)}"
    field = section.model_fields.get(name)
    what = field.description if field is not None and field.description else ""
    if error["type"] == "missing":
        return f"nyckeln '{key}' saknas ({what})"
    if error["type"] == "literal_error":
        return f"'{key}' = {error.get('input')!r} är inte tillåtet ({what})"
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    message = message.split(": ", 1)[1] if message.startswith("Argument ") and ": " in message else message
    return f"'{key}' {message}" if message.startswith("ska ") else f"'{key}': {message}"


# =========================================================================== CSV


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """(header, rows) of a CSV file as Excel saves it, whatever the locale."""
    data = path.read_bytes()
    refused = InputError(f"{path} är inte sparad som UTF-8 eller Windows-1252; spara om den som CSV UTF-8",
                         rule=RULE)
    if b"\x00" in data:
        raise refused  # UTF-16 ("Unicode-text") or not a text file: Windows-1252 would misread it
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")  # Swedish Excel's "CSV (semikolonavgränsad)"
        except UnicodeDecodeError:
            raise refused from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        lines = [row for row in reader]
    except csv.Error as exc:
        raise InputError(f"{path} kan inte läsas som CSV ({exc})", rule=RULE) from None
    while lines and not any(x.strip() for x in lines[-1]):
        lines.pop()  # trailing empty lines (Excel writes ";;;;" rows for a cleared range)
    if not lines:
        return [], []
    header = [h.strip() for h in lines[0]]
    while header and not header[-1]:
        header.pop()  # an empty trailing header: a separator at the end of the line
    if not header and any(any(x.strip() for x in line) for line in lines[1:]):
        # Located as the file's first line (``load_source`` adds the headers its table has),
        # not as a count of values against no headers on the first row under it.
        raise InputError("rubrikraden är tom men filen har rader under den: skriv tabellens rubriker på "
                         "första raden", rule=RULE).at(path.name, "rad 1")
    rows = []
    for n, line in enumerate(lines[1:], start=2):
        if not any(x.strip() for x in line):
            continue
        extra = [x for x in line[len(header):] if x.strip()]
        if extra:
            raise InputError(f"{path.name}, rad {n}: fler värden ({len(line)}) än rubriker ({len(header)})",
                             rule=RULE)
        rows.append({h: (line[i] if i < len(line) else "") for i, h in enumerate(header)})
    return header, rows


def check_csv_names(kind: str, stems: list[str], folder: Path) -> None:
    """Every CSV file of the folder is one the kind reads."""
    known = CSV_FILES.get(kind, {})
    for stem in stems:
        if stem not in known:
            raise InputError(f"{folder / (stem + '.csv')}: en {kind} läser ingen fil med det namnet"
                             f"{_nearest(stem, list(known))} (filer: {', '.join(k + '.csv' for k in known)})",
                             rule=RULE)


def check_columns(file: str, header: list[str], allowed: list[str]) -> None:
    """Every column of a CSV is one its table has (matched as the builder matches them)."""
    for h in header:
        if h not in allowed:
            raise InputError(f"okänd kolumn '{h}'{_nearest(h, allowed)} (kolumner: {', '.join(allowed)})",
                             rule=RULE).at(file, "rad 1")  # the header row: located as the file's line 1


# For other input shells that share this schema's forms and messages (``new_plan``).
plain = _plain
nearest = _nearest
problem = _problem
