"""``xlmodel validera``: recompute every rule output of a workbook and compare.

For each workbook: recognise its kind from its structure (sheets and tables), check
the structure, recompute every output the layout declares from the workbook's own
inputs, and compare with the stored cells (formula text and cached value). Each
disagreement is a ``Finding`` naming sheet, cell, rule, expected and found value.

Severity decides the exit code (the CLI's job): ERROR findings → 1; an unreadable
file (``WorkbookError``) → 2. Discrepancies *of the source documents* that a shipped
workbook reproduces on purpose (its published figures) are WARNING/INFO: the
workbook is consistent, the printed plan is not, and the reader must see it.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from xlmodel.errors import InputError, WorkbookError
from xlmodel.findings import Finding, Severity
from xlmodel.workbook import kinds, parts, strays
from xlmodel.workbook.cells import PackageCells
from xlmodel.workbook.collector import collector_paused


class FileReport(BaseModel):
    path: str
    kind: str | None = None
    findings: list[Finding] = []
    error: str | None = None
    checked_cells: int = 0
    # The parts found in a workbook that is not one of xlmodel's own kinds (holding):
    # what was checked in the team's own book. Empty for xlmodel's own books.
    parts: list[str] = []
    # How the text report names the kind ("kommunplan", "delårsrapport"; body_cells.kind_label).
    label: str | None = None

    @property
    def has_errors(self) -> bool:
        return any(f.is_error() for f in self.findings)


def input_error_finding(err: InputError) -> Finding:
    return Finding(
        rule=err.rule or "indata",
        severity=Severity.ERROR,
        message=err.message[:1].upper() + err.message[1:] + ("." if not err.message.endswith(".") else ""),
        sheet=err.sheet,
        cell=err.cell,
        subject=err.argument,
    )


def validate_cells(cells, *, strict: bool = False) -> tuple[str | None, list[Finding], int]:
    """Validate an open workbook (any CellSource). Returns (kind, findings, checked cells)."""
    from xlmodel.workbook import function_cells

    from xlmodel.workbook.holding import parts_in

    # xlmodel's own book: its kind's whole bundle; any other: the parts it holds (holding).
    kind, held = parts_in(cells)
    # Cells calling xlmodel's functions are checked in any workbook; the parts' own
    # function cells are compared by their validators (function_cells.owned_by_parts).
    # In a kind's workbook they are checked after the parts (their findings come after
    # the parts' either way): the sheets they are on are then read whole after the
    # frame table's streamed pass, not held through it (validate's memory peak,
    # bench/EXPLANATION.md).
    skip = function_cells.owned_by_parts(held, cells)
    function_findings, function_checked = function_cells.check(cells, skip) if not held else ([], 0)
    # A workbook of the team's own, with xlmodel's functions in its cells: those are what
    # is checked. One holding part of a kind's tables (a renamed tblRamar) is a damaged
    # xlmodel workbook and is still told so.
    from xlmodel.workbook.recognise import looks_damaged

    partial_kind = not held and looks_damaged(cells)
    if not held and not partial_kind and (function_checked or function_findings):
        return None, _strict(function_findings, strict), function_checked
    if not held:
        from xlmodel.workbook.recognise import unrecognised_message

        reason = unrecognised_message(cells)
        if reason.startswith("arbetsboken känns inte igen"):
            reason = (f"Arbetsboken känns inte igen: den saknar xlmodels indatatabeller ({kinds.signature_text()})"
                      + ("" if partial_kind else " och har inga celler med xlmodels funktioner"))
        return None, _strict([
            Finding(
                rule="struktur.okand_typ",
                severity=Severity.ERROR,
                message=reason[:1].upper() + reason[1:] + ".",
            )
        ] + function_findings, strict), function_checked
    findings: list[Finding] = []
    checked = 0
    input_tables = parts.input_tables()
    strays.watch_tables(cells, input_tables)  # the frame table's pass feeds the stray check
    for part in held:
        try:
            part_findings, n = part.validate(cells)
        except InputError as err:
            # Several validators read the same inputs (the chart sheet reads the frame
            # table too): one bad cell is reported once.
            from xlmodel.workbook.missing_output import explain_missing_output
            from xlmodel.workbook.uncomputed import explain_uncomputed

            finding = input_error_finding(explain_missing_output(explain_uncomputed(err, cells), cells))
            if finding not in findings:
                findings.append(finding)
            continue
        findings.extend(part_findings)
        checked += n
    function_findings, function_checked = function_cells.check(cells, skip)
    findings.extend(function_findings)
    checked += function_checked
    findings.extend(f for f in strays.stray_findings(cells, input_tables) if f not in findings)
    return kind, _strict(findings, strict), checked


def _strict(findings: list[Finding], strict: bool) -> list[Finding]:
    """With --strikt a warning counts as an error."""
    if not strict:
        return findings
    return [f.model_copy(update={"severity": Severity.ERROR}) if f.severity is Severity.WARNING else f
            for f in findings]


def validate_file(path: str | Path, *, strict: bool = False) -> FileReport:
    report = FileReport(path=str(path))
    try:
        with collector_paused():
            # lazy: the big sheets are read once, as they are decompressed (issue 6's
            # memory bound); regenerate, which patches them, opens its package whole.
            cells = PackageCells.open(path, lazy=True)
            report.kind, report.findings, report.checked_cells = validate_cells(cells, strict=strict)
            from xlmodel.workbook.body_cells import kind_label

            report.label = kind_label(report.kind, cells)
            if report.kind is None:
                from xlmodel.workbook.holding import parts_in

                report.parts = [p.name for p in parts_in(cells)[1]]
            del cells  # freed here, by reference counting, while the collector is still paused
    except WorkbookError as err:
        # The report names the file already: the message without the path, so that a
        # line names the file once (an error about the file read always is about it).
        report.error = err.message if err.path is not None else str(err)
    except FileNotFoundError:
        report.error = "filen finns inte"
    except IsADirectoryError:
        report.error = "är en katalog, inte en arbetsbok"
    except PermissionError:
        report.error = "saknar behörighet att läsa filen"
    return report
