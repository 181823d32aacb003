"""``xlmodel bygg``'s input format is strict and documented (issue 12, docs/indata.md):
unknown keys refused with the nearest valid name, missing keys named, Swedish forms
accepted, Swedish Excel's CSV read; no user mistake ends in exit 3. Through the CLI."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "workbooks" / "src"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xlmodel", *args], capture_output=True, text=True, cwd=REPO)


def copy_source(tmp_path: Path, name: str = "vasterbotten_regionplan_2021") -> Path:
    target = tmp_path / "src" / name
    shutil.copytree(SRC / name, target)
    return target


def set_key(folder: Path, key: str, value: str | None, *, rename: str | None = None) -> None:
    toml = folder / "bok.toml"
    lines = toml.read_text(encoding="utf-8").splitlines()
    out = []
    for line in lines:
        if line.split("=")[0].strip() == key:
            if value is None and rename is None:
                continue
            line = f"{rename or key} = {value if value is not None else line.split('=', 1)[1].strip()}"
        out.append(line)
    toml.write_text("\n".join(out) + "\n", encoding="utf-8")


def build(folder: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    return run_cli("bygg", str(folder), "--ut", str(tmp_path / "ut"))


def test_swedish_rate_text_is_accepted_and_gives_the_same_workbook(tmp_path):
    folder = copy_source(tmp_path)
    set_key(folder, "default_index_rate", '"1,9 %"')
    set_key(folder, "nettoram", '"8 771"')
    p = build(folder, tmp_path)
    assert p.returncode == 0, p.stderr
    built = tmp_path / "ut" / "vasterbotten_regionplan_2021.xlsm"
    assert built.read_bytes() == (REPO / "workbooks" / built.name).read_bytes()


def test_misspelt_key_is_refused_with_the_nearest_name(tmp_path):
    folder = copy_source(tmp_path)
    set_key(folder, "nettoram", None, rename="netoram")
    p = build(folder, tmp_path)
    assert p.returncode == 2, p.stderr
    assert "okänd nyckel 'netoram'" in p.stderr and "menade du 'nettoram'?" in p.stderr
    assert not (tmp_path / "ut" / "vasterbotten_regionplan_2021.xlsm").exists()


@pytest.mark.parametrize("key,value,expected", [
    ("budget_year", None, "nyckeln 'budget_year' saknas (budgetåret"),
    ("default_index_rate", None, "nyckeln 'default_index_rate' saknas (standardindex"),
    ("budget_year", '"tjugo"', "'budget_year' ska vara ett årtal"),
    ("default_index_rate", '"tre procent"', "'default_index_rate'"),
    ("default_index_rate", "true", "'default_index_rate' ska vara en andel"),
    ("nettoram", '"mycket"', "'nettoram'"),
    ("title", '""', "'title' ska vara en text som inte är tom"),
    ("file", '"plan.ods"', "ska sluta på .xlsx eller .xlsm"),
    ("file", '"../plan.xlsx"', "får inte innehålla en sökväg"),
    ("kind", '"regionplam"', "menade du 'regionplan'?"),
    ("index_note", "3", "'index_note' ska vara en text"),
])
def test_user_mistakes_in_bok_toml_are_named_never_internal(tmp_path, key, value, expected):
    folder = copy_source(tmp_path)
    set_key(folder, key, value)
    p = build(folder, tmp_path)
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert expected in p.stderr, p.stderr
    assert "internt fel" not in p.stderr


def test_other_kinds_are_strict_too(tmp_path):
    folder = copy_source(tmp_path, "vasternorrland_regionplan_2020_2022")
    set_key(folder, "reduction_method", '"linjär"')
    p = build(folder, tmp_path)
    assert p.returncode == 2 and "'reduction_method'" in p.stderr and "additiv" in p.stderr
    folder = copy_source(tmp_path / "b", "vasterbotten_delarsrapport_2021_08")
    set_key(folder, "fiscal_year", None, rename="fiscal_yaer")
    p = build(folder, tmp_path)
    assert p.returncode == 2
    assert "okänd nyckel 'fiscal_yaer' – menade du 'fiscal_year'?" in p.stderr
    assert "nyckeln 'fiscal_year' saknas" in p.stderr


def swedish_excel_csv(path: Path, encoding: str) -> None:
    """Rewrite a CSV as Swedish Excel saves it: semicolons, decimal commas, CRLF."""
    rows = list(csv.reader(path.open(encoding="utf-8-sig", newline="")))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow([re.sub(r"^(-?\d+)\.(\d+)$", r"\1,\2", x) for x in row])
    path.write_bytes(out.getvalue().encode(encoding))


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252"])
def test_semicolon_csv_with_decimal_commas_as_swedish_excel_saves_it(tmp_path, encoding):
    folder = copy_source(tmp_path)
    for name in ("ramar", "forandringar", "resultatbudget", "balanskrav"):
        swedish_excel_csv(folder / f"{name}.csv", encoding)
    assert b";" in (folder / "ramar.csv").read_bytes() and b"16,86" in (folder / "ramar.csv").read_bytes()
    p = build(folder, tmp_path)
    assert p.returncode == 0, p.stderr
    built = tmp_path / "ut" / "vasterbotten_regionplan_2021.xlsm"
    assert built.read_bytes() == (REPO / "workbooks" / built.name).read_bytes()


def test_unknown_csv_file_and_column_are_refused_with_the_nearest_name(tmp_path):
    folder = copy_source(tmp_path)
    (folder / "publicerat.csv").rename(folder / "publicerad.csv")
    p = build(folder, tmp_path)
    assert p.returncode == 2 and "publicerad.csv" in p.stderr and "menade du 'publicerat'?" in p.stderr
    (folder / "publicerad.csv").rename(folder / "publicerat.csv")
    text = (folder / "ramar.csv").read_text(encoding="utf-8")
    (folder / "ramar.csv").write_text(text.replace("Indexsats", "Index sats", 1), encoding="utf-8")
    p = build(folder, tmp_path)
    assert p.returncode == 2
    assert "okänd kolumn 'Index sats' – menade du 'Indexsats'?" in p.stderr


def test_a_misspelt_kind_key_is_named_with_the_key_it_should_be(tmp_path):
    """'kindd' for 'kind' names the key the file has, not only that 'kind' is missing."""
    folder = copy_source(tmp_path)
    set_key(folder, "kind", None, rename="kindd")
    p = build(folder, tmp_path)
    assert p.returncode == 2, p.stderr
    assert ", nyckel 'kindd', regel bygg: okänd nyckel 'kindd' – menade du 'kind'?" in p.stderr, p.stderr


def test_an_unknown_column_is_located_as_the_files_header_line(tmp_path):
    """A typo'd header names the file and its line 1, as every other CSV mistake names its file."""
    folder = copy_source(tmp_path, "vasternorrland_regionplan_2020_2022")
    text = (folder / "underskott.csv").read_text(encoding="utf-8")
    (folder / "underskott.csv").write_text(text.replace("Underskottsår", "Underskotsår", 1), encoding="utf-8")
    p = build(folder, tmp_path)
    assert p.returncode == 2, p.stderr
    assert p.stderr.startswith("xlmodel: Fil 'underskott.csv', rad 1, regel bygg: okänd kolumn 'Underskotsår' "
                               "– menade du 'Underskottsår'?"), p.stderr


