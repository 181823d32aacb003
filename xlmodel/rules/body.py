"""The kind of body a plan belongs to: region or kommun, and what follows from it.

The balance requirement, restoration, reserves and frame rules are the same for the 21
regions and the 290 municipalities (KL 11 kap. applies to both). What differs is the
vocabulary of their documents and the index they uplift with:

- a **region** uplifts with landstingsprisindex (LPIK, SKR, with or without läkemedel)
  and is led by regionstyrelsen and its nämnder under regionfullmäktige;
- a **kommun** uplifts with prisindex för kommunal verksamhet (PKV, SKR) and is led by
  kommunstyrelsen and its nämnder under kommunfullmäktige.

Both name the reserve and goal base "skatteintäkter, generella statsbidrag och
utjämning". ``BodyType`` carries these words and the parameter key of the index series
(``params``: 'index.lpik', 'index.pkv'), so a shell that makes a new plan (``xlmodel
ny --kommun``, not built here) or a validator asks one place. xlmodel ships index
figures only where it can cite them (index.toml); a series without a figure for a
year is looked up in the workbook's own Index table.
"""

from __future__ import annotations

from dataclasses import dataclass

from xlmodel.errors import InputError

RULE = "organ"


@dataclass(frozen=True)
class BodyType:
    key: str                  # "region" | "kommun"
    name: str                 # Swedish, lower case: "region", "kommun"
    index_series: str         # params key of the default index series
    index_name: str           # short name as printed: "LPIK", "PKV"
    index_long: str           # full name
    fullmaktige: str          # "regionfullmäktige", "kommunfullmäktige"
    styrelse: str             # "regionstyrelsen", "kommunstyrelsen"
    styrelse_id: str          # a frame-row id for the board: "RS", "KS"
    namnder: str              # "nämnder"
    base_label: str           # the base of the reserve rules and the financial goals
    plan_title: str           # what the yearly plan is usually called

    def index_label(self) -> str:
        return f"Standardindex ({self.index_name})"


REGION = BodyType(
    key="region", name="region", index_series="index.lpik", index_name="LPIK",
    index_long="landstingsprisindex med kvalitetsjusterade löner (LPIK)",
    fullmaktige="regionfullmäktige", styrelse="regionstyrelsen", styrelse_id="RS", namnder="nämnder",
    base_label="Skatteintäkter, generella statsbidrag och utjämning", plan_title="Regionplan",
)
KOMMUN = BodyType(
    key="kommun", name="kommun", index_series="index.pkv", index_name="PKV",
    index_long="prisindex för kommunal verksamhet (PKV)",
    fullmaktige="kommunfullmäktige", styrelse="kommunstyrelsen", styrelse_id="KS", namnder="nämnder",
    base_label="Skatteintäkter, generella statsbidrag och utjämning", plan_title="Budget och flerårsplan",
)
BODY_TYPES: dict[str, BodyType] = {"region": REGION, "kommun": KOMMUN}
_ALIASES = {"region": "region", "landsting": "region", "kommun": "kommun", "primärkommun": "kommun"}


def body_type(text: str | None) -> BodyType:
    """The body type from a word as a user types it ("kommun", "Region", "landsting");
    blank = region (what xlmodel was first made for)."""
    if text is None or not str(text).strip():
        return REGION
    key = _ALIASES.get(str(text).strip().lower())
    if key is None:
        raise InputError(f"okänd organisationstyp '{text}' (ange kommun eller region)", rule=RULE, argument="typ")
    return BODY_TYPES[key]
