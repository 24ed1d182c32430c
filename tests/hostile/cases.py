"""The hostile input corpus: one row per case — what is done to a good extract, and what must come
out. tests/hostile/test_hostile.py runs every case on its own tiny book (ingest, and validate where
the rule lives there); docs/reliability.md lists the outcomes.

Outcomes:
    Blocked(file, says)          the batch is blocked: BatchBlocked (exit 2), one line naming `file`
                                 and containing `says`; nothing is written to the warehouse
    Quarantined(file, row, rule) the row is set aside with file, row and rule (raw.rejected_rows at
                                 ingest, quality.quarantine at validate); every other row is loaded
    Loaded(file, column, value)  the file is accepted; `column` of its first data row reads `value`
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from pipelines.landing import LANDING_FILES, MANIFEST_NAME
from tests.extracts import agent, customer, installment, loan, payment

DAY = "2026-03-15"


def base_book() -> dict[str, list[dict]]:
    """Two customers with a loan each, a payment, contact attempts, a flag and two agents: every
    landing file has rows, so 'nothing else lost' can be counted in each."""
    return {
        "customers": [customer("C1"), customer("C2", full_name="Richard Adams", national_id="110105199001011234",
                                               phone="+8613900139000", email="r.adams@example.com")],
        "loans": [loan("L1", "C1"), loan("L2", "C2", principal_amount="2000.00")],
        "installments": [installment("L1", 1, "2026-02-10", "1000.00", "30.00"),
                         installment("L1", 2, "2026-03-10", "1000.00", "20.00"),
                         installment("L1", 3, "2026-04-10", "1000.00", "10.00"),
                         installment("L2", 1, "2026-02-12", "1000.00", "10.00"),
                         installment("L2", 2, "2026-03-12", "1000.00", "5.00")],
        "payments": [payment("P1", "L1", "2026-02-10", "1030.00"), payment("P2", "L2", "2026-02-12", "1010.00")],
        "contact_attempts": [
            {"attempt_id": "A1", "loan_id": "L1", "customer_id": "C1", "agent_id": "AG1", "channel": "call",
             "started_at": "2026-03-11T10:00:00+08:00", "duration_seconds": "60", "outcome": "no_answer",
             "promise_amount": "", "promise_date": ""},
            {"attempt_id": "A2", "loan_id": "L2", "customer_id": "C2", "agent_id": "", "channel": "sms",
             "started_at": "2026-03-13T09:00:00+08:00", "duration_seconds": "", "outcome": "delivered",
             "promise_amount": "", "promise_date": ""}],
        "flags": [{"subject_type": "customer", "subject_id": "C2", "flag": "hardship", "effective_from": "2026-03-01",
                   "effective_to": "", "note": "lost job"}],
        "agents": [agent("AG1"), agent("AG2", full_name="Mary Smith", languages="en")],
    }


# --- how a case changes the good extract ------------------------------------------------------------

def _manifest(folder: Path) -> dict:
    return json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))


def _write_manifest(folder: Path, manifest: dict) -> None:
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def reseal(folder: Path, name: str, rows: int | None = None, **entry) -> None:
    """Control totals of `name` as the lender would compute them for the changed file (sums dropped:
    they are optional), so that only the case's own problem is left."""
    manifest = _manifest(folder)
    declared = manifest["files"].setdefault(name, {})
    declared.pop("sums", None)
    declared["sha256"] = hashlib.sha256((folder / name).read_bytes()).hexdigest()
    if rows is not None:
        declared["rows"] = rows
    declared.update(entry)
    _write_manifest(folder, manifest)


def rows_edit(file: str, change: Callable[[list[str], list[list[str]]], tuple[list[str], list[list[str]]]],
              encoding: str = "utf-8", **entry) -> Callable[[Path], None]:
    """Edit the parsed rows of `file` (header, rows), write it back as RFC 4180 CSV, reseal."""
    def mutate(folder: Path) -> None:
        path = folder / f"{file}.csv"
        header, *rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        header, rows = change(header, rows)
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
        path.write_bytes(buffer.getvalue().encode(encoding))
        reseal(folder, path.name, rows=len(rows), **entry)
    return mutate


def set_value(file: str, row: int, column: str, value: str, **kw) -> Callable[[Path], None]:
    """Row `row` (1-based data row) of `file` gets `value` in `column`."""
    def change(header, rows):
        rows[row - 1][header.index(column)] = value
        return header, rows
    return rows_edit(file, change, **kw)


