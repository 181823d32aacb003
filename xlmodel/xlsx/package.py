"""An .xlsx/.xlsm package held in memory, part by part, exactly as read.

``Package.open`` checks the file against ``Limits`` before decompressing anything,
reads every part with a bounded read, and remembers what is needed to write the
package back without loss: the zip entry order and each entry's date_time,
compression type, attributes and comment, plus the sha256 of the file as read (for
``atomic.save_package``'s "changed on disk?" check).

A Package is immutable: ``with_parts`` returns a new one sharing the unchanged
parts' bytes.

Every part is checked at open by ``xmlsafe.check_prolog`` (a DTD or an encoding xlmodel
does not read refuses the file before any part is parsed).

``lazy=True`` (for ``validate``'s memory bound, issue 6) checks every part at open
exactly as the default does, then keeps only the parts of at most
``LAZY_KEEP_BYTES``; a bigger part as read is inflated again from the file's
compressed bytes whenever ``part`` is called (not cached), and ``iter_part`` hands it
out in chunks so that a reader need never hold it whole (``xlsx.stream``). Structure (sheets, defined names, tables) is parsed lazily with the
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
import zlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import BinaryIO, Iterator, Mapping

from xlmodel.errors import WorkbookError
from xlmodel.xlsx.limits import (
    DEFAULT_LIMITS,
    Limits,
    bad_zip_message,
    check_magic,
    check_zip_directory,
    os_reason,
    read_part_bounded,
    read_part_bounded_into,
)
from xlmodel.xlsx.xmlsafe import WellFormed, check_prolog, check_well_formed, local, parse_part

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


def _is_structure(name: str) -> bool:
    """[Content_Types].xml and the relationship parts (OPC names: compared case-insensitively)."""
    folded = name.casefold()
    return folded == "[content_types].xml" or folded.endswith(".rels")


def rels_part_for(part: str) -> str:
    """'xl/workbook.xml' -> 'xl/_rels/workbook.xml.rels'; '' (package) -> '_rels/.rels'."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def resolve_target(source_part: str, target: str) -> str:
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_part), target))


# A lazy package keeps a part as read only if it inflates to at most this many bytes.
# Why 64 KiB: the parts that are parsed for structure again and again (workbook.xml,
# the .rels, styles, tables, content types) are a few KiB even in the 2,000-cost-centre
# plan (the largest other part there is 8.5 KiB), so they stay in memory and are never
# inflated twice; the parts that make up the bulk of a big workbook (sheet XML of
# 150-700 KiB, sharedStrings of 200 KiB) are above it. Inflating a part of this size
# again costs about a tenth of a millisecond; keeping all parts below it costs at most
# a few hundred KiB in any workbook we expect.
LAZY_KEEP_BYTES = 64 * 1024
# Bytes inflated at a time from a part a lazy package checks and drops at open.
DROPPED_PART_PIECE = 64 * 1024
# How much compressed input ``iter_part`` hands zlib at a time: small enough that the
# unconsumed input zlib keeps between two output chunks stays small, large enough
# that the loop runs a few times per output chunk at most.
_INFLATE_INPUT_BYTES = 16 * 1024


