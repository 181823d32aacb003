"""Build the shipped workbooks from their versioned inputs (``xlmodel bygg``).

Each source folder (``bok.toml`` and CSV files) names its workbook kind; the kind's
builder writes the workbook with ``book.Book``. All or nothing: see ``build_books``.
"""

from __future__ import annotations

import os
from pathlib import Path

from xlmodel.errors import InputError
from xlmodel.workbook import kinds
from xlmodel.workbook.source_headers import expected_headers
from xlmodel.workbook.sources import find_sources, load_source


def build_books(src: Path, out_dir: Path, *, ignore_excel_lock: bool = False) -> list[Path]:
    """Build every book under ``src`` into ``out_dir``. A book open in Excel (its ``~$``
    owner file) is refused unless ``ignore_excel_lock`` (the owner file left by a crash)."""
    folders = find_sources(Path(src))
    if not folders:
        raise InputError(f"inga bokkällor (bok.toml) hittades under {src}", rule="bygg")
    out_dir.mkdir(parents=True, exist_ok=True)
    # All or nothing: every book is built into a temporary file first; only when all of
    # them succeeded are they moved into place (each move atomic). A bad input in the
    # third book leaves the first two workbooks on disk as they were, and no temp files.
    staged: list[tuple[Path, Path]] = []
    try:
        for folder in folders:
            source = load_source(folder, expected_headers)
            builder = kinds.builder_for(source.kind)
            path = out_dir / source.file_name
            tmp = path.with_name(f".{path.name}.tmp")
            staged.append((tmp, path))
            builder(source, tmp)
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    _install_staged(staged, ignore_excel_lock=ignore_excel_lock)
    return [path for _, path in staged]


def _install_staged(staged: list[tuple[Path, Path]], *, ignore_excel_lock: bool = False) -> None:
    """Move the built books over their targets, each under its write lock, as a save
    would (xlsx.atomic.install_file: a symlink's target is written, a write-protected
    or Excel-open workbook refused, mode and owner kept). The staged files are built
    beside their targets, so a temp file in the wrong folder cannot be moved over; a
    refusal removes every staged file not yet moved."""
    from xlmodel.xlsx.atomic import install_file
    from xlmodel.xlsx.lock import check_not_open_in_excel, write_lock

    try:
        for _, path in staged:  # all refusals Excel can cause, before the first book is moved
            if os.path.lexists(path) and not ignore_excel_lock:
                check_not_open_in_excel(path)
        for tmp, path in staged:
            if os.path.lexists(path):
                with write_lock(path, ignore_excel_lock=ignore_excel_lock):
                    install_file(tmp, path)
            else:
                tmp.replace(path)
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
