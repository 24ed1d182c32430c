"""What yesterday knew, applied to today's customers: a field that fails validation today falls
back to its last valid value; customers sharing a national id are linked into one person.

The "last valid value" of a field is its value in the previous validated date's
`quality.customers` row, provided that row did not mark the field invalid (a fallback value is
valid, so a value carries forward night after night until the lender sends a valid one again).
"""
from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from data_quality import formats


def fall_back(customers: pd.DataFrame, failing: dict[str, set[int]], prior: pd.DataFrame | None
              ) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, pd.Series]:
    """`customers` indexed by `_source_row`; `failing`: field -> source rows failing a fallback
    expectation. Returns (customers, audit rows, fallback fields per row, invalid fields per row)."""
    customers = customers.copy()
    fallback_fields = pd.Series([[] for _ in range(len(customers))], index=customers.index, dtype=object)
    invalid_fields = pd.Series([[] for _ in range(len(customers))], index=customers.index, dtype=object)
    audit = []
    last = None
    if prior is not None and not prior.empty:
        last = prior.drop_duplicates("customer_id").set_index("customer_id")
    for column, rows in sorted(failing.items()):
        rows = sorted(r for r in rows if r in customers.index)
        if not rows:
            continue
        current = customers.loc[rows]
        restored = pd.Series([None] * len(rows), index=rows, dtype=object)
        if last is not None:
            found = current["customer_id"].map(lambda cid: cid in last.index)
            ids = current.loc[found, "customer_id"]
            if len(ids):
                values = last.loc[ids.to_numpy(), column].to_numpy()
                marked = last.loc[ids.to_numpy(), "invalid_fields"].to_numpy()
                usable = [v is not None and not (isinstance(v, float) and np.isnan(v)) and v is not pd.NaT
                          and column not in (list(m) if m is not None else []) for v, m in zip(values, marked)]
                restored[ids.index] = [v if ok else None for v, ok in zip(values, usable)]
        use = restored.notna() & (restored.astype(str) != current[column].astype(str))
        for row in restored.index[use]:
            audit.append({"record_id": customers.at[row, "customer_id"], "field": column,
                          "before": _text(customers.at[row, column]), "after": _text(restored[row]),
                          "rule": "fallback_last_valid"})
            customers.at[row, column] = restored[row]
            fallback_fields[row] = [*fallback_fields[row], column]
        for row in restored.index[~use]:
            invalid_fields[row] = [*invalid_fields[row], column]
    frame = pd.DataFrame(audit, columns=["record_id", "field", "before", "after", "rule"])
    return customers, frame, fallback_fields, invalid_fields


def _text(value) -> str | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return str(value)


def _digest(keys: pd.Series) -> pd.Series:
    distinct = {k: "P" + hashlib.sha256(k.encode("utf-8")).hexdigest()[:15] for k in keys.unique()}
    return keys.map(distinct)


def person_ids(customers: pd.DataFrame) -> pd.Series:
    """One person per valid national id (country + id), so that contact limits count per person;
    a customer without a valid national id is a person of their own. Stable across nights and
    reruns (a digest of the id, never a counter)."""
    valid = formats.national_id_is_valid(customers["national_id"], customers["country"])
    keys = ("id:" + customers["country"].astype(str) + ":" + customers["national_id"].astype(str)).where(
        valid, "customer:" + customers["customer_id"].astype(str))
    return _digest(keys.astype(str))
