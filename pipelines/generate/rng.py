"""Randomness that depends only on the seed and on what is being drawn.

Each cohort of loans and each purpose gets its own numpy Generator derived from (seed, purpose,
cohort), so adding a day never changes the draws of an earlier one. Faults that must hit the same
record every day use a counter-based hash of the record's serial instead of a stream.
"""
from __future__ import annotations

import zlib

import numpy as np


def _key(part: int | str) -> int:
    return zlib.crc32(part.encode()) if isinstance(part, str) else int(part) & 0xFFFFFFFF


def stream(seed: int, *parts: int | str) -> np.random.Generator:
    """A Generator for one purpose, e.g. stream(seed, "payments", cohort)."""
    return np.random.default_rng([_key(seed), *(_key(p) for p in parts)])


def stable_uniform(seed: int, purpose: str, serials: np.ndarray) -> np.ndarray:
    """Uniform [0, 1) per serial (splitmix64 of serial and key): the same record always draws the same value."""
    with np.errstate(over="ignore"):
        x = np.asarray(serials).astype(np.uint64) ^ np.uint64((_key(seed) << 32) | _key(purpose))
        x = x + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x = x ^ (x >> np.uint64(31))
    return (x >> np.uint64(11)).astype(np.float64) / float(1 << 53)

