"""Why a workbook is not recognised, in the user's terms.

A kind is recognised by its input tables (``kinds.SIGNATURES``). When some of a kind's
tables are there and one is not, the workbook is almost certainly that kind with a
sheet deleted or a table renamed; saying "känns inte igen" and listing table names
leaves the user to work that out. ``unrecognised_message`` names the missing table and
the sheet it belongs on, and says whether that sheet is gone.
"""

from __future__ import annotations


def _table_sheets() -> dict[str, str]:
    """Excel table name → the sheet it sits on in a workbook xlmodel builds."""
    from xlmodel.workbook import layout
    from xlmodel.workbook.resursramar import layout as layout_resursramar
    from xlmodel.workbook.layout import InputTable

    out: dict[str, str] = {}
    for module in (layout, layout_resursramar):
        for value in vars(module).values():
            if isinstance(value, InputTable):
                out.setdefault(value.table, value.sheet)
    return out


def looks_damaged(cells) -> bool:
    """An xlmodel workbook that lost an identifying table: some of a kind's tables are
    there and one is not (a sheet deleted), or one is missing while the sheet xlmodel
    keeps it on is there (tblRamar renamed on 'Ramar'). Such a workbook is told so, not
    taken for a team's own workbook."""
    from xlmodel.workbook.kinds import SIGNATURES

    sheets = set(cells.sheet_names())
    where = {t.casefold(): sheet for t, sheet in _table_sheets().items()}
    for tables in SIGNATURES.values():
        present = [t for t in tables if cells.table(t) is not None]
        missing = [t for t in tables if cells.table(t) is None]
        if missing and (present or any(where.get(t.casefold()) in sheets for t in missing)):
            return True
    return False


def unrecognised_message(cells) -> str:
    """The Swedish reason ``cells`` is no known kind (the start of an error message)."""
    from xlmodel.workbook.kinds import SIGNATURES, signature_text

    sheets = set(cells.sheet_names())
    where = _table_sheets()
    for kind, tables in SIGNATURES.items():
        present = [t for t in tables if cells.table(t) is not None]
        missing = [t for t in tables if cells.table(t) is None]
        if not present or not missing:
            continue
        parts = []
        for t in missing:
            sheet = where.get(t)
            if sheet is None:
                parts.append(f"tabellen {t} saknas")
            elif sheet in sheets:
                parts.append(f"tabellen {t} saknas på bladet '{sheet}' (har tabellen bytt namn?)")
            else:
                parts.append(f"tabellen {t} saknas: bladet '{sheet}' där den ska ligga finns inte (har det tagits bort?)")
        return (f"arbetsboken ser ut som en {kind} (tabellen {', '.join(present)} finns) men "
                + "; ".join(parts))
    return f"arbetsboken känns inte igen som någon av xlmodels typer ({signature_text()})"
