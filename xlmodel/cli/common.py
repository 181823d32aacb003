"""What every command of the command line shares: exit codes, writing to the terminal,
reading a workbook's file before a command opens it."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path


PROG = "xlmodel"
EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what a shell expects after Ctrl-C
DEBUG_ENV = "XLMODEL_DEBUG"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")

# Progress is shown only for runs over this many files: below it the run is over
# before a progress line would be read.
PROGRESS_MIN_FILES = 4



def add_excel_lock_flag(p) -> None:
    """--trots-excel-las: the one spelling every command that writes a workbook accepts
    (the refusal of an Excel-open workbook names it)."""
    p.add_argument("--trots-excel-las", "--trots-excel-lås", "--ignore-excel-lock", action="store_true",
                   dest="ignore_excel_lock",
                   help="skriv även om Excels låsfil (~$FIL) finns, t.ex. kvar efter en krasch")


# =========================================================================== output helpers


def configure_streams() -> None:
    """Never die on a character the console cannot show (a cp1252 pipe has no '−' or '→')."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="replace")
            except (ValueError, OSError):  # pragma: no cover - detached or closed stream
                pass


def say(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def complain(text: str) -> None:
    sys.stderr.write(f"{PROG}: {text}\n")
    sys.stderr.flush()


def write_file_atomically(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder, so a CI
    job never picks up half a report. A new file gets the mode of a new file
    (``xlsx.atomic.new_file_mode``), a file written over keeps its mode."""
    import stat

    from xlmodel.xlsx.atomic import new_file_mode

    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or Path("."))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        if os.name == "posix":
            try:
                mode = stat.S_IMODE(os.stat(target).st_mode)
            except FileNotFoundError:
                mode = new_file_mode()
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


class Progress:
    """'validerar 37/200' on stderr, on a terminal only (CI logs and pipes stay clean)."""

    def __init__(self, total: int) -> None:
        self.total = total
        isatty = getattr(sys.stderr, "isatty", None)
        self.on = total >= PROGRESS_MIN_FILES and bool(isatty and isatty())

    def step(self, done: int) -> None:
        if self.on:
            sys.stderr.write(f"\rvaliderar {done}/{self.total} …")
            sys.stderr.flush()

    def close(self) -> None:
        if self.on:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()



def default_jobs() -> int:
    """The CPUs this process may use: os.cpu_count(), narrowed to the CPU affinity
    where the OS has one (a CI container limited to 2 of 64 cores gets 2)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)




def error_text(exc: BaseException, path: str) -> str:
    """A WorkbookError names its path; the report already shows the path, so keep the message."""
    message = getattr(exc, "message", None)
    if message and getattr(exc, "path", None) is not None:
        return str(message)
    return str(exc)


def preflight(path: str) -> str | None:
    """Why ``path`` cannot be a workbook (Swedish), or None. Looks only at the file's first
    bytes and the zip directory (``xlmodel.xlsx.limits``), so a missing file, a folder,
    a PDF, an old .xls or an encrypted workbook is reported in milliseconds."""
    from xlmodel.errors import WorkbookError
    from xlmodel.xlsx.limits import check_package

    p = Path(path)
    if p.is_dir():
        return "katalogen innehåller inga .xlsx- eller .xlsm-filer"
    try:
        check_package(p)
    except WorkbookError as exc:
        return error_text(exc, path)
    return None
