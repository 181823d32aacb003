"""A new plan (``xlmodel ny``): a controller's answers → the input of ``xlmodel bygg``.

The answers (asked in a terminal, given as options, or read from a TOML file) are one
strict pydantic model, ``NewPlan``. ``book_source`` turns them into exactly what ``bygg``
reads from a folder — the ``bok.toml`` keys, validated by ``book_input.checked_meta``,
and the CSV tables with their documented headers, checked by the builder's own column
check — so a new plan and a built plan have one schema and one builder
(``regionplan_build``). ``write_source`` writes the same as a folder, so the new plan can
be rebuilt with ``xlmodel bygg`` and reviewed as text.

What the answers hold, and what the builder gets from them:

- the body (``organ``: region or kommun, ``rules.body``): the index's name (LPIK or PKV),
  the title ("Region Exempel – Regionplan 2026", "Exempel kommun – Budget och flerårsplan
  2026") and the Info sheet's words (regionfullmäktige/kommunfullmäktige, the styrelse);
- last year's frame per nämnd (typed, or from a CSV/xlsx with a name and an amount
  column, ``committees_from_file``) → ``ramar.csv``; each nämnd is indexed with the
  Standardindex unless the file gives its own rate;
- omställning (a cut of a nämnd's frame), utökning and transfers between nämnder (a
  transfer is two omfördelning rows that net to zero) → ``forandringar.csv``;
- the Standardindex for the budget year **with its source** → ``default_index_rate``
  and a row of the Index table. The index is required: a plan without one cannot be
  checked, and a default would be a silent guess. Only when xlmodel itself can cite a
  figure for the body's series and year (``params``, index.toml) is that figure taken,
  with its reference as the source;
- skatteintäkter and generella statsbidrag och utjämning for the budget year →
  the budget year's row of ``resultatbudget.csv``, whose verksamhetens nettoram is the
  frame table's sum (computed by the same core as the Ramtabell sheet), and whose
  resultat is the year's row of ``balanskrav.csv``.

The Nettoram parameter (a printed figure to reconcile with) is left empty: a new plan
has no printed figure yet, and a copy of the frame table's own sum would turn every
later change of a frame into a finding.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from xlmodel.errors import InputError
from xlmodel.rules.body import BodyType, body_type
from xlmodel.workbook.book_input import Amount, FileName, Rate, Text, Title, Year, nearest, plain, problem
from xlmodel.workbook.sources import BookSource

RULE = "ny"

# The CSV files of a new plan, with their headers as docs/indata.md lists them.
HEADERS: dict[str, list[str]] = {
    "ramar": ["Id", "Post", "Förälder", "Budgetram föregående år", "Indexsats", "Indexeras", "Decimaler"],
    "forandringar": ["Id", "Beskrivning", "Typ", "Rad", "Belopp"],
    "resultatbudget": ["År", "Typ", "Verksamhetens nettoram", "Skatteintäkter", "Generella statsbidrag",
                       "Finansiella intäkter", "Finansiella kostnader", "Orealiserade vinster", "Publicerat resultat"],
    "balanskrav": ["År", "Balanskravsresultat", "Synnerliga skäl, avskrivet", "Förlängt till", "Källa"],
    "index": ["År", "Index", "Sats", "Källa eller beslut"],
}
DEFAULT_PLACES = 1  # frames in mkr with one decimal, as the workbooks show amounts


def _id(v: Any) -> str:
    if not isinstance(v, str) or not re.fullmatch(r"[A-Za-zÅÄÖåäö0-9_]+", v.strip()):
        raise ValueError("ska vara en kort nyckel av bokstäver, siffror och _ (t.ex. KS eller BUN)")
    return v.strip()


RowId = Annotated[str, BeforeValidator(_id)]


class Committee(BaseModel):
    """A nämnd (or the styrelse) and last year's frame; ``parent`` makes it a varav row."""

    model_config = ConfigDict(extra="forbid")

    namn: Title = Field(description="nämndens namn, t.ex. Barn- och utbildningsnämnden")
    ram: Amount = Field(description="föregående års budgetram, mkr")
    id: RowId | None = Field(None, description="kort nyckel, t.ex. BUN; tom = bildas av namnet")
    foralder: RowId | None = Field(None, description="för en varav-rad: nämndens id")
    indexsats: Rate | None = Field(None, description="egen indexsats för raden; tom = standardindex")
    indexeras: bool = Field(True, description="false för pensioner, avskrivningar m.m.")


