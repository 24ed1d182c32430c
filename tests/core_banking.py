"""The sample core-banking database (examples/core_banking) filled from landing-contract rows: the
reverse of its extract_sql/ mapping (currency units to cents, words to codes), so a test can deliver the
same nights once as files and once through `arrears pull` and compare what the warehouse makes of them.

A night is applied as the lender's system would have written it: snapshots replaced (the schedule gets a
new version), events appended with `rec_ts` = when the row was written.
"""
from __future__ import annotations

import csv
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import psycopg2
from psycopg2.extras import execute_values

from tests.conftest import REPO

EXAMPLE = REPO / "examples" / "core_banking"
STATUS = {"active": "A", "closed": "C", "written_off": "W", "restructured": "R"}
PAY_CHANNEL = {"bank_transfer": "BT", "card": "CD", "cash": "CS", "agency": "AG"}
CONTACT_CHANNEL = {"call": "CALL", "sms": "SMS", "email": "MAIL", "letter": "LTR", "visit": "VST"}
SCOPE = {"customer": "P", "loan": "A"}


def connect(url: str):
    return psycopg2.connect(url)


def create_schema(url: str) -> None:
    with connect(url) as con, con.cursor() as cur:
        cur.execute((EXAMPLE / "schema.sql").read_text())


def _cents(text: str | None) -> int | None:
    return int(Decimal(text) * 100) if text not in (None, "") else None


def _blank(text: str | None):
    return None if text in (None, "") else text


def read_rows(folder: Path, name: str) -> list[dict]:
    with (folder / f"{name}.csv").open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def apply_night(url: str, rows: dict[str, list[dict]], written_at: datetime) -> None:
    """Write one night's contract rows into the lender's tables, committed at once."""
    with connect(url) as con, con.cursor() as cur:
        cur.execute("delete from cbs.cif_party; delete from cbs.ln_acct; delete from cbs.acct_hold; "
                    "delete from cbs.coll_staff")
        execute_values(cur, "insert into cbs.cif_party values %s", [(
            r["customer_id"], r["full_name"], _blank(r["national_id"]), _blank(r["date_of_birth"]),
            _blank(r["phone"]), _blank(r["email"]), _blank(r["address_line1"]), _blank(r["address_line2"]),
            _blank(r["city"]), _blank(r["region"]), _blank(r["postal_code"]), _blank(r["country"]),
            _blank(r["preferred_language"]), _blank(r["timezone"]), r["updated_at"]) for r in rows.get("customers", [])])
        execute_values(cur, "insert into cbs.ln_acct values %s", [(
            r["loan_id"], r["customer_id"], r["product"], r["currency"], _cents(r["principal_amount"]),
            Decimal(r["annual_interest_rate"]) * 10000, r["disbursed_on"], r["maturity_date"], STATUS[r["status"]],
            _blank(r["closed_on"])) for r in rows.get("loans", [])])
        cur.execute("update cbs.ln_sched set valid_to = %s where valid_to is null", [written_at])
        execute_values(cur, "insert into cbs.ln_sched values %s", [(
            r["loan_id"], int(r["installment_no"]), r["due_date"], _cents(r["principal_due"]),
            _cents(r["interest_due"]), _cents(r["fee_due"]) or 0, written_at, None)
            for r in rows.get("installments", [])])
        execute_values(cur, "insert into cbs.acct_hold values %s", [(
            SCOPE[r["subject_type"]], r["subject_id"], r["flag"].upper(), r["effective_from"],
            _blank(r["effective_to"]), _blank(r["note"])) for r in rows.get("flags", [])])
        execute_values(cur, "insert into cbs.coll_staff values %s", [(
            r["agent_id"], r["full_name"], r["team"], r["languages"].replace(";", ","),
            "Y" if r["active"].lower() == "true" else "N", int(r["daily_capacity"])) for r in rows.get("agents", [])])
        add_payments(cur, rows.get("payments", []), written_at)
        add_contacts(cur, rows.get("contact_attempts", []), written_at)


def add_payments(cur, payments: list[dict], written_at: datetime) -> None:
    execute_values(cur, "insert into cbs.ln_txn (txn_ref, acct_no, txn_cd, val_dt, post_ts, amt_cents, chnl_cd, "
                        "orig_txn_ref, rec_ts) values %s on conflict (txn_ref) do nothing", [(
        r["payment_id"], r["loan_id"], "RVSL" if r["reverses_payment_id"] else "RPMT", r["value_date"],
        r["booked_at"], -_cents(r["amount"]) if r["reverses_payment_id"] else _cents(r["amount"]),
        PAY_CHANNEL.get(r["channel"], r["channel"]), _blank(r["reverses_payment_id"]), written_at)
        for r in payments])


def add_contacts(cur, attempts: list[dict], written_at: datetime) -> None:
    execute_values(cur, "insert into cbs.coll_act values %s on conflict (act_no) do nothing", [(
        r["attempt_id"], r["loan_id"], r["customer_id"], _blank(r["agent_id"]), CONTACT_CHANNEL[r["channel"]],
        r["started_at"], int(r["duration_seconds"]) if r["duration_seconds"] else None, r["outcome"].upper(),
        _cents(r["promise_amount"]), _blank(r["promise_date"]), written_at) for r in attempts])


def sources_file(tmp: Path, **sql) -> Path:
    """The example's sources.yaml, its queries folder absolute (optionally another one)."""
    queries = sql.get("queries", EXAMPLE / "extract_sql")
    overlap = sql.get("event_overlap", "2 days")
    path = tmp / "sources.yaml"
    path.write_text(f"source: sql\nconnection: core_banking\ntimezone: Asia/Shanghai\ncurrency: CNY\n"
                    f"sql:\n  queries: {queries}\n  event_overlap: {overlap}\n", encoding="utf-8")
    return path
