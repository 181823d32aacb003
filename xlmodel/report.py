"""Formatting of validation and regeneration results: text, JSON and JUnit XML.

Pure functions: they take results and return strings; the CLI decides where the
strings go. Nothing here reads a workbook, and nothing imports openpyxl or pandas.

Inputs are "file reports" as ``xlmodel.workbook.validate.FileReport`` defines them
(path, kind, findings, error, checked_cells). ``FileResult.of`` accepts that model,
its ``model_dump()`` (what a worker process sends back to the CLI) or a
``FileResult``, so this module does not depend on the workbook layer.

Formats (the JSON schema is documented in docs/ci.md):
- ``text``: per file a header and a table Nivå | Blad | Cell | Regel | Förväntat |
  Funnet | Meddelande, then a summary line ("3 filer, 2 fel, 1 varning"). Amounts
  are shown Swedish-style (``money.fmt_mkr``: "8 771,1", "−716"). ANSI colour only
  when the stream is a terminal and NO_COLOR is not set (https://no-color.org).
- ``json``: schema "xlmodel.validate/1", sorted keys, Decimals as strings (exact),
  files in input order, findings ordered by sheet, cell (row, then column), rule.
- ``junit``: one <testsuite> per file, one <testcase> per finding (or one passing
  "validering" case for a clean file), <failure> for ERROR findings (and warnings
  with --strikt), <error> for a file that could not be read.
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TextIO

from xlmodel import __version__
from xlmodel.findings import Finding, Severity
from xlmodel.money import fmt_figure, fmt_mkr
# The terminal helpers every text output shares, under the names this module has always used.
from xlmodel.textout import Paint as _Paint
from xlmodel.textout import one_line as _one_line
from xlmodel.textout import table as _table
from xlmodel.textout import use_colour  # noqa: F401 - part of this module's interface (cli)

JSON_SCHEMA = "xlmodel.validate/1"

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_UNREADABLE = 2

_SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class FileResult:
    """One validated file, independent of the class the workbook layer returns."""

    path: str
    kind: str | None = None
    findings: tuple[Finding, ...] = ()
    error: str | None = None
    checked_cells: int = 0
    parts: tuple[str, ...] = ()   # the parts found in a book that is none of xlmodel's own kinds
    label: str | None = None      # the kind as the text names it ("kommunplan"); None: the kind itself

    @classmethod
    def of(cls, report: Any) -> "FileResult":
        """From a FileReport model, its ``model_dump()`` dict, or a FileResult."""
        if isinstance(report, FileResult):
            return report
        if isinstance(report, Mapping):
            get = report.get
        else:
            def get(name: str, default: Any = None) -> Any:
                return getattr(report, name, default)
        findings = tuple(
            f if isinstance(f, Finding) else Finding.model_validate(f) for f in (get("findings") or ())
        )
        return cls(
            path=str(get("path")),
            kind=get("kind"),
            findings=findings,
            error=get("error"),
            checked_cells=int(get("checked_cells") or 0),
            parts=tuple(get("parts") or ()),
            label=get("label"),
        )

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    def failed(self, strict: bool = False) -> bool:
        """True when a finding makes this file fail: an ERROR, or with --strikt a WARNING."""
        return any(counts_as_error(f, strict) for f in self.findings)

    def status(self, strict: bool = False) -> str:
        if self.error is not None:
            return "unreadable"
        return "failed" if self.failed(strict) else "ok"


def counts_as_error(finding: Finding, strict: bool) -> bool:
    return finding.severity is Severity.ERROR or (strict and finding.severity is Severity.WARNING)


def as_results(reports: Iterable[Any]) -> list[FileResult]:
    return [FileResult.of(r) for r in reports]


def exit_code(reports: Iterable[Any], *, strict: bool = False) -> int:
    """2 if any file could not be read (wins), 1 if any file failed, else 0."""
    results = as_results(reports)
    if any(r.error is not None for r in results):
        return EXIT_UNREADABLE
    if any(r.failed(strict) for r in results):
        return EXIT_FINDINGS
    return EXIT_OK


@dataclass(frozen=True)
class Totals:
    files: int = 0
    errors: int = 0
    warnings: int = 0
    info: int = 0
    unreadable: int = 0
    failed_files: int = 0


def totals(results: Sequence[FileResult], *, strict: bool = False) -> Totals:
    return Totals(
        files=len(results),
        errors=sum(r.count(Severity.ERROR) for r in results),
        warnings=sum(r.count(Severity.WARNING) for r in results),
        info=sum(r.count(Severity.INFO) for r in results),
        unreadable=sum(1 for r in results if r.error is not None),
        failed_files=sum(1 for r in results if r.error is None and r.failed(strict)),
    )


# ------------------------------------------------------------------ ordering


_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)")


def _cell_key(cell: str | None) -> tuple[int, int, str]:
    """Reading order of a cell reference: row, then column ("A2" before "A10" before "B10").
    A range sorts by its first cell; anything else after all cells, by its text."""
    if not cell:
        return (0, 0, "")
    m = _CELL.match(cell)
    if not m:
        return (1 << 30, 0, cell)
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    return (int(m.group(2)), col, cell)


def _value_key(value: Decimal | str | None) -> tuple[int, str]:
    if value is None:
        return (0, "")
    if isinstance(value, Decimal):
        return (1, format(value, "f"))
    return (2, value)


def finding_sort_key(f: Finding) -> tuple:
    """Total order inside a file: sheet, cell, rule, then every other field, so the
    output never depends on the order in which the checks ran."""
    return (
        f.sheet or "",
        f.sheet is not None,
        _cell_key(f.cell),
        f.cell is not None,
        f.rule,
        _SEVERITY_ORDER[f.severity],
        _value_key(f.subject),
        _value_key(f.field),
        f.message,
        _value_key(f.expected),
        _value_key(f.found),
    )


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=finding_sort_key)


# ------------------------------------------------------------------ Swedish words


def _n(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count == 1 else plural}"


def summary_line(results: Sequence[FileResult], *, strict: bool = False) -> str:
    """'3 filer, 2 fel, 1 varning' (+ info and unreadable files when there are any)."""
    t = totals(results, strict=strict)
    parts = [_n(t.files, "fil", "filer"), _n(t.errors, "fel", "fel"), _n(t.warnings, "varning", "varningar")]
    if t.info:
        parts.append(_n(t.info, "notering", "noteringar"))
    if t.unreadable:
        parts.append(_n(t.unreadable, "fil kunde inte läsas", "filer kunde inte läsas"))
    line = ", ".join(parts)
    if strict and t.warnings:
        line += " (--strikt: varningar räknas som fel)"
    return line


_SEVERITY_LABEL = {Severity.ERROR: "fel", Severity.WARNING: "varning", Severity.INFO: "info"}


def show_value(value: Decimal | str | None) -> str:
    """A finding's expected/found value as a controller reads it: amounts Swedish-style."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return fmt_figure(value)
    return str(value)