def bytes_edit(file: str, change: Callable[[bytes], bytes], rows: int | None = None, **entry) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        path = folder / file
        path.write_bytes(change(path.read_bytes()))
        reseal(folder, file, rows=rows, **entry)
    return mutate


def manifest_edit(change: Callable[[dict], None]) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        manifest = _manifest(folder)
        change(manifest)
        _write_manifest(folder, manifest)
    return mutate


def rename_column(file: str, old: str, new: str):
    return rows_edit(file, lambda h, r: ([new if c == old else c for c in h], r))


def drop_column(file: str, column: str):
    def change(header, rows):
        i = header.index(column)
        return header[:i] + header[i + 1:], [r[:i] + r[i + 1:] for r in rows]
    return rows_edit(file, change)


def add_column(file: str, column: str, value: str):
    return rows_edit(file, lambda h, r: (h + [column], [x + [value] for x in r]))


def duplicate_row(file: str, row: int):
    return rows_edit(file, lambda h, r: (h, r + [list(r[row - 1])]))


def to_gbk_declared_utf8(folder: Path) -> None:
    path = folder / "customers.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gbk"))
    reseal(folder, "customers.csv", rows=2)


def symlink_outside(folder: Path) -> None:
    outside = folder.parent / "elsewhere.csv"
    (folder / "agents.csv").rename(outside)
    os.symlink(outside, folder / "agents.csv")


def symlink_manifest(folder: Path) -> None:
    outside = folder.parent / "manifest-elsewhere.json"
    (folder / MANIFEST_NAME).rename(outside)
    os.symlink(outside, folder / MANIFEST_NAME)


def parquet_beside_csv(folder: Path) -> None:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq
    pq.write_table(pacsv.read_csv(folder / "agents.csv"), folder / "agents.parquet")


def outside_path(name: str):
    def change(manifest: dict) -> None:
        manifest["files"][name] = manifest["files"].pop("loans.csv")
    return manifest_edit(change)


# --- outcomes -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Blocked:
    file: str
    says: str
    at: str = "ingest"


@dataclass(frozen=True)
class Quarantined:
    file: str
    row: int
    rule: str
    at: str = "ingest"


@dataclass(frozen=True)
class Loaded:
    file: str
    column: str
    value: str | None
    row: int = 1


@dataclass(frozen=True)
class Case:
    id: str
    mutate: Callable[[Path], None]
    outcome: Blocked | Quarantined | Loaded


TEN_MB = "x" * (10 * 1024 * 1024)

