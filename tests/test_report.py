"""xlmodel.report: the text, JSON and JUnit formats on hand-built file reports.

The reports are built the way the CLI receives them from its worker processes
(``FileReport.model_dump()`` dicts holding Finding objects or Finding dicts), plus
``report.FileResult`` for unreadable files, so these tests do not depend on the
workbook layer.
"""

from __future__ import annotations

import io
import json
import os
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlmodel import report
from xlmodel.findings import Finding, Severity

ROW_IDENTITY = Finding(
    rule="ramtabell.radidentitet",
    severity=Severity.ERROR,
    message="Raden summerar inte till budgetramen.",
    subject="Hälso- och sjukvårdsnämnden",
    field="budgetram",
    expected=Decimal("8771.1"),
    found=Decimal("8772.1"),
    sheet="Ramtabell",
    cell="F12",
)
LATE_RESTORATION = Finding(
    rule="aterstallning.forsenad",
    severity=Severity.ERROR,
    message="Underskottet från 2019 är inte återställt inom tre år.",
    expected=Decimal("-716"),
    found=Decimal("0"),
    sheet="Balanskrav",
    cell="C10",
)
SOURCE_DISCREPANCY = Finding(
    rule="ramtabell.kallavvikelse",
    severity=Severity.WARNING,
    message="Källans summa avviker från radernas summa.",
    expected=Decimal("12.7"),
    found="12,8",
    sheet="Ramtabell",
    cell="F2",
)
ROUNDING_NOTE = Finding(
    rule="ramtabell.avrundning",
    severity=Severity.INFO,
    message="Avrundningsdifferens inom toleransen.",
    sheet="Ramtabell",
    cell="A10",
)


def _file(path: str, findings=(), *, kind="regionplan", cells=100) -> dict:
    return {"path": path, "kind": kind, "findings": list(findings), "error": None, "checked_cells": cells}


def three_files() -> list:
    """3 files, 2 errors, 1 warning: one failing workbook, one clean, one with a warning."""
    return [
        _file("regionplan_2021.xlsx", [ROW_IDENTITY, LATE_RESTORATION]),
        _file("resursramar_2020.xlsx", [], kind="resursramar", cells=40),
        _file("delarsrapport_2021.xlsx", [SOURCE_DISCREPANCY], kind="delarsrapport"),
    ]


# ------------------------------------------------------------------ exit code and summary


def test_summary_line_counts_files_errors_warnings_in_swedish():
    results = report.as_results(three_files())
    assert report.summary_line(results) == "3 filer, 2 fel, 1 varning"


def test_summary_line_singular_and_unreadable_and_info():
    results = report.as_results([
        _file("a.xlsx", [ROUNDING_NOTE, SOURCE_DISCREPANCY, SOURCE_DISCREPANCY.model_copy(update={"cell": "F3"})]),
        report.FileResult(path="b.xlsx", error="filen finns inte"),
    ])
    assert report.summary_line(results) == "2 filer, 0 fel, 2 varningar, 1 notering, 1 fil kunde inte läsas"
    assert report.summary_line(results[:1]) == "1 fil, 0 fel, 2 varningar, 1 notering"


def test_exit_code_unreadable_wins_over_errors_and_strict_counts_warnings():
    assert report.exit_code(three_files()) == 1
    assert report.exit_code(three_files()[1:]) == 0                  # only a warning
    assert report.exit_code(three_files()[1:], strict=True) == 1     # --strikt
    unreadable = report.FileResult(path="x.xlsx", error="filen finns inte")
    assert report.exit_code([*three_files(), unreadable]) == 2
    assert report.exit_code([]) == 0


def test_file_result_accepts_dumped_findings():
    """Worker processes send FileReport.model_dump(): findings arrive as dicts."""
    dumped = _file("a.xlsx", [f.model_dump(mode="python") for f in (ROW_IDENTITY, SOURCE_DISCREPANCY)])
    result = report.FileResult.of(dumped)
    assert result.findings == (ROW_IDENTITY, SOURCE_DISCREPANCY)
    assert result.findings[0].expected == Decimal("8771.1")


