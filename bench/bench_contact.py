"""Benchmark: the contact strategy on a night with 100,000 overdue loans.

    .venv/bin/python bench/bench_contact.py [--overdue 100000] [--workdir bench/results/contact]

The book is synthesised straight into the warehouse's `raw` schema (the tables ingestion writes),
not generated as landing files: a realistic book with 100,000 overdue loans would be ~1M loans,
whose generation and ingestion bench_ingest.py already measures. Here ~110,000 loans of ~88,000
customers, ~91% of them overdue (DPD 1-200 spread over every stage), with a week of delivered
call/SMS history, promises to pay, blocks, 400 agents, messy contact data (missing phones and
e-mails, US customers without a time zone, customers with neither zone nor country).

Two nights are run, D-1 and D, each as `arrears run` does it: `dbt build` of the contact marts and
everything upstream (staging, the delinquency engine, the contact models, their data tests), then publish with the
contact writers (sms.csv, emails.jsonl, call_list.csv, skip_trace.csv, referrals.csv, _batch.json
last), then the letters hand-off (letter_rows: the letters with their itemised arrears; rendering PDFs is
the letters engine's). Night D
counts against night D-1's schedule (the steady state). Prints wall-clock seconds per part and the
dbt time of the contact models alone (from dbt's run_results.json).
"""
from __future__ import annotations

import argparse
import json
import shutil
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb

from pipelines import transform
from pipelines.contact.letters import letter_rows
from pipelines.contact.outbox import contact_writers
from pipelines.policy import load_policy
from pipelines.publish import publish
from pipelines.settings import DEFAULT_POLICY

D = date(2026, 11, 27)
CONTACT_NODES = ("int_contact__", "contact_log", "overdue_accountability", "contact_timeliness")


def synthesise(warehouse: Path, overdue: int) -> dict:
    """Write two nights (D-1, D) of a synthetic book into raw.*; returns the book's sizes."""
    loans = int(overdue / 0.91)
    customers = int(loans * 0.8)
    con = duckdb.connect(str(warehouse))
    con.execute("set preserve_insertion_order = false")
    con.execute("create schema if not exists raw")
    meta = "null::varchar as _extra, 'bench' as _load_id, 0::bigint as _source_row"
    nights = f"(select unnest([date '{D - timedelta(days=1)}', date '{D}']) as as_of_date)"
    con.execute(f"""
        create or replace table raw.customers as
        select n.as_of_date, 'C' || lpad(i::varchar, 7, '0') as customer_id,
               case when i % 20 = 0 then 'John Smith ' || i else '张伟' || i end as full_name,
               'N' || i as national_id, date '1980-01-01' as date_of_birth,
               case when i % 33 = 0 then null when i % 20 = 0 then '+1212555' || lpad((i % 10000)::varchar, 4, '0')
                    else '+86138' || lpad(i::varchar, 8, '0') end as phone,
               case when i % 10 = 0 then null else 'c' || i || '@example.com' end as email,
               case when i % 50 = 0 then '' else '建国路' || i || '号' end as address_line1, null as address_line2,
               case when i % 20 = 0 then 'New York' else '北京' end as city,
               case when i % 20 = 0 then 'NY' else '北京市' end as region, '100022' as postal_code,
               case when i % 97 = 0 then null when i % 20 = 0 then 'US' else 'CN' end as country,
               case when i % 20 = 0 then 'en-US' else 'zh-CN' end as preferred_language,
               case when i % 97 = 0 or i % 40 = 0 then '' when i % 20 = 0 then 'America/New_York'
                    else 'Asia/Shanghai' end as timezone,
               timestamptz '2026-01-01 00:00:00+08' as updated_at, {meta}
        from range({customers}) t(i), {nights} n
    """)
    con.execute(f"""
        create or replace table raw.loans as
        select n.as_of_date, 'L' || lpad(i::varchar, 7, '0') as loan_id,
               'C' || lpad((i % {customers})::varchar, 7, '0') as customer_id, 'cash_loan' as product,
               case when (i % {customers}) % 20 = 0 then 'USD' else 'CNY' end as currency,
               6000.00::decimal(18,2) as principal_amount, 0.12::decimal(9,6) as annual_interest_rate,
               date '2026-01-01' as disbursed_on, date '2027-06-01' as maturity_date, 'active' as status,
               null::date as closed_on, {meta}
        from range({loans}) t(i), {nights} n
    """)
    # instalment 1 is due (D - 1 - k) for the overdue ~91% (k = 0..199: DPD 1-200 on D), in 30 days otherwise
    con.execute(f"""
        create or replace table raw.installments as
        select n.as_of_date, 'L' || lpad(i::varchar, 7, '0') as loan_id, k + 1 as installment_no,
               (case when i % 100 < 91 then date '{D}' - 1 - (i % 200)::int else date '{D}' + 30 end) + (30 * k)::int as due_date,
               1000.00::decimal(18,2) as principal_due, 30.00::decimal(18,2) as interest_due,
               0.00::decimal(18,2) as fee_due, {meta}
        from range({loans}) t(i), range(6) s(k), {nights} n
    """)
    con.execute(f"""
        create or replace table raw.payments as
        select date '{D}' - 1 - (i % 3)::int as delivered_on, 'P' || i as payment_id,
               'L' || lpad((i * 7 % {loans})::varchar, 7, '0') as loan_id, date '{D}' - 1 - (i % 3)::int as value_date,
               timestamptz '{D}' - interval (i % 72) hour as booked_at, 200.00::decimal(18,2) as amount,
               'bank_transfer' as channel, null as reverses_payment_id, {meta}
        from range({loans // 20}) t(i)
    """)
    # a week of delivered history: ~2 attempts per overdue loan; 1 in 6 a conversation, 1 in 12 a promise
    con.execute(f"""
        create or replace table raw.contact_attempts as
        select cast(started_at as date) as delivered_on, * exclude (started_date)
        from (
            select 'A' || i as attempt_id, 'L' || lpad((i % {loans})::varchar, 7, '0') as loan_id,
                   'C' || lpad(((i % {loans}) % {customers})::varchar, 7, '0') as customer_id,
                   case when i % 3 = 0 then null else 'G' || lpad((i % 400)::varchar, 3, '0') end as agent_id,
                   case when i % 3 = 0 then 'sms' else 'call' end as channel,
                   timestamptz '{D} 02:00:00+00' - interval (i % (7 * 24 * 60)) minute as started_at,
                   null::date as started_date, 60 as duration_seconds,
                   case when i % 3 = 0 then 'delivered' when i % 12 = 1 then 'promise_to_pay'
                        when i % 6 = 2 then 'right_party_contact' else 'no_answer' end as outcome,
                   case when i % 12 = 1 then 500.00 end::decimal(18,2) as promise_amount,
                   case when i % 12 = 1 then date '{D}' + (i % 9)::int - 4 end as promise_date,
                   {meta}
            from range({2 * loans}) t(i)
        )
    """)
    con.execute(f"""
        create or replace table raw.flags as
        select n.as_of_date, f.* from {nights} n, (
            select 'loan' as subject_type, 'L' || lpad((i * 53 % {loans})::varchar, 7, '0') as subject_id,
                   'dispute' as flag, date '{D}' - 10 as effective_from, null::date as effective_to, '' as note, {meta}
            from range({loans // 50}) t(i)
            union all
            select 'customer', 'C' || lpad((i * 71 % {customers})::varchar, 7, '0'), 'cease_contact',
                   date '{D}' - 20, null::date, '', {meta}
            from range({customers // 100}) t(i)
        ) f
    """)
    con.execute(f"""
        create or replace table raw.agents as
        select n.as_of_date, 'G' || lpad(i::varchar, 3, '0') as agent_id, 'Agent ' || i as full_name,
               'team' || (i % 8) as team, case when i % 8 = 0 then 'zh-CN;en' else 'zh-CN' end as languages,
               true as active, 120 as daily_capacity, {meta}
        from range(400) t(i), {nights} n
    """)
    sizes = {t: con.execute(f"select count(*) from raw.{t}").fetchone()[0]
             for t in ("customers", "loans", "installments", "payments", "contact_attempts", "flags", "agents")}
    con.close()
    return sizes


