"""`arrears demo`: a set-up-free tour on the embedded warehouse.

Generates a synthetic book, runs the nightly pipeline for every business date in turn (exactly
what the scheduler would do), then prints where each output is. With `faults`, the book carries the
generator's messy-data and lost-record faults: a night whose extract is broken is blocked (its one
line is printed, nothing is published, the tour goes on as the scheduler would), and the others
show the corrections, restorations and quarantine in their data-quality reports.
"""
from __future__ import annotations

import os
import sys
import time
from datetime import date, timedelta

from tqdm import tqdm

from pipelines.errors import BatchBlocked
from pipelines.generate import generate
from pipelines.nightly import run_night
from pipelines.settings import Paths


def run_demo(paths: Paths, loans: int, days: int, start: date, seed: int, faults: bool = False) -> None:
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    print(f"Generating {loans:,} loans over {days} business days from {start} into {paths.landing}"
          f"{' with faults' if faults else ''} ...")
    generate(paths.landing, start=start, days=days, loans=loans, seed=seed, faults=faults, progress=True)
    generated = time.perf_counter() - started

    nights, blocked = [], []
    for offset in tqdm(range(days), desc="nightly runs", unit="night", file=sys.stderr):
        as_of = start + timedelta(days=offset)
        try:
            nights.append(run_night(as_of, paths))
        except BatchBlocked as exc:
            if not faults:
                raise
            blocked.append(f"{as_of}: {exc}")
    if not nights:
        raise BatchBlocked(f"every night of the demo was blocked, the first: {blocked[0]}")
    last = nights[-1]
    summary = last.steps["publish"]
    night_seconds = [sum(n.seconds.values()) for n in nights]

    print()
    print(_timing(night_seconds, time.perf_counter() - started, generated, load_before))
    print(f"Last business date {last.as_of}: {summary['active_loans']:,} active loans, "
          f"{summary['overdue_loans']:,} overdue ({summary['overdue_amount']} overdue amount).")
    print("Overdue loans by bucket: " + ", ".join(f"{b} {n:,}" for b, n in summary["overdue_by_bucket"].items()))
    if faults:
        _print_data_quality(nights, blocked, paths)
    print()
    print("Where things are:")
    print(f"  landing extracts       {paths.landing}/<date>/")
    print(f"  warehouse (DuckDB)     {paths.warehouse}   e.g. duckdb -readonly {paths.warehouse} "
          "\"select * from marts.loan_delinquency limit 5\"")
    print(f"  files for operations   {paths.out}/<date>/ (_batch.json lists every file with its sha256)")
    print(f"  KPI report             {paths.out}/kpi_report.html (and kpi_tables.xlsx), newest date")
    if faults:
        print(f"  data-quality reports   {paths.out}/<date>/data_quality_report.html, "
              f"Data Docs in {paths.warehouse.parent}/data_docs/<date>/")


def _timing(night_seconds: list[float], total: float, generated: float, load_before: float) -> str:
    """What the run measured, in its own words: the nights' times and rate, the machine's load (times on
    a shared machine depend on it), and a month at the measured rate, said to be an estimate."""
    following = night_seconds[1:] or night_seconds
    per_night = sum(following) / len(following)
    rate = f"{60 / per_night:.1f} nights a minute" if per_night else "no time measured"
    month = 30 * per_night + (night_seconds[0] - per_night if len(night_seconds) > 1 else 0)
    return (f"Demo finished in {total:.0f} s (generation {generated:.0f} s, {len(night_seconds)} nights: the first "
            f"{night_seconds[0]:.1f} s, the following {per_night:.1f} s each ({rate}), the last "
            f"{night_seconds[-1]:.1f} s; load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after)."
            + ("" if len(night_seconds) >= 30 else
               f"\nAt this rate 30 nights would take about {month / 60:.1f} min (an estimate from these nights, "
               "not a measurement; `make demo DAYS=30` runs the month)."))


def _print_data_quality(nights: list, blocked: list[str], paths: Paths) -> None:
    """What the validate step did with the injected faults, summed over the nights that ran."""
    total = {k: sum(n.steps["validate"][k] for n in nights)
             for k in ("corrections", "fallbacks", "restored", "reported_lost", "quarantined")}
    print(f"Data quality over {len(nights)} validated nights: {total['corrections']:,} values corrected, "
          f"{total['fallbacks']:,} fell back to their last valid value, {total['restored']:,} lost records restored, "
          f"{total['reported_lost']:,} reported, {total['quarantined']:,} rows quarantined.")
    for line in blocked:
        print(f"Blocked night (nothing published; rerun it once the lender re-delivers): {line}")

