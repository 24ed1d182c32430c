"""DuckDB connections. DuckDB allows one writing process per file: writers go through
`writer()`, which turns DuckDB's lock error into a clear message; readers open read-only.

Every connection gets the machine's resource settings (`duckdb_settings()`): a memory limit, a thread
count and a spill folder, so a large book spills to disk instead of growing past the limit. Each
has an environment override (docs/performance.md):

    ARREARS_DUCKDB_MEMORY_LIMIT   default: a quarter of the machine's memory (e.g. 6GiB of 24 GiB)
    ARREARS_DUCKDB_THREADS        default: the cores this process may use
    ARREARS_DUCKDB_TEMP_DIR       default: <warehouse folder>/.duckdb_tmp (private, like the warehouse)
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator

import duckdb

from pipelines.errors import WarehouseBusy
from pipelines.private import FILE_MODE, private_dir

MEMORY_SHARE = 4          # DuckDB may use 1/MEMORY_SHARE of the machine's memory (others run beside it)
MIN_MEMORY_MIB = 512


def machine_memory_bytes() -> int:
    """Physical memory, or the cgroup's limit when the process runs in a smaller container."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for limit_file in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(limit_file).read_text().strip()
        except OSError:
            continue
        if text.isdigit():
            total = min(total, int(text))
    return total


def duckdb_settings(warehouse: Path) -> dict[str, str]:
    """memory_limit, threads and temp_directory for connections to `warehouse` (env overrides first)."""
    memory = os.environ.get("ARREARS_DUCKDB_MEMORY_LIMIT") or \
        f"{max(MIN_MEMORY_MIB, machine_memory_bytes() // MEMORY_SHARE >> 20)}MiB"
    threads = os.environ.get("ARREARS_DUCKDB_THREADS") or str(len(os.sched_getaffinity(0)) or 1)
    temp = os.environ.get("ARREARS_DUCKDB_TEMP_DIR") or str(warehouse.parent / ".duckdb_tmp")
    return {"memory_limit": memory, "threads": threads, "temp_directory": temp}


def prepared_settings(warehouse: Path) -> dict[str, str]:
    """duckdb_settings() with the spill folder created (private unless the operator chose it)."""
    settings = duckdb_settings(warehouse)
    if "ARREARS_DUCKDB_TEMP_DIR" in os.environ:
        Path(settings["temp_directory"]).mkdir(parents=True, exist_ok=True)   # the operator's folder, as it is
    else:
        private_dir(Path(settings["temp_directory"]))   # spilled pages carry personal data too
    return settings


def apply_settings(con: duckdb.DuckDBPyConnection, warehouse: Path) -> None:
    """SET rather than connect(config=...): a process may already hold the database open (dbt's
    in-process runner), and DuckDB refuses a second connection with a different configuration."""
    for name, value in prepared_settings(warehouse).items():
        con.execute(f"set {name} = '{value.replace(chr(39), chr(39) * 2)}'")


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
        apply_settings(con, path)
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
        apply_settings(con, path)
        yield con
    finally:
        con.close()
