"""`arrears explain LOAN --as-of DATE`: how a loan's days past due came out on a date.

What an agent needs when a customer disputes the arrears: the schedule of that night, every
payment and reversal with whether it counted that night and why, the allocation per installment
(fee, interest, principal), and the steps from the oldest unpaid installment to DPD, bucket and
stage. It opens the warehouse read-only and reads the same SQL the night ran, through the marts
that expose it (loan_payment_effects, loan_installment_allocation, loan_dpd_workings: views of the
intermediate models) filtered to the date, beside what marts.loan_delinquency and
marts.overdue_accountability recorded that night. The data as delivered comes from marts too:
quarantined_payments (with the validate step's reason) and delivered_loans (the snapshots that hold
a loan missing on the date asked).
"""
from __future__ import annotations

import argparse
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from pipelines.errors import PolicyError
from pipelines.policy import load_policy
from pipelines.settings import Paths
from pipelines.warehouse import reader


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("loan", metavar="LOAN", help="loan id")
    parser.add_argument("--as-of", required=True, type=date.fromisoformat, help="business date YYYY-MM-DD")
    parser.add_argument("--warehouse", help="DuckDB warehouse file (env ARREARS_WAREHOUSE, default ./warehouse/arrears.duckdb)")
    parser.add_argument("--policy", help="policy file, for the bucket ranges (env ARREARS_POLICY, default: the packaged policy)")


def run(args: argparse.Namespace) -> int:
    paths = Paths.resolve(warehouse=args.warehouse, policy=getattr(args, "policy", None))
    try:
        text = explain(args.loan, args.as_of, paths.warehouse, paths.policy)
    except LookupError as exc:
        print(f"arrears explain: {exc}", file=sys.stderr)
        return 1
    print(text)
    return 0


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _table(headers: list[str], rows: list[list]) -> list[str]:
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]

    def line(values: list[str]) -> str:
        return "  " + "  ".join(v.rjust(w) if _numeric(v) else v.ljust(w) for v, w in zip(values, widths)).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *(line(r) for r in cells)]


def _numeric(value: str) -> bool:
    return value.replace(".", "", 1).replace("-", "", 1).isdigit()


def _payment_status(p: dict, as_of: date) -> str:
    if p["is_reversal"]:
        effective = max(p["value_date"], p["delivered_on"])
        known = "known" if effective <= as_of else "not yet effective"
        return f"reversal of {p['reverses_payment_id']} ({known} on {as_of})"
    if p["counts_from"] is None:
        return "never counts (amount not positive)"
    if p["counts_from"] > as_of:
        if p["value_date"] > as_of:
            return f"not counted: value date after {as_of}"
        return f"not counted: delivered {p['delivered_on']}, after {as_of} (unknown that night)"
    if p["counts_until"] is not None and p["counts_until"] <= as_of:
        return f"not counted: cancelled by reversal {p['reversed_by_payment_id']} (effective {p['counts_until']})"
    if p["counts_until"] is not None:
        return f"counted (reversed later by {p['reversed_by_payment_id']}, effective {p['counts_until']})"
    return "counted"


def _bucket_range(policy_path: Path, version: str, bucket: str) -> str:
    try:
        policy = load_policy(policy_path)
    except PolicyError:
        return ""
    if policy.version != version:
        return ""
    match = [b for b in policy.delinquency.buckets if b.name == bucket]
    return f" = {match[0].label()}" if match else ""


def _quarantined_payments(con: duckdb.DuckDBPyConnection, loan_id: str) -> list[dict]:
    """The loan's payments the validate step quarantined, with the reason (none in a warehouse built
    without the mart)."""
    try:
        return _rows(con, """select payment_id, value_date, delivered_on, amount, channel, reason
                             from marts.quarantined_payments
                             where loan_id = ? order by value_date, payment_id""", [loan_id])
    except duckdb.CatalogException:
        return []


