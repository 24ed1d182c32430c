"""The state of each source's successful pulls, kept in the warehouse (`raw.pull_state`).

Read once before the extract (read-only, closed again at once) and written once after the landing
folder is in place: DuckDB allows one writer, and the warehouse is never held open while the lender's
systems are queried. A pull that fails records nothing, so the next night re-reads its window.
"""
from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

from pipelines.warehouse import reader, writer

DDL = """
create table if not exists raw.pull_state (
    source varchar, as_of_date date, since timestamptz, until timestamptz, pulled_at timestamptz,
    files varchar, primary key (source, as_of_date)
)"""


def previous_until(warehouse: Path, source: str, as_of: date) -> datetime | None:
    """`until` of the source's last successful pull for a business date before `as_of` (a rerun or a
    backfill of `as_of` gets the window it had the first time)."""
    if not warehouse.exists():
        return None
    with reader(warehouse) as con:
        known = con.execute("select count(*) from information_schema.tables "
                            "where table_schema = 'raw' and table_name = 'pull_state'").fetchone()[0]
        if not known:
            return None
        row = con.execute("select until from raw.pull_state where source = ? and as_of_date < ? "
                          "order by as_of_date desc limit 1", [source, as_of]).fetchone()
    return row[0] if row else None


def record(warehouse: Path, source: str, as_of: date, since: datetime | None, until: datetime | None,
           files: dict) -> None:
    with writer(warehouse) as con:
        con.execute("create schema if not exists raw")
        con.execute(DDL)
        con.execute("insert or replace into raw.pull_state values (?, ?, ?, ?, now(), ?)",
                    [source, as_of, since, until, json.dumps(files, sort_keys=True)])
