"""The builder's house styles (``book.Book.styles``) as appendable cell styles.

``xlmodel anslut`` styles its new sheets as ``xlmodel bygg`` styles a built book: the
same keys (``amount``, ``input_amount``, ``header``, …) and the same number formats from
``layout`` (mkr with a dash for zero, percentages, years), appended to the team's
styles part by ``xlsx.new_styles``. (The builder's cell borders under a header row are
left out: the table styles of Excel draw them.)
"""

from __future__ import annotations

from xlmodel.workbook import layout as L
from xlmodel.xlsx.new_styles import CellStyle

INPUT = "FFF2CC"   # the yellow of an input cell
GREY = "595959"

HOUSE: dict[str, CellStyle] = {
    "title": CellStyle(bold=True, size=14),
    "subtitle": CellStyle(italic=True, color=GREY),
    "header": CellStyle(bold=True, fill="DDEBF7", wrap=True),
    "table_header": CellStyle(bold=True, wrap=True),
    "text": CellStyle(),
    "id": CellStyle(color="808080"),
    "label": CellStyle(bold=True),
    "label_varav": CellStyle(italic=True, indent=1),
    "label_sum": CellStyle(bold=True, top_border=True),
    "amount": CellStyle(num_format=L.MKR_FORMAT),
    "amount2": CellStyle(num_format=L.MKR2_FORMAT),
    "amount_bold": CellStyle(num_format=L.MKR_FORMAT, bold=True),
    "amount_varav": CellStyle(num_format=L.MKR_FORMAT, italic=True),
    "amount_sum": CellStyle(num_format=L.MKR_FORMAT, bold=True, top_border=True),
    "rate": CellStyle(num_format=L.PCT_FORMAT),
    "pct1": CellStyle(num_format=L.PCT1_FORMAT),
    "year": CellStyle(num_format=L.YEAR_FORMAT),
    "int": CellStyle(num_format="0"),
    "input_amount": CellStyle(num_format=L.MKR_FORMAT, fill=INPUT),
    "input_rate": CellStyle(num_format=L.PCT_FORMAT, fill=INPUT),
    "input_pct1": CellStyle(num_format=L.PCT1_FORMAT, fill=INPUT),
    "input_year": CellStyle(num_format=L.YEAR_FORMAT, fill=INPUT),
    "input_text": CellStyle(fill=INPUT),
    "input_wrap": CellStyle(fill=INPUT, wrap=True),
    "note": CellStyle(italic=True, color=GREY, wrap=True),
}


def input_style(col: L.Col | L.Param) -> str:
    """The style of an input cell of ``col``'s kind, as ``book.Book.input_table`` picks it."""
    own = getattr(col, "style", "")
    return own or {"amount": "input_amount", "rate": "input_rate", "year": "input_year", "int": "int",
                   "places": "int"}.get(col.kind, "input_text")
