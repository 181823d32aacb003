"""VBA project streams (MS-OVBA): the compression, the ``dir`` stream, a module's source.

What xlmodel needs: replace the source of one standard module of an existing VBA
project (xlwings' quickstart project, BSD-3) so that the workbook's button calls a
fixed Python entry instead of a module named after the file. MS-OVBA says how:

- a module stream is its compiled p-code followed, at ``MODULEOFFSET`` (``dir``
  stream), by its compressed source (2.3.4.3); we write only the source, at offset 0;
- the ``_VBA_PROJECT`` stream's performance cache is optional, and a project written
  with version 0xFFFF and no cache is compiled from its source when the host opens it
  (2.3.4.1: "Version ... MUST be 0xFFFF" on write, the cache "MUST be ignored" on read);
  so no stale p-code of the old source can run;
- compression (2.4.1): chunks of up to 4 096 bytes, each literal bytes and copy tokens
  (offset, length) whose bit split depends on the position in the chunk.
"""

from __future__ import annotations

import struct

# The _VBA_PROJECT stream without a performance cache (MS-OVBA 2.3.4.1).
VBA_PROJECT_NO_CACHE = bytes([0xCC, 0x61, 0xFF, 0xFF, 0x00, 0x00, 0x00])


class OvbaError(ValueError):
    pass


def _bit_count(position: int) -> int:
    """Bits of a copy token's offset at ``position`` bytes into the decompressed chunk."""
    return max((position - 1).bit_length(), 4)


def decompress(data: bytes) -> bytes:
    if not data or data[0] != 1:
        raise OvbaError("ingen komprimerad VBA-behållare")
    out = bytearray()
    pos = 1
    while pos + 2 <= len(data):
        header = data[pos] | data[pos + 1] << 8
        chunk_end = min(pos + (header & 0x0FFF) + 3, len(data))
        pos += 2
        start = len(out)
        if not header & 0x8000:  # an uncompressed chunk: 4 096 bytes as they are
            out += data[pos:pos + 4096]
            pos += 4096
            continue
        while pos < chunk_end:
            flags = data[pos]
            pos += 1
            for bit in range(8):
                if pos >= chunk_end:
                    break
                if not flags >> bit & 1:
                    out.append(data[pos])
                    pos += 1
                    continue
                token = data[pos] | data[pos + 1] << 8
                pos += 2
                bits = _bit_count(len(out) - start)
                offset = (token >> (16 - bits)) + 1
                length = (token & (0xFFFF >> bits)) + 3
                if offset > len(out) - start:
                    raise OvbaError("trasig kopieringsreferens i VBA-behållaren")
                for _ in range(length):
                    out.append(out[-offset])
    return bytes(out)


def compress(data: bytes) -> bytes:
    """A compressed container decompressing to ``data`` (greedy matching over the
    last positions of each 3-byte prefix: compact enough, and deterministic)."""
    out = bytearray([1])
    for begin in range(0, len(data), 4096):
        chunk = data[begin:begin + 4096]
        body = _compress_chunk(chunk)
        if len(body) > 4096:
            if len(chunk) != 4096:
                raise OvbaError("VBA-källan kan inte komprimeras")
            out += struct.pack("<H", 0x3FFF) + chunk  # stored uncompressed
        else:
            out += struct.pack("<H", 0xB000 | (len(body) - 1)) + body
    return bytes(out)


def _compress_chunk(chunk: bytes) -> bytearray:
    body = bytearray()
    seen: dict[bytes, list[int]] = {}
    i = 0

    def remember(upto: int) -> None:
        for k in range(remember.done, upto):
            seen.setdefault(chunk[k:k + 3], []).append(k)
        remember.done = upto
    remember.done = 0

    while i < len(chunk):
        flag_at = len(body)
        body.append(0)
        flags = 0
        for bit in range(8):
            if i >= len(chunk):
                break
            remember(i)
            bits = _bit_count(i)
            longest = (0xFFFF >> bits) + 3
            best, best_at = 0, 0
            for j in reversed(seen.get(chunk[i:i + 3], [])[-32:]):
                n = 0
                while n < longest and i + n < len(chunk) and chunk[j + n] == chunk[i + n]:
                    n += 1
                if n > best:
                    best, best_at = n, j
            if best >= 3:
                body += struct.pack("<H", ((i - best_at - 1) << (16 - bits)) | (best - 3))
                flags |= 1 << bit
                i += best
            else:
                body.append(chunk[i])
                i += 1
        body[flag_at] = flags
    return body


# =========================================================================== dir stream

_MODULENAME, _MODULEOFFSET, _PROJECTVERSION, _PROJECTCODEPAGE = 0x0019, 0x0031, 0x0009, 0x0003


def _records(dir_data: bytes):
    """(id, offset of the data, size of the data) of each record of a decompressed dir."""
    pos = 0
    while pos + 6 <= len(dir_data):
        rid, size = struct.unpack_from("<HI", dir_data, pos)
        if rid == _PROJECTVERSION:
            size = 6  # its Reserved field says 4, but Major (4) and Minor (2) follow
        yield rid, pos + 6, size
        pos += 6 + size


def code_page(dir_data: bytes) -> str:
    for rid, at, size in _records(dir_data):
        if rid == _PROJECTCODEPAGE:
            return f"cp{struct.unpack_from('<H', dir_data, at)[0]}"
    return "cp1252"


def module_offsets(dir_data: bytes) -> dict[str, int]:
    """Each module's name and the offset of its source in its stream."""
    out, name = {}, None
    for rid, at, size in _records(dir_data):
        if rid == _MODULENAME:
            name = dir_data[at:at + size].decode("latin-1")
        elif rid == _MODULEOFFSET and name is not None:
            out[name] = struct.unpack_from("<I", dir_data, at)[0]
    return out


def with_module_offset(dir_data: bytes, module: str, offset: int) -> bytes:
    """The dir stream with ``module``'s source offset set to ``offset``."""
    data = bytearray(dir_data)
    name, done = None, False
    for rid, at, size in _records(dir_data):
        if rid == _MODULENAME:
            name = dir_data[at:at + size].decode("latin-1")
        elif rid == _MODULEOFFSET and name == module:
            struct.pack_into("<I", data, at, offset)
            done = True
    if not done:
        raise OvbaError(f"modulen {module} finns inte i VBA-projektet")
    return bytes(data)


def module_source(streams: dict[str, bytes], module: str) -> str:
    dir_data = decompress(streams["VBA/dir"])
    offset = module_offsets(dir_data)[module]
    return decompress(streams[f"VBA/{module}"][offset:]).decode(code_page(dir_data))


def replace_module_source(streams: dict[str, bytes], module: str, source: str) -> dict[str, bytes]:
    """The project's streams with ``module``'s source replaced and every cached
    compilation dropped, so the host compiles the project from its sources."""
    dir_data = decompress(streams["VBA/dir"])
    if module not in module_offsets(dir_data):
        raise OvbaError(f"modulen {module} finns inte i VBA-projektet")
    out = dict(streams)
    out[f"VBA/{module}"] = compress(source.encode(code_page(dir_data)))
    out["VBA/dir"] = compress(with_module_offset(dir_data, module, 0))
    out["VBA/_VBA_PROJECT"] = VBA_PROJECT_NO_CACHE
    for name in [n for n in out if n.startswith("VBA/__SRP_")]:
        del out[name]  # compilation caches of the old source
    return out
