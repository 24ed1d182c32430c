"""The lender's own collection activity on each day a loan is overdue.

A fixed reminder plan by days past due (SMS, e-mail, formal letters), calls whose frequency
rises in the middle stage, occasional field visits, and call outcomes at industry rates that
depend on the agent's skill. Outcomes are drawn knowing how the spell ends, so that what the
files show is causally coherent: a promise is kept (paid in full by its date) when the customer
does pay within a week, and customers who cure after contact are reached just before they pay.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import agents
from .arrays import offsets, order_by, rank_within, take
from .dates import NEVER

CHANNELS = ("call", "sms", "email", "letter", "visit")
OUTCOMES = ("no_answer", "busy", "voicemail", "wrong_number", "right_party_contact", "third_party_contact",
            "promise_to_pay", "refused_to_pay", "dispute_raised", "delivered", "failed")
PROMISE = OUTCOMES.index("promise_to_pay")
DISPUTE = OUTCOMES.index("dispute_raised")

SMS_DPD = (1, 3, 7, 14, 21, 30, 45, 60, 75, 90)
EMAIL_DPD = (2, 10, 25, 40, 55)
LETTER_DPD = (15, 45, 90, 150)
STAGE_LAST_DPD = (30, 90)                 # early: 1-30, middle: 31-90, late: beyond
CALL_PROB = np.array([0.30, 0.40, 0.12])  # per overdue day, by stage
SECOND_CALL_SHARE = 0.15
VISIT_DPD = (61, 180)
VISIT_PROB = 0.01
DELIVERED_SHARE = {"sms": 0.96, "email": 0.93, "letter": 0.97}

# Calls: reached the debtor (right-party outcomes) or not; shares in percent of all calls.
REACHED = {"right_party_contact": 18, "promise_to_pay": 10, "refused_to_pay": 3, "dispute_raised": 1}
NOT_REACHED = {"no_answer": 45, "busy": 8, "voicemail": 10, "wrong_number": 3, "third_party_contact": 2}
VISIT_REACH = 0.55
VISIT_NOT_REACHED = {"no_answer": 25, "third_party_contact": 20}
PROMISE_WINDOW_DAYS = 7           # a promise is kept when the customer pays within this many days,
PROMISE_LIFT_IMMINENT = 1.5       # and promises are this much more likely then ...
PROMISE_LIFT_FAR = 0.58           # ... and this much less likely otherwise
CURE_WINDOW_DAYS = 3              # curing-after-contact customers are called and reached just before paying
CURE_CALL_PROB = 0.7
CURE_REACH_LIFT = 1.5

DURATION = {   # seconds, (min, max); blank for SMS, e-mail and letters
    "no_answer": (0, 0), "busy": (0, 0), "voicemail": (15, 60), "wrong_number": (10, 60),
    "right_party_contact": (60, 480), "third_party_contact": (20, 120), "promise_to_pay": (120, 600),
    "refused_to_pay": (30, 300), "dispute_raised": (120, 900),
}
VISIT_DURATION = (600, 3600)
HOURS = {"call": (9, 20), "sms": (9, 11), "email": (8, 10), "letter": (10, 16), "visit": (10, 18)}


@dataclass
class Contacts:
    loan: np.ndarray
    seq: np.ndarray             # per loan, in time order: attempt_id = loan serial + seq
    agent: np.ndarray           # index into the roster, -1 for automated contact
    channel: np.ndarray         # int8 index into CHANNELS
    day: np.ndarray
    second: np.ndarray
    duration: np.ndarray        # -1 = blank
    outcome: np.ndarray         # int8 index into OUTCOMES
    promise_amount: np.ndarray  # cents, -1 = blank
    promise_day: np.ndarray     # NEVER = blank


@dataclass
class Overdue:
    """One overdue spell per row, with what contact needs to know about it."""
    loan: np.ndarray
    since: np.ndarray        # due day of the oldest overdue instalment
    first: np.ndarray
    last: np.ndarray
    settled: np.ndarray      # day the customer pays, NEVER if they do not
    owed: np.ndarray         # amount of that instalment, cents
    part_day: np.ndarray     # day part of it was paid already (NEVER if not) ...
    part_amount: np.ndarray  # ... and how much
    curing: np.ndarray       # customer cures after contact
    english: np.ndarray      # customer prefers English


def _at(dpds: tuple[int, ...], dpd: np.ndarray) -> np.ndarray:
    table = np.zeros(max(dpds) + 2, bool)
    table[list(dpds)] = True
    return table[np.minimum(dpd, len(table) - 1)]


def _pick(rng: np.random.Generator, weights: dict[str, float], n: int) -> np.ndarray:
    p = np.fromiter(weights.values(), dtype=np.float64)
    codes = np.array([OUTCOMES.index(name) for name in weights], dtype=np.int8)
    return codes[rng.choice(len(p), n, p=p / p.sum())]


def _conversation(rng: np.random.Generator, reach: np.ndarray, skill: np.ndarray, imminent: np.ndarray,
                  not_reached: dict[str, float]) -> np.ndarray:
    """Outcome of calls or visits: reached with probability reach*skill, then a promise (more likely
    when the customer will pay within the promise window), else another right-party outcome."""
    n = len(reach)
    reached = rng.random(n) < np.minimum(reach * skill, 0.95)
    lift = np.where(imminent, PROMISE_LIFT_IMMINENT, PROMISE_LIFT_FAR)
    promise_share = REACHED["promise_to_pay"] / sum(REACHED.values()) * skill * lift
    others = {k: v for k, v in REACHED.items() if k != "promise_to_pay"}
    outcome = np.where(rng.random(n) < np.minimum(promise_share, 0.9), PROMISE, _pick(rng, others, n))
    return np.where(reached, outcome, _pick(rng, not_reached, n)).astype(np.int8)


def _plan(rng: np.random.Generator, dpd: np.ndarray, cure: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which overdue days get which contact: (index into the days, channel) per attempt."""
    n = len(dpd)
    stage = np.searchsorted(STAGE_LAST_DPD, dpd)
    call = rng.random(n) < np.where(cure, CURE_CALL_PROB, CALL_PROB[stage])
    chosen = {
        "call": np.concatenate([np.flatnonzero(call), np.flatnonzero(call & (rng.random(n) < SECOND_CALL_SHARE))]),
        "sms": np.flatnonzero(_at(SMS_DPD, dpd)),
        "email": np.flatnonzero(_at(EMAIL_DPD, dpd)),
        "letter": np.flatnonzero(_at(LETTER_DPD, dpd)),
        "visit": np.flatnonzero((dpd >= VISIT_DPD[0]) & (dpd <= VISIT_DPD[1]) & (rng.random(n) < VISIT_PROB)),
    }
    channel = np.repeat([CHANNELS.index(c) for c in chosen], [len(v) for v in chosen.values()]).astype(np.int8)
    return np.concatenate(list(chosen.values())), channel


