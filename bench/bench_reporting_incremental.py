"""What the incremental reporting intermediates save: one model timed the ways a night can build it, in
one run on the same warehouse, so the machine's load is shared by both (A/B).

    .venv/bin/python bench/bench_reporting_incremental.py WAREHOUSE 2026-10-03 --rounds 3

The warehouse must hold the nights up to DATE (e.g. a book run with bench/bench_dbt.py). Each round
builds the model (`dbt run --select MODEL`):
  1. for the night before DATE (a rerun of an older night: built in full; it leaves the table as that
     night built it);
  2. for DATE: the next night, built incrementally, timed as `incremental`;
  3. for DATE again: a rerun, built in full, timed as `full`.
With a version whose model is a table (main), every run is a full build; run it with that version's
code on a copy of its own warehouse. Prints dbt's execution time of the node per run and the load.
"""
from __future__ import annotations

import argparse
import json
import os
import time
from datetime import date, timedelta
from pathlib import Path

from pipelines.transform import policy_vars, run_dbt


def _node_seconds(warehouse: Path, model: str) -> float:
    results = json.loads((warehouse.parent / ".dbt" / "target" / "run_results.json").read_text())["results"]
    return next(r["execution_time"] for r in results if r["unique_id"].endswith(f".{model}"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("night", type=date.fromisoformat, help="the warehouse's latest night (D)")
    parser.add_argument("--model", default="int_reporting_month_end_book")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    warehouse = args.warehouse.absolute()
    previous = args.night - timedelta(days=1)
    times: dict[str, list[float]] = {"older night (full)": [], "incremental": [], "full": []}
    for _ in range(args.rounds):
        for label, as_of in (("older night (full)", previous), ("incremental", args.night), ("full", args.night)):
            start = time.perf_counter()
            run_dbt(["run", "--select", args.model, "--vars", policy_vars()], warehouse, as_of=as_of)
            seconds = _node_seconds(warehouse, args.model)
            times[label].append(seconds)
            print(f"{label:20s} {as_of} node {seconds:5.2f} s (invocation {time.perf_counter() - start:5.1f} s) "
                  f"load {os.getloadavg()[0]:.1f}", flush=True)
    for label, values in times.items():
        print(f"{label:20s} " + ", ".join(f"{v:.2f}" for v in values))


if __name__ == "__main__":
    main()
