"""A loan's whole life, drawn when it is disbursed: when each instalment is paid, whether it
defaults, is restructured, written off or paid off, and the spells during which it is overdue.

Drawing the life up front (instead of stepping every loan through every day) keeps the generator
vectorised; each day's extract then only shows what the ledger knows on that day. Spells follow
the contract's DPD rule: on day t the lender acts on the extract of t-1, so an instalment is the
reason for contact on the days it is the oldest one still unpaid after its due date.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import behaviour
from .arrays import concat, offsets, previous, take
from .dates import NEVER
from .schedule import Schedule, annuity

RESTRUCTURE_SHARE = 0.15                # of defaulted loans, offered a longer schedule in the middle stage
RESTRUCTURE_AFTER_DAYS = (35, 75)       # days past due when the new schedule starts
RESTRUCTURE_LATEST_DPD = 150
RESTRUCTURE_EXTENSION_MONTHS = (6, 12)
REDEFAULT_SHARE = 0.30                  # of restructured loans that stop paying again
WRITE_OFF_DPD = 181                     # written off when more than 180 days past due ...
WRITE_OFF_LAG_DAYS = 10                 # ... at the next write-off run, 0-9 days later


@dataclass
class Loans:
    """What lifecycle() needs to know about each loan."""
    disbursed: np.ndarray   # int32 day
    principal: np.ndarray   # int64 cents
    rate_bp: np.ndarray
    months: np.ndarray
    fee: np.ndarray         # int64 cents per instalment
    segment: np.ndarray     # int8 behaviour segment of the customer
    stop_day: np.ndarray    # int32 day the customer stops paying for good (death, bankruptcy) or NEVER


@dataclass
class Outcome:
    """Per loan."""
    restructured_on: np.ndarray
    written_off_on: np.ndarray
    closed_on: np.ndarray
    maturity_original: np.ndarray
    maturity: np.ndarray          # of the final schedule
    default_row: np.ndarray       # row (in Life.rows) of the first instalment never paid, -1 if none
    default_due: np.ndarray       # its due day, NEVER if none


@dataclass
class Rows(Schedule):
    """Instalment rows of every schedule version, loan by loan, in the order a snapshot lists them."""
    valid_from: np.ndarray        # the row is in the loan's schedule from this day ...
    valid_to: np.ndarray          # ... until the day before this one (NEVER: in the final schedule)
    paid_on: np.ndarray           # day the row is settled; NEVER if it never is or was superseded


@dataclass
class Spells:
    """Days first..last on which rows[row] is the loan's oldest overdue instalment."""
    loan: np.ndarray
    row: np.ndarray
    first: np.ndarray
    last: np.ndarray
    settled: np.ndarray           # day a payment ends the spell; NEVER if write-off or restructuring does


@dataclass
class Life:
    outcome: Outcome
    rows: Rows
    spells: Spells

    def select(self, keep: np.ndarray) -> "Life":
        """The lives of the loans where keep is True, renumbered 0..keep.sum()-1 in order."""
        renumber = np.cumsum(keep) - 1
        keep_rows = keep[self.rows.loan]
        rows = take(self.rows, keep_rows)
        rows.loan = renumber[rows.loan]
        spells = take(self.spells, keep[self.spells.loan])
        spells.loan = renumber[spells.loan]
        row_renumber = np.cumsum(keep_rows) - 1
        spells.row = row_renumber[spells.row]
        outcome = take(self.outcome, keep)
        outcome.default_row = np.where(outcome.default_row >= 0, row_renumber[outcome.default_row], -1)
        return Life(outcome, rows, spells)


