"""Versioned inputs of a workbook: a folder with ``bok.toml`` and CSV files.

The shipped workbooks are built from these folders (``xlmodel bygg``), so a change
to a workbook is reviewed as a text diff of its inputs. CSV: UTF-8, comma, decimal
point, or semicolon and decimal comma as Swedish Excel saves it; columns as in the sheet
headers. The format is strict and documented in docs/indata.md (``book_input``).
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable
from typing import Any

from xlmodel.errors import InputError

BOOK_FILE = "bok.toml"


@dataclass
class BookSource:
    folder: Path
    meta: dict[str, Any]
    tables: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    headers: dict[str, list[str]] = field(default_factory=dict)  # each CSV's header row

    @property
    def kind(self) -> str:
        return str(self.meta["kind"])

    @property
    def file_name(self) -> str:
        return str(self.meta["file"])

    def table(self, name: str) -> list[dict[str, str]]:
        try:
            return self.tables[name]
        except KeyError:
            raise InputError(f"filen {name}.csv saknas i {self.folder}", rule="bygg") from None


def load_source(folder: Path, expected_headers: Callable[[str, str], list[str] | None] | None = None) -> BookSource:
    """The source folder read: bok.toml (the strict format) and every CSV.
    ``expected_headers(kind, stem)``: the headers the kind's table of ``stem``.csv has,
    named in the message about a CSV whose header row is wrong (``source_headers``; given
    by the build job, so this module needs no layout of any kind)."""
    path = folder / BOOK_FILE
    if not path.exists():
        raise InputError(f"{path} saknas", rule="bygg")
    from xlmodel.workbook.book_input import check_csv_names, checked_meta, key_location, read_csv, toml_error

    try:
        with path.open("rb") as fh:
            meta = tomllib.load(fh)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        raise toml_error(path, exc) from None

    for key in ("kind", "file"):
        if not isinstance(meta.get(key), str) or not meta[key].strip():
            typo = next((k for k in meta if key not in meta and isinstance(k, str)
                         and difflib.get_close_matches(key, [k], n=1, cutoff=0.6)), None)
            if typo:  # 'kindd' for 'kind': name the key the file has, where it has it
                raise InputError(f"okänd nyckel '{typo}' – menade du '{key}'? (nyckeln '{key}' saknas)",
                                 rule="bygg", argument=key).at(*key_location(path, typo))
            raise InputError(f"nyckeln '{key}' saknas eller är tom", rule="bygg",
                             argument=key).at(*key_location(path, key))
    if "/" in meta["file"] or "\\" in meta["file"] or meta["file"].startswith("."):
        raise InputError(f"filnamnet '{meta['file']}' får inte innehålla en sökväg", rule="bygg",
                         argument="file").at(*key_location(path, "file"))

    meta = checked_meta(meta, path)  # the strict format (docs/indata.md)
    csv_paths = sorted(folder.glob("*.csv"))
    check_csv_names(meta["kind"], [p.stem for p in csv_paths], folder)
    tables: dict[str, list[dict[str, str]]] = {}
    headers: dict[str, list[str]] = {}
    for csv_path in csv_paths:
        try:
            headers[csv_path.stem], tables[csv_path.stem] = read_csv(csv_path)
        except InputError as exc:
            wanted = expected_headers(meta["kind"], csv_path.stem) if expected_headers else None
            if exc.cell != "rad 1" or not wanted:
                raise
            raise InputError(f"{exc.message} ({', '.join(wanted)})", rule=exc.rule).at(exc.sheet, exc.cell) from None
    return BookSource(folder=folder, meta=meta, tables=tables, headers=headers)


def find_sources(src: Path) -> list[Path]:
    """``src`` is one book folder or a folder of book folders."""
    if (src / BOOK_FILE).exists():
        return [src]
    return sorted(p.parent for p in src.glob(f"*/{BOOK_FILE}"))


