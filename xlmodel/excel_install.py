"""``xlmodel excel installera BOK``: make a controller's own PC and workbook ready for
the Excel functions, in the Python that runs this command.

The steps (docs/excel.md, section 1), each of which says what it does before it does it:

1. Excel and Python have the same bitness. A 64-bit Python cannot serve a 32-bit
   Excel: xlwings' add-in loads ``xlwings32-<version>.dll`` or ``xlwings64-…`` after
   Excel's bitness and starts the Interpreter_Win Python, which must match. Python's
   is ``struct.calcsize("P")``; Excel's is read from EXCEL.EXE itself (the PE header's
   machine field), found through the registry's App Paths, with Office's Click-to-Run
   "Platform" value as the fallback.
2. xlwings' add-in is installed by ``<this python> -m xlwings.cli addin install``: the
   same interpreter and the pinned xlwings, so the add-in's VBA and DLL belong to the
   xlwings this Python imports (a different version gives "Could not find xlwings64-…dll").
3. The workbook is prepared in the file, without Excel (``workbook.excel_ready``): an
   .xlsx is written as a new .xlsm next to it (never over an existing file; an .xlsx
   cannot keep VBA), an .xlsm in place with a backup, under the write lock; it gets
   the VBA project xlmodel's .xlsm books carry (unless it has its own macros, which
   are kept), the "Uppdatera ramtabell" button on the sheet of the first part the macro
   regenerates - any part that owns cells: a regionplan, a delårsrapport, a
   resursramar book, a book from ``xlmodel ny`` or after ``xlmodel anslut`` - and the
   ``xlwings.conf`` sheet with Interpreter_Win = this Python's full path. A workbook
   with nothing the macro could regenerate gets no button and a sentence saying so.
4. Through Excel (xlwings, COM, macros disabled): the VBA reference to the xlwings
   add-in if the project lacks one (needs "Lita på åtkomst till VBA-projektets
   objektmodell") and "Import Functions", which writes the ``xlwings_udfs`` module.

``--torrkorning`` lists the steps and what this platform can check, and changes
nothing. Steps 1, 2 and 4 need Windows and Excel and have not been run against a real
Excel (Linux here): the plan, the refusals, the bitness reading and step 4 against
stand-ins of the xlwings objects are tested (tests/test_excel_install.py); step 3 is
tested on real files (tests/test_excel_ready.py).
"""

from __future__ import annotations

import struct
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlmodel.errors import WorkbookError

from xlmodel.workbook.excel_ready import BUTTON_CAPTION, IMPORTED_MACRO as BUTTON_MACRO
from xlmodel.workbook.vba import ENTRY_MACRO
XLSM_FORMAT = 52  # xlOpenXMLWorkbookMacroEnabled
# msoAutomationSecurityForceDisable: a workbook Excel opens for us runs no macro (Excel's
# default for a file opened by automation is to enable them: Workbook_Open would run).
FORCE_DISABLE_MACROS = 3
PE_MACHINES = {0x8664: 64, 0xAA64: 64, 0x014C: 32}  # x64, ARM64, x86


@dataclass
class Step:
    text: str                                   # Swedish, what the step does
    run: Callable[[], str | None] | None = None  # None: only checked/told, nothing to run
    windows_only: bool = True


@dataclass
class Plan:
    book: Path
    target: Path            # the workbook that is prepared (.xlsm)
    kind: str | None
    steps: list[Step] = field(default_factory=list)
    # Where the "Uppdatera ramtabell" button goes: a regionplan's Info sheet, or the
    # Ramtabell sheet of a team's workbook that holds the frame table (xlmodel anslut).
    button_sheet: str | None = None
    parts: list[str] = field(default_factory=list)   # a team's workbook: the parts of xlmodel it holds
    button: Any = None                               # excel_ready.ButtonPlan
    has_vba: bool = False                            # the workbook has a VBA project already


# --------------------------------------------------------------------------- bitness

