"""The frame table: identity, roll-up of varav rows, index on own parts, checks,
structure errors, roll forward; property tests over random trees."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlmodel.errors import InputError
from xlmodel.findings import Severity
from xlmodel.rules.frametable import (
    CHANGE_KINDS,
    FrameChange,
    FrameRow,
    FrameTableInput,
    PublishedRow,
    compute_frame_table,
    parse_change_kind,
    roll_forward,
)

D = Decimal


def row(id, prior, parent=None, **kw):
    return FrameRow(id=id, label=f"rad {id}", parent=parent, prior_frame=D(prior), **kw)


def change(id, kind, row_id, amount):
    return FrameChange(id=id, label=f"ändring {id}", kind=kind, row=row_id, amount=D(amount))


def small_table(**kw) -> FrameTableInput:
    """A nämnd with a varav row that has its own varav row (depth 2), one excluded varav
    row, and a second nämnd."""
    base = dict(
        year=2021,
        default_index_rate=D("0.02"),
        rows=[
            row("A", 1000, places=0),
            row("A1", 400, "A", index_rate=D("0.01")),
            row("A11", 100, "A1"),
            row("A2", 200, "A", indexed=False),
            row("B", 300),
        ],
        changes=[
            change("c1", "utokad", "A11", 10),
            change("c2", "omstallning", "A", -5),
            change("c3", "omfordelning", "A1", -7),
            change("c4", "omfordelning", "B", 7),
            change("c5", "utokad", "A2", 3),
        ],
    )
    base.update(kw)
    return FrameTableInput(**base)


def test_roll_up_and_index_on_own_parts():
    t = compute_frame_table(small_table())
    a, a1, a11, a2, b = (t.row(i) for i in ("A", "A1", "A11", "A2", "B"))
    # own parts: A11 100 at default 2 %; A1 own 400-100 = 300 at 1 %; A2 excluded; A own 1000-400-200 = 400 at 2 %
    assert (a11.index_base, a11.index) == (D(100), D("2.00"))
    assert (a1.index_base, a1.index_rate, a1.index) == (D(300), D("0.01"), D("3.00") + D("2.00"))
    assert (a2.index, a2.index_rate) == (0, None)
    assert (a.index_base, a.index) == (D(400), D("8.00") + D("5.00"))
    assert a11.utokad == 10 and a1.utokad == 10 and a.utokad == 13
    assert a1.omfordelning == -7 and a.omfordelning == -7 and a.omstallning == -5
    assert a.frame == D(1000) - 5 - 7 + 13 + D("13.00")
    assert b.frame == D(300) + 7 + D("6.00")
    assert [r.level for r in t.rows] == ["namnd", "varav", "varav", "varav", "namnd"]
    assert t.total.level == "summa" and t.total.frame == a.frame + b.frame
    assert t.total.index_base == D(100 + 300 + 400 + 300)
    assert t.findings == []


def test_non_indexed_row_excludes_its_varav_rows():
    t = compute_frame_table(FrameTableInput(
        year=2021, default_index_rate=D("0.02"),
        rows=[row("P", 100, indexed=False), row("P1", 40, "P", index_rate=D("0.05"))],
    ))
    assert t.row("P").index == 0 and t.row("P1").index == 0


def test_rounded_helper():
    t = compute_frame_table(small_table())
    r = t.row("B").rounded()
    assert r.frame == D("313.0") and r.index == D("6.0")
    assert t.row("A").rounded().frame == D("1014")
    assert t.row("B").rounded(0).frame == D("313")
    assert t.row("B").frame == D("313.00")  # the model itself keeps full precision


# ----------------------------------------------------------------- checks

def test_varav_exceeding_parent_is_an_error_finding():
    t = compute_frame_table(FrameTableInput(
        year=2021, default_index_rate=D("0.02"),
        rows=[row("A", 100), row("A1", 60, "A"), row("A2", 50, "A")],
    ))
    errs = [(f.rule, f.subject, f.field, f.severity) for f in t.findings]
    assert ("ramtabell.varav_overstiger", "A", "budgetram_foregaende_ar", Severity.ERROR) in errs
    # the frame check too: 110 × 1,02 > 100 with A's own part −10 × 1,02
    assert ("ramtabell.varav_overstiger", "A", "budgetram", Severity.ERROR) in errs


def test_nettoram_check():
    bad = compute_frame_table(small_table(nettoram=D(1331)))  # the table sums to 1014 + 313 = 1327
    assert [f.rule for f in bad.findings] == ["ramtabell.nettoram"]
    f = bad.findings[0]
    assert (f.expected, f.found, f.severity) == (D(1331), D(1327), Severity.ERROR)
    assert compute_frame_table(small_table(nettoram=D(1327))).findings == []
    # a nettoram given as the resultatbudget prints it (negative) is compared by size
    assert compute_frame_table(small_table(nettoram=D(-1327))).findings == []


def test_published_reconciliation_and_identity():
    pub = [
        PublishedRow(id="B", omfordelning=D(7), utokad=D(0), omstallning=D(0), index=D("6.0"), frame=D("313.0")),
        PublishedRow(id="A1", frame=D("408.1")),  # computed 400 − 7 + 10 + 5 = 408
        PublishedRow(id="SUMMA", prior_frame=D(1300), omstallning=D(-5), omfordelning=D(0), utokad=D(13),
                     index=D(19), frame=D(1328)),  # printed components give 1327
    ]
    t = compute_frame_table(small_table(published=pub))
    got = {(f.rule, f.subject, f.field): (f.expected, f.found) for f in t.findings}
    assert got == {
        ("ramtabell.publicerad", "A1", "budgetram"): (D("408.1"), D("408.0")),
        ("ramtabell.publicerad", "SUMMA", "budgetram"): (D(1328), D(1327)),
        ("ramtabell.radidentitet", "SUMMA", "budgetram"): (D(1328), D(1327)),
    }


def test_announced_index_total_residual():
    t = compute_frame_table(small_table(announced_index_total=D(20)))
    assert t.index_residual == D(20) - t.total.index == D(1)
    assert [(f.rule, f.severity) for f in t.findings] == [("upprakning.residual", Severity.WARNING)]


# ----------------------------------------------------------------- structure errors

@pytest.mark.parametrize(
    "rows, changes, message, argument",
    [
        ([row("A", 1), row("A", 2)], [], "förekommer två gånger", "id"),
        ([row("A", 1), row("A1", 1, "X")], [], "'X' som inte finns", "parent"),
        ([row("A", 1), row("B", 1, "C"), row("C", 1, "B")], [], "cirkel", "parent"),
        ([row("A", 1, "A")], [], "cirkel", "parent"),
        ([row("A", 1)], [change("c", "utokad", "Z", 1)], "raden 'Z' som inte finns", "rad"),
        ([row("A", 1)], [change("c", "utokad", "A", 1), change("c", "utokad", "A", 2)], "två gånger", "id"),
        ([row("SUMMA", 1)], [], "summaraden", "id"),
        ([row("A", 1, places=9)], [], "decimaler", "decimaler[A]"),
        ([row("A", 1, index_rate=D("1.9"))], [], "utanför", "indexsats[A]"),
    ],
)
def test_structure_errors(rows, changes, message, argument):
    with pytest.raises(InputError) as err:
        compute_frame_table(FrameTableInput(year=2021, default_index_rate=D("0.02"), rows=rows, changes=changes))
    assert message in err.value.message
    assert err.value.argument == argument
    assert err.value.rule.startswith("ramtabell")


def test_unknown_kind():
    assert parse_change_kind("Omställning reducering") == "omstallning"
    assert parse_change_kind(" Omfördelning") == "omfordelning"
    assert parse_change_kind("Utökad budget") == "utokad"
    with pytest.raises(InputError, match="okänd typ"):
        parse_change_kind("Besparing")
    bad = FrameChange.model_construct(id="c", label="x", kind="besparing", row="A", amount=D(1))
    with pytest.raises(InputError, match="okänd typ"):
        compute_frame_table(FrameTableInput.model_construct(
            year=2021, default_index_rate=D("0.02"), rows=[row("A", 1)], changes=[bad], published=[],
            announced_index_total=None, nettoram=None, total_id="SUMMA", total_label="Summa", total_places=0))


def test_published_row_unknown_is_an_error():
    with pytest.raises(InputError, match="'Q'"):
        compute_frame_table(small_table(published=[PublishedRow(id="Q", frame=D(1))]))


def test_default_rate_typed_as_percent():
    with pytest.raises(InputError) as err:
        compute_frame_table(small_table(default_index_rate=D("1.9")))
    assert err.value.argument == "standardindex"


# ----------------------------------------------------------------- roll forward

def test_roll_forward_bases():
    inp = small_table(published=[PublishedRow(id="B", frame=D("313.5"))])
    t = compute_frame_table(inp)
    pub = roll_forward(t, inp, next_default_index_rate=D("0.03"))
    assert {r.id: r.prior_frame for r in pub.rows}["B"] == D("313.5")       # the decided (printed) frame
    assert {r.id: r.prior_frame for r in pub.rows}["A1"] == D("408.0")      # else computed at row precision
    rnd = roll_forward(t, inp, next_default_index_rate=D("0.03"), prior_basis="rounded")
    assert {r.id: r.prior_frame for r in rnd.rows}["B"] == D("313.0")
    exact = roll_forward(t, inp, next_default_index_rate=D("0.03"), prior_basis="exact")
    assert [r.prior_frame for r in exact.rows] == [r.frame for r in t.rows]
    assert exact.year == 2022 and exact.default_index_rate == D("0.03") and exact.changes == []
    # year taken from the parameters when not given: there is LPIK for 2021 only
    prev = small_table(year=2020)
    assert roll_forward(compute_frame_table(prev), prev).default_index_rate == D("0.019")
    with pytest.raises(InputError):
        roll_forward(t, small_table(year=2020))


# ----------------------------------------------------------------- properties

decimals2 = st.decimals(min_value=D("-500"), max_value=D("20000"), places=2, allow_nan=False, allow_infinity=False)
rates = st.one_of(st.none(), st.decimals(min_value=D("-0.05"), max_value=D("0.10"), places=4, allow_nan=False))


@st.composite
def frame_inputs(draw, balanced: bool | None = None):
    n = draw(st.integers(min_value=1, max_value=10))
    rows = []
    for i in range(n):
        parent = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=i - 1))) if i else None
        rows.append(FrameRow(
            id=f"R{i}", label=f"rad {i}", parent=None if parent is None else f"R{parent}",
            prior_frame=draw(decimals2), index_rate=draw(rates), indexed=draw(st.booleans()),
            places=draw(st.integers(0, 2)),
        ))
    changes = []
    for j in range(draw(st.integers(0, 12))):
        changes.append(FrameChange(
            id=f"c{j}", label="x", kind=draw(st.sampled_from(CHANGE_KINDS)),
            row=f"R{draw(st.integers(0, n - 1))}", amount=draw(decimals2),
        ))
    make_balanced = draw(st.booleans()) if balanced is None else balanced
    if make_balanced:  # a receiving side for every transfer: the column nets to zero
        net = sum((c.amount for c in changes if c.kind == "omfordelning"), D(0))
        changes.append(FrameChange(id="motpost", label="x", kind="omfordelning", row="R0", amount=-net))
    return FrameTableInput(year=2021, default_index_rate=draw(rates.filter(lambda r: r is not None)),
                           rows=rows, changes=changes)


@settings(max_examples=150, deadline=None)
@given(inp=frame_inputs())
def test_frame_identity_and_roll_up_hold_for_any_tree(inp):
    t = compute_frame_table(inp)
    by_id = {r.id: r for r in t.rows}
    rows = {r.id: r for r in inp.rows}
    for r in inp.rows:
        out = by_id[r.id]
        assert out.frame == out.prior_frame + out.omstallning + out.omfordelning + out.utokad + out.index
        kids = [by_id[k.id] for k in inp.rows if k.parent == r.id]
        for kind in CHANGE_KINDS:
            own = sum((c.amount for c in inp.changes if c.row == r.id and c.kind == kind), D(0))
            assert getattr(out, kind) == own + sum((getattr(k, kind) for k in kids), D(0))
        assert out.index_base == r.prior_frame - sum((k.prior_frame for k in kids), D(0))
        indexed, p = True, r
        while p is not None:  # excluded if the row or any ancestor is excluded
            indexed = indexed and p.indexed
            p = rows[p.parent] if p.parent else None
        own_rate = (r.index_rate if r.index_rate is not None else inp.default_index_rate) if indexed else D(0)
        assert out.index == out.index_base * own_rate + sum((k.index for k in kids), D(0))
    top = [by_id[r.id] for r in inp.rows if r.parent is None]
    assert t.total.frame == sum((r.frame for r in top), D(0))
    assert t.total.frame == t.total.prior_frame + t.total.omstallning + t.total.omfordelning + t.total.utokad + t.total.index


@settings(max_examples=150, deadline=None)
@given(inp=frame_inputs())
def test_omfordelning_check_fires_iff_not_netting_to_zero(inp):
    t = compute_frame_table(inp)
    net = sum((c.amount for c in inp.changes if c.kind == "omfordelning"), D(0))
    fired = [f for f in t.findings if f.rule == "ramtabell.omfordelning_netto"]
    assert bool(fired) == (net != 0)
    if fired:
        assert fired[0].severity is Severity.ERROR and fired[0].found == net


def test_one_off_and_temporary_changes_stay_out_of_next_years_base():
    """Issue 14: a one-off 2021 grant (engångs) and a temporary reduction returned later
    (tillfällig) are in the 2021 frame, shown in Utökad budget and Omställning, and not in
    the 2022 base."""
    from xlmodel.rules.frametable import (FrameChange, FrameRow, FrameTableInput, compute_frame_table,
                                          roll_forward)

    inp = FrameTableInput(
        year=2021, default_index_rate=Decimal("0.02"),
        rows=[FrameRow(id="HSN", label="Hälso- och sjukvårdsnämnden", prior_frame=Decimal(1000)),
              FrameRow(id="HSN_pv", label="varav primärvård", parent="HSN", prior_frame=Decimal(300))],
        changes=[FrameChange(id="e1", label="Engångsvis tillskott 2021", kind="engangs", row="HSN_pv",
                             amount=Decimal(10)),
                 FrameChange(id="t1", label="Tillfällig reducering, återförs 2022", kind="tillfallig", row="HSN",
                             amount=Decimal(-4)),
                 FrameChange(id="u1", label="Utökad budget", kind="utokad", row="HSN", amount=Decimal(5))],
    )
    table = compute_frame_table(inp)
    hsn = table.row("HSN")
    assert (hsn.utokad, hsn.omstallning, hsn.index, hsn.frame, hsn.one_off) == (15, -4, 20, 1031, 6)
    assert table.row("HSN_pv").one_off == 10 and table.total.one_off == 6
    nxt = roll_forward(table, inp, next_default_index_rate=Decimal("0.02"), prior_basis="exact")
    prior = {r.id: r.prior_frame for r in nxt.rows}
    assert prior == {"HSN": 1025, "HSN_pv": 306}      # 1031 − 6 and 316 − 10
