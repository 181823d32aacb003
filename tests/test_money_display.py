"""money.fmt_figure / fmt_percent: the one way the CLI and the messages print a number."""

from decimal import Decimal as D

import pytest

from xlmodel.money import decimals_text, fmt_figure, fmt_percent


@pytest.mark.parametrize("value, places, max_places, shown", [
    (D("136.539518"), None, None, "136,54"),                      # a computed sum: two decimals
    (D("0.005503144654088050314465408805"), None, None, "0,0055"),  # below 1: up to four
    (D("3281.1724"), None, 4, "3 281,1724"),
    (D("336.0"), None, None, "336,0"),                            # the figure's own decimals
    (D("-8598"), None, None, "−8 598"),
    (158.0, None, None, "158"),                                   # Excel's float for 158
    (16.86, None, None, "16,86"),
    (D("1E+3"), None, None, "1 000"),
    (D("1E+28"), None, 4, "10 000 000 000 000 000 000 000 000 000"),
    (D("12.75"), 1, None, "12,8"),                                # half up
    (None, None, None, ""),
    ("text", None, None, "text"),
])
def test_fmt_figure(value, places, max_places, shown):
    assert fmt_figure(value, places, max_places=max_places) == shown


@pytest.mark.parametrize("rate, shown", [
    (D("0.0199"), "1,99 %"), (D("-0.01"), "−1 %"), (D("-0.004"), "−0,4 %"), (D("0.0055031446"), "0,55 %"),
    (0.019, "1,9 %"),
])
def test_fmt_percent(rate, shown):
    assert fmt_percent(rate) == shown


def test_decimals_text():
    assert [decimals_text(n) for n in (0, 1, 2)] == ["0 decimaler", "1 decimal", "2 decimaler"]
