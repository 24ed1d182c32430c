"""`arrears pull`: fill the night's landing folder from the lender's systems (sources contract).

The sources file says where the extract comes from: `folder` (the lender drops it; nothing to pull),
`sftp` (download the dated folder) or `sql` (query the core-banking database). Whatever the source,
the result is `<landing>/<date>/` with `_manifest.json` written last, which ingest verifies exactly as
it verifies a file drop.
"""
from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from pipelines.pull.sources import FILE_DROP, Sources, load_sources

SOURCES_ENV = "ARREARS_SOURCES"


def sources_path(value: str | os.PathLike | None = None) -> Path | None:
    """Flag beats ARREARS_SOURCES; neither: the file drop."""
    chosen = value or os.environ.get(SOURCES_ENV)
    return Path(chosen).expanduser().absolute() if chosen else None


def pull(as_of: date, landing: Path, warehouse: Path, sources_file: str | os.PathLike | None = None) -> dict:
    sources = load_sources(sources_path(sources_file))
    if sources.source == "sql":
        from pipelines.pull.sql import pull_sql

        return pull_sql(sources, as_of, landing, warehouse)
    if sources.source == "sftp":
        from pipelines.pull.sftp import pull_sftp

        return pull_sftp(sources, as_of, landing, warehouse)
    return {"source": "folder", "pulled": False,
            "note": "the lender drops the extract into the landing folder; nothing to pull"}


__all__ = ["FILE_DROP", "SOURCES_ENV", "Sources", "load_sources", "pull", "sources_path"]
