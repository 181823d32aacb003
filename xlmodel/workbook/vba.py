"""The VBA project of the macro workbooks.

We do not author a VBA project from scratch (that needs Excel). The .xlsm workbooks carry
the VBA project of xlwings' own quickstart workbook, taken at build time from the pinned
xlwings package (BSD-3): it references the xlwings add-in, whose ``RunPython`` runs a
Python command. The quickstart's ``Module1`` ran ``import <file name>; <file name>.main()``,
a module named after the workbook, which cannot work in a built, renamed or rolled-forward
workbook (``…_2022.xlsm``), nor in a name with spaces. So its source is replaced
(``xlsx.ovba``: MS-OVBA compression, the ``dir`` stream, no cached compilation, so Excel
compiles the new source) by ``BUTTON_MODULE``: the button's macro runs a fixed command on
the ``udfs`` package, the same package "UDF Modules" names, whatever the file is called.
``xlsx.cfb`` writes the container. The Excel functions and the ``@xw.script`` macros
still come from "Import Functions", which writes the ``xlwings_udfs`` module (docs/excel.md).
"""

from __future__ import annotations

import zipfile
from functools import lru_cache
from pathlib import Path

QUICKSTART = "quickstart.xlsm"
BUTTON_MODULE_NAME = "Module1"      # the standard module of xlwings' quickstart project
ENTRY_MACRO = "UppdateraRamtabell"  # the button's macro
ROLL_FORWARD_MACRO = "RullaFram"
# The Python each macro runs through xlwings' RunPython: fixed, independent of the file name.
BUTTON_COMMANDS = {
    ENTRY_MACRO: "import udfs; udfs.RAMTABELL_UPPDATERA()",
    ROLL_FORWARD_MACRO: "import udfs; udfs.RULLA_FRAM()",
}
BUTTON_MODULE = (
    f'Attribute VB_Name = "{BUTTON_MODULE_NAME}"\r\n'
    "' xlmodel: the button 'Uppdatera ramtabell' and the roll-forward macro. They run the\r\n"
    "' macros of the Python package udfs (the one UDF Modules names), whatever this\r\n"
    "' workbook's file is called. RunPython comes from the xlwings add-in.\r\n"
    + "".join(f'Sub {name}()\r\n    RunPython "{command}"\r\nEnd Sub\r\n\r\n' for name, command in BUTTON_COMMANDS.items())
)


def quickstart_vba_project() -> bytes:
    """The VBA project of xlwings' quickstart workbook, as the pinned xlwings ships it."""
    import importlib.util

    spec = importlib.util.find_spec("xlwings")
    if spec is None or spec.origin is None:  # pragma: no cover - xlwings is a dependency
        raise RuntimeError("xlwings är inte installerat")
    path = Path(spec.origin).parent / QUICKSTART
    with zipfile.ZipFile(path) as zf:
        return zf.read("xl/vbaProject.bin")


@lru_cache(maxsize=1)
def xlwings_vba_project() -> bytes:
    """xlwings' quickstart VBA project with ``Module1`` replaced by ``BUTTON_MODULE``."""
    from xlmodel.xlsx.cfb import read_streams, write_streams
    from xlmodel.xlsx.ovba import replace_module_source

    streams = read_streams(quickstart_vba_project())
    return write_streams(replace_module_source(streams, BUTTON_MODULE_NAME, BUTTON_MODULE))
