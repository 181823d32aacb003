"""xlwings' own UDF machinery, run on Linux without Excel (excel-facts.md §2).

Three things a CI run can check without Windows:

1. **What "Import Functions" would write.** ``load_udf_module`` imports a UDF module with
   the real ``xlwings.udfs`` decorators (on Linux ``xw.func`` etc. are no-ops), and
   ``generate_vba`` / ``generate_vba_module`` / ``macro_options`` return the VBA wrappers
   and the ``Application.MacroOptions`` metadata exactly as xlwings would produce them.
2. **What xlwings does not check.** ``lint_udf_module`` reports names VBA or Excel will
   reject or misread (VBA keywords, cell-reference look-alikes, non-ASCII, case-only
   duplicates), the 255-character limits xlwings truncates silently, missing docs, the
   wrong category and option typos.
3. **How a UDF sees Excel's values.** ``convert_args`` / ``convert_return`` /
   ``call_like_excel`` run xlwings' converters (``xlwings.conversion.read/write``) on
   values shaped as the COM server receives them, mirroring ``udfs.call_udf``.

All coupling to private xlwings internals (``udfs.generate_vba_wrapper``, the
``__xlfunc__`` dict, ``engines.engines_by_name``, the value-cleaning of
``_xlwindows.Engine``) is checked in ``_check_xlwings`` and fails loudly on any other
version than the pinned one.

Not thread-safe: the import window mutates ``sys.modules`` (a lock serialises our own
callers, not other threads importing at the same moment).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib
import importlib.util
import inspect
import io
import math
import re
import sys
import threading
import types
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from xlmodel.errors import XlmodelError
from xlmodel.testing import CellError

PINNED_XLWINGS = "0.37.8"

# pywin32 modules xlwings.udfs imports at module level (nothing else of them is used
# at import time: CoInitialize is only a ThreadPoolExecutor initializer).
_STUB_NAMES = ("pythoncom", "pywintypes", "win32com", "win32com.client")
# The decorator names we rebind on the xlwings package during an import.
_DECORATORS = {"func": "xlfunc", "arg": "xlarg", "ret": "xlret", "script": "xlsub", "sub": "xlsub"}
_ABSENT = object()
_LOCK = threading.RLock()

# COM: an omitted Optional Variant arrives as VT_ERROR DISP_E_PARAMNOTFOUND, which
# pywin32 hands over as this int; call_udf replaces it with the Python default.
COM_MISSING = -2147352572
# xlwings maps only these seven error codes back to text (_xlwindows.cell_errors);
# newer errors (#SPILL!, #CALC!, #GETTING_DATA) reach the UDF as the raw int.
_XLWINGS_CELL_ERRORS = {
    CellError(t).com_code: t for t in ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!")
}

# Limits of Excel and VBA that xlwings does not enforce.
MAX_TEXT = 255  # MacroOptions Description / ArgumentDescriptions, VBA identifier length
EXCEL_MAX_COLUMN = 16384  # XFD
EXCEL_MAX_ROW = 1048576
EXCEL_MAX_CELL_TEXT = 32767

# Reserved identifiers of VBA (MS-VBAL §3.3.5.2 reserved-identifier: statement and marker
# keywords, operators, reserved names, special forms, type names, literals), plus the
# extra words of the brief (Attribute, Error, Decimal, Object ...). Compared
# case-insensitively, as VBA does.
VBA_RESERVED = frozenset(
    w.lower()
    for w in """
    Abs AddressOf And Any Array As Attribute Boolean ByRef Byte ByVal Call Case CBool CByte
    CCur CDate CDbl CDec CInt Circle CLng CLngLng CLngPtr Close Const CSng CStr Currency
    CVar CVErr Date Debug Decimal Declare DefBool DefByte DefCur DefDate DefDbl DefDec DefInt
    DefLng DefLngLng DefLngPtr DefObj DefSng DefStr DefVar Dim Do DoEvents Double Each Else
    ElseIf Empty End EndIf Enum Eqv Erase Error Event Exit False Fix For Friend Function Get
    Global GoSub GoTo If Imp Implements In Input InputB Int Integer Is LBound Len LenB Let
    Like Lock Long LongLong LongPtr Loop LSet Me Mid MidB Mod New Next Not Nothing Null
    Object On Open Option Optional Or ParamArray Preserve Print Private Property PSet PtrSafe
    Public Put RaiseEvent ReDim Rem Resume Return RSet Scale Seek Select Set Sgn Shared Single
    Spc Static Step Stop String Sub Tab Then To True Type TypeOf UBound Unlock Until Variant
    Wend While With WithEvents Write Xor
    """.split()
)
# Identifiers the generated wrapper itself uses (udfs.generate_vba_wrapper): an argument
# with one of these names would shadow them inside the wrapper, e.g. a parameter
# `application` turns `Application.Caller` into a property of the argument.
WRAPPER_IDENTIFIERS = frozenset(
    w.lower() for w in ("Application", "Range", "XLPy", "ThisWorkbook", "ActiveWorkbook", "Err", "failed")
)
# Only in wrappers of functions with *args (the ParamArray copy loop).
VARARG_WRAPPER_IDENTIFIERS = frozenset(("argsarray", "k"))

# Option keys the xlwings converters read (conversion/standard.py, numpy_conv.py,
# pandas_conv.py in 0.37.8); anything else is silently ignored by xlwings.
KNOWN_OPTIONS = frozenset(
    """convert ndim numbers dates empty transpose expand err_to_str chunksize formatter
    index header dtype copy order parse_dates assign_empty_index_names""".split()
)
VALID_NDIM = (None, 1, 2, "natural", "squeeze")

_VBA_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_A1 = re.compile(r"^([A-Za-z]{1,3})([0-9]+)$")
# R1C1 in English Excel, R1K1 in Swedish Excel (rad/kolumn); "R", "C", "RC", "R2", "C3"
# are all references there, and Excel refuses them as names.
_R1C1 = re.compile(r"^(?:[Rr][0-9]*(?:[CcKk][0-9]*)?|[CcKk][0-9]*)$")


class XlwingsHarnessError(XlmodelError):
    """The installed xlwings is not the one this harness was written against, or a UDF
    cannot be called the way Excel would call it."""


# --------------------------------------------------------------------------------------
# The one place that knows xlwings' private API.
# --------------------------------------------------------------------------------------
def _check_xlwings(xlwings: types.ModuleType, udfs: types.ModuleType | None = None) -> None:
    """Fail loudly if xlwings moved: everything below relies on these private names."""
    if xlwings.__version__ != PINNED_XLWINGS:
        raise XlwingsHarnessError(
            f"xlmodel.testing.xlwings_harness är skriven för xlwings {PINNED_XLWINGS}, installerad är "
            f"{xlwings.__version__}. Läs om udfs.py/conversion/main.py och uppdatera harnessen "
            "(och pinningen i pyproject.toml) innan testerna litar på den."
        )
    from xlwings import conversion, main

    checks: list[tuple[str, bool]] = [
        ("conversion.read(rng, value, options, ...)", _params(conversion.read)[:3] == ["rng", "value", "options"]),
        ("conversion.write(value, rng, options, ...)", _params(conversion.write)[:3] == ["value", "rng", "options"]),
        ("main.engines.engines_by_name", isinstance(getattr(main.engines, "engines_by_name", None), dict)),
        ("main.engines.engines", isinstance(getattr(main.engines, "engines", None), list)),
        ("main.Engine(impl)", _params(main.Engine.__init__)[1:] == ["impl"]),
    ]
    if udfs is not None:
        checks += [
            (
                "udfs.generate_vba_wrapper(module_name, module, f, xl_workbook)",
                _params(udfs.generate_vba_wrapper) == ["module_name", "module", "f", "xl_workbook"],
            ),
            ("udfs.xlfunc/xlarg/xlret/xlsub", all(hasattr(udfs, n) for n in set(_DECORATORS.values()))),
            ("udfs.call_udf(module_name, func_name, args, ...)", _params(udfs.call_udf)[:3] == ["module_name", "func_name", "args"]),
        ]
    broken = [name for name, ok in checks if not ok]
    if broken:
        raise XlwingsHarnessError("xlwings privata API har ändrats: " + ", ".join(broken))


def _params(fn: Callable[..., Any]) -> list[str]:
    return list(inspect.signature(fn).parameters)


def _xlfunc(func: Callable[..., Any]) -> dict[str, Any]:
    info = getattr(func, "__xlfunc__", None)
    if not isinstance(info, dict) or not {"name", "args", "ret", "category"} <= info.keys():
        raise XlwingsHarnessError(
            f"{getattr(func, '__name__', func)!r} saknar xlwings-metadata (__xlfunc__); "
            "ladda modulen med load_udf_module() så att @xw.func verkligen dekorerar."
        )
    return info


def _make_stubs() -> dict[str, types.ModuleType]:
    pythoncom = types.ModuleType("pythoncom")
    pythoncom.CoInitialize = lambda: None  # type: ignore[attr-defined]
    pywintypes = types.ModuleType("pywintypes")
    pywintypes.com_error = type("com_error", (Exception,), {})  # type: ignore[attr-defined]
    win32com = types.ModuleType("win32com")
    win32com.__path__ = []  # a package, so "win32com.client" resolves
    client = types.ModuleType("win32com.client")
    client.Dispatch = lambda *a, **k: None  # type: ignore[attr-defined]
    win32com.client = client  # type: ignore[attr-defined]
    for stub in (pythoncom, pywintypes, win32com, client):
        stub.__xlmodel_stub__ = True  # type: ignore[attr-defined]
    return {"pythoncom": pythoncom, "pywintypes": pywintypes, "win32com": win32com, "win32com.client": client}


@contextmanager
def _udf_import_window() -> Iterator[types.ModuleType]:
    """Stubbed pywin32 + a fresh ``xlwings.udfs`` + xw.func/arg/ret/script bound to it.

    Restored on exit: the four stub entries of sys.modules (or the real pywin32 that was
    there), ``xlwings.udfs`` / ``xlwings.com_server`` in sys.modules and as attributes of
    the package, and xw.func/arg/ret/script/sub. The yielded ``udfs`` module object stays
    usable after the window (it keeps references to the stubs in its own globals).
    """
    import xlwings

    _check_xlwings(xlwings)
    real_pywin32 = sys.modules.get("pythoncom") is not None or importlib.util.find_spec("pythoncom") is not None
    tracked = (*_STUB_NAMES, "xlwings.udfs", "xlwings.com_server")
    saved_modules = {name: sys.modules.get(name, _ABSENT) for name in tracked}
    saved_attrs = {name: getattr(xlwings, name, _ABSENT) for name in (*_DECORATORS, "udfs", "com_server")}
    with _LOCK:
        try:
            if not real_pywin32:  # on Windows with pywin32 the real modules are used
                sys.modules.update(_make_stubs())
            sys.modules.pop("xlwings.udfs", None)  # a fresh import binds to the current stubs
            udfs = importlib.import_module("xlwings.udfs")
            _check_xlwings(xlwings, udfs)
            for public, private in _DECORATORS.items():
                setattr(xlwings, public, getattr(udfs, private))
            yield udfs
        finally:
            for name, module in saved_modules.items():
                if module is _ABSENT:
                    sys.modules.pop(name, None)
                else:
                    sys.modules[name] = module  # type: ignore[assignment]
            for name, value in saved_attrs.items():
                if value is _ABSENT:
                    if hasattr(xlwings, name):
                        delattr(xlwings, name)
                else:
                    setattr(xlwings, name, value)


def load_udf_module(module_name: str) -> tuple[types.ModuleType, types.ModuleType]:
    """Import ``module_name`` fresh with the real xlwings decorators; return (module, udfs).

    The module and its submodules are removed from sys.modules before the import and
    their previous entries (or absence) are put back afterwards, so a plain
    ``import module_name`` elsewhere still gets the undecorated (Linux) version.

    What persists after the call: modules the UDF module imported for the first time
    (its parent package, xlmodel.rules ...) stay imported, as any import would leave
    them; if one of *those* bound ``xw.func`` at import time it keeps xlwings' real
    decorator. The returned functions carry ``__xlfunc__``; the returned ``udfs`` module
    is detached from sys.modules but usable (generate_vba_wrapper needs no pywin32).
    """
    with _udf_import_window() as udfs:
        prefix = module_name + "."
        saved = {n: m for n, m in sys.modules.items() if n == module_name or n.startswith(prefix)}
        parent_name, _, child = module_name.rpartition(".")
        parent = sys.modules.get(parent_name) if parent_name else None
        parent_attr = getattr(parent, child, _ABSENT) if parent is not None else _ABSENT
        for name in saved:
            del sys.modules[name]
        try:
            module = importlib.import_module(module_name)
        finally:
            for name in [n for n in sys.modules if n == module_name or n.startswith(prefix)]:
                del sys.modules[name]
            sys.modules.update(saved)
            parent = sys.modules.get(parent_name) if parent_name else None
            if parent is not None:
                if parent_attr is _ABSENT:
                    if hasattr(parent, child):
                        delattr(parent, child)
                else:
                    setattr(parent, child, parent_attr)
    return module, udfs


class FakeBook:
    """The only thing generate_vba_wrapper asks of the workbook: its name (an .xlam
    gets ``ActiveWorkbook`` instead of ``ThisWorkbook``)."""

    def __init__(self, name: str = "Budget.xlsm") -> None:
        self.Name = name


def generate_vba(module_name: str, *, workbook_name: str = "Budget.xlsm") -> str:
    """The VBA wrappers "Import Functions" writes for one module (without the module header)."""
    module, udfs = load_udf_module(module_name)
    buf = io.StringIO()
    udfs.generate_vba_wrapper(module_name, module, buf, FakeBook(workbook_name))
    return buf.getvalue()


def generate_vba_module(module_names: str | list[str], *, workbook_name: str = "Budget.xlsm") -> str:
    """The whole ``xlwings_udfs`` component as ``udfs.import_udfs`` writes it (header lines
    included), for diffing against the module stored in a workbook (oletools.olevba)."""
    names = module_names.split(";") if isinstance(module_names, str) else list(module_names)
    # The three header lines, verbatim from udfs.import_udfs in 0.37.8.
    parts = [
        'Attribute VB_Name = "xlwings_udfs"\n',
        "'Autogenerated code by xlwings - changes will be lost with next import!\n",
        """#Const App = "Microsoft Excel" 'Adjust when using outside of Excel\n""",
    ]
    parts += [generate_vba(name, workbook_name=workbook_name) for name in names]
    return "".join(parts)