CASES: list[Case] = [
    # headers and columns
    Case("customers-wrong-header", rename_column("customers", "customer_id", "cust_id"),
         Blocked("customers.csv", "required column(s) missing: customer_id")),
    Case("loans-header-case", rename_column("loans", "currency", "Currency"),
         Blocked("loans.csv", "required column(s) missing: currency")),
    Case("installments-missing-column", drop_column("installments", "due_date"),
         Blocked("installments.csv", "required column(s) missing: due_date")),
    Case("payments-missing-column", drop_column("payments", "amount"),
         Blocked("payments.csv", "required column(s) missing: amount")),
    Case("flags-missing-column", drop_column("flags", "effective_from"),
         Blocked("flags.csv", "required column(s) missing: effective_from")),
    Case("agents-header-repeated", rows_edit("agents", lambda h, r: (h + ["team"], [x + ["early"] for x in r])),
         Blocked("agents.csv", "named twice in the header: team")),
    Case("payments-extra-column", add_column("payments", "branch", "Shanghai-01"),
         Loaded("payments.csv", "_extra", '{"branch":"Shanghai-01"}')),
    Case("agents-extra-column-with-quote", add_column("agents", "it's", "x"),
         Loaded("agents.csv", "_extra", '{"it\'s":"x"}')),
    Case("reserved-column-name", add_column("flags", "_source_row", "7"),
         Blocked("flags.csv", "_source_row is reserved")),
    # wrong types
    Case("installments-no-not-integer", set_value("installments", 2, "installment_no", "two"),
         Quarantined("installments.csv", 2, "installment_no: two is not a valid integer")),
    Case("loans-amount-thousands-separator", set_value("loans", 1, "principal_amount", "3,000.00"),
         Quarantined("loans.csv", 1, "principal_amount: 3,000.00 is not a valid decimal(18,2)")),
    Case("agents-boolean", set_value("agents", 2, "active", "maybe"),
         Quarantined("agents.csv", 2, "active: maybe is not a valid boolean")),
    Case("attempts-duration-text", set_value("contact_attempts", 1, "duration_seconds", "12.5s"),
         Quarantined("contact_attempts.csv", 1, "duration_seconds: 12.5s is not a valid integer")),
    Case("payments-amount-nan", set_value("payments", 2, "amount", "NaN"),
         Quarantined("payments.csv", 2, "amount: NaN is not a valid decimal(18,2)")),
    Case("payments-amount-three-decimals", set_value("payments", 1, "amount", "1030.005"),
         Quarantined("payments.csv", 1, "amount: 1030.005 is not a valid decimal(18,2)")),
    # negative and overflowing amounts
    Case("payments-amount-negative", set_value("payments", 2, "amount", "-1010.00"),
         Quarantined("payments.csv", 2, "payments.amount.positive", at="validate")),
    Case("loans-principal-negative", set_value("loans", 2, "principal_amount", "-2000.00"),
         Quarantined("loans.csv", 2, "loans.principal_amount.positive", at="validate")),
    Case("loans-principal-overflow", set_value("loans", 2, "principal_amount", "99999999999999999999.00"),
         Quarantined("loans.csv", 2, "principal_amount: 99999999999999999999.00 is not a valid decimal(18,2)")),
    Case("installments-integer-overflow", set_value("installments", 3, "installment_no", "99999999999"),
         Quarantined("installments.csv", 3, "installment_no: 99999999999 is not a valid integer")),
    Case("attempts-promise-exponent", set_value("contact_attempts", 1, "promise_amount", "1e30"),
         Quarantined("contact_attempts.csv", 1, "promise_amount: 1e30 is not a valid decimal(18,2)")),
    # impossible dates
    Case("loans-february-30", set_value("loans", 1, "disbursed_on", "2026-02-30"),
         Quarantined("loans.csv", 1, "disbursed_on: 2026-02-30 is not a valid date")),
    Case("customers-month-13-masked", set_value("customers", 2, "date_of_birth", "1990-13-01"),
         Quarantined("customers.csv", 2, "date_of_birth: a value is not a valid date")),
    Case("payments-timestamp-hour-25", set_value("payments", 1, "booked_at", "2026-02-10T25:00:00+08:00"),
         Quarantined("payments.csv", 1, "booked_at: 2026-02-10T25:00:00+08:00 is not a valid timestamptz")),
    Case("flags-date-words", set_value("flags", 1, "effective_from", "yesterday"),
         Quarantined("flags.csv", 1, "effective_from: yesterday is not a valid date")),
    # duplicate ids and blank keys
    Case("customers-duplicate-id", duplicate_row("customers", 1),
         Quarantined("customers.csv", 3, "duplicate key (customer_id) already in row 1")),
    Case("installments-duplicate-key", duplicate_row("installments", 4),
         Quarantined("installments.csv", 6, "duplicate key (loan_id, installment_no) already in row 4")),
    Case("loans-blank-key", set_value("loans", 2, "loan_id", "  "),
         Quarantined("loans.csv", 2, "loan_id: blank key")),
    Case("payments-repeated-event", duplicate_row("payments", 1),
         Loaded("payments.csv", "payment_id", "P1")),
    # encodings
    Case("loans-utf8-bom", bytes_edit("loans.csv", lambda b: b"\xef\xbb\xbf" + b, rows=2),
         Loaded("loans.csv", "loan_id", "L1")),
    Case("customers-gbk-declared", bytes_edit("customers.csv", lambda b: b.decode().encode("gbk"), rows=2, encoding="gbk"),
         Loaded("customers.csv", "full_name", "张伟")),
    Case("customers-gbk-declared-utf8", to_gbk_declared_utf8,
         Blocked("customers.csv", "is not valid utf-8")),
    Case("customers-utf8-declared-gbk", bytes_edit("customers.csv", lambda b: b, rows=2, encoding="gbk"),
         Blocked("customers.csv", "declares gbk but the file is UTF-8")),
    Case("unknown-encoding", bytes_edit("agents.csv", lambda b: b, rows=2, encoding="klingon-8"),
         Blocked("agents.csv", "unknown encoding 'klingon-8'")),
    Case("utf16-declared-utf8", bytes_edit("flags.csv", lambda b: b.decode().encode("utf-16"), rows=1),
         Blocked("flags.csv", "is not valid utf-8")),
    # NUL bytes, newlines, quotes
    Case("customers-nul-in-name", set_value("customers", 1, "full_name", "张\x00伟"),
         Quarantined("customers.csv", 1, "full_name: contains a NUL character")),
    Case("payments-nul-in-channel", set_value("payments", 2, "channel", "card\x00\x00"),
         Quarantined("payments.csv", 2, "channel: contains a NUL character")),
    Case("customers-newline-in-address", set_value("customers", 1, "address_line1", "朝阳区\n建国路88号"),
         Loaded("customers.csv", "address_line1", "朝阳区\n建国路88号")),
    Case("customers-quotes-in-name", set_value("customers", 2, "full_name", 'Richard "Dick" Adams, Jr.'),
         Loaded("customers.csv", "full_name", 'Richard "Dick" Adams, Jr.', row=2)),
    Case("flags-crlf", bytes_edit("flags.csv", lambda b: b.replace(b"\n", b"\r\n"), rows=1),
         Loaded("flags.csv", "note", "lost job")),
    Case("agents-unbalanced-quote", bytes_edit("agents.csv", lambda b: b.replace(b"AG2,", b'AG2,"'), rows=2),
         Blocked("agents.csv", "")),
    # empty files and huge lines
    Case("payments-empty-file", bytes_edit("payments.csv", lambda b: b"", rows=0),
         Blocked("payments.csv", "empty file")),
    Case("payments-header-only", bytes_edit("payments.csv", lambda b: b.split(b"\n")[0] + b"\n", rows=0),
         Loaded("payments.csv", "payment_id", None)),
    Case("customers-10mb-address", set_value("customers", 2, "address_line1", TEN_MB),
         Quarantined("customers.csv", 2, "address_line1: 10485760 characters, more than 4000")),
    Case("agents-10mb-ragged-line", bytes_edit("agents.csv", lambda b: b + TEN_MB.encode() + b"\n", rows=3),
         Blocked("agents.csv", "Expected 6 columns, got 1")),
    Case("agents-10mb-key", set_value("agents", 2, "agent_id", TEN_MB),
         Quarantined("agents.csv", 2, "agent_id: 10485760 characters, more than 4000")),
    # the manifest
    Case("manifest-path-traversal", outside_path("../../etc/passwd"),
         Blocked(MANIFEST_NAME, "'../../etc/passwd' points outside the extract's folder")),
    Case("manifest-absolute-path", outside_path("/etc/passwd"),
         Blocked(MANIFEST_NAME, "'/etc/passwd' points outside the extract's folder")),
    Case("manifest-subfolder", outside_path("sub/loans.csv"),
         Blocked(MANIFEST_NAME, "'sub/loans.csv' points outside the extract's folder")),
    Case("manifest-files-a-list", manifest_edit(lambda m: m.update(files=list(m["files"]))),
         Blocked(MANIFEST_NAME, "'files' must map file names to control totals")),
    Case("manifest-rows-text", manifest_edit(lambda m: m["files"]["loans.csv"].update(rows="2 rows")),
         Blocked("loans.csv", "rows is not a row count: '2 rows'")),
    Case("manifest-sha-garbage", manifest_edit(lambda m: m["files"]["loans.csv"].update(sha256="../x")),
         Blocked(MANIFEST_NAME, "sha256 is not 64 hex digits")),
    Case("manifest-not-an-object", lambda folder: (folder / MANIFEST_NAME).write_text("[1, 2]"),
         Blocked(MANIFEST_NAME, "must be a JSON object")),
    Case("manifest-wrong-date", manifest_edit(lambda m: m.update(as_of="2026-03-14")),
         Blocked(MANIFEST_NAME, "does not match folder date")),
    Case("manifest-row-count-short", manifest_edit(lambda m: m["files"]["installments.csv"].update(rows=4)),
         Blocked("installments.csv", "5 rows but _manifest.json declares 4")),
    Case("file-not-in-manifest", manifest_edit(lambda m: m["files"].pop("flags.csv")),
         Blocked("flags.csv", "not listed in _manifest.json")),
    # symbolic links and ambiguous files
    Case("symlink-to-outside", symlink_outside, Blocked("agents.csv", "is a symbolic link")),
    Case("manifest-symlink", symlink_manifest, Blocked(MANIFEST_NAME, "is a symbolic link")),
    Case("csv-and-parquet", parquet_beside_csv, Blocked("agents.csv", "delivered twice")),
]