class _NotKept:
    """The marker a lazy package stores in place of a big part as read."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<part not kept: inflated on demand>"


NOT_KEPT = _NotKept()


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
        start, end = self._span(info, where)
        return self.data[start:end]

    def _span(self, info: zipfile.ZipInfo, where: str | None) -> tuple[int, int]:
        """Where the compressed data of one entry lies in ``data``."""
        at = info.header_offset
        head = self.data[at:at + _LOCAL_HEADER.size]
        if len(head) != _LOCAL_HEADER.size:
            raise WorkbookError(f"delen {info.filename!r} saknar sitt lokala huvud i arkivet", path=where)
        fields = _LOCAL_HEADER.unpack(head)
        if fields[0] != _LOCAL_MAGIC:
            raise WorkbookError(f"delen {info.filename!r} har ett trasigt lokalt huvud i arkivet", path=where)
        start = at + _LOCAL_HEADER.size + fields[10] + fields[11]  # + file name + extra field lengths
        if start + info.compress_size > len(self.data):
            raise WorkbookError(f"delen {info.filename!r} tar slut för tidigt i arkivet", path=where)
        return start, start + info.compress_size

    def inflate(self, info: zipfile.ZipInfo, where: str | None) -> bytes:
        """One part, decompressed again from the file's bytes (a lazy package's big part).

        The same bounds and checks as ``limits.read_part_bounded`` at open: never more
        than the declared size (+1 byte to see a lie), then size and CRC. The part passed
        them at open and the bytes are immutable, so they cannot fail here; they stay
        because a check that cannot be skipped is cheaper to trust than an argument."""
        raw = self.raw(info, where)
        if info.compress_type == zipfile.ZIP_STORED:
            out = raw
        else:
            d = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, as zip stores it
            try:
                out = d.decompress(raw, info.file_size + 1)
            except zlib.error:
                raise _unpack_error(info, "de komprimerade data är skadade eller tar slut för tidigt", where) from None
            if len(out) <= info.file_size and not d.eof:
                raise _unpack_error(info, "de komprimerade data är skadade eller tar slut för tidigt", where)
        _check_inflated(info, len(out), zlib.crc32(out), where)
        return out

    def inflate_chunks(self, info: zipfile.ZipInfo, chunk_size: int, where: str | None) -> Iterator[bytes]:
        """One part, decompressed again in pieces of at most ``chunk_size`` bytes, so
        that neither the part nor more than one piece of it is held here. Bounded as
        ``inflate``; the size and CRC are checked after the last piece."""
        start, end = self._span(info, where)
        raw = memoryview(self.data)[start:end]  # a view: the compressed data is not copied either
        bound = info.file_size
        got = 0
        crc = 0
        if info.compress_type == zipfile.ZIP_STORED:
            for at in range(0, len(raw), chunk_size):
                piece = bytes(raw[at:at + chunk_size])
                got += len(piece)
                crc = zlib.crc32(piece, crc)
                yield piece
            _check_inflated(info, got, crc, where)
            return
        d = zlib.decompressobj(-zlib.MAX_WBITS)
        source = raw
        pos = 0
        while not d.eof:
            if d.unconsumed_tail:  # input zlib left over when the last piece was full
                fed: bytes | memoryview = d.unconsumed_tail
            else:
                fed = source[pos:pos + _INFLATE_INPUT_BYTES]
                pos += len(fed)
            try:
                # max_length is never 0 (0 would mean "no limit"): got <= bound here
                out = d.decompress(fed, min(chunk_size, bound + 1 - got))
            except zlib.error:
                raise _unpack_error(info, "de komprimerade data är skadade eller tar slut för tidigt", where) from None
            if out:
                got += len(out)
                if got > bound:
                    raise WorkbookError(f"delen {info.filename!r} är större än arkivet uppger; filen är skadad "
                                        "eller manipulerad", path=where)
                crc = zlib.crc32(out, crc)
                yield out
            elif not len(fed):  # no input left, nothing pending, and the stream has not ended
                raise _unpack_error(info, "de komprimerade data är skadade eller tar slut för tidigt", where)
        _check_inflated(info, got, crc, where)


def _unpack_error(info: zipfile.ZipInfo, why: str, where: str | None) -> WorkbookError:
    """The message ``limits.read_part_bounded`` gives for the same failure."""
    return WorkbookError(f"delen {info.filename!r} kan inte packas upp ({why})", path=where)


def _check_inflated(info: zipfile.ZipInfo, got: int, crc: int, where: str | None) -> None:
    if got > info.file_size:
        raise WorkbookError(f"delen {info.filename!r} är större än arkivet uppger; filen är skadad eller manipulerad",
                            path=where)
    if got != info.file_size:
        raise WorkbookError(f"delen {info.filename!r} har fel storlek ({got} i stället för {info.file_size} byte)",
                            path=where)
    if crc != info.CRC:
        raise _unpack_error(info, "kontrollsumman stämmer inte; filen är skadad eller manipulerad", where)


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
        parts: dict[str, "bytes | _NotKept"],
        order: list[str],
        meta: dict[str, PartMeta],
        sha256: str | None,
        path: Path | None,
        limits: Limits,
        zip_comment: bytes = b"",
        original: Mapping[str, bytes] | None = None,
        source: "_Source | None" = None,
        lazy: bool = False,
    ) -> None:
        # A part is its bytes, or NOT_KEPT for a big part of a lazy package that is still
        # the part as read (its bytes are inflated from ``source`` on demand).
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
        self.lazy = lazy  # opened with lazy=True: carried through with_parts
        # Parts already found well-formed (``ensure_well_formed``); with_parts keeps the
        # names of the parts it does not replace.
        self._well_formed: set[str] = set()
        if source is None and any(d is NOT_KEPT for d in parts.values()):
            raise ValueError("a part that is not kept needs the file it was read from")

    # ----------------------------------------------------------------- reading
    @classmethod
    def open(cls, path: str | os.PathLike[str], limits: Limits = DEFAULT_LIMITS, *, lazy: bool = False) -> "Package":
        """Read a package from disk. The sha256 and the parts come from the same read.
        ``lazy``: see the module docstring (every check at open is the same)."""
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
            raise WorkbookError(f"filen kan inte läsas ({os_reason(exc)})", path=str(p)) from None
        return cls.from_bytes(data, limits=limits, path=p, lazy=lazy)

    @classmethod
    def from_bytes(cls, data: bytes, *, limits: Limits = DEFAULT_LIMITS, path: Path | None = None,
                   lazy: bool = False) -> "Package":
        where = str(path) if path else None
        check_magic(data[:8], where, data)
        if len(data) > limits.max_file_bytes:
            raise WorkbookError("filen är större än gränsen för arbetsböcker", path=where)
        sha = hashlib.sha256(data).hexdigest()
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                infos = check_zip_directory(zf, limits, where)
                parts: dict[str, bytes | _NotKept] = {}
                for i in infos:
                    # Every part is read and checked (bounds, size, CRC) as in an eager open;
                    # a lazy package then drops the big ones (one at a time: the peak is one part).
                    if lazy and i.file_size > LAZY_KEEP_BYTES and not _is_structure(i.filename):
                        # a part this package will not keep: checked from one bytearray
                        # (read_part_bounded_into: the same checks, a lower peak)
                        part = read_part_bounded_into(zf, i, limits, where, DROPPED_PART_PIECE)
                    else:
                        part = read_part_bounded(zf, i, limits, where)
                    # Every part, read or not (the content types and every .rels included):
                    # a DTD, or an encoding xlmodel does not read, refuses the file here,
                    # before anything parses it (xmlsafe.check_prolog: the prolog only).
                    check_prolog(part, i.filename, where)
                    if _is_structure(i.filename):
                        # The package's own structure (content types, relationships), which
                        # every command reads: well-formed, or the file is refused at open.
                        check_well_formed(part, i.filename, where)
                    parts[i.filename] = NOT_KEPT if lazy and len(part) > LAZY_KEEP_BYTES else part
                comment = zf.comment
        except zipfile.BadZipFile as exc:
            raise WorkbookError(bad_zip_message(exc), path=where) from None
        order = [i.filename for i in infos]
        meta = {i.filename: PartMeta.of(i) for i in infos}
        source = _Source(data, {i.filename: i for i in infos}, meta)
        pkg = cls(parts=parts, order=order, meta=meta, sha256=sha, path=path, limits=limits, zip_comment=comment,
                  source=source, lazy=lazy)
        pkg._well_formed = {name for name in order if _is_structure(name)}
        return pkg

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
        """The bytes of a part (a lazy package's big part: inflated again, not cached)."""
        actual = self.actual_name(name)
        data = self._parts[actual]
        if data is NOT_KEPT:
            return self._source.inflate(self._source.infos[actual], self.where)  # type: ignore[union-attr]
        return data  # type: ignore[return-value]

    def iter_part(self, name: str, chunk_size: int = LAZY_KEEP_BYTES) -> Iterator[bytes]:
        """The bytes of a part in pieces of at most ``chunk_size`` bytes, in order. A
        part that is not kept is inflated piece by piece (never held whole); any other
        part is cut from its bytes."""
        if chunk_size < 1:
            raise ValueError("chunk_size must be positive")
        actual = self.actual_name(name)
        data = self._parts[actual]
        if data is NOT_KEPT:
            yield from self._source.inflate_chunks(  # type: ignore[union-attr]
                self._source.infos[actual], chunk_size, self.where)  # type: ignore[union-attr]
            return
        for at in range(0, len(data), chunk_size):  # type: ignore[arg-type]
            yield data[at:at + chunk_size]  # type: ignore[index]

    def is_kept(self, name: str) -> bool:
        """Whether the package holds the part's bytes (False only for a lazy package's
        big part as read)."""
        return self._parts[self.actual_name(name)] is not NOT_KEPT

    def retained_bytes(self) -> int:
        """How many bytes of part content the package holds (the compressed file it was
        read from not counted): every part for an eager package, the small and the
        replaced ones for a lazy one."""
        return sum(len(d) for d in self._parts.values() if d is not NOT_KEPT)  # type: ignore[arg-type]

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
        out = Package(parts=parts, order=order, meta=meta, sha256=self.sha256, path=self.path,
                      limits=self.limits, zip_comment=self.zip_comment, original=self._original,
                      source=self._source, lazy=self.lazy)
        replaced = {n.casefold() for n in changes}
        out._well_formed = {n for n in self._well_formed if n.casefold() not in replaced}
        return out

    def ensure_well_formed(self, name: str, data: bytes | None = None) -> None:
        """Refuse (WorkbookError naming the part, line and column) a part that is not
        well-formed XML; checked once per package and part. ``data``: the part's bytes
        when the caller holds them already; else a part that is not kept is checked
        piece by piece, never inflated whole (``xmlsafe.WellFormed``)."""
        actual = self.actual_name(name)
        if actual in self._well_formed:
            return
        if data is not None or self._parts[actual] is not NOT_KEPT:
            check_well_formed(self.part(actual) if data is None else data, actual, self.where)
        else:
            check = WellFormed(actual, self.where)
            for piece in self.iter_part(actual):
                check.feed(piece)
            check.close()
        self._well_formed.add(actual)

    def known_well_formed(self, name: str) -> bool:
        """Whether the part was already found well-formed in this package."""
        return self.actual_name(name) in self._well_formed

    def mark_well_formed(self, name: str) -> None:
        """Record that a reader found the whole part well-formed (``xlsx.stream``)."""
        self._well_formed.add(self.actual_name(name))

    def changed_parts(self) -> dict[str, str]:
        """Parts that differ from the package as read: name -> 'ändrad'/'ny'/'borttagen'."""
        out: dict[str, str] = {}
        for name in self._order:
            if name not in self._original:
                out[name] = "ny"
            elif self._differs_from_original(name):
                out[name] = "ändrad"
        for name in self._original:
            if name not in self._parts:
                out[name] = "borttagen"
        return out

    def _differs_from_original(self, name: str) -> bool:
        now, was = self._parts[name], self._original[name]
        if now is was:
            return False
        if was is NOT_KEPT:  # a lazy package's big part replaced: compare with the part as read
            info = self._source.infos[name]  # type: ignore[union-attr]
            return len(now) != info.file_size or now != self._source.inflate(info, self.where)  # type: ignore
        return now != was

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
                    zf.writestr(info, self.part(name))
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
