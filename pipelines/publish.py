"""Publish the night's files for operations: all or nothing.

Files are written into a hidden work folder beside `<out>/<as-of>/`; `_batch.json` (counts and
sha256 of every file) is written last, then the folder replaces the previous one with a rename.
Operations treat a folder without `_batch.json` as unpublished, and a blocked run never gets here.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable

BATCH_FILE = "_batch.json"

# A writer creates its file(s) in the folder it is given and returns {relative path: record count}.
FileWriter = Callable[[Path], dict[str, int]]


@dataclass(frozen=True)
class Batch:
    folder: Path
    manifest: dict


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def publish(out: Path, as_of: date, run_id: str, policy_version: str, writers: list[FileWriter],
            summary: dict | None = None) -> Batch:
    final = out / as_of.isoformat()
    work = out / f".{as_of.isoformat()}.incomplete"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
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
    (work / BATCH_FILE).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    previous = out / f".{as_of.isoformat()}.previous"
    shutil.rmtree(previous, ignore_errors=True)
    if final.exists():
        final.rename(previous)
    work.rename(final)
    shutil.rmtree(previous, ignore_errors=True)
    return Batch(final, manifest)
