"""Seed 002 (Region Västernorrland, Regionplan 2020–2022): the 1 %-per-year reductions.

Inputs (tests/data/seed002/inputs.toml): the footnote rule (1 % per year from 2020,
cumulative-additive), the 3 % uplift (dated parameter), the 2022 frames as the anchor
of the back-cast (RULES.md B2), the sjukresor transfers and the 2019 frames.
Published figures (tests/data/seed002/published.toml) are only reconciled against.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from xlmodel.findings import Severity
from xlmodel.money import round_half_up
from xlmodel.rules import uplift
from xlmodel.rules.frametable import FrameChange, FrameRow, FrameTableInput, compute_frame_table
from xlmodel.rules.omstallning import (
    cut_amount,
    cut_path_from_reduced,
    reconcile_published,
    reconcile_total,
    unreduced_frame,
)

DATA = Path(__file__).parent / "data" / "seed002"
D = Decimal


def _toml(name: str) -> dict:
    with (DATA / name).open("rb") as fh:
        return tomllib.load(fh)


INP = _toml("inputs.toml")
PUB = _toml("published.toml")
RULE = INP["cut_rule"]
RATE = D(RULE["rate"])
FIRST = RULE["first_cut_year"]
K_2022 = 2022 - FIRST + 1


def uplift_rates() -> dict[int, Decimal]:
    return {y: uplift.default_rate(y, series=RULE["uplift_series"]) for y in (2020, 2021, 2022)}


def footnote_cut(area: str, method: str = RULE["method"]) -> Decimal:
    """3 % of the 2022 frame before the reduction, reconstructed from the printed 2022 frame."""
    unreduced = unreduced_frame(D(INP["anchor_2022"][area]), RATE, K_2022, method)
    return cut_amount(unreduced, RATE, K_2022, method)


def test_inputs_are_the_stated_rule():
    assert RULE["method"] == "additive" and K_2022 == 3
    assert uplift_rates() == {2020: D("0.030"), 2021: D("0.030"), 2022: D("0.030")}


@pytest.mark.parametrize("area", ["nhu", "rs_tandvard"])
def test_reproducible_footnotes_additive_but_not_compounding(area):
    printed = D(PUB["footnote_reduction_2022"][area])
    additive = footnote_cut(area, "additive")
    compounding = footnote_cut(area, "compounding")
    assert round_half_up(additive, 1) == printed
    assert round_half_up(compounding, 1) != printed
    assert reconcile_published(area, additive, printed, what="fotnot").finding is None
    assert reconcile_published(area, compounding, printed, what="fotnot").finding is not None


def test_footnote_values_computed():
    # NHU: 411,7 / 0,97 × 3 % = 12,733 → 12,7 ; compounding 12,60
    assert round_half_up(footnote_cut("nhu"), 2) == D("12.73")
    assert round_half_up(footnote_cut("nhu", "compounding"), 2) == D("12.60")
    # tandvård: 207,1 / 0,97 × 3 % = 6,405 → 6,4 ; compounding 6,34
    assert round_half_up(footnote_cut("rs_tandvard"), 2) == D("6.41")
    assert round_half_up(footnote_cut("rs_tandvard", "compounding"), 2) == D("6.34")


# Not reproducible from the printed net frames: their reduction base is not the net frame
# (INDEX.md vn_resursramar checks 28-30, UNVERIFIABLE). Reported as findings, not hidden.
NOT_REPRODUCIBLE = {"hsn_rattspsyk": D("1.7"), "hsn_folkhalsa": D("1.2"), "rs_rlf": D("13.8")}


def test_unreproducible_footnotes_are_reported_as_findings():
    found = {}
    for area in INP["anchor_2022"]:
        rec = reconcile_published(
            area, footnote_cut(area), D(PUB["footnote_reduction_2022"][area]), what=f"Fotnot {area}"
        )
        if rec.finding is not None:
            assert rec.finding.severity is Severity.WARNING
            assert rec.finding.expected == D(PUB["footnote_reduction_2022"][area])
            found[area] = rec.finding.found
    assert found == NOT_REPRODUCIBLE


@pytest.fixture(scope="module")
def nhu_path_additive():
    return cut_path_from_reduced(
        reduced_anchor=D(INP["anchor_2022"]["nhu"]),
        anchor_year=2022,
        years=[2020, 2021, 2022],
        cut_rate=RATE,
        first_cut_year=FIRST,
        uplift_rates=uplift_rates(),
        method="additive",
    )


def test_nhu_back_cast(nhu_path_additive):
    p = nhu_path_additive
    assert p.year(2022).reduced == D(INP["anchor_2022"]["nhu"])
    assert [p.year(y).k for y in (2020, 2021, 2022)] == [1, 2, 3]
    # 2020: 424,43 / 1,03² × 0,99 = 396,07 → 396,1 = printed
    assert round_half_up(p.year(2020).reduced, 1) == D(PUB["frames"]["nhu_2020"])
    # 2021: 424,43 / 1,03 × 0,98 = 403,83 → 403,8; printed 403,9 (a 0,1 the rule does not explain)
    computed_2021 = round_half_up(p.year(2021).reduced, 1)
    assert computed_2021 == D("403.8")
    rec = reconcile_published("nhu_2021", p.year(2021).reduced, D(PUB["frames"]["nhu_2021"]), what="NHU 2021")
    assert rec.finding is not None and rec.finding.found == D("403.8") and rec.finding.expected == D("403.9")


def test_tandvard_back_cast_within_a_tenth():
    p = cut_path_from_reduced(
        reduced_anchor=D(INP["anchor_2022"]["rs_tandvard"]),
        anchor_year=2022,
        years=[2020, 2021],
        cut_rate=RATE,
        first_cut_year=FIRST,
        uplift_rates=uplift_rates(),
    )
    for y in (2020, 2021):
        diff = round_half_up(p.year(y).reduced, 1) - D(PUB["frames"][f"rs_tandvard_{y}"])
        assert diff == D("-0.1")  # 199,2 vs 199,3 and 203,1 vs 203,2 (INDEX.md checks 33-34)


def test_compounding_back_cast_gives_other_numbers(nhu_path_additive):
    comp = cut_path_from_reduced(
        reduced_anchor=D(INP["anchor_2022"]["nhu"]),
        anchor_year=2022,
        years=[2020, 2021, 2022],
        cut_rate=RATE,
        first_cut_year=FIRST,
        uplift_rates=uplift_rates(),
        method="compounding",
    )
    assert round_half_up(comp.year(2020).reduced, 1) == D("395.9")  # printed 396,1
    assert round_half_up(comp.year(2021).reduced, 1) == D("403.7")  # printed 403,9
    assert round_half_up(comp.year(2020).reduced, 1) != D(PUB["frames"]["nhu_2020"])
    # the unreduced anchor is lower under compounding (0,99³ > 0,97)
    assert comp.year(2022).indexed < nhu_path_additive.year(2022).indexed


def test_194_reconciliation_from_footnotes_and_central_reductions():
    footnotes = {f"fotnot_{k}": D(v) for k, v in PUB["footnote_reduction_2022"].items()}
    avk = {f"avkastningskrav_{k}": D(v) for k, v in PUB["avkastningskrav_2022"].items()}
    central = {"kostnadsreduceringar": D(PUB["central"]["kostnadsreduceringar_2022"])}
    announced = D(PUB["totals"]["nettokostnadsreduceringar_2022"])
    assert sum(footnotes.values()) == D("34.3") and sum(avk.values()) == D("41.6")
    rec = reconcile_total({**footnotes, **avk, **central}, announced, subject="2022")
    assert rec.total == D("194.0") and rec.finding is None
    # with the two reproducible footnotes computed instead of printed it still gives 194
    mixed = {**footnotes, "fotnot_nhu": footnote_cut("nhu"), "fotnot_rs_tandvard": footnote_cut("rs_tandvard")}
    assert reconcile_total({**mixed, **avk, **central}, announced, subject="2022").finding is None
    # and a missing part is caught
    assert reconcile_total({**footnotes, **avk}, announced, subject="2022").finding is not None


def _rows_2019(*, with_darav: bool) -> list[FrameRow]:
    return [
        FrameRow(id=f["id"], label=f["label"], parent=f.get("parent"), prior_frame=D(f["prior"]), places=1)
        for f in INP["frames_2019"]
        if with_darav or f.get("parent") != "hsn_specialistvard"
    ]


def test_sjukresor_transfer_nets_to_zero_in_a_frame_table():
    # Footnote 4 moves 72,8 out of "specialistvård" without saying which därav row
    # (somatisk/psykiatrisk) it leaves, so the table is built without the därav rows.
    rows = _rows_2019(with_darav=False)
    changes = [
        FrameChange(id=f"sjukresor_{row}", label="Sjukresor till NHU", kind="omfordelning", row=row, amount=D(a))
        for row, a in INP["sjukresor_2020"].items()
    ]
    t = compute_frame_table(
        FrameTableInput(
            year=2020,
            default_index_rate=uplift.default_rate(2020, series=RULE["uplift_series"]),
            rows=rows,
            changes=changes,
        )
    )
    assert t.total.omfordelning == 0
    assert not [f for f in t.findings if f.is_error()]
    assert t.row("nhu").omfordelning == D(PUB["totals"]["sjukresor"])
    assert t.row("hsn").omfordelning == D("-73.8")  # 72,8 + 0,6 + 0,3 + 0,1 from HSN's varav rows
    assert t.row("rs").omfordelning == D("-11.7")   # 8,7 + 3,0 from RS's varav rows
    assert t.row("hsn_specialistvard").omfordelning == D("-72.8")
    # dropping the receiving side leaves a transfer that does not net to zero: an error
    t2 = compute_frame_table(
        FrameTableInput(
            year=2020,
            default_index_rate=D("0.03"),
            rows=rows,
            changes=[c for c in changes if c.row != "nhu"],
        )
    )
    assert [f.rule for f in t2.findings if f.is_error()] == ["ramtabell.omfordelning_netto"]


def test_change_on_a_fully_split_parent_is_caught():
    """Specialistvård is exactly somatisk + psykiatrisk; a cut entered on specialistvård
    itself leaves its därav rows larger than it: an error the user fixes by entering the
    change on the därav row it concerns."""
    change = FrameChange(id="sjukresor", label="Sjukresor", kind="omfordelning", row="hsn_specialistvard",
                         amount=D("-72.8"))
    receive = FrameChange(id="sjukresor_in", label="Sjukresor", kind="omfordelning", row="nhu", amount=D("72.8"))
    t = compute_frame_table(
        FrameTableInput(year=2020, default_index_rate=D("0.03"), rows=_rows_2019(with_darav=True),
                        changes=[change, receive])
    )
    errors = [(f.rule, f.subject, f.field) for f in t.findings if f.is_error()]
    assert errors == [("ramtabell.varav_overstiger", "hsn_specialistvard", "budgetram")]
    moved = change.model_copy(update={"row": "hsn_somatisk"})
    t2 = compute_frame_table(
        FrameTableInput(year=2020, default_index_rate=D("0.03"), rows=_rows_2019(with_darav=True),
                        changes=[moved, receive])
    )
    assert not [f for f in t2.findings if f.is_error()]
