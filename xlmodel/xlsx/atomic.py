"""Atomic save of a package over a workbook on disk, with a backup.

The caller holds the workbook's write lock (``xlsx.lock.write_lock``) from the read to
this save, so no other xlmodel writer is between; the checks below are against other
programs (Excel, a colleague's save, a sync client). A symlink is followed: its target
is written and the link stays a link.

Sequence (each step is a possible kill point; what a kill leaves behind):

1. Refuse a write-protected file (as Windows does), and check the file on disk still
   has the sha256 it had when read (``expect_sha256``); if not, refuse: someone saved
   it in between, and writing would throw their work away.  -> old file intact
2. Write the new package to a temporary file in the same folder
   (``.~NAME.xlmodel-XXXX.tmp``), flush and fsync it.  -> old file intact; a stale
                                                          temp file may remain
3. Re-read the temporary file from disk and verify it: the zip directory passes
   ``check_zip_directory`` and lists the package's parts in order; every part the save
   compressed (changed or new) decompresses (CRC and size checked) to the package's
   bytes; every part copied unchanged (``Package.write_to`` copies the compressed data
   of a part that is still the part as read) has the CRC, sizes and compression of its
   entry in the original and the very same compressed bytes, byte for byte - the bytes
   ``Package.open`` already decompressed and checked against that CRC and size, so
   they need not be decompressed again.                 -> old file intact
4. Back up the original into ``.xlmodel-backup/NAME-YYYYmmdd-HHMMSS-ffffff.xlsx``
   beside it (copied, fsynced, folder fsynced) and check the copy has the sha256 read.
   A folder of time-stamped copies rather than one ``NAME.xlsx.bak``: a second run
   must not overwrite the only copy of the original with the first run's output.
                                                        -> old file intact, backup
5. Give the temp file the original's permission bits (its owner and group were
   given before step 4, or the write refused), call ``guard`` (the lock is still ours, Excel has not opened the file), and check
   the sha256 once more.
6. Put the new file in place. On Linux ``renameat2(RENAME_EXCHANGE)`` swaps the temp
   file and the workbook atomically, so the file replaced is caught under the temp
   name and checked: the original is removed (the backup holds it); anything else is a
   save that landed after step 5, and it is swapped back and the write refused -
   nothing is lost in that instant. Where the OS or file system has no exchange
   (Windows, macOS, NFS, SMB) ``os.replace``; a save landing between step 5's check
   and it is lost: that window is ``SaveResult.check_to_replace_seconds``, measured in
   docs/reliability.md.                                -> new file intact
7. fsync the folder so the rename itself is durable.

On any failure the temporary file is removed and the original is untouched; the
error is a ``WorkbookError`` with a Swedish message. A process *killed* between steps 2
and 5 cannot remove its temporary file: ``stale_temp_files`` finds such leftovers of one
workbook and ``remove_stale_temp_files`` (called by ``xlmodel regenerera``) deletes the
ones older than ``STALE_TEMP_SECONDS`` - old enough that no save can still be using them
(docs/reliability.md).
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import shutil
import stat
import sys
import tempfile
import time
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterator

from xlmodel.errors import WorkbookError
from xlmodel.xlsx.limits import check_zip_directory, read_part_bounded, write_reason
from xlmodel.xlsx.package import Package, _Source

BACKUP_DIR = ".xlmodel-backup"
# A save holds its temp file for the time it takes to write, verify and back up one
# workbook: milliseconds for ours, seconds for a 100 MB file on a network share. Five
# minutes is far beyond that, so a temp file this old belongs to a process that died.
STALE_TEMP_SECONDS = 300.0


def _temp_prefix(target: Path) -> str:
    return f".~{target.name}.xlmodel-"


def stale_temp_files(path: str | os.PathLike[str], *, older_than: float = 0.0) -> list[Path]:
    """Temp files a killed save of ``path`` left behind (``.~NAME.xlmodel-XXXX.tmp`` beside
    it, or a half-copied backup of that name in the backup folder), modified more than
    ``older_than`` seconds ago, oldest first."""
    import time

    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    prefix = _temp_prefix(target)
    now = time.time()
    found = []
    entries = []
    for where in (folder, folder / BACKUP_DIR):
        try:
            entries += list(where.iterdir())
        except OSError:
            continue
    for entry in entries:
        if not (entry.name.startswith(prefix) and entry.name.endswith(".tmp")):
            continue
        try:
            mtime = entry.lstat().st_mtime
        except OSError:
            continue  # removed meanwhile
        if now - mtime >= older_than and entry.is_file() and not entry.is_symlink():
            found.append((mtime, entry))
    return [p for _, p in sorted(found)]


def remove_stale_temp_files(path: str | os.PathLike[str], *, older_than: float = STALE_TEMP_SECONDS) -> list[Path]:
    """Delete what ``stale_temp_files`` finds; returns the files removed. Never raises:
    a leftover that cannot be removed is left for the next run."""
    removed = []
    for p in stale_temp_files(path, older_than=older_than):
        try:
            p.unlink()
        except OSError:
            continue
        removed.append(p)
    return removed


@dataclass(frozen=True)
class SaveResult:
    path: Path                   # the file written (a symlink's target, not the link)
    sha256: str                  # of the file now on disk
    previous_sha256: str | None  # of the file replaced (None if there was none)
    backup: Path | None
    bytes_written: int
    # How the new file was put in place: "exchange" (renameat2 RENAME_EXCHANGE: the file
    # replaced is caught and checked, so a save landing at that instant is never lost),
    # "replace" (os.replace after a last check: a save landing between the two is lost)
    # or "new" (no file was there).
    swap: str = "replace"
    # Seconds from the end of the last check of the file on disk to the new file being in
    # place: the window "replace" leaves open (docs/reliability.md gives measured figures).
    check_to_replace_seconds: float = 0.0


def file_sha256(path: Path) -> str | None:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    except FileNotFoundError:
        return None
    return h.hexdigest()


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return  # Windows cannot open a directory for fsync; NTFS journals the rename
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _verify(tmp: Path, pkg: Package) -> None:
    """Step 3 of the module docstring."""
    written = tmp.read_bytes()
    with zipfile.ZipFile(io.BytesIO(written)) as zf:
        infos = check_zip_directory(zf, pkg.limits, str(tmp))
        names = [i.filename for i in infos]
        if names != pkg.names:
            raise WorkbookError("den skrivna filen har inte samma delar som arbetsboken", path=str(tmp))
        as_written = _Source(written, {i.filename: i for i in infos}, {})
        for info in infos:
            read_as = pkg.unchanged_entry(info.filename)
            if read_as is None:
                same = read_part_bounded(zf, info, pkg.limits, str(tmp)) == pkg.part(info.filename)
            else:
                same = (
                    (info.CRC, info.file_size, info.compress_size, info.compress_type)
                    == (read_as.CRC, read_as.file_size, read_as.compress_size, read_as.compress_type)
                    and as_written.raw(info, str(tmp)) == pkg.raw_entry(info.filename)
                )
            if not same:
                raise WorkbookError(f"delen {info.filename!r} blev fel när filen skrevs", path=str(tmp))


def _backup(path: Path) -> Path:
    """A copy of ``path`` in its backup folder. A folder where it cannot be written (made
    read-only, or a file of that name) refuses the save in Swedish, naming the folder."""
    folder = path.parent / BACKUP_DIR
    try:
        return _copy_to_backup(path, folder)
    except OSError as exc:
        raise WorkbookError(
            f"kan inte lägga säkerhetskopian i mappen {folder} ({write_reason(exc)}); xlmodel sparar alltid "
            "originalet där innan arbetsboken skrivs om – ge skrivrätt till mappen, eller ta bort den så skapas "
            "den på nytt; ingenting skrevs",
            path=str(path),
        ) from None


def _copy_to_backup(path: Path, folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"{path.stem}-{stamp}{path.suffix}"
    n = 1
    while target.exists():
        target = folder / f"{path.stem}-{stamp}-{n}{path.suffix}"
        n += 1
    # Copy under a temp name and rename: a kill mid-copy must not leave a truncated file
    # that looks like a good backup. The temp name is the one stale_temp_files finds.
    partial = folder / f"{_temp_prefix(path)}{stamp}.tmp"
    try:
        shutil.copy2(path, partial)
        with open(partial, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    _fsync_dir(folder)
    return target


def _exchange(a: Path, b: Path) -> bool:
    """Swap the files at ``a`` and ``b`` atomically (Linux renameat2 RENAME_EXCHANGE).
    False when this OS or file system cannot (macOS, Windows, NFS, SMB, old kernels):
    the caller then falls back to os.replace."""
    global _EXCHANGE
    if _EXCHANGE is None:
        _EXCHANGE = _load_exchange()
    if _EXCHANGE is False:
        return False
    import ctypes

    if _EXCHANGE(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EXDEV):
        return False
    raise OSError(err, os.strerror(err), str(b))


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_EXCHANGE = None  # the libc function once looked up, False where there is none


def _load_exchange():
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False  # glibc before 2.28, or musl without it
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


def _put_in_place(tmp: Path, target: Path) -> bool:
    """Step 6: the new file at ``target``. True if it was swapped (the file replaced is
    now at ``tmp``), False if ``os.replace`` was used (the file replaced is gone)."""
    if _exchange(tmp, target):
        return True
    os.replace(tmp, target)
    return False


def new_file_mode() -> int:
    """The mode a program's new file gets: 0666 less the user's umask (0644 under the
    usual 022, 0664 under a shared folder's 002). A file written through a temporary file
    from ``tempfile.mkstemp`` would otherwise keep its private 0600, so colleagues could
    not read a workbook made for them."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def give_new_file_mode(path: str | os.PathLike[str]) -> None:
    """Set ``new_file_mode`` on ``path`` (a finished temporary file about to become a new
    file). On Windows, where there is no umask, nothing changes."""
    if os.name == "posix":
        os.chmod(path, new_file_mode())


def _resolve(path: Path) -> Path:
    """A symlink's final target: the link stays a link, the file it names is written.
    A dangling link is refused (writing would replace the link with a file)."""
    if not path.is_symlink():
        return path
    real = Path(os.path.realpath(path))
    if not real.exists():
        raise WorkbookError(f"länken pekar på {real}, som inte finns", path=str(path))
    return real


def _refuse_read_only(st: os.stat_result, shown: str) -> None:
    """Refuse a write-protected workbook as Windows does (its read-only attribute is
    the missing write bits here). Judged from the mode bits for the class we belong to,
    not from access() or the rename (a rename needs only the folder's write right, so a
    read-only file would be replaced): root may write anything, but a file with no
    write bit at all is read-only for root too (docs/reliability.md)."""
    mode = stat.S_IMODE(st.st_mode)
    if os.name != "posix":
        writable = bool(mode & stat.S_IWRITE)
    elif os.geteuid() == 0:
        writable = bool(mode & 0o222)  # root may write a file someone may write, not one nobody may
    elif st.st_uid == os.geteuid():
        writable = bool(mode & stat.S_IWUSR)
    elif st.st_gid == os.getegid() or st.st_gid in os.getgroups():
        writable = bool(mode & stat.S_IWGRP)
    else:
        writable = bool(mode & stat.S_IWOTH)
    if not writable:
        raise WorkbookError(
            "filen är skrivskyddad (den får inte ändras); ta bort skrivskyddet om den ska skrivas om, "
            "ingenting skrevs", path=shown,
        )


def _keep_owner(tmp: Path, st: os.stat_result, shown: str) -> None:
    """Give the new file the original's owner and group, or refuse: a colleague's file
    in a shared folder must not become ours (others would lose their access to it)."""
    if os.name != "posix":
        return  # Windows: the new file inherits the folder's ACL, as a save from Excel does
    now = tmp.stat()
    if (now.st_uid, now.st_gid) == (st.st_uid, st.st_gid):
        return
    try:
        os.chown(tmp, st.st_uid if now.st_uid != st.st_uid else -1, st.st_gid if now.st_gid != st.st_gid else -1)
    except PermissionError:
        import grp
        import pwd

        def name(lookup, ident: int) -> str:
            try:
                return lookup(ident)[0]
            except KeyError:
                return str(ident)

        raise WorkbookError(
            f"filen ägs av {name(pwd.getpwuid, st.st_uid)} (grupp {name(grp.getgrgid, st.st_gid)}); en ny fil "
            "med samma ägare och grupp kan inte skapas av dig, så den skrivs inte över – låt ägaren köra "
            "kommandot, ingenting skrevs", path=shown,
        ) from None


def install_file(tmp: Path, path: str | os.PathLike[str]) -> Path:
    """Move a finished file ``tmp`` (same folder) over the workbook at ``path`` the way
    ``save_package`` does its final steps: a symlink's target is written, a
    write-protected file is refused, the original's mode, owner and group are kept (or
    the write refused). No backup and no changed-since-read check: for a file built from
    other sources (``xlmodel bygg``), whose old content is not an input. Returns the
    path written."""
    shown = str(path)
    target = _resolve(Path(path))
    if os.path.realpath(tmp.parent) != os.path.realpath(target.parent):
        # a symlink into another folder (maybe another volume): copy beside the target first
        fd, name = tempfile.mkstemp(prefix=_temp_prefix(target), suffix=".tmp", dir=target.parent)
        os.close(fd)
        shutil.copyfile(tmp, name)
        tmp.unlink()
        tmp = Path(name)
    try:
        try:
            st = target.stat()
        except FileNotFoundError:
            give_new_file_mode(tmp)
            os.replace(tmp, target)
            return target
        _refuse_read_only(st, shown)
        _keep_owner(tmp, st, shown)
        os.chmod(tmp, stat.S_IMODE(st.st_mode))
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


# --- Ctrl-C once the file is replaced -----------------------------------------------


class _Hold:
    committed = False
    pending = False


_HOLD: _Hold | None = None


@contextmanager
def interrupts_held_after_commit() -> Iterator[_Hold]:
    """Ctrl-C raises KeyboardInterrupt as usual until a save inside the block is about
    to put its new file in place; from that moment it is only remembered
    (``hold.pending``), so the command reports the write that happened instead of
    "avbrutet". Main thread only (elsewhere a no-op)."""
    import signal
    import threading

    global _HOLD
    hold = _Hold()
    if threading.current_thread() is not threading.main_thread():
        yield hold
        return

    def on_sigint(signum, frame):
        if hold.committed:
            hold.pending = True
            return
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, on_sigint)
    _HOLD = hold
    try:
        yield hold
    finally:
        _HOLD = None
        signal.signal(signal.SIGINT, previous)


