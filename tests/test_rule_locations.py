"""The core's inputs carry where each value came from, and the core's errors say it.

The rules in ``xlmodel/rules`` that the shells used to re-check (years unique and
ascending, varav rows, the resursramar's own checks) raise at the cell, CSV row or Excel
argument the value came from; these tests call them as the parts and the Excel functions
do and read the message a user sees.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from xlmodel.errors import InputError
from xlmodel.excel.functions import ATERSTALLNING
from xlmodel.location import Location, Locator
from xlmodel.rules import frametable, ledger_table, resursramar as rr
from xlmodel.rules.restoration import RestorationInput, ledger_from_columns
from xlmodel.rules.varav import varav_excess
from xlmodel.rules.years import AscendingYears, check_ascending

CELL = Location("Balanskrav", "A6", argument="År")


def at_cells(sheet: str, row: int) -> Locator:
    """A row's values on ``sheet`` row ``row``: column key → a made-up column letter."""
    return Locator(lambda key: Location(sheet, f"{key}{row}", argument=key))


@pytest.mark.parametrize(("years", "words"), [
    ([2019, 2019], "år 2019 förekommer två gånger: åren måste vara unika och i stigande ordning"),
    ([2020, 2019], "år 2019 kommer efter 2020: åren måste vara unika och i stigande ordning"),
])
def test_a_year_out_of_order_is_reported_at_its_cell(years, words):
    with pytest.raises(InputError) as exc:
        check_ascending(years, [Location("Balanskrav", "A5"), CELL].__getitem__, rule="aterstallning")
    err = exc.value
    assert (err.sheet, err.cell, err.argument, err.rule) == ("Balanskrav", "A6", "År", "aterstallning")
    assert str(err) == f"Blad 'Balanskrav', cell A6, regel aterstallning: {words}"


def test_years_are_checked_as_they_are_read():
    series = AscendingYears("resultatbudget")
    assert [series.add(y, CELL) for y in (2019, 2020, 2021)] == [2019, 2020, 2021]
    with pytest.raises(InputError, match="år 2021 förekommer två gånger"):
        series.add(2021, CELL)


def test_the_excel_function_and_the_core_say_the_same():
    assert ATERSTALLNING([[2020], [2019]], [[1], [2]]) == (
        "#XLMODEL: argument 'ar', värde nr 2: år 2019 kommer efter 2020: åren måste vara unika och i stigande ordning")
    with pytest.raises(InputError) as exc:
        RestorationInput(series=[{"year": 2020, "balanskravsresultat": 1}, {"year": 2020, "balanskravsresultat": 2}])
    assert exc.value.argument == "series.1.year" and "år 2020 förekommer två gånger" in exc.value.message
    with pytest.raises(InputError, match="förekommer två gånger"):
        ledger_from_columns([2020, 2020], [1, 2])


def test_varav_rows_beyond_their_row_are_one_rule_with_each_tables_id():
    assert varav_excess(rule="x", parts=D(5), whole=D(5), whose="'A'", what="år 2020", subject="A", field="f") is None
    f = varav_excess(rule="resursramar.varav_overstiger", parts=D("6.5"), whole=D(5), whose="tandvård",
                     what="år 2021", subject="rs", field="ram_2021")
    assert f.message == "Varav-raderna under tandvård summerar till 6,5 mkr år 2021, mer än raden själv (5 mkr)."
    assert (f.expected, f.found, f.is_error()) == (D(5), D("6.5"), True)


def _frame_input(rows, changes=()):
    return frametable.FrameTableInput(year=2021, default_index_rate=D("0.019"), rows=rows, changes=list(changes))


def test_a_frame_rows_structure_error_is_raised_at_the_cell_it_carries():
    nämnd = frametable.FrameRow(id="RS", label="Regionstyrelsen", prior_frame=D(100), where=at_cells("Ramar", 5))
    orphan = frametable.FrameRow(id="RS_x", label="varav x", parent="NOPE", prior_frame=D(1),
                                 where=at_cells("Ramar", 6))
    with pytest.raises(InputError) as exc:
        frametable.compute_frame_table(_frame_input([nämnd, orphan]))
    assert (exc.value.sheet, exc.value.cell, exc.value.argument) == ("Ramar", "parent6", "parent")
    change = frametable.FrameChange(id="c1", label="flytt", kind="omfordelning", row="XYZ", amount=D(1),
                                    where=at_cells("Förändringar", 7))
    with pytest.raises(InputError) as exc:
        frametable.compute_frame_table(_frame_input([nämnd], [change]))
    assert (exc.value.sheet, exc.value.cell, exc.value.argument) == ("Förändringar", "row7", "rad")


def test_a_row_without_a_source_names_the_field_and_equals_the_same_row_with_one():
    bare = frametable.FrameRow(id="RS", label="Regionstyrelsen", prior_frame=D(100))
    located = bare.model_copy(update={"where": at_cells("Ramar", 5)})
    assert bare == located and "where" not in located.model_dump()
    with pytest.raises(InputError) as exc:
        frametable.compute_frame_table(_frame_input([bare, bare]))
    assert (exc.value.sheet, exc.value.cell, exc.value.argument) == (None, None, "id")


