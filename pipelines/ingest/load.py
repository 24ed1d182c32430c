"""Typed, idempotent load of a verified extract into the `raw` schema.

- Snapshot files: the date's rows replace that date's rows (a rerun never duplicates).
- Event files: each event id is stored once, at its earliest delivery; a repeat delivery is
  skipped and counted. Rows carry `delivered_on`, so a rerun of an old date sees only what was
  known that night.
- A value that does not fit its type, a money value with more than 2 decimals, a blank key or
  a repeated snapshot key sends the row to `raw.rejected_rows` (quarantine) with file, row and
  rule; nothing is dropped silently: delivered = loaded + quarantined + repeat events skipped.
The whole date is written in one transaction: a failure leaves the previous state untouched.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from pipelines import crashpoints
from pipelines.ingest.extract import ROW_NUMBER, ExtractFile, verified_files
from pipelines.landing import MONEY, LandingFile
from pipelines.warehouse import writer

MONEY_PATTERN = r"^-?[0-9]+(\.[0-9]{1,2})?$"
MAX_VALUE_CHARS = 4000  # longer than any field of the contract: a runaway value (e.g. a lost quote) is quarantined
MAX_LOGGED_REJECTIONS = 20

LOAD_LOG_DDL = """
create table if not exists raw.load_log (
    run_id varchar, as_of_date date, file_name varchar, load_id varchar, file_format varchar,
    encoding varchar, sha256 varchar, rows_in_file bigint, rows_loaded bigint,
    rows_quarantined bigint, duplicates_skipped bigint, loaded_at timestamptz
)"""
REJECTED_DDL = """
create table if not exists raw.rejected_rows (
    as_of_date date, file_name varchar, source_row bigint, rule varchar, record varchar, load_id varchar
)"""


@dataclass
class FileLoad:
    file_name: str
    rows_in_file: int
    rows_loaded: int
    rows_quarantined: int
    duplicates_skipped: int


@dataclass
class IngestResult:
    as_of: date
    files: list[FileLoad] = field(default_factory=list)
    rejections: list[str] = field(default_factory=list)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)


def date_column(spec: LandingFile) -> str:
    """Snapshots are keyed by the extract date; events by the date they were first delivered."""
    return "as_of_date" if spec.kind == "snapshot" else "delivered_on"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _label(name: str) -> str:
    """A column name inside a SQL string literal (extra column names come from the file)."""
    return name.replace("'", "''")


def _typed_select(spec: LandingFile, extra_columns: list[str], source: str, as_of: date, load_id: str) -> str:
    """SELECT producing typed columns plus `_problem` ('' when the row is clean).

    Rules, in the order they are reported: a value that does not fit its type (money: at most 2
    decimals and within DECIMAL(18,2)), a NUL character, a value longer than MAX_VALUE_CHARS, a blank
    key. A rule quotes the bad value, except in personal fields (data_quality.masking.PII_COLUMNS):
    rules are printed to the log, which must not carry personal data."""
    from data_quality.masking import PII_COLUMNS

    personal = PII_COLUMNS.get(spec.name, {})
    typed, problems = [], []
    for column, sql_type in spec.columns.items():
        text = f"nullif(trim({_q(column)}), '')"
        shown = "a value" if column in personal else f"' || {_q(column)} || '"
        if sql_type == "VARCHAR":
            typed.append(f"nullif({_q(column)}, '') as {_q(column)}")
        else:
            typed.append(f"try_cast({text} as {sql_type}) as {_q(column)}")
            check = f"{text} is not null and try_cast({text} as {sql_type}) is null"
            if sql_type == MONEY:
                check = f"{text} is not null and (not regexp_matches({text}, '{MONEY_PATTERN}') or {check})"
            problems.append(f"case when {check} then '{column}: {shown} is not a valid {sql_type.lower()}' end")
    for column in [*spec.columns, *extra_columns]:
        label = _label(column)
        problems.append(f"case when contains({_q(column)}, chr(0)) then '{label}: contains a NUL character' end")
        problems.append(f"case when length({_q(column)}) > {MAX_VALUE_CHARS} then "
                        f"'{label}: ' || length({_q(column)}) || ' characters, more than {MAX_VALUE_CHARS}' end")
    for key in spec.key:
        problems.append(f"case when nullif(trim({_q(key)}), '') is null then '{key}: blank key' end")
    extra = (
        f"to_json(struct_pack({', '.join(f'{_q(c)} := {_q(c)}' for c in extra_columns)}))::varchar"
        if extra_columns else "null::varchar"
    )
    return f"""
        select date '{as_of}' as {date_column(spec)}, {', '.join(typed)},
               {extra} as _extra, '{load_id}' as _load_id, {ROW_NUMBER},
               concat_ws('; ', {', '.join(problems)}) as _problem
        from {source}"""


def _table_ddl(spec: LandingFile) -> str:
    columns = ", ".join(f"{_q(c)} {t}" for c, t in spec.columns.items())
    return (
        f"create table if not exists raw.{spec.name} ({date_column(spec)} date, {columns}, "
        f"_extra varchar, _load_id varchar, _source_row bigint)"
    )


def _mark_repeated_keys(con: duckdb.DuckDBPyConnection, spec: LandingFile) -> None:
    """A key repeated within one file: the first row wins. Snapshot repeats are quarantined (two
    versions of one record is a data problem); event repeats are re-deliveries, dropped and counted.
    The window runs only over the repeated keys, so a clean file costs one hash aggregate."""
    key = ", ".join(_q(k) for k in spec.key)
    repeated = f"""
        select {ROW_NUMBER}, min({ROW_NUMBER}) over (partition by {key}) as first_row
        from typed
        where _problem = '' and ({key}) in (
            select ({key}) from typed where _problem = '' group by {key} having count(*) > 1)"""
    if spec.kind == "snapshot":
        con.execute(f"""
            update typed set _problem = 'duplicate key ({', '.join(spec.key)}) already in row ' || r.first_row
            from ({repeated}) r
            where typed.{ROW_NUMBER} = r.{ROW_NUMBER} and r.{ROW_NUMBER} <> r.first_row""")
    else:
        con.execute(f"""
            delete from typed where {ROW_NUMBER} in (
                select {ROW_NUMBER} from ({repeated}) r where r.{ROW_NUMBER} <> r.first_row)""")


@dataclass
class StagedFile:
    """A verified file copied into a DuckDB temp table (`source`), waiting for the transaction."""
    spec: LandingFile
    path: Path
    sha256: str
    encoding: str
    rows: int
    extra_columns: list[str]
    source: str


def _stage(extract_file: ExtractFile) -> StagedFile:
    return StagedFile(extract_file.spec, extract_file.path, extract_file.sha256, extract_file.encoding,
                      extract_file.rows, extract_file.extra_columns, extract_file.source)


def _load_file(con: duckdb.DuckDBPyConnection, staged: StagedFile, as_of: date, run_id: str) -> FileLoad:
    spec = staged.spec
    table, when = f"raw.{spec.name}", date_column(spec)
    load_id = f"{as_of}:{spec.name}:{staged.sha256[:12]}"
    con.execute(_table_ddl(spec))
    con.execute(f"create or replace temp table typed as "
                f"{_typed_select(spec, staged.extra_columns, staged.source, as_of, load_id)}")
    _mark_repeated_keys(con, spec)
    con.execute(f"delete from {table} where {when} = date '{as_of}'")
    con.execute("delete from raw.rejected_rows where as_of_date = ? and file_name = ?", [as_of, spec.csv_name])
    con.execute(f"""
        insert into raw.rejected_rows
        select date '{as_of}', '{spec.csv_name}', t.{ROW_NUMBER}, t._problem, to_json(s)::varchar, t._load_id
        from typed t join {staged.source} s using ({ROW_NUMBER})
        where t._problem <> '' order by t.{ROW_NUMBER}""")
    columns = ", ".join([when, *map(_q, spec.columns), "_extra", "_load_id", ROW_NUMBER])
    if spec.kind == "snapshot":
        con.execute(f"insert into {table} select {columns} from typed where _problem = '' order by {ROW_NUMBER}")
    else:
        # Canonical state: each id at its earliest delivery, whatever order dates are (re)loaded in.
        match = " and ".join(f"t.{_q(k)} = r.{_q(k)}" for k in spec.key)
        con.execute(f"""
            insert into {table} select {columns} from typed r
            where _problem = '' and not exists (
                select 1 from {table} t where {match} and t.{when} < date '{as_of}')
            order by {ROW_NUMBER}""")
        con.execute(f"""
            delete from {table} t where t.{when} > date '{as_of}' and exists (
                select 1 from typed r where r._problem = '' and {match})""")
    quarantined = con.execute("select count(*) from typed where _problem <> ''").fetchone()[0]
    loaded = con.execute(f"select count(*) from {table} where {when} = date '{as_of}'").fetchone()[0]
    skipped = staged.rows - quarantined - loaded
    con.execute(
        "insert into raw.load_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
        [run_id, as_of, staged.path.name, load_id, staged.path.suffix.lstrip("."),
         staged.encoding, staged.sha256, staged.rows, loaded, quarantined, skipped],
    )
    con.execute(f"drop table {staged.source}")
    return FileLoad(staged.path.name, staged.rows, loaded, quarantined, skipped)


def _rejection_lines(con: duckdb.DuckDBPyConnection, folder: Path, as_of: date) -> list[str]:
    rows = con.execute(
        "select file_name, source_row, rule from raw.rejected_rows where as_of_date = ? "
        "order by file_name, source_row limit ?", [as_of, MAX_LOGGED_REJECTIONS]
    ).fetchall()
    return [f"{folder / name}: row {row}: {rule} (quarantined)" for name, row, rule in rows]


def ingest(landing: Path, warehouse: Path, as_of: date, run_id: str) -> IngestResult:
    """Verify then load one business date. Raises BatchBlocked before any write if the extract is bad."""
    result = IngestResult(as_of)
    with writer(warehouse) as con:
        # Every file is verified and staged in temp tables (not the warehouse) before the transaction.
        staged = [_stage(extract_file) for extract_file in verified_files(landing, as_of, con=con)]
        con.execute("create schema if not exists raw")
        con.execute(LOAD_LOG_DDL)
        con.execute(REJECTED_DDL)
        con.execute("begin transaction")
        try:
            for staged_file in staged:
                result.files.append(_load_file(con, staged_file, as_of, run_id))
                crashpoints.reached(f"ingest:{staged_file.spec.name}")
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
        result.rejections = _rejection_lines(con, landing / as_of.isoformat(), as_of)
    for line in result.rejections:
        print(line, file=sys.stderr)
    return result