def _commit(on: bool) -> None:
    hold = _HOLD
    if hold is None:
        return
    hold.committed = on
    if not on and hold.pending:  # the replace failed after all: the interrupt stands
        hold.pending = False
        raise KeyboardInterrupt


# --- the save -----------------------------------------------------------------------


def save_package(
    pkg: Package,
    path: str | os.PathLike[str],
    *,
    expect_sha256: str | None,
    backup: bool = True,
    guard: Callable[[], None] | None = None,
) -> SaveResult:
    """Write ``pkg`` to ``path`` atomically (see the module docstring).

    ``expect_sha256`` is the hash of the file as read (``pkg.sha256``); pass None only
    to write a new file or to overwrite deliberately without the check. ``guard`` is
    called just before the file is replaced and may refuse by raising (the write lock's
    ``check``: the lock is still ours, Excel has not opened the workbook meanwhile).
    """
    shown = str(path)
    target = _resolve(Path(path))
    folder = target.parent if str(target.parent) else Path(".")
    try:
        st = target.stat()
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise WorkbookError(f"filen kan inte läsas ({exc.strerror or exc})", path=shown) from None
    if st is not None:
        _refuse_read_only(st, shown)
    previous = file_sha256(target) if st is not None else None
    if expect_sha256 is not None and previous != expect_sha256:
        if previous is None:
            raise WorkbookError("filen finns inte längre på disk; den har flyttats eller tagits bort", path=shown)
        raise WorkbookError(
            "filen har ändrats på disk sedan den lästes (någon har sparat den); läs in den igen och försök på nytt",
            path=shown,
        )
    buf = io.BytesIO()
    pkg.write_to(buf)
    payload = buf.getvalue()
    ours = hashlib.sha256(payload).hexdigest()
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=_temp_prefix(target), suffix=".tmp", dir=folder)
    except OSError as exc:
        reason = write_reason(exc)
        raise WorkbookError(
            f"kan inte skapa en temporär fil i mappen {folder} ({reason}); arbetsboken sparas alltid via en "
            "temporär fil bredvid den – kontrollera skrivrättigheten till mappen, ingenting skrevs",
            path=shown,
        ) from None
    tmp = Path(tmp_name)
    backup_path: Path | None = None
    swap = "new"
    window = 0.0
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        _verify(tmp, pkg)
        if st is not None:
            _keep_owner(tmp, st, shown)  # before the backup: a refusal here leaves nothing behind
            mode = stat.S_IMODE(st.st_mode)
            if backup:
                backup_path = _backup(target)
                if expect_sha256 is not None and file_sha256(backup_path) != expect_sha256:
                    raise WorkbookError(
                        "filen ändrades på disk medan den sparades; ingenting skrevs över", path=shown
                    )
        else:
            mode = new_file_mode()
        os.chmod(tmp, mode)
        if guard is not None:
            guard()
        if expect_sha256 is not None and file_sha256(target) != expect_sha256:
            raise WorkbookError(
                "filen ändrades på disk medan den sparades; ingenting skrevs över", path=shown
            )
        checked = time.perf_counter()
        _commit(True)
        try:
            if st is None:
                os.replace(tmp, target)
                swapped = False
            else:
                swapped = _put_in_place(tmp, target)
                swap = "exchange" if swapped else "replace"
            window = time.perf_counter() - checked
        except BaseException:
            _commit(False)
            raise
        if swapped:
            _settle_exchange(tmp, target, expect_sha256, ours, shown)
        _fsync_dir(folder)
    except WorkbookError:
        # Refused (the file changed on disk, or a colleague's save was swapped back): our
        # write did not happen, so neither did our backup of it. It would only repeat a
        # version the file or another backup holds.
        tmp.unlink(missing_ok=True)
        if backup_path is not None:
            backup_path.unlink(missing_ok=True)
        raise
    except (OSError, zipfile.BadZipFile) as exc:
        tmp.unlink(missing_ok=True)
        reason = write_reason(exc) if isinstance(exc, OSError) else "zip-arkivet blev fel"
        raise WorkbookError(f"arbetsboken kunde inte sparas ({reason}); originalet är orört", path=shown) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return SaveResult(
        path=target,
        sha256=ours,
        previous_sha256=previous,
        backup=backup_path,
        bytes_written=len(payload),
        swap=swap,
        check_to_replace_seconds=window,
    )


def _settle_exchange(tmp: Path, target: Path, expect_sha256: str | None, ours: str, shown: str) -> None:
    """After the swap ``tmp`` holds the file that was at ``target`` at that instant.
    The original (what we read and backed up): remove it. Anything else is a save that
    landed after the last check: swap back, so that save is on disk again, keep
    whatever the second swap displaces unless it is our own file, and refuse."""
    if expect_sha256 is None or file_sha256(tmp) == expect_sha256:
        tmp.unlink()
        return
    _commit(False)
    _exchange(tmp, target)
    if file_sha256(tmp) == ours:
        tmp.unlink()
    else:  # a third save at that very moment: never delete what we did not write
        kept = target.parent / BACKUP_DIR / f"{target.stem}-krock-{datetime.now():%Y%m%d-%H%M%S-%f}{target.suffix}"
        kept.parent.mkdir(exist_ok=True)
        os.replace(tmp, kept)
    raise WorkbookError("filen ändrades på disk medan den sparades; ingenting skrevs över", path=shown)
