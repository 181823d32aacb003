"""Atomic save: refuses a file changed on disk, keeps a backup, leaves no temp files,
keeps the original on any failure, and writes unchanged parts back identically."""

from __future__ import annotations

import os
import stat
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from xlsx_fixtures import minimal_xlsx, rich_xlsm, rich_xlsm_master, sheet  # noqa: F401  (pytest fixtures; rich_xlsm needs rich_xlsm_master)
from xlmodel.errors import WorkbookError
from xlmodel.xlsx import CellWrite, Package, patch_sheet, save_package
from xlmodel.xlsx import atomic
from xlmodel.xlsx.atomic import BACKUP_DIR, file_sha256


def _temps(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".~")]


def _patched(path: Path) -> tuple[Package, Package]:
    pkg = Package.open(path)
    return pkg, patch_sheet(pkg, "Ramtabell", [CellWrite("B3", Decimal("700"))])


def test_unmodified_package_round_trips_exactly(rich_xlsm: Path, tmp_path: Path) -> None:
    pkg = Package.open(rich_xlsm)
    out = tmp_path / "kopia.xlsm"
    res = save_package(pkg, out, expect_sha256=None)
    assert res.backup is None and res.previous_sha256 is None and file_sha256(out) == res.sha256
    with zipfile.ZipFile(rich_xlsm) as a, zipfile.ZipFile(out) as b:
        ia, ib = a.infolist(), b.infolist()
        assert [i.filename for i in ia] == [i.filename for i in ib]
        for x, y in zip(ia, ib):
            assert (x.date_time, x.compress_type, x.external_attr, x.CRC, x.file_size) == \
                   (y.date_time, y.compress_type, y.external_attr, y.CRC, y.file_size)
            assert a.read(x) == b.read(y)


def test_save_replaces_keeps_backup_and_mode(rich_xlsm: Path) -> None:
    os.chmod(rich_xlsm, 0o640)
    original = rich_xlsm.read_bytes()
    pkg, new = _patched(rich_xlsm)
    res = save_package(new, rich_xlsm, expect_sha256=pkg.sha256)
    assert res.previous_sha256 == pkg.sha256 and file_sha256(rich_xlsm) == res.sha256 != pkg.sha256
    assert res.backup is not None and res.backup.parent.name == BACKUP_DIR
    assert res.backup.read_bytes() == original
    assert stat.S_IMODE(rich_xlsm.stat().st_mode) == 0o640
    assert _temps(rich_xlsm.parent) == []
    # a second save keeps the first backup and adds another
    pkg2 = Package.open(rich_xlsm)
    res2 = save_package(patch_sheet(pkg2, "Ramtabell", [CellWrite("B4", 1)]), rich_xlsm, expect_sha256=pkg2.sha256)
    assert res2.backup != res.backup and res.backup.exists() and res2.backup.exists()


def test_refuses_when_the_file_changed_on_disk(rich_xlsm: Path) -> None:
    pkg, new = _patched(rich_xlsm)
    with open(rich_xlsm, "ab") as fh:  # someone saved in between
        fh.write(b"\0")
    changed = rich_xlsm.read_bytes()
    with pytest.raises(WorkbookError, match="ändrats på disk"):
        save_package(new, rich_xlsm, expect_sha256=pkg.sha256)
    assert rich_xlsm.read_bytes() == changed
    assert _temps(rich_xlsm.parent) == [] and not (rich_xlsm.parent / BACKUP_DIR).exists()


def test_refuses_when_the_file_disappeared(rich_xlsm: Path) -> None:
    pkg, new = _patched(rich_xlsm)
    rich_xlsm.unlink()
    with pytest.raises(WorkbookError, match="finns inte längre"):
        save_package(new, rich_xlsm, expect_sha256=pkg.sha256)


def test_failure_at_replace_leaves_original_and_no_temp(rich_xlsm: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = rich_xlsm.read_bytes()
    pkg, new = _patched(rich_xlsm)

    def boom(src, dst):  # the disk fills as the new file is put in place (the backup went in)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic, "_put_in_place", boom)
    with pytest.raises(WorkbookError, match=r"kunde inte sparas \(disken är full\); originalet är orört"):
        save_package(new, rich_xlsm, expect_sha256=pkg.sha256)
    assert rich_xlsm.read_bytes() == original
    assert _temps(rich_xlsm.parent) == []


def test_a_full_disk_at_the_backup_leaves_original_and_no_temp(rich_xlsm: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = rich_xlsm.read_bytes()
    pkg, new = _patched(rich_xlsm)

    def boom(src, dst):  # the backup's copy is renamed into place with os.replace
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", boom)
    with pytest.raises(WorkbookError, match=r"kan inte lägga säkerhetskopian i mappen .*\(disken är full\)"):
        save_package(new, rich_xlsm, expect_sha256=pkg.sha256)
    assert rich_xlsm.read_bytes() == original
    assert _temps(rich_xlsm.parent) == [] and list((rich_xlsm.parent / atomic.BACKUP_DIR).iterdir()) == []


def test_failed_verification_leaves_original_and_no_temp(rich_xlsm: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = rich_xlsm.read_bytes()
    pkg, new = _patched(rich_xlsm)
    real_write = Package.write_to

    def corrupting_write(self, fh):  # the bytes on disk are not what the package holds
        import io
        buf = io.BytesIO()
        real_write(self, buf)
        data = bytearray(buf.getvalue())
        data[len(data) // 3] ^= 0xFF
        fh.write(bytes(data))

    monkeypatch.setattr(Package, "write_to", corrupting_write)
    with pytest.raises(WorkbookError):
        save_package(new, rich_xlsm, expect_sha256=pkg.sha256)
    assert rich_xlsm.read_bytes() == original
    assert _temps(rich_xlsm.parent) == []


def test_change_between_backup_and_replace_is_caught(rich_xlsm: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg, new = _patched(rich_xlsm)
    real_backup = atomic._backup

    def backup_then_user_saves(path: Path) -> Path:
        b = real_backup(path)
        with open(path, "ab") as fh:
            fh.write(b"\0")
        return b

    monkeypatch.setattr(atomic, "_backup", backup_then_user_saves)
    with pytest.raises(WorkbookError, match="medan den sparades"):
        save_package(new, rich_xlsm, expect_sha256=pkg.sha256)
    assert _temps(rich_xlsm.parent) == []


def test_new_file_without_backup(tmp_path: Path) -> None:
    pkg = Package.from_bytes(minimal_xlsx(sheet("")))
    target = tmp_path / "ny.xlsx"
    res = save_package(patch_sheet(pkg, "Blad1", [CellWrite("A1", 1)]), target, expect_sha256=None, backup=True)
    assert res.backup is None and target.exists() and _temps(tmp_path) == []
    assert Package.open(target).sha256 == res.sha256
