"""The small picture on each workbook's Info sheet, drawn here as a PNG.

Generated (a few rising bars, the product's colours) rather than shipped as a binary,
so the build stays reproducible from text. Pure standard library: zlib + struct.
"""

from __future__ import annotations

import struct
import zlib

WIDTH, HEIGHT = 96, 64
_BACKGROUND = (255, 255, 255)
_BARS = ((157, 195, 230), (46, 117, 182), (31, 78, 121))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def logo_png() -> bytes:
    """A 96×64 RGB PNG: three bars of rising height on white, with a base line."""
    bars = [(12, 34, 28), (40, 62, 42), (68, 90, 54)]  # (x from, x to, height)
    rows = []
    for y in range(HEIGHT):
        row = bytearray(b"\x00")  # filter type 0 for each scanline
        for x in range(WIDTH):
            colour = _BACKGROUND
            if y == HEIGHT - 6 and 6 <= x < WIDTH - 6:
                colour = (89, 89, 89)
            for i, (x0, x1, h) in enumerate(bars):
                if x0 <= x < x1 and HEIGHT - 6 - h <= y < HEIGHT - 6:
                    colour = _BARS[i]
            row += bytes(colour)
        rows.append(bytes(row))
    header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + _chunk(b"IEND", b""))
