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
3. The workbook is prepared through Excel (xlwings, COM): an .xlsx is saved as a new
   .xlsm next to it (never over an existing file; an .xlsx cannot keep VBA); the
   ``xlwings.conf`` sheet gets the keys of ``layout.CONF_ROWS`` with Interpreter_Win =
   this Python's full path; the VBA project gets its reference to the xlwings add-in
   (needs "Lita på åtkomst till VBA-projektets objektmodell"); "Import Functions" writes
   the ``xlwings_udfs`` module; a regionplan gets the "Uppdatera ramtabell" button on its
   Info sheet. An .xlsm is copied to the backup folder first.

``--torrkorning`` lists the steps and what this platform can check, and changes
nothing. Steps 2-3 need Windows and Excel: none of them has been run against a real
Excel (Linux here); the plan, the refusals, the bitness reading and the workbook steps
against stand-ins of the xlwings objects are tested (tests/test_excel_install.py).
"""

from __future__ import annotations

import struct
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from xlmodel.errors import WorkbookError

BUTTON_MACRO = "RAMTABELL_UPPDATERA"
BUTTON_CAPTION = "Uppdatera ramtabell"
BUTTON_SHEET = "Info"
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
    """The steps for ``book``. Reads the file (headless) to know its kind; refuses what
    cannot be prepared before anything is done."""
    from xlmodel.workbook.cells import PackageCells

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
    button_sheet = _button_sheet(cells, kind, held)
    target = book if suffix == ".xlsm" else book.with_suffix(".xlsm")
    if target != book and target.exists():
        raise WorkbookError(f"{target.name} finns redan; flytta den eller förbered den i stället "
                            f"(xlmodel excel installera {target.name})", path=str(book))
    p = Plan(book=book, target=target, kind=kind, button_sheet=button_sheet,
             parts=[] if kind else [part.name for part in held])
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
    conf = ", ".join(f"{k} = {py if k == 'Interpreter_Win' else v or '(tom)'}" for k, v in _conf_rows(py))
    p.steps.append(Step(f"Bladet xlwings.conf (skapas, eller uppdateras om det finns): {conf}."))
    p.steps.append(Step("VBA-referens till xlwings tillägg (kräver Lita på åtkomst till VBA-projektets "
                        "objektmodell i Säkerhetscenter)."))
    p.steps.append(Step("Import Functions: modulen xlwings_udfs med funktionerna i paketet udfs."))
    if button_sheet is not None:
        p.steps.append(Step(f"Knappen \"{BUTTON_CAPTION}\" på bladet {button_sheet}, som kör {BUTTON_MACRO}."))
    p.steps.append(Step(f"Spara {target.name}."))
    return p


def _button_sheet(cells, kind: str | None, held) -> str | None:
    """The sheet the button goes on: a regionplan's Info sheet, else the sheet the frame
    table stands on (its defined name); None for a workbook without the frame table."""
    if kind == "regionplan" and BUTTON_SHEET in cells.sheet_names():
        return BUTTON_SHEET
    if any(part.name == "ramtabell" for part in held):
        from xlmodel.workbook.frames import frame_place

        sheet = frame_place(cells).sheet
        return sheet if sheet in cells.sheet_names() else None
    return None


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


def prepare_workbook(p: Plan) -> list[str]:
    """Steps 3 onwards through Excel (xlwings, COM), with the workbook's macros disabled
    while it is open. Not run against a real Excel (no Windows here): tested against a
    stand-in of the xlwings objects it uses (tests/test_excel_install.py)."""
    import xlwings as xw
    from xlwings import udfs as xw_udfs
    from xlmodel.xlsx.atomic import _backup

    done = []
    if p.target == p.book:
        done.append(f"säkerhetskopia: {_backup(p.book)}")
    app = xw.App(visible=False, add_book=False)
    try:
        app.api.AutomationSecurity = FORCE_DISABLE_MACROS  # before the book is opened
        book = app.books.open(str(p.book))
        if p.target != p.book:
            book.api.SaveAs(str(p.target.resolve()), XLSM_FORMAT)
            done.append(f"sparad som {p.target}")
        names = [s.name for s in book.sheets]
        conf = book.sheets["xlwings.conf"] if "xlwings.conf" in names else book.sheets.add("xlwings.conf", after=book.sheets[-1])
        existing = {str(conf.range((r, 1)).value or "").strip().lower(): r for r in range(1, 40)}
        next_row = max([r for k, r in existing.items() if k] or [0]) + 1
        for key, value in _conf_rows(sys.executable):
            row = existing.get(key.lower())
            if row is None:
                row, next_row = next_row, next_row + 1
                conf.range((row, 1)).value = key
            conf.range((row, 2)).value = value
        done.append("bladet xlwings.conf")
        project = book.api.VBProject
        if not any(ref.Name.lower() == "xlwings" for ref in project.References):
            from xlwings.cli import get_addin_dir  # where "xlwings addin install" put it (XLSTART)

            project.References.AddFromFile(str(Path(get_addin_dir()) / "xlwings.xlam"))
            done.append("VBA-referens till xlwings")
        xw_udfs.import_udfs("udfs", book.api)
        done.append("Import Functions (xlwings_udfs)")
        if p.button_sheet is not None and p.button_sheet in names:
            sheet = book.sheets[p.button_sheet].api
            if not any(getattr(b, "OnAction", "").endswith(BUTTON_MACRO) for b in sheet.Buttons()):
                button = sheet.Buttons().Add(10, 10, 160, 28)
                button.OnAction = BUTTON_MACRO
                button.Caption = BUTTON_CAPTION
                done.append("knappen " + BUTTON_CAPTION)
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
    out += prepare_workbook(p)
    return [line for line in out if line]