FINDING_HEADERS = ("Nivå", "Blad", "Cell", "Regel", "Förväntat", "Funnet", "Meddelande")


# A subject or field this long is a quotation, not a key: left out when the message has it.
QUOTED_LENGTH = 20


def findings_table(findings: Iterable[Finding], *, colour: bool = False, indent: str = "  ") -> list[str]:
    """The findings of one file as table lines (header first), in the stable order."""
    paint = _Paint(colour)
    rows: list[list[str]] = []
    styles: list[list[str | None]] = []
    for f in sorted_findings(findings):
        message = _one_line(f.message)
        # Subject and field after the message, except a long text the message already
        # quotes (a plan's stated source is not printed twice).
        about = " / ".join(x for x in (f.subject, f.field) if x and not (len(x) >= QUOTED_LENGTH and x in f.message))
        if about:
            message += f" [{_one_line(about)}]"
        rows.append([
            _SEVERITY_LABEL[f.severity],
            _one_line(f.sheet or ""),
            _one_line(f.cell or ""),
            _one_line(f.rule),
            _one_line(show_value(f.expected)),
            _one_line(show_value(f.found)),
            message,
        ])
        colour_name = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "dim"}[f.severity]
        styles.append([colour_name, None, None, None, None, None, None])
    return _table(FINDING_HEADERS, rows, right=frozenset({4, 5}), styles=styles, paint=paint, indent=indent)


def _file_header(r: FileResult, strict: bool, paint: _Paint) -> str:
    if r.error is not None:
        return f"{paint(_one_line(r.path), 'bold')}: {paint('kunde inte läsas', 'red')} – {_one_line(r.error)}"
    about = []
    if r.kind:
        about.append(r.label or r.kind)
    elif r.parts:
        about.append(f"{'delar' if len(r.parts) > 1 else 'del'}: {', '.join(r.parts)}")
    about.append(_n(r.checked_cells, "cell kontrollerad", "celler kontrollerade"))
    head = f"{paint(_one_line(r.path), 'bold')} ({', '.join(about)})"
    if not r.findings:
        return f"{head}: {paint('OK', 'green')}"
    counts = [_n(r.count(Severity.ERROR), "fel", "fel"), _n(r.count(Severity.WARNING), "varning", "varningar")]
    if r.count(Severity.INFO):
        counts.append(_n(r.count(Severity.INFO), "notering", "noteringar"))
    verdict = paint("UNDERKÄND", "red") if r.failed(strict) else paint("godkänd", "green")
    return f"{head}: {verdict} – {', '.join(counts)}"


