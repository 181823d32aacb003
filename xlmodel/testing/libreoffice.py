"""LibreOffice headless as an independent calculator for workbooks we build.

What it answers: "do the native formulas of this workbook compute, and to what?" It can
never run the xlwings VBA/COM functions, so their cells come back as ``#NAME?`` (that
is the expected result for ``=BALANSKRAV(...)``). Facts this module relies on were
measured on LibreOffice 7.4 (its headless recalculation and its OOXMLRecalcMode setting):

* The shipped default ``OOXMLRecalcMode=1`` ("never") trusts the cached values of an
  xlsx: a stale cached 999 in ``=A1*2`` stays 999. Every run therefore uses a throw-away
  user profile whose ``registrymodifications.xcu`` sets ``OOXMLRecalcMode=0`` (and
  ``ODFRecalcMode=0``): always recalculate on load. The same profile disables macro
  execution, because the workbooks are ``.xlsm`` and a test must never run their VBA.
* Many files in ONE ``soffice --convert-to`` call cost about 0.25 s each; one call per
  file costs 1.1-1.3 s (start-up). ``recalc_values`` batches.
* LibreOffice's xlsx output lowercases unknown function names and caches ``#NAME?``; it
  must never replace a finance workbook. Inputs are *copied* into a private temp dir
  (so LibreOffice's lock files and outputs never touch the caller's folder) and outputs
  are written to a temp dir that is deleted after reading.
* Route: convert to xlsx ("Calc MS Excel 2007 XML") and read the cached values with
  openpyxl ``data_only=True``. Unlike per-sheet CSV this keeps every sheet and every cell
  reference, needs no character-set filter options, and shows error cells as errors.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from xlmodel.errors import XlmodelError
from xlmodel.testing import CellError

# The export filter for a recalculated xlsx (LibreOffice's name for it).
XLSX_FILTER = "xlsx:Calc MS Excel 2007 XML"
# Seconds for one soffice call, whatever the batch size: a cold start is ~1.3 s and a
# batched file ~0.25 s on a 2-core machine, so 120 s leaves room for a few hundred
# small files on a slow CI runner while still stopping a hung process.
DEFAULT_TIMEOUT = 120.0
# Environment variable that points at a specific soffice (e.g. a newer LibreOffice).
SOFFICE_ENV = "XLMODEL_SOFFICE"

_WELL_KNOWN_SOFFICE = (
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    r"C:\Program Files\LibreOffice\program\soffice.exe",
)

# The profile settings: always recalculate xlsx/ods on load, never run document macros,
# and a Swedish locale (sv-SE), so numbers print as a Swedish controller's Excel prints
# them ("8 598,2") whatever the machine's own locale is.
LOCALE = "sv-SE"
_REGISTRY = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>{recalc}</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>{recalc}</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse"><value>{locale}</value></prop></item>
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooLocale" oor:op="fuse"><value>{locale}</value></prop></item>
</oor:items>
"""

SheetValues = dict[str, Any]  # cell reference ("B2") -> value
BookValues = dict[str, SheetValues]  # sheet name -> its non-empty cells


class LibreOfficeError(XlmodelError):
    """soffice is missing, hung, or did not convert some files (named in ``failed``).

    ``converted`` (from ``convert``) maps the files that did convert to their outputs;
    ``values`` (from ``recalc_values``) holds their recalculated values instead.
    """

    def __init__(
        self,
        message: str,
        *,
        failed: list[Path] | None = None,
        converted: dict[Path, Path] | None = None,
        output: str = "",
    ) -> None:
        self.message = message
        self.failed = failed or []
        self.converted = converted or {}
        self.output = output
        self.values: dict[Path, BookValues] = {}  # recalc_values: the files that did convert
        super().__init__(message + (f"\nsoffice skrev:\n{output}" if output.strip() else ""))


def find_soffice() -> str | None:
    """The soffice executable: $XLMODEL_SOFFICE, then PATH, then the usual install dirs."""
    override = os.environ.get(SOFFICE_ENV)
    if override:
        return override if Path(override).is_file() else None
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in _WELL_KNOWN_SOFFICE:
        if Path(candidate).is_file():
            return candidate
    return None


