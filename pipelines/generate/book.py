"""The lender's book held in memory across business days.

On the first day the book holds `loans` loans disbursed over the previous two years that are
still in the extract (active, or closed/written off within the retention horizon); every
business day then adds that day's disbursements. Each cohort's whole life (schedule, payments,
contacts, flags) is drawn once from its own random stream, so adding a day never changes an
earlier one and the extract of a day only selects what the ledger knows on that day.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import agents, behaviour, customers, flags
from .arrays import concat, rank_within, take
from .contacts import DISPUTE, Contacts, Overdue, attempts, number
from .dates import NEVER
from .events import Delivery, deliver
from .lifecycle import Life, Loans, Rows, lifecycle
from .payments import Payments, make_payments
from .products import draw_terms
from .rng import stream

HISTORY_DAYS = 730              # the first day's book was disbursed over the previous two years
RETENTION_DAYS = 90             # closed and written-off loans stay in the extract this long
NEW_CUSTOMER_SHARE = 0.82       # of loans; the others go to existing customers (repeat borrowers)
CANDIDATE_FACTOR = 1.6          # history loans drawn per loan still in the book on the first day


@dataclass
class LoanTable:
    customer: np.ndarray
    product: np.ndarray
    principal: np.ndarray
    rate_bp: np.ndarray
    disbursed: np.ndarray
    rank: np.ndarray             # how many loans the customer took before this one
    restructured_on: np.ndarray
    written_off_on: np.ndarray
    closed_on: np.ndarray
    maturity_original: np.ndarray
    maturity: np.ndarray

    @property
    def leaves_book(self) -> np.ndarray:
        return np.minimum(self.closed_on, self.written_off_on)


@dataclass
class CustomerTable:
    first_day: np.ndarray
    segment: np.ndarray
    stop_day: np.ndarray
    stop_kind: np.ndarray
    english: np.ndarray
    loans: np.ndarray            # loans taken so far


@dataclass
class Cohort:
    """One day's disbursements (or the initial book) with everything that happens to them."""
    rows: Rows
    payments: Payments
    payment_delivery: Delivery
    contacts: Contacts
    contact_delivery: Delivery


