"""The policy's `scoring:` section: what the collection score means and how bands are drawn.

    scoring:
      outcome_days: 30          # probability_to_pay: paid what was overdue within this many days
      reason_codes: 3           # reason codes per score
      risk_bands:               # by probability_to_pay, highest minimum first; the last minimum is 0
        - {band: low, min_probability: "0.60"}
        - {band: medium, min_probability: "0.30"}
        - {band: high, min_probability: "0.00"}
      promotion:                # when weekly training promotes its challenger
        max_dpd: 30             # compare holdout AUC on the loans up to this DPD (0: every overdue loan)
        min_auc_gain: "0.000"   # the challenger must beat the model in force by more than this
      complete_history:         # which month ends training trusts (docs/scoring.md)
        write_off_quantile: "0.05"   # the write-off age (DPD) that at most this share of write-offs came before
      segments:                 # DPD ranges with their own DPD and amount rows, lowest first; the last has no max_dpd
        - {segment: early, max_dpd: 30}
        - {segment: middle, max_dpd: 90}
        - {segment: late}
      segment_fit:              # a segment gets its own rows only with this much training data, else the pooled card
        min_examples: 100
        min_each_outcome: 10    # payers, and as many non-payers

Validated here (one line naming the file and key, exit 64), passed to dbt as the vars
score_outcome_days, score_reason_codes, score_risk_bands and score_write_off_quantile (promotion and segments are read
by training only: the trained card carries its segments' DPD ranges as data). A missing section or key means the defaults above (DEFAULT); the dbt models
have no defaults of their own: every dbt run gets these vars from the policy.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from pipelines.policy import PolicyChecker

KEYS = ("outcome_days", "reason_codes", "risk_bands", "promotion", "complete_history", "segments", "segment_fit")
BAND = re.compile(r"^[a-z][a-z0-9_]*$")
DEFAULT = {
    "outcome_days": 30,
    "reason_codes": 3,
    "risk_bands": [{"band": "low", "min_probability": "0.60"}, {"band": "medium", "min_probability": "0.30"},
                   {"band": "high", "min_probability": "0.00"}],
    "promotion": {"max_dpd": 30, "min_auc_gain": "0.000"},
    "complete_history": {"write_off_quantile": "0.05"},
    "segments": [{"segment": "early", "max_dpd": 30}, {"segment": "middle", "max_dpd": 90}, {"segment": "late"}],
    "segment_fit": {"min_examples": 100, "min_each_outcome": 10},
}


@dataclass(frozen=True)
class Segment:
    """A DPD range with its own card: min_dpd <= dpd <= max_dpd, None = open."""
    name: str
    min_dpd: int | None
    max_dpd: int | None

    def mask(self, dpd):
        """Which of the DPD values (an array) fall in the segment."""
        import numpy as np  # here: loading the policy needs no numpy

        dpd = np.asarray(dpd, dtype=float)
        return ((dpd >= self.min_dpd) if self.min_dpd is not None else np.ones(len(dpd), bool)) & \
            ((dpd <= self.max_dpd) if self.max_dpd is not None else True)


@dataclass(frozen=True)
class ScoringPolicy:
    outcome_days: int
    reason_codes: int
    risk_bands: tuple[tuple[str, Decimal], ...]    # (band, minimum probability), highest first
    promotion_max_dpd: int = 30                    # promotion compares AUC on the holdout up to this DPD (0: all)
    promotion_min_auc_gain: Decimal = Decimal(0)   # ... and needs more than this gain over the model in force
    write_off_quantile: Decimal = Decimal("0.05")  # complete history: write-off age at this quantile
    segments: tuple[Segment, ...] = (Segment("all", None, None),)   # DPD ranges, lowest first, covering every DPD
    segment_min_examples: int = 100                # a segment's own rows need this many training examples
    segment_min_each_outcome: int = 10             # ... and this many payers and as many non-payers

    @property
    def band_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.risk_bands)

    def band_for(self, probability: float) -> str:
        return next(name for name, minimum in self.risk_bands if probability >= float(minimum))

    def dbt_vars(self) -> dict[str, Any]:
        return {
            "score_outcome_days": self.outcome_days,
            "score_reason_codes": self.reason_codes,
            "score_risk_bands": [{"band": n, "min_probability": str(m)} for n, m in self.risk_bands],
            "score_write_off_quantile": str(self.write_off_quantile),
        }


def parse_scoring(section: Any, path: Path) -> ScoringPolicy:
    check = PolicyChecker(path)
    section = {**DEFAULT, **check.mapping({} if section is None else section, "scoring", KEYS)}
    bands = section["risk_bands"]
    if not isinstance(bands, list) or not bands:
        raise check.fail("scoring.risk_bands", "must be a non-empty list of {band, min_probability}")
    parsed: list[tuple[str, Decimal]] = []
    for i, band in enumerate(bands):
        key = f"scoring.risk_bands[{i}]"
        band = check.mapping(band, key, ("band", "min_probability"), ("band", "min_probability"))
        name = check.text(band["band"], f"{key}.band", BAND, "a lower-case name (a-z, 0-9, _)")
        minimum = check.decimal(band["min_probability"], f"{key}.min_probability", 4,
                                maximum=Decimal(1), noun="a probability")
        if name in (n for n, _ in parsed):
            raise check.fail(f"{key}.band", f"{name!r} is listed twice")
        if parsed and minimum >= parsed[-1][1]:
            raise check.fail(f"{key}.min_probability",
                             f"{minimum} must be below the band before it ({parsed[-1][1]}): highest first")
        parsed.append((name, minimum))
    if parsed[-1][1] != 0:
        raise check.fail(f"scoring.risk_bands[{len(parsed) - 1}].min_probability",
                         "the last band must start at 0 so every score has a band")
    promotion = {**DEFAULT["promotion"], **check.mapping(section["promotion"], "scoring.promotion",
                                                         ("max_dpd", "min_auc_gain"))}
    history = {**DEFAULT["complete_history"], **check.mapping(section["complete_history"], "scoring.complete_history",
                                                               ("write_off_quantile",))}
    quantile = check.decimal(history["write_off_quantile"], "scoring.complete_history.write_off_quantile", 4,
                             maximum=Decimal("0.5"), noun="a share")
    fit = {**DEFAULT["segment_fit"], **check.mapping(section["segment_fit"], "scoring.segment_fit",
                                                     ("min_examples", "min_each_outcome"))}
    return ScoringPolicy(
        segments=_segments(check, section["segments"]),
        segment_min_examples=check.integer(fit["min_examples"], "scoring.segment_fit.min_examples", 1),
        segment_min_each_outcome=check.integer(fit["min_each_outcome"], "scoring.segment_fit.min_each_outcome", 1),
        outcome_days=check.integer(section["outcome_days"], "scoring.outcome_days", 1, 365),
        reason_codes=check.integer(section["reason_codes"], "scoring.reason_codes", 0, 10),
        risk_bands=tuple(parsed),
        promotion_max_dpd=check.integer(promotion["max_dpd"], "scoring.promotion.max_dpd", 0),
        promotion_min_auc_gain=check.decimal(promotion["min_auc_gain"], "scoring.promotion.min_auc_gain", 4,
                                             maximum=Decimal("0.5"), noun="an AUC gain"),
        write_off_quantile=quantile,
    )


def _segments(check: PolicyChecker, listed: Any) -> tuple[Segment, ...]:
    """scoring.segments: consecutive DPD ranges, lowest first; the first starts at DPD 1 (open below),
    each next one the day after the previous max_dpd, only the last has no max_dpd (open above)."""
    if not isinstance(listed, list) or not listed:
        raise check.fail("scoring.segments", "must be a non-empty list of {segment, max_dpd}")
    out: list[Segment] = []
    for i, item in enumerate(listed):
        key = f"scoring.segments[{i}]"
        last = i == len(listed) - 1
        item = check.mapping(item, key, ("segment", "max_dpd"), ("segment",) if last else ("segment", "max_dpd"))
        name = check.text(item["segment"], f"{key}.segment", BAND, "a lower-case name (a-z, 0-9, _)")
        if name in (s.name for s in out):
            raise check.fail(f"{key}.segment", f"{name!r} is listed twice")
        if last and item.get("max_dpd") is not None:
            raise check.fail(f"{key}.max_dpd", "the last segment has no max_dpd so every DPD has a segment")
        low = out[-1].max_dpd + 1 if out else None
        high = None if last else check.integer(item["max_dpd"], f"{key}.max_dpd", low or 1)
        out.append(Segment(name, low, high))
    return tuple(out)


def check_action_bands(actions, scoring: ScoringPolicy, path: Path) -> None:
    """Every contact action's `risk_bands` names bands of scoring.risk_bands (one line otherwise)."""
    for action in actions:
        for band in action.risk_bands:
            if band not in scoring.band_names:
                key = (f"contact.stages.{action.stage}." + ("challenger." if action.variant == "challenger" else "")
                       + f"actions[{action.order}].risk_bands")
                raise PolicyChecker(path).fail(key, f"{band!r} is not a band of scoring.risk_bands "
                                                    f"({', '.join(scoring.band_names)})")