class Change(BaseModel):
    """An omställning (a cut) or an utökning of one nämnd's frame."""

    model_config = ConfigDict(extra="forbid")

    namnd: Title = Field(description="nämndens id eller namn")
    belopp: Amount = Field(description="mkr")
    beskrivning: Text = Field("", description="vad förändringen avser")


class Transfer(BaseModel):
    """Budget moved from one nämnd to another (omfördelning): nets to zero."""

    model_config = ConfigDict(extra="forbid")

    fran: Title = Field(description="nämnden budgeten flyttas från (id eller namn)")
    till: Title = Field(description="nämnden budgeten flyttas till (id eller namn)")
    belopp: Amount = Field(description="mkr, positivt")
    beskrivning: Text = Field("", description="vad som flyttas")


class NewPlan(BaseModel):
    """The answers of ``xlmodel ny`` (the keys of a ``--fran`` file, docs/indata.md)."""

    model_config = ConfigDict(extra="forbid")

    organ: Literal["region", "kommun"] = Field("region", description="region eller kommun")
    namn: Title = Field(description="regionens eller kommunens namn, t.ex. Region Exempel eller Exempel kommun")
    ar: Year = Field(description="budgetåret, t.ex. 2026")
    index: Rate | None = Field(None, description="standardindex för budgetåret (LPIK eller PKV), t.ex. \"2,9 %\"")
    indexkalla: Text = Field("", description="varifrån indexet kommer: SKR:s prognos (månad, år) eller "
                                              "fullmäktiges beslut")
    skatteintakter: Amount = Field(description="skatteintäkter budgetåret, mkr")
    generella_statsbidrag: Amount = Field(description="generella statsbidrag och utjämning budgetåret, mkr")
    finansiella_intakter: Amount | None = Field(None, description="finansiella intäkter budgetåret, mkr")
    finansiella_kostnader: Amount | None = Field(None, description="finansiella kostnader budgetåret, mkr "
                                                                   "(negativt)")
    fil: FileName | None = Field(None, description="arbetsbokens filnamn (.xlsx, eller .xlsm med knapp)")
    kalla: Text = Field("", description="varifrån indata kommer (visas under rubriken)")
    ramfil: Text | None = Field(None, description="CSV- eller xlsx-fil med föregående års ramar per nämnd")
    namnd: list[Committee] = Field([], description="nämnderna med föregående års ram")
    omstallning: list[Change] = Field([], description="omställning: minskning av en nämnds ram")
    utokning: list[Change] = Field([], description="utökad budget för en nämnd")
    overforing: list[Transfer] = Field([], description="överföringar mellan nämnder")

    @property
    def body(self) -> BodyType:
        return body_type(self.organ)


def parse_answers(data: dict[str, Any], where: str) -> NewPlan:
    """The answers validated; one InputError naming every problem (key, what, allowed)."""
    try:
        return NewPlan.model_validate(data)
    except ValidationError as exc:
        text = "; ".join(problem(e, NewPlan) for e in exc.errors())
        raise InputError(f"{where}: {text}" if where else text, rule=RULE) from None


def answers_from_toml(path: Path) -> dict[str, Any]:
    """The raw answers of a ``--fran`` file; a ``ramfil`` is taken relative to the file."""
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise InputError(f"{path} finns inte", rule=RULE) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        from xlmodel.workbook.book_input import toml_error

        raise toml_error(path, exc, RULE) from None
    except OSError as exc:
        raise InputError(f"{path} kan inte läsas ({exc.strerror or exc})", rule=RULE) from None
    if isinstance(data.get("ramfil"), str) and not Path(data["ramfil"]).is_absolute():
        data["ramfil"] = str(path.parent / data["ramfil"])
    return data


# =========================================================================== frames from a file

_NAME_HEADERS = ("post", "nämnd", "namn", "nämnd/styrelse", "verksamhet")
_AMOUNT_HEADERS = ("budgetram föregående år", "budgetram", "ram", "belopp")
_OPTIONAL_HEADERS = {"id": "id", "förälder": "foralder", "indexsats": "indexsats", "indexeras": "indexeras"}
_SUM_WORDS = ("summa", "totalt", "total")


