"""LendingClub loan data -> one landing folder (the nightly extract contract) for its snapshot.

    python -m pipelines.adapters.lending_club ../shared/realdata/lending_club_sample/lending_club_sample.csv \
        --landing landing_lc [--as-of 2019-03-10]

The file has one row per loan as LendingClub reported it at a snapshot (around March 2019): amount,
term, rate, monthly `installment`, `issue_d`, `loan_status`, money received (`total_rec_prncp`,
`total_rec_int`, `total_rec_late_fee`), `last_pymnt_d` and `next_pymnt_d`; dates are months only.
Mapping (each approximation chosen so that the engine's bucket can be compared with LendingClub's
status, not its exact days):

- the book: loans whose next payment is due in the month after the snapshot (`next_pymnt_d` =
  Apr-2019) and whose status is Current, In Grace Period or Late: the loans LendingClub was still
  collecting. Fully paid and charged-off loans have left the book;
- due dates: the DUE_DAY of each month from the month after `issue_d`, `term` of them; the as-of
  date (default 2019-03-10) lies before March's due date, as a snapshot early in March does;
- schedule: an annuity of the file's `installment` at `int_rate` / 12 on `funded_amnt`, interest
  rounded half-up to cents each month, principal the rest, the last instalment settling the balance;
- payments: the principal and interest received (`total_rec_prncp + total_rec_int`; late fees are
  not scheduled, so not counted) as one payment of `installment` on each due date up to the as-of
  date while the money lasts, the remainder (a partial payment or a prepayment) on the last one;
- loans `LC<id>`, customers `LCC<id>` (the sample has no member ids), product `lendingclub_<purpose>`,
  currency USD, status active, country US with the borrower's state as region.

`read_book` also returns each loan's `loan_status`, which tests/test_lending_club.py compares with
the bucket the engine computes.
"""
from __future__ import annotations

import argparse
import csv
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from pipelines.adapters.landing_tables import table, write_folder

SOURCE_SYSTEM = "lendingclub-sample"
CURRENCY = "USD"
SNAPSHOT_NEXT_PAYMENT = "Apr-2019"
AS_OF = date(2019, 3, 10)
DUE_DAY = 15
STATUSES = ("Current", "In Grace Period", "Late (16-30 days)", "Late (31-120 days)")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Loan:
    loan_id: str
    customer_id: str
    status: str                  # LendingClub's loan_status at the snapshot
    product: str
    principal: Decimal
    annual_rate: Decimal         # a fraction: 0.1262
    disbursed_on: date
    state: str
    instalments: tuple[tuple[date, Decimal, Decimal], ...]   # (due date, principal, interest)
    received: Decimal            # principal and interest received up to the snapshot


def _month(text: str) -> date:
    return datetime.strptime(text.strip(), "%b-%Y").date()


def _due(issued: date, k: int) -> date:
    year, month = divmod(issued.month - 1 + k, 12)
    return date(issued.year + year, month + 1, DUE_DAY)


def _money(text: str) -> Decimal:
    return Decimal(text.strip() or "0").quantize(CENT, ROUND_HALF_UP)


def _schedule(principal: Decimal, annual_rate: Decimal, instalment: Decimal, issued: date, months: int):
    balance, rows = principal, []
    for k in range(1, months + 1):
        interest = (balance * annual_rate / 12).quantize(CENT, ROUND_HALF_UP)
        repaid = balance if k == months else min(balance, max(instalment - interest, Decimal("0.00")))
        rows.append((_due(issued, k), repaid, interest))
        balance -= repaid
    return tuple(rows)


def read_book(csv_path: Path) -> list[Loan]:
    """The loans LendingClub was still collecting at the snapshot, with their schedules."""
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.DictReader(fh)
                if r["next_pymnt_d"].strip() == SNAPSHOT_NEXT_PAYMENT and r["loan_status"] in STATUSES]
    book = []
    for r in sorted(rows, key=lambda r: int(r["id"])):
        issued, principal = _month(r["issue_d"]), _money(r["funded_amnt"])
        rate = (Decimal(r["int_rate"].strip().rstrip("%")) / 100).quantize(Decimal("0.000001"))
        book.append(Loan(
            loan_id=f"LC{r['id']}", customer_id=f"LCC{r['id']}", status=r["loan_status"],
            product=f"lendingclub_{r['purpose'].strip() or 'loan'}", principal=principal, annual_rate=rate,
            disbursed_on=issued, state=r["addr_state"].strip(),
            instalments=_schedule(principal, rate, _money(r["installment"]), issued, int(r["term"].split()[0])),
            received=_money(r["total_rec_prncp"]) + _money(r["total_rec_int"])))
    return book


def _payments(loan: Loan, as_of: date) -> list[dict]:
    """The money received, one instalment amount per due date up to `as_of`, the rest on the last."""
    dues = [(d, p + i) for d, p, i in loan.instalments if d <= as_of] or [(loan.disbursed_on, Decimal("0.00"))]
    left, paid = loan.received, []
    for day, amount in dues:
        if left <= 0:
            break
        take = min(amount, left) if day != dues[-1][0] else left
        paid.append((day, take))
        left -= take
    if left > 0:                                             # more than was due: a prepayment
        paid[-1] = (paid[-1][0], paid[-1][1] + left)
    return [{"payment_id": f"{loan.loan_id}-{n}", "loan_id": loan.loan_id, "value_date": day, "amount": amount,
             "channel": "unknown"} for n, (day, amount) in enumerate(paid, start=1) if amount > 0]


def write_landing(book: list[Loan], landing: Path, as_of: date = AS_OF) -> Path:
    """One landing folder dated `as_of` holding the book and every payment received."""
    loans = [{"loan_id": x.loan_id, "customer_id": x.customer_id, "product": x.product, "currency": CURRENCY,
              "principal_amount": x.principal, "annual_interest_rate": x.annual_rate, "disbursed_on": x.disbursed_on,
              "maturity_date": x.instalments[-1][0], "status": "active"} for x in book]
    customers = [{"customer_id": x.customer_id, "full_name": f"LendingClub borrower {x.loan_id[2:]}",
                  "country": "US", "region": x.state, "preferred_language": "en"} for x in book]
    instalments = [{"loan_id": x.loan_id, "installment_no": k, "due_date": due, "principal_due": principal,
                    "interest_due": interest, "fee_due": Decimal("0.00")}
                   for x in book for k, (due, principal, interest) in enumerate(x.instalments, start=1)]
    payments = [p for x in book for p in _payments(x, as_of)]
    tables = {"customers": table("customers", customers), "loans": table("loans", loans),
              "installments": table("installments", instalments), "payments": table("payments", payments)}
    return write_folder(landing, as_of, tables, SOURCE_SYSTEM, CURRENCY)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path, help="lending_club_sample.csv")
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--as-of", type=date.fromisoformat, default=AS_OF)
    args = parser.parse_args(argv)
    book = read_book(args.csv)
    folder = write_landing(book, args.landing, args.as_of)
    print(f"{len(book)} loans still collected at the snapshot -> {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
