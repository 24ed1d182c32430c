"""DuckDB connections. DuckDB allows one writing process per file: writers go through
`writer()`, which turns DuckDB's lock error into a clear message; readers open read-only."""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator

import duckdb

from pipelines.errors import WarehouseBusy
from pipelines.private import FILE_MODE, private_dir


@contextlib.contextmanager
def writer(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    private_dir(path.parent)  # the warehouse carries personal data: no access for others
    try:
        con = duckdb.connect(str(path))
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseBusy(f"{path}: another process is writing the warehouse; wait for it to finish") from exc
        raise
    path.chmod(FILE_MODE)
    try:
        yield con
    finally:
        con.close()


@contextlib.contextmanager
def reader(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.ConnectionException:
        # This process already has the file open for writing (dbt's in-process runner keeps its
        # connection): DuckDB shares that database instance, so connect with the same settings.
        con = duckdb.connect(str(path))
    try:
        yield con
    finally:
        con.close()