def committees_from_file(path: Path, year: int) -> tuple[list[dict[str, Any]], list[str]]:
    """(nämnder, notes) from a CSV or an .xlsx that holds last year's frames.

    The header row (the first row with a name column — Post, Nämnd or Namn — and an
    amount column — Budgetram föregående år, Budgetram ÅÅÅÅ for the year before, Budgetram,
    Ram or Belopp) may be anywhere in the first 20 rows of the first sheet that has one;
    Id, Förälder, Indexsats and Indexeras are read when present. Sum rows (Summa, Totalt)
    and blank rows are skipped, and every skipped row or column is a note: nothing the
    file holds is dropped without a word."""
    if not path.exists():
        raise InputError(f"{path} finns inte", rule=RULE)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        from xlmodel.workbook.book_input import read_csv

        header, rows = read_csv(path)
        grid = [header] + [[r.get(h, "") for h in header] for r in rows]
        sheets = [(path.name, grid)]
    elif suffix in (".xlsx", ".xlsm"):
        sheets = _xlsx_grids(path)
    else:
        raise InputError(f"{path}: ramarna läses från en .csv- eller .xlsx-fil", rule=RULE)
    amount_names = _AMOUNT_HEADERS + (f"budgetram {year - 1}",)
    for sheet, grid in sheets:
        for r, row in enumerate(grid[:20]):
            heads = [str(x).strip().lower() if x is not None else "" for x in row]
            name_col = next((i for i, h in enumerate(heads) if h in _NAME_HEADERS), None)
            amount_col = next((i for i, h in enumerate(heads) if h in amount_names), None)
            if name_col is None or amount_col is None:
                continue
            return _committee_rows(path, sheet, grid, r, heads, name_col, amount_col)
    raise InputError(f"{path}: ingen rubrikrad med en namnkolumn (Post, Nämnd eller Namn) och en beloppskolumn "
                     f"(Budgetram föregående år, Budgetram {year - 1}, Budgetram, Ram eller Belopp)", rule=RULE)


def _xlsx_grids(path: Path) -> list[tuple[str, list[list[Any]]]]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the user's file, named
        raise InputError(f"{path} kan inte läsas som arbetsbok ({type(exc).__name__})", rule=RULE) from None
    try:
        return [(ws.title, [list(row) for row in ws.iter_rows(values_only=True)]) for ws in wb.worksheets]
    finally:
        wb.close()


def _committee_rows(path: Path, sheet: str, grid: list[list[Any]], header_row: int, heads: list[str],
                    name_col: int, amount_col: int) -> tuple[list[dict[str, Any]], list[str]]:
    where = path.name if path.suffix.lower() == ".csv" else f"{path.name}, bladet {sheet}"
    cols = {"namn": name_col, "ram": amount_col}
    notes = []
    for i, h in enumerate(heads):
        if i in (name_col, amount_col) or not h:
            continue
        if h in _OPTIONAL_HEADERS:
            cols[_OPTIONAL_HEADERS[h]] = i
        else:
            notes.append(f"{where}: kolumnen '{grid[header_row][i]}' används inte")
    out = []
    for n, row in enumerate(grid[header_row + 1:], start=header_row + 2):
        cell = {k: (row[i] if i < len(row) else None) for k, i in cols.items()}
        cell = {k: (v.strip() if isinstance(v, str) else v) for k, v in cell.items()}
        if all(v in (None, "") for v in cell.values()):
            continue
        name = cell.get("namn")
        if isinstance(name, str) and name.lower().startswith(_SUM_WORDS):
            notes.append(f"{where}, rad {n}: summaraden '{name}' hoppades över (xlmodel räknar summan)")
            continue
        if name in (None, "") or cell.get("ram") in (None, ""):
            hint = " (en formel utan sparat värde är tom: spara filen i Excel först)" if suffix_is_book(path) else ""
            raise InputError(f"{where}, rad {n}: namn och budgetram krävs på varje rad{hint}", rule=RULE)
        entry: dict[str, Any] = {"namn": str(name), "ram": cell["ram"], "_rad": f"{where}, rad {n}"}
        for key in ("id", "foralder", "indexsats"):
            if cell.get(key) not in (None, ""):
                entry[key] = str(cell[key]) if key != "indexsats" else cell[key]
        if cell.get("indexeras") not in (None, ""):
            entry["indexeras"] = _yes_no(cell["indexeras"], f"{where}, rad {n}, kolumn 'Indexeras'")
        out.append(entry)
    if not out:
        raise InputError(f"{where}: inga nämnder under rubrikraden", rule=RULE)
    return out, notes


def suffix_is_book(path: Path) -> bool:
    return path.suffix.lower() in (".xlsx", ".xlsm")


