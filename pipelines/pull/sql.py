"""Pull the night's extract from the lender's database: one SELECT per landing table, all in one
read-only REPEATABLE READ transaction (one consistent picture of the books), written as landing CSVs.

Bind parameters (SQLAlchemy style) a query may use: `:as_of` (the business date), `:since` and `:until`
(timestamps with time zone, the half-open event window `[since, until)`). `until` is midnight after the
business date in the lender's time zone; `since` is the previous successful pull's `until` minus the
sources file's `event_overlap` (the very first pull reads every event before `until`).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection as DbConnection, Engine
from sqlalchemy.exc import SQLAlchemyError

from pipelines.errors import BatchBlocked, SourcesError
from pipelines.landing import LANDING_FILES, LandingFile
from pipelines.pull import state
from pipelines.pull.connection import SOURCE_URL_ENV, airflow_connection, describe, masked, secrets_of
from pipelines.pull.folder import CHUNK_ROWS, Staging, WrittenFile, money_text, write_csv
from pipelines.pull.sources import CONTROL_TOTALS, Sources

FIRST_SINCE = datetime(1900, 1, 1, tzinfo=timezone.utc)   # no earlier pull: every event before `until`
PARAMETERS = ("as_of", "since", "until")


def window(sources: Sources, as_of: date, previous_until: datetime | None) -> tuple[datetime, datetime]:
    """The event window `[since, until)` of the night."""
    zone = ZoneInfo(sources.timezone)
    until = datetime.combine(as_of + timedelta(days=1), time(0), zone)
    since = (previous_until - sources.event_overlap).astimezone(zone) if previous_until else FIRST_SINCE
    return min(since, until), until


def engine_for(conn) -> Engine:
    """SQLAlchemy engine from the Airflow connection: the PostgreSQL provider's hook for postgres
    connections, the connection's own DB-API hook for other databases, else the URL as given."""
    import os

    kind = (conn.conn_type or "").lower()
    if kind.startswith("postgres"):
        from airflow.providers.postgres.hooks.postgres import PostgresHook

        scheme = "postgresql+" + kind.split("+", 1)[1] if "+" in kind else None
        return PostgresHook(connection=conn, sqlalchemy_scheme=scheme).get_sqlalchemy_engine()
    url = os.environ.get(SOURCE_URL_ENV)
    if url and not os.environ.get(f"AIRFLOW_CONN_{(conn.conn_id or '').upper()}"):
        return create_engine(url)
    try:
        return conn.get_hook().get_sqlalchemy_engine()
    except Exception:
        return create_engine(conn.get_uri())


def pull_sql(sources: Sources, as_of: date, landing: Path, warehouse: Path) -> dict:
    """Extract, check the control totals, write the folder with `_manifest.json` last, record the state."""
    since, until = window(sources, as_of, state.previous_until(warehouse, sources.name, as_of))
    params = {"as_of": as_of, "since": since, "until": until}
    conn = airflow_connection(sources.connection)
    secrets = secrets_of(conn)
    staging = Staging(landing, as_of)
    folder = staging.fresh()
    engine = engine_for(conn)
    step = f"{sources.name} ({describe(conn)}): connect"
    try:
        with engine.connect() as db:
            options = {"isolation_level": "REPEATABLE READ"}
            if engine.dialect.name == "postgresql":
                options["postgresql_readonly"] = True
            db = db.execution_options(**options)
            with db.begin():
                if engine.dialect.name == "postgresql":   # `::date` of a timestamptz means the lender's day
                    db.execute(text("select set_config('TimeZone', :zone, true)"), {"zone": sources.timezone})
                files = {}
                for spec in LANDING_FILES.values():
                    step = str(sources.query_file(spec.name))
                    files[spec.name] = _extract(db, sources, spec, params, folder)
                step = str(sources.queries / CONTROL_TOTALS)
                totals = _control_totals(db, sources, params)
    except SQLAlchemyError as exc:
        staging.discard()
        raise BatchBlocked(masked(f"{step}: {_first_line(exc)}", secrets)) from None
    except BaseException:
        staging.discard()
        raise
    finally:
        engine.dispose()
    try:
        _compare(totals, files, sources)
    except BatchBlocked:
        staging.discard()
        raise
    manifest = {
        "as_of": as_of.isoformat(), "source_system": sources.name, "timezone": sources.timezone,
        "currency": sources.currency,
        "files": {LANDING_FILES[name].csv_name: written.manifest_entry() for name, written in files.items()},
        "pull": {"source": sources.name, "since": since.isoformat(), "until": until.isoformat()},
    }
    target = staging.publish(manifest)
    rows = {name: written.rows for name, written in files.items()}
    state.record(warehouse, sources.name, as_of, since, until, rows)
    return {"source": sources.name, "folder": str(target), "since": since.isoformat(),
            "until": until.isoformat(), "files": rows}


