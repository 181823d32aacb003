"""Large, realistic inputs for the benchmarks, made through the real builder.

``regionplan_source`` writes a source folder of the same shape as
``workbooks/src/vasterbotten_regionplan_2021/`` (bok.toml + CSVs): nämnder as the rows
of the frame table and their cost centres (kostnadsställen) as ``varav`` rows, the
year's changes (omställning cuts, utökad budget, transfers between cost centres that
net to zero), a resultatbudget and balanskrav series over several years, a deadline
and a financial goal. ``build`` turns such a folder into a workbook with
``xlmodel.workbook.build.build_books``, the code behind ``xlmodel bygg``, so the
benchmark reads exactly what a controller's file would hold.

``corpus`` makes the "200 workbooks" of the parallel-validation benchmark: copies of
the shipped workbooks (every kind) mixed with generated regionplan variants of
different sizes.

Everything is deterministic (a seeded ``random.Random``): two runs measure the same files.
"""

from __future__ import annotations

import csv
import random
import shutil
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "workbooks"

# Nämnder of a Swedish region (names only: the figures are generated).
NAMNDER: tuple[tuple[str, str], ...] = (
    ("RF", "Regionfullmäktige"),
    ("RS", "Regionstyrelse"),
    ("HSN", "Hälso- och sjukvårdsnämnd"),
    ("RUN", "Regional utvecklingsnämnd"),
    ("FHS", "Folkhögskolestyrelse"),
    ("PN", "Patientnämnd"),
    ("REV", "Revision"),
    ("KN", "Kulturnämnd"),
    ("KTN", "Kollektivtrafiknämnd"),
    ("TVN", "Tandvårdsnämnd"),
    ("PVN", "Primärvårdsnämnd"),
    ("PSN", "Psykiatrinämnd"),
    ("SEN", "Servicenämnd"),
    ("FAN", "Fastighetsnämnd"),
    ("DIN", "Digitaliseringsnämnd"),
    ("MIN", "Miljö- och hållbarhetsnämnd"),
    ("HAN", "Habiliteringsnämnd"),
    ("LAN", "Laboratorienämnd"),
)
VERKSAMHETER = (
    "vårdavdelning", "mottagning", "akutmottagning", "operation", "röntgen", "laboratorium",
    "vårdcentral", "folktandvård", "ambulans", "psykiatrisk öppenvård", "habilitering",
    "kollektivtrafik", "kultur", "folkhögskola", "fastighetsförvaltning", "it-drift",
    "inköp", "löneservice", "kansli", "utbildning",
)
ORTER = ("Umeå", "Skellefteå", "Lycksele", "Storuman", "Vilhelmina", "Dorotea", "Sorsele",
         "Malå", "Norsjö", "Robertsfors", "Vindeln", "Vännäs", "Nordmaling", "Bjurholm", "Åsele")


def _mkr(value: float, places: int) -> str:
    """An amount as the CSV holds it: decimal point, ``places`` decimals."""
    return str(Decimal(repr(value)).quantize(Decimal(1).scaleb(-places)))


@dataclass(frozen=True)
class Size:
    """How large a generated regionplan is."""

    committees: int = 15
    cost_centres: int = 2000
    years: int = 6

    def describe(self) -> str:
        return f"{self.cost_centres} kostnadsställen under {self.committees} nämnder, {self.years} år"


