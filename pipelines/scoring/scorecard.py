"""A points scorecard: each feature cut into bins, each bin worth its weight of evidence (WOE),
a logistic regression on the WOE values, and every bin's share of the log-odds exported as data.

The model is the table `rows()` returns — one row per feature bin plus a `(base)` row — never a
pickle: dbt scores with it in SQL (int_score_card, collection_scores), and `logits()` here applies
the very same table, so training, evaluation and the nightly run agree.

Binning: quantile cut points on the training rows (at most MAX_BINS bins, each with at least
MIN_BIN_SHARE of the rows and MIN_BIN_ROWS rows), then neighbouring bins are merged until their WOE is monotone in the
feature (a scorecard whose points zig-zag with a feature is hard to explain and rarely true).
Features whose information value is below MIN_IV are left out.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

MAX_BINS = 48           # fine enough for DPD, the strongest feature, to rank within the first month
MIN_BIN_SHARE = 0.015   # ... and beyond DPD 90, a small share of the training rows (docs/scoring.md)
MIN_BIN_ROWS = 30       # and never fewer rows than this in a bin (small books)
MIN_IV = 0.01
SMOOTHING = 0.5          # added to each bin's counts so an all-good or all-bad bin has a finite WOE
REGULARISATION_C = 1.0   # scikit-learn's inverse L2 strength
BASE_SCORE = 500         # score at even odds of paying
POINTS_TO_DOUBLE_ODDS = 40
FACTOR = POINTS_TO_DOUBLE_ODDS / math.log(2)
BASE = "(base)"


@dataclass
class FeatureBins:
    feature: str
    edges: list[float]                 # inner cut points, ascending; bin i = [edges[i-1], edges[i])
    woe: list[float]
    iv: float

    def index(self, values: np.ndarray) -> np.ndarray:
        return np.searchsorted(np.asarray(self.edges, dtype=float), values, side="right")


@dataclass
class Scorecard:
    version: str
    bins: list[FeatureBins]
    coefficients: dict[str, float]
    intercept: float
    dropped: dict[str, str] = field(default_factory=dict)   # feature -> why it is not used

    @property
    def features(self) -> list[str]:
        return [b.feature for b in self.bins]

    def rows(self) -> list[dict]:
        """The scorecard as data: model_version, feature, bin_no, lower_bound, upper_bound, logit, points."""
        out = [{"model_version": self.version, "feature": BASE, "bin_no": 0, "lower_bound": None,
                "upper_bound": None, "logit": round(self.intercept, 6),
                "points": round(BASE_SCORE + FACTOR * self.intercept, 4)}]
        for fb in self.bins:
            bounds = [None, *fb.edges, None]
            for i, woe in enumerate(fb.woe):
                logit = round(self.coefficients[fb.feature] * woe, 6)
                out.append({"model_version": self.version, "feature": fb.feature, "bin_no": i,
                            "lower_bound": bounds[i], "upper_bound": bounds[i + 1],
                            "logit": logit, "points": round(FACTOR * logit, 4)})
        return out


def logits(card_rows: pd.DataFrame, frame: pd.DataFrame) -> np.ndarray:
    """Log-odds of paying for each row of `frame` under a scorecard table (as `Scorecard.rows()`),
    bin by bin exactly as collection_scores does in SQL (rounded logits summed)."""
    base = card_rows[card_rows.feature == BASE]
    total = np.full(len(frame), float(base.logit.iloc[0]))
    for feature, bins in card_rows[card_rows.feature != BASE].groupby("feature"):
        bins = bins.sort_values("bin_no")
        edges = bins.lower_bound.iloc[1:].astype(float).to_numpy()
        idx = np.searchsorted(edges, frame[feature].astype(float).to_numpy(), side="right")
        total += bins.logit.astype(float).to_numpy()[idx]
    return total


def probability(logit: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-logit))


def _woe(good: np.ndarray, bad: np.ndarray) -> tuple[np.ndarray, float]:
    g = (good + SMOOTHING) / (good.sum() + SMOOTHING * len(good))
    b = (bad + SMOOTHING) / (bad.sum() + SMOOTHING * len(bad))
    woe = np.log(g / b)
    return woe, float(((g - b) * woe).sum())


def bin_feature(name: str, x: np.ndarray, y: np.ndarray) -> FeatureBins:
    """Quantile bins merged until monotone in WOE (direction: the sign of the rank correlation)."""
    quantiles = np.unique(np.quantile(x, np.linspace(0, 1, MAX_BINS + 1)[1:-1], method="lower"))
    edges = [float(q) for q in quantiles if q > x.min()]
    # each bin at least MIN_BIN_SHARE of the rows
    while edges:
        counts = np.bincount(np.searchsorted(edges, x, side="right"), minlength=len(edges) + 1)
        small = int(np.argmin(counts))
        if counts[small] >= max(MIN_BIN_SHARE * len(x), MIN_BIN_ROWS):
            break
        edges.pop(min(small, len(edges) - 1))   # merge it into a neighbour
    if np.all(x == x[0]):
        return FeatureBins(name, [], [0.0], 0.0)      # constant: nothing to learn from
    correlation = pd.Series(x).corr(pd.Series(y), method="spearman")
    direction = 1.0 if np.isnan(correlation) or correlation >= 0 else -1.0
    while True:
        idx = np.searchsorted(edges, x, side="right")
        good = np.bincount(idx, weights=y, minlength=len(edges) + 1)
        total = np.bincount(idx, minlength=len(edges) + 1)
        woe, iv = _woe(good, total - good)
        steps = np.diff(woe) * direction
        if not len(edges) or (steps >= 0).all():
            return FeatureBins(name, edges, [float(w) for w in woe], iv)
        edges.pop(int(np.argmin(steps)))     # merge the pair that breaks the trend most


def fit(frame: pd.DataFrame, label: str, features: list[str], version: str) -> Scorecard:
    y = frame[label].astype(int).to_numpy()
    bins, dropped = [], {}
    for name in features:
        fb = bin_feature(name, frame[name].astype(float).to_numpy(), y)
        if len(fb.edges) == 0 or fb.iv < MIN_IV:
            dropped[name] = f"information value {fb.iv:.3f} below {MIN_IV}"
        else:
            bins.append(fb)
    matrix = np.column_stack([np.asarray(fb.woe)[fb.index(frame[fb.feature].astype(float).to_numpy())]
                              for fb in bins])
    from sklearn.linear_model import LogisticRegression  # here: scoring a night needs no scikit-learn (3 s import)

    model = LogisticRegression(C=REGULARISATION_C, max_iter=1000).fit(matrix, y)
    coefficients = {fb.feature: float(c) for fb, c in zip(bins, model.coef_[0])}
    # a negative weight on WOE would turn a bin's evidence upside down: refit without the worst such
    # feature (one at a time: its partner in a correlated pair often recovers once it is gone)
    worst = min(coefficients, key=coefficients.get)
    if coefficients[worst] <= 0:
        card = fit(frame, label, [f for f in features if f != worst and f not in dropped], version)
        card.dropped.update(dropped)
        card.dropped[worst] = "weight against its own evidence next to the other features"
        return card
    return Scorecard(version, bins, coefficients, float(model.intercept_[0]), dropped)
