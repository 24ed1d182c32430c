"""One business date's data as the validate step sees it, built in DuckDB from `raw` (today) and
`quality` (what earlier nights decided):

- every delivered row of every file: the rows ingest loaded plus the rows it quarantined for a
  type problem (`_ingest_problem`, with the offending value removed), each with `_source_row`;
- the previous validated date P and its effective snapshots (delivered rows plus what was
  restored that night);
- lost records: loans in P's snapshot without a closing status and absent today (or whose
  row today was rejected at ingest), and customers a loan of today needs who are absent today,
  with the version each is restored from;
- integrity columns joined onto the delivered rows (`_customer_status`, `_loan_known`, ...),
  which the GX suites check.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from datetime import date
from typing import Iterator

import duckdb
import pandas as pd

from data_quality import delta as delta_mod
from data_quality import store
from pipelines.ingest.load import date_column
from pipelines.landing import LANDING_FILES, LandingFile

TERMINAL_STATUSES = ("closed", "written_off")   # a loan with one of these may leave the extract
DERIVED = ("loans", "installments", "payments", "contact_attempts", "flags")   # g_<name>: with integrity columns
# Assets validated in chunks when larger than CHUNK_ROWS: their suites check rows one by one (plus the key's
# uniqueness, which a partition by key keeps), so memory stays bounded however large the book.
CHUNKED = ("installments", "payments", "contact_attempts")
CHUNK_ROWS = 1_000_000


def chunk_rows() -> int:
    """Rows per GX chunk (env ARREARS_VALIDATE_CHUNK_ROWS, default CHUNK_ROWS)."""
    return max(1, int(os.environ.get("ARREARS_VALIDATE_CHUNK_ROWS") or CHUNK_ROWS))


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _cols(spec: LandingFile, alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    return ", ".join(f"{prefix}{_q(c)}" for c in spec.columns)


def delivered_sql(spec: LandingFile) -> str:
    """Loaded rows of the date plus ingest's quarantined rows re-typed from their recorded text."""
    when = date_column(spec)
    rejected = ", ".join(
        f"try_cast(nullif(trim(json_extract_string(record, '$.{c}')), '') as {t}) as {_q(c)}"
        if t != "VARCHAR" else f"nullif(json_extract_string(record, '$.{c}'), '') as {_q(c)}"
        for c, t in spec.columns.items())
    return f"""
        select {_cols(spec)}, _source_row, null::varchar as _ingest_problem, _load_id
        from raw.{spec.name} where {when} = $as_of
        union all
        select {rejected}, source_row as _source_row,
               regexp_replace(rule, '([A-Za-z0-9_]+): [^;]*? is not a valid ', '\\1: not a valid ', 'g'), load_id
        from raw.rejected_rows where as_of_date = $as_of and file_name = '{spec.csv_name}'"""


@dataclass
class Day:
    as_of: date
    previous: date | None
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)     # GX assets
    restored_customers: pd.DataFrame | None = None                   # quality.customers rows to carry
    restored_loans: pd.DataFrame | None = None
    restored_installments: pd.DataFrame | None = None
    prior_customers: pd.DataFrame | None = None                      # P's quality.customers
    counts: dict[str, int] = field(default_factory=dict)
    con: duckdb.DuckDBPyConnection | None = None                     # holds the date's temp tables
    chunked: dict[str, int] = field(default_factory=dict)            # asset -> rows, read in chunks
    delta: "delta_mod.Plan | None" = None                             # which rows GX sees (data_quality.delta)
    totals: dict[str, int] = field(default_factory=dict)             # asset -> loaded rows (whole table)

    def rows_of(self, asset: str) -> int:
        if asset in self.totals:
            return self.totals[asset]
        return self.chunked[asset] if asset in self.chunked else len(self.frames[asset])

    def _where(self, asset: str) -> str:
        """The rows of the asset GX validates: every loaded row, or (delta) those the plan keeps."""
        if self.delta is not None and asset in self.delta.assets and asset not in delta_mod.CORRECTED_FIRST:
            return f"_ingest_problem is null and {self.delta.condition(asset)}"
        return "_ingest_problem is null"

    def chunks(self, asset: str) -> Iterator[pd.DataFrame]:
        """The asset's rows as frames of about chunk_rows(), each key in one frame, each in row order."""
        if asset not in self.chunked:
            yield self.frames[asset]
            return
        parts = max(1, math.ceil(self.chunked[asset] / chunk_rows()))
        key = _q(LANDING_FILES[asset].key[0])
        for part in range(parts):
            yield _df(self.con, f"""select * from g_{asset} where {self._where(asset)}
                                    and hash({key}) % {parts} = {part} order by _source_row""")

    def delivered_rows(self, asset: str, source_rows: list) -> pd.DataFrame:
        """The asset's loaded rows with these source rows, indexed by `_source_row`."""
        if asset not in self.chunked:
            frame = self.frames[asset].set_index("_source_row", drop=False)
            return frame.loc[[r for r in source_rows if r in frame.index]]
        wanted = pd.DataFrame({"_source_row": pd.Series(source_rows, dtype="int64")})
        self.con.register("wanted_rows", wanted)
        try:
            frame = _df(self.con, f"""select g.* from g_{asset} g join wanted_rows w using (_source_row)
                                      where g._ingest_problem is null order by g._source_row""")
        finally:
            self.con.unregister("wanted_rows")
        return frame.set_index("_source_row", drop=False)


