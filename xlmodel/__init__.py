"""xlmodel: the budget rules of Swedish regions and municipalities, once, in Python.

Layers (see docs/architecture.md):
- ``xlmodel.money``, ``xlmodel.errors``, ``xlmodel.findings``, ``xlmodel.params``:
  the foundations every rule uses.
- ``xlmodel.rules``: pure functions over pydantic models (no I/O).
- ``xlmodel.xlsx`` and ``xlmodel.workbook``: reading and (losslessly) writing workbooks.
- ``xlmodel.cli``: the command line; ``udfs``: the thin xlwings layer.
"""

__version__ = "0.1.0"
