"""Shared fixtures: every test works in its own folder with its own warehouse file."""
from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from filelock import FileLock

from pipelines.settings import Paths
from tests.servers import PostgresServer, postgres_bin

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    return Paths.resolve(
        landing=tmp_path / "landing", warehouse=tmp_path / "warehouse" / "arrears.duckdb", out=tmp_path / "outbox"
    )


def clear_keeping_dbt_parse(folder: Path, warehouse: Path) -> None:
    """Delete everything under `folder` but dbt's saved parse beside `warehouse` (<its folder>/.dbt), so
    that a test's next warehouse at the same path starts empty yet skips dbt's full parse of the project
    (a few CPU seconds). dbt keeps a parse only for an unchanged profile, and the warehouse's path is part
    of it: a copied parse at a new path is parsed again."""
    keep = warehouse.parent / ".dbt"

    def clear(directory: Path) -> None:
        for entry in directory.iterdir():
            if entry == keep:
                continue
            if entry.is_dir() and keep.is_relative_to(entry):
                clear(entry)
            elif entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink()
    clear(folder)


def shared_book(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """The folder `name`, built by `build(folder)` once per test session and shared by both xdist
    workers (it lives in their common base temp dir; a file lock makes the second worker wait for the
    first one's build instead of building it again). Tests only read it: a test that writes copies
    what it needs into its own folder first. The builder's process keeps no handle on a warehouse in
    it (dbt-duckdb's in-process connection is released), so the other worker can open it read-only."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):   # .../pytest-N/popen-gwK: the workers share pytest-N
        base = base.parent
    root = base / "shared_books"
    root.mkdir(exist_ok=True)
    folder, done = root / name, root / f"{name}.built"
    with FileLock(str(root / f"{name}.lock")):
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)   # a build that failed part-way
            try:
                build(folder)
            finally:
                release_dbt_connection()
            done.touch()
    return folder


def release_dbt_connection() -> None:
    """dbt-duckdb keeps its in-process DuckDB connection open after an invocation: close it, so that
    another process can open that warehouse file."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    if DuckDBConnectionManager._ENV is not None:
        DuckDBConnectionManager._ENV.close()
        DuckDBConnectionManager._ENV = None


@pytest.fixture(scope="session")
def backfill_in_order(tmp_path_factory) -> Path:
    """The order test's book (tests/test_backfill.py) run night by night in date order, as `arrears run`
    runs them in-process (ingest, validate, `transform_step`): `landing/` and `in_order/arrears.duckdb`
    with dbt's log of its three invocations. Read by the order test and by the dbt-night test."""
    from tests.test_backfill import build_in_order

    return shared_book(tmp_path_factory, "backfill_in_order", build_in_order)


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


# --- Scheduling on the two xdist workers (`make test`: -n 2 --dist loadscope --no-loadscope-reorder) ---
#
# A unit of work is a whole module: many build an expensive module-scoped fixture (a two-night
# warehouse, a 6,000-loan book, an SFTP server), and split over both workers each worker built it.
# (`--dist loadgroup` cannot do this here: with pytest 9.2 the installed xdist 3.8 cannot append the
# group to a test's id, so `xdist_group` marks are ignored.) Modules run longest first, so the last
# ones to start are short and the two workers finish together.
#
# Seconds per module on an idle 2-core machine, from the fresh-clone run of 2026-12-04 (480 tests in
# 17 min 28 s, load 2-3: the sum of a module's set-ups and calls among that run's 25 slowest, plus a
# guess for its shorter tests), corrected for the changes since (fewer nights in the scheduler module,
# the shared in-order backfill book, one night less in test_nightly); only their order matters. Every
# module of a minute or more is listed: one left late in the queue keeps one worker busy while the
# other has finished (test_dbt_night, 108 s, was 26th of 38 modules, guessed at 30 s a slow test).
# Modules not listed get a guess from their size: UNLISTED_SLOW s per `slow` test, 1 s per other test.
MEASURED_SECONDS = {
    "test_airflow_scheduler": 225, "test_validate_delta": 205, "test_backfill": 150, "test_crash_safety": 135,
    "test_pull_sql": 125, "test_scoring": 120, "test_nightly": 95, "test_reporting": 90,
    "test_contact_placements": 75, "test_dbt_night": 70, "test_rebuild": 60, "test_contact_nightly": 55,
    "test_delinquency": 50, "test_contact_visits": 45, "test_contact_identity_nightly": 40,
    "test_contact_reach": 36, "test_privacy": 35,
}
UNLISTED_SLOW = 15   # a slow test not among that run's 25 slowest took under 22 s


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Order modules longest first; a module keeps its tests together and in file order, so its
    module-scoped fixtures are set up once (also without xdist)."""
    modules: dict[str, list[pytest.Item]] = {}
    for item in items:
        modules.setdefault(item.module.__name__.rsplit(".", 1)[-1], []).append(item)

    def weight(module: str) -> float:
        if module in MEASURED_SECONDS:
            return MEASURED_SECONDS[module]
        return sum(UNLISTED_SLOW if i.get_closest_marker("slow") else 1 for i in modules[module])

    items[:] = [item for module in sorted(modules, key=weight, reverse=True) for item in modules[module]]
