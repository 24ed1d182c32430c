"""The validate step reads large assets (installments, payments, contact attempts) in bounded chunks:
whatever the chunk size, the night's quality tables (quarantine with file, row and rule; validation
results; corrections; restorations) are exactly those of the whole-table run."""
from __future__ import annotations

import csv
from datetime import date, timedelta

import pytest

from data_quality.validate import Validation

from data_quality.day import CHUNKED
from pipelines.generate import generate
from pipelines.landing import LANDING_FILES
from pipelines.nightly import ingest_step, validate_step
from pipelines.settings import Paths
from pipelines.warehouse import reader
from tests.extracts import write_extract

START = date(2026, 10, 29)
TABLES = {
    "quarantine": "as_of_date, file, source_row, record_id, rule, severity, reason",
    "validation_results": "as_of_date, file, suite, rule, expectation, description, severity, action, success, "
                          "element_count, unexpected_count, unexpected_percent, sample",
    "corrections": "as_of_date, file, record_id, field, before, after, rule",
    "lost_records": "as_of_date, file, record_id, action, restored_from, last_delivered_on, reason",
    "customers": "* exclude (run_id)",
    "restored_loans": "* exclude (run_id)",
    "restored_installments": "* exclude (run_id)",
}


def _quality(warehouse) -> dict[str, list[tuple]]:
    with reader(warehouse) as con:
        return {t: con.execute(f"select {cols} from quality.{t} order by all").fetchall() for t, cols in TABLES.items()}


def _spoil(landing, as_of: date) -> None:
    """Rows the suites quarantine or report in every chunked file, spread over the file."""
    folder = landing / str(as_of)
    rows = {spec.name: list(csv.DictReader((folder / spec.csv_name).open(encoding="utf-8")))
            for spec in LANDING_FILES.values()}
    for n, row in enumerate(rows["installments"][::97]):
        row["fee_due" if n % 2 else "loan_id"] = "-1.00" if n % 2 else f"GHOST{n}"
    for n, row in enumerate(rows["payments"][::31]):
        row["amount" if n % 2 else "channel"] = "0.00" if n % 2 else "pigeon"
    for row in rows["contact_attempts"][::23]:
        row["outcome"] = "shrug"
    write_extract(landing, as_of, rows)


def _nights(paths: Paths, nights: int) -> None:
    for n in range(nights):
        as_of = START + timedelta(days=n)
        ingest_step(as_of, paths, f"r{n}")
        validate_step(as_of, paths, f"r{n}", data_docs=n == nights - 1)


@pytest.mark.slow
def test_chunked_validation_gives_the_whole_table_results(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    generate(landing, start=START, days=2, loans=400, seed=5, faults=False, progress=False)
    for n in range(2):
        _spoil(landing, START + timedelta(days=n))
    whole = Paths.resolve(landing=landing, warehouse=tmp_path / "whole" / "arrears.duckdb", out=tmp_path / "o1")
    chunked = Paths.resolve(landing=landing, warehouse=tmp_path / "chunked" / "arrears.duckdb", out=tmp_path / "o2")
    _nights(whole, 2)
    expected = _quality(whole.warehouse)
    assert expected["quarantine"] and expected["validation_results"]
    assert {r[1] for r in expected["quarantine"]} >= {"installments.csv", "payments.csv", "contact_attempts.csv"}

    monkeypatch.setenv("ARREARS_VALIDATE_CHUNK_ROWS", "150")   # every chunked asset in several parts
    frames: dict[str, list[int]] = {}
    validate_frame = Validation._validate

    def counting(self, asset, suite, definition, frame):
        frames.setdefault(asset, []).append(len(frame))
        return validate_frame(self, asset, suite, definition, frame)

    monkeypatch.setattr(Validation, "_validate", counting)
    _nights(chunked, 2)
    for name in CHUNKED:   # the suites did run in parts, none larger than about a chunk
        assert len(frames[name]) > 2 and max(frames[name]) < 3 * 150, (name, frames[name])
    got = _quality(chunked.warehouse)
    for table in TABLES:
        assert got[table] == expected[table], f"quality.{table} differs when validated in chunks"
    assert (chunked.warehouse.parent / "data_docs").is_dir()
