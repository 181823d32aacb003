"""The .xlsx/.xlsm package layer: safety limits, a fast raw cell reader, lossless
cell patching by byte splicing, and atomic save with a backup.

Nothing here goes through openpyxl's save: a workbook we regenerate keeps every
part we do not own byte for byte (cached values, text boxes, sparklines, the
dynamic-array flag, charts, VBA). See ``patch`` and ``bookkeeping`` for exactly
which bytes may change.
"""

from xlmodel.xlsx.atomic import SaveResult, save_package
from xlmodel.xlsx.limits import DEFAULT_LIMITS, Limits, check_package
from xlmodel.xlsx.package import DefinedName, Package, SheetRef, TableInfo
from xlmodel.xlsx.patch import CellWrite, PatchResult, patch_sheet, patch_sheet_detailed
from xlmodel.xlsx.reader import Cell, iter_cells, read_cells, read_range, read_values
from xlmodel.xlsx.values import ExcelError

__all__ = [
    "Cell", "CellWrite", "DEFAULT_LIMITS", "DefinedName", "ExcelError", "Limits", "Package", "PatchResult",
    "SaveResult", "SheetRef", "TableInfo", "check_package", "iter_cells", "patch_sheet", "patch_sheet_detailed",
    "read_cells", "read_range", "read_values", "save_package",
]
