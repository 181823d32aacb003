"""The ``xlmodel`` command line: validera, regenerera, bygg, komplettering.

Thin by design: it parses arguments, calls the workbook layer
(``xlmodel.workbook.validate/regenerate/build``) and prints what
``xlmodel.report`` formats. Importing this module stays cheap (argparse and the
standard library only); the workbook layer, which pulls in openpyxl, is imported
inside the command that needs it, so ``xlmodel --help`` starts fast.

Exit codes (the same for every command, documented in ``--help`` and docs/ci.md):
  0  nothing wrong
  1  the rules found errors (with --strikt also warnings)
  2  a file could not be read, or the command line was wrong (argparse uses 2 too)
  3  internal error in xlmodel: one Swedish line on stderr, a traceback only with
     XLMODEL_DEBUG=1

Modules, one per command: ``validate`` (validera), ``rewrite`` (regenerera, rulla-fram),
``build`` (bygg), ``diff``, ``explain`` (forklara), ``completion`` (komplettering); the
parser with every command's help in ``parser``; what they share in ``common``; the
entry point in ``main`` (``xlmodel.cli:main``, the ``xlmodel`` script).
"""

from xlmodel.cli.main import main

__all__ = ["main"]