def _row(rid: str, parent: str | None = None, reduced: str = "ja", frame: int = 100, n: int = 5) -> rr.ResursramRow:
    return rr.ResursramRow(id=rid, label=f"- därav {rid}" if parent else rid, parent=parent,
                           frames={2021: D(frame), 2022: D(frame)}, reduced=reduced, where=at_cells("Resursramar", n))


def test_resursramar_rows_are_checked_where_they_were_typed():
    rows = rr.FrameRows()
    rows.add(_row("nhu"))
    for bad, words, cell in ((_row("nhu", n=6), "id 'nhu' förekommer två gånger", "id6"),
                             (_row("tand", parent="rs", n=7), "förälder 'rs' finns inte ovanför raden", "parent7"),
                             (_row("rs", reduced="kanske", n=8), "'kanske' ska vara ja eller nej", "reduced8")):
        with pytest.raises(InputError, match=words) as exc:
            rows.add(bad)
        assert (exc.value.sheet, exc.value.cell, exc.value.rule) == ("Resursramar", cell, "resursramar")


def test_resursramar_varav_finding_is_on_the_parents_frame():
    rows = [_row("rs", frame=100), _row("tand", parent="rs", frame=60, n=6), _row("lab", parent="rs", frame=50, n=7)]
    found = rr.varav_findings(rows, [2022], {2022: "ram_2022"})
    assert [(f.rule, f.sheet, f.cell, f.found) for f in found] == [
        ("resursramar.varav_overstiger", "Resursramar", "ram_20225", D(110))]
    assert found[0].message.startswith("Varav-raderna under rs summerar till 110 mkr år 2022")


def test_footnotes_kind_row_and_transfers():
    def note(kind: str, row: str, amount: int) -> rr.Footnote:
        return rr.Footnote(id=f"{kind}{row}", row=row, kind=kind, amount=D(amount), where=at_cells("Fotnoter", 5))

    reduced = {"nhu": True, "rs": False}
    with pytest.raises(InputError, match="typen 'gåva' är okänd") as exc:
        rr.check_footnotes([note("gåva", "nhu", 1)], reduced, "tblResursramar")
    assert exc.value.cell == "kind5"
    with pytest.raises(InputError, match="raden 'xx' finns inte i tblResursramar"):
        rr.check_footnotes([note("justering", "xx", 1)], reduced, "tblResursramar")
    with pytest.raises(InputError, match="omfattas inte av den generella reduktionen"):
        rr.check_footnotes([note("reduktion", "rs", 1)], reduced, "tblResursramar")
    totals = rr.footnote_totals([note("överföring", "nhu", 85), note("Överföring", "rs", -80)])
    assert (totals.transfers_in, totals.transfers_out, totals.transfers_net) == (D(85), D(-80), D(5))
    f = rr.transfers_finding(totals)
    assert f.rule == "resursramar.overforing_netto" and "85 mkr till mottagande rader men 80 mkr" in f.message
    assert rr.transfers_finding(rr.footnote_totals([note("överföring", "nhu", 5), note("överföring", "rs", -5)])) is None


def test_plan_years_follow_the_period():
    years = [(2019, Location("Parametrar", "A15")), (2021, Location("Parametrar", "A16"))]
    with pytest.raises(InputError, match="år 2021 står där 2020 ska stå") as exc:
        rr.check_plan_years(years, 2020, 2022, Location("Parametrar", "A14", argument="År"))
    assert exc.value.cell == "A16"
    with pytest.raises(InputError, match=r"en rad per år 2019–2022 \(4 rader\), den har 1") as exc:
        rr.check_plan_years(years[:1], 2020, 2022, Location("Parametrar", "A14", argument="År"))
    assert exc.value.cell == "A14"
    with pytest.raises(InputError, match="sista år 2019 ligger före första året 2020"):
        rr.check_period(2020, 2019, Location("Parametrar", "C6"))


def test_the_ledgers_three_shapes_come_from_one_set_of_columns():
    assert ledger_table.FUNCTION.headers == ("Underskottsår", "Underskott", "Återställt", "Avskrivet (synnerliga skäl)",
                                             "Kvar att återställa", "Sista år", "Status")
    assert len(ledger_table.LEDGER.headers) == 8 and len(ledger_table.SHEET.headers) == 9
    assert set(ledger_table.FUNCTION.keys) | set(ledger_table.LEDGER.keys) | set(ledger_table.SHEET.keys) == set(
        ledger_table.COLUMNS)
    ledger = ledger_from_columns([2019, 2020, 2021], [-10, 4, 6])
    (deficit,) = ledger.deficits
    assert ledger.rows()[1] == ledger_table.LEDGER.row(deficit) == (
        2019, D(10), D(10), D(0), D(0), D(0), 2022, deficit.status)
    assert ATERSTALLNING([2019, 2020, 2021], [-10, 4, 6])[1][:3] == [2019, 10.0, 10.0]
