"""An .xlsx/.xlsm package held in memory, part by part, exactly as read.

``Package.open`` checks the file against ``Limits`` before decompressing anything,
reads every part with a bounded read, and remembers what is needed to write the
package back without loss: the zip entry order and each entry's date_time,
compression type, attributes and comment, plus the sha256 of the file as read (for
``atomic.save_package``'s "changed on disk?" check).

A Package is immutable: ``with_parts`` returns a new one sharing the unchanged
parts' bytes. Structure (sheets, defined names, tables) is parsed lazily with the
safe parser of ``xmlsafe`` and only from the small parts that hold it; sheet XML
is never parsed here.
"""

from __future__ import annotations

import hashlib
import io
import os
import posixpath
import struct
import time
import zipfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import BinaryIO, Mapping

from xlmodel.errors import WorkbookError
from xlmodel.xlsx.limits import DEFAULT_LIMITS, Limits, check_magic, check_zip_directory, read_part_bounded
from xlmodel.xlsx.xmlsafe import local, parse_part

R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
R_NS_STRICT = "http://purl.oclc.org/ooxml/officeDocument/relationships"
CONTENT_TYPES = "[Content_Types].xml"


@dataclass(frozen=True)
class PartMeta:
    """What a zip entry carries besides its content; kept so a rewrite changes nothing else."""

    date_time: tuple[int, int, int, int, int, int]
    compress_type: int
    external_attr: int = 0
    create_system: int = 0
    comment: bytes = b""

    @classmethod
    def of(cls, info: zipfile.ZipInfo) -> "PartMeta":
        return cls(
            date_time=tuple(info.date_time),  # type: ignore[arg-type]
            compress_type=info.compress_type,
            external_attr=info.external_attr,
            create_system=info.create_system,
            comment=info.comment,
        )

    @classmethod
    def new(cls) -> "PartMeta":
        """Metadata for a part we add: deflated, stamped now (local time, as zip does)."""
        t = time.localtime()
        return cls(date_time=(max(t.tm_year, 1980), t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec & ~1),
                   compress_type=zipfile.ZIP_DEFLATED)


@dataclass(frozen=True)
class Relationship:
    id: str
    type: str          # full relationship type URI
    target: str        # resolved part name (no leading '/'), or the raw target if external
    external: bool = False

    def is_type(self, suffix: str) -> bool:
        """Match on the last segment of the type so transitional and strict URIs both work."""
        return self.type.rsplit("/", 1)[-1] == suffix


@dataclass(frozen=True)
class SheetRef:
    name: str
    sheet_id: int
    rel_id: str
    part: str           # e.g. 'xl/worksheets/sheet1.xml'
    kind: str           # 'worksheet', 'chartsheet', 'dialogsheet', 'macrosheet'
    state: str = "visible"
    index: int = 0      # position in the workbook (localSheetId of defined names)


@dataclass(frozen=True)
class DefinedName:
    name: str
    value: str
    local_sheet: str | None = None  # sheet name for a sheet-level name
    hidden: bool = False


@dataclass(frozen=True)
class TableInfo:
    name: str
    display_name: str
    ref: str
    header_row_count: int
    totals_row_count: int
    columns: tuple[str, ...]
    part: str

    @property
    def header_row(self) -> int | None:
        """Row number of the header row, or None for a table without one."""
        if self.header_row_count == 0:
            return None
        first = self.ref.split(":")[0]
        return int("".join(ch for ch in first if ch.isdigit()))


