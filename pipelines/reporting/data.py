"""What the KPI report shows, read from the reporting marts (read-only) for one business date.

One query per figure; every number comes from a mart (no KPI is computed here), so the report
and the tables management queries can never disagree.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from pipelines.warehouse import reader

# The KPI tables of the Excel export, in sheet order (a table not built yet is left out).
KPI_TABLES = ["kpi_figures", "kpi_restatements", "book_status", "recovery_rates", "roll_rates", "vintage",
              "agent_performance", "early_warnings", "strategy_outcomes", "first_contact_timeliness"]
# Tables that keep rows of every report date: the export shows those published up to D.
PUBLISHED_TABLES = {"kpi_figures"}
# Stage order of the report (the policy's stages; not_on_book last).
STAGE_ORDER = ("current", "early", "middle", "late")


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r)) for r in cursor.fetchall()]


def tables(con: duckdb.DuckDBPyConnection, schema: str = "marts") -> set[str]:
    return {r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = ?", [schema]).fetchall()}


def num(value) -> float | None:
    return None if value is None else float(value)


@dataclass
class ReportData:
    as_of: date
    currency: str
    month_start: date
    book: dict[str, dict] = field(default_factory=dict)        # book_status by book line
    figures: dict[tuple[date, str], dict] = field(default_factory=dict)  # kpi_figures of D by (month, figure)
    restatements: list[dict] = field(default_factory=list)
    first_night: date | None = None
    buckets: list[str] = field(default_factory=list)
    trend: list[dict] = field(default_factory=list)
    monthly: list[dict] = field(default_factory=list)
    month_cuts: dict[str, list[dict]] = field(default_factory=dict)
    flows: list[dict] = field(default_factory=list)
    flow_period: dict = field(default_factory=dict)
    roll_summary: list[dict] = field(default_factory=list)
    vintage: list[dict] = field(default_factory=list)
    agents: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    strategy: list[dict] = field(default_factory=list)
    timeliness: list[dict] = field(default_factory=list)
    reconciliation: dict = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


def load(warehouse: Path, as_of: date, buckets: list[str]) -> ReportData:
    """Everything the report shows for `as_of`; `buckets` are the policy's bucket names in order."""
    with reader(warehouse) as con:
        return _load(con, as_of, buckets)