def lifecycle(rng: np.random.Generator, loans: Loans) -> Life:
    n = len(loans.disbursed)
    original = annuity(loans.principal, loans.rate_bp, loans.months, loans.fee, loans.disbursed)
    k = np.arange(len(original.loan)) - offsets(loans.months)[original.loan]

    # Where payments stop: a drawn default, or the customer's death or bankruptcy.
    due_before_stop = np.bincount(original.loan, original.due <= loans.stop_day[original.loan], minlength=n)
    stop = np.minimum(behaviour.default_row(rng, loans.segment, loans.months), due_before_stop.astype(np.int32))
    paid = behaviour.pay_days(rng, original.loan, original.due, loans.segment[original.loan],
                              k >= stop[original.loan], previous(original.due, original.loan, loans.disbursed))
    restructure_on, last_paid = _restructuring(rng, loans, original, stop, paid)
    restructured = restructure_on < NEVER
    rs = np.flatnonzero(restructured)

    # The new schedule: the unpaid principal (overdue interest is waived) over the remaining
    # months plus an extension, numbered on from the first unpaid instalment.
    unpaid_principal = np.bincount(original.loan, np.where(k >= stop[original.loan], original.principal, 0),
                                   minlength=n).astype(np.int64)
    new_months = loans.months[rs] - stop[rs] + rng.choice(RESTRUCTURE_EXTENSION_MONTHS, len(rs))
    new = annuity(unpaid_principal[rs], loans.rate_bp[rs], new_months, loans.fee[rs], restructure_on[rs],
                  first_no=stop[rs] + 1)
    new_k = new.no - (stop[rs] + 1)[new.loan]
    new.loan = rs[new.loan]
    redefault = np.where(rng.random(len(rs)) < REDEFAULT_SHARE, behaviour.default_instalment(rng, new_months),
                         new_months)
    new_paid = behaviour.pay_days(rng, new.loan, new.due, np.full(len(new.loan), behaviour.AFTER_RESTRUCTURE),
                                  new_k >= np.repeat(redefault, new_months),
                                  previous(new.due, new.loan, restructure_on))

    superseded = restructured[original.loan] & (k >= stop[original.loan])
    old = Rows(**vars(original), valid_from=np.zeros(len(k), np.int32),
               valid_to=np.where(superseded, restructure_on[original.loan], NEVER).astype(np.int32),
               paid_on=np.where(superseded, NEVER, paid).astype(np.int32))
    replacement = Rows(**vars(new), valid_from=restructure_on[new.loan].astype(np.int32),
                       valid_to=np.full(len(new.loan), NEVER, np.int32), paid_on=new_paid)
    both = concat([old, replacement])
    order = np.argsort(both.loan, kind="stable")     # the replacement rows follow the loan's old rows
    rows = take(both, order)
    position = np.empty(len(order), np.int64)
    position[order] = np.arange(len(order))
    # The superseded instalment that was oldest overdue when the loan was restructured.
    restructure_spell_row = np.zeros(len(order), bool)
    restructure_spell_row[position[np.flatnonzero(superseded & (k == stop[original.loan]))]] = True

    outcome = _outcome(rng, rows, n, restructure_on)
    return Life(outcome, rows, _spells(rows, outcome, restructure_spell_row, last_paid, n))


def _restructuring(rng: np.random.Generator, loans: Loans, original: Schedule, stop: np.ndarray,
                   paid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Day some defaulted loans get a new schedule (NEVER for the others), in the middle stage
    and after the last instalment paid; also returns that last payment day (or the disbursement)."""
    n = len(stop)
    stop_row = offsets(loans.months) + np.minimum(stop, loans.months - 1)
    last_paid = np.where(stop > 0, paid[np.maximum(stop_row - 1, 0)], loans.disbursed)
    since = original.due[stop_row]
    day = np.maximum(since + rng.integers(*RESTRUCTURE_AFTER_DAYS, n, endpoint=True), last_paid + 1)
    chosen = ((stop < loans.months) & (rng.random(n) < RESTRUCTURE_SHARE) & (loans.stop_day == NEVER)
              & (day <= since + RESTRUCTURE_LATEST_DPD))
    return np.where(chosen, day, NEVER).astype(np.int32), last_paid


def _outcome(rng: np.random.Generator, rows: Rows, n: int, restructure_on: np.ndarray) -> Outcome:
    final = rows.valid_to == NEVER
    unpaid = np.flatnonzero(final & (rows.paid_on == NEVER))
    default_row = np.full(n, len(rows.loan), np.int64)
    np.minimum.at(default_row, rows.loan[unpaid], unpaid)
    defaulted = default_row < len(rows.loan)
    default_row[~defaulted] = -1
    default_due = np.where(defaulted, rows.due[default_row], NEVER).astype(np.int32)
    last_paid = np.zeros(n, np.int32)
    np.maximum.at(last_paid, rows.loan[final], rows.paid_on[final])
    maturity = np.zeros(n, np.int32)
    np.maximum.at(maturity, rows.loan[final], rows.due[final])
    original = rows.valid_from == 0
    maturity_original = np.zeros(n, np.int32)
    np.maximum.at(maturity_original, rows.loan[original], rows.due[original])
    write_off = default_due + WRITE_OFF_DPD + rng.integers(0, WRITE_OFF_LAG_DAYS, n)
    return Outcome(
        restructured_on=restructure_on,
        written_off_on=np.where(defaulted, write_off, NEVER).astype(np.int32),
        closed_on=np.where(defaulted, NEVER, last_paid).astype(np.int32),
        maturity_original=maturity_original, maturity=maturity, default_row=default_row, default_due=default_due,
    )


def _spells(rows: Rows, outcome: Outcome, restructure_spell_row: np.ndarray, last_paid: np.ndarray,
            n: int) -> Spells:
    final = rows.valid_to == NEVER
    prev_paid = np.full(len(rows.loan), -NEVER, np.int32)
    prev_paid[final] = previous(rows.paid_on[final], rows.loan[final], np.full(n, -NEVER, np.int32))
    write_off = outcome.written_off_on[rows.loan]
    first = np.maximum(rows.due + 2, prev_paid + 1)
    last = np.minimum(rows.paid_on, write_off)
    settled = np.where(rows.paid_on <= write_off, rows.paid_on, NEVER)
    pre = restructure_spell_row
    first[pre] = np.maximum(rows.due[pre] + 2, last_paid[rows.loan[pre]] + 1)
    last[pre] = outcome.restructured_on[rows.loan[pre]]
    settled[pre] = NEVER
    spell = np.flatnonzero((final | pre) & (first <= last))
    return Spells(loan=rows.loan[spell], row=spell, first=first[spell].astype(np.int32),
                  last=last[spell].astype(np.int32), settled=settled[spell].astype(np.int32))
