"""Ingestion: a bad extract blocks with one clear line and changes nothing; reloads are idempotent."""
from __future__ import annotations

import json
from datetime import date

import duckdb
import pytest

from pipelines.errors import BatchBlocked
from pipelines.ingest import ingest
from pipelines.landing import LANDING_FILES
from tests.extracts import customer, payment, small_book, write_extract

DAY = date(2026, 3, 15)


def raw_tables(warehouse) -> dict[str, list[tuple]]:
    """Every raw data table's rows in a stable order (the load log is an audit trail, left out)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [*LANDING_FILES, "rejected_rows"]
        return {t: con.execute(f"select * from raw.{t} order by all").fetchall() for t in tables}
    finally:
        con.close()


def test_loads_every_file_typed_with_traceability(paths):
    write_extract(paths.landing, DAY, small_book())
    result = ingest(paths.landing, paths.warehouse, DAY, "run-1")
    assert {f.file_name: f.rows_loaded for f in result.files}["installments.csv"] == 3
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    amount, kind, row = con.execute(
        "select amount, typeof(amount), _source_row from raw.payments where payment_id = 'P1'").fetchone()
    assert (str(amount), kind, row) == ("1030.00", "DECIMAL(18,2)", 1)
    logged = con.execute("select count(*) from raw.load_log where run_id = 'run-1'").fetchone()[0]
    assert logged == len(LANDING_FILES)


def test_rerunning_a_date_leaves_raw_tables_identical(paths):
    book = small_book()
    write_extract(paths.landing, DAY, book)
    ingest(paths.landing, paths.warehouse, DAY, "run-1")
    first = raw_tables(paths.warehouse)
    ingest(paths.landing, paths.warehouse, DAY, "run-2")
    assert raw_tables(paths.warehouse) == first


def test_events_are_stored_once_at_their_first_delivery_whatever_the_load_order(paths):
    day2 = date(2026, 3, 16)
    book = small_book()
    write_extract(paths.landing, DAY, book)
    repeat = book | {"payments": [*book["payments"], payment("P2", "L1", "2026-03-10", "5.00")]}
    write_extract(paths.landing, day2, repeat)
    ingest(paths.landing, paths.warehouse, DAY, "a")
    result = ingest(paths.landing, paths.warehouse, day2, "b")
    assert {f.file_name: f.duplicates_skipped for f in result.files}["payments.csv"] == 1
    in_order = raw_tables(paths.warehouse)
    ingest(paths.landing, paths.warehouse, DAY, "c")  # an old date rerun after a newer one
    assert raw_tables(paths.warehouse) == in_order
    delivered = dict(in_order and duckdb.connect(str(paths.warehouse), read_only=True).execute(
        "select payment_id, delivered_on from raw.payments").fetchall())
    assert delivered == {"P1": DAY, "P2": day2}


def test_bad_values_are_quarantined_with_file_row_and_rule(paths, capsys):
    book = small_book() | {"payments": [payment("P1", "L1", "2026-02-10", "1030.00"),
                                        payment("P2", "L1", "not-a-date", "10.00", booked_at="2026-02-10T12:00:00+08:00"),
                                        payment("P3", "L1", "2026-02-11", "10.005")]}
    write_extract(paths.landing, DAY, book)
    result = ingest(paths.landing, paths.warehouse, DAY, "r")
    loads = {f.file_name: f for f in result.files}
    assert (loads["payments.csv"].rows_loaded, loads["payments.csv"].rows_quarantined) == (1, 2)
    err = capsys.readouterr().err
    assert "payments.csv: row 2: value_date: not-a-date is not a valid date (quarantined)" in err
    assert "payments.csv: row 3: amount: 10.005 is not a valid decimal(18,2) (quarantined)" in err


def test_a_repeated_snapshot_key_is_quarantined_not_loaded_twice(paths):
    book = small_book() | {"customers": [customer("C1"), customer("C1", phone="+8613900000000")]}
    write_extract(paths.landing, DAY, book)
    loads = {f.file_name: f for f in ingest(paths.landing, paths.warehouse, DAY, "r").files}
    assert (loads["customers.csv"].rows_loaded, loads["customers.csv"].rows_quarantined) == (1, 1)


def _edit_manifest(folder, change):
    manifest_path = folder / "_manifest.json"
    manifest = json.loads(manifest_path.read_text())
    change(manifest)
    manifest_path.write_text(json.dumps(manifest))


def _assert_blocked(paths, pattern):
    before = raw_tables(paths.warehouse)
    with pytest.raises(BatchBlocked, match=pattern) as caught:
        ingest(paths.landing, paths.warehouse, DAY, "blocked")
    assert "\n" not in str(caught.value)
    assert raw_tables(paths.warehouse) == before, "a blocked batch must not change the warehouse"


@pytest.fixture
def loaded_yesterday(paths):
    """A warehouse holding the previous night, so 'nothing changed' is a real check."""
    write_extract(paths.landing, date(2026, 3, 14), small_book())
    ingest(paths.landing, paths.warehouse, date(2026, 3, 14), "yesterday")
    return paths


def test_row_count_mismatch_blocks(loaded_yesterday):
    paths = loaded_yesterday
    folder = write_extract(paths.landing, DAY, small_book())
    _edit_manifest(folder, lambda m: m["files"]["installments.csv"].update(rows=4))
    _assert_blocked(paths, r"installments\.csv: 3 rows but _manifest\.json declares 4")


def test_control_sum_mismatch_blocks(loaded_yesterday):
    paths = loaded_yesterday
    folder = write_extract(paths.landing, DAY, small_book())
    _edit_manifest(folder, lambda m: m["files"]["payments.csv"]["sums"].update(amount="1031.00"))
    _assert_blocked(paths, r"payments\.csv: sum of amount is 1030\.00 but _manifest\.json declares 1031\.00")


def test_truncated_file_blocks(loaded_yesterday):
    paths = loaded_yesterday
    folder = write_extract(paths.landing, DAY, small_book())
    data = (folder / "installments.csv").read_bytes()
    (folder / "installments.csv").write_bytes(data[: len(data) - 20])
    _assert_blocked(paths, r"installments\.csv: sha256 does not match _manifest\.json \(file truncated or corrupt\)")


def test_undeclared_encoding_blocks_naming_the_row(loaded_yesterday):
    paths = loaded_yesterday
    write_extract(paths.landing, DAY, small_book(), encoding="gbk", declare_encoding=False)
    _assert_blocked(paths, r"customers\.csv: row 1 is not valid utf-8-sig \(declare the file's encoding")


def test_declared_gbk_is_read(paths):
    write_extract(paths.landing, DAY, small_book(), encoding="gbk")
    ingest(paths.landing, paths.warehouse, DAY, "r")
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    assert con.execute("select full_name from raw.customers").fetchone()[0] == "张伟"


def test_missing_manifest_and_missing_file_block(paths):
    folder = write_extract(paths.landing, DAY, small_book())
    (folder / "flags.csv").unlink()
    with pytest.raises(BatchBlocked, match=r"flags\.csv: file missing from the extract"):
        ingest(paths.landing, paths.warehouse, DAY, "r")
    (folder / "_manifest.json").unlink()
    with pytest.raises(BatchBlocked, match=r"_manifest\.json: manifest missing"):
        ingest(paths.landing, paths.warehouse, DAY, "r")


def test_extra_columns_are_kept(paths):
    book = small_book() | {"loans": [small_book()["loans"][0] | {"branch": "Shanghai-03"}]}
    write_extract(paths.landing, DAY, book)
    ingest(paths.landing, paths.warehouse, DAY, "r")
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    assert json.loads(con.execute("select _extra from raw.loans").fetchone()[0]) == {"branch": "Shanghai-03"}


def test_parquet_files_are_accepted(paths):
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    folder = write_extract(paths.landing, DAY, small_book())
    table = pacsv.read_csv(folder / "payments.csv")
    (folder / "payments.csv").unlink()
    pq.write_table(table, folder / "payments.parquet")
    _edit_manifest(folder, lambda m: m["files"].update({"payments.parquet": {"rows": 1}}))
    ingest(paths.landing, paths.warehouse, DAY, "r")
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    assert con.execute("select count(*) from raw.payments").fetchone()[0] == 1