def explain_data(loan_id: str, as_of: date, warehouse: Path, known_on_date: bool = False) -> dict:
    """What the explanation is made of, as rows (also the evidence pack's schedule and ledger):
    loan (loan_dpd_workings), schedule (allocation per installment), payments (effects, with
    `status` on the date), quarantined payments, and what the marts recorded that night; the
    column names of schedule and payments. `known_on_date`: only payments delivered by `as_of`
    (what that night knew: the same answer however many nights were loaded since), else also the
    later ones, shown as not counted."""
    if not warehouse.exists():
        raise LookupError(f"{warehouse}: no warehouse (run the night first, or pass --warehouse)")
    with reader(warehouse) as con:
        loans = _rows(con, "select * from marts.loan_dpd_workings where as_of_date = ? and loan_id = ?",
                      [as_of, loan_id])
        if not loans:
            nights = [r["as_of_date"] for r in _rows(
                con, "select distinct as_of_date from marts.delivered_loans where loan_id = ? order by 1", [loan_id])]
            seen = f"; its snapshots: {nights[0]} .. {nights[-1]} ({len(nights)} nights)" if nights else "; no snapshot holds it"
            raise LookupError(f"loan {loan_id} is not in the loans snapshot of {as_of}{seen}")
        loan = loans[0]
        schedule = _rows(con, """select * from marts.loan_installment_allocation
                                 where as_of_date = ? and loan_id = ? order by due_date, installment_no""",
                         [as_of, loan_id])
        known = "and delivered_on <= ?" if known_on_date else ""
        payments = _rows(con, f"""select * from marts.loan_payment_effects where loan_id = ? {known}
                                  order by value_date, delivered_on, payment_id""",
                         [loan_id, as_of] if known_on_date else [loan_id])
        quarantined = [p for p in _quarantined_payments(con, loan_id)
                       if not known_on_date or p["delivered_on"] <= as_of]
        columns = {name: [d[0] for d in con.execute(f"select * from marts.{name} limit 0").description]
                   for name in ("loan_installment_allocation", "loan_payment_effects")}
        recorded = _marts_row(con, "loan_delinquency", as_of, loan_id)
        accountability = _marts_row(con, "overdue_accountability", as_of, loan_id)
    for p in payments:
        p["status"] = _payment_status(p, as_of)
    tolerance = schedule[0]["tolerance_amount"] if schedule else None
    for i in schedule:
        i["state"] = _installment_state(i, as_of, tolerance)
    return {"loan": loan, "schedule": schedule, "payments": payments, "quarantined": quarantined,
            "recorded": recorded, "accountability": accountability,
            "schedule_columns": columns["loan_installment_allocation"] + ["state"],
            "payment_columns": columns["loan_payment_effects"] + ["status"]}