def udf_functions(module: types.ModuleType) -> list[tuple[str, Callable[..., Any]]]:
    """(attribute name, function) for every xlwings UDF/script, in xlwings' order (dir())."""
    return [(attr, obj) for attr in dir(module) if hasattr(obj := getattr(module, attr), "__xlfunc__")]


def _shown_args(info: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The arguments Excel shows: not ``caller`` (reserved) and not VBA-injected ones."""
    return [a for a in info["args"] if not a["vba"] and a["name"] != "caller"]


def macro_options(module: types.ModuleType, *, workbook_name: str = "Budget.xlsm") -> list[dict[str, Any]]:
    """The ``Application.MacroOptions`` calls udfs.import_udfs makes (Excel 2010+ branch)."""
    calls = []
    for _, func in udf_functions(module):
        info = func.__xlfunc__
        argdocs = [a["doc"][:MAX_TEXT] for a in _shown_args(info)]
        calls.append(
            {
                "Macro": f"'{workbook_name}'!{info['name']}",
                "Description": info["ret"]["doc"][:MAX_TEXT],
                "Category": info["category"],
                "ArgumentDescriptions": argdocs or None,
            }
        )
    return calls


# --------------------------------------------------------------------------------------
# Lint: what xlwings accepts but Excel/VBA will not (or will silently truncate).
# --------------------------------------------------------------------------------------
def looks_like_cell_reference(name: str) -> bool:
    """A1 inside Excel's grid (A1..XFD1048576) or R1C1/R1K1 style (R, C, RC, R1C1, K2 ...)."""
    if _R1C1.match(name):
        return True
    m = _A1.match(name)
    if not m:
        return False
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + (ord(ch) - 64)
    return col <= EXCEL_MAX_COLUMN and 1 <= int(m.group(2)) <= EXCEL_MAX_ROW


def _name_problems(kind: str, name: str) -> list[str]:
    out = []
    if not name.isascii():
        out.append(f"{kind} '{name}' innehåller tecken utanför ASCII (VBA beror på Windows teckentabell)")
    elif not _VBA_IDENTIFIER.match(name):
        out.append(f"{kind} '{name}' är ingen giltig VBA-identifierare (bokstav först, sedan A–Z, 0–9, _)")
    if len(name) > MAX_TEXT:
        out.append(f"{kind} '{name[:20]}…' är {len(name)} tecken, VBA tillåter högst {MAX_TEXT}")
    if name.lower() in VBA_RESERVED:
        out.append(f"{kind} '{name}' är ett reserverat ord i VBA")
    if looks_like_cell_reference(name):
        out.append(f"{kind} '{name}' ser ut som en cellreferens i Excel")
    return out


def lint_udf_module(module: types.ModuleType, *, expected_category: str | int | None = None) -> list[str]:
    """Problems xlwings lets through, one Swedish line each ("FUNKTION: problem").

    ``module`` must come from ``load_udf_module`` (undecorated functions are invisible).
    Checked: VBA reserved words and wrapper identifiers as names; cell-reference
    look-alikes (A1, R1C1, R1K1); non-ASCII or non-VBA identifiers; names over 255
    characters; description or argument help over 255 characters (xlwings cuts them
    silently); a missing description or argument help (presence only: that the text is
    Swedish is for review); a category other than ``expected_category``; names that
    differ only by case (VBA is case-insensitive) among a function's arguments, between
    an argument and its function, and between functions of the module; unknown option
    keys, type hints xlwings has no converter for (``Decimal``, ``float | None``) and
    invalid ``ndim``; the legacy ``expand`` return option; macros that take arguments.
    """
    problems: list[str] = []
    seen_functions: dict[str, str] = {}
    for attr, func in udf_functions(module):
        info = func.__xlfunc__
        fname = info["name"]
        kind = "makrot" if info["sub"] else "funktionen"
        here = f"{fname}: "
        problems += [here + p for p in _name_problems(kind, fname)]
        key = fname.lower()
        if key in seen_functions:
            problems.append(
                here + f"VBA-namnet krockar med '{seen_functions[key]}' (VBA skiljer inte på stora och små bokstäver)"
            )
        else:
            seen_functions[key] = f"{fname}" if attr == fname else f"{fname} (som {attr})"

        doc = func.__doc__
        if doc is None or not doc.strip():
            problems.append(here + "beskrivning saknas (docstring; Excel visar annars en engelsk standardtext)")
        elif len(info["ret"]["doc"]) > MAX_TEXT:
            problems.append(here + f"beskrivningen är {len(info['ret']['doc'])} tecken; xlwings kapar vid {MAX_TEXT}")
        if expected_category is not None and info["category"] != expected_category:
            problems.append(here + f"kategorin är '{info['category']}', ska vara '{expected_category}'")

        if info["sub"] and _shown_args(info):
            problems.append(here + "makrot tar argument och kan då inte köras från Makron-dialogen eller en knapp")
        arg_names: dict[str, str] = {}
        has_vararg = any(a["vararg"] for a in info["args"])
        for pos, arg in enumerate(info["args"]):
            name = arg["name"]
            if arg["vba"] or name == "caller":
                continue  # not in the VBA signature, not shown in Excel
            problems += [here + p for p in _name_problems("argumentet", name)]
            if name.lower() in WRAPPER_IDENTIFIERS or (has_vararg and name.lower() in VARARG_WRAPPER_IDENTIFIERS):
                problems.append(here + f"argumentet '{name}' skuggar ett namn som den genererade VBA-koden använder")
            if name.lower() == fname.lower():
                problems.append(here + f"argumentet '{name}' heter som funktionen (dubbel deklaration i VBA)")
            if name.lower() in arg_names:
                problems.append(
                    here + f"argumenten '{arg_names[name.lower()]}' och '{name}' skiljer sig bara i stora/små bokstäver"
                )
            arg_names.setdefault(name.lower(), name)
            adoc = arg["doc"]
            if not isinstance(adoc, str) or not adoc.strip() or adoc == f"Positional argument {pos + 1}":
                problems.append(here + f"argumentet '{name}' saknar hjälptext (@xw.arg(..., doc=...))")
            elif len(adoc) > MAX_TEXT:
                problems.append(here + f"hjälptexten för '{name}' är {len(adoc)} tecken; xlwings kapar vid {MAX_TEXT}")
            problems += [here + f"argumentet '{name}': {p}" for p in _option_problems(arg["options"])]
        ret_options = info["ret"]["options"]
        problems += [here + f"returvärdet: {p}" for p in _option_problems(ret_options)]
        if ret_options.get("expand"):
            problems.append(
                here + "returvärdet använder expand= (xlwings gamla spill-lösning som skriver över grannceller); "
                "Excel 365 spiller en lista av listor själv"
            )
    return problems


def _option_problems(options: Mapping[str, Any]) -> list[str]:
    """Options that only fail (or are ignored) when Excel calls the function."""
    from xlwings.conversion import Converter, accessors

    out = []
    conv = options.get("convert")
    # A type hint becomes ``convert`` (udfs.xlfunc): ``Decimal`` or ``float | None`` has
    # no accessor, so conversion.read fails with AttributeError on every call.
    registered = conv is None or conv in accessors or (isinstance(conv, type) and issubclass(conv, Converter))
    if not registered:
        out.append(f"xlwings har ingen omvandlare för {conv!r} (typ-annotering?); anropet misslyckas i Excel")
    # A user's own Converter may read any option; the standard ones read only these.
    own_converter = isinstance(conv, type) and issubclass(conv, Converter) and not conv.__module__.startswith("xlwings")
    for key in options:
        if key not in KNOWN_OPTIONS and not own_converter:
            out.append(f"okänd option '{key}' (xlwings ignorerar den tyst)")
    if "ndim" in options and options["ndim"] not in VALID_NDIM:
        out.append(f"ndim={options['ndim']!r} är ogiltigt (tillåtet: 1, 2, 'natural')")
    return out


# --------------------------------------------------------------------------------------
# Calling a UDF the way the COM server does.
# --------------------------------------------------------------------------------------
class _FakeExcelEngine:
    """Stands in for ``xlwings._xlwindows.Engine`` (unimportable off Windows).

    ``clean_value_data`` / ``prepare_xl_data_element`` mirror 0.37.8's
    ``_xlwindows._clean_value_data_element`` and ``Engine.prepare_xl_data_element``
    line by line, except that COM dates (pywintypes.TimeType, a datetime subclass) are
    plain datetimes here and a returned date goes out as a naive datetime (pywin32 would
    attach UTC before handing it to Excel).
    """

    name = "excel"
    type = "desktop"

    @property
    def apps(self) -> Any:
        raise XlwingsHarnessError("den falska Excel-motorn har inga appar (endast värdekonvertering)")

    @staticmethod
    def _clean(value: Any, datetime_builder: Any, empty_as: Any, number_builder: Any, err_to_str: bool) -> Any:
        if value in ("", None):
            return empty_as
        elif isinstance(value, (dt.date, dt.datetime)):
            return datetime_builder(
                month=value.month,
                day=value.day,
                year=value.year,
                hour=getattr(value, "hour", 0),
                minute=getattr(value, "minute", 0),
                second=getattr(value, "second", 0),
                microsecond=getattr(value, "microsecond", 0),
                tzinfo=None,
            )
        elif number_builder is not None and isinstance(value, float):
            value = number_builder(value)
        elif isinstance(value, int) and value in _XLWINGS_CELL_ERRORS:
            return _XLWINGS_CELL_ERRORS[value] if err_to_str else None
        return value

    @classmethod
    def clean_value_data(cls, data: Any, datetime_builder: Any, empty_as: Any, number_builder: Any, err_to_str: bool) -> Any:
        return [[cls._clean(c, datetime_builder, empty_as, number_builder, err_to_str) for c in row] for row in data]

    @staticmethod
    def prepare_xl_data_element(x: Any, options: Any) -> Any:
        try:
            import pandas as pd
        except ImportError:  # as xlwings: without pandas its writer skips the test
            pd = None
        try:
            import numpy as np
        except ImportError:  # numpy too
            np = None
        if isinstance(x, (dt.date, dt.datetime)):
            return x if isinstance(x, dt.datetime) else dt.datetime(x.year, x.month, x.day)
        elif pd is not None and pd.isna(x):
            return ""
        elif np is not None and isinstance(x, (np.floating, float)) and np.isnan(x):
            return ""
        elif np is not None and isinstance(x, np.number):
            return float(x)
        elif x is None:
            return ""
        return x


@contextmanager
def _excel_engine() -> Iterator[None]:
    """Register the fake "excel" engine (conversion.read/write with rng=None look it up by
    that name) unless a real one exists; remove it again afterwards."""
    import xlwings
    from xlwings import main

    _check_xlwings(xlwings)
    engines = main.engines
    with _LOCK:
        if "excel" in engines.engines_by_name:
            yield
            return
        engine = main.Engine(impl=_FakeExcelEngine())
        engines.add(engine)
        try:
            yield
        finally:
            engines.engines.remove(engine)
            engines.engines_by_name.pop("excel", None)


def _to_com(value: Any) -> Any:
    """A Python value as pywin32 hands Excel's value to the COM server.

    Excel numbers are doubles, so ints become floats (bool stays bool); a CellError
    becomes its VT_ERROR int; a date becomes a datetime; lists become tuples (a range is
    a tuple of row tuples). Decimal is kept: a cell in Currency format arrives as
    Decimal through pywin32 (VT_CY). None is a blank cell.
    """
    if isinstance(value, CellError):
        return value.com_code
    if isinstance(value, bool) or value is None or isinstance(value, (str, Decimal, dt.datetime)):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, int):
        return float(value)
    if isinstance(value, float):
        return value
    if isinstance(value, (list, tuple)):
        return tuple(_to_com(v) for v in value)
    return value  # e.g. a caller object: passed through, as call_udf does


