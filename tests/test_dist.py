"""`make dist`'s wheel installs into a fresh virtual environment and works there.

The wheel is built as `make dist` builds it (pip wheel, the pyproject build backend).
The fresh environment gets only the wheel (``pip install --no-index --no-deps``); its
dependencies are the ones this test environment already has, made visible to the fresh
one by a .pth line, so the test needs no network for 100 MB of pandas and numpy and
still checks them: ``pip check`` in the fresh environment verifies that every
requirement the wheel declares (xlwings==0.37.8 exactly, pandas …) is satisfied. The
installed program then runs from a directory outside the repository."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

import xlmodel

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def run(*args, cwd=None):
    out = subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd)
    assert out.returncode == 0, (args, out.stdout[-2000:], out.stderr[-2000:])
    return out.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    dist = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", dist, ROOT)
    (built,) = dist.glob("xlmodel-*.whl")
    return built


def test_the_wheel_is_versioned_and_pins_xlwings(wheel):
    assert wheel.name == f"xlmodel-{xlmodel.__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        meta = zf.read(f"xlmodel-{xlmodel.__version__}.dist-info/METADATA").decode()
    assert "Requires-Dist: xlwings==0.37.8" in meta.splitlines()
    assert any(line.startswith("Requires-Dist: pandas") for line in meta.splitlines())
    assert {"udfs/__init__.py", "udfs/frametable.py", "xlmodel/params/index.toml", "xlmodel/params/law.toml",
            "xlmodel/excel_install.py"} <= names
    assert not any(n.startswith(("tests/", "bench/", "workbooks/")) for n in names)


def test_the_wheel_installs_into_a_fresh_venv_and_runs(wheel, tmp_path):
    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    py = env / ("Scripts/python.exe" if sys.platform.startswith("win") else "bin/python")
    site = Path(run(py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip())
    (site / "deps_from_test_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(py, "-m", "pip", "install", "--quiet", "--no-index", "--no-deps", wheel)
    run(py, "-m", "pip", "check")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    got = run(py, "-c", "import xlmodel, udfs; print(xlmodel.__file__); print(udfs.__file__); "
                        "print(udfs.BALANSKRAV(869, 0, None, None, -716, 15))", cwd=elsewhere).split()
    assert all(Path(p).is_relative_to(env) for p in got[:2]), got
    assert got[2] == "168.0"
    assert run(py, "-m", "xlmodel", "--version", cwd=elsewhere).strip() == f"xlmodel {xlmodel.__version__}"
    book = ROOT / "workbooks" / "vasterbotten_delarsrapport_2021_08.xlsm"
    run(py, "-m", "xlmodel", "validera", book, cwd=elsewhere)
    assert "Så här skulle den förberedas" in run(py, "-m", "xlmodel", "excel", "installera", "--torrkorning",
                                                  book, cwd=elsewhere)