def explain(loan_id: str, as_of: date, warehouse: Path, policy_path: Path | None = None,
            known_on_date: bool = False, data: dict | None = None) -> str:
    """The explanation as text; LookupError when the warehouse or the loan's data is missing.
    `data`: explain_data's result when the caller has it already."""
    data = data or explain_data(loan_id, as_of, warehouse, known_on_date)
    loan, schedule, payments, quarantined = data["loan"], data["schedule"], data["payments"], data["quarantined"]
    recorded, accountability = data["recorded"], data["accountability"]

    out: list[str] = []
    currency = loan["currency"] or ""
    out.append(f"Loan {loan_id} as of {as_of}: customer {loan['customer_id']}, product {loan['product']}, "
               f"status {loan['status']}, amounts in {currency}")
    if loan.get("is_restored"):
        out.append(f"  restored: the {as_of} snapshot lost this loan without a closing status; it is measured on "
                   f"its version of {loan['restored_from']} (see the night's data-quality report)")
    tolerance = schedule[0]["tolerance_amount"] if schedule else None

    out += ["", f"Schedule of {as_of} (the current schedule) and how the payments were allocated",
            "  oldest due date first; within an installment fee, then interest, then principal"]
    if schedule:
        out += _table(
            ["no", "due date", "due", "fee", "interest", "principal", "paid", "fee pd", "int pd", "prin pd", "unpaid", "state"],
            [[i["installment_no"], i["due_date"], i["amount_due"], i["fee_due"], i["interest_due"], i["principal_due"],
              i["paid_amount"], i["fee_paid"], i["interest_paid"], i["principal_paid"], i["unpaid_amount"],
              i["state"]] for i in schedule])
    else:
        out.append(f"  (no installment in the {as_of} snapshot: DPD 0, principal amount outstanding)")

    out += ["", f"Payments and reversals of the loan (what counted on {as_of}: value date and delivery by then, "
                "not cancelled by a reversal known by then)"]
    if payments or quarantined:
        out += _table(["payment", "value date", "delivered", "amount", "channel", "on " + str(as_of)],
                      [[p["payment_id"], p["value_date"], p["delivered_on"], p["amount"], p["channel"],
                        p["status"]] for p in payments]
                      + [[p["payment_id"], p["value_date"], p["delivered_on"], p["amount"], p["channel"],
                          f"never counts (quarantined: {p['reason']})"] for p in quarantined])
    else:
        out.append("  (none)")
    out.append(f"  net paid on {as_of}: {loan['total_paid']} (allocated {loan['total_paid'] - loan['credit_balance']}, "
               f"credit balance {loan['credit_balance']})")

    out += ["", "Days past due"]
    if loan["overdue_since"] is None:
        out.append(f"  no installment due before {as_of} is unpaid by more than the tolerance {tolerance}: DPD 0")
    else:
        oldest = next(i for i in schedule if i["due_date"] == loan["overdue_since"] and i["days_past_due"] > 0)
        out.append(f"  oldest installment due before {as_of} and unpaid by more than the tolerance {tolerance}: "
                   f"no {oldest['installment_no']}, due {oldest['due_date']}, unpaid {oldest['unpaid_amount']}")
        out.append(f"  overdue since {loan['overdue_since']}: DPD = {as_of} - {loan['overdue_since']} = {loan['dpd']} days")
    out.append(f"  overdue amount {loan['overdue_amount']} over {loan['overdue_installments']} installment(s); "
               f"outstanding principal {loan['outstanding_principal']}; next due {loan['next_due_date'] or '-'}")
    verdict = "overdue" if loan["is_overdue"] else "not overdue"
    out.append(f"  overdue when DPD >= {loan['minimum_days']} and overdue amount >= {loan['minimum_amount']}: {verdict}")
    bucket_range = _bucket_range(policy_path, loan["policy_version"], loan["bucket"]) if policy_path else ""
    out.append(f"  bucket {loan['bucket']}{bucket_range}, stage {loan['stage']} (policy version {loan['policy_version']})")
    if loan["is_written_off"]:
        out.append("  the loan is written off: DPD, bucket and stage are kept for recovery")
    if loan["is_restructured"]:
        out.append("  the loan is restructured: measured against the current schedule above")
    if not loan["is_active"]:
        out.append("  the loan is closed: not in marts.loan_delinquency")

    out += ["", f"Recorded by the night of {as_of}"]
    if recorded is None:
        out.append("  marts.loan_delinquency has no row for it (night not run, or the loan is closed)")
    else:
        out.append(f"  marts.loan_delinquency: DPD {recorded['dpd']}, bucket {recorded['bucket']}, stage {recorded['stage']}, "
                   f"overdue amount {recorded['overdue_amount']} (policy version {recorded['policy_version']})")
        differences = [k for k in ("dpd", "bucket", "stage", "overdue_amount", "is_overdue") if recorded[k] != loan[k]]
        if differences:
            out.append(f"  differs from the working above in {', '.join(differences)}: the warehouse was rebuilt "
                       f"since with policy version {loan['policy_version']} or reloaded data")
    if accountability is not None:
        out.append(f"  marts.overdue_accountability: {accountability['outcome']}: {accountability['reason']}")
    return "\n".join(out)


def _installment_state(i: dict, as_of: date, tolerance: Decimal | None) -> str:
    if i["days_past_due"] > 0:
        return f"past due {i['days_past_due']} d"
    if i["unpaid_amount"] == 0:
        return "paid"
    if i["is_past_due"]:
        return f"short {i['unpaid_amount']} <= tolerance"
    if i["due_date"] == as_of:
        return "due today"
    return "not yet due"


def _marts_row(con: duckdb.DuckDBPyConnection, table: str, as_of: date, loan_id: str) -> dict | None:
    try:
        rows = _rows(con, f"select * from marts.{table} where as_of_date = ? and loan_id = ?", [as_of, loan_id])
    except duckdb.CatalogException:
        return None
    return rows[0] if rows else None