def format_text(reports: Iterable[Any], *, strict: bool = False, colour: bool = False) -> str:
    """Human-readable report, grouped per file, ending with the summary line."""
    results = as_results(reports)
    paint = _Paint(colour)
    lines: list[str] = []
    for r in results:
        lines.append(_file_header(r, strict, paint))
        if r.error is None and r.findings:
            lines.extend(findings_table(r.findings, colour=colour))
            lines.append("")
    t = totals(results, strict=strict)
    style = "red" if (t.unreadable or t.failed_files) else ("yellow" if t.warnings else "green")
    if lines and lines[-1] != "":
        lines.append("")
    lines.append(paint(summary_line(results, strict=strict), style))
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ JSON


def _json_value(value: Decimal | str | None) -> str | None:
    """Decimals as plain-notation strings ("12.7", "-716", never "1E+3") to keep them exact."""
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def finding_to_json(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "severity": f.severity.value,
        "message": f.message,
        "subject": f.subject,
        "field": f.field,
        "expected": _json_value(f.expected),
        "found": _json_value(f.found),
        "sheet": f.sheet,
        "cell": f.cell,
    }


def to_json_document(reports: Iterable[Any], *, strict: bool = False) -> dict[str, Any]:
    results = as_results(reports)
    t = totals(results, strict=strict)
    return {
        "schema": JSON_SCHEMA,
        "xlmodel_version": __version__,
        "strict": strict,
        "exit_code": exit_code(results, strict=strict),
        "summary": {
            "files": t.files,
            "errors": t.errors,
            "warnings": t.warnings,
            "info": t.info,
            "unreadable": t.unreadable,
            "failed_files": t.failed_files,
        },
        "files": [
            {
                "path": r.path,
                "kind": r.kind,
                "status": r.status(strict),
                "error": r.error,
                "checked_cells": r.checked_cells,
                "counts": {
                    "errors": r.count(Severity.ERROR),
                    "warnings": r.count(Severity.WARNING),
                    "info": r.count(Severity.INFO),
                },
                "findings": [finding_to_json(f) for f in sorted_findings(r.findings)],
            }
            # "parts" only for a book of none of xlmodel's kinds (the parts checked in it)
            | ({"parts": list(r.parts)} if r.parts else {})
            for r in results
        ],
    }


def format_json(reports: Iterable[Any], *, strict: bool = False) -> str:
    """The JSON report (schema "xlmodel.validate/1", see docs/ci.md); UTF-8, sorted keys."""
    return json.dumps(to_json_document(reports, strict=strict), sort_keys=True, ensure_ascii=False, indent=2) + "\n"


# ------------------------------------------------------------------ JUnit


# Characters XML 1.0 forbids even escaped (§2.2); a message pasted from a PDF can hold them.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str | None) -> str:
    return _XML_ILLEGAL.sub("\ufffd", text or "")


def _finding_details(f: Finding) -> str:
    rows = [
        ("Nivå", _SEVERITY_LABEL[f.severity]),
        ("Regel", f.rule),
        ("Blad", f.sheet or ""),
        ("Cell", f.cell or ""),
        ("Gäller", " / ".join(x for x in (f.subject, f.field) if x)),
        ("Förväntat", show_value(f.expected)),
        ("Funnet", show_value(f.found)),
        ("Meddelande", f.message),
    ]
    return "\n".join(f"{k}: {v}" for k, v in rows if v)


def _testcase_name(f: Finding) -> str:
    where = f"{f.sheet}!{f.cell}" if f.sheet and f.cell else (f.sheet or f.cell or f.subject or "")
    return f"{f.rule} {where}".strip()


