"""One writer at a time: the write lock of a workbook, and Excel's own lock file.

A command that rewrites a workbook in place (regenerera, rulla-fram, bygg over an
existing file) holds ``write_lock(path)`` for its whole read-compute-write. Two such
commands on one workbook then run one after the other, and the second reads what the
first wrote: both effects end up in the file. Without it both read the same original,
and the one that replaces the file last throws the other's work away
(docs/reliability.md, "One writer at a time").

The lock is a file beside the workbook, ``.~NAME.xlmodel-lock``, created with
``O_CREAT | O_EXCL``: that is atomic on local file systems, on NFS v3 and later and on
SMB, so exactly one process gets it, also across machines sharing the folder. It holds
who took it (user, host, pid, time, command) as one line of JSON, so a refusal can say
who holds the workbook. The holder also takes an ``flock`` on it where the file system
has one: the kernel (or the NFS lock manager) drops that lock when the process dies,
which tells a crashed holder from a live one even on another host.

A lock is stale, and is broken with a note in the result, when
- its holder ran on this host and that pid no longer exists; or
- nobody holds its flock and it is older than ``FLOCK_GRACE_SECONDS`` (the holder takes
  its flock microseconds after creating the file; the grace covers that gap); or
- it is older than ``STALE_LOCK_SECONDS`` (a file system with no working flock, a
  holder on another host that vanished).
A live lock held by someone else is waited for up to ``WAIT_SECONDS``, then refused with
a Swedish message naming the holder.

Excel's lock file. While a workbook is open, Excel keeps an "owner file" ``~$NAME``
beside it (165 bytes: one byte with the length of the user name, the name in the
Windows code page, spaces up to offset 55, the length again as a 2-byte word and the
name in UTF-16-LE, spaces to the end; the layout LibreOffice reads and writes in
svl/source/misc/msodocumentlockfile.cxx). Writing the workbook then is a lost update
waiting to happen - Excel saves its copy over ours, or the user loses what Excel holds -
so ``check_not_open_in_excel`` refuses, naming the user, unless told to go ahead
(``--trots-excel-las``: a lock file Excel left behind after a crash).
"""

from __future__ import annotations

import errno
import getpass
import json
import os
import socket
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterator

from xlmodel.errors import WorkbookError

# A write of one workbook holds the lock for its read, compute and save: 0.6 s for the
# shipped regionplan, a few seconds for a 2 000-cost-centre plan on a network share
# (bench/). A second writer waits that long and more before it refuses.
WAIT_SECONDS = 30.0
POLL_SECONDS = 0.05
# Between O_EXCL create and flock the holder runs two system calls; a file nobody
# holds that has existed this long was left by a dead process.
FLOCK_GRACE_SECONDS = 5.0
# No write holds the lock this long; a lock this old is stale whatever else is known.
STALE_LOCK_SECONDS = 15 * 60.0

EXCEL_OWNER_PREFIX = "~$"
_EXCEL_NAME_MAX = 52          # Excel does not accept a longer user name
_EXCEL_UTF16_OFFSET = 55      # the 2-byte length of the UTF-16 copy of the name


def lock_path(path: str | os.PathLike[str]) -> Path:
    """The lock file of the workbook at ``path`` (beside the file a symlink points at,
    so two names of one file share one lock)."""
    real = Path(os.path.realpath(path))
    return real.with_name(f".~{real.name}.xlmodel-lock")


def excel_owner_file(path: str | os.PathLike[str]) -> Path:
    """Where Excel keeps its owner file while the workbook at ``path`` is open."""
    real = Path(os.path.realpath(path))
    return real.with_name(EXCEL_OWNER_PREFIX + real.name)


# --- Excel's owner file -------------------------------------------------------------


def excel_owner_bytes(user: str) -> bytes:
    """The 165 bytes Excel writes in ``~$NAME`` for ``user`` (layout in the module
    docstring). Used by the tests to lay down a lock file as Excel does."""
    name = user[:_EXCEL_NAME_MAX]
    data = bytearray([len(name)]) + name.encode("cp1252", errors="replace")
    data += b" " * (_EXCEL_UTF16_OFFSET - len(data))
    data += len(name).to_bytes(2, "little") + name.encode("utf-16-le")
    while len(data) < 165:
        data += b" \0"
    return bytes(data[:165])


