"""Hand-made landing extracts for tests: small, readable, every value chosen on purpose."""
from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from pipelines.landing import LANDING_FILES, MANIFEST_NAME


def write_extract(landing: Path, as_of: date | str, rows: dict[str, list[dict]], encoding: str = "utf-8",
                  declare_encoding: bool = True) -> Path:
    """Write one landing folder: each file from `rows` (missing files are written empty) + manifest."""
    folder = landing / str(as_of)
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for spec in LANDING_FILES.values():
        records = rows.get(spec.name, [])
        columns = list(spec.columns) + [c for r in records for c in r if c not in spec.columns]
        columns = list(dict.fromkeys(columns))
        buffer = io.StringIO()
        out = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        out.writeheader()
        for record in records:
            out.writerow({c: record.get(c, "") for c in columns})
        data = buffer.getvalue().encode(encoding)
        (folder / spec.csv_name).write_bytes(data)
        entry = {"rows": len(records), "sha256": hashlib.sha256(data).hexdigest()}
        if declare_encoding:
            entry["encoding"] = encoding
        if spec.money_columns:
            entry["sums"] = {
                c: str(sum((Decimal(r[c]) for r in records if r.get(c)), Decimal("0.00")))
                for c in spec.money_columns
            }
        files[spec.csv_name] = entry
    manifest = {"as_of": str(as_of), "source_system": "test", "timezone": "Asia/Shanghai",
                "currency": "CNY", "files": files}
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return folder


def customer(customer_id: str = "C1", **overrides) -> dict:
    record = {
        "customer_id": customer_id, "full_name": "张伟", "national_id": "11010519491231002X",
        "date_of_birth": "1949-12-31", "phone": "+8613800138000", "email": "zhang.wei@example.com",
        "address_line1": "朝阳区建国路88号", "address_line2": "", "city": "北京", "region": "北京市",
        "postal_code": "100022", "country": "CN", "preferred_language": "zh-CN",
        "timezone": "Asia/Shanghai", "updated_at": "2026-01-05T10:00:00+08:00",
    }
    return record | overrides


def loan(loan_id: str = "L1", customer_id: str = "C1", **overrides) -> dict:
    record = {
        "loan_id": loan_id, "customer_id": customer_id, "product": "cash_loan", "currency": "CNY",
        "principal_amount": "3000.00", "annual_interest_rate": "0.120000", "disbursed_on": "2026-01-10",
        "maturity_date": "2026-04-10", "status": "active", "closed_on": "",
    }
    return record | overrides


def installment(loan_id: str, no: int, due: str, principal: str, interest: str = "0.00", fee: str = "0.00") -> dict:
    return {"loan_id": loan_id, "installment_no": str(no), "due_date": due,
            "principal_due": principal, "interest_due": interest, "fee_due": fee}


def payment(payment_id: str, loan_id: str, value_date: str, amount: str, reverses: str = "", **overrides) -> dict:
    record = {"payment_id": payment_id, "loan_id": loan_id, "value_date": value_date,
              "booked_at": f"{value_date}T12:00:00+08:00", "amount": amount, "channel": "bank_transfer",
              "reverses_payment_id": reverses}
    return record | overrides


def agent(agent_id: str = "A1", **overrides) -> dict:
    record = {"agent_id": agent_id, "full_name": "李娜", "team": "early", "languages": "zh-CN;en",
              "active": "true", "daily_capacity": "60"}
    return record | overrides


def small_book() -> dict[str, list[dict]]:
    """One customer, one 3-month loan of 3,000.00, first instalment paid."""
    return {
        "customers": [customer()],
        "loans": [loan()],
        "installments": [
            installment("L1", 1, "2026-02-10", "1000.00", "30.00"),
            installment("L1", 2, "2026-03-10", "1000.00", "20.00"),
            installment("L1", 3, "2026-04-10", "1000.00", "10.00"),
        ],
        "payments": [payment("P1", "L1", "2026-02-10", "1030.00")],
        "agents": [agent()],
    }
