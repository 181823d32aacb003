"""Advance widths read from a TrueType font file (the ``cmap`` and ``hmtx`` tables).

Used to measure text as a printer lays it out: the tests find the font file
LibreOffice prints a workbook with (``fc-match Calibri`` gives Carlito, which has
Calibri's metrics) and measure every header against its column with it; the builder's
own table (``xlmodel.workbook.font_metrics``) was generated from the same files by
``scripts/font_metrics.py``. Only what those two need: format 4 cmaps (the Basic
Multilingual Plane) and horizontal metrics, no kerning (Excel and LibreOffice do not
kern cell text).
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FontMetrics:
    units_per_em: int
    advances: dict[str, int]      # character -> advance width in font units
    default_advance: int          # for characters the font lacks (its .notdef glyph)

    def width_pt(self, text: str, size_pt: float) -> float:
        units = sum(self.advances.get(ch, self.default_advance) for ch in text)
        return units * size_pt / self.units_per_em


def _tables(data: bytes) -> dict[str, tuple[int, int]]:
    (num,) = struct.unpack(">H", data[4:6])
    out = {}
    for i in range(num):
        tag, _sum, offset, length = struct.unpack(">4sIII", data[12 + 16 * i: 28 + 16 * i])
        out[tag.decode("latin-1")] = (offset, length)
    return out


def _cmap4(data: bytes, offset: int) -> dict[int, int]:
    (_version, count) = struct.unpack(">HH", data[offset: offset + 4])
    sub = None
    for i in range(count):
        pid, eid, off = struct.unpack(">HHI", data[offset + 4 + 8 * i: offset + 12 + 8 * i])
        if pid == 3 and eid == 1 or pid == 0:
            sub = offset + off
            if pid == 3:
                break
    if sub is None or struct.unpack(">H", data[sub: sub + 2])[0] != 4:
        raise ValueError("fonten saknar en cmap av format 4")
    seg2 = struct.unpack(">H", data[sub + 6: sub + 8])[0]
    n = seg2 // 2
    ends = struct.unpack(f">{n}H", data[sub + 14: sub + 14 + seg2])
    starts = struct.unpack(f">{n}H", data[sub + 16 + seg2: sub + 16 + 2 * seg2])
    deltas = struct.unpack(f">{n}h", data[sub + 16 + 2 * seg2: sub + 16 + 3 * seg2])
    ro_at = sub + 16 + 3 * seg2
    offsets = struct.unpack(f">{n}H", data[ro_at: ro_at + seg2])
    glyphs: dict[int, int] = {}
    for i in range(n):
        for code in range(starts[i], ends[i] + 1):
            if code == 0xFFFF:
                continue
            if offsets[i] == 0:
                g = (code + deltas[i]) & 0xFFFF
            else:
                at = ro_at + 2 * i + offsets[i] + 2 * (code - starts[i])
                g = struct.unpack(">H", data[at: at + 2])[0]
                g = (g + deltas[i]) & 0xFFFF if g else 0
            glyphs[code] = g
    return glyphs


def read_font(path: Path, chars: str) -> FontMetrics:
    """The advance widths of ``chars`` in the TrueType font at ``path``."""
    data = Path(path).read_bytes()
    t = _tables(data)
    head = t["head"][0]
    (upem,) = struct.unpack(">H", data[head + 18: head + 20])
    hhea = t["hhea"][0]
    (n_metrics,) = struct.unpack(">H", data[hhea + 34: hhea + 36])
    hmtx = t["hmtx"][0]

    def advance(glyph: int) -> int:
        g = min(glyph, n_metrics - 1)  # glyphs past the last metric share its advance
        return struct.unpack(">H", data[hmtx + 4 * g: hmtx + 4 * g + 2])[0]

    cmap = _cmap4(data, t["cmap"][0])
    return FontMetrics(upem, {ch: advance(cmap[ord(ch)]) for ch in chars if ord(ch) in cmap}, advance(0))


def font_file(pattern: str) -> Path | None:
    """The file fontconfig picks for ``pattern`` (e.g. "Calibri:bold"), as LibreOffice does."""
    exe = shutil.which("fc-match")
    if exe is None:
        return None
    out = subprocess.run([exe, "--format=%{file}", pattern], capture_output=True, text=True, timeout=30)
    path = Path(out.stdout.strip())
    return path if out.returncode == 0 and path.is_file() else None
