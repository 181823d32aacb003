"""xlmodel in Excel: the functions (=BALANSKRAV() and its siblings) and the macros.

xlwings imports this package by the name in the workbook's ``xlwings.conf`` sheet
("UDF Modules" = udfs) and looks up every function and macro on it, so both are
re-exported here. On any platform the functions are plain Python
(``from udfs import BALANSKRAV``); on Linux and Mac the xlwings decorators do nothing.
"""

from udfs.diagnostics import *  # noqa: F403
from udfs.diagnostics import __all__ as _diagnostics
from udfs.frametable import *  # noqa: F403
from udfs.frametable import __all__ as _frametable
from udfs.functions import *  # noqa: F403
from udfs.functions import __all__ as _functions
from udfs.followup import *  # noqa: F403
from udfs.followup import __all__ as _followup
from udfs.macros import *  # noqa: F403
from udfs.macros import __all__ as _macros

__all__ = [*_functions, *_followup, *_frametable, *_diagnostics, *_macros]
