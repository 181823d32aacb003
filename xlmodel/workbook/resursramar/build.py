"""``xlmodel bygg`` of a resursramar workbook: the sheets, the input tables with their
drop-down lists, every computed cell (``cells.compute``), the blocks' defined names, the frame
charts in panels, and the Info sheet's instructions.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from xlmodel.errors import InputError
from xlmodel.money import ZERO, parse_amount
from xlmodel.workbook.resursramar import layout as R
from xlmodel.workbook.resursramar import charts as RC
from xlmodel.workbook.layout import SHEET_INFO
from xlmodel.workbook.resursramar.reading import Inputs, inputs_from_source
from xlmodel.workbook.resursramar.cells import compute




def build_resursramar(source, path: Path) -> None:
    from xlmodel.workbook.book import Book

    meta = source.meta
    inp = inputs_from_source(source)
    comp = compute(inp)
    book = Book(path, title=meta["title"])
    book.styles["factor"] = book.wb.add_format({"font_name": "Calibri", "font_size": 11, "num_format": "0.0000", "valign": "top"})
    for name in R.SHEETS:
        book.sheet(name)
    _info_sheet(book, meta)

    s = R.SHEET_PARAMS
    book.title(s, R.PARAMS_LAYOUT.title, R.PARAMS_LAYOUT.subtitle)
    for p in R.PARAMS:
        book.param(p, inp.params[p.name])
    book.widths(R.PARAMS_LAYOUT)
    book.write(s, f"A{R.PLANAR_LABEL_ROW}", "Uppräkning och reduktion per år", "label")
    book.input_table(R.PLANAR_TABLE, inp.planar.rows)

    frames_spec = inp.frames.spec
    book.input_table(frames_spec, inp.frames.rows)
    flag = frames_spec.first_col - 1 + [c.key for c in frames_spec.columns].index("reduced")
    book.sheet(frames_spec.sheet).data_validation(
        frames_spec.header_row, flag, frames_spec.header_row + 500, flag,
        {"validate": "list", "source": [R.REDUCED_YES, R.REDUCED_NO]},
    )
    book.sheet(frames_spec.sheet).freeze_panes(frames_spec.header_row, 2)

    fspec = R.FOOTNOTES_TABLE
    book.input_table(fspec, inp.footnotes.rows)
    kind = fspec.first_col - 1 + [c.key for c in fspec.columns].index("kind")
    book.sheet(fspec.sheet).data_validation(
        fspec.header_row, kind, fspec.header_row + 500, kind, {"validate": "list", "source": list(R.FOOTNOTE_KINDS)},
    )
    book.input_table(R.RESULTS_TABLE, inp.results.rows)
    book.input_table(R.OPENING_TABLE, inp.opening.rows)

    for sheet, cell in comp.cells:
        book.write(sheet, cell.ref, cell.value, cell.style, cell.formula)
    for b in comp.blocks:
        book.name_block(b.name, b.sheet, b.ref)
    _frames_chart(book, inp)
    book.conf_sheet()
    book.close()




def _frames_chart(book, inp: Inputs) -> None:
    """Frame development per nämnd over the years (a line per nämnd), under the table, in
    two panels on linear axes: the large nämnder, and the small ones beside their own
    scale (a logarithmic axis reads wrongly for money: equal steps are equal ratios).

    It reads the input table's year columns ("Resursram 2019" …) row by row, so it shows
    what the plan decided; ``regenerate`` redraws the series and the number of panels
    after a nämnd is added or removed (``resursramar.charts``), a new year needs
    ``xlmodel bygg`` to widen it."""
    spec = inp.frames.spec
    headers = [c.header for c in spec.columns]
    year_cols = [i for i, h in enumerate(headers) if h.startswith("Resursram ")]
    if not year_cols:
        return
    c_first, c_last = spec.first_col - 1 + year_cols[0], spec.first_col - 1 + year_cols[-1]
    label_col = spec.first_col - 1 + [c.key for c in spec.columns].index("label")
    last_key = spec.columns[year_cols[-1]].key
    hr = spec.header_row - 1
    rows = [(hr + 1 + i, row) for i, row in enumerate(inp.frames.rows) if not str(row.get("parent") or "").strip()]
    if not rows:
        return  # nämnder only; varav rows would double-count

    def size(row) -> Decimal:
        try:
            return abs(parse_amount(row.get(last_key), argument=last_key, blank=ZERO))
        except InputError:
            return ZERO

    # Panels by size, by the rule regenerate redraws them with (resursramar_charts).

    by_row = dict(rows)
    panels = [[(r, by_row[r]) for r in panel] for panel in RC.frame_panels([(r, size(row)) for r, row in rows])]
    top = hr + len(inp.frames.rows) + 10
    for i, panel in enumerate(panels):
        title = RC.TITLE_FIRST if i == 0 else RC.TITLE_SMALLER
        chart = book.wb.add_chart({"type": "line"})
        for r, _row in panel:
            chart.add_series({
                "name": [spec.sheet, r, label_col],
                "categories": [spec.sheet, hr, c_first, hr, c_last],
                "values": [spec.sheet, r, c_first, r, c_last],
                "marker": {"type": "circle"},
            })
        chart.set_title({"name": title})
        chart.set_y_axis({"num_format": "#,##0", "name": "mkr", "major_gridlines": {"visible": True}})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 760, "height": 320})
        book.sheet(spec.sheet).insert_chart(f"B{top}", chart)
        top += 18  # 320 px is 16 rows of 20 px: the next panel below, not on top of it


def _info_sheet(book, meta: dict[str, Any]) -> None:
    s = SHEET_INFO
    book.title(s, meta["title"], meta.get("source", ""))
    lines = [
        "Så här används arbetsboken",
        "Parametrar: planperiod, generell reduktion per år (additiv: 1 %, 2 %, 3 %) och uppräkning per år.",
        "Resursramar: beslutade ramar per nämnd med varav-rader. Kolumnen 'Generell reduktion' anger vilka rader som",
        "   reduceras (verksamheterna utanför vården). Oreducerad ram = ram sista året / (1 − ackumulerad reduktion);",
        "   tidigare års ramar återräknas med uppräkningen. Summaraden stäms av mot planens Summa.",
        "Fotnoter: fotnoternas belopp; reduktionerna stäms av mot regeln, överföringarna ska gå jämnt ut och",
        "   reduktioner + avkastningskrav + centrala kostnadsreduceringar mot planens beslutade nettokostnadsreduceringar.",
        "Återställning: balanskravsresultat per år och ingående underskott; återställningen beräknas per underskott",
        "   (KL 11 kap. 12 §, äldsta först) och skrivs som värden.",
        "Kontrollera med 'xlmodel validera <fil>': varje beräknad cell jämförs med reglerna; planens egna avvikelser",
        "   redovisas som varningar på cellen de gäller.",
        "Belopp i miljoner kronor (mkr), löpande priser. Beräknade celler avrundas inte; jämförelser mot tryckta",
        "   belopp görs med deras antal decimaler (avrundning halvt uppåt, som Excels AVRUNDA).",
    ]
    for i, line in enumerate(lines):
        book.write(s, f"A{4 + i}", line, "label" if i == 0 else "text")
    book.widths(R.INFO_LAYOUT)