def format_junit(reports: Iterable[Any], *, strict: bool = False) -> str:
    """JUnit XML as GitLab, Jenkins, Azure DevOps and GitHub test-report actions read it.

    Deterministic (no timestamps, no durations) so two runs on the same files give the
    same bytes. ERROR findings (and WARNINGs with --strikt) are <failure>s; other
    findings are passing test cases whose <system-out> carries the finding, so CI
    shows them without failing; an unreadable file is an <error>.
    """
    results = as_results(reports)
    root = ET.Element("testsuites", name="xlmodel validera")
    all_tests = all_failures = all_errors = 0
    for r in results:
        suite = ET.SubElement(root, "testsuite", name=_xml_text(r.path))
        props = ET.SubElement(suite, "properties")
        ET.SubElement(props, "property", name="kind", value=_xml_text(r.kind or ""))
        ET.SubElement(props, "property", name="checked_cells", value=str(r.checked_cells))
        tests = failures = errors = 0
        if r.error is not None:
            case = ET.SubElement(suite, "testcase", classname=_xml_text(r.path), name="läsning av arbetsboken")
            err = ET.SubElement(case, "error", type="oläsbar", message=_xml_text(_one_line(r.error)))
            err.text = _xml_text(r.error)
            tests, errors = 1, 1
        elif not r.findings:
            ET.SubElement(suite, "testcase", classname=_xml_text(r.path), name="validering")
            tests = 1
        else:
            for f in sorted_findings(r.findings):
                case = ET.SubElement(suite, "testcase", classname=_xml_text(r.path), name=_xml_text(_testcase_name(f)))
                tests += 1
                if counts_as_error(f, strict):
                    failure = ET.SubElement(
                        case, "failure", type=f.rule, message=_xml_text(_one_line(f.message))
                    )
                    failure.text = _xml_text(_finding_details(f))
                    failures += 1
                else:
                    out = ET.SubElement(case, "system-out")
                    out.text = _xml_text(_finding_details(f))
        suite.set("tests", str(tests))
        suite.set("failures", str(failures))
        suite.set("errors", str(errors))
        suite.set("skipped", "0")
        all_tests += tests
        all_failures += failures
        all_errors += errors
    root.set("tests", str(all_tests))
    root.set("failures", str(all_failures))
    root.set("errors", str(all_errors))
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


FORMATS = ("text", "json", "junit")


def format_reports(reports: Iterable[Any], fmt: str, *, strict: bool = False, colour: bool = False) -> str:
    if fmt == "text":
        return format_text(reports, strict=strict, colour=colour)
    if fmt == "json":
        return format_json(reports, strict=strict)
    if fmt == "junit":
        return format_junit(reports, strict=strict)
    raise ValueError(f"okänt format {fmt!r}; välj bland {', '.join(FORMATS)}")


# ------------------------------------------------------------------ regenerate


@dataclass(frozen=True)
class ChangeRow:
    sheet: str
    cell: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class RegenerateView:
    """What ``regenerate_file`` returned, independent of the workbook layer's class."""

    path: str
    changes: tuple[ChangeRow, ...] = ()
    backup: str | None = None
    written: bool = False
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, result: Any) -> "RegenerateView":
        if isinstance(result, RegenerateView):
            return result
        if isinstance(result, Mapping):
            get = result.get
        else:
            def get(name: str, default: Any = None) -> Any:
                return getattr(result, name, default)

        def change(c: Any) -> ChangeRow:
            g = c.get if isinstance(c, Mapping) else (lambda n: getattr(c, n, None))
            return ChangeRow(sheet=str(g("sheet")), cell=str(g("cell")), old=g("old"), new=g("new"))

        return cls(
            path=str(get("path")),
            changes=tuple(change(c) for c in (get("changes") or ())),
            backup=get("backup"),
            written=bool(get("written")),
            findings=tuple(
                f if isinstance(f, Finding) else Finding.model_validate(f) for f in (get("findings") or ())
            ),
        )

    def has_errors(self) -> bool:
        return any(f.is_error() for f in self.findings)


def format_regenerate(result: Any, *, dry_run: bool = False, colour: bool = False) -> str:
    """The changed cells (Blad | Cell | Före → Efter), where the backup went, and findings."""
    v = RegenerateView.of(result)
    paint = _Paint(colour)
    n = len(v.changes)
    if not n:
        head = "inga celler behöver ändras"
    elif dry_run:
        head = f"torrkörning: {_n(n, 'cell skulle ändras', 'celler skulle ändras')}, inget skrevs"
    elif v.written:
        head = _n(n, "cell ändrad", "celler ändrade")
    else:
        head = f"{_n(n, 'cell skulle ändras', 'celler skulle ändras')}, men filen skrevs inte"
    lines = [f"{paint(_one_line(v.path), 'bold')}: {head}"]
    if n:
        changes = sorted(v.changes, key=lambda c: (c.sheet, _cell_key(c.cell)))
        rows = [[_one_line(c.sheet), c.cell, _one_line(c.old if c.old is not None else "(tom)"), "→",
                 _one_line(c.new if c.new is not None else "(tom)")] for c in changes]
        lines.extend(_table(("Blad", "Cell", "Före", "", "Efter"), rows, paint=paint))
    if v.backup:
        lines.append(f"säkerhetskopia: {_one_line(v.backup)}")
    elif v.written:
        lines.append("ingen säkerhetskopia gjordes")
    if v.findings:
        lines.append("")
        lines.append(f"{_n(len(v.findings), 'anmärkning', 'anmärkningar')} från reglerna:")
        lines.extend(findings_table(v.findings, colour=colour))
    return "\n".join(lines) + "\n"
