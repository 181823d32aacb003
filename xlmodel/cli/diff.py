"""``xlmodel diff``: two versions of a workbook, cell by cell; also as git's diff driver."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from xlmodel.cli.common import EXIT_FINDINGS, EXIT_OK, EXIT_UNREADABLE, complain, error_text, preflight, say


# =========================================================================== diff


# git's external-diff calling convention (git(1), GIT_EXTERNAL_DIFF): path old-file
# old-hex old-mode new-file new-hex new-mode, and for a rename two more (new path,
# the rename header).
GIT_EXTERN_ARGS = (7, 9)


def _looks_like_git_extern(files: Sequence[str]) -> bool:
    """Seven arguments whose hex and mode fields look like git's: called as an external
    diff without --git-extern (e.g. GIT_EXTERNAL_DIFF=xlmodel-diff wrappers)."""
    if len(files) not in GIT_EXTERN_ARGS:
        return False
    hexes, modes = (files[2], files[5]), (files[3], files[6])
    is_hex = all(h == "." or (len(h) in (40, 64) and all(ch in "0123456789abcdef" for ch in h)) for h in hexes)
    is_mode = all(m == "." or (m.isdigit() and len(m) == 6) for m in modes)
    return is_hex and is_mode


def _diff_snapshot(path: str, label: str | None = None):
    """(snapshot, None) or (None, Swedish reason). git's /dev/null is an empty workbook."""
    from xlmodel.diff import Snapshot, snapshot
    from xlmodel.errors import XlmodelError

    if path == os.devnull or path == "/dev/null":
        return Snapshot.empty(label or path), None
    problem = preflight(path)
    if problem is not None:
        return None, problem
    try:
        snap = snapshot(path)
    except XlmodelError as exc:
        return None, error_text(exc, path)
    if label is not None:
        snap.path = label
    return snap, None


def cmd_diff(args: argparse.Namespace) -> int:
    from xlmodel import diff as D
    from xlmodel import report

    files = list(args.files)
    if args.textconv:
        if len(files) != 1:
            complain("--textconv tar exakt en arbetsbok")
            return EXIT_UNREADABLE
        snap, problem = _diff_snapshot(files[0])
        if snap is None:
            complain(f"{files[0]}: {problem}")
            return EXIT_UNREADABLE
        say(D.textconv(snap))
        return EXIT_OK
    if args.git_extern or _looks_like_git_extern(files):
        if len(files) not in GIT_EXTERN_ARGS:
            complain(f"--git-extern väntar git:s sju argument (sökväg, gammal fil, hash, läge, ny fil, hash, läge), "
                      f"fick {len(files)}")
            return EXIT_UNREADABLE
        return _git_extern(files, args.format)
    if len(files) != 2:
        complain(f"diff jämför två arbetsböcker (FÖRE EFTER), fick {len(files)}")
        return EXIT_UNREADABLE
    snaps = []
    for path in files:
        snap, problem = _diff_snapshot(path)
        if snap is None:
            complain(f"{path}: {problem}")
            return EXIT_UNREADABLE
        snaps.append(snap)
    result = D.diff_snapshots(*snaps)
    if args.format == "json":
        say(D.format_json(result))
    else:
        say(D.format_text(result, colour=report.use_colour(sys.stdout)))
    return EXIT_OK if result.identical else EXIT_FINDINGS


def _git_extern(files: Sequence[str], fmt: str) -> int:
    """git diff with diff.xlmodel.command: always exit 0 (git stops the whole diff on
    any other code); a version that cannot be read is said in the output instead."""
    from xlmodel import diff as D

    path, old_file, new_file = files[0], files[1], files[4]
    new_path = files[7] if len(files) == 9 else path
    old, problem_old = _diff_snapshot(old_file, f"a/{path}")
    new, problem_new = _diff_snapshot(new_file, f"b/{new_path}")
    header = f"diff --xlmodel a/{path} b/{new_path}"
    if old is None or new is None:
        which = [f"a/{path}: {problem_old}"] if old is None else []
        which += [f"b/{new_path}: {problem_new}"] if new is None else []
        for line in which:
            complain(line)
        say(header + "\n" + "\n".join(f"kan inte läsas som arbetsbok: {w}" for w in which) + "\n")
        return EXIT_OK
    result = D.diff_snapshots(old, new)
    if fmt == "json":
        say(D.format_json(result))
    else:
        say(D.format_text(result, colour=False, header=header))
    return EXIT_OK
