"""Arrow columns in the contract's text forms, built without per-value Python.

Money is written from integer cents as decimal128(18, 2) (so the CSV shows exactly two decimals,
never a float), dates as date32, timestamps as ISO-8601 strings with the lender's +08:00 offset.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .dates import DAY_SECONDS, NEVER

OFFSET = "+08:00"   # Asia/Shanghai has no daylight saving time


def text(values: list[str]) -> pa.Array:
    return pa.array(values, type=pa.string())


def constant(value: str, n: int) -> pa.Array:
    return pa.repeat(pa.scalar(value, pa.string()), n)


def pick(options: list[str] | pa.Array, index: np.ndarray) -> pa.Array:
    """options[index] for every index."""
    options = options if isinstance(options, pa.Array) else text(options)
    return options.take(pa.array(np.asarray(index, dtype=np.int64)))


def concat(*parts: pa.Array | str) -> pa.Array:
    """Element-wise string concatenation; plain str parts are repeated on every row."""
    return pc.binary_join_element_wise(*parts, "")


def digits(values: np.ndarray, width: int) -> pa.Array:
    """Non-negative integers as zero-padded decimal text."""
    return pc.utf8_lpad(pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string()), width, "0")


def ids(prefix: str, serials: np.ndarray, width: int) -> pa.Array:
    return concat(prefix, digits(serials, width))


def money(cents: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """decimal128(18, 2) from int64 cents; rows where `valid` is False are null (blank)."""
    cents = np.ascontiguousarray(cents, dtype=np.int64)
    words = np.empty((len(cents), 2), dtype=np.int64)
    words[:, 0] = cents
    words[:, 1] = cents >> 63          # sign extension into the high 64 bits of the int128
    validity = None if valid is None else pa.array(np.asarray(valid, dtype=bool)).buffers()[1]
    return pa.Array.from_buffers(pa.decimal128(18, 2), len(cents), [validity, pa.py_buffer(words)],
                                 null_count=-1 if valid is not None else 0)


def rate(basis_points: np.ndarray) -> pa.Array:
    """Annual rate as a fraction with 6 decimals (1350 bp -> 0.135000), the contract's DECIMAL(9,6)."""
    units = np.asarray(basis_points, dtype=np.int64) * 100
    words = np.zeros((len(units), 2), dtype=np.int64)
    words[:, 0] = units
    return pa.Array.from_buffers(pa.decimal128(9, 6), len(units), [None, pa.py_buffer(words)])


def dates(days: np.ndarray) -> pa.Array:
    """date32; NEVER becomes null (blank)."""
    days = np.asarray(days, dtype=np.int32)
    return pa.array(days, mask=days == NEVER).cast(pa.date32())


@lru_cache(maxsize=1)
def _clock() -> pa.Array:
    seconds = np.arange(DAY_SECONDS)
    return text([f"T{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}{OFFSET}" for s in seconds])


def timestamps(days: np.ndarray, seconds: np.ndarray) -> pa.Array:
    """ISO-8601 local time with offset, e.g. 2026-11-27T14:03:00+08:00, from day and second of day."""
    days = np.asarray(days, dtype=np.int64)
    if len(days) == 0:
        return pa.array([], type=pa.string())
    first = int(days.min())
    calendar = pc.cast(pa.array(np.arange(first, days.max() + 1, dtype=np.int32)).cast(pa.date32()), pa.string())
    return concat(pick(calendar, days - first), pick(_clock(), seconds))