def _load(con: duckdb.DuckDBPyConnection, as_of: date, buckets: list[str]) -> ReportData:
    marts = tables(con)
    currency_row = con.execute(
        """select currency, count(*) from marts.loan_delinquency where as_of_date = ?
           group by currency order by 2 desc, 1 limit 1""", [as_of]).fetchone()
    currency = currency_row[0] if currency_row else "CNY"
    month_start = as_of.replace(day=1)
    data = ReportData(as_of=as_of, currency=currency, month_start=month_start)
    data.missing = [t for t in ["recovery_rates", "roll_rates", "vintage", "agent_performance", "early_warnings",
                                "strategy_outcomes", "first_contact_timeliness", "kpi_figures", "kpi_restatements",
                                "book_status"] if t not in marts]

    data.buckets = list(buckets)
    if "book_status" in marts:
        data.book = {r["book_line"]: r for r in rows(con, """
            select book_line, loans, overdue_loans, overdue_amount, outstanding_principal, history_starts_on
            from marts.book_status where as_of_date = ? and currency = ?""", [as_of, currency])}
        data.first_night = next((r["history_starts_on"] for r in data.book.values()), None)

    if "kpi_figures" in marts:
        data.figures = {(r["period_start"], r["figure"]): r for r in rows(con, """
            select period_start, period_end, opening_as_of_date, closing_as_of_date, nights, is_opening_observed,
                   is_period_complete, figure, unit, numerator, denominator, value, target, target_gap
            from marts.kpi_figures where as_of_date = ? and currency = ? and period_type = 'month'""",
                                                                           [as_of, currency])}
    if "kpi_restatements" in marts:
        data.restatements = rows(con, """
            select period_start, figure, unit, published_on, published_value, restated_value, change,
                   late_payments, late_payment_amount, late_reversals, late_reversal_amount, reason
            from marts.kpi_restatements where as_of_date = ? and currency = ?
            order by period_start, figure""", [as_of, currency])

    if "recovery_rates" in marts:
        data.trend = rows(con, """
            select period_start, period_end, is_period_complete, is_opening_observed, recovery_rate,
                   liquidation_rate, collected_amount, overdue_at_start, placed_amount
            from marts.recovery_rates
            where period_type = 'week' and dimension = 'portfolio' and currency = ?
            order by period_start""", [currency])
        data.monthly = rows(con, """
            select period_start, is_period_complete, is_opening_observed, accounts_overdue_at_start,
                   overdue_at_start, recovered_amount, recovery_rate, accounts_newly_placed, placed_amount,
                   liquidated_amount, liquidation_rate, collected_amount, payments
            from marts.recovery_rates
            where period_type = 'month' and dimension = 'portfolio' and currency = ?
            order by period_start""", [currency])
        for dimension in ("stage", "bucket", "book_line", "channel", "team"):
            data.month_cuts[dimension] = rows(con, """
                select segment, accounts_overdue_at_start, overdue_at_start, recovered_amount, recovery_rate,
                       accounts_newly_placed, placed_amount, liquidated_amount, liquidation_rate, collected_amount
                from marts.recovery_rates
                where period_type = 'month' and period_start = ? and dimension = ? and currency = ?
                order by collected_amount desc, segment""", [month_start, dimension, currency])
        collected = sum((r["collected_amount"] for r in data.monthly if r["period_start"] == month_start), Decimal(0))
        ledger = con.execute(
            """select coalesce(sum(net_amount), 0) from marts.payment_ledger
               where currency = ? and value_date >= ? and value_date <= ?""", [currency, month_start, as_of]).fetchone()[0]
        data.reconciliation = {"collected": collected, "ledger": ledger, "matches": collected == ledger}

    if "roll_rates" in marts:
        data.flows = rows(con, """
            select from_bucket, to_bucket, from_position, accounts, balance, account_share, balance_share
            from marts.roll_rates
            where period_type = 'month' and period_start = ? and product = 'all' and currency = ?""",
                          [month_start, currency])
        period = rows(con, """
            select distinct opening_as_of_date, closing_as_of_date, is_opening_observed, is_period_complete
            from marts.roll_rates where period_type = 'month' and period_start = ?""", [month_start])
        data.flow_period = period[0] if period else {}
        data.roll_summary = rows(con, """
            select from_bucket, from_position, max(from_accounts) as accounts, max(from_balance) as balance,
                   max(roll_forward_rate) as roll_forward_rate, max(roll_forward_balance_rate) as roll_forward_balance_rate,
                   max(cure_rate) as cure_rate,
                   sum(case when is_next_bucket then account_share else 0 end) as next_bucket_rate
            from marts.roll_rates
            where period_type = 'month' and period_start = ? and product = 'all' and currency = ?
            group by from_bucket, from_position order by from_position""", [month_start, currency])

    if "vintage" in marts:
        data.vintage = rows(con, """
            select disbursement_month, months_on_book, observation_date, is_observation_final, loans_disbursed,
                   disbursed_amount, m2_plus_rate, m3_plus_rate
            from marts.vintage
            where currency = ? and disbursement_month >= (
                select coalesce(max(disbursement_month), date '1900-01-01') - interval 11 month
                from marts.vintage where currency = ?)
            order by disbursement_month, months_on_book""", [currency, currency])

    if "agent_performance" in marts:
        data.agents = rows(con, """
            select team, rank_in_team, agents_in_team, agent_id, agent_name, attempts, call_attempts, call_rpcs, rpc_rate,
                   promises_made, ptp_rate, promises_due, promises_kept, ptp_kept_rate, promised_amount, kept_amount,
                   collected_amount, accounts_handled, contact_rule_breaches, breach_rate
            from marts.agent_performance
            where period_type = 'month' and period_start = ? and currency = ?
            order by team, rank_in_team""", [month_start, currency])

    if "early_warnings" in marts:
        data.warnings = rows(con, """
            select signal, severity, currency, segment_type, segment, metric, value, baseline, threshold,
                   accounts, amount, detail
            from marts.early_warnings where as_of_date = ?
            order by case severity when 'high' then 0 else 1 end, signal, accounts desc nulls last, segment""",
                             [as_of])

    if "strategy_outcomes" in marts:
        data.strategy = rows(con, """
            select stage, channel, template, variant, sum(actions_scheduled) as actions, sum(loans_treated) as loans,
                   sum(loans_matured) as matured, sum(cured_loans) as cured,
                   sum(overdue_at_action) as overdue, sum(collected_in_window) as collected
            from marts.strategy_outcomes
            where period_type = 'month' and currency = ? and period_start >= ? - interval 2 month
            group by stage, channel, template, variant
            order by case stage when 'early' then 1 when 'middle' then 2 when 'late' then 3 else 4 end,
                     channel <> 'all', channel, template, variant""", [currency, month_start])
        for r in data.strategy:
            r["cure_rate"] = r["cured"] / r["matured"] if r["matured"] else None
            r["recovery_rate"] = r["collected"] / r["overdue"] if r["overdue"] else None

    if "first_contact_timeliness" in marts:
        # tonight's overdue loans; before_history: fell overdue before the warehouse's first night
        data.timeliness = rows(con, """
            select stage, reported_timeliness as timeliness, count(*) as loans,
                   avg(days_to_first_contact) as avg_days, median(days_to_first_contact) as median_days
            from marts.first_contact_timeliness where as_of_date = ? and is_overdue_on_as_of_date
            group by stage, reported_timeliness
            order by case stage when 'early' then 1 when 'middle' then 2 when 'late' then 3 else 4 end, timeliness""",
                               [as_of])
    return data