def _require_soffice(soffice: str | None) -> str:
    exe = soffice or find_soffice()
    if exe is None:
        raise LibreOfficeError(
            "LibreOffice (soffice) hittades inte. Installera det (Debian: apt-get install -y "
            f"--no-install-recommends libreoffice-calc-nogui) eller ange sökvägen i {SOFFICE_ENV}."
        )
    return exe


def _write_profile(profile_dir: Path, *, recalc: bool = True) -> None:
    """``recalc``: recalculate on load (0, the default here) or show the stored values as
    LibreOffice's own default does (1, used to render pictures of what a reader sees)."""
    user = profile_dir / "user"
    user.mkdir(parents=True, exist_ok=True)
    registry = _REGISTRY.format(recalc=0 if recalc else 1, locale=LOCALE)
    (user / "registrymodifications.xcu").write_text(registry, encoding="utf-8")


def convert(
    paths: list[Path] | list[str],
    out_dir: Path,
    *,
    fmt: str = XLSX_FILTER,
    timeout: float = DEFAULT_TIMEOUT,
    soffice: str | None = None,
    recalc: bool = True,
) -> dict[Path, Path]:
    """Convert many files in ONE soffice call; return {input path: output path}.

    Inputs are copied under numbered names into a private directory first, so two
    inputs with the same file name in different folders cannot overwrite each other's
    output, and nothing (lock files, outputs) is ever written next to an input.
    Raises LibreOfficeError if soffice is missing, exceeds ``timeout`` (the whole
    process group is killed), or leaves some files unconverted (``.failed`` lists them,
    ``.converted`` holds the ones that did convert).
    """
    exe = _require_soffice(soffice)
    inputs = list(dict.fromkeys(Path(p) for p in paths))  # de-duplicate, keep order
    missing = [p for p in inputs if not p.is_file()]
    if missing:
        raise LibreOfficeError(
            "filen finns inte: " + ", ".join(str(p) for p in missing), failed=missing
        )
    if not inputs:
        return {}
    out_dir.mkdir(parents=True, exist_ok=True)
    out_ext = "." + fmt.split(":", 1)[0]
    with tempfile.TemporaryDirectory(prefix="xlmodel-lo-") as tmp:
        work = Path(tmp)
        profile, staged_dir = work / "profile", work / "in"
        _write_profile(profile, recalc=recalc)
        staged_dir.mkdir()
        staged: dict[Path, Path] = {}
        for i, src in enumerate(inputs):
            staged[src] = staged_dir / f"f{i:04d}{src.suffix.lower()}"
            shutil.copyfile(src, staged[src])
        cmd = [
            exe,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--invisible",
            "--nologo",
            "--nodefault",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            fmt,
            "--outdir",
            str(out_dir),
            *(str(p) for p in staged.values()),
        ]
        output = _run(cmd, timeout=timeout)
        for src, copy in staged.items():  # say which of the caller's files a message is about
            output = output.replace(str(copy), str(src))
        converted: dict[Path, Path] = {}
        failed: list[Path] = []
        for src, copy in staged.items():
            produced = out_dir / (copy.stem + out_ext)
            if produced.is_file() and produced.stat().st_size > 0:
                converted[src] = produced
            else:
                failed.append(src)
    if failed:
        raise LibreOfficeError(
            f"LibreOffice konverterade inte {len(failed)} av {len(inputs)} filer: "
            + ", ".join(str(p) for p in failed),
            failed=failed,
            converted=converted,
            output=output,
        )
    return converted


def _run(cmd: list[str], *, timeout: float) -> str:
    """Run soffice in its own process group so a timeout can kill oosplash and soffice.bin too."""
    env = dict(os.environ)
    env.setdefault("SAL_USE_VCLPLUGIN", "svp")  # no display needed, even on a desktop
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        env=env,
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        out, _ = proc.communicate()
        raise LibreOfficeError(
            f"LibreOffice svarade inte inom {timeout:g} s och avbröts.",
            output=out.decode("utf-8", "replace"),
        ) from None
    text = out.decode("utf-8", "replace")
    if proc.returncode != 0:
        raise LibreOfficeError(f"soffice avslutades med kod {proc.returncode}.", output=text)
    return text


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the group we created with start_new_session
    except ProcessLookupError:
        pass


