"""The command line as a user and a CI job meet it: real ``python -m xlmodel`` processes.

These tests need no workbook from the workbook layer: they cover help, version,
files that cannot be read (the pre-flight in xlmodel.xlsx.limits), the report
formats, the process pool, usage errors, the internal-error path and shell
completion. Validating real workbooks is in tests/test_cli_workbooks.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from xlmodel import __version__

ROOT = Path(__file__).resolve().parents[1]
SUBCOMMANDS = ["validera", "validate", "regenerera", "regenerate", "bygg", "build", "komplettering", "completion"]


def run(*args: str, cwd: Path | None = None, env: dict | None = None, code: str | None = None):
    """Run ``python -m xlmodel ARGS`` (or ``python -c CODE ARGS``) and return the completed process."""
    full_env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    full_env.pop("XLMODEL_DEBUG", None)
    full_env.pop("NO_COLOR", None)
    full_env.update(env or {})
    cmd = [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "xlmodel", *args]
    return subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", cwd=cwd or ROOT, env=full_env,
                          timeout=120)


def minimal_package(path: Path) -> Path:
    """A zip that passes the package pre-flight (it has [Content_Types].xml) but is no workbook."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
    return path


# ------------------------------------------------------------------ help and version


@pytest.mark.parametrize("sub", [None, *SUBCOMMANDS])
def test_help_has_swedish_examples(sub):
    p = run(*([sub] if sub else []), "--help")
    assert p.returncode == 0, p.stderr
    assert "Exempel:" in p.stdout
    assert p.stdout.startswith("användning: xlmodel")
    assert "show this help" not in p.stdout and "usage:" not in p.stdout


def test_main_help_lists_every_command_and_the_exit_codes():
    out = run("--help").stdout
    for name in ("validera", "regenerera", "bygg", "komplettering"):
        assert name in out
    assert "Slutkoder:" in out and "XLMODEL_DEBUG=1" in out


def test_version():
    p = run("--version")
    assert p.returncode == 0
    assert p.stdout.strip() == f"xlmodel {__version__}"


def test_no_command_prints_help_and_exits_2():
    p = run()
    assert p.returncode == 2
    assert "användning: xlmodel" in p.stderr


def test_usage_errors_are_swedish_and_exit_2(tmp_path):
    p = run("validera", "--okand", "a.xlsx")
    assert p.returncode == 2
    assert "xlmodel: fel: okända argument: --okand" in p.stderr
    p = run("validera", "--format", "csv", "a.xlsx")
    assert p.returncode == 2 and "ogiltigt val: 'csv'" in p.stderr
    p = run("validera", "--jobb", "0", "a.xlsx")
    assert p.returncode == 2 and "måste vara minst 1" in p.stderr
    p = run("validera")
    assert p.returncode == 2 and "följande argument saknas: FIL" in p.stderr


