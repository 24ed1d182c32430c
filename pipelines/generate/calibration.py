"""Measure a generated landing zone the way the Home Credit sample is measured, to calibrate it.

Lateness is read from the files alone, with the contract's allocation rule: payments net of
reversals, by value date, pay instalments oldest first; an instalment is settled on the value
date its cumulative amount due is covered, and it is late when that is after its due date.
Only settled instalments count (the Home Credit sample holds payments, not unpaid instalments).

    python -m pipelines.generate.calibration LANDING   prints generated vs Home Credit figures
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import duckdb

from ..landing import MANIFEST_NAME
from ..settings import PROJECT_ROOT

HOME_CREDIT = PROJECT_ROOT.parent / "shared" / "realdata" / "home_credit_sample" / "installments_payments.csv"
PERCENTILES = (50, 75, 90, 95, 99)


def _connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    return con


def _intact(out: Path, name: str) -> list[str]:
    """The day files whose bytes match their manifest (a truncated file is left out)."""
    files = []
    for manifest_path in sorted(out.glob(f"*/{MANIFEST_NAME}")):
        entry = json.loads(manifest_path.read_text(encoding="utf-8"))["files"][name]
        path = manifest_path.parent / name
        if hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]:
            files.append(str(path))
    return files


def _lateness_figures(con: duckdb.DuckDBPyConnection, lateness: str) -> dict:
    """Share late and days-late percentiles over a relation with a `late_days` column."""
    quantiles = ", ".join(f"quantile_cont(late_days, {p / 100}) filter (late_days > 0)" for p in PERCENTILES)
    row = con.execute(f"select count(*), avg((late_days > 0)::int), {quantiles} from {lateness}").fetchone()
    return {"instalments": row[0], "late_share": round(row[1], 4),
            "days_late": {f"p{p}": round(v, 2) for p, v in zip(PERCENTILES, row[2:])}}


def calibration_report(out: Path) -> dict:
    """Late share, days-late percentiles, partial payments, promise keeping and call outcomes of
    the extracts under `out` (all business dates together)."""
    out = Path(out)
    con = _connect()
    read = "read_csv({files}, header = true, all_varchar = true, filename = true)"
    con.execute(f"create view payments_raw as select * from {read.format(files=_intact(out, 'payments.csv'))}")
    con.execute(f"create view inst_raw as select * from {read.format(files=_intact(out, 'installments.csv'))}")
    con.execute(f"create view contacts_raw as select * from {read.format(files=_intact(out, 'contact_attempts.csv'))}")
    con.execute("""
        create temp table payments as
        select distinct payment_id, loan_id, value_date::date as value_date, amount::decimal(18, 2) as amount,
               nullif(reverses_payment_id, '') as reverses
        from payments_raw;
        create temp table last_seen as
        select loan_id, max(regexp_extract(filename, '(\\d{4}-\\d{2}-\\d{2})', 1)) as as_of
        from inst_raw group by loan_id;
        create temp table instalments as
        select i.loan_id, i.installment_no::int as no, i.due_date::date as due_date,
               (principal_due::decimal(18, 2) + interest_due::decimal(18, 2) + fee_due::decimal(18, 2)) as amount,
               sum(principal_due::decimal(18, 2) + interest_due::decimal(18, 2) + fee_due::decimal(18, 2))
                   over (partition by i.loan_id order by i.installment_no::int) as due_to_here
        from inst_raw i join last_seen l
          on i.loan_id = l.loan_id and regexp_extract(i.filename, '(\\d{4}-\\d{2}-\\d{2})', 1) = l.as_of;
        -- a reversal cancels its payment on that payment's value date
        create temp table paid_by_day as
        select loan_id, value_date,
               sum(sum(case when reverses is null then amount else -amount end))
                   over (partition by loan_id order by value_date) as paid_to_here
        from payments group by loan_id, value_date;
        create temp table settled as
        select i.*, p.value_date as settled_on, datediff('day', i.due_date, p.value_date) as late_days
        from instalments i asof join paid_by_day p on i.loan_id = p.loan_id and i.due_to_here <= p.paid_to_here;
    """)
    report = _lateness_figures(con, "settled")

    # Partial payments: less than the instalment the payment starts to pay (reversed pairs excluded).
    report["partial_payment_share"] = round(con.execute("""
        with kept as (
            select * from payments p
            where reverses is null and payment_id not in (select reverses from payments where reverses is not null)),
        ordered as (
            select *, coalesce(sum(amount) over (partition by loan_id order by value_date, payment_id
                                                  rows between unbounded preceding and 1 preceding), 0) as before
            from kept)
        select avg((o.amount < i.amount)::int)
        from ordered o asof join instalments i on o.loan_id = i.loan_id and o.before < i.due_to_here
    """).fetchone()[0], 4)

    last_day = con.execute("select max(regexp_extract(filename, '(\\d{4}-\\d{2}-\\d{2})', 1))::date "
                           "from contacts_raw").fetchone()[0]
    con.execute("""
        create temp table contacts as
        select distinct attempt_id, loan_id, agent_id, channel, outcome, started_at::timestamptz::date as day,
               promise_amount::decimal(18, 2) as promise_amount, promise_date::date as promise_date
        from contacts_raw""")
    promises = con.execute("""
        select count(*), avg(kept::int) from (
            select c.attempt_id,
                   coalesce(sum(case when p.reverses is null then p.amount else -p.amount end), 0) >= c.promise_amount
                       as kept
            from contacts c left join payments p
              on p.loan_id = c.loan_id and p.value_date between c.day and c.promise_date
            where c.outcome = 'promise_to_pay' and c.promise_date <= ?
            group by c.attempt_id, c.promise_amount)""", [last_day]).fetchone()
    report["promises_due"], report["promise_kept_rate"] = promises[0], round(promises[1] or 0, 4)
    calls = con.execute("select outcome, count(*) from contacts where channel = 'call' group by outcome").fetchall()
    total = sum(n for _, n in calls)
    report["calls"] = total
    report["call_outcomes"] = {outcome: round(n / total, 4) for outcome, n in sorted(calls, key=lambda r: -r[1])}
    reached = "outcome in ('right_party_contact', 'promise_to_pay', 'refused_to_pay', 'dispute_raised')"
    # Does reaching the customer make a payment more likely? Share of calls followed by a payment
    # within three days, after a conversation and after a call that reached nobody.
    report["paid_within_3_days_after_call"] = dict(con.execute(f"""
        select case when {reached} then 'reached' else 'not_reached' end,
               round(avg((exists (select 1 from payments p where p.loan_id = c.loan_id and p.reverses is null
                                  and p.value_date between c.day and c.day + 3))::int), 4)
        from contacts c where channel = 'call' and day <= ? - 3 group by 1""", [last_day]).fetchall())
    agents = con.execute(f"""
        select quantile_cont(rate, 0.1), quantile_cont(rate, 0.9) from (
            select avg(({reached})::int) as rate from contacts
            where channel = 'call' group by agent_id having count(*) >= 50)""").fetchone()
    report["agent_reach_rate"] = {"p10": round(agents[0], 4), "p90": round(agents[1], 4)}
    return report


def home_credit_reference(path: Path = HOME_CREDIT) -> dict:
    """The same figures for the Home Credit sample: one row per payment, days late =
    DAYS_ENTRY_PAYMENT - DAYS_INSTALMENT, partial when AMT_PAYMENT < AMT_INSTALMENT."""
    con = _connect()
    con.execute(f"""create view hc as select DAYS_ENTRY_PAYMENT - DAYS_INSTALMENT as late_days,
                    AMT_PAYMENT < AMT_INSTALMENT as partial from read_csv('{path}', header = true)""")
    report = _lateness_figures(con, "hc")
    report["partial_payment_share"] = round(con.execute("select avg(partial::int) from hc").fetchone()[0], 4)
    return report


if __name__ == "__main__":
    print(json.dumps({"generated": calibration_report(Path(sys.argv[1])), "home_credit": home_credit_reference()},
                     indent=2))