def _yes_no(v: Any, where: str) -> bool:
    if isinstance(v, bool):
        return v
    text = str(v).strip().lower()
    if text in ("ja", "j", "sant", "1", "true", "yes"):
        return True
    if text in ("nej", "n", "falskt", "0", "false", "no"):
        return False
    raise InputError(f"{where}: '{v}' ska vara ja eller nej", rule=RULE)


def checked_committees(raw: list[dict[str, Any]]) -> list[Committee]:
    """File rows as ``Committee``s, a bad value named by its file and row."""
    out = []
    for entry in raw:
        where = entry.pop("_rad", "nämnd")
        try:
            out.append(Committee.model_validate(entry))
        except ValidationError as exc:
            raise InputError(f"{where}: " + "; ".join(problem(e, Committee) for e in exc.errors()),
                             rule=RULE) from None
    return out


# =========================================================================== answers → book input


def row_ids(committees: list[Committee], body: BodyType) -> list[str]:
    """Each nämnd's key: its own, else formed from its name (Barn- och utbildningsnämnden →
    BUN; the styrelse gets the body's usual key, KS or RS), made unique with a number."""
    ids: list[str] = []
    for c in committees:
        base = c.id or _initials(c.namn, body)
        candidate, n = base, 2
        while candidate.casefold() in (i.casefold() for i in ids) or any(
                (o.id or "").casefold() == candidate.casefold() for o in committees if o is not c and o.id):
            candidate, n = f"{base}{n}", n + 1
        ids.append(candidate)
    return ids


def _initials(name: str, body: BodyType) -> str:
    folded = name.strip().lower()
    if folded.startswith(body.styrelse.removesuffix("en")) or folded in ("kommunstyrelse", "regionstyrelse"):
        return body.styrelse_id
    words = [w for w in re.split(r"[\s\-–/]+", name) if w and w.lower() not in ("och", "för", "i", "med", "av")]
    letters = "".join(_ascii(w[0]).upper() for w in words if _ascii(w[:1]).isalnum())
    if words and words[-1].lower().endswith(("nämnd", "nämnden")) and not letters.endswith("N"):
        letters += "N"  # "Barn- och utbildningsnämnden": B + U + N, as such nämnder are abbreviated
    return letters or "N"


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", _ascii(text).lower()).strip("_") or "plan"


def default_file_name(plan: NewPlan) -> str:
    kind = "regionplan" if plan.organ == "region" else "budget"
    return f"{slug(plan.namn)}_{kind}_{plan.ar}.xlsx"


def resolve_index(plan: NewPlan) -> tuple[Decimal, str, str]:
    """(rate, series name, source) of the budget year's Standardindex. Required: the user's
    (with its source), or a figure xlmodel itself can cite for the body's series and year."""
    from xlmodel import params

    body = plan.body
    if plan.index is not None:
        if not plan.indexkalla.strip():
            raise InputError(f"ange varifrån indexet {_pct(plan.index)} kommer (--indexkalla, t.ex. SKR:s prognos "
                             f"med månad och år eller fullmäktiges beslut)", rule=RULE, argument="indexkalla")
        return Decimal(plan.index), body.index_name, plan.indexkalla.strip()
    if params.has(body.index_series, plan.ar):
        p = params.lookup(body.index_series, plan.ar)
        return p.decimal, body.index_name, p.reference
    raise InputError(f"standardindex ({body.index_name}) för {plan.ar} saknas och xlmodel har ingen "
                     f"{body.index_name}-sats för {plan.ar} att hänvisa till: ange --index SATS och "
                     f"--indexkalla TEXT", rule=RULE, argument="index")


def _pct(rate: Decimal | str) -> str:
    from xlmodel.workbook.index_year import pct

    return pct(Decimal(rate))


def lookup_committee(ref: str, ids: list[str], committees: list[Committee], what: str) -> str:
    folded = ref.strip().casefold()
    for i, c in zip(ids, committees):
        if folded in (i.casefold(), c.namn.strip().casefold()):
            return i
    names = [*ids, *(c.namn for c in committees)]
    raise InputError(f"{what}: ingen nämnd '{ref.strip()}'{nearest(ref.strip(), names)} (nämnder: "
                     f"{', '.join(ids)})", rule=RULE)