def regionplan_source(folder: Path, size: Size = Size(), *, seed: int = 6, file_name: str | None = None) -> Path:
    """Write a regionplan source folder (bok.toml + CSVs) of ``size`` into ``folder``."""
    if not 1 <= size.committees <= len(NAMNDER):
        raise ValueError(f"committees must be 1..{len(NAMNDER)}")
    if size.years < 2:
        raise ValueError("years must be at least 2")
    rnd = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    budget_year = 2025
    file_name = file_name or f"bench_regionplan_{size.cost_centres}.xlsx"

    # --- frames: nämnder and their cost centres (varav rows)
    committees = NAMNDER[: size.committees]
    weights = [rnd.uniform(0.3, 3.0) for _ in committees]
    total_w = sum(weights)
    counts = [max(0, int(size.cost_centres * w / total_w)) for w in weights]
    counts[weights.index(max(weights))] += size.cost_centres - sum(counts)  # exactly cost_centres in all
    frame_rows: list[list[str]] = []
    centres: list[tuple[str, str]] = []          # (id, committee id)
    number = 1000
    for (cid, clabel), n in zip(committees, counts):
        kids = []
        for _ in range(n):
            number += 1
            prior = rnd.uniform(0.4, 60.0)
            places = rnd.choice((1, 1, 2))
            indexed = rnd.random() > 0.03             # pensions, avskrivningar … are not indexed
            rate = "" if rnd.random() < 0.8 else _mkr(rnd.uniform(0.012, 0.035), 4)
            kid_id = f"{cid}_{number}"
            label = f"varav {number} {rnd.choice(VERKSAMHETER)} {rnd.choice(ORTER)}"
            kids.append([kid_id, label, cid, _mkr(prior, places), rate if indexed else "",
                         "ja" if indexed else "nej", str(places)])
            centres.append((kid_id, cid))
        kids_total = sum(Decimal(k[3]) for k in kids)
        own_part = Decimal(_mkr(rnd.uniform(5, 200), 1))  # the nämnd's "övrigt" beyond its cost centres
        frame_rows.append([cid, clabel, "", str(kids_total + own_part), "", "ja", "1"])
        frame_rows.extend(kids)

    # --- the year's changes on cost centres
    changes: list[list[str]] = []
    for i, (kid, _cid) in enumerate(centres):
        r = rnd.random()
        if r < 0.15:
            changes.append([f"omst_{i}", f"Omställning: budgetreducering {kid}", "omställning", kid,
                            _mkr(-rnd.uniform(0.1, 3.0), 1)])
        elif r < 0.25:
            changes.append([f"utok_{i}", f"Utökad budget: volymökning {kid}", "utökad", kid,
                            _mkr(rnd.uniform(0.1, 5.0), 1)])
    n_transfers = max(1, len(centres) // 20) if len(centres) >= 2 else 0
    for t in range(n_transfers):
        (a, _), (b, _) = rnd.sample(centres, 2)
        amount = _mkr(rnd.uniform(0.1, 4.0), 1)
        changes.append([f"omf_{t}_fran", f"Verksamhet flyttas från {a}", "omfördelning", a, f"-{amount}"])
        changes.append([f"omf_{t}_till", f"Verksamhet flyttas till {b}", "omfördelning", b, amount])

    # --- resultatbudget, balanskrav, deadline, goal over ``years`` years
    first_year = budget_year - 2
    years = list(range(first_year, first_year + size.years))
    nettoram = float(sum(Decimal(r[3]) for r in frame_rows if not r[2]))
    budget_rows, balans_rows = [], []
    for k, y in enumerate(years):
        typ = "Bokslut" if y < budget_year - 1 else ("Prognos" if y == budget_year - 1 else
                                                     ("Budget" if y == budget_year else "Plan"))
        netto = -(nettoram * (1.03 ** k))
        skatt = nettoram * 0.78 * (1.035 ** k)
        bidrag = nettoram * 0.24 * (1.02 ** k)
        fin_i, fin_k = nettoram * 0.012, -nettoram * 0.016
        budget_rows.append([str(y), typ, _mkr(netto, 0), _mkr(skatt, 0), _mkr(bidrag, 0),
                            _mkr(fin_i, 0), _mkr(fin_k, 0), "", ""])
        result = netto + skatt + bidrag + fin_i + fin_k
        balans_rows.append([str(y), _mkr(result if k else -abs(result) - 50, 0), "", "",
                            "Genererad serie (bench)"])

    def write(name: str, header: list[str], rows: list[list[str]]) -> None:
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows(rows)

    write("ramar", ["Id", "Post", "Förälder", "Budgetram föregående år", "Indexsats", "Indexeras", "Decimaler"],
          frame_rows)
    write("forandringar", ["Id", "Beskrivning", "Typ", "Rad", "Belopp"], changes)
    write("resultatbudget", ["År", "Typ", "Verksamhetens nettoram", "Skatteintäkter", "Generella statsbidrag",
                             "Finansiella intäkter", "Finansiella kostnader", "Orealiserade vinster",
                             "Publicerat resultat"], budget_rows)
    write("balanskrav", ["År", "Balanskravsresultat", "Synnerliga skäl, avskrivet", "Förlängt till", "Källa"],
          balans_rows)
    write("frister", ["Underskottsår", "Sista år enligt planen", "Källa"],
          [[str(first_year), str(first_year + 3), "Genererad (bench)"]])
    write("mal", ["Mål", "Mått", "Lägsta andel", "Högsta andel", "Från år", "Till år", "Över perioden"],
          [["Resultatmål: verksamhetens resultat minst 1 % av skatter och statsbidrag", "verksamhetens resultat",
            "0.01", "", str(years[0]), str(years[-1]), "ja"]])
    write("index", ["År", "Index", "Sats", "Källa eller beslut"],
          [[str(budget_year), "LPIK", "0.031", "Genererad (bench): antagen sats"]])
    (folder / "bok.toml").write_text(
        "# Generated by bench.generate (not a real plan).\n"
        'kind = "regionplan"\n'
        f'file = "{file_name}"\n'
        f'title = "Benchmark – Regionplan {budget_year} ({size.describe()})"\n'
        'source = "Genererad av bench.generate"\n'
        f"budget_year = {budget_year}\n"
        'default_index_rate = "0.031"\n',
        encoding="utf-8",
    )
    return folder


def build(source_folder: Path, out_dir: Path) -> Path:
    """Build one source folder into ``out_dir`` with the real builder; the workbook's path."""
    from xlmodel.workbook.build import build_books

    (path,) = build_books(source_folder, out_dir)
    return path


def large_regionplan(work: Path, size: Size = Size()) -> Path:
    """The large regionplan workbook of the single-file benchmarks."""
    src = regionplan_source(work / "src" / f"regionplan_{size.cost_centres}", size)
    return build(src, work / "books")


def function_cell_workbook(work: Path, n: int = 5000, *, seed: int = 12) -> Path:
    """A workbook made outside xlmodel (XlsxWriter, own sheet names, no xlmodel tables)
    with ``n`` cells calling xlmodel's functions in ordinary cells, each with the cached
    value the function gives (as Excel stores it): per row of the sheet 'Utfall' eight
    balanskrav lines and a frame; on 'Kontroll' =BALANSKRAV over the eight lines and
    =UPPRAKNING of the frame, alternately. What ``xlmodel validera`` checks in a team's
    own workbook (issue 12)."""
    import random

    import xlsxwriter

    import udfs

    rng = random.Random(seed)
    out = work / "books" / f"funktionsceller_{n}.xlsx"  # key validate:funktionsceller_N.xlsx
    out.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(out))
    data = wb.add_worksheet("Utfall")
    check = wb.add_worksheet("Kontroll")
    data.write_row(0, 0, ["Årets resultat", "Realisationsvinster", "Undantag vinster", "Undantag förluster",
                          "Orealiserade", "Återföring", "Reservering", "Användning", "Ram"])
    rows = (n + 1) // 2
    for i in range(rows):
        lines = [round(rng.uniform(-400, 900), 1)] + [round(rng.uniform(-30, 30), 1) for _ in range(7)]
        frame = round(rng.uniform(50, 5000), 2)
        data.write_row(1 + i, 0, lines + [frame])
        r = i + 2
        refs = ",".join(f"Utfall!{c}{r}" for c in "ABCDEFGH")
        check.write_formula(i + 1, 0, f"=BALANSKRAV({refs})", None, udfs.BALANSKRAV(*lines))
        if 2 * i + 1 < n:
            check.write_formula(i + 1, 1, f'=UPPRAKNING(Utfall!I{r},"3,1 %")', None, udfs.UPPRAKNING(frame, "3,1 %"))
    wb.close()
    return out


