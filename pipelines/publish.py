"""Publish the night's files for operations: all or nothing.

Files are written into a work folder outside the outbox (`<out>/../.<out name>.staging/`, on the
same file system; inside `<out>/.staging/` when the outbox's parent is not writable), `_batch.json`
(counts and sha256 of every file) last; then the work folder takes the place of `<out>/<as-of>/` in
one atomic step (Linux renameat2 RENAME_EXCHANGE when a batch of that date is already published, a
plain rename otherwise). So at every instant `<out>/<as-of>/` is either the previous complete batch or
the new complete batch: a run killed at any moment never leaves a partial or missing batch, and the
next run removes the work folders a killed run left. Operations treat a folder without `_batch.json`
as unpublished, and a blocked run never gets here.

Everything is created owner/group-only (pipelines.private).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable

from pipelines import crashpoints
from pipelines.private import lock_down, private_dir

BATCH_FILE = "_batch.json"

# A writer creates its file(s) in the folder it is given and returns {relative path: record count}.
FileWriter = Callable[[Path], dict[str, int]]


@dataclass(frozen=True)
class Batch:
    folder: Path
    manifest: dict


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def staging_root(out: Path) -> Path:
    """Where work folders are built: beside the outbox (never a folder operations see), or inside it,
    hidden, when the outbox's parent is not writable."""
    beside = out.parent / f".{out.name}.staging"
    try:
        private_dir(beside)
        return beside
    except OSError:
        return private_dir(out / ".staging")


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False where the system cannot."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    return False


def _install(work: Path, final: Path, retired: Path) -> None:
    """Put `work` at `final`; whatever was at `final` ends at `retired` (removed by the caller)."""
    if not final.exists():
        os.rename(work, final)
    elif _exchange(work, final):
        os.rename(work, retired)
    else:  # no atomic exchange on this system: a window of two renames
        os.rename(final, retired)
        os.rename(work, final)


def publish(out: Path, as_of: date, run_id: str, policy_version: str, writers: list[FileWriter],
            summary: dict | None = None) -> Batch:
    private_dir(out)
    final = out / as_of.isoformat()
    staging = staging_root(out)
    for stale in staging.glob(f"{as_of.isoformat()}.*"):  # left by a run that was killed
        shutil.rmtree(stale, ignore_errors=True)
    work = private_dir(staging / f"{as_of.isoformat()}.{run_id}")
    counts: dict[str, int] = {}
    for write in writers:
        counts.update(write(work))
    manifest = {
        "as_of": as_of.isoformat(),
        "run_id": run_id,
        "policy_version": policy_version,
        "counts": dict(sorted(counts.items())),
        "sha256": {name: _sha256(work / name) for name in sorted(counts)},
        "summary": summary or {},
    }
    crashpoints.reached("publish:files")
    batch_file = work / BATCH_FILE
    batch_file.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    lock_down(work)
    for path in [*work.rglob("*"), work]:  # durable before it is visible
        if path.is_file():
            with path.open("rb") as fh:
                os.fsync(fh.fileno())
    retired = staging / f"{as_of.isoformat()}.retired-{run_id}"
    _install(work, final, retired)
    shutil.rmtree(retired, ignore_errors=True)
    try:
        staging.rmdir()  # only when empty
    except OSError:
        pass
    return Batch(final, manifest)