def rels_part_for(part: str) -> str:
    """'xl/workbook.xml' -> 'xl/_rels/workbook.xml.rels'; '' (package) -> '_rels/.rels'."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def resolve_target(source_part: str, target: str) -> str:
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_part), target))


_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # zip local file header (APPNOTE 4.3.7), as zipfile reads it
_LOCAL_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class _Source:
    """The file a package was read from: its bytes, its zip entries and their metadata."""

    data: bytes
    infos: dict[str, zipfile.ZipInfo]
    meta: dict[str, PartMeta]

    def raw(self, info: zipfile.ZipInfo, where: str | None) -> bytes:
        """The compressed data of one entry: after its local header, ``compress_size`` bytes."""
        at = info.header_offset
        head = self.data[at:at + _LOCAL_HEADER.size]
        if len(head) != _LOCAL_HEADER.size:
            raise WorkbookError(f"delen {info.filename!r} saknar sitt lokala huvud i arkivet", path=where)
        fields = _LOCAL_HEADER.unpack(head)
        if fields[0] != _LOCAL_MAGIC:
            raise WorkbookError(f"delen {info.filename!r} har ett trasigt lokalt huvud i arkivet", path=where)
        start = at + _LOCAL_HEADER.size + fields[10] + fields[11]  # + file name + extra field lengths
        out = self.data[start:start + info.compress_size]
        if len(out) != info.compress_size:
            raise WorkbookError(f"delen {info.filename!r} tar slut för tidigt i arkivet", path=where)
        return out


def _write_raw(zf: zipfile.ZipFile, info: zipfile.ZipInfo, read_as: zipfile.ZipInfo, data: bytes) -> None:
    """Add an entry whose compressed data, CRC and size are known (an unchanged part).

    What ``ZipFile.writestr`` does through ``_open_to_write`` and ``_ZipWriteFile.close``
    on a seekable file (CPython 3.11), with the sizes and CRC known before the local
    header is written, so no compressor runs and no header is rewritten. Relies on
    zipfile's attributes ``fp``, ``start_dir``, ``filelist``, ``NameToInfo``,
    ``_didModify`` and ``_writecheck``; tests/test_perf_equivalence.py checks that the
    result reads back as the recompressed zip does."""
    if zf._writing:  # type: ignore[attr-defined]
        raise ValueError("zip-arkivet skrivs redan av en annan skrivning")
    info.flag_bits = 0x00  # no data descriptor: the sizes are in the local header
    if not info.external_attr:
        info.external_attr = 0o600 << 16  # as _open_to_write does
    info.CRC = read_as.CRC
    info.file_size = read_as.file_size
    info.compress_size = len(data)
    if zf._seekable:  # type: ignore[attr-defined]
        zf.fp.seek(zf.start_dir)  # type: ignore[union-attr]
    info.header_offset = zf.fp.tell()  # type: ignore[union-attr]
    zf._writecheck(info)  # type: ignore[attr-defined]
    zf._didModify = True  # type: ignore[attr-defined]
    zf.fp.write(info.FileHeader(None))  # type: ignore[union-attr]
    zf.fp.write(data)  # type: ignore[union-attr]
    zf.start_dir = zf.fp.tell()  # type: ignore[union-attr]
    zf.filelist.append(info)
    zf.NameToInfo[info.filename] = info


class Package:
    """All parts of one OOXML package in memory. Build with ``open``/``from_bytes``."""

    def __init__(
        self,
        *,
        parts: dict[str, bytes],
        order: list[str],
        meta: dict[str, PartMeta],
        sha256: str | None,
        path: Path | None,
        limits: Limits,
        zip_comment: bytes = b"",
        original: Mapping[str, bytes] | None = None,
        source: "_Source | None" = None,
    ) -> None:
        self._parts = parts
        self._order = order
        self._meta = meta
        self.sha256 = sha256            # of the file as read; carried through with_parts
        self.path = path
        self.limits = limits
        self.zip_comment = zip_comment
        self._original = original if original is not None else parts
        # The file as read (its bytes and zip entries): ``write_to`` copies the compressed
        # data of every part that is still the part as read instead of compressing it again.
        self._source = source
        self._folded = {n.casefold(): n for n in order}

    # ----------------------------------------------------------------- reading
    @classmethod
    def open(cls, path: str | os.PathLike[str], limits: Limits = DEFAULT_LIMITS) -> "Package":
        """Read a package from disk. The sha256 and the parts come from the same read."""
        p = Path(path)
        try:
            size = p.stat().st_size
        except FileNotFoundError:
            raise WorkbookError("filen finns inte", path=str(p)) from None
        if size > limits.max_file_bytes:
            raise WorkbookError(
                f"filen är {size // 1_000_000} MB, gränsen är {limits.max_file_bytes // 1_000_000} MB", path=str(p)
            )
        try:
            data = p.read_bytes()
        except OSError as exc:
            raise WorkbookError(f"filen kan inte läsas ({exc.strerror})", path=str(p)) from None
        return cls.from_bytes(data, limits=limits, path=p)

    @classmethod
    def from_bytes(cls, data: bytes, *, limits: Limits = DEFAULT_LIMITS, path: Path | None = None) -> "Package":
        where = str(path) if path else None
        check_magic(data[:8], where)
        if len(data) > limits.max_file_bytes:
            raise WorkbookError("filen är större än gränsen för arbetsböcker", path=where)
        sha = hashlib.sha256(data).hexdigest()
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                infos = check_zip_directory(zf, limits, where)
                parts = {i.filename: read_part_bounded(zf, i, limits, where) for i in infos}
                comment = zf.comment
        except zipfile.BadZipFile as exc:
            raise WorkbookError(f"zip-arkivet är skadat ({exc})", path=where) from None
        order = [i.filename for i in infos]
        meta = {i.filename: PartMeta.of(i) for i in infos}
        source = _Source(data, {i.filename: i for i in infos}, meta)
        return cls(parts=parts, order=order, meta=meta, sha256=sha, path=path, limits=limits, zip_comment=comment,
                   source=source)

    # ------------------------------------------------------------------- parts
    @property
    def names(self) -> list[str]:
        return list(self._order)

    def has(self, name: str) -> bool:
        return name.casefold() in self._folded

    def actual_name(self, name: str) -> str:
        """The part name as stored (OPC names are case-insensitive)."""
        try:
            return self._folded[name.casefold()]
        except KeyError:
            raise WorkbookError(f"delen {name!r} saknas i arbetsboken", path=self.where) from None

    def part(self, name: str) -> bytes:
        return self._parts[self.actual_name(name)]

    def meta(self, name: str) -> PartMeta:
        return self._meta[self.actual_name(name)]

    def with_parts(self, changes: Mapping[str, bytes | None]) -> "Package":
        """A new package with parts replaced, added (appended in order) or removed (None)."""
        parts = dict(self._parts)
        order = list(self._order)
        meta = dict(self._meta)
        for name, data in changes.items():
            existing = self._folded.get(name.casefold())
            if data is None:
                if existing is not None:
                    del parts[existing]
                    del meta[existing]
                    order.remove(existing)
                continue
            if existing is None:
                order.append(name)
                meta[name] = PartMeta.new()
                existing = name
            parts[existing] = data
        return Package(parts=parts, order=order, meta=meta, sha256=self.sha256, path=self.path,
                       limits=self.limits, zip_comment=self.zip_comment, original=self._original,
                       source=self._source)

    def changed_parts(self) -> dict[str, str]:
        """Parts that differ from the package as read: name -> 'ändrad'/'ny'/'borttagen'."""
        out: dict[str, str] = {}
        for name in self._order:
            if name not in self._original:
                out[name] = "ny"
            elif self._parts[name] is not self._original[name] and self._parts[name] != self._original[name]:
                out[name] = "ändrad"
        for name in self._original:
            if name not in self._parts:
                out[name] = "borttagen"
        return out

    # ----------------------------------------------------------------- writing
    def unchanged_entry(self, name: str) -> zipfile.ZipInfo | None:
        """The zip entry of the file as read for a part that is still exactly that part
        (the same bytes object, the same metadata), else None (changed, new, or a package
        not read from a zip). Its compressed data can be copied as it is."""
        src = self._source
        if src is None or self._parts[name] is not self._original.get(name):
            return None
        if self._meta[name] != src.meta.get(name):
            return None
        return src.infos.get(name)

    def raw_entry(self, name: str) -> bytes:
        """The compressed data of an unchanged part, as stored in the file as read."""
        info = self.unchanged_entry(name)
        if info is None:
            raise ValueError(f"{name!r} is not an unchanged part of a package read from a file")
        return self._source.raw(info, self.where)  # type: ignore[union-attr]

    def write_to(self, fh: BinaryIO) -> None:
        """Write the package as a zip: same entry order, date_time, compression type,
        attributes and comments as read; new parts deflated. Zip 'extra' fields are not
        copied (they hold zip64/timestamp data that zipfile recomputes).

        A part that is unchanged since the package was read is not compressed again:
        its compressed bytes are copied from the file as read, with the CRC and sizes
        its entry declared (the same bytes ``from_bytes`` decompressed and checked
        against that CRC and size). Changed and new parts are compressed by zipfile.
        Either way zipfile writes the headers and the central directory, so the result
        is the zip the recompressing writer made, except for the compressed bytes of
        the unchanged parts (which are the original's)."""
        with zipfile.ZipFile(fh, "w", allowZip64=True) as zf:
            for name in self._order:
                m = self._meta[name]
                info = zipfile.ZipInfo(name, date_time=m.date_time)
                info.compress_type = m.compress_type
                info.external_attr = m.external_attr
                info.create_system = m.create_system
                info.comment = m.comment
                read_as = self.unchanged_entry(name)
                if read_as is None:
                    zf.writestr(info, self._parts[name])
                else:
                    _write_raw(zf, info, read_as, self._source.raw(read_as, self.where))  # type: ignore[union-attr]
            zf.comment = self.zip_comment

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        self.write_to(buf)
        return buf.getvalue()

    # --------------------------------------------------------------- structure
    @property
    def where(self) -> str | None:
        """The path for error messages (None for a package built in memory)."""
        return str(self.path) if self.path else None


    def relationships(self, source_part: str) -> list[Relationship]:
        """Relationships of a part ('' for the package); [] if it has no .rels part."""
        rels_name = "_rels/.rels" if source_part == "" else rels_part_for(source_part)
        if not self.has(rels_name):
            return []
        root = parse_part(self.part(rels_name), rels_name, self.where)
        out = []
        for el in root:
            if local(el.tag) != "Relationship":
                continue
            external = el.get("TargetMode") == "External"
            target = el.get("Target", "")
            out.append(
                Relationship(
                    id=el.get("Id", ""),
                    type=el.get("Type", ""),
                    target=target if external else resolve_target(source_part, target),
                    external=external,
                )
            )
        return out

    @cached_property
    def workbook_part(self) -> str:
        for rel in self.relationships(""):
            if rel.is_type("officeDocument") and not rel.external:
                return self.actual_name(rel.target)
        raise WorkbookError("paketet har ingen arbetsbok (officeDocument saknas i _rels/.rels)", path=self.where)

    @cached_property
    def workbook_rels(self) -> list[Relationship]:
        return self.relationships(self.workbook_part)

    def workbook_rel_target(self, type_suffix: str) -> str | None:
        for rel in self.workbook_rels:
            if rel.is_type(type_suffix) and not rel.external and self.has(rel.target):
                return self.actual_name(rel.target)
        return None

    @cached_property
    def _workbook_root(self):
        return parse_part(self.part(self.workbook_part), self.workbook_part, self.where)

    @cached_property
    def sheets(self) -> list[SheetRef]:
        by_id = {r.id: r for r in self.workbook_rels}
        out: list[SheetRef] = []
        for el in self._workbook_root.iter():
            if local(el.tag) != "sheet":
                continue
            rid = el.get(f"{{{R_NS}}}id") or el.get(f"{{{R_NS_STRICT}}}id") or ""
            rel = by_id.get(rid)
            if rel is None or rel.external:
                raise WorkbookError(f"bladet {el.get('name')!r} saknar sin del i paketet", path=self.where)
            out.append(
                SheetRef(
                    name=el.get("name", ""),
                    sheet_id=int(el.get("sheetId", "0")),
                    rel_id=rid,
                    part=self.actual_name(rel.target),
                    kind=rel.type.rsplit("/", 1)[-1],
                    state=el.get("state", "visible"),
                    index=len(out),
                )
            )
        return out

    def sheet(self, name: str) -> SheetRef:
        """A sheet by name (Excel compares sheet names case-insensitively)."""
        for s in self.sheets:
            if s.name == name:
                return s
        for s in self.sheets:
            if s.name.casefold() == name.casefold():
                return s
        have = ", ".join(repr(s.name) for s in self.sheets)
        raise WorkbookError(f"bladet {name!r} finns inte; arbetsboken har {have}", path=self.where)

    def sheet_part(self, name: str) -> str:
        return self.sheet(name).part

    @cached_property
    def defined_names(self) -> list[DefinedName]:
        sheets = self.sheets
        out = []
        for el in self._workbook_root.iter():
            if local(el.tag) != "definedName":
                continue
            lsid = el.get("localSheetId")
            local_sheet = None
            if lsid is not None and lsid.isdigit() and int(lsid) < len(sheets):
                local_sheet = sheets[int(lsid)].name
            out.append(
                DefinedName(
                    name=el.get("name", ""),
                    value=el.text or "",
                    local_sheet=local_sheet,
                    hidden=el.get("hidden") in ("1", "true"),
                )
            )
        return out

    def tables(self, sheet_name: str) -> list[TableInfo]:
        """Excel tables (ListObjects) on a sheet, for structure checks."""
        part = self.sheet_part(sheet_name)
        out = []
        for rel in self.relationships(part):
            if not rel.is_type("table") or rel.external:
                continue
            name = self.actual_name(rel.target)
            root = parse_part(self.part(name), name, self.where)
            cols = tuple(c.get("name", "") for c in root.iter() if local(c.tag) == "tableColumn")
            out.append(
                TableInfo(
                    name=root.get("name", ""),
                    display_name=root.get("displayName", root.get("name", "")),
                    ref=root.get("ref", ""),
                    header_row_count=int(root.get("headerRowCount", "1")),
                    totals_row_count=int(root.get("totalsRowCount", "0")),
                    columns=cols,
                    part=name,
                )
            )
        return out

    @cached_property
    def shared_strings_part(self) -> str | None:
        return self.workbook_rel_target("sharedStrings")

    @cached_property
    def styles_part(self) -> str | None:
        return self.workbook_rel_target("styles")
