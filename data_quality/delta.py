"""Delta validation: on a following night only the customer, loan and installment rows that are new or
changed since the previous validated night are given to Great Expectations; an unchanged row carries
its previous verdict (it passed every row-level expectation) forward.

The comparison runs in DuckDB. Every loaded row of `d_customers` (the delivered columns), `g_loans` /
`g_installments` (the delivered columns plus the integrity columns the suites check:
`_customer_status`, `_schedule_principal`, `_loan_known`, ...) gets a row hash, `hash()` of those
columns; the night's hashes are kept in `quality.validated_rows` with `flagged` (the row was
unexpected by some expectation that night).

Customers are corrected before GX sees them (data_quality.corrections, on every delivered row, as in
a full validation: the corrections audit and the fall-back read the whole night). A corrected row is
a function of the delivered row and the rules, so the row hash of what was delivered stands for the
corrected row; the rules are part of the signature. Their GX frame is chosen after correction
(`select_rows`): the rows the plan keeps, plus every row whose value of a uniqueness expectation's
column(s) occurs more than once today (`customers.national_id.one_person` compares corrected ids
across the whole night) and every row outside a between-expectation's bounds today (the
date-of-birth window moves with the business date, so a customer can leave it without a change).

A row is carried forward (not given to GX) when the previous night holds a row with the same key and
the same hash that no expectation flagged. Every other row is validated: new and changed rows, rows
whose integrity context changed (their hash covers it), rows flagged the night before (so every
unexpected row of today is in the frame GX sees, and its sample, quarantine rows and counts are those
of the whole table), and every row of a key delivered more than once today (so the uniqueness
expectations see each duplicate pair). The whole-set expectations stay exact: `mostly` thresholds
and the element counts are decided on the totals (the carried rows are added as passing rows, with
their missing values counted in SQL), lost loans and customers and the referential columns are
computed in SQL over the whole night as before. Expectations on the business date can only widen
as the date advances (`loans.disbursed_on.plausible`: not after the business date;
`installments.due_date.plausible`: at most 50 years after it), so a row that passed on an earlier
date passes today.

Delta mode is used only when all of these hold (else the night is validated whole, and the reason is
kept in `quality.validate_modes`): ARREARS_VALIDATE_FULL is not set; there is a previous validated
night P; P is the latest earlier date that was loaded (no later night was ingested and not
validated); no date after today is validated yet (a rerun of an older date, a reverse backfill);
P's row hashes are still kept; P was validated with the same suites (a signature of the customer, loan and
installment suites, the customer correction rules, the lender time zone, DuckDB's version, whose
hash() the row hashes are, and the phonenumbers and python-stdnum versions, which decide a customer's
phone and national id). Row hashes are kept for the two latest nights only.
`quality.snapshot_delta` lists, per night, the keys that were new, changed or removed.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import date

import duckdb
import pandas as pd

from pipelines.landing import LANDING_FILES

DELTA_ASSETS = ("customers", "loans", "installments")
SOURCE = {"customers": "d_customers", "loans": "g_loans", "installments": "g_installments"}
# assets whose GX frame is chosen in pandas after correction (select_rows), not filtered in SQL
CORRECTED_FIRST = ("customers",)
NOT_HASHED = ("_source_row", "_load_id", "_ingest_problem")
VERSION = 2       # bump when what a row hash covers, how verdicts carry, or a correction rule's code changes

DDL = [
    """create table if not exists quality.validated_rows (
        as_of_date date, asset varchar, record_id varchar, row_hash ubigint, flagged boolean, run_id varchar)""",
    """create table if not exists quality.snapshot_delta (
        as_of_date date, asset varchar, record_id varchar, change varchar, run_id varchar)""",
    """create table if not exists quality.validate_modes (
        as_of_date date, run_id varchar, mode varchar, reason varchar, signature varchar,
        rows_validated bigint, rows_carried bigint, kept boolean)""",
]
TABLES = ("validated_rows", "snapshot_delta", "validate_modes")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def forced_full() -> bool:
    return (os.environ.get("ARREARS_VALIDATE_FULL") or "").strip().lower() not in ("", "0", "false", "no")


def signature(suites_module, timezone) -> str:
    """What the carried verdicts depend on besides the row: the customer, loan and installment suites
    (built for a fixed date), the customer correction rules, the lender time zone, DuckDB's version
    (its hash()) and the versions of the libraries that decide a customer's phone and national id."""
    from importlib.metadata import version

    from data_quality.corrections import RULES

    ctx = suites_module.Context(date(2000, 1, 1), timezone=timezone)
    text = json.dumps({"version": VERSION, "duckdb": duckdb.__version__, "timezone": str(timezone), "suites": {
        asset: [e.configuration.to_json_dict() for e in suites_module.SUITES[asset](ctx)]
        for asset in DELTA_ASSETS},
        "corrections": [[r.name, list(r.fields), r.description] for r in RULES],
        "libraries": {name: version(name) for name in ("phonenumbers", "python-stdnum")}},
        sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def record_id_sql(asset: str) -> str:
    key = LANDING_FILES[asset].key
    return " || '|' || ".join(f"coalesce(cast({_q(k)} as varchar), '')" for k in key)


@dataclass
class Plan:
    mode: str                     # "delta" or "full"
    reason: str
    signature: str
    assets: tuple[str, ...] = ()   # assets whose GX frame is the delta
    validated: dict[str, int] = field(default_factory=dict)
    carried: dict[str, int] = field(default_factory=dict)

    def condition(self, asset: str) -> str:
        return f"_source_row in (select _source_row from t_validate_{asset})"


def _fallback_reason(con: duckdb.DuckDBPyConnection, as_of: date, previous: date | None, sig: str) -> str | None:
    if forced_full():
        return "full validation forced (ARREARS_VALIDATE_FULL)"
    if previous is None:
        return "first validated night"
    loaded = con.execute("select max(as_of_date) from raw.load_log where as_of_date < ?", [as_of]).fetchall()[0][0]
    if loaded is not None and loaded != previous:
        return f"the latest earlier loaded night {loaded} is not validated"
    later = con.execute("select min(as_of_date) from quality.days where as_of_date > ?", [as_of]).fetchall()[0][0]
    if later is not None:
        return f"a later night ({later}) is already validated"
    state = next(iter(con.execute("""select signature, kept from quality.validate_modes where as_of_date = ?""",
                                  [previous]).fetchall()), None)
    if state is None or not state[1]:
        return f"no row state kept for {previous}"
    if state[0] != sig:
        return f"the suites changed since {previous}"
    return None


def plan(con: duckdb.DuckDBPyConnection, as_of: date, previous: date | None, sig: str) -> Plan:
    """Row hashes of today's loans and installments, the delta against the previous night
    (t_delta_<asset>), and — in delta mode — the rows to validate (t_validate_<asset>)."""
    for statement in DDL:
        con.execute(statement)
    for asset in DELTA_ASSETS:
        columns = [c for (c,) in con.execute(f"select column_name from (describe {SOURCE[asset]})").fetchall()
                   if c not in NOT_HASHED]
        con.execute(f"""create or replace temp table t_rows_{asset} as
            select _source_row, {record_id_sql(asset)} as record_id,
                   hash({', '.join(_q(c) for c in columns)}) as row_hash
            from {SOURCE[asset]} where _ingest_problem is null""")
        con.execute(f"""create or replace temp table t_prev_{asset} as
            select record_id, row_hash, flagged from quality.validated_rows
            where as_of_date = ? and asset = '{asset}'""", [previous])
        con.execute(f"""create or replace temp table t_delta_{asset} as
            with t as (select record_id, min(row_hash) as row_hash, count(*) as n
                       from t_rows_{asset} group by record_id)
            select coalesce(t.record_id, p.record_id) as record_id,
                   case when p.record_id is null then 'new' when t.record_id is null then 'removed'
                        else 'changed' end as change
            from t full join t_prev_{asset} p on p.record_id = t.record_id
            where p.record_id is null or t.record_id is null or t.n > 1 or t.row_hash <> p.row_hash""")
    reason = _fallback_reason(con, as_of, previous, sig)
    if reason is not None:
        full = Plan("full", reason, sig)
        full.validated = {asset: con.execute(f"select count(*) from t_rows_{asset}").fetchall()[0][0]
                          for asset in DELTA_ASSETS}
        return full
    result = Plan("delta", f"delta against {previous}", sig, DELTA_ASSETS)
    for asset in DELTA_ASSETS:
        con.execute(f"""create or replace temp table t_validate_{asset} as
            select _source_row from t_rows_{asset} t
            where not exists (select 1 from t_prev_{asset} p
                              where p.record_id = t.record_id and p.row_hash = t.row_hash and not p.flagged)
               or record_id in (select record_id from t_rows_{asset} group by record_id having count(*) > 1)""")
        result.validated[asset] = con.execute(f"select count(*) from t_validate_{asset}").fetchall()[0][0]
        result.carried[asset] = con.execute(f"select count(*) from t_rows_{asset}").fetchall()[0][0] \
            - result.validated[asset]
    return result


def _missing(config) -> str:
    """SQL for the rows GX counts as missing for this expectation (not considered by it)."""
    kwargs = config.kwargs
    if config.type == "expect_column_values_to_not_be_null":
        return "false"
    if kwargs.get("column"):
        return f"{_q(kwargs['column'])} is null"
    if kwargs.get("column_A"):
        a, b = _q(kwargs["column_A"]), _q(kwargs["column_B"])
        return {"either_value_is_missing": f"({a} is null or {b} is null)",
                "both_values_are_missing": f"({a} is null and {b} is null)"}.get(kwargs.get("ignore_row_if"), "false")
    if kwargs.get("column_list"):
        nulls = [f"{_q(c)} is null" for c in kwargs["column_list"]]
        return {"all_values_are_missing": " and ".join(nulls), "any_value_is_missing": " or ".join(nulls),
                None: " and ".join(nulls)}.get(kwargs.get("ignore_row_if"), "false")
    return "false"


def carried_counts(con: duckdb.DuckDBPyConnection, asset: str, expectations: list,
                   carried: pd.DataFrame | None = None) -> dict[str, tuple[int, int]]:
    """rule -> (elements, considered) of the carried rows, which pass every expectation: the rows of
    `g_<asset>` not in the plan's t_validate_<asset>, or the frame `carried` (customers: the
    corrected rows not given to GX, as GX would have seen them)."""
    counts = ", ".join(f"count(*) filter (where {_missing(e.configuration)})" for e in expectations)
    if carried is None:
        row = con.execute(f"""select count(*), {counts} from {SOURCE[asset]} where _ingest_problem is null
                              and _source_row not in (select _source_row from t_validate_{asset})""").fetchall()[0]
    else:
        con.register("_carried", carried)
        try:
            row = con.execute(f"select count(*), {counts} from _carried").fetchall()[0]
        finally:
            con.unregister("_carried")
    total = row[0]
    return {e.configuration.meta["rule"]: (total, total - missing) for e, missing in zip(expectations, row[1:])}


def _outside_bounds(frame: pd.DataFrame, kwargs: dict) -> pd.Series:
    values = frame[kwargs["column"]]
    outside = pd.Series(False, index=frame.index)
    for bound, fails in (("min_value", values.lt), ("max_value", values.gt)):
        if kwargs.get(bound) is not None:
            outside |= fails(pd.Timestamp(kwargs[bound]) if pd.api.types.is_datetime64_any_dtype(values)
                             else kwargs[bound]).fillna(False).astype(bool)
    return outside


def select_rows(con: duckdb.DuckDBPyConnection, asset: str, frame: pd.DataFrame, expectations: list,
                delta: Plan) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows GX validates, rows carried) of an asset corrected in pandas before validation (a frame of
    every loaded row, `_source_row` among its columns). Validated: the rows the plan keeps, every row
    whose value of a uniqueness expectation's column(s) is not unique today, every row outside a
    between-expectation's bounds today. Both in the frame's order, with a fresh index."""
    kept = {int(r) for (r,) in con.execute(f"select _source_row from t_validate_{asset}").fetchall()}
    chosen = frame["_source_row"].isin(kept)
    for e in expectations:
        config = e.configuration
        if config.type == "expect_column_values_to_be_unique":
            values = frame[config.kwargs["column"]]
            chosen |= values.notna() & values.duplicated(keep=False)
        elif config.type == "expect_compound_columns_to_be_unique":
            chosen |= frame.duplicated(list(config.kwargs["column_list"]), keep=False)
        elif config.type == "expect_column_values_to_be_between":
            chosen |= _outside_bounds(frame, config.kwargs)
    delta.validated[asset] = int(chosen.sum())
    delta.carried[asset] = len(frame) - delta.validated[asset]
    return frame[chosen].reset_index(drop=True), frame[~chosen].reset_index(drop=True)


def record(con: duckdb.DuckDBPyConnection, as_of: date, run_id: str, delta: Plan, outcomes: list) -> None:
    """Keep the night's row hashes and flags, its delta and mode; drop row hashes older than the
    previous night's (inside the validate step's transaction)."""
    for asset in DELTA_ASSETS:
        flagged = sorted({int(r) for o in outcomes if o.asset == asset for r in o.rows if r is not None})
        con.register("_flagged", pd.DataFrame({"_source_row": pd.Series(flagged, dtype="int64")}))
        try:
            con.execute(f"""insert into quality.validated_rows
                select ?, '{asset}', record_id, row_hash, _source_row in (select _source_row from _flagged), ?
                from t_rows_{asset}""", [as_of, run_id])
        finally:
            con.unregister("_flagged")
        con.execute(f"insert into quality.snapshot_delta select ?, '{asset}', record_id, change, ? from t_delta_{asset}",
                    [as_of, run_id])
    con.execute("insert into quality.validate_modes values (?, ?, ?, ?, ?, ?, ?, true)", [
        as_of, run_id, delta.mode, delta.reason, delta.signature,
        sum(delta.validated.values()), sum(delta.carried.values())])
    previous = con.execute("select max(as_of_date) from quality.days where as_of_date < ?", [as_of]).fetchall()[0][0]
    if previous is not None:
        con.execute("delete from quality.validated_rows where as_of_date < ?", [previous])
        con.execute("update quality.validate_modes set kept = false where as_of_date < ?", [previous])
