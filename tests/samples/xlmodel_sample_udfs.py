"""Sample UDF module for the harness tests: every shape of function the add-in uses."""

import xlwings as xw

KATEGORI = "Regionbudget (prov)"


@xw.func(category=KATEGORI)
@xw.arg("belopp", ndim=2, numbers=float, empty=0.0, doc="Område med belopp i mkr; tomma celler räknas som 0.")
def SUMMA(belopp):
    """Summerar beloppen i ett område (tomma celler räknas som 0)."""
    return sum(sum(rad) for rad in belopp)


@xw.func(category=KATEGORI)
@xw.arg("ram", doc="Ramen i mkr.")
@xw.arg("procent", doc="Uppräkning som andel, t.ex. 0,019; utelämnad ger 0.")
def UPPRAKNA(ram, procent=0.0):
    """Räknar upp en ram med en procentsats (utelämnad sats ger oförändrad ram)."""
    return ram * (1 + procent)


@xw.func(category=KATEGORI)
@xw.arg("antal", numbers=int, doc="Antal år att visa.")
def ARSTABELL(antal):
    """Returnerar en tabell år/index som spiller ut i bladet."""
    return [["År", "Index"]] + [[2025 + i, 1.0 + i / 100] for i in range(antal)]


@xw.func(category=KATEGORI, volatile=True)
@xw.arg("varde", err_to_str=True, doc="Ett värde, felvärden visas som text.")
def FELTEXT(varde, caller):
    """Visar vad funktionen fick: felvärdet som text och den anropande cellen."""
    return f"{varde}|{caller}"


@xw.func(category=KATEGORI)
@xw.arg("belopp", numbers=float, empty=0.0, doc="Ett eller flera belopp i mkr.")
def SUMMA_ALLA(*belopp):
    """Summerar alla angivna belopp."""
    total = 0.0
    for b in belopp:
        total += sum(x for rad in b for x in rad) if isinstance(b, list) and b and isinstance(b[0], list) else (
            sum(b) if isinstance(b, list) else b
        )
    return total


@xw.script(category=KATEGORI)
def uppdatera_ramtabell():
    """Skriver om ramtabellen (makro)."""
    book = xw.Book.caller()  # pragma: no cover - needs Excel; only the VBA wrapper is tested
    raise NotImplementedError(f"bara för VBA-generering i testerna ({book})")