# ------------------------------------------------------------------ text


def test_text_groups_per_file_with_swedish_table_and_amounts():
    out = report.format_text(three_files())
    lines = out.splitlines()
    assert lines[0].startswith("regionplan_2021.xlsx (regionplan, 100 celler kontrollerade): UNDERKÄND")
    header = lines[1].split()
    assert header == ["Nivå", "Blad", "Cell", "Regel", "Förväntat", "Funnet", "Meddelande"]
    # Swedish amounts: space as thousands separator, decimal comma, a real minus sign.
    row_f12 = next(line for line in lines if "F12" in line)
    assert "8 771,1" in row_f12 and "8 772,1" in row_f12
    assert "[Hälso- och sjukvårdsnämnden / budgetram]" in row_f12
    row_c10 = next(line for line in lines if "C10" in line)
    assert "\u2212716" in row_c10
    assert "resursramar_2020.xlsx (resursramar, 40 celler kontrollerade): OK" in lines
    assert lines[-1] == "3 filer, 2 fel, 1 varning"


def test_text_orders_findings_by_sheet_then_cell_in_reading_order():
    a2 = ROUNDING_NOTE.model_copy(update={"cell": "A2"})
    b2 = ROUNDING_NOTE.model_copy(update={"cell": "B2"})
    a10 = ROUNDING_NOTE.model_copy(update={"cell": "A10"})
    out = report.format_text([_file("a.xlsx", [a10, b2, SOURCE_DISCREPANCY, LATE_RESTORATION, a2])])
    cells = [line.split()[2] for line in out.splitlines()[2:] if line.startswith("  ") and "Ramtabell" in line]
    assert cells == ["A2", "B2", "F2", "A10"]
    assert out.index("Balanskrav") < out.index("Ramtabell")


def test_text_unreadable_file_shows_its_swedish_message():
    out = report.format_text([report.FileResult(path="gammal.xls", error="filen är i det gamla .xls-formatet")])
    assert "gammal.xls: kunde inte läsas – filen är i det gamla .xls-formatet" in out
    assert out.rstrip().endswith("1 fil, 0 fel, 0 varningar, 1 fil kunde inte läsas")


def test_text_strips_terminal_control_sequences_from_workbook_text():
    hostile = SOURCE_DISCREPANCY.model_copy(update={"message": "ok\x1b[2J\x1b]0;titel\x07 slut", "sheet": "Blad\x1b[31m"})
    out = report.format_text([_file("a.xlsx", [hostile])])
    assert "\x1b" not in out and "\x07" not in out
    assert "ok\ufffd[2J" in out


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert report.use_colour(io.StringIO()) is False
    assert "\x1b[" not in report.format_text(three_files(), colour=report.use_colour(io.StringIO()))
    master, slave = os.openpty()  # a real terminal device
    try:
        with open(slave, "w", closefd=False) as tty:
            assert report.use_colour(tty) is True
            assert "\x1b[31m" in report.format_text(three_files(), colour=report.use_colour(tty))
            monkeypatch.setenv("NO_COLOR", "1")
            assert report.use_colour(tty) is False
    finally:
        os.close(master)
        os.close(slave)


def test_colour_does_not_shift_columns():
    plain = report.format_text(three_files(), colour=False)
    coloured = report.format_text(three_files(), colour=True)
    import re

    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain


# ------------------------------------------------------------------ JSON


