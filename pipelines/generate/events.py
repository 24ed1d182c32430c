"""When an event reaches the extract: usually the day it is booked, sometimes later.

The contract allows both quirks real core systems have: an event delivered a few days after it
was booked (late arrival, so with an earlier value date than the extract's), and an event
delivered a second time, identical, in a later extract (loading must be idempotent).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .dates import NEVER

LATE_ARRIVAL_SHARE = 0.005
LATE_ARRIVAL_DAYS = (1, 3)
DUPLICATE_SHARE = 0.003
DUPLICATE_AFTER_DAYS = (1, 5)


@dataclass
class Delivery:
    day: np.ndarray     # extract the event is first delivered in
    again: np.ndarray   # extract it is delivered in a second time, NEVER if not


def deliver(rng: np.random.Generator, booked_day: np.ndarray) -> Delivery:
    n = len(booked_day)
    late = rng.random(n) < LATE_ARRIVAL_SHARE
    day = booked_day + np.where(late, rng.integers(*LATE_ARRIVAL_DAYS, n, endpoint=True), 0)
    twice = rng.random(n) < DUPLICATE_SHARE
    again = np.where(twice, day + rng.integers(*DUPLICATE_AFTER_DAYS, n, endpoint=True), NEVER)
    return Delivery(day.astype(np.int32), again.astype(np.int32))


def in_extract(delivery: Delivery, day: int, initial: bool) -> np.ndarray:
    """Events in the extract of `day`. The initial full load holds everything delivered so far,
    once (an event's duplicate is only ever sent in a later extract than the event)."""
    if initial:
        return delivery.day <= day
    return (delivery.day == day) | (delivery.again == day)
