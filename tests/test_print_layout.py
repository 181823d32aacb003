"""Every shipped workbook, and one built by `xlmodel bygg` from a controller's own inputs,
prints fit to send: LibreOffice prints each to PDF (Swedish locale, Carlito for Calibri,
as `make test` installs them) and the pages are measured.

- each printed sheet's scale is at least ``print_setup.MIN_PRINT_SCALE`` %: in the file,
  and measured on every page (the printed width of the page header's words against
  Carlito's advance widths at 11 pt);
- every page has the header (document, sheet) and the footer (date, "Sida x av y");
- the ``xlwings.conf`` sheet is hidden and no page shows it;
- no chart crosses a page break: on the page with a chart's title, all its category and
  series labels are printed below the title;
- no header or label is wider than its cell (measured with the font file LibreOffice
  prints with, not with the builder's own table): text that does not wrap fits in its
  cell and the empty cells to its right; text that wraps fits word by word and its
  lines fit the row.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from xlmodel.testing.fonts import font_file, read_font
from xlmodel.testing.libreoffice import convert, find_soffice
from xlmodel.workbook.print_setup import MIN_PRINT_SCALE, number_text

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "workbooks").glob("*.xls[xm]"))
CONF = "xlwings.conf"
CHARS = "".join(chr(c) for c in range(0x20, 0x7F)) + "".join(chr(c) for c in range(0xA0, 0x100)) + "–—‘’“”…−€§"
PADDING_PX = 3          # what a cell keeps free beside its text, both programs about 2 px a side
LINE_PT_PER_PT = 15 / 11  # one wrapped line of 11 pt text needs 15 pt of row (Excel's default row)

pytestmark = pytest.mark.libreoffice


def _need(what: str, ok: bool, install: str) -> None:
    if ok:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} saknas i CI: `make test` ska installera det ({install})")
    pytest.skip(f"{what} is not installed here; `make test` installs it ({install})")


@pytest.fixture(scope="module")
def fonts():
    regular, bold = font_file("Calibri"), font_file("Calibri:bold")
    _need("Carlito", bool(regular and "carlito" in regular.name.lower()), "fonts-crosextra-carlito")
    italic, bold_italic = font_file("Calibri:italic"), font_file("Calibri:bold:italic")
    return {(False, False): read_font(regular, CHARS), (True, False): read_font(bold, CHARS),
            (False, True): read_font(italic, CHARS), (True, True): read_font(bold_italic, CHARS)}


@pytest.fixture(scope="module")
def own_book(tmp_path_factory) -> Path:
    """A controller's own workbook: the regionplan's inputs with a new nämnd with a long
    name, built by the CLI as a user builds it."""
    src = tmp_path_factory.mktemp("src")
    folder = src / "egen_plan"
    shutil.copytree(ROOT / "workbooks" / "src" / "vasterbotten_regionplan_2021", folder)
    toml = (folder / "bok.toml").read_text(encoding="utf-8")
    toml = toml.replace('file = "vasterbotten_regionplan_2021.xlsm"', 'file = "egen_plan.xlsx"')
    toml = re.sub(r'(?m)^title = .*$', 'title = "Region Exempel – Budget 2021 & plan"', toml)
    toml = re.sub(r'(?m)^source = .*$', 'source = "Region Exempel, Budget 2021, avsnitt 4 Ramar per nämnd"', toml)
    (folder / "bok.toml").write_text(toml, encoding="utf-8")
    with (folder / "ramar.csv").open("a", encoding="utf-8") as f:
        f.write("KULT,Nämnden för kultur och folkbildning i hela länet samt regional utveckling,,12.5,,ja,1\n")
    with (folder / "publicerat.csv").open("a", encoding="utf-8") as f:
        f.write("KULT,,,,,\n")
    out = tmp_path_factory.mktemp("built")
    done = subprocess.run([sys.executable, "-m", "xlmodel", "bygg", str(src), "--ut", str(out)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return out / "egen_plan.xlsx"


@pytest.fixture(scope="module")
def new_plan_book(tmp_path_factory) -> Path:
    """A kommun's plan made by `xlmodel ny` (six nämnder, no deficit: two charts on Diagram)."""
    out = tmp_path_factory.mktemp("ny") / "exempel_kommun_budget_2026.xlsx"
    args = ["ny", "--kommun", "--namn", "Exempel kommun", "--ar", "2026", "--index", "2,9 %",
            "--indexkalla", "SKR:s prognos för PKV, augusti 2025", "--skatteintakter", "2150", "--statsbidrag", "640,5",
            "--omstallning", "SN=6", "--overforing", "KS:BUN=2,5", "--ut", str(out)]
    for name, frame in (("Kommunstyrelsen", "182,5"), ("Barn- och utbildningsnämnden", "1210"), ("Socialnämnden", "845"),
                        ("Kultur- och fritidsnämnden", "64,2"), ("Samhällsbyggnadsnämnden", "118"),
                        ("Miljö- och byggnadsnämnden", "21,4")):
        args += ["--namnd", f"{name}={frame}"]
    done = subprocess.run([sys.executable, "-m", "xlmodel", *args], capture_output=True, text=True, cwd=ROOT,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def books(own_book, new_plan_book) -> list[Path]:
    return [*SHIPPED, own_book, new_plan_book]


@pytest.fixture(scope="module")
def pages(books, tmp_path_factory) -> dict[Path, list[dict]]:
    """Per book, its printed pages: {"text": str, "words": [(x0, y0, x1, y1, word)]}."""
    _need("LibreOffice (soffice)", find_soffice() is not None, "libreoffice-calc-nogui")
    _need("pdftotext", shutil.which("pdftotext") is not None, "poppler-utils")
    out = tmp_path_factory.mktemp("pdf")
    pdfs = convert(books, out, fmt="pdf", recalc=False)
    result = {}
    for book, pdf in pdfs.items():
        xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        book_pages = []
        for page in re.findall(r"<page [^>]*>(.*?)</page>", xml, re.S):
            words = [(float(a), float(b), float(c), float(d), _unescape(w)) for a, b, c, d, w in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', page)]
            # A drawing that goes on below the page is in the page's content too, clipped
            # away: only what is printed above the footer line is on the page.
            # The body is what lies between the header line and the footer line.
            footer = max((w[1] for w in words if w[4] == "Utskrivet"), default=None)
            header = min((w[1] for w in words), default=0)
            header_bottom = max((w[3] for w in words if abs(w[1] - header) < 2), default=0)
            body = [w for w in words if w[1] >= header_bottom and (footer is None or w[3] <= footer)]
            book_pages.append({"words": words, "body": body, "text": " ".join(w[4] for w in words)})
        result[book] = book_pages
    return result


def _unescape(s: str) -> str:
    return s.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'")


def _visible_sheets(path: Path) -> list[str]:
    wb = load_workbook(path)
    return [ws.title for ws in wb.worksheets if ws.sheet_state == "visible"]


def _title(path: Path) -> str:
    return load_workbook(path).properties.title


def _page_sheet(page: dict, sheets: list[str]) -> str | None:
    top = min((w[1] for w in page["words"]), default=0)
    first = " ".join(w[4] for w in sorted(page["words"], key=lambda w: w[0]) if abs(w[1] - top) < 2)
    return next((s for s in sorted(sheets, key=len, reverse=True) if first.endswith(s)), None)


def test_there_is_a_built_book_besides_the_shipped(books):
    assert len(books) == len(SHIPPED) + 2 >= 5


def test_every_page_has_the_header_and_the_footer(books, pages):
    for book in books:
        title = _title(book)
        sheets = _visible_sheets(book)
        seen = set()
        for n, page in enumerate(pages[book], start=1):
            sheet = _page_sheet(page, sheets)
            assert sheet is not None, (book.name, n, page["text"][:120])
            assert page["text"].startswith(title.replace("&", "&")), (book.name, n, page["text"][:120])
            assert re.search(r"Utskrivet \d{4}-\d{2}-\d{2}", page["text"]), (book.name, n)
            assert re.search(r"Sida \d+ av \d+", page["text"]), (book.name, n)
            seen.add(sheet)
        assert seen == set(sheets), (book.name, set(sheets) - seen)  # every visible sheet printed


def test_xlwings_conf_is_hidden_and_never_printed(books, pages):
    for book in books:
        wb = load_workbook(book)
        assert wb[CONF].sheet_state == "hidden", book.name
        assert wb[CONF]["A6"].value == "UDF Modules" and wb[CONF]["B6"].value == "udfs"  # still there to read
        for page in pages[book]:
            assert "Interpreter_Win" not in page["text"] and "UDF Modules" not in page["text"], book.name


def test_print_scale_is_at_least_the_minimum_in_the_file_and_on_paper(books, pages, fonts):
    regular = fonts[(False, False)]
    for book in books:
        for ws in load_workbook(book).worksheets:
            if ws.sheet_state != "visible":
                continue
            assert not ws.sheet_properties.pageSetUpPr or not ws.sheet_properties.pageSetUpPr.fitToPage, (book.name, ws.title)
            assert ws.page_setup.scale is None or ws.page_setup.scale >= MIN_PRINT_SCALE, (book.name, ws.title)
            assert ws.print_area, (book.name, ws.title)
        for n, page in enumerate(pages[book], start=1):
            top = min(w[1] for w in page["words"])
            header = [w for w in page["words"] if abs(w[1] - top) < 2 and len(w[4]) >= 4]
            ratios = sorted((w[2] - w[0]) / regular.width_pt(w[4], 11) for w in header)
            measured = ratios[len(ratios) // 2]
            # pdftotext's boxes leave out the side bearings: about 0.5 % short of the true scale.
            assert measured >= MIN_PRINT_SCALE / 100 - 0.01, (book.name, n, measured)


def _charts(path: Path) -> dict[str, list[dict]]:
    """Per sheet name, its charts: title, series names and category labels (cached)."""
    z = zipfile.ZipFile(path)
    wbxml = z.read("xl/workbook.xml").decode()
    rels = z.read("xl/_rels/workbook.xml.rels").decode()
    target = dict(re.findall(r'Id="(rId\d+)"[^>]*Target="([^"]+)"', rels)) | {
        a: b for b, a in re.findall(r'Target="([^"]+)"[^>]*Id="(rId\d+)"', rels)}
    out: dict[str, list[dict]] = {}
    for name, rid in re.findall(r'<sheet name="([^"]+)"[^>]*r:id="(rId\d+)"', wbxml):
        sheet_part = "xl/" + target[rid].lstrip("/").removeprefix("xl/")
        rel_part = sheet_part.replace("worksheets/", "worksheets/_rels/") + ".rels"
        if rel_part not in z.namelist():
            continue
        for drawing in re.findall(r'Target="\.\./drawings/([^"]+)"', z.read(rel_part).decode()):
            drels = f"xl/drawings/_rels/{drawing}.rels"
            if drels not in z.namelist():
                continue
            for chart in re.findall(r'Target="\.\./charts/([^"]+)"', z.read(drels).decode()):
                xml = z.read(f"xl/charts/{chart}").decode()
                title = " ".join(re.findall(r"<a:t>([^<]*)</a:t>", xml.split("</c:title>")[0]))
                series = [re.findall(r"<c:v>([^<]*)</c:v>", tx)[0] for tx in re.findall(r"<c:tx>(.*?)</c:tx>", xml, re.S)
                          if "<c:v>" in tx]
                cats = []
                for cat in re.findall(r"<c:cat>(.*?)</c:cat>", xml, re.S)[:1]:
                    cats = re.findall(r"<c:v>([^<]*)</c:v>", cat)
                if "<c:legend>" not in xml:
                    series = []  # no legend: the series names are not printed
                out.setdefault(name, []).append({"title": _unescape(title), "labels": [_unescape(s) for s in series + cats]})
    return out


def test_no_chart_crosses_a_page_break(books, pages):
    """A chart is whole on a page when, between that page's header and footer, its title is
    printed with every one of its labels below it. (A PDF page also holds the clipped-away
    parts of drawings that go on past its edges, hence "between header and footer".)"""
    checked = 0
    for book in books:
        sheets = _visible_sheets(book)
        for sheet, charts in _charts(book).items():
            sheet_pages = [p for p in pages[book] if _page_sheet(p, sheets) == sheet]
            for chart in charts:
                words_needed = [w for label in chart["labels"] for w in label.split()]
                whole = []
                for page in sheet_pages:
                    # A long title may wrap in the chart: its first three words are on one line.
                    opening = " ".join(chart["title"].split()[:3])
                    for title in (w for w in page["body"] if opening in _line_at(page["body"], w[1])):
                        below = {x[4] for x in page["body"] if x[1] > title[3] - 1}
                        if all(w in below for w in words_needed):
                            whole.append(page)
                            break
                assert whole, (book.name, sheet, chart["title"], words_needed)
                checked += 1
    assert checked >= 3 + 3 + 2  # the regionplan's three charts, shipped and own; Västernorrland's panels


def _line_at(words: list, y: float) -> str:
    return " ".join(w[4] for w in sorted(words, key=lambda w: w[0]) if abs(w[1] - y) < 2)


def _cell_text(cell) -> str:
    v = cell.value
    if v is None:
        return ""
    if isinstance(v, bool):
        return "SANT" if v else "FALSKT"
    if isinstance(v, (int, float)):
        fmt = cell.number_format or "General"
        return number_text(v, fmt) if fmt != "General" else f"{v:g}".replace(".", ",")
    return str(v)


def _col_px(ws, col_letter: str) -> float:
    for dim in ws.column_dimensions.values():
        if dim.min and dim.max and dim.min <= _index(col_letter) <= dim.max and dim.width:
            return round(dim.width * 7)
    return 64.0


def _index(letter: str) -> int:
    n = 0
    for ch in letter:
        n = n * 26 + ord(ch) - 64
    return n


def _wrapped_lines(metrics, text: str, size: float, width_px: float) -> int:
    lines = 0
    for para in text.split("\n"):
        lines += 1
        current = ""
        for word in para.split(" "):
            trial = f"{current} {word}" if current else word
            if current and metrics.width_pt(trial, size) * 96 / 72 + PADDING_PX > width_px:
                lines += 1
                current = word
            else:
                current = trial
    return lines


def test_no_header_or_label_is_wider_than_its_cell(books, fonts):
    from openpyxl.utils.cell import get_column_letter, range_boundaries

    checked = 0
    for book in books:
        wb = load_workbook(book, data_only=True)  # formulas as the value they show
        for ws in wb.worksheets:
            if ws.sheet_state != "visible":
                continue
            c1, r1, c2, r2 = range_boundaries(str(ws.print_area).split("!")[-1].replace("$", ""))
            for row in ws.iter_rows(min_row=r1, max_row=r2, min_col=c1, max_col=c2):
                for cell in row:
                    text = _cell_text(cell)
                    if not text:
                        continue
                    font = cell.font
                    metrics = fonts[(bool(font.b), bool(font.i))]
                    size = float(font.sz or 11)
                    width = _col_px(ws, cell.column_letter)
                    where = (book.name, ws.title, cell.coordinate, text)
                    if cell.alignment.wrap_text:
                        for word in text.split():
                            assert metrics.width_pt(word, size) * 96 / 72 + PADDING_PX <= width, where
                        height = ws.row_dimensions[cell.row].height or 15
                        lines = _wrapped_lines(metrics, text, size, width)
                        assert lines * size * LINE_PT_PER_PT <= height + 1, (*where, lines, height)
                    else:
                        room = width
                        numeric = isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool)
                        c = cell.column + 1
                        while not numeric and c <= c2 and ws.cell(cell.row, c).value in (None, ""):
                            room += _col_px(ws, get_column_letter(c))  # text runs on into empty cells
                            c += 1
                        assert metrics.width_pt(text, size) * 96 / 72 + PADDING_PX <= room, (*where, room)
                    checked += 1
    assert checked > 500


def test_the_own_books_chart_shows_the_new_namnd(own_book):
    """The chart ranges follow the table: a nämnd added to the inputs is in every chart."""
    charts = _charts(own_book)["Diagram"]
    frames = next(c for c in charts if c["title"].startswith("Budgetram per nämnd"))
    assert "Nämnden för kultur och folkbildning i hela länet samt regional utveckling" in frames["labels"]
