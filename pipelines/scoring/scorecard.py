"""A points scorecard: each feature cut into bins, each bin worth its weight of evidence (WOE),
a logistic regression on the WOE values, and every bin's share of the log-odds exported as data.

The model is the table `rows()` returns — one row per feature bin plus a `(base)` row — never a
pickle: dbt scores with it in SQL (int_score_card, collection_scores), and `logits()` here applies
the very same table, so training, evaluation and the nightly run agree.

Binning: quantile cut points on the training rows (at most MAX_BINS bins, each with at least
MIN_BIN_SHARE of the rows and MIN_BIN_ROWS rows), then neighbouring bins are merged until their WOE is monotone in the
feature (a scorecard whose points zig-zag with a feature is hard to explain and rarely true).
Features whose information value is below MIN_IV are left out.

Segments: collection scores are segmented by delinquency stage (who pays at DPD 100 is not who pays
at DPD 5). `fit_segmented` fits the pooled card on every row, then gives each DPD range of the
policy (scoring.segments) its own base and its own DPD and amount terms, refitted on the range's
rows with the pooled card's other features held fixed, when the range's training rows are enough
(policy scoring.segment_fit: examples, and of each outcome); else the range keeps the pooled card.
Each row of the table names its segment and DPD range, so the exported model stays one table that
SQL applies.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipelines.scoring.policy import Segment

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
SEGMENT_FEATURES = ("dpd", "overdue_amount_value")   # refitted per DPD segment (fit_segmented)
LINEAR_BINS = 64         # bins that carry a segment's linear DPD and amount terms
POOLED = "all"           # the segment name of a card fitted on every row (and of a card without segments)


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

    def rows(self, segment: Segment | None = None) -> list[dict]:
        """The scorecard as data: model_version, segment, min_dpd, max_dpd, feature, bin_no,
        lower_bound, upper_bound, logit, points (one segment: every DPD unless `segment` is given)."""
        segment = segment or Segment(POOLED, None, None)
        head = {"model_version": self.version, "segment": segment.name, "min_dpd": segment.min_dpd,
                "max_dpd": segment.max_dpd}
        out = [{**head, "feature": BASE, "bin_no": 0, "lower_bound": None,
                "upper_bound": None, "logit": round(self.intercept, 6),
                "points": round(BASE_SCORE + FACTOR * self.intercept, 4)}]
        for fb in self.bins:
            bounds = [None, *fb.edges, None]
            for i, woe in enumerate(fb.woe):
                logit = round(self.coefficients[fb.feature] * woe, 6)
                out.append({**head, "feature": fb.feature, "bin_no": i,
                            "lower_bound": bounds[i], "upper_bound": bounds[i + 1],
                            "logit": logit, "points": round(FACTOR * logit, 4)})
        return out


@dataclass
class SegmentedScorecard:
    """One card per segment (its own fit, or the pooled card where the segment's examples are too
    few); `fitted[name]` says which and why."""
    version: str
    pooled: Scorecard
    cards: dict[Segment, Scorecard]
    fitted: dict[str, str]

    @property
    def segments(self) -> list[Segment]:
        return list(self.cards)

    def rows(self) -> list[dict]:
        return [{**row, "model_version": self.version} for segment, card in self.cards.items()
                for row in card.rows(segment)]


def segments_of(card_rows: pd.DataFrame) -> list[tuple[Segment, pd.DataFrame]]:
    """The segments of a scorecard table and each one's rows (a table without segment columns, as
    written before segments existed, is one segment over every DPD)."""
    if "segment" not in card_rows.columns:
        return [(Segment(POOLED, None, None), card_rows)]
    out = []
    for name, rows in card_rows.groupby("segment", sort=False):
        low, high = rows.min_dpd.iloc[0], rows.max_dpd.iloc[0]
        out.append((Segment(str(name), None if pd.isna(low) else int(low), None if pd.isna(high) else int(high)), rows))
    return out


def logits(card_rows: pd.DataFrame, frame: pd.DataFrame) -> np.ndarray:
    """Log-odds of paying for each row of `frame` under a scorecard table (as `Scorecard.rows()` or
    `SegmentedScorecard.rows()`), each row by the card of its DPD segment, bin by bin exactly as
    collection_scores does in SQL (rounded logits summed)."""
    total = np.full(len(frame), np.nan)
    for segment, rows in segments_of(card_rows):
        chosen = segment.mask(frame.dpd.to_numpy()) if len(frame) else np.zeros(0, bool)
        if chosen.any():
            total[chosen] = _card_logits(rows, frame[chosen])
    if np.isnan(total).any():
        raise ValueError(f"the scorecard's segments do not cover DPD {sorted(set(frame.dpd[np.isnan(total)]))[:5]}")
    return total


def _card_logits(card_rows: pd.DataFrame, frame: pd.DataFrame) -> np.ndarray:
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


def fit_segmented(frame: pd.DataFrame, label: str, features: list[str], version: str,
                  segments: list[Segment], min_examples: int, min_each_outcome: int) -> SegmentedScorecard:
    """The pooled card on every row; then, per segment with at least `min_examples` training rows
    and `min_each_outcome` payers and as many non-payers, the pooled card with its own SEGMENT_FEATURES
    (DPD and overdue amount) refitted on the segment's rows; a thinner segment keeps the pooled card."""
    pooled = fit(frame, label, features, version)
    cards, fitted = {}, {}
    y = frame[label].astype(int).to_numpy()
    for segment in segments:
        chosen = segment.mask(frame.dpd.to_numpy())
        rows, payers = int(chosen.sum()), int(y[chosen].sum())
        counts = f"{rows} training examples, {payers} paid"
        if len(segments) > 1 and rows >= min_examples and min(payers, rows - payers) >= min_each_outcome:
            cards[segment] = refit_segment(pooled, frame[chosen], label)
            fitted[segment.name] = f"own {' and '.join(SEGMENT_FEATURES)} rows: {counts}"
        else:
            cards[segment] = pooled
            fitted[segment.name] = f"pooled card: {counts}" + (
                f" (own rows need {min_examples} examples and {min_each_outcome} of each outcome)"
                if len(segments) > 1 else "")
    return SegmentedScorecard(version, pooled, cards, fitted)


