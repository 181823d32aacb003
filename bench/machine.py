"""The machine and the versions a benchmark ran on (the head of RESULTS.md)."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata
from pathlib import Path

VERSIONED = ("xlwings", "openpyxl", "lxml", "pydantic", "XlsxWriter", "python-calamine", "defusedxml")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def ram_bytes() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def versions() -> dict[str, str]:
    out = {"Python": f"{platform.python_implementation()} {platform.python_version()}"}
    for name in VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "saknas"
    return out


def describe() -> dict[str, str]:
    ram = ram_bytes()
    return {
        "CPU": cpu_model(),
        "Kärnor (användbara)": f"{usable_cores()} av {os.cpu_count()}",
        "RAM": f"{ram / 2**30:.1f} GiB" if ram else "okänt",
        "OS": f"{platform.system()} {platform.release()} ({platform.machine()})",
        "Python-körbar": sys.executable,
    }
