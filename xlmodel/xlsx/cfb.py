"""Compound File Binary (MS-CFB), the container of an .xlsm's ``xl/vbaProject.bin``.

Only what a VBA project needs: read every stream by its path (``VBA/Module1``), and
write a new container from a set of storages and streams. The writer produces a
version 3 file (512-byte sectors, 64-byte mini sectors for streams under 4 096 bytes),
a FAT and a mini FAT, and a directory whose sibling trees are balanced binary trees
coloured all black -- what MS-CFB 2.6.4 allows ("a red-black tree ... all nodes black
is a valid tree" when it is balanced by black height; we build each level complete).
Entries are ordered as MS-CFB requires (shorter names first, then by upper-case code
points).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
FREESECT, ENDOFCHAIN, FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF
SECTOR = 512
MINI = 64
MINI_CUTOFF = 4096


class CfbError(ValueError):
    pass


@dataclass
class _Entry:
    name: str
    kind: int            # 1 storage, 2 stream, 5 root
    left: int
    right: int
    child: int
    start: int
    size: int
    clsid: bytes = b"\0" * 16


def read_streams(data: bytes) -> dict[str, bytes]:
    """Every stream of the file by its path ('VBA/dir', 'PROJECT'); storages are the
    folders of the paths. Raises CfbError for a file that is not a compound file."""
    if data[:8] != SIGNATURE or len(data) < SECTOR:
        raise CfbError("ingen sammansatt fil (OLE)")
    shift = struct.unpack_from("<H", data, 30)[0]
    size = 1 << shift
    mini_size = 1 << struct.unpack_from("<H", data, 32)[0]
    n_fat, first_dir = struct.unpack_from("<I", data, 44)[0], struct.unpack_from("<I", data, 48)[0]
    cutoff, first_minifat = struct.unpack_from("<I", data, 56)[0], struct.unpack_from("<I", data, 60)[0]
    first_difat, n_difat = struct.unpack_from("<I", data, 68)[0], struct.unpack_from("<I", data, 72)[0]
    difat = list(struct.unpack_from("<109I", data, 76))
    sect = first_difat
    for _ in range(n_difat):
        block = struct.unpack_from(f"<{size // 4}I", data, (sect + 1) * size)
        difat.extend(block[:-1])
        sect = block[-1]
    fat: list[int] = []
    for s in difat[:n_fat]:
        fat.extend(struct.unpack_from(f"<{size // 4}I", data, (s + 1) * size))

    def chain(start: int) -> bytes:
        out, s, seen = [], start, 0
        while s not in (ENDOFCHAIN, FREESECT):
            if s >= len(fat) or seen > len(fat):
                raise CfbError("trasig sektorkedja")
            out.append(data[(s + 1) * size:(s + 2) * size])
            s, seen = fat[s], seen + 1
        return b"".join(out)

    dir_data = chain(first_dir)
    entries = []
    for i in range(len(dir_data) // 128):
        raw = dir_data[i * 128:(i + 1) * 128]
        name_len = struct.unpack_from("<H", raw, 64)[0]
        name = raw[:max(0, name_len - 2)].decode("utf-16-le")
        kind = raw[66]
        left, right, child = struct.unpack_from("<III", raw, 68)
        start, size_lo = struct.unpack_from("<II", raw, 116)
        entries.append(_Entry(name, kind, left, right, child, start, size_lo, raw[80:96]))
    root = entries[0]
    mini_stream = chain(root.start) if root.start not in (ENDOFCHAIN, FREESECT) else b""
    minifat: list[int] = []
    if first_minifat not in (ENDOFCHAIN, FREESECT):
        mf = chain(first_minifat)
        minifat = list(struct.unpack_from(f"<{len(mf) // 4}I", mf))

    def mini_chain(start: int) -> bytes:
        out, s, seen = [], start, 0
        while s not in (ENDOFCHAIN, FREESECT):
            if s >= len(minifat) or seen > len(minifat):
                raise CfbError("trasig kedja i ministrømmen")
            out.append(mini_stream[s * mini_size:(s + 1) * mini_size])
            s, seen = minifat[s], seen + 1
        return b"".join(out)

    streams: dict[str, bytes] = {}

    def walk(i: int, prefix: str, depth: int = 0) -> None:
        if i == NOSTREAM or depth > 64:
            return
        e = entries[i]
        walk(e.left, prefix, depth + 1)
        path = prefix + e.name
        if e.kind == 2:
            body = mini_chain(e.start) if e.size < cutoff else chain(e.start)
            streams[path] = body[:e.size]
        elif e.kind == 1:
            walk(e.child, path + "/", depth + 1)
        walk(e.right, prefix, depth + 1)

    walk(root.child, "")
    return streams


@dataclass
class _Node:
    name: str
    kind: int
    data: bytes = b""
    children: dict[str, "_Node"] = field(default_factory=dict)


def _order(name: str) -> tuple[int, str]:
    return (len(name), name.upper())


def write_streams(streams: dict[str, bytes]) -> bytes:
    """A version 3 compound file holding ``streams`` (path → bytes, '/' between storages)."""
    root = _Node("Root Entry", 5)
    for path, body in streams.items():
        parts = path.split("/")
        node = root
        for part in parts[:-1]:
            node = node.children.setdefault(part, _Node(part, 1))
        node.children[parts[-1]] = _Node(parts[-1], 2, body)

    # Flatten the directory: index 0 is the root; each storage's children form a
    # balanced binary search tree in MS-CFB order.
    flat: list[_Node] = [root]
    links: dict[int, list[int]] = {}  # index → [left, right, child]

    def place(node_index: int) -> None:
        node = flat[node_index]
        kids = sorted(node.children.values(), key=lambda n: _order(n.name))
        first = len(flat)
        flat.extend(kids)
        for k in range(len(kids)):
            links[first + k] = [NOSTREAM, NOSTREAM, NOSTREAM]

        def build(lo: int, hi: int, level: int) -> int:
            if lo > hi:
                return NOSTREAM
            mid = (lo + hi) // 2
            depth[first + mid] = level
            links[first + mid][0] = build(lo, mid - 1, level + 1)
            links[first + mid][1] = build(mid + 1, hi, level + 1)
            return first + mid

        links.setdefault(node_index, [NOSTREAM, NOSTREAM, NOSTREAM])[2] = build(0, len(kids) - 1, 0)
        for k in range(len(kids)):
            group_of[first + k] = first
        if kids:
            deepest[first] = max(depth[first + k] for k in range(len(kids)))
        for k, kid in enumerate(kids):
            if kid.kind == 1:
                place(first + k)

    depth: dict[int, int] = {}
    deepest: dict[int, int] = {}  # first index of a sibling group → its deepest level
    group_of: dict[int, int] = {}
    links[0] = [NOSTREAM, NOSTREAM, NOSTREAM]
    place(0)

    # Streams under the cutoff go to the mini stream, the others get their own sectors.
    mini_stream = bytearray()
    minifat: list[int] = []
    starts: dict[int, int] = {}
    big: list[tuple[int, bytes]] = []
    for i, node in enumerate(flat):
        if node.kind != 2:
            continue
        if len(node.data) < MINI_CUTOFF:
            if not node.data:
                starts[i] = ENDOFCHAIN
                continue
            n = -(-len(node.data) // MINI)
            first = len(minifat)
            minifat.extend(range(first + 1, first + n))
            minifat.append(ENDOFCHAIN)
            starts[i] = first
            mini_stream += node.data + b"\0" * (n * MINI - len(node.data))
        else:
            big.append((i, node.data))

    sectors: list[bytes] = []
    fat: list[int] = []

    def add_chain(body: bytes) -> int:
        if not body:
            return ENDOFCHAIN
        n = -(-len(body) // SECTOR)
        first = len(sectors)
        for k in range(n):
            sectors.append(body[k * SECTOR:(k + 1) * SECTOR].ljust(SECTOR, b"\0"))
            fat.append(first + k + 1 if k < n - 1 else ENDOFCHAIN)
        return first

    for i, body in big:
        starts[i] = add_chain(body)
    root_start = add_chain(bytes(mini_stream))
    minifat_bytes = b"".join(struct.pack("<I", x) for x in minifat)
    minifat_bytes += struct.pack("<I", FREESECT) * ((-len(minifat)) % (SECTOR // 4))
    first_minifat = add_chain(minifat_bytes) if minifat else ENDOFCHAIN
    n_minifat = -(-len(minifat_bytes) // SECTOR) if minifat else 0

    dir_bytes = bytearray()
    for i, node in enumerate(flat):
        left, right, child = links.get(i, [NOSTREAM, NOSTREAM, NOSTREAM])
        name = node.name.encode("utf-16-le")
        if len(name) > 62:
            raise CfbError(f"namnet {node.name} är för långt")
        entry = bytearray(128)
        entry[:len(name)] = name
        struct.pack_into("<H", entry, 64, len(name) + 2)
        entry[66] = node.kind
        grp = group_of.get(i)
        # Sibling trees are midpoint-balanced: every empty link is at the deepest level or
        # one above it, so colouring the deepest level red (below the root) and the rest
        # black gives every path the same number of black nodes and no red parent of a red.
        red = grp is not None and depth[i] > 0 and depth[i] == deepest[grp]
        entry[67] = 0 if red else 1
        struct.pack_into("<III", entry, 68, left, right, child)
        if node.kind == 5:
            start, size = root_start, len(mini_stream)
        elif node.kind == 2:
            start, size = starts[i], len(node.data)
        else:
            start, size = 0, 0
        struct.pack_into("<II", entry, 116, start, size)
        dir_bytes += entry
    dir_bytes += (b"\0" * 64 + struct.pack("<H", 0) + b"\0\0" + struct.pack("<III", NOSTREAM, NOSTREAM, NOSTREAM)
                  + b"\0" * 44) * ((-len(flat)) % (SECTOR // 128))
    first_dir = add_chain(bytes(dir_bytes))

    # The FAT describes itself: add FAT sectors until they cover every sector.
    n_fat = 0
    while n_fat * (SECTOR // 4) < len(sectors) + n_fat:
        n_fat += 1
    if n_fat > 109:
        raise CfbError("VBA-projektet är för stort för den här skrivaren")
    fat_first = len(sectors)
    fat.extend([FATSECT] * n_fat)
    fat.extend([FREESECT] * (n_fat * (SECTOR // 4) - len(fat)))
    fat_bytes = b"".join(struct.pack("<I", x) for x in fat)
    for k in range(n_fat):
        sectors.append(fat_bytes[k * SECTOR:(k + 1) * SECTOR])

    header = bytearray(SECTOR)
    header[:8] = SIGNATURE
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<I", header, 44, n_fat)
    struct.pack_into("<I", header, 48, first_dir)
    struct.pack_into("<I", header, 56, MINI_CUTOFF)
    struct.pack_into("<II", header, 60, first_minifat, n_minifat)
    struct.pack_into("<II", header, 68, ENDOFCHAIN, 0)
    difat = [fat_first + k for k in range(n_fat)] + [FREESECT] * (109 - n_fat)
    struct.pack_into("<109I", header, 76, *difat)
    return bytes(header) + b"".join(sectors)
