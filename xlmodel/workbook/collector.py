"""Python's cyclic garbage collector, paused for the length of one workbook job."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one workbook job (validate, regenerate).

    Why: a job keeps ~100 000 objects alive until it ends (the cells of every sheet read,
    the typed rows, the rule models, the owned cells), and each time enough of them have
    piled up the collector traverses every object in the process looking for cycles -
    there are none to find here (all of it is freed by reference counting when the job
    returns). On the 2,000-cost-centre plan that is a fifth of ``regenerate``'s time
    (bench/EXPLANATION.md). Results are the same with the collector on or off; the
    previous state is restored afterwards (nested jobs and callers that disabled it
    themselves keep theirs), and reference counting frees memory as usual meanwhile."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
