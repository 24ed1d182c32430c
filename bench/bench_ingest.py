"""Benchmark: generate a book and ingest its first night, against DuckDB's plain read_csv (the floor).

    .venv/bin/python bench/bench_ingest.py [--loans 1000000] [--workdir bench/results/ingest]

Prints rows/s for generation and for the verified, typed load, and the ratio of load time to a
plain `read_csv` of the same files into DuckDB tables (no verification, no typing rules, no
quarantine): how much the safety of ingestion costs over the engine's own speed.
"""
from __future__ import annotations

import argparse
import shutil
import time
from datetime import date
from pathlib import Path

import duckdb

from pipelines.generate import generate
from pipelines.ingest import ingest
from pipelines.landing import LANDING_FILES

START = date(2026, 10, 1)


def plain_read_csv(folder: Path, warehouse: Path) -> float:
    con = duckdb.connect(str(warehouse))
    started = time.perf_counter()
    for spec in LANDING_FILES.values():
        con.execute(f"create or replace table {spec.name} as select * from read_csv('{folder / spec.csv_name}', header = true)")
    elapsed = time.perf_counter() - started
    con.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=Path("bench/results/ingest"))
    args = parser.parse_args()
    shutil.rmtree(args.workdir, ignore_errors=True)
    landing, folder = args.workdir / "landing", args.workdir / "landing" / START.isoformat()

    started = time.perf_counter()
    generate(landing, start=START, days=1, loans=args.loans, seed=7, faults=False, progress=True)
    generation = time.perf_counter() - started
    rows = sum(sum(1 for _ in (folder / s.csv_name).open("rb")) - 1 for s in LANDING_FILES.values())

    started = time.perf_counter()
    ingest(landing, args.workdir / "arrears.duckdb", START, "bench")
    load = time.perf_counter() - started
    floor = plain_read_csv(folder, args.workdir / "floor.duckdb")

    print(f"loans                 {args.loans:>12,}")
    print(f"rows in first night   {rows:>12,}")
    print(f"generation            {generation:>9.1f} s  {rows / generation:>12,.0f} rows/s")
    print(f"verified typed load   {load:>9.1f} s  {rows / load:>12,.0f} rows/s")
    print(f"plain read_csv floor  {floor:>9.1f} s  {rows / floor:>12,.0f} rows/s")
    print(f"load / floor          {load / floor:>9.2f} x")


if __name__ == "__main__":
    main()
