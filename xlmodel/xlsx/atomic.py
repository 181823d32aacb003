"""Atomic save of a package over a workbook on disk, with a backup.

Sequence (each step is a possible kill point; what a kill leaves behind):

1. Check the file on disk still has the sha256 it had when read
   (``expect_sha256``); if not, refuse: someone saved it in between, and writing
   would throw their work away.                        -> old file intact
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
   beside it (copied, fsynced, folder fsynced). A folder of time-stamped copies
   rather than one ``NAME.xlsx.bak``: a second run must not overwrite the only copy
   of the original with the first run's output.         -> old file intact, backup
5. Check the sha256 once more (narrows the race with a user saving), give the
   temp file the original's permission bits, then ``os.replace`` (atomic on POSIX
   and on Windows for a same-volume rename).            -> new file intact
6. fsync the folder so the rename itself is durable.

On any failure the temporary file is removed and the original is untouched; the
error is a ``WorkbookError`` with a Swedish message. A process *killed* between steps 2
and 5 cannot remove its temporary file: ``stale_temp_files`` finds such leftovers of one
workbook and ``remove_stale_temp_files`` (called by ``xlmodel regenerera``) deletes the
ones older than ``STALE_TEMP_SECONDS`` - old enough that no save can still be using them
(docs/reliability.md).
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from xlmodel.errors import WorkbookError
from xlmodel.xlsx.limits import check_zip_directory, read_part_bounded
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
    path: Path
    sha256: str                  # of the file now on disk
    previous_sha256: str | None  # of the file replaced (None if there was none)
    backup: Path | None
    bytes_written: int


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
    folder = path.parent / BACKUP_DIR
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


def save_package(
    pkg: Package,
    path: str | os.PathLike[str],
    *,
    expect_sha256: str | None,
    backup: bool = True,
) -> SaveResult:
    """Write ``pkg`` to ``path`` atomically (see the module docstring).

    ``expect_sha256`` is the hash of the file as read (``pkg.sha256``); pass None only
    to write a new file or to overwrite deliberately without the check.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    previous = file_sha256(target)
    if expect_sha256 is not None and previous != expect_sha256:
        if previous is None:
            raise WorkbookError("filen finns inte längre på disk; den har flyttats eller tagits bort", path=str(target))
        raise WorkbookError(
            "filen har ändrats på disk sedan den lästes (någon har sparat den); läs in den igen och försök på nytt",
            path=str(target),
        )
    buf = io.BytesIO()
    pkg.write_to(buf)
    payload = buf.getvalue()
    fd, tmp_name = tempfile.mkstemp(prefix=_temp_prefix(target), suffix=".tmp", dir=folder)
    tmp = Path(tmp_name)
    backup_path: Path | None = None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        _verify(tmp, pkg)
        if previous is not None:
            mode = stat.S_IMODE(target.stat().st_mode)
            if backup:
                backup_path = _backup(target)
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        if expect_sha256 is not None and file_sha256(target) != expect_sha256:
            raise WorkbookError(
                "filen ändrades på disk medan den sparades; ingenting skrevs över", path=str(target)
            )
        os.replace(tmp, target)
        _fsync_dir(folder)
    except WorkbookError:
        tmp.unlink(missing_ok=True)
        raise
    except (OSError, zipfile.BadZipFile) as exc:
        tmp.unlink(missing_ok=True)
        raise WorkbookError(f"arbetsboken kunde inte sparas ({exc}); originalet är orört", path=str(target)) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return SaveResult(
        path=target,
        sha256=hashlib.sha256(payload).hexdigest(),
        previous_sha256=previous,
        backup=backup_path,
        bytes_written=len(payload),
    )
