"""Home Credit `installments_payments.csv` -> landing folders (the nightly extract contract).

    python -m pipelines.adapters.home_credit ../shared/realdata/home_credit_sample/installments_payments.csv \
        --landing landing_hc --as-of 2023-03-01 2023-03-02 [--selection complete|prefix]

The file has one row per payment against an instalment (SK_ID_PREV = loan, SK_ID_CURR = customer,
NUM_INSTALMENT_VERSION / _NUMBER, DAYS_INSTALMENT = due day, DAYS_ENTRY_PAYMENT = payment day,
AMT_INSTALMENT, AMT_PAYMENT); days count from the application date, negative = before. Mapping:

- dates: day n -> ANCHOR + n days (ANCHOR is a fixed date standing for "the application date");
- a loan's schedule: its rows of the loan's latest NUM_INSTALMENT_VERSION, one instalment per
  NUM_INSTALMENT_NUMBER (due ANCHOR + DAYS_INSTALMENT, AMT_INSTALMENT all principal: the file does
  not split interest or fees); amounts rounded half-up to cents (the file has a third decimal);
- a payment per row with a payment day and AMT_PAYMENT > 0, value-dated ANCHOR + DAYS_ENTRY_PAYMENT,
  id `<loan>-<version>-<number>-<n>`; delivered in the first extract dated on or after its value date;
- loans: `HC<SK_ID_PREV>`, customer `HC<SK_ID_CURR>`, principal = the sum of the instalments,
  disbursed one month before the first due date (approximation), status active (the file has no
  status), on the book from the disbursement date; customers carry only their id and a name.

The sample is row-sampled, so most loans miss instalments. `selection` decides which loans are used:
- "complete" (default): only loans whose latest-version instalment numbers are exactly 1..max;
- "prefix": every loan's instalments 1..k before its first missing number (and their payments),
  dropping loans without instalment 1. Each kept instalment has every older one with its payments,
  which is what oldest-first allocation needs; the schedule after the gap is unknown, so the
  loan's later DPD, maturity and outstanding amounts are not the lender's.
Files are read as UTF-8 with or without a byte-order mark. Money never passes through floats.
"""
from __future__ import annotations

import argparse
import csv
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Iterable

from pipelines.adapters.landing_tables import table, write_folder

ANCHOR = date(2024, 1, 1)   # day 0 of the DAYS_* columns
CURRENCY = "XXX"            # ISO 4217 "no currency": the sample does not say which
SOURCE_SYSTEM = "home-credit-sample"
SELECTIONS = ("complete", "prefix")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Instalment:
    loan_id: str
    number: int
    version: int
    due_day: int
    amount: Decimal


@dataclass(frozen=True)
class Payment:
    payment_id: str
    loan_id: str
    number: int
    day: int
    amount: Decimal


@dataclass
class Book:
    """The sample mapped to loans, instalments and payments (days relative to ANCHOR)."""
    customers: dict[str, str]                 # loan_id -> customer_id
    instalments: list[Instalment]
    payments: list[Payment]
    loans_in_file: int

    def date(self, day: int) -> date:
        return ANCHOR + timedelta(days=day)


def _day(text: str) -> int:
    return int(Decimal(text.strip()))


def _money(text: str) -> Decimal:
    return Decimal(text.strip()).quantize(CENT, rounding=ROUND_HALF_UP)