def change_rows(plan: NewPlan, ids: list[str]) -> list[dict[str, str]]:
    """``forandringar.csv`` rows: omställning as a cut (5 or −5 both cut 5 mkr), utökning
    with its sign, and each transfer as a pair of omfördelning rows."""
    rows: list[dict[str, str]] = []
    used: set[str] = set()
    name = {i: c.namn.strip() for i, c in zip(ids, plan.namnd)}

    def key(base: str) -> str:
        k, n = base, 2
        while k in used:
            k, n = f"{base}_{n}", n + 1
        used.add(k)
        return k

    for n, c in enumerate(plan.omstallning, start=1):
        row = lookup_committee(c.namnd, ids, plan.namnd, f"omställning {n}")
        amount = -abs(Decimal(c.belopp))
        rows.append({"Id": key(f"omst_{row}"), "Beskrivning": c.beskrivning or f"Omställning: minskad ram för {name[row]}",
                     "Typ": "omställning", "Rad": row, "Belopp": plain(amount)})
    for n, c in enumerate(plan.utokning, start=1):
        row = lookup_committee(c.namnd, ids, plan.namnd, f"utökning {n}")
        rows.append({"Id": key(f"utok_{row}"), "Beskrivning": c.beskrivning or f"Utökad budget för {name[row]}",
                     "Typ": "utökad", "Rad": row, "Belopp": plain(Decimal(c.belopp))})
    for n, t in enumerate(plan.overforing, start=1):
        src = lookup_committee(t.fran, ids, plan.namnd, f"överföring {n}, från")
        dst = lookup_committee(t.till, ids, plan.namnd, f"överföring {n}, till")
        amount = Decimal(t.belopp)
        if src == dst or amount <= 0:
            raise InputError(f"överföring {n}: från och till ska vara olika nämnder och beloppet positivt "
                             f"(fick {src} → {dst}, {t.belopp} mkr)", rule=RULE)
        text = t.beskrivning or f"Överföring från {name[src]} till {name[dst]}"
        base = key(f"overf_{src}_{dst}")
        rows.append({"Id": f"{base}_fran", "Beskrivning": text, "Typ": "omfördelning", "Rad": src,
                     "Belopp": plain(-amount)})
        rows.append({"Id": f"{base}_till", "Beskrivning": text, "Typ": "omfördelning", "Rad": dst,
                     "Belopp": plain(amount)})
    return rows


def book_source(plan: NewPlan) -> BookSource:
    """The answers as the input of ``xlmodel bygg`` (a regionplan ``bok.toml`` and its
    tables), validated by the same schema as a folder's."""
    from xlmodel.workbook.book_input import checked_meta

    if not plan.namnd:
        raise InputError("minst en nämnd med föregående års ram krävs (--namnd NAMN=BELOPP eller --ramar FIL)",
                         rule=RULE, argument="namnd")
    body = plan.body
    rate, series, index_source = resolve_index(plan)
    ids = row_ids(plan.namnd, body)
    frames = []
    for i, c in zip(ids, plan.namnd):
        parent = lookup_committee(c.foralder, ids, plan.namnd, f"nämnden {c.namn}, förälder") if c.foralder else ""
        frames.append({"Id": i, "Post": c.namn.strip(), "Förälder": parent, "Budgetram föregående år": c.ram,
                       "Indexsats": c.indexsats or "", "Indexeras": "ja" if c.indexeras else "nej",
                       "Decimaler": str(DEFAULT_PLACES)})
    meta = {
        "kind": "regionplan",
        "file": plan.fil or default_file_name(plan),
        "title": f"{plan.namn.strip()} – {body.plan_title} {plan.ar}",
        "budget_year": plan.ar,
        "default_index_rate": plain(rate),
        "organ": body.key,
        "index_note": f"{series} {_pct(rate)} för {plan.ar}: {index_source}",
    }
    # The line under every sheet's title, which forklara cites as the plan's own source.
    meta["source"] = plan.kalla.strip() or (f"{plan.namn.strip()}, {body.plan_title} {plan.ar}: ramar {plan.ar - 1}, "
                                            f"index och förändringar enligt de uppgifter som angavs i xlmodel ny")
    meta = checked_meta(meta, Path("bok.toml"))
    tables: dict[str, list[dict[str, str]]] = {
        "ramar": frames,
        "forandringar": change_rows(plan, ids),
        "index": [{"År": str(plan.ar), "Index": series, "Sats": plain(rate), "Källa eller beslut": index_source}],
    }
    source = BookSource(folder=Path("."), meta=meta, tables=tables, headers={k: HEADERS[k] for k in tables})
    total = _frame_total(source)
    fin_in = Decimal(plan.finansiella_intakter) if plan.finansiella_intakter is not None else Decimal(0)
    fin_out = Decimal(plan.finansiella_kostnader) if plan.finansiella_kostnader is not None else Decimal(0)
    resultat = -total + Decimal(plan.skatteintakter) + Decimal(plan.generella_statsbidrag) + fin_in + fin_out
    source.tables["resultatbudget"] = [{
        "År": str(plan.ar), "Typ": "Budget", "Verksamhetens nettoram": plain(-total),
        "Skatteintäkter": plan.skatteintakter, "Generella statsbidrag": plan.generella_statsbidrag,
        "Finansiella intäkter": plan.finansiella_intakter or "", "Finansiella kostnader": plan.finansiella_kostnader or "",
        "Orealiserade vinster": "", "Publicerat resultat": "",
    }]
    source.tables["balanskrav"] = [{
        "År": str(plan.ar), "Balanskravsresultat": plain(resultat), "Synnerliga skäl, avskrivet": "",
        "Förlängt till": "", "Källa": f"Budget {plan.ar}: resultat enligt resultatbudgeten",
    }]
    source.headers = {k: HEADERS[k] for k in source.tables}
    return source