def excel_owner_name(data: bytes) -> str | None:
    """The user name in the bytes of an Excel (or Word/PowerPoint) owner file, or None
    if they do not have that layout. The UTF-16 copy is preferred (it keeps å, ä, ö
    whatever the code page); the single-byte copy is the fallback."""
    if len(data) < 2 or not 0 < data[0] <= _EXCEL_NAME_MAX:
        return None
    for offset in (_EXCEL_UTF16_OFFSET, 54):  # Excel/PowerPoint, then Word
        if len(data) >= offset + 2:
            n = int.from_bytes(data[offset:offset + 2], "little")
            raw = data[offset + 2: offset + 2 + 2 * n]
            if 0 < n <= _EXCEL_NAME_MAX and len(raw) == 2 * n:
                try:
                    name = raw.decode("utf-16-le")
                except UnicodeDecodeError:
                    continue
                if name.isprintable():
                    return name.strip()
    single = data[1:1 + data[0]]
    if len(single) == data[0]:
        return single.decode("cp1252", errors="replace").strip() or None
    return None


def check_not_open_in_excel(path: str | os.PathLike[str]) -> None:
    """Refuse (WorkbookError) when Excel's owner file of ``path`` exists."""
    owner_file = excel_owner_file(path)
    try:
        data = owner_file.read_bytes()[:256]
    except FileNotFoundError:
        return
    except OSError:
        data = b""  # it exists but cannot be read (locked by Excel on a share): still open
    name = excel_owner_name(data)
    who = f" av {name}" if name else ""
    raise WorkbookError(
        f"arbetsboken är öppen i Excel{who} (låsfilen {owner_file.name} finns); stäng den i Excel och försök "
        f"igen, eller kör med --trots-excel-las om låsfilen ligger kvar efter en krasch",
        path=str(path),
    )


# --- xlmodel's write lock -----------------------------------------------------------


@dataclass(frozen=True)
class Holder:
    user: str
    host: str
    pid: int
    time: float      # seconds since the epoch, when the lock was taken
    command: str

    def describe(self) -> str:
        when = datetime.fromtimestamp(self.time).strftime("%Y-%m-%d %H:%M:%S")
        return f"{self.user} på {self.host} (process {self.pid}, sedan {when})"


def _me() -> Holder:
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in the environment: say so rather than fail
        user = "okänd användare"
    command = " ".join(Path(a).name if i == 0 else a for i, a in enumerate(sys.argv[:3]))
    return Holder(user=user, host=socket.gethostname(), pid=os.getpid(), time=time.time(), command=command)


