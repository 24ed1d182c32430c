"""DuckDB's resources come from the machine (or the environment): a memory limit, threads and a
private spill folder beside the warehouse, so a book larger than the limit spills instead of failing."""
from __future__ import annotations

import stat

from pipelines.warehouse import duckdb_settings, machine_memory_bytes, reader, writer


def _setting(con, name: str):
    return con.execute(f"select current_setting('{name}')").fetchone()[0]


def test_defaults_come_from_the_machine(tmp_path, monkeypatch):
    for name in ("ARREARS_DUCKDB_MEMORY_LIMIT", "ARREARS_DUCKDB_THREADS", "ARREARS_DUCKDB_TEMP_DIR"):
        monkeypatch.delenv(name, raising=False)
    warehouse = tmp_path / "wh" / "arrears.duckdb"
    settings = duckdb_settings(warehouse)
    assert settings["memory_limit"] == f"{max(512, machine_memory_bytes() // 4 >> 20)}MiB"
    assert settings["temp_directory"] == str(tmp_path / "wh" / ".duckdb_tmp")
    with writer(warehouse) as con:
        assert _setting(con, "temp_directory") == settings["temp_directory"]
        assert int(_setting(con, "threads")) == int(settings["threads"])
        con.execute("create table t as select 1 as x")
    spill = tmp_path / "wh" / ".duckdb_tmp"
    assert spill.is_dir() and stat.S_IMODE(spill.stat().st_mode) & 0o007 == 0   # no access for others


def test_environment_overrides_and_spilling(tmp_path, monkeypatch):
    spill = tmp_path / "spill"
    monkeypatch.setenv("ARREARS_DUCKDB_MEMORY_LIMIT", "100MiB")
    monkeypatch.setenv("ARREARS_DUCKDB_THREADS", "1")
    monkeypatch.setenv("ARREARS_DUCKDB_TEMP_DIR", str(spill))
    warehouse = tmp_path / "arrears.duckdb"
    with writer(warehouse) as con:
        assert int(_setting(con, "threads")) == 1
        assert _setting(con, "temp_directory") == str(spill)
        # ~ 400 MB of sort input under a 100 MiB limit: DuckDB must spill to the folder to finish
        con.execute("""create table sorted as select i, repeat('x', 40) || i as v
                       from range(8000000) r(i) order by v desc""")
        assert con.execute("select count(*) from sorted").fetchone()[0] == 8_000_000
    with reader(warehouse) as con:
        assert _setting(con, "memory_limit") in ("95.3 MiB", "100.0 MiB", "100MiB", "95.3MiB")