def _outcomes(rng: np.random.Generator, channel: np.ndarray, stage: np.ndarray, cure: np.ndarray,
              imminent: np.ndarray, english: np.ndarray, roster: agents.Roster):
    """Outcome, agent (-1 for automated contact) and duration (-1 = blank) of each attempt."""
    n = len(channel)
    outcome = np.zeros(n, np.int8)
    for name, share in DELIVERED_SHARE.items():
        mine = np.flatnonzero(channel == CHANNELS.index(name))
        outcome[mine] = np.where(rng.random(len(mine)) < share, OUTCOMES.index("delivered"), OUTCOMES.index("failed"))
    agent = np.full(n, -1, np.int64)
    duration = np.full(n, -1, np.int32)
    call_duration = np.array([DURATION.get(o, (0, 0)) for o in OUTCOMES])
    for name, reach, not_reached in (("call", sum(REACHED.values()) / 100, NOT_REACHED),
                                     ("visit", VISIT_REACH, VISIT_NOT_REACHED)):
        mine = np.flatnonzero(channel == CHANNELS.index(name))
        team = stage[mine] if name == "call" else np.maximum(stage[mine], 1)   # visits: middle and late teams
        agent[mine] = agents.assign(rng, roster, team, english[mine])
        lift = np.where(cure[mine], CURE_REACH_LIFT, 1.0)
        outcome[mine] = _conversation(rng, reach * lift, roster.skill[agent[mine]], imminent[mine], not_reached)
        low, high = call_duration[outcome[mine]].T if name == "call" else VISIT_DURATION
        duration[mine] = low + (rng.random(len(mine)) * (high - low + 1)).astype(np.int32)
    return outcome, agent, duration


def attempts(rng: np.random.Generator, overdue: Overdue, roster: agents.Roster) -> Contacts:
    """Contact attempts on every overdue day of every spell (not yet numbered; see number())."""
    length = overdue.last - overdue.first + 1
    spell = np.repeat(np.arange(len(length)), length)
    day = overdue.first[spell] + (np.arange(len(spell)) - offsets(length)[spell]).astype(np.int32)
    dpd = day - 1 - overdue.since[spell]                 # as of yesterday's extract
    until_paid = overdue.settled[spell].astype(np.int64) - day
    cure = overdue.curing[spell] & (until_paid >= 0) & (until_paid <= CURE_WINDOW_DAYS)
    which, channel = _plan(rng, dpd, cure)
    s, day, dpd, until_paid = spell[which], day[which], dpd[which], until_paid[which]
    imminent = (until_paid >= 0) & (until_paid <= PROMISE_WINDOW_DAYS)
    outcome, agent, duration = _outcomes(rng, channel, np.searchsorted(STAGE_LAST_DPD, dpd), cure[which],
                                         imminent, overdue.english[s], roster)

    # Promises: kept ones are dated on or after the payment, broken ones before it.
    n = len(which)
    promise = outcome == PROMISE
    owed = overdue.owed[s] - np.where(overdue.part_day[s] < day, overdue.part_amount[s], 0)
    kept_day = np.maximum(overdue.settled[s], day + 1) + rng.integers(0, 3, n)
    promise_day = np.where(imminent, kept_day, day + rng.integers(1, PROMISE_WINDOW_DAYS + 1, n))
    hours = np.array([HOURS[c] for c in CHANNELS])[channel] * 3600
    return Contacts(
        loan=overdue.loan[s], seq=np.zeros(n, np.int32), agent=agent, channel=channel, day=day,
        second=(hours[:, 0] + rng.random(n) * (hours[:, 1] - hours[:, 0])).astype(np.int32),
        duration=duration, outcome=outcome,
        promise_amount=np.where(promise, owed, -1).astype(np.int64),
        promise_day=np.where(promise, promise_day, NEVER).astype(np.int32),
    )


def number(contacts: Contacts) -> Contacts:
    """Sort by loan and time and number each loan's attempts 1, 2, ..."""
    contacts = take(contacts, order_by(contacts.loan, contacts.day, contacts.second))
    contacts.seq = rank_within(contacts.loan).astype(np.int32) + 1
    return contacts