def _read_holder(path: Path) -> Holder | None:
    try:
        raw = json.loads(path.read_bytes()[:4096].decode("utf-8"))
        return Holder(user=str(raw["user"]), host=str(raw["host"]), pid=int(raw["pid"]),
                      time=float(raw["time"]), command=str(raw.get("command", "")))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # being written this instant, or damaged: judged by its age


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists (another user's process), or cannot tell: assume alive
    return True


def _flock(fd: int) -> bool | None:
    """Take an exclusive, non-blocking flock: True taken, False held by someone, None
    this system or file system has none."""
    try:
        import fcntl
    except ImportError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        return None  # ENOLCK, EOPNOTSUPP, EINVAL: no locks here
    return True


def _why_stale(path: Path, holder: Holder | None) -> str | None:
    """Why the lock file at ``path`` is stale (Swedish), or None if it may be live."""
    try:
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return None  # released meanwhile: the next attempt takes it
    if holder is not None and holder.host == socket.gethostname() and not _pid_alive(holder.pid):
        return f"processen {holder.pid} som tog låset finns inte längre"
    if age > STALE_LOCK_SECONDS:
        return f"låset är {age / 60:.0f} minuter gammalt (gränsen är {STALE_LOCK_SECONDS / 60:.0f})"
    if age > FLOCK_GRACE_SECONDS:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return None
        try:
            if _flock(fd) is True:
                return "ingen process håller längre låset"
        finally:
            os.close(fd)  # closing drops the probe's flock again
    return None


def _break(path: Path, seen: bytes) -> bool:
    """Remove the stale lock at ``path`` if it still holds ``seen`` (not a lock a
    faster process took meanwhile). True if removed."""
    try:
        if path.read_bytes()[:4096] != seen:
            return False
        path.unlink()
    except FileNotFoundError:
        return False
    return True


@dataclass
class WriteLock:
    """A held lock; ``broken`` says which stale lock was removed to take it."""

    path: Path
    fd: int
    workbook: str
    broken: str | None = None
    ignore_excel_lock: bool = False

    def check(self) -> None:
        """Called by the save just before it replaces the file: raise if our lock file
        is gone or no longer ours (someone judged it stale and broke it, so another
        writer may be at work), or if Excel opened the workbook meanwhile."""
        try:
            same = os.stat(self.path).st_ino == os.fstat(self.fd).st_ino
        except OSError:
            same = False
        if not same:
            raise WorkbookError(
                f"låset på arbetsboken ({self.path.name}) togs bort medan den räknades om; ingenting skrevs – "
                "försök igen", path=self.workbook,
            )
        if not self.ignore_excel_lock:
            check_not_open_in_excel(self.workbook)


def _cannot_create(lock: Path, exc: OSError, workbook: str) -> WorkbookError:
    from xlmodel.xlsx.limits import write_reason

    reason = write_reason(exc)
    return WorkbookError(
        f"kan inte skapa låsfilen i mappen {lock.parent} ({reason}); xlmodel skriver bara där den kan "
        "spärra arbetsboken för andra under tiden – kontrollera skrivrättigheten till mappen",
        path=workbook,
    )


def _create(lock: Path, workbook: str) -> int | None:
    """Create the lock file with its holder in it, or None if it exists. The holder is
    written to a temp file first (``.~NAME.xlmodel-lock-PID.tmp``, a name
    ``atomic.stale_temp_files`` knows) and hard-linked to the lock's name: the lock then
    appears with its content or not at all, so a process killed while taking it never
    leaves an empty lock nobody can name (``link`` is atomic, on NFS too). A file system
    without hard links gets ``O_CREAT | O_EXCL`` and the content written after it."""
    me = _me()
    content = json.dumps(me.__dict__, ensure_ascii=False).encode("utf-8") + b"\n"
    staged = lock.with_name(f"{lock.name}-{me.pid}.tmp")
    try:
        with open(staged, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(staged, lock)
        except FileExistsError:
            return None
        except OSError:
            return _create_exclusive(lock, workbook, content)  # no hard links here
        finally:
            staged.unlink(missing_ok=True)
    except OSError as exc:
        staged.unlink(missing_ok=True)
        raise _cannot_create(lock, exc, workbook) from None
    fd = os.open(lock, os.O_RDWR)
    _flock(fd)  # where there is none, the lock file and the holder's pid still hold
    return fd


def _create_exclusive(lock: Path, workbook: str, content: bytes) -> int | None:
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return None
    except OSError as exc:
        raise _cannot_create(lock, exc, workbook) from None
    _flock(fd)
    try:
        os.write(fd, content)
        os.fsync(fd)
    except OSError as exc:
        os.close(fd)
        lock.unlink(missing_ok=True)
        raise _cannot_create(lock, exc, workbook) from None
    return fd


def acquire(path: str | os.PathLike[str], *, wait: float = WAIT_SECONDS) -> WriteLock:
    """Take the write lock of the workbook at ``path`` (see the module docstring)."""
    lock = lock_path(path)
    deadline = time.monotonic() + wait
    broken: str | None = None
    while True:
        held = _create(lock, str(path))
        if held is not None:
            return WriteLock(lock, held, str(path), broken)
        try:
            seen = lock.read_bytes()[:4096]
        except FileNotFoundError:
            continue  # released between our create and our read: try again at once
        except OSError as exc:
            raise _cannot_create(lock, exc, str(path)) from None
        holder = _read_holder(lock)
        why = _why_stale(lock, holder)
        if why is not None:
            if _break(lock, seen):
                who = holder.describe() if holder else "okänd"
                broken = f"ett gammalt lås ({who}) togs bort: {why}"
            continue
        if time.monotonic() >= deadline:
            who = holder.describe() if holder else "en annan process (låsfilen skrivs just nu)"
            raise WorkbookError(
                f"arbetsboken skrivs just nu av xlmodel hos {who}; väntade {wait:.0f} s – försök igen när "
                f"den är klar (låsfilen {lock.name})",
                path=str(path),
            )
        time.sleep(POLL_SECONDS)


def release(held: WriteLock) -> None:
    """Remove our lock file (only if it is still ours) and drop the flock."""
    try:
        try:
            if os.stat(held.path).st_ino == os.fstat(held.fd).st_ino:
                held.path.unlink()
        except OSError:
            pass
    finally:
        os.close(held.fd)


@contextmanager
def write_lock(path: str | os.PathLike[str], *, ignore_excel_lock: bool = False,
               wait: float | None = None) -> Iterator[WriteLock]:
    """Hold the workbook at ``path`` for one read-compute-write: refuse if Excel has it
    open (unless ``ignore_excel_lock``), then take xlmodel's write lock, waiting up to
    ``wait`` seconds (None: ``WAIT_SECONDS``) for another writer."""
    if not ignore_excel_lock:
        check_not_open_in_excel(path)
    held = acquire(path, wait=WAIT_SECONDS if wait is None else wait)
    held.ignore_excel_lock = ignore_excel_lock
    try:
        yield held
    finally:
        release(held)
