"""One business day's extract, as the lender's core system would export it: the snapshot files
as of the end of that day, and the events delivered with it."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..landing import LANDING_FILES
from . import contacts, flags, payments
from .book import RETENTION_DAYS, Book
from .columns import concat, dates, digits, ids, money, pick, rate, text, timestamps
from .dates import NEVER
from .events import in_extract
from .products import CURRENCY, PRODUCT_NAMES

STATUSES = ("active", "closed", "written_off", "restructured")
ACTIVE_STATUSES = (0, 3)


def customer_ids(serial: np.ndarray) -> pa.Array:
    return ids("C", serial, 9)


def loan_ids(index: np.ndarray) -> pa.Array:
    return ids("L", np.asarray(index) + 1, 9)


def event_ids(prefix: str, loan: np.ndarray, seq: np.ndarray) -> pa.Array:
    """Events are numbered per loan: P000000123-0004 is loan 123's fourth payment."""
    return concat(prefix, digits(np.asarray(loan) + 1, 9), "-", digits(seq, 4))


@dataclass
class DayExtract:
    """The day's tables (contract columns, in order) and the record keys fault injection needs."""
    tables: dict[str, pa.Table]
    customer: np.ndarray          # customer index of each customers.csv row
    customer_active: np.ndarray   # ... who has an active or restructured loan today
    loan: np.ndarray              # loan index of each loans.csv row
    loan_active: np.ndarray
    loan_customer: np.ndarray     # customer index of each loans.csv row
    loan_rank: np.ndarray
    contact_loan: np.ndarray      # loan index of each contact_attempts.csv row


def _table(name: str, columns: dict[str, pa.Array]) -> pa.Table:
    expected = list(LANDING_FILES[name].columns)
    assert list(columns) == expected, (name, list(columns))
    return pa.table(columns)


def extract_day(book: Book, day: int, initial: bool) -> DayExtract:
    loans = book.loans
    in_book = (loans.disbursed <= day) & (loans.leaves_book >= day - RETENTION_DAYS)
    loan = np.flatnonzero(in_book)
    status = np.select(
        [loans.written_off_on[loan] <= day, loans.closed_on[loan] <= day, loans.restructured_on[loan] <= day],
        [2, 1, 3], 0)
    left_on = np.where(status == 2, loans.written_off_on[loan], np.where(status == 1, loans.closed_on[loan], NEVER))
    customer = np.unique(loans.customer[loan])
    active_customer = np.zeros(len(book.customers.first_day), bool)
    active_customer[loans.customer[loan][np.isin(status, ACTIVE_STATUSES)]] = True

    tables = {
        "customers": pa.Table.from_arrays([customer_ids(customer + 1), *book.identity.take(pa.array(customer)).columns],
                                          names=list(LANDING_FILES["customers"].columns)),
        "loans": _table("loans", {
            "loan_id": loan_ids(loan), "customer_id": customer_ids(loans.customer[loan] + 1),
            "product": pick(PRODUCT_NAMES, loans.product[loan]), "currency": text([CURRENCY] * len(loan)),
            "principal_amount": money(loans.principal[loan]), "annual_interest_rate": rate(loans.rate_bp[loan]),
            "disbursed_on": dates(loans.disbursed[loan]),
            "maturity_date": dates(np.where(loans.restructured_on[loan] <= day, loans.maturity[loan],
                                            loans.maturity_original[loan])),
            "status": pick(list(STATUSES), status), "closed_on": dates(left_on),
        }),
        "installments": _installments(book, in_book, day),
        **_events(book, day, initial),
        "flags": _flags(book, day, in_book, customer),
        "agents": book.agents_table,
    }
    tables = {name: tables[name] for name in LANDING_FILES}
    contact_loan = np.concatenate([c.contacts.loan[in_extract(c.contact_delivery, day, initial)] for c in book.cohorts])
    return DayExtract(tables, customer, active_customer[customer], loan, np.isin(status, ACTIVE_STATUSES),
                      loans.customer[loan], loans.rank[loan], contact_loan)