def _com_arguments(
    info: Mapping[str, Any], excel_values: tuple[Any, ...], caller: Any, vba_values: Mapping[str, Any]
) -> list[Any]:
    """The ``Array(...)`` the generated VBA wrapper passes to XLPy.CallUDF."""
    shown = _shown_args(info)
    vararg = next((a for a in shown if a["vararg"]), None)
    fixed = [a for a in shown if not a["vararg"]]
    required = [a for a in fixed if "optional" not in a]
    fname = info["name"]
    if len(excel_values) < len(required):
        raise XlwingsHarnessError(
            f"{fname} kräver minst {len(required)} argument, fick {len(excel_values)} (Excel: #VÄRDEFEL!)"
        )
    if vararg is None and len(excel_values) > len(fixed):
        raise XlwingsHarnessError(f"{fname} tar högst {len(fixed)} argument, fick {len(excel_values)}")
    values = iter(excel_values)
    args: list[Any] = []
    for arg in info["args"]:
        if arg["name"] == "caller":
            args.append(caller)  # the VBA passes Nothing; call_udf puts the caller range here
        elif arg["vba"]:
            if arg["name"] not in vba_values:
                raise XlwingsHarnessError(f"{fname}: ange vba_values['{arg['name']}'] (VBA-uttrycket {arg['vba']})")
            args.append(vba_values[arg["name"]])
        elif arg["vararg"]:
            args.extend(_to_com(v) for v in values)
        else:
            args.append(_to_com(next(values, _ABSENT)))
    return [COM_MISSING if a is _ABSENT else a for a in args]