def _bin_values(name: str, x: np.ndarray) -> FeatureBins:
    """Fine bins of `x` whose `woe` slot holds the mean value of the bin (a linear term as bins)."""
    quantiles = np.unique(np.quantile(x, np.linspace(0, 1, LINEAR_BINS + 1)[1:-1], method="lower"))
    edges = [float(q) for q in quantiles if q > x.min()]
    idx = np.searchsorted(edges, x, side="right")
    means = np.bincount(idx, weights=x, minlength=len(edges) + 1) / np.bincount(idx, minlength=len(edges) + 1)
    return FeatureBins(name, edges, [float(v) for v in means], 0.0)


def refit_segment(pooled: Scorecard, part: pd.DataFrame, label: str) -> Scorecard:
    """The pooled card for one segment: its other features' bins and weights kept (the offset), its
    intercept and SEGMENT_FEATURES refitted on the segment's rows as linear terms (L2, like `fit`),
    exported as fine bins whose logit is weight x the bin's mean value.

    Why linear: within a DPD stage the pooled card's DPD and amount bins were cut on every stage's
    rows (few cuts beyond DPD 90), and a segment's few payers cannot place bins of their own; two
    slopes and an intercept are what they support (docs/scoring.md, "Segments")."""
    y = part[label].astype(int).to_numpy()
    offset = np.zeros(len(part))
    for fb in pooled.bins:
        if fb.feature not in SEGMENT_FEATURES:
            offset += pooled.coefficients[fb.feature] * np.asarray(fb.woe)[fb.index(part[fb.feature].astype(float).to_numpy())]
    linear = [_bin_values(name, part[name].astype(float).to_numpy()) for name in SEGMENT_FEATURES]
    # the binned values (what SQL will apply), standardised for the penalty
    x = np.column_stack([np.asarray(fb.woe)[fb.index(part[fb.feature].astype(float).to_numpy())] for fb in linear])
    mean, scale = x.mean(axis=0), np.where(x.std(axis=0) > 0, x.std(axis=0), 1.0)
    weights = _logistic_with_offset((x - mean) / scale, y, offset, 1.0 / REGULARISATION_C)
    slopes = weights[1:] / scale
    intercept = float(weights[0] - (slopes * mean).sum())
    bins = [fb for fb in pooled.bins if fb.feature not in SEGMENT_FEATURES] + linear
    coefficients = {**{k: v for k, v in pooled.coefficients.items() if k not in SEGMENT_FEATURES},
                    **{fb.feature: float(w) for fb, w in zip(linear, slopes)}}
    return Scorecard(pooled.version, bins, coefficients, intercept, dict(pooled.dropped))


def _logistic_with_offset(x: np.ndarray, y: np.ndarray, offset: np.ndarray, penalty: float) -> np.ndarray:
    """Intercept and weights of a logistic regression with a fixed offset in the log-odds (Newton
    steps; the L2 penalty spares the intercept)."""
    design = np.column_stack([np.ones(len(x)), x])
    ridge = penalty * np.diag([0.0] + [1.0] * x.shape[1])
    w = np.zeros(design.shape[1])
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(design @ w + offset)))
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + ridge
        step = np.linalg.solve(hessian, design.T @ (y - p) - ridge @ w)
        w += step
        if np.abs(step).max() < 1e-10:
            break
    return w
