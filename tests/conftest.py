"""Shared fixtures: every test works in its own folder with its own warehouse file."""
from __future__ import annotations

import shutil
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
# Seconds per module: its slowest tests in the full runs of 2026-12-03 (load average 5-6; the first two
# from `CI=true .ci/run` in a fresh clone, docs/testing.md); only their order matters. Modules not listed get a
# guess from their size: UNLISTED_SLOW s per `slow` test, 1 s per other test.
MEASURED_SECONDS = {
    "test_airflow_scheduler": 682, "test_backfill": 631, "test_contact_placements": 232,
    "test_contact_nightly": 206, "test_crash_safety": 187, "test_contact_identity_nightly": 161,
    "test_validate_delta": 205,  # its two tests in the fresh-clone run of 2026-12-04 (load 2-3)
}
UNLISTED_SLOW = 30


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
