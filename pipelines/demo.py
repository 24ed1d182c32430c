"""`arrears demo`: a set-up-free tour on the embedded warehouse.

Generates a synthetic book, runs the nightly pipeline for every business date in turn (exactly
what the scheduler would do), then prints where each output is.
"""
from __future__ import annotations

import sys
import time
from datetime import date, timedelta

from tqdm import tqdm

from pipelines.generate import generate
from pipelines.nightly import run_night
from pipelines.settings import Paths


def run_demo(paths: Paths, loans: int, days: int, start: date, seed: int) -> None:
    started = time.perf_counter()
    print(f"Generating {loans:,} loans over {days} business days from {start} into {paths.landing} ...")
    generate(paths.landing, start=start, days=days, loans=loans, seed=seed, faults=False, progress=True)
    generated = time.perf_counter() - started

    nights = []
    for offset in tqdm(range(days), desc="nightly runs", unit="night", file=sys.stderr):
        nights.append(run_night(start + timedelta(days=offset), paths))
    last = nights[-1]
    summary = last.steps["publish"]
    night_seconds = [sum(n.seconds.values()) for n in nights]

    print()
    print(f"Demo finished in {time.perf_counter() - started:.0f} s "
          f"(generation {generated:.0f} s, {len(nights)} nights, {sum(night_seconds) / len(nights):.1f} s per night).")
    print(f"Last business date {last.as_of}: {summary['active_loans']:,} active loans, "
          f"{summary['overdue_loans']:,} overdue ({summary['overdue_amount']} overdue amount).")
    print("Overdue loans by bucket: " + ", ".join(f"{b} {n:,}" for b, n in summary["overdue_by_bucket"].items()))
    print()
    print("Where things are:")
    print(f"  landing extracts       {paths.landing}/<date>/")
    print(f"  warehouse (DuckDB)     {paths.warehouse}   e.g. duckdb -readonly {paths.warehouse} "
          "\"select * from marts.loan_delinquency limit 5\"")
    print(f"  files for operations   {paths.out}/<date>/ (_batch.json lists every file with its sha256)")
    print(f"  KPI report             {paths.out}/kpi_report.html (and kpi_tables.xlsx), newest date")
