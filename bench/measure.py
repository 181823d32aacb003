"""How the benchmarks time and weigh things.

- ``paired``: the subject and its baseline run alternately (baseline, subject, baseline,
  subject …) in the same process, timed in CPU time of the process (``clock``), so a slow moment of the machine (another job on a
  shared runner) hits both; the ratio is taken per pair and summarised min/median/max.
- ``fresh_process``: wall time of a whole ``python …`` command, for what start-up and
  imports decide (``import udfs``, ``xlmodel validera``).
- ``per_call``: the cost of one call, timed over a batch of calls (a single call is
  below the clock's useful resolution).
- ``peak_rss_delta``: peak resident memory of a child process while it validates,
  minus its resident memory after its imports (Linux: ``/proc/self/clear_refs`` resets
  the peak, ``VmHWM`` reads it).

Nothing here asserts on a time: the figures go to the report.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Stats:
    """min / median / max of repeated measurements (seconds, bytes or a ratio)."""

    values: list[float] = field(default_factory=list)

    @property
    def min(self) -> float:
        return min(self.values)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def max(self) -> float:
        return max(self.values)


@dataclass
class Pair:
    """Repeated (baseline, subject) measurements; ratio = subject / baseline per repetition."""

    baseline: Stats
    subject: Stats

    @property
    def ratio(self) -> Stats:
        return Stats([s / b for s, b in zip(self.subject.values, self.baseline.values)])

    @property
    def inverse_ratio(self) -> Stats:
        """baseline / subject per repetition (a speed-up: one core's time over two cores')."""
        return Stats([b / s for s, b in zip(self.subject.values, self.baseline.values)])


# In-process measurements count the CPU time of this process (time.process_time), not
# wall time: on a shared machine (a CI runner, other jobs) another process taking the
# CPU then does not count against whichever side of a pair it happened to hit. Both the
# subject and its baseline are CPU-bound work in this process, measured the same way.
# regenerate (which waits for fsync) and the fresh-process measurements use wall time.
clock = time.process_time


def timed(fn: Callable[[], object]) -> float:
    gc.collect()
    t0 = clock()
    fn()
    return clock() - t0


def paired(baseline: Callable[[], object], subject: Callable[[], object], repeats: int, *, warmup: int = 1) -> Pair:
    """Alternate baseline and subject ``repeats`` times (after ``warmup`` unrecorded rounds)."""
    for _ in range(warmup):
        baseline()
        subject()
    b, s = Stats(), Stats()
    for _ in range(repeats):
        b.values.append(timed(baseline))
        s.values.append(timed(subject))
    return Pair(b, s)


def per_call(fn: Callable[[], object], calls: int) -> float:
    """Seconds per call of ``fn``, over ``calls`` calls in a tight loop."""
    gc.collect()
    t0 = clock()
    for _ in range(calls):
        fn()
    return (clock() - t0) / calls


def paired_per_call(baseline: Callable[[], object], subject: Callable[[], object], calls: int, repeats: int) -> Pair:
    per_call(baseline, max(1, calls // 10))
    per_call(subject, max(1, calls // 10))
    b, s = Stats(), Stats()
    for _ in range(repeats):
        b.values.append(per_call(baseline, calls))
        s.values.append(per_call(subject, calls))
    return Pair(b, s)


def python() -> str:
    return sys.executable


def child_env() -> dict[str, str]:
    """The environment of a measured child: the repo on the path, no bytecode writing
    (a child must not change what the next one finds), no colour or progress output."""
    env = dict(os.environ)
    repo = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = repo + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["NO_COLOR"] = "1"
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def fresh_process(argv: list[str], *, ok_codes: tuple[int, ...] = (0,), cwd: Path | None = None) -> float:
    """Wall time of running ``argv`` to completion (output discarded)."""
    t0 = time.perf_counter()
    proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=child_env(), cwd=cwd)
    elapsed = time.perf_counter() - t0
    if proc.returncode not in ok_codes:
        raise RuntimeError(f"{' '.join(argv[:4])} … gave exit {proc.returncode}: {proc.stderr.decode()[-2000:]}")
    return elapsed


def children_cpu() -> float:
    """CPU seconds (user + system) used so far by this process's finished children."""
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def load_average() -> str:
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except (AttributeError, OSError):
        return "okänt"


def paired_processes(baseline: list[str], subject: list[str], repeats: int, *,
                     ok_codes: tuple[int, ...] = (0,), warmup: int = 1) -> Pair:
    for _ in range(warmup):  # file cache and bytecode warm, as on a developer's machine
        fresh_process(baseline, ok_codes=ok_codes)
        fresh_process(subject, ok_codes=ok_codes)
    b, s = Stats(), Stats()
    cpu_b, cpu_s = Stats(), Stats()
    for _ in range(repeats):
        c0 = children_cpu()
        b.values.append(fresh_process(baseline, ok_codes=ok_codes))
        c1 = children_cpu()
        s.values.append(fresh_process(subject, ok_codes=ok_codes))
        cpu_b.values.append(c1 - c0)
        cpu_s.values.append(children_cpu() - c1)
    pair = Pair(b, s)
    pair.cpu = Pair(cpu_b, cpu_s)  # type: ignore[attr-defined]  # CPU seconds of the same runs
    return pair


# --------------------------------------------------------------------------- memory

_MEMORY_CHILD = r"""
import gc, json, sys, tracemalloc
from pathlib import Path

def status(key):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    return None

path, mode = sys.argv[1], sys.argv[2]
from xlmodel.workbook.validate import validate_file
import xlmodel.workbook.kinds, xlmodel.workbook.cells, xlmodel.xlsx.reader, xlmodel.xlsx.package
# Import what validate loads lazily, by validating a small shipped workbook once, so the
# measured delta is the workbook's data and not the code.
warm = sys.argv[3] if len(sys.argv) > 3 else None
if warm:
    validate_file(warm)
gc.collect()
out = {}
if mode == "rss":
    before = status("VmRSS")
    try:
        Path("/proc/self/clear_refs").write_text("5")   # reset VmHWM to the current RSS
        reset = True
    except OSError:
        reset = False
    report = validate_file(path)
    out = {"before": before, "peak": status("VmHWM"), "reset": reset, "kind": report.kind,
           "error": report.error}
else:
    tracemalloc.start()
    report = validate_file(path)
    current, peak = tracemalloc.get_traced_memory()
    out = {"peak": peak, "kind": report.kind, "error": report.error}
print(json.dumps(out))
"""


def memory_of_validate(path: Path, mode: str, warm: Path | None) -> dict:
    """Run one child that validates ``path``; mode "rss" or "tracemalloc"."""
    argv = [python(), "-c", _MEMORY_CHILD, str(path), mode] + ([str(warm)] if warm else [])
    proc = subprocess.run(argv, capture_output=True, env=child_env(), check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"memory child failed: {proc.stderr.decode()[-2000:]}")
    return json.loads(proc.stdout.decode().strip().splitlines()[-1])