def test_json_schema_is_stable():
    doc = json.loads(report.format_json(three_files()))
    assert doc["schema"] == "xlmodel.validate/1"
    assert set(doc) == {"schema", "xlmodel_version", "strict", "exit_code", "summary", "files"}
    assert doc["summary"] == {"files": 3, "errors": 2, "warnings": 1, "info": 0, "unreadable": 0, "failed_files": 1}
    assert doc["exit_code"] == 1 and doc["strict"] is False
    first = doc["files"][0]
    assert set(first) == {"path", "kind", "status", "error", "checked_cells", "counts", "findings"}
    assert first["status"] == "failed" and doc["files"][1]["status"] == "ok"
    assert set(first["findings"][0]) == {
        "rule", "severity", "message", "subject", "field", "expected", "found", "sheet", "cell"
    }
    assert [f["cell"] for f in first["findings"]] == ["C10", "F12"]      # Balanskrav before Ramtabell
    assert first["findings"][1]["expected"] == "8771.1"                   # exact, as a string
    assert first["findings"][0]["expected"] == "-716"
    assert first["findings"][0]["severity"] == "fel"


def test_json_keys_sorted_and_output_deterministic():
    out = report.format_json(three_files())
    assert out == json.dumps(json.loads(out), sort_keys=True, ensure_ascii=False, indent=2) + "\n"
    assert out == report.format_json(list(three_files()))


def test_json_unreadable_file_and_strict():
    doc = json.loads(report.format_json([*three_files()[1:], report.FileResult(path="x.xlsx", error="filen finns inte")],
                                        strict=True))
    assert doc["exit_code"] == 2 and doc["strict"] is True
    assert doc["files"][1]["status"] == "failed"          # the warning counts with --strikt
    assert doc["files"][2] == {
        "path": "x.xlsx", "kind": None, "status": "unreadable", "error": "filen finns inte",
        "checked_cells": 0, "counts": {"errors": 0, "warnings": 0, "info": 0}, "findings": [],
    }


decimals = st.decimals(allow_nan=False, allow_infinity=False, min_value=Decimal("-1e15"), max_value=Decimal("1e15"))


@given(expected=decimals, found=decimals)
def test_json_keeps_decimals_exact(expected, found):
    f = ROW_IDENTITY.model_copy(update={"expected": expected, "found": found})
    got = json.loads(report.format_json([_file("a.xlsx", [f])]))["files"][0]["findings"][0]
    assert Decimal(got["expected"]) == expected and Decimal(got["found"]) == found
    assert "E" not in got["expected"].upper()   # plain notation, as a spreadsheet user reads it


finding_strategy = st.builds(
    Finding,
    rule=st.sampled_from(["ramtabell.radidentitet", "aterstallning.forsenad", "reserv.tak"]),
    severity=st.sampled_from(list(Severity)),
    message=st.text(max_size=30),
    sheet=st.sampled_from([None, "", "Ramtabell", "Balanskrav"]),
    cell=st.sampled_from([None, "", "A1", "A10", "B2", "AA3", "C5:D9", "$A$1"]),
    subject=st.sampled_from([None, "", "HSN"]),
    found=st.one_of(st.none(), st.just(""), decimals),
    expected=st.one_of(st.none(), decimals),
)


@settings(max_examples=60)
@given(findings=st.lists(finding_strategy, max_size=8), seed=st.randoms(use_true_random=False))
def test_output_does_not_depend_on_finding_order(findings, seed):
    shuffled = list(findings)
    seed.shuffle(shuffled)
    for fmt in report.FORMATS:
        assert report.format_reports([_file("a.xlsx", findings)], fmt) == report.format_reports(
            [_file("a.xlsx", shuffled)], fmt
        )


# ------------------------------------------------------------------ JUnit


