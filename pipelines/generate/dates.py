"""Business days as integers (days since 1970-01-01), the unit every array in the generator uses.

Every calendar day is a business date: consumer lenders take payments, call and post the ledger
seven days a week, so there is no holiday calendar to model.
"""
from __future__ import annotations

import datetime as dt

import numpy as np

EPOCH = dt.date(1970, 1, 1)
NEVER = np.int32(2**30)   # "no such day" (not paid, not closed); far beyond any horizon, no overflow
DAY_SECONDS = 86_400


def to_day(date: dt.date) -> int:
    return (date - EPOCH).days


def _add_months(day: np.ndarray, months: np.ndarray) -> np.ndarray:
    dates = day.astype("datetime64[D]")
    month = dates.astype("datetime64[M]")
    day_of_month = (dates - month.astype("datetime64[D]")).astype(np.int64)
    target = month + months.astype("timedelta64[M]")
    month_length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(np.int64)
    due = target.astype("datetime64[D]") + np.minimum(day_of_month, month_length - 1).astype("timedelta64[D]")
    return due.astype(np.int64).astype(np.int32)


def add_months(day: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Same day of month `months` later, clamped to the month's last day (Jan 31 + 1 -> Feb 28/29)."""
    day = np.asarray(day, dtype=np.int64)
    months = np.asarray(months, dtype=np.int64)
    if day.size == 0:
        return day.astype(np.int32)
    first, span, most = day.min(), day.max() - day.min() + 1, months.max() + 1
    if span * most >= day.size:
        return _add_months(day, months)
    # Many rows, few distinct (day, months) pairs: compute a lookup table once.
    table = _add_months(np.arange(first, first + span)[:, None], np.arange(most)[None, :])
    return table[day - first, months]