def convert_args(
    func: Callable[..., Any],
    *excel_values: Any,
    caller: Any = None,
    vba_values: Mapping[str, Any] | None = None,
) -> list[Any]:
    """The Python arguments ``func`` receives when Excel passes ``excel_values``.

    Mirrors ``udfs.call_udf``: omitted optional arguments get their Python default, the
    reserved ``caller`` argument gets ``caller``, every other value goes through
    ``xlwings.conversion.read(None, value, options)`` with the argument's options
    (``ndim``, ``numbers``, ``empty``, ``dates``, ``transpose``, ``err_to_str``,
    ``convert`` ...). Values are given as Excel holds them: None for a blank cell, a
    tuple of row tuples (or list of lists) for a range, a scalar for one cell,
    ``CellError("#N/A")`` for an error cell. Arguments converted with ``xw.Range``
    (``convert="range"``) need a live Excel and are not supported.
    """
    from xlwings import conversion

    info = _xlfunc(func)
    args_info = info["args"]
    args = _com_arguments(info, excel_values, caller, vba_values or {})
    with _excel_engine():
        for i, arg in enumerate(args):
            arg_info = args_info[min(i, len(args_info) - 1)]  # *args share the last entry
            if isinstance(arg, int) and not isinstance(arg, bool) and arg == COM_MISSING:
                args[i] = arg_info.get("optional", None)
            elif arg_info["options"].get("convert") == "range":
                raise XlwingsHarnessError(f"{info['name']}: argumentet '{arg_info['name']}' kräver ett riktigt Excel-område")
            else:
                args[i] = conversion.read(None, arg, arg_info["options"])
    return args


