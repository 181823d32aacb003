"""Build the shipped workbooks from their versioned inputs (``xlmodel bygg``).

Each source folder (``bok.toml`` and CSV files) names its workbook kind; the kind's
builder writes the workbook with ``book.Book``. All or nothing: see ``build_books``.
"""

from __future__ import annotations

from pathlib import Path

from xlmodel.errors import InputError
from xlmodel.workbook import kinds
from xlmodel.workbook.sources import find_sources, load_source


def build_books(src: Path, out_dir: Path) -> list[Path]:
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
            source = load_source(folder)
            builder = kinds.builder_for(source.kind)
            path = out_dir / source.file_name
            tmp = path.with_name(f".{path.name}.tmp")
            staged.append((tmp, path))
            builder(source, tmp)
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, path in staged:
        tmp.replace(path)
    return [path for _, path in staged]
