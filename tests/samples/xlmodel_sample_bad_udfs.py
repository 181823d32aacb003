"""Deliberately broken sample UDF module: every name/doc mistake the linter must catch."""

from decimal import Decimal

import xlwings as xw


@xw.func(category="Regionbudget (prov)")
@xw.arg("date", doc="Datum.")
def ABC1(date):
    """Ser ut som en cellreferens och har ett VBA-nyckelord som argument."""
    return date


@xw.func(category="Regionbudget (prov)")
@xw.arg("belopp", doc="Belopp.")
def BALANSKRAV_ÅR(belopp):
    """Icke-ASCII i namnet."""
    return belopp


def LANG_BESKRIVNING(x):
    return x


# A description of 300+ characters (xlwings would cut it at 255 without a word), no
# argument help, and the default category.
LANG_BESKRIVNING.__doc__ = "Denna beskrivning är alldeles för lång för funktionsguiden. " + "x" * 300
LANG_BESKRIVNING = xw.func(category="xlwings")(LANG_BESKRIVNING)


@xw.func(category="Regionbudget (prov)")
@xw.arg("Belopp", doc="Belopp.")
@xw.arg("belopp", doc="Samma namn i VBA.")
@xw.arg("application", doc="Skuggar Application i omslaget.")
def DUBBEL(Belopp, belopp, application):
    """Argument som bara skiljer sig i stora/små bokstäver."""
    return Belopp


@xw.func(category="Regionbudget (prov)")
@xw.arg("x", ndim=3, bogus=1, doc="Ogiltiga optioner.")
def OPTIONER(x: Decimal):
    """Okända optioner och en typ utan omvandlare."""
    return x


@xw.func(category="Regionbudget (prov)")
@xw.arg("r1", doc="Ser ut som R1C1.")
def Summa(r1):
    """Samma VBA-namn som SUMMA nedan."""
    return r1


@xw.func(category="Regionbudget (prov)")
@xw.arg("x", doc="Ett tal.")
def SUMMA(x):
    """Krockar med Summa."""
    return x