def convert_return(func: Callable[..., Any], value: Any) -> Any:
    """What the COM server hands back to Excel for ``value``: ``conversion.write(value,
    None, ret_options)``, always a list of row lists ([[x]] for a scalar). Excel shows
    [0][0] in the calling cell, or spills the whole array (Excel 365)."""
    from xlwings import conversion

    info = _xlfunc(func)
    with _excel_engine():
        return conversion.write(value, None, info["ret"]["options"])


def call_like_excel(
    func: Callable[..., Any],
    *excel_values: Any,
    caller: Any = None,
    vba_values: Mapping[str, Any] | None = None,
) -> Any:
    """Call a UDF as the COM server does: convert the arguments, call, convert the result.

    Synchronous: an ``async def`` UDF is awaited here, and ``async_mode="threading"`` or
    ``expand=`` (whose real paths need the calling range and a cache) are run directly.
    An exception in the UDF propagates (in Excel the wrapper shows ``Err.Description``,
    the traceback text, in the cell: udfs.py / excel-facts §1.5).
    """
    args = convert_args(func, *excel_values, caller=caller, vba_values=vba_values)
    result = func(*args)
    if inspect.isawaitable(result):
        result = asyncio.run(_await(result))
    return convert_return(func, result)


async def _await(awaitable: Any) -> Any:
    return await awaitable