def python_bits() -> int:
    return struct.calcsize("P") * 8


def pe_bits(path: Path) -> int | None:
    """32 or 64 from a Windows executable's PE header, None if it is not one."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return None
    if len(head) < 0x40 or head[:2] != b"MZ":
        return None
    offset = struct.unpack_from("<I", head, 0x3C)[0]
    if offset + 6 > len(head) or head[offset:offset + 4] != b"PE\0\0":
        return None
    return PE_MACHINES.get(struct.unpack_from("<H", head, offset + 4)[0])


def excel_bits(registry: Callable[[str, str], str | None] | None = None) -> tuple[int | None, str]:
    """(Excel's bitness or None, how it was found) on Windows. ``registry(key, value)``
    reads HKEY_LOCAL_MACHINE (injected by tests)."""
    read = registry or _read_hklm
    exe = read(r"SOFTWARE\Microsoft\Windows\CurrentVersion\App Paths\excel.exe", "")
    if exe:
        bits = pe_bits(Path(exe.strip('"')))
        if bits is not None:
            return bits, f"{exe} ({bits} bitar)"
    platform = read(r"SOFTWARE\Microsoft\Office\ClickToRun\Configuration", "Platform")
    if platform:
        bits = 64 if platform.lower() == "x64" else 32 if platform.lower() == "x86" else None
        if bits is not None:
            return bits, f"Office Klicka-och-kör: Platform = {platform}"
    return None, "Excel hittades inte i registret (App Paths\\excel.exe, ClickToRun)"


def _read_hklm(key: str, value: str) -> str | None:  # pragma: no cover - Windows only
    try:
        import winreg
    except ImportError:
        return None
    try:
        with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, key) as k:
            return str(winreg.QueryValueEx(k, value)[0])
    except OSError:
        return None


def check_bitness(registry: Callable[[str, str], str | None] | None = None) -> str:
    """One line when the bitness matches; WorkbookError (exit 2) when it does not."""
    py = python_bits()
    bits, how = excel_bits(registry)
    if bits is None:
        raise WorkbookError(f"kunde inte avgöra om Excel är 32- eller 64-bitars: {how}. Installera Excel först.")
    if bits != py:
        raise WorkbookError(
            f"Excel är {bits}-bitars men Python ({sys.executable}) är {py}-bitars: xlwings kan då inte starta "
            f"Python från Excel. Installera {bits}-bitars Python från python.org och kör kommandot med den.")
    return f"Excel och Python är båda {py}-bitars ({how})."


# --------------------------------------------------------------------------- plan

def plan(book: Path, *, windows: bool | None = None) -> Plan:
    """The steps for ``book``. Reads the file (headless) to know its kind, the parts the
    button regenerates and where the button goes; refuses what cannot be prepared
    before anything is done."""
    from xlmodel.workbook.cells import PackageCells
    from xlmodel.workbook.excel_ready import plan_button

    windows = sys.platform.startswith("win") if windows is None else windows
    book = Path(book)
    if not book.exists():
        raise WorkbookError("filen finns inte", path=str(book))
    suffix = book.suffix.lower()
    if suffix not in (".xlsx", ".xlsm"):
        raise WorkbookError("ange en arbetsbok .xlsx eller .xlsm (en .xls eller .xlsb kan inte förberedas)",
                            path=str(book))
    from xlmodel.workbook.holding import parts_in

    cells = PackageCells.open(book)
    kind, held = parts_in(cells)  # xlmodel's own book: its kind; a team's: the parts it holds
    button = plan_button(cells)
    target = book if suffix == ".xlsm" else book.with_suffix(".xlsm")
    if target != book and target.exists():
        raise WorkbookError(f"{target.name} finns redan; flytta den eller förbered den i stället "
                            f"(xlmodel excel installera {target.name})", path=str(book))
    p = Plan(book=book, target=target, kind=kind, button_sheet=button.sheet or (
        button.existing.sheet if button.existing else None), parts=[] if kind else [part.name for part in held],
        button=button, has_vba=macro_parts_vba(cells))
    py = sys.executable
    p.steps.append(Step(
        f"Kontrollera att Excel och Python ({py}, {python_bits()} bitar) har samma antal bitar.",
        run=(check_bitness if windows else None)))
    p.steps.append(Step(
        f"Installera xlwings tillägg i samma Python: {py} -m xlwings.cli addin install",
        run=lambda: _addin_install(py)))
    if target != book:
        p.steps.append(Step(f"Spara {book.name} som {target.name} (makroaktiverad; en .xlsx kan inte ha VBA). "
                            f"{book.name} lämnas orörd."))
    else:
        p.steps.append(Step(f"Kopiera {book.name} till säkerhetskopiemappen innan den ändras."))
    if not p.has_vba:
        p.steps.append(Step(f"I filen, utan Excel: VBA-projektet som xlmodels .xlsm-böcker har; makrot "
                            f"{ENTRY_MACRO} kör udfs.RAMTABELL_UPPDATERA vad filen än heter."))
    elif button.own_vba:
        p.steps.append(Step("Arbetsbokens egna VBA-projekt (egna makron) behålls som det är."))
    p.steps.append(Step(button_text(button)))
    conf = ", ".join(f"{k} = {py if k == 'Interpreter_Win' else v or '(tom)'}" for k, v in _conf_rows(py))
    p.steps.append(Step(f"I filen: bladet xlwings.conf (skapas, eller uppdateras om det finns): {conf}."))
    p.steps.append(Step("I Excel: VBA-referens till xlwings tillägg om projektet saknar den (kräver Lita på "
                        "åtkomst till VBA-projektets objektmodell i Säkerhetscenter)."))
    p.steps.append(Step("I Excel: Import Functions: modulen xlwings_udfs med funktionerna i paketet udfs."))
    p.steps.append(Step(f"Spara {target.name}."))
    return p


def macro_parts_vba(cells) -> bool:
    from xlmodel.xlsx.macro_parts import vba_project

    return vba_project(cells.pkg) is not None


def button_text(button) -> str:
    """What happens to the button, in one Swedish sentence."""
    if button.existing is not None:
        return (f"Knappen \"{button.existing.caption}\" finns redan på bladet {button.existing.sheet} "
                f"(kör {button.existing.macro}); ingen ny knapp.")
    if button.sheet is None:
        return f"Ingen knapp: {button.reason}"
    after = (" (makrot kommer med Import Functions)" if button.macro != ENTRY_MACRO else "")
    return (f"Knappen \"{BUTTON_CAPTION}\" på bladet {button.sheet} (i filen), som kör {button.macro}{after} "
            f"och räknar om {button.regenerates_sv()}.")


def _conf_rows(python: str) -> list[tuple[str, str]]:
    from xlmodel.workbook.layout import CONF_ROWS

    return [(k, python if k == "Interpreter_Win" else v) for k, v in CONF_ROWS]


def describe(p: Plan, *, windows: bool) -> list[str]:
    """The dry run's lines."""
    kind = {"regionplan": "regionplan", "delarsrapport": "delårsrapport", "resursramar": "resursramar"}.get(
        p.kind or "", "egen arbetsbok (ingen av xlmodels typer)"
        + (f" med xlmodels {'delar' if len(p.parts) > 1 else 'del'} {', '.join(p.parts)}" if p.parts else ""))
    lines = [f"{p.book}: {kind}. Så här skulle den förberedas:"]
    lines += [f"  {i}. {s.text}" for i, s in enumerate(p.steps, 1)]
    if not windows:
        lines.append(f"På den här plattformen ({sys.platform}) körs inget av stegen: de kräver Windows med Excel "
                     "(xlwings funktioner i celler finns bara där). Python har "
                     f"{python_bits()} bitar; Excels antal bitar kan bara läsas på Windows.")
    return lines


# --------------------------------------------------------------------------- Windows

def _addin_install(python: str) -> str:  # pragma: no cover - Windows only
    run = subprocess.run([python, "-m", "xlwings.cli", "addin", "install"], capture_output=True, text=True)
    if run.returncode != 0:
        raise WorkbookError(f"xlwings addin install misslyckades: {(run.stderr or run.stdout).strip()}")
    return run.stdout.strip()


def write_prepared(p: Plan, *, python: str | None = None) -> list[str]:
    """The steps done in the file, without Excel (``workbook.excel_ready``): the VBA
    project, the button, the xlwings.conf sheet. An .xlsm is rewritten in place under its
    write lock, with a backup, refused if it changed since it was read; an .xlsx is left
    as it is and the new .xlsm written beside it, never over an existing file."""
    from xlmodel.workbook.excel_ready import prepare_package
    from xlmodel.xlsx.atomic import save_package
    from xlmodel.xlsx.lock import write_lock
    from xlmodel.xlsx.package import Package

    python = python or sys.executable
    done: list[str] = []
    with write_lock(p.book) as held:
        pkg = Package.open(p.book)
        new, lines, button = prepare_package(pkg, python)
        if p.target == p.book:
            saved = save_package(new, p.book, expect_sha256=pkg.sha256, backup=True, guard=held.check)
            if saved.backup is not None:
                done.append(f"säkerhetskopia: {saved.backup}")
        else:
            with write_lock(p.target) as held_target:
                if p.target.exists():
                    raise WorkbookError(f"{p.target.name} finns redan; inget har skrivits", path=str(p.book))
                save_package(new, p.target, expect_sha256=None, backup=False, guard=held_target.check)
            done.append(f"sparad som {p.target} ({p.book.name} orörd)")
    done += lines
    if button.sheet is None:
        done.append(button_text(button))
    return done


def prepare_workbook(p: Plan) -> list[str]:
    """The steps that need Excel (xlwings, COM), on the .xlsm ``write_prepared`` wrote,
    with the workbook's macros disabled while it is open: the VBA reference to the
    add-in when the project lacks it, and Import Functions. Not run against a real
    Excel (no Windows here): tested against a stand-in of the xlwings objects it uses
    (tests/test_excel_install.py)."""
    import xlwings as xw
    from xlwings import udfs as xw_udfs

    done = []
    app = xw.App(visible=False, add_book=False)
    try:
        app.api.AutomationSecurity = FORCE_DISABLE_MACROS  # before the book is opened
        book = app.books.open(str(p.target))
        project = book.api.VBProject
        if not any(ref.Name.lower() == "xlwings" for ref in project.References):
            from xlwings.cli import get_addin_dir  # where "xlwings addin install" put it (XLSTART)

            project.References.AddFromFile(str(Path(get_addin_dir()) / "xlwings.xlam"))
            done.append("VBA-referens till xlwings")
        xw_udfs.import_udfs("udfs", book.api)
        done.append("Import Functions (xlwings_udfs)")
        book.save()
        done.append(f"sparad: {p.target}")
    finally:
        app.quit()
    return done


def install(book: Path, *, dry_run: bool, windows: bool | None = None) -> list[str]:
    """Run (or, with ``dry_run``, describe) the plan; the lines to print."""
    windows = sys.platform.startswith("win") if windows is None else windows
    p = plan(book, windows=windows)
    if dry_run:
        return describe(p, windows=windows)
    if not windows:
        raise WorkbookError(f"kräver Windows med Excel (den här datorn kör {sys.platform}); "
                            "kör med --torrkorning för att se vad som skulle göras", path=str(book))
    out = []  # pragma: no cover - Windows only below
    for step in p.steps[:2]:
        out.append(step.run() if step.run else step.text)
    out += write_prepared(p)
    out += prepare_workbook(p)
    return [line for line in out if line]