def read_book(csv_path: Path, selection: str = "complete") -> Book:
    """Read installments_payments.csv and keep the loans (or instalments) `selection` allows."""
    if selection not in SELECTIONS:
        raise ValueError(f"selection must be one of {', '.join(SELECTIONS)}, not {selection!r}")
    rows_by_loan: dict[str, list[dict]] = defaultdict(list)
    with Path(csv_path).open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            rows_by_loan[row["SK_ID_PREV"].strip()].append(row)

    customers, instalments, payments = {}, [], []
    for prev in sorted(rows_by_loan, key=int):
        rows = rows_by_loan[prev]
        latest = max(int(r["NUM_INSTALMENT_VERSION"]) for r in rows)
        rows = [r for r in rows if int(r["NUM_INSTALMENT_VERSION"]) == latest]
        numbers = {int(r["NUM_INSTALMENT_NUMBER"]) for r in rows}
        keep = 0
        while keep + 1 in numbers:
            keep += 1
        if keep == 0 or (selection == "complete" and keep != max(numbers)):
            continue
        loan_id = f"HC{prev}"
        customers[loan_id] = f"HC{rows[0]['SK_ID_CURR'].strip()}"
        by_number: dict[int, list[dict]] = defaultdict(list)
        for r in rows:
            if int(r["NUM_INSTALMENT_NUMBER"]) <= keep:
                by_number[int(r["NUM_INSTALMENT_NUMBER"])].append(r)
        for number, group in sorted(by_number.items()):
            first = group[0]
            instalments.append(Instalment(loan_id, number, latest, _day(first["DAYS_INSTALMENT"]),
                                          _money(first["AMT_INSTALMENT"])))
            paid = sorted((r for r in group if r["DAYS_ENTRY_PAYMENT"].strip() and r["AMT_PAYMENT"].strip()),
                          key=lambda r: (_day(r["DAYS_ENTRY_PAYMENT"]), Decimal(r["AMT_PAYMENT"])))
            for n, r in enumerate(paid, start=1):
                amount = _money(r["AMT_PAYMENT"])
                if amount > 0:
                    payments.append(Payment(f"{loan_id}-{latest}-{number}-{n}", loan_id, number,
                                            _day(r["DAYS_ENTRY_PAYMENT"]), amount))
    return Book(customers, instalments, payments, loans_in_file=len(rows_by_loan))


def write_landing(book: Book, landing: Path, as_of_dates: Iterable[date], currency: str = CURRENCY) -> list[Path]:
    """One landing folder per as-of date: snapshots of the loans on the book that day, payments
    value-dated since the previous folder (the first folder: all up to its date)."""
    schedules: dict[str, list[Instalment]] = defaultdict(list)
    for i in book.instalments:
        schedules[i.loan_id].append(i)
    disbursed = {loan: book.date(min(i.due_day for i in s)) - timedelta(days=30) for loan, s in schedules.items()}
    folders, previous = [], None
    for as_of in sorted(set(as_of_dates)):
        on_book = [loan for loan in schedules if disbursed[loan] <= as_of]
        loans = [{"loan_id": loan, "customer_id": book.customers[loan], "product": "home_credit_instalment",
                  "currency": currency, "principal_amount": sum(i.amount for i in schedules[loan]),
                  "disbursed_on": disbursed[loan], "maturity_date": book.date(max(i.due_day for i in schedules[loan])),
                  "status": "active"} for loan in on_book]
        customers = [{"customer_id": c, "full_name": f"Home Credit applicant {c[2:]}"}
                     for c in sorted({book.customers[loan] for loan in on_book})]
        instalments = [{"loan_id": i.loan_id, "installment_no": i.number, "due_date": book.date(i.due_day),
                        "principal_due": i.amount, "interest_due": Decimal("0.00"), "fee_due": Decimal("0.00")}
                       for loan in on_book for i in schedules[loan]]
        payments = [{"payment_id": p.payment_id, "loan_id": p.loan_id, "value_date": book.date(p.day),
                     "amount": p.amount, "channel": "unknown"}
                    for p in book.payments
                    if book.date(p.day) <= as_of and (previous is None or book.date(p.day) > previous)]
        tables = {"customers": table("customers", customers), "loans": table("loans", loans),
                  "installments": table("installments", instalments), "payments": table("payments", payments)}
        folders.append(write_folder(landing, as_of, tables, SOURCE_SYSTEM, currency))
        previous = as_of
    return folders


def convert(csv_path: Path, landing: Path, as_of_dates: Iterable[date], selection: str = "complete",
            currency: str = CURRENCY) -> list[Path]:
    """Read the sample and write one landing folder per as-of date."""
    return write_landing(read_book(csv_path, selection), landing, as_of_dates, currency)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path, help="installments_payments.csv")
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--as-of", nargs="+", required=True, type=date.fromisoformat)
    parser.add_argument("--selection", choices=SELECTIONS, default="complete")
    parser.add_argument("--currency", default=CURRENCY)
    args = parser.parse_args(argv)
    book = read_book(args.csv, args.selection)
    folders = write_landing(book, args.landing, args.as_of, args.currency)
    print(f"{len(book.customers)} of {book.loans_in_file} loans ({args.selection}), {len(book.instalments)} instalments, "
          f"{len(book.payments)} payments -> {len(folders)} folders under {args.landing}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
