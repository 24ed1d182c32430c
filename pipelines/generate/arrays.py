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
