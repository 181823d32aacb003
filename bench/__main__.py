"""``python -m bench`` (``make bench``): generate the inputs, measure, write bench/RESULTS.md.

Options: ``--upprepningar N`` (default 5), ``--snabb`` (tiny inputs and 1 repetition: checks
that the benchmark runs, its figures mean nothing), ``--ut FIL`` (default bench/RESULTS.md),
``--arbetskatalog DIR`` (kept; default a temporary directory that is removed), ``--bara KEY``
(only the measurements whose key starts with KEY; repeatable).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from bench import generate as G
from bench import machine, report, suite
from bench import measure as M

HERE = Path(__file__).resolve().parent
EXPLANATION = HERE / "EXPLANATION.md"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description="Prestandamätningar av xlmodel (issue 6).")
    p.add_argument("--upprepningar", "--repeats", type=int, default=5, dest="repeats")
    p.add_argument("--snabb", "--quick", action="store_true", dest="quick")
    p.add_argument("--ut", "--out", type=Path, default=HERE / "RESULTS.md", dest="out")
    p.add_argument("--arbetskatalog", "--work", type=Path, default=None, dest="work")
    p.add_argument("--bara", "--only", action="append", default=[], dest="only")
    return p.parse_args(argv)


def run(args: argparse.Namespace, work: Path) -> str:
    started = time.perf_counter()
    repeats = 1 if args.quick else args.repeats
    size = G.Size(committees=3, cost_centres=40, years=3) if args.quick else G.Size()
    n_books = 6 if args.quick else 200
    calls = 200 if args.quick else 20_000

    def wanted(key: str) -> bool:
        return not args.only or any(key.startswith(k) for k in args.only)

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    say(f"genererar {size.describe()} …")
    large = G.large_regionplan(work, size)
    shipped = G.shipped_workbooks()
    small = next((p for p in shipped if p.suffix == ".xlsx"), None)
    inputs = [
        f"stor regionplan: {size.describe()}, byggd av `xlmodel bygg`-koden: {large.name}, "
        f"{large.stat().st_size / 1e3:.0f} kB, {G.xml_size(large) / 1e6:.2f} MB okomprimerad XML",
        "levererade arbetsböcker: " + ", ".join(p.name for p in shipped),
    ]
    results: list[suite.Result] = []
    load_before = M.load_average()

    if wanted("validate"):
        say("validate mot openpyxl read-only …")
        results.append(suite.validate(large, repeats, label="den stora regionplanen"))
        for p in shipped:
            results.append(suite.validate(p, repeats, label=f"`{p.name}`"))
    if wanted("validate:funktionsceller"):
        say("validate av en egen arbetsboks funktionsceller mot openpyxl read-only …")
        n_functions = 200 if args.quick else 5000
        own = G.function_cell_workbook(work, n_functions)
        results.append(suite.validate_function_cells(
            own, repeats, label=f"en egen arbetsbok (XlsxWriter) med {n_functions} celler med xlmodels funktioner"))
    if wanted("regenerate"):
        say("regenerate mot openpyxl load+save …")
        results.append(suite.regenerate(large, work, repeats, label="den stora regionplanen"))
    if wanted("udf"):
        say("Excel-funktionerna …")
        results.append(suite.balanskrav_call(calls, repeats))
        results.append(suite.aterstallning_call(max(20, calls // 40), repeats))
        results.extend(suite.range_vs_cells(50 if args.quick else 2000, repeats))
    if wanted("udf:RAMTABELL"):
        say("RAMTABELL mot regenerate-beräkningen …")
        results.append(suite.ramtabell_call(large, repeats, label="den stora regionplanen"))
    if wanted("import"):
        say("import udfs i ny process …")
        # A process start is cheap and its time swings with the machine (0,34-0,6 s for
        # import xlwings alone seen on one machine within a minute): three times the
        # repetitions, at least 15, so the median means something.
        import_repeats = max(15, 3 * repeats)
        results.append(suite.import_udfs(import_repeats))
        results.append(suite.import_udfs_beyond_xlwings(import_repeats))
    if wanted("validera"):
        say(f"genererar {n_books} arbetsböcker och validerar med --jobb 1 och 2 …")
        corpus = G.corpus(work, n_books, variants=2 if args.quick else 20, max_centres=20 if args.quick else 300)
        inputs.append(f"{len(corpus)} arbetsböcker: kopior av de levererade och genererade regionplaner "
                      f"(olika storlek, upp till {20 if args.quick else 300} kostnadsställen)")
        # The machine's share of two cores swings from run to run on a shared VM (two pure
        # CPU loops: 1,2-2,3 x within one run): more pairs than elsewhere, for the median.
        results.append(suite.parallel_validate(corpus, max(9, 2 * repeats)))
    if wanted("fientlig"):
        say("trasiga och fientliga filer …")
        results.extend(suite.hostile(work, repeats))
    if wanted("minne"):
        say("minne …")
        # Warm up with a small workbook of the SAME kind (the shipped regionplan), so the
        # code that kind loads lazily is imported before the peak is reset and the delta
        # is the workbook's data, not modules (a delårsrapport would leave the regionplan's
        # modules to be imported inside the measurement).
        same_kind = next((p for p in shipped if "regionplan_2021" in p.name), small)
        results.extend(suite.memory(large, repeats, same_kind))

    described = machine.describe()
    described["Lastmedelvärde 1/5/15 min (före / efter)"] = f"{load_before} / {M.load_average()}"
    text = report.render(
        results,
        machine=described,
        versions=machine.versions(),
        inputs=inputs,
        repeats=repeats,
        command="python -m bench" + (" --snabb" if args.quick else ""),
        elapsed=time.perf_counter() - started,
        explanation=EXPLANATION.read_text(encoding="utf-8") if EXPLANATION.exists() and not args.quick else "",
    )
    return text


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.work is not None:
        args.work.mkdir(parents=True, exist_ok=True)
        text = run(args, args.work)
    else:
        with tempfile.TemporaryDirectory(prefix="xlmodel-bench-") as tmp:
            text = run(args, Path(tmp))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    print(f"skrev {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
