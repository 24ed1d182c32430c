"""Faults real exports contain, injected into the day's tables, with a ground-truth record of
every single one (out/_ground_truth/faults.csv) so the pipeline's data-quality handling can be
scored exactly.

Record faults hit a small share of records of each type (at least one when any is eligible).
Faults of the customer master (phone and e-mail formats, duplicate persons, orphan loans) are
properties of the record: a stable hash of its id decides, so the same records are messy every
day. Lost records and lost loans are one-day glitches, drawn per day; the GBK-encoded file and
the truncated file happen on one day each.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable

import numpy as np
import pyarrow as pa

from ..landing import LANDING_FILES
from .customers import CALLING_CODES
from .extract import DayExtract, customer_ids, loan_ids
from .rng import stable_uniform, stream
from .writer import write_csv

GROUND_TRUTH = Path("_ground_truth") / "faults.csv"
COLUMNS = ("as_of_date", "file", "fault_type", "record_id", "field", "original_value", "injected_value")
SHARE = {
    "fullwidth_digits": 0.010, "missing_country_code": 0.015, "phone_separators": 0.020,
    "uppercase_email": 0.020, "blank_field": 0.010, "duplicate_person": 0.020,
    "lost_record": 0.010, "lost_loan": 0.010, "orphan_loan": 0.010,
}
FAULT_TYPES = (*SHARE, "gbk_encoding", "truncated_file")
DUPLICATE_ID_BASE = 900_000_000     # customer serials of the second identity of a duplicated person
ORPHAN_ID_BASE = 800_000_000        # customer serials that do not exist
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@dataclass
class Injected:
    tables: dict[str, pa.Table]
    encodings: dict[str, str] = field(default_factory=dict)
    tamper: Callable[[Path], None] | None = None


def _hit(u: np.ndarray, share: float, eligible: np.ndarray) -> np.ndarray:
    """Records where u < share among the eligible; at least the lowest-u eligible one."""
    hit = eligible & (u < share)
    if eligible.any() and not hit.any():
        hit[np.flatnonzero(eligible)[np.argmin(u[eligible])]] = True
    return hit


def _separated(phone: str, calling: str) -> str:
    national = phone[len(calling) + 1:]
    cut = [3, 7] if calling == "86" else [len(national) // 2]
    parts = np.split(np.array(list(national)), cut)
    return f"+{calling} " + "-".join("".join(p) for p in parts)


class Faults:
    def __init__(self, seed: int, days: int):
        rng = stream(seed, "faults")
        self.seed = seed
        self.gbk_day = int(rng.integers(0, days))
        self.truncated_day = int(rng.integers(1, days)) if days > 1 else None   # never the initial load
        self.records: list[tuple[str, ...]] = []
        self.lost_yesterday: dict[str, set[str]] = {"customers": set(), "loans": set()}

    def _note(self, as_of: date, file: str, fault: str, record_ids, field: str, original, injected) -> None:
        for rid, before, after in zip(record_ids, original, injected):
            self.records.append((as_of.isoformat(), file, fault, rid, field,
                                 "" if before is None else before, "" if after is None else after))

    def inject(self, index: int, as_of: date, extract: DayExtract) -> Injected:
        tables = dict(extract.tables)
        tables["customers"], messy = self._customer_master(as_of, extract, tables["customers"])
        tables["customers"], tables["loans"], relinked = self._identities(as_of, extract, tables["customers"],
                                                                          tables["loans"])
        if index > 0:
            tables["customers"], tables["loans"] = self._lost(index, as_of, extract, tables["customers"],
                                                              tables["loans"], ~messy, ~relinked)
        injected = Injected(tables)
        if index == self.gbk_day:
            injected.encodings["customers"] = "gbk"
            self._note(as_of, "customers.csv", "gbk_encoding", [""], "encoding", ["utf-8"], ["gbk"])
        if index == self.truncated_day:
            name = "payments" if tables["payments"].num_rows >= 3 else "installments"
            injected.tamper = lambda folder: self._truncate(as_of, folder / LANDING_FILES[name].csv_name)
        return injected

    def _customer_master(self, as_of: date, extract: DayExtract, customers: pa.Table) -> tuple[pa.Table, np.ndarray]:
        """Phone and e-mail formats, and blanks, on the same customers every day; also returns
        which master rows were changed."""
        serial = extract.customer + 1
        ids = customers["customer_id"].to_numpy(zero_copy_only=False)
        country = customers["country"].to_numpy(zero_copy_only=False)
        untouched = np.ones(len(serial), bool)
        columns = {"phone": customers["phone"].to_pylist(), "email": customers["email"].to_pylist()}
        edits = [
            ("fullwidth_digits", "phone", lambda v, c: v.translate(FULLWIDTH)),
            ("missing_country_code", "phone", lambda v, c: v[len(CALLING_CODES[c]) + 1:]),
            ("phone_separators", "phone", lambda v, c: _separated(v, CALLING_CODES[c])),
            ("uppercase_email", "email", lambda v, c: v.upper()),
        ]
        for fault, column, edit in edits:
            hit = np.flatnonzero(_hit(stable_uniform(self.seed, fault, serial), SHARE[fault], untouched))
            untouched[hit] = False
            before = [columns[column][i] for i in hit]
            after = [edit(v, country[i]) for v, i in zip(before, hit)]
            for i, value in zip(hit, after):
                columns[column][i] = value
            self._note(as_of, "customers.csv", fault, ids[hit], column, before, after)
        hit = np.flatnonzero(_hit(stable_uniform(self.seed, "blank_field", serial), SHARE["blank_field"], untouched))
        which = np.where(stable_uniform(self.seed, "blank_field which", serial[hit]) < 0.5, "phone", "email")
        for i, column in zip(hit, which):
            self._note(as_of, "customers.csv", "blank_field", [ids[i]], column, [columns[column][i]], [""])
            columns[column][i] = None
        untouched[hit] = False
        for column, values in columns.items():
            customers = customers.set_column(customers.schema.get_field_index(column), column,
                                             pa.array(values, pa.string()))
        return customers, ~untouched

    def _identities(self, as_of: date, extract: DayExtract, customers: pa.Table,
                    loans: pa.Table) -> tuple[pa.Table, pa.Table, np.ndarray]:
        """duplicate_person: a later loan of a customer filed under a second customer id of the same
        person (copied master row); orphan_loan: a loan pointing at a customer id that does not exist.
        Also returns which loans.csv rows were changed."""
        loan_serial = extract.loan + 1
        dup = _hit(stable_uniform(self.seed, "duplicate_person", loan_serial), SHARE["duplicate_person"],
                   extract.loan_rank > 0)
        orphan = _hit(stable_uniform(self.seed, "orphan_loan", loan_serial), SHARE["orphan_loan"], ~dup)
        owner = extract.loan_customer + 1
        new_owner = np.where(dup, DUPLICATE_ID_BASE + owner, np.where(orphan, ORPHAN_ID_BASE + loan_serial, owner))
        for fault, hit in (("duplicate_person", dup), ("orphan_loan", orphan)):
            self._note(as_of, "loans.csv", fault, loan_ids(extract.loan[hit]).to_pylist(), "customer_id",
                       customer_ids(owner[hit]).to_pylist(), customer_ids(new_owner[hit]).to_pylist())
        loans = loans.set_column(loans.schema.get_field_index("customer_id"), "customer_id", customer_ids(new_owner))

        persons = np.unique(owner[dup])                              # serials of duplicated persons
        rows = np.searchsorted(extract.customer + 1, persons)        # their master rows (customers are sorted)
        copies = (extract.tables["customers"].take(pa.array(rows))     # as the person is, without other faults
                  .set_column(0, "customer_id", customer_ids(DUPLICATE_ID_BASE + persons)))
        self._note(as_of, "customers.csv", "duplicate_person", copies["customer_id"].to_pylist(), "customer_id",
                   customer_ids(persons).to_pylist(), copies["customer_id"].to_pylist())
        return pa.concat_tables([customers, copies]), loans, dup | orphan

    def _lost(self, index: int, as_of: date, extract: DayExtract, customers: pa.Table, loans: pa.Table,
              clean_customers: np.ndarray, clean_loans: np.ndarray) -> tuple[pa.Table, pa.Table]:
        """One day's glitch: active customers and active loans that were in yesterday's snapshot
        missing from today's (among records no other fault touched, so every listed fault is
        visible in the files)."""
        rng = stream(self.seed, "lost records", index)
        n_master = len(extract.customer)       # duplicate copies appended after the master rows stay
        master_ids = customers["customer_id"].slice(0, n_master).to_numpy(zero_copy_only=False)
        lost = _hit(rng.random(n_master), SHARE["lost_record"],
                    extract.customer_active & ~extract.customer_new & clean_customers
                    & ~np.isin(master_ids, list(self.lost_yesterday["customers"])))
        loan_ids_today = loans["loan_id"].to_numpy(zero_copy_only=False)
        lost_loan = _hit(rng.random(loans.num_rows), SHARE["lost_loan"],
                         extract.loan_active & ~extract.loan_new & clean_loans
                         & ~np.isin(loan_ids_today, list(self.lost_yesterday["loans"])))
        self.lost_yesterday = {"customers": set(master_ids[lost]), "loans": set(loan_ids_today[lost_loan])}
        for file, fault, ids in (("customers.csv", "lost_record", master_ids[lost]),
                                 ("loans.csv", "lost_loan", loan_ids_today[lost_loan])):
            self._note(as_of, file, fault, ids, "", [""] * len(ids), [""] * len(ids))
        keep = np.r_[~lost, np.ones(customers.num_rows - n_master, bool)]
        return customers.filter(pa.array(keep)), loans.filter(pa.array(~lost_loan))

    def _truncate(self, as_of: date, path: Path) -> None:
        """Cut the file in the middle of a data row (the manifest keeps the full file's totals)."""
        data = path.read_bytes()
        start = data.rindex(b"\n", 0, len(data) * 3 // 5) + 1     # a row in the file's body
        end = data.index(b"\n", start)
        cut = start + max(1, (end - start) // 2)
        path.write_bytes(data[:cut])
        self._note(as_of, path.name, "truncated_file", [""], "bytes", [str(len(data))], [str(cut)])

    def write_ground_truth(self, out: Path) -> Path:
        path = out / GROUND_TRUTH
        path.parent.mkdir(parents=True, exist_ok=True)
        table = pa.table({name: pa.array([r[i] for r in self.records], pa.string()) for i, name in enumerate(COLUMNS)})
        partial = path.with_name(f".{path.name}.partial")
        write_csv(partial, table)
        partial.replace(path)
        return path
