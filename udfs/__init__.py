"""xlmodel in Excel, the shell at the top: the functions (=BALANSKRAV() and its
siblings), the macros, and the live workbook they work on (``udfs.live``).

xlwings imports this package by the name in the workbook's ``xlwings.conf`` sheet
("UDF Modules" = udfs) and looks up every function and macro on it, so both are
re-exported here. The functions compute in ``xlmodel.excel.functions`` (``udfs.functions``
only marks them for xlwings); on any platform they are plain Python
(``from udfs import BALANSKRAV``); on Linux and Mac the xlwings decorators do nothing.
Nothing in ``xlmodel`` imports this package.
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