class Book:
    def __init__(self, seed: int, start_day: int, loans: int, on_step=lambda name: None):
        self.seed = seed
        self.start_day = start_day
        self.cohorts: list[Cohort] = []
        self.loans: LoanTable | None = None
        self.customers: CustomerTable | None = None
        self.identity: pa.Table | None = None           # customers.csv columns, one row per customer
        self.flags: flags.Flags | None = None
        self.roster, self.agents_table = None, None
        self.daily_loans = 0.0
        self._open(loans, on_step)

    # -- building ---------------------------------------------------------------------------

    def _open(self, n: int, on_step) -> None:
        rng = stream(self.seed, "initial book")
        factor = CANDIDATE_FACTOR
        while True:   # draw history until at least n loans are still in the book on the first day
            m = max(int(n * factor), 10)
            disbursed = np.sort(rng.integers(self.start_day - HISTORY_DAYS, self.start_day, m)).astype(np.int32)
            new_customer = rng.random(m) < NEW_CUSTOMER_SHARE
            new_customer[0] = True
            customer = _customers_of(rng, new_customer)
            people = _people(rng, disbursed[new_customer])
            terms, life = _lives(rng, disbursed, customer, people)
            leaves = np.minimum(life.outcome.closed_on, life.outcome.written_off_on)
            in_book = leaves >= self.start_day - RETENTION_DAYS
            if in_book.sum() >= n:
                break
            factor *= 1.3
        on_step("lives")
        keep = np.zeros(m, bool)
        keep[rng.choice(np.flatnonzero(in_book), n, replace=False)] = True
        self.daily_loans = m * n / in_book.sum() / HISTORY_DAYS

        used, first_loan = np.unique(customer[keep], return_index=True)
        used = used[np.argsort(first_loan)]            # customers numbered in order of their first loan
        renumber = np.full(len(people.first_day), -1)
        renumber[used] = np.arange(len(used))
        people = take(people, used)
        self.customers = people
        self.identity = customers.people(rng, people.first_day)
        people.english = pc.equal(self.identity["preferred_language"], "en").to_numpy(zero_copy_only=False)
        on_step("customers")

        active = keep & (leaves >= self.start_day)
        self.roster, self.agents_table = agents.hire(stream(self.seed, "agents"), int(active.sum()))
        field = agents.hire_field_team(stream(self.seed, "field agents"), len(self.agents_table) + 1)
        self.agents_table = pa.concat_tables([self.agents_table, field.cast(self.agents_table.schema)])
        self.flags = concat(flags.customer_flags(stream(self.seed, "customer flags", "initial"), 0, people.first_day,
                                                 behaviour.segment_table("risk_tier", people.segment),
                                                 people.stop_day, people.stop_kind))
        self._add_cohort(rng, take(terms, keep), life.select(keep), disbursed[keep], renumber[customer[keep]])
        on_step("payments and contacts")

    def disburse(self, day: int) -> None:
        """Add the loans disbursed on `day`."""
        rng = stream(self.seed, "disbursements", day)
        k = int(rng.poisson(self.daily_loans))
        existing = len(self.customers.first_day)
        eligible = np.flatnonzero(self.customers.stop_day == NEVER)
        repeat = (rng.random(k) >= NEW_CUSTOMER_SHARE) & (len(eligible) > 0)
        n_new = int((~repeat).sum())
        customer = np.empty(k, np.int64)
        customer[~repeat] = existing + np.arange(n_new)
        customer[repeat] = eligible[rng.integers(0, max(len(eligible), 1), int(repeat.sum()))]
        people = _people(rng, np.full(n_new, day, np.int32))
        identity = customers.people(rng, people.first_day)
        people.english = pc.equal(identity["preferred_language"], "en").to_numpy(zero_copy_only=False)
        self.customers = concat([self.customers, people])
        self.identity = pa.concat_tables([self.identity, identity])
        self.flags = concat([self.flags, *flags.customer_flags(
            stream(self.seed, "customer flags", day), existing, people.first_day,
            behaviour.segment_table("risk_tier", people.segment), people.stop_day, people.stop_kind)])
        disbursed = np.full(k, day, np.int32)
        terms, life = _lives(rng, disbursed, customer, self.customers)
        self._add_cohort(rng, terms, life, disbursed, customer)

    def _add_cohort(self, rng: np.random.Generator, terms, life: Life, disbursed: np.ndarray,
                    customer: np.ndarray) -> None:
        first = len(self.loans.customer) if self.loans is not None else 0
        o = life.outcome
        cohort = LoanTable(
            customer=customer.astype(np.int64), product=terms.product, principal=terms.principal,
            rate_bp=terms.rate_bp, disbursed=disbursed, rank=_ranks(customer, self.customers.loans),
            restructured_on=o.restructured_on, written_off_on=o.written_off_on, closed_on=o.closed_on,
            maturity_original=o.maturity_original, maturity=o.maturity)
        self.loans = concat([self.loans, cohort]) if self.loans is not None else cohort
        self.flags = concat([self.flags, flags.legal_holds(rng, first + np.arange(len(disbursed)), o.default_due)])

        payments, payment_delivery, part = make_payments(rng, life, disbursed)
        payments.loan += first
        spells, rows = life.spells, life.rows
        overdue = Overdue(
            loan=spells.loan + first, since=rows.due[spells.row], first=spells.first, last=spells.last,
            settled=spells.settled, owed=rows.amount[spells.row], part_day=part.day[spells.row],
            part_amount=part.amount[spells.row],
            curing=self.customers.segment[customer[spells.loan]] == behaviour.CURING,
            english=self.customers.english[customer[spells.loan]],
        )
        contacts = self._respecting_blocks(rng, attempts(rng, overdue, self.roster))
        rows.loan = rows.loan + first
        self.cohorts.append(Cohort(rows, payments, payment_delivery, contacts, deliver(rng, contacts.day)))

    def _respecting_blocks(self, rng: np.random.Generator, contacts: Contacts) -> Contacts:
        """The lender's contacts minus those a block forbids; disputes raised on calls become flags
        (and block what follows them)."""
        customer = self.loans.customer[contacts.loan]
        allowed = ~flags.blocked(self.flags, contacts.loan, customer, contacts.day)
        raised = allowed & (contacts.outcome == DISPUTE)
        self.flags = concat([self.flags, flags.disputes(rng, contacts.loan[raised], contacts.day[raised])])
        allowed &= ~flags.blocked(self.flags, contacts.loan, customer, contacts.day)
        return number(take(contacts, allowed))


def _customers_of(rng: np.random.Generator, new_customer: np.ndarray) -> np.ndarray:
    """Customer number of each loan (in disbursement order): a new one, or an earlier customer."""
    created = np.cumsum(new_customer)
    earlier = (rng.random(len(new_customer)) * created).astype(np.int64)
    return np.where(new_customer, created - 1, earlier)


def _people(rng: np.random.Generator, first_day: np.ndarray) -> CustomerTable:
    segment = behaviour.draw_segments(rng, len(first_day))
    stop_day, stop_kind = behaviour.stop_events(rng, first_day, segment)
    n = len(first_day)
    return CustomerTable(first_day.astype(np.int32), segment, stop_day, stop_kind, np.zeros(n, bool),
                         np.zeros(n, np.int32))


def _lives(rng: np.random.Generator, disbursed: np.ndarray, customer: np.ndarray, people: CustomerTable):
    segment = people.segment[customer]
    terms = draw_terms(rng, behaviour.segment_table("risk_premium_bp", segment))
    life = lifecycle(rng, Loans(disbursed, terms.principal, terms.rate_bp, terms.months, terms.fee, segment,
                                people.stop_day[customer]))
    return terms, life


def _ranks(customer: np.ndarray, taken: np.ndarray) -> np.ndarray:
    """Number of loans each customer took before this one; counts these loans into `taken`."""
    order = np.argsort(customer, kind="stable")
    rank = np.empty(len(order), np.int32)
    rank[order] = taken[customer[order]] + rank_within(customer[order])
    np.add.at(taken, customer, 1)
    return rank
