"""How customers pay: behaviour segments and the day each instalment is paid.

Lateness is calibrated against the Home Credit sample in ../shared/realdata: the days-late of the
late payments follow its empirical distribution (inverse CDF below), and a segment bends that
distribution towards short or long lateness (u -> u**skew) and sets how often it is late at all.
The shares and probabilities were tuned until calibration_report() on generated books matched
the sample (see docs/generator.md).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .dates import NEVER


@dataclass(frozen=True)
class Segment:
    name: str
    share: float          # of customers
    late_prob: float      # per instalment
    skew: float           # >1 shorter lateness, <1 longer
    default_prob: float   # per loan: stops paying at some instalment
    bankruptcy_prob: float
    risk_premium_bp: int  # priced in at origination
    risk_tier: int        # 0 low, 1 high, 2 defaulting: how likely cease-contact and hardship flags are


SEGMENTS = (
    Segment("on_time", 0.60, 0.01, 1.0, 0.0, 0.0002, 0, 0),
    Segment("sometimes_late", 0.22, 0.125, 1.2, 0.005, 0.0005, 100, 0),
    Segment("chronically_late", 0.07, 0.45, 0.9, 0.06, 0.003, 300, 1),
    Segment("curing_after_contact", 0.06, 0.35, 1.0, 0.02, 0.002, 200, 1),
    Segment("defaulting", 0.05, 0.20, 1.0, 0.85, 0.03, 400, 2),
)
DECEASED_PROB = 0.0005
STOP_EVENT_AFTER_DAYS = (60, 900)   # after the customer's first loan
SEGMENT_CODES = {s.name: code for code, s in enumerate(SEGMENTS)}
CURING = SEGMENT_CODES["curing_after_contact"]
AFTER_RESTRUCTURE = SEGMENT_CODES["sometimes_late"]   # a restructured loan that pays, pays like this

# Home Credit sample: cumulative share of late payments paid within N days of the due date.
LATE_DAYS_CDF = (
    (1, 0.250), (2, 0.384), (3, 0.475), (4, 0.543), (5, 0.596), (6, 0.659), (7, 0.697), (8, 0.719),
    (9, 0.750), (10, 0.767), (12, 0.797), (14, 0.840), (16, 0.854), (18, 0.871), (20, 0.891),
    (22, 0.913), (24, 0.931), (26, 0.943), (27, 0.952), (28, 0.963), (30, 0.976), (31, 0.981),
    (35, 0.987), (73, 0.990), (135, 1.0),
)
# ... and of the payments made on time, the share made within N days before the due date.
EARLY_DAYS_CDF = (
    (0, 0.210), (1, 0.258), (2, 0.304), (3, 0.347), (5, 0.426), (7, 0.497), (10, 0.599), (14, 0.718),
    (20, 0.827), (25, 0.877), (30, 1.0),
)


def _inverse_cdf(table: tuple, u: np.ndarray) -> np.ndarray:
    days, cdf = (np.array(col, dtype=np.float64) for col in zip(*table))
    return np.ceil(np.interp(u, cdf, days)).astype(np.int32)


def draw_segments(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.choice(len(SEGMENTS), size=n, p=[s.share for s in SEGMENTS]).astype(np.int8)


def stop_events(rng: np.random.Generator, first_day: np.ndarray, segment: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Day a customer dies or goes bankrupt (NEVER mostly) and which (1 deceased, 2 bankruptcy, 0 none).

    From that day on the customer pays nothing, on any loan.
    """
    n = len(first_day)
    u = rng.random(n)
    kind = np.where(u < DECEASED_PROB, 1, np.where(u < DECEASED_PROB + segment_table("bankruptcy_prob", segment), 2, 0))
    day = np.where(kind > 0, first_day + rng.integers(*STOP_EVENT_AFTER_DAYS, n), NEVER)
    return day.astype(np.int32), kind.astype(np.int8)


def segment_table(field: str, segment: np.ndarray) -> np.ndarray:
    """A Segment attribute per row, e.g. segment_table("late_prob", segment)."""
    return np.array([getattr(s, field) for s in SEGMENTS])[segment]


def default_instalment(rng: np.random.Generator, months: np.ndarray) -> np.ndarray:
    """Instalment index (0-based) a default starts at: early in a loan's life more often than late."""
    return np.minimum(np.floor(rng.exponential(0.35 * months)), months - 1).astype(np.int32)


def default_row(rng: np.random.Generator, segment: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Instalment index (0-based) from which a loan is never paid; `months` means it is paid off."""
    defaults = rng.random(len(segment)) < segment_table("default_prob", segment)
    return np.where(defaults, default_instalment(rng, months), months).astype(np.int32)


def lateness(rng: np.random.Generator, segment: np.ndarray) -> np.ndarray:
    """Days after the due date an instalment is paid (0 or negative = on time or early)."""
    n = len(segment)
    late = rng.random(n) < segment_table("late_prob", segment)
    late_days = _inverse_cdf(LATE_DAYS_CDF, rng.random(n) ** segment_table("skew", segment))
    early_days = _inverse_cdf(EARLY_DAYS_CDF, rng.random(n))
    return np.where(late, late_days, -early_days)


def pay_days(rng: np.random.Generator, loan: np.ndarray, due: np.ndarray, segment: np.ndarray,
             unpaid: np.ndarray, floor: np.ndarray) -> np.ndarray:
    """Day each instalment is finally settled, NEVER for unpaid ones.

    Rows are grouped by loan in instalment order. Nobody settles an instalment before an older
    one (payments are allocated oldest first), so the result is a running maximum per loan; an
    early payment is never before `floor` (the previous due date or the disbursement).
    """
    paid = np.maximum(due + lateness(rng, segment), floor + 1)
    paid = np.where(unpaid, NEVER, paid).astype(np.int64)
    # Running maximum within each loan: the loan number in the high bits keeps loans apart.
    keyed = (np.asarray(loan, dtype=np.int64) << 31) | paid
    return (np.maximum.accumulate(keyed) & ((1 << 31) - 1)).astype(np.int32)