def _installments(book: Book, in_book: np.ndarray, day: int) -> pa.Table:
    parts = []
    for cohort in book.cohorts:
        r = cohort.rows
        parts.append(np.flatnonzero(in_book[r.loan] & (r.valid_from <= day) & (day < r.valid_to)))
    pick_rows = lambda field: np.concatenate([getattr(c.rows, field)[p] for c, p in zip(book.cohorts, parts)])
    return _table("installments", {
        "loan_id": loan_ids(pick_rows("loan")), "installment_no": pa.array(pick_rows("no").astype(np.int32)),
        "due_date": dates(pick_rows("due")), "principal_due": money(pick_rows("principal")),
        "interest_due": money(pick_rows("interest")), "fee_due": money(pick_rows("fee")),
    })


def _events(book: Book, day: int, initial: bool) -> dict[str, pa.Table]:
    def delivered(events: str, delivery: str) -> dict[str, np.ndarray]:
        chosen = [(getattr(c, events), in_extract(getattr(c, delivery), day, initial)) for c in book.cohorts]
        names = vars(chosen[0][0]).keys()
        return {name: np.concatenate([getattr(e, name)[mask] for e, mask in chosen]) for name in names}

    p = delivered("payments", "payment_delivery")
    payment_ids = lambda seq: event_ids("P", p["loan"], seq)
    c = delivered("contacts", "contact_delivery")
    is_promise = c["outcome"] == contacts.PROMISE
    return {
        "payments": _table("payments", {
            "payment_id": payment_ids(p["seq"]), "loan_id": loan_ids(p["loan"]),
            "value_date": dates(p["value_day"]), "booked_at": timestamps(p["booked_day"], p["booked_second"]),
            "amount": money(p["amount"]), "channel": pick(list(payments.CHANNELS), p["channel"]),
            "reverses_payment_id": pc.if_else(pa.array(p["reverses"] > 0), payment_ids(np.maximum(p["reverses"], 0)),
                                                      pa.scalar(None, pa.string())),
        }),
        "contact_attempts": _table("contact_attempts", {
            "attempt_id": event_ids("A", c["loan"], c["seq"]), "loan_id": loan_ids(c["loan"]),
            "customer_id": customer_ids(book.loans.customer[c["loan"]] + 1),
            "agent_id": pc.if_else(pa.array(c["agent"] >= 0), ids("AG", c["agent"] + 1, 5),
                                           pa.scalar(None, pa.string())),
            "channel": pick(list(contacts.CHANNELS), c["channel"]),
            "started_at": timestamps(c["day"], c["second"]),
            "duration_seconds": pa.array(c["duration"], mask=c["duration"] < 0, type=pa.int32()),
            "outcome": pick(list(contacts.OUTCOMES), c["outcome"]),
            "promise_amount": money(np.maximum(c["promise_amount"], 0), valid=is_promise),
            "promise_date": dates(c["promise_day"]),
        }),
    }


def _flags(book: Book, day: int, in_book: np.ndarray, customer: np.ndarray) -> pa.Table:
    f = book.flags
    in_customers = np.zeros(len(book.customers.first_day), bool)
    in_customers[customer] = True
    is_customer = f.subject_type == flags.CUSTOMER
    subject_known = np.zeros(len(f.subject), bool)
    subject_known[is_customer] = in_customers[f.subject[is_customer]]
    subject_known[~is_customer] = in_book[f.subject[~is_customer]]
    shown = np.flatnonzero(flags.visible(f, day) & subject_known)
    shown = shown[np.lexsort((f.start[shown], f.subject[shown], f.subject_type[shown]))]
    subject_id = pc.if_else(pa.array(is_customer[shown]), customer_ids(f.subject[shown] + 1),
                            loan_ids(f.subject[shown]))
    return _table("flags", {
        "subject_type": pick(list(flags.SUBJECT_TYPES), f.subject_type[shown]), "subject_id": subject_id,
        "flag": pick(list(flags.FLAGS), f.flag[shown]), "effective_from": dates(f.start[shown]),
        "effective_to": dates(np.where(f.end[shown] <= day, f.end[shown], NEVER)),
        "note": pick([flags.NOTES[name] for name in flags.FLAGS], f.flag[shown]),
    })