def _statement(path: Path):
    sql = path.read_text(encoding="utf-8").strip().rstrip(";").strip()
    if not sql:
        raise SourcesError(f"{path}: empty; expected one SELECT")
    statement = text(sql)
    names = set(statement.compile().params)
    unknown = sorted(names - set(PARAMETERS))
    if unknown:
        raise SourcesError(f"{path}: unknown bind parameter(s) {', '.join(':' + n for n in unknown)} "
                           f"(use {', '.join(':' + p for p in PARAMETERS)})")
    return statement, names


def _extract(db: DbConnection, sources: Sources, spec: LandingFile, params: dict, folder: Path) -> WrittenFile:
    path = sources.query_file(spec.name)
    statement, names = _statement(path)
    result = db.execute(statement.execution_options(yield_per=CHUNK_ROWS),
                        {k: v for k, v in params.items() if k in names})
    columns = list(result.keys())
    missing = [c for c in spec.columns if c not in columns]
    if missing:
        result.close()
        raise BatchBlocked(f"{path}: required column(s) missing: {', '.join(missing)}")
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        result.close()
        raise BatchBlocked(f"{path}: column(s) returned twice: {', '.join(repeated)}")
    return write_csv(folder / spec.csv_name, columns, result.partitions(), spec.money_columns,
                     ZoneInfo(sources.timezone))


def _control_totals(db: DbConnection, sources: Sources, params: dict) -> list[tuple[str, str, object]]:
    """Rows (table_name, measure, value) of control_totals.sql, when the lender provides one."""
    path = sources.queries / CONTROL_TOTALS
    if not path.exists():
        return []
    statement, names = _statement(path)
    result = db.execute(statement, {k: v for k, v in params.items() if k in names})
    columns = list(result.keys())
    if not {"table_name", "measure", "value"} <= set(columns):
        raise SourcesError(f"{path}: must return columns table_name, measure, value (got {', '.join(columns)})")
    return [(str(r.table_name), str(r.measure), r.value) for r in result]


def _compare(totals: list, files: dict[str, WrittenFile], sources: Sources) -> None:
    where = sources.queries / CONTROL_TOTALS
    for table, measure, expected in totals:
        if table not in files:
            raise SourcesError(f"{where}: table_name {table!r} is not a landing table")
        written = files[table]
        if measure == "rows":
            actual = Decimal(written.rows)
        elif measure in written.sums:
            actual = written.sums[measure]
        else:
            raise SourcesError(f"{where}: measure {measure!r} of {table}: use 'rows' or a money column "
                               f"({', '.join(written.sums) or 'none in this table'})")
        try:
            declared = Decimal(str(expected if expected is not None else 0))
        except InvalidOperation:
            raise SourcesError(f"{where}: {table} {measure}: {expected!r} is not a number") from None
        if actual != declared:
            shown = (str(written.rows), f"{declared:f}") if measure == "rows" else (money_text(actual), money_text(declared))
            what = "rows" if measure == "rows" else f"sum of {measure}"
            raise BatchBlocked(f"{LANDING_FILES[table].csv_name}: control totals: {what} extracted {shown[0]} "
                               f"but {CONTROL_TOTALS} says {shown[1]}")


def _first_line(exc: SQLAlchemyError) -> str:
    message = str(getattr(exc, "orig", None) or exc).strip()
    return message.splitlines()[0].strip() if message else type(exc).__name__
