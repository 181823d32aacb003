"""``xlmodel validera``: recompute every rule output of a workbook and compare.

For each workbook: recognise its kind from its structure (sheets and tables), check
the structure, recompute every output the layout declares from the workbook's own
inputs, and compare with the stored cells (formula text and cached value). Each
disagreement is a ``Finding`` naming sheet, cell, rule, expected and found value.

Severity decides the exit code (the CLI's job): ERROR findings → 1; an unreadable
file (``WorkbookError``) → 2. Discrepancies *of the source documents* that a seed
workbook reproduces on purpose (its published figures) are WARNING/INFO: the
workbook is consistent, the printed plan is not, and the reader must see it.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from pydantic import BaseModel

from xlmodel.errors import InputError, WorkbookError
from xlmodel.findings import Finding, Severity


class FileReport(BaseModel):
    path: str
    kind: str | None = None
    findings: list[Finding] = []
    error: str | None = None
    checked_cells: int = 0

    @property
    def has_errors(self) -> bool:
        return any(f.is_error() for f in self.findings)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one workbook job (validate, regenerate).

    Why: a job keeps ~100 000 objects alive until it ends (the cells of every sheet read,
    the typed rows, the rule models, the owned cells), and each time enough of them have
    piled up the collector traverses every object in the process looking for cycles -
    there are none to find here (all of it is freed by reference counting when the job
    returns). On the 2,000-cost-centre plan that is a fifth of ``regenerate``'s time
    (bench/EXPLANATION.md). Results are the same with the collector on or off; the
    previous state is restored afterwards (nested jobs and callers that disabled it
    themselves keep theirs), and reference counting frees memory as usual meanwhile."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


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
    from xlmodel.workbook import kinds

    kind = kinds.detect(cells)
    if kind is None:
        from xlmodel.workbook.recognise import unrecognised_message

        reason = unrecognised_message(cells)
        if reason.startswith("arbetsboken känns inte igen"):
            reason = f"Arbetsboken känns inte igen: den saknar xlmodels indatatabeller ({kinds.signature_text()})"
        return None, [
            Finding(
                rule="struktur.okand_typ",
                severity=Severity.ERROR,
                message=reason[:1].upper() + reason[1:] + ".",
            )
        ], 0
    findings: list[Finding] = []
    checked = 0
    for part in kinds.validators(kind):
        try:
            part_findings, n = part(cells)
        except InputError as err:
            # Several validators read the same inputs (the chart sheet reads the frame
            # table too): one bad cell is reported once.
            from xlmodel.workbook.uncomputed import explain_uncomputed

            finding = input_error_finding(explain_uncomputed(err, cells))
            if finding not in findings:
                findings.append(finding)
            continue
        findings.extend(part_findings)
        checked += n
    from xlmodel.workbook.strays import stray_findings

    findings.extend(f for f in stray_findings(cells) if f not in findings)
    if strict:
        findings = [
            f.model_copy(update={"severity": Severity.ERROR}) if f.severity is Severity.WARNING else f
            for f in findings
        ]
    return kind, findings, checked


def validate_file(path: str | Path, *, strict: bool = False) -> FileReport:
    from xlmodel.workbook.cells import PackageCells

    report = FileReport(path=str(path))
    try:
        with collector_paused():
            # lazy: the big sheets are read once, as they are decompressed (issue 6's
            # memory bound); regenerate, which patches them, opens its package whole.
            cells = PackageCells.open(path, lazy=True)
            report.kind, report.findings, report.checked_cells = validate_cells(cells, strict=strict)
            del cells  # freed here, by reference counting, while the collector is still paused
    except WorkbookError as err:
        report.error = str(err)
    except FileNotFoundError:
        report.error = f"{path}: filen finns inte"
    except IsADirectoryError:
        report.error = f"{path}: är en katalog, inte en arbetsbok"
    except PermissionError:
        report.error = f"{path}: saknar behörighet att läsa filen"
    return report
