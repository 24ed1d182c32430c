"""Tables as dataclasses of equally long numpy arrays (struct of arrays), the generator's storage."""
from __future__ import annotations

from dataclasses import fields, replace
from typing import TypeVar

import numpy as np

T = TypeVar("T")


def take(table: T, index: np.ndarray) -> T:
    """The rows `index` (integer positions or a boolean mask) of every column."""
    return replace(table, **{f.name: getattr(table, f.name)[index] for f in fields(table)})


def concat(tables: list[T]) -> T:
    first = tables[0]
    return replace(first, **{f.name: np.concatenate([getattr(t, f.name) for t in tables]) for f in fields(first)})


def offsets(counts: np.ndarray) -> np.ndarray:
    """Start of each group in a CSR layout (groups stored one after the other) with these sizes."""
    return np.concatenate(([0], np.cumsum(counts, dtype=np.int64)[:-1]))


def previous(values: np.ndarray, group: np.ndarray, first_value: np.ndarray) -> np.ndarray:
    """values shifted down one row within each group; a group's first row gets first_value[group]."""
    shifted = np.empty_like(values)
    shifted[1:] = values[:-1]
    starts = np.ones(len(group), dtype=bool)
    starts[1:] = group[1:] != group[:-1]
    shifted[starts] = first_value[group[starts]]
    return shifted


def rank_within(group: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... within each run of equal, sorted group values."""
    starts = np.ones(len(group), dtype=bool)
    starts[1:] = group[1:] != group[:-1]
    start_pos = np.maximum.accumulate(np.where(starts, np.arange(len(group)), 0))
    return np.arange(len(group)) - start_pos


def order_by(*columns: np.ndarray) -> np.ndarray:
    """Stable sort order by several integer columns, most significant first.

    The columns are packed into one int64 key (numpy radix-sorts that far faster than lexsort).
    """
    key = np.zeros(len(columns[0]), np.int64)
    bits = 0
    for column in columns:
        column = np.asarray(column, np.int64)
        column = column - column.min(initial=0)
        width = int(column.max(initial=0)).bit_length()
        bits += width
        key = (key << width) | column
    if bits > 63:
        return np.lexsort(columns[::-1])
    return np.argsort(key, kind="stable")
