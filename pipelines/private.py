"""Personal data stays owner/group-only: everything the night creates — the warehouse and its
folder, Data Docs, landing working folders, the outbox — is made without access for others.

`restrict()` sets the process umask (0o027) at the start of every entry point (the CLI, each
nightly step, so each Airflow task too); `private_dir` and `lock_down` set the modes explicitly
as well, so files a looser process made earlier are tightened when the night touches them.
"""
from __future__ import annotations

import os
from pathlib import Path

UMASK = 0o027
DIR_MODE = 0o750
FILE_MODE = 0o640


def restrict() -> None:
    """New files and folders of this process: no access for others."""
    os.umask(UMASK)


def private_dir(path: Path) -> Path:
    """`path` and any missing parents created owner/group-only; `path` itself tightened if it existed."""
    path = Path(path)
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    path.mkdir(parents=True, exist_ok=True)
    for created in [*missing, path]:
        os.chmod(created, DIR_MODE)
    return path


def lock_down(path: Path) -> None:
    """Files 0o640 and folders 0o750 under (and including) `path`; symlinks are left alone."""
    path = Path(path)
    if not path.exists() or path.is_symlink():
        return
    if path.is_file():
        os.chmod(path, FILE_MODE)
        return
    os.chmod(path, DIR_MODE)
    for root, dirs, files in os.walk(path):
        for name in dirs:
            if not os.path.islink(os.path.join(root, name)):
                os.chmod(os.path.join(root, name), DIR_MODE)
        for name in files:
            if not os.path.islink(os.path.join(root, name)):
                os.chmod(os.path.join(root, name), FILE_MODE)
