"""Fixtures several test files share."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session")
def soffice() -> str:
    """LibreOffice's soffice. Skipped without it on a developer's machine; with CI=true a
    missing soffice fails the test (`make test` installs it; CI must never pass by
    silently skipping the checks a real spreadsheet program makes)."""
    from xlmodel.testing.libreoffice import find_soffice

    exe = find_soffice()
    if exe is None:
        message = "LibreOffice (soffice) saknas; installera libreoffice-calc-nogui (scripts/setup.sh --libreoffice)"
        if os.environ.get("CI", "").strip().lower() == "true":
            pytest.fail(message + " (CI=true: testerna får inte hoppas över)")
        pytest.skip(message)
    return exe
