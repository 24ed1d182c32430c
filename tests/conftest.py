"""Shared fixtures: every test works in its own folder with its own warehouse file."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.settings import Paths
from tests.servers import PostgresServer, postgres_bin

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    return Paths.resolve(
        landing=tmp_path / "landing", warehouse=tmp_path / "warehouse" / "arrears.duckdb", out=tmp_path / "outbox"
    )


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL server on 127.0.0.1 for the session (one per xdist worker); `create_database()`
    gives each test its own database."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries not found (/usr/lib/postgresql/<15-17>/bin or ARREARS_PG_BIN); "
                    "install postgresql-15")
    server = PostgresServer(bin_dir).start()
    try:
        yield server
    finally:
        server.stop()
