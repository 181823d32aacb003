"""Render the pictures in docs/ from the shipped workbooks (`make docs-images`).

Each workbook in workbooks/ is printed whole, as it is, by LibreOffice (headless,
Debian's libreoffice-calc-nogui, a throw-away profile with the Swedish locale sv-SE, so
"8 598,2"), to one PDF; each page goes to PNG (pdftoppm). A page belongs to the sheet its
page header names (every built sheet prints "document … sheet" at the top), so the
pictures are exactly the pages a controller gets from "Skriv ut hela arbetsboken":
NAME-SHEET.png, then NAME-SHEET-2.png … for further pages of that sheet. Nothing in the
file is changed or replaced: cells with the add-in's functions (=ATERSTALLNING(),
=BALANSKRAV_UTREDNING()) show #NAME? because LibreOffice cannot run them, and the
captions in docs/workbooks.md say so. LibreOffice opens the file with "never
recalculate" (its default), so every other cell shows the value stored in the file.

``python scripts/render_docs_images.py --fore DIR`` renders the workbooks in DIR (copies
of the files as they were before a layout change) as NAME-SHEET-fore.png, the first
page of each sheet; files without page headers are printed sheet by sheet (the other
sheets hidden in a temporary copy) to tell the pages apart.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from xlmodel.testing.libreoffice import render_pdf
from xlmodel.xlsx.package import Package

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "images"
DPI = 80

# Sheets shown in the docs, per workbook (every page of each).
PICTURES = {
    "vasterbotten_regionplan_2021.xlsm": ("Ramtabell", "Resultatbudget", "Balanskrav", "Diagram"),
    "vasterbotten_delarsrapport_2021_08.xlsm": ("Balanskravsutredning", "Driftredovisning", "Prognos"),
    "vasternorrland_regionplan_2020_2022.xlsx": ("Resursramar", "Återställning"),
}


def _slug(sheet: str) -> str:
    return sheet.lower().replace("å", "a").replace("ä", "a").replace("ö", "o")


def page_sheets(pdf: Path, sheets: list[str]) -> list[str | None]:
    """The sheet each page of ``pdf`` prints, read from the page header's last word."""
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    found: list[str | None] = []
    for page in out.split("\f")[:-1] if out.endswith("\f") else out.split("\f"):
        first = next((line.strip() for line in page.splitlines() if line.strip()), "")
        found.append(next((s for s in sorted(sheets, key=len, reverse=True) if first.endswith(s)), None))
    return found


def _png(pdf: Path, page: int, target: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="xlmodel-png-") as tmp:
        subprocess.run(["pdftoppm", "-png", "-r", str(DPI), "-f", str(page), "-l", str(page), "-singlefile",
                        str(pdf), str(Path(tmp) / "p")], check=True, capture_output=True)
        shutil.copyfile(Path(tmp) / "p.png", target)


def only_sheet(src: Path, sheet: str, target: Path) -> None:
    """A copy of ``src`` in which every sheet but ``sheet`` is hidden (for files whose
    pages carry no header naming the sheet); the cells are not touched."""
    pkg = Package.open(src)
    part = pkg.workbook_part
    xml = pkg.part(part).decode("utf-8")
    index = [s.name for s in pkg.sheets].index(sheet)

    def hide(m: re.Match[str]) -> str:
        tag = re.sub(r'\s+state="[^"]*"', "", m.group(0))
        name = re.search(r'name="([^"]*)"', tag).group(1)
        return tag if name == sheet else tag.replace("<sheet ", '<sheet state="hidden" ', 1)

    xml = re.sub(r"<sheet\b[^>]*?/>", hide, xml)
    xml = re.sub(r'activeTab="\d+"', f'activeTab="{index}"', xml)
    if "activeTab=" not in xml:
        xml = xml.replace("<workbookView ", f'<workbookView activeTab="{index}" ', 1)
    target.write_bytes(pkg.with_parts({part: xml.encode("utf-8")}).to_bytes())


def render_book(src: Path, sheets: tuple[str, ...], out: Path, tmp: Path, *, suffix: str = "",
                first_page_only: bool = False) -> list[Path]:
    written: list[Path] = []
    names = [s.name for s in Package.open(src).sheets]
    pdf = render_pdf(src, tmp / "pdf", recalc=False)
    per_page = page_sheets(pdf, names)
    for sheet in sheets:
        stem = f"{src.stem}-{_slug(sheet)}"
        pages = [i + 1 for i, s in enumerate(per_page) if s == sheet]
        source_pdf = pdf
        if not pages:  # no page headers: print the sheet alone
            copy = tmp / f"{stem}{src.suffix}"
            only_sheet(src, sheet, copy)
            source_pdf = render_pdf(copy, tmp / "single", recalc=False)
            pages = list(range(1, len(page_sheets(source_pdf, [])) + 1))
        if first_page_only:
            pages = pages[:1]
        for old in out.glob(f"{stem}{suffix}.png"):
            old.unlink()
        if not suffix:
            for old in out.glob(f"{stem}-[0-9]*.png"):
                old.unlink()
        for i, page in enumerate(pages, start=1):
            target = out / (f"{stem}{suffix}.png" if i == 1 else f"{stem}{suffix}-{i}.png")
            _png(source_pdf, page, target)
            written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fore", type=Path, help="mapp med arbetsböckerna före en ändring: bilder NAMN-BLAD-fore.png")
    args = ap.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    source_dir = args.fore or ROOT / "workbooks"
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="xlmodel-docs-") as tmp:
        for book, sheets in PICTURES.items():
            src = source_dir / book
            if not src.exists():
                print(f"saknas: {src}", file=sys.stderr)
                return 2
            work = Path(tmp) / src.stem
            work.mkdir()
            written += render_book(src, sheets, OUT, work, suffix="-fore" if args.fore else "",
                                   first_page_only=bool(args.fore))
    for p in written:
        print(p.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