# --------------------------------------------------------------------------------------
# What pywin32 hands Excel: a stand-in for the last two steps of the COM path.
# --------------------------------------------------------------------------------------
# VARENUM values (wtypes.h) that pywin32's PyCom_VariantFromPyObject chooses.
VT_NULL, VT_I4, VT_R8, VT_CY, VT_DATE, VT_BSTR, VT_ERROR, VT_BOOL, VT_VARIANT, VT_I8 = 1, 3, 5, 6, 7, 8, 10, 11, 12, 20
VT_ARRAY = 0x2000


class StandInVariant:
    """``win32com.client.VARIANT`` (pywin32 228+): a value with an explicit COM type.
    The real class is a plain Python class with these two attributes, which is all
    pywin32's C code reads from it (``oleargs.cpp``, MaybeExtractPyVariant)."""

    def __init__(self, vt: int, value: Any) -> None:
        self.varianttype = vt
        self.value = value

    def __repr__(self) -> str:
        return f"VARIANT({self.varianttype}, {self.value!r})"


@contextmanager
def pywin32_standin() -> Iterator[None]:
    """pywin32's modules as far as xlmodel's functions use them at call time
    (``win32com.client.VARIANT``, ``pythoncom.VT_ERROR``), unless the real pywin32 is
    installed. sys.modules is restored afterwards."""
    if importlib.util.find_spec("pythoncom") is not None:  # Windows with pywin32: the real thing
        yield
        return
    stubs = _make_stubs()
    stubs["pythoncom"].VT_ERROR = VT_ERROR  # type: ignore[attr-defined]
    stubs["win32com.client"].VARIANT = StandInVariant  # type: ignore[attr-defined]
    with _LOCK:
        saved = {name: sys.modules.get(name, _ABSENT) for name in _STUB_NAMES}
        sys.modules.update(stubs)
        try:
            yield
        finally:
            for name, module in saved.items():
                if module is _ABSENT:
                    sys.modules.pop(name, None)
                else:
                    sys.modules[name] = module  # type: ignore[assignment]


