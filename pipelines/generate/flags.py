"""Blocks on collection contact (dispute, bankruptcy, deceased, cease_contact, legal_hold) and
hardship, as intervals per customer or loan, and the lender's flags.csv snapshot of them.

Flags follow events: a death or bankruptcy is the day the customer stops paying, a legal hold
follows a long default, a dispute follows a call where the customer raised one. The lender's own
contact history respects every block from the day after the block is recorded.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .dates import NEVER

FLAGS = ("dispute", "bankruptcy", "deceased", "cease_contact", "legal_hold", "hardship")
BLOCKING = np.array([f != "hardship" for f in FLAGS])
CUSTOMER, LOAN = 0, 1
SUBJECT_TYPES = ("customer", "loan")
NOTES = {
    "dispute": "客户对欠款金额有异议",
    "bankruptcy": "法院已受理个人破产申请",
    "deceased": "家属告知客户已身故",
    "cease_contact": "客户书面要求停止催收联系",
    "legal_hold": "已移交法务，诉讼期间暂停催收",
    "hardship": "客户失业，申请困难期延期",
}
STOP_EVENTS = ("deceased", "bankruptcy")    # see behaviour.stop_events
SHOWN_AFTER_CLOSING_DAYS = 30               # flags.csv keeps closed flags this long
LEGAL_HOLD_SHARE = 0.25                     # of defaulted loans, from 91-150 days past due
CEASE_CONTACT_SHARE = (0.002, 0.01, 0.02)   # on_time/sometimes_late, chronic/curing, defaulting
HARDSHIP_SHARE = (0.005, 0.04, 0.02)


@dataclass
class Flags:
    subject_type: np.ndarray   # CUSTOMER or LOAN
    subject: np.ndarray        # customer or loan index
    flag: np.ndarray           # int8 index into FLAGS
    start: np.ndarray          # effective_from
    end: np.ndarray            # effective_to, NEVER while open


def _flags(subject_type: int, subject, flag: str, start, end) -> Flags:
    n = len(subject)
    return Flags(np.full(n, subject_type, np.int8), np.asarray(subject, np.int64),
                 np.full(n, FLAGS.index(flag), np.int8), np.broadcast_to(start, n).astype(np.int32),
                 np.broadcast_to(end, n).astype(np.int32))


def _closing(rng: np.random.Generator, start: np.ndarray, closed_share: float, days: tuple[int, int]) -> np.ndarray:
    closes = rng.random(len(start)) < closed_share
    return np.where(closes, start + rng.integers(*days, len(start)), NEVER)


def customer_flags(rng: np.random.Generator, first: int, first_day: np.ndarray, risk: np.ndarray,
                   stop_day: np.ndarray, stop_kind: np.ndarray) -> list[Flags]:
    """Flags of new customers numbered first, first+1, ...; risk 0/1/2 = low/high/defaulting."""
    n = len(first_day)
    customer = first + np.arange(n)
    parts = []
    for code, kind in enumerate(STOP_EVENTS, start=1):
        who = np.flatnonzero(stop_kind == code)
        parts.append(_flags(CUSTOMER, customer[who], kind, stop_day[who] + rng.integers(3, 46, len(who)), NEVER))
    for kind, shares, closed, days in (("cease_contact", CEASE_CONTACT_SHARE, 0.35, (30, 181)),
                                       ("hardship", HARDSHIP_SHARE, 0.9, (30, 121))):
        who = np.flatnonzero(rng.random(n) < np.array(shares)[risk])
        start = first_day[who] + rng.integers(30, 600, len(who))
        parts.append(_flags(CUSTOMER, customer[who], kind, start, _closing(rng, start, closed, days)))
    return parts


def legal_holds(rng: np.random.Generator, loan: np.ndarray, default_due: np.ndarray) -> Flags:
    """Legal referral of some defaulted loans (default_due: due day of the first unpaid instalment)."""
    who = np.flatnonzero((default_due < NEVER) & (rng.random(len(loan)) < LEGAL_HOLD_SHARE))
    return _flags(LOAN, loan[who], "legal_hold", default_due[who] + rng.integers(91, 151, len(who)), NEVER)


def disputes(rng: np.random.Generator, loan: np.ndarray, day: np.ndarray) -> Flags:
    """Disputes raised on calls: most are resolved within 7-60 days, some stay open. Two calls on
    one day that both raise a dispute record one flag (the flag's key is loan, flag and day)."""
    end = _closing(rng, day, 0.8, (7, 61))     # drawn for every call: the random stream stays as it was
    _, first = np.unique(np.stack([np.asarray(loan, np.int64), np.asarray(day, np.int64)]), axis=1, return_index=True)
    keep = np.sort(first)
    return _flags(LOAN, np.asarray(loan)[keep], "dispute", np.asarray(day)[keep], end[keep])


def blocked(flags: Flags, loan: np.ndarray, customer: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Contacts on `day` that a blocking flag of their loan or customer forbids:
    effective_from < day <= effective_to (a block recorded today stops contact from tomorrow)."""
    hit = np.zeros(len(day), bool)
    for subject_type, subject in ((LOAN, loan), (CUSTOMER, customer)):
        mine = (flags.subject_type == subject_type) & BLOCKING[flags.flag]
        order = np.argsort(flags.subject[mine], kind="stable")
        keys, start, end = flags.subject[mine][order], flags.start[mine][order], flags.end[mine][order]
        lo, hi = np.searchsorted(keys, subject, "left"), np.searchsorted(keys, subject, "right")
        candidates = np.flatnonzero(hi > lo)
        count = (hi - lo)[candidates]
        contact = np.repeat(candidates, count)
        flag = np.repeat(lo[candidates], count) + (np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count))
        covered = (start[flag] < day[contact]) & (day[contact] <= end[flag])
        hit[contact[covered]] = True
    return hit


def visible(flags: Flags, day: int) -> np.ndarray:
    """Flags in the snapshot of `day`: in effect, or closed within the last SHOWN_AFTER_CLOSING_DAYS."""
    return (flags.start <= day) & ((flags.end == NEVER) | (flags.end >= day - SHOWN_AFTER_CLOSING_DAYS))
