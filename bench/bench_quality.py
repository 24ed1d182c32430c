"""Benchmark: correction and GX validation of a 1,000,000-loan book's customers and loans,
against one plain pandas pass over the same frames (the floor).

    .venv/bin/python bench/bench_quality.py [--loans 1000000] [--workdir bench/results/quality] [--full-step]

Generates the book's first night with the generator's faults (full-width digits, missing country
codes, separators, upper-case e-mails, blanks, duplicate persons, orphan loans), ingests it, then
times on the customers and loans frames:

- correction: the named rules of data_quality.corrections (phones deduplicated, only values not
  already valid E.164 parsed with phonenumbers);
- validation: the GX Core suites of customers and loans (pandas datasource, ephemeral context),
  including the custom checks (E.164 validity, national id checksum, postal code and region);
- plain pass: one vectorised pandas operation over every value of the same frames (null count
  and, for text, length) — what merely touching the data costs.

`--full-step` also times the whole nightly validate step (every file, quality tables, Data Docs).
"""
from __future__ import annotations

import argparse
import shutil
import time
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

START = date(2026, 10, 1)


def plain_pass(frames: list[pd.DataFrame]) -> float:
    """One pass over every value: null count per column and total text length."""
    started = time.perf_counter()
    for frame in frames:
        frame.isna().sum()
        for column in frame.columns:
            if frame[column].dtype == "str":
                frame[column].str.len().sum()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=Path("bench/results/quality"))
    parser.add_argument("--full-step", action="store_true", help="also time the whole validate step")
    args = parser.parse_args()

    from data_quality import corrections, suites
    from data_quality.day import prepare
    from data_quality.step import _context, _with_id_birth_date
    from data_quality.validate import Validation
    from pipelines.generate import generate
    from pipelines.ingest import ingest
    from pipelines.settings import Paths
    from pipelines.warehouse import writer

    shutil.rmtree(args.workdir, ignore_errors=True)
    paths = Paths.resolve(landing=args.workdir / "landing", warehouse=args.workdir / "arrears.duckdb",
                          out=args.workdir / "out")
    started = time.perf_counter()
    generate(paths.landing, start=START, days=1, loans=args.loans, seed=7, faults=True, progress=True)
    generation = time.perf_counter() - started
    started = time.perf_counter()
    ingest(paths.landing, paths.warehouse, START, "bench")
    loading = time.perf_counter() - started

    with writer(paths.warehouse) as con:
        from data_quality import store

        store.ensure(con)
        started = time.perf_counter()
        day = prepare(con, START)
        preparation = time.perf_counter() - started
    customers, loans = day.frames["customers"], day.frames["loans"]
    floor = plain_pass([customers, loans])

    started = time.perf_counter()
    corrected, audit = corrections.correct_customers(customers)
    correction = time.perf_counter() - started
    phones = corrected["phone"]
    messy = int((~corrections.formats.phone_is_valid(customers["phone"]) & customers["phone"].notna()).sum())

    validation = Validation("bench", START.isoformat())     # created before timing: GX import and context
    gx_customers = _with_id_birth_date(corrected)
    context = _context(day)
    started = time.perf_counter()
    validation.run("customers", gx_customers, suites.customers(context))
    gx_customer_seconds = time.perf_counter() - started
    started = time.perf_counter()
    validation.run("loans", loans, suites.loans(context))
    gx_loan_seconds = time.perf_counter() - started
    failed = {o.rule: o.unexpected_count for o in validation.outcomes if not o.success}

    total = correction + gx_customer_seconds + gx_loan_seconds
    print(f"loans in the book            {args.loans:>12,}")
    print(f"customers / loans rows       {len(customers):>12,} / {len(loans):,}")
    print(f"generation (1 night)         {generation:>9.1f} s")
    print(f"ingest (verified typed load) {loading:>9.1f} s")
    print(f"prepare (DuckDB: frames, restoration, integrity columns, all files) {preparation:.1f} s")
    print(f"plain pandas pass (floor)    {floor:>9.2f} s")
    print(f"correction (customers)       {correction:>9.2f} s   {len(audit):,} values corrected, "
          f"{messy:,} phones not E.164-valid as delivered, {phones.nunique():,} distinct after")
    print(f"GX validation customers      {gx_customer_seconds:>9.2f} s   "
          f"({len(suites.customers(context))} expectations)")
    print(f"GX validation loans          {gx_loan_seconds:>9.2f} s   ({len(suites.loans(context))} expectations)")
    print(f"correction + validation      {total:>9.2f} s   {total / floor:.1f} x the plain pass, "
          f"{(len(customers) + len(loans)) / total:,.0f} rows/s")
    print("failed expectations          " + ", ".join(f"{k}: {v:,}" for k, v in sorted(failed.items())))

    if args.full_step:
        from data_quality.step import validate_step

        started = time.perf_counter()
        summary = validate_step(START, paths, "bench-full")
        print(f"whole validate step          {time.perf_counter() - started:>9.1f} s   "
              f"(all files, quality tables, Data Docs: {summary['data_docs']})")
        with duckdb.connect(str(paths.warehouse), read_only=True) as con:
            rows = con.execute("select sum(rows_in_file) from raw.load_log").fetchone()[0]
        print(f"rows validated by the step   {rows:>12,}")


if __name__ == "__main__":
    main()