def com_marshal(xl_value: Any) -> Any:
    """The VARIANT Excel receives for what ``convert_return`` produced, as (vt, value).

    Mirrors ``com_server.XLPython.CallUDF`` (a 1×1 result is unwrapped to the value, a
    single row to that row) and then pywin32's ``PyCom_VariantFromPyObject``
    (``oleargs.cpp``), in its order: a VARIANT object keeps its own type; str → BSTR;
    bool → BOOL; int → I4 (I8 beyond 32 bits); float → R8; None → NULL; a datetime →
    DATE; Decimal → CY; a list → SAFEARRAY of VARIANT (element by element).
    """
    res = xl_value
    if isinstance(res, list) and len(res) == 1 and isinstance(res[0], list):
        res = res[0][0] if len(res[0]) == 1 else res[0]
    return _variant(res)


def _variant(x: Any) -> Any:
    if hasattr(x, "varianttype") and hasattr(x, "value"):
        return (x.varianttype, x.value)
    if isinstance(x, str):
        return (VT_BSTR, x)
    if isinstance(x, bool):
        return (VT_BOOL, x)
    if isinstance(x, int):
        return (VT_I4 if -(2**31) <= x < 2**31 else VT_I8, x)
    if isinstance(x, float):
        return (VT_R8, x)
    if x is None:
        return (VT_NULL, None)
    if isinstance(x, dt.datetime):
        return (VT_DATE, x)
    if isinstance(x, Decimal):
        return (VT_CY, x)
    if isinstance(x, (list, tuple)):
        return (VT_ARRAY | VT_VARIANT, [_variant(v) for v in x])
    raise XlwingsHarnessError(f"pywin32 kan inte göra en VARIANT av {type(x).__name__}")


