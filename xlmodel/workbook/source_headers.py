"""The headers each kind of workbook reads from each CSV of a ``bygg`` source folder.

Named in the message about a CSV whose header row is empty or wrong, so the user sees
what the file should start with. Apart from ``sources`` (which reads the folder and must
not depend on the kinds' layouts: the layouts' builders read sources) and given to it by
the build job.
"""

from __future__ import annotations

from xlmodel.workbook import layout as L
from xlmodel.workbook.resursramar import layout as R
from xlmodel.workbook import reserve_guidelines
from xlmodel.workbook.followup import build as followup


def expected_headers(kind: str, stem: str) -> list[str] | None:
    """The headers of the table a kind reads from ``stem``.csv (None where they depend on
    bok.toml, as the years of resursramar.csv, or the file is not one the kind reads)."""
    specs = {
        "regionplan": {"ramar": L.FRAMES_TABLE, "forandringar": L.CHANGES_TABLE, "publicerat": L.PUBLISHED_TABLE,
                       "resultatbudget": L.RESULTBUDGET_TABLE, "mal": L.GOALS_TABLE,
                       "balanskrav": L.BALANSKRAV_TABLE, "frister": L.STATED_DEADLINES_TABLE,
                       "index": L.INDEX_TABLE, "reservriktlinjer": reserve_guidelines.TABLE},
        "delarsrapport": {"utredning": L.UTREDNING_TABLE, "reservriktlinjer": reserve_guidelines.TABLE,
                          **{followup.CSV[s.table]: s for s in followup.SPECS if s.table in followup.CSV}},
        "resursramar": {"planar": R.PLANAR_TABLE, "fotnoter": R.FOOTNOTES_TABLE,
                        "balanskravsresultat": R.RESULTS_TABLE, "underskott": R.OPENING_TABLE},
    }
    spec = specs.get(kind, {}).get(stem)
    return [c.header for c in spec.inputs] if spec is not None else None