def test_broken_csv_rows_and_bad_values_are_located(tmp_path):
    folder = copy_source(tmp_path)
    lines = (folder / "ramar.csv").read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("16.86", "sexton")
    (folder / "ramar.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    p = build(folder, tmp_path)
    assert p.returncode == 2 and "ramar.csv" in p.stderr and "rad 2" in p.stderr, p.stderr
    lines[1] = lines[1].replace("sexton", "16.86") + ",extra"
    (folder / "ramar.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    p = build(folder, tmp_path)
    assert p.returncode == 2 and "ramar.csv, rad 2: fler värden" in p.stderr, p.stderr


def test_indata_reference_names_every_key_and_column():
    """docs/indata.md is the reference: every key of every kind and every CSV column."""
    from xlmodel.workbook import book_input, layout
    from xlmodel.workbook.resursramar import layout as layout_resursramar
    from xlmodel.workbook.followup import layout as layout_followup

    doc = (REPO / "docs" / "indata.md").read_text(encoding="utf-8")
    for kind, model in book_input.MODELS.items():
        assert f"`{kind}`" in doc
        for key in model.model_fields:
            assert f"`{key}`" in doc, key
    for key in book_input.FollowupSection.model_fields:
        assert f"`{key}`" in doc, key
        for stem in book_input.CSV_FILES[kind]:
            assert f"`{stem}.csv`" in doc, stem
    for m in (layout, layout_resursramar, layout_followup):
        for spec in vars(m).values():
            if isinstance(spec, layout.InputTable):
                for col in spec.inputs:
                    if "{" not in col.header and not re.search(r"\d{4}$", col.header):
                        assert f"`{col.header}`" in doc, (spec.table, col.header)


def test_a_bok_toml_key_is_located_as_file_line_and_key_never_as_sheet_and_cell(tmp_path):
    """The location of a bok.toml mistake names the file as the user gave it, the line and the
    key (with its section), not "Blad 'bok.toml', cell netoram" (issue 12 item 5)."""
    folder = copy_source(tmp_path)
    set_key(folder, "nettoram", None, rename="netoram")
    line = next(n for n, x in enumerate((folder / "bok.toml").read_text(encoding="utf-8").splitlines(), 1)
                if x.startswith("netoram"))
    p = subprocess.run([sys.executable, "-m", "xlmodel", "bygg", "src/vasterbotten_regionplan_2021", "--ut", "ut"],
                       capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode == 2, p.stderr
    assert (f"Fil 'src/vasterbotten_regionplan_2021/bok.toml', rad {line}, nyckel 'netoram', regel bygg: "
            "okänd nyckel 'netoram' – menade du 'nettoram'?") in p.stderr, p.stderr
    assert "Blad" not in p.stderr and "cell" not in p.stderr and str(tmp_path) not in p.stderr

    folder = copy_source(tmp_path / "b", "vasterbotten_delarsrapport_2021_08")
    text = (folder / "bok.toml").read_text(encoding="utf-8")
    (folder / "bok.toml").write_text(text.replace("\nmanader =", "\nmanadr ="), encoding="utf-8")
    line = next(n for n, x in enumerate(text.splitlines(), 1) if x.startswith("manader"))
    p = subprocess.run([sys.executable, "-m", "xlmodel", "bygg", "src/vasterbotten_delarsrapport_2021_08",
                        "--ut", "ut"], capture_output=True, text=True, cwd=tmp_path / "b")
    assert p.returncode == 2, p.stderr
    assert (f"Fil 'src/vasterbotten_delarsrapport_2021_08/bok.toml', rad {line}, nyckel 'uppfoljning.manadr', "
            "regel bygg: okänd nyckel 'uppfoljning.manadr' – menade du 'manader'?") in p.stderr, p.stderr
    assert "Blad" not in p.stderr


@pytest.mark.parametrize("line, expected", [
    ("budget_year = = 2021", "ogiltig TOML: ogiltigt värde"),
    ("default_index_rate = 3,1 %", "ogiltig TOML: mer text efter värdet på samma rad"),
    ('title = "Regionplan', "ogiltig TOML: en text saknar sitt avslutande citattecken"),
    ("budget_year 2021", "ogiltig TOML: '=' saknas efter nyckeln"),
])
def test_a_toml_syntax_error_is_one_swedish_line_with_file_line_and_column(tmp_path, line, expected):
    """tomllib's English message, translated, located at the file as given, its line and column."""
    folder = copy_source(tmp_path)
    toml = folder / "bok.toml"
    lines = toml.read_text(encoding="utf-8").splitlines()
    key = line.split(" ")[0]
    n = next(i for i, x in enumerate(lines) if x.startswith(key + " "))
    lines[n] = line
    toml.write_text("\n".join(lines) + "\n", encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "xlmodel", "bygg", "src/vasterbotten_regionplan_2021", "--ut", "ut"],
                       capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode == 2, (p.returncode, p.stderr)
    where = f"xlmodel: Fil 'src/vasterbotten_regionplan_2021/bok.toml', rad {n + 1}, kolumn "
    assert p.stderr.startswith(where), p.stderr
    assert expected in p.stderr and p.stderr.count("\n") == 1, p.stderr
    assert not re.search(r"[Ii]nvalid|Expected|Illegal|at line", p.stderr), p.stderr


def test_a_bok_toml_not_saved_as_utf8_is_named(tmp_path):
    folder = copy_source(tmp_path)
    toml = folder / "bok.toml"
    toml.write_bytes(toml.read_text(encoding="utf-8").encode("cp1252"))
    p = build(folder, tmp_path)
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert "bok.toml" in p.stderr and "UTF-8" in p.stderr and "internt fel" not in p.stderr


@pytest.mark.parametrize("content", ["", "header"])
def test_an_empty_ramar_csv_says_it_holds_no_namnder(tmp_path, content):
    """0 bytes, or the header only: the file is named and said to hold no nämnder, exit 2 (not
    what a later rule makes of the missing rows: a change pointing at a row "that does not exist")."""
    folder = copy_source(tmp_path)
    header = (folder / "ramar.csv").read_text(encoding="utf-8").splitlines()[0]
    (folder / "ramar.csv").write_text(header + "\n" if content else "", encoding="utf-8")
    p = build(folder, tmp_path)
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert p.stderr.startswith("xlmodel: Fil 'ramar.csv', regel bygg: ") and "inga nämnder" in p.stderr, p.stderr
    if content:
        assert f"bara rubrikraden ({header.replace(',', ', ')})" in p.stderr, p.stderr
    else:
        assert "filen är tom" in p.stderr
    assert "forandringar" not in p.stderr
    assert not (tmp_path / "ut").exists() or not any((tmp_path / "ut").iterdir())


def test_an_empty_header_row_over_data_rows_is_located_as_the_files_first_line(tmp_path):
    """A CSV whose header row is empty but has rows under it names the file and its line 1 and
    the headers its table has, not a count of values against no headers on line 2."""
    folder = copy_source(tmp_path)
    rows = (folder / "ramar.csv").read_text(encoding="utf-8").splitlines()[1:]
    (folder / "ramar.csv").write_text("\n".join([""] + rows) + "\n", encoding="utf-8")
    p = build(folder, tmp_path)
    assert p.returncode == 2, p.stderr
    assert p.stderr.strip() == (
        "xlmodel: Fil 'ramar.csv', rad 1, regel bygg: rubrikraden är tom men filen har rader under den: "
        "skriv tabellens rubriker på första raden "
        "(Id, Post, Förälder, Budgetram föregående år, Indexsats, Indexeras, Decimaler)")


@pytest.mark.parametrize("name,file,what", [
    ("vasterbotten_delarsrapport_2021_08", "utredning.csv", "poster"),
    ("vasterbotten_delarsrapport_2021_08", "drift.csv", "poster"),
    ("vasterbotten_delarsrapport_2021_08", "prognos.csv", "poster"),
    ("vasternorrland_regionplan_2020_2022", "planar.csv", "år"),
    ("vasternorrland_regionplan_2020_2022", "resursramar.csv", "nämnder"),
    ("vasternorrland_regionplan_2020_2022", "balanskravsresultat.csv", "år"),
])
@pytest.mark.parametrize("header_only", [False, True])
def test_an_empty_required_csv_of_the_other_kinds_says_so_located_as_the_file(tmp_path, name, file, what,
                                                                             header_only):
    """As ramar.csv: a file that must hold rows (or, as prognos.csv, must when it is there) and is
    empty or only its header says so, naming the file, not a sheet and cell of the built book."""
    folder = copy_source(tmp_path, name)
    header = (folder / file).read_text(encoding="utf-8").splitlines()[0]
    (folder / file).write_text(header + "\n" if header_only else "", encoding="utf-8")
    p = build(folder, tmp_path)
    assert p.returncode == 2, p.stderr
    message = p.stderr.strip()
    assert message.startswith(f"xlmodel: Fil '{file}', regel bygg: "), message
    assert (f"filen har bara rubrikraden ({header.replace(',', ', ')}) och inga {what}" if header_only
            else f"filen är tom och har inga {what}") in message, message
    assert "Blad" not in message and "cell" not in message, message
