"""xlwings' decorators for the functions and macros, without importing xlwings where
they would do nothing.

``import xlwings`` brings pandas and numpy: ~0.2 s of every ``xlmodel validera`` that
computes a workbook's =BALANSKRAV() cells through these very functions (bench/,
``validera:jobb``). xlwings' decorators only do something on Windows with pywin32 (the
COM server Excel talks to) or under ``xlwings.server`` (``XLWINGS_ON_SERVER``); on
Linux and Mac xlwings defines them as no-ops (xlwings/__init__.py, 0.37.8). So:

- on Windows, under the xlwings server, or in any process that has already imported
  xlwings (the COM server imports xlwings before it imports ``udfs``; so does the
  test harness, ``xlmodel.testing.xlwings_harness``, which binds xlwings' real
  decorators): xlwings' own ``func``, ``arg``, ``script``, looked up at decoration time;
- otherwise the same no-ops xlwings would have given, and xlwings is not imported.

The functions are the same objects either way; only their ``__xlfunc__`` metadata,
which only Excel reads, depends on it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any


def _xlwings():
    """xlwings if its decorators mean something in this process, else None."""
    if sys.platform.startswith("win") or os.environ.get("XLWINGS_ON_SERVER") == "true" or "xlwings" in sys.modules:
        import xlwings

        return xlwings
    return None


def _noop(f: Callable[..., Any] | None = None, *args: Any, **kwargs: Any) -> Any:
    """What xlwings' ``func``/``script`` are on Linux and Mac: the function unchanged."""
    if f is None or not callable(f):
        return lambda g: g
    return f


def func(*args: Any, **kwargs: Any) -> Any:
    xw = _xlwings()
    return xw.func(*args, **kwargs) if xw is not None else _noop(*args, **kwargs)


def script(*args: Any, **kwargs: Any) -> Any:
    xw = _xlwings()
    return xw.script(*args, **kwargs) if xw is not None else _noop(*args, **kwargs)


def arg(*args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    xw = _xlwings()
    return xw.arg(*args, **kwargs) if xw is not None else (lambda g: g)


def ret(*args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    xw = _xlwings()
    return xw.ret(*args, **kwargs) if xw is not None else (lambda g: g)
