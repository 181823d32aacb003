"""The VBA project of the macro workbooks.

We do not author VBA (that needs Excel). The .xlsm workbooks carry the VBA project of
xlwings' own quickstart workbook, taken at build time from the pinned xlwings package
(BSD-3): its ``Module1.SampleCall`` runs ``import <workbook name>; <workbook name>.main()``
through the xlwings add-in, which is how the frame-table button reaches Python. The
Excel functions and the further macros (``@xw.script``) come from "Import Functions",
which writes the ``xlwings_udfs`` module (docs/excel.md).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

QUICKSTART = "quickstart.xlsm"
ENTRY_MACRO = "SampleCall"  # the macro name inside xlwings' quickstart VBA project


def xlwings_vba_project() -> bytes:
    import importlib.util

    spec = importlib.util.find_spec("xlwings")
    if spec is None or spec.origin is None:  # pragma: no cover - xlwings is a dependency
        raise RuntimeError("xlwings är inte installerat")
    path = Path(spec.origin).parent / QUICKSTART
    with zipfile.ZipFile(path) as zf:
        return zf.read("xl/vbaProject.bin")
