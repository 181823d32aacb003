"""The follow-up part (uppföljning) of a delårsrapport workbook: driftredovisning per
nämnd, omställning achieved, the reconciliation with the resultaträkning, a chart of
avvikelse per nämnd.

A self-contained part with the shape of the other sheet modules: ``layout`` (where
everything is), ``part`` (read inputs, owned cells, findings: ``validate`` and
``sheet_plans``), ``build`` (``xlmodel bygg``), ``explain`` (``xlmodel forklara``).
The rules are ``xlmodel.rules.followup``. A delårsrapport without the part's table
(tblDrift) validates and regenerates as before.
"""

from xlmodel.workbook.followup.part import present, sheet_plans, validate

__all__ = ["present", "sheet_plans", "validate"]
