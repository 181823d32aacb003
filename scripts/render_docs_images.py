"""Render the pictures in docs/ from the shipped workbooks (`make docs-images`).

Each picture is one sheet of a workbook in workbooks/ as LibreOffice (headless, Debian's
libreoffice-calc-nogui) prints it, as PNG (pdftoppm): NAME-SHEET.png, then -2.png … for
further pages. LibreOffice opens the file
with its default "never recalculate". LibreOffice cannot run the xlwings functions and
shows #NAME? for their cells even so, so in the temporary copy those cells (and their
spilled ranges) hold the values xlmodel stored in the file instead of the formula: the
picture shows what a reader of the file sees, and what Excel with the add-in computes.
The other sheets are hidden in the copy so that the pages are the sheet wanted; the
shipped files are never modified.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from pathlib import Path

from xlmodel.testing.libreoffice import render_png
from xlmodel.xlsx.package import Package

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "images"

PICTURES = [
    ("vasterbotten_regionplan_2021.xlsm", "Ramtabell"),
    ("vasterbotten_regionplan_2021.xlsm", "Diagram"),
    ("vasterbotten_regionplan_2021.xlsm", "Balanskrav"),
    ("vasterbotten_regionplan_2021.xlsm", "Resultatbudget"),
    ("vasterbotten_delarsrapport_2021_08.xlsx", "Balanskravsutredning"),
    ("vasterbotten_delarsrapport_2021_08.xlsx", "Driftredovisning"),
    ("vasterbotten_delarsrapport_2021_08.xlsx", "Prognos"),
    ("vasternorrland_regionplan_2020_2022.xlsx", "Resursramar"),
]


UDF_CALL = re.compile(r"^\s*(BALANSKRAV|BALANSKRAV_UTREDNING|ATERSTALLNING|RESERV\w*|UPPRAKNING\w*|OMSTALLNING\w*)\s*\(", re.I)


def udf_cells_as_values(pkg: Package, sheet: str) -> Package:
    """The xlwings function cells of ``sheet`` (and their spill ranges) as plain values."""
    from openpyxl.utils.cell import get_column_letter, range_boundaries

    from xlmodel.xlsx.patch import CellWrite, patch_sheet
    from xlmodel.xlsx.reader import read_cells

    cells = read_cells(pkg, sheet)
    xml = pkg.part(pkg.sheet_part(sheet)).decode("utf-8")
    arrays = dict(re.findall(r'<c r="([A-Z]+[0-9]+)"[^>]*>\s*<f t="array" ref="([A-Z0-9:]+)"', xml))
    writes = {}
    for ref, cell in cells.items():
        if cell.formula and UDF_CALL.match(cell.formula):
            area = arrays.get(ref, f"{ref}:{ref}")
            c1, r1, c2, r2 = range_boundaries(area if ":" in area else f"{area}:{area}")
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    at = f"{get_column_letter(c)}{r}"
                    writes[at] = CellWrite(at, cells[at].value if at in cells else None)
    return patch_sheet(pkg, sheet, list(writes.values()), full_calc_on_load=False) if writes else pkg


def only_sheet(src: Path, sheet: str, target: Path) -> None:
    """A copy of ``src`` in which every sheet but ``sheet`` is hidden and ``sheet`` is active."""
    pkg = udf_cells_as_values(Package.open(src), sheet)
    part = pkg.workbook_part
    xml = pkg.part(part).decode("utf-8")
    names = [s.name for s in pkg.sheets]
    index = names.index(sheet)

    def hide(m: re.Match[str]) -> str:
        tag = re.sub(r'\s+state="[^"]*"', "", m.group(0))
        name = re.search(r'name="([^"]*)"', tag).group(1)
        return tag if name == sheet else tag.replace("<sheet ", '<sheet state="hidden" ', 1)

    xml = re.sub(r"<sheet\b[^>]*?/>", hide, xml)
    xml = re.sub(r'activeTab="\d+"', f'activeTab="{index}"', xml)
    if "activeTab=" not in xml:
        xml = xml.replace("<workbookView ", f'<workbookView activeTab="{index}" ', 1)
    target.write_bytes(pkg.with_parts({part: xml.encode("utf-8")}).to_bytes())


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="xlmodel-docs-") as tmp:
        for book, sheet in PICTURES:
            src = ROOT / "workbooks" / book
            if not src.exists():
                print(f"saknas: {src}", file=sys.stderr)
                return 2
            stem = f"{src.stem}-{sheet.lower()}"
            copy = Path(tmp) / f"{stem}{src.suffix}"
            only_sheet(src, sheet, copy)
            pages = render_png(copy, Path(tmp) / "png", dpi=80, recalc=False)
            for old in OUT.glob(f"{stem}*.png"):
                old.unlink()
            for i, page in enumerate(pages, start=1):
                target = OUT / (f"{stem}.png" if i == 1 else f"{stem}-{i}.png")
                shutil.copyfile(page, target)
                written.append(target)
    for p in written:
        print(p.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
