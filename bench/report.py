"""RESULTS.md: the machine, the versions, and one row per measurement."""

from __future__ import annotations

from datetime import datetime, timezone

from bench.suite import Result


def _num(x: float, unit: str) -> str:
    if unit in ("s",):
        text = f"{x:.3f}"
    elif unit in ("µs", "ms"):
        text = f"{x:.2f}" if x < 100 else f"{x:.0f}"
    else:
        text = f"{x:.3f}" if x < 1 else f"{x:.2f}"
    return text.replace(".", ",")


def _abs(label: str, stats) -> str:
    if "byte" in label:
        return f"{label}: {stats.median / 1e6:.1f} MB".replace(".", ",")
    v = stats.median
    if v < 1e-3:
        return f"{label}: {_num(v * 1e6, 'µs')} µs"
    if v < 1:
        return f"{label}: {_num(v * 1e3, 'ms')} ms"
    return f"{label}: {_num(v, 's')} s"


def _met(r: Result) -> str:
    return "–" if r.met is None else ("**ja**" if r.met else "**nej**")


def table(results: list[Result]) -> str:
    lines = [
        "| mätning | baslinje (samma körning) | mål | min | median | max | uppfyllt |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        u = r.unit
        lines.append(
            f"| {r.what} | {r.baseline} | {r.target} | {_num(r.figure.min, u)} {u} | "
            f"{_num(r.figure.median, u)} {u} | {_num(r.figure.max, u)} {u} | {_met(r)} |"
        )
    return "\n".join(lines)


def details(results: list[Result]) -> str:
    lines = ["| mätning | kvot mot baslinjen (min / median / max) | absoluta medianer | anm. |", "|---|---|---|---|"]
    for r in results:
        ratio = r.ratio or (r.figure if r.unit.startswith("×") else None)
        rtext = (f"{_num(ratio.min, '×')} / {_num(ratio.median, '×')} / {_num(ratio.max, '×')}"
                 if ratio is not None else "–")
        abs_text = "; ".join(_abs(k, v) for k, v in r.absolute.items())
        lines.append(f"| `{r.key}` | {rtext} | {abs_text} | {r.note} |")
    return "\n".join(lines)


def render(results: list[Result], *, machine: dict[str, str], versions: dict[str, str], inputs: list[str],
           repeats: int, command: str, elapsed: float, explanation: str = "") -> str:
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        "# Prestanda: mätresultat",
        "",
        f"Skrivet av `{command}` ({when}, {elapsed:.0f} s). Skriv inte för hand: kör kommandot igen.",
        "Varje siffra är en kvot mot en baslinje som mättes i samma körning på samma maskin, utom där",
        "målet självt är absolut (µs, ms, s); då visas kvoten i detaljtabellen. Målen bedöms på medianen",
        f"av {repeats} upprepningar (importmätningarna minst 15, --jobb minst 9); min och max visar hur stökig körningen var.",
        "",
        "## Maskin och versioner",
        "",
        "| | |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in machine.items()],
        *[f"| {k} | {v} |" for k, v in versions.items()],
        "",
        "## Indata (genererade, `bench/generate.py`)",
        "",
        *[f"- {line}" for line in inputs],
        "",
        "## Resultat",
        "",
        table(results),
        "",
        "## Detaljer",
        "",
        details(results),
        "",
    ]
    if explanation:
        out += [explanation.rstrip(), ""]
    return "\n".join(out)
