"""The lender's two products and how the terms of a new loan are drawn.

Cash loans are larger, priced higher and come in 3-24 monthly instalments; consumer instalment
loans finance a purchase (phones, appliances), are cheaper, and half of them carry a small monthly
service fee instead of part of the interest, as is common in Chinese instalment finance.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Product:
    name: str
    share: float
    tenors: dict[int, float]           # months -> weight
    median_yuan: float                 # lognormal principal: median and sigma of log
    sigma: float
    min_yuan: int
    max_yuan: int
    step_cents: int                    # principal granularity (cash loans in whole hundreds)
    rate_bp: tuple[int, int]           # annual interest, basis points
    fee_share: float                   # share of loans charged a monthly fee
    fee_bp_month: tuple[int, int]      # monthly fee in basis points of the principal


PRODUCTS = (
    Product("cash_loan", 0.55, {3: 0.06, 6: 0.20, 9: 0.06, 12: 0.34, 18: 0.12, 24: 0.22},
            8_000, 0.8, 1_000, 200_000, 10_000, (900, 2_400), 0.0, (0, 0)),
    Product("consumer_instalment", 0.45, {6: 0.25, 12: 0.40, 18: 0.15, 24: 0.20},
            4_500, 0.7, 500, 80_000, 1, (600, 1_800), 0.5, (10, 50)),
)
PRODUCT_NAMES = [p.name for p in PRODUCTS]
CURRENCY = "CNY"


@dataclass
class Terms:
    product: np.ndarray     # int8 index into PRODUCTS
    principal: np.ndarray   # int64 cents
    months: np.ndarray      # int16
    rate_bp: np.ndarray     # int32
    fee: np.ndarray         # int64 cents per instalment


def draw_terms(rng: np.random.Generator, risk_premium_bp: np.ndarray) -> Terms:
    """Terms for len(risk_premium_bp) new loans; riskier customers pay a higher rate (capped by the product)."""
    n = len(risk_premium_bp)
    product = rng.choice(len(PRODUCTS), size=n, p=[p.share for p in PRODUCTS]).astype(np.int8)
    principal = np.zeros(n, dtype=np.int64)
    months = np.zeros(n, dtype=np.int16)
    rate_bp = np.zeros(n, dtype=np.int32)
    fee = np.zeros(n, dtype=np.int64)
    for code, spec in enumerate(PRODUCTS):
        idx = np.flatnonzero(product == code)
        k = len(idx)
        yuan = np.clip(rng.lognormal(np.log(spec.median_yuan), spec.sigma, k), spec.min_yuan, spec.max_yuan)
        principal[idx] = np.maximum(np.rint(yuan * 100 / spec.step_cents), 1).astype(np.int64) * spec.step_cents
        tenors = np.fromiter(spec.tenors, dtype=np.int16)
        weights = np.fromiter(spec.tenors.values(), dtype=np.float64)
        months[idx] = rng.choice(tenors, size=k, p=weights / weights.sum())
        low, high = spec.rate_bp
        rate_bp[idx] = np.clip(rng.integers(low, high + 1, k) + risk_premium_bp[idx], low, high)
        charged = rng.random(k) < spec.fee_share
        fee_bp = rng.integers(spec.fee_bp_month[0], spec.fee_bp_month[1] + 1, k)
        fee[idx] = np.where(charged, (principal[idx] * fee_bp + 5_000) // 10_000, 0)
    return Terms(product, principal, months, rate_bp, fee)
