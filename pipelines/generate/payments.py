"""Payments and reversals that settle each instalment on the day its life says it is settled.

Most instalments are paid in one go; some in two parts (the first part early, partial), and a few
payments bounce: the payment is reversed (a new row naming it, value-dated back to it) and the
customer pays again. Defaulted loans see occasional small recoveries, through a collection
agency once written off. Amounts are integer cents and every settled instalment receives
exactly its amount due, so allocation oldest-first reproduces the lifecycle's settlement days.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arrays import concat, order_by, previous, rank_within, take
from .dates import NEVER
from .events import Delivery, deliver
from .lifecycle import Life, Rows

CHANNELS = ("bank_transfer", "card", "cash", "agency")
CHANNEL_WEIGHTS = np.array([0.45, 0.35, 0.12, 0.08])
VERY_LATE_DAYS = 60                    # paid this late: half of it through the collection agency
BOOKING_LAG_SHARE = 0.15               # bank transfers booked 1-3 days after their value date
BOOKING_WINDOW = {                     # second of day a payment is booked, per channel
    "bank_transfer": (7 * 3600, 23 * 3600), "card": (7 * 3600, 24 * 3600 - 1),
    "cash": (9 * 3600, 17 * 3600 + 1800), "agency": (10 * 3600, 18 * 3600),
}
SPLIT_SHARE = 0.055                    # instalments paid in two parts (both parts partial)
REVERSAL_SHARE = 0.005                 # payments that bounce and are paid again
RECOVERY_COUNTS = np.array([0.60, 0.20, 0.12, 0.08])   # 0-3 small payments on a defaulted loan
RECOVERY_SHARE_OF_INSTALMENT = (0.05, 0.20)
RECOVERY_AFTER_WRITE_OFF_DAYS = 90


@dataclass
class Payments:
    loan: np.ndarray
    seq: np.ndarray          # per loan, in booking order: payment_id = loan serial + seq
    value_day: np.ndarray
    booked_day: np.ndarray
    booked_second: np.ndarray
    amount: np.ndarray       # int64 cents, > 0
    channel: np.ndarray      # int8 index into CHANNELS
    reverses: np.ndarray     # seq of the payment this row reverses, -1 if none


@dataclass
class PartPaid:
    """Per instalment row: the first part of a split payment (what a promise need not cover)."""
    day: np.ndarray
    amount: np.ndarray


def _booked(rng: np.random.Generator, value_day: np.ndarray, channel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(value_day)
    lag = np.where((channel == CHANNELS.index("bank_transfer")) & (rng.random(n) < BOOKING_LAG_SHARE),
                   rng.integers(1, 4, n), 0)
    low = np.array([BOOKING_WINDOW[c][0] for c in CHANNELS])[channel]
    high = np.array([BOOKING_WINDOW[c][1] for c in CHANNELS])[channel]
    return (value_day + lag).astype(np.int32), (low + rng.random(n) * (high - low)).astype(np.int32)


def _rows(loan: np.ndarray, value_day: np.ndarray, amount: np.ndarray, channel: np.ndarray,
          reverses: np.ndarray | None = None) -> Payments:
    """Payments before booking and numbering; `reverses` holds positions within the same batch."""
    n = len(loan)
    return Payments(loan=loan.astype(np.int64), seq=np.zeros(n, np.int32), value_day=value_day.astype(np.int32),
                    booked_day=np.zeros(n, np.int32), booked_second=np.zeros(n, np.int32),
                    amount=amount.astype(np.int64), channel=channel.astype(np.int8),
                    reverses=np.full(n, -1, np.int64) if reverses is None else reverses)


def make_payments(rng: np.random.Generator, life: Life, disbursed: np.ndarray) -> tuple[Payments, Delivery, PartPaid]:
    """Every payment and reversal of these loans' lives, numbered per loan in booking order."""
    rows = life.rows
    final = rows.valid_to == NEVER
    n_loans = len(disbursed)
    floor = np.full(len(rows.loan), 0, np.int32)   # nothing for an instalment before the previous one settles
    floor[final] = np.maximum(previous(rows.paid_on[final], rows.loan[final], np.full(n_loans, -NEVER, np.int32)),
                              disbursed[rows.loan[final]] + 1)
    paid = np.flatnonzero(final & (rows.paid_on < NEVER))
    loan, day, amount, floor = rows.loan[paid], rows.paid_on[paid], rows.amount[paid], floor[paid]
    late = day - rows.due[paid]
    channel = rng.choice(len(CHANNELS), len(paid), p=CHANNEL_WEIGHTS)
    channel = np.where((late > VERY_LATE_DAYS) & (rng.random(len(paid)) < 0.5), CHANNELS.index("agency"), channel)
    kind = rng.random(len(paid))
    split = kind < SPLIT_SHARE
    bounced = (kind >= SPLIT_SHARE) & (kind < SPLIT_SHARE + REVERSAL_SHARE)

    settling = _rows(loan, day, np.where(split, 0, amount), channel)   # the payment that settles the row
    s = np.flatnonzero(split)
    part_day = np.maximum(day[s] - rng.integers(1, 21, len(s)), floor[s])
    part_amount = np.clip(np.rint(amount[s] * rng.uniform(0.2, 0.8, len(s))), 1, amount[s] - 1).astype(np.int64)
    settling.amount[s] = amount[s] - part_amount
    first_parts = _rows(loan[s], part_day, part_amount, channel[s])
    b = np.flatnonzero(bounced)
    bounce_day = np.maximum(day[b] - rng.integers(2, 11, len(b)), floor[b])
    bounced_rows = _rows(loan[b], bounce_day, amount[b], channel[b])
    reversals = _rows(loan[b], bounce_day, amount[b], channel[b], reverses=np.arange(len(b)))
    recoveries = _recoveries(rng, life, rows)

    batches = [settling, first_parts, bounced_rows, reversals, recoveries]
    for batch in batches:
        batch.booked_day, batch.booked_second = _booked(rng, batch.value_day, batch.channel)
    # A reversal is booked after the payment it reverses.
    reversals.booked_day = bounced_rows.booked_day + rng.integers(1, 4, len(b)).astype(np.int32)
    reversals.reverses += len(settling.loan) + len(first_parts.loan)   # position in the concatenation
    payments = concat(batches)
    order = order_by(payments.loan, payments.booked_day, payments.booked_second)
    position_after = np.empty(len(order), np.int64)
    position_after[order] = np.arange(len(order))
    payments = take(payments, order)
    payments.seq = rank_within(payments.loan).astype(np.int32) + 1
    has_reverse = payments.reverses >= 0
    payments.reverses[has_reverse] = payments.seq[position_after[payments.reverses[has_reverse]]]

    part = PartPaid(day=np.full(len(rows.loan), NEVER, np.int32), amount=np.zeros(len(rows.loan), np.int64))
    part.day[paid[s]] = part_day
    part.amount[paid[s]] = part_amount
    return payments, deliver(rng, payments.booked_day), part


def _recoveries(rng: np.random.Generator, life: Life, rows: Rows) -> Payments:
    """Small payments on defaulted loans between the default and 90 days after the write-off."""
    written_off = np.flatnonzero(life.outcome.written_off_on < NEVER)
    count = rng.choice(len(RECOVERY_COUNTS), len(written_off), p=RECOVERY_COUNTS)
    loan = np.repeat(written_off, count)
    since = life.outcome.default_due[loan]
    until = life.outcome.written_off_on[loan] + RECOVERY_AFTER_WRITE_OFF_DAYS
    day = since + 5 + (rng.random(len(loan)) * (until - since - 5)).astype(np.int32)
    instalment = rows.amount[life.outcome.default_row[loan]]
    amount = np.maximum(np.rint(instalment * rng.uniform(*RECOVERY_SHARE_OF_INSTALMENT, len(loan))), 1)
    after = day >= life.outcome.written_off_on[loan]
    channel = np.where(after, CHANNELS.index("agency"),
                       rng.choice([CHANNELS.index("bank_transfer"), CHANNELS.index("cash")], len(loan)))
    return _rows(loan, day, amount, channel)
