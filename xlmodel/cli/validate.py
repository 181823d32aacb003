"""``xlmodel validera``: many workbooks, in parallel processes, reported as text, JSON or JUnit."""

from __future__ import annotations

import argparse
import glob
import os
import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

from xlmodel.cli.common import (
    EXIT_UNREADABLE,
    WORKBOOK_SUFFIXES,
    Progress,
    complain,
    default_jobs,
    error_text,
    preflight,
    say,
    write_file_atomically,
)


# =========================================================================== validera


def expand_inputs(names: Sequence[str]) -> list[str]:
    """Command-line names to file paths, in the order given.

    A directory stands for its .xlsx/.xlsm files (sorted, not recursive). A name that
    does not exist but holds a glob pattern is expanded here, because Windows cmd
    passes "*.xlsx" through unexpanded. Excel's lock files (~$name.xlsx) are skipped
    when expanding. A name that matches nothing is kept, so it is reported as missing.
    """
    out: list[str] = []
    seen: set[str] = set()

    def add(path: str) -> None:
        if path not in seen:
            seen.add(path)
            out.append(path)

    for name in names:
        p = Path(name)
        if p.is_dir():
            found = sorted(
                str(c) for c in p.iterdir()
                if c.suffix.lower() in WORKBOOK_SUFFIXES and not c.name.startswith("~$") and c.is_file()
            )
            if found:
                for f in found:
                    add(f)
            else:
                add(name)  # reported as "a directory without workbooks"
        elif not p.exists() and glob.has_magic(name):
            matches = sorted(m for m in glob.glob(name) if not Path(m).name.startswith("~$"))
            for m in matches or [name]:
                add(m)
        else:
            add(name)
    return out


def _unreadable(path: str, message: str) -> dict[str, Any]:
    return {"path": path, "kind": None, "findings": [], "error": message, "checked_cells": 0}


def validate_one(path: str, strict: bool = False) -> dict[str, Any]:
    """Validate one file and return its FileReport as a dict.

    This is the unit of work of the process pool: everything for one file happens in
    the worker, and only this plain dict (Decimals and enums pickle as they are)
    travels back. A file that cannot be read becomes a report with ``error`` set;
    any other exception is a bug and propagates (exit 3).
    """
    problem = preflight(path)
    if problem is not None:
        return _unreadable(path, problem)
    from xlmodel.errors import XlmodelError
    from xlmodel.workbook.validate import validate_file

    try:
        report = validate_file(path, strict=strict)
    except XlmodelError as exc:
        return _unreadable(path, error_text(exc, path))
    return report.model_dump(mode="python")


def _pool_context() -> Any:
    """fork on Linux: workers start in milliseconds and inherit the modules the parent
    already imported (pydantic, lxml, the rules, xlwings: once, not once per worker).
    Elsewhere the platform's default (spawn), which re-imports in each worker."""
    import multiprocessing

    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


# Files per pool task. Each task costs a pickled call and a wake-up of the parent (~0.1 ms);
# a workbook costs 5-60 ms. Tasks go out largest first (see largest_first), so the last
# ones are the smallest books and the workers finish within about one small book of each
# other; with 16 per task, as before, one worker could idle for a whole chunk of large
# books (~0.3 s) at the end of a 200-file run.
POOL_CHUNK_MAX = 2


def largest_first(paths: Sequence[str]) -> list[int]:
    """Indexes of ``paths``, largest file first (a missing file counts as empty).

    File size is a good stand-in for validation time (the reader and the rules are
    linear in the cells), and handing out the big books first leaves the small ones to
    even out the workers' finishing times. Ties keep input order (stable sort)."""

    def size(i: int) -> int:
        try:
            return os.stat(paths[i]).st_size
        except (OSError, ValueError):
            return 0

    return sorted(range(len(paths)), key=size, reverse=True)


def validate_many(paths: Sequence[str], *, strict: bool = False, jobs: int | None = None) -> list[dict[str, Any]]:
    """Validate ``paths``; results in input order. ``jobs`` > 1 uses a process pool."""
    jobs = min(jobs or default_jobs(), len(paths)) or 1
    progress = Progress(len(paths))
    results: list[dict[str, Any]] = []
    try:
        if jobs == 1:
            for n, path in enumerate(paths, 1):
                results.append(validate_one(path, strict))
                progress.step(n)
            return results
        import gc
        from concurrent.futures import ProcessPoolExecutor

        # Warm-up: validate in the parent up to and including the first file that passes
        # the pre-flight. The first validation imports the workbook layer and what it
        # loads lazily (about 0.3 s, ~30x one small workbook); forked workers inherit all
        # of it instead of each paying it again (see _pool_context).
        for path in paths:
            readable = preflight(path) is None
            results.append(validate_one(path, strict))
            progress.step(len(results))
            if readable:
                break
        first = len(results)
        rest = paths[first:]
        if not rest:
            return results
        jobs = min(jobs, len(rest))
        order = largest_first(rest)
        chunksize = max(1, min(POOL_CHUNK_MAX, len(rest) // (jobs * 4)))
        pending: list[dict[str, Any] | None] = [None] * len(rest)
        # The pool starts no process yet: with fork it starts all of them at the first
        # submit, inside ``map`` (fork is not started on demand, CPython issue 90622).
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=_pool_context(), initializer=_worker_init)
        try:
            # For that moment, everything the parent holds (modules, the warm-up's
            # caches) goes to the collector's permanent generation: a worker's collections
            # then never walk those objects, which would write to their headers and so
            # copy the pages parent and workers share (copy-on-write). Handed back to the
            # parent's collector as soon as the workers exist.
            gc.freeze()
            try:
                outcomes = pool.map(partial(validate_one, strict=strict), [rest[i] for i in order], chunksize=chunksize)
            finally:
                gc.unfreeze()
            for done, (i, result) in enumerate(zip(order, outcomes), first + 1):
                pending[i] = result
                progress.step(done)
        except BaseException:
            # Ctrl-C or a failing worker: do not wait for the other workbooks to finish.
            pool.shutdown(wait=False, cancel_futures=True)
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                process.terminate()
            raise
        pool.shutdown(wait=True)
        results.extend(pending)  # type: ignore[arg-type]  # every slot was filled above
        return results
    finally:
        progress.close()


def _worker_init() -> None:
    """Workers ignore Ctrl-C: the parent alone handles it (one 'avbrutet' line, not one
    traceback per worker) and stops the workers."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def cmd_validate(args: argparse.Namespace) -> int:
    from xlmodel import report

    paths = expand_inputs(args.files)
    results = [report.FileResult.of(d) for d in validate_many(paths, strict=args.strict, jobs=args.jobs)]
    if args.output:
        text = report.format_reports(results, args.format, strict=args.strict, colour=False)
        try:
            write_file_atomically(args.output, text)
        except OSError as exc:
            complain(f"kan inte skriva rapporten till {args.output} ({exc.strerror or exc})")
            return EXIT_UNREADABLE
        if args.format == "text":
            say(report.summary_line(results, strict=args.strict) + "\n")
        else:
            say(report.format_text(results, strict=args.strict, colour=report.use_colour(sys.stdout)))
        say(f"rapport ({args.format}) skriven till {args.output}\n")
    else:
        colour = args.format == "text" and report.use_colour(sys.stdout)
        say(report.format_reports(results, args.format, strict=args.strict, colour=colour))
    return report.exit_code(results, strict=args.strict)
