"""One business day's extract, as the lender's core system would export it: the snapshot files
as of the end of that day, and the events delivered with it."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..landing import LANDING_FILES
from . import contacts, flags, payments
from .arrays import order_by
from .book import RETENTION_DAYS, Book
from .columns import concat, constant, dates, digits, ids, money, pick, rate, timestamps
from .dates import NEVER
from .events import in_extract
from .products import CURRENCY, PRODUCT_NAMES

STATUSES = ("active", "closed", "written_off", "restructured")
ACTIVE, CLOSED, WRITTEN_OFF, RESTRUCTURED = range(len(STATUSES))
CUSTOMER_PREFIX, LOAN_PREFIX, ID_DIGITS = "C", "L", 9


def customer_ids(serial: np.ndarray) -> pa.Array:
    return ids(CUSTOMER_PREFIX, serial, ID_DIGITS)


def loan_ids(index: np.ndarray) -> pa.Array:
    return ids(LOAN_PREFIX, np.asarray(index) + 1, ID_DIGITS)


@lru_cache(maxsize=1)
def _sequence_numbers() -> pa.Array:
    return digits(np.arange(10_000), 4)


class _Ids:
    """Identifier text of every loan and customer, formatted once per day and then taken by index."""

    def __init__(self, book: Book):
        self.loan_number = digits(np.arange(1, len(book.loans.customer) + 1), ID_DIGITS)
        self.loan = concat(LOAN_PREFIX, self.loan_number)
        self.customer = customer_ids(np.arange(1, len(book.customers.first_day) + 1))
        self.agent = book.agents_table["agent_id"].combine_chunks()

    def events(self, prefix: str, loan: np.ndarray, seq: np.ndarray) -> pa.Array:
        """Events are numbered per loan: P000000123-0004 is loan 123's fourth payment."""
        return concat(prefix, self.loan_number.take(pa.array(loan)), "-", _sequence_numbers().take(pa.array(seq)))


def _optional(values: pa.Array, index: np.ndarray) -> pa.Array:
    """values[index], null where index < 0."""
    return values.take(pa.array(np.maximum(index, 0), mask=index < 0))


@dataclass
class DayExtract:
    """The day's tables (contract columns, in order) and the record keys fault injection needs."""
    tables: dict[str, pa.Table]
    customer: np.ndarray          # customer index of each customers.csv row
    customer_active: np.ndarray   # ... who has an active or restructured loan today
    customer_new: np.ndarray      # ... whose first loan was disbursed today
    loan: np.ndarray              # loan index of each loans.csv row
    loan_active: np.ndarray
    loan_new: np.ndarray          # disbursed today
    loan_customer: np.ndarray     # customer index of each loans.csv row
    loan_rank: np.ndarray
    contact_loan: np.ndarray      # loan index of each contact_attempts.csv row


def _table(name: str, columns: dict[str, pa.Array]) -> pa.Table:
    expected = list(LANDING_FILES[name].columns)
    assert list(columns) == expected, (name, list(columns))
    return pa.table(columns)


def extract_day(book: Book, day: int, initial: bool) -> DayExtract:
    loans = book.loans
    ids = _Ids(book)
    in_book = (loans.disbursed <= day) & (loans.leaves_book >= day - RETENTION_DAYS)
    loan = np.flatnonzero(in_book)
    status = np.select(
        [loans.written_off_on[loan] <= day, loans.closed_on[loan] <= day, loans.restructured_on[loan] <= day],
        [WRITTEN_OFF, CLOSED, RESTRUCTURED], ACTIVE)
    left_on = np.select([status == WRITTEN_OFF, status == CLOSED], [loans.written_off_on[loan], loans.closed_on[loan]],
                        NEVER)
    active = (status == ACTIVE) | (status == RESTRUCTURED)
    listed, active_customer = (np.zeros(len(book.customers.first_day), bool) for _ in range(2))
    listed[loans.customer[loan]] = True
    active_customer[loans.customer[loan][active]] = True
    customer = np.flatnonzero(listed)                   # every customer with a loan in loans.csv

    tables = {
        "customers": pa.Table.from_arrays([ids.customer.take(pa.array(customer)),
                                           *book.identity.take(pa.array(customer)).columns],
                                          names=list(LANDING_FILES["customers"].columns)),
        "loans": _table("loans", {
            "loan_id": ids.loan.take(pa.array(loan)), "customer_id": ids.customer.take(pa.array(loans.customer[loan])),
            "product": pick(PRODUCT_NAMES, loans.product[loan]), "currency": constant(CURRENCY, len(loan)),
            "principal_amount": money(loans.principal[loan]), "annual_interest_rate": rate(loans.rate_bp[loan]),
            "disbursed_on": dates(loans.disbursed[loan]),
            "maturity_date": dates(np.where(loans.restructured_on[loan] <= day, loans.maturity[loan],
                                            loans.maturity_original[loan])),
            "status": pick(list(STATUSES), status), "closed_on": dates(left_on),
        }),
        "installments": _installments(book, ids, in_book, day),
        "payments": _payments(book, ids, day, initial),
        "contact_attempts": _contacts(book, ids, day, initial),
        "flags": _flags(book, ids, day, in_book, customer),
        "agents": book.agents_table,
    }
    contact_loan = np.concatenate([c.contacts.loan[in_extract(c.contact_delivery, day, initial)] for c in book.cohorts])
    return DayExtract(tables, customer, active_customer[customer], book.customers.first_day[customer] == day,
                      loan, active, loans.disbursed[loan] == day, loans.customer[loan], loans.rank[loan], contact_loan)


