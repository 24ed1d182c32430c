"""The contact files are written as the rows come from the warehouse, a batch at a time (no dbt: fast)."""
from __future__ import annotations

import csv

import duckdb

from pipelines.contact import outbox


def test_rows_stream_from_the_warehouse_in_batches_into_the_csv(tmp_path, monkeypatch):
    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create table t as select i as n, '=' || i as formula from range(25) r(i)")
    monkeypatch.setattr(outbox, "FETCH_ROWS", 10)
    fetched = []

    def rows():
        for row in outbox._fetch(warehouse, "select n, formula from t where n >= ? order by n", [3]):
            fetched.append(row["n"])
            yield row

    path = tmp_path / "out.csv"
    assert outbox._csv(path, ["n", "formula"], rows(), raw=("n",)) == 22
    with path.open(encoding="utf-8", newline="") as fh:
        written = list(csv.reader(fh))
    assert written[0] == ["n", "formula"] and len(written) == 23
    assert written[1] == ["3", "'=3"] and written[-1] == ["24", "'=24"]  # formulas neutralised, raw kept
    assert fetched == list(range(3, 25))
    assert path.read_bytes().endswith(b"'=24\n")
