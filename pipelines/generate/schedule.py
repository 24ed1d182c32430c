"""Annuity repayment schedules in integer cents.

Each instalment's interest is the outstanding balance times the monthly rate, rounded half up to
the cent; principal is the level payment minus that interest, and the last instalment takes the
whole remaining balance, so principal_due always sums to the principal exactly.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arrays import offsets
from .dates import add_months


@dataclass
class Schedule:
    """Instalment rows of many loans, grouped loan by loan in input order (CSR layout)."""
    loan: np.ndarray        # int64 position of the loan in the arrays passed to annuity()
    no: np.ndarray          # int16 instalment number
    due: np.ndarray         # int32 due day
    principal: np.ndarray   # int64 cents
    interest: np.ndarray    # int64 cents
    fee: np.ndarray         # int64 cents

    @property
    def amount(self) -> np.ndarray:
        return self.principal + self.interest + self.fee


def annuity(principal: np.ndarray, rate_bp: np.ndarray, months: np.ndarray, fee: np.ndarray,
            start_day: np.ndarray, first_no: np.ndarray | int = 1) -> Schedule:
    """Monthly instalments starting one month after start_day, numbered from first_no."""
    principal = np.asarray(principal, dtype=np.int64)
    bp = np.asarray(rate_bp, dtype=np.int64)
    months = np.asarray(months, dtype=np.int64)
    monthly = bp / 120_000.0
    # Level payment rounded to the cent; rounding error lands in the last instalment.
    payment = np.rint(principal * monthly / (1.0 - (1.0 + monthly) ** -months)).astype(np.int64)

    starts = offsets(months)
    loan = np.repeat(np.arange(len(months)), months)
    k = np.arange(len(loan)) - starts[loan]
    interest = np.zeros(len(loan), dtype=np.int64)
    principal_due = np.zeros(len(loan), dtype=np.int64)
    balance = principal.copy()
    for step in range(int(months.max(initial=0))):
        live = np.flatnonzero(months > step)
        owed = balance[live]
        due_interest = (owed * bp[live] + 60_000) // 120_000
        last = months[live] == step + 1
        paid = np.where(last, owed, np.clip(payment[live] - due_interest, 0, owed))
        rows = starts[live] + step
        interest[rows] = due_interest
        principal_due[rows] = paid
        balance[live] = owed - paid
    return Schedule(
        loan=loan,
        no=(np.asarray(first_no)[loan] if np.ndim(first_no) else first_no) + k.astype(np.int16),
        due=add_months(np.asarray(start_day)[loan], k + 1),
        principal=principal_due,
        interest=interest,
        fee=np.asarray(fee, dtype=np.int64)[loan],
    )
