"""Cell values as the reader returns them and the patcher accepts them."""

from __future__ import annotations

from dataclasses import dataclass

ERROR_CODES = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
     "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!", "#PYTHON!"}
)


@dataclass(frozen=True, slots=True)
class ExcelError:
    """An Excel error value (``t="e"``), kept distinct from text so '#NAME?' typed as
    text and a real #NAME? error never compare equal."""

    code: str

    def __str__(self) -> str:
        return self.code