def _params(sql: str, params: dict | None) -> dict:
    """Only the named parameters the statement uses (DuckDB refuses extra ones)."""
    return {k: v for k, v in (params or {}).items() if f"${k}" in sql}


def _run(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> None:
    con.execute(sql, _params(sql, params))


def _df(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> pd.DataFrame:
    """Query result as a frame; dates as datetime64[ns] (GX compares only those vectorised; DuckDB
    hands out microseconds, which GX's between-checks would walk row by row)."""
    frame = con.execute(sql, _params(sql, params)).df()
    for column in frame.columns:
        if pd.api.types.is_datetime64_dtype(frame[column].dtype) and not isinstance(frame[column].dtype,
                                                                                  pd.DatetimeTZDtype):
            frame[column] = frame[column].astype("datetime64[ns]")
    return frame


def prepare(con: duckdb.DuckDBPyConnection, as_of: date, assets: tuple[str, ...] | None = None,
            signature: str | None = None) -> Day:
    """The date's frames for the GX assets (all of them, or only `assets`) and the restoration sets.
    With a suite `signature` (data_quality.delta), the snapshot delta against the previous night is
    taken and, when delta mode is allowed, loans and installments frames hold only the rows to validate."""
    previous = store.previous_day(con, as_of)
    day = Day(as_of, previous)
    p = {"as_of": as_of, "prev": previous}
    loans, customers, inst = LANDING_FILES["loans"], LANDING_FILES["customers"], LANDING_FILES["installments"]

    for spec in LANDING_FILES.values():
        _run(con, f"create or replace temp table d_{spec.name} as {delivered_sql(spec)}", {"as_of": as_of})

    # P's effective loans and installments: delivered that night plus restored that night.
    _run(con, f"""
        create or replace temp table t_prior_loans as
        select {_cols(loans)}, cast($prev as date) as _version_of, null::date as _restored_from
        from raw.loans where as_of_date = $prev
        union all
        select {_cols(loans)}, cast($prev as date), restored_from from quality.restored_loans where as_of_date = $prev""", p)
    _run(con, f"""
        create or replace temp table t_prior_installments as
        select {_cols(inst)} from raw.installments where as_of_date = $prev
        union all
        select {_cols(inst)} from quality.restored_installments where as_of_date = $prev""", p)

    # Lost loans: in P's snapshot without a closing status, not loaded today.
    _run(con, f"""
        create or replace temp table t_lost_loans as
        select {_cols(loans, 'p')}, coalesce(p._restored_from, p._version_of) as restored_from,
               case when r.rule is not null
                    then 'today''s row ' || r.source_row || ' was rejected at ingest (' || r.rule || ')'
                    else 'absent from the snapshot without a closing status (status ' || coalesce(p.status, 'blank')
                         || ' on ' || cast(p._version_of as varchar) || ')' end as reason
        from t_prior_loans p
        left join (select json_extract_string(record, '$.loan_id') as loan_id, min(source_row) as source_row,
                          min(regexp_replace(rule, ': [^;]*? is not', ': not')) as rule
                   from raw.rejected_rows where as_of_date = $as_of and file_name = 'loans.csv' group by 1) r
               on r.loan_id = p.loan_id
        where coalesce(lower(trim(p.status)), '') not in {TERMINAL_STATUSES}
          and not exists (select 1 from d_loans d where d.loan_id = p.loan_id and d._ingest_problem is null)""", p)
    _run(con, f"""
        create or replace temp table t_restored_installments as
        select {_cols(inst, 'i')}, l.restored_from from t_prior_installments i
        join t_lost_loans l using (loan_id)
        where not exists (select 1 from d_installments d where d.loan_id = i.loan_id and d._ingest_problem is null)""")
    _run(con, f"""
        create or replace temp table t_loans_today as
        select {_cols(loans)}, false as _restored from d_loans where _ingest_problem is null
        union all select {_cols(loans)}, true from t_lost_loans""")

    # Customers a loan of today needs but today's snapshot lacks: restored from their latest version.
    _run(con, """
        create or replace temp table t_missing_customers as
        select distinct l.customer_id from t_loans_today l
        where l.customer_id is not null
          and not exists (select 1 from d_customers c where c.customer_id = l.customer_id and c._ingest_problem is null)""")
    _run(con, f"""
        create or replace temp table t_restored_customers as
        with versions as (
            select q.* exclude (person_id, record_source, restored_from, corrected_fields, fallback_fields,
                                invalid_fields, source_row, load_id, run_id),
                   coalesce(q.restored_from, q.as_of_date) as restored_from, q.invalid_fields, 1 as _rank
            from quality.customers q join t_missing_customers m using (customer_id)
            where q.as_of_date = $prev
            union all
            select q.* exclude (person_id, record_source, restored_from, corrected_fields, fallback_fields,
                                invalid_fields, source_row, load_id, run_id),
                   coalesce(q.restored_from, q.as_of_date), q.invalid_fields, 2
            from quality.customers q join t_missing_customers m using (customer_id)
            where q.as_of_date < $as_of and q.as_of_date is distinct from $prev
            union all
            select r.as_of_date, {_cols(customers, 'r')}, r.as_of_date, []::varchar[], 3
            from raw.customers r join t_missing_customers m using (customer_id)
            where r.as_of_date < $as_of
        )
        select * exclude (_rank, as_of_date), as_of_date as _version_of from versions
        qualify row_number() over (partition by customer_id order by _rank, as_of_date desc) = 1""", p)
    _run(con, """
        create or replace temp table t_customers_today as
        select customer_id from d_customers where _ingest_problem is null
        union select customer_id from t_restored_customers""")

    _derive_integrity_columns(con, as_of, previous)
    day.con = con
    if signature is not None:
        day.delta = delta_mod.plan(con, as_of, previous, signature)
    for spec in LANDING_FILES.values():
        if assets is None or spec.name in assets:
            table = "g_" + spec.name if spec.name in DERIVED else "d_" + spec.name
            where = day._where(spec.name)
            if day.delta is not None and spec.name in day.delta.assets:
                day.totals[spec.name] = con.execute(
                    f"select count(*) from {table} where _ingest_problem is null").fetchall()[0][0]
            if spec.name in CHUNKED:
                rows = con.execute(f"select count(*) from {table} where {where}").fetchone()[0]
                if rows > chunk_rows():
                    day.chunked[spec.name] = rows
                    continue
            day.frames[spec.name] = _df(con, f"select * from {table} where {where} order by _source_row")
    # Yesterday's customers and what became of them: present; lost (a loan still needs them:
    # restored); left (all their loans of yesterday had a closing status); unexplained (gone while
    # no loan of yesterday or today names them: nothing shows they were closed, so reported).
    day.frames["customers_continuity"] = _df(con, """
        select q.customer_id,
               case when exists (select 1 from d_customers d where d.customer_id = q.customer_id and d._ingest_problem is null) then 'present'
                    when exists (select 1 from t_restored_customers r where r.customer_id = q.customer_id) then 'lost'
                    when exists (select 1 from t_prior_loans l where l.customer_id = q.customer_id) then 'left'
                    else 'unexplained' end as state,
               coalesce(q.restored_from, q.as_of_date) as last_delivered_on
        from quality.customers q where q.as_of_date = $prev order by q.customer_id""", p)
    day.frames["loans_continuity"] = _df(con, """
        select p.loan_id, p.status,
               case when exists (select 1 from d_loans d where d.loan_id = p.loan_id and d._ingest_problem is null) then 'present'
                    when exists (select 1 from t_lost_loans l where l.loan_id = p.loan_id) then 'lost'
                    else 'ended' end as state
        from t_prior_loans p order by p.loan_id""", p)
    day.frames["files"] = _df(con, """
        select file_name, encoding, rows_in_file, rows_loaded, rows_quarantined, duplicates_skipped,
               rows_in_file = rows_loaded + rows_quarantined + duplicates_skipped as _accounted
        from raw.load_log where as_of_date = $as_of
        qualify row_number() over (partition by file_name order by loaded_at desc) = 1
        order by file_name""", {"as_of": as_of})

    day.restored_loans = _df(con, "select * from t_lost_loans order by loan_id")
    day.restored_installments = _df(con, "select * from t_restored_installments order by loan_id, installment_no")
    day.restored_customers = _df(con, "select * from t_restored_customers order by customer_id")
    day.prior_customers = _df(con, "select * from quality.customers where as_of_date = $prev", p)
    day.counts = {"previous_customers": len(day.frames["customers_continuity"]),
                  "previous_loans": len(day.frames["loans_continuity"])}
    return day


def _derive_integrity_columns(con: duckdb.DuckDBPyConnection, as_of: date, previous: date | None) -> None:
    """Referential integrity and control totals as columns of the delivered rows."""
    p = {"as_of": as_of, "prev": previous}
    _run(con, """
        create or replace temp table t_known_loans as
        select loan_id, customer_id from t_loans_today
        union select loan_id, customer_id from t_prior_loans""")
    _run(con, """
        create or replace temp table t_schedule as
        select loan_id, count(*) as installments, sum(principal_due) as principal
        from d_installments where _ingest_problem is null group by loan_id""")
    _run(con, """
        create or replace temp table g_loans as
        select d.*, lower(trim(d.status)) as _status,
               case when d.customer_id is null then 'blank'
                    when exists (select 1 from d_customers c where c.customer_id = d.customer_id and c._ingest_problem is null) then 'present'
                    when exists (select 1 from t_restored_customers r where r.customer_id = d.customer_id) then 'restored'
                    when exists (select 1 from d_customers c where c.customer_id = d.customer_id) then 'rejected_without_history'
                    else 'never_delivered' end as _customer_status,
               lower(trim(d.status)) is distinct from 'closed' or d.closed_on is not null as _closed_on_given,
               lower(trim(d.status)) is distinct from 'active' or s.installments is not null as _schedule_given,
               case when lower(trim(d.status)) = 'active' then cast(s.principal as double) end as _schedule_principal
        from d_loans d left join t_schedule s using (loan_id)""")
    _run(con, """
        create or replace temp table g_installments as
        select d.*, exists (select 1 from t_loans_today l where l.loan_id = d.loan_id) as _loan_known
        from d_installments d""")
    _run(con, """
        create or replace temp table g_payments as
        select d.*, lower(trim(d.channel)) as _channel,
               exists (select 1 from t_known_loans l where l.loan_id = d.loan_id) as _loan_known,
               d.reverses_payment_id is null or exists (
                   select 1 from raw.payments r where r.payment_id = d.reverses_payment_id and r.delivered_on <= $as_of)
                   as _reversal_known
        from d_payments d""", p)
    _run(con, """
        create or replace temp table g_contact_attempts as
        select d.*, lower(trim(d.channel)) as _channel, lower(trim(d.outcome)) as _outcome,
               l.loan_id is not null as _loan_known,
               d.customer_id is null or l.customer_id is null or l.customer_id = d.customer_id as _customer_matches_loan,
               lower(trim(d.outcome)) is distinct from 'promise_to_pay'
                   or (d.promise_amount is not null and d.promise_date is not null) as _promise_complete
        from d_contact_attempts d
        left join (select loan_id, min(customer_id) as customer_id from t_known_loans group by loan_id) l using (loan_id)""")
    _run(con, """
        create or replace temp table g_flags as
        select d.*, lower(trim(d.subject_type)) as _subject_type, lower(trim(d.flag)) as _flag,
               case lower(trim(d.subject_type))
                      when 'customer' then d.subject_id in (select customer_id from t_customers_today)
                                           or d.subject_id in (select customer_id from quality.customers where as_of_date = $prev)
                      when 'loan' then d.subject_id in (select loan_id from t_known_loans)
                      else false end as _subject_known
        from d_flags d""", p)