def read_values(path: Path) -> BookValues:
    """Every non-empty cell's cached value, per sheet, as openpyxl ``data_only`` reads it.

    Error cells come back as ``CellError`` (equal to "#NAME?" etc. but distinguishable
    from text). Formulas with no cached value read as None and are left out.
    """
    from openpyxl import load_workbook  # deferred: importing this module stays cheap

    wb = load_workbook(path, data_only=True)
    try:
        book: BookValues = {}
        for ws in wb.worksheets:
            cells: SheetValues = {}
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value is None:
                        continue
                    value = cell.value
                    if cell.data_type == "e" and isinstance(value, str):
                        value = CellError(value)
                    cells[cell.coordinate] = value
            book[ws.title] = cells
        return book
    finally:
        wb.close()


def recalc_values(
    paths: list[Path] | list[str],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    soffice: str | None = None,
) -> dict[Path, BookValues]:
    """Recalculate workbooks in LibreOffice (one soffice call) and return their values.

    ``{input path: {sheet name: {"B2": value, ...}}}``. Stale cached values in the
    inputs are ignored (the profile forces a recalculation); functions LibreOffice does
    not know, such as our xlwings UDFs, read as ``CellError("#NAME?")``. The inputs are
    never modified. Raises LibreOfficeError as ``convert`` does.
    """
    with tempfile.TemporaryDirectory(prefix="xlmodel-lo-out-") as out:
        try:
            converted = convert(paths, Path(out), fmt=XLSX_FILTER, timeout=timeout, soffice=soffice)
        except LibreOfficeError as exc:
            # The files that did convert are still worth reading: attach their values,
            # because the temp outputs vanish when this block ends.
            exc.values = {src: read_values(dst) for src, dst in exc.converted.items()}
            exc.converted = {}
            raise
        return {src: read_values(dst) for src, dst in converted.items()}


def render_pdf(
    path: Path | str, out_dir: Path, *, timeout: float = DEFAULT_TIMEOUT, soffice: str | None = None,
    recalc: bool = True,
) -> Path:
    """Print every sheet of a workbook to ``out_dir/<stem>.pdf`` (LibreOffice's page setup)."""
    src = Path(path)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="xlmodel-lo-pdf-") as tmp:
        produced = convert([src], Path(tmp), fmt="pdf", timeout=timeout, soffice=soffice, recalc=recalc)[src]
        target = out_dir / (src.stem + ".pdf")
        shutil.move(str(produced), target)
    return target


def render_png(
    path: Path | str, out_dir: Path, *, dpi: int = 96, timeout: float = DEFAULT_TIMEOUT, soffice: str | None = None,
    recalc: bool = True,
) -> list[Path]:
    """Screenshots: PDF through LibreOffice, then one PNG per page through pdftoppm.

    Needs ``pdftoppm`` (Debian package poppler-utils). Returns the PNGs in page order
    (``<stem>-1.png``, ``<stem>-2.png`` ...; pdftoppm zero-pads when there are 10+ pages).
    """
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise LibreOfficeError(
            "pdftoppm hittades inte; installera poppler-utils (apt-get install -y poppler-utils)."
        )
    src = Path(path)
    with tempfile.TemporaryDirectory(prefix="xlmodel-lo-png-") as tmp:
        pdf = render_pdf(src, Path(tmp), timeout=timeout, soffice=soffice, recalc=recalc)
        out_dir.mkdir(parents=True, exist_ok=True)
        prefix = out_dir / src.stem
        for old in out_dir.glob(f"{src.stem}-*.png"):
            old.unlink()  # a stale page 3 from an earlier, longer render would mislead
        try:
            subprocess.run(
                [pdftoppm, "-png", "-r", str(dpi), str(pdf), str(prefix)],
                check=True,
                capture_output=True,
                timeout=timeout,
            )
        except subprocess.CalledProcessError as exc:
            raise LibreOfficeError(
                f"pdftoppm misslyckades (kod {exc.returncode}).",
                output=exc.stderr.decode("utf-8", "replace"),
            ) from None
        except subprocess.TimeoutExpired:
            raise LibreOfficeError(f"pdftoppm svarade inte inom {timeout:g} s.") from None
    return sorted(out_dir.glob(f"{src.stem}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))


__all__ = [
    "DEFAULT_TIMEOUT",
    "LibreOfficeError",
    "XLSX_FILTER",
    "convert",
    "find_soffice",
    "read_values",
    "recalc_values",
    "render_pdf",
    "render_png",
]