def release_dbt_connection() -> None:
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    if DuckDBConnectionManager._ENV is not None:
        DuckDBConnectionManager._ENV.close()
        DuckDBConnectionManager._ENV = None


def night(as_of: date, warehouse: Path, out: Path, policy_path: Path) -> dict:
    policy = load_policy(policy_path)
    started = time.perf_counter()
    try:  # the contact marts and everything upstream of them, with their data tests
        transform.run_dbt(["build", "--vars", transform.dbt_vars(as_of, **policy.dbt_vars()),
                           "--exclude-resource-type", "unit_test", "--indirect-selection", "cautious",
                           "--select", "+contact_log +overdue_accountability +contact_timeliness"], warehouse)
    finally:
        release_dbt_connection()
    dbt_seconds = time.perf_counter() - started
    results = json.loads((warehouse.parent / ".dbt" / "target" / "run_results.json").read_text())["results"]
    contact_dbt = sum(r["execution_time"] for r in results
                      if any(n in r["unique_id"] for n in CONTACT_NODES))

    started = time.perf_counter()
    batch = publish(out, as_of, f"bench-{as_of}", policy.version, contact_writers(warehouse, as_of, policy_path))
    publish_seconds = time.perf_counter() - started
    started = time.perf_counter()
    letters = letter_rows(warehouse, as_of)
    letters_seconds = time.perf_counter() - started

    con = duckdb.connect(str(warehouse), read_only=True)
    overdue = con.execute("select count(*) from marts.loan_delinquency where as_of_date = ? and is_overdue",
                          [as_of]).fetchone()[0]
    outcomes = dict(con.execute("""select outcome, count(*) from marts.overdue_accountability where as_of_date = ?
                                   group by all order by all""", [as_of]).fetchall())
    log = dict(con.execute("""select channel || ' ' || status, count(*) from marts.contact_log where as_of_date = ?
                              group by all order by all""", [as_of]).fetchall())
    con.close()
    return {"as_of": str(as_of), "overdue_loans": overdue, "dbt_build_s": round(dbt_seconds, 1),
            "contact_models_dbt_s": round(contact_dbt, 1), "publish_s": round(publish_seconds, 1),
            "letters_handoff_s": round(letters_seconds, 1), "letters": len(letters),
            "files": batch.manifest["counts"], "outcomes": outcomes, "contact_log": log}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--overdue", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, default=Path("bench/results/contact"))
    args = parser.parse_args()
    shutil.rmtree(args.workdir, ignore_errors=True)
    args.workdir.mkdir(parents=True)
    warehouse = (args.workdir / "arrears.duckdb").absolute()

    started = time.perf_counter()
    sizes = synthesise(warehouse, args.overdue)
    print(json.dumps({"synthesised_s": round(time.perf_counter() - started, 1), "raw_rows": sizes}))
    for as_of in (D - timedelta(days=1), D):
        started = time.perf_counter()
        result = night(as_of, warehouse, args.workdir / "outbox", DEFAULT_POLICY)
        result["night_s"] = round(time.perf_counter() - started, 1)
        print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
