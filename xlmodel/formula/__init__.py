"""Excel formulas as data: parse a cell's formula and evaluate it from a workbook's cells.

What it is for: checking the cells that call xlmodel's own Excel functions
(``=BALANSKRAV(...)``) in *any* workbook, whatever its layout (``xlmodel.workbook.
function_cells``). Tokens come from a maintained tokenizer (openpyxl's
``openpyxl.formula.tokenizer.Tokenizer``, which knows Excel's quoting, structured
references, array constants and error literals); ``parse`` turns them into a small tree
and ``evaluate`` computes it with the workbook's cached values, passing arguments to
xlmodel's functions the way Excel's COM path hands them to xlwings.

It is deliberately not a spreadsheet engine: it evaluates references (cells, ranges,
defined names, Excel Table structured references), literals, omitted arguments,
arithmetic, a handful of native functions that wrap a rule's result (ROUND, SUM, ABS,
MIN, MAX, INDEX) and xlmodel's functions. Anything else raises ``CannotEvaluate`` with a
Swedish reason, which the caller reports as a note: never a guess, never a silent pass.
"""

from xlmodel.formula.parse import CannotEvaluate

__all__ = ["CannotEvaluate"]