def excel_sum(variants: list[Any]) -> Any:
    """What SUMMA() over cells holding these VARIANTs gives: an error value wins (the
    first one), text and blanks in a range are skipped, numbers are added. Excel's
    documented SUM semantics, to show what a returned value does to a total."""
    total = 0.0
    for vt, value in variants:
        if vt == VT_ERROR:
            return CellError(_error_from_scode(value))
        if vt in (VT_R8, VT_I4, VT_I8, VT_CY):
            total += float(value)
    return total


def _error_from_scode(scode: int) -> str:
    for text in ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!", "#CALC!"):
        if CellError(text).com_code == scode:
            return text
    raise XlwingsHarnessError(f"scode {scode} är inget felvärde i Excel")


def spill_shape(xl_value: Any) -> tuple[int, int]:
    """(rows, columns) of what ``convert_return`` produced; (1, 1) means no spill."""
    if isinstance(xl_value, list) and xl_value and isinstance(xl_value[0], list):
        return len(xl_value), max(1, len(xl_value[0]))
    return 1, 1


def com_return_problems(xl_value: Any) -> list[str]:
    """Values pywin32 would hand Excel in a surprising form (Swedish, one line each).

    Decimal becomes Currency (VT_CY, 4 decimals: 0.00005 is lost) - return float for
    amounts; text over 32,767 characters does not fit a cell; NaN/None become empty
    text ""; any other object cannot be marshalled at all.
    """
    problems: list[str] = []
    rows = xl_value if isinstance(xl_value, list) else [[xl_value]]
    for r, row in enumerate(rows):
        for c, x in enumerate(row if isinstance(row, (list, tuple)) else [row]):
            where = f"[{r}][{c}]"
            if isinstance(x, Decimal):
                places = -x.as_tuple().exponent if isinstance(x.as_tuple().exponent, int) else 0
                loss = " och avrundas" if places > 4 else ""
                problems.append(f"{where}: Decimal {x} blir Currency (4 decimaler){loss} i Excel; returnera float")
            elif isinstance(x, str) and len(x) > EXCEL_MAX_CELL_TEXT:
                problems.append(f"{where}: texten är {len(x)} tecken, en cell rymmer {EXCEL_MAX_CELL_TEXT}")
            elif isinstance(x, float) and not math.isfinite(x):
                problems.append(f"{where}: {x} kan inte visas i Excel")
            elif hasattr(x, "varianttype") and hasattr(x, "value"):
                continue  # win32com.client.VARIANT: pywin32 sends it with its own type
            elif not isinstance(x, (str, int, float, bool, dt.datetime)):
                problems.append(f"{where}: typen {type(x).__name__} kan inte skickas till Excel")
    return problems


__all__ = [
    "COM_MISSING",
    "FakeBook",
    "PINNED_XLWINGS",
    "VBA_RESERVED",
    "XlwingsHarnessError",
    "call_like_excel",
    "StandInVariant",
    "com_marshal",
    "com_return_problems",
    "convert_args",
    "convert_return",
    "excel_sum",
    "generate_vba",
    "generate_vba_module",
    "lint_udf_module",
    "load_udf_module",
    "looks_like_cell_reference",
    "macro_options",
    "pywin32_standin",
    "spill_shape",
    "udf_functions",
]