def test_cli_import_is_light():
    """`xlmodel --help` must not pay for openpyxl or pandas (start-up target)."""
    code = (
        "import sys, xlmodel.cli, xlmodel.report; "
        "heavy = [m for m in ('openpyxl', 'pandas', 'numpy', 'xlwings', 'lxml') if m in sys.modules]; "
        "print(heavy)"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert p.stdout.strip() == "[]", p.stdout + p.stderr


# ------------------------------------------------------------------ unreadable files


def test_missing_file_exits_2_with_swedish_message(tmp_path):
    p = run("validera", str(tmp_path / "finns_inte.xlsx"))
    assert p.returncode == 2
    assert "finns_inte.xlsx: kunde inte läsas – filen finns inte" in p.stdout
    assert p.stdout.rstrip().endswith("1 fil, 0 fel, 0 varningar, 1 fil kunde inte läsas")
    assert "Traceback" not in p.stderr


def test_non_zip_file_exits_2(tmp_path):
    fake = tmp_path / "budget.xlsx"
    fake.write_text("Det här är ingen arbetsbok\n", encoding="utf-8")
    p = run("validera", str(fake))
    assert p.returncode == 2
    assert "filen är ingen Excel-arbetsbok" in p.stdout


def test_encrypted_or_legacy_xls_gets_its_own_message(tmp_path):
    ole = tmp_path / "skyddad.xlsx"
    ole.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    p = run("validera", str(ole))
    assert p.returncode == 2
    assert "lösenordsskyddad" in p.stdout


def test_directory_without_workbooks_exits_2(tmp_path):
    p = run("validera", str(tmp_path))
    assert p.returncode == 2
    assert "katalogen innehåller inga .xlsx- eller .xlsm-filer" in p.stdout


def test_regenerate_and_build_report_unreadable_input_on_stderr(tmp_path):
    p = run("regenerera", str(tmp_path / "saknas.xlsx"))
    assert p.returncode == 2
    assert "saknas.xlsx: filen finns inte" in p.stderr and p.stdout == ""
    pdf = tmp_path / "plan.xlsx"
    pdf.write_bytes(b"%PDF-1.7\n")
    p = run("regenerera", "--torrkorning", str(pdf))
    assert p.returncode == 2
    assert "plan.xlsx: filen är ingen Excel-arbetsbok" in p.stderr
    p = run("bygg", str(tmp_path / "ingen_kalla"))
    assert p.returncode == 2 and "källan finns inte" in p.stderr


# ------------------------------------------------------------------ formats, output file, pool


def test_json_and_junit_for_unreadable_files(tmp_path):
    missing = str(tmp_path / "saknas.xlsx")
    p = run("validera", "--format", "json", missing)
    assert p.returncode == 2
    doc = json.loads(p.stdout)
    assert doc["schema"] == "xlmodel.validate/1"
    assert doc["exit_code"] == 2 and doc["files"][0]["status"] == "unreadable"
    p = run("validera", "--format", "junit", missing)
    root = ET.fromstring(p.stdout)
    assert root.find("testsuite/testcase/error").get("message") == "filen finns inte"


def test_output_file_gets_the_format_and_stdout_the_text(tmp_path):
    out = tmp_path / "rapport.xml"
    p = run("validera", "--format", "junit", "--utfil", str(out), str(tmp_path / "saknas.xlsx"))
    assert p.returncode == 2
    assert ET.parse(out).getroot().get("errors") == "1"
    assert "kunde inte läsas" in p.stdout
    assert f"rapport (junit) skriven till {out}" in p.stdout
    assert not [f for f in tmp_path.iterdir() if f.name.endswith(".tmp")]  # atomic write left nothing


def test_output_file_in_missing_directory_exits_2(tmp_path):
    p = run("validera", "--utfil", str(tmp_path / "saknas" / "r.json"), "--format", "json", str(tmp_path / "a.xlsx"))
    assert p.returncode == 2
    assert "kan inte skriva rapporten till" in p.stderr


def test_many_unreadable_files_keep_input_order_whatever_the_job_count(tmp_path):
    """(The pool itself runs on real workbooks in test_cli_workbooks.py: the parent validates
    up to the first readable file before it starts workers.)"""
    names = [f"bok_{i:02d}.xlsx" for i in range(12)][::-1]   # deliberately not sorted
    for i, name in enumerate(names):
        if i % 3 == 0:
            (tmp_path / name).write_text("inte en zip", encoding="utf-8")   # present but unreadable
    paths = [str(tmp_path / n) for n in names]
    pooled = run("validera", "--format", "json", "--jobb", "2", *paths)
    serial = run("validera", "--format", "json", "--jobb", "1", *paths)
    assert pooled.returncode == serial.returncode == 2
    assert pooled.stdout == serial.stdout
    doc = json.loads(pooled.stdout)
    assert [f["path"] for f in doc["files"]] == paths
    assert [("ingen Excel" in f["error"]) for f in doc["files"]] == [i % 3 == 0 for i in range(12)]
    assert pooled.stderr == ""      # no progress line: stderr is not a terminal


def test_glob_patterns_are_expanded_and_lock_files_skipped(tmp_path):
    for name in ("b.xlsx", "a.xlsm", "~$a.xlsm", "c.txt"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    p = run("validera", "--format", "json", str(tmp_path / "*.xls?"))
    assert [Path(f["path"]).name for f in json.loads(p.stdout)["files"]] == ["a.xlsm", "b.xlsx"]
    p = run("validera", "--format", "json", str(tmp_path))
    assert [Path(f["path"]).name for f in json.loads(p.stdout)["files"]] == ["a.xlsm", "b.xlsx"]


# ------------------------------------------------------------------ internal errors

# A broken installation (the workbook layer cannot be imported) is a real internal
# error: sys.modules[name] = None makes the import fail exactly as a missing module.
BROKEN_INSTALL = (
    "import sys; sys.modules['xlmodel.workbook.validate'] = None; "
    "from xlmodel.cli import main; sys.exit(main(sys.argv[1:]))"
)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_internal_error_is_one_swedish_line_without_traceback(tmp_path, jobs):
    books = [str(minimal_package(tmp_path / f"bok{i}.xlsx")) for i in range(2)]
    p = run("validera", "--jobb", jobs, *books, code=BROKEN_INSTALL)
    assert p.returncode == 3
    assert "Traceback" not in p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("xlmodel: internt fel: ModuleNotFoundError")
    assert lines[0].endswith("(kör med XLMODEL_DEBUG=1 för spårning)")


def test_internal_error_with_debug_shows_traceback(tmp_path):
    book = str(minimal_package(tmp_path / "bok.xlsx"))
    p = run("validera", "--jobb", "1", book, code=BROKEN_INSTALL, env={"XLMODEL_DEBUG": "1"})
    assert p.returncode == 3
    assert "Traceback (most recent call last)" in p.stderr
    assert p.stderr.strip().splitlines()[-1].startswith("xlmodel: internt fel:")


# ------------------------------------------------------------------ shell completion


def bash_complete(words: list[str], cwd: Path) -> list[str]:
    """Source the generated script and call its completion function as bash would."""
    script = run("komplettering", "bash").stdout
    (cwd / "xlmodel.bash").write_text(script, encoding="utf-8")
    quoted = " ".join("'" + w.replace("'", "'\\''") + "'" for w in words)
    prog = (
        "source ./xlmodel.bash\n"
        f"COMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}\n"
        "_xlmodel\n"
        "complete -p xlmodel >/dev/null || exit 7\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    p = subprocess.run(["bash", "--norc", "--noprofile", "-c", prog], capture_output=True, text=True, cwd=cwd,
                       timeout=60)
    assert p.returncode == 0, p.stderr
    return sorted(x for x in p.stdout.splitlines() if x)


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash saknas")
def test_bash_completion_works(tmp_path):
    assert bash_complete(["xlmodel", "va"], tmp_path) == ["validate", "validera"]
    assert bash_complete(["xlmodel", "re"], tmp_path) == ["regenerate", "regenerera"]
    assert "--version" in bash_complete(["xlmodel", "--"], tmp_path)
    assert bash_complete(["xlmodel", "validera", "--format", ""], tmp_path) == ["json", "junit", "text"]
    assert bash_complete(["xlmodel", "validera", "--st"], tmp_path) == ["--strict", "--strikt"]
    assert "--torrkorning" in bash_complete(["xlmodel", "regenerera", "--"], tmp_path)
    assert bash_complete(["xlmodel", "komplettering", ""], tmp_path) == ["bash", "fish", "zsh"]
    for name in ("plan.xlsx", "makro.XLSM", "anteckning.txt"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    (tmp_path / "arkiv").mkdir()
    # Workbook arguments complete workbooks and folders, not other files.
    assert bash_complete(["xlmodel", "validera", ""], tmp_path) == ["arkiv", "makro.XLSM", "plan.xlsx"]
    assert bash_complete(["xlmodel", "validera", "--utfil", "an"], tmp_path) == ["anteckning.txt"]
    assert bash_complete(["xlmodel", "bygg", ""], tmp_path) == ["arkiv"]


def test_zsh_and_fish_scripts_are_generated():
    zsh = run("komplettering", "zsh")
    assert zsh.returncode == 0
    assert zsh.stdout.startswith("#compdef xlmodel")
    assert "'validera:kontrollera arbetsböcker mot budgetreglerna'" in zsh.stdout
    assert "--format[rapportformat (standard text)]:format:(text json junit)" in zsh.stdout
    fish = run("komplettering", "fish")
    assert fish.returncode == 0
    assert "complete -c xlmodel -n '__fish_seen_subcommand_from validera validate' -l format -x -a 'text json junit'" \
        in fish.stdout


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh saknas")
def test_zsh_script_parses(tmp_path):
    script = tmp_path / "_xlmodel"
    script.write_text(run("komplettering", "zsh").stdout, encoding="utf-8")
    p = subprocess.run(["zsh", "-n", str(script)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr


# ------------------------------------------------------------------ terminal behaviour


def run_on_terminal(*args: str, env: dict | None = None) -> tuple[int, str, str]:
    """Run with stdout and stderr on two real pseudo-terminals; return (code, stdout, stderr)."""
    import select

    full_env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    full_env.pop("NO_COLOR", None)
    full_env.update(env or {})
    masters, slaves = zip(*(os.openpty() for _ in range(2)))
    proc = subprocess.Popen([sys.executable, "-m", "xlmodel", *args], stdin=subprocess.DEVNULL,
                            stdout=slaves[0], stderr=slaves[1], cwd=ROOT, env=full_env)
    for fd in slaves:
        os.close(fd)
    chunks: dict[int, bytes] = {fd: b"" for fd in masters}
    open_fds = set(masters)
    while open_fds:
        ready, _, _ = select.select(list(open_fds), [], [], 60)
        if not ready:
            break
        for fd in ready:
            try:
                data = os.read(fd, 65536)
            except OSError:   # EIO: the other end is closed
                data = b""
            if data:
                chunks[fd] += data
            else:
                open_fds.discard(fd)
    code = proc.wait(timeout=60)
    for fd in masters:
        os.close(fd)
    return code, chunks[masters[0]].decode("utf-8"), chunks[masters[1]].decode("utf-8")


def test_progress_and_colour_only_on_a_terminal(tmp_path):
    paths = [str(tmp_path / f"saknas{i}.xlsx") for i in range(5)]
    code, out, err = run_on_terminal("validera", "--jobb", "2", *paths)
    assert code == 2
    assert "validerar 5/5" in err            # progress on the terminal's stderr
    assert "\x1b[31m" in out                  # red for the unreadable files
    code, out, _ = run_on_terminal("validera", *paths, env={"NO_COLOR": "1"})
    assert code == 2 and "\x1b[" not in out
    code, _, err = run_on_terminal("validera", *paths[:2])
    assert "validerar" not in err             # two files: over before a progress line is read
