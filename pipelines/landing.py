"""The landing contract (../shared/contracts/landing.md) as data.

One declaration of every file's required columns and their warehouse types, used by the generator
(column order), ingestion (typed load) and data quality (schema checks). Extra columns a lender
sends are kept, never rejected.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

MONEY = "DECIMAL(18,2)"
RATE = "DECIMAL(9,6)"


@dataclass(frozen=True)
class LandingFile:
    name: str                      # file stem: customers -> customers.csv / customers.parquet
    kind: str                      # "snapshot" (complete every day) or "events" (since last extract)
    key: tuple[str, ...]           # unique key within one extract
    columns: dict[str, str]        # required column -> DuckDB type, in contract order
    money_columns: tuple[str, ...] = ()

    @property
    def csv_name(self) -> str:
        return f"{self.name}.csv"


LANDING_FILES: dict[str, LandingFile] = {
    f.name: f
    for f in [
        LandingFile(
            "customers", "snapshot", ("customer_id",),
            {
                "customer_id": "VARCHAR", "full_name": "VARCHAR", "national_id": "VARCHAR",
                "date_of_birth": "DATE", "phone": "VARCHAR", "email": "VARCHAR",
                "address_line1": "VARCHAR", "address_line2": "VARCHAR", "city": "VARCHAR",
                "region": "VARCHAR", "postal_code": "VARCHAR", "country": "VARCHAR",
                "preferred_language": "VARCHAR", "timezone": "VARCHAR", "updated_at": "TIMESTAMPTZ",
            },
        ),
        LandingFile(
            "loans", "snapshot", ("loan_id",),
            {
                "loan_id": "VARCHAR", "customer_id": "VARCHAR", "product": "VARCHAR",
                "currency": "VARCHAR", "principal_amount": MONEY, "annual_interest_rate": RATE,
                "disbursed_on": "DATE", "maturity_date": "DATE", "status": "VARCHAR",
                "closed_on": "DATE",
            },
            money_columns=("principal_amount",),
        ),
        LandingFile(
            "installments", "snapshot", ("loan_id", "installment_no"),
            {
                "loan_id": "VARCHAR", "installment_no": "INTEGER", "due_date": "DATE",
                "principal_due": MONEY, "interest_due": MONEY, "fee_due": MONEY,
            },
            money_columns=("principal_due", "interest_due", "fee_due"),
        ),
        LandingFile(
            "payments", "events", ("payment_id",),
            {
                "payment_id": "VARCHAR", "loan_id": "VARCHAR", "value_date": "DATE",
                "booked_at": "TIMESTAMPTZ", "amount": MONEY, "channel": "VARCHAR",
                "reverses_payment_id": "VARCHAR",
            },
            money_columns=("amount",),
        ),
        LandingFile(
            "contact_attempts", "events", ("attempt_id",),
            {
                "attempt_id": "VARCHAR", "loan_id": "VARCHAR", "customer_id": "VARCHAR",
                "agent_id": "VARCHAR", "channel": "VARCHAR", "started_at": "TIMESTAMPTZ",
                "duration_seconds": "INTEGER", "outcome": "VARCHAR", "promise_amount": MONEY,
                "promise_date": "DATE",
            },
            money_columns=("promise_amount",),
        ),
        LandingFile(
            "flags", "snapshot", ("subject_type", "subject_id", "flag", "effective_from"),
            {
                "subject_type": "VARCHAR", "subject_id": "VARCHAR", "flag": "VARCHAR",
                "effective_from": "DATE", "effective_to": "DATE", "note": "VARCHAR",
            },
        ),
        LandingFile(
            "agents", "snapshot", ("agent_id",),
            {
                "agent_id": "VARCHAR", "full_name": "VARCHAR", "team": "VARCHAR",
                "languages": "VARCHAR", "active": "BOOLEAN", "daily_capacity": "INTEGER",
            },
        ),
    ]
}

MANIFEST_NAME = "_manifest.json"


def manifest_path(landing: Path, as_of: date) -> Path:
    """Where the extract of a business date is complete: its `_manifest.json`, written last."""
    return landing / as_of.isoformat() / MANIFEST_NAME


def newest_delivered(landing: Path) -> date | None:
    """The newest business date whose extract is complete (has its manifest), if any."""
    delivered = []
    for folder in landing.iterdir() if landing.is_dir() else ():
        try:
            day = date.fromisoformat(folder.name)
        except ValueError:
            continue  # not a business-date folder
        if (folder / MANIFEST_NAME).is_file():
            delivered.append(day)
    return max(delivered, default=None)


def replace_folder(partial: Path, target: Path) -> None:
    """Move a finished extract folder into place (its manifest already written); an older extract of
    the same date is swapped out, so a reader sees the old folder or the new one, never half of one."""
    if target.exists():
        old = target.with_name(f".{target.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        target.rename(old)
        partial.rename(target)
        shutil.rmtree(old)
    else:
        partial.rename(target)
