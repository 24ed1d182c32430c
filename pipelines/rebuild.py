"""`arrears rebuild --from DATE`: recompute everything derived from DATE on, night by night, from the
extracts already in the landing zone.

1. Every date the warehouse has already run from DATE on (raw.load_log) is a date to rebuild; a date
   whose extract has left the landing zone cannot be rebuilt and stops the rebuild before anything
   is deleted.
2. In one transaction, everything those nights derived is removed: the snapshot rows of those dates
   and the events first delivered on them (`raw`), their load log and ingest quarantine, and the rows
   of those dates of every table that carries an `as_of_date` (quality, marts, scoring, ...). Events
   first delivered before DATE stay: a re-delivery of them is a repeat, as it was.
3. The nights run again in date order, every step (ingest, validate, transform, publish), exactly as
   the scheduler runs them: the marts and published files come out as the incremental nights made
   them. A blocked night stops the rebuild (its one line is raised): later dates are rebuilt by
   running it again from that date once the extract is fixed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from pipelines.errors import BatchBlocked
from pipelines.ingest.load import date_column
from pipelines.landing import LANDING_FILES, manifest_path
from pipelines.settings import Paths
from pipelines.warehouse import writer


@dataclass
class Rebuild:
    start: date
    dates: list[date] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    removed_rows: int = 0


def _dates_run(con, start: date) -> list[date]:
    exists = con.execute("""select count(*) from information_schema.tables
                            where table_schema = 'raw' and table_name = 'load_log'""").fetchone()[0]
    if not exists:
        return []
    return [d for (d,) in con.execute(
        "select distinct as_of_date from raw.load_log where as_of_date >= ? order by 1", [start]).fetchall()]


def _derived_tables(con) -> list[tuple[str, str]]:
    """(qualified table, date column) of every stored table holding rows per business date."""
    tables = [(f"raw.{spec.name}", date_column(spec)) for spec in LANDING_FILES.values()]
    tables += [("raw.load_log", "as_of_date"), ("raw.rejected_rows", "as_of_date")]
    known = {t for t, _ in tables}
    for schema, table in con.execute("""
            select c.table_schema, c.table_name from information_schema.columns c
            join information_schema.tables t using (table_catalog, table_schema, table_name)
            where t.table_type = 'BASE TABLE' and c.column_name = 'as_of_date'
            order by 1, 2""").fetchall():
        name = f'"{schema}"."{table}"'
        if f"{schema}.{table}" not in known:
            tables.append((name, "as_of_date"))
    present = {f"{s}.{t}" for s, t in con.execute(
        "select table_schema, table_name from information_schema.tables").fetchall()}
    return [(t, c) for t, c in tables if t.replace('"', "") in present]


def clear_from(paths: Paths, start: date) -> tuple[list[date], int]:
    """Remove what the nights from `start` on derived; returns (their dates, rows removed)."""
    with writer(paths.warehouse) as con:
        dates = _dates_run(con, start)
        missing = [d for d in dates if not manifest_path(paths.landing, d).is_file()]
        if missing:
            raise BatchBlocked(f"{manifest_path(paths.landing, missing[0])}: the extract of {missing[0]} is no "
                               f"longer in the landing zone; the nights from {start} cannot be rebuilt from raw")
        removed = 0
        con.execute("begin transaction")
        try:
            for table, column in _derived_tables(con):
                removed += con.execute(f"delete from {table} where {column} >= ?", [start]).fetchone()[0]
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    return dates, removed


def rebuild(paths: Paths, start: date) -> Rebuild:
    """Clear from `start`, then run each of those nights again in date order."""
    from pipelines.nightly import run_night

    dates, removed = clear_from(paths, start)
    result = Rebuild(start, dates, removed_rows=removed)
    for as_of in dates:
        night = run_night(as_of, paths)
        result.seconds[as_of.isoformat()] = round(sum(night.seconds.values()), 2)
    return result
