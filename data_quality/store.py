"""The `quality` schema: what the validate step writes, per business date and run.

Every per-date table is replaced for the date on each successful run (a rerun never duplicates);
`validation_results` and `runs` keep every run, blocked ones included, as the audit trail.
"""
from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from data_quality import delta
from pipelines.landing import LANDING_FILES

CUSTOMER_COLUMNS = list(LANDING_FILES["customers"].columns)
LOAN_COLUMNS = list(LANDING_FILES["loans"].columns)
INSTALLMENT_COLUMNS = list(LANDING_FILES["installments"].columns)


def _typed(spec_name: str) -> str:
    return ", ".join(f'"{c}" {t}' for c, t in LANDING_FILES[spec_name].columns.items())


DDL = [
    "create schema if not exists quality",
    """create table if not exists quality.runs (
        run_id varchar, as_of_date date, status varchar, reason varchar, started_at timestamptz,
        seconds double, expectations integer, failed_critical integer, failed_warning integer,
        corrections integer, fallbacks integer, restored integer, quarantined integer, persons_linked integer)""",
    """create table if not exists quality.validation_results (
        run_id varchar, as_of_date date, file varchar, suite varchar, rule varchar, expectation varchar,
        description varchar, severity varchar, action varchar, success boolean, element_count bigint,
        unexpected_count bigint, unexpected_percent double, sample varchar, validated_at timestamptz)""",
    """create table if not exists quality.corrections (
        as_of_date date, file varchar, record_id varchar, field varchar, before varchar, after varchar,
        rule varchar, run_id varchar)""",
    """create table if not exists quality.quarantine (
        as_of_date date, file varchar, source_row bigint, record_id varchar, rule varchar,
        severity varchar, reason varchar, run_id varchar)""",
    """create table if not exists quality.lost_records (
        as_of_date date, file varchar, record_id varchar, action varchar, restored_from date,
        last_delivered_on date, reason varchar, run_id varchar)""",
    f"""create table if not exists quality.customers (
        as_of_date date, {_typed('customers')}, person_id varchar, record_source varchar,
        restored_from date, corrected_fields varchar[], fallback_fields varchar[], invalid_fields varchar[],
        source_row bigint, load_id varchar, run_id varchar)""",
    f"""create table if not exists quality.restored_loans (
        as_of_date date, {_typed('loans')}, restored_from date, reason varchar, run_id varchar)""",
    f"""create table if not exists quality.restored_installments (
        as_of_date date, {_typed('installments')}, restored_from date, run_id varchar)""",
    "create table if not exists quality.days (as_of_date date, run_id varchar, validated_at timestamptz)",
]

PER_DAY_TABLES = ("corrections", "quarantine", "lost_records", "customers", "restored_loans",
                  "restored_installments", "days", *delta.TABLES)


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    for statement in DDL + delta.DDL:
        con.execute(statement)


def previous_day(con: duckdb.DuckDBPyConnection, as_of: date) -> date | None:
    """The latest business date before `as_of` that the validate step completed."""
    return con.execute("select max(as_of_date) from quality.days where as_of_date < ?", [as_of]).fetchone()[0]


def clear_day(con: duckdb.DuckDBPyConnection, as_of: date) -> None:
    for table in PER_DAY_TABLES:
        con.execute(f"delete from quality.{table} where as_of_date = ?", [as_of])


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, columns: list[str]) -> int:
    """Insert `frame`'s `columns` (in the table's column order) into quality.<table>."""
    if frame.empty:
        return 0
    con.register("_frame", frame[columns])
    try:
        names = ", ".join(f'"{c}"' for c in columns)
        con.execute(f"insert into quality.{table} ({names}) select {names} from _frame")
    finally:
        con.unregister("_frame")
    return len(frame)
