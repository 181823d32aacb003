"""Record everything xlmodel writes and reports, to prove a restructuring changed none of it.

    python scripts/identity_snapshot.py OUTDIR [--inputs DIR]
    python scripts/identity_snapshot.py --compare BEFORE AFTER

The first form records, into OUTDIR (one JSON file per job, sorted keys, so ``diff -r``
shows any difference), what the product does with a fixed set of inputs:

- ``validate.json``: ``validera --format json`` and ``--format text`` of every input
  file (every finding: rule, severity, sheet, cell, message, expected, found);
- ``regenerate.json``: ``regenerera`` of a copy of every input: exit code, what it
  printed, and the sha256 of every package part afterwards;
- ``rollforward.json``: the same for ``rulla-fram`` of every regionplan input;
- ``build.json``: ``bygg`` of ``workbooks/src`` and of the generated bench sources: the
  sha256 of each built file and of each of its parts;
- ``explain.json``: ``forklara`` (text and JSON) of every non-empty cell of the shipped
  workbooks and of the edited copies, plus a few bad references;
- ``diff.json``: ``diff`` (text and JSON) of each shipped workbook against its edited
  copies, and ``diff --textconv`` of every input;
- ``vba.json``: the VBA module xlwings' own importer generates for ``udfs``
  (``xlmodel.testing.xlwings_harness``), and the macro options it reads.

The inputs are made once (``--inputs DIR``; made there when DIR is empty or missing)
and then kept, so a later run reads exactly the same files, even when the code that
made them (the builder, for the bench plans) has changed: copies of the shipped
workbooks, bench plans from ``bench/generate.py`` (their source folders and the
workbooks built from them), every damaged workbook of the reliability tests
(``tests/test_reliability_inputs.py``'s ``CASES``), and edited copies (one input cell
changed through the lossless patcher) of each kind.

Every command runs through ``xlmodel.cli.main`` in this process, the entry point of the
``xlmodel`` script, with its output captured; paths of the run's folders are replaced by
placeholders so two runs in different folders compare equal.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.util
import io
import json
import os
import shutil
import sys
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SHIPPED = sorted(p for p in (REPO / "workbooks").iterdir() if p.suffix in (".xlsx", ".xlsm"))

# (name, shipped workbook, sheet, {cell: new value}): an input typed over, losslessly.
EDITS: list[tuple[str, str, str, dict[str, object]]] = [
    ("rp_ramar_d5", "vasterbotten_regionplan_2021.xlsm", "Ramar", {"D5": Decimal("17.5")}),
    ("rp_forandring_e5", "vasterbotten_regionplan_2021.xlsm", "Förändringar", {"E5": Decimal("-7")}),
    ("rp_param_index", "vasterbotten_regionplan_2021.xlsm", "Parametrar", {"C6": Decimal("0.021")}),
    ("rp_param_nettoram", "vasterbotten_regionplan_2021.xlsm", "Parametrar", {"C8": Decimal("9999")}),
    ("rp_resultatbudget", "vasterbotten_regionplan_2021.xlsm", "Resultatbudget", {"D6": Decimal("6700")}),
    ("rp_rb_nettoram", "vasterbotten_regionplan_2021.xlsm", "Resultatbudget", {"C7": Decimal("-8800")}),
    ("rp_balanskrav_b5", "vasterbotten_regionplan_2021.xlsm", "Balanskrav", {"B5": Decimal("-120")}),
    ("rp_ramar_parent", "vasterbotten_regionplan_2021.xlsm", "Ramar", {"C6": None}),
    ("dr_utredning_c5", "vasterbotten_delarsrapport_2021_08.xlsm", "Balanskravsutredning", {"C5": Decimal("801")}),
    ("rr_param", "vasternorrland_regionplan_2020_2022.xlsx", "Parametrar", {"C5": Decimal("0.03")}),
    ("rr_resursram_parent", "vasternorrland_regionplan_2020_2022.xlsx", "Resursramar", {"C6": Decimal("123.4")}),
    ("rr_resursram", "vasternorrland_regionplan_2020_2022.xlsx", "Resursramar", {"F5": Decimal("400")}),
    ("rr_fotnot", "vasternorrland_regionplan_2020_2022.xlsx", "Fotnoter", {"G5": Decimal("90")}),
    ("rr_aterstallning", "vasternorrland_regionplan_2020_2022.xlsx", "Återställning", {"C5": Decimal("50")}),
]

# edited copies explained too (their formula and output cells), besides every cell of the shipped ones
EXPLAINED = {"rp_ramar_d5", "rp_forandring_e5", "dr_utredning_c5", "rr_resursram", "bench_small"}

# bench plans: (name, committees, cost centres, years, explained cell by cell)
BENCH_SIZES = [("bench_small", 4, 40, 4), ("bench_medium", 15, 300, 6), ("bench_large", 15, 2000, 6)]


# ----------------------------------------------------------------------------- running


class Placeholders:
    def __init__(self) -> None:
        self.subs: list[tuple[str, str]] = []

    def add(self, path: Path | str, name: str) -> None:
        self.subs.append((str(path), name))
        self.subs.sort(key=lambda s: -len(s[0]))

    def __call__(self, text: str) -> str:
        for old, new in self.subs:
            text = text.replace(old, new)
        return text


PH = Placeholders()


def run(*argv: str) -> dict:
    """``xlmodel ARGV`` in this process: exit code, stdout, stderr (placeholders applied)."""
    from xlmodel.cli import main

    out, err = io.StringIO(), io.StringIO()
    env_before = os.environ.get("NO_COLOR")
    os.environ["NO_COLOR"] = "1"
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(argv))
            except SystemExit as exc:  # argparse
                code = exc.code
    finally:
        if env_before is None:
            os.environ.pop("NO_COLOR", None)
    return {"exit": code, "stdout": PH(out.getvalue()), "stderr": PH(err.getvalue())}


def parts(path: Path) -> dict[str, str]:
    """sha256 of every package part (and of the whole file under '*')."""
    out = {"*": hashlib.sha256(path.read_bytes()).hexdigest()}
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            out[info.filename] = hashlib.sha256(z.read(info)).hexdigest()
    return out


# ----------------------------------------------------------------------------- inputs


def _load_reliability_cases():
    spec = importlib.util.spec_from_file_location("_reliability_cases", REPO / "tests" / "test_reliability_inputs.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module.CASES


def make_inputs(inputs: Path) -> None:
    from xlmodel.xlsx import CellWrite, Package, patch_sheet

    from bench import generate

    (inputs / "shipped").mkdir(parents=True)
    for p in SHIPPED:
        shutil.copy2(p, inputs / "shipped" / p.name)
    (inputs / "edited").mkdir()
    for name, book, sheet, values in EDITS:
        src = REPO / "workbooks" / book
        pkg = patch_sheet(Package.open(src), sheet, [CellWrite(ref=r, value=v) for r, v in values.items()])
        (inputs / "edited" / f"{name}{src.suffix}").write_bytes(pkg.to_bytes())
    (inputs / "damaged").mkdir()
    for case in _load_reliability_cases():
        (inputs / "damaged" / f"{case.id}{case.book.suffix}").write_bytes(case.damage(Package.open(case.book)).to_bytes())
    (inputs / "bench_src").mkdir()
    (inputs / "bench").mkdir()
    for name, committees, centres, years in BENCH_SIZES:
        folder = inputs / "bench_src" / name
        generate.regionplan_source(folder, generate.Size(committees, centres, years), file_name=f"{name}.xlsm")
        book = generate.build(folder, inputs / "bench")
        # an edited copy: the first frame typed over
        pkg = patch_sheet(Package.open(book), "Ramar", [CellWrite(ref="D5", value=Decimal("101.5"))])
        (inputs / "bench" / f"{name}_edited{book.suffix}").write_bytes(pkg.to_bytes())


def input_files(inputs: Path) -> list[Path]:
    return sorted(p for sub in ("shipped", "edited", "damaged", "bench") for p in (inputs / sub).iterdir())


# ----------------------------------------------------------------------------- jobs


def job_validate(files: list[Path]) -> dict:
    out = {}
    for p in files:
        key = PH(str(p))
        out[key] = {"json": json.loads(run("validera", "--format", "json", "-j", "1", str(p))["stdout"] or "null"),
                    "text": run("validera", "-j", "1", str(p)),
                    "strict": run("validera", "--strikt", "-j", "1", str(p))["exit"]}
    return out


def _rewrite_job(command: str, files: list[Path], work: Path) -> dict:
    out = {}
    for p in files:
        copy = work / p.name
        shutil.copy2(p, copy)
        res = run(command, "--ingen-backup", str(copy))
        res["dry_run"] = run(command, "--torrkorning", str(p))
        res["parts"] = parts(copy)
        res["unchanged"] = copy.read_bytes() == p.read_bytes()
        out[PH(str(p))] = res
        copy.unlink()
    return out


def job_build(inputs: Path, work: Path) -> dict:
    out = {}
    for name, src in [("workbooks_src", REPO / "workbooks" / "src"), ("bench_src", inputs / "bench_src")]:
        dest = work / name
        res = run("bygg", str(src), "--ut", str(dest))
        res["files"] = {p.name: parts(p) for p in sorted(dest.iterdir())} if dest.exists() else {}
        out[name] = res
    return out


def _explain_cells(path: Path, everything: bool) -> list[str]:
    """Every non-empty cell of the workbook's sheets (``everything``), else the cells
    with a formula and every cell of the output sheets; then a few bad references."""
    from xlmodel.xlsx import Package, read_cells

    pkg = Package.open(path)
    refs = []
    for s in pkg.sheets:
        if s.kind != "worksheet" or s.name in ("Info", "xlwings.conf"):
            continue
        refs += [f"{s.name}!{ref}" for ref, c in read_cells(pkg, s.name).items()
                 if everything or c.formula or s.name in ("Ramtabell", "Diagram")]
    return refs + ["Ramtabell!ZZ999", "Nope!A1", "A1", "Ramtabell!", "Ramtabell!C5:C9"]


def job_explain(files: list[Path]) -> dict:
    out = {}
    for p in files:
        everything = "/shipped/" in str(p)
        for ref in _explain_cells(p, everything):
            out[f"{PH(str(p))} {ref}"] = {"text": run("forklara", str(p), ref),
                                          "json": run("forklara", "--format", "json", str(p), ref)}
    return out


def job_diff(inputs: Path, files: list[Path]) -> dict:
    out = {}
    for name, book, _sheet, _values in EDITS:
        before = inputs / "shipped" / book
        after = inputs / "edited" / f"{name}{before.suffix}"
        out[f"{book} -> {name}"] = {"text": run("diff", str(before), str(after)),
                                    "json": run("diff", "--format", "json", str(before), str(after))}
    for p in files:
        if p.stat().st_size < 2_000_000:
            out[f"textconv {PH(str(p))}"] = run("diff", "--textconv", str(p))
    return out


def job_vba() -> dict:
    from xlmodel.testing.xlwings_harness import generate_vba_module, load_udf_module, macro_options

    vba = generate_vba_module("udfs")
    _xw, module = load_udf_module("udfs")
    return {"vba": vba, "sha256": hashlib.sha256(vba.encode()).hexdigest(), "macros": macro_options(module)}


def snapshot(out: Path, inputs: Path) -> None:
    if not inputs.exists() or not any(inputs.iterdir()):
        inputs.mkdir(parents=True, exist_ok=True)
        make_inputs(inputs)
    PH.add(inputs, "<INPUTS>")
    PH.add(REPO, "<REPO>")
    out.mkdir(parents=True, exist_ok=True)
    files = input_files(inputs)
    rollable = [p for p in files if p.suffix == ".xlsm" or "rp_" in p.name]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        PH.add(work, "<WORK>")
        jobs = {
            "vba": job_vba,
            "validate": lambda: job_validate(files),
            "regenerate": lambda: _rewrite_job("regenerera", files, work),
            "rollforward": lambda: _rewrite_job("rulla-fram", rollable, work),
            "build": lambda: job_build(inputs, work),
            "diff": lambda: job_diff(inputs, files),
            "explain": lambda: job_explain([p for p in files if "/shipped/" in str(p) or p.stem in EXPLAINED]),
        }
        for name, job in jobs.items():
            print(f"{name} …", file=sys.stderr, flush=True)
            result = job()
            (out / f"{name}.json").write_text(json.dumps(result, indent=1, sort_keys=True, ensure_ascii=False,
                                                         default=str) + "\n", encoding="utf-8")


def compare(before: Path, after: Path) -> int:
    bad = 0
    for f in sorted({p.name for p in before.glob("*.json")} | {p.name for p in after.glob("*.json")}):
        a = json.loads((before / f).read_text(encoding="utf-8")) if (before / f).exists() else None
        b = json.loads((after / f).read_text(encoding="utf-8")) if (after / f).exists() else None
        if a == b:
            print(f"{f}: identical ({len(a) if isinstance(a, dict) else 1} entries)")
            continue
        bad += 1
        keys = sorted(set(a or {}) | set(b or {}))
        diffs = [k for k in keys if (a or {}).get(k) != (b or {}).get(k)]
        print(f"{f}: {len(diffs)} entries differ, e.g. {diffs[:5]}")
    return 1 if bad else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", nargs="?")
    ap.add_argument("--inputs", type=Path)
    ap.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    a = ap.parse_args()
    if a.compare:
        return compare(*a.compare)
    if not a.out:
        ap.error("OUTDIR saknas")
    out = Path(a.out)
    snapshot(out, a.inputs or out.parent / (out.name + "-inputs"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