def _installments(book: Book, ids: _Ids, in_book: np.ndarray, day: int) -> pa.Table:
    """The schedule version in force on `day` of every loan in the snapshot."""
    chosen = [(c.rows, np.flatnonzero(in_book[c.rows.loan] & (c.rows.valid_from <= day) & (day < c.rows.valid_to)))
              for c in book.cohorts]
    column = lambda field: np.concatenate([getattr(rows, field)[index] for rows, index in chosen])
    return _table("installments", {
        "loan_id": ids.loan.take(pa.array(column("loan"))), "installment_no": pa.array(column("no").astype(np.int32)),
        "due_date": dates(column("due")), "principal_due": money(column("principal")),
        "interest_due": money(column("interest")), "fee_due": money(column("fee")),
    })


def _delivered(book: Book, events: str, delivery: str, day: int, initial: bool) -> dict[str, np.ndarray]:
    """Columns of the events (payments or contacts) in the extract of `day`, cohort after cohort."""
    chosen = [(getattr(c, events), in_extract(getattr(c, delivery), day, initial)) for c in book.cohorts]
    return {name: np.concatenate([getattr(e, name)[mask] for e, mask in chosen]) for name in vars(chosen[0][0])}


def _payments(book: Book, ids: _Ids, day: int, initial: bool) -> pa.Table:
    p = _delivered(book, "payments", "payment_delivery", day, initial)
    reversal = np.flatnonzero(p["reverses"] >= 0)
    reversed_ids = ids.events("P", p["loan"][reversal], p["reverses"][reversal])
    position = np.full(len(p["loan"]), -1)
    position[reversal] = np.arange(len(reversal))
    return _table("payments", {
        "payment_id": ids.events("P", p["loan"], p["seq"]), "loan_id": ids.loan.take(pa.array(p["loan"])),
        "value_date": dates(p["value_day"]), "booked_at": timestamps(p["booked_day"], p["booked_second"]),
        "amount": money(p["amount"]), "channel": pick(list(payments.CHANNELS), p["channel"]),
        "reverses_payment_id": _optional(reversed_ids, position),
    })


def _contacts(book: Book, ids: _Ids, day: int, initial: bool) -> pa.Table:
    c = _delivered(book, "contacts", "contact_delivery", day, initial)
    return _table("contact_attempts", {
        "attempt_id": ids.events("A", c["loan"], c["seq"]), "loan_id": ids.loan.take(pa.array(c["loan"])),
        "customer_id": ids.customer.take(pa.array(book.loans.customer[c["loan"]])),
        "agent_id": _optional(ids.agent, c["agent"]),
        "channel": pick(list(contacts.CHANNELS), c["channel"]),
        "started_at": timestamps(c["day"], c["second"]),
        "duration_seconds": pa.array(c["duration"], mask=c["duration"] < 0, type=pa.int32()),
        "outcome": pick(list(contacts.OUTCOMES), c["outcome"]),
        "promise_amount": money(np.maximum(c["promise_amount"], 0), valid=c["outcome"] == contacts.PROMISE),
        "promise_date": dates(c["promise_day"]),
    })


def _flags(book: Book, ids: _Ids, day: int, in_book: np.ndarray, customer: np.ndarray) -> pa.Table:
    """Flags in effect or recently closed, of customers and loans in today's snapshot."""
    f = book.flags
    in_customers = np.zeros(len(book.customers.first_day), bool)
    in_customers[customer] = True
    is_customer = f.subject_type == flags.CUSTOMER
    subject_known = np.zeros(len(f.subject), bool)
    subject_known[is_customer] = in_customers[f.subject[is_customer]]
    subject_known[~is_customer] = in_book[f.subject[~is_customer]]
    shown = np.flatnonzero(flags.visible(f, day) & subject_known)
    shown = shown[order_by(f.subject_type[shown], f.subject[shown], f.start[shown])]
    subject, of_customer = f.subject[shown], is_customer[shown]
    subject_id = pc.coalesce(_optional(ids.customer, np.where(of_customer, subject, -1)),
                             _optional(ids.loan, np.where(of_customer, -1, subject)))
    return _table("flags", {
        "subject_type": pick(list(flags.SUBJECT_TYPES), f.subject_type[shown]), "subject_id": subject_id,
        "flag": pick(list(flags.FLAGS), f.flag[shown]), "effective_from": dates(f.start[shown]),
        "effective_to": dates(np.where(f.end[shown] <= day, f.end[shown], NEVER)),
        "note": pick([flags.NOTES[name] for name in flags.FLAGS], f.flag[shown]),
    })
