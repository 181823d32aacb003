"""The fast paths of the session-5 performance round (bench/EXPLANATION.md, changes 32-36)
give what the general paths give.

- ``money.fmt_figure`` of a Decimal (its fast path for the change list of a regenerate)
  equals the general path, which a Decimal subclass still takes;
- ``owned_blocks._row_col`` equals ``_split`` reversed, errors included;
- ``limits.read_part_bounded_into`` (a lazy package's parts that are checked and dropped)
  gives the bytes and the refusals of ``read_part_bounded``, on damaged zips too;
- a lazy open of a workbook whose big parts are damaged refuses it as an eager open does.
"""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlmodel.errors import WorkbookError
from xlmodel.money import fmt_figure
from xlmodel.workbook.owned_blocks import _row_col, _split
from xlmodel.xlsx.limits import DEFAULT_LIMITS, Limits, read_part_bounded, read_part_bounded_into
from xlmodel.xlsx.package import Package

REPO = Path(__file__).resolve().parent.parent
SHIPPED = sorted((REPO / "workbooks").glob("*.xls[xm]"))


class _General(Decimal):
    """A Decimal that fmt_figure's fast path (``type(x) is Decimal``) leaves to the general path."""


decimal_texts = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.tuples(st.integers(min_value=-(10**30), max_value=10**30), st.integers(min_value=-3, max_value=40)).map(
        lambda t: str(Decimal(t[0]).scaleb(-t[1]))),
    st.sampled_from(["0", "-0", "0.000", "-0.00000", "0.005", "0.00005", "-0.00005", "0.99995", "1.005",
                     "-1.005", "999.995", "1000.004", "1E+3", "1.00E+2", "5E-1", "1E-30", "3281.17",
                     "12345678901234567890123456789.5", "1234567890123456789012345.12345", "NaN", "-Infinity"]),
)


@given(decimal_texts)
@settings(max_examples=600, deadline=None)
def test_fmt_figure_fast_path_is_the_general_path(text: str) -> None:
    assert fmt_figure(Decimal(text)) == fmt_figure(_General(text))


def _outcome(f, *args):
    try:
        return "ok", f(*args)
    except Exception as exc:  # noqa: BLE001 - the type and message are what is compared
        return type(exc).__name__, str(exc)


refs = st.one_of(
    st.tuples(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=3),
              st.integers(min_value=0, max_value=2_000_000)).map(lambda t: f"{t[0]}{t[1]}"),
    st.text("ABCXYZabc$0123456789\n١ ", min_size=0, max_size=8),
    st.sampled_from(["A1", "XFD1048576", "ZZZ1", "A01", "a1", "$A$1", "A1\n", "A0", "ABCD1", "B١", ""]),
)


@given(refs)
@settings(max_examples=600, deadline=None)
def test_row_col_is_split_reversed(ref: str) -> None:
    fast = _outcome(_row_col, ref)
    general = _outcome(lambda r: tuple(reversed(_split(r))), ref)
    assert fast == general


def _zip(parts: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _damaged(data: bytes, at: int, byte: int) -> bytes:
    out = bytearray(data)
    out[at % len(out)] = byte
    return bytes(out)


def _reads(data: bytes, limits: Limits, piece: int) -> list[tuple]:
    got = []
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return [("zip", None)]
    with zf:
        for info in zf.infolist():
            plain = _outcome(read_part_bounded, zf, info, limits, "bok.xlsx")
            into = _outcome(lambda *a: bytes(read_part_bounded_into(*a)), zf, info, limits, "bok.xlsx", piece)
            got.append((plain, into))
    return got


BIG = b'<?xml version="1.0"?><worksheet><sheetData>' + b"".join(
    b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (i, i, i * 7) for i in range(1, 4000)) + b"</sheetData></worksheet>"


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=255),
       st.sampled_from([1, 97, 4096, 64 * 1024]))
@settings(max_examples=150, deadline=None)
def test_bounded_read_into_is_the_bounded_read_on_damaged_zips(at: int, byte: int, piece: int) -> None:
    data = _damaged(_zip({"xl/worksheets/sheet1.xml": BIG, "small.xml": b"<a/>"}), at, byte)
    for plain, into in _reads(data, DEFAULT_LIMITS, piece):
        assert plain == into


def test_bounded_read_into_keeps_the_part_limit() -> None:
    data = _zip({"xl/worksheets/sheet1.xml": BIG})
    tight = Limits(max_part_uncompressed=len(BIG) // 3)
    for plain, into in _reads(data, tight, 64 * 1024):
        assert plain == into and plain[0] == "WorkbookError"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
@pytest.mark.parametrize("at", [0.3, 0.5, 0.7])
def test_lazy_open_refuses_a_damaged_shipped_workbook_as_an_eager_open(path: Path, at: float) -> None:
    data = path.read_bytes()
    damaged = _damaged(data, int(len(data) * at), 0x5A)
    outcomes = []
    for lazy in (False, True):
        try:
            Package.from_bytes(damaged, lazy=lazy)
            outcomes.append("ok")
        except WorkbookError as err:
            outcomes.append(str(err))
    assert outcomes[0] == outcomes[1]