def test_junit_parses_with_suites_failures_and_errors():
    unreadable = report.FileResult(path="trasig.xlsx", error="zip-arkivet är skadat")
    root = ET.fromstring(report.format_junit([*three_files(), unreadable]))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [
        "regionplan_2021.xlsx", "resursramar_2020.xlsx", "delarsrapport_2021.xlsx", "trasig.xlsx"
    ]
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("5", "2", "1")
    failures = suites[0].findall("testcase/failure")
    assert [f.get("type") for f in failures] == ["aterstallning.forsenad", "ramtabell.radidentitet"]
    assert "Förväntat: 8 771,1" in failures[1].text
    assert [c.get("name") for c in suites[1].findall("testcase")] == ["validering"]
    warning_case = suites[2].find("testcase")
    assert warning_case.find("failure") is None and "varning" in warning_case.find("system-out").text
    error = suites[3].find("testcase/error")
    assert error.get("message") == "zip-arkivet är skadat"


def test_junit_strict_turns_warnings_into_failures():
    root = ET.fromstring(report.format_junit(three_files()[2:], strict=True))
    assert root.get("failures") == "1"
    assert root.find("testsuite/testcase/failure").get("type") == "ramtabell.kallavvikelse"


@settings(max_examples=80)
@given(message=st.text(min_size=1, max_size=40), sheet=st.text(max_size=10), path=st.text(min_size=1, max_size=20))
def test_junit_always_parses_whatever_text_the_workbook_holds(message, sheet, path):
    f = ROW_IDENTITY.model_copy(update={"message": message, "sheet": sheet or None})
    xml = report.format_junit([_file(path, [f])])
    root = ET.fromstring(xml)
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None
    # Ordinary text comes back unchanged (whitespace folded to one line in the attribute);
    # control characters, surrogates and U+FFFE/U+FFFF are replaced, never break the XML.
    expected = " ".join(message.split())
    plain = all(c >= " " and not ("\x7f" <= c <= "\x9f") and not ("\ud800" <= c <= "\udfff")
                and c not in "\ufffe\uffff" for c in expected)
    if plain:
        assert failure.get("message") == expected
    else:
        assert len(failure.get("message")) == len(expected)


def test_junit_is_deterministic():
    assert report.format_junit(three_files()) == report.format_junit(three_files())


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="okänt format"):
        report.format_reports(three_files(), "csv")


# ------------------------------------------------------------------ regenerate


def test_regenerate_lists_changes_backup_and_findings():
    result = {
        "path": "regionplan_2021.xlsx",
        "changes": [
            {"sheet": "Ramtabell", "cell": "F12", "old": "8772,1", "new": "8771,1"},
            {"sheet": "Ramtabell", "cell": "F3", "old": None, "new": "336"},
        ],
        "backup": "regionplan_2021.xlsx.bak",
        "written": True,
        "findings": [SOURCE_DISCREPANCY.model_dump()],
    }
    out = report.format_regenerate(result)
    lines = out.splitlines()
    assert lines[0] == "regionplan_2021.xlsx: 2 celler ändrade"
    assert lines[1].split() == ["Blad", "Cell", "Före", "Efter"]
    assert lines[2].split() == ["Ramtabell", "F3", "(tom)", "→", "336"]      # F3 before F12
    assert lines[3].split() == ["Ramtabell", "F12", "8772,1", "→", "8771,1"]
    assert "säkerhetskopia: regionplan_2021.xlsx.bak" in lines
    assert "1 anmärkning från reglerna:" in lines
    assert report.RegenerateView.of(result).has_errors() is False


def test_regenerate_dry_run_and_nothing_to_do():
    change = {"sheet": "Ramtabell", "cell": "F12", "old": "1", "new": "2"}
    dry = report.format_regenerate({"path": "a.xlsx", "changes": [change], "backup": None, "written": False,
                                    "findings": []}, dry_run=True)
    assert dry.startswith("a.xlsx: torrkörning: 1 cell skulle ändras, inget skrevs")
    none = report.format_regenerate({"path": "a.xlsx", "changes": [], "backup": None, "written": False,
                                     "findings": [ROW_IDENTITY]})
    assert none.startswith("a.xlsx: inga celler behöver ändras")
    assert report.RegenerateView.of({"path": "a.xlsx", "findings": [ROW_IDENTITY]}).has_errors() is True