def _frame_total(source: BookSource) -> Decimal:
    """The frame table's sum for the budget year (the core's, as the Ramtabell sheet shows it)."""
    from xlmodel.workbook.frametable import frames as F
    from xlmodel.workbook.regionplan_build import frame_sources_from_csv

    return F.compute(frame_sources_from_csv(source)).total.frame


# =========================================================================== the folder bygg reads


def write_source(source: BookSource, folder: Path) -> list[Path]:
    """``bok.toml`` and the CSV files of ``source`` in ``folder`` (created; refused if it
    already holds a bok.toml): ``xlmodel bygg folder`` builds the same workbook."""
    import csv
    import io

    folder.mkdir(parents=True, exist_ok=True)
    if (folder / "bok.toml").exists():
        raise InputError(f"{folder / 'bok.toml'} finns redan; välj en tom katalog", rule=RULE)
    lines = [f"{k} = {_toml_value(v)}" for k, v in source.meta.items() if v not in (None, "")]
    written = [folder / "bok.toml"]
    written[0].write_text("\n".join(lines) + "\n", encoding="utf-8")
    for name, rows in source.tables.items():
        buf = io.StringIO(newline="")
        writer = csv.DictWriter(buf, fieldnames=source.headers[name], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        path = folder / f"{name}.csv"
        path.write_text(buf.getvalue(), encoding="utf-8")
        written.append(path)
    return written


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    text = str(v).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


# =========================================================================== the workbook


def write_workbook(source: BookSource, path: Path, *, overwrite: bool = False,
                   ignore_excel_lock: bool = False) -> Path:
    """Build the plan into a temporary file beside ``path`` and put it in place under the
    workbook's write lock, as ``bygg`` and ``regenerera`` do (``xlsx.atomic.install_file``:
    a write-protected or Excel-open workbook refused, mode and owner kept). An existing
    file is never replaced unless ``overwrite``: without it the new file is linked into
    place, which fails rather than replaces if a file of that name appeared meanwhile."""
    import os
    import tempfile

    from xlmodel.workbook import kinds
    from xlmodel.xlsx.atomic import give_new_file_mode, install_file
    from xlmodel.xlsx.lock import write_lock

    path = Path(path)
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise InputError(f"{path}: arbetsboken ska sluta på .xlsx eller .xlsm", rule=RULE)
    if os.path.lexists(path) and not overwrite:
        raise InputError(f"{path} finns redan; välj ett annat namn med --ut eller ersätt filen med --skriv-over",
                         rule=RULE)
    if not path.parent.is_dir():
        raise InputError(f"katalogen {path.parent} finns inte", rule=RULE)
    source.meta["file"] = path.name  # .xlsm gets the button, as in bygg
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        kinds.builder_for("regionplan")(source, tmp)
        with write_lock(path, ignore_excel_lock=ignore_excel_lock):
            if overwrite and os.path.lexists(path):
                install_file(tmp, path)
            else:
                give_new_file_mode(tmp)  # not mkstemp's 0600: others in a shared folder can read it
                try:
                    os.link(tmp, path)  # fails if the name exists: never a silent overwrite
                except FileExistsError:
                    raise InputError(f"{path} finns redan; välj ett annat namn med --ut eller ersätt filen med "
                                     "--skriv-over", rule=RULE) from None
                except OSError:
                    if os.path.lexists(path):
                        raise InputError(f"{path} finns redan", rule=RULE) from None
                    os.replace(tmp, path)  # a file system without hard links; checked under the lock
    finally:
        tmp.unlink(missing_ok=True)
    return path