def shipped_workbooks() -> list[Path]:
    """The workbooks shipped in workbooks/ (every kind that is there)."""
    return sorted(p for p in SHIPPED.iterdir() if p.suffix in (".xlsx", ".xlsm") and not p.name.startswith("."))


def corpus(work: Path, n: int = 200, *, variants: int = 20, max_centres: int = 300) -> list[Path]:
    """``n`` workbooks: copies of the shipped ones and generated regionplan variants
    (``variants`` sizes from a handful of cost centres up to ``max_centres``), in a
    fixed interleaved order so both halves of a process pool get a similar mix."""
    out_dir = work / "corpus"
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    kinds: list[Path] = list(shipped_workbooks())
    for v in range(variants):
        centres = max(2, round(max_centres * (v + 1) / variants))
        size = Size(committees=min(len(NAMNDER), 3 + v % 13), cost_centres=centres, years=4 + v % 4)
        src = regionplan_source(work / "src" / f"variant_{v:02d}", size, seed=100 + v,
                                file_name=f"variant_{v:02d}.xlsx")
        kinds.append(build(src, work / "variants"))
    paths = []
    for i in range(n):
        original = kinds[i % len(kinds)]
        target = out_dir / f"{i:03d}_{original.name}"
        shutil.copyfile(original, target)
        paths.append(target)
    return paths


def xml_size(path: Path) -> int:
    """Uncompressed size in bytes of the package's XML parts (*.xml, *.rels, *.vml)."""
    import zipfile

    with zipfile.ZipFile(path) as zf:
        return sum(i.file_size for i in zf.infolist() if i.filename.lower().endswith((".xml", ".rels", ".vml")))
